"""Is a pair of Han characters a piece of a real word? From jieba's dictionary.

The pairs are those of ``cleaner/data/word_bigrams.txt`` (pairs that usually sit inside a word)
and ``cleaner/data/inword_pairs.txt`` (the other pairs seen inside words of summed frequency ≥ 20:
落地, 工伤, 统管), both made from jieba 0.42.1's ``dict.txt``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np

from cleaner.wrapping import word_pairs

DATA = Path(__file__).resolve().parent.parent / "data"


@cache
def _extra_pairs() -> dict[str, str]:
    pairs: dict[str, str] = {}
    for line in (DATA / "inword_pairs.txt").read_text(encoding="utf-8").split("\n"):
        if line and not line.startswith("#"):
            first, seconds = line.split("\t")
            pairs[first] = seconds
    return pairs


def in_word(first: str, second: str) -> bool:
    """Whether ``second`` follows ``first`` inside real words.

    >>> in_word("绿", "色"), in_word("落", "地"), in_word("绿", "口")
    (True, True, False)
    """
    if not first or not second:
        return False
    return second in word_pairs().get(first, "") or second in _extra_pairs().get(first, "")


PAIR_BITS = 21  # bits a code point takes in a pair's key: any character, inside the BMP or not


@cache
def pair_keys() -> np.ndarray:
    """Every pair of :func:`in_word` as a sorted array of keys ``ord(first) << 21 | ord(second)``."""
    keys = {
        (ord(first) << PAIR_BITS) | ord(second)
        for table in (word_pairs(), _extra_pairs())
        for first, seconds in table.items()
        for second in seconds
    }
    return np.array(sorted(keys), np.uint64)


def in_word_keys(firsts: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """:func:`in_word` of many pairs at once, given as code points (0 for no character)."""
    table = pair_keys()
    keys = (firsts.astype(np.uint64) << np.uint64(PAIR_BITS)) | seconds.astype(np.uint64)
    at = np.minimum(np.searchsorted(table, keys), len(table) - 1)
    return (table[at] == keys) & (firsts > 0) & (seconds > 0)
