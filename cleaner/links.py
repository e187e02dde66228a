"""Where a URL, file path or anchor with Chinese in it ends.

A URL's path, query or anchor may hold Chinese (``https://zh.wikipedia.org/wiki/长江``,
``guide-03.html#第三章安装Python``), and the spacing and punctuation
stages must then leave the whole of it alone: a space or a full-width mark put inside breaks the
link. But Chinese text also follows a URL or path without a space
(``访问https://example.com/news了解更多``, ``进入/opt/tools目录``), and there the Chinese is
prose. Nothing in the characters says which it is, so a link takes Chinese in only where its shape
shows that the Chinese belongs to it; otherwise it ends at its first non-ASCII character, as the
stages' own patterns say.

A link runs from its start (a scheme ``https://``, ``www.``, a path ``/…`` or ``word/…``, or a
file-like word before ``#``) over ASCII path characters ``A-Za-z0-9 - . _ ~ / # % = & + @`` and
Han, up to anything else: a space, full-width punctuation, a bracket, a quote, a half-width
``, ; : !`` (and ``?`` unless a ``key=`` query follows it); a ``.`` at its end is a full stop. The
Chinese belongs to it when

- it is in the anchor (after ``#``) or in a ``?key=value`` query; an anchor on its own holds
  Chinese joined by ``-`` or ``_`` (``见#安装-配置``);
- it is in the path's last segment, and that segment ends in a file extension
  (``下载/年度报告.pdf``) or joins Chinese to Chinese with ``-`` or ``_`` (``使用-说明``; also
  ``/_新闻``): a slug, not prose;
- it fills a segment between two slashes, with no letters (``/data/新闻/2024``);
- the link has a scheme or ``www.`` and its last segment is all Chinese
  (``https://zh.wikipedia.org/wiki/北京``).

It never does in a host or in a path's first segment (``类别/新闻/体育``), in a relative path
whose first segment has no letter (dates: ``输入3/4/21时会变成3/4/2021``), mixed with letters or
between digits in a segment that a ``/`` follows (``比较HTTP/2与HTTP/3的区别``,
``从lib/a.js复制到out/a.js``: prose between two paths), or right after a file extension
(``运行tools/run.sh脚本``); nor in a path's last segment without the marks above, after its letters
(``进入/opt/tools目录``, ``https://example.com/news了解更多``) or, without a scheme, after its slash
(``日志在/var/log/下面``). A one-part word before ``#`` starts no link (``C#和F#``, a hashtag
``#标签``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from cleaner.script import CJK

# What may stand in a link once it holds Chinese (``?`` only where a ``key=`` query follows).
_TAIL = rf"(?:[A-Za-z0-9\-._~/#%=&+@{CJK}]|\?(?=[A-Za-z0-9_.%\-]+=))*"
# A link's start: a scheme or ``www.`` with its host (and port), or a path or a word before ``/`` or
# ``#`` — not in the middle of another word or link.
_LINK = re.compile(
    r"(?:(?<![A-Za-z0-9+.\-])[A-Za-z][A-Za-z0-9+.\-]*://|(?<![A-Za-z0-9.])www\.)[A-Za-z0-9\-._~:@%]*"
    rf"{_TAIL}"
    rf"|(?<![A-Za-z0-9\-_.~/#:%=&+@])[A-Za-z0-9\-_.~]*[/#]{_TAIL}"
)
_HINT = re.compile(rf"[/#?][A-Za-z0-9\-._~/#%=&+@?:]*[{CJK}]")
_ASCII_LINK = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/#%=&+@?:")
_HAN = re.compile(f"[{CJK}]")
_ALL_HAN = re.compile(f"[{CJK}]+")
_ENDS_IN_EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,4}\Z")
_EXTENSION_THEN_HAN = re.compile(rf"\.[A-Za-z][A-Za-z0-9]{{0,4}}[{CJK}]")
# Chinese joined to Chinese by one ``-`` or ``_``, or a segment opening with one before Chinese.
_SLUG = re.compile(f"[{CJK}][-_][{CJK}]|^[-_][{CJK}]")
_LETTER = re.compile("[A-Za-z]")
_HAN_AMID_ASCII = re.compile(f"[A-Za-z0-9][{CJK}].*[A-Za-z0-9]")
# A file name or slug before an anchor: two or more parts joined by ``-``, ``_`` or ``.``.
_FILE_WORD = re.compile(r"[A-Za-z0-9]+(?:[\-_.][A-Za-z0-9]+)+")


def spans(text: str, lo: int = 0, hi: int | None = None) -> Iterator[tuple[int, int]]:
    """The links in ``text[lo:hi]`` that hold Chinese, as ``(start, end)``.

    Links without Chinese are left to the stages' own patterns.

    >>> [text[a:b] for text in ["见https://zh.wikipedia.org/wiki/北京，", "进入/usr/bin目录"] for a, b in spans(text)]
    ['https://zh.wikipedia.org/wiki/北京']
    """
    hi = len(text) if hi is None else hi
    done = lo  # every link starting before this has been seen
    # The pattern above cannot be scanned for quickly; a link with Chinese has a ``/``, ``#`` or
    # ``?`` with Chinese after it, which can, and the link starts in the run of link characters
    # before that (Chinese included: a candidate that fails starts there too, as in a plain scan).
    for hint in _HINT.finditer(text, lo, hi):
        if hint.end() <= done:
            continue
        position = max(hint.start(), done)
        while position > done and (text[position - 1] in _ASCII_LINK or _HAN.match(text, position - 1)):
            position -= 1
        # Where a candidate starts is searched up to the hint's end only; its extent, to ``hi``.
        while (found := _LINK.search(text, position, hint.end())) is not None:
            match = _LINK.match(text, found.start(), hi)
            assert match is not None  # it matched on less text
            position = match.end()
            link = match.group().rstrip(".")
            if _HAN.search(link) and reads_as_link(link):
                yield match.start(), match.start() + len(link)
        done = max(position, hint.end())


def may_continue(char: str) -> bool:
    """Whether ``char`` right after a link that holds Chinese could be read as more of it: a Han
    character or a character of a link's path (not a space, a bracket, full-width punctuation)."""
    return bool(char) and (char in _ASCII_LINK or _HAN.match(char) is not None)


def reads_as_link(link: str) -> bool:
    """Whether the Chinese in ``link`` (a candidate found by the pattern above) belongs to it.

    >>> reads_as_link("docs/使用-说明"), reads_as_link("/etc/与/var是两个目录")
    (True, False)
    """
    body, _, anchor = link.partition("#")
    path, _, query = body.partition("?")
    scheme, _, rest = path.rpartition("://")
    has_host = bool(scheme) or path.startswith("www.")
    if not has_host and "/" not in path:
        # An anchor on a file name or slug (``guide-03.html#安装Python``); ``C#和`` is no link. On
        # its own, an anchor whose Chinese is joined by ``-`` or ``_`` (``#安装-配置``, a heading's
        # id), not a hashtag.
        if not path:
            return _SLUG.search(anchor) is not None
        return bool(anchor) and _FILE_WORD.fullmatch(path) is not None
    segments = rest.split("/")
    first = next((part for part in segments if part), "")
    if _HAN.search(first):
        return False  # Chinese in a host (prose after ``www.example.com``) or opening a path
    if not has_host and segments[0] not in ("", ".", "..", "~") and not _LETTER.search(segments[0]):
        return False  # ``1/1/20时将转换成1/1/2020``: dates and fractions, not a relative path
    if _EXTENSION_THEN_HAN.search(path):
        return False  # ``tools/run.sh脚本``: the file name ended at its extension
    if any(_prose_between(part) for part in segments[:-1]):
        return False  # ``HTTP/2与HTTP/3``: prose between two paths
    last = segments[-1]
    if not _HAN.search(last) or anchor or query:
        return True
    if _ENDS_IN_EXTENSION.search(last) or _SLUG.search(last):
        return True
    return has_host and _ALL_HAN.fullmatch(last) is not None


def _prose_between(segment: str) -> bool:
    """Whether Chinese in a segment that a ``/`` follows reads as prose between two paths or
    numbers: mixed with letters (``2与HTTP``, ``a.js复制到out``) or between digits (``21时会变成3``)."""
    return _HAN.search(segment) is not None and (
        _LETTER.search(segment) is not None or _HAN_AMID_ASCII.search(segment) is not None
    )
