"""What curators expect of a command-line tool: --check for CI, quiet pipes, --summary-json,
--version, help without Python types, every stage the README lists can be switched off."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaner.cli import SWITCHABLE_STAGES, app, clean_app, package_version

from .conftest import CLEANED, ROOT, SEEDS, audit_text

SEED = SEEDS / "001_11a9e775f722c1c5.txt"


def invoke(*args: str | Path, input: bytes | None = None):
    return CliRunner().invoke(clean_app, [str(a) for a in args], input=input)


def test_check_lists_what_would_change_writes_nothing_and_exits_1(tmp_path: Path) -> None:
    result = invoke(SEEDS, tmp_path / "out", "--check", "--quiet")
    assert result.exit_code == 1
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == [
        f"would change {p.name}" for p in sorted(SEEDS.glob("*.txt"))
    ]
    assert not (tmp_path / "out").exists()


def test_check_exits_0_when_nothing_would_change(tmp_path: Path) -> None:
    result = invoke(CLEANED, tmp_path / "out", "--check", "--quiet")
    assert (result.exit_code, result.stdout) == (0, "")
    assert not (tmp_path / "out").exists()


def test_check_on_standard_input(tmp_path: Path) -> None:
    assert invoke("-", "-", "--check", "-q", input="好,的\n".encode()).exit_code == 1
    assert invoke("-", "-", "--check", "-q", input="好，的\n".encode()).exit_code == 0


def test_a_closed_pipe_ends_the_run_quietly(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text(SEED.read_text(encoding="utf-8") * 40, encoding="utf-8")  # far more than a pipe holds
    command = [sys.executable, "-m", "cleaner", "run", str(big), "-", "--diff", "--no-config", "-j", "1"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()  # as `| head -1` does
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 141
    assert stderr == ""


def test_summary_json_holds_the_numbers_the_summary_prints(tmp_path: Path) -> None:
    report = tmp_path / "summary.json"
    result = invoke(SEEDS, tmp_path / "out", "--summary-json", report)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(report.read_text(encoding="utf-8"))
    assert (summary["files"], summary["changed"], summary["skipped"]) == (5, 5, [])
    assert summary["edits"]["rules"] == 46 and summary["rule_hits"]["lukou-fu"] == 19
    assert summary["paragraphs_removed"] == {"exact": 10}
    assert summary["config"] == str(ROOT / "cleaner.toml")
    assert summary["exit_code"] == 0
    assert f"bytes: {summary['bytes_in']:,} in, {summary['bytes_out']:,} out" in result.stderr


def test_summary_json_is_never_written_into_src(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("好\n", encoding="utf-8")
    result = invoke(src, tmp_path / "out", "--summary-json", src / "summary.json", "-q")
    assert result.exit_code == 2
    assert not (src / "summary.json").exists()


@pytest.mark.parametrize("command", [clean_app, app])
def test_version(command) -> None:
    result = CliRunner().invoke(command, ["--version"])
    assert (result.exit_code, result.stdout) == (0, f"cleaner {package_version()}\n")


def test_standard_input_prints_a_summary_like_a_file() -> None:
    result = invoke("-", "-", "--no-config", input="好,的\n".encode())
    assert result.exit_code == 0
    assert result.stdout == "好，的\n"
    assert "files: 1 (1 changed, 0 unchanged, 0 skipped); documents: 1\n" in result.stderr
    assert invoke("-", "-", "-q", input="好,的\n".encode()).stderr == ""


def readme_stages() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("| stage | what it does |", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^\| `(\w+)` \|", table, re.MULTILINE)


def test_every_stage_the_readme_lists_can_be_switched_off(tmp_path: Path) -> None:
    assert sorted(readme_stages()) == sorted(SWITCHABLE_STAGES)
    for stage in readme_stages():
        result = invoke(SEED, tmp_path / stage, "-x", stage, "-q")
        assert result.exit_code == 0, (stage, result.stderr)
        run = json.loads(audit_text(tmp_path / stage / ".cleaner" / "audit.jsonl.gz").split("\n")[0])
        assert stage not in run["stages"]


def test_an_unknown_stage_is_refused_with_the_list() -> None:
    result = invoke(SEED, "-", "-x", "tidy")
    assert result.exit_code == 2
    assert result.stderr == f"--disable: unknown stage 'tidy' (stages: {', '.join(SWITCHABLE_STAGES)})\n"


HELP_COMMANDS = [
    (clean_app, []),
    (app, ["run"]),
    (app, ["restore"]),
    (app, ["verify"]),
    (app, ["rules", "check"]),
    (app, ["rules", "test"]),
    (app, ["rules", "stats"]),
]


@pytest.mark.parametrize(("command", "words"), HELP_COMMANDS)
def test_help_shows_no_python_types(command, words: list[str]) -> None:
    result = CliRunner().invoke(command, [*words, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert not re.search(r"<(str|path|list|int|Path)|\{[A-Z]+\}", result.stdout), result.stdout


def test_quiet_help_says_what_it_hides() -> None:
    result = CliRunner().invoke(clean_app, ["--help"], env={"COLUMNS": "200"}, prog_name="clean")
    usage = result.stdout.splitlines()[0]
    assert usage == "Usage: clean [OPTIONS] SRC DST"
    text = " ".join(result.stdout.split())  # the help is wrapped to the terminal's width
    assert "Hide the progress bar, the per-file lines and the summary; problems are still shown." in text


def test_shell_completion_is_offered() -> None:
    env = {**os.environ, "COLUMNS": "200"}
    result = CliRunner().invoke(clean_app, ["--help"], env=env)
    assert "--install-completion" in result.stdout and "--show-completion" in result.stdout
