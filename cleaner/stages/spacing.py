"""The ``spacing`` stage: spaces inside lines — kept where they mean something, removed where noise.

It runs after ``punctuation`` (so Chinese punctuation is full-width) and after ``layout`` (so broken
lines are already joined, and headings, bylines and captions stand on lines of their own). Every line
is treated on its own.

What a space means in Chinese news text:

- **Between two Chinese characters** a space is kept: it separates names in bylines
  (``孙乾 刘艺锋 张咪``, ``（田海忠 陈丽华）``), the halves of a headline (``提质发展 绘就精彩渌口``),
  a slogan (``“青春渌口 创业新城”``) or a photo credit (``文禹 摄``).
- **Letter-spaced text** (``渌 口 区 人 民 政 府``) is extraction noise: a run of at least three
  single Chinese characters, each separated from the next by spaces, with no word of two or more
  Chinese characters inside the run, is closed up (``letter_spacing``).
- **Between a Chinese character and a Latin letter or digit** (``增长 11.3%``, ``上交所重点 IPO``) the
  space follows ``SpacingOptions.cjk_latin`` in *running text*: ``remove`` (the house style of the
  corpus: ``增长11.3%``), ``insert`` (the pangu style: ``增长 11.3%``, ``S330 二期``) or ``keep``.
  The Latin side is ``[A-Za-z0-9]``, and ``%``/``‰`` after a number (``29% 的`` → ``29%的``).
- **Next to Chinese sentence punctuation** (``，。、；：！？``) and full-width brackets (``（）``) a
  space is noise in any line: full-width marks carry their own spacing (``完成。 下一步`` →
  ``完成。下一步``, ``框架 （如 React 等） 的`` → ``框架（如 React 等）的``, ``punct_space``).
- **Beside full-width quotation marks and title brackets** (``“”‘’「」『』《》〈〉``) in running text, a
  space next to a Han character is noise too (``都是叫 “金刚”`` → ``都是叫“金刚”``, ``自在呢。” 宝玉道``
  → ``自在呢。”宝玉道``, ``quote_space``); headings and slogans keep theirs.
- **A command quoted** in the text (``“apt-get install 软件包名”``) keeps its CJK–Latin spaces: it is
  typed as it stands.
- **Runs** of spaces (no-break and ideographic spaces too) inside a line become one space
  (``space_run``); **indentation** at the start of a line goes (``indent``).
- **The space after an article's number** opening a line (``第一条　为了规范管理，…``, the layout of
  laws and regulations) is kept.
- **A tab** inside a line is kept as it is, with the spaces around it: it parts the cells of a
  table row (``1\t苹果\t一种水果，味道甜``) or a label from its value; no OCR engine writes one.
  So are the runs of spaces between the cells of a table set in columns of spaces (two gaps of
  two spaces or more in a line that is not running text, next to another such line:
  ``apt         V:868      1.4M``), and in a row drawn with borders (``│dpkg      │V:930   │``).

*Running text* is a line that contains Chinese sentence punctuation — ``，。、；：！？``, or their
half-width forms right after a Han character — and is not a Markdown heading (``# …``). Headings,
bylines, captions and slogans seldom contain those marks, so their spacing is left as the page set
it (``2026 年工作安排`` stays). In the sample corpus every CJK–Latin space but one (that heading) is in
such a line.

Not CJK–Latin spacing, and so never touched: a section letter at the start of a line (``A 锚定…``,
``E 民生应“民声”``), list numbers (``1. “三高四新”``: the space follows ``.``), Markdown marks
(``# 标题``, ``- 项目``, ``**粗体**``; the space after a mark opening a line stays even before
``，``), spaces inside English phrases and between numbers. The
indentation of a nested Markdown list item (a line starting with ``-``, ``*``, ``+`` or ``1.`` right
after another list item line) is kept; all other indentation goes.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from cleaner import links, markdown
from cleaner.config import SpacingOptions
from cleaner.model import Change, Document, Edit, StageFn, rewrite
from cleaner.script import CJK
from cleaner.stages import pangu
from cleaner.wrapping import is_table_row

# A table row drawn with borders: a cell's edge at each end (``│软件包    │流行度  │``).
_BORDERED_ROW = re.compile(r"^[│┃|].*[│┃|]$")

STAGE = "spacing"

# Space characters a line may hold (newlines are line boundaries, handled by ``layout``).
SPACES = " \t\u00a0\u3000"
# Latin letters and digits: the other side of a CJK–Latin space.
LATIN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
# What may stand before a Chinese character on the Latin side (``29% 的``).
LATIN_END = LATIN | {"%", "\u2030"}
# Chinese sentence punctuation: marks running text, and needs no space beside it.
SENTENCE_PUNCT = frozenset("，。、；：！？")
NO_SPACE_BESIDE = pangu.NO_SPACE_BESIDE
# Full-width quotation marks and title brackets: in prose they sit against the text they quote and
# the text around them; a space beside one, next to a Han character, is OCR's or extraction's.
QUOTE_MARKS = frozenset("“”‘’「」『』《》〈〉")
ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

# The stdlib ``re`` scans these simple classes several times faster than ``regex``.
_SPACE_RUN = re.compile(f"[{SPACES}]+")
_CJK_CHAR = re.compile(f"[{CJK}]")
_LATIN_RUN = re.compile("[0-9A-Za-z%\u2030]+")
# The number of an article, chapter or section opening a line of a law or a regulation (``第一条　为了
# 规范管理，…``, ``第十二条 …``): the space after it is set by the text's own convention.
_ARTICLE_LABEL = re.compile("第[一二三四五六七八九十百千零〇0-9]{1,6}[条章节款编篇]")
# Full-width sentence punctuation, or half-width right after a Han character (the stage may run
# with ``punctuation`` switched off: 001 and 002 write ``渌口区,将有助于``).
_RUNNING = re.compile("[" + "".join(sorted(SENTENCE_PUNCT)) + f"]|[{CJK}][,;:?!]")
_HEADING = re.compile(r"#{1,6}(?:[ \t]|$)")
_LIST_ITEM = re.compile(r"(?:[-*+]|\d{1,9}[.)])[ \t]")
# A space between two Han characters; a line with one for every few of its Han characters is
# written word by word (segmented), and keeps them.
_HAN_GAP = re.compile(f"[{CJK}][ \t\u3000]+(?=[{CJK}])")
SEGMENTED_SHARE = 6
_SENTENCE_MARK = re.compile("[" + "".join(sorted(SENTENCE_PUNCT)) + "]")
# A Markdown mark opening a line: the space after it is part of the mark.
_LINE_MARK = re.compile(r"#{1,6}|[-*+>]|\d{1,9}[.)]")


def _is_cjk(ch: str) -> bool:
    return bool(ch) and _CJK_CHAR.match(ch) is not None


def close_letter_spacing(run: str) -> str:
    """``渌 口 区 人 民 政 府`` → ``渌口区人民政府``.

    Why: PDF and OCR extraction of spaced-out display type (mastheads, titles set with wide
    tracking) yields one character per "word"; no reader sees those spaces, and they break every
    word-level tool. Runs of three or more are needed: a two-character run is as likely to be a
    deliberate separation of two one-character words.
    """
    return _SPACE_RUN.sub("", run)


def is_running_text(line: str) -> bool:
    """Whether ``line`` (without its indentation) is prose, where the CJK–Latin convention applies.

    A line is running text when it holds Chinese sentence punctuation (，。、；：！？, or ``,;:?!``
    right after a Han character) and is not a Markdown heading. Headings, bylines, captions and
    slogans rarely hold those marks; their spacing is part of their layout.

    >>> is_running_text("制造业税收同比增长 11.3%，税比提升至 29%。"), is_running_text("2026 年工作安排")
    (True, False)
    """
    return _RUNNING.search(line) is not None and _HEADING.match(line) is None


class _Lines:
    """Where each line of a text starts and ends, and whether it is running text (computed lazily).

    Queries must come in increasing order of offset, so the whole text is walked once.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.start = 0
        self.end = -1
        self.content = 0  # offset of the first character after the indentation
        self._running: bool | None = None
        self._segmented: bool | None = None
        self.paragraph = 0  # where the first line of the current line's paragraph starts

    def seek(self, offset: int) -> None:
        if offset <= self.end:
            return
        text = self.text
        first = self.end + 1  # where the line after the current one starts
        newline = text.rfind("\n", first, offset)
        self.start = newline + 1 if newline >= 0 else first
        # A blank line passed on the way starts a new paragraph (only the text walked is searched).
        blank = text.rfind("\n\n", max(self.end, 0), self.start)
        if blank >= 0:
            self.paragraph = blank + 2
        end = text.find("\n", offset)
        self.end = len(text) if end < 0 else end
        indent = _SPACE_RUN.match(text, self.start, self.end)
        self.content = indent.end() if indent else self.start
        self._running = None
        self._segmented = None

    @property
    def running(self) -> bool:
        if self._running is None:
            self._running = is_running_text(self.text[self.content : self.end])
        return self._running

    @property
    def segmented(self) -> bool:
        """Whether the line is written with spaces between its words throughout (``如果 没有 参数``),
        a convention of its own, rather than holding a stray space or two an OCR engine read."""
        if self._segmented is None:
            line = self.text[self.content : self.end]
            # Gaps between two one-character words are letter spacing, which the run closes: they
            # do not make the line's words spaced (else a second run, with them closed, reads it
            # otherwise).
            gaps = sum(1 for gap in _HAN_GAP.finditer(line) if not _between_single_characters(line, *gap.span()))
            self._segmented = gaps >= 3 and gaps * SEGMENTED_SHARE >= len(_CJK_CHAR.findall(line))
        return self._segmented

    @property
    def table_row(self) -> bool:
        """Whether the line is a row of a table set in columns of spaces, not running text: its
        cells parted by two gaps of two spaces or more (``apt         V:868      1.4M      高级软件包工具``),
        as the line before or after it is (one such line alone is a running head an OCR engine
        spaced out, ``Kicad 用户手册        四     17``)."""
        line = self.text[self.content : self.end]
        if "  " in line and _BORDERED_ROW.search(line):
            return True  # a row drawn with borders (``│dpkg      │V:930   │``, ``| apt    | 1.4M |``)
        if not is_table_row(line) or self.running:
            return False
        after = self.text.find("\n", self.end + 1)
        following = self.text[self.end + 1 : len(self.text) if after < 0 else after]
        return is_table_row(self.previous_line()) or is_table_row(following)

    def previous_line(self) -> str:
        if self.start == 0:
            return ""
        return self.text[self.text.rfind("\n", 0, self.start - 1) + 1 : self.start - 1]


def _between_single_characters(line: str, start: int, end: int) -> bool:
    """Whether the gap ``start + 1:end``, after the character at ``start`` (a ``_HAN_GAP`` match),
    parts two one-character words, as letter spacing does."""
    return (start == 0 or not _is_cjk(line[start - 1])) and not _is_cjk(line[end + 1 : end + 2])


def remove_indent(lines: _Lines, start: int, end: int) -> Change | None:
    """Indentation at the start of a line goes.

    Why: in plain text paragraphs are separated by blank lines, so indentation (often U+3000
    pairs from a typeset page) carries nothing but noise. A nested Markdown list item keeps its
    indentation: there it is the nesting (an indented ``-``/``*``/``+``/``1.`` line right after a
    list item line).
    """
    text = lines.text
    if _LIST_ITEM.match(text, end, lines.end) and _LIST_ITEM.match(lines.previous_line().lstrip(SPACES)):
        return None
    kept = _structural_indent(text, lines.paragraph, start, end)
    if kept:
        return Change(start, end - kept, "", "indent") if end - kept > start else None
    return Change(start, end, "", "indent")


def _structural_indent(text: str, first: int, start: int, end: int) -> int:
    """How much of the indentation ``text[start:end]`` (a line's) is structure, not typesetting: its
    excess over the first line of its paragraph (starting at ``first``), when it is a later line of
    a paragraph that layout left in lines (a manual's option and its indented description). That
    part stays, so that the next run reads the lines as this one did; a paragraph's first-line
    indentation goes."""
    if first >= start:
        return 0  # the paragraph's first line
    head = text[first : text.find("\n", first)]
    return max(0, end - start - (len(head) - len(head.lstrip(SPACES))))


def keep_mark_space(start: int, end: int) -> Change | None:
    """The space after a Markdown mark opening a line (``# ``, ``- ``, ``1. ``, ``> ``) stays.

    Why: it belongs to the mark. ``# ，…`` without it is no heading but a line of running text,
    which layout and spacing treat differently, so removing it as a space next to ``，`` made
    cleaning cleaned text change it again. Only a run of spaces becomes one.
    """
    return Change(start, end, " ", "space_run") if end - start > 1 else None


def make_fix(cjk_latin: str = "remove") -> Callable[[str], list[Change]]:
    """The fix for one CJK–Latin convention (``remove``, ``insert`` or ``keep``) over a whole text."""
    remove = cjk_latin == "remove"
    insert = cjk_latin == "insert"

    def fix_spacing(text: str) -> list[Change]:
        """Changes to the spaces of ``text`` (any number of lines and paragraphs)."""
        changes = _space_changes(text, remove)
        if insert:
            inserts = _insert_changes(text)
            if inserts:
                changes = sorted(changes + inserts, key=lambda c: (c.start, c.end))
        return changes

    return fix_spacing


def _space_changes(text: str, remove_cjk_latin: bool) -> list[Change]:
    """One decision per run of spaces, by what stands on either side of it."""
    lines = _Lines(text)
    changes: list[Change] = []
    # Gaps between two one-character Chinese words, for letter spacing: (start, end, index in changes).
    chain: list[tuple[int, int]] = []

    def flush_chain() -> None:
        if len(chain) >= 2:
            begin, finish = chain[0][0] - 1, chain[-1][1] + 1
            run = text[begin:finish]
            changes.append(Change(begin, finish, close_letter_spacing(run), "letter_spacing"))
        else:
            for start, end in chain:
                if end - start > 1:
                    changes.append(Change(start, end, " ", "space_run"))
        chain.clear()

    size = len(text)
    # A space that ends a link holding Chinese parts it from the text after it: removed, what
    # follows would read as more of the link (``https://zh.wikipedia.org/wiki/北京 获取更多`` would
    # link to 北京获取更多). A full-width mark after it ends the link anyway, and the space may go.
    link_ends = {end for _, end in links.spans(text)} if "/" in text or "#" in text else set()
    for match in _SPACE_RUN.finditer(text):
        start, end = match.span()
        if start in link_ends and end < size and links.may_continue(text[end]):
            if end - start > 1:
                changes.append(Change(start, end, " ", "space_run"))
            continue
        lines.seek(start)
        if chain and start != chain[-1][1] + 1:
            flush_chain()
        if start == lines.start:
            change = remove_indent(lines, start, end)
            if change:
                changes.append(change)
            continue
        if "\t" in match.group():
            continue  # a tab parts fields (a table's cells, a label and its value): never noise
        if end - start > 1 and lines.table_row:
            continue  # the gap between two cells of a row keeps the table's columns
        if _ARTICLE_LABEL.fullmatch(text, lines.content, start):
            continue  # "第一条　为了规范管理，…": the space after an article's number is the law's layout
        if _LINE_MARK.fullmatch(text, lines.content, start):
            change = keep_mark_space(start, end)
            if change:
                changes.append(change)
            continue
        before = text[start - 1]
        after = text[end] if end < size else ""
        before_cjk, after_cjk = _is_cjk(before), _is_cjk(after)
        if before_cjk and after_cjk:
            # Letter spacing: both neighbours are one-character words (not glued to more Han, nor
            # to be: a gap just removed before the first glues it to the Han before that).
            if _between_single_characters(text, start - 1, end) and not (
                changes and changes[-1].rule == "han_space" and changes[-1].end == start - 1
            ):
                chain.append((start, end))
                continue
            if (
                lines.running
                and not lines.segmented
                and _SENTENCE_MARK.search(text, end, lines.end)
                and not _inside_quotation(text, lines.content, start)
            ):
                # Inside a sentence that goes on to its punctuation: a space an OCR engine or an
                # extraction put there. After a line's last mark it may part a name from a credit
                # ("。 黄伟 供图") and stays.
                if (
                    len(chain) == 1
                    and chain[0][1] == start - 1
                    and not _inside_quotation(text, lines.content, chain[0][0])
                ):
                    # The one gap before the character this removal glues to the next: it no longer
                    # parts two one-character words, and goes as this one does (as a second run would).
                    changes.append(Change(*chain.pop(), "", "han_space"))
                changes.append(Change(start, end, "", "han_space"))
                continue
        elif (
            remove_cjk_latin
            and lines.running
            and ((before_cjk and after in LATIN) or (before in LATIN_END and after_cjk))
        ):
            # ``A 锚定``: a section letter opening the line belongs to the layout; a command quoted
            # in the text (``“apt-get install 软件包名”``) is typed as it stands.
            if not (start == lines.content + 1 and before in ASCII_LETTERS and after_cjk) and not _quoted_command(
                text, lines.content, start
            ):
                changes.append(Change(start, end, "", "cjk_latin_space"))
                continue
        if lines.running and ((after_cjk and before in QUOTE_MARKS) or (before_cjk and after in QUOTE_MARKS)):
            changes.append(Change(start, end, "", "quote_space"))
        elif before in NO_SPACE_BESIDE or after in NO_SPACE_BESIDE:
            changes.append(Change(start, end, "", "punct_space"))
        elif end - start > 1:
            changes.append(Change(start, end, " ", "space_run"))
    flush_chain()
    changes.sort(key=lambda c: c.start)
    return changes


def _inside_quotation(text: str, line_start: int, position: int) -> bool:
    """Whether ``position`` is inside a quotation or title opened on its line: a slogan keeps the
    space between its halves (003's “青春渌口 创业新城”), as a headline does."""
    before = text[line_start:position]
    return any(before.count(opening) > before.count(closing) for opening, closing in _QUOTATIONS)


_QUOTATIONS = (("“", "”"), ("「", "」"), ("『", "』"), ("《", "》"), ("‘", "’"))
# A quotation that opens with a command: an ASCII word, perhaps with dashes or dots, a space, and an
# ASCII word or option (``“apt-get install 软件包名”``, ``「sudo dpkg -i 文件」``).
_COMMAND_QUOTED = re.compile(r"[“「‘\"][A-Za-z][\w.+-]* +[-A-Za-z]")


def _quoted_command(text: str, line_start: int, position: int) -> bool:
    """Whether ``position`` is inside a quoted command opened on its line."""
    if not _inside_quotation(text, line_start, position):
        return False
    opening = max(text.rfind(mark, line_start, position) for mark in "“「‘")
    return opening >= 0 and _COMMAND_QUOTED.match(text, opening) is not None


def _insert_changes(text: str) -> list[Change]:
    """pangu's spaces (see :mod:`cleaner.stages.pangu`) on every line, headings and short lines too."""
    changes: list[Change] = []
    start = 0
    for line in text.split("\n"):
        for offset, rule in pangu.insertions(line):
            changes.append(Change(start + offset, start + offset, " ", rule))
        start += len(line) + 1
    return changes


def make(options: SpacingOptions) -> StageFn:
    fix = make_fix(options.cjk_latin)

    def spacing(doc: Document) -> tuple[Document, list[Edit]]:
        return rewrite(doc, STAGE, markdown.guard(doc, fix(doc.text)))

    return spacing
