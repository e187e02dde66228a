"""Whatever goes wrong with one file or one record stays with it: reported, skipped, the run goes on.

Each of these once stopped a whole run with exit 3 (an internal error) and no outputs after it.
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaner import corpus as corpus_module
from cleaner.cli import clean_app
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
