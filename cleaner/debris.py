"""OCR debris made of letters: a lone glyph that cuts a sentence, a few glyphs spaced apart.

Where a picture, a rule or a speck sat in a column, an OCR engine reads a letter or a few: a lone
``本`` between the two halves of a sentence, ``人 人 日`` between paragraphs. A letter alone is
also a heading (``列``, ``左``, a chapter's ``四``), a list label or a line of verse, so a line is
taken for debris only where the text shows it cannot be one:

- ``stray glyph``: one Han character (or lowercase Latin letter) alone on a line that cuts a
  sentence — the text line before it has not finished its sentence, and the text line after it
  goes on with it (it starts with a particle, a clause mark or the rest of a word; or, after
  running text with clause marks, it follows a comma, is inside a quotation the line opened, or
  is as wide as it and the line above it: a column goes on; after a bare line, a narrow column's,
  only the column does) —
  and that forms no word with the text on either side (``扫`` / ``本`` / ``兴而去``: debris;
  ``扫`` / ``兴``: the end of a wrapped line, kept), unless its own pairs are rare words and the
  two sides make a common one without it (``八`` / ``厂`` / ``方``). A heading stands after a
  finished sentence or another heading, never inside one; a paragraph's last line is followed by
  a new paragraph, not by the rest of a sentence, so a glyph before an indented line, a quotation
  or a word that opens a sentence (``总之``) is kept. A glyph after a finished sentence is kept:
  between two blocks it may be a one-character heading, or a section's number misread (Tesseract
  reads ``四`` as ``山``). A numeral is debris only where the sentence visibly goes on past it;
  particles, the characters that stand alone in text (``完``, ``续``, ``附``…) and a Latin letter
  beside Latin text never are.
- ``glyph soup``: three or more single Han characters set apart by spaces, fewer than half of
  the neighbours words (``人 人 日``; a spaced heading ``编 后 记`` is words and stays), or half
  when most are of the simplest shapes and none of the pairs is a common word (``川 人 几``; the
  spaced ``人 口 日`` has 人口 and stays).

Whether two characters make a word is jieba's word list (:func:`cleaner.suggest.words.in_word`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from itertools import pairwise

import regex

from cleaner import blocks
from cleaner.io.plausibility import tgh_levels
from cleaner.suggest.words import in_word
from cleaner.wrapping import CLOSING_STARTS, bound_starts, display_width, word_pairs

_HAN = regex.compile(r"\p{Han}")
_LETTER = regex.compile(r"[\p{Han}a-z]")
# Characters that stand alone as text: numerals (a section's number), and the words of a text's
# furniture a writer sets on a line of their own (完, 续, 附, 注…).
STANDALONE = frozenset("一二三四五六七八九十〇零百千万两壹贰叁肆伍陆柒捌玖拾甲乙丙丁完终续附注按序跋")
# Words that open a sentence, and so may open a paragraph (after one a lone glyph may be the last
# character of the paragraph before).
SENTENCE_OPENERS = tuple(
    "然而 总之 但是 可是 于是 因为 所以 如果 虽然 不过 后来 其实 同时 此外 另外 因此 这时 那时 原来 只是 况且 至于"
    " 尽管 即使 然后 接着 最后 首先 其次 例如 比如 据说 可见 看来".split()
)
_CLAUSE_END = frozenset("，、,；;")
# A colon, perhaps with a speck after it (基本图框项目是: ，).
_INTRODUCES = regex.compile(r"[：:][.。,，·]?$")
_OPENERS = frozenset("“‘「『（(《【〈[")
# Running text is at least this long (spaces aside) before a stray glyph can be said to cut it.
MIN_PROSE = 6
# Two lines of one column differ in width by a character or less (kinsoku moves a mark).
COLUMN_SLACK = 2
# A glyph soup has at least this many glyphs (two spaced glyphs are a spaced heading or name: 鲁 迅).
MIN_SOUP = 3
MAX_SOUP = 8


def _compact(plain: str) -> str:
    return "".join(plain.split())


def _glyph(plain: str) -> str | None:
    """The one letter of a line that holds nothing else (spaces aside)."""
    compact = plain if len(plain) == 1 else _compact(plain)
    return compact if len(compact) == 1 and _LETTER.match(compact) else None


def _unfinished(before: str) -> bool:
    """Whether ``before`` is a line of running text (not a caption, credit or byline) whose
    sentence goes on past its end (a colon introduces what follows: a list of items, each of which
    may be one character)."""
    if len(before) < MIN_PROSE or not _HAN.search(before) or blocks.ends_sentence(before):
        return False
    return not _INTRODUCES.search(before) and blocks.static_kind(before) == blocks.TEXT


def _visibly_goes_on(before: str, after: str) -> bool:
    """Whether ``after`` can only go on with the sentence of ``before``: it starts with a particle,
    a clause mark, a mark no line starts with (``。``, a closing bracket), or the rest of a word
    ``before`` ends with."""
    return (
        after[0] in bound_starts()
        or after[0] in _CLAUSE_END
        or after[0] in CLOSING_STARTS
        or in_word(before[-1], after[0])
    )


def _goes_on(before: str, after: str, above: str | None) -> bool:
    """Whether ``after`` goes on with the sentence of ``before``: visibly; or, when ``before`` is
    running text (it has clause marks: a heading has none), anything but a new quotation after a
    comma or inside a quotation ``before`` opened, or a line as wide as ``before`` and the line
    ``above`` it (three lines of one column: the glyph is no paragraph's short last line; two whole
    paragraphs may be as wide by chance)."""
    if _visibly_goes_on(before, after):
        return True
    if after[0] in _OPENERS or after.startswith(SENTENCE_OPENERS):
        return False  # a new quotation or sentence may start a new paragraph: the glyph may end one
    if not (blocks.has_clause_marks(before) or blocks.has_inner_stop(before)):
        # A bare line (a narrow column's lines often are) goes on where the lines on either side
        # and the line above make one column: the glyph sits inside it.
        return above is not None and len(after) >= MIN_PROSE and _one_column(above, before, after)
    if before[-1] in _CLAUSE_END or _unclosed(before):
        return True
    return above is not None and _one_column(above, before, after)


_PAIRS = {"“": "”", "「": "」", "『": "』", "（": "）", "(": ")", "《": "》", "【": "】"}
_LAST_SENTENCE = regex.compile(r"[^。！？!?]*$")


def _unclosed(text: str) -> bool:
    """Whether the last sentence of ``text`` opens a quotation or bracket it does not close
    (``他说，“我``): that sentence goes on past the line's end. Only the last sentence is read: a
    paragraph joined wrongly before may hold a quotation that never closes."""
    sentence = _LAST_SENTENCE.search(text).group()
    return any(sentence.count(opener) > sentence.count(closer) for opener, closer in _PAIRS.items())


def _seam_word(before: str, glyph: str, after: str) -> bool:
    """Whether the text on either side of ``glyph`` makes a word that usually sits inside words
    (``全`` / ``山`` / ``国``: 全国) while the glyph makes no such word with either side: read without
    the glyph, the sentence reads plainly better."""
    strong = word_pairs()
    return after[0] in strong.get(before[-1], "") and not (
        glyph in strong.get(before[-1], "") or after[0] in strong.get(glyph, "")
    )


def _one_column(*lines: str) -> bool:
    """Whether ``lines`` are as wide as each other, within COLUMN_SLACK."""
    widths = [display_width(line) for line in lines]
    return max(widths) - min(widths) <= COLUMN_SLACK


def _latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


def stray_glyph(
    glyph: str, before: str, after: str | None, after_indented: bool = False, above: str | None = None
) -> bool:
    """A lone ``glyph`` between the text line ``before`` and the text line ``after`` (None at the
    document's end; ``after_indented`` when it starts a paragraph by its indentation; ``above`` the
    text line before ``before``) inside a sentence that goes on past it, joining no word on either
    side."""
    # A particle (cleaner/data/bound_starts.txt) alone after an unfinished line ends it: 他走 / 了.
    if glyph in bound_starts() or after is None or after_indented:
        return False
    before, after = _compact(before), _compact(after)
    if not _unfinished(before):
        return False
    if glyph in STANDALONE and not _visibly_goes_on(before, after):
        return False  # a section's number stands where a sentence may have ended, never inside one
    if not _goes_on(before, after, None if above is None else _compact(above)):
        return False
    if _latin(glyph) and (_latin(before[-1]) or _latin(after[0])):
        return False  # a Latin letter beside Latin text is a piece of its word ("<b" / "r")
    return not (in_word(before[-1], glyph) or in_word(glyph, after[0])) or _seam_word(before, glyph, after)


# The first character of five strokes in the 通用规范汉字表's level 1, which is in stroke order.
_FIRST_OF_FIVE_STROKES = "玉"


def simple_glyphs() -> frozenset[str]:
    """The Han characters of at most four strokes in common use (人, 口, 工, 王…): the shapes an
    OCR engine reads a blob, a speck or a piece of a picture as, having little to match it with."""
    return _level_one_before(_FIRST_OF_FIVE_STROKES)


@cache
def _level_one_before(first: str) -> frozenset[str]:
    """The characters of the 通用规范汉字表's level 1 (in stroke order) before ``first``."""
    level_one = tgh_levels()[0]
    return frozenset(level_one[: level_one.index(first)])


def glyph_soup(plain: str) -> bool:
    """Three to eight single Han characters set apart by spaces, fewer than half of the neighbours
    words (a glyph read twice, ``人 人``, is no word either), or half when they are blob-like
    (``川 人 几``, ``土 入 人``: blobs read as glyphs make a rare word now and then): a spaced
    heading is words throughout (``编 后 记``, ``中 华 人 民 共 和 国``), or common words and fuller
    characters (``人 物 志``, ``人 口 日``)."""
    tokens = plain.split()
    if not MIN_SOUP <= len(tokens) <= MAX_SOUP or any(len(t) != 1 or not _HAN.match(t) for t in tokens):
        return False
    if all(t in STANDALONE for t in tokens):
        return False  # 一 二 三: numbers
    words = sum(a != b and in_word(a, b) for a, b in pairwise(tokens))
    pairs = len(tokens) - 1
    return words * 2 < pairs or (words * 2 == pairs and _blob_like(tokens))


def margin_glyphs(tail: str) -> bool:
    """Whether ``tail``, what stands past a wide gap after a line's finished sentence, is what an
    engine reads a blob or a rule in the page's margin as: one or two characters of at most five
    strokes (Tesseract reads them as ``本``, ``一``, ``人``), a bar, an asterisk, a Latin letter
    (``…的月亮的影。     I``, ``…路。         *``). Digits and fuller characters may be a table's
    column and are not."""
    glyphs = "".join(tail.split())
    if len(glyphs) == 1 and (glyphs in "|｜*" or (glyphs.isascii() and glyphs.isalpha())):
        return True
    few_strokes = _level_one_before(_FIRST_OF_SIX_STROKES)
    return 0 < len(glyphs) <= 2 and all(glyph in few_strokes for glyph in glyphs)


# The first character of six strokes in the 通用规范汉字表's level 1, which is in stroke order.
_FIRST_OF_SIX_STROKES = "邦"


def _blob_like(glyphs: Sequence[str]) -> bool:
    """Whether most ``glyphs`` are of the simplest shapes and no two of them make a word that
    usually sits inside words (a spaced heading's ``人 口``; ``川 人``, a rarer pair, is chance)."""
    strong = word_pairs()
    simple = sum(glyph in simple_glyphs() for glyph in glyphs)
    return simple * 2 > len(glyphs) and not any(b in strong.get(a, "") for a, b in pairwise(glyphs))


def find(
    plains: Sequence[str],
    furniture: Mapping[int, str],
    indented: Sequence[bool] | None = None,
    candidates: Iterable[int] | None = None,
) -> list[int]:
    """The indices of the debris lines among ``plains`` (lines without marks or indentation), the
    ``furniture`` found already left out as text on either side. ``indented`` says which lines were
    indented: in a document that indents some lines and not others, such a line starts a paragraph.
    Only ``candidates`` are looked at, if given (the short lines: every form is short)."""
    found = []
    starts: Sequence[bool] | None = None
    for i in range(len(plains)) if candidates is None else candidates:
        plain = plains[i]
        if len(plain) > 2 * MAX_SOUP or i in furniture:
            continue
        if " " in plain and glyph_soup(plain):
            found.append(i)
        elif (glyph := _glyph(plain)) is not None:
            before = _text_line(plains, furniture, i, -1)
            after = _text_line(plains, furniture, i, 1)
            if before is None:
                continue
            if starts is None:
                starts = _paragraph_starts(plains, indented)
            above = _text_line(plains, furniture, before, -1)
            if stray_glyph(
                glyph,
                plains[before],
                None if after is None else plains[after],
                after is not None and starts[after],
                None if above is None else plains[above],
            ):
                found.append(i)
    return found


def _text_line(plains: Sequence[str], furniture: Mapping[int, str], i: int, step: int) -> int | None:
    """The index of the nearest line of text (not empty, not furniture) before or after line ``i``."""
    j = i + step
    while 0 <= j < len(plains) and (j in furniture or not plains[j].strip()):
        j += step
    return j if 0 <= j < len(plains) else None


def _paragraph_starts(plains: Sequence[str], indented: Sequence[bool] | None) -> Sequence[bool]:
    """Which lines start a paragraph by their indentation: none unless the document indents some of
    its lines and not others."""
    lines = sum(1 for plain in plains if plain.strip())
    if indented is not None and 2 <= sum(indented) < lines:
        return indented
    return [False] * len(plains)
