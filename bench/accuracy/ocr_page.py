"""Gold documents set as printed pages: the images the OCR mode of the harness reads.

A document is typeset like a book or newspaper page with Noto Serif/Sans CJK SC: one column
(books, manuals) or two (news), paragraphs marked by a two-character first-line indent and no
extra space, headings larger and set apart, a running head with a rule under it and a page number
on every page. Lines break where the column is full, with the Chinese line-breaking rules (no
closing mark at a line start, no opening mark at a line end) and English words kept whole, and are
set ragged: each character at its own advance, so a full line ends less than a character short of
the column's edge. Every printed line records the block and the character span it shows, so the
gold paragraph structure and every wrap point are known exactly. Mild scanner noise (rotation,
blur, specks, grey level) is added with a seeded generator.

That is the house style of each source (``style_for``); a ``Setup`` changes it for a whole run,
one named option at a time: the paragraph style (``PARAGRAPH_STYLES``: indented, block paragraphs
with a blank line's space between them, or both), justified lines, the measure in characters per
line (``measured``), the body size, the face, and the scan (``NOISE_LEVELS``: none, mild, heavy).

Needs Pillow and the ``fonts-noto-cjk`` package (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
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
# Paragraph styles: (first-line indent in characters, space before a paragraph that follows
# another, in line pitches).
PARAGRAPH_STYLES = {"indent": (2, 0.0), "block": (0, 1.0), "indent+space": (2, 0.5)}
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
    noise: str = "mild"  # a key of NOISE_LEVELS
    paragraph_space: float = 0.0  # space before a paragraph that follows another, in line pitches
    justify: bool = False  # every line of a paragraph but its last stretched to the column's edge

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
    justified: bool = False  # stretched to the column's right edge


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


def last_lines_full(paged: PagedDoc) -> dict[int, bool]:
    """Per block, whether its last printed line reaches within a character of the column's edge
    (a paragraph ending there looks, line by line, like one that goes on)."""
    last: dict[int, Line] = {}
    for page in paged.pages:
        for column in page.columns:
            for _, line in column:
                last[line.block] = line
    width = paged.style.column_width
    return {
        block: line.x + text_width(line.text, font(line.face, line.size)) > width - line.size
        for block, line in last.items()
    }


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


def paragraph_gap(block: Block, previous: Block | None, style: PageStyle) -> int:
    """The extra space (pixels) the paragraph style puts before a body block that follows another
    body block; a heading brings its own space."""
    if previous is None or "heading" in (block.kind, previous.kind):
        return 0
    return round(style.paragraph_space * style.pitch)


def block_lines(
    index: int, block: Block, style: PageStyle, previous: Block | None = None
) -> tuple[list[Line], int, int]:
    """A block's printed lines, and the space before and after it (pixels)."""
    if block.kind == "heading":
        face_kind, size = "bold", style.heading_size
        before, after = style.pitch, style.pitch // 2
    else:
        face_kind, size = ("sans" if block.kind == "code" else style.face), style.body_size
        before, after = paragraph_gap(block, previous, style), 0
    face = font(face_kind, size)
    indent = style.indent * size if block.kind in ("para", "english") else 0
    spans = break_lines(block.text, face, style.column_width, indent)
    stretch = style.justify and block.kind not in ("heading", "code")
    lines = []
    for n, (start, end) in enumerate(spans):
        x = indent if n == 0 else 0
        last = n == len(spans) - 1
        text = block.text[start:end]
        centred = block.kind == "heading"
        lines.append(Line(index, start, end, text, size, face_kind, x, centred, justified=stretch and not last))
    return lines, before, after


def line_height(line: Line, style: PageStyle) -> int:
    return round(line.size * style.leading)


def paginate(
    doc: GoldDoc, style: PageStyle, max_pages: int, first_page: int, head: tuple[str, str], foot: str, day: int
) -> PagedDoc:
    """Set a document's blocks on at most ``max_pages`` pages; a block that does not fit whole in
    what is left stops the document there (the gold keeps only the blocks printed)."""
    text_height = style.height - style.margin_top - style.margin_bottom
    laid = [block_lines(i, block, style, doc.blocks[i - 1] if i else None) for i, block in enumerate(doc.blocks)]

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


def stretchable(left: str, right: str) -> bool:
    """Whether a justified line may open the space between two characters: anywhere but inside a
    Latin word or number."""
    inside_word = left.isascii() and right.isascii() and not left.isspace() and not right.isspace()
    return not inside_word


def glyph_positions(x: float, text: str, face: Any, width: float | None = None) -> list[float]:
    """Each character's left edge, the line starting at ``x``: at the previous one's advance
    (ragged), or, with ``width``, the spare room shared equally among the stretchable gaps so that
    the last character ends at ``x + width`` (justified; a line with no such gap stays ragged)."""
    advances = [char_width(face, c) for c in text]
    gaps = {k for k in range(1, len(text)) if stretchable(text[k - 1], text[k])}
    spare = (width - sum(advances)) if width is not None else 0.0
    extra = spare / len(gaps) if gaps and spare > 0 else 0.0
    positions = []
    for k, advance in enumerate(advances):
        if k in gaps and extra:
            x += extra
        positions.append(x)
        x += advance
    return positions


def draw_text(draw: Any, x: float, y: float, text: str, face: Any, width: float | None = None) -> None:
    """A line character by character, full-width marks on the em grid as CJK type sets them;
    stretched to ``width`` pixels when given (``glyph_positions``)."""
    for char, left in zip(text, glyph_positions(x, text, face, width), strict=True):
        draw.text((left, y), char, font=face, fill=0)


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
            width = style.column_width - line.x if line.justified else None
            draw_text(draw, x, style.margin_top + y, line.text, face, width)
    return scan(image, NOISE_LEVELS[style.noise], seed)


def page_recipe(page: Page, style: PageStyle, seed: int) -> str:
    """Everything a page's image is made of, as text: its lines and positions, its style, its noise
    level's figures and seed, the Pillow version and the font files (name and size), for the OCR
    cache's key."""
    from PIL import __version__ as pillow

    fonts = ", ".join(f"{font_path(kind).name} {font_path(kind).stat().st_size}" for kind in sorted(FONT_FILES))
    noise = NOISE_LEVELS[style.noise]
    return f"{page!r}\n{style!r}\n{noise!r}\nseed {seed}\nPillow {pillow}\n{fonts}"


@dataclass(frozen=True, slots=True)
class Noise:
    """What a scan adds to a page, as ranges the page's seed draws from."""

    specks: tuple[int, int]  # how many dark dots
    speck_radii: tuple[int, ...]  # drawn from evenly: repeats weight a radius
    scratches: tuple[int, int]  # how many short strokes
    skew: float  # degrees either way
    blur: tuple[float, float]  # Gaussian radius
    paper: tuple[int, int]  # grey level of white paper
    dropouts: tuple[int, int] = (0, 0)  # white dots (worn type, broken strokes)
    dpi: int = DPI  # the scan's resolution: the page is drawn at 300 dpi and resampled to this


# None: the page as drawn. Mild: a clean office scan. Heavy: an old book on a cheap scanner:
# more and bigger specks, strokes broken by white dots, a visible skew, a darker paper, 200 dpi.
NOISE_LEVELS: dict[str, Noise | None] = {
    "none": None,
    "mild": Noise((80, 260), (1, 1, 1, 2, 2, 3), (0, 4), 0.6, (0.4, 0.9), (225, 250)),
    "heavy": Noise((250, 600), (1, 1, 1, 2, 2, 3), (2, 8), 1.2, (0.5, 1.0), (205, 240), (150, 400), 200),
}


def scan_dpi(noise: str) -> int:
    """The resolution a noise level's pages are read at."""
    level = NOISE_LEVELS[noise]
    return DPI if level is None else level.dpi


def scan(image: Any, level: Noise | None, seed: int) -> Any:
    """The page as the scanner gives it: noise from ``seed``, then resampled to the level's dpi."""
    if level is None:
        return image
    image = add_noise(image, random.Random(seed), level)
    if level.dpi != DPI:
        from PIL import Image

        size = (round(image.width * level.dpi / DPI), round(image.height * level.dpi / DPI))
        image = image.resize(size, Image.Resampling.LANCZOS)
    return image


def add_noise(image: Any, rng: random.Random, level: Noise) -> Any:
    """What a scanner adds: specks and short scratches, a slight skew, blur and a grey paper."""
    from PIL import ImageDraw, ImageFilter

    draw = ImageDraw.Draw(image)
    width, height = image.size
    for _ in range(rng.randint(*level.specks)):
        x, y, r = rng.uniform(0, width), rng.uniform(0, height), rng.choice(level.speck_radii)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.randint(0, 90))
    for _ in range(rng.randint(*level.scratches)):
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        draw.line((x, y, x + rng.uniform(-40, 40), y + rng.uniform(-6, 6)), fill=rng.randint(30, 120), width=2)
    if level.dropouts[1]:  # drawn only when asked, so the milder levels keep their random sequence
        for _ in range(rng.randint(*level.dropouts)):
            x, y, r = rng.uniform(0, width), rng.uniform(0, height), rng.choice((1, 1, 2))
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    image = image.rotate(rng.uniform(-level.skew, level.skew), resample=3, fillcolor=255)
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(*level.blur)))
    paper = rng.randint(*level.paper)
    return image.point(lambda v: round(v * paper / 255))


def house_style(source: str) -> PageStyle:
    """Newspapers in two serif columns, manuals in one sans column, books in one serif column."""
    if source == "pd1998":
        return PageStyle(columns=2, face="serif", body_size=28, heading_size=40)
    if source in ("lohelp", "kicad"):
        return PageStyle(columns=1, face="sans", body_size=28, heading_size=36)
    return PageStyle(columns=1, face="serif", body_size=32, heading_size=40)


@dataclass(frozen=True, slots=True)
class Setup:
    """How a run's pages are set and scanned, over each source's house style; ``None`` keeps the
    house's choice. The defaults are the house styles as they are."""

    paragraphs: str = "indent"  # a key of PARAGRAPH_STYLES
    justify: bool = False
    line_chars: int | None = None  # characters per line of a column (``measured``)
    body_size: int | None = None  # pixels at 300 dpi; headings keep their ratio to the body
    face: str | None = None  # "serif" or "sans", for the body text
    noise: str = "mild"  # a key of NOISE_LEVELS

    def describe(self) -> str:
        """The options that differ from the house styles, or ``house style``."""
        parts = [] if self.paragraphs == "indent" else [f"{self.paragraphs} paragraphs"]
        parts += ["justified"] if self.justify else []
        parts += [f"{self.line_chars} chars/line"] if self.line_chars else []
        parts += [f"body {self.body_size} px"] if self.body_size else []
        parts += [self.face] if self.face else []
        parts += [] if self.noise == "mild" else [f"noise {self.noise}"]
        return ", ".join(parts) or "house style"


def resized(style: PageStyle, body_size: int) -> PageStyle:
    """The style with another body size, the headings scaled with it."""
    heading = round(style.heading_size * body_size / style.body_size)
    return replace(style, body_size=body_size, heading_size=heading)


def measured(style: PageStyle, chars: int) -> PageStyle:
    """The style with columns ``chars`` body characters wide: as many such columns as fit in the
    house margins (at least one), the page's spare width shared by the two margins."""
    column = chars * style.body_size
    room = style.width - 2 * style.margin_x
    columns = max(1, (room + style.gutter) // (column + style.gutter))
    used = columns * column + (columns - 1) * style.gutter
    return replace(style, columns=columns, margin_x=(style.width - used) // 2)


def style_for(source: str, setup: Setup = Setup()) -> PageStyle:
    """A source's house style with the setup's options applied."""
    style = house_style(source)
    if setup.body_size:
        style = resized(style, setup.body_size)
    if setup.line_chars:
        style = measured(style, setup.line_chars)
    indent, space = PARAGRAPH_STYLES[setup.paragraphs]
    return replace(
        style,
        face=setup.face or style.face,
        indent=indent,
        paragraph_space=space,
        justify=setup.justify,
        noise=setup.noise,
    )


def paginate_corpus(
    docs: Sequence[GoldDoc], pages: int, seed: int, max_pages: int = 2, setup: Setup = Setup()
) -> list[PagedDoc]:
    """About ``pages`` pages of documents taken in turn from each source (seeded), each document at
    most ``max_pages`` pages, numbered on from a random first page per document, set in the
    source's house style changed by ``setup``."""
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
        result = paginate(doc, style_for(source, setup), budget, first, head, foot, rng.randint(1, 31))
        paged.append(result)
        total += len(result.pages)
    return paged
