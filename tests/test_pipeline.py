"""The whole pipeline on the sample corpus: idempotent and replayable under every convention."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner import pipeline as pipeline_module
from cleaner.config import Config
from cleaner.model import Document, Edit, replay
from cleaner.pipeline import STAGE_ORDER, Pipeline, StageSpec

from .conftest import ROOT, SEEDS

OPTION_SETS = [
    {},
    {"spacing": {"cjk_latin": "insert"}},
    {"spacing": {"cjk_latin": "keep"}},
    {"layout": {"markup": "keep"}},
    {"variants": {"mode": "full"}},
    {"punctuation": {"enabled": False}},
]


@pytest.mark.parametrize("options", OPTION_SETS, ids=lambda o: str(o) or "defaults")
def test_every_seed_is_replayable_and_idempotent(options: dict) -> None:
    config = Config().with_options({"rules": {"paths": [str(ROOT / "rules")]}, **options})
    pipeline = Pipeline(config)
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        result = pipeline.clean(text, id=path.name)
        assert replay(text, result.edits) == result.text, path.name
        again = pipeline.clean_document(Document(path.name, result.text))
        changed = [e for e in again.edits if not e.is_event]
        assert changed == [], f"{path.name}: {[(e.stage, e.rule, e.before, e.after) for e in changed[:5]]}"


def test_every_stage_in_the_order_is_registered() -> None:
    pipeline = Pipeline(Config().with_options({"rules": {"paths": [str(ROOT / "rules")]}}))
    assert pipeline.stage_names == [*STAGE_ORDER, "whitespace"]


def test_stages_can_be_switched_off() -> None:
    off = {name: {"enabled": False} for name in ("unicode", "punctuation", "spacing", "layout", "rules")}
    pipeline = Pipeline(Config().with_options({**off, "variants": {"mode": "off"}}))
    assert pipeline.stage_names == ["whitespace", "whitespace"]
    assert pipeline.clean("渌口区,城景 1 号\n\n\n\n淥口").text == "渌口区,城景 1 号\n\n淥口"


ALPHABET = list(
    "渌口区涪陵绿色孙乾淥臺灣，。！？、；：“”（）《》……——,.;:!?()\"'-#*▲ 　\u00a0\u200b\n\n\nabcXYZ0123456789%"
)
PIPELINE = Pipeline(Config().with_options({"rules": {"paths": [str(ROOT / "rules")]}}))


@settings(
    max_examples=int(os.environ.get("PIPELINE_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.one_of(st.text(max_size=200), st.text(alphabet=st.sampled_from(ALPHABET), max_size=300)))
def test_the_whole_pipeline_never_raises_replays_and_is_idempotent(text: str) -> None:
    result = PIPELINE.clean(text)
    assert replay(text, result.edits) == result.text
    assert [edit for edit in PIPELINE.clean(result.text).edits if not edit.is_event] == []


def _next_digit(options) -> pipeline_module.StageFn:
    """A stand-in for a conversion: every digit becomes the next one, so it is never a fixed point."""

    def bump(doc: Document) -> tuple[Document, list[Edit]]:
        edits = [
            Edit("rules", "bump", i, i + 1, char, str((int(char) + 1) % 10), para=doc.text[:i].count("\n\n"))
            for i, char in enumerate(doc.text)
            if char in "0123456789"
        ]
        return doc.with_text(replay(doc.text, edits)), edits

    return bump


def test_a_stage_that_is_not_idempotent_runs_exactly_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its paragraph is edited by another stage too, so the settle loop runs; it must skip the stage."""
    registry = pipeline_module._stage_registry()
    spec = StageSpec(_next_digit, idempotent=lambda options: False)
    monkeypatch.setattr(pipeline_module, "_stage_registry", lambda: {**registry, "rules": spec})
    pipeline = Pipeline()
    assert not pipeline.idempotent
    result = pipeline.clean("第1段,内容\n\n第2段")
    assert result.text == "第2段，内容\n\n第3段"
    assert replay("第1段,内容\n\n第2段", result.edits) == result.text
    assert [e.rule for e in result.edits if e.stage == "rules"] == ["bump", "bump"]
