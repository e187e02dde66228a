"""The classification of layout errors on OCR text: what line A ends with, what line B starts with,
whether A reads as a full line, what separates them, and glyphs the gold does not have there.
No fonts or Tesseract needed: the OCR text is written out as Tesseract gives it.
"""

from __future__ import annotations

from bench.accuracy.model import Damage, Damaged, ExpectedBlock
from bench.accuracy.ocr_joins import (
    classify,
    edge_kind,
    error_class,
    format_cases,
    full_width,
    input_lines,
    locate,
    shortfall,
)

# Two paragraphs, each printed as a full line of eight characters and a shorter last line.
FIRST = "大观园里百花盛开宝玉黛玉。"
SECOND = "两人在沁芳闸桥边读西厢记精彩。"
GOLD = FIRST + "\n\n" + SECOND


def damaged(ocr: str, texts: tuple[str, ...] = (FIRST, SECOND), wraps: tuple[int, ...] = (8, 8)) -> Damaged:
    """A document of paragraphs ``texts``, each wrapped once at ``wraps`` (0: not wrapped), with
    its OCR text."""
    blocks, log, offset = [], [], 0
    for text, wrap in zip(texts, wraps, strict=True):
        blocks.append(ExpectedBlock("para", offset, offset + len(text)))
        if wrap:
            at = offset + wrap
            log.append(Damage("wrap", (0, 0), (at, at), {"end": "han", "sep": "line", "block": "para"}))
        offset += len(text) + 2
    return Damaged("hlm/900", "literary", ocr, "\n\n".join(texts), tuple(log), tuple(blocks))


def test_edges_are_classed() -> None:
    assert [edge_kind(c) for c in "玉。，”“AZ7-"] == [
        "han",
        "sentence end",
        "pause",
        "closing",
        "opening",
        "latin",
        "latin",
        "digit",
        "other",
    ]


def test_input_lines_keep_blank_lines_and_pages() -> None:
    lines = input_lines(["甲乙 丙\n\n\n丁\n", "戊己\n"])
    assert [(x.text, x.start, x.end, x.blanks_before, x.page) for x in lines] == [
        ("甲乙 丙", 0, 3, 0, 0),
        ("丁", 3, 4, 2, 0),
        ("戊己", 4, 6, 0, 1),
    ]
    assert locate(lines, 3, 3) == (0, 1)
    assert locate(lines, 1, 2) is None  # no line starts inside 甲乙丙
    assert locate(lines, 3, 4) == (0, 2)  # 丁 stands between


def test_a_wrong_join_after_a_lost_full_stop_and_a_missed_join_are_described() -> None:
    # The OCR lost the first paragraph's full stop and kept every printed line; the output joins
    # the paragraphs across the blank line and keeps the second paragraph's wrap.
    ocr = "大观园里百花盛开\n宝玉黛玉\n\n两人在沁芳闸桥边\n读西厢记精彩。\n"
    output = "大观园里百花盛开宝玉黛玉两人在沁芳闸桥边\n读西厢记精彩。\n"
    cases = classify(damaged(ocr), output, [ocr])
    wrong = [c for c in cases if c.error == "wrong join"]
    missed = [c for c in cases if c.error == "missed join"]
    assert len(wrong) == 1 and len(missed) == 1
    w, m = wrong[0], missed[0]
    assert (w.a_text, w.b_text, w.separator, w.gold.blocks) == ("宝玉黛玉", "两人在沁芳闸桥边", "blank", "para|para")
    assert (w.a_end, w.gold.end, w.mark_lost, w.a_width, w.debris) == ("han", "sentence end", True, "short", "")
    assert not w.gold.lost_block
    assert (m.a_text, m.b_text, m.separator, m.gold.where) == ("两人在沁芳闸桥边", "读西厢记精彩。", "line", "line")
    assert m.a_width == "full" and m.b_width == "1-2 short" and m.gold.first_line and not m.mark_lost
    assert (error_class(w), error_class(m)) == ("final mark lost or misread", "first line of its block")
    # Every boundary and wrap of the input, for how often the same evidence is right.
    everything = classify(damaged(ocr), None, [ocr])
    assert sorted(c.error for c in everything) == ["boundary", "wrap", "wrap"]
    assert [c.evidence for c in everything if c.error == "boundary"] == [w.evidence]
    report = format_cases(cases, examples=2, population=everything)
    assert "wrong joins: 1" in report and "missed joins: 1" in report
    assert "hlm/900: …宝玉黛玉 ⏎⏎ 两人在沁芳闸桥边…" in report
    row = next(line for line in report.split("\n") if line.startswith("  han | han | A short, B full | blank"))
    assert row.split()[-4:] == ["1", "1", "1", "0"]  # count, mark lost, boundaries, wraps


def test_specks_and_lines_between_are_seen() -> None:
    # A speck read as a comma at the end of the first paragraph's last line, and a page number
    # read between the two paragraphs; the output joins all three.
    ocr = "大观园里百花盛开\n宝玉黛玉。,\n\n53\n\n两人在沁芳闸桥边\n读西厢记精彩。\n"
    output = "大观园里百花盛开宝玉黛玉。,53两人在沁芳闸桥边读西厢记精彩。\n"
    (wrong,) = [c for c in classify(damaged(ocr), output, [ocr]) if c.error == "wrong join"]
    assert wrong.separator == "lines between" and wrong.between == ("53",)
    assert wrong.debris == "at A: punct" and wrong.a_end == "pause" and wrong.mark_lost
    # Read on two pages, the paragraphs meet at a page turn.
    pages = ["大观园里百花盛开\n宝玉黛玉。\n", "两人在沁芳闸桥边\n读西厢记精彩。\n"]
    text = "".join(pages)
    (turn,) = [c for c in classify(damaged(text), output, pages) if c.error == "wrong join"]
    assert turn.separator == "page" and not turn.mark_lost and turn.debris == ""
    assert error_class(turn) == "short line ending in a final mark"


def test_a_break_the_engine_did_not_make_is_seen() -> None:
    ocr = "大观园里百花盛开\n宝玉黛玉。两人在沁芳闸桥边\n读西厢记精彩。\n"
    (wrong,) = [c for c in classify(damaged(ocr), ocr, [ocr]) if c.error == "wrong join"]
    assert (wrong.separator, wrong.a_text, wrong.b_text) == ("none", "宝玉黛玉。", "两人在沁芳闸桥边")
    assert error_class(wrong) == "no break in the OCR text"


def test_an_indented_first_line_reads_one_or_two_characters_short() -> None:
    # Printed with a two-character indent: the first line holds six characters, the next eight.
    text = "宝玉听了这话心中大不自在便走出来。"
    ocr = "大观园里百花盛开\n宝玉黛玉。\n\n宝玉听了这话\n心中大不自在便走\n出来。\n"
    output = "大观园里百花盛开宝玉黛玉。\n\n宝玉听了这话\n心中大不自在便走出来。\n"
    cases = classify(damaged(ocr, (FIRST, text), (8, 6)), output, [ocr])
    (missed,) = [c for c in cases if c.error == "missed join"]
    assert (missed.a_text, missed.a_width, missed.gold.first_line) == ("宝玉听了这话", "1-2 short", True)
    assert error_class(missed) == "first line of its block"


def test_a_block_missing_from_the_ocr_text_is_seen() -> None:
    # The engine did not read the one-line middle paragraph; the output has one break for two.
    middle = "却说秦钟。"
    ocr = "大观园里百花盛开\n宝玉黛玉。\n\n两人在沁芳闸桥边\n读西厢记精彩。\n"
    cases = classify(damaged(ocr, (FIRST, middle, SECOND), (8, 0, 8)), ocr, [ocr])
    (wrong,) = [c for c in cases if c.error == "wrong join"]
    assert wrong.gold.lost_block and wrong.gold.blocks == "para|para"
    assert error_class(wrong) == "a block mostly unread"


def test_a_full_line_is_the_commonest_long_width() -> None:
    # Narrow column of 14: indented first lines of 12, one line with two columns run together
    # and a speck read as a glyph, Latin counting half.
    text = ["一" * 14] * 5 + ["二" * 12] * 3 + ["三" * 29, "四" * 14 + ".", "Writer" + "五" * 11]
    lines = input_lines(["\n".join(text)])
    assert full_width(lines) == 14.0
    assert [shortfall(w, 14.0) for w in (14.5, 13.6, 12.0, 11.4)] == ["full", "full", "1-2 short", "short"]
