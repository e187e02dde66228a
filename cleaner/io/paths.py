"""Where a run may write, and how file names are shown.

A write is only as safe as the place its path *resolves* to: a symlink inside the destination
can point back into the corpus, and a name taken from an audit record can be ``/etc/passwd`` or
``../x``. So every path a run writes, and the folder its temporary file goes in, is resolved with
:func:`os.path.realpath` and checked by a :class:`WriteGuard` before the run writes anything, and
again just before each write.
"""

from __future__ import annotations

import os
import posixpath
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import NoReturn

from cleaner.errors import ConfigError


class UnsafeWriteError(ConfigError):
    """A write that would land outside its folder or on an input: refused before anything is written."""


def real(path: str | Path) -> Path:
    """``path`` with every symlink resolved, absolute; a missing tail is kept as it is spelled."""
    return Path(os.path.realpath(path))


def is_inside(path: Path, folder: Path) -> bool:
    """True if ``path`` is ``folder`` or below it (both already resolved)."""
    return path == folder or folder in path.parents


@dataclass(frozen=True)
class WriteGuard:
    """A run's write permission: anything below ``folder``, nothing on or below an input.

    ``trees`` are resolved input folders (the SRC tree), ``files`` resolved input files (each
    input, wherever a symlink in SRC points, or an audit record being read), each with the path
    as the user gave it, for messages. Files are a mapping so that a check costs the same for a
    corpus of a million files as for one.
    """

    folder: Path
    folder_label: str
    trees: tuple[tuple[Path, str], ...] = ()
    files: Mapping[Path, str] = field(default_factory=dict)

    @classmethod
    def create(
        cls, folder: str | Path, trees: Iterable[str | Path] = (), files: Iterable[str | Path] = ()
    ) -> WriteGuard:
        return cls(
            real(folder),
            str(folder),
            tuple((real(tree), str(tree)) for tree in trees),
            {real(path): str(path) for path in files},
        )

    def check(self, target: str | Path, what: str = "an output") -> None:
        """Raise :class:`UnsafeWriteError` unless ``target`` (and its temporary files) may be written.

        The folder that will hold the temporary file is checked as well as the target itself:
        a replaced target never follows a symlink, but its folder does.
        """
        target = Path(target)
        for resolved in (real(target), real(target.parent) / target.name):
            if resolved in self.files:
                self._refuse(target, what, f"over the input {self.files[resolved]}", resolved)
            for tree, label in self.trees:
                if is_inside(resolved, tree):
                    self._refuse(target, what, f"into the input {label}", resolved)
            if not is_inside(resolved, self.folder):
                self._refuse(target, what, f"outside {self.folder_label}", resolved)

    @staticmethod
    def _refuse(target: Path, what: str, where: str, resolved: Path) -> NoReturn:
        raise UnsafeWriteError(
            f"{display_name(str(target))}: refusing to write {what} {where} "
            f"(it resolves to {display_name(str(resolved))})"
        )


def has_valid_name(rel: str) -> bool:
    """False for a path that came from the file system with bytes that are not UTF-8.

    Python hands such names over with the bad bytes as lone surrogates; they cannot go into a
    UTF-8 audit record or onto a terminal as they are.
    """
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def display_name(text: str) -> str:
    """``text`` safe to print on a terminal and in one line: bad bytes and control characters escaped.

    >>> display_name("bad\\udcff\\x1b[31m.txt")
    'bad\\\\xff\\\\x1b[31m.txt'
    """
    out: list[str] = []
    for char in text:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, as os.fsdecode gives it
            out.append(f"\\x{code - 0xDC00:02x}")
        elif 0xD800 <= code <= 0xDFFF or unicodedata.category(char) == "Cc":
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def safe_relative_path(name: str) -> str | None:
    """``name`` if it is a plain relative path that stays inside the folder it is joined to, else None.

    Accepted: ``a.txt``, ``sub/a.txt``. Refused, whatever the platform (an audit record may come
    from anywhere): absolute paths, drive letters and UNC shares, any ``..``, ``.`` or empty
    component, a backslash path that climbs out on Windows, and NUL characters.
    """
    if not name or "\x00" in name:
        return None
    if PurePosixPath(name).is_absolute() or PureWindowsPath(name).anchor:
        return None
    if posixpath.normpath(name) != name or any(part in ("", ".", "..") for part in name.split("/")):
        return None
    if ".." in PureWindowsPath(name).parts:
        return None
    return name
