"""Whatever goes wrong with one file or one record stays with it: reported, skipped, the run goes on.

Each of these once stopped a whole run with exit 3 (an internal error) and no outputs after it.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cleaner import corpus as corpus_module
from cleaner.cli import app, clean_app
from cleaner.report import read_audit

PAGE = "渌口区推进产业发展,园区企业已达78家。\n"
PAGE_CLEAN = "渌口区推进产业发展，园区企业已达78家。\n"
OTHER = "株洲市加快项目建设,新开工项目32个。\n"
OTHER_CLEAN = "株洲市加快项目建设，新开工项目32个。\n"


def invoke(*args: str | Path):
    return CliRunner().invoke(clean_app, [str(a) for a in args])


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """The inputs of the hostile runs, each in a file of its own, around two good files."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text(PAGE, encoding="utf-8")
    (src / "digits.jsonl").write_text('{"text": "x", "n": ' + "1" * 5000 + "}\n", encoding="utf-8")
    (src / "nested.jsonl").write_text('{"text": "x", "n": ' + "[" * 100_000 + "]" * 100_000 + "}\n", encoding="utf-8")
    (src / "surrogate.jsonl").write_text('{"text": "\\ud800"}\n', encoding="utf-8")
    (src / "z.txt").write_text(OTHER, encoding="utf-8")
    return src


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_one_bad_item_never_stops_the_run(hostile: Path, tmp_path: Path, jobs: str) -> None:
    result = invoke(hostile, tmp_path / "out", "--jobs", jobs)
    assert result.exit_code == 1, result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert "skipped digits.jsonl:1: an integer of 5,000 digits" in result.stderr
    assert "skipped nested.jsonl:1: nested deeper than 100 levels" in result.stderr
    assert "skipped surrogate.jsonl:1: a lone surrogate \\ud800 in a string" in result.stderr
    assert (tmp_path / "out" / "a.txt").read_text("utf-8") == PAGE_CLEAN
    assert (tmp_path / "out" / "z.txt").read_text("utf-8") == OTHER_CLEAN
    assert "files: 5 (2 changed, 0 unchanged, 3 skipped)" in result.stderr


def test_a_failure_while_reading_one_file_costs_only_that_file(
    hostile: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_load = corpus_module.load

    def load(source, **options):
        if source.rel == "a.txt":
            raise RecursionError("maximum recursion depth exceeded")
        return real_load(source, **options)

    monkeypatch.setattr(corpus_module, "load", load)
    result = invoke(hostile, tmp_path / "out")
    assert result.exit_code == 1
    assert "skipped a.txt: cannot read (RecursionError: maximum recursion depth exceeded)" in result.stderr
    assert (tmp_path / "out" / "z.txt").read_text("utf-8") == OTHER_CLEAN


def test_a_failure_while_writing_one_output_costs_only_that_file(
    hostile: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = corpus_module.write_atomic

    def write_atomic(target, text, guard=None, what="an output"):
        if target.name == "a.txt":
            raise OSError(errno.ENAMETOOLONG, "File name too long", str(target))
        return real_write(target, text, guard, what)

    monkeypatch.setattr(corpus_module, "write_atomic", write_atomic)
    out = tmp_path / "out"
    result = invoke(hostile, out)
    assert result.exit_code == 1
    assert "skipped a.txt: cannot write the output (File name too long)" in result.stderr
    assert (out / "z.txt").read_text("utf-8") == OTHER_CLEAN
    files = {r["doc"]: r for r in read_audit(out / ".cleaner" / "audit.jsonl.gz") if r["type"] == "file"}
    assert files["a.txt"]["status"] == "skipped" and files["z.txt"]["status"] == "cleaned"


def test_a_failure_while_finishing_one_file_costs_only_that_file(
    hostile: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_render = corpus_module.render_text

    def render_text(document):
        if document is not None and document.id == "a.txt":
            raise ValueError("cannot render")
        return real_render(document)

    monkeypatch.setattr(corpus_module, "render_text", render_text)
    result = invoke(hostile, tmp_path / "out")
    assert result.exit_code == 1
    assert "skipped a.txt: internal error in cleaning (ValueError: cannot render)" in result.stderr
    assert (tmp_path / "out" / "z.txt").read_text("utf-8") == OTHER_CLEAN


def test_names_in_reasons_are_escaped_for_the_terminal(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "bad\x1b[2J.jsonl").write_text('{"text": "好"}\n{"text": NaN}\n', encoding="utf-8")
    result = invoke(src, tmp_path / "out")
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr
    assert "skipped bad\\x1b[2J.jsonl:2: NaN is not a JSON number" in result.stderr


def test_a_deeply_nested_config_file_is_a_config_error(hostile: Path, tmp_path: Path) -> None:
    config = tmp_path / "deep.yaml"
    config.write_text("rules: {paths: " + "[" * 100_000 + "]" * 100_000 + "}\n", encoding="utf-8")
    result = invoke(hostile, tmp_path / "out", "--config", config)
    assert result.exit_code == 2, result.stderr
    assert f"{config}:1:" in result.stderr and "nest" in result.stderr
    assert "internal error" not in result.stderr


def test_a_folder_that_cannot_be_listed_is_skipped_by_name(
    hostile: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """os.walk passes over a folder it cannot list; the run said nothing of the files it hid and
    exited 0. (No permission is simulated: the tests may run as root, who can list any folder.)"""
    (hostile / "locked").mkdir()
    (hostile / "locked" / "b.txt").write_text(OTHER, encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path: str | os.PathLike[str] = ".") -> Any:
        if os.fspath(path).endswith("locked"):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    out = tmp_path / "out"
    result = invoke(hostile, out)
    assert result.exit_code == 1
    assert "skipped locked: cannot list the folder (Permission denied)\n" in result.stderr
    assert (out / "a.txt").read_text("utf-8") == PAGE_CLEAN
    verified = CliRunner().invoke(app, ["verify", str(hostile), str(out), "-q"])
    assert verified.exit_code == 0, verified.output


def test_a_file_deeper_than_the_system_allows_is_skipped_by_name(tmp_path: Path) -> None:
    """A folder whose path is longer than PATH_MAX (4096 bytes on Linux) cannot be listed: what it
    holds was left out in silence, with exit 0."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text(PAGE, encoding="utf-8")
    folders = deep_folders(src, 4200)
    out = tmp_path / "out"
    result = invoke(src, out)
    assert result.exit_code == 1, result.output
    assert "cannot list the folder (File name too long)" in result.stderr
    assert f"skipped {folders[0]}/" in result.stderr
    assert (out / "a.txt").read_text("utf-8") == PAGE_CLEAN
    verified = CliRunner().invoke(app, ["verify", str(src), str(out), "-q"])
    assert verified.exit_code == 0, verified.output


def deep_folders(root: Path, length: int) -> list[str]:
    """Nested folders of 200-byte names under ``root``, made one by one (relative to the last, as no
    path that long can be given whole), until the path is ``length`` bytes; a file at the bottom."""
    names: list[str] = []
    fd = os.open(root, os.O_RDONLY)
    total = len(os.fsencode(root))
    try:
        while total < length:
            names.append(f"{len(names):02d}" + "d" * 198)
            os.mkdir(names[-1], dir_fd=fd)
            inner = os.open(names[-1], os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
            total += 201
        with os.fdopen(os.open("deep.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as handle:
            handle.write(OTHER)
    finally:
        os.close(fd)
    return names


def test_a_source_folder_that_cannot_be_listed_is_refused(
    hostile: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_scandir = os.scandir

    def scandir(path: str | os.PathLike[str] = ".") -> Any:
        if Path(path) == hostile:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = invoke(hostile, tmp_path / "out")
    assert result.exit_code == 2
    assert result.stderr == f"{hostile}: cannot list the folder (Permission denied)\n"
    assert not (tmp_path / "out").exists()
