"""--select / --ignore: globs over rule ids choose which correction rules apply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaner.cli import clean_app
from cleaner.config import Config
from cleaner.errors import ConfigError
from cleaner.report import read_audit
from cleaner.rules import load_rules
from cleaner.rules.loading import select_rules

from .conftest import ROOT, SEEDS


def hits(tmp_path: Path, *options: str) -> dict[str, int]:
    report = tmp_path / "summary.json"
    result = CliRunner().invoke(
        clean_app, [str(SEEDS), str(tmp_path / "out"), "-q", "--summary-json", str(report), *options]
    )
    assert result.exit_code == 0, result.stderr
    return json.loads(report.read_text(encoding="utf-8"))["rule_hits"]


def test_select_applies_only_the_matching_rules(tmp_path: Path) -> None:
    assert hits(tmp_path, "--select", "lukou-*") == {"lukou-fu": 19, "lukou-lv": 1, "lukou-su": 8, "lukou-zhuo": 3}
    run = next(read_audit(tmp_path / "out" / ".cleaner" / "audit.jsonl.gz"))
    assert run["rules_select"] == ["lukou-*"]


def test_ignore_drops_the_matching_rules_and_takes_commas(tmp_path: Path) -> None:
    everything = hits(tmp_path)
    left = hits(tmp_path, "--ignore", "lukou-*,fuling*", "--ignore", "chejian")
    assert left == {rule: n for rule, n in everything.items() if not rule.startswith(("lukou-", "fuling", "chejian"))}


def test_a_glob_matching_no_rule_is_an_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        clean_app, [str(SEEDS), str(tmp_path / "out"), "--select", "lukuo-*", "--ignore", "nope"]
    )
    assert result.exit_code == 2
    assert result.stderr == "--select 'lukuo-*' matches no rule id\n--ignore 'nope' matches no rule id\n"
    assert not (tmp_path / "out").exists()


def test_select_in_a_config_file_and_the_api(tmp_path: Path) -> None:
    rules = load_rules([ROOT / "rules"]).rules
    chosen = select_rules(rules, ["lu*"], ["lukou-*"])
    assert chosen and all(r.id.startswith("lu") and not r.id.startswith("lukou-") for r in chosen)
    config = tmp_path / "cleaner.toml"
    config.write_text(f'[rules]\npaths = ["{ROOT / "rules"}"]\nselect = ["graphene"]\n', encoding="utf-8")
    result = CliRunner().invoke(clean_app, [str(SEEDS / "001_11a9e775f722c1c5.txt"), "-", "-c", str(config)])
    assert result.exit_code == 0
    assert "rule hits: graphene 1\n" in result.stderr
    with pytest.raises(ConfigError, match=r"^--select 'x' matches no rule id$"):
        select_rules(rules, ["x"])
    assert Config().rules.select == ()
