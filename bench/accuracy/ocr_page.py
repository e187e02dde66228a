"""Gold documents set as printed pages: the images the OCR mode of the harness reads.

A document is typeset like a book or newspaper page with Noto Serif/Sans CJK SC: one column
(books, manuals) or two (news), paragraphs marked by a two-character first-line indent and no
extra space, headings larger and set apart, a running head with a rule under it and a page number
on every page. Lines break where the column is full, with the Chinese line-breaking rules (no
closing mark at a line start, no opening mark at a line end) and English words kept whole. Every
printed line records the block and the character span it shows, so the gold paragraph structure
and every wrap point are known exactly. Mild scanner noise (rotation, blur, specks, grey level)
is added with a seeded generator.

Needs Pillow and the ``fonts-noto-cjk`` package (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from bench.accuracy.model import Block, GoldDoc

FONT_DIRS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/truetype/noto"))
FONT_FILES = {
    "serif": "NotoSerifCJK-Regular.ttc",
    "sans": "NotoSansCJK-Regular.ttc",
    "bold": "NotoSansCJK-Bold.ttc",
}
FONT_NAMES = {"serif": "Noto Serif CJK SC", "sans": "Noto Sans CJK SC", "bold": "Noto Sans CJK SC"}
DPI = 300
NO_LINE_START = frozenset("，。、；：！？）」』”’》〉】〕,.;:!?)]}…·")
NO_LINE_END = frozenset("（「『“‘《〈【〔([{")

# Running heads per source: (label on the left, label on the right); {page}, {day} filled in.
HEADS = {
    "pd1998": ("人民日报", "1998年1月{day}日  第{page}版"),
    "lohelp": ("LibreOffice 帮助", "{page}"),
    "kicad": ("KiCad 用户手册", "{page}"),
    "hlm": ("红楼梦", ""),
    "nahan": ("呐喊", ""),
}
# Page numbers at the foot, per source ("" for none): {page} filled in.
FOOTS = {"pd1998": "", "lohelp": "第 {page} 页", "kicad": "- {page} -", "hlm": "{page}", "nahan": "— {page} —"}


class FontMissing(RuntimeError):
    """The Noto CJK fonts (Debian's ``fonts-noto-cjk``) are not installed."""


@cache
def font_path(kind: str) -> Path:
    """The font file of a kind (``serif``, ``sans``, ``bold``)."""
    for folder in FONT_DIRS:
        path = folder / FONT_FILES[kind]
        if path.exists():
            return path
    raise FontMissing(f"{FONT_FILES[kind]} not found: install fonts-noto-cjk")


@cache
def font(kind: str, size: int) -> Any:
    """The Simplified Chinese face of a Noto CJK collection at ``size`` pixels."""
    from PIL import ImageFont

    path = font_path(kind)
    for index in range(10):
        face = ImageFont.truetype(str(path), size, index=index)
        if face.getname()[0] == FONT_NAMES[kind]:
            return face
    raise FontMissing(f"{path} has no {FONT_NAMES[kind]} face")


def fonts_available() -> bool:
    """Whether Pillow and the Noto CJK fonts are there."""
    try:
        import PIL  # noqa: F401

        for kind in FONT_FILES:
            font_path(kind)
    except (ImportError, FontMissing):
        return False
    return True


# ---------------------------------------------------------------------------------------------
# Page geometry and the printed lines


@dataclass(frozen=True, slots=True)
class PageStyle:
    """A page's geometry in pixels (at 300 dpi), its faces and its noise."""

    width: int = 1700
    height: int = 2400
    margin_x: int = 140
    margin_top: int = 150
    margin_bottom: int = 170
    columns: int = 1
    gutter: int = 60
    body_size: int = 30
    heading_size: int = 40
    leading: float = 1.65  # line pitch over body size
    face: str = "serif"
    indent: int = 2  # first-line indent of a paragraph, in characters
    noise: bool = True

    @property
    def column_width(self) -> int:
        return (self.width - 2 * self.margin_x - (self.columns - 1) * self.gutter) // self.columns

    @property
    def pitch(self) -> int:
        return round(self.body_size * self.leading)


@dataclass(frozen=True, slots=True)
class Line:
    """One printed line: ``text`` is ``block.text[start:end]`` (a space at a wrap is dropped)."""

    block: int
    start: int
    end: int
    text: str
    size: int
    face: str
    x: int  # left edge, relative to the column
    centred: bool = False


@dataclass(slots=True)
class Page:
    """One page: its lines per column with their top offsets, and its furniture."""

    number: int
    head: tuple[str, str]
    foot: str
    columns: list[list[tuple[int, Line]]] = field(default_factory=list)

    @property
    def furniture(self) -> list[str]:
        """The running head's labels and the page number as printed (what is not article text)."""
        return [text for text in (*self.head, self.foot) if text]


@dataclass(frozen=True, slots=True)
class PagedDoc:
    """A gold document (the blocks that fitted) and its pages."""

    doc: GoldDoc
    pages: tuple[Page, ...]
    style: PageStyle

    def wraps(self) -> Iterator[Wrap]:
        """Every line break inside a block, in reading order."""
        previous: Line | None = None
        for p, page in enumerate(self.pages):
            for c, column in enumerate(page.columns):
                for n, (_, line) in enumerate(column):
                    if previous is not None and previous.block == line.block:
                        where = "line" if n else ("column" if c else "page")
                        yield Wrap(line.block, previous.end, line.start, where, p)
                    previous = line


@dataclass(frozen=True, slots=True)
class Wrap:
    """A line break inside block ``block``: the line before ends at ``end``, the next starts at
    ``start`` (one past a dropped space); ``where`` is ``line``, ``column`` or ``page``."""

    block: int
    end: int
    start: int
    where: str
    page: int


# ---------------------------------------------------------------------------------------------
# Line breaking


def char_width(face: Any, char: str) -> float:
    """A character's advance in pixels."""
    return float(face.getlength(char))


def tokens(text: str) -> list[tuple[int, int]]:
    """Unbreakable pieces: a Latin word or number (with its trailing punctuation), or one character."""
    pieces, i = [], 0
    while i < len(text):
        j = i + 1
        if text[i].isascii() and not text[i].isspace():
            while j < len(text) and text[j].isascii() and not text[j].isspace():
                j += 1
        pieces.append((i, j))
        i = j
    return pieces


def break_lines(text: str, face: Any, width: int, first_indent: float) -> list[tuple[int, int]]:
    """(start, end) of each line of ``text`` set in a column ``width`` pixels wide.

    A closing mark that would start a line hangs at the end of the previous one; an opening mark
    that would end a line moves to the next; a space where a line breaks is not printed; a Latin
    word wider than the column is cut.
    """
    lines: list[tuple[int, int]] = []
    start, used, limit = 0, 0.0, width - first_indent
    pieces = tokens(text)
    k = 0
    while k < len(pieces):
        a, b = pieces[k]
        piece = text[a:b]
        advance = sum(char_width(face, c) for c in piece)
        fits = used + advance <= limit
        hangs = piece[0] in NO_LINE_START and a > start
        if fits or hangs or a == start:
            if not fits and a == start and len(piece) > 1:  # a word wider than the column
                cut = a + max(1, int(len(piece) * limit / max(advance, 1)))
                lines.append((start, cut))
                pieces[k] = (cut, b)
                start, used, limit = cut, 0.0, width
                continue
            used += advance
            k += 1
            continue
        end = a
        if end - 1 > start and text[end - 1] in NO_LINE_END:
            end -= 1
        line_end = end
        while line_end > start and text[line_end - 1] == " ":
            line_end -= 1
        lines.append((start, line_end))
        while end < len(text) and text[end] == " ":
            end += 1
        start, used, limit = end, 0.0, width
        k = next(n for n, (x, _) in enumerate(pieces) if x >= start) if start < len(text) else len(pieces)
    if start < len(text):
        lines.append((start, len(text)))
    return lines


def block_lines(index: int, block: Block, style: PageStyle) -> tuple[list[Line], int, int]:
    """A block's printed lines, and the space before and after it (pixels)."""
    if block.kind == "heading":
        face_kind, size = "bold", style.heading_size
        before, after = style.pitch, style.pitch // 2
    else:
        face_kind, size = ("sans" if block.kind == "code" else style.face), style.body_size
        before = after = 0
    face = font(face_kind, size)
    indent = style.indent * size if block.kind in ("para", "english") else 0
    spans = break_lines(block.text, face, style.column_width, indent)
    lines = []
    for n, (start, end) in enumerate(spans):
        x = indent if n == 0 else 0
        lines.append(
            Line(index, start, end, block.text[start:end], size, face_kind, x, centred=block.kind == "heading")
        )
    return lines, before, after


def line_height(line: Line, style: PageStyle) -> int:
    return round(line.size * style.leading)


def paginate(
    doc: GoldDoc, style: PageStyle, max_pages: int, first_page: int, head: tuple[str, str], foot: str, day: int
) -> PagedDoc:
    """Set a document's blocks on at most ``max_pages`` pages; a block that does not fit whole in
    what is left stops the document there (the gold keeps only the blocks printed)."""
    text_height = style.height - style.margin_top - style.margin_bottom
    laid = [block_lines(i, block, style) for i, block in enumerate(doc.blocks)]

    def new_page(n: int) -> Page:
        number = first_page + n
        filled = tuple(label.format(page=number, day=day) for label in head)
        return Page(number, filled, foot.format(page=number), [[] for _ in range(style.columns)])

    pages = [new_page(0)]
    column, y = 0, 0
    kept = 0
    for lines, before, after in laid:
        needed = before + sum(line_height(line, style) for line in lines)
        room = (text_height - y) + (style.columns - 1 - column) * text_height
        room += (max_pages - len(pages)) * style.columns * text_height
        if needed > room:
            break
        y += before if y else 0
        for line in lines:
            h = line_height(line, style)
            if y + h > text_height:
                column, y = column + 1, 0
                if column == style.columns:
                    pages.append(new_page(len(pages)))
                    column = 0
            pages[-1].columns[column].append((y, line))
            y += h
        y += after
        kept += 1
    if kept == 0:
        raise ValueError(f"{doc.id}: the first block does not fit on {max_pages} pages")
    kept_doc = GoldDoc(doc.id, doc.genre, doc.blocks[:kept])
    return PagedDoc(kept_doc, tuple(pages), style)


# ---------------------------------------------------------------------------------------------
# Drawing


def draw_text(draw: Any, x: float, y: float, text: str, face: Any) -> None:
    """A line character by character, full-width marks on the em grid as CJK type sets them."""
    for char in text:
        draw.text((x, y), char, font=face, fill=0)
        x += char_width(face, char)


def text_width(text: str, face: Any) -> float:
    return sum(char_width(face, c) for c in text)


def draw_page(page: Page, style: PageStyle, seed: int) -> Any:
    """The page as a greyscale image (300 dpi), with scanner noise from ``seed`` when the style asks."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (style.width, style.height), 255)
    draw = ImageDraw.Draw(image)
    small = font("sans", round(style.body_size * 0.8))
    head_y = style.margin_top - round(style.body_size * 2.2)
    left, right = page.head
    if left:
        draw_text(draw, style.margin_x, head_y, left, small)
    if right:
        draw_text(draw, style.width - style.margin_x - text_width(right, small), head_y, right, small)
    rule_y = style.margin_top - round(style.body_size * 0.7)
    draw.line((style.margin_x, rule_y, style.width - style.margin_x, rule_y), fill=0, width=2)
    if page.foot:
        foot_y = style.height - style.margin_bottom + round(style.body_size * 1.5)
        draw_text(draw, (style.width - text_width(page.foot, small)) / 2, foot_y, page.foot, small)
    for c, column in enumerate(page.columns):
        x0 = style.margin_x + c * (style.column_width + style.gutter)
        for y, line in column:
            face = font(line.face, line.size)
            x = x0 + line.x
            if line.centred:
                x = x0 + (style.column_width - text_width(line.text, face)) / 2
            draw_text(draw, x, style.margin_top + y, line.text, face)
    if style.noise:
        image = add_noise(image, random.Random(seed))
    return image


def page_recipe(page: Page, style: PageStyle, seed: int) -> str:
    """Everything a page's image is made of, as text: its lines and positions, its style, its noise
    seed, the Pillow version and the font files (name and size), for the OCR cache's key."""
    from PIL import __version__ as pillow

    fonts = ", ".join(f"{font_path(kind).name} {font_path(kind).stat().st_size}" for kind in sorted(FONT_FILES))
    return f"{page!r}\n{style!r}\nseed {seed}\nPillow {pillow}\n{fonts}"


def add_noise(image: Any, rng: random.Random) -> Any:
    """What a scanner adds: specks and short scratches, a slight skew, blur and a grey paper."""
    from PIL import ImageDraw, ImageFilter

    draw = ImageDraw.Draw(image)
    width, height = image.size
    for _ in range(rng.randint(80, 260)):
        x, y, r = rng.uniform(0, width), rng.uniform(0, height), rng.choice((1, 1, 1, 2, 2, 3))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.randint(0, 90))
    for _ in range(rng.randint(0, 4)):
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        draw.line((x, y, x + rng.uniform(-40, 40), y + rng.uniform(-6, 6)), fill=rng.randint(30, 120), width=2)
    image = image.rotate(rng.uniform(-0.6, 0.6), resample=3, fillcolor=255)
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 0.9)))
    paper = rng.randint(225, 250)
    return image.point(lambda v: round(v * paper / 255))


def style_for(source: str) -> PageStyle:
    """Newspapers in two serif columns, manuals in one sans column, books in one serif column."""
    if source == "pd1998":
        return PageStyle(columns=2, face="serif", body_size=28, heading_size=40)
    if source in ("lohelp", "kicad"):
        return PageStyle(columns=1, face="sans", body_size=28, heading_size=36)
    return PageStyle(columns=1, face="serif", body_size=32, heading_size=40)


def paginate_corpus(docs: Sequence[GoldDoc], pages: int, seed: int, max_pages: int = 2) -> list[PagedDoc]:
    """About ``pages`` pages of documents taken in turn from each source (seeded), each document at
    most ``max_pages`` pages, numbered on from a random first page per document."""
    rng = random.Random(seed)
    by_source: dict[str, list[GoldDoc]] = {}
    for doc in docs:
        by_source.setdefault(doc.id.split("/")[0], []).append(doc)
    for group in by_source.values():
        rng.shuffle(group)
    order = sorted(by_source)
    paged: list[PagedDoc] = []
    total, turn = 0, 0
    while total < pages and any(by_source.values()):
        source = order[turn % len(order)]
        turn += 1
        if not by_source[source]:
            continue
        doc = by_source[source].pop()
        budget = min(max_pages, pages - total)
        head, foot = HEADS.get(source, (source, "{page}")), FOOTS.get(source, "{page}")
        first = rng.randint(1, 12) if source == "pd1998" else rng.randint(2, 180)
        result = paginate(doc, style_for(source), budget, first, head, foot, rng.randint(1, 31))
        paged.append(result)
        total += len(result.pages)
    return paged
