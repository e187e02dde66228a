"""Sentence units: anchors that do not depend on where a text was cut into paragraphs.

When layout repair fails, one copy of a text arrives as one paragraph and another as several
fragments (or both as fragments cut at different places). Paragraph keys and paragraph MinHash
then see different things, but the *sentences* are the same: a document's key stream (its
paragraph keys one after another) is cut after every sentence end (``. ! ? ; …`` in the folded
key, a decimal point excepted) and at document boundaries only — never at paragraph breaks — so
the same text gives the same units whatever its paragraph breaks. A paragraph following one that
stops mid-sentence also starts a unit of its own (up to its first sentence end), because what comes
before it may be unrelated text (a heading, another article's fragment) rather than the start of
its sentence. Each unit is identified by a 64-bit digest of its key, of which the deduplicator keeps
a 32-bit fingerprint.

A unit is only an anchor: two paragraphs sharing one are candidates, and the deduplicator then
compares the runs of paragraphs around them (:mod:`cleaner.dedup.fragments`). Units with fewer than
``UNIT_MIN_CONTENT`` letters, digits or ideographs (``是的。``, ``1.``) are ignored: they recur in
unrelated text and would only produce candidates to reject.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cleaner.dedup.keys import fingerprint32, fold_table, run_digests

UNIT_MIN_CONTENT = 8
# Sentence ends as they appear in keys (。 is folded to ".", ！？； to their ASCII forms).
_ENDS = ".!?;…,:"
_END_TABLE = np.zeros(max(map(ord, _ENDS)) + 2, dtype=bool)
_END_TABLE[[ord(c) for c in _ENDS]] = True
_DOT = np.uint32(ord("."))


@dataclass(frozen=True)
class Units:
    """The units of a batch of paragraphs: a fingerprint and the rows each unit spans."""

    fingerprints: np.ndarray  # uint32, never 0
    first_row: np.ndarray  # int64, the row where the unit starts
    last_row: np.ndarray  # int64, the row where it ends
    content: np.ndarray  # int64, letters, digits and ideographs in it
    start: np.ndarray  # int64, where it starts in the batch's code points
    stop: np.ndarray  # int64, where it ends

    def __len__(self) -> int:
        return int(self.fingerprints.size)


def sentence_units(points: np.ndarray, lengths: np.ndarray) -> Units:
    """Units of one document's keys (``points`` cut into rows of ``lengths``).

    >>> from cleaner.dedup.keys import paragraph_keys
    >>> keys = paragraph_keys(["渌口区推进产业发展,园区", "企业数量已达到78家。全年税收增长3.5%。", "观察"])
    >>> units = sentence_units(keys.code_points, keys.lengths)
    >>> units.first_row.tolist(), units.last_row.tolist()
    ([0, 0, 1, 1], [0, 1, 1, 1])
    """
    return placed_units(points, lengths, *unit_spans(points, lengths, np.zeros(1, dtype=np.int64)))


def unit_spans(
    points: np.ndarray, lengths: np.ndarray, doc_starts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fingerprints of the units of documents' keys, and where each starts and stops in ``points``,
    in order of their starts. ``points`` holds the keys (rows of ``lengths``) of documents starting
    at the positions ``doc_starts``; nothing crosses a document boundary, so the result is that of
    each document alone, one after another."""
    total = int(points.size)
    empty = np.zeros(0, dtype=np.int64)
    if total == 0:
        return np.zeros(0, dtype=np.uint32), empty, empty
    row_starts = np.cumsum(lengths) - lengths
    ends = np.flatnonzero(_END_TABLE[np.minimum(points, _END_TABLE.size - 1)])
    ends = ends[~_decimal_point(points, ends, doc_starts)]
    is_cut = np.zeros(total + 1, dtype=bool)
    is_cut[[0, total]] = True
    is_cut[ends + 1] = True
    is_cut[doc_starts] = True
    cuts = np.flatnonzero(is_cut)
    starts, stops = cuts[:-1], cuts[1:]
    digests = run_digests(points, stops - starts)
    # A paragraph after one that stops mid-sentence also starts a unit of its own: the text before
    # it may be a fragment of the same sentence, or something else entirely.
    extra = _open_starts(lengths, row_starts, is_cut)
    if extra.size:
        extra_stops = cuts[np.searchsorted(cuts, extra, side="right")]
        gather = _ranges(extra, extra_stops)
        starts = np.concatenate((starts, extra))
        stops = np.concatenate((stops, extra_stops))
        digests = np.concatenate((digests, run_digests(points[gather], extra_stops - extra)))
    keep = np.flatnonzero(_content_between(points, starts, stops) >= UNIT_MIN_CONTENT)
    keep = keep[np.argsort(starts[keep], kind="stable")]
    return fingerprint32(digests[keep]), starts[keep].astype(np.int64), stops[keep].astype(np.int64)


def placed_units(
    points: np.ndarray, lengths: np.ndarray, fingerprints: np.ndarray, starts: np.ndarray, stops: np.ndarray
) -> Units:
    """The units of :func:`unit_spans` with the rows each spans and its content, in a batch of keys."""
    row_starts = np.cumsum(lengths) - lengths
    first = np.searchsorted(row_starts, starts, side="right") - 1
    last = np.searchsorted(row_starts, stops - 1, side="right") - 1
    return Units(
        fingerprints,
        first.astype(np.int64),
        last.astype(np.int64),
        _content_between(points, starts, stops),
        starts.astype(np.int64),
        stops.astype(np.int64),
    )


def _content_between(points: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """Letters, digits and ideographs in each span of ``points``."""
    content = np.concatenate(([0], np.cumsum(fold_table().content[points], dtype=np.int64)))
    return content[stops] - content[starts]


def _open_starts(lengths: np.ndarray, row_starts: np.ndarray, is_cut: np.ndarray) -> np.ndarray:
    """Start positions of the non-empty rows whose start is not a cut (the row before does not end a sentence)."""
    starts = row_starts[lengths > 0]
    return starts[~is_cut[starts]]


def _ranges(starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    counts = stops - starts
    offsets = np.cumsum(counts) - counts
    return np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(offsets - starts, counts)


def _decimal_point(points: np.ndarray, positions: np.ndarray, doc_starts: np.ndarray) -> np.ndarray:
    """Which of ``positions`` hold a ``.`` between two digits (``5.6``) of the same document: not a
    sentence end. (A document ending in ``1.`` and the next one starting with a digit are no number.)"""
    boundary = np.zeros(points.size + 1, dtype=bool)
    boundary[doc_starts] = True
    inner = (positions > 0) & (positions < points.size - 1)
    inner &= ~boundary[positions] & ~boundary[positions + 1]
    result = np.zeros(positions.size, dtype=bool)
    at = positions[inner]
    before, after = points[at - 1], points[at + 1]
    digit = (before >= ord("0")) & (before <= ord("9")) & (after >= ord("0")) & (after <= ord("9"))
    result[inner] = (points[at] == _DOT) & digit
    return result
