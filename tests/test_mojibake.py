"""Mojibake repair in the unicode stage: the cases in ``tests/data/mojibake_cases.json`` (each a
misdecoded text and what it should become; a negative case is correct text that must stay as it
is), and the properties the repair keeps: it never fires on correct text, it changes nothing but
the mojibake, and it is cheap where there is none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.config import UnicodeOptions
from cleaner.model import Document, apply_changes, replay
from cleaner.stages import unicode

CASES = json.loads((Path(__file__).parent / "data" / "mojibake_cases.json").read_text(encoding="utf-8"))
STAGE = unicode.make(UnicodeOptions())
WITHOUT_REPAIR = unicode.make(UnicodeOptions(fix_mojibake=False))


def run(text: str, stage=STAGE) -> tuple[str, list]:
    doc, edits = stage(Document(id="t", text=text))
    return doc.text, edits


def mojibake_edits(edits: list) -> list:
    return [e for e in edits if e.rule.startswith("mojibake")]


@pytest.mark.parametrize("case", CASES, ids=[c["note"][:60] for c in CASES])
def test_cases(case: dict) -> None:
    out, edits = run(case["input"])
    # The stage's other fixes (spaces, controls, NFC) apply to the expected text too.
    assert out == run(case["expected"], WITHOUT_REPAIR)[0]
    assert replay(case["input"], edits) == out
    assert run(out)[1] == []
    if case["input"] == case["expected"]:
        assert mojibake_edits(edits) == []


_CHINESE = (
    "渌口区 人民政府 株洲 发展 学习中文 新华社报道 经济增长 马丁·路德·金 东京 한국어 "
    "他说：“我们——就是这样……” 《人民日报》 （一） 、 ， 。 ！ ？ ①"
).split()
_EUROPEAN = (
    "Brontë café naïve résumé Größe señor Fußball Ærø Øresund déjà voilà à Ça Zürich São Paulo Москва столица Αθήνα "
    "Lǜ kǒu qū Běijīng 30°C ±2° 1€ £5 ¥8 3×4 ½ © ® ™ § ¶ • ‰ 2–3 Ã’s it’s"
).split()
_OPENERS = ["", "", "“", "‘", "«", "„", "(", "¿", "¡"]
_CLOSERS = ["", "", "", "”", "’", "»", "“", "…", "…”", ",", ".", ";", ":", "!", "?", ")", "´´", " —", " –"]


@st.composite
def natural_text(draw: st.DrawFn) -> str:
    """Chinese phrases and European words as they are written: a word may have an opening mark
    before it and closing marks after it; words are separated by a space, Chinese by nothing."""
    parts: list[str] = []
    for _ in range(draw(st.integers(1, 20))):
        if draw(st.booleans()):
            parts.append(draw(st.sampled_from(_CHINESE)))
        else:
            word = draw(st.sampled_from(_EUROPEAN))
            parts.append(" " + draw(st.sampled_from(_OPENERS)) + word + draw(st.sampled_from(_CLOSERS)) + " ")
        if draw(st.integers(0, 9)) == 0:
            parts.append("\n")
    return "".join(parts)


@settings(max_examples=400, deadline=None)
@given(natural_text())
def test_correct_text_is_never_repaired(text: str) -> None:
    """Correct Chinese and European text, curly quotes and dashes: no mojibake edit, ever."""
    assert mojibake_edits(run(text)[1]) == []


def test_only_the_mojibake_changes() -> None:
    """Quotes, full-width letters, entities, ligatures and punctuation width stay as they are:
    only ftfy's encoding repairs run, and only the spans it changed are edits."""
    text = "cafÃ© “quoted” 'straight' ＡＢＣ &amp; ﬁne，中文：rÃ©sumÃ©"
    changes = unicode.mojibake_single_byte(text)
    assert [(text[c.start : c.end], c.after) for c in changes] == [("Ã©", "é"), ("Ã©", "é"), ("Ã©", "é")]
    assert {c.rule for c in changes} == {"mojibake_single_byte"}
    assert changes[0].detail == {"plan": "apply decode_inconsistent_utf8"}


def test_layers_are_one_edit_with_both_rules() -> None:
    original = "据新华社报道，渌口区今年"
    broken = original.encode().decode("gb18030").encode().decode("sloppy-windows-1252")
    out, edits = run(broken)
    assert out == original
    assert [e.rule for e in edits] == ["mojibake_single_byte+mojibake_gbk"]
    assert replay(broken, edits) == out


def test_ftfy_runs_only_on_lines_with_a_clue(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = unicode.ftfy.fix_encoding_and_explain

    def counting(text, config=None):
        calls.append(text)
        return real(text, config)

    monkeypatch.setattr(unicode.ftfy, "fix_encoding_and_explain", counting)
    text = "他说：“我们——就是这样……”\n株洲市渌口区人民政府，提质发展。\n马丁·路德·金\ncafÃ© au lait"
    assert run(text)[0].endswith("café au lait")
    # The last line only (again after its repair: a repaired line is looked at until it is stable).
    assert calls[0] == "cafÃ© au lait"
    assert set(calls[1:]) <= {"café au lait"}


def test_lost_bytes_in_gbk_mojibake_are_not_guessed() -> None:
    """The guess for a lost cp1252 byte (the one common character) holds for Chinese text, not
    for GBK mojibake, whose characters are rare ones: there the character stays lost (�)."""
    broken = "据新华社报道，渌口区今年".encode().decode("gb18030").encode().decode("cp1252", errors="replace")
    out, _ = run(broken)
    assert out == "据新��报道，渌�区今年"


def test_sequence_split_by_a_joined_line_break() -> None:
    """A UTF-8 sequence spelled across a line break (Â at a line end, a C1 control at the next
    line's start) is mojibake only in the joined text: the unicode stage runs again on what layout
    joined, so the first run repairs it (found by scripts/fuzz_idempotence.py)."""
    from tests.idempotence import check

    failure = check("default", ",Â\n\x9a,")
    assert failure is None, failure.message


def test_a_long_line_is_repaired_piece_by_piece_with_every_repair_kept():
    """A line longer than MAX_PIECE (a paragraph with no line breaks) is cut after Han characters
    into pieces, so matching the repair's output against its input stays linear; repairs anywhere
    in it, the first and the last piece included, are made as in a short line."""
    filler = "渌口区推进产业发展，园区企业已达七十八家。" * (unicode.MAX_PIECE // 10)
    line = "ä¸­æ–‡" + filler + "cafÃ©" + filler + "ä¸­æ–‡"
    assert len(line) > 3 * unicode.MAX_PIECE
    fixed = apply_changes(line, unicode.mojibake_changes(line))
    assert fixed == "中文" + filler + "café" + filler + "中文"
