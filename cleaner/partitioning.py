"""Partitions of a run's files: the units of work the Ray engine hands out, and the units
``cleaner suggest`` counts a corpus in.

A partition is a run of consecutive files (in the run's sorted order) of about
``PARTITION_BYTES``, cut by the files' sizes alone, so the same files make the same partitions
whatever engine or number of workers takes them.
"""

from __future__ import annotations

import os

from cleaner.io.readers import SourceFile

PARTITION_BYTES = 4_000_000  # input bytes per task: large enough that scheduling is a small cost
PARTITION_FILES = 256  # and at most this many files, so many tiny files still spread over workers


def partitions(files: list[SourceFile]) -> list[list[SourceFile]]:
    """Consecutive runs of ``files`` of about ``PARTITION_BYTES`` (a bigger file alone), in order."""
    parts: list[list[SourceFile]] = []
    current: list[SourceFile] = []
    size = 0
    for source in files:
        try:
            length = os.path.getsize(source.path)
        except OSError:
            length = 0  # unreadable: the worker says why
        if current and (size + length > PARTITION_BYTES or len(current) >= PARTITION_FILES):
            parts.append(current)
            current, size = [], 0
        current.append(source)
        size += length
    if current:
        parts.append(current)
    return parts
