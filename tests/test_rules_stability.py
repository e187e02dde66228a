"""A rule that changes its own output again is refused when loaded, with file:line:col (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaner.cli import app, clean_app
from cleaner.errors import ConfigError
from cleaner.rules import load_rules, load_rules_text
from cleaner.rules.stability import _samples

from .conftest import ROOT


def errors_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_rules_text(text, "grow.yaml")
    return str(info.value).splitlines()


@pytest.mark.parametrize(
    ("rule", "example"),
    [
        # The hostile-run case: the template's output still matches, so each run adds one more 区.
        ("pattern: '(渌口)'\n    replace: '\\1区'", "'渌口' → '渌口区' → '渌口区区'"),
        ("pattern: '(?P<p>株洲)'\n    replace: '\\g<p>市'", "'株洲' → '株洲市' → '株洲市市'"),
        # The lookbehind sees the replacement's own first character.
        ("pattern: '(?<=渌)口'\n    replace: 口口", "'渌口' → '渌口口' → '渌口口口'"),
        # The replacement and the text before it make a new match.
        ("find: ab\n    replace: b", "'aab' → 'ab' → 'b'"),
        ("find: 口口\n    replace: 口", "'口口口' → '口口' → '口'"),
        ("pattern: 'ab'\n    replace: b", "'aab' → 'ab' → 'b'"),
        # Deleting closes up the text around the match.
        ("find: '[]'\n    replace: ''", "'[[]]' → '[]' → ''"),
    ],
)
def test_a_rule_that_changes_its_own_output_again_is_refused(rule: str, example: str) -> None:
    (message,) = errors_of(f"rules:\n  - {rule}\n")
    assert message.startswith("grow.yaml:2:5: rule grow:1 changes its own output again: " + example)


def test_a_rule_is_run_again_on_the_outputs_of_its_examples() -> None:
    # No sample can be made from \p{Han} (Python's parser does not know it): the example shows it.
    text = "rules:\n  - pattern: '(\\p{Han}口)'\n    replace: '\\1区'\n    examples: [[渌口, 渌口区]]\n"
    (message,) = errors_of(text)
    assert "'渌口' → '渌口区' → '渌口区区'" in message


@pytest.mark.parametrize(
    "rule",
    [
        "pattern: '(株洲)(?!市)'\n    replace: '\\1市'",  # guarded by a lookahead: stable
        "pattern: '(\\d+)万(?!元)'\n    replace: '\\1 万元'",
        "pattern: '(?<=酰)亚胶|亚胶(?=薄膜)'\n    replace: 亚胺",
        "find: 涪口\n    replace: 渌口",
        "find: 绿口\n    replace: 渌口\n    unless: [绿口罩]",
        "find: 口罩子\n    replace: 口罩儿",
    ],
)
def test_stable_rules_load(rule: str) -> None:
    assert len(load_rules_text(f"rules:\n  - {rule}\n", "ok.yaml")) == 1


def test_the_projects_rules_are_stable() -> None:
    assert len(load_rules([ROOT / "rules"])) > 0


def test_a_replacement_the_rule_changes_on_its_own_is_reported_once() -> None:
    # The chain check already says it; the context check does not repeat it.
    assert errors_of("rules:\n  - find: 口\n    replace: 渌口\n") == [
        "grow.yaml:2:5: the replacement '渌口' of rule grow:1 is changed again by the same rule"
    ]


def test_samples_are_texts_the_pattern_matches() -> None:
    assert _samples("(?<=酰)亚胶|亚胶(?=薄膜)") == ["酰亚胶", "亚胶薄膜"]
    assert _samples("[^口]{2,}口") == ["中中口"]
    assert _samples("\\p{Han}+") == []


def test_clean_and_rules_check_exit_2_on_a_growing_rule(tmp_path: Path) -> None:
    rules = tmp_path / "grow.yaml"
    rules.write_text("rules:\n  - pattern: '(渌口)'\n    replace: '\\1区'\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text("渌口\n", encoding="utf-8")
    result = CliRunner().invoke(clean_app, [str(tmp_path / "a.txt"), "-", "--rules", str(rules)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{rules}:2:5: rule grow:1 changes its own output again")
    check = CliRunner().invoke(app, ["rules", "check", str(rules)])
    assert check.exit_code == 2 and f"{rules}:2:5:" in check.stderr
