"""Units of work: partitions of a run's files for the Ray engine and ``cleaner suggest``, and parts
of one big JSON Lines or Parquet file for either engine.

A partition is a run of consecutive files (in the run's sorted order) of about
``PARTITION_BYTES``, cut by the files' sizes alone, so the same files make the same partitions
whatever engine or number of workers takes them.

A JSON Lines or Parquet file larger than ``input.partition_size`` (about ``PARTITION_BYTES`` by
default) is cut into parts of consecutive records (:class:`~cleaner.io.readers.FilePart`): JSON
Lines at line breaks, about that many bytes each; Parquet at row-group boundaries. Each part is a
unit of work of its own, read alone by the worker or actor that cleans it, and the parts' results
are written in order into the one output (:mod:`cleaner.corpus`), byte for byte what the file
cleaned whole gives. A file is cut only when that is sure to hold:

- JSON Lines: uncompressed (a compressed stream cannot be read from the middle), in an encoding in
  which a line-break byte is always a line break (UTF-8, GB18030, Big5…; not UTF-16), and
  decoding strictly in it, as checked here by reading the file once in chunks (its SHA-256 is
  taken in the same pass);
- Parquet: more than one row group, and a text column of strings;
- not with ``input.on_error: fail``, which must see every bad line before any record is cleaned.

Anything else stays one unit and is read whole, as before. Text files are never cut: layout needs
the whole document.
"""

from __future__ import annotations

import codecs
import hashlib
import itertools
import os
from collections.abc import Iterator
from typing import BinaryIO

from cleaner.config import Config
from cleaner.errors import CleanerError
from cleaner.io.decoding import (
    BINARY_CHECK_CHARS,
    SAMPLE_BYTES,
    EncodingChoice,
    check_not_binary,
    file_codec,
    sample_of_file,
)
from cleaner.io.paths import has_valid_name
from cleaner.io.readers import FilePart, SourceFile
from cleaner.io.regular import open_regular

PARTITION_BYTES = 4_000_000  # input bytes per task: large enough that scheduling is a small cost
PARTITION_FILES = 256  # and at most this many files, so many tiny files still spread over workers
CHUNK_BYTES = 1 << 23  # a big file is read in chunks of this size when it is cut in parts

# Encodings in which the byte 0x0A is a line break wherever it stands (never part of a multi-byte
# character) and which carry no state from one line to the next: a file in one is cut at line breaks.
LINE_SAFE_CODECS = frozenset(
    {"utf-8", "gb18030", "gbk", "gb2312", "big5", "big5hkscs", "cp932", "cp949", "cp950", "ascii", "latin-1"}
    | {f"cp125{n}" for n in range(9)}
    | {f"iso8859-{n}" for n in range(1, 17)}
)

Unit = SourceFile | FilePart


def partitions(files: list[SourceFile] | list[Unit]) -> list[list[Unit]]:
    """Consecutive runs of ``files`` of about ``PARTITION_BYTES`` (a bigger file alone), in order."""
    parts: list[list[Unit]] = []
    current: list[Unit] = []
    size = 0
    for unit in files:
        length = unit.length if isinstance(unit, FilePart) else _size(unit)
        if current and (size + length > PARTITION_BYTES or len(current) >= PARTITION_FILES):
            parts.append(current)
            current, size = [], 0
        current.append(unit)
        size += length
    if current:
        parts.append(current)
    return parts


def _size(source: SourceFile) -> int:
    try:
        return os.path.getsize(source.path)
    except OSError:
        return 0  # unreadable: the worker says why


def units_of(files: list[SourceFile], config: Config, text_field: str) -> list[Unit]:
    """The units of work of a run: each file, or the parts of a file too big to be one, in order."""
    units: list[Unit] = []
    for source in files:
        units.extend(file_parts(source, config, text_field) or [source])
    return units


def file_parts(source: SourceFile, config: Config, text_field: str) -> list[FilePart]:
    """The parts ``source`` is cut into, or none if it stays one unit (see the module's docstring)."""
    options = config.input
    if source.unlisted or not has_valid_name(source.rel) or options.on_error == "fail":
        return []
    if source.format not in ("jsonl", "parquet") or source.codec is not None:
        return []
    size = _size(source)
    if size <= options.partition_size or size > options.max_file_size:
        return []
    try:
        if source.format == "parquet":
            return _parquet_parts(source, size, options.partition_size, text_field)
        return _jsonl_parts(source, size, options.partition_size, config)
    except (CleanerError, OSError, ValueError):
        return []  # read whole, the file is skipped with the reason (or cleaned) as before


def _jsonl_parts(source: SourceFile, size: int, limit: int, config: Config) -> list[FilePart]:
    """A JSON Lines file cut after the first line break past every ``limit`` bytes, if it can be."""
    encoding = EncodingChoice.parse(config.input.encoding).for_file(source.rel)
    with open_regular(source.path) as handle:
        head = handle.read(SAMPLE_BYTES)
        whole = size <= SAMPLE_BYTES  # as decode() sniffs a file that small: from all of it
        sample = head if whole else sample_of_file(handle, head)
        handle.seek(size - 1)
        ends_in_newline = handle.read(1) == b"\n"
        codec, label, bom = file_codec(head, sample, whole, ends_in_newline, source.rel, encoding)
        if codecs.lookup(codec).name not in LINE_SAFE_CODECS:
            return []
        handle.seek(0)
        cuts, digest = _cuts(handle, codec, bom, limit, source.rel)
    if cuts[-1][0] != size or len(cuts) < 3:
        return []  # the file changed while it was read, or is one part anyway
    count = len(cuts) - 1
    return [
        FilePart(source, i, count, start, stop, first, stop - start, size, digest, codec, label)
        for i, ((start, first), (stop, _)) in enumerate(itertools.pairwise(cuts))
    ]


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
    while chunk := handle.read(CHUNK_BYTES):
        yield chunk


def _cuts(handle: BinaryIO, codec: str, bom: int, limit: int, rel: str) -> tuple[list[tuple[int, int]], str]:
    """Where the parts of a JSON Lines file start, as ``(byte, line number)``, ending with
    ``(size, …)``, and the file's SHA-256. Raises ``ValueError`` if the file does not decode
    strictly in ``codec``, :class:`InputError` if its start looks binary (it is read whole then)."""
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    digest = hashlib.sha256()
    cuts = [(bom, 1)]
    position, lines, checked = 0, 1, False
    for chunk in _chunks(handle):
        digest.update(chunk)
        text = decoder.decode(chunk[max(0, bom - position) :])
        if not checked:
            check_not_binary(text[:BINARY_CHECK_CHARS], rel)
            checked = True
        offset = 0
        while (target := cuts[-1][0] + limit - position) < len(chunk):
            newline = chunk.find(b"\n", max(target, offset))
            if newline < 0:
                break
            lines += chunk.count(b"\n", offset, newline + 1)
            offset = newline + 1
            cuts.append((position + offset, lines))
        lines += chunk.count(b"\n", offset)
        position += len(chunk)
    decoder.decode(b"", final=True)
    if cuts[-1][0] == position:  # the last cut fell at the very end: no empty part after it
        cuts.pop()
    cuts.append((position, lines))
    return cuts, digest.hexdigest()


def _parquet_parts(source: SourceFile, size: int, limit: int, text_field: str) -> list[FilePart]:
    """A Parquet file cut at row-group boundaries into parts of about ``limit`` bytes stored."""
    from cleaner.io.parquet import pyarrow_modules, text_column

    _, pq = pyarrow_modules(source.rel)
    with open_regular(source.path) as handle:
        metadata = pq.ParquetFile(handle).metadata
        text_column(metadata.schema.to_arrow_schema(), source.rel, text_field)
        handle.seek(0)
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    groups = [metadata.row_group(i) for i in range(metadata.num_row_groups)]
    bounds: list[tuple[int, int, int]] = []  # (first group, first row, bytes)
    row = 1
    for index, group in enumerate(groups):
        stored = sum(group.column(c).total_compressed_size for c in range(group.num_columns))
        if not bounds or bounds[-1][2] >= limit:
            bounds.append((index, row, 0))
        start, first, length = bounds[-1]
        bounds[-1] = (start, first, length + stored)
        row += group.num_rows
    if len(bounds) < 2:
        return []
    stops = [start for start, _, _ in bounds[1:]] + [len(groups)]
    return [
        FilePart(source, i, len(bounds), start, stop, first, length, size, digest)
        for i, ((start, first, length), stop) in enumerate(zip(bounds, stops, strict=True))
    ]
