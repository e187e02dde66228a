"""Page furniture and OCR debris: lines that belong to the page, not to any article.

A PDF's text layer or an OCR engine gives every page's running head and page number as lines of
text, wherever the page broke (often in the middle of a paragraph), and reads specks and rules as
symbols. The layout stage finds these lines here, drops them (each an edit that says which kind)
or keeps them on lines of their own, and never joins them into a paragraph.

Only forms that text cannot take are recognised, never a line's shortness alone:

- ``page_number``: `- 12 -`, `— 3 —`, `第 3 页`, `第3版`, `Page 4`, `Page 4 of 9`, `4/9`; and bare
  numbers (`12`) when the document has at least three of them in increasing order (pages counted);
- ``running_head``: a short label and a page number two spaces apart (`要闻  12`, `12  经济周刊`)
  whose label recurs in the document, or whose number fits the document's own page numbers;
- ``debris``: a short line of nothing but two or more different symbols, one of them a sign text
  does not end with (`~--`, `.-`, `|=`) — a run of one mark (`……`, `***`, `---`) is a separator
  the text meant, and a line of closing marks (`。”`) the tail of a sentence: both are kept; but
  two or three backticks, straight single quotes or carets (`` ` ` ``, `' '`, `^^`) separate
  nothing (three backticks or quotes together open a block of code, and are kept);
- ``speck`` (:func:`specks`): a lone mark after a finished sentence and a gap (`安全。”   .`), or a
  lone full stop and a gap before a line's text after a finished sentence (`。 输入页面`).
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import pairwise

import regex

from cleaner import blocks
from cleaner import debris as glyphs

PAGE_NUMBER = "page_number"
RUNNING_HEAD = "running_head"
DEBRIS = "debris"

# An OCR engine reads a dash beside a page number as 一 now and then, and a speck after it as a mark.
_SPECK_AFTER = r"(?:\s+[.。,，·_'`“”\"]{1,2})?"
# A newspaper's page label: the issue's date, perhaps its weekday, and the page ("1998年1月8日 第9版";
# an OCR engine may drop or misread a character of the date: "1998年]月14日").
_ISSUE_DATE = r"(?:\d{4}\s*年[^\s]{0,6}?日\s*(?:星期.\s*)?)?"
# The dashes around a page number, as an OCR engine reads them ("一53一", "二53一"); and the digit 1
# misread as a bracket or a letter in a page label ("第]版").
_DASH = "[-—–~·•一二]"
_MISREAD_ONE = r"[\]lI|?]"
# And a speck before a page-number form ("。一53一", "。第177 页").
_SPECK_BEFORE = r"(?:[.。,，·_'`]\s*)?"
_PAGE_FORMS = regex.compile(
    rf"^{_SPECK_BEFORE}(?:{_DASH}\s*\d{{1,4}}\s*{_DASH}|{_ISSUE_DATE}第\s*(?:\d{{1,4}}|{_MISREAD_ONE})\s*[页版]"
    rf"|[Pp]age\s+\d{{1,4}}(?:\s+of\s+\d{{1,4}})?|\d{{1,4}}\s*/\s*\d{{1,4}}){_SPECK_AFTER}$"
)
_BARE_NUMBER = regex.compile(rf"^\d{{1,4}}{_SPECK_AFTER}$")
# A label of up to 12 characters with no punctuation (single spaces inside it: "KiCad 用户手册"), and
# a page number, two or more spaces apart.
_LABEL = r"(?P<label>[^\s\p{P}\d](?:[^\s\p{P}]| (?=[^\s\p{P}])){0,15})"
_HEAD_THEN_NUMBER = regex.compile(rf"^{_SPECK_BEFORE}{_LABEL}\s{{2,}}[.“”\"]?(?P<number>\d{{1,4}})[.“”\"]?$")
_NUMBER_THEN_HEAD = regex.compile(rf"^(?P<number>\d{{1,4}})\s{{2,}}{_LABEL}$")
# A running head without a number: a short label with no punctuation at all.
_BARE_LABEL = regex.compile(r"^[^\s\p{P}\d](?:[^\s\p{P}]| (?=[^\s\p{P}])){0,15}$")
_SYMBOLS_ONLY = regex.compile(r"^[^\p{L}\p{N}]{2,12}$")
# The end of a sentence wrapped onto a line of its own ("～！”" after "…呵", "～”" after "开城门来"):
# a final mark, perhaps inside closing quotes or brackets, or a wave dash or dash inside them.
_SENTENCE_TAIL = regex.compile(r"(?:[。！？!?…][”’」』）)]*|[～~—][”’」』）)]+)$")
# Marks an OCR engine reads specks as; two or more different ones alone on a line are no text
# (". ,", "'`", "· ."), while CJK marks alone may be a sentence's tail ("。”", "，”").
_SPECK_DOTS = frozenset(".,·'`")
_SPECK = regex.compile(r"[~\-_=|\\/^`+<>#@\p{So}\p{Sm}\p{Sk}]")
# No furniture line is longer (a 12-character label, two spaces and a four-digit number).
MAX_LENGTH = 18
# How many bare numbers, in increasing order, make them page numbers.
MIN_PAGE_SEQUENCE = 3
# How often a label must come with a page number to be a running head.
MIN_HEAD_REPEATS = 2
# A running head without a number stands beside at least one in HEAD_SHARE of the page numbers.
HEAD_SHARE = 2
# A page holds more text lines than this: numbers or labels that recur closer together are a
# table's cells or a list's, set one to a line (``RAID5`` / ``3`` / ``可选`` / ``是``, row after row).
MIN_PAGE_LINES = 8


def page_number(plain: str) -> bool:
    """A line in one of the page-number forms that running text never takes."""
    return _PAGE_FORMS.match(plain) is not None


def debris(plain: str) -> bool:
    """Two or more different symbols and nothing else, spaces aside (a run of one mark is a
    separator; spaces do not count, a later stage may remove them), at least one of them a sign
    text does not end with (`~ - = | / ^ +`, a shape or math sign) or all of them specks an OCR
    engine reads as half-width dots, commas and quotes (`. ,`, `' ,`): a lone `。”`, `……”` or
    `～！”` is the tail of a sentence, not a speck."""
    compact = plain.replace(" ", "").replace("\t", "")
    if _speck_run(plain, compact):
        return True
    if _SYMBOLS_ONLY.match(compact) is None or len(set(compact)) < 2 or _SENTENCE_TAIL.search(compact):
        return False
    return _SPECK.search(compact) is not None or set(compact) <= _SPECK_DOTS


# Marks no text repeats on a line of its own as a separator, as ``***``, ``---`` or ``……`` are.
_LONE_SPECKS = frozenset("`'^")


def _speck_run(plain: str, compact: str) -> bool:
    """Two or three of one of the marks of _LONE_SPECKS (a backtick, a straight single quote, a
    caret), spaced or not; but not three backticks or quotes together, which open a block of code."""
    if not 2 <= len(compact) <= 3 or len(set(compact)) != 1 or compact[0] not in _LONE_SPECKS:
        return False
    return len(compact) == 2 or compact[0] == "^" or compact != plain.strip()


# A speck an OCR engine reads after a finished sentence, across a gap (``安全。”   .``), or before
# a line's text (``。 输入页面…``): no text puts a lone mark there. A straight quote after it counts
# as the curly one punctuation makes of it.
_SPECK_MARKS = frozenset(".。,，·_'`-~:;：；")
# After a finished sentence, a gap and up to three marks end a line only as specks (Tesseract:
# "作用。 .", "获利匪浅。 .。，"): no sentence goes on with a mark after a space. After a closing
# bracket or quote the gap must be wider: "有意义) 。" is "有意义）。" as Tesseract reads it.
_TRAILING_SPECK = regex.compile(
    r"(?:(?<=[。！？!?…])[ \t\u3000]+|(?<=[”’」』）)])[ \t\u3000]{2,})[.。,，·_'`\-~:;：；]{1,3}$"
)
# A comma set apart by a gap at the end of a line with no clause mark before it (a heading, a label,
# a fragment: "地址列表字段 ，", "5.3. 创建模板 、"): no comma follows a space in Chinese text, and
# Tesseract reads a speck after a short line as one (25 of 26 such lines of its readings of rendered
# pages; the other, after a heading too, could not be told).
_GAPPED_COMMAS = frozenset("，、,")
_GAPPED_COMMA = regex.compile(r"(?<=[^\s，、,])[ \t\u3000]+[，、,]$")
# After text that is not ASCII, a gap of four columns or more and up to three specks end a line only
# as debris ("后人望玉兴叹        ”", "本报评论员      ，", "。      ，    。"): a page's blank
# right-hand side read as marks. A speck is one or two marks, or a lone letter, digit or character
# when a mark is there as well ("…的元件值。      ，    a"): without one it may be a table's last
# column. "|" is no speck here: it may be a Markdown table's edge.
_WIDE_GAP_MARKS = ".。,，·_'`\\-~:;：；“”\""
_WIDE_GAP_ENDS = _SPECK_MARKS | frozenset('“”"')
_WIDE_GAP_TOKEN = rf"(?:[{_WIDE_GAP_MARKS}]{{1,2}}|[A-Za-z0-9\p{{Han}}])"
_WIDE_GAP_SPECK = regex.compile(
    rf"(?<=[^\x00-\x7f][!?.,;:)]?)(?:[ \t]{{4,}}|\u3000{{2,}})"
    rf"({_WIDE_GAP_TOKEN}(?:[ \t\u3000]+{_WIDE_GAP_TOKEN}){{0,2}})[ \t\u3000]*$"
)
_WIDE_GAP_MARK = regex.compile(rf"[{_WIDE_GAP_MARKS}]")
# (A "]" before 月, 日, 时 or 张 is the digit 1 misread, which the punctuation stage puts back.)
_TEXT_AFTER_SPECK = r"(?=[\p{Han}A-Za-z0-9“‘「（(\"']|\][月日时张])"
_LEADING_SPECK = regex.compile(r"[。.][ \t\u3000]+" + _TEXT_AFTER_SPECK)
# A closing quotation mark that starts a line where no quotation is open: typesetting never starts
# a line with one (kinsoku), and Tesseract reads a speck in a first line's indent as one
# ("”元数据由一个必需文件组成…", "”6.1. 制造输出和绘制").
_LEADING_QUOTE_SPECK = regex.compile(r"”[ \t\u3000]*(?=\S)")
# Indentation before a leading speck: the spacing stage removes it, and the speck is the same.
_INDENT = regex.compile(r"[ \t\u3000]*")


# The gaps after and between the marks go with them: the spacing stage removes a space beside a full-width
# mark, and the line must read the same when its output is cleaned again (", 随着" / "，随着").
_COMMA_SPECKS = frozenset("，,、.。")
_LEADING_MARKS = _COMMA_SPECKS | {"”"}
_LEADING_COMMA_SPECK = regex.compile(r"[，,、.。](?:[ \t\u3000]*[，,、.。])?[ \t\u3000]*" + _TEXT_AFTER_SPECK)


def specks(
    line: str, after_sentence: bool, after_full_stop: bool = False, quote_open: bool = True
) -> list[tuple[int, int]]:
    """Offsets in ``line`` of OCR specks to drop: up to three marks after a finished sentence and a
    gap at the line's end; a lone full stop and a gap at its start, when the line before finished
    its sentence (otherwise the mark may be that sentence's own, wrapped onto this line); a comma
    or stop or two right at its start when the line before ended in a bare full stop (``。`` then
    ``，随着…``: no sentence goes on with a comma after its full stop; after ``。”`` one may)."""
    found = []
    start = _INDENT.match(line).end() if line[:1] in " \t\u3000" else 0
    # (Each pattern is asked only of a line whose character there can start a match.)
    if (
        after_full_stop
        and line[start : start + 1] in _COMMA_SPECKS
        and (comma := _LEADING_COMMA_SPECK.match(line, start))
    ):
        found.append(comma.span())
    elif after_sentence and line[start : start + 1] in ("。", ".") and (lead := _LEADING_SPECK.match(line, start)):
        found.append(lead.span())
    elif not quote_open and line[start : start + 1] == "”" and (quote := _LEADING_QUOTE_SPECK.match(line, start)):
        found.append(quote.span())
    # A speck at the end is looked for after the one at the start, if any ("”  ." is one of each).
    after = found[0][1] if found else start
    if line[-1:] in _SPECK_MARKS and (trail := _TRAILING_SPECK.search(line, after)):
        found.append(trail.span())
    elif (
        line[-1:] in _GAPPED_COMMAS
        and (trail := _GAPPED_COMMA.search(line, after))
        and not blocks.has_clause_marks(line[after : trail.start()])
    ):
        found.append(trail.span())
    elif (
        _may_end_in_wide_gap_specks(line)
        and (trail := _WIDE_GAP_SPECK.search(line, after))
        and trail.start() > start
        and _WIDE_GAP_MARK.search(trail.group(1))
    ):
        found.append(trail.span())
    return found


def _may_end_in_wide_gap_specks(line: str) -> bool:
    """A mark at the end with a gap at most three characters before it, or a lone letter, digit or
    character after a gap: what a line whose end has specks ends with."""
    last = line[-1:]
    if last in _WIDE_GAP_ENDS:
        tail = line[-4:-1]
        return " " in tail or "\u3000" in tail or "\t" in tail
    return line[-2:-1] in (" ", "\t", "\u3000") and last.isalnum()


def may_have_specks(line: str) -> bool:
    """Whether ``specks`` can find anything in ``line`` at all, by the characters it looks at: a
    mark at the end with a gap at most three characters before it, or a mark that starts the line
    (after its indentation). Most lines have neither, and are not looked at further."""
    if _may_end_in_wide_gap_specks(line):
        return True
    return (line.lstrip(" \t\u3000")[:1] if line[:1] in " \t\u3000" else line[:1]) in _LEADING_MARKS


# A speck an OCR engine reads in the gap between a running head's label and its number: marks, or a
# lone Latin letter ("KiCad 用户手册   “   -   o   176"), or a lone character set apart by wide gaps
# on both sides, where the head's rule was ("Kicad 用户手册      四     e  17").
_GAP_SPECK = regex.compile(r"(?<=\s)(?:[.。,，·_'`\"“”\-~|]+|[A-Za-z])(?=\s)|(?<=\s\s)\p{Han}(?=\s\s)")


# The layout stage plans a document several times and most of its short lines come back unchanged:
# what a line's text says is kept (``find`` asks it of every short line in every plan).
@lru_cache(maxsize=1 << 16)
def _head(plain: str) -> tuple[str, int] | None:
    """The label (compared without case or spaces) and page number of a ``label  12`` / ``12  label``
    line, specks in the gap between them left out (``KiCad 用户手册   。   90``)."""
    plain = _GAP_SPECK.sub("", plain) if "  " in plain else plain
    match = _HEAD_THEN_NUMBER.match(plain) or _NUMBER_THEN_HEAD.match(plain)
    if match is None:
        return None
    return match.group("label").casefold().replace(" ", ""), _value(match.group("number"))


_NUMBER = regex.compile(r"\d{1,4}")


def _value(digits: str) -> int:
    """The number a run of ``\\d`` digits writes, or -1 (no page) for digits Python cannot read:
    the regex module's Unicode is newer than Python's (U+16D70, a Kirat Rai digit, crashed int())."""
    return int(digits) if digits.isdecimal() else -1


# A page number this close to one the document has in a page-number form counts as the same count.
PAGE_NEIGHBOURHOOD = 3


def find(plains: Sequence[str], indented: Sequence[bool] | None = None) -> dict[int, str]:
    """The furniture and debris among a document's lines (given without marks or indentation;
    ``indented`` says which were indented), by line index, with their kind."""
    found: dict[int, str] = {}
    # Every form is short: longer lines are passed over without a look (this runs on every line).
    short = [(i, plain) for i, plain in enumerate(plains) if len(plain) <= MAX_LENGTH or _short_spaced(plain)]
    heads = {i: head for i, plain in short if _may_be_head(plain) and (head := _head(plain))}
    labels = Counter(label for label, _ in heads.values())
    pages: list[int] = []
    bare: list[int] = []
    roman: list[int] = []
    for i, plain in short:
        if not _may_take_form(plain):
            if _ROMAN.match(plain):
                roman.append(i)
            continue
        if page_number(plain):
            found[i] = PAGE_NUMBER
            if number := _NUMBER.search(plain):  # (none in a label whose digit was misread: "第]版")
                pages.append(_value(number.group()))
        elif _BARE_NUMBER.match(plain):
            bare.append(i)
        elif debris(plain):
            found[i] = DEBRIS
    sorted_pages = sorted(pages)
    for i, head in heads.items():
        if i not in found and _is_running_head(*head, labels, sorted_pages):
            found[i] = RUNNING_HEAD
    for i in _increasing_run(bare, plains) + _increasing_run(roman, plains, _roman_value):
        found[i] = PAGE_NUMBER
    found.update(_page_breaks(plains, found, bare))
    for i in glyphs.find(plains, found, indented, (i for i, _ in short)):
        found[i] = DEBRIS
    return dict(sorted(found.items()))


# The letters a page-number form can start with ("一53一", "第3版", "Page 4"); the others start
# with a mark or a digit, as a bare number does, and debris has no letter at all.
_FORM_LETTERS = frozenset("一第Pp")


def _may_take_form(plain: str) -> bool:
    """Whether a line can be a page number, a bare number or debris by its first character: a
    line starting with another letter (a narrow column's fragment, most short lines) cannot."""
    first = plain[:1]
    return not first.isalpha() or first in _FORM_LETTERS


def _may_be_head(plain: str) -> bool:
    """Whether a line can be a running head with its page number (``_head``): the number starts
    or ends it (specks are dropped only between spaces), so a line with a letter at both ends cannot."""
    return not (plain[:1].isalpha() and plain[-1:].isalpha())


def _short_spaced(plain: str) -> bool:
    """A line short but for a run of spaces (a running head set across the page)."""
    return "  " in plain and len(plain.replace(" ", "")) <= MAX_LENGTH


def _neighbours(plains: Sequence[str], i: int) -> list[int]:
    """The non-empty lines next to line ``i``, one each way."""
    found = []
    for step in (-1, 1):
        j = i + step
        while 0 <= j < len(plains) and not plains[j].strip():
            j += step
        if 0 <= j < len(plains):
            found.append(j)
    return found


def _page_breaks(plains: Sequence[str], found: dict[int, str], bare: Sequence[int]) -> dict[int, str]:
    """Running heads without a number, and bare page numbers, told by where they stand: a short
    label that stands next to a page number (found, or a bare number), or opens the document, at
    MIN_HEAD_REPEATS or more places (a page apart if the numbers are bare), beside at least half
    the page numbers, and nowhere else is the
    document's running head (``红楼梦`` after ``- 12 -`` on every page), and the bare numbers beside
    it are its page numbers. A heading that recurs does not stand next to a page number each time."""
    numbers = set(bare) | {i for i, kind in found.items() if kind == PAGE_NUMBER}
    if not numbers:
        return {}  # no page numbers, no heads beside them (the common case: a document without any)
    first = next((i for i, plain in enumerate(plains) if plain.strip()), None)
    beside: dict[str, list[tuple[int, list[int]]]] = {}
    elsewhere: Counter[str] = Counter()
    labels = {i: label for i, plain in enumerate(plains) if i not in found and (label := _label_key(plain))}
    canonical = _ocr_variants(Counter(labels.values()))
    if formed_numbers := {i for i, kind in found.items() if kind == PAGE_NUMBER}:
        labels.update(_line_keys(plains, found, labels, formed_numbers))
    for i, label in labels.items():
        label = canonical.get(label, label)
        near = [j for j in _neighbours(plains, i) if j in numbers]
        if near or i == first:
            beside.setdefault(label, []).append((i, near))  # the first page's head has no number above it
        else:
            elsewhere[label] += 1
    result: dict[int, str] = {}
    for label, places in beside.items():
        if len(places) < MIN_HEAD_REPEATS or elsewhere[label] or not any(near for _, near in places):
            continue
        formed = any(found.get(j) == PAGE_NUMBER for _, near in places for j in near)
        if label.startswith(_LINE_KEY) and not (formed and len(places) >= MIN_LINE_HEAD_REPEATS):
            continue  # a whole line is a running head only beside page numbers in their forms
        if not formed and not _pages_apart([i for i, _ in places], plains):
            continue  # beside bare numbers only, closer than pages: a table's cells
        if len(places) * HEAD_SHARE < len(numbers):
            continue  # a heading beside two of many page numbers by chance; a running head heads most pages
        for i, near in places:
            result[i] = RUNNING_HEAD
            for j in near:
                result.setdefault(j, found.get(j, PAGE_NUMBER))
    return result


# A running head or foot that is no short label: a PDF's footer repeats the book's title, version and
# date on every page (``Getting Started V2.9.0, 28 Jun 2026`` over ``7 / 55``). Such a line, up to
# MAX_LINE_HEAD characters, is one when it stands beside a page number in its form each time, at
# MIN_HEAD_REPEATS places or more, beside at least half of them, and nowhere else: a sentence of
# the text does not recur beside every page number. It does not end as a sentence or a clause
# does (a text's lines repeated by a test, a list or a form do), and stands at three pages at least.
MAX_LINE_HEAD = 80
MIN_LINE_HEAD_REPEATS = 3
_LINE_KEY = "\x00"
_ENDS_IN_A_MARK = regex.compile(r"\p{P}$")


def _line_keys(
    plains: Sequence[str], found: dict[int, str], labels: dict[int, str], formed_numbers: set[int]
) -> dict[int, str]:
    """Keys (``_LINE_KEY`` and the stripped line) of the lines that are no label, beside a page
    number in its form, and of every other line with the same text (so a recurrence away from the
    page numbers counts against it)."""
    beside = {
        plains[i].strip()
        for number in formed_numbers
        for i in _neighbours(plains, number)
        if i not in found
        and i not in labels
        and len(plains[i].strip()) <= MAX_LINE_HEAD
        and not _ENDS_IN_A_MARK.search(plains[i].strip())
    }
    if not beside:
        return {}
    stripped = ((i, plain.strip()) for i, plain in enumerate(plains) if i not in labels)
    return {i: _LINE_KEY + plain for i, plain in stripped if plain in beside}


# Specks an OCR engine puts around a label: quotes and rules at its edges, and marks set apart from
# it by a space (a mark touching a word is that sentence's own: "正文。" is no label).
_EDGE_SPECKS = regex.compile(r"^(?:[\s“”\"'`_·]|[.。,，](?=\s))+|(?:\s+[.。,，·_'`\"]+|[\s“”\"'`_·])+$")


def _label_key(plain: str) -> str | None:
    """A line as a running head's label, compared without the specks an OCR engine puts around it,
    letter case or spaces ("“ 人民日报 。", "LibreOffice 帮助"); None if it cannot be one."""
    core = _EDGE_SPECKS.sub("", plain)
    if len(core) > MAX_LENGTH or not _BARE_LABEL.match(core):
        return None
    return core.casefold().replace(" ", "")


def _ocr_variants(counts: Counter[str]) -> dict[str, str]:
    """Each label that one edit away from a more frequent one of at least four characters (or one
    as frequent, but for a Latin letter or digit put for another: ``_letter_swap``) is how an
    OCR engine misread it ("和民日报", "人民昌报" for "人民日报"), mapped to that label. Shorter
    labels are left alone: "第一章" and "第二章" are different headings."""
    ranked = sorted(counts, key=lambda label: (-counts[label], label))
    canonical: dict[str, str] = {}
    # Two labels one edit apart share a key: the shorter one itself, or the two with the same
    # character left out (a substitution). Each label is looked up by its keys among those ranked
    # before it, and the first in rank order one edit away is taken (a scan of all the labels
    # ranked before each one was quadratic).
    ranked_by_key: dict[str, list[int]] = {}
    for k, label in enumerate(ranked):
        keys = _one_edit_keys(label)
        for j in sorted({j for key in keys for j in ranked_by_key.get(key, ())}):
            other = ranked[j]
            if (
                other not in canonical
                and len(other) >= 4
                and (
                    counts[other] > counts[label] or (counts[other] == counts[label] and not _letter_swap(label, other))
                )
                and _one_edit(label, other)
            ):
                canonical[label] = other
                break
        for key in keys:
            ranked_by_key.setdefault(key, []).append(k)
    return canonical


def _letter_swap(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ in one Latin letter or digit put for another (``X轴标题`` /
    ``Y轴标题``, ``图1说明`` / ``图2说明``): labels that name different things as often as a misreading.
    Seen as often as each other, they are taken as two labels."""
    if len(a) != len(b):
        return False
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    return len(pairs) == 1 and all(c.isascii() and c.isalnum() for c in pairs[0])


def _one_edit_keys(label: str) -> set[str]:
    """The label and the label with each of its characters left out."""
    return {label} | {label[:i] + label[i + 1 :] for i in range(len(label))}


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by one substitution, insertion or deletion."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k, (x, y) in enumerate(zip(short, long, strict=False)) if x != y), len(short))
    return short[i:] == long[i + 1 :]


def _is_running_head(label: str, number: int, labels: Counter[str], sorted_pages: Sequence[int]) -> bool:
    """A label with a page number is a running head when the label recurs with other numbers, or
    when its number fits the document's own page numbers."""
    if labels[label] >= MIN_HEAD_REPEATS:
        return True
    # The nearest page numbers (``sorted_pages`` is in order): a table of contents has hundreds of
    # labelled numbers, a book as many pages.
    at = bisect.bisect_left(sorted_pages, number - PAGE_NEIGHBOURHOOD)
    return at < len(sorted_pages) and sorted_pages[at] <= number + PAGE_NEIGHBOURHOOD


def _bare_value(plain: str) -> int:
    return _value(_NUMBER.search(plain).group())


# A front matter's page numbers in lower-case Roman numerals (``x``, ``xi``, ``xii`` over a PDF's
# table of contents), up to 399; upper-case ones number chapters and list items as often.
_ROMAN = regex.compile(r"^(?=[ivxlc])c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})$")
_ROMAN_DIGITS = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}


def _roman_value(plain: str) -> int:
    values = [_ROMAN_DIGITS[c] for c in plain]
    return sum(-v if v < w else v for v, w in zip(values, [*values[1:], 0], strict=True))


def _increasing_run(
    candidates: Sequence[int], plains: Sequence[str], value: Callable[[str], int] = _bare_value
) -> list[int]:
    """The bare-number lines (or Roman numerals, by ``value``), if at least MIN_PAGE_SEQUENCE of
    them count up through the document a page apart (page numbers); otherwise none (a lone number
    is a list label or a figure, numbers close together a table's column)."""
    numbers = [value(plains[i]) for i in candidates]
    if len(numbers) < MIN_PAGE_SEQUENCE or any(b <= a for a, b in pairwise(numbers)):
        return []
    return list(candidates) if _pages_apart(candidates, plains) else []


def _pages_apart(places: Sequence[int], plains: Sequence[str]) -> bool:
    """Whether each of ``places`` (line indices, in order) is more than MIN_PAGE_LINES text lines
    after the one before it, as a page's furniture is."""
    for a, b in pairwise(places):
        if sum(1 for plain in plains[a + 1 : b] if plain.strip()) <= MIN_PAGE_LINES:
            return False
    return True
