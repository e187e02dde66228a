"""One writer per folder: a lock file in ``FOLDER/.cleaner/`` held for the whole run.

Two runs writing into the same folder would interleave their outputs and leave an audit record
that describes neither, so the second one is refused. The lock is an ``fcntl.flock`` on
``.cleaner/lock``: the kernel releases it when the process ends, however it ends, so a lock file
left by a killed run is stale and simply taken over. The file is removed on a normal exit; after
taking the lock, the holder checks that the file it locked is still the one at that path (another
run may have removed it in between) and tries again otherwise.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from cleaner.errors import ConfigError
from cleaner.io.paths import WriteGuard, display_name

try:  # POSIX; elsewhere runs are not locked
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

STATE_DIR = ".cleaner"
LOCK_NAME = "lock"
_ATTEMPTS = 10


class FolderBusyError(ConfigError):
    """Another run is writing into the same folder."""


def lock_path(folder: Path) -> Path:
    return folder / STATE_DIR / LOCK_NAME


@contextlib.contextmanager
def folder_lock(folder: Path, guard: WriteGuard | None = None) -> Iterator[Path]:
    """Hold ``folder``'s lock for the block, or raise :class:`FolderBusyError` at once."""
    path = lock_path(folder)
    if guard is not None:
        guard.check(path, "the lock file")
    if fcntl is None:  # pragma: no cover
        yield path
        return
    fd = _acquire(path, folder)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield path
    finally:
        _release(path, fd)


def _acquire(path: Path, folder: Path) -> int:
    """A descriptor of the lock file at ``path``, locked by this process."""
    for _ in range(_ATTEMPTS):
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except FileNotFoundError:  # the folder was removed by a run that just finished
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise FolderBusyError(
                f"{display_name(str(folder))}: another run is writing into this folder{holder}; "
                f"wait for it to finish (lock: {display_name(str(path))})"
            ) from None
        if _same_file(path, fd):
            return fd
        os.close(fd)  # we locked a file the previous holder had already removed
    raise FolderBusyError(f"{display_name(str(folder))}: could not take the lock {display_name(str(path))}")


def _holder(fd: int) -> str:
    try:
        pid = os.pread(fd, 32, 0).decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (process {pid})" if pid.isdigit() else ""


def _same_file(path: Path, fd: int) -> bool:
    try:
        on_disk = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (on_disk.st_dev, on_disk.st_ino) == (mine.st_dev, mine.st_ino)


def _release(path: Path, fd: int) -> None:
    """Remove the lock file (and its folder, if that leaves it empty), then let go of the lock."""
    try:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        with contextlib.suppress(OSError):
            path.parent.rmdir()  # only when empty: a run that wrote nothing else there leaves no trace
    finally:
        os.close(fd)
