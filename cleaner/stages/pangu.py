"""Spaces between CJK and half-width text, in the style of pangu (``--spacing insert``).

pangu (pangu.js, pangu.py) puts a space wherever a CJK character touches a half-width letter,
digit or symbol, with rules that keep symbols attached to what they belong to. This module makes
the same decisions, one line at a time, as positions where a space is inserted; it never removes or
changes a character (the ``spacing`` stage's other fixes do that). Every decision is at a
*boundary*: two characters with no space between them, one CJK, the other half-width.

- ``cjk_latin_space``: letters and digits (``中文abc`` → ``中文 abc``, ``于3月`` → ``于 3 月``),
  Greek, Latin-1 letters, number forms and dingbats (``剪刀 ✂ 符號``);
- ``cjk_symbol_space``: a symbol between CJK and half-width text (``前面 & 後面``, ``溫度 > 30``,
  ``前面 / 後面``); a symbol between two half-width characters joins them (``A&B``, ``A/B``, ``x|y``)
  and the run is spaced as one word (``得到一個 A&B 的結果``);
- ``punct_after_space``: after ``! ; , ? : .`` and ``~`` closing a CJK phrase when a CJK
  character, letter or digit follows (``前面! abc``, ``電話: 123``, ``Mr. 龍``); no space before
  them;
- ``bracket_space``: outside brackets and straight quotes, never inside (``前面 (中文 123) 後面``,
  ``前面 "中文" 後面``); ``<`` and ``>`` are brackets only as a pair on the line, else comparisons;
- an HTML entity (``&quot;``) is one word too;
- hashtags and mentions keep their mark (``前面 #標籤``, ``請 @vinta 吃``), a sign stays on its
  number (``打 +886``), a suffix on its word (``Disney+ 上架``, ``C++ 的``), a file path, URL or
  inline code span is one word (``查看 /etc/passwd 文件``, ``用 `x` 寫``), Chinese in it included
  where its shape shows the Chinese belongs to it (``docs/使用-说明.md``, see
  :mod:`cleaner.links`); with two or more slashes
  on a line a slash joins (``陳上進/貓咪/Mollie``), with one it separates.

Not pangu's, on purpose (see ``tests/data/peers/known_failures.json``): full-width punctuation,
curly quotes and ``…`` carry their own spacing in Chinese text, so no space is put next to them
(pangu writes ``开源 “计算王牌” Blink``); middle dots stay as written (pangu makes ``·`` a
katakana ``・``); a no-break space is a space like any other (the ``spacing`` stage makes runs of
spaces one space).
"""

from __future__ import annotations

import re

from cleaner import links

# Marks that need no space beside them: Chinese sentence punctuation and full-width brackets (``框架
# （如 React 等） 的`` → ``框架（如 React 等）的``), which carry their own spacing. No rule here puts
# one there (the spacing stage takes such a space away).
NO_SPACE_BESIDE = frozenset("，。、；：！？（）")

# pangu's CJK: ideographs, kana, bopomofo, radicals and enclosed letters — not CJK punctuation.
CJK = (
    "\u2e80-\u2eff\u2f00-\u2fdf\u3040-\u309f\u30a0-\u30fa\u30fc-\u30ff\u3100-\u312f\u3200-\u32ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f\u3007"
)
# Half-width text: ASCII, Latin-1 and Latin Extended letters, Greek, number forms, dingbats.
HALF = "!-~\u00a1-\u00b6\u00b8-\u024f\u0370-\u03ff\u2150-\u218f\u2700-\u27bf"
AN = "A-Za-z0-9"

_CJK = re.compile(f"[{CJK}]")
_HALF = re.compile(f"[{HALF}]")
_AN = re.compile(f"[{AN}\u00c0-\u024f\u0370-\u03ff]")
_BOUNDARY = re.compile(f"(?<=[{CJK}])(?=[{HALF}])|(?<=[{HALF}])(?=[{CJK}])")
_ANY = re.compile(f"[{CJK}][{HALF}]|[{HALF}][{CJK}]")

# Whole words that are one token: URLs, e-mail addresses, inline code, HTML tags, file paths.
_DIRS = (
    "home|root|usr|etc|var|opt|tmp|dev|mnt|proc|sys|bin|boot|lib|media|run|sbin|srv|node_modules|path|project"
    "|src|dist|test|tests|docs|templates|assets|public|static|config|scripts|tools|build|out|target|your"
)
_PATH_CHARS = r"[A-Za-z0-9_\-.@+*]+"
_ATOMS = re.compile(
    r"`[^`\n]+`"
    r"|(?:[A-Za-z][A-Za-z0-9+.\-]*://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*[A-Za-z0-9\-_~/#=&%]"
    r"|</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>\n]*)?/?>"
    rf"|(?:\.{{0,2}}/)?(?:/?(?:\.?(?:{_DIRS})|\.[A-Za-z0-9_\-]+))(?:/{_PATH_CHARS})+/?"
    rf"|/(?:{_DIRS})(?![A-Za-z0-9_\-])/?"
    r"|/\.[A-Za-z0-9_\-]+(?![A-Za-z0-9_\-])/?"
    r"|[A-Z]:\\(?:[A-Za-z0-9_\-. ]+\\?)+"
    r"|&#?[A-Za-z0-9]+;"
)
_OPERATORS = frozenset("+-*=&^|<>")
# A line's first mark, which Markdown (and the layout stage) reads as markup once a space follows.
_LINE_MARK = re.compile(r"\s*(?:[-*+>]|#{1,6}|\d{1,9}[.)])$")
_PUNCT_AFTER = frozenset("!;,?:.~")
_OPENING = frozenset("([{")
_CLOSING = frozenset(")]}")


_VOID_TAGS = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)")


def _is_markup(line: str, tag: str) -> bool:
    """Whether an HTML tag is markup (a void element, or one whose other half is on the line), not
    a tag named in prose (``插入一個 <div> 標籤``), which is spaced like a word."""
    match = _TAG_NAME.match(tag)
    if match is None:
        return False
    name = match.group(1).lower()
    if name in _VOID_TAGS:
        return True
    other = f"</{name}" if not tag.startswith("</") else f"<{name}"
    return re.search(re.escape(other) + r"[\s>/]", line, re.IGNORECASE) is not None


def _pairs(line: str, opening: str, closing: str) -> set[int]:
    """Positions of ``opening``/``closing`` characters that pair up on the line (innermost first)."""
    stack: list[int] = []
    paired: set[int] = set()
    for position, ch in enumerate(line):
        if ch == opening:
            stack.append(position)
        elif ch == closing and stack:
            paired.update((stack.pop(), position))
    return paired


class _Line:
    """What the boundary decisions need to know about one line."""

    def __init__(self, line: str) -> None:
        self.line = line
        self.atoms: dict[int, int] = {}  # start -> end of a one-token span
        self.markup: set[int] = set()  # where an HTML tag that is markup starts or ends
        self.inside: set[int] = set()
        # A URL, path or anchor with Chinese in it is one word, and the patterns below, which end
        # a link at its first non-ASCII character, give way to it.
        chinese_links = list(links.spans(line))
        for start, end in chinese_links:
            self.atoms[start] = end
            self.inside.update(range(start + 1, end))
        for match in _ATOMS.finditer(line):
            start, end = match.span()
            if chinese_links and any(a < end and start < b for a, b in chinese_links):
                continue
            if (
                match.group().startswith("/")
                and start
                and line[start - 1] not in " \t"
                and not _CJK.match(line[start - 1])
            ):
                continue  # ``a/usr``: not a path of its own
            if match.group().startswith("<") and _is_markup(line, match.group()):
                self.markup.add(start)
                self.markup.add(end)
            self.atoms[start] = end
            self.inside.update(range(start + 1, end))
        self.angles = _pairs(line, "<", ">")
        quotes = [i for i, ch in enumerate(line) if ch == '"' and i not in self.inside]
        self.opening_quotes = set(quotes[0::2])
        self.closing_quotes = set(quotes[1::2])
        singles = [
            i
            for i, ch in enumerate(line)
            if ch == "'"
            and i not in self.inside
            and not (_AN.match(line[i - 1 : i] or " ") and _AN.match(line[i + 1 : i + 2] or " "))
        ]
        self.opening_singles = set(singles[0::2])
        self.closing_singles = set(singles[1::2])
        free = [i for i, ch in enumerate(line) if ch == "/" and i not in self.inside and i not in self.atoms]
        self.slash_joins = len(free) >= 2
        self.pipe_separates = bool(re.search(f"[{CJK}]\\||\\|[{CJK}]", line))
        self.plus_separates = bool(re.search(f"[{CJK}]\\+(?![0-9+])|(?<![{AN}+])\\+[{CJK}]", line))

    def atom_end(self, position: int) -> int | None:
        return self.atoms.get(position)


def _opens(info: _Line, i: int) -> bool:
    """Whether the half-width character at ``i`` opens something (no space after it)."""
    ch = info.line[i]
    return (
        ch in _OPENING
        or (ch == "<" and i in info.angles and info.line.find(">", i) > i)
        or i in info.opening_quotes
        or i in info.opening_singles
    )


def _closes(info: _Line, i: int) -> bool:
    ch = info.line[i]
    return ch in _CLOSING or (ch == ">" and i in info.angles) or i in info.closing_quotes or i in info.closing_singles


def _emphasis(line: str, i: int) -> bool:
    """Whether the ``*`` at ``i`` is one of a run of two or more: Markdown strong emphasis
    (``**粗体**``), which touches what it marks."""
    return line[i] == "*" and "**" in line[max(i - 1, 0) : i + 2]


def cjk_then_half(info: _Line, i: int) -> str | None:
    """The rule putting a space before the half-width character at ``i`` (a CJK one is before it)."""
    line = info.line
    ch = line[i]
    nxt = line[i + 1 : i + 2]
    if i in info.atoms:
        return "bracket_space" if line[i] in "`<" else "cjk_latin_space"
    if ch in "#@" and not (nxt.isalnum() or (nxt and _CJK.match(nxt))):
        return None  # a mark before a space, a bracket or the end tags nothing: ``#（`` stays as it is
    if ch in _PUNCT_AFTER:
        if ch == "~" and nxt == "=":
            return "cjk_symbol_space"
        return None
    if ch == "_" or _closes(info, i) or _emphasis(line, i):
        return None
    if ch == "'" and nxt == "s":
        return None
    if ch == "/":
        return None if info.slash_joins else "cjk_symbol_space"
    if ch == "|":
        return "cjk_symbol_space"
    if _opens(info, i) or ch in "\"'":
        return "bracket_space"
    if ch in _OPERATORS or ch in "\\$":
        return "cjk_symbol_space"
    return "cjk_latin_space"


def half_then_cjk(info: _Line, i: int) -> str | None:
    """The rule putting a space after the half-width character at ``i`` (a CJK one follows)."""
    line = info.line
    ch = line[i]
    before = line[i - 1] if i else ""
    if ch == "_" or _opens(info, i) or _emphasis(line, i):
        return None
    if _LINE_MARK.match(line, 0, i + 1):
        return None  # ``-中文``, ``1.中文``: a space after it would make the line a list item or heading
    if ch in "#@" and not _AN.match(before or " "):
        return None  # a hashtag or mention: ``#標籤``, ``@陳上進``
    if ch == "/":
        return None if info.slash_joins else "cjk_symbol_space"
    if ch == ":" and before == ":":
        return None  # an admonition fence, ``:::提示``
    if ch in ":.~" and not (before and (_CJK.match(before) or _HALF.match(before))):
        return None  # ``前面 :後面``, ``前面 .後面``: spaced before the mark already
    if _closes(info, i) or ch in "\"'":
        return "bracket_space"
    if ch in _PUNCT_AFTER:
        return "punct_after_space"
    if ch in _OPERATORS or ch in "\\$":
        return "cjk_symbol_space"
    return "cjk_latin_space"


def _operator_spaces(info: _Line, insertions: dict[int, str]) -> None:
    """An operator between CJK and a letter or digit is spaced on both sides (``陳上進 + Vinta``).

    A sign stays on its number (``打 +886``, ``氣溫是 +5``), a flag on its letter (``-m``), a
    single-letter grade or a suffix on the word before it (``A+ 的``, ``Disney+ 上架``).
    """
    line = info.line
    for i in range(1, len(line) - 1):
        ch = line[i]
        if ch not in "+-*=&<>|^" or i in info.inside:
            continue
        a, b = line[i - 1], line[i + 1]
        if _CJK.match(a) and re.match(f"[{AN}]", b):
            if ch in "+-" and b.isdigit():
                continue
            if ch == "-" and re.match(r"[a-z](?![A-Za-z0-9])", line[i + 1 : i + 3]):
                continue
            if ch in "<>" and (i in info.angles):
                continue
            insertions.setdefault(i + 1, "cjk_symbol_space")
        elif re.match(f"[{AN}]", a) and _CJK.match(b) and ch != "+":
            if ch in "<>" and i in info.angles:
                continue
            if ch in "-*" and (i < 2 or not re.match(f"[{AN}]", line[i - 2])):
                continue  # a grade: ``A- 的``
            insertions.setdefault(i, "cjk_symbol_space")
    if info.pipe_separates or info.plus_separates:
        for match in re.finditer(r"\|+|\+", line):
            if match.start() in info.inside:
                continue
            if match.group() == "+" and not (
                info.plus_separates and _CJK.match(line[match.start() - 1 : match.start()] or " ")
            ):
                continue
            if match.group() == "+" and re.match(r"[0-9]", line[match.end() : match.end() + 1]):
                continue
            if match.group()[0] == "|" and not info.pipe_separates:
                continue
            start, end = match.span()
            before, after = line[start - 1 : start], line[end : end + 1]
            if before and before not in " \t" and before not in NO_SPACE_BESIDE and not _opens(info, start - 1):
                insertions.setdefault(start, "cjk_symbol_space")
            if after and after not in " \t" and after not in NO_SPACE_BESIDE and not _closes(info, end):
                insertions.setdefault(end, "cjk_symbol_space")
    if not info.slash_joins:
        for match in re.finditer("/", line):
            i = match.start()
            if i in info.inside or i in info.atoms or not 0 < i < len(line) - 1:
                continue
            if _CJK.match(line[i - 1]) or _CJK.match(line[i + 1]):
                if line[i - 1] not in " \t":
                    insertions.setdefault(i, "cjk_symbol_space")
                if line[i + 1] not in " \t":
                    insertions.setdefault(i + 1, "cjk_symbol_space")
    for match in re.finditer(r"(?<=[A-Za-z0-9])[(\[{]", line):
        i = match.start()
        if i in info.inside or re.search(r"\.[A-Za-z0-9_]*$", line[:i]):
            continue
        closing = {"(": ")", "[": "]", "{": "}"}[line[i]]
        end = line.find(closing, i)
        if end > i and _CJK.search(line, i + 1, end):
            insertions.setdefault(i, "bracket_space")
    for match in re.finditer(r"(?<=[0-9]%)(?=[A-Za-z])", line):
        insertions.setdefault(match.start(), "cjk_latin_space")


def _punct_before_latin(info: _Line, insertions: dict[int, str]) -> None:
    """``前面!abc`` → ``前面! abc``, ``電話:123`` → ``電話: 123``: a mark closing a CJK phrase."""
    for match in re.finditer(f"(?<=[{CJK}])([!;,?:]+|~+(?!=))(?=[{AN}])", info.line):
        if match.start() not in info.inside:  # ``https://www.baidu.com/s?wd=北京``
            insertions.setdefault(match.end(), "punct_after_space")


def insertions(line: str) -> list[tuple[int, str]]:
    """Where a space goes in ``line`` (offsets), each with its rule, in pangu style."""
    if not _ANY.search(line):
        return []
    info = _Line(line)
    found: dict[int, str] = {}
    for match in _BOUNDARY.finditer(line):
        i = match.start()
        if i in info.inside or i in info.markup:
            continue
        rule = cjk_then_half(info, i) if _CJK.match(line[i - 1]) else half_then_cjk(info, i - 1)
        if rule:
            found[i] = rule
    _operator_spaces(info, found)
    _punct_before_latin(info, found)
    for offset in layout_owned(line):
        found.pop(offset, None)
    return sorted(found.items())


# A mark character opening a line with no space after it ("-|好"), and a capital opening the text of
# a Markdown heading or list item ("# A锚定…").
_BARE_MARK = re.compile(r"[ \t]*(?:#{1,6}|[-*+])(?=[^\s#*+\-])")
_MARKED_LETTER = re.compile(f"[ \t]*(?:(?:#{{1,6}}|[-*+])[ \t]+)+[A-Z](?=[{CJK}])")


def layout_owned(line: str) -> list[int]:
    """Offsets where a space would change what the layout stage reads ``line`` as, so none goes there.

    One after a bare mark makes a Markdown mark ("-|好" would become the list item "- | 好"). One
    after the capital opening a marked line makes a newspaper section letter ("# A 锚定…"), whose
    heading loses its mark where the plain "A锚定…" keeps it (it would join the next line). Either way
    the output would be read differently when cleaned again. (An unmarked line that opens with a
    capital is spaced: "A 开头的 case"; such a fragment is joined to its neighbour before spacing.)
    """
    owned = []
    if bare := _BARE_MARK.match(line):
        owned.append(bare.end())
    if letter := _MARKED_LETTER.match(line):
        owned.append(letter.end())
    return owned


def spacing_text(text: str) -> str:
    """``text`` with pangu's spaces (for tests and experiments; the stage records edits instead)."""
    out: list[str] = []
    for line in text.split("\n"):
        position, parts = 0, []
        for offset, _rule in insertions(line):
            parts += [line[position:offset], " "]
            position = offset
        parts.append(line[position:])
        out.append("".join(parts))
    return "\n".join(out)
