"""`cleaner rules check` and `cleaner rules test`: exit codes and exact messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaner.rules.cli import app

DATA = Path(__file__).parent / "data" / "rules"
ROOT = Path(__file__).parent.parent


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_check_valid_rules(runner: CliRunner):
    result = runner.invoke(app, ["check", str(DATA / "tree")])
    assert result.exit_code == 0
    assert result.stdout == "2 rules (2 literal, 0 regex) in 2 files: ok, 2 warnings\n"
    assert result.stderr.splitlines() == [
        f"{DATA / 'tree' / 'b.yml'}:2:5: warning: rule b:1 has no examples",
        f"{DATA / 'tree' / 'sub' / 'a.yaml'}:2:5: warning: rule a:1 has no examples",
    ]


def test_check_strict_fails_on_warnings(runner: CliRunner):
    assert runner.invoke(app, ["check", "--strict", str(DATA / "tree")]).exit_code == 1


def test_check_invalid_rules_exit_2_with_every_message(runner: CliRunner, tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - find: 涪口\n  - find: 涑口\n    replce: 渌口\n", encoding="utf-8")
    result = runner.invoke(app, ["check", str(bad)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{bad}:2:5: 'replace' is missing",
        f"{bad}:4:5: unknown rule key 'replce'; did you mean 'replace'?",
        f"{bad}:3:5: 'replace' is missing",
    ]


def test_check_src_warns_about_globs_matching_nothing(runner: CliRunner, tmp_path: Path):
    result = runner.invoke(app, ["check", str(DATA / "all-keys.yaml"), "--src", str(ROOT / "seeds")])
    assert result.exit_code == 0
    assert "matches no file" not in result.stderr
    (tmp_path / "notes.md").write_text("x", encoding="utf-8")
    result = runner.invoke(app, ["check", str(DATA / "all-keys.yaml"), "--src", str(tmp_path)])
    assert result.exit_code == 0
    warnings = [line for line in result.stderr.splitlines() if "matches no file" in line]
    assert warnings == [
        f"{DATA / 'all-keys.yaml'}:4:9: warning: files glob '*.txt' matches no file of the corpus",
        f"{DATA / 'all-keys.yaml'}:16:13: warning: files glob '003_*' matches no file of the corpus",
    ]


def test_missing_path_exit_2(runner: CliRunner, tmp_path: Path):
    result = runner.invoke(app, ["check", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert result.stderr == f"{tmp_path / 'nope'}: no such rule file or folder\n"


def test_folder_without_rule_files_exit_2(runner: CliRunner, tmp_path: Path):
    result = runner.invoke(app, ["test", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == f"{tmp_path}: no rule files (*.yaml, *.yml)\n"


def test_default_path_is_rules_of_the_working_folder(runner: CliRunner, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["test"]).stderr == "rules: no such rule file or folder\n"
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "r.yaml").write_text(
        "rules:\n  - find: 涪口\n    replace: 渌口\n    examples: [[涪口, 渌口]]\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["test"])
    assert result.exit_code == 0
    assert result.stdout == "1 examples of 1 rules: 1 passed, 0 failed\n"


def test_test_reports_failures_with_a_diff(runner: CliRunner):
    path = DATA / "failing-example.yaml"
    result = runner.invoke(app, ["test", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}:2:5: rule failing-example:1, example 2: output differs from the expected one",
        "  input:    涪口镇",
        "  expected: 涪口镇",
        "  actual:   渌口镇",
        "  diff:     [-涪-]{+渌+}口镇",
    ]
    assert result.stdout == "2 examples of 1 rules: 1 passed, 1 failed\n"


def test_test_reports_an_example_whose_output_another_rule_changes(runner: CliRunner, tmp_path: Path):
    path = tmp_path / "r.yaml"
    path.write_text(
        "rules:\n  - find: 车同\n    replace: 车间\n    examples: [[生产车同隔, 生产车间隔]]\n"
        "  - find: 间隔\n    replace: 间距\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["test", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{path}:2:5: rule r:1, example 1: the expected output is changed again by r:2"
    )
    assert "  diff:     生产车间[-隔-]{+距+}" in result.stderr.splitlines()


def test_the_projects_rules_pass_their_own_tests(runner: CliRunner):
    result = runner.invoke(app, ["test", str(ROOT / "rules")])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.endswith(" failed\n") and " 0 failed" in result.stdout
    assert "have no examples" not in result.stdout


def test_the_projects_rules_check_without_warnings(runner: CliRunner):
    result = runner.invoke(app, ["check", "--strict", str(ROOT / "rules"), "--src", str(ROOT / "seeds")])
    assert result.exit_code == 0, result.stderr
