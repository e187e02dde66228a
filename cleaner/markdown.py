"""What in a Markdown document is not prose, so no text stage may change it.

A ``.md`` document is read with a real Markdown tokenizer (``markdown-it-py``, CommonMark with
tables, which reports the source lines of every block), and these spans are *protected*:

- fenced and indented code blocks and HTML blocks, whole lines, indentation included;
- front matter (``---`` … ``---`` or ``+++`` … ``+++`` opening the document);
- link reference definitions (``[id]: url "title"``: lines the tokenizer turns into no block);
- the alignment row of a table (``| --- | :-: |``);
- admonition fences (``:::``, ``::: warning``: the colons), heading attributes (``{#id}``, with
  the space before it) and the ``!`` of an image;
- in prose: inline code (a backtick run to the next run of the same length), autolinks
  (``<https://…>``), HTML tags with their attributes (``<a href="…">``), link and image targets
  with their titles (``](#双向过滤器-替换)``, ``](Web/CSS/网格-模板-列 "标题")``) and reference
  labels (``][id]``).

The ``punctuation``, ``spacing`` and ``unicode`` stages drop any change that touches a protected
span (an insertion at its edge is allowed: pangu spaces ``用 `x` 寫``), so what is protected comes
out byte for byte. Other documents (``.txt``, JSON Lines) take none of this: their fast path is
unchanged. :func:`protected_spans` is the public entry point, for any stage that needs it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from functools import lru_cache

from cleaner.model import Change, Document

SUFFIXES = (".md", ".markdown")

_FRONT_MATTER = re.compile(r"\A(?:---[ \t]*\n[\s\S]*?\n---|\+\+\+[ \t]*\n[\s\S]*?\n\+\+\+)[ \t]*(?:\n|\Z)")
_ADMONITION = re.compile(r"^[ \t]*(:{3,})", re.MULTILINE)
_HEADING_ATTRIBUTES = re.compile(r"[ \t]*\{#[^{}\n]*\}")
_IMAGE_MARK = re.compile(r"!(?=\[)")
# (Matched from a row's start with ``fullmatch(text, start, end)``: a ``^`` there would match only at
# the start of the text, and no alignment row after the first line was ever protected.)
_ALIGNMENT_ROW = re.compile(r"[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*")
_BACKTICKS = re.compile(r"`+")
_AUTOLINK = re.compile(
    r"<(?:[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*|[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]+@[A-Za-z0-9.\-]+)>"
)
_HTML_TAG = re.compile(
    r"</?[A-Za-z][A-Za-z0-9\-]*(?:\s+[A-Za-z_:][A-Za-z0-9_.:\-]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*\s*/?>"
    r"|<!--[\s\S]*?-->"
)
# ``](target "title")`` of a link or image (one level of balanced parentheses in the target), and
# ``][label]`` of a full reference link.
_LINK_TARGET = re.compile(r"\]\((?:<[^<>\n]*>|(?:[^()\s]|\([^()\s]*\))*)(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^()]*\)))?\s*\)")
_REFERENCE_LABEL = re.compile(r"\]\[[^\[\]\n]*\]")


def is_markdown(path: str) -> bool:
    return path.lower().endswith(SUFFIXES)


def _parser():  # type: ignore[no-untyped-def]
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table")


_PARSER = None


def _line_starts(text: str) -> list[int]:
    starts = [0]
    position = text.find("\n")
    while position >= 0:
        starts.append(position + 1)
        position = text.find("\n", position + 1)
    return starts


def _code_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Inline code in ``text[start:end]``: a run of backticks to the next run of the same length."""
    spans: list[tuple[int, int]] = []
    runs = list(_BACKTICKS.finditer(text, start, end))
    index = 0
    while index < len(runs):
        opening = runs[index]
        for later in range(index + 1, len(runs)):
            if len(runs[later].group()) == len(opening.group()):
                spans.append((opening.start(), runs[later].end()))
                index = later
                break
        index += 1
    return spans


def protected_spans(text: str) -> tuple[tuple[int, int], ...]:
    """The spans of a Markdown ``text`` that are not prose, sorted and merged (see the module)."""
    return _spans(text)[0]


def block_spans(text: str) -> tuple[tuple[int, int], ...]:
    """:func:`protected_spans` and every table whole (its rows and the line breaks between them),
    sorted and merged: what the layout stage keeps as it is. A table's rows are neither joined nor
    set apart by blank lines (either would break the table), and no paragraph is joined to one; the
    prose of its cells is still cleaned by the other stages."""
    return _spans(text)[1]


@lru_cache(maxsize=64)
def _spans(text: str) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
    """``protected_spans`` and ``block_spans`` of ``text``, from one reading by the tokenizer."""
    global _PARSER
    if _PARSER is None:
        _PARSER = _parser()
    spans: list[tuple[int, int]] = []
    body = 0
    front = _FRONT_MATTER.match(text)
    if front:
        spans.append((0, front.end()))
        body = front.end()
    starts = _line_starts(text)
    first_line = bisect.bisect_right(starts, body) - 1 if body else 0
    line_count = len(starts)

    def line_span(first: int, last: int) -> tuple[int, int]:
        """Lines ``first`` .. ``last - 1``, without the line break after the last."""
        end = starts[last] - 1 if last < line_count else len(text)
        return starts[first], max(end, starts[first])

    tokens = _PARSER.parse(text[body:])
    covered = [False] * line_count
    prose: list[tuple[int, int]] = []
    tables: list[tuple[int, int]] = []
    for token in tokens:
        if token.map is None:
            continue
        first, last = token.map[0] + first_line, token.map[1] + first_line
        for line in range(first, min(last, line_count)):
            covered[line] = True
        if token.type in ("fence", "code_block", "html_block"):
            spans.append(line_span(first, min(last, line_count)))
        elif token.type == "table_open" and first + 1 < line_count:
            row = line_span(first + 1, first + 2)
            if _ALIGNMENT_ROW.fullmatch(text, *row):
                spans.append(row)
            tables.append(line_span(first, min(last, line_count)))
        elif token.type == "inline":
            prose.append(line_span(first, min(last, line_count)))
    for line in range(first_line, line_count):
        if not covered[line]:
            start, end = line_span(line, line + 1)
            if text[start:end].strip():
                spans.append((start, end))  # a link reference definition
    for start, end in prose:
        code = _code_spans(text, start, end)
        spans += code
        for pattern in (_AUTOLINK, _HTML_TAG, _LINK_TARGET, _REFERENCE_LABEL, _HEADING_ATTRIBUTES, _IMAGE_MARK):
            for match in pattern.finditer(text, start, end):
                if not any(a <= match.start() < b for a, b in code):
                    spans.append(match.span())
    spans += [match.span(1) for match in _ADMONITION.finditer(text, body)]
    return _merged(spans), _merged(spans + tables)


def _merged(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        elif end > start:
            merged.append((start, end))
    return tuple(merged)


def touches(change: Change, spans: Sequence[tuple[int, int]], starts: Sequence[int]) -> bool:
    """Whether ``change`` changes anything inside a protected span (``starts``: the spans' starts)."""
    index = bisect.bisect_right(starts, change.start) - 1
    for span_start, span_end in spans[max(index, 0) : index + 2]:
        if change.start == change.end:
            if span_start < change.start < span_end:
                return True
        elif change.start < span_end and span_start < change.end:
            return True
    # A change may start before a span and reach into it.
    following = bisect.bisect_left(starts, change.start)
    return following < len(starts) and change.end > starts[following] and change.start < starts[following]


# Two or more lines in a row, each from a "|" to a "|" (indentation and trailing blanks aside).
_PIPE_ROWS = re.compile(r"^[ \t]*\|[^\n]*\|[ \t]*(?:\n[ \t]*\|[^\n]*\|[ \t]*)+$", re.MULTILINE)


@lru_cache(maxsize=64)
def pipe_tables(text: str) -> tuple[tuple[int, int], ...]:
    """The tables of pipes in a text that is not a Markdown file (a JSON Lines field, a ``.txt``),
    each from its first row to its last: two or more rows in a row, one of them an alignment row
    (``| --- | :-: |``), or all with the same number of bars, at least three. Markdown written into
    plain text is common (model outputs, converted documents); its tables are kept whole as in a
    ``.md`` file (:func:`block_spans`)."""
    if "|" not in text:
        return ()
    spans = []
    for run in _PIPE_ROWS.finditer(text):
        rows = run.group().split("\n")
        bars = {row.count("|") for row in rows}
        if any(_ALIGNMENT_ROW.fullmatch(row) for row in rows) or (len(bars) == 1 and min(bars) >= 3):
            spans.append(run.span())
    return tuple(spans)


# A code fence of three or more backticks or tildes (CommonMark: up to three spaces before it; a
# backtick fence's info string has no backtick).
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})([^\n]*)$", re.MULTILINE)


@lru_cache(maxsize=64)
def fenced_code(text: str) -> tuple[tuple[int, int], ...]:
    """The fenced code blocks of a text that is not a Markdown file (a JSON Lines field, a
    ``.txt``), each from its opening fence to its closing one: Markdown written into plain text (a
    model's answer with its code) keeps its code byte for byte, as a ``.md`` file does. A fence
    that is never closed protects nothing (it may be prose)."""
    if "```" not in text and "~~~" not in text:
        return ()
    spans = []
    opening: tuple[int, str] | None = None
    for fence in _FENCE.finditer(text):
        marks, rest = fence.group(1), fence.group(2)
        if opening is None:
            if not (marks[0] == "`" and "`" in rest):
                opening = (fence.start(), marks)
        elif marks[0] == opening[1][0] and len(marks) >= len(opening[1]) and not rest.strip():
            spans.append((opening[0], fence.end()))
            opening = None
    return tuple(spans)


def plain_spans(text: str, blocks: bool = False) -> tuple[tuple[int, int], ...]:
    """What of a text that is not a Markdown file no stage changes: its :func:`fenced_code` (and,
    with ``blocks``, for the layout stage, its :func:`pipe_tables`), sorted and merged."""
    code = fenced_code(text)
    tables = pipe_tables(text) if blocks else ()
    return _merged([*code, *tables]) if code and tables else code or tables


def kept_spans(doc: Document, blocks: bool = False) -> tuple[tuple[int, int], ...]:
    """What of ``doc`` no stage changes: in a Markdown document, its :func:`protected_spans`
    (``blocks``, for the layout stage: its :func:`block_spans`); in other text, its
    :func:`plain_spans`."""
    if is_markdown(doc.path):
        return block_spans(doc.text) if blocks else protected_spans(doc.text)
    return plain_spans(doc.text, blocks)


def guard(doc: Document, changes: list[Change], blocks: bool = False) -> list[Change]:
    """``changes`` without those touching :func:`kept_spans`."""
    if not changes:
        return changes
    spans = kept_spans(doc, blocks)
    if not spans:
        return changes
    starts = [start for start, _ in spans]
    return [change for change in changes if not touches(change, spans, starts)]
