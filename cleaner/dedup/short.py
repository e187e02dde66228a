"""Short near copies: paragraphs of a few dozen characters that differ by one or two characters.

On 20–45 characters one changed character already removes five of the paragraph's 20–40
5-grams, so the Jaccard similarity of a real near copy falls to 0.44–0.66 and the near rule misses
it. For such paragraphs the edit script decides instead. Two keys are short near copies when an
optimal alignment of them needs

* at most ``max_edits`` edits (insert, delete or substitute one character), and at most
  ``max_ratio`` of the longer key's length;
* no two edits side by side: OCR damages characters, one at a time, while a changed word
  (``加快`` / ``推进`` in two list items ``一是加快…`` / ``一是推进…``) changes neighbours together;
* no edit changing a number: a digit or a Chinese numeral for another (``2023年`` / ``2024年``,
  ``一是`` / ``二是``), one put in or taken out, or punctuation next to a digit (``5.6%`` / ``56%``)
  — a changed number is a different fact, not a copy; a numeral misread as a character that is
  none (``一是`` / ``—是``, ``2025`` / ``2O25``) is a misread;
* no character swapped for another that also makes a word with its neighbours (``上边缘`` /
  ``下边缘``, from jieba's word pairs): a misread character breaks a word (``巩固`` / ``巩近``);
* no quotation mark or bracket added or taken away: a text that quotes a name the other does not
  (``在图表向导的第一页中`` / ``在「图表向导」的第一页中``, two help pages) is written otherwise;
* no character swapped for the same other character twice (``「上移一层」…向上`` /
  ``「下移一层」…向下``): one word for another, said twice, not two misreads.

Candidates come from the pigeonhole principle. An indexed key of length ``L`` is cut into
``max_edits + 1`` segments; a key within ``max_edits`` edits of it contains at least one segment
unchanged, shifted by at most ``max_edits`` positions. So the index holds one fingerprint per
segment (tagged with ``L`` and the segment number) and a query looks up, for each possible ``L``
(its own length ± ``max_edits``), each segment at each possible shift: 75 lookups for 2 edits, all
computed with a handful of array operations for a whole batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

from cleaner.dedup.keys import fingerprint32, mix64, run_digests
from cleaner.suggest.words import in_word
from cleaner.wrapping import word_pairs

# Numerals that are not Unicode numeric (str.isnumeric covers digits and 〇一二…万亿).
_EXTRA_NUMERALS = frozenset("两")
_TAG = np.uint64(0xD6E8FEB86659FD93)


def _is_number(code: int) -> bool:
    char = chr(code)
    return char.isnumeric() or char in _EXTRA_NUMERALS


@lru_cache(maxsize=4096)
def _segment_bounds(length: int, segments: int) -> tuple[int, ...]:
    return tuple(s * length // segments for s in range(segments + 1))


@lru_cache(maxsize=4096)
def _query_template(length: int, max_edits: int) -> np.ndarray:
    """``(offset, size, tag)`` of every substring a key of ``length`` looks up (see the module doc)."""
    rows = set()
    segments = max_edits + 1
    for indexed in range(max(1, length - max_edits), length + max_edits + 1):
        bounds = _segment_bounds(indexed, segments)
        for s in range(segments):
            size = bounds[s + 1] - bounds[s]
            for shift in range(-max_edits, max_edits + 1):
                offset = bounds[s] + shift
                if size > 0 and offset >= 0 and offset + size <= length:
                    rows.add((offset, size, indexed * segments + s))
    return np.array(sorted(rows), dtype=np.int64).reshape(-1, 3)


@lru_cache(maxsize=4096)
def _index_template(length: int, max_edits: int) -> np.ndarray:
    segments = max_edits + 1
    bounds = _segment_bounds(length, segments)
    rows = [(bounds[s], bounds[s + 1] - bounds[s], length * segments + s) for s in range(segments)]
    return np.array([r for r in rows if r[1] > 0], dtype=np.int64).reshape(-1, 3)


def index_segments(
    points: np.ndarray, starts: np.ndarray, lengths: np.ndarray, rows: np.ndarray, max_edits: int
) -> tuple[np.ndarray, np.ndarray]:
    """Segment fingerprints of the keys of ``rows`` (as ``(row, fingerprint)`` arrays) for the index."""
    return _fingerprints(points, starts, lengths, rows, max_edits, _index_template)


def query_segments(
    points: np.ndarray, starts: np.ndarray, lengths: np.ndarray, rows: np.ndarray, max_edits: int
) -> tuple[np.ndarray, np.ndarray]:
    """Fingerprints ``rows`` look up: every segment of every length within reach, at every shift."""
    return _fingerprints(points, starts, lengths, rows, max_edits, _query_template)


def _fingerprints(points, starts, lengths, rows, max_edits, template) -> tuple[np.ndarray, np.ndarray]:
    owners, offsets, sizes, tags = [], [], [], []
    row_lengths = lengths[rows]
    for length in np.unique(row_lengths).tolist():
        group = rows[row_lengths == length]
        shape = template(int(length), max_edits)
        if shape.size == 0:
            continue
        owners.append(np.repeat(group, shape.shape[0]))
        offsets.append((starts[group][:, None] + shape[None, :, 0]).ravel())
        sizes.append(np.tile(shape[:, 1], group.size))
        tags.append(np.tile(shape[:, 2], group.size))
    if not owners:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint32)
    offset, size = np.concatenate(offsets), np.concatenate(sizes)
    ends = np.cumsum(size)
    gather = np.arange(int(ends[-1]), dtype=np.int64) - np.repeat(ends - size - offset, size)
    digests = run_digests(points[gather], size)
    digests = mix64(digests ^ (np.concatenate(tags).astype(np.uint64) * _TAG))
    return np.concatenate(owners), fingerprint32(digests)


def matching_pairs(
    index_rows: np.ndarray, index_fps: np.ndarray, query_rows: np.ndarray, query_fps: np.ndarray
) -> list[tuple[int, int]]:
    """Pairs ``(earlier, later)`` of rows where a query fingerprint of ``later`` is an index one of ``earlier``."""
    if index_fps.size == 0 or query_fps.size == 0:
        return []
    order = np.argsort(index_fps, kind="stable")
    fps, owners = index_fps[order], index_rows[order]
    lo = np.searchsorted(fps, query_fps, side="left")
    hi = np.searchsorted(fps, query_fps, side="right")
    counts = hi - lo
    hit = np.flatnonzero(counts)
    if hit.size == 0:
        return []
    later = np.repeat(query_rows[hit], counts[hit])
    ends = np.cumsum(counts[hit])
    earlier = owners[np.arange(int(ends[-1])) - np.repeat(ends - counts[hit] - lo[hit], counts[hit])]
    keep = earlier < later
    pairs = np.unique((earlier[keep].astype(np.int64) << 32) | later[keep].astype(np.int64))
    return list(zip((pairs >> 32).tolist(), (pairs & 0xFFFFFFFF).tolist(), strict=True))


def edit_steps(a: Sequence[int], b: Sequence[int], limit: int) -> list[tuple[str, int, int]] | None:
    """A minimal alignment of ``a`` to ``b`` as steps ``(kind, i, j)``, or ``None`` beyond ``limit`` edits.

    ``kind`` is ``"="`` (a[i] = b[j]), ``"sub"``, ``"del"`` (a[i] dropped) or ``"ins"`` (b[j] added).
    Only the diagonal band of width ``limit`` is filled, so a pair costs O(len × limit).

    >>> edit_steps([1, 2, 3], [1, 9, 3], 2)
    [('=', 0, 0), ('sub', 1, 1), ('=', 2, 2)]
    """
    n, m = len(a), len(b)
    if abs(n - m) > limit:
        return None
    worse = limit + 1
    cost = [[worse] * (m + 1) for _ in range(n + 1)]
    for j in range(min(m, limit) + 1):
        cost[0][j] = j
    for i in range(1, n + 1):
        row, previous = cost[i], cost[i - 1]
        if i <= limit:
            row[0] = i
        for j in range(max(1, i - limit), min(m, i + limit) + 1):
            best = previous[j - 1] + (a[i - 1] != b[j - 1])
            if previous[j] + 1 < best:
                best = previous[j] + 1
            if row[j - 1] + 1 < best:
                best = row[j - 1] + 1
            row[j] = min(best, worse)
    if cost[n][m] > limit:
        return None
    steps: list[tuple[str, int, int]] = []
    i, j = n, m
    while i or j:
        here = cost[i][j]
        if i and j and cost[i - 1][j - 1] + (a[i - 1] != b[j - 1]) == here:
            steps.append(("=" if a[i - 1] == b[j - 1] else "sub", i - 1, j - 1))
            i, j = i - 1, j - 1
        elif i and cost[i - 1][j] + 1 == here:
            steps.append(("del", i - 1, j))
            i -= 1
        else:
            steps.append(("ins", i, j - 1))
            j -= 1
    steps.reverse()
    return steps


def short_near_edits(a: Sequence[int], b: Sequence[int], max_edits: int, max_ratio: float) -> int | None:
    """How many edits make ``b`` from ``a`` if they are short near copies (see the module doc), else ``None``.

    >>> key = [ord(c) for c in "一是加快推进产业转型升级,打造新材料产业集群."]
    >>> short_near_edits(key, [ord(c) for c in "一是加快推进产业转型升级,打造新材枓产业集群."], 2, 0.1)
    1
    >>> short_near_edits(key, [ord(c) for c in "一是全面推进产业转型升级,打造新材料产业集群."], 2, 0.1) is None
    True
    >>> short_near_edits(key, [ord(c) for c in "二是加快推进产业转型升级,打造新材料产业集群."], 2, 0.1) is None
    True
    """
    limit = min(max_edits, int(max_ratio * max(len(a), len(b)) + 1e-9))
    steps = edit_steps(a, b, limit)
    if steps is None:
        return None
    edits = 0
    previous_edit = False
    swaps: set[tuple[int, int]] = set()
    for kind, i, j in steps:
        if kind == "=":
            previous_edit = False
            continue
        if (
            previous_edit
            or _touches_number(kind, a, i, b, j)
            or _swaps_words(kind, a, i, b, j)
            or _quotes_otherwise(kind, a, i, b, j)
        ):
            return None
        if kind == "sub":
            # The same character swapped twice (「上移一层」…向上 / 「下移一层」…向下) is one word
            # for another, said twice: OCR misreads one character here and another there.
            if (a[i], b[j]) in swaps:
                return None
            swaps.add((a[i], b[j]))
        previous_edit = True
        edits += 1
    return edits


def breaks_a_word(a: Sequence[int], b: Sequence[int]) -> bool:
    """Whether ``b`` differs from ``a`` by a character that breaks a word of ``a`` (巩固 → 巩近):
    the sign of a misread character rather than of a text that says something else."""
    steps = edit_steps(a, b, max(len(a), len(b)))
    return steps is not None and any(
        kind == "sub" and _in_word(a, i) and not _in_word(b, j, in_word) for kind, i, j in steps
    )


def _usual_pair(first: str, second: str) -> bool:
    """Whether ``second`` usually follows ``first`` inside a word (jieba's frequent word pairs)."""
    return bool(first and second) and second in word_pairs().get(first, "")


def _in_word(text: Sequence[int], k: int, pair: Callable[[str, str], bool] = _usual_pair) -> bool:
    """Whether the character at ``k`` sits inside a word with a neighbour, by ``pair``: the
    frequent word pairs, or ``in_word`` for any pair seen inside a real word (上边 too, too common
    to be frequent: a character that makes any word with its neighbours was written, not misread)."""
    char = chr(text[k])
    before = chr(text[k - 1]) if k > 0 else ""
    after = chr(text[k + 1]) if k + 1 < len(text) else ""
    return pair(before, char) or pair(char, after)


def _swaps_words(kind: str, a: Sequence[int], i: int, b: Sequence[int], j: int) -> bool:
    """A substitution where both sides read as words with their neighbours (上边缘 / 下边缘): one
    word for another, a text that says something else, not a misread character."""
    return kind == "sub" and bool(a[i] != b[j]) and _in_word(a, i) and _in_word(b, j)


# Quotation marks and brackets: one text quoting or bracketing a name the other does not
# (``在图表向导的第一页中`` / ``在「图表向导」的第一页中``) is written otherwise, not misread.
_QUOTING = frozenset(map(ord, "「」『』“”‘’《》〈〉（）()[]【】\"'"))


def _quotes_otherwise(kind: str, a: Sequence[int], i: int, b: Sequence[int], j: int) -> bool:
    """Whether an edit inserts or deletes a quotation mark or bracket."""
    return (kind == "del" and a[i] in _QUOTING) or (kind == "ins" and b[j] in _QUOTING)


def _touches_number(kind: str, a: Sequence[int], i: int, b: Sequence[int], j: int) -> bool:
    """Whether an edit changes a number: a numeral for another (``一是`` / ``二是``), a numeral put in
    or taken out, or punctuation next to a digit. A numeral swapped for a character that is none
    (``输入一个名称`` / ``输入说个名称``) is a misread, not another number."""
    if kind == "sub" and _is_number(a[i]) != _is_number(b[j]):
        return _by_a_digit(a, i) or _by_a_digit(b, j)
    involved = []
    if kind in ("sub", "del"):
        involved.append((a, i))
    if kind in ("sub", "ins"):
        involved.append((b, j))
    return any(_is_number(text[k]) or _by_a_digit(text, k) for text, k in involved)


def _by_a_digit(text: Sequence[int], k: int) -> bool:
    """Whether the character at ``k`` is punctuation next to a digit (``5.6%`` / ``56%``)."""
    return not chr(text[k]).isalnum() and any(0 <= n < len(text) and chr(text[n]).isdigit() for n in (k - 1, k + 1))
