"""The OCR mode's page-setup options: each renders a small gold document and is checked for what it
promises (paragraph marks, justified edges, the measure, the face, the scan), without Tesseract
but for one reading of a heavily noised page (skipped when Tesseract is missing).
"""

from __future__ import annotations

import itertools
import unicodedata
from dataclasses import replace
from typing import Any

import pytest

from bench.accuracy.model import Block, GoldDoc
from bench.accuracy.ocr_page import NOISE_LEVELS, PageStyle, Setup, glyph_positions, stretchable

HAN = "公园从一九五五年就开始饲养展出大熊猫一九八八年开始探索人工辅助繁育至今已有多只幼仔成活"
MIXED = "打开LibreOffice的工具菜单，选择选项对话框，然后在Writer格式辅助中设置显示格式标记。" * 3


class GridFace:
    """A stand-in font: Han and full-width characters 10 pixels wide, the rest 5."""

    def getlength(self, char: str) -> float:
        return 10.0 if unicodedata.east_asian_width(char) in ("W", "F") else 5.0


def test_justified_positions_end_at_the_width_and_keep_latin_words_tight() -> None:
    text = "选择Writer格式，然后"
    ragged = glyph_positions(100.0, text, GridFace())
    stretched = glyph_positions(100.0, text, GridFace(), width=200.0)
    assert ragged[0] == stretched[0] == 100.0
    assert stretched[-1] + 10.0 == pytest.approx(300.0)  # the last character ends at the edge
    assert ragged[-1] + 10.0 < 300.0
    for k in range(1, len(text)):
        step = stretched[k] - stretched[k - 1]
        natural = ragged[k] - ragged[k - 1]
        if stretchable(text[k - 1], text[k]):
            assert step > natural
        else:  # inside "Writer": letters stay at their advance
            assert step == pytest.approx(natural)


def test_a_line_without_stretchable_gaps_stays_ragged() -> None:
    assert glyph_positions(0.0, "Writer", GridFace(), width=80.0) == glyph_positions(0.0, "Writer", GridFace())


# ---------------------------------------------------------------------------------------------
# Typesetting with the fonts


@pytest.fixture(scope="module")
def fonts() -> None:
    pytest.importorskip("PIL")
    from bench.accuracy.ocr_page import fonts_available

    if not fonts_available():
        pytest.skip("the Noto CJK fonts are not installed")


def small_doc() -> GoldDoc:
    blocks = (
        Block("heading", "大熊猫繁育"),
        Block("para", HAN * 2),
        Block("para", MIXED),
        Block("code", "make install"),
        Block("para", HAN),
    )
    return GoldDoc("sample/001", "news", blocks)


def lines_of(paged: Any) -> list[tuple[int, int, Any]]:
    """(column, top, line) of every printed line, in reading order."""
    return [(c, y, line) for page in paged.pages for c, column in enumerate(page.columns) for y, line in column]


def first_lines(paged: Any, kind: str) -> list[tuple[int, Any]]:
    """(top, line) of the first line of every block of ``kind``."""
    doc, seen, found = paged.doc, set(), []
    for _, y, line in lines_of(paged):
        if line.block not in seen and doc.blocks[line.block].kind == kind:
            found.append((y, line))
        seen.add(line.block)
    return found


def set_in(setup: Setup, source: str = "hlm", pages: int = 1) -> Any:
    from bench.accuracy.ocr_page import paginate, style_for

    return paginate(small_doc(), style_for(source, setup), pages, 7, ("红楼梦", ""), "{page}", 8)


@pytest.mark.usefixtures("fonts")
@pytest.mark.parametrize("source", ["pd1998", "lohelp", "hlm"])
def test_the_default_setup_is_the_house_style(source: str) -> None:
    from bench.accuracy.ocr_page import house_style, style_for

    assert style_for(source, Setup()) == house_style(source)
    assert Setup().describe() == "house style"


@pytest.mark.usefixtures("fonts")
@pytest.mark.parametrize(
    ("paragraphs", "indent", "gap"), [("indent", 2, 0.0), ("block", 0, 1.0), ("indent+space", 2, 0.5)]
)
def test_paragraph_styles_mark_paragraphs_by_indent_and_space(paragraphs: str, indent: int, gap: float) -> None:
    paged = set_in(Setup(paragraphs=paragraphs))
    style = paged.style
    for _, line in first_lines(paged, "para"):
        assert line.x == indent * style.body_size
    # Between two paragraphs on the same column: a line pitch, and the style's space on top.
    between = 0
    for (c1, y1, a), (c2, y2, b) in itertools.pairwise(lines_of(paged)):
        kinds = (paged.doc.blocks[a.block].kind, paged.doc.blocks[b.block].kind)
        if c1 == c2 and a.block != b.block and kinds == ("para", "para"):
            assert y2 - y1 == round(a.size * style.leading) + round(gap * style.pitch)
            between += 1
        if c1 == c2 and a.block == b.block:
            assert y2 - y1 == round(a.size * style.leading)
    assert between == 1


@pytest.mark.usefixtures("fonts")
def test_justified_lines_reach_the_column_edge_on_the_page() -> None:
    """Ink at the right edge of the column: every line of a justified paragraph but its last ends
    at the edge, while the same text set ragged leaves some line short of it."""
    from bench.accuracy.ocr_page import draw_page

    def short_lines(setup: Setup) -> tuple[int, int]:
        paged = set_in(setup, source="lohelp")
        style, page = paged.style, paged.pages[0]
        image = draw_page(page, style, seed=1)
        edge = style.margin_x + style.column_width
        checked, short = 0, 0
        for y, line in page.columns[0]:
            block = paged.doc.blocks[line.block]
            if block.kind != "para" or line.end == len(block.text) or not line.text[-1].isalpha():
                continue
            top = style.margin_top + y
            band = image.crop((style.margin_x, top, style.width, top + line.size * 1.3))
            right = style.margin_x + band.point(lambda v: 255 if v < 128 else 0).getbbox()[2]
            checked += 1
            short += right < edge - 0.25 * line.size  # a Han glyph's ink ends near its advance
        return checked, short

    checked, short = short_lines(Setup(justify=True, noise="none"))
    assert checked >= 3 and short == 0
    checked, short = short_lines(Setup(noise="none"))
    assert checked >= 3 and short > 0


@pytest.mark.usefixtures("fonts")
@pytest.mark.parametrize(("chars", "source"), [(14, "pd1998"), (14, "hlm"), (36, "pd1998"), (36, "lohelp")])
def test_the_measure_sets_characters_per_line(chars: int, source: str) -> None:
    paged = set_in(Setup(line_chars=chars), source=source, pages=2)
    style = paged.style
    assert chars * style.body_size <= style.column_width < (chars + 1) * style.body_size
    assert style.margin_x >= 140 and style.columns * style.column_width <= style.width - 2 * style.margin_x
    blocks = paged.doc.blocks
    full = [  # unindented lines of an all-Han paragraph, but its last
        line
        for _, _, line in lines_of(paged)
        if blocks[line.block].text.startswith(HAN) and line.x == 0 and line.end < len(blocks[line.block].text)
    ]
    assert full and all(len(line.text) == chars for line in full)
    assert (style.columns > 1) == (chars == 14)


@pytest.mark.usefixtures("fonts")
def test_body_size_scales_the_headings_with_it() -> None:
    paged = set_in(Setup(body_size=40), source="hlm")
    assert paged.style.body_size == 40 and paged.style.heading_size == 50  # 32:40 in the house style
    sizes = {paged.doc.blocks[line.block].kind: line.size for _, _, line in lines_of(paged)}
    assert sizes["para"] == 40 and sizes["heading"] == 50


@pytest.mark.usefixtures("fonts")
@pytest.mark.parametrize("face", ["serif", "sans"])
def test_the_face_applies_to_body_text_of_every_source(face: str) -> None:
    for source in ("pd1998", "lohelp", "hlm"):
        faces = {(paged_kind, line.face) for paged_kind, line in kinds_and_lines(set_in(Setup(face=face), source))}
        assert faces == {("heading", "bold"), ("para", face), ("code", "sans")}


def kinds_and_lines(paged: Any) -> list[tuple[str, Any]]:
    return [(paged.doc.blocks[line.block].kind, line) for _, _, line in lines_of(paged)]


def specks_in_margin(image: Any, style: PageStyle) -> float:
    """Pixels clearly darker than the paper in the left margin below the running head, per area
    at 300 dpi: only noise puts them there."""
    import numpy as np

    scale = image.width / style.width
    margin = np.asarray(image, dtype=float)[round(style.margin_top * scale) :, : round((style.margin_x - 20) * scale)]
    paper = float(np.median(margin))
    return float((margin < paper - 50).sum()) / scale**2


@pytest.mark.usefixtures("fonts")
def test_noise_levels_add_more_specks_and_heavy_scans_at_200_dpi() -> None:
    from bench.accuracy.ocr_page import draw_page, scan_dpi

    paged = set_in(Setup())
    page = paged.pages[0]
    images = {}
    for level in NOISE_LEVELS:
        style = replace(paged.style, noise=level)
        images[level] = (draw_page(page, style, seed=3), style)
    assert images["none"][0].size == images["mild"][0].size == (1700, 2400)
    assert images["heavy"][0].size == (1133, 1600) and scan_dpi("heavy") == 200
    specks = {level: specks_in_margin(*images[level]) for level in NOISE_LEVELS}
    assert specks["none"] == 0 < specks["mild"] < specks["heavy"]
    again = draw_page(page, images["heavy"][1], seed=3)
    other = draw_page(page, images["heavy"][1], seed=4)
    assert again.tobytes() == images["heavy"][0].tobytes() != other.tobytes()


@pytest.mark.usefixtures("fonts")
def test_tesseract_reads_a_heavily_noised_page_at_200_dpi(tmp_path: Any) -> None:
    from rapidfuzz.distance import Levenshtein

    from bench.accuracy.ocr_engine import OcrSettings, recognise, tesseract_available
    from bench.accuracy.ocr_page import draw_page, page_recipe, scan_dpi

    if not tesseract_available():
        pytest.skip("tesseract with chi_sim is not installed")
    paged = set_in(Setup(noise="heavy"), source="hlm")
    page, style = paged.pages[0], paged.style
    settings = OcrSettings(dpi=scan_dpi(style.noise))
    text, _ = recognise(page_recipe(page, style, 5), lambda: draw_page(page, style, 5), settings, tmp_path)
    read, gold = "".join(text.split()), "".join(paged.doc.text.split())
    assert Levenshtein.normalized_distance(read, gold) < 0.35
