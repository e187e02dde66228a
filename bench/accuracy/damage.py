"""The damage model: gold documents turned into page-like inputs, with an exact log of every damage.

A damaged document is what OCR or PDF extraction makes of a clean text: paragraphs cut into lines
at a column width, lines separated by odd blank or whitespace-only lines, captions and headlines
dropped into the middle of a paragraph, half-width punctuation, full-width letters, stray
traditional characters and zero-width characters, and copies of paragraphs. Next to the damaged
text it keeps the text an ideal cleaner outputs (``expected``) and a log mapping every difference
between the two, so the metrics can say which damage a cleaner repaired.

Everything is drawn from one ``random.Random`` per document, seeded from (seed, document id), plus
one corpus-level generator for cross-file copies: the same seed gives the same corpus, and a
document's own damage does not depend on which other documents are in the run.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from bench.accuracy.model import Block, Damage, Damaged, ExpectedBlock, GoldDoc, file_name

__all__ = ["DamageProfile", "Damaged", "damage_corpus", "display_width", "traditional_forms"]

# Kinsoku: a closing mark never starts a line, an opening mark never ends one. The half-width forms
# are here because the damage turns some full-width marks half-width before wrapping.
CLOSERS = frozenset("，。、；：！？）」』”’》〉】〕,;:!?)")
OPENERS = frozenset("（「『“‘《〈【〔(")
CLOSING_BRACKETS = frozenset("）」』”’》〉】〕)]}\"'")
# Half-width forms an OCR engine or a PDF text layer gives for full-width Chinese marks.
HALFWIDTH = {"，": ",", "；": ";", "：": ":", "！": "!", "？": "?"}
ZERO_WIDTH = "\u200b"
# Only paragraphs this long get copies: shorter lines (credits, "（图片）") recur legitimately and
# the cleaner's dedup rightly leaves them.
MIN_COPIED = 20
# Common Han characters, to change a character of a near copy into another real character.
COMMON_HAN = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后"
    "多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还"
)

# Material for interruptions: made-up names, places and phrases, combined so that groups vary.
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志宏海燕文斌宇浩凯晨旭阳佳欣雪梅琳晓东"
PLACES = tuple("江南镇 城东新区 河西村 高新区 滨江公园 青山县 沿江大道 南湖街道 北山林场 工业园区".split())
PEOPLE = tuple("村民 志愿者 游客 工人 学生 农民 医护人员 消防员 居民 技术人员".split())
ACTIVITIES = tuple(
    "在田间收割晚稻 在车间调试设备 参加植树活动 观看文艺演出 在工地铺设管道 在展厅参观 清理河道垃圾 在广场练习舞蹈"
    " 在实验室检测样品 为老人义诊".split()
)
ORGS = tuple("市委宣传部 县融媒体中心 区文旅局 市气象局 受访单位 摄影协会 区委组织部 市农业农村局".split())
HEADLINE_A = tuple("稳步推进 扎实推动 全力打造 持续深化 加快建设 聚力发展 奋力书写 着力提升 合力守护".split())
HEADLINE_B = tuple("乡村振兴 产业升级 绿色发展 民生实事 城市更新 科技创新 文旅融合 基层治理 生态修复".split())
FURNITURE_HEADS = tuple("综合新闻 要闻 经济周刊 地方版 文化副刊 理论与实践".split())
SENTENCE_ENDS = frozenset("。！？!?…”’」』）)")
# OCR debris: specks and rules read as marks, and the simple-stroke characters an engine reads a blob
# or a piece of a picture as (a Latin letter now and then).
SPECK_MARKS = "~-_=|^`'.,·"
BLOB_GLYPHS = "人入八口日曰目山川小十儿几卜厂工土王田由本全加"
BLOB_LETTERS = "eil"
# Trap lines: text that looks like furniture or debris. Short headings and labels (some from the
# sample pages), list numbers, the ends of articles, one-character headings, code and formulas; all
# as the cleaner writes them (full-width brackets around Chinese) and under dedup's 10 characters
# (a line that recurs across documents is otherwise rightly removed as a copy).
TRAP_LINES: dict[str, tuple[str, ...]] = {
    "short heading": (
        "荣誉榜",
        "前言",
        "观察",
        "后记",
        "附：",
        "（摘选）",
        "·渌口篇",
        "相关链接",
        "编 后 记",
        "目  录",
    ),
    "list number": ("1.", "2.", "（一）", "（二）", "①", "3)"),
    "end mark": ("……", "（完）", "完", "***"),
    "one-character heading": ("四", "列", "左", "宏"),
    "code or formula": ("x = y + 1", "--help", "cd ~/src", "E = mc^2", "a | b"),
}
# A short poem with a line of one character (made up for the harness), set line by line.
TRAP_VERSES = (("远处的山", "静", "像一首没写完的诗"), ("风", "吹过河面", "也吹过你"))


@dataclass(frozen=True)
class DamageProfile:
    """How often each damage happens. Rates are per eligible position, block or paragraph."""

    # Wrapping: (weight, fewest, most Han characters per line) for narrow, typical and wide columns.
    widths: tuple[tuple[float, int, int], ...] = ((0.15, 6, 12), (0.65, 12, 30), (0.20, 30, 45))
    english_columns: tuple[int, int] = (40, 75)
    kinsoku: float = 0.85  # share of paragraphs wrapped with Chinese line-breaking rules
    # Between the lines of a wrapped block (per block): single newline, blank line, whitespace line, mixed.
    line_separators: tuple[tuple[str, float], ...] = (("single", 0.5), ("blank", 0.2), ("wsline", 0.1), ("mixed", 0.2))
    # Between blocks: blank line, single newline, two blank lines.
    block_separators: tuple[tuple[str, float], ...] = (("blank", 0.8), ("single", 0.12), ("double", 0.08))
    indented_documents: float = 0.3  # documents whose paragraphs are indented (U+3000 U+3000 or spaces)
    indented_paragraphs: float = 0.9  # paragraphs indented in such a document
    # Interruptions, per paragraph that wraps into two lines or more.
    interrupt_strong: float = 0.05
    interrupt_weak: float = 0.02
    # Character noise on para blocks, per eligible position.
    halfwidth: float = 0.05  # a ，；：！？ after a Han character, or a （…） pair around Han text
    fullwidth: float = 0.05  # an ASCII letter or digit
    traditional: float = 0.02  # a character whose traditional form the conservative variants mode repairs
    zero_width: float = 0.003  # a U+200B between two characters
    # Copies: a paragraph gets a copy later in its document; a cross-file copy per paragraph of later documents.
    duplicate: float = 0.03
    duplicate_kinds: tuple[tuple[str, float], ...] = (
        ("dup_exact", 0.3),
        ("dup_near", 0.25),
        ("dup_rewrapped", 0.25),
        ("dup_short_near", 0.2),
    )
    crossfile: float = 0.01
    # Page furniture (running heads, page numbers) every 30-45 lines; off by default (the figures of
    # the default damage stay comparable across versions).
    furniture: bool = False
    page_lines: tuple[int, int] = (30, 45)
    # OCR debris lines (specks, spaced glyphs, a lone glyph) and trap lines (text that looks like
    # furniture or debris: a heading named like the running head among them), each every 30-45 lines
    # on a generator of their own and not counted as lines, so the rest of the damage is the same with
    # or without them.
    debris: bool = False
    debris_forms: tuple[tuple[str, float], ...] = (("symbols", 0.3), ("spaced glyphs", 0.3), ("glyph", 0.4))
    trap_forms: tuple[tuple[str, float], ...] = (
        ("short heading", 0.25),
        ("list number", 0.15),
        ("end mark", 0.15),
        ("one-character heading", 0.1),
        ("code or formula", 0.1),
        ("running head as heading", 0.1),
        ("verse", 0.15),
    )


# ---------------------------------------------------------------------------------------------
# Characters


def is_han(char: str) -> bool:
    """A CJK ideograph (the unified blocks and their extensions, and the compatibility block)."""
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x3134F or 0xF900 <= code <= 0xFAFF
    )


def is_latin(char: str) -> bool:
    """An ASCII letter or digit: the characters of English words, numbers and URLs."""
    return char.isascii() and char.isalnum()


def display_width(char: str) -> int:
    """Columns a character takes on a page: Han and full-width 2, zero-width 0, the rest 1."""
    if char == ZERO_WIDTH:
        return 0
    if unicodedata.east_asian_width(char) in ("W", "F") or char in "“”‘’…—·":
        return 2
    return 1


def char_class(char: str) -> str:
    """What a line fragment ends with, for the join breakdown: han, latin, closing, punct or other."""
    if is_han(char):
        return "han"
    if is_latin(char):
        return "latin"
    if char in CLOSING_BRACKETS:
        return "closing"
    if unicodedata.category(char).startswith("P"):
        return "punct"
    return "other"


def to_fullwidth(char: str) -> str:
    """The full-width form of an ASCII letter or digit (``A`` → ``Ａ``)."""
    return chr(ord(char) + 0xFEE0)


@cache
def _opencc(config: str) -> Any:
    import opencc

    return opencc.OpenCC(config)


def t2s(text: str) -> str:
    """OpenCC's traditional-to-simplified conversion, as the cleaner's variants stage uses it."""
    return _opencc("t2s").convert(text)


@cache
def tgh_table() -> frozenset[str]:
    """The 8,105 characters of the standard simplified table the cleaner ships (read, never changed)."""
    import cleaner

    path = Path(cleaner.__file__).parent / "data" / "tgh.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@cache
def traditional_forms() -> dict[str, str]:
    """Simplified character → traditional form, for exactly the strays the cleaner should repair.

    Its conservative variants mode converts a character outside the table whose ``t2s`` form is in
    it, so only a single-character ``s2t`` form outside the table that ``t2s`` maps back is used.
    """
    table = tgh_table()
    s2t = _opencc("s2t")
    forms: dict[str, str] = {}
    for char in sorted(table):
        form = s2t.convert(char)
        if len(form) == 1 and form != char and form not in table and t2s(form) == char:
            forms[char] = form
    return forms


# ---------------------------------------------------------------------------------------------
# Units: one gold character (or one inserted character) with its damaged form.


@dataclass(slots=True)
class Unit:
    """A piece of a damaged paragraph: ``shown`` in the input, ``gold`` in the expected output."""

    shown: str
    gold: str
    kind: str | None = None  # the damage kind when shown != gold
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def width(self) -> int:
        return sum(display_width(c) for c in self.shown)

    @property
    def is_space(self) -> bool:
        return self.kind is None and self.shown == " "


def plain_units(text: str) -> list[Unit]:
    """Undamaged units for a text (copies and English paragraphs are not noised)."""
    return [Unit(c, c) for c in text]


def bracket_pairs(text: str) -> list[tuple[int, int]]:
    """Positions of matching full-width ``（`` ``）`` pairs, innermost first."""
    pairs, stack = [], []
    for i, char in enumerate(text):
        if char == "（":
            stack.append(i)
        elif char == "）" and stack:
            pairs.append((stack.pop(), i))
    return pairs


def noise_units(text: str, rng: random.Random, profile: DamageProfile) -> list[Unit]:
    """A paragraph's characters with character noise: what a scanned page's OCR gets wrong.

    Each damaged character is its own unit carrying its kind, so the log is exact per character.
    """
    units = plain_units(text)
    for i, char in enumerate(text):
        if char in HALFWIDTH and i > 0 and is_han(text[i - 1]) and rng.random() < profile.halfwidth:
            units[i] = Unit(HALFWIDTH[char], char, "halfwidth", {})
    for left, right in bracket_pairs(text):
        inside = text[left + 1 : right]
        if any(is_han(c) for c in inside) and rng.random() < profile.halfwidth:
            units[left] = Unit("(", "（", "halfwidth", {"pair": True})
            units[right] = Unit(")", "）", "halfwidth", {"pair": True})
    for i, char in enumerate(text):
        if is_latin(char) and units[i].kind is None and rng.random() < profile.fullwidth:
            units[i] = Unit(to_fullwidth(char), char, "fullwidth", {})
    forms, last = traditional_forms(), -10
    for i, char in enumerate(text):
        if char in forms and units[i].kind is None and i - last >= 3 and rng.random() < profile.traditional:
            left, right = text[max(0, i - 2) : i], text[i + 1 : i + 3]
            if t2s(left + forms[char] + right) == left + char + right:  # the cleaner looks at this context
                units[i] = Unit(forms[char], char, "traditional", {})
                last = i
    noised: list[Unit] = []
    for i, unit in enumerate(units):
        if i > 0 and rng.random() < profile.zero_width:
            noised.append(Unit(ZERO_WIDTH, "", "zero_width", {}))
        noised.append(unit)
    return noised


# ---------------------------------------------------------------------------------------------
# Wrapping


def draw_width(rng: random.Random, profile: DamageProfile) -> int:
    """A column width in display columns, from the narrow/typical/wide mixture."""
    weights = [w for w, _, _ in profile.widths]
    _, fewest, most = rng.choices(profile.widths, weights)[0]
    return 2 * rng.randint(fewest, most)


def kinsoku_cut(units: Sequence[Unit], start: int, cut: int) -> int:
    """Move a cut so no line starts with a closing mark (it hangs) or ends with an opening mark."""
    while cut < len(units) and (units[cut].shown[:1] in CLOSERS or _zero_width_before_closer(units, cut)):
        cut += 1
    while cut - 1 > start and cut < len(units) and units[cut - 1].shown[:1] in OPENERS:
        cut -= 1
    return cut


def _zero_width_before_closer(units: Sequence[Unit], i: int) -> bool:
    """A zero-width character is invisible: one right before a closing mark hangs with it."""
    return units[i].shown == ZERO_WIDTH and i + 1 < len(units) and units[i + 1].shown[:1] in CLOSERS


def wrap_cuts(units: Sequence[Unit], width: int, kinsoku: bool) -> list[int]:
    """Where lines start when ``units`` are set in ``width`` columns: cuts fall anywhere.

    A cut at a space drops the space (the next line starts after it), as typesetting does.
    """
    cuts: list[int] = []
    start, column, k = 0, 0, 0
    while k < len(units):
        unit_width = units[k].width
        if column + unit_width > width and k > start:
            cut = kinsoku_cut(units, start, k) if kinsoku else k
            if cut >= len(units):
                break
            cuts.append(cut)
            start = k = cut + 1 if units[cut].is_space else cut
            column = 0
            continue
        column += unit_width
        k += 1
    return cuts


def word_wrap_cuts(units: Sequence[Unit], width: int) -> list[int]:
    """Cuts of an English paragraph: always at a space, lines of at most ``width`` columns."""
    cuts: list[int] = []
    line_start, last_space = 0, -1
    for k, unit in enumerate(units):
        if unit.is_space:
            last_space = k
        if k - line_start + 1 > width and last_space > line_start:
            cuts.append(last_space)
            line_start = last_space + 1
    return cuts


def line_separator(style: str, rng: random.Random) -> tuple[str, str]:
    """The text between two lines of a wrapped block, and its kind (single, blank or wsline)."""
    if style == "mixed":
        style = rng.choice(("single", "blank", "wsline"))
    if style == "single":
        return "\n", style
    if style == "blank":
        return "\n\n", style
    return "\n" + rng.choice((" ", "   ", "\u3000", "\u3000\u3000", " \u3000")) + "\n", style


def block_separator(rng: random.Random, profile: DamageProfile) -> str:
    """The text between two blocks: usually a blank line, sometimes one newline or two blank lines."""
    kinds = [k for k, _ in profile.block_separators]
    weights = [w for _, w in profile.block_separators]
    return {"blank": "\n\n", "single": "\n", "double": "\n\n\n"}[rng.choices(kinds, weights)[0]]


def render_copy(units: Sequence[Unit], cuts: Sequence[int], style: str, rng: random.Random) -> str:
    """The damaged text of a wrapped copy (no log inside: the whole copy is one damage)."""
    parts, start = [], 0
    for cut in cuts:
        parts.append("".join(u.shown for u in units[start:cut]))
        parts.append(line_separator(style, rng)[0])
        start = cut + 1 if units[cut].is_space else cut
    parts.append("".join(u.shown for u in units[start:]))
    return "".join(parts)


# ---------------------------------------------------------------------------------------------
# Interruptions and furniture


def made_up_name(rng: random.Random) -> str:
    """A Chinese personal name of two or three characters."""
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def strong_group(rng: random.Random) -> list[str]:
    """A caption, credit or byline group with an unmistakable marker, one to three lines."""
    caption = f"▲ 图为{rng.choice(PLACES)}{rng.choice(PEOPLE)}{rng.choice(ACTIVITIES)}。"
    credit = rng.choice(
        (
            f"{made_up_name(rng)} 摄",
            f"本报记者 {made_up_name(rng)} 摄",
            f"{rng.choice(ORGS)}供图",
            f"{made_up_name(rng)} 供图",
        )
    )
    byline = rng.choice(
        (
            f"记者 {made_up_name(rng)} 通讯员 {made_up_name(rng)}",
            f"本报记者 {made_up_name(rng)} {made_up_name(rng)}",
            f"记者 {made_up_name(rng)} 实习生 {made_up_name(rng)}",
        )
    )
    note = rng.choice((f"（本版图片由{rng.choice(ORGS)}提供）", f"（本版图片均由{made_up_name(rng)}摄）"))
    return rng.choice(([caption], [caption, credit], [caption + " " + credit], [byline], [note], [caption, note]))


def weak_line(rng: random.Random) -> str:
    """A headline-like phrase with no marker and no punctuation, under 10 characters.

    Under 10 characters the cleaner's dedup never removes a line, so a phrase that recurs in the
    corpus by chance is not scored as a lost paragraph.
    """
    first, second = rng.choice(HEADLINE_A), rng.choice(HEADLINE_B)
    return rng.choice((first + second, first + " " + second, second + rng.choice(("新篇章", "开新局", "见实效"))))


def debris_line(rng: random.Random, form: str) -> str:
    """What an OCR engine reads where a speck, a rule or a picture was."""
    if form == "symbols":
        return rng.choice(("", " ")).join(rng.choice(SPECK_MARKS) for _ in range(rng.randint(2, 3)))
    if form == "spaced glyphs":
        return rng.choice((" ", "  ")).join(rng.choice(BLOB_GLYPHS) for _ in range(rng.randint(3, 5)))
    return rng.choice(BLOB_GLYPHS + BLOB_LETTERS)


def trap_lines(rng: random.Random, form: str) -> tuple[str, ...]:
    """The line (or lines, for verse) of one trap: real text that must come through."""
    if form == "verse":
        return rng.choice(TRAP_VERSES)
    if form == "running head as heading":
        return (rng.choice(FURNITURE_HEADS),)
    return (rng.choice(TRAP_LINES[form]),)


def furniture_line(rng: random.Random, page: int) -> str:
    """A running head or page number as a PDF's text layer gives it."""
    return rng.choice(
        (
            f"- {page} -",
            f"第 {page} 页",
            f"{rng.choice(FURNITURE_HEADS)}  {page}",
            f"{page}  {rng.choice(FURNITURE_HEADS)}",
        )
    )


# ---------------------------------------------------------------------------------------------
# The builder: the damaged and expected texts grown side by side, with the log.


class Builder:
    """Appends to the damaged and the expected text together, logging every place they differ."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.expected: list[str] = []
        self.tpos = 0
        self.epos = 0
        self.log: list[Damage] = []
        self.blocks: list[ExpectedBlock] = []
        self.lines = 0  # lines emitted since the last page break (for furniture)

    def same(self, text: str) -> None:
        """Text that is the same in the input and the expected output."""
        self.text.append(text)
        self.expected.append(text)
        self.tpos += len(text)
        self.epos += len(text)

    def damage(self, kind: str, shown: str, gold: str, detail: dict[str, Any]) -> Damage:
        """Text shown in the input where the expected output has ``gold``; logged."""
        entry = Damage(kind, (self.tpos, self.tpos + len(shown)), (self.epos, self.epos + len(gold)), detail)
        self.log.append(entry)
        self.text.append(shown)
        self.expected.append(gold)
        self.tpos += len(shown)
        self.epos += len(gold)
        return entry

    def separator(self, shown: str, gold: str) -> None:
        """Whitespace between lines or blocks; logged only when it differs from the expected."""
        if shown == gold:
            self.same(shown)
        else:
            self.damage("separator", shown, gold, {})

    def text_only(self, shown: str) -> tuple[int, int]:
        """Input text with no place in the expected output here (a group that moves)."""
        span = (self.tpos, self.tpos + len(shown))
        self.text.append(shown)
        self.tpos += len(shown)
        return span

    def expected_only(self, gold: str) -> tuple[int, int]:
        """Expected text with no input text here (where a moved group lands)."""
        span = (self.epos, self.epos + len(gold))
        self.expected.append(gold)
        self.epos += len(gold)
        return span

    def units(self, units: Sequence[Unit]) -> None:
        """A run of units: clean ones as they are, damaged ones each logged."""
        clean: list[str] = []
        for unit in units:
            if unit.kind is None:
                clean.append(unit.shown)
                continue
            if clean:
                self.same("".join(clean))
                clean = []
            self.damage(unit.kind, unit.shown, unit.gold, unit.detail)
        if clean:
            self.same("".join(clean))

    def add_block(self, kind: str, start: int) -> None:
        """Record an expected block from ``start`` to the current expected position."""
        self.blocks.append(ExpectedBlock(kind, start, self.epos))


@dataclass(slots=True)
class Copy:
    """A copy of a paragraph to insert at a block boundary (absent from the expected output)."""

    kind: str
    text: str  # the copy's text (a near copy's changed text)
    source: str  # document id of the kept original
    source_block: int  # its index among the source document's gold blocks
    changes: list[tuple[int, str, str]]  # (offset, original, replacement) for near copies


@dataclass(slots=True)
class RenderedBlock:
    """What later copies need to know about a rendered gold block."""

    span: tuple[int, int] | None  # expected span, None when the block was split by a weak interruption
    width: int
    style: str


def near_changes(text: str, count: int, rng: random.Random) -> list[tuple[int, str, str]]:
    """``count`` Han characters of ``text`` replaced by other common Han characters."""
    positions = [i for i, c in enumerate(text) if is_han(c)]
    chosen = sorted(rng.sample(positions, min(count, len(positions))))
    return [(i, text[i], rng.choice([c for c in COMMON_HAN if c != text[i]])) for i in chosen]


def apply_changes(text: str, changes: Sequence[tuple[int, str, str]]) -> str:
    """``text`` with single-character changes applied."""
    chars = list(text)
    for i, _, new in changes:
        chars[i] = new
    return "".join(chars)


# ---------------------------------------------------------------------------------------------
# One document


class DocumentDamager:
    """Damages one gold document with its own random generator."""

    def __init__(
        self, doc: GoldDoc, rng: random.Random, profile: DamageProfile, lines_rng: random.Random | None = None
    ) -> None:
        self.doc = doc
        self.rng = rng
        self.profile = profile
        self.out = Builder()
        self.indent = self._indent_style()
        self.page = rng.randint(1, 20)
        self.page_length = rng.randint(*profile.page_lines)
        self.page_start = 0  # the line count where the page began
        self.finished = False  # whether the block rendered last ends a sentence
        # Debris and traps draw from a generator of their own (the rest of the damage is unchanged).
        self.lines_rng = lines_rng or random.Random(doc.id)
        self.debris_due = self.lines_rng.randint(*profile.page_lines)
        self.trap_due = self.lines_rng.randint(*profile.page_lines)
        self.rendered: list[RenderedBlock] = []
        self.weak_entry: Damage | None = None  # the weak interruption of the paragraph being rendered

    def _indent_style(self) -> str:
        """The document's paragraph indentation: none, two ideographic spaces, or ASCII spaces."""
        if self.rng.random() >= self.profile.indented_documents:
            return ""
        return self.rng.choice(("\u3000\u3000", "\u3000\u3000", "    ", "  "))

    def plan(self) -> tuple[list[str | None], dict[int, list[Copy]]]:
        """Which paragraphs get interrupted, and the copies to insert before each block index."""
        interrupts: list[str | None] = []
        for block in self.doc.blocks:
            roll = self.rng.random()
            if block.kind != "para":
                interrupts.append(None)
            elif roll < self.profile.interrupt_strong:
                interrupts.append("strong")
            elif roll < self.profile.interrupt_strong + self.profile.interrupt_weak:
                interrupts.append("weak")
            else:
                interrupts.append(None)
        copies: dict[int, list[Copy]] = {}
        count = len(self.doc.blocks)
        for i, block in enumerate(self.doc.blocks):
            if block.kind != "para" or interrupts[i] == "weak" or self.rng.random() >= self.profile.duplicate:
                continue
            if len(block.text) < MIN_COPIED:
                continue
            copy = self._copy_of(block.text, i)
            if copy is not None:
                copies.setdefault(self.rng.randint(i + 1, count), []).append(copy)
        return interrupts, copies

    def _copy_of(self, text: str, index: int) -> Copy | None:
        """A copy of this document's paragraph ``index``, of a kind its length allows."""
        allowed = {
            "dup_exact": True,
            "dup_near": len(text) >= 40,
            "dup_rewrapped": True,
            "dup_short_near": 20 <= len(text) <= 45,
        }
        kinds = [(k, w) for k, w in self.profile.duplicate_kinds if allowed[k]]
        if not kinds:
            return None
        kind = self.rng.choices([k for k, _ in kinds], [w for _, w in kinds])[0]
        changes: list[tuple[int, str, str]] = []
        if kind == "dup_near":
            changes = near_changes(text, self.rng.randint(1, 3), self.rng)
        elif kind == "dup_short_near":
            changes = near_changes(text, self.rng.randint(1, 2), self.rng)
        if kind in ("dup_near", "dup_short_near") and not changes:
            return None
        return Copy(kind, apply_changes(text, changes), self.doc.id, index, changes)

    def run(self, crossfile: dict[int, list[Copy]], sources: dict[tuple[str, int], tuple[int, int]]) -> Damaged:
        """Render the document: blocks, separators, interruptions, copies; return it with its log."""
        interrupts, copies = self.plan()
        for boundary, extra in crossfile.items():
            copies.setdefault(boundary, []).extend(extra)
        blocks = self.doc.blocks
        for j, block in enumerate(blocks):
            if j == 0:
                indent = self._indent_for(block)
                if indent:
                    self.out.separator(indent, "")
            else:
                self.boundary(copies.get(j, []), sources, last=False, next_block=block)
            self.render_block(block, interrupts[j])
        self.boundary(copies.get(len(blocks), []), sources, last=True, next_block=None)
        self.out.separator(self.rng.choice(("\n", "\n", "\n", "", "\n\n")), "")
        for i, rendered in enumerate(self.rendered):
            if rendered.span is not None:
                sources[(self.doc.id, i)] = rendered.span
        out = self.out
        log = sorted(out.log, key=lambda d: (d.text_span[0], d.text_span[1]))
        return Damaged(
            self.doc.id, self.doc.genre, "".join(out.text), "".join(out.expected), tuple(log), tuple(out.blocks)
        )

    def _indent_for(self, block: Block | None) -> str:
        """The indentation before a paragraph in an indented document."""
        if self.indent and block is not None and block.kind == "para":
            if self.rng.random() < self.profile.indented_paragraphs:
                return self.indent
        return ""

    def boundary(
        self,
        copies: list[Copy],
        sources: dict[tuple[str, int], tuple[int, int]],
        last: bool,
        next_block: Block | None,
    ) -> None:
        """The separator between two blocks, with any copies and furniture inserted there."""
        gold = "" if last else "\n\n"
        if not (last or copies) and self.profile.debris and self.out.lines >= self.trap_due and self.finished:
            self.insert_trap()
        following = Block("para", "") if copies else next_block
        self.out.separator(block_separator(self.rng, self.profile) + self._indent_for(following), gold)
        for n, copy in enumerate(copies):
            self.insert_copy(copy, sources)
            following = next_block if n == len(copies) - 1 else Block("para", "")
            self.out.separator(block_separator(self.rng, self.profile) + self._indent_for(following), "")
        if self.profile.furniture and self.out.lines - self.page_start >= self.page_length:
            self.insert_furniture()
        if self.profile.debris and self.out.lines >= self.debris_due:
            self.insert_debris("between")

    def insert_copy(self, copy: Copy, sources: dict[tuple[str, int], tuple[int, int]]) -> None:
        """A copy of an earlier paragraph: in the input, absent from the expected output."""
        if copy.source == self.doc.id:
            rendered = self.rendered[copy.source_block]
            span = rendered.span
            width, style = rendered.width, rendered.style
            if copy.kind == "dup_rewrapped":
                while width == rendered.width:
                    width = draw_width(self.rng, self.profile)
        else:
            span = sources[(copy.source, copy.source_block)]
            width, style = draw_width(self.rng, self.profile), self._line_style()
        if copy.kind == "dup_short_near" and self.rng.random() < 0.5:
            width = 10**6  # one line
        units = plain_units(copy.text)
        cuts = wrap_cuts(units, width, self.rng.random() < self.profile.kinsoku)
        shown = render_copy(units, cuts, style, self.rng)
        detail: dict[str, Any] = {"source": copy.source, "source_span": list(span or (0, 0)), "lines": len(cuts) + 1}
        if copy.changes:
            detail["changes"] = [list(change) for change in copy.changes]
        self.out.damage(copy.kind, shown, "", detail)
        self.out.lines += len(cuts) + 1

    def insert_furniture(self) -> None:
        """A running head or page number line, where a page ended (dropped from the expected)."""
        self.page += 1
        self.out.damage("furniture", furniture_line(self.rng, self.page), "", {})
        self.out.separator(block_separator(self.rng, self.profile), "")
        self.page_start = self.out.lines

    def insert_debris(self, where: str) -> None:
        """An OCR debris line ``where`` ("inside" a paragraph, at a line break, or "between"
        blocks), dropped from the expected text."""
        rng = self.lines_rng
        forms = self.profile.debris_forms
        form = rng.choices([f for f, _ in forms], [w for _, w in forms])[0]
        self.out.damage("debris", debris_line(rng, form), "", {"form": form, "where": where})
        self.out.separator(block_separator(rng, self.profile), "")
        self.debris_due = self.out.lines + rng.randint(*self.profile.page_lines)

    def insert_trap(self) -> None:
        """Trap lines right after a block that ends a sentence (a gold paragraph cut mid-sentence
        goes on in the next, where no heading stands) and not before a copy (which dedup removes
        with the line before it): text that looks like furniture or debris,
        each a block of the expected text, logged with its text as shown to count those removed."""
        rng = self.lines_rng
        forms = self.profile.trap_forms
        form = rng.choices([f for f, _ in forms], [w for _, w in forms])[0]
        for n, line in enumerate(trap_lines(rng, form)):
            shown = rng.choice(("\n", "\n\n")) if form == "verse" and n else block_separator(rng, self.profile)
            self.out.separator(shown, "\n\n")
            start = self.out.epos
            self.out.damage("trap", line, line, {"form": form})
            self.out.add_block("short", start)
        self.trap_due = self.out.lines + rng.randint(*self.profile.page_lines)

    def _line_style(self) -> str:
        """A block's line separator style."""
        styles = self.profile.line_separators
        return self.rng.choices([s for s, _ in styles], [w for _, w in styles])[0]

    def render_block(self, block: Block, interrupt: str | None) -> None:
        """One gold block: paragraphs noised and wrapped, English word-wrapped, the rest as they are."""
        self.finished = block.text[-1] in SENTENCE_ENDS
        start = self.out.epos
        if block.kind == "para":
            self.render_paragraph(block, interrupt)
            return
        if block.kind == "english":
            width = self.rng.randint(*self.profile.english_columns)
            style = self._line_style()
            units = plain_units(block.text)
            self.render_lines(units, word_wrap_cuts(units, width), style, "english", width, None)
            self.rendered.append(RenderedBlock((start, self.out.epos), width, style))
            return
        self.out.same(block.text)
        self.out.lines += 1
        self.out.add_block(block.kind, start)
        self.rendered.append(RenderedBlock((start, self.out.epos), 0, "single"))

    def render_paragraph(self, block: Block, interrupt: str | None) -> None:
        """A paragraph: noise, wrap, and an interruption at one of its line breaks if planned."""
        start = self.out.epos
        width, style = draw_width(self.rng, self.profile), self._line_style()
        units = noise_units(block.text, self.rng, self.profile)
        cuts = wrap_cuts(units, width, self.rng.random() < self.profile.kinsoku)
        at = None
        candidates = [k for k, cut in enumerate(cuts) if not units[cut].is_space]
        if interrupt and candidates:
            at = self.rng.choice(candidates)
        end = self.render_lines(units, cuts, style, "para", width, (at, interrupt) if at is not None else None)
        if at is not None and interrupt == "weak":
            self.rendered.append(RenderedBlock(None, width, style))
        else:
            self.rendered.append(RenderedBlock((start, end), width, style))

    def render_lines(
        self,
        units: Sequence[Unit],
        cuts: Sequence[int],
        style: str,
        block_kind: str,
        width: int,
        interruption: tuple[int, str] | None,
    ) -> int:
        """Emit a wrapped block line by line; line breaks are logged as ``wrap`` (a join to make).

        Returns where the block ends in the expected text (a strong group lands after that).
        """
        block_start = self.out.epos
        pending_move: tuple[tuple[int, int], list[str], int] | None = None
        line_start = 0
        for k, cut in enumerate(cuts):
            self.out.units(units[line_start:cut])
            self.out.lines += 1
            dropped = units[cut].is_space
            if interruption is not None and interruption[0] == k:
                if interruption[1] == "strong":
                    pending_move = self.strong_interruption(units, cut, style, block_kind, width)
                else:
                    block_start = self.weak_interruption(block_start, style)
            elif self.profile.furniture and self.out.lines - self.page_start >= self.page_length:
                self.wrap(units, cut, style, block_kind, width)
                self.insert_furniture()
            elif self.profile.debris and self.out.lines >= self.debris_due:
                self.wrap(units, cut, style, block_kind, width)
                self.insert_debris("inside")
            else:
                self.wrap(units, cut, style, block_kind, width)
            line_start = cut + 1 if dropped else cut
        self.out.units(units[line_start:])
        self.out.lines += 1
        self.out.add_block(block_kind, block_start)
        if self.weak_entry is not None:
            self.weak_entry.detail["pieces"].append([block_start, self.out.epos])
            self.weak_entry = None
        end = self.out.epos
        if pending_move is not None:
            self.land_group(*pending_move)
        return end

    def wrap(self, units: Sequence[Unit], cut: int, style: str, block_kind: str, width: int) -> None:
        """A line break inside a block: the cleaner must join across it (restoring a dropped space)."""
        shown, sep_kind = line_separator(style, self.rng)
        before = next((u.gold[-1] for u in reversed(units[:cut]) if u.gold), "")
        dropped = units[cut].is_space
        after_units = units[cut + 1 :] if dropped else units[cut:]
        after = next((u.gold[0] for u in after_units if u.gold), "")
        detail = {
            "sep": sep_kind,
            "end": char_class(before) if before else "other",
            "block": block_kind,
            "width": width,
        }
        if dropped:
            detail["between"] = "latin" if is_latin(before) and is_latin(after) else "other"
            self.out.damage("wrap_at_space", shown, " ", detail)
        else:
            self.out.damage("wrap", shown, "", detail)

    def strong_interruption(
        self, units: Sequence[Unit], cut: int, style: str, block_kind: str, width: int
    ) -> tuple[tuple[int, int], list[str], int]:
        """A caption/credit group dropped at a line break; it belongs right after the paragraph."""
        self.wrap(units, cut, style, block_kind, width)
        join_at = self.out.epos
        lines = strong_group(self.rng)
        separators = [line_separator("mixed", self.rng)[0] for _ in lines[1:]] + [""]
        shown = "".join(line + sep for line, sep in zip(lines, separators, strict=True))
        span = self.out.text_only(shown)
        self.out.lines += len(lines)
        self.out.separator(line_separator(style, self.rng)[0], "")
        return span, lines, join_at

    def land_group(self, text_span: tuple[int, int], lines: list[str], join_at: int) -> None:
        """Where a strong group belongs: after its paragraph, each line a paragraph of its own."""
        insert_at = self.out.tpos
        position = self.out.epos + 2
        for line in lines:
            self.out.expected_only("\n\n")
            start = self.out.epos
            self.out.expected_only(line)
            self.out.add_block("interrupt", start)
        detail = {"lines": lines, "insert_at": insert_at, "join_at": join_at}
        self.out.log.append(Damage("interrupt_strong", text_span, (position, self.out.epos), detail))

    def weak_interruption(self, block_start: int, style: str) -> int:
        """A headline-like line dropped at a line break: nothing says where it belongs, so it stays.

        The paragraph is split there into two expected paragraphs; returns where the second starts.
        """
        self.out.add_block("para", block_start)
        first = (block_start, self.out.epos)
        self.out.separator(line_separator(style, self.rng)[0], "\n\n")
        line = weak_line(self.rng)
        start = self.out.epos
        entry = self.out.damage("interrupt_weak", line, line, {"pieces": [list(first)]})
        self.out.lines += 1
        self.out.add_block("interrupt", start)
        self.out.separator(line_separator(style, self.rng)[0], "\n\n")
        self.weak_entry = entry
        return self.out.epos


# ---------------------------------------------------------------------------------------------
# The corpus


def crossfile_copies(
    order: Sequence[GoldDoc],
    index: int,
    rng: random.Random,
    profile: DamageProfile,
    eligible: list[tuple[str, int, str]],
) -> dict[int, list[Copy]]:
    """Copies of earlier documents' paragraphs for document ``index``, keyed by block boundary."""
    doc = order[index]
    copies: dict[int, list[Copy]] = {}
    if not eligible:
        return copies
    for block in doc.blocks:
        if block.kind == "para" and rng.random() < profile.crossfile:
            source, source_block, text = rng.choice(eligible)
            copy = Copy("dup_crossfile", text, source, source_block, [])
            copies.setdefault(rng.randint(1, len(doc.blocks)), []).append(copy)
    return copies


def damage_corpus(docs: Sequence[GoldDoc], seed: int, profile: DamageProfile | None = None) -> list[Damaged]:
    """Damage every document, in the order the cleaner reads their files (sorted file names).

    Deterministic for a seed: each document has its own generator seeded from (seed, id), and
    cross-file copies come from one corpus generator; an earlier document keeps the original.
    """
    profile = profile or DamageProfile()
    order = sorted(docs, key=lambda d: file_name(d.id))
    corpus_rng = random.Random(f"{seed}:crossfile")
    sources: dict[tuple[str, int], tuple[int, int]] = {}
    eligible: list[tuple[str, int, str]] = []
    damaged: list[Damaged] = []
    for index, doc in enumerate(order):
        crossfile = crossfile_copies(order, index, corpus_rng, profile, eligible)
        lines_rng = random.Random(f"{seed}:{doc.id}:lines")
        damager = DocumentDamager(doc, random.Random(f"{seed}:{doc.id}"), profile, lines_rng)
        damaged.append(damager.run(crossfile, sources))
        eligible.extend(
            (doc.id, i, block.text)
            for i, block in enumerate(doc.blocks)
            if block.kind == "para" and len(block.text) >= MIN_COPIED and (doc.id, i) in sources
        )
    return damaged
