"""What is left of the OCR's errors after cleaning, and what cleaning broke.

For each system's output (the OCR input itself, the naive baseline, the cleaner):

- **edits**: the character-level alignment of the normalised output with the normalised gold (the
  one whose cost is the CER), split into substitutions, insertions and deletions by character class
  (Han, Latin letter, digit, punctuation, symbol, space, line break); substitutions give the
  confusion pairs (gold character → character read);
- **furniture**: the input lines that are a page's running head or page number (fuzzy-matched to
  what was printed), and whether the output removed them, kept them as lines or joined them into
  a paragraph;
- **junk lines**: the other input lines that are mostly not gold text (under half their characters
  aligned to the gold): OCR debris from specks, rules and noise, by kind, with the same fates (a
  line that is gold text read out of order is counted apart, as ``misplaced text``);
- **regressions**: every stretch the system changed in the input, judged against the gold around
  it: a fix (closer to the gold than the input was), a regression (further), or neutral.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from bench.accuracy.metrics import Alignment, has_break_within, normalise, to_stream
from bench.accuracy.model import Damaged

CHAR_CLASSES = ("han", "latin", "digit", "punct", "symbol", "space", "newline")
FURNITURE_SIMILARITY = 70  # percent: an input line this like a printed head or page number is one
FURNITURE_MAX = 40  # characters: longer input lines are text
JUNK_MATCHED = 0.5  # an input line with less of its characters aligned to the gold is junk
MISPLACED_MIN = 4  # characters: a shorter unmatched line is junk, whatever the gold has
MISPLACED_SIMILARITY = 75  # percent: an unmatched line this like some stretch of the gold is misplaced text
KEPT = 0.5  # a line is still in the output when this share of its characters is
CONTEXT = 4  # characters each side of an edit when it is judged against the gold
FATES = ("removed", "own line", "joined")
EXAMPLE_CONTEXT = 10


def char_kind(char: str) -> str:
    """The class of a character for the edit breakdown."""
    if char == "\n":
        return "newline"
    if char.isspace():
        return "space"
    if char.isascii() and char.isdigit():
        return "digit"
    if char.isascii() and char.isalpha():
        return "latin"
    category = unicodedata.category(char)
    if category.startswith("P"):
        return "punct"
    if category.startswith("S"):
        return "symbol"
    if category.startswith("L") or category.startswith("N"):
        return "han" if ord(char) >= 0x2E80 else "latin"
    return "symbol"


def misplaced(text: str, gold: str) -> bool:
    """Whether an input line that the alignment left unmatched is gold text read out of order
    (Tesseract sometimes takes a column's lines in another order), not junk."""
    return len(text) >= MISPLACED_MIN and fuzz.partial_ratio(text, gold, score_cutoff=MISPLACED_SIMILARITY) > 0


def junk_kind(text: str) -> str:
    """What a junk line looks like: symbols only, one glyph, Latin letters and digits, or Han."""
    if not any(c.isalnum() for c in text):
        return "symbols only"
    if len(text) == 1:
        return "single glyph"
    if all(c.isascii() for c in text):
        return "latin/digits"
    return "garbled han"


@dataclass(frozen=True, slots=True)
class OcrPage:
    """One page as read, and what it printed that is not text: the running head's labels, the
    page number at its foot (empty when it has none) and the number."""

    text: str
    head: tuple[str, ...]
    foot: str
    number: int

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(label for label in (*self.head, self.foot) if label)


@dataclass(frozen=True, slots=True)
class LineFate:
    """An input line of furniture or junk, and what the output made of it."""

    doc: str
    text: str
    kind: str
    fate: str


@dataclass(frozen=True, slots=True)
class Change:
    """A stretch the system changed: gold, input and output around it, and the verdict."""

    doc: str
    gold: str
    before: str
    after: str
    edit: str  # "input piece → output piece"
    verdict: str  # fix, regression, neutral


@dataclass
class OcrAnalysis:
    """One system's remaining OCR errors and the effect of its edits."""

    edits: Counter[tuple[str, str]] = field(default_factory=Counter)  # (sub|ins|del, class)
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)  # (gold, read)
    inserted: Counter[str] = field(default_factory=Counter)
    deleted: Counter[str] = field(default_factory=Counter)
    furniture: list[LineFate] = field(default_factory=list)
    furniture_printed: int = 0
    junk: list[LineFate] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    def verdicts(self) -> Counter[str]:
        return Counter(change.verdict for change in self.changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "edits": {f"{op} {kind}": n for (op, kind), n in sorted(self.edits.items())},
            "confusions": [[g, r, n] for (g, r), n in self.confusions.most_common(100)],
            "inserted": self.inserted.most_common(50),
            "deleted": self.deleted.most_common(50),
            "furniture_printed": self.furniture_printed,
            "furniture": Counter(f"{f.kind} {f.fate}" for f in self.furniture),
            "junk": Counter(f"{f.kind} {f.fate}" for f in self.junk),
            "verdicts": self.verdicts(),
            "regressions": [
                {"doc": c.doc, "gold": c.gold, "input": c.before, "output": c.after, "edit": c.edit}
                for c in self.changes
                if c.verdict == "regression"
            ],
        }


# ---------------------------------------------------------------------------------------------
# Edits against the gold


def count_edits(expected: str, output: str, analysis: OcrAnalysis) -> None:
    """Substitutions, insertions and deletions of the minimal alignment, by class; confusion pairs."""
    for op in Levenshtein.opcodes(expected, output):
        gold, read = expected[op.src_start : op.src_end], output[op.dest_start : op.dest_end]
        if op.tag == "replace":
            for g, r in zip(gold, read, strict=True):
                if g.isspace() or r.isspace():
                    analysis.edits["del", char_kind(g)] += 1
                    analysis.edits["ins", char_kind(r)] += 1
                    continue
                analysis.edits["sub", char_kind(g)] += 1
                analysis.confusions[g, r] += 1
        elif op.tag == "insert":
            for r in read:
                analysis.edits["ins", char_kind(r)] += 1
                if not r.isspace():
                    analysis.inserted[r] += 1
        elif op.tag == "delete":
            for g in gold:
                analysis.edits["del", char_kind(g)] += 1
                if not g.isspace():
                    analysis.deleted[g] += 1


# ---------------------------------------------------------------------------------------------
# Furniture and junk lines of the input, and their fate


def letters(text: str) -> str:
    """A text's letters and digits only: what survives of a label however the OCR reads its dashes."""
    return "".join(c for c in text if c.isalnum())


def furniture_kind(line: str, page: OcrPage) -> str | None:
    """Whether an input line reads the page's printed furniture: a label, or the whole head, at
    ``FURNITURE_SIMILARITY`` with letters and digits compared, or a short line holding the page
    number and not much else. The page number with at most two other letters, or the foot, is a
    ``page number``; the rest a ``running head``."""
    read = letters(line)
    if not read or len(read) > FURNITURE_MAX:
        return None
    labels = [letters(label) for label in page.head if letters(label)]
    words = [label for label in labels if not label.isdigit()]
    foot = letters(page.foot)
    candidates = [*labels, "".join(labels), foot]
    number = str(page.number)
    rest = read.replace(number, "", 1) if number in read else None
    matched = any(label and fuzz.ratio(read, label) >= FURNITURE_SIMILARITY for label in candidates) or (
        rest is not None and (len(rest) <= 2 or any(fuzz.ratio(rest, label) >= FURNITURE_SIMILARITY for label in words))
    )
    if not matched:
        return None
    near_number = rest is not None and len(rest) <= 2
    if near_number or (foot and fuzz.ratio(read, foot) >= FURNITURE_SIMILARITY):
        return "page number"
    return "running head"


def fate(span: tuple[int, int], to_output: Alignment, output_breaks: Sequence[int]) -> str:
    """Whether an input stream span was removed, kept on a line of its own, or joined to text."""
    start, end = span
    if end <= start or to_output.matched_share(start, end) < KEPT:
        return "removed"
    before = start == 0 or has_break_within(output_breaks, int(to_output.lo[start]), int(to_output.hi[start]))
    after = end >= len(to_output.source) or has_break_within(
        output_breaks, int(to_output.lo[end]), int(to_output.hi[end])
    )
    return "own line" if before and after else "joined"


def line_spans(pages: Sequence[str]) -> list[tuple[int, str, tuple[int, int]]]:
    """(page, line, stream span) of every non-empty line of the OCR text of a document's pages,
    the stream being that of the pages' texts one after the other."""
    spans, position = [], 0
    for p, page in enumerate(pages):
        for line in normalise(page).split("\n"):
            size = len("".join(line.split()))
            if size:
                spans.append((p, line, (position, position + size)))
                position += size
    return spans


def classify_lines(
    doc: Damaged, output: str, pages: Sequence[OcrPage], analysis: OcrAnalysis, to_gold: Alignment
) -> None:
    """Find the furniture and junk lines of the input and record what the output did with each."""
    source = to_stream(doc.text)
    target = to_stream(output)
    to_output = Alignment(source.chars, target.chars)
    analysis.furniture_printed += sum(len(page.labels) for page in pages)
    for p, line, span in line_spans([page.text for page in pages]):
        squeezed = source.chars[span[0] : span[1]]
        kind = furniture_kind(line, pages[p])
        if kind:
            analysis.furniture.append(LineFate(doc.id, line, kind, fate(span, to_output, target.breaks)))
        elif to_gold.matched_share(*span) < JUNK_MATCHED:
            kind = "misplaced text" if misplaced(squeezed, to_gold.target) else junk_kind(squeezed)
            analysis.junk.append(LineFate(doc.id, line, kind, fate(span, to_output, target.breaks)))


# ---------------------------------------------------------------------------------------------
# The system's changes, judged against the gold


def judge_changes(doc_id: str, before: str, after: str, gold: str, to_gold: Alignment, analysis: OcrAnalysis) -> None:
    """Each stretch where the output differs from the input (streams), judged by the edit distance
    to the gold around it, with ``CONTEXT`` characters each side."""
    regions: list[list[int]] = []
    for op in Levenshtein.opcodes(before, after):
        if op.tag == "equal":
            continue
        if regions and op.src_start - regions[-1][1] < CONTEXT:
            regions[-1][1], regions[-1][3] = op.src_end, op.dest_end
        else:
            regions.append([op.src_start, op.src_end, op.dest_start, op.dest_end])
    for i1, i2, j1, j2 in regions:
        a, b = max(0, i1 - CONTEXT), min(len(before), i2 + CONTEXT)
        c, d = max(0, j1 - CONTEXT), min(len(after), j2 + CONTEXT)
        g1, g2 = int(to_gold.lo[a]), int(to_gold.hi[b])
        window = gold[g1:g2]
        was, now = Levenshtein.distance(before[a:b], window), Levenshtein.distance(after[c:d], window)
        verdict = "fix" if now < was else "regression" if now > was else "neutral"
        edit = f"{clip(before[i1:i2])} → {clip(after[j1:j2])}"
        analysis.changes.append(Change(doc_id, window, before[a:b], after[c:d], edit, verdict))


def clip(text: str, size: int = 24) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def analyse(
    damaged: Sequence[Damaged],
    outputs: Mapping[str, str],
    inputs: Mapping[str, str],
    pages: Mapping[str, Sequence[OcrPage]],
) -> OcrAnalysis:
    """Every figure of this module for one system's outputs."""
    analysis = OcrAnalysis()
    for doc in damaged:
        output = outputs.get(doc.id, "")
        count_edits(normalise(doc.expected), normalise(output), analysis)
        gold, source = to_stream(doc.expected).chars, to_stream(inputs[doc.id]).chars
        to_gold = Alignment(source, gold)
        classify_lines(doc, output, pages[doc.id], analysis, to_gold)
        if output != inputs[doc.id]:
            judge_changes(doc.id, source, to_stream(output).chars, gold, to_gold, analysis)
    return analysis


# ---------------------------------------------------------------------------------------------
# Printing


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows of cells, the first column left-aligned and the rest right-aligned."""
    widths = [max(len(row[k]) for row in [header, *rows]) for k in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        parts = [c.ljust(w) if k == 0 else c.rjust(w) for k, (c, w) in enumerate(zip(cells, widths, strict=True))]
        return "  ".join(parts)

    return [line(header), *(line(row) for row in rows)]


def show(char: str) -> str:
    return {"\n": "⏎", " ": "␣", "\f": "␌"}.get(char, char)


def format_analysis(analyses: Mapping[str, OcrAnalysis], examples: int = 0) -> str:
    names = list(analyses)
    out = ["edits left against the gold (what the CER counts), by character class"]
    rows = []
    for op, label in (("sub", "substituted"), ("ins", "inserted"), ("del", "deleted")):
        for kind in CHAR_CLASSES:
            cells = [analyses[n].edits.get((op, kind), 0) for n in names]
            if any(cells):
                rows.append([f"  {label} {kind}", *map(str, cells)])
    out += table(["", *names], rows)

    cleaner = analyses[names[-1]]
    out += ["", f"top confusion pairs left by {names[-1]} (gold → read: count; in the OCR input)"]
    first = analyses[names[0]]
    pairs = cleaner.confusions.most_common(20)
    out += [f"  {g} → {r}: {n} ({first.confusions.get((g, r), 0)})" for (g, r), n in pairs]
    for name in names:
        ins = ", ".join(f"{show(c)}×{n}" for c, n in analyses[name].inserted.most_common(12))
        dels = ", ".join(f"{show(c)}×{n}" for c, n in analyses[name].deleted.most_common(12))
        out += [f"inserted glyphs, {name}: {ins}", f"deleted glyphs, {name}: {dels}"]

    out += ["", f"page furniture: {first.furniture_printed} labels printed; input lines found and their fate"]
    out += fate_table(analyses, "furniture")
    out += ["", "junk lines in the input (under half aligned to the gold) and their fate"]
    out += fate_table(analyses, "junk")
    if examples:
        out += line_examples(analyses[names[-1]], examples)

    out += ["", "changes made to the OCR input, judged against the gold around them"]
    rows = [
        [f"  {n}", *(str(analyses[n].verdicts().get(v, 0)) for v in ("fix", "regression", "neutral"))]
        for n in names[1:]
    ]
    out += table(["", "fixes", "regressions", "neutral"], rows)
    for name in names[1:]:
        kinds = Counter(c.edit for c in analyses[name].changes if c.verdict == "regression")
        common = "; ".join(f"{k} ×{n}" for k, n in kinds.most_common(15))
        out.append(f"  most common regressions, {name}: {common}")
    if examples:
        for name in names[1:]:
            regressions = [c for c in analyses[name].changes if c.verdict == "regression"]
            out.append(f"regressions by {name}: {len(regressions)}, showing {min(examples, len(regressions))}")
            out += [f"  {c.doc}: gold “{c.gold}” | input “{c.before}” → “{c.after}”" for c in regressions[:examples]]
    return "\n".join(out)


def fate_table(analyses: Mapping[str, OcrAnalysis], which: str) -> list[str]:
    names = list(analyses)
    lines_of = {n: getattr(analyses[n], which) for n in names}
    kinds = sorted({f.kind for f in lines_of[names[0]]})
    rows = []
    for kind in kinds:
        total = sum(f.kind == kind for f in lines_of[names[0]])
        for name in names[1:]:
            fates = Counter(f.fate for f in lines_of[name] if f.kind == kind)
            rows.append([f"  {kind}, {name}", str(total), *(str(fates.get(x, 0)) for x in FATES)])
    return table(["", "lines", *FATES], rows)


def line_examples(analysis: OcrAnalysis, count: int) -> list[str]:
    out = []
    for which in ("furniture", "junk"):
        by_kind: dict[str, list[LineFate]] = {}
        for item in getattr(analysis, which):
            by_kind.setdefault(item.kind, []).append(item)
        for kind, items in sorted(by_kind.items()):
            shown = ", ".join(f"“{i.text}” ({i.fate})" for i in items[:count])
            out.append(f"  {which} {kind}: {shown}")
    return out
