"""Accuracy floors on text the stages were never tuned on: the committed gold sample (news, a
novel and a technical manual from package registries, see tests/data/accuracy/README.md),
damaged by the harness's page-layout model and cleaned by the real ``clean_corpus``.

The floors sit a little under today's figures on this sample, so a change that makes layout
repair worse fails here; the full figures on the whole gold corpus come from
``python -m bench.accuracy``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.accuracy.baseline import naive_clean
from bench.accuracy.damage import DamageProfile, damage_corpus
from bench.accuracy.metrics import Report, score_corpus
from bench.accuracy.model import read_gold_jsonl

GOLD_SAMPLE = Path(__file__).parent / "data" / "accuracy" / "gold_sample.jsonl"


@pytest.fixture(scope="module")
def reports() -> dict[str, Report]:
    from bench.accuracy.__main__ import run_cleaner

    damaged = damage_corpus(read_gold_jsonl(GOLD_SAMPLE), 1, DamageProfile())
    cleaned, _ = run_cleaner(damaged, None)
    naive = naive_clean({doc.id: doc.text for doc in damaged})
    return {"cleaner": score_corpus(damaged, cleaned), "naive": score_corpus(damaged, naive)}


def test_cleaner_beats_the_naive_regex_cleaner(reports):
    cleaner, naive = reports["cleaner"], reports["naive"]
    assert cleaner.cer < naive.cer
    assert cleaner.f1 > naive.f1


def test_layout_floors(reports):
    report = reports["cleaner"]
    assert report.error_reduction >= 0.75
    assert report.f1 >= 0.88
    assert report.joins.rate >= 0.93


def test_no_text_reordered_or_removed(reports):
    """Moves are allowed only for interruptions a credit, byline or label marks (excused here)."""
    report = reports["cleaner"]
    assert report.moved_vs_input_chars == 0, report.examples.get("moved_vs_input")
    assert report.removed == 0
