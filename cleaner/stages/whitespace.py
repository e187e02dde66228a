"""The ``whitespace`` stage: the canonical text form every other stage relies on.

- line endings are LF (CRLF and lone CR become LF);
- no line ends in spaces or tabs;
- a line of only whitespace is an empty line;
- paragraphs are separated by exactly one blank line;
- no blank lines at the start or end (writers add the one final newline).
"""

from __future__ import annotations

import regex

from cleaner.config import WhitespaceOptions
from cleaner.model import Change, Document, Edit, StageFn, rewrite

# Each pattern is one named fix; they are disjoint, so one pass over the text applies them all.
_SPACE = r"[ \t\f\v\u00a0\u3000]"
_NEWLINE = r"(?:\r\n?|\n)"
_FIXES = regex.compile(
    rf"(?P<blank_lines>{_NEWLINE}(?:{_SPACE}*{_NEWLINE}){{2,}})"
    rf"|(?P<line_ending>\r\n?)"
    rf"|(?P<trailing_space>{_SPACE}+(?=\r|\n|\Z))"
)
_LEADING_BLANK = regex.compile(rf"\A(?:{_SPACE}*{_NEWLINE})+")
_TRAILING_BLANK = regex.compile(rf"(?:{_NEWLINE}{_SPACE}*)+\Z")


def fix_whitespace(text: str) -> list[Change]:
    """Changes that bring ``text`` to canonical form (see the module docstring)."""
    changes: list[Change] = []
    head = _LEADING_BLANK.match(text)
    begin = head.end() if head else 0
    tail = _TRAILING_BLANK.search(text, begin)
    end = tail.start() if tail else len(text)
    if begin:
        changes.append(Change(0, begin, "", "leading_blank_lines"))
    for match in _FIXES.finditer(text, begin, end):
        kind = match.lastgroup
        if kind == "blank_lines":
            changes.append(Change(match.start(), match.end(), "\n\n", "blank_lines"))
        else:
            changes.append(Change(match.start(), match.end(), "\n" if kind == "line_ending" else "", kind))
    if end < len(text):
        # Trailing spaces on the last line belong to the same removal.
        changes.append(Change(end, len(text), "", "trailing_blank_lines"))
    # A run that is already exactly one blank line is not a change.
    return [c for c in changes if c.after != text[c.start : c.end]]


def make(options: WhitespaceOptions) -> StageFn:
    def whitespace(doc: Document) -> tuple[Document, list[Edit]]:
        return rewrite(doc, "whitespace", fix_whitespace(doc.text))

    return whitespace
