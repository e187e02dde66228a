"""Outputs whose input is gone are reported; --delete-stale removes them, and only them."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cleaner import clean_corpus
from cleaner.cli import app, clean_app
from cleaner.config import Config
from cleaner.report import read_audit


def invoke(*args: str | Path):
    return CliRunner().invoke(clean_app, [*map(str, args), "--no-config"])


def make_run(tmp_path: Path) -> tuple[Path, Path]:
    src, dst = tmp_path / "src", tmp_path / "dst"
    (src / "sub").mkdir(parents=True)
    for name in ("a.txt", "b.txt", "sub/c.md"):
        (src / name).write_text("好,的\n", encoding="utf-8")
    assert invoke(src, dst, "-q").exit_code == 0
    (dst / "mine.txt").write_text("a file the user put here\n", encoding="utf-8")
    (src / "b.txt").unlink()
    (src / "sub" / "c.md").unlink()
    return src, dst


def test_stale_outputs_are_reported_and_kept(tmp_path: Path) -> None:
    src, dst = make_run(tmp_path)
    result = invoke(src, dst)
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert "stale b.txt: its input is gone; kept" in lines
    assert "stale sub/c.md: its input is gone; kept" in lines
    assert "stale outputs (their input is gone): 2, 2 kept (--delete-stale removes them)" in lines
    assert (dst / "b.txt").exists() and (dst / "sub" / "c.md").exists()
    stale = [r["doc"] for r in read_audit(dst / ".cleaner" / "audit.jsonl.gz") if r["type"] == "stale"]
    assert stale == ["b.txt", "sub/c.md"]


def test_delete_stale_removes_only_what_a_run_wrote(tmp_path: Path) -> None:
    src, dst = make_run(tmp_path)
    assert invoke(src, dst, "-q").exit_code == 0  # reported, kept, and still known as written by clean
    result = invoke(src, dst, "--delete-stale")
    assert result.exit_code == 0, result.stderr
    assert "stale b.txt: its input is gone; deleted" in result.stderr.splitlines()
    assert sorted(p.relative_to(dst).as_posix() for p in dst.rglob("*") if ".cleaner" not in p.parts) == [
        "a.txt",
        "mine.txt",
        "sub",
    ]
    verified = CliRunner().invoke(app, ["verify", str(src), str(dst)])
    assert "mine.txt: no source" in verified.stdout  # not ours: never removed, and verify still says so


def test_nothing_is_known_stale_without_an_audit_record(tmp_path: Path) -> None:
    src, dst = make_run(tmp_path)
    (dst / ".cleaner" / "audit.jsonl.gz").unlink()
    result = invoke(src, dst, "--delete-stale")
    assert result.exit_code == 0
    assert not [line for line in result.stderr.splitlines() if line.startswith("stale")]
    assert (dst / "b.txt").exists()


def test_the_api_reports_and_deletes_too(tmp_path: Path) -> None:
    src, dst = make_run(tmp_path)
    summary = clean_corpus(src, dst, Config())
    assert (summary.stale, summary.deleted) == (["b.txt", "sub/c.md"], [])
    summary = clean_corpus(src, dst, Config(), delete_stale=True)
    assert summary.deleted == ["b.txt", "sub/c.md"]
    assert not (dst / "b.txt").exists()
