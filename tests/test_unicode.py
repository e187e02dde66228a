"""The unicode stage: invisible characters, spaces, full-width letters, NFC and mojibake repair."""

from __future__ import annotations

import difflib
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.config import UnicodeOptions
from cleaner.model import Document, replay
from cleaner.stages import unicode

ROOT = Path(__file__).resolve().parent.parent
STAGE = unicode.make(UnicodeOptions())


def run(text: str, stage=STAGE) -> tuple[str, list]:
    doc, edits = stage(Document(id="t", text=text))
    return doc.text, edits


def seed_lines() -> list[str]:
    lines = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        lines += [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    return lines


@pytest.mark.parametrize(
    ("text", "expected", "rules"),
    [
        ("渌\u200b口\u200c区\u200d政\u2060府\ufeff", "渌口区政府", ["zero_width"] * 5),
        ("\ufeff渌口区", "渌口区", ["zero_width"]),
        ("株洲\u00ad市", "株洲市", ["soft_hyphen"]),
        ("渌口\x00区\x07\x1b\x7f\x81", "渌口区", ["control", "control"]),
        # A terminal's colours go whole (fortunes-zh 2.98's tang300, GPL-3+; the poem public domain).
        (
            "\x1b[32m《感遇・其一》\x1b[m\n\x1b[33m作者：张九龄\x1b[m",
            "《感遇・其一》\n作者：张九龄",
            ["ansi_escape"] * 4,
        ),
        ("\x1b]0;标题\x07正文\x1b[1;31m红\x1b[0m", "正文红", ["ansi_escape"] * 3),
        # A C1 control that stands for cp1252 punctuation is decoded, not removed.
        ("渌口区\x85", "渌口区…", ["mojibake_single_byte"]),
        ("第一行\n\t第二行", "第一行\n\t第二行", []),
        ("孙乾\u3000刘艺锋\u00a0张咪\u2003文禹", "孙乾 刘艺锋 张咪 文禹", ["space", "space", "space"]),
        ("\u3000\u3000渌口区", "  渌口区", ["space", "space"]),
        ("渌口区\u3000\n株洲", "渌口区\n株洲", ["trailing_space"]),
        ("渌口区 \u2003", "渌口区", ["trailing_space"]),
        ("ＡＢＣ１２３", "ABC123", ["fullwidth_alnum"]),
        (
            "ＧＤＰ增长１２．５％，（同比）",
            "GDP增长12.5％，（同比）",
            ["fullwidth_alnum", "fullwidth_alnum", "fullwidth_decimal_point", "fullwidth_alnum"],
        ),
        ("cafe\u0301", "café", ["nfc"]),
        ("\uf900", "\u8c48", ["nfc"]),
        ("a\ud800b", "a\ufffdb", ["lone_surrogate"]),
        ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧", []),
    ],
)
def test_character_fixes(text: str, expected: str, rules: list[str]) -> None:
    out, edits = run(text)
    assert out == expected
    assert [e.rule for e in edits] == rules
    assert replay(text, edits) == out
    assert run(out)[1] == []


def test_fullwidth_punctuation_is_not_touched() -> None:
    text = "，。、；：？！（）《》“”‘’……——·％＋－"
    assert run(text) == (text, [])
    # NFKC would have changed them: the stage must not be NFKC.
    assert unicodedata.normalize("NFKC", text) != text


@pytest.mark.parametrize(
    "text",
    [
        "孙乾 刘艺锋 张咪",
        "乾隆 孙乾 著名 显著 皇后 后来 头发",
        "The quick brown fox jumps over the lazy dog, 1,000 times at 10:30.",
        "https://example.com/a?b=1&c=2 news@example.com",
        "3.16亿元 300.77% 2+9+129 8—13#厂房 1—10月 Ⅱ类 ·渌口篇 罗绍昉",
        "Ça va? Größe, naïve café, señor",
    ],
)
def test_survives_unchanged(text: str) -> None:
    assert run(text) == (text, [])


def test_seed_corpus_unchanged() -> None:
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        assert run(text)[1] == [], path.name


# --- mojibake ---------------------------------------------------------------------------------


def test_utf8_read_as_gb18030() -> None:
    # An even number of UTF-8 bytes in every run, and GB18030 maps every byte pair (unassigned
    # ones to private-use characters): the wrong decoding loses nothing and the repair is exact.
    original = "据新华社报道，渌口区今年前三季度GDP同比增长5.2%"
    broken = original.encode().decode("gb18030")
    assert broken != original
    out, edits = run(broken)
    assert out == original
    assert {e.rule for e in edits} == {"mojibake_gbk"}
    assert replay(broken, edits) == out


def test_utf8_read_as_gbk_with_replacement_characters() -> None:
    original = "渌口区人民政府，提质发展。"
    broken = original.encode().decode("gbk", errors="replace")
    assert broken == "娓屽彛鍖轰汉姘戞斂搴滐紝鎻愯川鍙戝睍銆�"
    # The last character lost a byte: it stays lost, as one replacement character.
    assert run(broken)[0] == "渌口区人民政府，提质发展�"


def test_utf8_read_as_gb18030_with_replacement_keeps_alignment() -> None:
    original = "据新华社报道，今年前三季度全国GDP同比增长5.2%。"
    broken = original.encode().decode("gb18030", errors="replace")
    # Every run is repaired but the last: ``。`` lost its last byte and is a run of one character,
    # too short to judge.
    assert run(broken)[0] == "据新华社报道，今年前三季度全国GDP同比增长5.2%銆�"


@pytest.mark.parametrize(("codec", "share"), [("gbk", 0.85), ("gb18030", 0.9)])
def test_seed_lines_read_as_gbk_are_mostly_repaired(codec: str, share: float) -> None:
    """Whole seed lines misdecoded with ``errors="replace"``: most characters come back.

    Not all: a run of UTF-8 bytes of odd length loses its last byte, and with it a character.
    """
    matched = total = 0
    for line in seed_lines():
        broken = line.encode().decode(codec, errors="replace")
        out, edits = run(broken)
        assert replay(broken, edits) == out
        blocks = difflib.SequenceMatcher(None, line, out, autojunk=False).get_matching_blocks()
        matched += sum(block.size for block in blocks)
        total += len(line)
    assert matched / total > share


def test_utf8_read_as_latin1_is_repaired_exactly() -> None:
    for line in seed_lines():
        broken = line.encode().decode("latin-1")
        assert run(broken)[0] == line


def test_utf8_read_as_cp1252() -> None:
    assert run("ä¸­æ–‡ and cafÃ©")[0] == "中文 and café"
    # 口 is E5 8F A3: 8F is undefined in cp1252; of the five candidates only 口 is common.
    broken = "渌口区".encode().decode("cp1252", errors="replace")
    assert broken == "æ¸Œå�£åŒº"
    assert run(broken)[0] == "渌口区"


def test_mojibake_repair_can_be_switched_off() -> None:
    broken = "渌口区人民政府".encode().decode("gbk", errors="replace")
    stage = unicode.make(UnicodeOptions(fix_mojibake=False))
    assert run(broken, stage) == (broken, [])


_COMMON_HAN = [chr(c) for c in range(0x4E00, 0x9FA6) if unicode._common(chr(c))]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from([*_COMMON_HAN, "，", "。", "、", "“", "”"]), min_size=1, max_size=80))
def test_correct_chinese_is_never_repaired(text: str) -> None:
    assert run(text) == (text, [])


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=40))
def test_any_han_text_is_never_repaired(text: str) -> None:
    assert run(text) == (text, [])


# --- properties -------------------------------------------------------------------------------

_ALPHABET = [
    *unicode._GBK_TYPICAL[:100],
    *"渌口区孙乾，。“”（）ÂÃäåæ¸­–€\ufffd\u3000\u00a0\u200b\u200d\u00ad\x01\x85\u0301eＡ１．\n\t ",
]


@settings(max_examples=500, deadline=None)
@given(text=st.one_of(st.text(max_size=80), st.text(alphabet=st.sampled_from(_ALPHABET), max_size=60)))
def test_idempotent_replayable_never_raises(text: str) -> None:
    out, edits = run(text)
    assert replay(text, edits) == out
    assert run(out)[1] == []


def test_docstring_examples() -> None:
    import doctest

    result = doctest.testmod(unicode)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("他说：我们将在１６：３２分出发", "他说：我们将在16:32分出发"),  # issue 11, autocorrect's case
        ("时间：9：05", "时间：9:05"),
        ("比分3：1", "比分3：1"),  # a ratio: one digit after
        ("共2024：1234", "共2024：1234"),  # not a time
    ],
)
def test_fullwidth_time_colon(text: str, expected: str) -> None:
    assert unicode._fix_characters(text) == expected
