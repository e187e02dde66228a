"""Bad JSON Lines records: one line each (file:line: reason), the good ones written, --on-error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaner.cli import clean_app

LINES = ['{"text": "a,b"}', '{"id": 1}', '{"text": "中文,好"}', "not json", '{"text": "c"}']


@pytest.fixture
def src(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "news.jsonl").write_text("\n".join(LINES) + "\n", encoding="utf-8")
    return folder


def invoke(*args: str | Path, input: bytes | None = None):
    return CliRunner().invoke(clean_app, [*map(str, args), "--no-config"], input=input)


def test_each_bad_record_is_one_line_and_the_good_ones_are_cleaned(src: Path, tmp_path: Path) -> None:
    result = invoke(src, tmp_path / "out")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("skipped")]
    assert errors == [
        "skipped news.jsonl:2: field 'text' is missing",
        "skipped news.jsonl:4: invalid JSON (Expecting value at column 1)",
    ]
    lines = (tmp_path / "out" / "news.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["text"] for line in (lines[0], lines[2], lines[4])] == ["a,b", "中文，好", "c"]
    assert (lines[1], lines[3]) == (LINES[1], LINES[3]), "bad lines are written back as they were"


def test_on_error_fail_skips_the_file_whole(src: Path, tmp_path: Path) -> None:
    result = invoke(src, tmp_path / "out", "--on-error", "fail")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:3] == [
        "skipped news.jsonl:2: field 'text' is missing",
        "skipped news.jsonl:4: invalid JSON (Expecting value at column 1)",
        "skipped news.jsonl: 2 bad JSON Lines records (--on-error fail)",
    ]
    assert not (tmp_path / "out" / "news.jsonl").exists()


def test_on_error_fail_on_standard_input_writes_nothing(src: Path) -> None:
    data = (src / "news.jsonl").read_bytes()
    result = invoke("-", "-", "--format", "jsonl", "--on-error", "fail", input=data)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == "skipped <stdin>: 2 bad JSON Lines records (--on-error fail)"


def test_on_error_skip_is_the_default_and_a_clean_file_exits_0(tmp_path: Path) -> None:
    (tmp_path / "ok.jsonl").write_text('{"text": "好,的"}\n', encoding="utf-8")
    for extra in ([], ["--on-error", "fail"], ["--on-error", "skip"]):
        result = invoke(tmp_path / "ok.jsonl", "-", *extra)
        assert (result.exit_code, result.stdout) == (0, '{"text": "好，的"}\n')


def test_an_unknown_on_error_value_exits_2(src: Path, tmp_path: Path) -> None:
    result = invoke(src, tmp_path / "out", "--on-error", "ignore")
    assert result.exit_code == 2
    assert result.stderr == "--on-error must be one of skip, fail, not 'ignore'\n"
    assert not (tmp_path / "out").exists()


def test_on_error_in_the_config_file(src: Path, tmp_path: Path) -> None:
    config = tmp_path / "cleaner.toml"
    config.write_text('[input]\non_error = "fail"\n', encoding="utf-8")
    result = CliRunner().invoke(clean_app, [str(src), str(tmp_path / "out"), "--config", str(config)])
    assert result.exit_code == 1
    assert not (tmp_path / "out" / "news.jsonl").exists()
