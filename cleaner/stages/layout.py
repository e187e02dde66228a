"""The ``layout`` stage: rejoin paragraphs broken by the page, keep headings, bylines and captions apart.

OCR and PDF extraction cut paragraphs at column and page edges: a sentence is split over a blank
line ("制造业税收同" / "比增长 11.3%"), a narrow column becomes a run of short lines, and a
headline block with byline and photo caption lands in the middle of a sentence. The stage reads the
document line by line, classifies every line (:mod:`cleaner.blocks`), and then

- joins a fragment that does not end a sentence to the next fragment of running text
  (``join_broken_line`` inside a paragraph, ``join_across_blank`` across a blank line;
  ``join_heading_line`` for a subtitle split over two lines; ``join_hyphenated_word`` for a Latin
  word hyphenated at the line's end, when the document uses the whole word elsewhere);
- heals an interrupted paragraph: a fragment that stops mid-sentence, then a group of headings,
  bylines and captions, then text that continues the sentence. The sentence is rejoined
  (``heal_interrupted``) and the group is moved, intact, right after the healed paragraph
  (``move_block``);
- with ``markup: strip``, removes Markdown marks (``strip_heading_mark``, ``strip_list_mark``,
  ``strip_bold``) while keeping every line where it is.

When the evidence is not clear, nothing is joined. Every join and move is an edit, so
``replay(input, edits)`` rebuilds the output and a reviewer can find each one.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import gc
import itertools
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, ParamSpec, TypeVar

import regex

from cleaner import blocks, debris, furniture, markdown, wrapping
from cleaner.blocks import BYLINE, CAPTION, HEADING, LABEL, LIST, SEPARATOR, TEXT
from cleaner.config import LayoutOptions
from cleaner.model import Change, Document, Edit, StageFn, apply_changes, rewrite
from cleaner.suggest.words import in_word

STAGE = "layout"
P = ParamSpec("P")
R = TypeVar("R")
# A heal across a marked group needs this much less join evidence than a plain break.
HEAL_ALLOWANCE = 1.0
# With this much more join evidence than a plain break needs, the text on both sides of a marked
# group is plainly one sentence: the heal no longer asks the line above to look like running text
# or the line below to carry clause marks (a short first or last line of a paragraph has none).
DECISIVE_HEAL_MARGIN = 1.0
# Two lines this wide (nine Han characters) or wider whose widths differ by at most one Han
# character are one column: a headline over a line of text is rarely that long and that wide.
SAME_COLUMN_MIN_WIDTH = 18
SAME_COLUMN_SLACK = 2
# How many blocks an interrupting group may have (000's headline block has four).
MAX_GROUP = 8
# Passes until nothing changes; the sample corpus needs one.
MAX_PASSES = 4
# Rounds of checking that a stripped mark does not change what the text means.
MAX_STRIP_ROUNDS = 8
# Passes that strip marks (a mark kept for a neighbour's sake may go once the neighbour's went).
MAX_MARK_PASSES = 4
# A break left apart with a join score this close under the threshold is reported as an event.
WEAK_BAND = 1.0
DEFAULT_OPTIONS = LayoutOptions()


@dataclass(slots=True)
class Line:
    """One non-empty line: its text and where it sits in the document."""

    start: int
    end: int
    raw: str
    plain: str


@dataclass(frozen=True, slots=True)
class Heal:
    """Fragment ``a`` continues in fragment ``c``; lines ``group`` (between them) are moved after the paragraph."""

    a: int
    c: int
    group: tuple[int, ...]


@dataclass(frozen=True)
class Context:
    """What a plan of the whole document found about the document as a whole, lent to the plans
    of windows of it: its rhythm, whether it indents its paragraphs, its furniture lines, whether
    its full lines have many widths."""

    rhythm: Mapping[str, float]
    indents_paragraphs: bool
    furniture: frozenset[str]
    varied_widths: bool = False
    pairs: Mapping[str, float] = dataclasses.field(default_factory=dict)
    paragraph_lines: bool = False  # set one paragraph to a line (``wrapping.paragraph_lines``)
    indent_habit: bool = False  # its indented lines start paragraphs (``_indent_habit``)
    narrow_starts: float = 0.0  # its full width, if its paragraphs start narrower (``wrapping.narrow_starts``)


@dataclass
class Survey:
    """What a plan reads of a text before it decides anything: its lines and their readings, its
    furniture and debris, the column evidence, and the document's ``Context``. Whether a pass drops
    furniture needs no more, and a pass that drops some decides nothing (the text changes first)."""

    text: str
    lines: list[Line]
    read: list[Reading]
    static: list[str]  # static kinds, furniture and protected lines made SEPARATOR
    furniture: dict[int, str]
    columns: list[wrapping.Column]
    widths: list[float]
    indented: list[bool]  # all False unless the document indents its paragraphs
    text_lines: list[bool]
    closed: list[bool]
    context: Context

    def line_ends(self) -> list[bool]:
        """Whether each line ends a sentence (``blocks.ends_sentence``, as its side reads it)."""
        return [reading.facts[3] for reading in self.read]

    def short_lines(self) -> frozenset[str]:
        """The bare lines (no punctuation at all, stripped) read as short of their column right
        under a line of text that does not end a sentence: a headline or a label dropped into a
        paragraph, as the next pass must still read it."""
        read, columns = self.read, self.columns
        return frozenset(
            read[i].stripped
            for i in range(1, len(read))
            if columns[i].short
            and self.text_lines[i - 1]
            and not read[i - 1].facts[3]
            and not (read[i].facts[0] or read[i].facts[2])
        )


@dataclass
class Plan:
    """What the stage decided for one text: line kinds, joins to the next line, heals."""

    lines: list[Line]
    kinds: list[str]
    links: list[str | None]
    heals: dict[int, Heal]
    static: list[str]
    sides: list[wrapping.Side]
    scores: list[float | None]
    furniture: dict[int, str]  # page furniture and debris lines, by index, with their kind
    context: Context | None = None
    stop_breaks: set[int] = dataclasses.field(default_factory=set)  # weighed as after a full stop

    def line_ends(self) -> list[bool]:
        """Whether each line ends a sentence (``blocks.ends_sentence``, read once per line text)."""
        return [side.ends_sentence for side in self.sides]

    def weak_breaks(self, threshold: float, band: float = WEAK_BAND) -> list[int]:
        """Breaks left apart whose score came within ``band`` of ``threshold``: the evidence was
        weak either way, so the stage left the text as it was and says so."""
        return [
            i
            for i, score in enumerate(self.scores)
            if score is not None and threshold - band <= score < threshold and not self.links[i] and i not in self.heals
        ]

    def involved(self) -> set[int]:
        """Indices of the lines any join or heal touches."""
        touched: set[int] = set()
        for i, rule in enumerate(self.links):
            if rule:
                touched.update((i, i + 1))
        for heal in self.heals.values():
            touched.update((heal.a, heal.c, *heal.group))
        return touched


def split_lines(text: str) -> list[Line]:
    """The non-empty lines of ``text`` with their offsets."""
    lines: list[Line] = []
    append = lines.append
    strip_marks, mark_starts = blocks.strip_marks, _MARK_STARTS
    position = 0
    for raw in text.split("\n"):
        end = position + len(raw)
        if raw:
            first, last = raw[0], raw[-1]
            if first.isspace() or last.isspace():
                if raw.strip():
                    append(Line(position, end, raw, strip_marks(raw).strip()))
            elif first in mark_starts or "**" in raw:
                append(Line(position, end, raw, strip_marks(raw)))
            else:
                append(Line(position, end, raw, raw))
            if lines and lines[-1].start == position and lines[-1].plain[-1:] in _SPECK_COMMAS:
                line = lines[-1]
                if _STOP_THEN_COMMA.search(line.plain):
                    line.plain = line.plain[:-1]
                elif gap := _GAP_THEN_COMMA.search(line.plain):
                    line.plain = line.plain[: gap.start()]
        position = end + 1
    return lines


# A comma after a full stop or a colon at the end of a line (``…也就好些了。，``, ``…是：，``) is no
# clause going on: nothing follows a full stop with a comma, and an OCR engine reads a speck after
# a paragraph's last mark as one. The line reads as ending at its mark (its text is kept).
_SPECK_COMMAS = frozenset("，、,")
_STOP_THEN_COMMA = regex.compile(r"[。！？：][”’」』]?[，、,]$")
# ... and so is a comma set apart from the text before it by a gap (``烟尘全撞净了 ，``,
# ``基本图框项目是: ，``): an OCR engine sets a comma it reads right after its character.
_GAP_THEN_COMMA = regex.compile(r"(?<=\S)[ \t\u3000]+[，、,]$")


_MARK_STARTS = frozenset("#-*+")
_INDENT = " \t\u3000"


_CREDITS = ("摄", "供图", "摄影", "制图")
_INITIAL_END = regex.compile(r"(?<![A-Za-z])[A-Z]\.$")


def is_open(line: Line, kind: str, side: wrapping.Side) -> bool:
    """A fragment that can go on into the next one: running text, a list item or a ``▲`` caption
    whose sentence is not finished (``side``: the line as the evidence reads it)."""
    if kind not in (TEXT, LIST) and not (kind == CAPTION and line.plain.startswith("▲")):
        return False
    if kind == CAPTION and line.plain.endswith(_CREDITS):
        return False  # "▲…。文禹 摄", "▲…。市气象局供图": the credit closes the caption
    return not side.ends_sentence or blocks.runs_on(line.plain)


def break_score(
    a: Line,
    a_kind: str,
    b: Line,
    b_kind: str,
    b_next_kind: str | None,
    a_side: wrapping.Side,
    b_side: wrapping.Side,
) -> float | None:
    """The join score of the break after unfinished fragment ``a`` (:mod:`cleaner.wrapping`), or
    None when ``b`` cannot continue it at all (it is not running text, or ``a`` is finished)."""
    if _bulleted(b.plain):
        return None  # a bullet and a space open a list item, whatever the item says (a sentence reads as text)
    if b_kind == TEXT and a_kind in (TEXT, HEADING) and _closes_what_is_open(a.plain, b.plain):
        return wrapping.join_score(a_side, b_side)  # a bracket closes on the next line: one sentence
    if b_kind == blocks.DASH and a_kind == TEXT and (blocks.ends_continuing(a.plain) or _HAN.match(a.plain[-1:])):
        # "…一直到夜，" / "——收了旗关门；", "…也没有知道" / "——只是无端的觉得…": a dash clause
        # after a comma or in the middle of a clause, not a list item
        b_kind = TEXT
    if b_kind != TEXT or not is_open(a, a_kind, a_side):
        return None
    if blocks.ends_with_period(a.plain) and not b.plain[:1].islower():
        return None  # "…were noted." / "Send …": a sentence ends (a URL or a name cut at a dot goes on in lower case)
    if a.plain.endswith((".", ".\n")) and _INITIAL_END.search(a.plain) and not b.plain[:1].isalpha():
        return None  # an initial goes on in a name ("J." / "Smith"); ":A." over "0" is "：A。" as punctuation left it
    if a_kind != CAPTION and b_next_kind == CAPTION and blocks.is_one_sentence(b.plain):
        if not (a_side.column.full or _cut_at_break(a_side, b_side)):
            return None  # a caption in the form of a sentence, followed by its credit
    if b_next_kind == BYLINE and blocks.is_headline_form(b.plain):
        return None  # a headline over its byline: the next article's head
    return wrapping.join_score(a_side, b_side)


_CLOSING_BRACKETS = "）)】」』》〉〕"
_OPENING_BRACKETS = "（(【「『《〈〔"
_CLOSING_QUOTES = "”’"


def _closes_what_is_open(a: str, b: str) -> bool:
    """``b`` starts with a closing quotation mark, or with a closing bracket that closes one ``a``
    left open (``直到实在的（`` / ``“外部的”`` / ``）DNS 域…``, a PDF's text layer): nothing starts with
    one, whatever ``a`` ends with."""
    if b[:1] in _CLOSING_QUOTES:
        # a quotation closes at the start of the line: its sentence began above (unless the mark
        # stands apart after a finished sentence: a speck read as one)
        return not (blocks.ends_sentence(a) and wrapping.speck_quote_start(b))
    if b[:1] not in _CLOSING_BRACKETS:
        return False
    return sum(a.count(c) for c in _OPENING_BRACKETS) > sum(a.count(c) for c in _CLOSING_BRACKETS)


_QUOTE_OPENERS = {"”": "“", "’": "‘", "」": "「", "』": "『"}


def _closes_nothing_after_a_stop(lines: Sequence[Line], links: Sequence[str | None], i: int) -> bool:
    """Line ``i`` ends a sentence and the next starts with a closing quotation mark that the
    paragraph so far (line ``i`` and the lines joined into it) never opened (``…有人窥探了。`` /
    ``”太阳出来了…``): it closes nothing. Typesetting never starts a line with one; an OCR engine
    reads a speck or the first-line indent as one, at the start of the next paragraph."""
    opener = _QUOTE_OPENERS.get(lines[i + 1].plain[:1])
    if opener is None:
        return False
    start = i
    while start > 0 and links[start - 1] is not None:
        start -= 1
    run = "".join(line.plain for line in lines[start : i + 1])
    return run.count(opener) <= run.count(lines[i + 1].plain[0])


def _a_line_of_a_column(side: wrapping.Side) -> bool:
    """No wider than a column: a line of wrapped text, not a paragraph written on one line (a
    quotation that such a paragraph closes somewhere says nothing about the line above)."""
    return side.width <= wrapping.MAX_COLUMN_WIDTH


def _word_cut_across(a: str, c: str) -> bool:
    """The last character of ``a`` and the first of ``c`` sit inside a real word, and the last one
    ends no word with the character before it: a word the group cut in two (``…对话框的文`` /
    ``本和图形…`` is one, ``…中的所有`` / ``图形…`` is not)."""
    return in_word(a[-1:], c[:1]) and not in_word(a[-2:-1], a[-1:])


# A line of this many characters or fewer that ends a sentence and has no clause mark is the tail of
# a sentence ("列表。", "视图。"), not the start of an article under a byline.
SENTENCE_TAIL = 6


def _sentence_tail(c: str) -> bool:
    """The line is a sentence's last word or two and its stop (``列表。``): no article, paragraph
    or caption starts so; the line above the group was cut there."""
    plain = c.strip()
    return (
        len(plain) <= SENTENCE_TAIL
        and blocks.ends_sentence(plain)
        and not blocks.has_clause_marks(plain.rstrip(blocks.CLOSERS + blocks.SENTENCE_END))
    )


def _quotation_open(a: str) -> bool:
    """The line opens a quotation it does not close (``“七斤嫂，算了罢。``): the speech, and the
    sentence it is in, go on."""
    return a.count("“") > a.count("”")


def continues_heading(a: Line, a_kind: str, b: Line, b_kind: str, separator: str) -> bool:
    """A subtitle ("——…") split by a single line break inside its paragraph, as in 003's
    "——2026年1月29日在…第二届人民代表大会" / "第六次会议上"."""
    return (
        a_kind == HEADING
        and separator == "\n"
        and not blocks.heading_mark(a.raw)
        and a.plain.startswith("——")
        and not blocks.ends_sentence(a.plain)
        and b_kind == TEXT
        and not blocks.has_clause_marks(b.plain)
        and not blocks.ends_sentence(b.plain)
        and not blocks.is_spaced_headline(b.plain)
        and not blocks.starts_like_opener(b.plain)
    )


class Reading(NamedTuple):
    """What a line's own characters say, read once per line text in a run of the stage (the
    passes plan a document again and again, and most lines come back unchanged)."""

    plain_sentence: bool  # blocks.is_plain_sentence_line
    static: str  # blocks.static_kind, or TEXT for a plain sentence
    stripped: str
    indented: bool
    width: float
    closed: bool  # it ends with a full stop
    facts: wrapping.LineFacts
    start: str  # its first REPEAT_START characters, spaces aside (what a paragraph's copy repeats)
    specks: SpeckReading  # what ``speck_changes`` asks of it
    verse: int  # the length of its first clause if it is a line of verse, else 0 (``wrapping.verse_clause``)
    fields: str  # its field marks (``wrapping.field_marks``)
    hanging: float  # the width of its marks that may hang past its column (``wrapping.hanging_width``)


class Readings:
    """What the plans of one run of the stage have read of its lines, by their text: each line's
    reading (by its raw text) and its sentence-end places for the document's rhythm (by its plain
    text). Kept for the whole run: a cache of a fixed size stops serving a document with more lines.

    A run may start from the readings of the run before (``earlier``): the pipeline runs the stage
    once more on the text it wrote (``Pipeline._relayout``), whose paragraphs are the lines the
    stage's last plan read. A reading depends on the line's text alone, so it is the same either way.
    """

    def __init__(self, earlier: Readings | None = None) -> None:
        self.lines: dict[str, Reading] = {}
        self.earlier: Mapping[str, Reading] = earlier.lines if earlier is not None else {}
        self.rhythms: dict[str, wrapping.LineRhythm] = _RhythmCache()
        # A look-up of a line seen before is the dict's own (no call of Python code per line).
        self.rhythm: Callable[[str], wrapping.LineRhythm] = self.rhythms.__getitem__
        self._specks: dict[tuple[str, bool, bool, bool], list[tuple[int, int]]] = {}

    def specks(self, raw: str, after_sentence: bool, after_full_stop: bool, quote_open: bool) -> list[tuple[int, int]]:
        """``furniture.specks`` of a line (by its text and what the line before ended with)."""
        key = (raw, after_sentence, after_full_stop, quote_open)
        found = self._specks.get(key)
        if found is None:
            found = self._specks[key] = furniture.specks(raw, after_sentence, after_full_stop, quote_open)
        return found


class _RhythmCache(dict[str, wrapping.LineRhythm]):
    """``wrapping.line_rhythm`` of each plain line text, made the first time it is asked for."""

    def __missing__(self, plain: str) -> wrapping.LineRhythm:
        found = self[plain] = wrapping.line_rhythm(plain)
        return found


def _read(line: Line) -> Reading:
    raw, plain = line.raw, line.plain
    plain_sentence = blocks.is_plain_sentence_line(raw)
    last = plain.rstrip()[-1:]
    return Reading(
        plain_sentence,
        TEXT if plain_sentence else blocks.static_kind(raw),
        raw.strip(),
        raw[:1].isspace(),
        wrapping.display_width(plain),
        # A list of one-line steps is not a wrapped column; a line ending in "：" or a closing
        # quote is common inside wrapped dialogue.
        last in "。！？!?",
        wrapping.line_facts(plain),
        "".join(plain.split())[:REPEAT_START],
        _speck_reading(raw, plain, last),
        wrapping.verse_clause(plain),
        wrapping.field_marks(plain),
        wrapping.hanging_width(plain),
    )


def _fields(read: Sequence[Reading]) -> list[list]:
    """The readings' fields, a list per field (transposed in one pass rather than one per field)."""
    return [list(field) for field in zip(*read, strict=True)] if read else [[] for _ in Reading._fields]


def _readings(lines: Sequence[Line], known: dict[str, Reading], earlier: Mapping[str, Reading]) -> list[Reading]:
    """The reading of every line, from ``known`` (by the line's text), else from ``earlier`` or
    made, and kept in ``known``."""
    found = []
    append, get, get_earlier = found.append, known.get, earlier.get
    for line in lines:
        reading = get(line.raw)
        if reading is None:
            reading = get_earlier(line.raw) or _read(line)
            known[line.raw] = reading
        append(reading)
    return found


def plan(
    text: str,
    options: LayoutOptions = DEFAULT_OPTIONS,
    protected: Sequence[tuple[int, int]] = (),
    context: Context | None = None,
    known: Readings | None = None,
) -> Plan:
    """Classify every line of ``text`` and decide joins and heals (no edits yet). Lines wholly
    inside a ``protected`` span (a Markdown code block, table row, reference definition) stand on
    their own. A ``context`` makes ``text`` a window of a document planned before: what only the
    whole document shows (its rhythm, indentation, furniture) is taken from it. ``known`` holds
    the readings of lines seen before (a run of the stage keeps one for all its plans)."""
    return decide(survey(text, protected, context, known), options)


def survey(
    text: str,
    protected: Sequence[tuple[int, int]] = (),
    context: Context | None = None,
    known: Readings | None = None,
    short_before: frozenset[str] = frozenset(),
) -> Survey:
    """The first half of ``plan``: the lines of ``text``, their readings, furniture and columns,
    and the document's ``Context`` (arguments as for ``plan``). ``short_before``: the lines an
    earlier pass over the document read as short of their column (``Survey.short_lines``); one
    still there, with no column around it now, is still short."""
    lines = split_lines(text)
    n = len(lines)
    known = Readings() if known is None else known
    read = _readings(lines, known.lines, known.earlier)
    plain_sentence, static, stripped, indented, widths, closed, facts, *_, hanging = _fields(read)
    if context is None:
        found = furniture.find(stripped, indented)
        if found:
            found = {i: kind for i, kind in found.items() if not _commented_marks(text, lines[i], kind)}
    else:
        found = {i: SEPARATOR for i, line in enumerate(stripped) if line in context.furniture}
    for i in found:
        static[i] = SEPARATOR  # kept furniture stands alone: never joined, never healed across
    for i in _protected_lines(lines, protected):
        static[i] = SEPARATOR
    text_lines = [kind in (TEXT, LIST) for kind in static]
    # Clause punctuation (``Side.clause``) or English prose.
    prose = [sentence or fact[0] or fact[4] for sentence, fact in zip(plain_sentence, facts, strict=True)]
    columns = wrapping.columns(widths, text_lines, prose, closed, hanging)
    # Indentation marks paragraph starts only in a document that indents some lines and not others.
    indents_paragraphs = 2 <= sum(indented) < n if context is None else context.indents_paragraphs
    if not indents_paragraphs:
        indented = [False] * n
    columns = _short_of_column(columns, widths, [line.plain for line in lines], indented)
    if short_before:
        # The lines a pass joined no longer make the column a line left apart was short of; what
        # that line is has not changed (a headline dropped into a paragraph is still one).
        columns = [
            wrapping.SHORT_COLUMN
            if column is wrapping.NO_COLUMN and text_lines[i] and stripped[i] in short_before
            else column
            for i, column in enumerate(columns)
        ]
    if context is None:
        full = [column.full for column in columns]
        document_rhythm = wrapping.LazyRhythm([line.plain for line in lines], full, text_lines, known.rhythm)
        varied = wrapping.varied_widths(widths, full)
        pairs = wrapping.LazyPairs([line.plain for line in lines])
        one_a_line = _one_paragraph_a_line(text, lines, full)
        furniture_lines = frozenset(stripped[i] for i in found)
        habit = indents_paragraphs and _indent_habit(indented, closed, text_lines)
        narrow = 0.0 if indents_paragraphs or one_a_line else wrapping.narrow_starts(widths, closed, text_lines)
        context = Context(
            document_rhythm, indents_paragraphs, furniture_lines, varied, pairs, one_a_line, habit, narrow
        )
    return Survey(text, lines, read, static, found, columns, widths, indented, text_lines, closed, context)


# Han characters only: a line whose display width counts its characters exactly.
_ALL_HAN = regex.compile(r"\p{Han}+")
# ... or ending a sentence (the mark takes a character's place; one hanging past the edge makes the
# line wider, not narrower).
_HAN_LINE = regex.compile(r"\p{Han}+[。！？]?")
# Han characters and full-width marks, each a character's place too, ending a sentence or a word.
_CELL_LINE = regex.compile(r"[\p{Han}，、；：“”‘’（）《》「」『』]*\p{Han}(?:[。！？][”’]?)?")
# A speck an OCR engine read in a paragraph's indentation (``. 会议听取了…``): no word pushed down.
_SPECK_START = regex.compile(r"[.,'`·][ \t\u3000]+")


def _short_of_column(
    columns: list[wrapping.Column], widths: Sequence[float], plains: Sequence[str], indented: Sequence[bool]
) -> list[wrapping.Column]:
    """Lines of Han characters only (perhaps ending a sentence: the mark takes a character's place),
    read as full, that are a character or more narrower than a full line of Han next to them: in a
    justified column every wrapped line holds its width's characters, one fewer only where the next
    line starts with a character and a mark that cannot start a line, with an opening mark, or with
    a Latin word or number that did not fit. Otherwise the line ends there: a heading as wide as the
    narrow column under it but for a character (``定义数据库区域`` / ``您可以将电子表格``), or a
    paragraph's last line. A line with full-width marks inside (each also takes a character's
    place) ends there when it is two characters short (``…以更好地胜任工作的要求。`` under lines of
    24): two marks side by side may share one place."""
    result = columns
    for i, column in enumerate(columns):
        if not column.full or indented[i] or i + 1 >= len(plains):
            continue
        if _HAN_LINE.fullmatch(plains[i]):
            short = 2.0
        elif _CELL_LINE.fullmatch(plains[i]):
            # With marks inside, a line may hold one character fewer than its column where two marks
            # share a place; two fewer it does not.
            short = 4.0
        else:
            continue
        after = plains[i + 1]
        if short > 2 and (speck := _SPECK_START.match(after)):
            after = after[speck.end() :]
        # What the line above may have given this one (kinsoku): a character with a mark no line
        # starts with after it, or a mark no line ends with; or a Latin word or number too long for it.
        first = after[:1]
        if not first or first.isascii() or first in wrapping.OPENING_ENDS or after[1:2] in wrapping.CLOSING_STARTS:
            continue
        edge = max(
            (
                widths[j]
                for j in (i - 1, i + 1)
                if 0 <= j < len(columns)
                and columns[j].full
                and not indented[j]
                and _ALL_HAN.fullmatch(plains[j][-1:])  # (a mark at its end may hang past the edge)
            ),
            default=0.0,
        )
        if edge - widths[i] >= short:
            if result is columns:
                result = list(columns)
            result[i] = wrapping.NO_COLUMN
    return result


# At most this share of the lines of a text set one paragraph to a line are full lines of a column;
# and it has this many lines at least (a few fragments with blank lines between show no habit).
MAX_FULL_SHARE_ONE_A_LINE = 0.1
MIN_LINES_ONE_A_LINE = 6


# A document indents its paragraphs by habit when it has this many indented lines at least, and
# this share of them follows a line that ends a sentence (indented code or quotations do not).
MIN_INDENTED_HABIT = 5
INDENT_HABIT_SHARE = 0.6


def _indent_habit(indented: Sequence[bool], closed: Sequence[bool], text_lines: Sequence[bool]) -> bool:
    """Whether the indented lines of a document are the first lines of its paragraphs: enough of
    them, most after a line that ends a sentence. Then a line that is not indented goes on with the
    paragraph above it (``wrapping.indented_after``, UNINDENTED_AFTER)."""
    starts = [i for i, flag in enumerate(indented) if flag and text_lines[i]]
    if len(starts) < MIN_INDENTED_HABIT:
        return False
    after_stop = sum(1 for i in starts if i == 0 or closed[i - 1])
    return after_stop >= INDENT_HABIT_SHARE * len(starts)


def _one_paragraph_a_line(text: str, lines: Sequence[Line], full: Sequence[bool]) -> bool:
    """Whether ``text`` is set one paragraph to a line: a blank line after every line, and no
    column (two lines of one width that run on) but by chance. The output is set so, and much
    clean text; a column cut into fragments with blank lines between shows its width."""
    if len(lines) < MIN_LINES_ONE_A_LINE or sum(full) > MAX_FULL_SHARE_ONE_A_LINE * len(lines):
        return False
    return all(text[before.end : after.start] != "\n" for before, after in itertools.pairwise(lines))


def decide(surveyed: Survey, options: LayoutOptions = DEFAULT_OPTIONS) -> Plan:
    """The second half of ``plan``: kinds, joins and heals of the lines ``surveyed``."""
    text, lines, read, static, found = surveyed.text, surveyed.lines, surveyed.read, surveyed.static, surveyed.furniture
    columns, widths, indented = surveyed.columns, surveyed.widths, surveyed.indented
    text_lines, closed, context = surveyed.text_lines, surveyed.closed, surveyed.context
    n = len(lines)
    plain_sentence = [reading.plain_sentence for reading in read]
    indents_paragraphs = context.indents_paragraphs
    separators = [None] + [
        wrapping.SINGLE if text[lines[i - 1].end : lines[i].start] == "\n" else wrapping.BLANK for i in range(1, n)
    ]
    document_rhythm, varied = context.rhythm, context.varied_widths
    # Whether the line before each ended a sentence or was not running text (the first has none).
    after_break = [True] + [ended or not text for ended, text in zip(closed, text_lines, strict=True)]
    Side = wrapping.Side
    # (Zipped, not indexed: a side is made for every line of every plan. ``after_break``, and
    # ``separators`` of no lines, have an entry more than there are lines.)
    sides = [
        Side(
            line.plain,
            column,
            width,
            indent,
            separator,
            None,
            indents_paragraphs,
            varied,
            document_rhythm,
            kind == TEXT and block,
            context.pairs,
            context.paragraph_lines,
            reading.facts,  # (positional: a keyword makes the call more than twice as slow)
        )
        for line, column, width, indent, separator, kind, block, reading in zip(
            lines, columns, widths, indented, separators, static, after_break, read, strict=False
        )
    ]
    if context.indent_habit:
        for side in sides:
            side.indent_habit = True
    if context.narrow_starts:
        for side in sides:
            side.full_width = context.narrow_starts
    for i in wrapping.record_rows([reading.fields for reading in read]):
        sides[i].record = True
    verses = [reading.verse for reading in read]
    if any(verses):  # (most documents have no line of verse)
        for i in wrapping.poem_lines(verses, text_lines, widths):
            sides[i].poem = True
    threshold = options.join_threshold
    kinds: list[str] = [TEXT] * n
    links: list[str | None] = [None] * n
    scores: list[float | None] = [None] * n  # the join score of the break after each line, if weighed
    stop_breaks: set[int] = set()  # ... weighed by ``wrapping.stop_score``
    starts = _Starts([reading.start for reading in read], static)
    for i, line in enumerate(lines):
        joined_in = i > 0 and links[i - 1] is not None
        previous = kinds[i - 1] if i > 0 else None
        if not joined_in:
            starts.note(i)
        if joined_in and links[i - 1] != "join_heading_line":
            # The wrapped run this line continues was separated like this: the next break is read
            # against it.
            sides[i].run_separator = separators[i]
        if plain_sentence[i]:
            # Running text that ends a sentence: it neither heads nor runs on (the common case),
            # unless it fills its column and the next line stays in it.
            if joined_in:
                kinds[i] = HEADING if previous == HEADING else TEXT
            elif _captioned(lines, static, i) and blocks.is_one_sentence(line.plain):
                kinds[i] = CAPTION
            if _splits_mark(lines, static, i):
                links[i] = _link_rule(text, line, lines[i + 1])
                continue
            if (
                i + 1 < n
                and kinds[i] == TEXT
                and static[i + 1] == TEXT
                and (
                    (
                        _closes_what_is_open(line.plain, lines[i + 1].plain)
                        and not _closes_nothing_after_a_stop(lines, links, i)
                    )
                    or (wrapping.open_pair(sides[i], sides[i + 1]) > 0 and _a_line_of_a_column(sides[i + 1]))
                )
            ):
                scores[i] = wrapping.join_score(sides[i], sides[i + 1])  # "…回来？" / "”": the quotation closes below
                if scores[i] >= threshold and not starts.repeats(i + 1):
                    links[i] = _link_rule(text, line, lines[i + 1])
                continue
            if (
                i + 1 < n
                and columns[i].full
                and kinds[i] == TEXT
                and static[i + 1] == TEXT
                and not _heads_indented_paragraph(sides, indented, i + 1)
            ):
                scores[i] = wrapping.stop_score(sides[i], sides[i + 1])
                stop_breaks.add(i)
                if scores[i] >= threshold and not starts.repeats(i + 1):
                    links[i] = _link_rule(text, line, lines[i + 1])
            if links[i] is None and i + 1 < n and _goes_on_full(kinds, static, sides, starts, i):
                links[i] = _link_rule(text, line, lines[i + 1])
            continue
        if joined_in:
            kinds[i] = HEADING if previous == HEADING else TEXT
        else:
            kinds[i] = _resolve(line, static[i], previous, lines, static, i, sides[i])
            if kinds[i] == HEADING and i + 1 < n and _cut_at_break(sides[i], sides[i + 1]):
                kinds[i] = TEXT  # a headline never ends in the middle of a word
            elif (
                kinds[i] == HEADING
                and i + 1 < n
                and static[i + 1] == TEXT
                and wrapping.lost_indent(sides[i], sides[i + 1])
            ):
                kinds[i] = TEXT  # a first line that lost its indent to the OCR engine
            elif (
                kinds[i] == HEADING
                and i + 1 < n
                and static[i] == TEXT
                and not (i and _open_above(lines[i - 1], sides[i - 1], sides[i]))
                and not _under_kicker(previous, lines[i - 1] if i else None)
                and (_tail_under(sides[i], sides[i + 1]) or _same_column_text(sides[i], sides[i + 1]))
            ):
                # headline-shaped, but the clearly narrower end of its sentence follows, or a line
                # of running text as wide as it
                kinds[i] = TEXT
            elif (
                kinds[i] == HEADING
                and i + 1 < n
                and (static[i] == TEXT or sides[i].clause)
                and sides[i].indented
                and static[i + 1] == TEXT
                and wrapping.indented_after(sides[i], sides[i + 1]) > 0
            ):
                kinds[i] = TEXT  # indented as the document's paragraphs are, and the line under it goes on
        if _splits_mark(lines, static, i) and kinds[i] in (TEXT, LIST, HEADING):
            links[i] = _link_rule(text, line, lines[i + 1])
            continue
        if i + 1 < n:
            separator = text[line.end : lines[i + 1].start]
            after_next = static[i + 2] if i + 2 < n else None
            if continues_heading(line, kinds[i], lines[i + 1], static[i + 1], separator):
                links[i] = "join_heading_line"
                continue
            score = break_score(line, kinds[i], lines[i + 1], static[i + 1], after_next, sides[i], sides[i + 1])
            if (
                score is None
                and columns[i].full
                and kinds[i] in (TEXT, LIST)
                and static[i + 1] == TEXT
                and sides[i].ends_sentence  # blocks.ends_sentence of the line
                and not _heads_indented_paragraph(sides, indented, i + 1)
                and not _bulleted(lines[i + 1].plain)
            ):
                score = wrapping.stop_score(sides[i], sides[i + 1])
                stop_breaks.add(i)
            scores[i] = score
            if (
                score is not None
                and score >= threshold
                and not starts.repeats(i + 1)
                and not (i and links[i - 1] is None and _dropped_in(sides[i - 1], sides[i], static[i - 1]))
            ):
                links[i] = _link_rule(text, line, lines[i + 1])
            elif _goes_on_full(kinds, static, sides, starts, i):
                links[i] = _link_rule(text, line, lines[i + 1])
    if ">" in text:
        # A line that opens a quotation, or changes its depth, starts a block (Markdown reads it
        # so): joined, its marks would stand inside the line above. (A line without marks under a
        # quotation's line goes on with it: Markdown's lazy continuation.)
        for i in range(n - 1):
            if links[i] is not None and _quotation(lines[i + 1].raw) not in ("", _quotation(lines[i].raw)):
                links[i] = None
    if "{" in text:
        for i in _braced_code(lines):
            links[i] = None
    if "\n " in text:
        for i in _hanging_continuations(lines, separators, sides):
            if links[i] is None and i not in found and i + 1 not in found:
                links[i] = _link_rule(text, lines[i], lines[i + 1])
    heals: dict[int, Heal] = {}
    if options.move_blocks:
        for i in range(n - 1):
            if links[i] is not None:
                continue
            heal = None
            if not plain_sentence[i] and _can_be_interrupted(lines[i], kinds[i], sides[i]):
                heal = _find_heal(lines, kinds, static, links, sides, i, threshold)
            elif kinds[i] == TEXT and sides[i].ends_sentence:
                heal = _find_heal(lines, kinds, static, links, sides, i, threshold, closed=True)
            if heal:
                heals[i] = heal
                _go_on_after_heal(
                    heal, text, lines, kinds, static, plain_sentence, sides, links, scores, stop_breaks, threshold
                )
    return Plan(lines, kinds, links, heals, static, sides, scores, found, context, stop_breaks)


# A list item's marker and the space after it, under any indentation: a bullet, a dash, a number
# or a letter with its stop or bracket (``  • 使用…``, ``   1. 第一步…``, ``  (2) …``).
_LIST_MARKERS = "".join(sorted(blocks.BULLETS)) + "·*+\\-–"
_LIST_ITEM = regex.compile(
    rf"^[ \t]*(?:[{_LIST_MARKERS}]|\d{{1,3}}[.)．、]|[A-Za-z][.)]|[(（]\d{{1,3}}[)）])[ \t]+(?=\S)"
)


# How far a block of code in braces may reach (lines) before its opening is taken for no block.
MAX_BRACED_LINES = 200


def _braced_code(lines: Sequence[Line]) -> list[int]:
    """The breaks inside a block of code in braces: from a line of ASCII that opens a brace at its
    end (``\\relative {``, ``int main() {``) to the line where the braces close again, every line
    ASCII. Lines of code under each other share a width by chance and read as English; they are
    never joined (``b d  % d is 2 up…`` / ``b e  % e is 3 up…`` in LilyPond's manual)."""
    found: list[int] = []
    i, n = 0, len(lines)
    while i < n:
        plain = lines[i].plain
        if not (plain.endswith("{") and plain.isascii()):
            i += 1
            continue
        depth, j = 0, i
        while j < n and j - i <= MAX_BRACED_LINES and lines[j].plain.isascii():
            depth += lines[j].plain.count("{") - lines[j].plain.count("}")
            if depth <= 0:
                break
            j += 1
        if j < n and depth <= 0 and j > i:
            found.extend(range(i, j))
            i = j + 1
        else:
            i += 1
    return found


def _indentation(raw: str) -> int:
    return len(raw) - len(raw.lstrip(" "))


def _hanging_continuations(
    lines: Sequence[Line], separators: Sequence[str | None], sides: Sequence[wrapping.Side]
) -> list[int]:
    """The breaks inside a list item set with a hanging indent, as a text dump of a web page or a
    manual sets it: the lines under the item's first line, right under it and indented to where
    its text starts (``  • 使用 apt-get update 更新…这个命令`` / ``    会从 /etc/apt/… 中的软件源下载``),
    are the item's wrapped text, whatever their punctuation. A line that starts an item of its own,
    a command or a line of English is not; a blank line ends the item's paragraph."""
    found = []
    column: int | None = None  # where the text of the item the line belongs to starts
    for i in range(len(lines) - 1):
        raw = lines[i].raw
        if (marker := _LIST_ITEM.match(raw)) is not None:
            column = marker.end()
        elif column is not None and _indentation(raw) != column:
            column = None
        if column is None or separators[i + 1] != wrapping.SINGLE:
            continue
        below = lines[i + 1].raw
        if _indentation(below) != column or _LIST_ITEM.match(below) or sides[i + 1].code or below.isascii():
            continue  # (the next line is looked at on its own: an item, or no part of this one)
        if lines[i].plain.endswith(("：", ":")):
            continue  # what follows a colon is what it introduces
        found.append(i)
    return found


REPEAT_START = 12  # characters a paragraph's start must share with an earlier one's to be its copy


class _Starts:
    """The starts of the paragraphs met so far: a line that starts one of them again starts a copy
    of that paragraph (set after one whose end ran on), and joined to the line above it would hide
    from dedup, so it is not joined on a score."""

    def __init__(self, line_starts: Sequence[str], static: Sequence[str]) -> None:
        # Each line's start (``Reading.start``) is read once per line text: a head is asked of
        # nearly every line of every plan.
        self.line_starts, self.static = line_starts, static
        self.seen: set[str] = set()

    def head(self, k: int) -> str:
        """The first REPEAT_START characters from line ``k`` on (spaces aside), or fewer."""
        found = ""
        line_starts, static, n = self.line_starts, self.static, len(self.line_starts)
        while k < n and len(found) < REPEAT_START and static[k] == TEXT:
            found += line_starts[k]
            k += 1
        return found[:REPEAT_START]

    def note(self, k: int) -> None:
        # Asked of every line that starts a paragraph: a line of text as long as a start is its
        # paragraph's start (the common case, without a walk over the lines after it).
        found = self.line_starts[k]
        if len(found) < REPEAT_START or self.static[k] != TEXT:
            found = self.head(k)
        if len(found) == REPEAT_START:
            self.seen.add(found)

    def repeats(self, k: int) -> bool:
        return k < len(self.line_starts) and self.head(k) in self.seen


def _bulleted(plain: str) -> bool:
    """Whether a line opens with a bullet and a space (``• 可选地，…``): a list item's first line."""
    return plain[:1] in blocks.BULLETS and plain[1:2] in _INDENT


def _goes_on_full(
    kinds: Sequence[str], static: Sequence[str], sides: Sequence[wrapping.Side], starts: _Starts, i: int
) -> bool:
    """Whether the full line after line ``i``, a full line of running text that ends a sentence,
    goes on with its paragraph in a document whose paragraphs start narrower
    (``wrapping.full_after_stop``); not where it repeats the start of an earlier paragraph."""
    return (
        kinds[i] == TEXT
        and static[i + 1] == TEXT
        and wrapping.full_after_stop(sides[i], sides[i + 1])
        and not _bulleted(sides[i + 1].plain)
        and not starts.repeats(i + 1)
    )


def _heads_indented_paragraph(sides: Sequence[wrapping.Side], indented: Sequence[bool], k: int) -> bool:
    """Line ``k`` has no mark at all and the line after it starts a paragraph (indented, in a
    document that indents them): a heading over that paragraph, not the end of the sentence above
    it, however wide ("子文档进行编辑。" / "使用样式的示例" / "　　主控文档…")."""
    side = sides[k]
    return (
        k + 1 < len(sides)
        and indented[k + 1]
        and not (side.clause or side.stops or side.ends_sentence)
        and side.plain.rstrip()[-1:] not in blocks.CLOSERS
    )


def _go_on_after_heal(
    heal: Heal,
    text: str,
    lines: Sequence[Line],
    kinds: Sequence[str],
    static: Sequence[str],
    plain_sentence: Sequence[bool],
    sides: Sequence[wrapping.Side],
    links: list[str | None],
    scores: list[float | None],
    stop_breaks: set[int],
    threshold: float,
) -> None:
    """Weigh the break after a healed fragment again as a line of the run it continues: read alone,
    its run was cut by the group, so how the paragraph's lines were separated did not count."""
    a, c = heal.a, heal.c
    if c + 1 >= len(lines) or sides[a].run_separator is None:
        return
    if links[c] is not None and (scores[c] is None or not plain_sentence[c]):
        # Joined on its form (a split mark, a heading's next line), or as an open line: only a
        # join after a full stop was weighed on what the line alone showed, and is weighed again.
        return
    sides[c].run_separator = sides[a].run_separator
    if plain_sentence[c]:
        if not (sides[c].column.full and kinds[c] == TEXT and static[c + 1] == TEXT):
            return
        score: float | None = wrapping.stop_score(sides[c], sides[c + 1])
    else:
        after_next = static[c + 2] if c + 2 < len(lines) else None
        score = break_score(lines[c], kinds[c], lines[c + 1], static[c + 1], after_next, sides[c], sides[c + 1])
    if score is None:
        return
    scores[c] = score
    if plain_sentence[c]:
        stop_breaks.add(c)
    else:
        stop_breaks.discard(c)
    links[c] = _link_rule(text, lines[c], lines[c + 1]) if score >= threshold else None


def _protected_lines(lines: Sequence[Line], protected: Sequence[tuple[int, int]]) -> list[int]:
    """The lines wholly inside one of the ``protected`` spans (sorted, not overlapping)."""
    if not protected:
        return []
    starts = [start for start, _ in protected]
    found = []
    for i, line in enumerate(lines):
        index = bisect.bisect_right(starts, line.start) - 1
        if index >= 0 and line.end <= protected[index][1]:
            found.append(i)
    return found


def _splits_mark(lines: Sequence[Line], static: Sequence[str], i: int) -> bool:
    """The break after line ``i`` falls inside an ellipsis or a dash: whatever the lines are, they
    are one."""
    if lines[i].plain[-1:] not in "…—":
        return False  # the common case, asked of every line
    return i + 1 < len(lines) and static[i + 1] != SEPARATOR and blocks.splits_mark(lines[i].plain, lines[i + 1].plain)


def _cut_at_break(a: wrapping.Side, b: wrapping.Side) -> bool:
    """The break cuts a word, the next line starts with a mark or a particle that cannot start
    anything, or this one ends in a particle that cannot end anything."""
    return bool(
        wrapping.split_word(a, b)
        or wrapping.closing_start(a, b)
        or wrapping.bound_start(a, b)
        or wrapping.dangling_end(a, b)
        or wrapping.number_unit(a, b)
    )


def _dropped_in(above: wrapping.Side, side: wrapping.Side, above_kind: str) -> bool:
    """A short line with no punctuation at all, left apart from a wider line of running text above
    it that had not finished its sentence (``…可多次使用以增加滤镜`` / ``绿色发展开新局`` / ``的效果。``):
    a headline dropped into the paragraph. It continues nothing above, and it starts no paragraph
    below either (the sentence it cut goes on there), so it is joined to neither."""
    return (
        side.width <= wrapping.SHORT_SHARE * above.width
        and not (side.clause or side.stops or side.english)
        and above_kind == TEXT
        and above.clause
        and not above.ends_sentence
    )


def _open_above(above: Line, above_side: wrapping.Side, side: wrapping.Side) -> bool:
    """The line above stops mid-sentence and is at least as wide: this line may continue it or
    interrupt it, so it does not start a paragraph of its own."""
    return not above_side.ends_sentence and above_side.width >= side.width


def _tail_under(a: wrapping.Side, b: wrapping.Side) -> bool:
    """The end of a sentence follows, clearly narrower, or no wider under a two-part headline's
    comma (a headline over a one-line paragraph is rarely wider than it)."""
    tail = wrapping.tail_line(a, b)
    return (tail >= wrapping.TAIL_LINE or (tail > 0 and a.clause)) and not blocks.is_spaced_headline(a.plain)


# Evidence about where two lines meet besides a cut (_cut_at_break).
_MEETING = (wrapping.continuing_end, wrapping.tail_line, wrapping.latin_run, wrapping.width_evidence)


def _shows_continuity(a: wrapping.Side, c: wrapping.Side) -> bool:
    """Whether some evidence for joining ``a`` and ``c`` is about where they meet (a cut word, a
    comma, a line as wide as its column, a sentence's short tail), not only that both are prose."""
    return _cut_at_break(a, c) or any(evidence(a, c) > 0 for evidence in _MEETING)


def _same_column_text(a: wrapping.Side, b: wrapping.Side) -> bool:
    """The next line is running text (clause marks, a full stop among them) set as wide as this
    one: two lines of one column, not a headline over its text (which is rarely the same width)."""
    if not b.clause or b.opener or a.english or b.english or a.code or b.code:
        return False
    return a.width >= SAME_COLUMN_MIN_WIDTH and abs(a.width - b.width) <= SAME_COLUMN_SLACK


def _link_rule(text: str, a: Line, b: Line) -> str:
    return "join_broken_line" if text[a.end : b.start] == "\n" else "join_across_blank"


_SECTION_NUMBER = regex.compile(r"^\d{1,3}(?:[.．]\d{1,3})*[.．][ \t]*\S")


def _under_kicker(previous: str | None, previous_line: Line | None) -> bool:
    return previous == HEADING and previous_line is not None and previous_line.plain.endswith("——")


def _resolve(
    line: Line,
    kind: str,
    previous: str | None,
    lines: Sequence[Line],
    static: Sequence[str],
    i: int,
    side: wrapping.Side,
) -> str:
    """The kind of a line that starts a block, from its form, its width and the line before it.

    A line with no clause punctuation is a headline only when it is not as wide as the column
    around it: the fragments of a narrow column have no punctuation either.
    """
    if kind == blocks.DASH:
        return HEADING if previous == HEADING else LIST
    if kind == LIST and _SECTION_NUMBER.match(line.plain) and blocks.is_headline_form(line.plain):
        return HEADING  # "6.1. 制造输出和绘制": a numbered section title, not an item that runs on
    if kind != TEXT:
        return kind
    plain = line.plain
    if _under_kicker(previous, lines[i - 1] if i else None):
        return HEADING  # the deck under a kicker: "优化环境有“丰”彩——" / "持续推进…"
    if side.english:  # (wrapping.is_english of the line, read once per line text)
        return TEXT  # English prose has its own punctuation and capitals; its lines join on evidence
    if blocks.is_spaced_headline(plain) or (not side.column.full and _headline_form(plain)):
        return HEADING
    if _captioned(lines, static, i) and blocks.is_one_sentence(plain):
        return CAPTION  # "高科技新材料产业园一角。" above "(本文图片均由…提供)"
    return TEXT


# ``blocks.is_headline_form`` of a line text: asked of every line that starts a block, in every plan of
# a document, and most lines come back unchanged from one plan to the next.
_headline_form = functools.lru_cache(maxsize=1 << 16)(blocks.is_headline_form)


def _captioned(lines: Sequence[Line], static: Sequence[str], i: int) -> bool:
    """The line after ``i`` is a credit or picture note that a sentence-shaped caption may stand
    over; a ``▲`` line starts a caption of its own, so the line above it is not one."""
    return i + 1 < len(static) and static[i + 1] == CAPTION and not lines[i + 1].plain.startswith("▲")


def _can_be_interrupted(line: Line, kind: str, side: wrapping.Side) -> bool:
    """Running text or a list item that stops mid-sentence, or a line ending in a colon (speech
    introduced, its quotation perhaps after the interruption). An unmarked headline-shaped line
    qualifies too: the heal then needs the break to cut a word (checked in ``_find_heal``)."""
    if kind == HEADING and not blocks.is_marked(line.raw) and not side.ends_sentence:
        return True
    if kind not in (TEXT, LIST):
        return False
    return is_open(line, kind, side) or line.plain.endswith(_COLONS)


_COLONS = ("：", ":")
_QUOTES = ("“", "「", "『")


# Lines that positively identify an interrupting block: a caption or credit, a byline, a column
# label, a Markdown heading. A group is moved only if it holds one of them.
def _is_strong_member(line: Line, kind: str) -> bool:
    return kind in (CAPTION, BYLINE, LABEL) or (kind == HEADING and blocks.is_marked(line.raw))


def _article_head(group: Sequence[int], kinds: Sequence[str], lines: Sequence[Line]) -> bool:
    """A group that is an unmarked headline (or several) followed by a byline and nothing else: a
    new article's head, whatever the line before it ended with (an OCR engine reads a final 。 as
    ，). A Markdown heading says it was set apart on purpose, as a block dropped into the text."""
    members = [kinds[g] for g in group]
    if BYLINE not in members or not set(members) <= {HEADING, BYLINE}:
        return False
    heads = [g for g in group[: members.index(BYLINE)] if kinds[g] == HEADING]
    return bool(heads) and not any(blocks.is_marked(lines[g].raw) for g in heads)


def _text_after_marked_member(group: Sequence[int], kinds: Sequence[str], lines: Sequence[Line]) -> bool:
    """An unmarked headline-shaped line after a byline or a caption in the group: under a byline
    comes the article's text, after a caption the text it interrupted, and a line of that text
    cut by the column has no punctuation either (a deck, its byline and the first line of the
    text would be moved apart)."""
    strong = next((k for k, g in enumerate(group) if kinds[g] in (BYLINE, CAPTION)), None)
    if strong is None:
        return False
    return any(
        kinds[g] == HEADING and not blocks.is_marked(lines[g].raw) and not lines[g].plain.endswith(_CREDITS)
        for g in group[strong + 1 :]
    )


# A block's first line this much narrower than the text under the byline below it is a headline
# (five Han characters), even with a mark inside it.
HEADLINE_NARROWER = 10.0


def _find_heal(
    lines: Sequence[Line],
    kinds: Sequence[str],
    static: Sequence[str],
    links: Sequence[str | None],
    sides: Sequence[wrapping.Side],
    a: int,
    threshold: float,
    closed: bool = False,
) -> Heal | None:
    """A heal of open fragment ``a`` across a group of headings, bylines and captions, if the
    group holds a line that marks it as an interruption (a credit, a byline, a label, a Markdown
    heading) and the text after the group continues the sentence. With ``closed``, ``a`` ends a
    sentence but fills its column: the paragraph goes on under the group only on the evidence a
    break after a full stop needs without one (``wrapping.stop_score``), separator included."""
    headline_shaped = kinds[a] == HEADING
    # (A side's ``clause`` is ``blocks.has_clause_marks`` of its line, read once per line text.)
    # Only running text (punctuated, or the end of a joined run) is open to interruption, unless
    # the evidence is decisive (below).
    running = headline_shaped or sides[a].clause or bool(a and links[a - 1])
    group: list[int] = []
    j = a + 1
    while j < len(lines) and len(group) < MAX_GROUP:
        kind, plain = kinds[j], lines[j].plain
        if kind == HEADING and not blocks.is_marked(lines[j].raw) and sides[j].clause:
            break  # a headline with a comma could be running text: not evidence of an interruption
        if sides[j].column.full:
            break  # as wide as the column around it: a fragment of the text, not a block dropped into it
        if kind in (HEADING, BYLINE, CAPTION):
            pass
        elif (
            kind == TEXT
            and not group
            # (The cheap tests first: this is asked of the line after nearly every open line.)
            and j + 1 < len(lines)
            and _is_strong_member(lines[j + 1], kinds[j + 1])
            and blocks.starts_like_opener(plain)
            and blocks.is_one_sentence(plain)
        ):
            pass  # a caption that opens like a sentence, over its credit: "4月份，…开展主题党日活动。"
        else:
            break  # the candidate continuation
        if links[j] is not None:
            return None  # a member that runs on is running text, not an interrupting block
        group.append(j)
        j += 1
    if not group or j >= len(lines) or kinds[j] != TEXT:
        return None
    if not any(_is_strong_member(lines[g], kinds[g]) for g in group):
        return None  # nothing shows the lines are not text: they stay where they are
    if headline_shaped and kinds[group[0]] == HEADING and not blocks.is_marked(lines[group[0]].raw):
        return None  # two headline-shaped lines over the group: the nearer one is the fragment, if any
    c_line = lines[j]
    # The separator before ``c`` is the group's, not the paragraph's: it says nothing here.
    c_side = dataclasses.replace(sides[j], separator=None)
    a_side = sides[a]
    if sides[a].column.full and not c_side.column.full and abs(c_side.width - sides[a].width) <= SAME_COLUMN_SLACK:
        # As wide as the full line above the group: the column the group interrupted goes on
        # (a run of lines the group cut short shows no column of its own).
        c_side = dataclasses.replace(c_side, column=wrapping.Column(True, False))
    elif (
        c_side.column.full
        and not sides[a].column.full
        and not headline_shaped
        and abs(c_side.width - sides[a].width) <= SAME_COLUMN_SLACK
        and all(_is_strong_member(lines[g], kinds[g]) for g in group)
    ):
        # ... and the other way round: a paragraph's first line, over a group of captions and
        # bylines, as wide as the full lines under it is a line of their column (alone above the
        # group, it showed none).
        a_side = dataclasses.replace(sides[a], column=wrapping.Column(True, False))
        running = True
    if closed:
        if _closes_what_is_open(lines[a].plain, c_line.plain) or _quotation_open(lines[a].plain):
            # "…福寿仙……" / caption / "”他满自豪地说。": the quotation closes after the group.
            evidence = wrapping.join_score(a_side, c_side)
        elif a_side.column.full:
            # After a full stop the separator before ``c`` counts: the run's own again, or a paragraph's end.
            evidence = wrapping.stop_score(a_side, dataclasses.replace(c_side, separator=sides[j].separator))
        else:
            return None
        if evidence < threshold:
            return None
        running = True
    else:
        evidence = wrapping.join_score(a_side, c_side)
    decisive = not closed and evidence >= threshold + DECISIVE_HEAL_MARGIN
    if not running and not decisive:
        return None
    if any(kinds[g] == CAPTION and static[g] != CAPTION for g in group) and not (_shows_continuity(a_side, c_side)):
        # A sentence read as a caption only for the caption under it may be the paragraph's own
        # text: moving it takes evidence about where the lines around it meet.
        return None
    if blocks.is_spaced_headline(c_line.plain):
        return None
    if lines[a].plain.isascii() or c_line.plain.isascii():
        # A command, code or English on either side: the '#' line between is a comment or a prompt,
        # the text a program's output, not a Chinese sentence a caption or heading was dropped into.
        return None
    if not decisive and not (sides[j].clause or sides[j].stops) and not blocks.ends_continuing(lines[a].plain):
        return None  # a headline after the group, not the rest of the sentence (which would end)
    speech = lines[a].plain.endswith(_COLONS) and c_line.plain.startswith(_QUOTES)
    if lines[a].plain.endswith(_COLONS) and not speech:
        return None
    if (
        headline_shaped
        and not decisive
        and not (
            wrapping.closing_start(a_side, c_side)
            or wrapping.bound_start(a_side, c_side)
            or wrapping.dangling_end(a_side, c_side)
            or wrapping.number_unit(a_side, c_side)
            or (
                any(kinds[g] == CAPTION for g in group)
                and (wrapping.split_word(a_side, c_side) or _word_cut_across(lines[a].plain, c_line.plain))
            )
        )
    ):
        return None  # a headline above a caption or byline: only a word cut in two shows it is a fragment
    cut = a_side.column.full or _cut_at_break(a_side, c_side) or blocks.ends_continuing(lines[a].plain)
    if not cut and not speech and c_side.opener:
        return None  # a date or a quotation after the group opens something new
    if (
        not cut
        and not speech
        and all(kinds[g] == BYLINE for g in group)
        and not (_sentence_tail(c_line.plain) and all(blocks.names_a_reporter(lines[g].plain) for g in group))
        and (
            not (a_side.clause or a_side.inner_stop or (a and links[a - 1]))
            or (a and kinds[a - 1] == HEADING and not links[a - 1] and not a_side.inner_stop)
            or not all(blocks.names_a_reporter(lines[g].plain) for g in group)
            or (a_side.starts_block and not (a and links[a - 1]) and c_side.width - a_side.width > HEADLINE_NARROWER)
        )
    ):
        # A deck above a byline ends this way too (under its headline, with clause marks or
        # without), and so does a headline a block starts with, clearly narrower than the text under
        # the byline (``昔日『冰球沙皇! 今朝认罪服法``): the head of an article, not an interruption.
        # Prose that is no deck, left open above a byline that names a reporter, is taken up again
        # under it; a line of bare names is as likely a line of text an OCR engine garbled into
        # short words. A sentence's tail under a byline that names a reporter is no article's
        # start: the line above was cut there.
        return None
    if _article_head(group, kinds, lines):
        return None  # a headline over its byline, with no picture: the next article starts there
    if _text_after_marked_member(group, kinds, lines):
        return None  # a byline or caption, then a line shaped like a headline: text may go on there
    # The marked group is itself evidence that the sentence was interrupted: the bar is lower
    # than for a plain break (HEAL_ALLOWANCE).
    if not speech and evidence < threshold - HEAL_ALLOWANCE:
        return None
    return Heal(a, j, tuple(group))


@dataclass(frozen=True, slots=True)
class Chain:
    """Lines ``head``..``last`` became one line; ``healed`` if groups were moved after it."""

    head: int
    last: int
    healed: bool


class _LatinWords(Mapping[str, int]):
    """``wrapping.latin_words`` of a text, counted the first time a join looks a word up: only a
    break between two Latin words asks (a break between ASCII marks or digits, common in Chinese
    text, does not), and a count of the whole text for every plan cost more than the joins."""

    def __init__(self, text: str) -> None:
        self._text: str | None = text
        self._counts: Counter[str] = Counter()

    def _counted(self) -> Counter[str]:
        if self._text is not None:
            self._counts = wrapping.latin_words(self._text)
            self._text = None
        return self._counts

    def __getitem__(self, word: str) -> int:
        return self._counted()[word]

    def get(self, word: str, default: int | None = None) -> int | None:
        return self._counted().get(word, default)

    def __contains__(self, word: object) -> bool:
        return word in self._counted()

    def __iter__(self) -> Iterator[str]:
        return iter(self._counted())

    def __len__(self) -> int:
        return len(self._counted())


# A Markdown quotation's marks at a line's start (``> ``, ``>> ``), indentation aside.
_QUOTE_MARKS = regex.compile(r"[ \t\u3000]*(?:>[ \t]?)+")


def _quotation(raw: str) -> str:
    """The Markdown quotation a line is in: its quotation marks without their spaces (``>``,
    ``>>``), or ``""``."""
    if ">" not in raw[:8]:
        return ""
    marks = _QUOTE_MARKS.match(raw)
    return "".join(marks.group().split()) if marks is not None else ""


def _unquoted(right: str) -> str:
    """``right`` (a line joined to one in the same quotation, its indentation gone) without its
    quotation marks: kept, they would stand inside the joined line (``> 人生苦短，> 我用Python。``)."""
    if right[:1] != ">":
        return right
    marks = _QUOTE_MARKS.match(right)
    return right[marks.end() :] if marks is not None else right


def structural_changes(text: str, decided: Plan, chains: list[Chain] | None = None) -> list[Change]:
    """Joins, heals and moves as changes on ``text`` (sorted, non-overlapping); the chains of
    lines that became one are appended to ``chains`` if given."""
    lines, links, heals, sides = decided.lines, decided.links, decided.heals, decided.sides
    changes: list[Change] = []
    words = _LatinWords(text)

    def joiner(left: str, right: str, side: wrapping.Side) -> str:
        return wrapping.joiner(left, right, words, side.column)

    def _dehyphenates(left: str, right: str) -> bool:
        return wrapping.dehyphenates(left, right, text, words)

    i = 0
    n = len(lines)
    while i < n:
        # Walk one chain of fragments: i, then whatever it joins or heals into.
        moved: list[tuple[int, ...]] = []
        current = i
        while True:
            if links[current]:
                nxt = current + 1
                left, right = lines[current].raw, lines[nxt].raw.lstrip(_INDENT)
                # The next line's indentation goes with the break: inside the joined line it is no
                # space; and so does its quotation mark (``> ``) inside the same quotation.
                right = _unquoted(right)
                resumes = lines[nxt].end - len(right)
                if left.endswith("-") and _dehyphenates(left, right):
                    changes.append(Change(lines[current].end - 1, resumes, "", "join_hyphenated_word"))
                else:
                    changes.append(
                        Change(lines[current].end, resumes, joiner(left, right, sides[current]), links[current])
                    )
                current = nxt
            elif current in heals:
                heal = heals[current]
                group_text = text[lines[heal.group[0]].start : lines[heal.group[-1]].end]
                rest = lines[heal.c].raw.lstrip(_INDENT)
                changes.append(
                    Change(
                        lines[current].end,
                        lines[heal.c].end - len(rest),
                        joiner(lines[current].raw, rest, sides[current]),
                        "heal_interrupted",
                        {"group": group_text},
                    )
                )
                moved.append(heal.group)
                current = heal.c
            else:
                break
        if moved:
            last = lines[current]
            groups = [text[lines[g[0]].start : lines[g[-1]].end] for g in moved]
            insertion = "\n\n" + "\n\n".join(groups)
            following = text[last.end : lines[current + 1].start] if current + 1 < n else ""
            if following and "\n\n" not in following:
                insertion += "\n"  # the next line was in the same paragraph: keep it apart from the group
            changes.append(Change(last.end, last.end, insertion, "move_block", {"groups": groups}))
        if chains is not None and current != i:
            chains.append(Chain(i, current, bool(moved)))
        i = current + 1
    changes.sort(key=lambda c: (c.start, c.end))
    return changes


def block_mark_changes(text: str) -> list[Change]:
    """Changes removing the block marks (``#`` headings, ``-`` bullets) at the start of every line.

    A ``#`` in a listing is no heading's mark: before a command (``# mke2fs -j /dev/sda6``, a root
    shell's prompt; ``# dpkg-reconfigure tzdata``), or on a line of ASCII next to another line
    starting with ``#`` or to a line of ASCII, no blank line between (a comment in a
    configuration file, ``# Keyboard selection.`` over ``d-i keyboard-configuration/…``)."""
    changes = []
    for mark in blocks.BLOCK_MARKS.finditer(text):
        end = text.find("\n", mark.start())
        line = text[mark.start() : len(text) if end < 0 else end]
        if furniture.page_number(line.strip()):
            continue  # "- 12 -" is a page number kept as it is, not a list item
        heading = mark.group().lstrip(" \t").startswith("#")
        if heading and _in_listing(text, mark.start(), end, line[mark.end() - mark.start() :]):
            continue
        changes.append(Change(mark.start(), mark.end(), "", "strip_heading_mark" if heading else "strip_list_mark"))
    return changes


def _commented_marks(text: str, line: Line, kind: str) -> bool:
    """Whether ``line``, found as debris, is a comment of marks in a listing (``#    .`` in a
    configuration file's commented example): the listing's line, read without its ``#``."""
    if kind != furniture.DEBRIS or not line.raw.lstrip(" \t").startswith("#"):
        return False
    return _in_listing(text, line.start, text.find("\n", line.start), line.raw.lstrip(" \t#"))


def _in_listing(text: str, start: int, end: int, content: str) -> bool:
    """Whether the ``#`` line at ``start`` (ending at ``end``, -1 at the text's end; ``content``
    after its mark) is a prompt or a comment in a listing (see :func:`block_mark_changes`)."""
    if wrapping.is_code(content):
        return True
    ascii_line = content.isascii()
    if ascii_line and content[:1] in _COMMAND_STARTS:
        return True
    neighbours = []
    if start > 0:
        neighbours.append(text[text.rfind("\n", 0, start - 1) + 1 : start - 1])
    if end >= 0:
        after = text.find("\n", end + 1)
        neighbours.append(text[end + 1 : len(text) if after < 0 else after])
    for neighbour in neighbours:
        stripped = neighbour.strip()
        if stripped.startswith("#") or (ascii_line and stripped and stripped.isascii()):
            return True
    return False


# What a command after a prompt starts with (a heading in the text starts otherwise: ``# Introduction``).
_COMMAND_STARTS = frozenset("abcdefghijklmnopqrstuvwxyz/.~$")


def bold_changes(text: str) -> list[Change]:
    """Changes removing the ``**`` around bold spans."""
    changes = []
    for bold in blocks.bold_spans(text):
        changes.append(Change(bold.start(), bold.start() + 2, "", "strip_bold"))
        changes.append(Change(bold.end() - 2, bold.end(), "", "strip_bold"))
    return changes


# Decisions are local: a line's kind depends on the line before it and the two after it, and a heal
# looks at most MAX_GROUP + 1 lines ahead. A window this many lines around a place sees every
# decision that place can take part in.
MARGIN = MAX_GROUP + 4


_NON_EMPTY_LINE = regex.compile(r"[^\n]*\S[^\n]*")


def _merged_windows(text: str, places: Sequence[int], margin: int = MARGIN) -> list[tuple[int, int]]:
    """Offset ranges of the text from ``margin`` non-empty lines before to ``margin`` lines after
    each of ``places``, merged where they meet."""
    if len(places) * 4 * margin < text.count("\n"):
        return _walked_windows(text, places, margin)  # few places: walk out from each
    bounds = [(m.start(), m.end()) for m in _NON_EMPTY_LINE.finditer(text)]
    if not bounds:
        return []
    starts = [start for start, _ in bounds]
    windows: list[tuple[int, int]] = []
    for place in sorted(places):
        index = max(bisect.bisect_right(starts, place) - 1, 0)
        first, last = max(index - margin, 0), min(index + margin, len(bounds) - 1)
        if windows and first <= windows[-1][1] + 1:
            windows[-1] = (windows[-1][0], max(windows[-1][1], last))
        else:
            windows.append((first, last))
    return [(bounds[first][0], bounds[last][1]) for first, last in windows]


def _walked_windows(text: str, places: Sequence[int], margin: int = MARGIN) -> list[tuple[int, int]]:
    """Like ``_merged_windows``, walking ``margin`` non-empty lines back and forth from each place."""
    windows: list[tuple[int, int]] = []
    size = len(text)
    for place in sorted(places):
        start, seen = text.rfind("\n", 0, place) + 1, 0
        while start > 0 and seen < margin:
            previous_start = text.rfind("\n", 0, start - 1) + 1
            if text[previous_start : start - 1].strip():
                seen += 1
            start = previous_start
        end, seen = text.find("\n", place), 0
        end = size if end < 0 else end
        while end < size and seen < margin:
            following = text.find("\n", end + 1)
            following = size if following < 0 else following
            if text[end + 1 : following].strip():
                seen += 1
            end = following
        if windows and start <= windows[-1][1] + 1:
            windows[-1] = (windows[-1][0], max(windows[-1][1], end))
        else:
            windows.append((start, end))
    return windows


def strippable_marks(
    text: str, options: LayoutOptions = DEFAULT_OPTIONS, known: Readings | None = None
) -> list[Change]:
    """Block-mark removals that leave the plain line reading as it did with its mark.

    A heading whose plain text would be joined to a neighbour by this stage's own rules keeps its
    mark: the output stays unambiguous and the stage stays idempotent. The check plans the text
    (with the marks removed) only around the marks.
    """
    candidates = block_mark_changes(text)
    if not candidates:
        return []
    safe = {c.start for c in candidates if _plainly_safe(*_neighbours(text, c.start))}
    for _ in range(MAX_STRIP_ROUNDS):
        if not candidates:
            break
        clash: set[int] = set()
        checked = [c.start for c in candidates if c.start not in safe]
        # Candidates are in text order: each window's share is a slice, found by bisection (a scan
        # of all candidates per window made long documents quadratic).
        candidate_starts = [c.start for c in candidates]
        for start, end in _merged_windows(text, checked):
            inside = candidates[bisect.bisect_left(candidate_starts, start) : bisect.bisect_left(candidate_starts, end)]
            shifted = [Change(c.start - start, c.end - start, "", c.rule) for c in inside]
            trial = apply_changes(text[start:end], shifted)
            decided = plan(trial, options, known=known)
            involved = decided.involved()
            if not involved:
                continue
            # Where each mark's line is in the trial window (a mark starts its line).
            removed, line_of = 0, {}
            starts = [line.start for line in decided.lines]
            for c in inside:
                position = c.start - start - removed
                line_of[c.start] = bisect.bisect_left(starts, position)
                removed += c.end - c.start
            # A line's kind depends on its neighbours (a subtitle under a heading, a caption above
            # its credit), so a mark near a decision may be what caused it.
            near = _near(involved)
            # (A decision no mark explains was there before the marks went: not this check's business.)
            suspects = [c for c in inside if line_of[c.start] in near]
            clash |= {c.start for c in _guilty(text[start:end], start, suspects, line_of, options, known)}
        if not clash:
            return candidates
        candidates = [c for c in candidates if c.start not in clash]
    return []


def _near(lines: set[int]) -> set[int]:
    return {i + d for i in lines for d in range(-2, 3)}


def _guilty(
    window: str,
    offset: int,
    suspects: list[Change],
    line_of: dict[int, int],
    options: LayoutOptions,
    known: Readings | None = None,
) -> list[Change]:
    """The ``suspects`` (marks near a decision the window takes without its marks) whose removal
    alone makes a decision near their line that the window with every mark takes without.

    A mark next to another mark's decision is not to blame for it: without this, a heading two lines
    above a heading that would join kept its mark in a document, and lost it in the same document
    once dedup had removed the other heading, so cleaning the output changed it again.
    """
    if len(suspects) < 2:
        return suspects
    before = plan(window, options, known=known).involved()
    guilty = []
    for suspect in suspects:
        alone = Change(suspect.start - offset, suspect.end - offset, "", suspect.rule)
        caused = plan(apply_changes(window, [alone]), options, known=known).involved() - before
        if line_of[suspect.start] in _near(caused):
            guilty.append(suspect)
    return guilty or suspects


def _neighbours(text: str, start: int) -> tuple[str | None, str, str | None]:
    """The line starting at ``start`` and the non-empty lines before and after it."""
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    previous = following = None
    position = start
    while position > 0:
        line_start = text.rfind("\n", 0, position - 1) + 1
        if text[line_start : position - 1].strip():
            previous = text[line_start : position - 1]
            break
        position = line_start
    position = end
    while position < len(text):
        line_end = text.find("\n", position + 1)
        line_end = len(text) if line_end < 0 else line_end
        if text[position + 1 : line_end].strip():
            following = text[position + 1 : line_end]
            break
        position = line_end
    return previous, text[start:end], following


def _plainly_safe(previous: str | None, raw: str, following: str | None) -> bool:
    """Whether line ``raw`` can lose its mark without a look at the text around it.

    True when the line before it is running text that ends a sentence (so nothing before can run
    into this line or heal across it), the plain line ends a sentence or reads as a headline (so it
    runs into nothing), and neither it nor the next line changes kind in a way a neighbour reads
    (a caption, a "——" subtitle).
    """
    if previous is not None:
        if not blocks.is_plain_sentence_line(previous):
            return False
        previous_plain = blocks.strip_marks(previous)
        if blocks.is_one_sentence(previous_plain) and blocks.starts_like_opener(previous_plain):
            return False
    plain = blocks.strip_marks(raw).strip()
    kind = blocks.static_kind(plain)
    if kind in (CAPTION, blocks.DASH, LABEL):
        return False
    if following is not None and blocks.static_kind(blocks.strip_marks(following).strip()) == blocks.DASH:
        return False
    if blocks.ends_continuing(plain) or blocks.runs_on(plain):
        return False  # it runs on into the next line (a comma; a semicolon, a dash after prose)
    if blocks.ends_sentence(plain):
        return kind in (TEXT, HEADING, LIST)
    # A headline-shaped line is not enough: as wide as a column of text around it, it would join.
    return kind == HEADING or blocks.is_spaced_headline(plain)


# Kinds of line that stand as a paragraph of their own once the stage has left them apart. List
# items, captions with their credits and bylines stay together as the block they form; such a
# block left apart from the text above or below it is a paragraph of its own too (a credit note
# left between two sentences of running text is not part of either).
_SEPARABLE = frozenset({TEXT, HEADING})
_STANDS_APART = frozenset({CAPTION, BYLINE})


def _separable(a: str, b: str) -> bool:
    """Whether lines of kinds ``a`` and ``b`` left apart are two paragraphs."""
    return (a in _SEPARABLE and (b in _SEPARABLE or b in _STANDS_APART)) or (a in _STANDS_APART and b in _SEPARABLE)


_HAN = regex.compile(r"\p{Han}")


def separations(text: str, decided: Plan) -> list[Change]:
    """Single line breaks between two lines of Chinese text (or headings) the stage left apart, made
    paragraph breaks (``separate_lines``). Markdown-marked lines, code and English keep theirs."""
    changes = []
    lines, kinds = decided.lines, decided.kinds
    for i in range(len(lines) - 1):
        if decided.links[i] or i in decided.heals or not _separable(kinds[i], kinds[i + 1]):
            continue
        a, b = lines[i], lines[i + 1]
        if text[a.end : b.start] != "\n" or _marked(a) or _marked(b):
            continue  # already apart, or marked (a Markdown heading or list item)
        if not (_HAN.search(a.plain) and _HAN.search(b.plain)):
            continue  # code, English and symbol lines keep their line breaks (later stages may reshape them)
        if wrapping.table_rows(a.plain, b.plain):
            continue  # rows of a table set in columns of spaces stay the block whose columns they keep
        changes.append(Change(a.end, b.start, "\n\n", "separate_lines"))
    return changes


def _marked(line: Line) -> bool:
    """Whether the line carries Markdown marks (its plain text is not its text; a speck comma read
    away at its end, ``_STOP_THEN_COMMA`` or ``_GAP_THEN_COMMA``, is no mark)."""
    raw = line.raw.strip()
    return raw != line.plain and blocks.strip_marks(raw).strip() != raw


def _furniture_kept(kind: str, options: LayoutOptions) -> bool:
    return (options.debris if kind == furniture.DEBRIS else options.furniture) == "keep"  # "mark" drops


def furniture_changes(decided: Survey, options: LayoutOptions, known: Readings | None = None) -> list[Change]:
    """Removals of the page furniture and debris lines (``drop_page_number``, ``drop_running_head``,
    ``drop_debris``), each with the line break after it, so the text around closes up and the
    passes that follow can rejoin a paragraph a page break cut; and of the debris inside lines
    (``drop_speck``, ``drop_margin_glyph``)."""
    lines = decided.lines
    changes = []
    for i, kind in sorted(decided.furniture.items()):
        if _furniture_kept(kind, options):
            continue
        line = lines[i]
        if i + 1 < len(lines):
            start, end = line.start, lines[i + 1].start
        else:
            start, end = (lines[i - 1].end if i else line.start), line.end
        if changes and start < changes[-1].end:
            start = changes[-1].end  # two furniture lines in a row: the first removal took the break
        changes.append(Change(start, end, "", f"drop_{kind}"))
    if options.debris == "drop":
        changes.extend(speck_changes(decided, known))
        changes.extend(margin_glyph_changes(decided, changes))
    changes.sort(key=lambda c: (c.start, c.end))
    return changes


def margin_glyph_changes(decided: Survey, taken: Sequence[Change]) -> list[Change]:
    """Removals of what an OCR engine reads from a blob in the page's margin: a glyph or two of the
    simplest shapes, a bar, an asterisk or a Latin letter past a wide gap after a full stop (``…下似的。
    本``), with the gap (``drop_margin_glyph``). Left, it would be glued to the sentence once the
    spacing stage closes the gap, and read as running on into the paragraph under it. Only after a
    full stop (after a colon it is a form's or a table's value: ``合计：    一``), and never digits
    or fuller characters (a table's column)."""
    text = decided.text
    if "    " not in text and "\u3000\u3000" not in text and "\t" not in text:
        return []  # no wide gap anywhere (most documents): one scan of the text, not one per line
    changes = []
    for i, line in enumerate(decided.lines):
        if decided.static[i] not in (TEXT, LIST) or i in decided.furniture:
            continue
        gap = blocks.margin_tail(line.raw)
        if gap is None or line.raw[: gap[0]].rstrip(blocks.CLOSERS)[-1:] not in wrapping.STOP_MARKS:
            continue
        if "|" in line.raw[: gap[0]]:
            continue  # a row of a table: its last bar is the row's
        if not debris.margin_glyphs(line.raw[gap[1] :]):
            continue
        if not any(c.start < line.end and c.end > line.start for c in taken):  # (a speck found there)
            changes.append(Change(line.start + gap[0], line.end, "", "drop_margin_glyph"))
    return changes


def speck_changes(decided: Survey, known: Readings | None = None) -> list[Change]:
    """Removals of OCR specks inside lines of text (``drop_speck``, :func:`cleaner.furniture.specks`);
    ``known`` keeps what the plans of a run of the stage found, line by line."""
    specks = (Readings() if known is None else known).specks
    changes = []
    previous_ends, full_stop = True, False
    # Quotations left open so far: a paragraph's lines may be set apart by blank lines, and a quotation
    # may run on into the next paragraph, so none is taken to be closed before its mark comes.
    quotes = 0
    ends = decided.line_ends()
    furniture_lines, static = decided.furniture, decided.static
    for i, (line, reading) in enumerate(zip(decided.lines, decided.read, strict=True)):
        if i in furniture_lines:
            continue
        may_have_specks, opened, stops = reading.specks
        if may_have_specks and static[i] in (TEXT, LIST):
            for start, end in specks(line.raw, previous_ends, full_stop, quotes > 0):
                changes.append(Change(line.start + start, line.start + end, "", "drop_speck"))
        quotes = max(0, quotes + opened)
        previous_ends = ends[i]  # blocks.ends_sentence of the line
        full_stop = stops
    return changes


class SpeckReading(NamedTuple):
    """What ``speck_changes`` asks of a line's own text."""

    may_have_specks: bool  # furniture.may_have_specks
    opened: int  # quotations it opens, less those it closes
    full_stop: bool  # it ends in a full stop, or in a half-width one punctuation makes full-width


def _speck_reading(raw: str, plain: str, last: str) -> SpeckReading:
    """(``last``: the last character of ``plain``, spaces aside.)"""
    # A half-width ! ? . after a Han character is the full-width mark punctuation makes of it.
    return SpeckReading(
        furniture.may_have_specks(raw),
        plain.count("“") - plain.count("”"),
        last in "。！？" or (last in "!?." and _HAN_THEN_STOP.search(plain.rstrip()[-2:]) is not None),
    )


_HAN_THEN_STOP = regex.compile(r"\p{Han}[!?.]$")


def weak_break_events(decided: Plan, threshold: float) -> list[Change]:
    """Events (changes that change nothing) at the breaks left apart on weak evidence, with the
    score and the evidence that counted, so a reviewer can find them in the audit record."""
    events = []
    for i in decided.weak_breaks(threshold):
        a, b = decided.sides[i], decided.sides[i + 1]
        found = (wrapping.stop_evidence(a, b) if i in decided.stop_breaks else None) or wrapping.explain(a, b)
        detail = {"event": "weak_evidence", "score": round(sum(found.values()), 2), "evidence": found}
        events.append(Change(decided.lines[i].end, decided.lines[i].end, "", "kept_apart", detail))
    return events


def _protected(doc: Document) -> tuple[tuple[int, int], ...]:
    """What of a Markdown document is not prose (code, tables, reference definitions, front
    matter), and the fenced code and tables of pipes in other text: never joined, split or
    stripped (:func:`cleaner.markdown.kept_spans`)."""
    return markdown.kept_spans(doc, blocks=True)


# Windows are worth it only where they leave most of the document out, in a long document.
WINDOW_SHARE = 3
MIN_WINDOWED_LINES = 2000


def window_changes(
    doc: Document, options: LayoutOptions, places: Sequence[int], context: Context, known: Readings | None = None
) -> list[Change] | None:
    """The structural changes around ``places`` (where the last pass changed the text), planned on
    windows of the document with the document's ``context``: a pass after the first looks again
    only where a join can have changed what the lines around it read as.

    Only changes at least MARGIN lines inside a window are taken (a decision sees that far), and
    None is returned — plan the whole document instead — when a window would heal a paragraph (its
    moved group goes to the paragraph's end, which may lie outside the window).
    """
    text = doc.text
    if text.count("\n") < MIN_WINDOWED_LINES:
        return None  # a short document is planned whole faster than its windows are found
    protected = _protected(doc)
    inner = _merged_windows(text, places)
    outer = _merged_windows(text, [place for window in inner for place in window])
    if sum(end - start for start, end in outer) * WINDOW_SHARE > len(text):
        return None  # the windows would cover most of the document: plan it whole, once
    changes: list[Change] = []
    for start, end in outer:
        window = text[start:end]
        spans = [(max(a, start) - start, min(b, end) - start) for a, b in protected if a < end and b > start]
        decided = plan(window, options, spans, context, known)
        if decided.heals:
            return None
        for change in structural_changes(window, decided):
            at = change.start + start
            if any(low <= at <= high for low, high in inner):
                changes.append(dataclasses.replace(change, start=at, end=change.end + start))
    return markdown.guard(doc, changes, blocks=True)


def _places_after(changes: Sequence[Change]) -> list[int]:
    """Where ``changes`` (sorted, not overlapping) sit in the text they make."""
    places = []
    shift = 0
    for change in changes:
        places.append(change.start + shift)
        shift += len(change.after) - (change.end - change.start)
    return places


def _collector_paused(run: Callable[P, R]) -> Callable[P, R]:
    """``run`` with Python's cyclic garbage collector paused (if it was running), as it was found
    after. The stage makes several small objects per line and plan and no reference cycles (what
    it drops is freed as it goes): the collector, started every few hundred allocations, only
    walked them again and again, a fifth of the stage's time on a 16 MB document."""

    @functools.wraps(run)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        if not gc.isenabled():
            return run(*args, **kwargs)
        gc.disable()
        try:
            return run(*args, **kwargs)
        finally:
            gc.enable()

    return paused


@_collector_paused
def repair(doc: Document, options: LayoutOptions, known: Readings | None = None) -> tuple[Document, list[Edit]]:
    """Run the stage on one document: structural passes to a fixed point, markup, then the lines
    left apart made paragraphs and the unsure breaks reported. ``known``: what the plans of this
    run read of its lines (a new one if not given)."""
    edits: list[Edit] = []
    known = Readings() if known is None else known
    doc, step, decided = _settle(doc, options, known, edits, 0)
    # Lines left apart inside a paragraph become paragraphs of their own (every later step, dedup
    # included, works paragraph by paragraph); the breaks left apart on weak evidence are reported.
    final = markdown.guard(doc, separations(doc.text, decided), blocks=True)
    if final and options.markup == "strip" and _marks_freed(doc.text, final, options, known):
        # A blank line can change what a mark's plain line reads as (a kept mark may go now): the
        # marks are settled again on the text as the next run would read it.
        doc, final_edits = rewrite(doc, STAGE, final, step=step)
        edits.extend(final_edits)
        doc, step, decided = _settle(doc, options, known, edits, step + 1)
        final = markdown.guard(doc, separations(doc.text, decided), blocks=True)
    final += weak_break_events(decided, options.join_threshold)
    final.sort(key=lambda c: (c.start, c.end))
    doc, final_edits = rewrite(doc, STAGE, final, step=step)
    edits.extend(final_edits)
    return doc, edits


def _marks_freed(text: str, separations: list[Change], options: LayoutOptions, known: Readings) -> bool:
    """Whether a block mark kept in ``text`` would go once ``separations`` are made."""
    return bool(block_mark_changes(text)) and bool(strippable_marks(apply_changes(text, separations), options, known))


def _settle(
    doc: Document, options: LayoutOptions, known: Readings, edits: list[Edit], step: int
) -> tuple[Document, int, Plan]:
    """Structural passes to a fixed point, then markup; the passes' edits go to ``edits``. Returns
    the document, the next step and the plan of its final text."""
    strip_rounds = 0
    places: list[int] = []
    context: Context | None = None
    decided: Plan | None = None
    short_lines: frozenset[str] = frozenset()
    for _ in range(MAX_PASSES + 2 + MAX_MARK_PASSES):
        # Furniture and debris go first, so a paragraph a page break cut can be rejoined. A joined
        # line reads differently from its fragments (wider, perhaps with punctuation now), so the
        # text is looked at again until a pass changes nothing: cleaning the output again then
        # changes nothing.
        # After a pass that joined lines, only the places around its joins are looked at again; a
        # pass that finds nothing there is confirmed on the whole document.
        changes = window_changes(doc, options, places, context, known) if places and context else None
        if not changes:
            surveyed = survey(doc.text, _protected(doc), known=known, short_before=short_lines)
            context = surveyed.context
            short_lines |= surveyed.short_lines()
            changes = markdown.guard(doc, furniture_changes(surveyed, options, known), blocks=True)
            if not changes:  # (a pass that drops furniture plans the text it leaves)
                decided = decide(surveyed, options)
                changes = markdown.guard(doc, structural_changes(doc.text, decided), blocks=True)
        if not changes and options.markup == "strip" and strip_rounds < MAX_MARK_PASSES:
            # Marks go once the structure is settled (a mark is kept where its plain line would be
            # joined); what the plain lines are is then planned once more. A mark kept for a
            # neighbour whose mark went may be free to go now: marks are looked at again until none
            # goes, as the next run would.
            marks = strippable_marks(doc.text, options, known)
            bold = bold_changes(doc.text)
            strip_rounds += 1
            changes = markdown.guard(doc, sorted(marks + bold, key=lambda c: (c.start, c.end)), blocks=True)
        if not changes:
            break
        places = _places_after(changes)
        doc, pass_edits = rewrite(doc, STAGE, changes, step=step)
        edits.extend(pass_edits)
        step += 1
    if changes or decided is None:
        decided = plan(doc.text, options, _protected(doc), known=known)  # the passes ran out: plan what is there
    return doc, step, decided


def make(options: LayoutOptions) -> StageFn:
    last: list[Readings] = []  # the readings of the stage's run before, which the next run may use

    def layout(doc: Document) -> tuple[Document, list[Edit]]:
        known = Readings(last[0] if last else None)
        last[:] = [known]
        return repair(doc, options, known)

    return layout
