"""Configuration is found like ruff's: the closest cleaner.toml (or pyproject.toml [tool.cleaner])
above SRC, then above the working folder; rule paths are relative to the file naming them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaner import clean_corpus
from cleaner.cli import app, clean_app
from cleaner.config import discover_config, find_config, load_config
from cleaner.errors import ConfigError
from cleaner.report import read_audit

from .conftest import CLEANED, ROOT, SEEDS, audit_text

RULE = "rules:\n  - id: lukou-fu\n    find: 涪口\n    replace: 渌口\n"
TYPO = "涪口区推进产业发展。\n"


def run_cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``clean ARGS`` in a fresh process started in ``cwd``, with this checkout's cleaner."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "cleaner", *map(str, args)]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=300)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project: cleaner.toml naming my-rules/ (relative to itself), and a corpus below it."""
    root = tmp_path / "project"
    (root / "my-rules").mkdir(parents=True)
    (root / "my-rules" / "names.yaml").write_text(RULE, encoding="utf-8")
    (root / "cleaner.toml").write_text('[rules]\npaths = ["my-rules/"]\n', encoding="utf-8")
    (root / "corpus" / "2024").mkdir(parents=True)
    (root / "corpus" / "2024" / "a.txt").write_text(TYPO, encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    return root


def test_the_seeds_clean_the_same_from_another_folder(tmp_path: Path) -> None:
    done = run_cli("run", SEEDS, tmp_path / "out", "--jobs", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for expected in sorted(CLEANED.glob("*.txt")):
        assert (tmp_path / "out" / expected.name).read_bytes() == expected.read_bytes(), expected.name
    # The audit record names the config and rule files relative to SRC: the same from any folder.
    audit = (tmp_path / "out" / ".cleaner" / "audit.jsonl.gz").read_bytes()
    assert audit == (CLEANED / ".cleaner" / "audit.jsonl.gz").read_bytes()
    assert f"config: {ROOT / 'cleaner.toml'}; rules: {ROOT / 'rules' / 'industry-terms.yaml'}, " in done.stderr


def test_the_run_record_names_the_config_and_rule_files() -> None:
    run = next(read_audit(CLEANED / ".cleaner" / "audit.jsonl.gz"))
    assert run["config"] == "../cleaner.toml"
    assert run["rules"] == [f"../rules/{p.name}" for p in sorted((ROOT / "rules").glob("*.yaml"))]


def test_the_closest_config_above_src_is_used_from_any_folder(project: Path) -> None:
    out = project.parent / "out"
    done = run_cli("run", project / "corpus", out, "--jobs", "1", cwd=project.parent / "elsewhere")
    assert done.returncode == 0, done.stderr
    assert (out / "2024" / "a.txt").read_text(encoding="utf-8") == "渌口区推进产业发展。\n"
    run, *records = read_audit(out / ".cleaner" / "audit.jsonl.gz")
    assert (run["config"], run["rules"]) == ("../cleaner.toml", ["../my-rules/names.yaml"])
    edit = next(r for r in records if r["type"] == "edit" and r["stage"] == "rules")
    assert edit["detail"]["file"] == "my-rules/names.yaml"  # relative to the config file


def test_rules_stats_finds_the_same_rules(project: Path) -> None:
    done = run_cli("rules", "stats", project / "corpus", cwd=project.parent / "elsewhere")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "1 hits of 1 rules in 1 files"


def test_no_rules_is_said_plainly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text(TYPO, encoding="utf-8")
    result = CliRunner().invoke(clean_app, ["a.txt", "out"])
    assert result.exit_code == 0, result.stderr
    assert "config: none found (defaults); rules: none apply\n" in result.stderr
    run = next(read_audit(tmp_path / "out" / ".cleaner" / "audit.jsonl.gz"))
    assert (run["config"], run["rules"]) == (None, [])


def test_the_closest_file_wins_and_cleaner_toml_beats_pyproject(project: Path) -> None:
    corpus = project / "corpus" / "2024"
    assert find_config(corpus / "a.txt") == project / "cleaner.toml"
    (project / "corpus" / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    assert find_config(corpus) == project / "cleaner.toml", "a pyproject.toml without [tool.cleaner] is no config"
    (project / "corpus" / "pyproject.toml").write_text("[tool.cleaner.dedup]\nscope = 'file'\n", encoding="utf-8")
    assert find_config(corpus) == project / "corpus" / "pyproject.toml"
    assert discover_config(corpus).dedup.scope == "file"
    (project / "corpus" / "cleaner.toml").write_text("[dedup]\nscope = 'off'\n", encoding="utf-8")
    assert find_config(corpus) == project / "corpus" / "cleaner.toml"


def test_the_working_folders_config_is_used_when_src_has_none(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loose = tmp_path / "loose.txt"
    loose.write_text(TYPO, encoding="utf-8")
    monkeypatch.chdir(project)
    result = CliRunner().invoke(clean_app, [str(loose), "-"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "渌口区推进产业发展。\n"
    result = CliRunner().invoke(clean_app, ["-", "-"], input=TYPO.encode())
    assert result.stdout == "渌口区推进产业发展。\n"
    result = CliRunner().invoke(clean_app, [str(loose), "-", "--no-config"])
    assert result.stdout == TYPO


def test_clean_corpus_without_a_config_is_the_cli(project: Path, tmp_path: Path) -> None:
    summary = clean_corpus(project / "corpus", tmp_path / "api")
    assert summary.config_file == project / "cleaner.toml"
    assert summary.rule_files == [project / "my-rules" / "names.yaml"]
    assert (tmp_path / "api" / "2024" / "a.txt").read_text(encoding="utf-8") == "渌口区推进产业发展。\n"


def test_rule_paths_in_a_yaml_config_are_relative_to_it(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "conf").mkdir()
    config = project / "conf" / "strict.yaml"
    config.write_text("rules: {paths: [../my-rules]}\n", encoding="utf-8")
    monkeypatch.chdir(project.parent / "elsewhere")
    assert load_config(config).rules.base == str(project / "conf")
    result = CliRunner().invoke(clean_app, [str(project / "corpus" / "2024" / "a.txt"), "-", "-c", str(config)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "渌口区推进产业发展。\n"


def test_toml_errors_all_at_once_with_positions_and_suggestions(tmp_path: Path) -> None:
    path = tmp_path / "cleaner.toml"
    path.write_text('[spacing]\ncjk_latn = "insert"\n[rulez]\n[dedup]\nscope = "corpse"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).splitlines() == [
        f"{path}:2:1: unknown option spacing.cjk_latn (did you mean spacing.cjk_latin?)",
        f"{path}:3:2: unknown section 'rulez' (did you mean rules?)",
        f"{path}:5:9: dedup.scope must be one of file, corpus, off, not 'corpse'",
    ]


def test_a_broken_toml_file_is_one_line_with_its_position(tmp_path: Path) -> None:
    (tmp_path / "cleaner.toml").write_text("[rules\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text(TYPO, encoding="utf-8")
    result = CliRunner().invoke(clean_app, [str(tmp_path / "a.txt"), "-"])
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"{tmp_path / 'cleaner.toml'}:1:7: invalid TOML: Expected ']' at the end of a table declaration\n"
    )


def test_option_errors_name_the_option_as_typed(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(TYPO, encoding="utf-8")
    result = CliRunner().invoke(clean_app, [str(tmp_path / "a.txt"), "-", "--spacing", "inserted", "--dedup", "x"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "--spacing must be one of remove, insert, keep, not 'inserted'",
        "--dedup must be one of file, corpus, off, not 'x'",
    ]


def test_json_of_the_run_line_is_stable() -> None:
    # The record's first line is plain JSON with the two new keys last, after what was there before.
    first = audit_text(CLEANED / ".cleaner" / "audit.jsonl.gz").splitlines()[0]
    assert list(json.loads(first)) == ["type", "stages", "dedup", "config", "rules"]


def test_cleaner_run_is_clean(project: Path) -> None:
    result = CliRunner().invoke(app, ["run", str(project / "corpus" / "2024" / "a.txt"), "-"])
    assert result.stdout == "渌口区推进产业发展。\n"
