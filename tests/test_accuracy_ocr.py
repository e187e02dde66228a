"""The accuracy harness's OCR mode: line breaking, the gold it keeps, the error breakdown.

Line breaking and the error breakdown need neither Pillow nor Tesseract; typesetting needs Pillow
and the Noto CJK fonts, reading a page Tesseract: those tests skip when the tools are missing.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from bench.accuracy.metrics import score_corpus
from bench.accuracy.model import Block, GoldDoc
from bench.accuracy.ocr_errors import OcrAnalysis, OcrPage, count_edits, furniture_kind, judge_changes
from bench.accuracy.ocr_page import NO_LINE_END, NO_LINE_START, PagedDoc, break_lines

TEXT = (
    "张晓伟急忙转身，飞步冲到大水潭边。这时（据说）有数百名游客围观，而无一个下水救人。"
    "See the LibreOffice manual for details."
)


class GridFace:
    """A stand-in font: Han and full-width characters 10 pixels wide, the rest 5."""

    def getlength(self, char: str) -> float:
        return 10.0 if unicodedata.east_asian_width(char) in ("W", "F") else 5.0


@pytest.mark.parametrize("width", [60, 95, 130, 200])
def test_lines_cover_the_text_and_keep_the_breaking_rules(width: int) -> None:
    spans = break_lines(TEXT, GridFace(), width, first_indent=20)
    rebuilt = ""
    for n, (start, end) in enumerate(spans):
        if n:
            assert TEXT[spans[n - 1][1] : start].strip() == "", "only a space may be dropped at a break"
            rebuilt += TEXT[spans[n - 1][1] : start]
            assert TEXT[start] not in NO_LINE_START
            assert TEXT[spans[n - 1][1] - 1] not in NO_LINE_END
        rebuilt += TEXT[start:end]
    assert rebuilt == TEXT
    words = {w for w in TEXT.split() if w.isascii() and len(w) * 5 <= width}
    for start, end in spans:
        line = TEXT[start:end]
        assert not any(line.startswith(w[1:]) and TEXT[start - 1] == w[0] for w in words if w[1:])


def test_edits_are_classed_and_confusions_counted() -> None:
    analysis = OcrAnalysis()
    count_edits("公园饲养\n展出", "公圆饲 养展出.", analysis)
    assert analysis.confusions == {("园", "圆"): 1}
    assert analysis.edits["ins", "space"] == 1
    assert analysis.edits["del", "newline"] == 1
    assert analysis.edits["ins", "punct"] == 1
    assert analysis.inserted == {".": 1}


def test_furniture_lines_are_told_from_text() -> None:
    page = OcrPage("", ("人民日报", "1998年1月8日  第9版"), "", 9)
    assert furniture_kind("人民日报 1998年1月8日 第9版", page) == "running head"
    assert furniture_kind("1998年1月8日 第9 版", page) == "running head"
    assert furniture_kind("人民日报", page) == "running head"
    assert furniture_kind("9", page) == "page number"
    assert furniture_kind("公园从1955年就开始饲养、展出，1988年开始人工辅助繁育。", page) is None
    book = OcrPage("", ("呐喊", ""), "— 53 —", 53)
    assert furniture_kind("。一53一", book) == "page number"
    assert furniture_kind("53", book) == "page number"
    assert furniture_kind("他说", book) is None


def test_changes_are_judged_against_the_gold() -> None:
    from bench.accuracy.metrics import Alignment

    gold, before = "他说：“走吧。”然后离开了。", '他说:"走吧。"然后离开了。'
    after_good, after_bad = "他说：“走吧。”然后离开了。", '他说:"走吧。"然后离了。'
    for after, verdict in ((after_good, "fix"), (after_bad, "regression")):
        analysis = OcrAnalysis()
        judge_changes("d", before, after, gold, Alignment(before, gold), analysis)
        assert {c.verdict for c in analysis.changes} == {verdict}


# ---------------------------------------------------------------------------------------------
# Typesetting (Pillow and the fonts) and reading (Tesseract)


def sample_doc() -> GoldDoc:
    blocks = (
        Block("heading", "面对五千元境界不相同"),
        Block("para", TEXT * 3),
        Block("para", "公园从1955年就开始饲养、展出，1988年开始探索人工辅助繁育。" * 4),
    )
    return GoldDoc("sample/000", "news", blocks)


@pytest.fixture(scope="module")
def paged() -> PagedDoc:
    pytest.importorskip("PIL")
    from bench.accuracy.ocr_page import PageStyle, fonts_available, paginate

    if not fonts_available():
        pytest.skip("the Noto CJK fonts are not installed")
    style = PageStyle(columns=2, noise="none")
    return paginate(sample_doc(), style, 1, 7, ("人民日报", "第{page}版"), "", 8)


def test_pages_keep_the_gold_and_every_wrap(paged: PagedDoc) -> None:
    from bench.accuracy.ocr import OcrDoc, to_damaged

    doc = paged.doc
    printed = {}
    for page in paged.pages:
        for column in page.columns:
            for _, line in column:
                printed.setdefault(line.block, []).append(line)
    for b, block in enumerate(doc.blocks):
        assert "".join(line.text for line in printed[b]).replace(" ", "") == block.text.replace(" ", "")
    # A perfect reading of the printed lines: every block boundary is there, every wrap still to join.
    lines = [line.text for page in paged.pages for column in page.columns for _, line in column]
    damaged = to_damaged(OcrDoc(paged, ("\n".join(lines) + "\n",)))
    wraps = [entry for entry in damaged.log if entry.kind.startswith("wrap")]
    assert len(wraps) == len(lines) - len(doc.blocks)
    report = score_corpus([damaged], {doc.id: doc.text})
    assert report.f1 == 1.0 and report.joins.rate == 1.0 and report.distance_after == 0
    unjoined = score_corpus([damaged], {doc.id: damaged.text})
    assert unjoined.recall == 1.0 and unjoined.joins.hit == 0


def test_tesseract_reads_a_page(paged: PagedDoc, tmp_path: Path) -> None:
    from rapidfuzz.distance import Levenshtein

    from bench.accuracy.ocr_engine import OcrSettings, recognise, tesseract_available
    from bench.accuracy.ocr_page import draw_page, page_recipe

    if not tesseract_available():
        pytest.skip("tesseract with chi_sim is not installed")
    page, style = paged.pages[0], paged.style
    recipe = page_recipe(page, style, 1)
    text, cached = recognise(recipe, lambda: draw_page(page, style, 1), OcrSettings(), tmp_path)
    assert not cached
    assert recognise(recipe, lambda: pytest.fail("drawn again"), OcrSettings(), tmp_path) == (text, True)
    read, gold = "".join(text.split()), "".join(paged.doc.text.split())
    assert Levenshtein.normalized_distance(read, gold) < 0.2
