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

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import ahocorasick_rs
import numpy as np

from cleaner.suggest.counting import NgramCounter
from cleaner.suggest.mining import Candidate, chance_of, strength, strengths_of
from cleaner.suggest.scan import Text
from cleaner.suggest.words import in_word

MAX_CONTEXTS = 3
CONTEXT_CHARS = 12  # characters of context on each side
MAX_REAL_SHARE = 0.5
UNIT_COUNT = 4
UNIT_CHANCE = 1e-4
MAX_SPLIT_SHARE = 0.5
_NEWLINE = re.compile("\n")


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


def bonds(first: str, second: str, counter: NgramCounter) -> bool:
    """Whether two characters make (a piece of) a word: in jieba's words, or a unit of this corpus
    (seen at least ``UNIT_COUNT`` times, far more than chance: 渌口)."""
    if not first or not second:
        return False
    if in_word(first, second):
        return True
    pair = first + second
    count = counter[pair]
    return count >= UNIT_COUNT and chance_of(pair, 1, count, counter) < UNIT_CHANCE


def split_side(form: str, before: str, after: str, counter: NgramCounter) -> str:
    """``"left"`` or ``"right"`` when ``form`` between ``before`` and ``after`` would not read as
    one piece (the neighbour on that side holds on to its edge character more strongly than the
    next character inside does: 企业 against 小企 in 链小企业), else ``""``."""
    if len(form) < 2:
        return ""
    if before and strength(before + form[0], counter) > strength(form[:2], counter):
        return "left"
    if after and strength(form[-1] + after, counter) > strength(form[-2:], counter):
        return "right"
    return ""


def judge(candidate: Candidate, before: str, after: str, counter: NgramCounter) -> tuple[str, str]:
    """``("real", phrase)``, ``("fits", "")`` or ``("neutral", "")`` for one occurrence of the rare
    form between the characters ``before`` and ``after`` ('' at a line's edge)."""
    rare, frequent, i = candidate.rare, candidate.frequent, candidate.position
    n = len(rare)
    seen_with_frequent = bool((after and counter[frequent + after]) or (before and counter[before + frequent]))
    # The changed character makes a word with its neighbour outside: 材料 in 材料技术 (料技).
    if i == 0 and in_word(before, rare[0]):
        return "real", before + rare
    if i == n - 1 and in_word(rare[-1], after):
        return "real", rare + after
    # The frequent form in its place would be split between two words: 链上企业 (上企 → 小企).
    side = split_side(frequent, before, after, counter)
    if side:
        return "real", before + rare if side == "left" else rare + after
    # A rare form that is a unit of its own, where the frequent form also stands: 数椐库 (数据库).
    if candidate.cohesive and seen_with_frequent:
        return "fits", ""
    # The rest of a rare form that is no unit of its own makes a word outside it: 添动力 (动力).
    if not candidate.cohesive:
        if i != n - 1 and bonds(rare[-1], after, counter):
            return "real", rare + after
        if i != 0 and bonds(before, rare[0], counter):
            return "real", before + rare
    return ("fits", "") if seen_with_frequent else ("neutral", "")


def gather(candidates: list[Candidate], texts: Iterable[Text], counter: NgramCounter) -> dict[str, Occurrences]:
    """Occurrences of every candidate's rare form, and of every frequent form (how often it is
    split), in ``texts`` (the corpus read again); keyed by the form."""
    by_rare: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        by_rare.setdefault(candidate.rare, []).append(candidate)
    frequents = {candidate.frequent for candidate in candidates}
    patterns = list(dict.fromkeys([*by_rare, *sorted(frequents)]))
    found = {form: Occurrences() for form in patterns}
    if not patterns:
        return found
    automaton = ahocorasick_rs.AhoCorasick(patterns)
    # Each rare form is judged against its first candidate (the best one); others share its places.
    first = {rare: group[0] for rare, group in by_rare.items()}
    shapes = _Shapes(patterns, frequents, set(first), counter)
    verdicts: dict[tuple[str, str, str], tuple[str, str]] = {}  # most occurrences share their neighbours
    seen = np.zeros(len(patterns), np.int64)
    split = np.zeros(len(patterns), np.int64)
    for item in texts:
        text = item.text
        matches = automaton.find_matches_as_indexes(text, overlapping=True)
        if not matches:
            continue
        index, start, end = np.array(matches, np.int64).reshape(-1, 3).T
        seen += np.bincount(index, minlength=len(patterns))
        split += np.bincount(index[shapes.split(index, start, end, text, counter)], minlength=len(patterns))
        judged = np.nonzero(shapes.judged[index])[0].tolist()
        if judged:
            _judge_all(item, [matches[k] for k in judged], patterns, first, found, counter, verdicts)
    for form, count, splits in zip(patterns, seen.tolist(), split.tolist(), strict=True):
        found[form].count, found[form].split = count, splits
    return found


class _Shapes:
    """What the split test (:func:`split_side`) needs of each pattern, as arrays by pattern index:
    its edge characters and how strongly each holds to the next one inside; and which patterns
    are judged one occurrence at a time (the rare forms)."""

    def __init__(self, patterns: list[str], frequents: set[str], rares: set[str], counter: NgramCounter) -> None:
        def codes(k: int) -> np.ndarray:
            return np.array([ord(form[k]) for form in patterns], np.uint64)

        self.first, self.second, self.penultimate, self.last = codes(0), codes(1), codes(-2), codes(-1)
        self.inner_left = strengths_of(self.first, self.second, counter)
        self.inner_right = strengths_of(self.penultimate, self.last, counter)
        self.frequent = np.array([form in frequents and len(form) >= 2 for form in patterns])
        self.judged = np.array([form in rares for form in patterns])

    def split(
        self, index: np.ndarray, start: np.ndarray, end: np.ndarray, text: str, counter: NgramCounter
    ) -> np.ndarray:
        """Whether each match (of a frequent form) would not read as one piece where it stands."""
        codes = np.frombuffer(text.encode("utf-32-le"), np.uint32).astype(np.uint64)
        codes = np.append(np.where((codes == 0x0A) | (codes > 0xFFFF), 0, codes), np.uint64(0))
        # A line's edge, a non-Han neighbour or one outside the BMP: no pair is counted with it.
        before = np.where(start > 0, codes[start - 1], 0)
        after = codes[end]
        left = strengths_of(before, self.first[index], counter) > self.inner_left[index]
        right = strengths_of(self.last[index], after, counter) > self.inner_right[index]
        return (left | right) & self.frequent[index]


def _judge_all(
    item: Text,
    matches: list[tuple[int, int, int]],
    patterns: list[str],
    first: dict[str, Candidate],
    found: dict[str, Occurrences],
    counter: NgramCounter,
    verdicts: dict[tuple[str, str, str], tuple[str, str]],
) -> None:
    """Judge each occurrence of a rare form in ``item`` (``matches``: pattern index, start, end,
    in the text's order) and record its verdict, place and context. ``verdicts``: those already
    given, by form and neighbours."""
    text = item.text
    breaks = [match.start() for match in _NEWLINE.finditer(text)]
    for index, start, end in matches:
        form = patterns[index]
        line_index = bisect.bisect_left(breaks, start)
        line_start = breaks[line_index - 1] + 1 if line_index else 0
        line_end = breaks[line_index] if line_index < len(breaks) else len(text)
        before = text[start - 1] if start > line_start else ""
        after = text[end] if end < line_end else ""
        record = found[form]
        candidate = first[form]
        verdict, phrase = verdicts.get((form, before, after)) or verdicts.setdefault(
            (form, before, after), judge(candidate, before, after, counter)
        )
        if verdict == "fits":
            record.fits += 1
        elif verdict == "real":
            record.real += 1
            record.unless[phrase] = record.unless.get(phrase, 0) + 1
        line = item.first_line if item.is_record else item.first_line + line_index
        record.places.add((item.file, line, start - line_start + candidate.position))
        if verdict != "real" and len(record.contexts) < MAX_CONTEXTS:
            left = max(line_start, start - CONTEXT_CHARS)
            right = min(line_end, end + CONTEXT_CHARS)
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
