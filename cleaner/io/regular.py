"""Reading a whole file safely: regular files only, never more than a given number of bytes.

A corpus folder can hold things that are not files of text: a FIFO (opening it waits for a writer
that never comes), a device such as ``/dev/zero`` (endless), or a symlink to either. And a file can
simply be too large to hold in memory. So a file is opened without blocking, checked with
``fstat`` on the open descriptor (no window between the check and the read for the path to be
swapped), refused if it is not a regular file or is over the limit, and read with a bound, so that
a file growing while it is read is refused too rather than read until memory runs out.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

DEFAULT_MAX_BYTES = 2 * 1024**3  # 2 GiB: a single input must fit in memory, decoded, several times over

_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


class NotReadable(Exception):
    """A file refused before (or while) reading it, with the reason as its message."""


def kind_of(mode: int) -> str:
    """What a file that is not a regular file is, in words (for the reason it is skipped)."""
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def format_size(size: int) -> str:
    """``2147483648`` → ``2 GiB``: a limit in a message, in the units a user would write it in."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} bytes"


def read_regular_file(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of ``path``, if it is a regular file (after symlinks) of at most ``max_bytes``.

    Raises :class:`NotReadable` for anything else, and ``OSError`` if it cannot be opened or read.
    """
    with open_regular(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > max_bytes:
            raise NotReadable(too_large(size, max_bytes))
        return read_at_most(handle, max_bytes)


def open_regular(path: str | Path) -> BinaryIO:
    """``path`` opened for reading (unbuffered) if it is a regular file (after symlinks), without
    blocking on a FIFO; :class:`NotReadable` for anything else, ``OSError`` if it cannot be opened."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    handle = os.fdopen(fd, "rb", buffering=0)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotReadable(f"not a regular file ({kind_of(mode)})")
    except BaseException:
        handle.close()
        raise
    return handle  # type: ignore[return-value]  # a raw FileIO reads and seeks as a BinaryIO does


def read_at_most(handle: BinaryIO, max_bytes: int, refusal: Callable[[], Exception] | None = None) -> bytes:
    """Everything ``handle`` holds, or ``refusal()`` raised (by default :class:`NotReadable`) as
    soon as it passes ``max_bytes``."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = handle.read(min(max_bytes + 1 - total, 1 << 24))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            raise refusal() if refusal else NotReadable(too_large(None, max_bytes))


def too_large(size: int | None, max_bytes: int) -> str:
    """The reason a file over the size limit is refused (``size`` ``None``: it grew while read)."""
    limit = format_size(max_bytes)
    if size is None:
        return f"too large (over the limit of {limit} while being read; see --max-file-size)"
    return f"too large ({size:,} bytes; the limit is {limit}, see --max-file-size)"
