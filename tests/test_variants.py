"""The variants stage: stray traditional characters become simplified; correct simplified text stays."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.config import Config, VariantsOptions
from cleaner.errors import ConfigError
from cleaner.model import Document, replay
from cleaner.pipeline import Pipeline
from cleaner.stages import variants

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
CONSERVATIVE = variants.make(VariantsOptions())
FULL = variants.make(VariantsOptions(mode="full"))

# Correct simplified Chinese that plain t2s (or tw2s) damages: 孙乾 → 孙干, 乾县 → 干县, 毕昇 → 毕升,
# 显著 → 显着. 罗绍昉 (002) is outside GB2312 but in the standard table.
PROTECTED = ["孙乾", "乾隆", "乾县", "著名", "显著", "皇后", "后来", "头发", "毕昇", "罗绍昉", "陆益平"]


def run(stage, text: str) -> tuple[str, list]:
    doc, edits = stage(Document(id="t", text=text))
    return doc.text, edits


def test_table_is_the_standard_table() -> None:
    table = variants.standard_characters()
    assert len(table) == 8105
    assert {"渌", "昉", "乾", "昇", "著", "后", "发"} <= table
    assert not {"淥", "後", "髮", "臺", "灣"} & table
    suspects = variants.suspect_characters()
    assert "淥" in suspects and "後" in suspects
    assert not suspects & table


@pytest.mark.parametrize("word", PROTECTED)
def test_correct_simplified_text_is_unchanged(word: str) -> None:
    text = f"株洲市渌口区{word}，记者孙乾报道。"
    assert run(CONSERVATIVE, text) == (text, [])


def test_plain_t2s_would_damage_them() -> None:
    """The reason conservative is the default: full mode converts 乾 and 昇 in correct text."""
    assert run(FULL, "孙乾 刘艺锋 张咪")[0] == "孙干 刘艺锋 张咪"
    assert run(FULL, "乾县和毕昇")[0] == "干县和毕升"
    tw2s = variants.make(VariantsOptions(opencc_config="tw2s"))
    assert run(tw2s, "成效显著")[0] == "成效显着"


def test_stray_variant_in_simplified_paragraph() -> None:
    # 004 l.75 and l.77
    line = "渌口区开展“和美乡村我来拍”活动"
    assert run(CONSERVATIVE, line.replace("渌", "淥"))[0] == line
    text = "2023年，株洲市淥口区在全省率先实现孙乾同志所说的目标。"
    out, edits = run(CONSERVATIVE, text)
    assert out == "2023年，株洲市渌口区在全省率先实现孙乾同志所说的目标。"
    assert [(e.rule, e.before, e.after) for e in edits] == [("variant_char", "淥", "渌")]


def test_traditional_paragraph_is_converted_whole() -> None:
    out, edits = run(CONSERVATIVE, "臺灣的經濟發展與兩岸關係")
    assert out == "台湾的经济发展与两岸关系"
    assert {e.rule for e in edits} == {"traditional_paragraph"}
    # In a traditional paragraph 乾 is a traditional form too (乾燥 → 干燥).
    assert run(CONSERVATIVE, "乾燥的頭髮與衣服都很難處理")[0] == "干燥的头发与衣服都很难处理"


def test_mixed_paragraph_converts_only_out_of_table_characters() -> None:
    # Two stray forms in a long simplified paragraph do not make it traditional: 乾 stays.
    text = "孙乾在淥口区调研时指出，要把乡村振兴各项工作落到实处，後续还将开展回访。"
    out, _ = run(CONSERVATIVE, text)
    assert out == "孙乾在渌口区调研时指出，要把乡村振兴各项工作落到实处，后续还将开展回访。"


# Japanese and Korean write Han characters in their own standard forms (語, 場, 國): conservative
# mode leaves them as written. (text, expected) pairs; the sentences are written for these tests.
FOREIGN_CASES = [
    # Japanese prose: its kanji are not stray traditional characters.
    ("日本語の文章です。東京は日本の首都で、国際的な都市として知られています。", None),
    ("広い道路と古い寺院が並んでいます。", None),
    ("設定ファイルの行は、以下のように構成されている。", None),
    # Technical Japanese: kanji run together, joined by a katakana middle dot.
    ("完全充電・完全消費状態からの経過時間を表示する。", None),
    # Kanji alone between commas, in a paragraph that is Japanese as a whole.
    ("東京、大阪、名古屋などの都市", None),
    # Korean with Hanja, and with Hanja in brackets after the Hangul word.
    ("韓國語에서 漢字를 사용합니다.", None),
    ("한국어는 한글로 표기하며, 일부 한자(漢字)를 함께 쓰기도 한다.", None),
    # A Chinese sentence naming a Japanese title: the title stays, the stray forms around it go.
    ("他读了《日本語の文法》一书，後来去了東京。", "他读了《日本語の文法》一书，后来去了东京。"),
    # ... and one naming a title in katakana.
    ("他写了《ドラえもん》的評論，後來出版。", "他写了《ドラえもん》的评论，后来出版。"),
    # Chinese with no kana at all: 東京 is Chinese here.
    ("他在東京讀過書。", "他在东京读过书。"),
]


@pytest.mark.parametrize(("text", "expected"), FOREIGN_CASES)
def test_japanese_and_korean_are_left_as_written(text: str, expected: str | None) -> None:
    out, edits = run(CONSERVATIVE, text)
    assert out == (text if expected is None else expected)
    assert replay(text, edits) == out
    assert run(CONSERVATIVE, out) == (out, [])


def test_a_japanese_document_keeps_its_kanji_headings() -> None:
    """A heading of kanji alone (環境変数) has no kana of its own: the document's are the evidence."""
    text = "環境変数\n\n以下の環境変数が使われる。起動時に読み込まれる。\n\n関連項目\n\n説明書を参照すること。"
    assert run(CONSERVATIVE, text) == (text, [])
    # The same heading in a Chinese document is a stray traditional form.
    chinese = "環境变量\n\n以下的环境变量在启动时读取。"
    assert run(CONSERVATIVE, chinese)[0] == chinese.replace("環", "环")


def test_seed_corpus_changes_exactly_the_two_lu() -> None:
    changed: list[tuple[str, int, str, str]] = []
    for path in SEEDS:
        raw = path.read_text(encoding="utf-8")
        out, edits = run(CONSERVATIVE, raw)
        assert replay(raw, edits) == out
        changed += [(path.name[:3], raw[: e.start].count("\n") + 1, e.before, e.after) for e in edits]
    assert changed == [("004", 75, "淥", "渌"), ("004", 77, "淥", "渌")]


def test_full_mode_on_seeds_changes_three_characters() -> None:
    """The measured behaviour of plain t2s on the seeds: both 淥 (right) and 孙乾 (wrong)."""
    befores = []
    for path in SEEDS:
        _, edits = run(FULL, path.read_text(encoding="utf-8"))
        befores += [(e.before, e.after) for e in edits]
    assert sorted(befores) == [("乾", "干"), ("淥", "渌"), ("淥", "渌")]


def test_other_opencc_config() -> None:
    for name in ("s2t", "s2t.json"):
        stage = variants.make(VariantsOptions(opencc_config=name))
        out, edits = run(stage, "孙乾的头发")
        assert out == "孫乾的頭髮"
        assert {e.rule for e in edits} == {"opencc_s2t"}


@pytest.mark.parametrize(
    ("options", "text", "once", "twice"),
    [
        (VariantsOptions(opencc_config="t2s"), "楊聯陞", "杨联陞", "杨联升"),
        (VariantsOptions(mode="full"), "楊聯陞", "杨联陞", "杨联升"),
        (VariantsOptions(opencc_config="s2t"), "马里兰州", "馬里蘭州", "馬裏蘭州"),
    ],
)
def test_a_conversion_is_applied_once(options: VariantsOptions, text: str, once: str, twice: str) -> None:
    """OpenCC is not idempotent, so a conversion applied to its own output gives something else."""
    stage = variants.make(options)
    out, edits = run(stage, text)
    assert out == once, "what OpenCC itself gives"
    assert replay(text, edits) == out
    assert run(stage, out)[0] == twice, "why the stage must not be run again on its output"
    assert not variants.is_idempotent(options)


def test_conservative_and_off_are_idempotent() -> None:
    assert variants.is_idempotent(VariantsOptions())
    assert variants.is_idempotent(VariantsOptions(mode="off"))


def test_unknown_opencc_config_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"variants\.opencc_config"):
        variants.make(VariantsOptions(opencc_config="t2x"))


def test_off_and_pipeline_registration() -> None:
    assert run(variants.make(VariantsOptions(mode="off")), "淥口")[1] == []
    pipeline = Pipeline(Config())
    assert "variants" in pipeline.stage_names
    result = pipeline.clean("株洲市淥口区")
    assert result.text == "株洲市渌口区"
    assert [(e.stage, e.rule) for e in result.edits if e.stage == "variants"] == [("variants", "variant_char")]


_ALPHABET = [*"淥渌後后乾干孙著昇臺灣髮發經濟與兩關係的口区，。 \nAb1", "\U00020000", "\U0002a6d6", "\x00"]


_TEXTS = st.one_of(st.text(max_size=60), st.text(alphabet=st.sampled_from(_ALPHABET), max_size=40))


@settings(max_examples=200, deadline=None)
@given(text=_TEXTS)
def test_conservative_is_idempotent_replayable_never_raises(text: str) -> None:
    out, edits = run(CONSERVATIVE, text)
    assert replay(text, edits) == out
    assert run(CONSERVATIVE, out)[1] == []


@settings(max_examples=200, deadline=None)
@given(text=_TEXTS)
def test_full_is_t2s_once_replayable_never_raises(text: str) -> None:
    out, edits = run(FULL, text)
    assert replay(text, edits) == out
    t2s = variants.opencc_converter("t2s")
    assert out == "\n\n".join(t2s(paragraph) for paragraph in text.split("\n\n"))


@pytest.mark.parametrize("stage", [CONSERVATIVE, FULL], ids=["conservative", "full"])
def test_text_opencc_cannot_encode_is_left_alone(stage) -> None:
    text = "淥口\ud800區\n\n株洲市淥口区"
    out, edits = run(stage, text)
    assert out == "淥口\ud800區\n\n株洲市渌口区"
    assert replay(text, edits) == out
