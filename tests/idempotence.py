"""The idempotence property of the whole pipeline, shared by the test suite and the fuzz script.

Cleaning cleaned text must change nothing: the README promises it for every configuration without
an OpenCC conversion. ``check`` states the property for one text and one configuration; ``texts``
is the Hypothesis strategy that searches for counter-examples. The suite runs it on a small budget
(``tests/test_idempotence.py``); ``scripts/fuzz_idempotence.py`` runs it on a large one, outside CI.

The strategy mixes what the stages react to: slices of the sample pages (real headings, bylines and
sentences), Markdown marks at line starts, Chinese and Western punctuation, every kind of space,
invisible and full-width characters, and Latin runs next to Han characters of every block.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

from cleaner.config import Config
from cleaner.corpus import Corpus, FileOutcome
from cleaner.dedup import Deduplicator
from cleaner.errors import InputError
from cleaner.io.readers import SourceFile, load
from cleaner.model import replay
from cleaner.pipeline import Pipeline

ROOT = Path(__file__).resolve().parent.parent

# The configurations whose output must be a fixed point: the default (with the project's rules, as
# `clean seeds/ cleaned/` runs at the project root) and the pangu spacing style.
CONFIGS: dict[str, dict[str, dict]] = {
    "default": {},
    "insert": {"spacing": {"cjk_latin": "insert"}},
}

# Single characters the stages treat specially.
SPECIAL = list(
    "渌口区涪陵绿色孙乾淥臺灣㐀𠀀〇一二三"
    "，。！？、；：“”‘’（）《》〈〉【】「」『』…—～·"
    ",.;:!?()[]{}<>\"'`-_#*+=/\\|~^&@%‰$"
    "abcxyzABCXYZ0123456789ＡＢ１２"
    " \t\u3000\u00a0\u2002\u200b\u200d\ufeff\u00ad\r\n"
    "▲●■◆★→"
)
# Pieces that mean something at a line start or inside a line.
TOKENS = [
    "\n",
    "\n\n",
    "\n\n\n",
    "# ",
    "## ",
    "- ",
    "* ",
    "+ ",
    "1. ",
    "2) ",
    "> ",
    "**",
    "__",
    "`",
    "```",
    "...",
    "……",
    "--",
    "——",
    "  ",
    "\u3000\u3000",
    "http://example.com/a_b",
    "www.example.cn",
    "11.3%",
    "2024年",
    # Markdown in plain text: table rows and a fence (kept whole by layout, guarded in every stage).
    "| 甲 | 乙 |\n",
    "| --- | --- |\n",
    "|:-|-:|\n",
    "\n```\n",
    "\n~~~\n",
    "S330",
    "IPO",
    "文禹 摄",
    "记者 孙乾",
    "]月",  # a 1 misread as ] (punctuation's ocr_bracket)
    "〈记者)",
    "【表单」",
    "（田海忠 陈丽华）",
    "渌 口 区 人 民 政 府",
    "娓屽彛鍖",
    "ä¸­æ–‡",
    # Mojibake through single-byte codecs, several layers, lost bytes, C1 controls.
    "Ã©",
    "Ã ",
    "Ã¤Â¸Â\xadÃ¦â€“â€¡",
    "å\xad¦ä¹ ",
    "å�£",
    "â€œ",
    "â€?",
    "\x85",
    "\x93",
    "√©",
    "вЂ“",
    "ðŸ˜€",
    "í\xa0½í¸\x8d",
    "Brontë…”",
    # Records, transcripts, logs and code in prose (rows, turns, headers and calls stay as written);
    # Japanese and Korean (left as written by variants); an article's number (its space kept).
    "张三,25,北京\n",
    "1\t苹果\t",
    "记者：",
    "张三 2024-01-05 10:23\n",
    "10:24",
    "● ",
    'printf("你好,世界");',
    "日本語の文法",
    "韓國語에서",
    "第一条 ",
]


@functools.cache
def seed_text() -> str:
    """The sample pages joined: real headings, bylines, captions and sentences to cut pieces from."""
    return "\n\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt")))


@st.composite
def seed_slices(draw: st.DrawFn) -> str:
    text = seed_text()
    start = draw(st.integers(0, len(text) - 1))
    return text[start : start + draw(st.integers(1, 80))]


def texts() -> st.SearchStrategy[str]:
    """Texts for the property: arbitrary Unicode, or pieces chosen to reach the stages' edge cases."""
    piece = st.one_of(
        st.sampled_from(SPECIAL),
        st.sampled_from(TOKENS),
        seed_slices(),
        st.text(max_size=4),
    )
    structured = st.lists(piece, max_size=40).map("".join)
    return st.one_of(st.text(max_size=120), structured)


@functools.cache
def pipeline(name: str) -> Pipeline:
    return Pipeline(config(name))


@functools.cache
def config(name: str) -> Config:
    return Config().with_options({"rules": {"paths": [str(ROOT / "rules")]}, **CONFIGS[name]})


@dataclass(frozen=True)
class Failure:
    """A counter-example: what broke, and a signature to tell it from others found before."""

    signature: tuple[str, ...]
    message: str
    # The stage whose edit came first when the output was cleaned again: where the cause lies
    # (later stages often only react to it).
    first_stage: str = ""


def check(name: str, text: str) -> Failure | None:
    """``None`` if ``text`` cleans to a fixed point under configuration ``name`` (edits replay, and
    cleaning the output again makes no edit); else what went wrong."""
    cleaning = pipeline(name)
    result = cleaning.clean(text)
    if replay(text, result.edits) != result.text:
        return Failure(("replay",), f"{name}: edits do not replay on {text!r}")
    again = [edit for edit in cleaning.clean(result.text).edits if not edit.is_event]
    if again:
        signature = tuple(sorted({f"{edit.stage}/{edit.rule}" for edit in again}))
        changes = [(edit.stage, edit.rule, edit.before, edit.after) for edit in again[:4]]
        return Failure(signature, f"{name}: {text!r} → {result.text!r}, then again {changes}", again[0].stage)
    return None


@functools.cache
def _corpus(name: str) -> Corpus:
    return Corpus(config(name))


def clean_file(name: str, data: bytes) -> FileOutcome:
    """What `clean` makes of one file ``page.txt`` holding ``data`` (a run of its own: fresh dedup)."""
    corpus = copy.copy(_corpus(name))
    corpus.deduplicator = Deduplicator(corpus.config.dedup)
    return corpus.clean_file(load(SourceFile(Path("page.txt"), "page.txt", "text"), data=data))


def check_file(name: str, text: str) -> Failure | None:
    """The property through the file layer: the UTF-8 file `clean` writes, cleaned again as a file
    (decoding and dedup included), comes back byte for byte."""
    try:
        first = clean_file(name, text.encode("utf-8", "surrogatepass"))
    except (InputError, UnicodeError):
        return None  # not a readable input: nothing to compare
    if not first.after:
        return None
    try:
        second = clean_file(name, first.after.encode("utf-8"))
    except InputError as exc:
        return Failure(("file", "refused"), f"{name}: the output of {text!r} is refused when read again: {exc}")
    if second.after != first.after:
        signature = ("file", *sorted({f"{edit.stage}/{edit.rule}" for _, edit in second.changes}))
        return Failure(signature, f"{name}: file {text!r} → {first.after!r} → {second.after!r}")
    return None
