"""Stale outputs: files in DST that an earlier run wrote from an input that no longer exists.

A run into DST reads the previous run's audit record before replacing it: every output that run
wrote (a ``file`` record that was not skipped) or still carried as stale (a ``stale`` record) was
written by ``clean``. Those of them whose input is gone are reported, and removed with
``--delete-stale``; nothing else in DST is ever removed. Stale outputs that stay are listed in the
new audit record (``{"type": "stale", "doc": ...}``), so a later run still knows they were its own.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path

from cleaner.audit_file import audit_lines
from cleaner.io.paths import WriteGuard, has_valid_name


def written_before(audit_path: Path | None) -> set[str]:
    """The relative paths of the outputs the run that wrote ``audit_path`` made or carried as stale.

    A missing or unreadable record (an interrupted run leaves none) means nothing is known.
    """
    written: set[str] = set()
    if audit_path is None or not audit_path.is_file():
        return written
    with contextlib.suppress(OSError):
        for _, record in audit_lines(audit_path, with_edits=False):
            if isinstance(record, str) or not isinstance(record.get("doc"), str):
                continue  # a line that cannot be read tells nothing
            if (record.get("type") == "file" and record.get("status") != "skipped") or record.get("type") == "stale":
                written.add(record["doc"])
    return written


def find_stale(dst: Path, written: Iterable[str], current: Iterable[str]) -> list[str]:
    """The outputs an earlier run wrote that no input of this run writes, and that are still in DST."""
    now = set(current)
    return sorted(
        rel for rel in written if rel not in now and has_valid_name(rel) and _plain(rel) and (dst / rel).is_file()
    )


def _plain(rel: str) -> bool:
    """A plain relative path below DST (the audit record is data: no absolute path, no ``..``)."""
    parts = Path(rel).parts
    return bool(parts) and not Path(rel).is_absolute() and ".." not in parts and not parts[0].startswith(".")


def delete_stale(dst: Path, stale: Iterable[str], guard: WriteGuard | None) -> list[str]:
    """Remove the stale outputs (each checked to lie inside DST first); the ones removed."""
    removed = []
    for rel in stale:
        path = dst / rel
        if guard is not None:
            guard.check(path)
        path.unlink(missing_ok=True)
        removed.append(rel)
    return removed
