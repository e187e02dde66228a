"""The normalised key of a paragraph: what two copies of the same paragraph have in common.

A paragraph printed twice is rarely byte-identical: one copy may have been re-wrapped (single
newlines inside), spaced differently, or typed with half-width punctuation (``,`` for ``，``). The
key folds those differences away and is used only for comparison, never written to the output:

* every whitespace and format character (zero-width space, BOM, …) is removed;
* each character is replaced by its NFKC form when that is a single character (full-width and
  half-width forms, compatibility ideographs, circled digits…), so ``，`` and ``,`` coincide;
* a few punctuation pairs NFKC keeps apart but copies mix up are folded: ``。``/``.``,
  ``、``/``,``, curly/straight quotes, dash variants.

Characters whose NFKC form is several characters (``…``, ``㈠``) are left as they are. The
mapping is one lookup table over all code points, applied to a whole document as one numpy
gather, so building keys costs no per-character Python work.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

# Punctuation NFKC leaves apart but OCR and typists mix up; folded to one form in the key only.
_PUNCTUATION_FOLD = {
    "。": ".",
    "、": ",",
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "「": '"',
    "」": '"',
    "『": '"',
    "』": '"',
    "—": "-",
    "―": "-",
    "–": "-",
    "‐": "-",
}
# Code points above this have no NFKC mapping and are neither spaces nor format characters.
_TABLE_LIMIT = 0x32400
_MASK64 = np.uint64((1 << 64) - 1)


@dataclass(frozen=True)
class FoldTable:
    """Per code point: the folded code point, whether it is dropped, whether it counts as content."""

    mapping: np.ndarray  # uint32[0x110000]
    dropped: np.ndarray  # bool[0x110000]
    content: np.ndarray  # bool[0x110000], letters/digits/ideographs (of the folded character)


@lru_cache(maxsize=1)
def fold_table() -> FoldTable:
    mapping = np.arange(0x110000, dtype=np.uint32)
    dropped = np.zeros(0x110000, dtype=bool)
    content = np.zeros(0x110000, dtype=bool)
    for code in range(_TABLE_LIMIT):
        char = chr(code)
        if 0xD800 <= code < 0xE000:
            continue
        folded = unicodedata.normalize("NFKC", char)
        folded = _PUNCTUATION_FOLD.get(folded, folded)
        if folded.isspace() or unicodedata.category(char) == "Cf" or not folded:
            dropped[code] = True
            continue
        if len(folded) == 1:
            mapping[code] = ord(folded)
        # Indexed by folded code points, so this is about the character itself.
        content[code] = char.isalnum()
    return FoldTable(mapping, dropped, content)


@dataclass(frozen=True)
class Keys:
    """The keys of a batch of paragraphs, as one array of code points cut into runs."""

    code_points: np.ndarray  # uint32, all keys concatenated
    lengths: np.ndarray  # int64, characters per key
    content: np.ndarray  # int64, letters/digits/ideographs per key
    digests: np.ndarray  # uint64, a 64-bit digest of each key (0 for an empty key)

    def key(self, i: int) -> str:
        start = int(self.lengths[:i].sum())
        return self.code_points[start : start + int(self.lengths[i])].tobytes().decode("utf-32-le")


def paragraph_keys(paragraphs: list[str]) -> Keys:
    """Keys of ``paragraphs``, computed for all of them at once. A Markdown heading's mark is not
    part of its key: ``### 科技创新，引领传统农业转型升级`` is a copy of the heading layout
    stripped of its mark, as it is once layout strips this one too."""
    paragraphs = [_without_heading_mark(p) if p[:1] == "#" else p for p in paragraphs]
    table = fold_table()
    raw_lengths = np.fromiter((len(p) for p in paragraphs), dtype=np.int64, count=len(paragraphs))
    raw = np.frombuffer("".join(paragraphs).encode("utf-32-le"), dtype="<u4")
    kept = ~table.dropped[raw]
    points = table.mapping[raw[kept]]
    owner = np.repeat(np.arange(len(paragraphs), dtype=np.int64), raw_lengths)[kept]
    lengths = np.bincount(owner, minlength=len(paragraphs)).astype(np.int64)
    content = np.bincount(owner[table.content[points]], minlength=len(paragraphs)).astype(np.int64)
    return Keys(points, lengths, content, run_digests(points, lengths))


_HEADING_MARK = re.compile(r"#{1,6}[ \t]+")


def _without_heading_mark(paragraph: str) -> str:
    mark = _HEADING_MARK.match(paragraph)
    return paragraph[mark.end() :] if mark else paragraph


def run_digests(points: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """64-bit digest of each run: Σ code point × w(position), mixed with the length.

    The weights ``w(k)`` are a fixed function of the position, so digests are the same in every
    process and run (unlike Python's ``hash``); two different keys collide with probability ≈ 2⁻⁶⁴.
    """
    digests = np.zeros(lengths.size, dtype=np.uint64)
    nonempty = np.flatnonzero(lengths)
    if nonempty.size == 0:
        return digests
    starts = np.cumsum(lengths) - lengths
    position = np.arange(points.size, dtype=np.int64) - np.repeat(starts, lengths)
    weighted = mix64(position.astype(np.uint64) + np.uint64(1)) | np.uint64(1)
    weighted *= points.astype(np.uint64)
    sums = np.add.reduceat(weighted, starts[nonempty])
    sums ^= lengths[nonempty].astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    digests[nonempty] = mix64(sums) | np.uint64(1)
    return digests


def mix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer (a bijection that spreads every input bit)."""
    h = h ^ (h >> np.uint64(33))
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    return h


def fingerprint32(digests: np.ndarray) -> np.ndarray:
    """The high 32 bits of 64-bit digests, with 0 (the empty marker of the band tables) mapped to 1."""
    fingerprints = (digests >> np.uint64(32)).astype(np.uint32)
    fingerprints[fingerprints == 0] = 1
    return fingerprints


def normalise_key(text: str) -> str:
    """The comparison key of ``text``: whitespace removed, width and punctuation variants folded.

    >>> normalise_key("教育是民生之基，牵动着\\n千家万户。") == normalise_key("教育是民生之基,牵动着千家万户.")
    True
    >>> normalise_key("（本版图片由 渌口区委宣传部 提供）")
    '(本版图片由渌口区委宣传部提供)'
    """
    return paragraph_keys([text]).key(0)


def key_digest(text: str) -> int:
    """The 64-bit digest of the key of ``text`` (stable across processes)."""
    return int(paragraph_keys([text]).digests[0])
