"""The whole pipeline on the sample corpus: idempotent and replayable under every convention.

Idempotent means: cleaning the output again with the same configuration changes nothing. A
configuration with a conversion (variants ``full`` or ``opencc_config``) converts exactly once per
run, and OpenCC is not idempotent, so for it the promise is that cleaning the output again with
the conversion switched off changes nothing (see :func:`again_config`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
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
    {"variants": {"opencc_config": "s2t"}},
    {"variants": {"opencc_config": "s2twp"}},
    {"punctuation": {"enabled": False}},
]


def again_config(config: Config) -> Config:
    """The configuration under which cleaning a run's output must change nothing.

    The same one, unless it converts with OpenCC: a conversion runs once per run and is not a fixed
    point of itself (``s2t`` turns 马里兰州 into 馬里蘭州, and that into 馬裏蘭州), so the output is
    checked against every other stage, with the conversion off. Layout's markers are simplified
    (a photo credit ends in 摄, not 攝), so on a conversion's traditional output it is off too.
    """
    if Pipeline(config).idempotent:
        return config
    off: dict[str, dict] = {"variants": {"mode": "off", "opencc_config": None}}
    target = Path(config.variants.opencc_config or "t2s").name.removesuffix(".json").split("2")[-1]
    if target not in ("s", "sp"):
        off["layout"] = {"enabled": False}
    return config.with_options(off)


def test_a_page_kept_apart_on_indentation_alone_is_a_fixed_point() -> None:
    """A harness page (tests/data/harness/README.md) whose source ends paragraphs mid-sentence,
    kept apart only by the next line's indentation: the output has none, and layout reads it as
    the next run would, so the next run changes nothing and the text stays in order."""
    text = (Path(__file__).parent / "data" / "harness" / "nahan_005_seed1.txt").read_text(encoding="utf-8")
    result = Pipeline().clean(text)
    assert replay(text, result.edits) == result.text
    assert [e for e in Pipeline().clean(result.text).edits if not e.is_event] == []


@pytest.mark.parametrize("options", OPTION_SETS, ids=lambda o: str(o) or "defaults")
def test_every_seed_is_replayable_and_idempotent(options: dict) -> None:
    config = Config().with_options({"rules": {"paths": [str(ROOT / "rules")]}, **options})
    pipeline, rerun = Pipeline(config), Pipeline(again_config(config))
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        result = pipeline.clean(text, id=path.name)
        assert replay(text, result.edits) == result.text, path.name
        again = rerun.clean_document(Document(path.name, result.text))
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
@example("、㐀\n㐀.")  # "㐀." ends a sentence (punctuation makes it "㐀。"): the first run joins it already
def test_the_whole_pipeline_never_raises_replays_and_is_idempotent(text: str) -> None:
    result = PIPELINE.clean(text)
    assert replay(text, result.edits) == result.text
    assert [edit for edit in PIPELINE.clean(result.text).edits if not edit.is_event] == []


def test_idempotence_is_declared_per_configuration() -> None:
    assert Pipeline(Config()).idempotent
    assert Pipeline(Config().with_options({"variants": {"mode": "off"}})).idempotent
    assert not Pipeline(Config().with_options({"variants": {"mode": "full"}})).idempotent
    converting = Pipeline(Config().with_options({"variants": {"opencc_config": "s2t"}}))
    assert not converting.idempotent
    assert "variants" not in [stage.name for stage in converting._settling]
    assert "variants" in [stage.name for stage in Pipeline(Config())._settling]


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


@pytest.mark.parametrize(
    ("config", "text", "expected"),
    [
        ("t2s", "楊聯陞,步步高陞", "杨联陞，步步高升"),
        ("s2t", "他去了马里兰州,见到了杨联陞", "他去了馬里蘭州，見到了楊聯陞"),
    ],
)
def test_a_conversion_and_another_edit_in_one_paragraph(config: str, text: str, expected: str) -> None:
    """Punctuation edits the paragraph the conversion edited, and the conversion still runs once."""
    result = Pipeline(Config().with_options({"variants": {"opencc_config": config}})).clean(text)
    assert result.text == expected
    assert replay(text, result.edits) == result.text


CONVERTING = {
    config: Config().with_options({"rules": {"paths": [str(ROOT / "rules")]}, "variants": {"opencc_config": config}})
    for config in ("s2t", "t2s")
}
PIPELINES = {config: (Pipeline(c), Pipeline(again_config(c))) for config, c in CONVERTING.items()}
CONVERSION_ALPHABET = [*ALPHABET, *"马里兰州楊聯陞杨联步高升乾隆干燥头发後"]


@pytest.mark.parametrize("config", sorted(CONVERTING))
@settings(
    max_examples=int(os.environ.get("PIPELINE_EXAMPLES", "300")) // 3,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(text=st.one_of(st.text(max_size=200), st.text(alphabet=st.sampled_from(CONVERSION_ALPHABET), max_size=300)))
# A half-width period between Han characters, which punctuation makes "。" after layout read the
# line: layout must read it as a full stop already, or the output's next run joins what this kept apart.
@example(text="㐀.㐀\n:㐀")
@example(text="㐀.㐀\n㐀:")
def test_a_converting_pipeline_replays_and_every_other_stage_settles(config: str, text: str) -> None:
    pipeline, rerun = PIPELINES[config]
    result = pipeline.clean(text)
    assert replay(text, result.edits) == result.text
    assert [edit for edit in rerun.clean(result.text).edits if not edit.is_event] == []


# A sentence of the sample corpus (002) read as Latin-1 (UTF-8 mojibake), its line wrapped inside a
# character's bytes: unicode runs before layout and sees two halves; once layout joins them, it
# runs again on the joined paragraph.
_MOJIBAKE_SOURCE = "近年来，渌口区推进产业发展，园区企业数量已达到七十八家。全年税收增长百分之三点五。"


@pytest.mark.parametrize("cut", [13, 14, 19, 20, 28, 29])
def test_mojibake_cut_by_a_wrap_is_repaired_once_layout_joins_it(cut: int) -> None:
    mojibake = _MOJIBAKE_SOURCE.encode("utf-8").decode("latin-1")
    assert cut % 3  # inside a character's three bytes
    result = Pipeline().clean(mojibake[:cut] + "\n" + mojibake[cut:])
    assert result.text == _MOJIBAKE_SOURCE
    assert Pipeline().clean(result.text).edits == []
