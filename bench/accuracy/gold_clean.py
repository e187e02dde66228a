"""The criteria a gold block must meet: text the cleaner's own conventions leave unchanged.

The gold is what the cleaner should output, so a block that the cleaner would (rightly) edit is not
gold: scoring against it would punish a correct fix. These checks are deliberately simple and
independent of the cleaner's code (the cleaner is never run to select or fix gold text); where a
source systematically differs from the house style in a way that is unambiguous to fix, the text is
normalised instead of dropped, and every such normalisation is listed in ``SOURCES.md``:

- NFC;
- full-width ASCII letters and digits become ASCII (``１９９８年`` → ``1998年``, ``阿Ｑ`` → ``阿Q``): the
  People's Daily corpus writes every number this way, so dropping would leave no numbers at all;
- whitespace runs become one space; spaces between a Han character (or full-width punctuation) and
  a Latin letter or digit go (the cleaner's default ``cjk_latin: remove`` house style), and so do
  spaces next to Chinese sentence punctuation.

Everything else that breaks a convention drops the block (``reject_reason`` says why): Han
characters outside the 通用规范汉字表, half-width ``, ; : ? ! ( )`` or straight quotes in Chinese
context, ``...``, invisible or control characters, letter-spaced Han, hyphens between Han
characters, thousands groups written with a full-width comma, and markup or navigation remnants.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

from bench.accuracy.model import Block

TGH_PATH = Path(__file__).resolve().parents[2] / "cleaner" / "data" / "tgh.txt"

# Han ideographs in any block (URO, extension A, compatibility, extensions B+), plus 〇.
HAN = r"\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af"
# Full-width punctuation that makes its neighbourhood Chinese.
ZH_PUNCT = (
    r"\u3001\u3002\u3008-\u3011\u3014-\u301f\u2018\u2019\u201c\u201d\u2014\u2026\u00b7"
    r"\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
)
CHINESE = HAN + ZH_PUNCT
# Chinese sentence punctuation: a space next to one of these is noise.
SENTENCE_PUNCT = "，。、；：！？"

_HAN_RE = re.compile(f"[{HAN}]")
_LATIN_RE = re.compile(r"[A-Za-z]")
_FULLWIDTH_ALNUM = re.compile(r"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_FULLWIDTH_DECIMAL_POINT = re.compile(r"(?<=[0-9])．(?=[0-9])")
_SPACES = re.compile(r"[ \t\u00a0\u3000\u2000-\u200a\u202f\u205f]+")
_CJK_LATIN_SPACE = re.compile(f"(?<=[{CHINESE}]) (?=[A-Za-z0-9])|(?<=[A-Za-z0-9]) (?=[{CHINESE}])")
_PUNCT_SPACE = re.compile(f" ?([{SENTENCE_PUNCT}]) ?")

# Characters that are never part of clean text: controls, zero-width and format characters,
# private use, surrogates, unassigned code points, and the replacement character.
_INVISIBLE = re.compile(
    r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufffd]"
)
_BAD_CATEGORIES = frozenset({"Co", "Cs", "Cn", "Cc", "Cf"})

# Chinese-context violations of full-width punctuation (one pattern each, so the reason is named).
# The cleaner looks past spaces for a mark's neighbours, so these do too.
_HALFWIDTH_NEXT_TO_CHINESE = re.compile(f"[{CHINESE}] *[,;:?!()]|[,;:?!()] *[{CHINESE}]")
_TOKEN_AFTER_CHINESE_THEN_MARK = re.compile(f"[{CHINESE}][A-Za-z0-9.%‰℃°+\\-/#&]+[,;:?!]")
_STRAIGHT_QUOTE_NEXT_TO_HAN = re.compile(f"[{CHINESE}] *[\"']|[\"'] *[{CHINESE}]")
_ASCII_ELLIPSIS = re.compile(r"\.\.\.|。。。")
_LETTER_SPACED = re.compile(f"(?<![{HAN}])[{HAN}] [{HAN}] [{HAN}](?![{HAN}])")
_HAN_SPACE_HAN = re.compile(f"[{HAN}] [{HAN}]")
_HYPHEN_BETWEEN_HAN = re.compile(f"[{CHINESE}] ?--? ?[{CHINESE}]")
_FULLWIDTH_THOUSANDS = re.compile(r"[0-9]，[0-9]{3}(?![0-9])")
# Markup, navigation and flattened-table remnants.
_MARKUP = re.compile(
    r"</?[A-Za-z][^>]*>|&[#A-Za-z0-9]+;|\{\{|\}\}|\[\[|\]\]|^\s*[|+]|\|.*\|"
    r"|(?<![A-Za-z0-9])_[^_\s][^_]*_(?![A-Za-z0-9])|＊|(?:^|\s)\*(?:\s|$)|\*[^*\s][^*]*\*"
)
_MENU_PATH = re.compile(r"\S\s*(?:>|→|»)\s*\S.*\S\s*(?:>|→|»)\s*\S")
_URL_ONLY = re.compile(r"^(?:https?://|www\.)\S+$")


@cache
def tgh_chars() -> frozenset[str]:
    """The 8,105 characters of the 通用规范汉字表 (one per line; ``#`` lines are comments)."""
    lines = TGH_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def han_count(text: str) -> int:
    return len(_HAN_RE.findall(text))


def han_share(text: str) -> float:
    """Han characters among Han characters and Latin letters: what language a block is in."""
    han = han_count(text)
    latin = len(_LATIN_RE.findall(text))
    return han / (han + latin) if han + latin else 0.0


def is_han_dominant(text: str) -> bool:
    return han_share(text) >= 0.5


def fullwidth_to_ascii(text: str) -> str:
    """``１９９８`` → ``1998``, ``Ｑ`` → ``Q`` (full-width letters and digits only, not punctuation)."""
    return _FULLWIDTH_ALNUM.sub(lambda m: chr(ord(m.group()) - 0xFEE0), text)


def invisible_reason(text: str) -> str | None:
    """Checked on the raw text, before normalisation turns some of these into spaces."""
    if _INVISIBLE.search(text):
        return "invisible_or_control"
    stripped = text.strip(" \t\u3000\u00a0")
    if "\u3000" in stripped or "\u00a0" in stripped:
        return "ideographic_or_nbsp_space_inside"
    return None


def normalise(text: str, kind: str) -> str:
    """NFC, ASCII letters and digits, single spaces, and the house style's spacing around Han.

    Code keeps its own spacing inside (only runs of spaces are collapsed, as the cleaner does).
    """
    text = unicodedata.normalize("NFC", text)
    text = _FULLWIDTH_DECIMAL_POINT.sub(".", fullwidth_to_ascii(text))
    text = _SPACES.sub(" ", text).strip()
    if kind == "code":
        return text
    text = _PUNCT_SPACE.sub(r"\1", text)
    return _CJK_LATIN_SPACE.sub("", text)


def char_reason(text: str) -> str | None:
    """A character that clean simplified text does not contain."""
    tgh = tgh_chars()
    for ch in text:
        if _HAN_RE.match(ch):
            if ch not in tgh:
                return "han_outside_tgh"
        elif unicodedata.category(ch) in _BAD_CATEGORIES:
            return "invisible_or_control"
    return None


def convention_reason(text: str, kind: str) -> str | None:
    """The first convention of Chinese text that ``text`` breaks, or None."""
    if _HALFWIDTH_NEXT_TO_CHINESE.search(text):
        return "halfwidth_punct_in_chinese"
    if _TOKEN_AFTER_CHINESE_THEN_MARK.search(text):
        return "halfwidth_punct_after_token_in_chinese"
    # Any straight double quote in a block with Han: the cleaner pairs them across the block.
    has_han = han_count(text) > 0
    if has_han and ('"' in text or _STRAIGHT_QUOTE_NEXT_TO_HAN.search(text)):
        return "straight_quote_in_chinese"
    if _ASCII_ELLIPSIS.search(text) and has_han:
        return "ascii_ellipsis"
    if _LETTER_SPACED.search(text):
        return "letter_spaced_han"
    if kind in ("para", "list") and _HAN_SPACE_HAN.search(text):
        return "space_between_han"
    if _HYPHEN_BETWEEN_HAN.search(text):
        return "hyphen_between_han"
    if _FULLWIDTH_THOUSANDS.search(text):
        return "fullwidth_thousands_comma"
    return None


def markup_reason(text: str, kind: str) -> str | None:
    """Remnants of markup (tags, entities, wiki or AsciiDoc emphasis), navigation or tables.

    Code is exempt: a line of HTML or a glob is what code looks like.
    """
    if kind == "code":
        return None
    if _MARKUP.search(text):
        return "markup_remnant"
    if _MENU_PATH.search(text):
        return "menu_path"
    if _URL_ONLY.match(text):
        return "url_only"
    if kind in ("para", "short") and is_table_row(text):
        return "table_row"
    return None


def is_table_row(text: str) -> bool:
    """A row of a table flattened into a line: a quarter of it digits, and no sentence in it
    (``1四川制药19.63``, ``上证指数1239.901242·21``)."""
    compact = text.replace(" ", "")
    digits = sum(ch.isdigit() for ch in compact)
    return digits >= 0.25 * len(compact) and not any(mark in compact for mark in "，。；！？")


def kind_reason(text: str, kind: str) -> str | None:
    """Whether the text fits its kind: Chinese blocks are Han-dominant, English ones have no Han."""
    if kind in ("english", "code"):
        if han_count(text):
            return "han_in_english_or_code"
        if kind == "english" and re.search(f"[{ZH_PUNCT}]", text):
            return "fullwidth_punct_in_english"
        return None
    if not is_han_dominant(text):
        return "not_han_dominant"
    return None


def reject_reason(text: str, kind: str) -> str | None:
    """Why the (normalised) block is not gold, or None when it is."""
    return char_reason(text) or markup_reason(text, kind) or convention_reason(text, kind) or kind_reason(text, kind)


def clean_block(kind: str, raw: str) -> tuple[Block | None, str | None]:
    """The gold block for a raw source block, or (None, reason) when the block is dropped."""
    reason = invisible_reason(raw)
    if reason:
        return None, reason
    text = normalise(raw, kind)
    if not text:
        return None, "empty"
    reason = reject_reason(text, kind)
    if reason:
        return None, reason
    return Block(kind, text), None


class DuplicateFilter:
    """Drops exact and near duplicates across the whole gold, keeping the first occurrence.

    Exact: equal once whitespace is removed. Near (blocks of at least ``min_chars`` characters):
    character 5-gram Jaccard similarity of at least ``threshold`` with a kept block. Candidates
    come from an inverted index of 5-grams; 5-grams shared by very many kept blocks (boilerplate
    such as "LibreOffice") are not followed, which keeps the index fast and only ever misses
    candidates whose overlap is made of such common 5-grams.
    """

    def __init__(self, threshold: float = 0.5, min_chars: int = 30, n: int = 5, max_postings: int = 200) -> None:
        self.threshold = threshold
        self.min_chars = min_chars
        self.n = n
        self.max_postings = max_postings
        self._exact: set[str] = set()
        self._shingles: list[frozenset[str]] = []
        self._index: dict[str, list[int]] = {}

    def shingles(self, text: str) -> frozenset[str]:
        n = self.n
        return frozenset(text[i : i + n] for i in range(len(text) - n + 1))

    def is_duplicate(self, text: str) -> str | None:
        """``exact_duplicate``/``near_duplicate`` if ``text`` repeats a kept block; else keep it."""
        key = re.sub(r"\s+", "", text)
        if key in self._exact:
            return "exact_duplicate"
        shingles = self.shingles(key) if len(key) >= self.min_chars else frozenset()
        if shingles and self._near(shingles):
            return "near_duplicate"
        self._exact.add(key)
        if shingles:
            ident = len(self._shingles)
            self._shingles.append(shingles)
            for shingle in shingles:
                self._index.setdefault(shingle, []).append(ident)
        return None

    def _near(self, shingles: frozenset[str]) -> bool:
        counts: dict[int, int] = {}
        for shingle in shingles:
            postings = self._index.get(shingle)
            if postings and len(postings) <= self.max_postings:
                for ident in postings:
                    counts[ident] = counts.get(ident, 0) + 1
        size = len(shingles)
        for ident, _ in sorted(counts.items(), key=lambda item: -item[1])[:20]:
            other = self._shingles[ident]
            inter = len(shingles & other)
            if inter / (size + len(other) - inter) >= self.threshold:
                return True
        return False
