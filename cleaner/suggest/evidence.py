"""The second look: where each candidate's rare form occurs, and what its neighbours say.

Counting (:mod:`cleaner.suggest.counting`) keeps no positions, so the candidates' rare forms are
searched for again, all at once (Aho-Corasick), in the normalised corpus. Each occurrence is judged
by the characters next to it:

- **real text**: the changed character makes a word (in jieba's words, or a unit of this corpus)
  with the neighbour outside the rare form (料技 in 材料技术: 材料), or the rest of a rare form that
  is no unit of its own does (添动 in 添动力: 动力; 绿口 in 绿口罩: 口罩). The occurrence is not an
  error, and the shortest string holding it (绿口罩) becomes an ``unless`` phrase of the rule;
- **split**: the frequent form put in its place would not read as one piece: a neighbour outside
  holds on to its edge character more strongly than the character inside does (链上企业 for
  上企 → 小企: 企业 is far stronger than 小企). Counted as real text, with its phrase;
- **fits**: the frequent form is seen with the same neighbour elsewhere (涪口 in 涪口镇, and 渌口镇
  occurs): the rare form stands where the frequent one stands;
- otherwise neutral.

The share of each changes the candidate's score (:func:`final_score`); a candidate whose
occurrences are mostly real text is dropped. The frequent forms are looked for too: one that is
mostly split where it occurs is no word or name of its own (链上 in 产业链上企业, 商环 in
营商环境), so nothing is corrected into it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import ahocorasick_rs
import numpy as np

from cleaner.suggest.counting import BITS, NgramCounter, decode, encode
from cleaner.suggest.mining import Candidate, chance_of, strengths_of
from cleaner.suggest.scan import Text
from cleaner.suggest.words import in_word_keys

MAX_CONTEXTS = 3
CONTEXT_CHARS = 12  # characters of context on each side
MAX_REAL_SHARE = 0.5
UNIT_COUNT = 4
UNIT_CHANCE = 1e-4
MAX_SPLIT_SHARE = 0.5


@dataclass(frozen=True)
class Context:
    """Where an occurrence is: file, line, and the line's text around it."""

    file: str
    line: int
    text: str


@dataclass
class Occurrences:
    """What the corpus says about one rare form."""

    count: int = 0
    fits: int = 0
    real: int = 0
    contexts: list[Context] = field(default_factory=list)
    unless: dict[str, int] = field(default_factory=dict)  # phrase → occurrences
    places: set[tuple[str, int, int]] = field(default_factory=set)  # (file, line, column of the change)
    split: int = 0  # as a frequent form: occurrences where it does not read as one piece

    @property
    def split_share(self) -> float:
        return self.split / self.count if self.count else 0.0


# Verdicts, as numbers in the arrays of :func:`judge_many`.
NEUTRAL, FITS, REAL = 0, 1, 2
# Which phrase a real occurrence gives: the rare form with the character before it, or after it.
WITH_BEFORE, WITH_AFTER = 1, 2
LEFT, RIGHT = 1, 2  # the side a form is split on (0: not split)


def bonds_many(
    firsts: np.ndarray, seconds: np.ndarray, counter: NgramCounter, units: dict[int, bool] | None = None
) -> np.ndarray:
    """Whether each pair of characters (code points, 0 for none) makes a piece of a word: in
    jieba's words, or a unit of this corpus (seen at least ``UNIT_COUNT`` times, far more than
    chance: 渌口). ``units``: the pairs already tested for the latter, by key."""
    bonded = in_word_keys(firsts, seconds)
    keys = (_bmp(firsts) << np.uint64(BITS)) | _bmp(seconds)
    count = counter.counts_of(2, keys)
    units = {} if units is None else units
    for k in np.nonzero(~bonded & (count >= UNIT_COUNT))[0].tolist():
        key = int(keys[k])
        if key not in units:  # the Poisson tail is summed once a pair
            units[key] = chance_of(decode(key, 2), 1, int(count[k]), counter) < UNIT_CHANCE
        bonded[k] = units[key]
    return bonded


def split_sides(
    edges: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    before: np.ndarray,
    after: np.ndarray,
    counter: NgramCounter,
) -> np.ndarray:
    """``LEFT`` or ``RIGHT`` where a form would not read as one piece between ``before`` and
    ``after`` (the neighbour on that side holds on to its edge character more strongly than the
    next character inside does: 企业 against 小企 in 链小企业), else 0. ``edges``: each form's
    first and last characters (code points, 0 for none) and how strongly each holds to the next
    one inside (:func:`inner_strengths`)."""
    first, last, inner_left, inner_right = edges
    left = strengths_of(_bmp(before), first, counter) > inner_left
    right = strengths_of(last, _bmp(after), counter) > inner_right
    return np.where(left, LEFT, np.where(right, RIGHT, 0))


def inner_strengths(forms: list[str], counter: NgramCounter) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The ``edges`` of :func:`split_sides` for ``forms`` (of two characters or more)."""
    first, second, penultimate, last = (np.array([ord(form[k]) for form in forms], np.uint64) for k in (0, 1, -2, -1))
    return first, last, strengths_of(first, second, counter), strengths_of(penultimate, last, counter)


def split_side(form: str, before: str, after: str, counter: NgramCounter) -> str:
    """:func:`split_sides` of one form between two characters ('' for none): ``"left"``,
    ``"right"`` or ``""``."""
    if len(form) < 2:
        return ""
    side = split_sides(inner_strengths([form], counter), _codes_of(before), _codes_of(after), counter)[0]
    return {LEFT: "left", RIGHT: "right"}.get(int(side), "")


def judge_many(
    shapes: _Shapes, index: np.ndarray, before: np.ndarray, after: np.ndarray, counter: NgramCounter
) -> tuple[np.ndarray, np.ndarray]:
    """The verdict (``REAL``, ``FITS`` or ``NEUTRAL``) on each occurrence of a rare form (pattern
    ``index``, between the characters ``before`` and ``after``: code points, 0 at a line's
    edge), judged against its candidate; and, for a real one, the phrase (``WITH_BEFORE`` or
    ``WITH_AFTER``). The first rule that applies decides:

    1. the changed character makes a word with its neighbour outside: real (材料技术 for 料技);
    2. the frequent form in its place would be split between two words: real (链上企业 for 上企 → 小企);
    3. a rare form that is a unit of its own, where the frequent form also stands: fits (数椐库);
    4. the rest of a rare form that is no unit of its own makes a word outside it: real (添动力);
    5. fits where the frequent form is seen with the same neighbour, else neutral.
    """
    position, size, cohesive = shapes.position[index], shapes.size[index], shapes.cohesive[index]
    rare_first, rare_last = shapes.first[index], shapes.last[index]
    verdict = np.full(len(index), -1, np.int64)
    phrase = np.zeros(len(index), np.int64)

    def decide(where: np.ndarray, outcome: int, side: int = 0) -> None:
        where = where & (verdict < 0)
        verdict[where] = outcome
        phrase[where] = side

    decide((position == 0) & in_word_keys(before, rare_first), REAL, WITH_BEFORE)
    decide((position == size - 1) & in_word_keys(rare_last, after), REAL, WITH_AFTER)
    frequent = shapes.frequent_of[index]
    side = np.where(shapes.splittable[frequent], split_sides(shapes.edges(frequent), before, after, counter), 0)
    decide(side == LEFT, REAL, WITH_BEFORE)
    decide(side == RIGHT, REAL, WITH_AFTER)
    seen = _seen_with(shapes.key[shapes.frequent_of[index]], size, before, after, counter)
    decide(cohesive & seen, FITS)
    # Tested where still undecided only: a unit's chance is the costly part.
    asked = (verdict < 0) & ~cohesive & (position != size - 1)
    decide(_where(asked, lambda k: bonds_many(rare_last[k], after[k], counter, shapes.units)), REAL, WITH_AFTER)
    asked = (verdict < 0) & ~cohesive & (position != 0)
    decide(_where(asked, lambda k: bonds_many(before[k], rare_first[k], counter, shapes.units)), REAL, WITH_BEFORE)
    decide(seen, FITS)
    decide(np.ones(len(index), bool), NEUTRAL)
    return verdict, phrase


def _seen_with(
    frequent: np.ndarray, size: np.ndarray, before: np.ndarray, after: np.ndarray, counter: NgramCounter
) -> np.ndarray:
    """Whether each frequent form (keys of ``size`` characters) is counted with the character
    after it or before it."""
    seen = np.zeros(len(frequent), bool)
    before, after = _bmp(before), _bmp(after)
    for n in np.unique(size).tolist():
        chosen = size == n
        keys = frequent[chosen]
        with_after = counter.counts_of(n + 1, (keys << np.uint64(BITS)) | after[chosen]) > 0
        with_before = counter.counts_of(n + 1, (before[chosen] << np.uint64(BITS * n)) | keys) > 0
        seen[chosen] = (with_after & (after[chosen] > 0)) | (with_before & (before[chosen] > 0))
    return seen


def _where(asked: np.ndarray, test: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """``test`` of the rows ``asked`` (given their indexes), False elsewhere."""
    result = np.zeros(len(asked), bool)
    rows = np.nonzero(asked)[0]
    if len(rows):
        result[rows] = test(rows)
    return result


def _bmp(codes: np.ndarray) -> np.ndarray:
    """Code points outside the BMP as 0: the tables count no n-gram holding one."""
    return np.where(codes > 0xFFFF, 0, codes).astype(np.uint64)


def _codes_of(char: str) -> np.ndarray:
    return np.array([ord(char) if char else 0], np.uint64)


def gather(candidates: list[Candidate], texts: Iterable[Text], counter: NgramCounter) -> dict[str, Occurrences]:
    """Occurrences of every candidate's rare form, and of every frequent form (how often it is
    split), in ``texts`` (the corpus read again); keyed by the form."""
    return Gatherer(candidates, counter).gather(texts)


class Gatherer:
    """:func:`gather` made ready once for many parts of a corpus: the patterns searched for and
    what the tests need of each."""

    def __init__(self, candidates: list[Candidate], counter: NgramCounter) -> None:
        by_rare: dict[str, list[Candidate]] = {}
        for candidate in candidates:
            by_rare.setdefault(candidate.rare, []).append(candidate)
        frequents = {candidate.frequent for candidate in candidates}
        self.patterns = list(dict.fromkeys([*by_rare, *sorted(frequents)]))
        self.counter = counter
        # Each rare form is judged against its first candidate (the best one); others share its places.
        self.first = {rare: group[0] for rare, group in by_rare.items()}
        self.automaton = ahocorasick_rs.AhoCorasick(self.patterns) if self.patterns else None
        self.shapes = _Shapes(self.patterns, frequents, self.first, counter)

    def gather(self, texts: Iterable[Text]) -> dict[str, Occurrences]:
        """What :func:`gather` finds in ``texts``."""
        patterns, first, shapes, counter = self.patterns, self.first, self.shapes, self.counter
        found = {form: Occurrences() for form in patterns}
        if self.automaton is None:
            return found
        seen = np.zeros(len(patterns), np.int64)
        split = np.zeros(len(patterns), np.int64)
        for item in texts:
            text = item.text
            matches = self.automaton.find_matches_as_indexes(text, overlapping=True)
            if not matches:
                continue
            index, start, end = np.array(matches, np.int64).reshape(-1, 3).T
            codes = np.frombuffer(text.encode("utf-32-le"), np.uint32).astype(np.uint64)
            breaks = np.nonzero(codes == 0x0A)[0]
            # A line break is a line's edge, as is the text's end: no neighbour (0).
            codes = np.append(np.where(codes == 0x0A, 0, codes), np.uint64(0))
            before, after = np.where(start > 0, codes[np.maximum(start - 1, 0)], 0), codes[end]
            seen += np.bincount(index, minlength=len(patterns))
            frequent = shapes.frequent[index] & shapes.splittable[index]
            sides = split_sides(shapes.edges(index[frequent]), before[frequent], after[frequent], counter)
            split += np.bincount(index[frequent][sides > 0], minlength=len(patterns))
            judged = np.nonzero(shapes.judged[index])[0]
            if len(judged):
                verdicts = judge_many(shapes, index[judged], before[judged], after[judged], counter)
                _record(item, breaks, patterns, first, found, (index[judged], start[judged], end[judged]), verdicts)
        for form, count, splits in zip(patterns, seen.tolist(), split.tolist(), strict=True):
            found[form].count, found[form].split = count, splits
        return found


class _Shapes:
    """What the tests on occurrences need of each pattern, as arrays by pattern index: its first
    and last characters, key and size, and of one of two characters or more (``splittable``), how
    strongly its edge characters hold inside it; whether it is a frequent form (its splits are
    counted) or a rare one (judged), and of a rare one, its candidate's change position, cohesion
    and frequent form (as a pattern index)."""

    def __init__(self, patterns: list[str], frequents: set[str], first: dict[str, Candidate], counter: NgramCounter):
        self.first = np.array([ord(form[0]) for form in patterns], np.uint64)
        self.last = np.array([ord(form[-1]) for form in patterns], np.uint64)
        self.key = np.array([encode(form) for form in patterns], np.uint64)
        self.size = np.array([len(form) for form in patterns], np.int64)
        self.splittable = self.size >= 2
        # A form of one character is never split: doubled only to keep the arrays aligned.
        padded = [form if len(form) >= 2 else form * 2 for form in patterns]
        _, _, self.inner_left, self.inner_right = inner_strengths(padded, counter)
        self.frequent = np.array([form in frequents for form in patterns])
        self.judged = np.array([form in first for form in patterns])
        at = {form: k for k, form in enumerate(patterns)}
        chosen = [first.get(form) for form in patterns]
        self.position = np.array([c.position if c else 0 for c in chosen], np.int64)
        self.cohesive = np.array([bool(c and c.cohesive) for c in chosen])
        self.frequent_of = np.array([at[c.frequent] if c else k for k, c in enumerate(chosen)], np.int64)
        self.units: dict[int, bool] = {}  # pairs of characters tested for being a unit of the corpus

    def edges(self, index: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The ``edges`` of :func:`split_sides` for the patterns ``index``."""
        return self.first[index], self.last[index], self.inner_left[index], self.inner_right[index]


def _record(
    item: Text,
    breaks: np.ndarray,
    patterns: list[str],
    first: dict[str, Candidate],
    found: dict[str, Occurrences],
    matches: tuple[np.ndarray, np.ndarray, np.ndarray],
    verdicts: tuple[np.ndarray, np.ndarray],
) -> None:
    """Record each judged occurrence of a rare form in ``item`` (``breaks``: where its line breaks
    are; ``matches``: pattern index, start and end; ``verdicts``: from :func:`judge_many`): its
    verdict, phrase, place and context."""
    text = item.text
    index, start, end = matches
    bounds = np.concatenate(([-1], breaks, [len(text)]))
    line_index = np.searchsorted(breaks, start)
    columns = (index, start, end, line_index, bounds[line_index] + 1, bounds[line_index + 1], *verdicts)
    for pattern, begin, finish, line_number, line_begin, line_finish, verdict, side in zip(
        *(column.tolist() for column in columns), strict=True
    ):
        form = patterns[pattern]
        record = found[form]
        candidate = first[form]
        if verdict == FITS:
            record.fits += 1
        elif verdict == REAL:
            record.real += 1
            phrase = text[begin - 1 : finish] if side == WITH_BEFORE else text[begin : finish + 1]
            record.unless[phrase] = record.unless.get(phrase, 0) + 1
        line = item.first_line if item.is_record else item.first_line + line_number
        record.places.add((item.file, line, begin - line_begin + candidate.position))
        if verdict != REAL and len(record.contexts) < MAX_CONTEXTS:
            left = max(line_begin, begin - CONTEXT_CHARS)
            right = min(line_finish, finish + CONTEXT_CHARS)
            record.contexts.append(Context(item.file, line, text[left:right].strip()))


def merge_found(total: dict[str, Occurrences], part: dict[str, Occurrences]) -> None:
    """Add what :func:`gather` found in a later part of the corpus to ``total`` (what it found in
    the parts before): the same as gathering over both parts at once."""
    for form, found in part.items():
        record = total.setdefault(form, Occurrences())
        record.count += found.count
        record.fits += found.fits
        record.real += found.real
        record.split += found.split
        for phrase, count in found.unless.items():
            record.unless[phrase] = record.unless.get(phrase, 0) + count
        record.places |= found.places
        record.contexts.extend(found.contexts[: MAX_CONTEXTS - len(record.contexts)])


def final_score(candidate: Candidate, occurrences: Occurrences, frequent: Occurrences | None = None) -> float:
    """The first score × how often the rare form stands where the frequent one does × (1 − the
    share of occurrences that are real text)²; 0 when it is mostly real text or not found, or when
    the frequent form is mostly split where it occurs (``frequent``: its occurrences)."""
    if not occurrences.count:
        return 0.0
    if frequent is not None and frequent.split_share >= MAX_SPLIT_SHARE:
        return 0.0
    real = occurrences.real / occurrences.count
    if real >= MAX_REAL_SHARE:
        return 0.0
    fits = occurrences.fits / occurrences.count
    return candidate.score * (0.3 + 0.7 * fits) * (1 - real) ** 2
