"""cleaner rules review: interactive answers, decisions by id or index, safe output, valid rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaner.cli import app, clean_app
from cleaner.rules.loading import load_rules
from cleaner.rules.selftest import run_examples
from cleaner.suggest import suggest
from cleaner.suggest.render import render_rules
from cleaner.suggest.review import default_output, review_rules

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
LUKOU_FINDS = ["涪口", "涑口", "涿口", "绿口"]


@pytest.fixture(scope="module")
def suggested_text() -> str:
    report = suggest(SEEDS, top=4)
    assert [p.find for p in report.proposals] == LUKOU_FINDS
    return render_rules(report, "seeds/")


@pytest.fixture
def proposals(tmp_path: Path, suggested_text: str) -> Path:
    path = tmp_path / "suggested.yaml"
    path.write_text(suggested_text, encoding="utf-8")
    return path


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def review(runner: CliRunner, *args: str, input: str | None = None):
    return runner.invoke(app, ["rules", "review", *args], input=input)


def finds(path: Path) -> dict[str, str]:
    """find → replace of the rules of ``path``, which must load, validate and pass their examples."""
    rule_set = load_rules([path])
    assert run_examples(rule_set)[1] == []
    return {rule.finds[0]: rule.replace for rule in rule_set.rules}


def test_interactive_accept_reject_edit_skip(runner: CliRunner, proposals: Path) -> None:
    result = review(runner, str(proposals), "--interactive", input="a\nr\ne\n渌口镇\ns\n")
    assert result.exit_code == 0, result.output
    out = default_output(proposals)
    assert out.name == "suggested.reviewed.yaml"
    assert finds(out) == {"涪口": "渌口", "涿口": "渌口镇"}
    text = out.read_text(encoding="utf-8")
    # Evidence is kept: the comment line, counts, similarity and contexts with file:line.
    assert "# 1. confidence" in text and "涪 looks like 渌 (0.55)" in text and "003_f63b25ad495e4c38.txt:36" in text
    assert "replacement edited in review: 渌口镇 (was 渌口)" in text
    assert "渌口镇高新区" in text  # the edited rule's examples use the new replacement
    # The terminal showed each proposal with its contexts and the prompt.
    assert "[1/4] ocr-涪口: 涪口 → 渌口" in result.stdout
    assert "003_f63b25ad495e4c38.txt:58 中武术办出特色。打造健康涑口" in result.stdout
    assert "[a]ccept / [r]eject / [e]dit replacement / [s]kip / [q]uit" in result.stdout
    assert "2 accepted (1 edited), 1 rejected, 1 skipped or undecided of 4 rules" in result.stderr


def test_interactive_quit_early_writes_what_was_accepted(runner: CliRunner, proposals: Path) -> None:
    result = review(runner, str(proposals), "--interactive", input="a\nq\n")
    assert result.exit_code == 0, result.output
    assert finds(default_output(proposals)) == {"涪口": "渌口"}
    assert "[3/4]" not in result.stdout


def test_interactive_end_of_input_is_quit_and_bad_answer_asks_again(runner: CliRunner, proposals: Path) -> None:
    result = review(runner, str(proposals), "--interactive", input="x\nr\na\n")
    assert result.exit_code == 0, result.output
    assert "answer one of:" in result.stdout
    assert finds(default_output(proposals)) == {"涑口": "渌口"}


def test_flags_preset_and_interactive_asks_only_the_rest(runner: CliRunner, proposals: Path) -> None:
    result = review(runner, str(proposals), "--interactive", "--accept", "4", "--reject", "ocr-涪口", input="a\nr\n")
    assert result.exit_code == 0, result.output
    assert "[1/4]" not in result.stdout and "[4/4]" not in result.stdout
    assert finds(default_output(proposals)) == {"涑口": "渌口", "绿口": "渌口"}


def test_non_interactive_accept_by_id_and_index(runner: CliRunner, proposals: Path, tmp_path: Path) -> None:
    out = tmp_path / "ok.yaml"
    result = review(runner, str(proposals), "--accept", "1,ocr-涿口", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert finds(out) == {"涪口": "渌口", "涿口": "渌口"}
    assert result.stdout == ""


def test_non_interactive_all_but_rejected(runner: CliRunner, proposals: Path, tmp_path: Path) -> None:
    out = tmp_path / "ok.yaml"
    result = review(runner, str(proposals), "--all", "--reject", "ocr-绿口", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert finds(out) == {"涪口": "渌口", "涑口": "渌口", "涿口": "渌口"}
    cleaned = tmp_path / "cleaned"
    run = runner.invoke(clean_app, [str(SEEDS), str(cleaned), "--rules", str(out)])
    assert run.exit_code == 0, run.output
    text = "".join(p.read_text(encoding="utf-8") for p in cleaned.rglob("*.txt"))
    assert "涪口" not in text and "涑口" not in text and "涿口" not in text


def test_unknown_ids_are_named_exit_2(runner: CliRunner, proposals: Path) -> None:
    result = review(runner, str(proposals), "--accept", "1", "--accept", "ocr-x", "--reject", "9")
    assert result.exit_code == 2
    assert result.stderr == "no such rule id or index: ocr-x, 9 (the file has 4 rules)\n"
    assert not default_output(proposals).exists()


def test_accepted_and_rejected_at_once_is_an_error(runner: CliRunner, proposals: Path) -> None:
    result = review(runner, str(proposals), "--accept", "1", "--reject", "ocr-涪口")
    assert result.exit_code == 2
    assert result.stderr == "both accepted and rejected: ocr-涪口\n"


def test_nothing_decided_without_a_terminal(runner: CliRunner, proposals: Path) -> None:
    result = review(runner, str(proposals))
    assert result.exit_code == 2
    assert result.stderr == "nothing decided: give --accept, --reject or --all, or --interactive\n"


def test_refuses_to_overwrite_without_force(runner: CliRunner, proposals: Path) -> None:
    out = default_output(proposals)
    out.write_text("keep\n", encoding="utf-8")
    result = review(runner, str(proposals), "--all")
    assert result.exit_code == 2
    assert result.stderr == f"{out}: already exists; give --force to overwrite it\n"
    assert out.read_text(encoding="utf-8") == "keep\n"
    before = proposals.read_text(encoding="utf-8")
    result = review(runner, str(proposals), "--all", "-o", str(proposals))
    assert result.exit_code == 2
    assert "is the file under review" in result.stderr
    assert proposals.read_text(encoding="utf-8") == before
    assert review(runner, str(proposals), "--all", "--force").exit_code == 0
    assert len(finds(out)) == 4


def test_missing_or_invalid_file_is_one_line(runner: CliRunner, tmp_path: Path) -> None:
    result = review(runner, str(tmp_path / "none.yaml"), "--all")
    assert result.exit_code == 2
    assert result.stderr == f"{tmp_path / 'none.yaml'}: no such rule file\n"
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - find: 涪口\n", encoding="utf-8")
    result = review(runner, str(bad), "--all")
    assert result.exit_code == 2
    assert result.stderr == f"{bad}:2:5: 'replace' is missing\n"


def test_hand_written_file_keeps_scope_unless_and_regex(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "name: mine\nfiles: ['003_*']\nrules:\n"
        "  # 绿 forms are words elsewhere\n"
        "  - id: green\n    find: 绿口\n    replace: 渌口\n    unless: [绿口罩]\n"
        "    examples:\n      - [绿口特色, 渌口特色]\n      - [绿口罩, 绿口罩]\n"
        "  - id: imide\n    pattern: '(?<=酰)亚胶'\n    replace: 亚胺\n",
        encoding="utf-8",
    )
    target, outcome, total = review_rules(path, accept_all=True)
    assert total == 2 and len(outcome.accepted) == 2
    rule_set = load_rules([target])
    green, imide = rule_set.rules
    assert green.file_globs == ("003_*",) and green.unless == ("绿口罩",)
    assert imide.pattern == "(?<=酰)亚胶"
    assert "# 绿 forms are words elsewhere" in target.read_text(encoding="utf-8")
    assert run_examples(rule_set)[1] == []
