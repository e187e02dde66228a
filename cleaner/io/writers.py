"""Writing outputs: always UTF-8 without BOM, LF line endings, one final newline, atomically.

A compressed input's output is compressed the same way (:func:`file_bytes`); a Parquet input's
is Parquet (:mod:`cleaner.io.parquet`).

An output is written to a temporary file in the destination folder and renamed over the target
only when complete, so an interrupted run leaves either the old file or the new one, never half.
Temporary files have short names of their own (``.cleaner-tmp-<random>``), so a target name of
up to 255 bytes still fits, and a run that was killed leaves files the next run can recognise
and remove (:func:`remove_leftover_temporaries`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from cleaner.io.compression import compress
from cleaner.io.paths import WriteGuard
from cleaner.model import Document

TEMP_PREFIX = ".cleaner-tmp-"


def render_text(document: Document | None) -> str:
    """The file form of a cleaned text document: its text and one final newline (none if empty)."""
    if document is None or not document.text:
        return ""
    return document.text + "\n"


def render_jsonl(
    records: Iterable[dict[str, Any]],
    documents: Iterable[Document | None],
    text_field: str,
    verbatim: Sequence[tuple[int, str]] = (),
    ascii_only: bool = False,
) -> str:
    """JSON Lines with each record's text field replaced; records whose document was dropped go.

    ``verbatim`` holds lines to write back unchanged, each as ``(position, line)``: before the
    ``position``-th record, or after the last one (the lines of a file that were not records).
    ``ascii_only`` writes every other character as a JSON escape (``\\u00a1``): the same records.
    """
    pending = list(verbatim)[::-1]
    lines = []
    for position, (record, document) in enumerate(zip(records, documents, strict=True)):
        while pending and pending[-1][0] <= position:
            lines.append(pending.pop()[1])
        if document is not None:
            lines.append(json.dumps({**record, text_field: document.text}, ensure_ascii=ascii_only, allow_nan=False))
    lines.extend(line for _, line in reversed(pending))
    return "".join(line + "\n" for line in lines)


def verbatim_lines(positions: Sequence[int], documents: Sequence[Document | None]) -> list[int]:
    """Which lines (from 0) of :func:`render_jsonl`'s output are the verbatim lines at ``positions``."""
    pending = sorted(positions, reverse=True)
    found: list[int] = []
    line = 0
    for position, document in enumerate(documents):
        while pending and pending[-1] <= position:
            pending.pop()
            found.append(line)
            line += 1
        line += document is not None
    return found + list(range(line, line + len(pending)))


def ascii_record(line: str) -> str:
    """A line ``render_jsonl`` wrote for a record, as it writes it with ``ascii_only``: every
    character past ``~`` as a JSON escape (a pair of them past U+FFFF), as ``json.dumps`` does."""
    return _PAST_ASCII.sub(_json_escape, line)


_PAST_ASCII = re.compile("[\x7f-\U0010ffff]")


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code > 0xFFFF:
        code -= 0x10000
        return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def file_bytes(text: str, codec: str | None = None) -> bytes:
    """The bytes of an output file holding ``text``: UTF-8, compressed with ``codec`` if one is given."""
    data = text.encode("utf-8")
    return data if codec is None else compress(data, codec)


# The durability of the writes in progress (see durable_writes): fsync each file, and the folders
# files were renamed into (collected, synced once each when the block ends; None: outside a block).
_FSYNC_FILES = [True]
_RENAMED_INTO: list[set[Path] | None] = [None]


@contextmanager
def durable_writes(fsync: bool = True) -> Iterator[None]:
    """Within the block each output is fsynced before it is renamed into place and, when the block
    completes, each folder a file was renamed into is fsynced once, so the renames survive a power
    cut at one folder sync per folder, not per file. ``fsync=False`` (``clean --no-fsync``) skips
    both, for scratch runs: outputs are still written atomically."""
    previous = (_FSYNC_FILES[0], _RENAMED_INTO[0])
    _FSYNC_FILES[0], _RENAMED_INTO[0] = fsync, set()
    try:
        yield
        if fsync:
            for folder in sorted(_RENAMED_INTO[0] or ()):
                _fsync_folder(folder)
    finally:
        _FSYNC_FILES[0], _RENAMED_INTO[0] = previous


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # a file system that cannot sync a folder (some network mounts) gives what it can
    finally:
        os.close(fd)


@contextmanager
def atomic_open(
    target: Path,
    guard: WriteGuard | None = None,
    what: str = "an output",
    binary: bool = False,
    sync: bool = True,
) -> Iterator[IO[Any]]:
    """A file handle (text, or bytes if ``binary``) whose content replaces ``target`` only if the block completes.

    ``guard`` is checked just before the folder and the temporary file are made: the check made
    when the run was planned could be stale by the time this file's turn comes. ``sync=False``
    never fsyncs this file (one that can be made again), whatever :func:`durable_writes` says.
    """
    if guard is not None:
        guard.check(target, what)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=target.parent)
    try:
        # mkstemp creates the file private (0600); give the output the permissions a plain write would.
        os.chmod(temporary, 0o666 & ~_umask())
        # Binary: also readable, so that an output written piece by piece can be looked over whole.
        opened = os.fdopen(fd, "w+b") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        with opened as handle:
            yield handle
            handle.flush()
            if sync and _FSYNC_FILES[0]:
                os.fsync(handle.fileno())
        os.replace(temporary, target)
        renamed_into = _RENAMED_INTO[0]
        if renamed_into is not None and sync:
            renamed_into.add(target.parent)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(
    target: Path, text: str | bytes, guard: WriteGuard | None = None, what: str = "an output", sync: bool = True
) -> None:
    """Write ``text`` (or bytes, as they are) to ``target`` atomically (``sync``: see :func:`atomic_open`)."""
    with atomic_open(target, guard, what, binary=isinstance(text, bytes), sync=sync) as handle:
        handle.write(text)


class CountingWriter:
    """A binary file handle that also counts and hashes (SHA-256) the bytes written through it, for
    an output written piece by piece; ``close`` leaves the handle to its owner."""

    closed = False

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes | memoryview) -> int:
        data = bytes(data)
        self.handle.write(data)
        self.digest.update(data)
        self.size += len(data)
        return len(data)

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        self.handle.flush()

    def close(self) -> None:
        pass


def remove_leftover_temporaries(folder: Path) -> int:
    """Delete the temporary files a killed run left anywhere under ``folder``; return how many.

    Only names with :data:`TEMP_PREFIX` are touched, symlinked folders are not followed, and the
    caller must hold the folder's lock, so no running writer's file can be taken away.
    """
    removed = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            if name.startswith(TEMP_PREFIX):
                Path(root, name).unlink(missing_ok=True)
                removed += 1
    return removed
