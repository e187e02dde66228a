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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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
    originals: Sequence[np.ndarray],
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
    last): a copy may well hold the text of a short fragment of its original.
    """
    sets = _Distinct(originals)
    everywhere = distinct(np.concatenate([p.hashes for p in copy if p.hashes is not None] or [_NONE]))
    if share(sets[seed_original], everywhere) < ORIGINAL_COVER:
        return None  # the anchor is all the two sides share (a quotation, a common sentence)
    universe = _universe(originals, gaps, range(len(originals)))
    run = stretch(len(copy), seeds, _contained(copy, universe, n, containment))
    original: list[int] = []
    for _ in range(4):
        if not run:
            return None
        text = joined_hashes(copy, run, n)
        grown = stretch(len(originals), [seed_original], lambda j, t=text: share(sets[j], t) >= ORIGINAL_COVER)
        if not grown:
            return None
        universe = _universe(originals, gaps, grown)
        check, inside = _contained(copy, universe, n, containment), set(run)
        shrunk = stretch(len(copy), seeds, lambda i, c=check, a=inside: c(i) if i in a else _passed(copy, i))
        if grown == original and shrunk == run:
            break
        original, run = grown, shrunk
    if (
        not run
        or not original
        or _pieces_of(copy, run, union([sets[j] for j in original]), n, containment) + len(original) < 3
    ):
        return None
    text = joined_hashes(copy, run, n)
    # The short paragraphs around the original run belong to it as far as the copy holds them.
    around = union([gaps[j] for j in range(original[0], original[-1] + 2)])
    similarity = jaccard(text, union([*(sets[j] for j in original), around[member(around, text)]]))
    if similarity < threshold:
        return None
    covered = {i: char_share(copy[i], universe, n) for i in run}
    source = {i: max(original, key=lambda j, i=i: overlap(distinct(copy[i].hashes), sets[j])) for i in run}
    return RunMatch(run, original, similarity, covered, source)


def _pieces_of(copy: Sequence[CopyPiece], run: Sequence[int], text: np.ndarray, n: int, containment: float) -> int:
    """How many pieces of the copy run copy the original run: the long ones, and the short ones
    found in the original paragraphs themselves (a tail of a cut sentence). A short piece found only
    among the short lines around the original (a heading, perhaps the original's own) copies nothing."""
    return sum(copy[i].removable or char_share(copy[i], text, n) >= containment for i in run)


class _Distinct:
    """The distinct sorted values of each array of a sequence, made on first use."""

    def __init__(self, arrays: Sequence[np.ndarray]) -> None:
        self._arrays = arrays
        self._made: dict[int, np.ndarray] = {}

    def __getitem__(self, index: int) -> np.ndarray:
        if index not in self._made:
            self._made[index] = distinct(self._arrays[index])
        return self._made[index]


def _universe(originals: Sequence[np.ndarray], gaps: Sequence[np.ndarray], members: Sequence[int]) -> np.ndarray:
    """The n-grams of the original paragraphs ``members`` (consecutive) and of the short ones around them."""
    arrays = [originals[j] for j in members]
    arrays.extend(gaps[j] for j in range(members[0], members[-1] + 2))
    return union(arrays)


def _passed(copy: Sequence[CopyPiece], i: int) -> bool | None:
    return False if copy[i].hashes is not None and copy[i].removable else None


def _contained(copy: Sequence[CopyPiece], universe: np.ndarray, n: int, containment: float):
    """Per copy piece: contained in ``universe`` (True), not (False), or passed over (None)."""

    def state(i: int) -> bool | None:
        if copy[i].hashes is None:
            return None
        inside = char_share(copy[i], universe, n) >= containment
        return inside if copy[i].removable else (True if inside else None)

    return state


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


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (a sort and a mask: many times faster than ``np.unique`` on small arrays)."""
    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if values.size else values


def member(values: np.ndarray, universe: np.ndarray) -> np.ndarray:
    """Which ``values`` are in the sorted array ``universe``."""
    if universe.size == 0:
        return np.zeros(values.size, dtype=bool)
    position = np.searchsorted(universe, values)
    position[position == universe.size] = 0
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
    covered = np.convolve(found, np.ones(n, dtype=bool))[:size]
    missing = size - int(np.count_nonzero(covered))
    # Near an end a character lies in fewer n-grams, so one damaged character there hides up to
    # n - 1 neighbours (in the middle it hides none): such a short stretch at an end counts as one.
    for edge in (covered, covered[::-1]):
        stretch = int(np.argmax(edge)) if edge.any() else size
        if 1 < stretch < n:
            missing -= stretch - 1
    return (size - missing) / size
