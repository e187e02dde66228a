"""cleaner suggest: look-alike table, bounded counting, proposals on the seeds and on a generated corpus."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.suggest_eval import evaluate, generate, paragraphs
from cleaner.cli import app
from cleaner.rules.loading import load_rules, load_rules_text
from cleaner.rules.selftest import run_examples
from cleaner.suggest import suggest
from cleaner.suggest.counting import NgramCounter
from cleaner.suggest.evidence import split_side
from cleaner.suggest.lookalike import similarity
from cleaner.suggest.mining import rest_evidence, strength
from cleaner.suggest.render import render_rules

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GOLD_SAMPLE = ROOT / "tests" / "data" / "accuracy" / "gold_sample.jsonl"
LUKOU = {("涪口", "渌口"), ("涿口", "渌口"), ("涑口", "渌口")}
# Real text of the seeds once proposed for change: each would damage it.
SEED_REAL_TEXT = {"上企", "链主", "以村", "商码", "招新", "到建", "的服", "抢进", "和发", "株渌", "等一", "稳走"}
SEED_REAL_TEXT |= {"信总", "为王", "区正", "区的", "控供", "宜业"}


@pytest.fixture(scope="module")
def seeds_report():
    return suggest(SEEDS, top=40)


def test_lookalike_pairs_from_glyphs_and_components() -> None:
    assert similarity("己", "已") > 0.9 and similarity("未", "末") > 0.9
    assert similarity("渌", "绿") >= 0.55  # share 录
    assert similarity("渌", "涪") >= 0.5  # share 氵 and 11 strokes
    assert similarity("渌", "天") == 0.0
    assert similarity("渌", "涪") == similarity("涪", "渌")


def test_counter_is_exact_until_pruned_and_keeps_frequent_grams() -> None:
    counter = NgramCounter(sizes=(2,), max_entries=50)
    text = "渌口区渌口镇。" * 30 + "".join(chr(0x4E00 + k) for k in range(200))
    counter.add(text)
    assert counter["渌口"] == 60
    assert counter.floor >= 1 and len(counter) <= 50


def test_seeds_top_proposals_are_the_lukou_misreadings(seeds_report) -> None:
    top20 = [(p.find, p.replace) for p in seeds_report.proposals[:20]]
    assert LUKOU <= set(top20)
    # Real words of the seeds are never proposed for change.
    finds = {p.find for p in seeds_report.proposals}
    assert not finds & {"绿色", "涪陵", "绿江", "产业", "发展"}


def test_seeds_green_misreading_is_proposed(seeds_report) -> None:
    """绿口 is seen once, but 口 is preceded by 渌 at most of its places."""
    assert ("绿口", "渌口") in [(p.find, p.replace) for p in seeds_report.proposals[:20]]


def test_seeds_top_proposals_leave_real_text_alone(seeds_report) -> None:
    top20 = seeds_report.proposals[:20]
    assert not {p.find for p in top20} & SEED_REAL_TEXT
    assert {p.replace for p in top20} == {"渌口"}


def test_frequent_form_split_between_words_is_detected() -> None:
    counter = NgramCounter()
    counter.add("产业链上企业。小企业，大小不一，小心。" * 3 + "渌口区，渌口镇。" * 5)
    assert split_side("小企", "链", "业", counter) == "right"  # 企业 holds more strongly than 小企
    assert split_side("渌口", "等", "区", counter) == ""
    assert strength("渌口", counter) == 1.0


def test_rest_evidence_matters_most_for_a_form_seen_once() -> None:
    assert rest_evidence(0.77, 1) == pytest.approx(0.77)
    assert rest_evidence(0.1, 1) == pytest.approx(0.1)
    assert rest_evidence(0.1, 2) == pytest.approx(0.325)
    assert rest_evidence(0.1, 100) > 0.97


def test_proposal_carries_its_evidence(seeds_report) -> None:
    proposal = next(p for p in seeds_report.proposals if p.find == "涪口")
    assert proposal.candidate.rare_count == 19 and proposal.candidate.frequent_count >= 150
    assert proposal.contexts and all(c.file.startswith("003_") and c.line > 0 for c in proposal.contexts)
    line = (
        (SEEDS / f"{proposal.contexts[0].file}").read_text(encoding="utf-8").splitlines()[proposal.contexts[0].line - 1]
    )
    assert proposal.contexts[0].text in line


def test_rule_file_passes_check_and_its_examples(seeds_report) -> None:
    text = render_rules(seeds_report, "seeds/")
    rule_set = load_rules_text(text, "suggested.yaml")
    assert len(rule_set) == len(seeds_report.proposals)
    count, failures = run_examples(rule_set)
    assert count and not failures


def test_given_rules_are_not_proposed_again() -> None:
    report = suggest(SEEDS, rule_paths=[ROOT / "rules"], top=40)
    assert not LUKOU & {(p.find, p.replace) for p in report.proposals}
    assert len(load_rules([ROOT / "rules"]))  # the rules were read


def test_generated_corpus_precision_and_recall_floor() -> None:
    """Five look-alike confusions injected into the committed gold sample (30–60% of each word's
    occurrences) and five real-word distractors; K = the number of confusions."""
    generated = generate(paragraphs(GOLD_SAMPLE), terms=5, seed=0)
    precision, recall, _ = evaluate(generated, k=len(generated.confusions))
    assert precision >= 0.8
    assert recall >= 0.6


def test_command_writes_a_rule_file_clean_accepts(tmp_path: Path) -> None:
    out = tmp_path / "suggested.yaml"
    result = CliRunner().invoke(app, ["suggest", str(SEEDS), "--top", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(load_rules([out])) == 3
    check = CliRunner().invoke(app, ["rules", "check", str(out)])
    assert check.exit_code == 0, check.output
