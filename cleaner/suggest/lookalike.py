"""How alike two Han characters look, from ``cleaner/data/lookalikes.txt``.

The table (made by ``scripts/make_lookalikes.py``) lists, for each character of the 通用规范汉字表,
the characters whose drawn glyphs are most like it, with a similarity in [0.6, 1], and its Unihan
stroke count, Cangjie code and four-corner code. :func:`similarity` is the larger of

- the **glyph** similarity, when the pair is listed (己/已 0.94, 未/末 0.95); and
- a **component** similarity, for pairs that share a component by their Cangjie codes (the same
  first letter: the same left or top part, as 渌 ENME and 涪 EYTR share 氵; or the same last two or
  more letters: the same right or bottom part, as 渌 ENME and 绿 VMNME share 录). It starts at
  ``COMPONENT_BASE`` and rises with each four-corner digit the two share and with a close stroke
  count, up to 0.65: such pairs look alike in part, which is how OCR confuses a rare character with
  a commoner one of the same shape (渌 → 涪, 涑, 涿, 绿).

Pairs with neither are 0.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent.parent / "data"
TABLE = DATA / "lookalikes.txt"

COMPONENT_BASE = 0.35
PER_CORNER = 0.05
CLOSE_STROKES = 0.10


@dataclass(frozen=True, slots=True)
class Codes:
    """A character's Unihan codes as the table gives them."""

    strokes: int
    cangjie: str
    four_corner: str


@dataclass(frozen=True)
class LookalikeTable:
    """Glyph neighbours (symmetric) and Unihan codes of the characters of the table."""

    glyph: dict[str, dict[str, float]]
    codes: dict[str, Codes]

    def __contains__(self, char: str) -> bool:
        return char in self.codes

    def neighbours(self, char: str) -> dict[str, float]:
        """The characters listed as looking like ``char``, with their glyph similarity."""
        return self.glyph.get(char, {})

    def glyph_similarity(self, a: str, b: str) -> float:
        return self.glyph.get(a, {}).get(b, 0.0)

    def component_similarity(self, a: str, b: str) -> float:
        """Similarity from a shared component (Cangjie), four-corner digits and stroke counts."""
        ca, cb = self.codes.get(a), self.codes.get(b)
        if ca is None or cb is None or a == b or not shares_component(ca.cangjie, cb.cangjie):
            return 0.0
        corners = sum(x == y for x, y in zip(ca.four_corner, cb.four_corner, strict=False))
        gap = abs(ca.strokes - cb.strokes) if ca.strokes and cb.strokes else 9
        close = CLOSE_STROKES if gap <= 1 else CLOSE_STROKES / 2 if gap == 2 else 0.0
        return COMPONENT_BASE + PER_CORNER * corners + close

    def pairs(self, minimum: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every ordered pair of characters at least ``minimum`` alike, as arrays of code points
        ``(a, b)`` and their similarity (the larger of the glyph and component ones), sorted by
        ``a`` then ``b``."""
        listed = [(ord(a), ord(b), score) for a, neighbours in self.glyph.items() for b, score in neighbours.items()]
        glyph = np.array([item for item in listed if item[2] >= minimum], np.float64).reshape(-1, 3)
        parts = [(glyph[:, 0].astype(np.int64), glyph[:, 1].astype(np.int64), glyph[:, 2])]
        parts += [self._group_pairs(members, minimum) for members in self._component_groups()]
        firsts, seconds, scores = (np.concatenate([part[k] for part in parts]) for k in range(3))
        keys = (firsts << 32) | seconds
        order = np.lexsort((-scores, keys))  # each pair's best similarity first
        keys, scores = keys[order], scores[order]
        best = np.ones(len(keys), bool)
        best[1:] = keys[1:] != keys[:-1]
        keys, scores = keys[best], scores[best]
        return keys >> 32, keys & 0xFFFFFFFF, scores

    def _component_groups(self) -> list[list[str]]:
        groups: dict[str, list[str]] = defaultdict(list)
        for char, codes in self.codes.items():
            if len(codes.cangjie) >= 2:
                groups["first " + codes.cangjie[0]].append(char)
                groups["last " + codes.cangjie[-2:]].append(char)
        return [members for members in groups.values() if len(members) > 1]

    def _group_pairs(self, members: list[str], minimum: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The pairs of ``members`` (who share a component) whose component similarity is at least ``minimum``."""
        corners = np.array(
            [
                [int(d) if d.isdigit() else -1 - k for k, d in enumerate(self.codes[c].four_corner.ljust(4))]
                for c in members
            ]
        )
        strokes = np.array([self.codes[c].strokes or -99 for c in members])
        agree = (corners[:, None, :] == corners[None, :, :]).sum(axis=2)
        gap = np.abs(strokes[:, None] - strokes[None, :])
        close = np.where(gap <= 1, CLOSE_STROKES, np.where(gap == 2, CLOSE_STROKES / 2, 0.0))
        score = COMPONENT_BASE + PER_CORNER * agree + close
        np.fill_diagonal(score, 0.0)
        rows, cols = np.nonzero(score >= minimum - 1e-9)
        codes = np.array([ord(c) for c in members], np.int64)
        return codes[rows], codes[cols], score[rows, cols].astype(np.float64)

    def similarity(self, a: str, b: str) -> float:
        """How alike ``a`` and ``b`` look, 0 (not at all) to 1 (the same glyph); 1 when ``a == b``."""
        if a == b:
            return 1.0
        return max(self.glyph_similarity(a, b), self.component_similarity(a, b))


def shares_component(a: str, b: str) -> bool:
    """Whether two Cangjie codes (of characters of two components or more) share their first
    component (the same first letter) or their last one (the same last two letters or more)."""
    if len(a) < 2 or len(b) < 2:
        return False
    return a[0] == b[0] or a[-2:] == b[-2:]


def parse_table(text: str) -> LookalikeTable:
    glyph: dict[str, dict[str, float]] = {}
    codes: dict[str, Codes] = {}
    for line in text.split("\n"):
        if not line or line.startswith("#"):
            continue
        char, strokes, cangjie, four_corner, listed = line.split("\t")
        codes[char] = Codes(int(strokes) if strokes else 0, cangjie, four_corner)
        for k in range(0, len(listed), 3):
            other, score = listed[k], int(listed[k + 1 : k + 3]) / 100
            glyph.setdefault(char, {})[other] = score
            glyph.setdefault(other, {})[char] = score
    return LookalikeTable(glyph, codes)


@cache
def lookalikes() -> LookalikeTable:
    """The shipped table (read once)."""
    return parse_table(TABLE.read_text(encoding="utf-8"))


def similarity(a: str, b: str) -> float:
    """How alike two characters look by the shipped table (see the module docstring).

    >>> similarity("己", "已")
    0.94
    >>> round(similarity("渌", "绿"), 2)
    0.6
    >>> similarity("渌", "天")
    0.0
    """
    return lookalikes().similarity(a, b)
