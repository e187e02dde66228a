"""Runs of paragraphs that copy runs of earlier paragraphs, whatever their paragraph breaks.

A copy whose paragraphs were cut differently from its original (layout repair failed to rejoin a
wrapped paragraph in one of them, or in both at different places) is a *run* of consecutive
paragraphs repeating a run of consecutive earlier paragraphs. Each fragment alone is only a part
of the text it copies, so neither its key nor its Jaccard similarity finds it. Given an anchor
shared by the two sides (a sentence unit, :mod:`cleaner.dedup.units`), :func:`align_runs` grows the
two runs around it and decides:

1. the copy run is the longest stretch of consecutive copy paragraphs around the anchor each of
   which is *contained* in the original side: at least ``containment`` of its characters lie in
   5-grams of the original paragraphs (characters, not 5-grams, so a cut of the original inside a
   fragment costs nothing, and one OCR error costs one character instead of five 5-grams).
   Paragraphs too short to be removed (``None``) are passed over and take no part;
2. the original run is the longest stretch of consecutive earlier paragraphs around the anchor each
   of which has at least half of its 5-grams in the copy run — a paragraph sharing only a clause
   or a quotation with the copy is not part of what it copies;
3. both are grown again until neither changes, and the pair is a copy when the 5-gram sets of the
   two runs (the copy run's taken from its text joined, so that its own cuts lose nothing) have a
   Jaccard similarity of at least ``threshold`` — the near rule, applied to runs instead of
   paragraphs — and more than one paragraph is involved on at least one side (a pair of single
   paragraphs is the near rule's business).

So a short quotation, or a clause shared by two distinct paragraphs, never covers the run it comes
from and is kept; a paragraph holding an earlier paragraph plus new text of its own is not contained
and is kept; a paragraph that is nothing but two consecutive earlier paragraphs joined is removed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, cached_property

import numpy as np

from cleaner.dedup.minhash import run_shingle_hashes

# An original paragraph belongs to the copied run when this share of its 5-grams is in the copy.
ORIGINAL_COVER = 0.5
_NONE = np.zeros(0, dtype=np.uint32)


@dataclass(frozen=True)
class CopyPiece:
    """A paragraph on the copy side: its key's code points and the hash of the 5-gram at each position.

    A piece that is not ``removable`` (too short: a heading, a byline, the last few characters of a
    fragment) joins the run when it is contained and is passed over when it is not.
    """

    points: np.ndarray | None  # None for an empty key
    hashes: np.ndarray | None  # one per position that starts an n-gram (one for a key shorter than n)
    removable: bool = True

    @cached_property
    def grams(self) -> np.ndarray:
        """The distinct n-gram hashes, sorted (made on first use)."""
        return _NONE if self.hashes is None else distinct(self.hashes)


@dataclass(frozen=True)
class RunMatch:
    """A copy run and the original run it repeats (indexes into the two sequences given)."""

    copy: list[int]  # copy pieces in the run (never a piece passed over)
    original: list[int]  # consecutive original paragraphs
    similarity: float  # Jaccard similarity of the two runs' 5-gram sets
    containment: dict[int, float]  # share of each copy piece's characters found in the original run
    source: dict[int, int]  # for each copy piece, the original paragraph holding most of it


def align_runs(
    copy: Sequence[CopyPiece],
    seeds: Sequence[int],
    originals: Sequence[np.ndarray] | OriginalSide,
    gaps: Sequence[np.ndarray],
    seed_original: int,
    *,
    n: int,
    threshold: float,
    containment: float,
) -> RunMatch | None:
    """The copy run around ``seeds`` and the original run around ``seed_original``, if they are copies.

    ``originals`` are the n-gram hashes of consecutive earlier paragraphs (those long enough to be
    removed; repeats allowed); ``gaps[j]`` those of the short paragraphs printed between
    ``originals[j - 1]`` and ``originals[j]`` (``gaps[0]`` before the first, ``gaps[-1]`` after the
    last): a copy may well hold the text of a short fragment of its original. Both may come as one
    :class:`OriginalSide` instead (``gaps`` then unused), made once for several alignments.
    """
    side = originals if isinstance(originals, OriginalSide) else OriginalSide(originals, gaps)
    sides = _Sides(copy, side, n)
    if sides.seed_share(seed_original) < ORIGINAL_COVER:
        return None  # the anchor is all the two sides share (a quotation, a common sentence)
    run = stretch(len(copy), seeds, sides.contained(0, side.count - 1, containment))
    original: list[int] = []
    for _ in range(4):
        if not run:
            return None
        covers = sides.covers(run)
        grown = stretch(side.count, [seed_original], lambda j, c=covers: c[j] >= ORIGINAL_COVER)
        if not grown:
            return None
        check, inside = sides.contained(grown[0], grown[-1], containment), set(run)
        shrunk = stretch(len(copy), seeds, lambda i, c=check, a=inside: c(i) if i in a else _passed(copy, i))
        if grown == original and shrunk == run:
            break
        original, run = grown, shrunk
    if not run or not original or sides.pieces_of(run, original, containment) + len(original) < 3:
        return None
    similarity = sides.similarity(run, original)
    if similarity < threshold:
        return None
    # The universe the run was last checked against: that of ``original`` (the loop ends with them).
    shares = sides.char_shares(original[0], original[-1])
    covered = {i: shares[i] for i in run}
    return RunMatch(run, original, similarity, covered, sides.sources(run, original))


class OriginalSide:
    """The n-grams of consecutive original paragraphs and of the gaps around them, in one pool.

    Each paragraph and each gap has a place in printed order (gap ``j`` is ``2j``, original ``j``
    is ``2j + 1``); the pool holds the distinct (hash, place) pairs, sorted by hash. The universe of
    a stretch of originals is then a range of places: no union of sets is made for it.
    """

    def __init__(self, originals: Sequence[np.ndarray], gaps: Sequence[np.ndarray]) -> None:
        self.count = len(originals)
        parts: list[np.ndarray] = [_NONE] * (2 * len(originals) + 1)
        parts[1::2], parts[0::2] = originals, gaps
        places = np.arange(len(parts), dtype=np.uint64).repeat([part.size for part in parts])
        keys = distinct((np.concatenate(parts).astype(np.uint64) << np.uint64(32)) | places)
        self.values = (keys >> np.uint64(32)).astype(np.uint32)
        self.places = (keys & np.uint64(0xFFFFFFFF)).astype(np.int64)
        self.place_sizes = np.bincount(self.places, minlength=len(parts))  # distinct n-grams of each
        # The distinct hashes, where each one's entries start in the pool and how many there are.
        change = np.ones(self.values.size, dtype=bool)
        change[1:] = self.values[1:] != self.values[:-1]
        starts = change.nonzero()[0]
        self.hashes = self.values[starts]
        self.first_entry = starts
        self.entries = np.concatenate((starts[1:], [self.values.size])) - starts

    def look_up(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each of ``hashes``, where its entries start in the pool and how many there are (0: none)."""
        if self.hashes.size == 0:
            return np.zeros(hashes.size, dtype=np.int64), np.zeros(hashes.size, dtype=np.int64)
        at = np.minimum(self.hashes.searchsorted(hashes), self.hashes.size - 1)
        return self.first_entry[at], np.where(self.hashes[at] == hashes, self.entries[at], 0)


class _Sides:
    """The copy pieces of one alignment set against an :class:`OriginalSide` once.

    Every n-gram position of the copy pieces is matched against the pool in one look-up. What
    :func:`align_runs` asks then reads these matches: a piece's containment in the universe of a
    stretch of originals needs no search of its own, and that of every piece comes out of one pass
    of array work.
    """

    def __init__(self, copy: Sequence[CopyPiece], side: OriginalSide, n: int) -> None:
        self.copy, self.n = copy, n
        self.present = [i for i, piece in enumerate(copy) if piece.hashes is not None]
        hashes = [copy[i].hashes for i in self.present]
        counts = np.array([h.size for h in hashes], dtype=np.int64)
        sizes = np.array([copy[i].points.size for i in self.present], dtype=np.int64)
        self.layout = _Layout.of(counts, sizes, n)
        self.values, self.places, self.place_sizes = side.values, side.places, side.place_sizes
        # Each copy position matched with the pool entries of its hash: (position, pool entry) pairs.
        flat = np.concatenate(hashes) if hashes else _NONE
        first, found = side.look_up(flat)
        self.position = np.arange(flat.size, dtype=np.int64).repeat(found)
        self.entry = _ranges(first, found)
        self.entry_place = self.places[self.entry]
        self.flat_size = flat.size
        self._shares: dict[tuple[int, int, bool], list[float]] = {}
        self._texts: dict[tuple[int, ...], np.ndarray] = {}
        self._covers: dict[tuple[int, ...], list[float]] = {}

    def seed_share(self, j: int) -> float:
        """Share of the distinct n-grams of original ``j`` found anywhere on the copy side."""
        size = int(self.place_sizes[2 * j + 1])
        if not size:
            return 0.0
        hit = np.zeros(self.values.size, dtype=bool)
        hit[self.entry] = True
        return int(np.count_nonzero(hit & (self.places == 2 * j + 1))) / size

    def char_shares(self, first: int, last: int, originals_only: bool = False) -> list[float]:
        """:func:`char_share` of every piece (0.0 for one without n-grams) in the n-grams of the
        originals ``first`` to ``last`` and of the gaps around them (``originals_only``: without)."""
        key = (first, last, originals_only)
        if key not in self._shares:
            place = self.entry_place
            if originals_only:
                chosen = (place & 1 == 1) & (place >= 2 * first + 1) & (place <= 2 * last + 1)
            else:
                chosen = (place >= 2 * first) & (place <= 2 * last + 2)
            found = np.zeros(self.flat_size, dtype=bool)
            found[self.position[chosen]] = True
            shares = [0.0] * len(self.copy)
            values = _char_shares(found, self.layout, self.n).tolist()
            for i, value in zip(self.present, values, strict=True):
                shares[i] = value
            self._shares[key] = shares
        return self._shares[key]

    def contained(self, first: int, last: int, containment: float) -> Callable[[int], bool | None]:
        """Per copy piece: contained in the universe of originals ``first`` to ``last`` (True), not
        (False), or passed over (None)."""
        shares = self.char_shares(first, last)
        copy = self.copy

        def state(i: int) -> bool | None:
            if copy[i].hashes is None:
                return None
            inside = shares[i] >= containment
            return inside if copy[i].removable else (True if inside else None)

        return state

    def text(self, run: Sequence[int]) -> np.ndarray:
        """The distinct n-grams of the copy run's keys joined (made once per run)."""
        key = tuple(run)
        if key not in self._texts:
            self._texts[key] = joined_hashes(self.copy, run, self.n)
        return self._texts[key]

    def covers(self, run: Sequence[int]) -> list[float]:
        """For each original paragraph, the share of its distinct n-grams in the copy run's text."""
        key = tuple(run)
        if key not in self._covers:
            inside = member(self.values, self.text(run))
            counts = np.bincount(self.places[inside], minlength=self.place_sizes.size)[1::2].tolist()
            sizes = self.place_sizes[1::2].tolist()
            self._covers[key] = [c / size if size else 0.0 for c, size in zip(counts, sizes, strict=True)]
        return self._covers[key]

    def pieces_of(self, run: Sequence[int], original: Sequence[int], containment: float) -> int:
        """How many pieces of the copy run copy the original run: the long ones, and the short ones
        found in the original paragraphs themselves (a tail of a cut sentence). A short piece found only
        among the short lines around the original (a heading, perhaps the original's own) copies nothing."""
        count = 0
        for i in run:
            if self.copy[i].removable:
                count += 1
            elif self.char_shares(original[0], original[-1], originals_only=True)[i] >= containment:
                count += 1
        return count

    def similarity(self, run: Sequence[int], original: Sequence[int]) -> float:
        """Jaccard similarity of the copy run's text and the original run's n-grams, with those of the
        short paragraphs around the original run that the copy holds (as far as it holds them)."""
        text = self.text(run)
        first, last = 2 * original[0], 2 * original[-1] + 2
        spanned = (self.places >= first) & (self.places <= last)
        paragraphs = distinct(self.values[spanned & (self.places & 1 == 1)])
        around = distinct(self.values[spanned & (self.places & 1 == 0)])
        return jaccard(text, union([paragraphs, around[member(around, text)]]))

    def sources(self, run: Sequence[int], original: Sequence[int]) -> dict[int, int]:
        """For each piece of the run, the original paragraph sharing most distinct n-grams with it (the
        first of those sharing most)."""
        piece_of = self.layout.piece[self.position]
        place = self.entry_place
        chosen = (place & 1 == 1) & (place >= 2 * original[0] + 1) & (place <= 2 * original[-1] + 1)
        # Distinct (piece, pool entry) pairs: a hash repeated in a piece counts once.
        pairs = distinct(piece_of[chosen] * self.values.size + self.entry[chosen])
        pieces, columns = pairs // self.values.size, (self.places[pairs % self.values.size] - 1) // 2 - original[0]
        width = len(original)
        table = np.bincount(pieces * width + columns, minlength=len(self.present) * width).reshape(-1, width)
        row_of = {i: k for k, i in enumerate(self.present)}
        return {i: original[int(table[row_of[i]].argmax())] for i in run}


def _char_shares(found: np.ndarray, layout: _Layout, n: int) -> np.ndarray:
    """:func:`char_share` of many pieces at once: ``found`` holds, piece after piece as ``layout``
    places them, whether each n-gram is in the universe.

    The characters covered are the union of the stretches ``[k, k + n - 1]`` (cut at the piece's
    end) of the n-grams ``k`` found; they start in order, so each adds up to the next one's start.
    """
    sizes = layout.sizes
    at = found.nonzero()[0]
    piece, local = layout.piece[at], layout.local[at]
    ends = np.minimum(local + n, sizes[piece])  # one past the last character each covers
    step = ends - local
    np.minimum(step[:-1], np.where(piece[1:] == piece[:-1], local[1:] - local[:-1], n), out=step[:-1])
    covered = np.bincount(piece, weights=step, minlength=sizes.size)
    # Near an end a character lies in fewer n-grams, so one damaged character there hides up to
    # n - 1 neighbours (in the middle it hides none): such a short stretch at an end counts as one.
    # The characters missing before the first n-gram found and after the last (n: none found),
    # assigned in order: the last value given to a piece stays (for the first, the reversed order).
    lead, trail = np.zeros(sizes.size, dtype=np.int64) + n, np.zeros(sizes.size, dtype=np.int64) + n
    lead[piece[::-1]] = local[::-1]
    trail[piece] = sizes[piece] - ends
    fix = _edge_fix(n)
    shares = (covered + fix[np.minimum(lead, n)] + fix[np.minimum(trail, n)]) / sizes
    if layout.short.any():
        shares[layout.short] = found[layout.starts[layout.short]]
    return shares


@cache
def _edge_fix(n: int) -> np.ndarray:
    """Characters counted back for a stretch of each length 0 … n missing at an end: all but one
    of a stretch of 2 to n - 1."""
    return np.array([length - 1 if 1 < length < n else 0 for length in range(n + 1)], dtype=np.int64)


@dataclass(frozen=True)
class _Layout:
    """Where the n-grams of several pieces lie in their concatenation."""

    starts: np.ndarray  # where each piece's n-grams start
    sizes: np.ndarray  # each piece's characters
    piece: np.ndarray  # the piece of each n-gram
    local: np.ndarray  # its position in its piece
    short: np.ndarray  # pieces shorter than n: their single n-gram decides

    @classmethod
    def of(cls, counts: np.ndarray, sizes: np.ndarray, n: int) -> _Layout:
        starts = counts.cumsum() - counts
        piece = np.arange(counts.size, dtype=np.int64).repeat(counts)
        return cls(starts, sizes, piece, np.arange(piece.size, dtype=np.int64) - starts[piece], sizes < n)


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, s + c)`` for each pair, without a Python loop."""
    offsets = counts.cumsum() - counts
    return np.arange(int(counts.sum()), dtype=np.int64) - (offsets - starts).repeat(counts)


def _passed(copy: Sequence[CopyPiece], i: int) -> bool | None:
    return False if copy[i].hashes is not None and copy[i].removable else None


def stretch(size: int, seeds: Sequence[int], state) -> list[int]:
    """The accepted indexes of the longest stretch around the first accepted seed.

    ``state(i)`` is True (accepted), False (ends the stretch) or None (passed over: may sit inside
    the stretch but is not part of the result); it is asked only about the indexes reached.
    """
    start = next((s for s in seeds if 0 <= s < size and state(s)), None)
    if start is None:
        return []
    accepted = [start]
    lo = start - 1
    while lo >= 0 and (found := state(lo)) is not False:
        if found:
            accepted.append(lo)
        lo -= 1
    hi = start + 1
    while hi < size and (found := state(hi)) is not False:
        if found:
            accepted.append(hi)
        hi += 1
    return sorted(accepted)


# The arrays here are small (a paragraph's n-grams, a few paragraphs'), so the cost of a numpy call
# is mostly its fixed overhead: array methods and ufuncs are used rather than the module's Python
# wrappers around them (np.sort, np.searchsorted, np.flatnonzero, np.diff…), which double it.


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (a sort and a mask: many times faster than ``np.unique`` on small arrays)."""
    values = values.copy()
    values.sort()
    return np.concatenate((values[:1], values[1:][values[1:] != values[:-1]]))


def member(values: np.ndarray, universe: np.ndarray) -> np.ndarray:
    """Which ``values`` are in the sorted array ``universe``."""
    if universe.size == 0:
        return np.zeros(values.size, dtype=bool)
    position = universe.searchsorted(values)
    np.minimum(position, universe.size - 1, out=position)  # past the end: the last one, which differs
    return universe[position] == values


def union(sets: Sequence[np.ndarray]) -> np.ndarray:
    return distinct(np.concatenate(sets)) if sets else np.zeros(0, dtype=np.uint32)


def overlap(a: np.ndarray, b: np.ndarray) -> int:
    """Size of the intersection of two sets given as distinct arrays (``b`` sorted)."""
    return int(np.count_nonzero(member(a, b)))


def share(subset: np.ndarray, of: np.ndarray) -> float:
    """Share of the (distinct) values of ``subset`` found in the sorted ``of``."""
    return overlap(subset, of) / subset.size if subset.size else 0.0


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of two sets given as distinct sorted arrays."""
    inter = overlap(a, b)
    size = a.size + b.size - inter
    return inter / size if size else 0.0


def joined_hashes(copy: Sequence[CopyPiece], which: Iterable[int], n: int) -> np.ndarray:
    """Distinct n-gram hashes of the keys of ``which`` joined into one text (so its cuts lose nothing)."""
    pieces = [copy[i].points for i in which if copy[i].points is not None]
    if not pieces:
        return np.zeros(0, dtype=np.uint32)
    points = np.concatenate(pieces)
    return distinct(run_shingle_hashes(points, np.array([points.size], dtype=np.int64), n))


def char_share(piece: CopyPiece, universe: np.ndarray, n: int) -> float:
    """Share of the characters of a piece lying in at least one of its n-grams found in ``universe``."""
    if piece.hashes is None or piece.points is None or piece.points.size == 0:
        return 0.0
    found = member(piece.hashes, universe)
    size = piece.points.size
    if size < n:
        return float(found[0])
    # Character p lies in the n-grams starting at p-n+1 … p: one convolution finds them all.
    covered = np.convolve(found, _ones(n))[:size]
    if not covered.any():
        return 0.0
    missing = size - int(np.count_nonzero(covered))
    # Near an end a character lies in fewer n-grams, so one damaged character there hides up to
    # n - 1 neighbours (in the middle it hides none): such a short stretch at an end counts as one.
    fix = _edge_fix(n)
    lead, trail = int(covered.argmax()), int(covered[::-1].argmax())
    return (size - missing + int(fix[min(lead, n)]) + int(fix[min(trail, n)])) / size


@cache
def _ones(n: int) -> np.ndarray:
    return np.ones(n, dtype=bool)
