"""Scoring a cleaner's output against the expected text, with the damage log to say what was repaired.

Comparisons are made on normalised text: each line stripped, and any run of whitespace holding a
line break made one ``\\n``, so indentation and the number of blank lines never count. Boundaries
and alignments work on the *stream*: the normalised text with all whitespace removed, with the
stream positions that a line break precedes. One monotone alignment of the expected and output
streams (rapidfuzz's Levenshtein opcodes) maps every expected position to a range of output
positions; every metric reads that alignment:

- paragraph boundaries: a line break of the expected text (between two blocks) is found when the
  output has a line break in its range; every output line break counts, so a fragment left on a
  line of its own is a false boundary (precision) and a missed join (the join view);
- characters out of order: an inserted output run (≥ 2 characters) whose text is a deleted
  expected run elsewhere (or matches one at ≥ 90% similarity) was moved;
- paragraphs lost: expected blocks of ≥ 10 characters with under half their characters matched;
- hit rates: a logged damage is repaired when its expected text is matched at its aligned place.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel, Levenshtein

from bench.accuracy.model import Damage, Damaged

NOISE_KINDS = ("halfwidth", "fullwidth", "traditional", "zero_width")
DUPLICATE_KINDS = ("dup_exact", "dup_near", "dup_rewrapped", "dup_crossfile", "dup_short_near")
UNDONE_FOR_ORDER = frozenset((*NOISE_KINDS, *DUPLICATE_KINDS, "furniture", "debris"))
# The cleaner's removals of whole lines, by what it took them for (its audit rules).
DROP_RULES = {"drop_page_number": "furniture", "drop_running_head": "furniture", "drop_debris": "debris"}
MIN_TRAP_INSIDE = 3  # a trap this long is also found inside a line (a shorter one would be by chance)
PAIR_CATEGORIES = (
    "para|para",
    "para|heading",
    "heading|para",
    "heading|heading",
    "short",
    "list",
    "english",
    "code",
    "interrupt",
)
END_CLASSES = ("han", "latin", "closing", "punct", "other")
SEPARATOR_KINDS = ("single", "blank", "wsline")
ERROR_CLASSES = (
    "missed joins",
    "wrong joins",
    "moved runs",
    "moves against the input",
    "lost paragraphs",
    "strong interruptions not healed",
    "debris kept",
    "undetected duplicates",
    "text removed as furniture or debris",
    "trap lines missing",
)
MIN_MOVED_RUN = 2  # shorter inserted runs are ordinary substitutions, not moves
MOVE_GRAM = 5  # a moved stretch is made of 5-grams found deleted elsewhere (shorter ones recur by chance)
MIN_AGREEMENT = 4  # shorter equal runs between two disagreements are chance matches
COPY_SIMILARITY = 80  # an inserted copy still counts as present when edited this little
MOVE_SIMILARITY = 90  # fuzzy match (percent): a removed block's text found elsewhere in the output
LOST_MIN_CHARS = 10  # shorter blocks (labels, list numbers) are not counted as lost
LOST_MATCHED = 0.5
REMOVED_MATCHED = 0.1  # a block with less than this matched, found nowhere else, was removed
EXAMPLES_KEPT = 2000  # per error class, for --show-errors
CONTEXT = 14  # characters of context each side in error examples


# ---------------------------------------------------------------------------------------------
# Normalisation and streams


def normalise(text: str) -> str:
    """Lines stripped, blank lines dropped: layout whitespace does not count in any metric."""
    lines = (line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


@dataclass(frozen=True, slots=True)
class Stream:
    """A text's characters without whitespace, and the positions a line break precedes."""

    chars: str
    breaks: list[int]
    norm: str  # the normalised text it was made from

    def norm_index(self) -> list[int]:
        """The index in ``norm`` of each stream character (for checks that need the spaces)."""
        return [i for i, c in enumerate(self.norm) if not c.isspace()]


def to_stream(text: str) -> Stream:
    """The stream of a text (normalised first)."""
    norm = normalise(text)
    pieces, breaks, size = [], [], 0
    for line in norm.split("\n") if norm else []:
        piece = "".join(line.split())
        if size:
            breaks.append(size)
        pieces.append(piece)
        size += len(piece)
    return Stream("".join(pieces), breaks, norm)


def stream_offsets(text: str) -> np.ndarray:
    """For each offset of a raw text, its stream position (whitespace characters before it don't count)."""
    offsets = np.zeros(len(text) + 1, dtype=np.int64)
    if text:
        offsets[1:] = np.cumsum(np.fromiter((not c.isspace() for c in text), dtype=np.int64, count=len(text)))
    return offsets


def squeeze(text: str) -> str:
    """A text without whitespace."""
    return "".join(text.split())


# ---------------------------------------------------------------------------------------------
# Alignment


class Alignment:
    """A monotone alignment of two streams, with each source position's range in the target.

    ``lo[i]``..``hi[i]`` are the target positions that source position ``i`` (a point between
    characters) may stand for: one position inside equal runs, the whole target side of an
    insertion or substitution next to it. ``where[i]`` is the target index of a matched
    character, or -1.
    """

    def __init__(self, source: str, target: str) -> None:
        self.source, self.target = source, target
        self.ops = [tuple(op) for op in Levenshtein.opcodes(source, target)]
        n = len(source)
        self.lo = np.full(n + 1, len(target), dtype=np.int64)
        self.hi = np.zeros(n + 1, dtype=np.int64)
        self.where = np.full(n, -1, dtype=np.int64)
        for tag, i1, i2, j1, j2 in self.ops:
            if tag == "equal":
                span = np.arange(j1, j2 + 1)
                np.minimum(self.lo[i1 : i2 + 1], span, out=self.lo[i1 : i2 + 1])
                np.maximum(self.hi[i1 : i2 + 1], span, out=self.hi[i1 : i2 + 1])
                self.where[i1:i2] = span[:-1]
            else:
                np.minimum(self.lo[i1 : i2 + 1], j1, out=self.lo[i1 : i2 + 1])
                np.maximum(self.hi[i1 : i2 + 1], j2, out=self.hi[i1 : i2 + 1])
        self._inserted: str | None = None
        self.matched = self.where >= 0
        self.matched_before = np.zeros(n + 1, dtype=np.int64)
        self.matched_before[1:] = np.cumsum(self.matched)

    def matched_share(self, start: int, end: int) -> float:
        """The share of source characters ``start``..``end`` matched in the target."""
        return float(self.matched_before[end] - self.matched_before[start]) / max(1, end - start)

    @property
    def inserted(self) -> str:
        """Every target run inserted or substituted, joined by NUL (text the source does not have)."""
        if self._inserted is None:
            self._inserted = "\x00".join(self.target[j1:j2] for tag, _, _, j1, j2 in self.ops if tag != "equal")
        return self._inserted


def has_break_within(breaks: Sequence[int], lo: int, hi: int) -> bool:
    """Whether a sorted list of break positions has one in ``lo``..``hi``."""
    k = bisect.bisect_left(breaks, lo)
    return k < len(breaks) and breaks[k] <= hi


def match_boundaries(expected: Sequence[int], output: Sequence[int], alignment: Alignment) -> list[bool]:
    """Which expected boundaries the output has: each output break matches one expected break.

    Ranges grow with the position (the alignment is monotone), so greedy matching is maximal.
    """
    found, k = [], 0
    for b in expected:
        lo, hi = alignment.lo[b], alignment.hi[b]
        while k < len(output) and output[k] < lo:
            k += 1
        if k < len(output) and output[k] <= hi:
            found.append(True)
            k += 1
        else:
            found.append(False)
    return found


@dataclass(frozen=True, slots=True)
class MovedRun:
    """Output text that the source has elsewhere: ``target_start`` in the output stream, and the
    stretch ``source_start``..``source_end`` of the source stream it came from."""

    text: str
    target_start: int
    source_start: int
    source_end: int


@dataclass(frozen=True, slots=True)
class Region:
    """A stretch where source and target disagree: ``source[i1:i2]`` became ``target[j1:j2]``."""

    i1: int
    i2: int
    j1: int
    j2: int


def disagreements(ops: Sequence[tuple[str, int, int, int, int]]) -> list[Region]:
    """Maximal stretches of non-equal ops, absorbing equal runs shorter than ``MIN_AGREEMENT``.

    Where two different texts face each other (two paragraphs swapped, garbage for text), the
    minimum-edit alignment matches common characters here and there; those chance matches must
    not cut a moved paragraph into pieces.
    """
    regions: list[Region] = []
    current: list[int] | None = None
    for n, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal":
            between = current is not None and n + 1 < len(ops) and ops[n + 1][0] != "equal"
            if between and i2 - i1 < MIN_AGREEMENT:
                continue
            if current is not None:
                regions.append(Region(*current))
                current = None
            continue
        if current is None:
            current = [i1, i2, j1, j2]
        current[1], current[3] = i2, j2
    if current is not None:
        regions.append(Region(*current))
    return regions


def moved_runs(alignment: Alignment) -> list[MovedRun]:
    """Output text that the alignment inserts in one place while the source has it deleted in another.

    Within each region's output side, every stretch covered by ``MOVE_GRAM``-grams that occur in
    another region's source side is moved (so a moved paragraph counts whatever way the alignment
    split it, and an edited one counts but for its edits); an output side of 2 to ``MOVE_GRAM``
    characters is moved when it is exactly another region's whole source side. An output side
    that is mostly its own source side is a substitution, never a move. Of two regions that
    swapped their texts, only the shorter counts: the other stayed in order with the rest.
    """
    regions = disagreements(alignment.ops)
    source, target = alignment.source, alignment.target
    grams: dict[str, list[int]] = {}
    whole: dict[str, list[int]] = {}
    for k, region in enumerate(regions):
        text = source[region.i1 : region.i2]
        whole.setdefault(text, []).append(k)
        for p in range(region.i1, region.i2 - MOVE_GRAM + 1):
            grams.setdefault(source[p : p + MOVE_GRAM], []).append(p)
    found: dict[int, tuple[int, list[MovedRun]]] = {}  # region -> (region it mostly came from, runs)
    for k, region in enumerate(regions):
        run, own = target[region.j1 : region.j2], source[region.i1 : region.i2]
        if len(run) < MIN_MOVED_RUN or Indel.normalized_similarity(run, own) >= 0.5:
            continue
        if len(run) <= MOVE_GRAM:
            origins = [o for o in whole.get(run, []) if o != k]
            if origins:
                origin = regions[origins[0]]
                found[k] = (origins[0], [MovedRun(run, region.j1, origin.i1, origin.i2)])
            continue
        runs = covered_runs(run, region, grams)
        if runs:
            starts = [r.source_start for r in runs]
            origin = max(range(len(regions)), key=lambda o: sum(regions[o].i1 <= x < regions[o].i2 for x in starts))
            found[k] = (origin, runs)
    moves: list[MovedRun] = []
    for k, (origin, runs) in sorted(found.items()):
        partner = found.get(origin)
        if partner is not None and partner[0] == k and origin != k:
            mine, theirs = sum(len(r.text) for r in runs), sum(len(r.text) for r in partner[1])
            if theirs < mine or (theirs == mine and origin < k):
                continue  # a swap: the shorter side moved (the first, when equal)
        moves.extend(runs)
    return moves


def covered_runs(run: str, region: Region, grams: Mapping[str, list[int]]) -> list[MovedRun]:
    """Stretches of ``run`` made of grams that the source has in other regions but not in its own."""
    covered = [False] * len(run)
    origin_of: dict[int, int] = {}
    for p in range(len(run) - MOVE_GRAM + 1):
        places = grams.get(run[p : p + MOVE_GRAM], ())
        if any(region.i1 <= x < region.i2 for x in places):
            continue  # its own region has it: substituted around, not moved
        if places:
            origin_of[p] = places[0]
            for q in range(p, p + MOVE_GRAM):
                covered[q] = True
    runs, p = [], 0
    while p < len(run):
        if not covered[p]:
            p += 1
            continue
        q = p
        while q < len(run) and covered[q]:
            q += 1
        origins = [origin_of[x] for x in range(p, q) if x in origin_of]
        runs.append(MovedRun(run[p:q], region.j1 + p, min(origins), max(origins) + MOVE_GRAM))
        p = q
    return runs


# ---------------------------------------------------------------------------------------------
# The report


@dataclass(slots=True)
class Ratio:
    """``hit`` of ``total``."""

    hit: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.hit += int(ok)
        self.total += 1

    @property
    def rate(self) -> float | None:
        return self.hit / self.total if self.total else None

    def to_dict(self) -> dict[str, Any]:
        return {"hit": self.hit, "total": self.total, "rate": self.rate}


@dataclass
class Report:
    """Corpus sums of every metric for one system's outputs."""

    documents: int = 0
    expected_chars: int = 0  # normalised expected text
    distance_before: int = 0  # Levenshtein distance, damaged input vs expected
    distance_after: int = 0  # output vs expected
    expected_boundaries: int = 0
    output_boundaries: int = 0
    matched_boundaries: int = 0
    joins: Ratio = field(default_factory=Ratio)  # wrap cuts joined
    joins_by_end: dict[str, Ratio] = field(default_factory=dict)
    joins_by_separator: dict[str, Ratio] = field(default_factory=dict)
    joins_by_block: dict[str, Ratio] = field(default_factory=dict)
    spaces_restored: Ratio = field(default_factory=Ratio)  # wrap_at_space between two Latin words
    boundaries_by_pair: dict[str, Ratio] = field(default_factory=dict)  # hit = kept apart
    moved_chars: int = 0
    moved_count: int = 0
    moved_vs_input_chars: int = 0
    moved_vs_input_excused: int = 0
    paragraphs: int = 0  # expected blocks of >= LOST_MIN_CHARS characters
    lost: int = 0
    removed: int = 0  # expected blocks dropped outright (matched < 10%, found nowhere)
    duplicates: dict[str, Ratio] = field(default_factory=dict)  # hit = absent from the output
    hits: dict[str, Ratio] = field(default_factory=dict)  # noise kinds, interruptions, furniture
    # Inserted debris lines removed, by form and place; trap lines missing from the output (hit =
    # missing), by form, and removed as furniture or debris (hit = removed so).
    debris: dict[str, Ratio] = field(default_factory=dict)
    traps: dict[str, Ratio] = field(default_factory=dict)
    # The cleaner's line removals ("furniture", "debris"), hit = the line removed was one inserted.
    drops: dict[str, Ratio] = field(default_factory=dict)
    trap_drops: Ratio = field(default_factory=Ratio)  # hit = a trap line the cleaner removed as either
    seconds: float | None = None
    examples: dict[str, list[str]] = field(default_factory=dict)
    layout_only: bool = False

    # -- derived figures

    @property
    def cer_before(self) -> float:
        return self.distance_before / max(1, self.expected_chars)

    @property
    def cer(self) -> float:
        return self.distance_after / max(1, self.expected_chars)

    @property
    def error_reduction(self) -> float | None:
        if self.distance_before == 0:
            return 1.0 if self.distance_after == 0 else None
        return 1 - self.distance_after / self.distance_before

    @property
    def precision(self) -> float:
        return self.matched_boundaries / self.output_boundaries if self.output_boundaries else 1.0

    @property
    def recall(self) -> float:
        return self.matched_boundaries / self.expected_boundaries if self.expected_boundaries else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def wrong_joins(self) -> int:
        return sum(r.total - r.hit for r in self.boundaries_by_pair.values())

    def example(self, kind: str, text: str) -> None:
        """Keep an error example (the first ones in document order)."""
        kept = self.examples.setdefault(kind, [])
        if len(kept) < EXAMPLES_KEPT:
            kept.append(text)

    def to_dict(self) -> dict[str, Any]:
        """Everything, JSON-serialisable: counts and rates."""

        def ratios(group: Mapping[str, Ratio]) -> dict[str, Any]:
            return {key: ratio.to_dict() for key, ratio in sorted(group.items())}

        return {
            "documents": self.documents,
            "expected_chars": self.expected_chars,
            "cer_before": self.cer_before,
            "cer": self.cer,
            "distance_before": self.distance_before,
            "distance_after": self.distance_after,
            "error_reduction": self.error_reduction,
            "boundaries": {
                "expected": self.expected_boundaries,
                "output": self.output_boundaries,
                "matched": self.matched_boundaries,
                "precision": self.precision,
                "recall": self.recall,
                "f1": self.f1,
            },
            "joins": self.joins.to_dict(),
            "joins_by_end": ratios(self.joins_by_end),
            "joins_by_separator": ratios(self.joins_by_separator),
            "joins_by_block": ratios(self.joins_by_block),
            "spaces_restored": self.spaces_restored.to_dict(),
            "wrong_joins": self.wrong_joins,
            "boundaries_kept_by_pair": ratios(self.boundaries_by_pair),
            "moved_chars": self.moved_chars,
            "moved_runs": self.moved_count,
            "moved_vs_input_chars": self.moved_vs_input_chars,
            "moved_vs_input_excused_chars": self.moved_vs_input_excused,
            "paragraphs": self.paragraphs,
            "paragraphs_lost": self.lost,
            "paragraphs_removed": self.removed,
            "duplicates_removed": ratios(self.duplicates),
            "hits": ratios(self.hits),
            "debris_removed": ratios(self.debris),
            "traps_removed": ratios(self.traps),
            "drop_precision": ratios(self.drops),
            "traps_dropped": self.trap_drops.to_dict(),
            "seconds": self.seconds,
            "layout_only": self.layout_only,
        }

    def format_table(self) -> str:
        """This report alone as a plain-text table."""
        return format_table({"output": self})


# ---------------------------------------------------------------------------------------------
# Scoring one document


def pair_category(left: str, right: str) -> str:
    """The kind of a boundary between two expected blocks, for the wrong-join breakdown."""
    for kind in ("interrupt", "code", "english", "list", "short"):
        if kind in (left, right):
            return kind
    return f"{left}|{right}"


def input_order(doc: Damaged) -> str:
    """The damaged text with its character noise undone and its copies and furniture taken out.

    What is left is the input's text in the input's order: comparing an output with it shows the
    moves the output made, and nothing else (no noisy paragraph next to its clean copy for the
    alignment to prefer, and so see the text between them as moved).
    """
    parts, position = [], 0
    for entry in doc.log:
        if entry.kind in UNDONE_FOR_ORDER:
            start, end = entry.text_span
            parts.append(doc.text[position:start])
            parts.append(doc.expected[entry.expected_span[0] : entry.expected_span[1]])
            position = end
    parts.append(doc.text[position:])
    return "".join(parts)


def is_sanctioned(text: str, sanctioned: Sequence[str], grams: set[str]) -> bool:
    """Whether a moved run is (mostly) text of a strongly interrupted paragraph or its group."""
    if len(text) < MOVE_GRAM:
        return any(text in region for region in sanctioned)
    own = [text[p : p + MOVE_GRAM] for p in range(len(text) - MOVE_GRAM + 1)]
    return sum(gram in grams for gram in own) >= 0.5 * len(own)


def snippet(stream: Stream, position: int, mark: str = "‸") -> str:
    """Stream text around ``position`` with line breaks shown as ``⏎`` and the position marked."""
    lo, hi = max(0, position - CONTEXT), min(len(stream.chars), position + CONTEXT)
    breaks = set(stream.breaks[bisect.bisect_left(stream.breaks, lo) : bisect.bisect_right(stream.breaks, hi)])
    out = []
    for i in range(lo, hi + 1):
        if i == position:
            out.append(mark)
        if i in breaks:
            out.append("⏎")
        if i < hi:
            out.append(stream.chars[i])
    return "".join(out)


def short(text: str, size: int = 40) -> str:
    """A text cut to ``size`` characters for an example line."""
    return text if len(text) <= size else text[: size - 1] + "…"


class DocumentScorer:
    """Scores one document's output; adds its figures to a report."""

    def __init__(self, doc: Damaged, output: str, report: Report) -> None:
        self.doc = doc
        self.report = report
        self.expected = to_stream(doc.expected)
        self.output = to_stream(output)
        self.offsets = stream_offsets(doc.expected)
        self.alignment = Alignment(self.expected.chars, self.output.chars)

    def at(self, offset: int) -> int:
        """The stream position of an offset in the expected text."""
        return int(self.offsets[offset])

    def output_break_near(self, position: int) -> bool:
        """Whether the output has a line break where expected position ``position`` lands."""
        a = self.alignment
        return has_break_within(self.output.breaks, int(a.lo[position]), int(a.hi[position]))

    def score(self, damaged_text: str) -> None:
        """Every metric for this document."""
        r = self.report
        r.documents += 1
        r.expected_chars += len(self.expected.norm)
        if not r.layout_only:
            r.distance_before += Levenshtein.distance(normalise(damaged_text), self.expected.norm)
            r.distance_after += Levenshtein.distance(self.output.norm, self.expected.norm)
        self.boundaries()
        self.joins()
        self.moves()
        self.paragraphs()
        self.damage_hits()
        if not r.layout_only:
            self.moves_against_input()

    def boundaries(self) -> None:
        """Precision and recall of line breaks, and which expected breaks were joined away."""
        r, doc = self.report, self.doc
        found = match_boundaries(self.expected.breaks, self.output.breaks, self.alignment)
        r.expected_boundaries += len(found)
        r.output_boundaries += len(self.output.breaks)
        r.matched_boundaries += sum(found)
        self.found = dict(zip(self.expected.breaks, found, strict=True))
        for left, right in zip(doc.blocks, doc.blocks[1:], strict=False):
            position = self.at(right.start)
            ok = self.found.get(position, True)
            r.boundaries_by_pair.setdefault(pair_category(left.kind, right.kind), Ratio()).add(ok)
            if not ok:
                j = int(self.alignment.lo[position])
                r.example("wrong joins", f"{doc.id}: {self.expected_snippet(position)}  →  {snippet(self.output, j)}")

    def expected_snippet(self, position: int) -> str:
        return snippet(self.expected, position)

    def joins(self) -> None:
        """Wrap cuts: joined when the output has no line break where the cut was."""
        r, doc = self.report, self.doc
        out_index: list[int] | None = None
        for entry in doc.log:
            if entry.kind not in ("wrap", "wrap_at_space"):
                continue
            position = self.at(entry.expected_span[0])
            joined = not self.output_break_near(position)
            r.joins.add(joined)
            r.joins_by_end.setdefault(entry.detail["end"], Ratio()).add(joined)
            r.joins_by_separator.setdefault(entry.detail["sep"], Ratio()).add(joined)
            r.joins_by_block.setdefault(entry.detail["block"], Ratio()).add(joined)
            if not joined:
                j = int(self.alignment.lo[position])
                r.example("missed joins", f"{doc.id}: {self.expected_snippet(position)}  →  {snippet(self.output, j)}")
            if entry.kind == "wrap_at_space" and entry.detail.get("between") == "latin":
                if out_index is None:
                    out_index = self.output.norm_index()
                r.spaces_restored.add(self.space_between(position, out_index))

    def space_between(self, position: int, out_index: list[int]) -> bool:
        """Whether the output has exactly one space between the characters around ``position``."""
        where = self.alignment.where
        if position == 0 or position >= len(where):
            return False
        left, right = int(where[position - 1]), int(where[position])
        if left < 0 or right != left + 1:
            return False
        return self.output.norm[out_index[left] + 1 : out_index[right]] == " "

    def moves(self) -> None:
        """Characters of the output that are in the expected text, but elsewhere."""
        r = self.report
        for run in moved_runs(self.alignment):
            r.moved_chars += len(run.text)
            r.moved_count += 1
            r.example("moved runs", f"{self.doc.id}: “{short(run.text)}” ({len(run.text)} chars) moved")

    def moves_against_input(self) -> None:
        """Moves the cleaner made relative to its input, except strong groups moved after their paragraph.

        The input is taken in its order but without noise, copies and furniture (``input_order``).
        Healing a strong interruption moves the group after its paragraph; a moved run made (mostly)
        of the group's or the paragraph's text is sanctioned (which of the two the alignment sees
        as moved depends on their lengths and on neighbouring groups), any other is not.
        """
        layout_input = to_stream(input_order(self.doc))
        expected = self.doc.expected
        paragraphs = [(b.start, b.end) for b in self.doc.blocks]
        sanctioned = []
        for entry in self.doc.log:
            if entry.kind == "interrupt_strong":
                k = bisect.bisect_left(paragraphs, (entry.detail["join_at"], len(expected) + 1)) - 1
                start, end = paragraphs[k]
                sanctioned.append(squeeze(expected[start:end]) + squeeze(expected[slice(*entry.expected_span)]))
        sanctioned_grams = {text[p : p + MOVE_GRAM] for text in sanctioned for p in range(len(text) - MOVE_GRAM + 1)}
        for run in moved_runs(Alignment(layout_input.chars, self.output.chars)):
            if is_sanctioned(run.text, sanctioned, sanctioned_grams):
                self.report.moved_vs_input_excused += len(run.text)
            else:
                self.report.moved_vs_input_chars += len(run.text)
                self.report.example("moves against the input", f"{self.doc.id}: “{short(run.text)}” moved")

    def paragraphs(self) -> None:
        """Expected blocks lost (under half matched) or removed outright."""
        r, a = self.report, self.alignment
        for block in self.doc.blocks:
            start, end = self.at(block.start), self.at(block.end)
            if end - start < LOST_MIN_CHARS:
                continue
            r.paragraphs += 1
            share = a.matched_share(start, end)
            if share < LOST_MATCHED:
                r.lost += 1
                text = self.expected.chars[start:end]
                r.example("lost paragraphs", f"{self.doc.id}: {share:.0%} matched: “{short(text, 60)}”")
                if share < REMOVED_MATCHED and not self.found_elsewhere(text):
                    r.removed += 1

    def found_elsewhere(self, text: str) -> bool:
        """Whether a block's text is in the output anyway (moved rather than removed)."""
        if text in self.output.chars:
            return True
        if len(text) > len(self.output.chars):
            return False
        return fuzz.partial_ratio(text, self.output.chars, score_cutoff=MOVE_SIMILARITY) > 0

    def damage_hits(self) -> None:
        """Per logged damage: repaired or not."""
        r = self.report
        traps: list[Damage] = []
        for entry in self.doc.log:
            kind = entry.kind
            if kind in NOISE_KINDS:
                r.hits.setdefault(kind, Ratio()).add(self.repaired_in_place(entry))
            elif kind in DUPLICATE_KINDS or kind == "furniture":
                absent = self.absent(entry)
                group = r.duplicates if kind in DUPLICATE_KINDS else r.hits
                group.setdefault(kind, Ratio()).add(absent)
                if not absent and kind in DUPLICATE_KINDS:
                    shown = squeeze(self.doc.text[entry.text_span[0] : entry.text_span[1]])
                    r.example("undetected duplicates", f"{self.doc.id}: {kind} “{short(shown, 60)}”")
            elif kind == "debris":
                absent = self.absent(entry)
                r.hits.setdefault(kind, Ratio()).add(absent)
                r.debris.setdefault(f"{entry.detail['form']}, {entry.detail['where']}", Ratio()).add(absent)
                if not absent:
                    where = f"{entry.detail['form']}, {entry.detail['where']}"
                    r.example("debris kept", f"{self.doc.id}: {where}: {self.input_around(entry, 30)}")
            elif kind == "trap":
                traps.append(entry)
            elif kind == "interrupt_strong":
                repaired = self.strong_repaired(entry)
                r.hits.setdefault(kind, Ratio()).add(repaired)
                if not repaired:
                    r.example("strong interruptions not healed", f"{self.doc.id}: {self.input_around(entry)}")
            elif kind == "interrupt_weak":
                r.hits.setdefault(kind, Ratio()).add(self.weak_kept(entry))
        self.trap_hits(traps)

    def trap_hits(self, traps: Sequence[Damage]) -> None:
        """Trap lines missing from the output, whatever removed them: each text is looked for as a
        line of the output, as often as the trap lines have it (a longer one also inside a line:
        joined, not removed)."""
        r = self.report
        lines = [squeeze(line) for line in self.output.norm.split("\n")]
        left: dict[str, int] = {}
        for entry in traps:
            key = squeeze(self.doc.text[entry.text_span[0] : entry.text_span[1]])
            if key not in left:
                found = lines.count(key)
                left[key] = found if len(key) < MIN_TRAP_INSIDE else max(found, self.output.chars.count(key))
            removed = left[key] <= 0
            left[key] -= 1
            r.traps.setdefault("all", Ratio()).add(removed)
            r.traps.setdefault(entry.detail["form"], Ratio()).add(removed)
            if removed:
                r.example("trap lines missing", f"{self.doc.id}: “{key}”")

    def repaired_in_place(self, entry: Damage) -> bool:
        """The expected text of a character damage matched where it belongs (nothing left between)."""
        start, end = self.at(entry.expected_span[0]), self.at(entry.expected_span[1])
        where = self.alignment.where
        if end > start:
            return bool(all(where[start:end] >= 0)) and int(where[end - 1]) - int(where[start]) == end - 1 - start
        left = int(where[start - 1]) if start > 0 else -1
        right = int(where[start]) if start < len(where) else len(self.output.chars)
        if (start > 0 and left < 0) or (start < len(where) and right < 0):
            return False
        return right == left + 1

    def absent(self, entry: Damage) -> bool:
        """Whether an inserted copy (or furniture line) is gone from the output.

        It is there when the output holds its text more often than the expected text does, or when
        text like it is among what the output has over the expected (the alignment may take the
        copy for the original and the original, still damaged, for the extra text).
        """
        shown = squeeze(self.doc.text[entry.text_span[0] : entry.text_span[1]])
        if self.output.chars.count(shown) > self.expected.chars.count(shown):
            return False
        inserted = self.alignment.inserted
        if len(inserted) < len(shown) // 2:
            return True
        return fuzz.partial_ratio(shown, inserted, score_cutoff=COPY_SIMILARITY) == 0

    def input_around(self, entry: Damage, reach: int = 24) -> str:
        """The damaged input around an entry, its line breaks shown as ⏎ and the entry in ‸…‸."""
        start, end = entry.text_span
        text = self.doc.text
        shown = f"{text[max(0, start - reach) : start]}‸{text[start:end]}‸{text[end : end + reach]}"
        return shown.replace("\n", "⏎")

    def strong_repaired(self, entry: Damage) -> bool:
        """The paragraph joined across the group, and the group found after it."""
        start, end = self.at(entry.expected_span[0]), self.at(entry.expected_span[1])
        joined = not self.output_break_near(self.at(entry.detail["join_at"]))
        return joined and self.alignment.matched_share(start, end) >= 0.9

    def weak_kept(self, entry: Damage) -> bool:
        """The headline line kept where it was, on a line of its own, the paragraph split around it."""
        start, end = self.at(entry.expected_span[0]), self.at(entry.expected_span[1])
        apart = self.found.get(start, False) and self.found.get(end, False)
        return apart and self.alignment.matched_share(start, end) >= 0.9


def score_corpus(
    damaged: Sequence[Damaged],
    outputs: Mapping[str, str],
    layout_only: bool = False,
    seconds: float | None = None,
    drops: Mapping[str, Sequence[tuple[str, str]]] | None = None,
) -> Report:
    """Score outputs (document id → output text; a missing one counts as empty) against the corpus.
    ``drops`` (document id → the cleaner's line removals, as (audit rule, text removed)) gives the
    precision of its furniture and debris removals."""
    report = Report(layout_only=layout_only, seconds=seconds)
    for doc in damaged:
        DocumentScorer(doc, outputs.get(doc.id, ""), report).score(doc.text)
        if drops is not None:
            score_drops(doc, drops.get(doc.id, ()), report)
    return report


def score_drops(doc: Damaged, drops: Sequence[tuple[str, str]], report: Report) -> None:
    """Each line the cleaner removed as furniture or debris, checked against the lines inserted as
    either (compared without spaces, each inserted line used once): a removal that matches none
    removed text."""
    inserted: dict[str, int] = {}
    traps: dict[str, int] = {}
    for entry in doc.log:
        if entry.kind in ("furniture", "debris", "trap"):
            key = squeeze(doc.text[entry.text_span[0] : entry.text_span[1]])
            found = traps if entry.kind == "trap" else inserted
            found[key] = found.get(key, 0) + 1
    report.trap_drops.total += sum(traps.values())
    for rule, text in drops:
        label = DROP_RULES.get(rule)
        if label is None:
            continue
        key = squeeze(text)
        ok = inserted.get(key, 0) > 0
        if ok:
            inserted[key] -= 1
        else:
            report.example("text removed as furniture or debris", f"{doc.id}: {rule} “{short(key, 60)}”")
            if traps.get(key, 0) > 0:
                traps[key] -= 1
                report.trap_drops.hit += 1
        report.drops.setdefault(label, Ratio()).add(ok)


# ---------------------------------------------------------------------------------------------
# The table


def _rate(ratio: Ratio | None) -> str:
    if ratio is None or not ratio.total:
        return "-"
    return f"{ratio.rate:.3f} {ratio.hit}/{ratio.total}"


def _float(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table_rows(reports: Mapping[str, Report]) -> Iterable[tuple[str, list[str]]]:
    """(label, one cell per system) for every row of the table; a label alone is a section."""
    rs = list(reports.values())

    def row(label: str, cell: Any) -> tuple[str, list[str]]:
        return label, [cell(r) for r in rs]

    def keys(getter: Any, order: Sequence[str]) -> list[str]:
        present = {k for r in rs for k in getter(r)}
        return [k for k in order if k in present] + sorted(present - set(order))

    first = rs[0]
    yield f"documents {first.documents}, expected characters {first.expected_chars}", []
    if not first.layout_only:
        yield row("CER (edit distance / expected chars)", lambda r: _float(r.cer, 4))
        yield row("error reduction (1 - after/before)", lambda r: _float(r.error_reduction))
    yield "paragraph boundaries", []
    yield row("  precision", lambda r: f"{r.precision:.3f}")
    yield row("  recall", lambda r: f"{r.recall:.3f}")
    yield row("  F1", lambda r: f"{r.f1:.3f}")
    yield "joins made (line breaks inside a block)", []
    yield row("  all", lambda r: _rate(r.joins))
    for key in keys(lambda r: r.joins_by_end, END_CLASSES):
        yield row(f"  fragment ends {key}", lambda r, k=key: _rate(r.joins_by_end.get(k)))
    for key in keys(lambda r: r.joins_by_separator, SEPARATOR_KINDS):
        yield row(f"  separator {key}", lambda r, k=key: _rate(r.joins_by_separator.get(k)))
    for key in keys(lambda r: r.joins_by_block, ("para", "english")):
        yield row(f"  block {key}", lambda r, k=key: _rate(r.joins_by_block.get(k)))
    yield row("  space restored between Latin words", lambda r: _rate(r.spaces_restored))
    yield "blocks kept apart (wrong joins = the rest)", []
    yield row("  wrong joins", lambda r: str(r.wrong_joins))
    for key in keys(lambda r: r.boundaries_by_pair, PAIR_CATEGORIES):
        yield row(f"  {key}", lambda r, k=key: _rate(r.boundaries_by_pair.get(k)))
    yield "order and loss", []
    yield row("  chars out of order vs expected (runs)", lambda r: f"{r.moved_chars} ({r.moved_count})")
    if not first.layout_only:
        yield row("  chars moved vs input, unsanctioned", lambda r: str(r.moved_vs_input_chars))
        yield row("  chars moved vs input, strong groups", lambda r: str(r.moved_vs_input_excused))
    yield row("  paragraphs lost (<50% matched)", lambda r: f"{r.lost}/{r.paragraphs}")
    yield row("  paragraphs removed outright", lambda r: str(r.removed))
    yield "duplicates removed", []
    for key in keys(lambda r: r.duplicates, DUPLICATE_KINDS):
        yield row(f"  {key}", lambda r, k=key: _rate(r.duplicates.get(k)))
    yield "damage repaired", []
    for key in keys(lambda r: r.hits, (*NOISE_KINDS, "interrupt_strong", "interrupt_weak", "furniture", "debris")):
        yield row(f"  {key}", lambda r, k=key: _rate(r.hits.get(k)))
    if any(r.drops or r.debris or r.traps for r in rs):
        yield "furniture and debris lines (--furniture, --debris)", []
        for label in ("furniture", "debris"):
            yield row(f"  {label} precision (removals of inserted lines)", lambda r, k=label: _rate(r.drops.get(k)))
        for key in keys(lambda r: r.debris, ()):
            yield row(f"  debris removed: {key}", lambda r, k=key: _rate(r.debris.get(k)))
        yield row("  trap lines removed as furniture or debris", lambda r: _rate(r.trap_drops))
        for key in keys(lambda r: r.traps, ("all",)):
            yield row(f"  trap lines missing (removed or joined): {key}", lambda r, k=key: _rate(r.traps.get(k)))
    yield row("time (s)", lambda r: _float(r.seconds, 2))


def format_table(reports: Mapping[str, Report]) -> str:
    """A plain-text table, one column per system."""
    rows = list(table_rows(reports))
    names = list(reports)
    label_width = max(len(label) for label, _ in rows)
    widths = [max(len(name), *(len(cells[i]) for _, cells in rows if cells)) for i, name in enumerate(names)]
    lines = [" " * label_width + "  " + "  ".join(n.rjust(w) for n, w in zip(names, widths, strict=True))]
    for label, cells in rows:
        if not cells:
            lines.append(label)
            continue
        lines.append(
            label.ljust(label_width) + "  " + "  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True))
        )
    return "\n".join(lines)


def format_errors(report: Report, count: int) -> str:
    """``count`` examples of each error class, for tuning: what went wrong, with context."""
    lines = []
    for kind in ERROR_CLASSES:
        examples = report.examples.get(kind, [])
        more = "+" if len(examples) >= EXAMPLES_KEPT else ""
        lines.append(f"{kind}: {len(examples)}{more} found, showing {min(count, len(examples))}")
        lines.extend(f"  {example}" for example in examples[:count])
    return "\n".join(lines)


__all__ = ["Alignment", "Report", "format_errors", "format_table", "normalise", "score_corpus", "to_stream"]
