"""Candidates: a rare string that differs from a frequent one by one look-alike character.

For every frequent n-gram ``F`` (counted at least ``min_frequent`` times) and every position in it,
each character that looks like ``F``'s character there (:meth:`LookalikeTable.pairs`) makes a
variant; the variants that occur in the corpus, rarely enough, are candidates ``R → F``. This is
done with numpy on the count tables (:mod:`cleaner.suggest.counting`), a block of frequent n-grams
at a time, so only the variants that really occur reach Python.

Each candidate gets a first score from the counts and a general word list (jieba's, through the
character pairs of :mod:`cleaner.suggest.words`): a rare form whose changed character makes a
word with its neighbour (绿色, 涪陵, 夫人) is a real word, not an OCR error, and is never proposed;
a frequent form whose character there makes a word (已经 against 己经) is evidence that the rare one
is an error. The rest of the rare form says what its changed character should be: 口 is preceded
by 渌 at 77% of its places in the seeds, so 绿口, seen once, is likely 渌口 misread; 村 is preceded
by 乡 at 32% of its places, so 以村, seen once, says little. The fewer times a rare form is seen,
the more its score rests on that share. :mod:`cleaner.suggest.evidence` then looks at the rare form's occurrences.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cleaner.suggest.counting import BITS, NgramCounter
from cleaner.suggest.lookalike import LookalikeTable
from cleaner.suggest.words import in_word_keys

BLOCK = 20_000  # frequent n-grams expanded at a time
MAX_FREQUENT_CHANCE = 0.01
COHESIVE_CHANCE = 0.05
UNIT_STRENGTH = 0.5  # a frequent form of no word holds together at least this strongly (渌口 0.91)
FULL_SUPPORT = 200  # a frequent form seen this often is full support
MIN_BOND_COUNT = 2  # a pair seen once says nothing about how strongly its characters hold


@dataclass(frozen=True)
class MiningOptions:
    """Thresholds of the search (the defaults are the ones documented in the README)."""

    min_frequent: int = 4  # the frequent form is counted at least this often
    # The two characters look at least this alike: a shared component alone (0.35) with a few
    # matching four-corner digits or a close stroke count is not enough (的/务, 抢/推: 0.50).
    min_similarity: float = 0.55
    # The rare form may be counted at most this many times the frequent one: when the frequent
    # form's character makes a word and the rare one's does not (an error can then be common) ...
    max_ratio_word: float = 2.0
    # ... and otherwise, when only the counts tell them apart.
    max_ratio: float = 0.8
    sizes: tuple[int, ...] = (2, 3)  # lengths of the strings proposed as finds (counted: 1 to 4)


@dataclass(frozen=True)
class Candidate:
    """``rare`` may be an OCR misreading of ``frequent``: they differ at ``position`` only."""

    rare: str
    frequent: str
    position: int
    rare_count: int
    frequent_count: int
    similarity: float
    frequent_is_word: bool  # the frequent form's character makes a word with a neighbour
    score: float  # from the counts, the similarity and the word list; 0 to 1
    chance: float = 1.0  # probability that the rare form's parts meet this often by chance
    slot: float = 1.0  # share of the places of the rare form's rest where the frequent form stands

    @property
    def cohesive(self) -> bool:
        """Seen twice or more, far more often than its parts would meet by chance (涪口 19×)."""
        return self.rare_count >= 2 and self.chance < COHESIVE_CHANCE

    @property
    def rare_char(self) -> str:
        return self.rare[self.position]

    @property
    def frequent_char(self) -> str:
        return self.frequent[self.position]


def first_score(
    similarity: float,
    rare_count: int,
    frequent_count: int,
    frequent_is_word: bool,
    chance: float = 0.0,
    slot: float = 1.0,
) -> float:
    """Similarity × support (how often the frequent form is seen) × dominance × word evidence ×
    (1 − the chance that the rare form is a chance meeting of its parts)² × the rest's evidence
    (:func:`rest_evidence`)."""
    support = min(1.0, math.log1p(frequent_count) / math.log1p(FULL_SUPPORT))
    dominance = frequent_count / (frequent_count + rare_count)
    word = 1.0 if frequent_is_word else 0.6
    evidence = rest_evidence(slot, rare_count)
    return similarity * support * (0.5 + 0.5 * dominance) * word * (1 - chance) ** 2 * evidence


def rest_evidence(slot: float, rare_count: int) -> float:
    """How much the rare form's rest backs the correction: the share ``slot`` for a form seen once,
    rising to 1 as it is seen more often, when its own count is the evidence (seen twice: a
    quarter of the way)."""
    seen_again = (1 - 1 / max(rare_count, 1)) ** 2
    return slot + (1 - slot) * seen_again


def slot_shares(keys: np.ndarray, counts: np.ndarray, n: int, position: int, counter: NgramCounter) -> np.ndarray:
    """The share of the places of each frequent form's rest (the characters around ``position``;
    the rarer side when there are two) where the frequent form stands: 渌口 at 口's places.
    ``keys`` and ``counts``: the frequent forms of size ``n`` and their counts."""
    before, _, after = _part_counts(keys, n, position, counter)
    sides = [side for side in (before, after) if side is not None]
    rest = np.minimum.reduce(sides) if sides else np.zeros(len(keys), np.int64)
    return np.where(rest > 0, np.minimum(1.0, counts / np.maximum(rest, 1)), 0.0)


def _part_counts(
    keys: np.ndarray, n: int, position: int, counter: NgramCounter
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray | None]:
    """The counts of the parts before, at and after ``position`` of n-grams of size ``n`` (as
    keys); ``None`` for an empty part."""
    after = n - 1 - position
    left = counter.counts_of(position, keys >> np.uint64(BITS * (after + 1))) if position else None
    right = counter.counts_of(after, keys & np.uint64((1 << (BITS * after)) - 1)) if after else None
    return left, counter.counts_of(1, char_at(keys, n, position)), right


def strength(pair: str, counter: NgramCounter) -> float:
    """How strongly two characters hold together in this corpus: the pair's count over the count
    of the rarer character (渌口 0.91: 渌 is nearly always followed by 口), 0 for a pair seen fewer
    than ``MIN_BOND_COUNT`` times."""
    count = counter[pair]
    if count < MIN_BOND_COUNT:
        return 0.0
    least = min(counter[pair[0]], counter[pair[1]])
    return count / least if least else 0.0


def chance_of(rare: str, position: int, rare_count: int, counter: NgramCounter) -> float:
    """The probability of seeing the rare form ``rare_count`` times or more if its changed character
    and the rest of it met by chance (Poisson, from their counts): high for 动为 (动 and 为 are
    everywhere), near 0 for 涪口 (19 times, 涪 is rare)."""
    parts = [rare[:position], rare[position], rare[position + 1 :]]
    return meeting_chance([counter[part] for part in parts if part], counter.characters, rare_count)


def meeting_chance(part_counts: list[int], characters: int, count: int) -> float:
    """:func:`chance_of` from the counts of the parts and of all characters."""
    total = max(characters, 1)
    expected = float(total)
    for part_count in part_counts:
        expected *= part_count / total
    if expected <= 0:
        return 0.0
    term = math.exp(-expected)
    below = 0.0
    for k in range(count):
        below += term
        term *= expected / (k + 1)
    return max(0.0, 1.0 - below)


def find_candidates(
    counter: NgramCounter, table: LookalikeTable, options: MiningOptions = MiningOptions()
) -> list[Candidate]:
    """Every candidate of the sizes ``options.sizes``, best first score first."""
    firsts, seconds, scores = table.pairs(options.min_similarity)
    found: list[Candidate] = []
    for n in options.sizes:
        keys, counts = counter.table(n)
        frequent = np.nonzero(counts >= options.min_frequent)[0]
        for start in range(0, len(frequent), BLOCK):
            chosen = frequent[start : start + BLOCK]
            for position in range(n):
                found.extend(_variants(counter, keys, counts, chosen, n, position, (firsts, seconds, scores), options))
    found.sort(key=lambda c: (-c.score, c.rare))
    return found


def _variants(
    counter: NgramCounter,
    keys: np.ndarray,
    counts: np.ndarray,
    chosen: np.ndarray,
    n: int,
    position: int,
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray],
    options: MiningOptions,
) -> list[Candidate]:
    """The candidates made by changing the character at ``position`` of the n-grams ``chosen``."""
    firsts, seconds, scores = pairs
    shift = np.uint64(BITS * (n - 1 - position))
    # The frequent form must be a word or a name of this corpus (not 链上): tested before its
    # variants are made, which leaves a fraction of them.
    base = keys[chosen]
    word = word_bonds_of(base, n, position) > 0
    named = word | units_of(base, n, position, counter)
    chosen, base, word = chosen[named], base[named], word[named]
    chars = ((base >> shift) & np.uint64(0xFFFF)).astype(np.int64)
    low = np.searchsorted(firsts, chars, "left")
    width = np.searchsorted(firsts, chars, "right") - low
    total = int(width.sum())
    if not total:
        return []
    owner = np.repeat(np.arange(len(chosen)), width)
    pair = np.arange(total) - np.repeat(np.cumsum(width) - width, width) + np.repeat(low, width)
    cleared = base[owner] & ~(np.uint64(0xFFFF) << shift)
    variants = cleared | (seconds[pair].astype(np.uint64) << shift)
    at = np.minimum(np.searchsorted(keys, variants), len(keys) - 1)
    present = keys[at] == variants
    rare_counts = counts[at]
    frequent_counts = counts[chosen][owner]
    hits = np.nonzero(present & (rare_counts <= options.max_ratio_word * frequent_counts))[0]
    rare_keys, frequent_keys, similarities = variants[hits], base[owner[hits]], scores[pair[hits]]
    rare_counts, frequent_counts, is_word = rare_counts[hits], frequent_counts[hits], word[owner[hits]]
    # The cheap tests on every hit at once, as the loop below would make them one by one.
    kept = word_bonds_of(rare_keys, n, position) == 0  # else the rare form holds a real word there
    # When the frequent form is no word, the counts alone must tell the two apart.
    kept &= is_word | (rare_counts <= options.max_ratio * frequent_counts)
    kept = np.nonzero(kept)[0]
    rare_keys, frequent_keys, similarities = rare_keys[kept], frequent_keys[kept], similarities[kept]
    rare_counts, frequent_counts, is_word = rare_counts[kept], frequent_counts[kept], is_word[kept]
    # The counts the scores are made of, looked up for all at once; the arithmetic stays per candidate.
    rare_parts = _listed(_part_counts(rare_keys, n, position, counter))
    frequent_parts = _listed(_part_counts(frequent_keys, n, position, counter))
    slots = slot_shares(frequent_keys, frequent_counts, n, position, counter).tolist()
    rares, frequents = decode_all(rare_keys, n), decode_all(frequent_keys, n)
    out: list[Candidate] = []
    frequent_chance: dict[int, float] = {}
    for h, (frequent_key, rare_count, frequent_count) in enumerate(
        zip(frequent_keys.tolist(), rare_counts.tolist(), frequent_counts.tolist(), strict=True)
    ):
        # The same frequent form comes with each of its variants: its chance is worked out once.
        if frequent_key not in frequent_chance:
            frequent_chance[frequent_key] = meeting_chance(frequent_parts[h], counter.characters, frequent_count)
        if frequent_chance[frequent_key] > MAX_FREQUENT_CHANCE:
            continue  # the frequent form is no unit: its parts meet that often by chance (口的)
        chance = meeting_chance(rare_parts[h], counter.characters, rare_count)
        word = bool(is_word[h])
        similarity = float(similarities[h])
        score = first_score(similarity, rare_count, frequent_count, word, chance, slots[h])
        rare, frequent = rares[h], frequents[h]
        out.append(
            Candidate(rare, frequent, position, rare_count, frequent_count, similarity, word, score, chance, slots[h])
        )
    return out


def _listed(parts: tuple[np.ndarray | None, ...]) -> list[list[int]]:
    """The non-empty parts' counts of each n-gram, as lists of ints."""
    columns = [part.tolist() for part in parts if part is not None]
    return [list(row) for row in zip(*columns, strict=True)]


def decode_all(keys: np.ndarray, n: int) -> list[str]:
    """The n-grams of size ``n`` whose keys are ``keys`` (:func:`~cleaner.suggest.counting.decode`
    of each, in one decoding)."""
    codes = np.stack([char_at(keys, n, k) for k in range(n)], axis=1).astype("<u4") if len(keys) else []
    text = np.asarray(codes, "<u4").tobytes().decode("utf-32-le")
    return [text[k : k + n] for k in range(0, len(text), n)]


def char_at(keys: np.ndarray, n: int, k: int) -> np.ndarray:
    """The code points at position ``k`` of the n-grams of size ``n`` whose keys are ``keys``."""
    return (keys >> np.uint64(BITS * (n - 1 - k))) & np.uint64(0xFFFF)


def word_bonds_of(keys: np.ndarray, n: int, position: int) -> np.ndarray:
    """How many of its neighbours in each n-gram (as keys) the character at ``position`` makes a
    word with (0, 1 or 2)."""
    char = char_at(keys, n, position)
    bonds = np.zeros(len(keys), np.int64)
    if position > 0:
        bonds += in_word_keys(char_at(keys, n, position - 1), char)
    if position + 1 < n:
        bonds += in_word_keys(char, char_at(keys, n, position + 1))
    return bonds


def strengths_of(firsts: np.ndarray, seconds: np.ndarray, counter: NgramCounter) -> np.ndarray:
    """:func:`strength` of many pairs at once, given as code points."""
    count = counter.counts_of(2, (firsts << np.uint64(BITS)) | seconds)
    least = np.minimum(counter.counts_of(1, firsts), counter.counts_of(1, seconds))
    bonded = (count >= MIN_BOND_COUNT) & (least > 0)
    return np.where(bonded, count / np.maximum(least, 1), 0.0)


def units_of(keys: np.ndarray, n: int, position: int, counter: NgramCounter) -> np.ndarray:
    """Whether the character at ``position`` of each n-gram (as keys) holds strongly to a neighbour
    inside it (:func:`strength` at least ``UNIT_STRENGTH``): 渌口 is a name of the corpus."""
    unit = np.zeros(len(keys), bool)
    for k in (position - 1, position):
        if 0 <= k and k + 2 <= n:
            unit |= strengths_of(char_at(keys, n, k), char_at(keys, n, k + 1), counter) >= UNIT_STRENGTH
    return unit
