"""Is a line break a wrap (the paragraph goes on) or a paragraph end? Evidence that holds on any text.

OCR and PDF extraction cut paragraphs wherever a column or a page ends. The layout stage asks, for
every break after a line that does not end a sentence, whether the next line continues it. Each
piece of evidence below is a small named function with a weight; their sum is the break's *join
score*, and the break is joined when the score reaches ``LayoutOptions.join_threshold``. The
evidence is of kinds that generalise beyond any one corpus:

- **Punctuation that forces a side**: a line ending in ``，、`` or an opening bracket must go on
  (``continuing_end``); a line starting with ``，。）”`` cannot start anything (``closing_start``).
- **Prose on either side**: clause punctuation inside a line shows it is running text, not a
  heading (``prose_before``, ``prose_after``). Its *absence* proves nothing: a fragment of a
  6-character column rarely holds a comma.
- **Column width**: a run of lines of (nearly) the same display width is a wrapped column, so a
  line as wide as its neighbours stopped because the column did (``full_line``); a line clearly
  narrower than the column around it stopped early (``short_line``). A line with no clause
  punctuation that is not full width reads as a heading or label (the stage classes it so when it
  starts a block), and a line like that after the break is not a continuation (``headline_after``).
- **Words cut in two**: the two characters around the break usually sit inside one word
  (``split_word``, from the pairs in ``cleaner/data/word_bigrams.txt``, made from jieba's word
  list), or a Latin word, number or URL runs on (``latin_run``).
- **Openers and code**: a line starting with a date or a quotation opens a sentence
  (``opener_after``); code and commands are never joined to prose (``code_line``).

Display width counts a Han or full-width character as 2 and an ASCII character as 1, the way a
page lays text out. Lines that end a sentence never join, whatever the score.
"""

from __future__ import annotations

import math
import operator
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import InitVar, dataclass, field
from functools import cache, lru_cache
from itertools import chain, compress
from pathlib import Path
from typing import NamedTuple

import numpy as np
import regex

from cleaner import blocks
from cleaner.script import is_hangul

DATA = Path(__file__).resolve().parent / "data"

# The weights: log-odds-like, so that one strong sign (a closing mark at the start of the next
# line, a comma at the end of this one) outweighs the weak ones, and a line with no punctuation
# needs the column's width, not just a plausible word, to be joined.
PRIOR = 0.5  # an unfinished line usually goes on
CONTINUING_END = 6.0
CLAUSE_END = 3.0  # a semicolon or a dash ends a clause; the sentence usually goes on
CLOSING_START = 4.0
PROSE_BEFORE = 2.0
INNER_STOP = 1.0
PROSE_AFTER = 1.0
FULL_LINE = 2.5
SHORT_LINE = -2.5
# A line this wide at most (ten Han characters), outside any column, over a line at least
# SHORT_UNIT_RATIO times as wide across a blank line, reads as short (SHORT_LINE): see
# ``_short_unit_before_wide``.
SHORT_UNIT = 20.0
SHORT_UNIT_RATIO = 2.0
LABEL_LINE = -3.0
HEADLINE_AFTER = -6.5
# A first line this many columns (one to two and a half characters) short of the full line under it
# lost its indent to the OCR engine; it counts as a full line would (FULL_LINE).
LOST_INDENT_LOW = 2.0
LOST_INDENT_HIGH = 5.0
LOST_INDENT = 2.5
# A full line of a narrow column (eight characters or fewer) has no mark in it as often as not.
NARROW_COLUMN = 16.0
BARE_START_NARROW = -1.0
BARE_START = -2.0
HEADLINE_AFTER_SHORT = -10.0
SPLIT_WORD = 1.5
# The two characters around the break stand side by side inside lines of the same document this
# many times: the document's own words and names (``选`` / ``中``, ``各族`` / ``人民``).
DOCUMENT_PAIR = 2.5
DOCUMENT_PAIR_MIN = 2
# ... and as a share of the rarer character's occurrences: common characters meet by chance.
DOCUMENT_PAIR_SHARE = 0.2
BOUND_START = 3.0
DANGLING_END = 3.0
OPEN_PAIR = 6.0
OPEN_PAIR_REACH = 12  # characters of the next line a closing mark is looked for in
NUMBER_UNIT = 3.0
TAIL_LINE = 3.0
TAIL_LINE_NEAR = 1.5
TAIL_SHARE = 0.75  # a last line this much narrower than the line above is plainly not a column of its own
LATIN_RUN = 1.5
ENGLISH_RUN = 2.0
OPENER_AFTER = -3.5
# A news agency's or paper's dateline (``本报北京1月12日讯``, ``新华社华盛顿1月21日电``) opens an
# article, whatever the line above is: a headline as wide as the column is often above it.
DATELINE_AFTER = -6.0
OPENER_AFTER_FULL = -1.0
CODE_LINE = -4.0
VERSE = -9.0
RECORD_LINES = -9.0
LISTING_BEFORE_TEXT = -3.0
MIN_LISTING_LINE = 12  # characters: shorter ASCII lines are names and terms a column may cut off
# Two whole lines of verse of one shape, two clauses or more each: a column falls on the clause
# boundaries of both only by chance, so a comma at the end ("庐山秀出南斗傍，屏风九叠云锦张，" /
# "影落明湖青黛光，…") is the poem's line break, not a sentence cut by the column (it outweighs the
# comma and a full column). A column of one clause's width is common (narrow newspaper columns).
WHOLE_VERSE = -15.0
INDENTED_AFTER = -6.0
UNINDENTED_AFTER = 1.5
SAME_SEPARATOR = 0.5
BLANK_AFTER_SINGLES = -4.0
# Text set one paragraph to a line, blank lines between (``paragraph_lines``): only a cut at the
# break (a comma, a word, an open bracket) outweighs this.
PARAGRAPH_LINES = -2.0
# ... where a paragraph's tail cut off by a page break (``tail_line``) is a stub of a few characters
# (``…选择背景`` / ``颜色。``); a line any longer is a paragraph of its own (``选择字符。``).
PARAGRAPH_TAIL_WIDTH = 8.0
SINGLE = "single"
BLANK = "blank"
# A line that ends a sentence goes on only when it is as wide as its column (the column's edge fell
# right after the sentence) and the next line stays in that column: it is as wide, or it is
# narrower and ends the paragraph. The prior is below the threshold: only the column can tip it.
STOP_PRIOR = -1.5
STOP_FULL = 2.5
# ... and something besides width says so: the run's single line breaks go on (paragraphs are set
# apart by blank lines), or the next line is not indented where paragraphs are.
STOP_SAME_SINGLE = 1.5
STOP_NOT_INDENTED = 1.5
STOP_SAME_COLUMN = 1.5
MIN_VARIED_LINES = 6  # full lines a document needs before its widths say anything
# Document rhythm (``rhythm``): how sure the document's own text makes us, per kind of break.
RHYTHM_WEIGHT = 1.0
RHYTHM_PSEUDO = 2.0  # breaks' worth of weight the default belief keeps against the document's counts
MIN_RATE_COMMAS = 20  # commas a document needs for its own cut rate
KINSOKU_QUOTE_BOOST = 1.5
RHYTHM_DEFAULT = {"stop|text": 0.3, "stop|quote": 0.3, "colon|text": 0.4, "colon|quote": 0.4}

# How far to look for the lines that share a column with a line (non-empty lines either side).
COLUMN_REACH = 3
# Two lines share a column when their widths differ by at most this many columns, or this share
# of the width: a hanging or pushed-down mark moves a line's end by one full-width character (2),
# a half-width character rounds by one more. No more: a paragraph's last line, or a heading, is
# as wide as a narrow column within two characters far too often.
WIDTH_SLACK = 3.0
WIDTH_SLACK_SHARE = 0.1
# A line is short when it is narrower than this share of the widest column line around it.
SHORT_SHARE = 0.7
# Two lines of one width make a column only if they are next to each other and at least this wide
# (8 Han characters): narrower, two headlines or labels in a row look alike. Three lines of one
# width within reach always do.
MIN_PAIR_WIDTH = 16
# No column is narrower than this (5 Han characters): shorter lines are labels, not fragments.
MIN_COLUMN_WIDTH = 10
# Nor wider than this (50 Han characters, 100 Latin letters): longer lines are whole paragraphs.
MAX_COLUMN_WIDTH = 100

# Marks no line of typeset text starts with, and marks none ends with (kinsoku): a line that starts
# with one goes on with the line above it.
CLOSING_STARTS = frozenset("，,、。．；;：:！!？?）)」』”’》〉】〕…%‰")
OPENING_ENDS = frozenset("（(「『“‘《〈【〔")
# A dot counts only where it runs on: after a digit, or in a token holding another dot or a slash
# (a number, a version, a domain, a path); after a word it is a full stop ("a.", "done.").
_LATIN_END = regex.compile(r"(?:[A-Za-z0-9_/\-:#?=&%+]|(?:[0-9]|[./][A-Za-z0-9_\-]*)\.)$")
_LATIN_END_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_/.-:#?=&%+")
_DOT_RUNS_ON = regex.compile(r"(?:[0-9]|[./][A-Za-z0-9_\-]*)\.$")
# (A "]" before 月, 日, 时 or 张 is the digit 1 misread, which the punctuation stage puts back.)
# (A per cent sign starts a URL's run only as an escape, ``%E4``: ``% this comment`` is a comment.)
_LATIN_START = regex.compile(r"^(?:[a-z0-9_/.\-?=&#+]|%[0-9A-Fa-f]{2}|\][月日时张])")
# The characters every match of _LATIN_START starts with: most lines start with none.
_LATIN_START_FIRST = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_/.-?=&%#+]")
_ENGLISH = regex.compile(r"^[\x00-\x7f’“”‘—–]+$")
_WORD = regex.compile(r"[A-Za-z]+")
# Code and commands: a shell prompt, an assignment, a call, braces, a statement's semicolon, tags.
_CODE_KEYWORDS = r"^\s*(?:def|class|import|return|if|for|while|function|var|let|const|sudo|apt|pip|cd|ls|git|make)\b"
# The last two forms: a command and its first argument, an option, a path or a setting ("mkdir -p
# /mnt", "dd if=a").
_CODE = regex.compile(
    r"^(?:\$|#!|>>>|//|/\*|<\w|\w+@\w+:)|[{};]\s*$|\w\(.*\)|\s=\s|=>|->|::|</\w|"
    + _CODE_KEYWORDS
    + r"|^[a-z][\w.+-]*[ \t]+(?:--?[A-Za-z]|/\w|\w+=)|^\w+=\S"
)
# Every form of _CODE but a statement's keyword holds one of these marks: a line with none (most
# English prose) is asked only whether it opens with a keyword.
_CODE_MARKS = re.compile(r"[$#!>/*<@:{};(=\-]")
_CODE_KEYWORD = regex.compile(_CODE_KEYWORDS)
_ASCII_ALNUM = re.compile("[A-Za-z0-9]")


@cache
def word_pairs() -> dict[str, str]:
    """First character → the characters that usually follow it inside a word."""
    pairs: dict[str, str] = {}
    for line in (DATA / "word_bigrams.txt").read_text(encoding="utf-8").split("\n"):
        if line and not line.startswith("#"):
            first, seconds = line.split("\t")
            pairs[first] = seconds
    return _with_traditional_forms(pairs)


def _with_traditional_forms(pairs: dict[str, str]) -> dict[str, str]:
    """``pairs`` with each character's traditional forms wherever it stands: the layout stage reads
    a line before the variants stage simplifies it, and ``幻燈`` / ``片`` is cut inside a word as
    ``幻灯`` / ``片`` is (a second run, on the simplified output, would join what the first left).
    The traditional forms are the characters outside the standard table that OpenCC's ``t2s``
    turns into one character (``cleaner/data/t2s_suspects.txt``)."""
    import opencc

    lines = (DATA / "t2s_suspects.txt").read_text(encoding="utf-8").split("\n")
    suspects = [line for line in lines if line and not line.startswith("#")]
    simplified = opencc.OpenCC("t2s").convert("\n".join(suspects)).split("\n")
    forms: dict[str, str] = {}
    if len(simplified) == len(suspects):
        for traditional, simple in zip(suspects, simplified, strict=True):
            if len(simple) == 1 and simple != traditional:
                forms[simple] = forms.get(simple, "") + traditional
    widened = {first: seconds + "".join(forms.get(c, "") for c in seconds) for first, seconds in pairs.items()}
    for simple, traditionals in forms.items():
        if simple in widened:
            for traditional in traditionals:
                widened.setdefault(traditional, widened[simple])
    return widened


_HALF_WIDTH_MARKS = (",", ";", ":", "!", "?", "(", ")")
# The marks found in one pass (about five times as fast as counting each of them).
_HALF_WIDTH = re.compile("[" + re.escape("".join(_HALF_WIDTH_MARKS)) + "]")
# A period the punctuation stage makes "。" (after a Han character, before another or the end),
# and dots it makes "……" (three or more, in a line with Chinese text).
_HAN_PERIOD = regex.compile(r"(?<=\p{Han})\.(?=\p{Han}|$)")
_DOTS = regex.compile(r"\.{3,}")
_ANY_HAN = regex.compile(r"\p{Han}")
ELLIPSIS_WIDTH = 4


def _period_widths(text: str) -> float:
    """What the periods of ``text`` gain in width once the punctuation stage has made them full-width."""
    extra = len(_HAN_PERIOD.findall(text))
    if "..." in text and _ANY_HAN.search(text):
        extra += sum(ELLIPSIS_WIDTH - len(dots) for dots in _DOTS.findall(text))
    return extra


def display_width(text: str) -> float:
    """Columns a line takes on a page: 2 for a Han or full-width character or a clause mark, 1
    for other ASCII; spaces are not counted (the spacing stage adds and removes them after layout, and a line must keep
    its width for cleaning the output to change nothing).

    Computed from the UTF-8 length (3 bytes for CJK, 1 for ASCII) because it is done for every line.
    """
    # Half-width , ; : ! ? ( ) count as full-width, and so do a period right after a Han character and
    # an ellipsis of dots: in Chinese text the punctuation stage makes them so after layout, and a line
    # must keep its width. (A period after a space stays: "何 ." is read with its spaces.)
    extra = _period_widths(text) if "." in text else 0
    if " " in text:
        text = text.replace(" ", "")
    return (len(text) + len(text.encode("utf-8"))) / 2 + len(_HALF_WIDTH.findall(text)) + extra


def _latin_end(plain: str) -> bool:
    """The line ends in a character of a Latin word, number or URL (``_LATIN_END``), read from its
    last character (the pattern is asked only of a line ending in a line break, where ``$`` is
    before it)."""
    last = plain[-1:]
    if last == "\n":
        return _LATIN_END.search(plain) is not None
    if last == ".":
        return _DOT_RUNS_ON.search(plain) is not None
    return last in _LATIN_END_CHARS


def is_english(plain: str) -> bool:
    """A line of English prose: ASCII only, at least three words."""
    return plain.count(" ") >= 2 and _ENGLISH.match(plain) is not None


# A command-line option opening the line: a manual's term, whatever its placeholder is written in
# ("-c, --changes", "--from=当前所有者:当前所属组").
_OPTION_TERM = regex.compile(r"^--?[A-Za-z][\w-]*(?:[ ,=\[]|$)")


def is_code(plain: str) -> bool:
    """A line of code or a command (no Han characters and the shape of code), or an option term."""
    # Identifiers make code: a lone ";" is punctuation a later stage may make full-width.
    if plain[:1] == "-" and _OPTION_TERM.match(plain):
        return True
    if not plain.isascii() or _ASCII_ALNUM.search(plain) is None:
        return False
    if _CODE_MARKS.search(plain) is None:
        return _CODE_KEYWORD.match(plain) is not None
    return _CODE.search(plain) is not None


@dataclass(frozen=True, slots=True)
class Column:
    """What the lines around a line say about its width.

    ``full``: it shares its width with an open line nearby (two lines of one width are a wrapped
    column). ``short``: the open lines nearby form a column (at least two of them share a width)
    and this line is clearly narrower. Irregular fragments, as OCR of a whole page makes them,
    give neither: then width is no evidence either way.
    """

    full: bool
    short: bool


NO_COLUMN = Column(False, False)
_FULL = Column(True, False)
SHORT_COLUMN = Column(False, True)


def _slack(width: float) -> float:
    return max(WIDTH_SLACK, WIDTH_SLACK_SHARE * width)


def _reach(
    widths: Sequence[float], text_lines: Sequence[bool], i: int, step: int, low: float, high: float, slack: float
) -> tuple[int, float, float]:
    """How far the run of line ``i`` reaches in one direction (``step``), up to COLUMN_REACH lines,
    while its widths (``low``..``high`` so far) stay within ``slack``; and its widths then."""
    edge, farthest, n = i, i + step * COLUMN_REACH, len(widths)
    while edge != farthest:
        nxt = edge + step
        if not (0 <= nxt < n and text_lines[nxt]):
            break
        other = widths[nxt]
        # A width inside low..high keeps the run as it is.
        if other < low:
            if high - other > slack:
                break
            low = other
        elif other > high:
            if other - low > slack:
                break
            high = other
        edge = nxt
    return edge, low, high


def _runs_on(prose: Sequence[bool], closed: Sequence[bool], first: int, last: int) -> bool:
    """Whether the run of lines ``first``..``last`` is wrapped text: it, or the line after it, has
    clause punctuation, and most of its lines do not end a sentence."""
    return any(prose[first : last + 2]) and sum(closed[first : last + 1]) * 2 < last - first + 1


def _wider_after(widths: Sequence[float], text_lines: Sequence[bool], last: int, edge: float) -> bool:
    """Whether the line after ``last`` is text wider than ``edge`` (twice the run's widest line):
    no wrap of the run goes on there, so the run's last line is no wrap either — two headings of
    one width over a paragraph set one to a line (``11. 本授权的未来改版`` / ``附录 E. GNU 自由文本授权``
    / ``自由软件基金会可能…``)."""
    return last + 1 < len(widths) and text_lines[last + 1] and widths[last + 1] > edge


def _closes_wider_run(
    widths: Sequence[float], full_widths: Sequence[float], closed: Sequence[bool], first: int, i: int
) -> bool:
    """Whether line ``i``, the first of a narrower run, may as well be the short last line of the
    wider run above it: it ends a sentence right under a clearly wider full line. Fitting the
    narrower run by chance takes one coincidence, starting it with a line that ends a sentence
    exactly at its width two, so it is not full (and reads as short beside the wider line)."""
    return first == i and i > 0 and closed[i] and full_widths[i - 1] > 0 and widths[i] < SHORT_SHARE * widths[i - 1]


# The full-width marks no line starts with (``CLOSING_STARTS``), which a typesetter lets hang past a
# column's right edge rather than start the next line with: a line ending in two of them (``。”``,
# ``！”``) may be that much wider than its column. (One hanging mark is within a column's slack already.)
_HANGING_MARKS = regex.escape(
    "".join(sorted(mark for mark in CLOSING_STARTS if not mark.isascii() and mark not in "…%‰"))
)
_HANGING = regex.compile(f"(?<![{_HANGING_MARKS}])[{_HANGING_MARKS}]{{2}}$")


def hanging_width(plain: str) -> float:
    """The width of the marks ending ``plain`` that may hang past its column's edge (0 if none)."""
    found = _HANGING.search(plain)
    return 2.0 * len(found.group()) if found else 0.0


def hung_widths(widths: Sequence[float], hanging: Sequence[float], text_lines: Sequence[bool]) -> list[float]:
    """The widths the lines take in their column: a line as wide as no neighbouring text line,
    which without its hanging marks (``hanging_width``) is as wide as one, hangs them past the edge
    and is measured without them."""
    fitted = list(widths)
    n = len(widths)
    for i in range(n):
        if not hanging[i] or not text_lines[i]:
            continue
        near = [widths[j] for j in (i - 1, i + 1) if 0 <= j < n and text_lines[j]]
        width, inner = widths[i], widths[i] - hanging[i]
        if not any(abs(width - other) <= _slack(other) for other in near) and any(
            abs(inner - other) <= _slack(other) for other in near
        ):
            fitted[i] = inner
    return fitted


def columns(
    widths: Sequence[float],
    text_lines: Sequence[bool],
    prose: Sequence[bool],
    closed: Sequence[bool],
    hanging: Sequence[float] | None = None,
) -> list[Column]:
    """``Column`` evidence for every line, from the run of lines of the same width around it.

    A column is a *run*: consecutive lines of running text (``text_lines``) whose widths agree
    within the slack all together (no two further apart), up to COLUMN_REACH lines either side. A
    line with two others in its run, or one (at least MIN_PAIR_WIDTH wide), is ``full``. Headings
    scattered between paragraphs can share a width too, but they are not consecutive. The run must
    be text: one of its lines, or the line after it (where the paragraph ends), has clause
    punctuation (``prose``) — a row of picture captions can share a width as well. Most of its
    lines must run on (not end a sentence, ``closed``): a list of one-line items or steps, each
    ending in a full stop, is not wrapped text. A line that ends a sentence right under a clearly
    wider full line does not start a narrower run: it may be that paragraph's last line. A line is
    ``short`` when it is clearly narrower than a full line within reach. With ``hanging`` (each
    line's ``hanging_width``), a line is measured as ``hung_widths`` says.
    """
    if hanging is not None:
        widths = hung_widths(widths, hanging, text_lines)
    n = len(widths)
    full_widths = [0.0] * n
    for i in range(n):
        width = widths[i]
        if not text_lines[i] or not MIN_COLUMN_WIDTH <= width <= MAX_COLUMN_WIDTH:
            continue
        slack = max(WIDTH_SLACK, WIDTH_SLACK_SHARE * width)
        if not (
            (i > 0 and text_lines[i - 1] and abs(widths[i - 1] - width) <= slack)
            or (i + 1 < n and text_lines[i + 1] and abs(widths[i + 1] - width) <= slack)
        ):
            continue  # neither neighbour shares its width: a run of one (most lines of a page of paragraphs)
        # The run's widths spread no wider than the slack either: it grows back, then forth.
        first, low, high = _reach(widths, text_lines, i, -1, width, width, slack)
        last, low, high = _reach(widths, text_lines, i, 1, low, high, slack)
        run = last - first
        if i == last and _wider_after(widths, text_lines, last, 2 * high):
            continue  # a wrap goes on in its column: the run ends where its paragraph does
        # Only a run long enough to make the line full asks whether it is prose that runs on.
        if (run >= 2 or (run == 1 and width >= MIN_PAIR_WIDTH)) and _runs_on(prose, closed, first, last):
            if not _closes_wider_run(widths, full_widths, closed, first, i):
                full_widths[i] = width
    result = [NO_COLUMN] * n
    for i in range(n):
        if full_widths[i]:
            result[i] = _FULL
        elif text_lines[i]:
            widest = max(full_widths[max(i - COLUMN_REACH, 0) : i + COLUMN_REACH + 1])
            if widths[i] < SHORT_SHARE * widest:
                result[i] = SHORT_COLUMN
    return result


@dataclass(slots=True)
class Side:
    """One line as the evidence reads it: its text without marks or indentation, its column
    evidence, its display width, whether it is indented in a document that indents paragraphs
    (so it starts one), and how it is separated from the line before. What the evidence asks of
    the line's own characters is worked out once, when the side is made."""

    plain: str
    column: Column
    width: float = 0.0
    indented: bool = False
    # The separator before this line (SINGLE or BLANK), and the one inside the wrapped run this line
    # ends (None when it is not the continuation of a joined line).
    separator: str | None = None
    run_separator: str | None = None
    indents_paragraphs: bool = False
    varied_widths: bool = False  # the document sets its paragraphs in columns of many widths
    # The document's rhythm: log-odds by break class that a full line ending a sentence is cut (shared).
    rhythm: Mapping[str, float] = field(default_factory=dict)
    starts_block: bool = False  # the line before ended a sentence, or was not running text
    # How often each pair of Han characters stands side by side inside the document's lines (shared).
    pairs: Mapping[str, float] = field(default_factory=dict)
    paragraph_lines: bool = False  # the document is set one paragraph to a line (``paragraph_lines``)
    indent_habit: bool = field(default=False, init=False)  # its document indents paragraph starts by habit
    full_width: float = field(default=0.0, init=False)  # its document's full width, if it starts paragraphs narrower
    poem: bool = field(default=False, init=False)  # a line of a run of verse lines (``poem_lines``)
    record: bool = field(default=False, init=False)  # a row of a run of records (``record_rows``)
    clause: bool = field(init=False)  # clause punctuation outside quotes and brackets
    inner_stop: bool = field(init=False)  # a sentence ends inside the line
    stops: bool = field(init=False)  # a full stop anywhere, quotations included
    ends_sentence: bool = field(init=False)
    english: bool = field(init=False)
    code: bool = field(init=False)
    opener: bool = field(init=False)
    latin_end: bool = field(init=False)
    latin_start: bool = field(init=False)
    pair_open: bool = field(init=False)  # an opening bracket or quotation mark (``open_pair``)

    # What ``line_facts`` says of ``plain``, when the caller has it already (it reads every line once).
    facts: InitVar[LineFacts | None] = None

    def __post_init__(self, facts: LineFacts | None) -> None:
        (
            self.clause,
            self.inner_stop,
            self.stops,
            self.ends_sentence,
            self.english,
            self.code,
            self.opener,
            self.latin_end,
            self.latin_start,
            self.pair_open,
        ) = _line_facts(self.plain) if facts is None else facts


LineFacts = tuple[bool, bool, bool, bool, bool, bool, bool, bool, bool, bool]


def line_facts(plain: str) -> LineFacts:
    """What the evidence asks of a line's own characters (the ``Side`` fields after ``starts_block``)."""
    clause = blocks.has_clause_marks(plain)
    stops = blocks.has_stop(plain)
    return (
        clause,
        # A line with no stop and no period anywhere has none inside either.
        clause and (stops or "." in plain) and blocks.has_inner_stop(plain),
        stops,
        blocks.ends_sentence(plain),
        is_english(plain),
        is_code(plain),
        blocks.starts_like_opener(plain),
        _latin_end(plain),
        plain[:1] in _LATIN_START_FIRST and _LATIN_START.match(plain) is not None,
        _PAIR_OPENERS.search(plain) is not None,
    )


# Sides made without the facts (outside the layout stage's own reading) look them up here.
_line_facts = lru_cache(maxsize=1 << 16)(line_facts)


def continuing_end(a: Side, b: Side) -> float:
    last = a.plain[-1:]
    if last and (last in blocks.CONTINUING or last in OPENING_ENDS) and not a.ends_sentence:
        return CONTINUING_END
    if last not in _CLAUSE_ENDS and not last.isspace():
        return 0.0  # (blocks.runs_on asks for one of them at the end, spaces aside: most lines have none)
    return CLAUSE_END if blocks.runs_on(a.plain) else 0.0


_CLAUSE_ENDS = frozenset("；;—")


_PER = frozenset("%‰")


def closing_start(a: Side, b: Side) -> float:
    """The next line starts with a mark nothing starts with (``...`` counts: punctuation makes it
    ``……``). After a line of no punctuation that does not fill a column (a heading, a label) the
    mark is more likely a speck an OCR engine read than the end of a sentence cut at the edge."""
    if not (b.plain[:1] in CLOSING_STARTS or b.plain.startswith("...")):
        return 0.0
    if b.plain[:1] in _PER and not a.plain[-1:].isdigit():
        return 0.0  # a per cent sign goes on only from a number; a line of code's comment starts so
    if a.ends_sentence and speck_quote_start(b.plain):
        return 0.0
    evident = a.column.full or a.clause or a.stops or a.plain[-1:] in blocks.CLOSERS
    return CLOSING_START if evident else 0.0


def speck_quote_start(plain: str) -> bool:
    """A closing quotation mark set apart from what follows it at a line's start (``” 这种单位…``):
    a closing mark sits against the text it closes, so after a finished sentence this is a speck
    (or the first-line indent) an OCR engine read as a mark, not the end of that sentence's quotation."""
    return plain[:1] in "”’" and plain[1:2] in (" ", "\t", "\u3000")


def prose_before(a: Side, b: Side) -> float:
    if not a.clause or label_line(a, b):
        return 0.0  # (the colon of a field, a label and its value, is no clause of prose)
    return PROSE_BEFORE + (INNER_STOP if a.inner_stop else 0.0)


def prose_after(a: Side, b: Side) -> float:
    return PROSE_AFTER if b.clause else 0.0


def width_evidence(a: Side, b: Side) -> float:
    if a.column.full:
        return FULL_LINE
    if a.column.short or _short_unit_before_wide(a, b):
        return SHORT_LINE
    return 0.0


def _short_unit_before_wide(a: Side, b: Side) -> bool:
    """A short line (not full: asked after ``width_evidence`` has looked at the column), a blank
    line, then a line at least twice as wide: a heading or label over a paragraph in text set one
    paragraph to a line (as the output is: ``选择表格、行和列`` over ``您可以使用键盘或鼠标在文本文档中
    选择表格…``), not a fragment of it. Inside a wrapped paragraph the lines share a width; a page
    break cuts a paragraph set one to a line anywhere, seldom within ten characters of its start,
    and a cut word or an open clause there still outweighs this."""
    return b.separator == BLANK and a.width <= SHORT_UNIT and b.width >= SHORT_UNIT_RATIO * a.width


def lost_indent(a: Side, b: Side) -> float:
    """A paragraph's first line, one or two characters short of the full line under it, that
    does not end its sentence: the width of a first-line indent an OCR engine did not keep
    (Tesseract drops leading blanks), so the line is as full as its column
    (``话说宁国府中都总管来升闻`` / ``得里面委请了凤姐，因传齐了同``)."""
    if a.column.full or a.indented or a.ends_sentence or a.english or not _han(a.plain[-1:]):
        return 0.0
    # (Where the document starts its paragraphs narrower, its full width says what is full.)
    full = b.column.full or (b.full_width and abs(b.width - b.full_width) <= FULL_AFTER_SLACK)
    if not full or b.english or b.separator != SINGLE:
        return 0.0
    return LOST_INDENT if LOST_INDENT_LOW <= b.width - a.width <= LOST_INDENT_HIGH else 0.0


# A document whose paragraphs start narrower: how many first lines show it, at least, and how many
# times the first lines as wide as the column.
MIN_NARROW_STARTS = 3
NARROW_STARTS_RATIO = 3
# A document's full width is that of its widest fifth of lines; a line within FULL_LINE_SLACK of it
# is full. A line after a short one shows a dropped indent when it is one and a half to two and a
# half Han characters narrower.
FULL_LINE_QUANTILE = 0.8
FULL_LINE_SLACK = 2.0
NARROW_START_LOW = 3.0
NARROW_START_HIGH = 5.0
# The document is set in a column: as many full lines that run on into another full line as this
# share of its lines, at least.
RUN_ON_SHARE = 0.25
# How close to the full width the two lines around a break after a full stop must be: the next line
# a little closer (a paragraph's first line that lost one character's indent is 2 narrower).
FULL_BEFORE_SLACK = 3.0
FULL_AFTER_SLACK = 1.5


def narrow_starts(widths: Sequence[float], closed: Sequence[bool], text_lines: Sequence[bool]) -> float:
    """The width of a document's full lines when its paragraphs visibly start narrower, else 0.0.

    An OCR engine drops the indent of a paragraph's first line (two ideographic spaces), which is
    then as much narrower than the full lines of its column: after a short line that ends a
    sentence (a paragraph's last line), the next line is one and a half to two and a half
    characters short of the full width, again and again, and seldom full. In such a document a
    full line after a full stop does not start a paragraph (``full_after_stop``). The document
    must be set in a column (full lines running on into full lines): a list of one-line items has
    narrower lines after short ones too.
    """
    wide = sorted(
        w for w, text in zip(widths, text_lines, strict=True) if text and MIN_COLUMN_WIDTH <= w <= MAX_COLUMN_WIDTH
    )
    if len(wide) < 2 * MIN_NARROW_STARTS:
        return 0.0
    full = wide[int(len(wide) * FULL_LINE_QUANTILE)]
    # Set in a column: lines as wide as the full line that run on into another as wide, often.
    runs_on = sum(
        1
        for i in range(len(widths) - 1)
        if text_lines[i]
        and text_lines[i + 1]
        and not closed[i]
        and abs(widths[i] - full) <= FULL_LINE_SLACK
        and abs(widths[i + 1] - full) <= FULL_LINE_SLACK
    )
    if runs_on < RUN_ON_SHARE * len(wide):
        return 0.0
    narrow = as_full = 0
    for i in range(1, len(widths)):
        if not (text_lines[i] and text_lines[i - 1] and closed[i - 1] and widths[i - 1] < full - 2 * NARROW_START_HIGH):
            continue
        if full - NARROW_START_HIGH <= widths[i] <= full - NARROW_START_LOW:
            narrow += 1
        elif abs(widths[i] - full) <= FULL_LINE_SLACK:
            as_full += 1
    return full if narrow >= MIN_NARROW_STARTS and narrow >= NARROW_STARTS_RATIO * as_full else 0.0


def full_after_stop(a: Side, b: Side) -> bool:
    """In a document whose paragraphs start narrower (``narrow_starts``: ``full_width``, the width
    of its full lines), a full line after a full line that ends a sentence goes on with the
    paragraph: a paragraph's first line would be narrower."""
    full = b.full_width
    if not full or not a.ends_sentence or b.english or b.code or b.opener or not (b.clause or b.ends_sentence):
        return False
    return abs(a.width - full) <= FULL_BEFORE_SLACK and abs(b.width - full) <= FULL_AFTER_SLACK


def bare_start(a: Side, b: Side) -> float:
    """A line with no punctuation at all where a paragraph could start reads as a heading, even
    as wide as the column below it: only a cut word or a running Latin word outweighs that."""
    if not a.starts_block or a.clause or a.stops or a.english:
        return 0.0
    if a.column.full and a.width <= NARROW_COLUMN:
        return BARE_START_NARROW
    return BARE_START


def headline_after(a: Side, b: Side) -> float:
    """The next line has no punctuation at all and is not as wide as its column: it heads
    something, or is furniture; it does not continue a sentence."""
    if b.column.full or b.english or b.ends_sentence:
        return 0.0
    if b.latin_start and a.latin_end:
        return 0.0  # a word or number running on ("pg_" + "restore")
    if b.clause or b.stops:
        return 0.0
    if b.separator == SINGLE and not (a.clause or a.stops or a.english) and (split_word(a, b) or bound_start(a, b)):
        # A bare line that breaks inside a word, right over the next: a headline wrapped onto
        # that line, as bare as it (two labels set apart by a blank line are two).
        return 0.0
    return HEADLINE_AFTER_SHORT if b.column.short or _short_unit_after_wide(a, b) else HEADLINE_AFTER


def _short_unit_after_wide(a: Side, b: Side) -> bool:
    """A bare line of up to ten characters under one at least twice as wide: short of the text
    above as a line clearly narrower than its column is. A column's short bare line left apart
    stands under its paragraph set as one line in the output, where no column shows; read there
    as short again, it stays apart again (``天天…、`` / ``天``), as cleaning the output must."""
    return b.width <= SHORT_UNIT and a.width >= SHORT_UNIT_RATIO * b.width


def split_word(a: Side, b: Side) -> float:
    """The two characters around the break usually sit inside a word, and the break does not fall
    between two words as well (``发行`` / ``程序``: ``行程`` is a word, but so are the two halves)."""
    x, y = a.plain[-1:], b.plain[:1]
    pairs = word_pairs()
    if not (x and y and y in pairs.get(x, "")):
        return 0.0
    w, z = a.plain[-2:-1], b.plain[1:2]
    if w and z and x in pairs.get(w, "") and z in pairs.get(y, ""):
        return 0.0
    return SPLIT_WORD


# Bound starts whose bound share is under this also start words often enough (着力, 式样, 等待):
# any word they start counts as that word.
LOOSELY_BOUND_SHARE = 0.98


@cache
def _bound_shares() -> dict[str, float]:
    lines = (DATA / "bound_starts.txt").read_text(encoding="utf-8").splitlines()
    rows = (line.split("\t") for line in lines if line and not line.startswith("#"))
    return {char: float(share) for char, share in rows}


@cache
def bound_starts() -> frozenset[str]:
    """Characters that almost never start a sentence (``cleaner/data/bound_starts.txt``)."""
    return frozenset(_bound_shares())


@cache
def _loosely_bound() -> frozenset[str]:
    return frozenset(char for char, share in _bound_shares().items() if share < LOOSELY_BOUND_SHARE)


def _han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def document_pair(a: Side, b: Side) -> float:
    """The characters around the break stand side by side elsewhere in the document, inside its
    lines: a word or name of its own that the break cuts. A paragraph's last character and the next
    one's first seldom meet inside a line; the same document's wrapped lines meet there again and
    again. Not counted where the lexicon already says the break cuts a word (``split_word``)."""
    x, y = a.plain[-1:], b.plain[:1]
    if not (_han(x) and _han(y)) or a.pairs.get(x + y, 0.0) < DOCUMENT_PAIR_SHARE or split_word(a, b):
        return 0.0
    return DOCUMENT_PAIR


def pair_shares(lines: Sequence[str], minimum: int = DOCUMENT_PAIR_MIN) -> dict[str, float]:
    """For each pair of characters that stands side by side inside ``lines`` at least ``minimum``
    times, that count over the count of its rarer character in ``lines``; in the order the pairs
    first occur. (Counted on the characters' ranks with numpy: a Counter of every pair of
    characters was a third of the stage's time, once for every plan of a document.)"""
    text = "".join(lines)
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if len(codes) < 2:
        return {}
    chars, char_counts = np.unique(codes, return_counts=True)
    rank_of = np.zeros(int(chars[-1]) + 1, dtype=np.int64)  # each character's place among them, by its code
    rank_of[chars] = np.arange(len(chars))
    ranks = rank_of[codes]
    pairs = ranks[:-1] * len(chars) + ranks[1:]  # the pair starting at each place
    # The places where a line ends do not start a pair inside a line.
    ends = np.cumsum(np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))) - 1
    inside = np.ones(len(pairs), dtype=bool)
    inside[ends[(ends >= 0) & (ends < len(pairs))]] = False
    found, first, counts = _first_and_counts(pairs[inside], len(chars) ** 2)
    often = counts >= minimum
    order = np.argsort(first[often])
    found, counts = found[often][order], counts[often][order]
    left, right = found // len(chars), found % len(chars)
    shares = (counts / np.minimum(char_counts[left], char_counts[right])).tolist()  # as int / int: both below 2**53
    named = np.stack([chars[left], chars[right]], axis=1).tobytes().decode("utf-32-le", "surrogatepass")
    return dict(zip(map(operator.add, named[::2], named[1::2]), shares, strict=True))


# Bits of an int64 a pair and its place share in ``_first_and_counts`` (one for the sign).
_SORT_BITS = 63


def _first_and_counts(values: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``np.unique(values, return_index=True, return_counts=True)`` for values in 0..``bound``-1:
    each value with its place in the order of ``values`` in the low bits, sorted once (the stable
    sort ``np.unique`` makes for the first places is eight times as slow)."""
    shift = len(values).bit_length()
    if not len(values) or bound.bit_length() + shift > _SORT_BITS:
        return np.unique(values, return_index=True, return_counts=True)
    placed = np.sort(values << shift | np.arange(len(values), dtype=np.int64))
    value = placed >> shift
    starts = np.flatnonzero(np.concatenate(([True], value[1:] != value[:-1])))
    counts = np.diff(np.append(starts, len(values)))
    return value[starts], placed[starts] & ((1 << shift) - 1), counts


class LazyPairs(Mapping[str, float]):
    """For each pair of characters that stands side by side inside the given lines at least
    DOCUMENT_PAIR_MIN times, that count as a share of the rarer character's count; worked out the
    first time a break asks (a plan that weighs no break between two Han characters never counts them)."""

    def __init__(self, lines: Sequence[str]) -> None:
        self._lines: Sequence[str] | None = lines
        self._value: dict[str, float] = {}

    def _computed(self) -> dict[str, float]:
        if self._lines is not None:
            self._value = pair_shares(self._lines)
            self._lines = None
        return self._value

    def __getitem__(self, key: str) -> float:
        return self._computed()[key]

    def get(self, key: str, default: float = 0.0) -> float:  # type: ignore[override]
        return self._computed().get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._computed())

    def __len__(self) -> int:
        return len(self._computed())


def bound_start(a: Side, b: Side) -> float:
    """The next line starts with a particle or suffix bound to the text before it (``的``, ``们``,
    ``了``): nothing starts with one. One followed by a mark is an interjection (``呀！``) and may,
    and one that starts a frequent word with the next character (``着力``, ``了解``) is that word."""
    first = b.plain[:1]
    if not (_han(a.plain[-1:]) and first in bound_starts() and _han(b.plain[1:2])):
        return 0.0
    second = b.plain[1]
    if second in word_pairs().get(first, "") or (first in _loosely_bound() and _in_word(first, second)):
        return 0.0  # it starts a word (了解, 的确; 着力, 等待): a line may start with that
    return BOUND_START


# Characters that need what they govern or join after them: a preposition, a conjunction, 是, a
# modal verb (可, 能, 会, 应, 需). Adverbs (也, 就) were tried: they join unmarked headlines.
_DANGLING = frozenset("是在和与或及将把被向于并让使由可能会应需")


def dangling_end(a: Side, b: Side) -> float:
    """The line ends in ``的``, which needs the word it qualifies after it (``目的`` is a word), or
    in a character that needs what follows it (``Pl_Editor是`` / ``一个图框编辑器``) and makes no
    word with the character before it (``存在``, ``认为``, ``中将`` end words)."""
    last = a.plain[-1:]
    if last == "的":
        if "的" in word_pairs().get(a.plain[-2:-1], ""):
            return 0.0
    elif last not in _DANGLING or _in_word(a.plain[-2:-1], last):
        return 0.0
    return DANGLING_END if _han(b.plain[:1]) else 0.0


def _in_word(first: str, second: str) -> bool:
    from cleaner.suggest.words import in_word  # imported here: cleaner.suggest.words imports this module

    return in_word(first, second)


# "。" to be, after Han; "……" to be, dots
# (Searched from the end: a match ends the line, and a long line is not walked from its start.)
_TAIL_END = regex.compile(r"[。！？!?…][”’」』）)]*$|\p{Han}\.$|\.{3,}[”’」』）)]*$", regex.REVERSE)


# The characters every match of _TAIL_END ends with (``$`` is also before a final line break).
_TAIL_LAST = frozenset("。！？!?…”’」』）).")


# Marks that close a name or a term (``「自动筛选」``, ``“百虎图”``, ``《呐喊》``): after a character, no
# sentence ends with them.
_TERM_CLOSERS = blocks.CLOSERS + "》〉】"


def _stops_at_a_word(plain: str) -> bool:
    """The line ends at a character, or at the mark that closes a name or term after one."""
    return plain.rstrip(_TERM_CLOSERS)[-1:].isalnum()


def tail_line(a: Side, b: Side) -> float:
    """The next line ends a sentence and is narrower than this one: the last line of a paragraph
    under its first, the shape a two-line paragraph has where no column shows its width (a heading
    over a one-line paragraph is rarely wider than the paragraph). Clearly narrower counts more."""
    if not _stops_at_a_word(a.plain) or a.column.full or a.english or b.english or a.code or b.code or b.opener:
        return 0.0  # only for a line that stops at a character, where no mark says how it goes on
    if not (b.plain[-1:] in _TAIL_LAST or b.plain.endswith("\n")) or not _TAIL_END.search(b.plain):
        return 0.0
    if b.paragraph_lines and b.width > PARAGRAPH_TAIL_WIDTH:
        return 0.0  # every paragraph has a line of its own: only a stub is a paragraph's tail
    if b.width <= TAIL_SHARE * a.width:
        return TAIL_LINE
    return TAIL_LINE_NEAR if b.width <= a.width else 0.0


# A row of a table set in columns of spaces: two gaps of two spaces or more between its cells
# (``apt         V:868      1.4M      高级软件包工具``). Prose has no such gaps.
_TABLE_ROW = re.compile(r"\S {2,}\S.*?\S {2,}\S")


def is_table_row(line: str) -> bool:
    """Whether a line has the gaps of a row of a table set in columns of spaces (``_TABLE_ROW``)."""
    return "  " in line and _TABLE_ROW.search(line) is not None


def table_rows(a: str, b: str) -> bool:
    """Whether lines ``a`` and ``b`` are two rows of a table set in columns of spaces."""
    return is_table_row(a) and is_table_row(b)


# A field of a record in ASCII: a name, a colon and a space, a value (a control file's ``Package: foo``).
_ASCII_FIELD = re.compile(r"[A-Za-z][\w.-]{0,30}:[ \t]+\S")


def record_lines(a: Side, b: Side) -> float:
    """Two lines of ASCII that start with the same token, one holding more than letters (``d-i
    mirror/protocol string ftp`` / ``d-i mirror/country string manual``, ``/dev/XXX /boot …``):
    records of a listing, one to a line. Wrapped prose seldom starts two lines alike. Or two rows
    of a run of records (``record_rows``: ``张三,25,北京`` / ``李四,30,上海``), two rows of a table set
    in columns of spaces, or two fields of a record (``md5sum: 8a6e…`` / ``sha256sum: 0bfe…``)."""
    if a.record and b.record:
        return RECORD_LINES
    if table_rows(a.plain, b.plain):
        return RECORD_LINES
    if not (a.plain.isascii() and b.plain.isascii()):
        return 0.0
    if _ASCII_FIELD.match(a.plain) and _ASCII_FIELD.match(b.plain):
        return RECORD_LINES  # two fields (``md5sum: 8a6e…`` / ``sha256sum: 0bfe…``, ``Package:`` / ``Version:``)
    first = a.plain.split(None, 1)
    if not first or len(token := first[0]) < 2 or token.isalpha():
        return 0.0
    return RECORD_LINES if b.plain.split(None, 1)[:1] == [token] else 0.0


def listing_before_text(a: Side, b: Side) -> float:
    """A line with no Han character, of a few words (a command, a setting: ``d-i netcfg/enable
    boolean false``), over a line that starts with one: a line of a listing over the text after
    it. A sentence wrapped in a Chinese column puts Han characters on nearly every line."""
    if not _han(b.plain[:1]) or len(a.plain) < MIN_LISTING_LINE or not a.plain.isascii():
        return 0.0
    return LISTING_BEFORE_TEXT if " " in a.plain.strip() else 0.0


def latin_run(a: Side, b: Side) -> float:
    if not (a.latin_end and b.latin_start):
        return 0.0
    return ENGLISH_RUN if a.english else LATIN_RUN


# What follows a number as its unit or counter: a line that starts with one after a line that ends
# in a digit continues the number ("在1月2" / "日举行…", "共12" / "万元").
_UNITS = frozenset("年月日时分秒号点个万亿元名人次家项件岁度米吨倍")


def number_unit(a: Side, b: Side) -> float:
    """The line ends in a digit and the next starts with the number's unit: one number, cut."""
    if not (a.plain[-1:].isdigit() and b.plain[:1] in _UNITS):
        return 0.0
    return NUMBER_UNIT


# Quotation marks that open a term (a name in a help page's text) as often as a new sentence.
_TERM_QUOTES = frozenset("「『")
# A quotation that closes this soon is a term or a phrase (``“长凳”``, ``“无是非之心”``), not speech.
TERM_QUOTE_REACH = 12


def opener_after(a: Side, b: Side) -> float:
    """A date or a quotation opens a sentence, usually a paragraph; less so after a full line,
    where the column's edge fell just before it."""
    if not b.opener:
        return 0.0
    if a.clause and _han(a.plain[-1:]) and b.plain[:1] in _TERM_QUOTES:
        return 0.0  # a clause stopped at a character goes on: a quoted term ("…然后点击" / "「确定」")
    if a.clause and _han(a.plain[-1:]) and b.plain[:1] == "“" and "”" in b.plain[2:TERM_QUOTE_REACH]:
        return 0.0  # … and so it does before a quoted phrase ("…他也叫" / "“长凳”，城里人…")
    return OPENER_AFTER_FULL if a.column.full else OPENER_AFTER


_NEWS_DATELINE = regex.compile(r"^据?(?:本报|新华社|中新社)(?:讯|[^，。,；;：:]{0,12}?\d{1,2}月\d{1,2}日[电讯])")


# The header of a message in a chat log (or of a log entry): a date and a time of day, with at most
# a name of a few characters beside them (``张三 2024-01-05 10:23``, ``2024-01-05 10:23:45 张三``).
# A record of its own: prose writes a time in words (``10时23分``) and seldom ends a line on one.
_STAMP = regex.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}[ T\u3000]+\d{1,2}:\d{2}(?::\d{2})?")
MAX_STAMP_NAME = 12
STAMP_LINE = -9.0


def is_stamp_line(plain: str) -> bool:
    """A message header: a date and a time, and no more than MAX_STAMP_NAME other characters."""
    if ":" not in plain:
        return False  # (most lines)
    stamp = _STAMP.search(plain)
    return stamp is not None and len(plain) - (stamp.end() - stamp.start()) <= MAX_STAMP_NAME


def stamp_line(a: Side, b: Side) -> float:
    """Either line is a message header (``is_stamp_line``): the message starts or ends there."""
    return STAMP_LINE if is_stamp_line(a.plain) or is_stamp_line(b.plain) else 0.0


def dateline_after(a: Side, b: Side) -> float:
    """The next line opens with a news dateline: an article starts there."""
    if b.plain[:1] not in "本新据中" or _NEWS_DATELINE.match(b.plain) is None:
        return 0.0
    return DATELINE_AFTER


_VERSE_LINE = regex.compile(r"^(?:(?:\p{Han}{5}[，。？！；、])+|(?:\p{Han}{7}[，。？！；、])+)$")
_VERSE_ENDS = frozenset("，。？！；、\n")
_CLAUSE = regex.compile(r"\p{Han}+[，。？！；、]")  # (the first clause of a verse line)


def is_verse_line(text: str) -> bool:
    """A line of classical verse: clauses of five (or of seven) characters, each closed by a mark."""
    return _VERSE_LINE.match(text) is not None


# Consecutive lines of verse, each one clause or more of the same length: a poem set line by line
# (a column cuts prose at clause marks three times running only by chance).
MIN_POEM_LINES = 3
POEM_COLUMN_SLACK = 2.0  # a line this much narrower than the verse lines, or as wide, may be of their column


def verse_clause(plain: str) -> int:
    """The length of the first clause of a line of verse (``is_verse_line``), mark included; 0 for
    any other line."""
    if plain[-1:] not in _VERSE_ENDS or len(plain) > MAX_VERSE_LINE or not _VERSE_LINE.match(plain):
        return 0
    return _CLAUSE.match(plain).end()


MAX_VERSE_LINE = 32


def poem_lines(verses: Sequence[int], text_lines: Sequence[bool], widths: Sequence[float]) -> list[int]:
    """The lines in runs of MIN_POEM_LINES text lines or more that are each a verse line with
    clauses of one length (``verses``: ``verse_clause`` of each line; ``无材可去补苍天，`` /
    ``枉入红尘若许年。`` / ``此系身前身后事，``): a poem set one line to a line, however much its lines
    look like a column. Not where the text line next to the run is as wide as its lines: then the
    run is a narrow column of prose that happens to break at clause marks (``一个小丫头在`` /
    ``门前探头儿，`` / ``一见了凤姐，``)."""
    found: list[int] = []
    run: list[int] = []
    clause = 0

    def in_column(k: int, width: float) -> bool:
        return 0 <= k < len(verses) and text_lines[k] and width - POEM_COLUMN_SLACK <= widths[k] <= width

    def close() -> None:
        if len(run) >= MIN_POEM_LINES:
            width = max(widths[k] for k in run)
            if not (in_column(run[0] - 1, width) or in_column(run[-1] + 1, width)):
                found.extend(run)

    for i, shape in enumerate(verses):
        shape = shape if text_lines[i] else 0
        if shape and shape == clause:
            run.append(i)
            continue
        close()
        run, clause = ([i], shape) if shape else ([], 0)
    close()
    return found


# The marks that part the fields of a record set one to a line (``张三,25,北京``, ``张三：技术部，负责研发``,
# ``1⇥苹果⇥热带水果``); not ``、``, which lists names in running text (``康、刘伶、王谢二``).
_FIELD_MARKS = re.compile("[,，;；:：\t]")
# Consecutive lines whose field marks come in the same order, two or more a line, the first at the
# same place in each (the first field, a name or a number, as wide in each row), or a tab in each,
# are rows of a table or a list of records: a column cuts prose so that three lines in a row hold
# the same marks at the same places only by chance.
MIN_RECORD_ROWS = 3


def field_marks(plain: str) -> str:
    """The field marks of a line in order, after where the first stands (``张三,25,北京``: ``2,,``),
    or "" when it ends in one (a clause cut at the column's edge)."""
    if plain[-1:] in ",，、;；:：":
        return ""
    marks = _FIELD_MARKS.findall(plain)
    if "\t" in marks:
        return "".join(marks)  # (a tab parts fields wherever it stands)
    if len(marks) < 2 or (first := _FIELD_MARKS.search(plain).start()) == 0:
        return ""  # (a row starts with its first field)
    return f"{first}{''.join(marks)}"


def record_rows(marks: Sequence[str]) -> list[int]:
    """The lines in runs of MIN_RECORD_ROWS lines or more with the same ``field_marks``: rows of
    records, each on its own."""
    found: list[int] = []
    start = 0
    for i in range(1, len(marks) + 1):
        if i < len(marks) and marks[i] == marks[start]:
            continue
        if i - start >= MIN_RECORD_ROWS and marks[start]:
            found.extend(range(start, i))
        start = i
    return found


def verse(a: Side, b: Side) -> float:
    """Two lines of classical verse (five or seven characters a clause, each clause closed by a
    mark, as wide as each other) are lines of a poem, each on its own. The line above may already
    hold the sentence that introduces the poem (``口号一绝云：时逢三五便团圆，``). A line of two
    clauses or more, all verse, over verse of the same clause is a poem's line however it ends
    (``WHOLE_VERSE``), and so is the line under it, whatever a join has made of it already (a
    poem's last clause, alone on its line)."""
    if b.poem:
        # Inside a poem, or at its first line: the sentence that introduces it ends above.
        return WHOLE_VERSE if a.poem else VERSE
    n = len(b.plain)
    if b.plain[-1:] not in _VERSE_ENDS or not _VERSE_LINE.match(b.plain):
        return 0.0  # a verse line ends in a clause mark (or a line break after one): most lines do not
    clause = _CLAUSE.match(b.plain).end()
    if _VERSE_LINE.match(a.plain) and len(a.plain) >= 2 * clause and _CLAUSE.match(a.plain).end() == clause:
        return WHOLE_VERSE
    if len(a.plain) < n or not _VERSE_LINE.match(a.plain[-n:]):
        return 0.0
    if len(a.plain) > n and not blocks.ends_sentence(a.plain[:-n]):
        return 0.0  # the line ends in a verse-shaped clause of a longer sentence
    return VERSE


_LABEL_LINE = regex.compile(r"^[^，。！？；：:、\s]{1,6}[：:][ \t]*[^，。！？；：:、]{1,16}$")
# A short field: a word for its label (作者：, 来源：; not a number: ``1：《虎踞钟山》导演潘西`` is a
# caption cut short) and a value of a few characters (a name), a title in 《》 or dates in brackets aside.
_SHORT_FIELD = regex.compile(r"\p{Han}{1,6}[：:][ \t]*(?:《[^》]*》|[（(〔][^）)〕]*[）)〕]|[^《（(〔]){1,6}$")


def is_label_line(text: str) -> bool:
    """A label and its value on a line of their own: ``作者：杜甫``, ``来源：新华社``."""
    return ("：" in text or ":" in text) and _LABEL_LINE.match(text) is not None


def label_line(a: Side, b: Side) -> float:
    """A label and its value (``作者：杜甫``, ``来源：新华社``) over a clearly wider line, over
    another label and its value, or, a short field outside any column, over a line at least as
    wide: a field of its own. The start of a sentence cut by a column is a full line of that
    column, and a value cut short goes on in a narrower last line or inside a word."""
    if not is_label_line(a.plain):
        return 0.0
    if is_label_line(b.plain):
        return LABEL_LINE  # two fields of a record (题目：《柳》 / 作者：寇准), whatever their widths
    if a.varied_widths or not _han(b.plain[:1]):
        return 0.0
    slack = _slack(a.width)
    if b.width >= a.width + max(2 * slack, 6.0):
        return LABEL_LINE
    # As wide: a word for its label and a short value, a name or a title (作者：寇准（961－1023）),
    # not cut inside a word; a longer value may be a sentence going on (注意：保存文档之前请先检查).
    as_wide = not a.column.full and b.width >= a.width - slack and not split_word(a, b)
    return LABEL_LINE if as_wide and _SHORT_FIELD.match(a.plain) else 0.0


# A speaker's name (or a role: 记者, 主持人, 问) and a colon opening a line, then the words without a
# quotation mark (a space after the colon allowed, as OCR sets one): a turn of a transcript or an
# interview. Not a speech verb's colon (笑道：“…”).
_TURN = regex.compile(r"^[\p{Han}A-Za-z]{1,4}(?<![道说曰云批])[：:][ \t\u3000]*(?=[^“‘「『\"\s])")
TURN_LINES = -9.0


def turn_lines(a: Side, b: Side) -> float:
    """Both lines open with a speaker and a colon (``记者：您如何看待…`` / ``张三：总体平稳，…``): two
    turns of a transcript. Measured: no two lines in a row open so in 4.4 million lines of wrapped
    prose (红楼梦, 呐喊, People's Daily at 8 to 30 characters)."""
    if "：" not in a.plain[1:5] and ":" not in a.plain[1:5]:
        return 0.0  # (most lines)
    return TURN_LINES if _TURN.match(a.plain) and _TURN.match(b.plain) else 0.0


def code_line(a: Side, b: Side) -> float:
    return CODE_LINE if a.code or b.code else 0.0


def separator_evidence(a: Side, b: Side) -> float:
    """A wrapped paragraph is set the same way all along: where its lines were separated by single
    line breaks and a blank line comes, the paragraph ends; the same separator again is weak
    evidence that it goes on."""
    if a.run_separator is None:
        return 0.0
    if a.run_separator == b.separator:
        return SAME_SEPARATOR
    return BLANK_AFTER_SINGLES if b.separator == BLANK else 0.0


_PAIRS = {"「": "」", "『": "』", "（": "）", "《": "》", "“": "”", "‘": "’", "【": "】", "〈": "〉"}
_PAIR_OPENERS = re.compile("[" + re.escape("".join(_PAIRS)) + "]")  # literal marks: re is faster


def open_pair(a: Side, b: Side) -> float:
    """The line leaves a bracket or quotation open and the next one closes it soon, before opening
    another (``如果点击「表单筛选`` / ``器」工具栏上的…``): one sentence runs across the break. Only
    soon: a whole paragraph that closes a quotation somewhere (text one paragraph a line, as the
    output is) says nothing a line of a column would not have said."""
    if not a.pair_open:  # (no opening mark at all: most lines, asked at every break)
        return 0.0
    if a.ends_sentence and speck_quote_start(b.plain):
        return 0.0
    for opener, closer in _PAIRS.items():
        if a.plain.count(opener) <= a.plain.count(closer):
            continue
        close = b.plain.find(closer, 0, OPEN_PAIR_REACH)
        if close >= 0 and opener not in b.plain[:close]:
            return OPEN_PAIR
    return 0.0


def paragraph_lines(a: Side, b: Side) -> float:
    """In a document set one paragraph to a line, with a blank line after each (as the output is,
    and much clean text), every line is a whole paragraph: one that stops at a character is a
    heading, a caption, or a paragraph whose final mark is missing, not a fragment. Joining it
    needs a cut at the break itself (a comma or a dangling particle at the end, a word or a bracket
    cut in two); a line's width or shape says nothing there (``tail_line`` does not count)."""
    return PARAGRAPH_LINES if b.paragraph_lines else 0.0


def indented_after(a: Side, b: Side) -> float:
    """In a document that indents its paragraphs, an indented line starts one; in one that does so
    by habit, a line of running text that is not indented goes on with the paragraph above it."""
    if b.indented:
        return INDENTED_AFTER
    if b.indent_habit and not (b.english or b.code) and (b.clause or b.ends_sentence or b.column.full):
        return UNINDENTED_AFTER
    return 0.0


EVIDENCE = (
    continuing_end,
    closing_start,
    prose_before,
    prose_after,
    width_evidence,
    lost_indent,
    bare_start,
    headline_after,
    split_word,
    document_pair,
    bound_start,
    dangling_end,
    open_pair,
    tail_line,
    latin_run,
    record_lines,
    listing_before_text,
    number_unit,
    opener_after,
    dateline_after,
    stamp_line,
    turn_lines,
    code_line,
    label_line,
    verse,
    indented_after,
    separator_evidence,
    paragraph_lines,
)


def join_score(a: Side, b: Side) -> float:
    """The sum of the evidence that the break between ``a`` and ``b`` is a wrap."""
    score = PRIOR
    for evidence in EVIDENCE:
        score += evidence(a, b)
    return score


def _quoted_sentence(plain: str) -> bool:
    """A whole quoted sentence ("“这是谁叫裁的？”"): speech, not a heading, after a line ending in "："."""
    return len(plain) > 3 and plain[0] == "“" and plain[-1] == "”" and plain[-2] in "。！？…" and "“" not in plain[1:]


# A label of one or two characters alone on its line (``附：``, ``注：``, ``答：``): it heads what
# follows, and a sentence does not start with it after a full stop.
_LONE_LABEL = regex.compile(r"^\p{Han}{1,2}[：:]$")


def stop_score(a: Side, b: Side) -> float:
    """The join score of a break after a line that ends a sentence (see ``STOP_PRIOR``), -inf
    where it cannot go on (``stop_evidence``)."""
    found = stop_evidence(a, b)
    return float("-inf") if found is None else sum(found.values())


def stop_evidence(a: Side, b: Side) -> dict[str, float] | None:
    """The evidence that a line ending a sentence goes on, by name (it counts all of it, as
    ``explain`` does for other breaks), or None where it cannot go on.

    English is left alone (its ragged right edge makes any line look full), and so is a next line
    that reads as a heading (no clause punctuation, not as wide as the column).
    """
    kind = break_class(a.plain, b.plain) or ""
    # Speech after "：" opens with a quotation mark a column may hang past its edge (kinsoku).
    slack = _slack(a.width) * (2 if kind == "colon|quote" else 1)
    if not a.column.full or b.width > a.width + slack or a.plain.isascii() or b.code:
        return None
    if verse(a, b) or _LONE_LABEL.match(b.plain):
        return None
    if not b.column.full and not b.clause and not (kind == "colon|quote" and _quoted_sentence(b.plain)):
        return None
    found = {"stop_prior": STOP_PRIOR, "stop_full": STOP_FULL}
    if b.indented:
        found["indented_after"] = INDENTED_AFTER
    if (separator := separator_evidence(a, b)) < 0:
        found["separator_evidence"] = separator
    # After a full stop, only as evidence against joining: a join on the rhythm alone is as often
    # a paragraph end that happens to fill its line, and joining one hides a repeated paragraph
    # from dedup. After "：", both ways: a speech run on is as much the document's habit.
    rhythm = RHYTHM_WEIGHT * a.rhythm.get(kind, 0.0)
    if (rhythm > 0 and kind.startswith("colon")) or rhythm < 0:
        found["rhythm"] = rhythm
    if a.run_separator == SINGLE and b.separator == SINGLE:
        found["stop_same_single"] = STOP_SAME_SINGLE
    if b.indents_paragraphs and not b.indented:
        found["stop_not_indented"] = STOP_NOT_INDENTED
    if b.varied_widths and b.clause and not b.ends_sentence and abs(b.width - a.width) <= 2:
        found["stop_same_column"] = STOP_SAME_COLUMN
    if b.paragraph_lines:
        found["paragraph_lines"] = PARAGRAPH_LINES
    return found


STOP_MARKS = "。！？!?…"  # the marks that end a sentence outright (not ：；)
_COLON_MARKS = "：:"
_QUOTE_STARTS = "“‘「『"
_ENDS_AND_NEXT = regex.compile(r"([。！？!?…]+|[：:]+)[”’」』）)]*(?=(\S))")


def break_class(before: str, after: str) -> str | None:
    """The kind of break after a line that ends a sentence (``stop``) or introduces one
    (``colon``), by what the next line starts with (``quote`` or ``text``); None for other breaks."""
    last = before.rstrip(blocks.CLOSERS)[-1:]
    if not last or not after:
        return None
    mark = "stop" if last in STOP_MARKS else "colon" if last in _COLON_MARKS else None
    if mark is None:
        return None
    return f"{mark}|{'quote' if after[0] in _QUOTE_STARTS else 'text'}"


class RhythmCounts(NamedTuple):
    """What ``rhythm`` counts in a document's text lines (``line_rhythm`` of each, summed) and at
    the breaks after its full lines."""

    inline: Counter[str]  # sentence-ending places inside the lines, by break class
    observed: Counter[str]  # breaks after full lines, by break class
    places: int  # places between two characters of a line
    full_breaks: int
    closing_inline: int
    closing_starts: int  # breaks after full lines before a closing mark
    commas_inline: int
    commas_cut: int  # breaks after full lines right after a comma


def rhythm_counts(
    plains: Sequence[str],
    full: Sequence[bool],
    text_lines: Sequence[bool],
    read_line: Callable[[str], LineRhythm] | None = None,
) -> RhythmCounts:
    """The counts ``rhythm`` weighs (its arguments)."""
    read_line = read_line or _line_rhythm
    # What the text lines hold inside them, summed over the lines (each line read once, by map).
    texts = list(compress(plains, text_lines))
    places = sum(map(len, texts)) - len(texts) + texts.count("")  # the places between characters
    classes, closings, commas = zip(*map(read_line, texts), strict=True) if texts else ((), (), ())
    inline = Counter(chain.from_iterable(classes))
    closing_inline, commas_inline = sum(closings), sum(commas)
    # The breaks after full lines of text, in order.
    observed: Counter[str] = Counter()
    full_breaks = closing_starts = commas_cut = 0
    n = len(plains)
    for i in compress(range(n - 1), full):
        if not (text_lines[i] and text_lines[i + 1]):
            continue
        plain = plains[i]
        full_breaks += 1
        closing_starts += plains[i + 1][:1] in CLOSING_STARTS
        commas_cut += plain[-1:] == "，"
        found = break_class(plain, plains[i + 1])
        if found:
            observed[found] += 1
    return RhythmCounts(
        inline, observed, places, full_breaks, closing_inline, closing_starts, commas_inline, commas_cut
    )


def rhythm(
    plains: Sequence[str],
    full: Sequence[bool],
    text_lines: Sequence[bool],
    read_line: Callable[[str], LineRhythm] | None = None,
) -> dict[str, float]:
    """How this document sets each class of sentence-ending break (``break_class``), as log-odds
    that such a break after a full line is a cut, relative to ``RHYTHM_DEFAULT``.

    A column's edge falls at any character, so the share of full lines cut right after a full stop
    (or after ``：`` before a quotation) is the share of such places inside the lines. Where the
    document has many more of these breaks than cuts would make, they are its paragraph ends (a
    novel that puts every quotation on a new line); where it has about as many, they are cuts (a
    novel that runs its dialogue on). A document with few such breaks keeps the default belief.
    ``read_line`` gives ``line_rhythm`` of a line (the layout stage keeps what it read).
    """
    inline, observed, places, full_breaks, closing_inline, closing_starts, commas_inline, commas_cut = rhythm_counts(
        plains, full, text_lines, read_line
    )
    # How often a place is cut: a line never ends a paragraph at a comma, so the share of commas
    # at a full line's end is the document's own rate, typesetting included (kinsoku hangs a mark
    # that would start a line on the line before, which cuts after a mark as often as after a
    # comma). With too few commas to count, the rate comes from the lines' length, doubled where
    # no line starts with a closing mark (kinsoku).
    expected_closing = full_breaks * closing_inline / places if places else 0.0
    kinsoku = closing_starts * 4 < expected_closing
    if commas_inline >= MIN_RATE_COMMAS:
        rate = commas_cut / (commas_inline + commas_cut)
    else:
        rate = (2.0 if kinsoku else 1.0) * full_breaks / places if places else 0.0
    result = {}
    for name, seen in observed.items():
        default = RHYTHM_DEFAULT[name]
        # Under kinsoku an opening quote never ends a line either: a cut that would fall before the
        # mark, between it and the quote, or after the quote falls between them, three places
        # where a comma has two.
        boost = KINSOKU_QUOTE_BOOST if kinsoku and name.endswith("|quote") else 1.0
        expected = boost * rate * (inline[name] + seen)
        share = (min(expected, seen) + RHYTHM_PSEUDO * default) / (seen + RHYTHM_PSEUDO)
        result[name] = _logit(share) - _logit(default)
    return result


# Literal characters only, asked of every line: Python's re finds them about twice as fast as regex.
_CLOSING_INSIDE = re.compile("[" + re.escape("".join(sorted(CLOSING_STARTS))) + "]")
# The marks _ENDS_AND_NEXT starts with: more than half the lines have none.
_END_MARKS = re.compile("[" + re.escape(STOP_MARKS + _COLON_MARKS) + "]")


LineRhythm = tuple[tuple[str, ...], int, int]


def line_rhythm(plain: str) -> LineRhythm:
    """The sentence-ending places inside a line, by break class, its closing marks after the first
    character, and its commas before the last."""
    classes: tuple[str, ...] = ()
    if _END_MARKS.search(plain) is not None:
        # ``break_class`` of each match: its marks are all full stops or all colons.
        classes = tuple(
            _BREAK_CLASSES[marks[-1] in STOP_MARKS, after in _QUOTE_STARTS]
            for marks, after in _ENDS_AND_NEXT.findall(plain)
        )
    return classes, len(_CLOSING_INSIDE.findall(plain, 1)), plain.count("，", 0, len(plain) - 1)


_BREAK_CLASSES = {
    (True, True): "stop|quote",
    (True, False): "stop|text",
    (False, True): "colon|quote",
    (False, False): "colon|text",
}


# A document is planned again after each pass; most lines come back unchanged.
_line_rhythm = lru_cache(maxsize=1 << 16)(line_rhythm)


class LazyRhythm(Mapping[str, float]):
    """A document's ``rhythm``, worked out the first time a break asks for it: most documents
    never ask (only a full line that ends a sentence does)."""

    def __init__(
        self,
        plains: Sequence[str],
        full: Sequence[bool],
        text_lines: Sequence[bool],
        read_line: Callable[[str], LineRhythm] | None = None,
    ) -> None:
        self._args: tuple[Sequence[str], Sequence[bool], Sequence[bool], Callable[[str], LineRhythm] | None] | None = (
            plains,
            full,
            text_lines,
            read_line,
        )
        self._value: dict[str, float] = {}

    def _computed(self) -> dict[str, float]:
        if self._args is not None:
            self._value = rhythm(*self._args)
            self._args = None
        return self._value

    def __getitem__(self, key: str) -> float:
        return self._computed()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._computed())

    def __len__(self) -> int:
        return len(self._computed())


def _logit(p: float) -> float:
    p = min(max(p, 0.02), 0.98)
    return math.log(p / (1 - p))


def explain(a: Side, b: Side) -> dict[str, float]:
    """Each piece of evidence that counted, by name (for the audit record and for tuning)."""
    found = {"prior": PRIOR}
    for evidence in EVIDENCE:
        value = evidence(a, b)
        if value:
            found[evidence.__name__] = value
    return found


_URL_END = re.compile(rf"(?:^|\s){blocks.URL}$")


def joiner(left: str, right: str, english_words: Mapping[str, int] | None = None, column: Column = NO_COLUMN) -> str:
    """What replaces a joined break: nothing, or one space between two English words.

    Chinese text is wrapped at any character, so a Latin word cut at the edge (``F`` + ``IFO``)
    joins without a space; English prose is wrapped at spaces, so its words get one back. Between
    Latin runs in Chinese text a space goes back only when both halves are words the document also
    uses elsewhere on their own and their concatenation is not a word it uses, or when the line
    is short of its ``column``: the edge did not cut it, so a word ends there (``md5sum: 8a6e…41``
    / ``sha256sum: 0bfe…``). A link that ends a line not full (not cut at the column's edge) is
    followed by a space before Chinese, which would read as more of its path.
    """
    if _english_wrap(left, right):
        return " "  # English prose wraps at spaces, after a mark too ("long," / "and", "J." / "Smith")
    if _korean_wrap(left, right):
        return " "  # so does Korean ("명이다." / "한국어는")
    last, first = left[-1:], right[:1]
    if not column.full and _han(first) and _URL_END.search(left):
        return " "  # a link ends its line: Chinese glued to it would read as more of its path
    if not (last.isascii() and last.isalnum() and first.isascii() and first.isalnum()):
        return ""
    if column.short or is_english(left) or is_english(right):
        return " "
    if not (last.isalpha() and first.isalpha()):
        return ""
    tail = _WORD.findall(left[-40:])[-1]
    head = _WORD.findall(right[:40])[0]
    words = english_words or {}
    if words.get(tail, 0) >= 2 and words.get(head, 0) >= 2 and not words.get(tail + head):
        return " "
    return ""


_ENGLISH_LINE_END = frozenset(",.;:!?)]\"'’”")
_ENGLISH_LINE_START = frozenset("([\"'‘“")


def _korean_wrap(left: str, right: str) -> bool:
    """A break between two lines of Korean: the line was wrapped at a space (Korean sets spaces
    between its words), after a word or a mark, before a word or a number."""
    last, first = left[-1:], right[:1]
    if is_hangul(first):
        return is_hangul(last) or last in _ENGLISH_LINE_END or (last.isascii() and last.isalnum())
    return is_hangul(last) and first.isascii() and first.isalnum()


def _english_wrap(left: str, right: str) -> bool:
    """A break between two lines of English prose after a mark or a digit: the line was wrapped at
    the space that followed it."""
    last, first = left[-1:], right[:1]
    if not (last in _ENGLISH_LINE_END or (last.isascii() and last.isdigit())):
        return False
    if not ((first.isascii() and first.isalnum()) or first in _ENGLISH_LINE_START):
        return False
    return is_english(left) and is_english(right) and bool(_WORD.search(left)) and bool(_WORD.search(right))


_HYPHENATED_TAIL = regex.compile(r"(?<![A-Za-z-])([A-Za-z]{2,})-$")
_LOWER_HEAD = regex.compile(r"[a-z]{2,}")


def dehyphenates(left: str, right: str, text: str, english_words: Mapping[str, int]) -> bool:
    """A Latin word hyphenated at the line's end (``inten-`` / ``tions``) is one word again when
    the document uses the whole word elsewhere and never the hyphenated form (``e-mail`` keeps its
    hyphen: the document writes it so)."""
    tail = _HYPHENATED_TAIL.search(left)
    head = _LOWER_HEAD.match(right)
    if not (tail and head):
        return False
    whole = tail.group(1) + head.group(0)
    return english_words.get(whole, 0) > 0 and f"{tail.group(1)}-{head.group(0)}" not in text


def latin_words(text: str) -> Counter[str]:
    """How often a text uses each Latin word (for ``joiner``)."""
    return Counter(_WORD.findall(text))


def varied_widths(widths: Sequence[float], full: Sequence[bool]) -> bool:
    """Whether a document sets its paragraphs in columns of many widths (text put together from
    many sources, or each paragraph wrapped on its own): then a line as wide as the full line
    above it is in that line's column, evidence a page set in one width never gives. On such a
    page most full lines share one width, give or take a character (kinsoku, digits)."""
    counts = Counter(round(width) for width, is_full in zip(widths, full, strict=True) if is_full)
    lines = sum(counts.values())
    if lines < MIN_VARIED_LINES:
        return False
    densest = max(sum(counts.get(width + d, 0) for d in range(-2, 3)) for width in counts)
    return densest * 2 < lines
