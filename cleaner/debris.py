"""OCR debris made of letters: a lone glyph that cuts a sentence, a few glyphs spaced apart.

Where a picture, a rule or a speck sat in a column, an OCR engine reads a letter or a few: a lone
``本`` between the two halves of a sentence, ``人 人 日`` between paragraphs. A letter alone is
also a heading (``列``, ``左``, a chapter's ``四``), a list label or a line of verse, so a line is
taken for debris only where the text shows it cannot be one:

- ``stray glyph``: one Han character (or lowercase Latin letter) alone on a line that cuts a
  sentence — the text line before it is running text (it has clause marks) that has not finished
  its sentence — and that forms no word with the text on either side (``扫`` / ``本``: debris;
  ``扫`` / ``兴``: the end of a wrapped line, kept). A heading stands after a finished sentence
  or another heading, never inside one. Numerals and the characters that stand alone in text
  (``完``, ``续``, ``附``…) are never debris.
- ``glyph soup``: three or more single Han characters set apart by spaces, no two neighbours of
  which make a word (``人 人 日``; a spaced heading ``编 后 记`` is words and stays).

Whether two characters make a word is jieba's word list (:func:`cleaner.suggest.words.in_word`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise

import regex

from cleaner import blocks
from cleaner.suggest.words import in_word

_HAN = regex.compile(r"\p{Han}")
_LETTER = regex.compile(r"[\p{Han}a-z]")
# Characters that stand alone as text: numerals (a section's number), and the words of a text's
# furniture a writer sets on a line of their own (完, 续, 附, 注…).
STANDALONE = frozenset("一二三四五六七八九十〇零百千万两壹贰叁肆伍陆柒捌玖拾甲乙丙丁完终续附注按序跋")
# Characters that never start a word: one alone after an unfinished line ends it (他走 / 了).
_BOUND = frozenset("们嘛者呀么啦吧哩吗呢的了式着般等")
_CLAUSE_END = frozenset("，、,；;")
# A colon, perhaps with a speck after it (基本图框项目是: ，).
_INTRODUCES = regex.compile(r"[：:][.。,，·]?$")
_OPENERS = frozenset("“‘「『（(《【〈[")
# Running text is at least this long (spaces aside) before a stray glyph can be said to cut it.
MIN_PROSE = 8
# A glyph soup has at least this many glyphs (two spaced glyphs are a spaced heading or name: 鲁 迅).
MIN_SOUP = 3
MAX_SOUP = 8


def _compact(plain: str) -> str:
    return "".join(plain.split())


def _glyph(plain: str) -> str | None:
    """The one letter of a line that holds nothing else (spaces aside)."""
    compact = _compact(plain)
    return compact if len(compact) == 1 and _LETTER.match(compact) else None


def _cuts_sentence(before: str) -> bool:
    """Whether ``before`` is running text whose sentence goes on past its end (a colon introduces
    what follows: a list of items, each of which may be one character)."""
    if len(before) < MIN_PROSE or not _HAN.search(before) or blocks.ends_sentence(before):
        return False
    if _INTRODUCES.search(before):
        return False
    return blocks.has_clause_marks(before) or blocks.has_inner_stop(before)


def _goes_on(before: str, after: str) -> bool:
    """Whether the text line ``after`` visibly goes on with the sentence of ``before``: after a
    comma anything but a new quotation; after a character, a particle, a mark or the rest of a word."""
    if before[-1] in _CLAUSE_END:
        return after[0] not in _OPENERS
    return after[0] in _BOUND or after[0] in _CLAUSE_END or in_word(before[-1], after[0])


def stray_glyph(glyph: str, before: str, after: str | None) -> bool:
    """A lone ``glyph`` between the text line ``before`` and the text line ``after`` (None at the
    document's end) inside a sentence that goes on past it, joining no word on either side."""
    if glyph in STANDALONE or glyph in _BOUND or after is None:
        return False
    before, after = _compact(before), _compact(after)
    if not _cuts_sentence(before) or not _goes_on(before, after):
        return False
    return not (in_word(before[-1], glyph) or in_word(glyph, after[0]))


def glyph_soup(plain: str) -> bool:
    """Three to eight single Han characters set apart by spaces, no two neighbours a word (a glyph
    read twice, ``人 人``, is no word either)."""
    tokens = plain.split()
    if not MIN_SOUP <= len(tokens) <= MAX_SOUP or any(len(t) != 1 or not _HAN.match(t) for t in tokens):
        return False
    if all(t in STANDALONE for t in tokens):
        return False  # 一 二 三: numbers
    return not any(a != b and in_word(a, b) for a, b in pairwise(tokens))


def find(plains: Sequence[str], furniture: Mapping[int, str]) -> list[int]:
    """The indices of the debris lines among ``plains`` (lines without marks or indentation), the
    ``furniture`` found already left out as text on either side."""
    text = [i for i, plain in enumerate(plains) if plain.strip() and i not in furniture]
    found = []
    for k, i in enumerate(text):
        plain = plains[i]
        if len(plain) > 2 * MAX_SOUP:
            continue  # every form is short (this runs on every line)
        if glyph_soup(plain):
            found.append(i)
        elif (glyph := _glyph(plain)) and k > 0:
            after = plains[text[k + 1]] if k + 1 < len(text) else None
            if stray_glyph(glyph, plains[text[k - 1]], after):
                found.append(i)
    return found
