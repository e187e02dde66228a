"""The layout errors on genuine OCR, classified by what the OCR text shows around them.

A **wrong join** is a gold block boundary the output runs together; a **missed join** a line
break inside a gold block (a wrap of the printed page) the output keeps. Each is looked up in the
OCR input: line A, the input line the text before the break ends on, and line B, the one the text
after it starts on. What the layout stage could go by is recorded:

- what A ends with and B starts with (``edge_kind``): Han, a sentence end (。！？), a pause
  (，、；：), a closing or opening quote or bracket, Latin, a digit, other;
- how much shorter A and B are than a full line of their document (``full_width``, in character
  widths: ``full``, ``1-2 short`` as a first line's indent makes it, or ``short``), and whether
  the printed line was full (from the page layout);
- what separates A from B in the OCR text: one line break, a blank line, other lines (furniture
  or debris read between them), a page turn; or no break at all (the engine ran them together);
- whether a glyph at A's end or B's start is not in the gold there (a speck or misread read as a
  character), and of which kind;
- from the gold: the blocks' kinds, what the gold text before the break ends with (so a final mark
  the engine lost shows), whether A is a paragraph's first line, and whether a block next to the
  boundary is mostly unread (under half its characters in the OCR text: misread, read elsewhere
  or not at all).
"""

from __future__ import annotations

import bisect
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bench.accuracy.metrics import (
    Alignment,
    Stream,
    has_break_within,
    match_boundaries,
    stream_offsets,
    to_stream,
)
from bench.accuracy.model import Damaged
from bench.accuracy.ocr_errors import char_kind, table

SENTENCE_ENDS = frozenset("。！？!?…")
PAUSES = frozenset("，、；：,;:")
CLOSING = frozenset("”’）」』》〉】〕)]}\"'")
OPENING = frozenset("“‘（「『《〈【〔([{")
FULL_SLACK = 0.5  # character widths: a line this close to the full width reads as full
INDENT_SLACK = 2.5  # character widths: a line this close reads as a first line's indent short
LOST_SHARE = 0.5  # a gold block with less of it aligned to the OCR text is missing from it
EXAMPLE_CHARS = 12
FINAL_MARKS = ("sentence end", "pause", "closing")  # edge kinds that may end a paragraph


def edge_kind(char: str) -> str:
    """What kind of character ends (or starts) a line, for the classification."""
    if char in SENTENCE_ENDS:
        return "sentence end"
    if char in PAUSES:
        return "pause"
    if char in CLOSING:
        return "closing"
    if char in OPENING:
        return "opening"
    kind = char_kind(char)
    return {"han": "han", "latin": "latin", "digit": "digit"}.get(kind, "other")


def width(text: str) -> float:
    """A text's width in character widths, spaces left out: full-width characters 1, the rest ½."""
    return sum(1.0 if unicodedata.east_asian_width(c) in ("W", "F") else 0.5 for c in text if not c.isspace())


@dataclass(frozen=True, slots=True)
class InputLine:
    """A non-empty line of the OCR input: its text, its stream span, the blank lines before it
    and the page it was read on."""

    text: str
    start: int
    end: int
    blanks_before: int
    page: int

    @property
    def width(self) -> float:
        return width(self.text)


def input_lines(page_texts: Sequence[str]) -> list[InputLine]:
    """The non-empty lines of a document's pages, in order, with their stream spans (the stream of
    the pages' texts one after the other, whitespace removed)."""
    lines, position = [], 0
    for p, text in enumerate(page_texts):
        blanks = 0
        for raw in text.split("\n"):
            size = len("".join(raw.split()))
            if not size:
                blanks += 1
                continue
            lines.append(InputLine(raw.strip(), position, position + size, blanks, p))
            position += size
            blanks = 0
    return lines


def full_width(lines: Sequence[InputLine]) -> float:
    """The width of a full line in this document: the commonest whole width among its longer half
    of lines, as most lines of running text are full (a speck read as a glyph, or two columns run
    together, make a few lines longer than that; the mode ignores them)."""
    widths = sorted(round(line.width) for line in lines)
    if not widths:
        return 0.0
    upper = Counter(widths[len(widths) // 2 :])
    return float(max(upper, key=lambda w: (upper[w], w)))


def shortfall(line_width: float, full: float) -> str:
    """How a line's width compares with a full line's: ``full``, ``1-2 short`` or ``short``."""
    if line_width >= full - FULL_SLACK:
        return "full"
    return "1-2 short" if line_width >= full - INDENT_SLACK else "short"


@dataclass(frozen=True, slots=True)
class GoldSide:
    """What the gold and the page layout say about a break."""

    where: str  # where the printed page broke: "line", "column", "page" (or "block" for boundaries)
    blocks: str  # the gold blocks' kinds: "para|heading" at a boundary, "para" at a wrap
    end: str  # what the gold text before the break ends with (edge_kind)
    printed_full: bool | None = None  # the printed line before the break reached the column's edge
    first_line: bool = False  # the printed line before the break is its block's first
    lost_block: bool = False  # a block at the boundary has under half its text in the OCR text


@dataclass(frozen=True, slots=True)
class BreakCase:
    """One layout error and what the OCR text shows around it."""

    doc: str
    error: str  # "wrong join" or "missed join"
    gold: GoldSide
    a_end: str
    b_start: str
    a_width: str  # shortfall(): "full", "1-2 short", "short"
    b_width: str
    separator: str  # "line", "blank", "lines between", "page", "none"
    debris: str  # "" or what the glyph not in the gold at the edge is: "at A: punct", ...
    a_text: str
    b_text: str
    between: tuple[str, ...] = ()

    @property
    def mark_lost(self) -> bool:
        """The gold ends the text before the break with a mark the OCR text does not show there."""
        return self.gold.end in FINAL_MARKS and self.a_end != self.gold.end

    @property
    def evidence(self) -> tuple[str, ...]:
        """What a layout rule could see here in the OCR text: line ends, A's width, the separator
        and any glyph not in the gold at the edges; a boundary next to a block the OCR text lacks
        is a class of its own (there is no break in the text to keep)."""
        if self.gold.lost_block:
            return ("a block at the boundary mostly unread",)
        widths = f"A {self.a_width}, B {self.b_width}"
        return (self.a_end, self.b_start, widths, self.separator, self.debris or "-")

    def example(self) -> str:
        a, b = self.a_text[-EXAMPLE_CHARS:], self.b_text[:EXAMPLE_CHARS]
        middle = "".join(f" ⟦{line}⟧" for line in self.between)
        mark = {"line": "⏎", "blank": "⏎⏎", "lines between": "⏎…⏎", "page": "␌", "none": "·"}[self.separator]
        return f"{self.doc}: …{a} {mark}{middle} {b}…"


def edge_debris(lines: Sequence[InputLine], a: int, b: int, matched: np.ndarray, stream: str) -> str:
    """What glyph at the end of line ``a`` or the start of line ``b`` has no gold counterpart."""
    found = []
    for label, position in (("A", lines[a].end - 1), ("B", lines[b].start)):
        if 0 <= position < len(matched) and not matched[position]:
            found.append(f"at {label}: {char_kind(stream[position])}")
    return ", ".join(found)


def locate(lines: Sequence[InputLine], lo: int, hi: int) -> tuple[int, int] | None:
    """The input lines either side of a break landing in stream range ``lo``..``hi``: (A, B), with
    the lines between them when the range spans several breaks; None when no input line starts in
    the range (the OCR text has no break there)."""
    starts = [line.start for line in lines]
    first = bisect.bisect_left(starts, lo)
    last = bisect.bisect_right(starts, hi) - 1
    first = max(first, 1)
    if first > last:
        return None
    return first - 1, last


def separator(lines: Sequence[InputLine], a: int, b: int) -> str:
    """What stands between lines ``a`` and ``b`` in the OCR text."""
    if b - a > 1:
        return "lines between"
    if lines[b].page != lines[a].page:
        return "page"
    return "blank" if lines[b].blanks_before else "line"


@dataclass(frozen=True, slots=True)
class Context:
    """A document's OCR input as lines, aligned to the gold and the output."""

    doc: Damaged
    lines: list[InputLine]
    full: float  # full_width()
    to_input: Alignment  # gold stream → input stream
    input_matched: np.ndarray  # per input stream character: aligned to the gold
    input_stream: str


def context(doc: Damaged, page_texts: Sequence[str]) -> Context:
    gold, source = to_stream(doc.expected).chars, to_stream(doc.text).chars
    lines = input_lines(page_texts)
    back = Alignment(source, gold)
    return Context(doc, lines, full_width(lines), Alignment(gold, source), back.matched, source)


def case(ctx: Context, error: str, position: int, gold: GoldSide) -> BreakCase:
    """Describe the break at gold stream ``position`` as the OCR input shows it."""
    lo, hi = int(ctx.to_input.lo[position]), int(ctx.to_input.hi[position])
    found = locate(ctx.lines, lo, hi)
    if found is None:
        k = max(0, bisect.bisect_right([line.start for line in ctx.lines], lo) - 1)
        line = ctx.lines[k]
        cut = min(max(lo - line.start, 0), len(line.text))
        squeezed = "".join(line.text.split())
        a_text, b_text = squeezed[:cut], squeezed[cut:]
        a_end = edge_kind(a_text[-1]) if a_text else "none"
        b_start = edge_kind(b_text[0]) if b_text else "none"
        widths = shortfall(width(a_text), ctx.full), shortfall(width(b_text), ctx.full)
        return BreakCase(ctx.doc.id, error, gold, a_end, b_start, *widths, "none", "", a_text, b_text)
    a, b = found
    line_a, line_b = ctx.lines[a], ctx.lines[b]
    return BreakCase(
        ctx.doc.id,
        error,
        gold,
        edge_kind(line_a.text[-1]),
        edge_kind(line_b.text[0]),
        shortfall(line_a.width, ctx.full),
        shortfall(line_b.width, ctx.full),
        separator(ctx.lines, a, b),
        edge_debris(ctx.lines, a, b, ctx.input_matched, ctx.input_stream),
        line_a.text,
        line_b.text,
        tuple(line.text for line in ctx.lines[a + 1 : b]),
    )


def wrap_positions(doc: Damaged, offsets: np.ndarray) -> list[tuple[int, str, str, bool]]:
    """Every wrap of the printed page: (gold stream position, where it broke, block kind, whether
    the line before it is its block's first)."""
    starts = [block.start for block in doc.blocks]
    found, previous = [], -1
    for entry in doc.log:
        if entry.kind not in ("wrap", "wrap_at_space"):
            continue
        block = bisect.bisect_right(starts, entry.expected_span[0]) - 1
        position = int(offsets[entry.expected_span[0]])
        found.append((position, entry.detail["sep"], entry.detail["block"], block != previous))
        previous = block
    return found


@dataclass(frozen=True, slots=True)
class OutputBreaks:
    """Where an output has line breaks, seen from the gold stream: the block boundaries it keeps
    (matched one to one, as the scorer matches them) and the wrap points it breaks at."""

    kept: dict[int, bool]
    alignment: Alignment
    breaks: list[int]

    def keeps_boundary(self, position: int) -> bool:
        return self.kept.get(position, True)

    def breaks_at(self, position: int) -> bool:
        return has_break_within(self.breaks, int(self.alignment.lo[position]), int(self.alignment.hi[position]))


def output_breaks(expected: Stream, output: str) -> OutputBreaks:
    out = to_stream(output)
    alignment = Alignment(expected.chars, out.chars)
    kept = dict(zip(expected.breaks, match_boundaries(expected.breaks, out.breaks, alignment), strict=True))
    return OutputBreaks(kept, alignment, out.breaks)


def classify(
    doc: Damaged, output: str | None, page_texts: Sequence[str], printed_full: Mapping[int, bool] | None = None
) -> list[BreakCase]:
    """The wrong and missed joins of one output, each described (``printed_full``: per gold block
    index, whether its last printed line reached the column's edge). Without an output, every
    block boundary (``boundary``) and every wrap (``wrap``): what any rule has to tell apart."""
    ctx = context(doc, page_texts)
    expected = to_stream(doc.expected)
    offsets = stream_offsets(doc.expected)
    seen = output_breaks(expected, output) if output is not None else None
    spans = [(int(offsets[block.start]), int(offsets[block.end])) for block in doc.blocks]
    lost = [ctx.to_input.matched_share(*span) < LOST_SHARE for span in spans]
    cases = []
    for k in range(1, len(doc.blocks)):
        position = spans[k][0]
        if seen is None or not seen.keeps_boundary(position):
            full = None if printed_full is None else printed_full.get(k - 1)
            kinds = f"{doc.blocks[k - 1].kind}|{doc.blocks[k].kind}"
            gold = GoldSide("block", kinds, gold_end(ctx, position), full, lost_block=lost[k - 1] or lost[k])
            cases.append(case(ctx, "boundary" if seen is None else "wrong join", position, gold))
    for position, where, kind, first in wrap_positions(doc, offsets):
        if seen is None or seen.breaks_at(position):
            gold = GoldSide(where, kind, gold_end(ctx, position), True, first_line=first)
            cases.append(case(ctx, "wrap" if seen is None else "missed join", position, gold))
    return cases


def wrong_join_class(c: BreakCase) -> str:
    """A wrong join's class, the first that fits: what went missing in the OCR text, what glyph
    misled, or what the line's shape says."""
    if c.gold.lost_block:
        return "a block mostly unread"
    if c.separator == "none":
        return "no break in the OCR text"
    if c.mark_lost:
        return "final mark lost or misread"
    if c.b_start == "closing" and "at B" in c.debris:
        return "stray closing quote at B's start"
    if c.debris:
        return "glyph not in the gold at the edge"
    if c.a_width == "full":
        return "last line full"
    if c.a_end in FINAL_MARKS:
        return "short line ending in a final mark"
    return "short line without a final mark"


def missed_join_class(c: BreakCase) -> str:
    """A missed join's class, the first that fits: what stands between the lines, then whether A
    is its paragraph's first (indented) line, then how A ends and how wide it reads."""
    if c.separator != "line":
        return "blank line or other lines between"
    if c.gold.first_line:
        return "first line of its block"
    if c.a_end == "sentence end":
        return "line ending in a sentence end"
    if c.debris:
        return "glyph not in the gold at the edge"
    if c.a_width == "full":
        return "full line, no final mark"
    return "shorter line, no final mark"


def error_class(c: BreakCase) -> str:
    return wrong_join_class(c) if c.error == "wrong join" else missed_join_class(c)


def gold_end(ctx: Context, position: int) -> str:
    """What the gold text ends with before stream position ``position``."""
    return edge_kind(ctx.to_input.source[position - 1]) if position else "none"


# ---------------------------------------------------------------------------------------------
# Printing

FEATURES = (
    ("A ends", lambda c: c.a_end),
    ("B starts", lambda c: c.b_start),
    ("A's width", lambda c: c.a_width),
    ("B's width", lambda c: c.b_width),
    ("A printed full", lambda c: "-" if c.gold.printed_full is None else "yes" if c.gold.printed_full else "no"),
    ("A printed as its block's first line", lambda c: "yes" if c.gold.first_line else "no"),
    ("separator", lambda c: c.separator),
    ("glyph not in the gold", lambda c: c.debris or "none"),
    ("printed break", lambda c: c.gold.where),
    ("gold blocks", lambda c: c.gold.blocks),
    ("gold ends", lambda c: c.gold.end),
    ("mark at A's end lost by the OCR", lambda c: "yes" if c.mark_lost else "no"),
    ("a block at the boundary mostly unread", lambda c: "yes" if c.gold.lost_block else "no"),
)


def format_cases(
    cases: Sequence[BreakCase], examples: int, population: Sequence[BreakCase] = (), signatures: int = 12
) -> str:
    """Per error kind: counts by each feature, the commonest combinations of OCR evidence with how
    many of them follow a final mark the engine lost, how many block boundaries and wraps of the
    whole input (``population``) show the same evidence, and examples of each."""
    everywhere = Counter((c.evidence, c.error) for c in population)
    out = []
    for error in ("wrong join", "missed join"):
        mine = [c for c in cases if c.error == error]
        out.append(f"{error}s: {len(mine)}, by class")
        classes: dict[str, list[BreakCase]] = {}
        for c in mine:
            classes.setdefault(error_class(c), []).append(c)
        for name, group in sorted(classes.items(), key=lambda item: -len(item[1])):
            widths = Counter(c.a_width for c in group)
            shown = ", ".join(f"{w} {widths[w]}" for w in ("full", "1-2 short", "short") if widths[w])
            out.append(f"  {name}: {len(group)} (A reads {shown})")
            out += [f"    {c.example()}" for c in group[:examples]]
        out.append(f"{error}s: {len(mine)}, by what the OCR text shows")
        for name, feature in FEATURES:
            counts = Counter(feature(c) for c in mine)
            out.append(f"  {name}: " + ", ".join(f"{k} {n}" for k, n in counts.most_common()))
        by_evidence: dict[tuple[str, ...], list[BreakCase]] = {}
        for c in mine:
            by_evidence.setdefault(c.evidence, []).append(c)
        ranked = sorted(by_evidence.items(), key=lambda item: -len(item[1]))[:signatures]
        header = ("  A ends | B starts | widths | separator | glyph", "count", "mark lost", "boundaries", "wraps")
        rows = [
            (
                "  " + " | ".join(key),
                str(len(group)),
                str(sum(c.mark_lost for c in group)),
                str(everywhere[key, "boundary"]),
                str(everywhere[key, "wrap"]),
            )
            for key, group in ranked
        ]
        out += table(header, rows)
        for key, group in ranked:
            if examples:
                out.append(f"  {' | '.join(key)}:")
                out += [f"    {c.example()}" for c in group[:examples]]
    return "\n".join(out)
