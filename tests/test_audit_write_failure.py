"""The audit record cannot be written (a full disk): the run says so, names the record, exits 1,
and leaves complete outputs and no temporary file, as it does for an output it cannot write."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import cleaner.report as report_module
from cleaner.cli import clean_app
from cleaner.io.writers import TEMP_PREFIX

from .conftest import SEEDS, in_run_cache

FULL = OSError(errno.ENOSPC, "No space left on device")


class _FullDisk:
    """The audit record's text handle on a disk that fills up: at its ``fail_at``-th write, or
    when it is closed (the gzip trailer and the buffered bytes go out then)."""

    def __init__(self, handle: Any, fail_at: int | None) -> None:
        self.handle = handle
        self.writes = 0
        self.fail_at = fail_at

    def write(self, text: str) -> int:
        self.writes += 1
        if self.fail_at is not None and self.writes >= self.fail_at:
            raise FULL
        return self.handle.write(text)

    def close(self) -> None:
        self.handle.close()
        raise FULL

    def __getattr__(self, name: str) -> Any:
        return getattr(self.handle, name)


def full_disk_for_the_audit(monkeypatch: pytest.MonkeyPatch, fail_at: int | None) -> None:
    real = report_module.compressed_text
    monkeypatch.setattr(report_module, "compressed_text", lambda opened: _FullDisk(real(opened), fail_at))


def files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not in_run_cache(p, root)
    }


def clean(src: Path, dst: Path) -> Any:
    return CliRunner().invoke(clean_app, [str(src), str(dst), "--no-config", "--no-rules", "-q", "-j", "1"])


@pytest.mark.parametrize("fail_at", [None, 3], ids=["at-the-end", "mid-run"])
def test_an_audit_record_that_cannot_be_written_is_reported_and_leaves_no_temporary_file(
    fail_at: int | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = tmp_path / "reference"
    assert clean(SEEDS, reference).exit_code == 0
    full_disk_for_the_audit(monkeypatch, fail_at)
    out = tmp_path / "out"
    result = clean(SEEDS, out)
    assert result.exit_code == 1, result.stderr
    message = result.stderr.strip().splitlines()[-1]
    assert "audit.jsonl.gz: cannot write the audit record (No space left on device)" in message
    assert "the outputs written are complete" in message
    assert "Traceback" not in result.stderr
    written = files(out)
    assert not any(Path(name).name.startswith(TEMP_PREFIX) for name in written)
    assert ".cleaner/audit.jsonl.gz" not in written
    expected = files(reference)
    # every output written is the one a run with room writes (at the end: all of them)
    assert written and all(expected[name] == data for name, data in written.items())
    if fail_at is None:
        assert set(written) == {name for name in expected if not name.startswith(".cleaner/")}
