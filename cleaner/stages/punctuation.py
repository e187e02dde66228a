"""The ``punctuation`` stage: full-width punctuation in Chinese text, ASCII everywhere else.

Chinese context
---------------
A half-width mark is converted only where it belongs to Chinese text. The neighbours of a mark
are found by looking left and right past spaces and line breaks (a paragraph's lines are joined
later) — on the left also past closing marks ``" ' ) ] * _``, on the right past opening marks
``" ' ( [ * _``. A neighbour is

- **Chinese**: a Han character (``cleaner.script.CJK``, with 〇) or full-width Chinese
  punctuation (``cleaner.script.CJK_PUNCT``: ，。、；：？！（）《》“”‘’……—— ·);
- **token after Chinese**: a word of Latin letters, digits and ``. , : % ‰ ℃ ° + - / # &``
  (``5.3%``, ``PVDF``, ``2021``, ``1,000``, ``3:1``), or a protected span (a URL, an e-mail
  address, a path), whose other side, past spaces, is Chinese;
- **token at the edge**: such a word whose other side is the start/end of the paragraph;
- **Latin**: such a word whose other side is anything else (another word: English prose);
- **edge**: the start or end of the paragraph; **other**: any other character.

A half-width ``, ; : ? !`` (and ``...``) is in Chinese context when

1. its left neighbour is Chinese (``渌口区,`` ``5万吨,`` ``”,“`` ``……”,``); or
2. its left neighbour is a token after Chinese and its right neighbour is Chinese or the edge
   (``增长5.3%,同比`` ``芳纶、PVDF,树脂``), or a token after Chinese with no space between it and
   the mark (``第7,8位`` ``使用Python,Java和Go``; but ``他说 hello, world 然后`` stays); or
3. its right neighbour is Chinese and its left neighbour is not Latin
   (``Python,是`` at the start of a paragraph).

So a comma between a Chinese word and an English one (``渌口区,PVDF``) is Chinese, one between
two English words of an English sentence inside Chinese text (``他说 hello, world``) is not.

Never converted, whatever the neighbours: URLs, e-mail addresses, file paths (with Chinese in
them where their shape says so: :mod:`cleaner.links`), inline code in backticks, HTML entities,
emoticons (``中文 ;-)``), numbers with thousands separators (``1,000``, ``12,345,678``) and
digit–colon–digit groups (``10:30``, ``3:1``). Full stops are never touched (``3.14``,
``3.16亿元``, ``1. `` list numbers), nor are ``+`` (``2+9+129``) or full-width dashes (``8—13#``),
nor a ``:`` right before ``/`` or ``\\`` or a ``?``/``!`` right before ``=`` (``!=``). Code outside
backticks is recognised only by these rules: ASCII between ASCII stays ASCII.

Parentheses are converted as a pair (both or neither; an unmatched one is left alone): a pair
around text containing a Han character (``(PI膜、芳纶)`` ``(区)`` ``PVDF(其中石墨稀…)``), unless
it reads like a function call (a letter or digit right before ``(`` and no Chinese at the start
of the content); a pair around non-Chinese text when the character right before ``(`` is Chinese
(``增长(2021)``), or when ``(`` starts a line and a Han character follows ``)`` (``(1)抓好``).

Straight quotes are paired in order (``"`` opens when no quote is open and closes otherwise;
``“``/``”`` count too, so a straight quote can close a curly one); a pair with a straight quote
becomes ``“”`` when its content holds a Han character or the character before it is Chinese, and
it is no code's (``")}"`` closing ``join(``: see :func:`quotes_code`).
Single quotes do the same with ``‘’``, ignoring apostrophes between letters (``don't``).

Other fixes:

- ``fullwidth_in_english``: ``，。；：！？（）`` after a word in a line of Latin words with no Han
  character become ASCII, with a space after where a word follows (``"Hi！"`` → ``"Hi!"``); after
  a quoted word too (``“world”。``) when the whole paragraph has no Han character;
- ``halfwidth_period``: a ``.`` ending a Chinese sentence (after a Han character, at the end of a
  line or before the next Han character, also with closing quotes between: ``"我同意."``)
  becomes ``。``; see :func:`sentence_period`;
- ``ellipsis``: ``...`` (three or more dots) in Chinese context and ``。。。`` become ``……``;
- ``dash``: a ``--``, or a ``-`` with spaces on both sides, between two Han characters (the
  spaces go too) becomes ``——``; a tight ``-`` between Han characters (a compound, or an OCR
  speck) and hyphens between digits or letters (``2024-01-05``, ``COVID-19``) stay;
- ``number_comma``: a full-width comma inside a number that looks like thousands groups becomes
  ``,`` (``1，000`` → ``1,000``; exactly three digits after every comma and one to three before
  the first). ``第7，8位`` stays: one digit after the comma is a list, not a number. Note that
  ``100，200，300`` (a list of three numbers) cannot be told from 100,200,300 and becomes the
  latter.

Every edit's ``rule`` names the fix: ``halfwidth_comma``, ``halfwidth_semicolon``,
``halfwidth_colon``, ``halfwidth_question``, ``halfwidth_exclamation``, ``parentheses``,
``quotes``, ``single_quotes``, ``ellipsis``, ``dash``, ``number_comma``, ``halfwidth_period``, ``fullwidth_in_english``,
``ocr_bracket`` (brackets an OCR engine misread, mended by their pair: see :func:`ocr_brackets`),
``ocr_speck`` (a dot right after a Chinese mark: see :func:`speck_dots`), ``ocr_colon`` (a ``;``
between a verb of speech and a quotation: see :func:`speech_colon`), ``ocr_dash`` (``一一`` right
before a mark, a personal pronoun or a conjunction, a dash misread: see :func:`ocr_dashes`),
``ocr_closing_quote`` (an opening quotation mark ending a paragraph after its final mark, a
closing one misread: see :func:`misread_closing_quotes`).
The stage repeats until
nothing changes (one conversion can put a neighbour in Chinese context), each round a ``step``;
a run of marks (``?!``, ``!!!``) is judged as one.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import replace

from cleaner import blocks, links, markdown
from cleaner.config import PunctuationOptions
from cleaner.model import PARAGRAPH_SEPARATOR, Change, Document, Edit, StageFn, apply_changes, rewrite
from cleaner.script import CHINESE, CJK

STAGE = "punctuation"
# Rounds end when nothing changes: each round only turns ASCII marks full-width (or thousands
# commas half-width, which are then protected), so they cannot undo each other. The cap only
# guards against a mistake.
_MAX_ROUNDS = 64

_FULLWIDTH = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
_RULES = {
    ",": "halfwidth_comma",
    ";": "halfwidth_semicolon",
    ":": "halfwidth_colon",
    "?": "halfwidth_question",
    "!": "halfwidth_exclamation",
}

_CHINESE_RE = re.compile(f"[{CHINESE}]")
_HAN_RE = re.compile(f"[{CJK}]")

# Neighbour classes.
EDGE, ZH, ZH_TOKEN, TOKEN_EDGE, LATIN, OTHER = "edge", "zh", "zh_token", "token_edge", "latin", "other"
_TOKEN_LIMIT = 64

_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,:%‰℃°+-/#&")
_SPACE_CHARS = frozenset(" \t\n")
_LEFT_SKIP = frozenset(" \t\n\"')]*_")
_RIGHT_SKIP = frozenset(" \t\n\"'([*_")

# Spans never touched. ASCII classes only: in Python's ``re`` ``\w`` matches Han characters too.
# (the strings every such span holds, the pattern). No span crosses a line break, so each pattern
# runs only on the lines that hold one of its strings: most of a long document is never scanned.
_PROTECTED: list[tuple[tuple[str, ...], re.Pattern[str]]] = [
    (
        ("://", "www."),
        re.compile(
            r"(?:(?<![A-Za-z0-9+.\-])[A-Za-z][A-Za-z0-9+.\-]*://|(?<![A-Za-z0-9.])www\.)"
            r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*[A-Za-z0-9\-_~/#=&%]"
        ),
    ),
    (("@",), re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")),
    ((":\\",), re.compile(r"(?<![A-Za-z0-9])[A-Za-z]:\\[A-Za-z0-9._\-\\ ]*")),
    (("/",), re.compile(r"(?<![A-Za-z0-9_.])(?:~|\.{1,2})?/[A-Za-z0-9._\-]+(?:/[A-Za-z0-9._\-]*)+")),
    (("`",), re.compile(r"`[^`\n]+`")),
    (("&",), re.compile(r"&#?[A-Za-z0-9]+;")),
    # A call with a string literal written into prose (``使用printf("你好,世界\\n");输出``): an ASCII
    # name right before the bracket and a quote right after it; prose never writes ``word("``.
    (
        ('("', "('"),
        re.compile(r"(?<![A-Za-z0-9_])[A-Za-z_][A-Za-z0-9_.]*\(\s*(?:\"[^\"\n]*\"|'[^'\n]*')[^()\n]*\);?"),
    ),
    # An emoticon: with a nose anywhere (``好的;-)``), without one only standing alone (``中文 :)``),
    # since ``注:)`` more likely closes a bracket.
    (
        (":", ";"),
        # (The mark first, so that ``re`` can scan for it.)
        re.compile(r"[:;](?:(?<![A-Za-z0-9][:;])-[()DPp](?![A-Za-z0-9(])|(?<!\S[:;])[()DPp](?!\S))"),
    ),
    # Numbers (1,000 and 10:30) are checked where a mark sits between two digits: see _in_number.
]
_THOUSANDS = re.compile(r"(?<![0-9.,])[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])")
_NUMBER_CHARS = frozenset("0123456789,")
_FULLWIDTH_NUMBER_COMMA = re.compile(r"[0-9]，[0-9]{3}")
# Patterns that start with a character class are searched fast by ``re``; alternations are not.
_CANDIDATES = re.compile(r"[,;:?!()\"'\-〈\[【\]]")
_MARKS = re.compile(r"[,;:?!]+")
_ELLIPSIS = re.compile(r"\.{3,}|。{3,}")
_PAIRED = re.compile(r"[()\"']")
_HYPHENS = re.compile(r"-+")
_NUMBER_COMMA = re.compile(r"(?<![0-9.,，])[0-9]{1,3}(?:[,，][0-9]{3})+(?![0-9])")
_PARENS = re.compile(r"[()（）]")
_DOUBLE_QUOTES = re.compile(r"[\"“”]")
# An apostrophe between letters is no quote, nor is a doubled ``''`` (TeX's closing quote, as in
# ````custom''``) or a quote right after a backtick.
_SINGLE_QUOTES = re.compile(r"(?<![A-Za-z'`])'(?!')|(?<!['`])'(?![A-Za-z'])|[‘’]")


class _Protected:
    """The protected spans of ``text[lo:hi]``, for fast membership tests."""

    def __init__(self, text: str, lo: int = 0, hi: int | None = None) -> None:
        hi = len(text) if hi is None else hi
        self.starts: list[int] = []
        self.ends: list[int] = []
        found = {span for strings, pattern in _PROTECTED for span in _line_matches(text, lo, hi, strings, pattern)}
        # A URL, path or anchor with Chinese in it, which the patterns end at the Chinese.
        spans = sorted([*found, *links.spans(text, lo, hi)])
        for start, end in spans:
            if self.ends and start < self.ends[-1]:
                self.ends[-1] = max(self.ends[-1], end)
            else:
                self.starts.append(start)
                self.ends.append(end)

    def __contains__(self, position: int) -> bool:
        return self.span_at(position) is not None

    def span_at(self, position: int) -> tuple[int, int] | None:
        if not self.starts:
            return None
        index = bisect.bisect_right(self.starts, position) - 1
        if index >= 0 and position < self.ends[index]:
            return self.starts[index], self.ends[index]
        return None


def _line_matches(
    text: str, lo: int, hi: int, strings: tuple[str, ...], pattern: re.Pattern[str]
) -> Iterator[tuple[int, int]]:
    """The spans ``pattern`` matches in ``text[lo:hi]``, searched only on the lines holding one of
    ``strings`` (every match holds one, and none crosses a line break)."""
    for string in strings:
        at = text.find(string, lo, hi)
        while at >= 0:
            start = text.rfind("\n", lo, at) + 1 or lo
            end = text.find("\n", at, hi)
            end = hi if end < 0 else end
            for match in pattern.finditer(text, start, end):
                yield match.span()
            at = text.find(string, end, hi)


_NOTHING_PROTECTED = _Protected("")


def _in_number(text: str, start: int) -> bool:
    """Whether the ``,`` or ``:`` at ``start`` is part of a number: ``1,000``, ``10:30``, ``3:1``.

    >>> _in_number("共1,000人", 2), _in_number("10:30", 2), _in_number("第7,8位", 2)
    (True, True, False)
    """
    if not (0 < start < len(text) - 1 and text[start - 1].isdigit() and text[start + 1].isdigit()):
        return False
    if not (text[start - 1].isascii() and text[start + 1].isascii()):
        return False
    if text[start] == ":":
        return True
    a, b = start, start + 1
    while a > 0 and text[a - 1] in _NUMBER_CHARS:
        a -= 1
    while b < len(text) and text[b] in _NUMBER_CHARS:
        b += 1
    return any(m.start() < start < m.end() for m in _THOUSANDS.finditer(text, a, b))


def _is_chinese(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or _CHINESE_RE.match(ch) is not None


def _left(text: str, i: int, protected: _Protected = _NOTHING_PROTECTED, lo: int = 0) -> str:
    """The class of the left neighbour of the mark at ``i`` (see the module docstring).

    ``lo`` is where the paragraph starts.
    """
    j = i - 1
    while j >= lo and text[j] in _LEFT_SKIP:
        j -= 1
    if j < lo:
        return EDGE
    ch = text[j]
    span = protected.span_at(j)
    if span is not None or ch in _TOKEN_CHARS:
        # A URL, number or other protected span is a token too.
        k, limit = (span[0] - 1, lo - 1) if span is not None else (j, j - _TOKEN_LIMIT)
        while k >= lo and k > limit and text[k] in _TOKEN_CHARS:
            k -= 1
        while k >= lo and text[k] in _SPACE_CHARS:
            k -= 1
        if k < lo:
            return TOKEN_EDGE
        return ZH_TOKEN if _is_chinese(text[k]) else LATIN
    return ZH if _is_chinese(ch) else OTHER


def _right(text: str, i: int, protected: _Protected = _NOTHING_PROTECTED, hi: int | None = None) -> str:
    """The class of the right neighbour of a mark ending at ``i``; ``hi``: where the paragraph ends."""
    n = len(text) if hi is None else hi
    j = i
    while j < n and text[j] in _RIGHT_SKIP:
        j += 1
    if j >= n:
        return EDGE
    ch = text[j]
    span = protected.span_at(j)
    if span is not None or ch in _TOKEN_CHARS:
        k, limit = (span[1], n) if span is not None else (j, j + _TOKEN_LIMIT)
        while k < n and k < limit and text[k] in _TOKEN_CHARS:
            k += 1
        while k < n and text[k] in _SPACE_CHARS:
            k += 1
        if k >= n:
            return TOKEN_EDGE
        return ZH_TOKEN if _is_chinese(text[k]) else LATIN
    return ZH if _is_chinese(ch) else OTHER


def in_chinese_context(
    text: str, start: int, end: int, protected: _Protected = _NOTHING_PROTECTED, lo: int = 0, hi: int | None = None
) -> bool:
    """Whether the half-width mark ``text[start:end]`` belongs to Chinese text (rules 1–3).

    >>> in_chinese_context("增长5.3%,同比", 8, 9), in_chinese_context("hello, world", 5, 6)
    (True, False)
    """
    left = _left(text, start, protected, lo)
    if left == ZH:
        return True
    right = _right(text, end, protected, hi)
    if left == ZH_TOKEN:
        if right in (ZH, EDGE):
            return True
        # ``第7,8位`` is Chinese; ``他说 hello, world 然后`` (a space after the mark) is English.
        if right == ZH_TOKEN and text[end : end + 1] not in _SPACE_CHARS:
            return True
    return right == ZH and left != LATIN


def _line_has_han(text: str, start: int, end: int, lo: int = 0, hi: int | None = None) -> bool:
    """Whether the line holding ``text[start:end]`` has a Han character."""
    hi = len(text) if hi is None else hi
    first = text.rfind("\n", lo, start) + 1 if lo < start else lo
    last = text.find("\n", end, hi)
    return _HAN_RE.search(text, max(first, lo), hi if last < 0 else last) is not None


def halfwidth_marks(
    text: str, start: int, end: int, protected: _Protected = _NOTHING_PROTECTED, lo: int = 0, hi: int | None = None
) -> list[Change]:
    """``, ; : ? !`` in Chinese context become ``，；：？！``; ``...`` and ``。。。`` become ``……``.

    A run of marks (``?!``, ``!!!``) is judged as one: by the neighbours of the whole run.

    >>> [c.after for c in halfwidth_marks("渌口区,株洲", 3, 4)]
    ['，']
    >>> [c.after for c in halfwidth_marks("真的吗?!", 3, 5)]
    ['？', '！']
    >>> halfwidth_marks("10:30 a.m., then", 10, 11)
    []
    """
    marks = text[start:end]
    if marks in (",", ":") and _in_number(text, start):
        return []
    if marks[0] == "。":
        return [Change(start, end, "……", "ellipsis")]
    if not in_chinese_context(text, start, end, protected, lo, hi):
        return []
    if not _line_has_han(text, start, end, lo, hi):
        return []  # a full-width mark beside it is no Chinese text ("A：," is an English line)
    if marks[0] == ".":
        return [Change(start, end, "……", "ellipsis")]
    following = text[end : end + 1]
    if (marks[-1] == ":" and following in ("/", "\\")) or (marks[-1] in "?!" and following == "="):
        return []
    if len(marks) == 1:
        return [Change(start, end, _FULLWIDTH[marks], _RULES[marks])]
    return [Change(start + i, start + i + 1, _FULLWIDTH[mark], _RULES[mark]) for i, mark in enumerate(marks)]


# Verbs that introduce speech: the mark after one, before the quotation, is a colon.
_SPEECH_VERBS = frozenset("说道问叫喊答曰云嚷骂")
_QUOTATION_AFTER = re.compile(r"[ \t]?[“\"]")


def speech_colon(text: str, at: int) -> bool:
    """A ``;`` between a verb of speech and a quotation is the ``：`` an OCR engine misread (of
    Tesseract's reading of rendered novels, 6 of 6 such semicolons were colons).

    >>> speech_colon('王夫人问; “谁在房里呢？”', 4), speech_colon('有利于发展; “三农”问题', 5)
    (True, False)
    """
    return at > 0 and text[at - 1] in _SPEECH_VERBS and _QUOTATION_AFTER.match(text, at + 1) is not None


# A dash Tesseract reads as two 一 (``快来救人呀一一”``): the adverb 一一 ("one by one") is always
# followed by its verb, never by a mark, a personal pronoun or a conjunction (``小栓一一你不要这么咳``,
# ``…一一而小尼姑之流``); a run of numerals (``十一一``, ``一一一``) is left alone.
_OCR_DASH = re.compile(
    r"(?<![一二三四五六七八九十百千万〇零两])一一(?=[，。、；：？！”’」』）)…,.;:?!]|[你我他她它咱您]|[虽而但便却])"
)


def ocr_dashes(text: str, lo: int = 0, hi: int | None = None) -> list[Change]:
    """``一一`` right before a punctuation mark, a personal pronoun or a conjunction is a dash
    misread: ``——``.

    >>> [c.after for c in ocr_dashes("快来救人呀一一”他说")], ocr_dashes("一一列举，一一作答")
    (['——'], [])
    >>> [c.after for c in ocr_dashes("小栓一一你不要这么咳。")], ocr_dashes("他们一一握手。凤姐一一的答应")
    (['——'], [])
    """
    hi = len(text) if hi is None else hi
    return [Change(m.start(), m.end(), "——", "ocr_dash") for m in _OCR_DASH.finditer(text, lo, hi)]


def dash(text: str, hyphens: re.Match[str], lo: int = 0, hi: int | None = None) -> Change | None:
    """A ``--``, or a ``-`` with spaces on both sides, between Han characters is a dash typed on
    an ASCII keyboard: ``——``. A tight ``-`` is left as it is: it joins a compound
    (``网格-模板-列``) or is a speck an OCR engine read (``木卫二-图像``).

    Spaces or tabs around it go with it.

    >>> dash("改革 - 发展", _HYPHENS.search("改革 - 发展")).after
    '——'
    >>> dash("COVID-19", _HYPHENS.search("COVID-19")) is None
    True
    """
    hi = len(text) if hi is None else hi
    start, end = hyphens.span()
    if end - start > 2:
        return None
    single = end - start == 1
    while start > lo and text[start - 1] in " \t":
        start -= 1
    while end < hi and text[end] in " \t":
        end += 1
    if single and (start == hyphens.start() or end == hyphens.end()):
        return None  # a tight "-" joins a compound (网格-模板-列) or is a speck an OCR engine read
    if start > lo and end < hi and _HAN_RE.match(text[start - 1]) and _HAN_RE.match(text[end]):
        return Change(start, end, "——", "dash")
    return None


_SENTENCE_PERIOD = re.compile(f"(?<=[{CJK}”’）》」』])\\.(?![.。])")
# Quotes and brackets that close around a sentence: its full stop may stand before them
# (``他说："我同意."然后``), and the sentence still ends after them.
_CLOSING_AFTER_PERIOD = frozenset("\"'”’）》」』)")


def _past_closing_marks(text: str, at: int, hi: int) -> int:
    """Where the closing quotes and brackets that start at ``at`` end."""
    while at < hi and text[at] in _CLOSING_AFTER_PERIOD:
        at += 1
    return at


def sentence_period(text: str, lo: int = 0, hi: int | None = None) -> list[Change]:
    """A half-width ``.`` ending a Chinese sentence becomes ``。`` (``你好，再见.``).

    Only right after a Han character (or a closing quote or bracket after one), and only where the
    sentence ends: at the end of a line or before a Han character, also past the quotes and
    brackets that close around the sentence (``他说："我同意."然后``). Never in a number (``3.14``),
    version or file name (``文件.txt``: a letter follows), URL, abbreviation or English (a Latin
    letter before the dot), nor in ``...``.

    >>> [c.after for c in sentence_period("你好，再见.\\n文件.txt，3.5亿")]
    ['。']
    """
    hi = len(text) if hi is None else hi
    changes = []
    for match in _SENTENCE_PERIOD.finditer(text, lo, hi):
        start = match.start()
        if start > 0 and text[start - 1] in "”’）》」』" and not _HAN_RE.match(text[start - 2 : start - 1] or " "):
            continue
        after = _past_closing_marks(text, start + 1, hi)
        following = text[after : after + 1] if after < hi else ""
        if (
            following in ("", "\n")
            or _HAN_RE.match(following)
            or (following == " " and _HAN_RE.match(text[after + 1 : after + 2] or " "))
        ):
            changes.append(Change(start, start + 1, "。", "halfwidth_period"))
    return changes


# A ``.`` right after a Chinese mark (spaces between allowed), before Chinese text, a mark or the
# line's end: no sentence ends twice, so it is a speck the OCR engine read (``不信，.只问``).
_SPECK_AFTER = f"{CJK}“”‘’「」『』《》〈〉【】（）()\\[\\]，。、；：！？,;:?!\"'"
# Or a ``.`` set apart by a space after a Han character, before another or the line's end: a
# sentence's end sits against its last character (``坚决纠正 .执纪执法``, ``从个人所得税 .``).
# (Each pattern starts with a character class or a literal, which ``re`` scans for fast; the
# speck is the match without its first character.)
_SPECK_AFTER_MARK = re.compile(f"[，。、；：！？]( ?\\.)(?!\\.)(?= ?(?:[{_SPECK_AFTER}]|$))", re.M)
_SPECK_APART = re.compile(f" \\.(?=[{CJK}]|$)", re.M)


# A dot after a half-width mark, bracket or quote that a round may make full-width: a speck, or a
# sentence's end (``（一）.``), only then.
_DOT_LATER = re.compile(r"[,;:?!)\"'] ?\.(?!\.)")


def speck_dots(text: str, lo: int = 0, hi: int | None = None) -> list[Change]:
    """A ``.`` right after ``，。、；：！？`` (a space between allowed), before a Han character, a
    Chinese mark or the line's end, is a speck the OCR engine read as a dot: it goes, with the
    space before it. So is a ``.`` after a Han character and a space, before a Han character or
    the line's end (in Tesseract's output of rendered pages, 5 of 5 such dots were specks).

    >>> [(c.start, c.end, c.after) for c in speck_dots("太太不信，.只问宝姐姐。 .\\n1、.NET，3.5亿")]
    [(5, 6, ''), (12, 14, '')]
    >>> [(c.start, c.end) for c in speck_dots("坚决纠正 .执纪执法，所得税 .\\n你好.")]
    [(4, 6), (14, 16)]
    """
    hi = len(text) if hi is None else hi
    found = [Change(m.start(1), m.end(1), "", "ocr_speck") for m in _SPECK_AFTER_MARK.finditer(text, lo, hi)]
    apart = [
        Change(m.start(), m.end(), "", "ocr_speck")
        for m in _SPECK_APART.finditer(text, lo, hi)
        if m.start() > lo and _HAN_RE.match(text, m.start() - 1)
    ]
    return sorted(found + apart, key=lambda c: c.start) if apart else found


_TO_ASCII = {"，": ",", "。": ".", "；": ";", "：": ":", "！": "!", "？": "?", "（": "(", "）": ")"}
_ENGLISH_MARKS = re.compile("[，。；：！？（）]")
_LETTER = re.compile("[A-Za-z]")
_CURLY_QUOTES = str.maketrans("", "", "“”‘’")
_OTHER_CJK = re.compile("[\u3000-\u30ff\uac00-\ud7af\uff00-\uffef]")  # kana, hangul, CJK and full-width forms


def english_marks(text: str, lo: int = 0, hi: int | None = None) -> list[Change]:
    """Full-width marks in a line with no Han character but Latin words become ASCII, with the
    space English puts after them (``Said：Come and，Join us！`` → ``Said: Come and, Join us!``).

    >>> [c.after for c in english_marks('"Hi！"')]
    ['!']
    """
    hi = len(text) if hi is None else hi
    changes: list[Change] = []
    start = lo
    while start < hi:
        end = text.find("\n", start, hi)
        end = hi if end < 0 else end
        line = text[start:end]
        if _ENGLISH_MARKS.search(line) and _LETTER.search(line):
            rest = _ENGLISH_MARKS.sub("", line).translate(_CURLY_QUOTES)  # English uses curly quotes too
            if not _CHINESE_RE.search(rest) and not _OTHER_CJK.search(rest):
                # Past a closing quote only in an English paragraph: a line such as
                # ``"git revert --continue"。`` often ends a Chinese sentence begun on the line before.
                first, last = _paragraph_bounds(text, start, end, lo, hi)
                past_quotes = _HAN_RE.search(text, first, last) is None
                found = [
                    _english_mark(text, match.start(), start, past_quotes)
                    for match in _ENGLISH_MARKS.finditer(text, start, end)
                ]
                # All or nothing: a mark that follows no English word keeps the line Chinese to the
                # other rules, and converting the rest would undo what they do.
                kept = [change for change in found if change]
                # Only when the other rules leave the converted line alone: they must not undo it.
                if len(kept) == len(found) and _english_stays(text, start, end, kept, lo, hi):
                    changes += kept
        start = end + 1
    return changes


def _paragraph_bounds(text: str, start: int, end: int, lo: int, hi: int) -> tuple[int, int]:
    """Where the paragraph holding ``text[start:end]`` starts and ends, inside ``lo``..``hi``."""
    first = text.rfind(PARAGRAPH_SEPARATOR, lo, start)
    first = lo if first < 0 else first + len(PARAGRAPH_SEPARATOR)
    last = text.find(PARAGRAPH_SEPARATOR, end, hi)
    return first, hi if last < 0 else last


def _english_stays(text: str, start: int, end: int, found: list[Change], lo: int, hi: int) -> bool:
    """Whether the other rules leave the line ``text[start:end]`` alone once ``found`` is applied,
    judged in its whole paragraph (their neighbours reach across lines)."""
    first, last = _paragraph_bounds(text, start, end, lo, hi)
    line = apply_changes(text[start:end], [replace(c, start=c.start - start, end=c.end - start) for c in found])
    paragraph = text[first:start] + line + text[end:last]
    offset = start - first
    return not any(offset <= c.start < offset + len(line) for c in _fix(paragraph, [0], english=False)[0])


def _english_mark(text: str, at: int, line_start: int, past_quotes: bool = False) -> Change | None:
    """The ASCII form of the full-width mark at ``at`` when it follows an English word, or with
    ``past_quotes`` a quoted one (``“world”。``; ``（``: when a word follows it), with a space after
    it where a word follows; else None."""
    mark = _TO_ASCII[text[at]]
    after = text[at + 1 : at + 2]
    before = text[at - 1 : at] if at > line_start else ""
    if mark == "(":
        word = after
    else:
        word = _word_end_before(text, at, line_start) if past_quotes else before
    if not (word.isascii() and word.isalnum()):
        return None
    if mark == "(" and before.isascii() and before.isalnum():
        mark = " ("
    elif mark != "(" and after.isascii() and after.isalnum():
        mark += " "
    return Change(at, at + 1, mark, "fullwidth_in_english")


# A quoted word ends a phrase as the bare word would (``“world”。``). Past a closing bracket the
# mark stays as typed, as before (``It is done (mostly)。``; autocorrect keeps it too).
_CLOSING_QUOTES = frozenset("\"'”’")


def _word_end_before(text: str, at: int, line_start: int) -> str:
    """The character before ``at``, past closing quotes ("" at the line's start)."""
    while at > line_start and text[at - 1] in _CLOSING_QUOTES:
        at -= 1
    return text[at - 1 : at] if at > line_start else ""


def number_comma(text: str, lo: int = 0, hi: int | None = None) -> list[Change]:
    """A full-width comma between thousands groups of a number becomes ``,``.

    >>> [c.start for c in number_comma("共1，234，567人，第7，8位")]
    [2, 6]
    """
    changes = []
    for match in _NUMBER_COMMA.finditer(text, lo, len(text) if hi is None else hi):
        for offset, ch in enumerate(match.group()):
            if ch == "，":
                changes.append(Change(match.start() + offset, match.start() + offset + 1, ",", "number_comma"))
    return changes


def parentheses(text: str, protected: _Protected) -> list[Change]:
    """Half-width ``( )`` around Chinese text become ``（ ）``, always as a pair.

    >>> [c.after for c in parentheses("两大战略材料(PI膜、芳纶)+四大", _Protected(""))]
    ['（', '）']
    >>> parentheses("函数f(x)的值", _Protected(""))
    []
    """
    changes: list[Change] = []
    stack: list[int] = []
    for match in _PARENS.finditer(text):
        position = match.start()
        if position in protected:
            continue
        if text[position] in "(（":
            stack.append(position)
            continue
        if not stack:
            continue
        opening = stack.pop()
        if text[opening] == "（" and text[position] == "）":
            continue
        if _parentheses_are_chinese(text, opening, position):
            if text[opening] == "(":
                changes.append(Change(opening, opening + 1, "（", "parentheses"))
            if text[position] == ")":
                changes.append(Change(position, position + 1, "）", "parentheses"))
    return sorted(changes, key=lambda c: c.start)


def _parentheses_are_chinese(text: str, opening: int, closing: int) -> bool:
    content = text[opening + 1 : closing]
    before = text[opening - 1] if opening > 0 else ""
    if _HAN_RE.search(content):
        first = content.lstrip()[:1]
        code_like = before.isascii() and before.isalnum() and not (first and _is_chinese(first))
        return not code_like
    if before and _is_chinese(before):
        return True
    after = text[closing + 1 : closing + 2]
    return before in ("", "\n") and bool(after) and _HAN_RE.match(after) is not None


def quotes(text: str, protected: _Protected) -> list[Change]:
    """Straight quotes around Chinese text become paired curly quotes ``“”`` (and ``‘’``).

    >>> [c.after for c in quotes('他说"你好", she said "hi"', _Protected(""))]
    ['“', '”']
    """
    return _pair_quotes(text, protected, _DOUBLE_QUOTES, '"', "“", "”", "quotes") + _pair_quotes(
        text, protected, _SINGLE_QUOTES, "'", "‘", "’", "single_quotes"
    )


def ascii_quoted(text: str, opening: int, closing: int) -> bool:
    """Whether a pair of straight quotes is set the ASCII way, a space outside on both sides
    (``表示一个 "不活动" 的状态``): a quoted technical term, an interface label or a literal, which
    stays as typed. Quotes typed in Chinese prose touch the text around them (``他说"你好"``).

    >>> ascii_quoted('表示一个 "不活动" 的状态', 5, 9), ascii_quoted('他说"你好"，', 2, 5)
    (True, False)
    """
    before = text[opening - 1] if opening > 0 else "\n"
    after = text[closing + 1] if closing + 1 < len(text) else "\n"
    return before in " \t" and after in " \t\n"


_OPENER = {")": "(", "]": "[", "}": "{"}


def quotes_code(text: str, opening: int, closing: int) -> bool:
    """Whether a pair of straight quotes is code's, not a quotation: its content starts with a
    closing bracket whose opener is a call's or an interpolation's, still open before the pair on
    its line. In ``"#{names.join("、")}"`` the quotes pair in order as ``"#{names.join("`` and
    ``")}"``; the second pair follows ``、`` but is the end of ``join(``. Quoting a bracket in prose
    (``缺少一个"]"``) is a quotation.

    >>> quotes_code('"#{names.join("、")}"', 16, 19), quotes_code('缺少一个"]"', 4, 6)
    (True, False)
    """
    first = text[opening + 1 : opening + 2]
    if first not in _OPENER:
        return False
    still_open: list[int] = []
    for position in range(text.rfind("\n", 0, opening) + 1, opening):
        ch = text[position]
        if ch in "([{":
            still_open.append(position)
        elif ch in ")]}" and still_open:
            still_open.pop()
    if not still_open or text[still_open[-1]] != _OPENER[first]:
        return False
    before = text[still_open[-1] - 1 : still_open[-1]]
    return before.isascii() and (before.isalnum() or before in "_#$")


def _stands_alone(text: str, position: int) -> bool:
    """Whether the mark at ``position`` has a space (or a line's edge) on both sides: it opens
    nothing and closes nothing, as a quotation mark touches the text it quotes.

    >>> _stands_alone("加上 ' 或者", 3), _stands_alone("他说'你好'", 2)
    (True, False)
    """
    before = text[position - 1] if position > 0 else "\n"
    after = text[position + 1] if position + 1 < len(text) else "\n"
    return before in " \t\n" and after in " \t\n"


def _pair_quotes(
    text: str, protected: _Protected, pattern: re.Pattern[str], straight: str, left: str, right: str, rule: str
) -> list[Change]:
    changes: list[Change] = []
    opening: int | None = None
    for match in pattern.finditer(text):
        position = match.start()
        if position in protected:
            continue
        ch = text[position]
        if ch == straight and _stands_alone(text, position):
            continue  # the mark itself, named in the text (``单引号 ' 标记``): no quotation opens or closes
        if ch == left or (ch == straight and opening is None):
            opening = position
            continue
        if opening is None:
            continue
        if straight in (text[opening], ch):
            content = text[opening + 1 : position]
            if "\n" in content:
                # Straight quotes pair within a line: across lines they are code's or stray ones.
                opening = position if ch == straight else None
                continue
            before = text[opening - 1] if opening > 0 else ""
            if ascii_quoted(text, opening, position) or quotes_code(text, opening, position):
                pass
            elif _HAN_RE.search(content) or (before and _is_chinese(before)):
                if text[opening] == straight:
                    changes.append(Change(opening, opening + 1, left, rule))
                if ch == straight:
                    changes.append(Change(position, position + 1, right, rule))
        opening = None
    return changes


def fix_punctuation(text: str) -> list[Change]:
    """All punctuation changes for one paragraph (or text), sorted and non-overlapping."""
    return _fix(text, [0])[0]


def _paragraph_ends(text: str, starts: list[int]) -> list[int]:
    return [start - len(PARAGRAPH_SEPARATOR) for start in starts[1:]] + [len(text)]


def _fix(
    text: str,
    starts: list[int],
    first: int = 0,
    last: int | None = None,
    english: bool = True,
    *,
    ends: list[int] | None = None,
) -> tuple[list[Change], set[int]]:
    """The changes in paragraphs ``first``..``last`` of ``text`` (``starts``: where each begins).

    Also returns the paragraphs in which a candidate was left alone that the changes might put
    in context: conversions only ever make neighbours more Chinese, so a paragraph in which every
    candidate was converted (or is protected) cannot change in another round.

    The whole text is searched at once (per-paragraph calls cost more than the searches); the
    neighbours of a mark are looked for inside its own paragraph only.
    """
    last = len(starts) - 1 if last is None else last
    ends = _paragraph_ends(text, starts) if ends is None else ends
    lo, hi = starts[first], ends[last]
    ellipsis = text.find("...", lo, hi) >= 0 or text.find("。。。", lo, hi) >= 0
    number = _FULLWIDTH_NUMBER_COMMA.search(text, lo, hi) is not None
    english = english and _ENGLISH_MARKS.search(text, lo, hi) is not None
    ocr_dash = text.find("一一", lo, hi) >= 0
    if not (
        ellipsis or number or english or ocr_dash or _CANDIDATES.search(text, lo, hi) or text.find(".", lo, hi) >= 0
    ):
        return [], set()
    protected = _Protected(text, lo, hi)
    changes: list[Change] = []
    declined: set[int] = set()
    marks = _MARKS.finditer(text, lo, hi)
    if ellipsis:
        marks = sorted([*marks, *_ELLIPSIS.finditer(text, lo, hi)], key=lambda m: m.start())
    paragraph = first
    any_protected = bool(protected.starts)
    for match in marks:
        start, end = match.span()
        while paragraph < last and start >= starts[paragraph + 1]:
            paragraph += 1
        if any_protected and (start in protected or end - 1 in protected):
            continue
        mark = match.group()
        if (mark == "," or mark == ":") and "0" <= text[start - 1] <= "9" and _in_number(text, start):
            continue
        if mark in _FULLWIDTH and start > starts[paragraph] and _HAN_RE.match(text[start - 1]):
            # The common case, rule 1 at once: one mark right after a Han character.
            following = text[end : end + 1]
            if mark == ";" and speech_colon(text, start):
                changes.append(Change(start, end, "：", "ocr_colon"))
                continue
            if not ((mark == ":" and following in ("/", "\\")) or (mark in "?!" and following == "=")):
                changes.append(Change(start, end, _FULLWIDTH[mark], _RULES[mark]))
                continue
        found = halfwidth_marks(text, start, end, protected, starts[paragraph], ends[paragraph])
        if found:
            changes += found
        else:
            declined.add(paragraph)
    # Changes of the marks above are sorted; the others are added to them below.
    extra: list[Change] = []
    position = text.find("-", lo, hi)
    while position >= 0:
        match = _HYPHENS.match(text, position)
        assert match is not None
        position = text.find("-", match.end(), hi)
        paragraph = bisect.bisect_right(starts, match.start()) - 1
        change = None if match.start() in protected else dash(text, match, starts[paragraph], ends[paragraph])
        if change is not None:
            extra.append(change)
    if number:
        extra += number_comma(text, lo, hi)
    if ocr_dash:
        extra += [c for c in ocr_dashes(text, lo, hi) if c.start not in protected]
    if text.find(".", lo, hi) >= 0:
        extra += [c for c in sentence_period(text, lo, hi) if c.start not in protected]
        specks = [c for c in speck_dots(text, lo, hi) if c.end - 1 not in protected]
        extra += specks
        # (a speck gone may bring marks together: ``。。.。`` is an ellipsis then)
        declined.update(bisect.bisect_right(starts, c.start) - 1 for c in specks)
        declined.update(bisect.bisect_right(starts, m.start()) - 1 for m in _DOT_LATER.finditer(text, lo, hi))
    if english:
        extra += [c for c in english_marks(text, lo, hi) if c.start not in protected]
    if text.find("“", lo, hi) >= 0 or text.find("‘", lo, hi) >= 0:
        extra += [c for c in misread_closing_quotes(text, starts, ends, first, last) if c.start not in protected]
    paired = set()
    for ch in "()\"'〈[【]":
        position = text.find(ch, lo, hi)
        while position >= 0:
            index = bisect.bisect_right(starts, position) - 1
            paired.add(index)
            # The rest of this paragraph is covered.
            position = text.find(ch, ends[index], hi)
    for index in sorted(paired):
        paragraph_text = text[starts[index] : ends[index]]
        found, left_alone = _pairs(paragraph_text)
        extra += [Change(c.start + starts[index], c.end + starts[index], c.after, c.rule) for c in found]
        if left_alone:
            declined.add(index)
    return (_without_overlaps(changes + extra) if extra else changes), declined


_CLOSING_QUOTE_OF = {"“": "”", "‘": "’"}


def misread_closing_quotes(text: str, starts: list[int], ends: list[int], first: int, last: int) -> list[Change]:
    """An opening quotation mark that ends a paragraph after its final mark (``…有什么可怜呢?“``)
    opens nothing: it is the closing one an OCR engine misread (Tesseract reads ``”`` as ``“``).

    >>> [c.after for c in misread_closing_quotes("他说，“有什么可怜呢?“", [0], [12], 0, 0)]
    ['”']
    """
    changes = []
    for index in range(first, last + 1):
        end = ends[index]
        found = blocks.MISREAD_CLOSER.search(text, max(starts[index], end - 3), end)
        if found:
            at = found.start(1)
            changes.append(Change(at, at + 1, _CLOSING_QUOTE_OF[text[at]], "ocr_closing_quote"))
    return changes


# Brackets Tesseract reads for others in Chinese text (measured on rendered pages of People's
# Daily 1998, 呐喊 and LibreOffice help, read by tesseract 5.3 chi_sim): ``（`` as ``〈``, ``「`` as
# ``[`` or ``【``, and the digit ``1`` as ``]`` before 月/日/时/张 (``北京]月19日电``).
_OCR_BRACKETS = re.compile(r"[〈\[【\]]")
_BRACKET_CHARS = frozenset("〈〉()（）[]【】「」《》\n")
_OCR_PAIR_SPAN = 60  # characters between a misread opening bracket and its closing one, at most
# What follows a numeral 1 misread as ``]``: a digit, or a unit that follows numbers.
_AFTER_ONE = frozenset("0123456789月日时号年张只个次名位届期版")


def ocr_brackets(text: str, protected: _Protected) -> list[Change]:
    """Brackets misread by OCR, mended where the pair (or a number) shows what they were.

    An opening ``〈`` whose closing bracket is ``)`` or ``）`` (with Han text between, and no other
    bracket) was ``（``: both become full-width. An opening ``[`` or ``【`` closed by ``」`` was
    ``「``. A ``]`` that closes nothing, after no digit or Latin letter, before a digit or a unit
    that follows numbers (``月``, ``日``, ``时``, ``张``…) was ``1``.

    >>> [c.after for c in ocr_brackets("新华社北京]月19日电〈记者丁宝忠)", _Protected(""))]
    ['1', '（', '）']
    >>> ocr_brackets("见〈x, y)与[1]月", _Protected(""))
    []
    """
    changes: list[Change] = []
    open_square = 0  # ``[`` and ``【`` not closed yet
    for match in _OCR_BRACKETS.finditer(text):
        at = match.start()
        mark = text[at]
        if at in protected:
            continue
        if mark == "]":
            if open_square:
                open_square -= 1
            elif _misread_one(text, at):
                changes.append(Change(at, at + 1, "1", "ocr_bracket"))
            continue
        closing = _closing_bracket(text, at)
        if mark != "〈":
            open_square += closing is None or text[closing] in "]】"
        if closing is None or closing in protected or not _HAN_RE.search(text, at + 1, closing):
            continue
        if mark == "〈" and text[closing] in ")）" and not _round_bracket_open(text, at):
            changes.append(Change(at, at + 1, "（", "ocr_bracket"))
            if text[closing] == ")":
                changes.append(Change(closing, closing + 1, "）", "ocr_bracket"))
        elif mark in "[【" and text[closing] == "」":
            changes.append(Change(at, at + 1, "「", "ocr_bracket"))
    return sorted(changes, key=lambda c: c.start)


def _closing_bracket(text: str, opening: int) -> int | None:
    """Where the first bracket after ``opening`` is, if it closes (within ``_OCR_PAIR_SPAN``)."""
    for at in range(opening + 1, min(len(text), opening + 1 + _OCR_PAIR_SPAN)):
        ch = text[at]
        if ch in _BRACKET_CHARS:
            return at if ch in "〉)）]】」" else None
    return None


def _round_bracket_open(text: str, at: int) -> bool:
    """Whether a ``(`` or ``（`` before ``at`` is still open: the ``)`` after ``at`` may close it."""
    before = text[:at]
    return before.count("(") + before.count("（") > before.count(")") + before.count("）")


def _misread_one(text: str, at: int) -> bool:
    before = text[at - 1] if at else ""
    after = text[at + 1 : at + 2]
    if not after or after not in _AFTER_ONE or before == "]" or (before.isascii() and before.isalnum()):
        return False  # (not beside another ``]``: ``]]月`` would read differently once one is a 1)
    # In Chinese text: a unit follows (``]月``), or a Han character comes before (``图片]2张``).
    return not after.isdigit() or _HAN_RE.match(before) is not None


def _pairs(text: str) -> tuple[list[Change], bool]:
    """Bracket and quote changes in one paragraph, and whether an ASCII one was left alone."""
    protected = _Protected(text)
    changes: list[Change] = []
    left_alone = False
    if _OCR_BRACKETS.search(text):
        changes += ocr_brackets(text, protected)
    parens = text.count("(") + text.count(")")
    if parens:
        found = parentheses(text, protected)
        left_alone = len(found) < parens
        changes += found
    straight = text.count('"') + text.count("'")
    if straight:
        found = quotes(text, protected)
        left_alone = left_alone or len(found) < straight
        changes += found
    return changes, left_alone


def _without_overlaps(changes: list[Change]) -> list[Change]:
    kept: list[Change] = []
    end = -1
    for change in sorted(changes, key=lambda c: (c.start, c.end)):
        if change.start >= end:
            kept.append(change)
            end = change.end
    return kept


def _safe_fix(
    text: str, starts: list[int], first: int = 0, last: int | None = None, ends: list[int] | None = None
) -> tuple[list[Change], set[int]]:
    try:
        return _fix(text, starts, first, last, ends=ends)
    except Exception:  # pragma: no cover - a fix must never take the pipeline down
        return [], set()


def make(options: PunctuationOptions) -> StageFn:
    def punctuation(doc: Document) -> tuple[Document, list[Edit]]:
        if not doc.text:
            return doc, []
        edits: list[Edit] = []
        changes, unsettled = _safe_fix(doc.text, doc.paragraph_starts)
        changes = markdown.guard(doc, changes)
        for step in range(_MAX_ROUNDS):
            if not changes:
                break
            starts = doc.paragraph_starts
            touched = {bisect.bisect_right(starts, c.start) - 1 for c in changes} if unsettled else set()
            doc, new = rewrite(doc, STAGE, changes, step)
            edits += new
            # Another round only where a change may have put a candidate left alone in context.
            changes, still = [], set()
            # The paragraph ends once per round, not once per paragraph: a big file has many.
            starts = doc.paragraph_starts
            ends = _paragraph_ends(doc.text, starts)
            for index in sorted(unsettled & touched):
                found, left = _safe_fix(doc.text, starts, index, index, ends)
                changes += found
                still |= left
            changes = markdown.guard(doc, changes)
            unsettled = still
        return doc, edits

    return punctuation
