"""The layout errors on genuine OCR, classified by what the OCR text shows around them.

A **wrong join** is a gold block boundary the output runs together; a **missed join** a line
break inside a gold block (a wrap of the printed page) the output keeps. Each is looked up in the
OCR input: line A, the input line the text before the break ends on, and line B, the one the text
after it starts on. What the layout stage could go by is recorded:

- what A ends with and B starts with (``edge_kind``): Han, a sentence end (。！？), a pause
  (，、；：), a closing or opening quote or bracket, Latin, a digit, other;
- whether A is as long as a full line of its document (``FULL_SHARE`` of the document's long-line
  length, ``full_length``), and whether the printed line was full (from the page layout);
- what separates A from B in the OCR text: one line break, a blank line, other lines (furniture
  or debris read between them), a page turn; or no break at all (the engine ran them together);
- whether a glyph at A's end or B's start is not in the gold there (a speck or misread read as a
  character), and of which kind.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bench.accuracy.metrics import Alignment, has_break_within, match_boundaries, stream_offsets, to_stream
from bench.accuracy.model import Damaged
from bench.accuracy.ocr_errors import char_kind, table

SENTENCE_ENDS = frozenset("。！？!?…")
PAUSES = frozenset("，、；：,;:")
CLOSING = frozenset("”’）」』》〉】〕)]}\"'")
OPENING = frozenset("“‘（「『《〈【〔([{")
FULL_SHARE = 0.9  # a line this share of the document's long-line length reads as full
LONG_LINE_QUANTILE = 0.9  # the document's long-line length: this quantile of its line lengths
EXAMPLE_CHARS = 12


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


@dataclass(frozen=True, slots=True)
class InputLine:
    """A non-empty line of the OCR input: its text, its stream span, the blank lines before it
    and the page it was read on."""

    text: str
    start: int
    end: int
    blanks_before: int
    page: int


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


def full_length(lines: Sequence[InputLine]) -> float:
    """The length (characters, no spaces) of a full line in this document: a high quantile of its
    line lengths, as most lines of running text are full."""
    sizes = [line.end - line.start for line in lines]
    return float(np.quantile(sizes, LONG_LINE_QUANTILE)) if sizes else 0.0


@dataclass(frozen=True, slots=True)
class BreakCase:
    """One layout error and what the OCR text shows around it."""

    doc: str
    error: str  # "wrong join" or "missed join"
    a_end: str
    b_start: str
    a_reads_full: bool
    printed_full: bool | None  # the printed line before the break reached the column's edge
    separator: str  # "line", "blank", "lines between", "page", "none"
    debris: str  # "" or what the glyph not in the gold at the edge is: "at A: punct", ...
    where: str  # where the printed page broke: "line", "column", "page" (or "block" for boundaries)
    blocks: str  # the gold blocks' kinds: "para|heading" at a boundary, "para" at a wrap
    gold_end: str  # what the gold text before the break ends with (edge_kind)
    a_text: str
    b_text: str
    between: tuple[str, ...]

    @property
    def mark_lost(self) -> bool:
        """The gold ends the text before the break with a mark the OCR text does not show there."""
        return self.gold_end in ("sentence end", "pause", "closing") and self.a_end != self.gold_end

    @property
    def signature(self) -> tuple[str, ...]:
        full = "A full" if self.a_reads_full else "A short"
        end = f"{self.a_end} (gold {self.gold_end})" if self.mark_lost else self.a_end
        return (end, self.b_start, full, self.separator, self.debris or "-")

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
    full: float
    to_input: Alignment  # gold stream → input stream
    input_matched: np.ndarray  # per input stream character: aligned to the gold
    input_stream: str


def context(doc: Damaged, page_texts: Sequence[str]) -> Context:
    gold, source = to_stream(doc.expected).chars, to_stream(doc.text).chars
    lines = input_lines(page_texts)
    back = Alignment(source, gold)
    return Context(doc, lines, full_length(lines), Alignment(gold, source), back.matched, source)


def case(ctx: Context, error: str, position: int, where: str, blocks: str, printed_full: bool | None) -> BreakCase:
    """Describe the break at gold stream ``position`` as the OCR input shows it (``where`` the
    printed page broke, ``blocks`` the gold blocks' kinds there)."""
    lo, hi = int(ctx.to_input.lo[position]), int(ctx.to_input.hi[position])
    gold_end = edge_kind(ctx.to_input.source[position - 1]) if position else "none"
    found = locate(ctx.lines, lo, hi)
    if found is None:
        k = max(0, bisect.bisect_right([line.start for line in ctx.lines], lo) - 1)
        line = ctx.lines[k]
        cut = min(max(lo - line.start, 0), len(line.text))
        squeezed = "".join(line.text.split())
        a_text, b_text = squeezed[:cut], squeezed[cut:]
        a_end = edge_kind(a_text[-1]) if a_text else "none"
        b_start = edge_kind(b_text[0]) if b_text else "none"
        fields = (a_end, b_start, False, printed_full, "none", "", where, blocks, gold_end)
        return BreakCase(ctx.doc.id, error, *fields, a_text, b_text, ())
    a, b = found
    line_a, line_b = ctx.lines[a], ctx.lines[b]
    return BreakCase(
        ctx.doc.id,
        error,
        edge_kind(line_a.text[-1]),
        edge_kind(line_b.text[0]),
        line_a.end - line_a.start >= FULL_SHARE * ctx.full,
        printed_full,
        separator(ctx.lines, a, b),
        edge_debris(ctx.lines, a, b, ctx.input_matched, ctx.input_stream),
        where,
        blocks,
        gold_end,
        line_a.text,
        line_b.text,
        tuple(line.text for line in ctx.lines[a + 1 : b]),
    )


def classify(
    doc: Damaged, output: str, page_texts: Sequence[str], printed_full: Mapping[int, bool] | None = None
) -> list[BreakCase]:
    """The wrong and missed joins of one output, each described (``printed_full``: per gold block
    index, whether its last printed line reached the column's edge)."""
    ctx = context(doc, page_texts)
    expected, out = to_stream(doc.expected), to_stream(output)
    offsets = stream_offsets(doc.expected)
    alignment = Alignment(expected.chars, out.chars)
    found = dict(zip(expected.breaks, match_boundaries(expected.breaks, out.breaks, alignment), strict=True))
    cases = []
    for k, right in enumerate(doc.blocks[1:], start=1):
        position = int(offsets[right.start])
        if not found.get(position, True):
            full = None if printed_full is None else printed_full.get(k - 1)
            kinds = f"{doc.blocks[k - 1].kind}|{right.kind}"
            cases.append(case(ctx, "wrong join", position, "block", kinds, full))
    for entry in doc.log:
        if entry.kind not in ("wrap", "wrap_at_space"):
            continue
        position = int(offsets[entry.expected_span[0]])
        if has_break_within(out.breaks, int(alignment.lo[position]), int(alignment.hi[position])):
            cases.append(case(ctx, "missed join", position, entry.detail["sep"], entry.detail["block"], True))
    return cases


# ---------------------------------------------------------------------------------------------
# Printing

FEATURES = (
    ("A ends", lambda c: c.a_end),
    ("B starts", lambda c: c.b_start),
    ("A reads full", lambda c: "yes" if c.a_reads_full else "no"),
    ("A printed full", lambda c: "-" if c.printed_full is None else "yes" if c.printed_full else "no"),
    ("separator", lambda c: c.separator),
    ("glyph not in the gold", lambda c: c.debris or "none"),
    ("printed break", lambda c: c.where),
    ("gold blocks", lambda c: c.blocks),
    ("gold ends", lambda c: c.gold_end),
    ("mark at A's end lost by the OCR", lambda c: "yes" if c.mark_lost else "no"),
)


def format_cases(cases: Sequence[BreakCase], examples: int, signatures: int = 12) -> str:
    """Per error kind: counts by each feature, the commonest combinations, and examples of each."""
    out = []
    for error in ("wrong join", "missed join"):
        mine = [c for c in cases if c.error == error]
        out.append(f"{error}s: {len(mine)}, by what the OCR text shows")
        for name, feature in FEATURES:
            counts = Counter(feature(c) for c in mine)
            out.append(f"  {name}: " + ", ".join(f"{k} {n}" for k, n in counts.most_common()))
        by_signature: dict[tuple[str, ...], list[BreakCase]] = {}
        for c in mine:
            by_signature.setdefault(c.signature, []).append(c)
        ranked = sorted(by_signature.items(), key=lambda item: -len(item[1]))[:signatures]
        header = ("  A ends | B starts | A | separator | glyph", "count")
        out += table(header, [("  " + " | ".join(sig), str(len(group))) for sig, group in ranked])
        for sig, group in ranked:
            if examples:
                out.append(f"  {' | '.join(sig)}:")
                out += [f"    {c.example()}" for c in group[:examples]]
    return "\n".join(out)
