"""The ``variants`` stage: stray traditional and variant characters become simplified, safely.

OpenCC's ``t2s`` is not safe on text that is already simplified: it reads every character as
traditional, so the byline 孙乾 becomes 孙干, the county 乾县 becomes 干县 and 毕昇 becomes 毕升
(``tw2s`` even turns 显著 into 显着). In a simplified corpus those characters are correct.

The reference for "correct simplified Chinese" is the 通用规范汉字表 (Table of General Standard
Chinese Characters, 2013): 8,105 characters, shipped as ``cleaner/data/tgh.txt`` (generated from
Unihan's ``kTGH`` field by ``scripts/make_tgh_table.py``). Modes (``VariantsOptions.mode``):

- ``conservative`` (default): a character is converted only when it is **not** in the table and
  its t2s conversion **is** (``淥口区`` → ``渌口区``; rule ``variant_char``). The conversion is
  computed on the character's run with two neighbours on either side, since t2s is phrase-based,
  but only the out-of-table characters are replaced. A whole paragraph is converted with t2s only
  when it is detectably traditional (``traditional_paragraph``): at least 3 of its characters are
  *suspects* (outside the table and changed by t2s), suspects make up at least 12% of its Han
  characters, and they are at least half of the characters t2s would change. Measured on the
  sample corpus turned traditional with OpenCC (s2t, s2tw, s2hk, s2twp): every paragraph of 20 or
  more Han characters has a suspect share of 14% or more (median 35%), and suspects are at least
  75% of t2s's changes; the simplified seeds have at most one suspect per paragraph (淥). Short
  traditional paragraphs that miss the bar still get their out-of-table characters converted.
  Japanese and Korean are left as written (:func:`foreign_spans`): they write Han characters in
  forms of their own (語, 國, 場), which are not stray traditional ones.
- ``full``: plain OpenCC ``t2s`` on everything (rule ``opencc_t2s``).
- ``off``: nothing.

``VariantsOptions.opencc_config`` (e.g. ``s2t``, ``s2twp``, ``tw2s``; with or without ``.json``)
replaces the mode with that OpenCC conversion on everything (rule ``opencc_<config>``).

Conservative mode is iterated to a fixed point, so running it on its own output makes no edits: its
per-character fix only replaces a character outside the table by one inside it, so a later round
only finishes what the first left. ``full`` and ``opencc_config`` apply their conversion **exactly
once**, because an OpenCC conversion is not a fixed point of itself: ``t2s`` turns 楊聯陞 into
杨联陞 (its phrase table knows the name) and 杨联陞 into 杨联升; ``s2t`` turns 马里兰州 into
馬里蘭州 and that into 馬裏蘭州.
Converting a conversion's output again is a second, different conversion, so the stage declares
itself not idempotent in those modes (:func:`is_idempotent`) and the pipeline's settle loop never
runs it again. A paragraph OpenCC cannot handle (e.g. lone surrogates) is left unchanged.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from functools import cache, lru_cache
from pathlib import Path

from cleaner.config import VariantsOptions
from cleaner.errors import ConfigError
from cleaner.model import Change, Document, Edit, StageFn, rewrite
from cleaner.script import CJK, KANA_OR_HANGUL

STAGE = "variants"
DATA = Path(__file__).resolve().parent.parent / "data"

# A paragraph is traditional when it has at least this many suspect characters ...
MIN_SUSPECTS = 3
# ... making up at least this share of its Han characters ...
MIN_SUSPECT_SHARE = 0.12
# ... and at least this share of the characters t2s would change.
MIN_SUSPECT_SHARE_OF_CHANGES = 0.5
# Neighbours on either side of a run of suspects that t2s sees (its phrases are short).
CONTEXT = 2
# Conservative mode's fix is repeated until the text stops changing, at most this many times.
MAX_ROUNDS = 4

_HAN = re.compile(f"[{CJK}]")
_KANA_OR_HANGUL = re.compile(f"[{KANA_OR_HANGUL}]")
# Japanese or Korean text is a run of Han characters and these letters that holds a letter
# (``日本語の文法``, ``韓國語에서``); runs are found whole and then tested (a pattern asking for the
# letter inside the run would backtrack over a long run of Han characters).
_RUN = re.compile(f"[{CJK}{KANA_OR_HANGUL}ー々〆ヶ・]+")
# A paragraph (or document) is Japanese or Korean as a whole when this share of its Han characters,
# at least, stand in such runs: in Japanese most do (kana particles between words), in a Chinese
# sentence naming a Japanese title only the title's; or when it holds more kana or Hangul letters
# than Han characters.
FOREIGN_SHARE = 0.5
Converter = Callable[[str], str]


@cache
def load_characters(name: str) -> frozenset[str]:
    """The characters of a table in ``cleaner/data`` (one per line, ``#`` comments)."""
    text = (DATA / name).read_text(encoding="utf-8")
    return frozenset(line for line in text.split("\n") if line and not line.startswith("#"))


def standard_characters() -> frozenset[str]:
    """The 8,105 characters of the 通用规范汉字表."""
    return load_characters("tgh.txt")


def suspect_characters() -> frozenset[str]:
    """Han characters outside the table that t2s changes: the only ones conservative mode touches."""
    return load_characters("t2s_suspects.txt")


@cache
def _suspect_pattern() -> re.Pattern[str]:
    """Runs of characters that may be suspects: the BMP suspects and every astral character.

    The stdlib ``re`` scans a class of BMP characters as a bitmap (hundreds of MB/s) but tests a
    class holding astral characters one member at a time (2 MB/s with this table), so the ~900
    astral suspects are matched as the whole astral range and checked against the set afterwards.
    """
    bmp = "".join(sorted(c for c in suspect_characters() if ord(c) < 0x10000))
    return re.compile("[" + re.escape(bmp) + "\U00010000-\U0010ffff]+")


@lru_cache(maxsize=8)
def opencc_converter(config: str) -> Converter:
    """``str -> str`` for an OpenCC config name (``t2s``, ``s2twp.json``, …); ConfigError if unknown."""
    import opencc

    try:
        converter = opencc.OpenCC(config)
    except Exception as error:  # OpenCC raises RuntimeError for unknown configs
        raise ConfigError(
            f"variants.opencc_config: OpenCC has no config {config!r} (e.g. t2s, s2t, s2twp, tw2s, hk2s)"
        ) from error

    def convert(text: str) -> str:
        try:
            return converter.convert(text)
        except Exception:  # text OpenCC cannot encode (lone surrogates): leave it as it is
            return text

    return convert


def settle(text: str, step: Callable[[str], str]) -> str:
    """Apply ``step`` until the text stops changing (so the stage is idempotent)."""
    for _ in range(MAX_ROUNDS):
        converted = step(text)
        if converted == text:
            break
        text = converted
    return text


def diff_changes(before: str, after: str, rule: str, offset: int = 0) -> list[Change]:
    """The changes turning ``before`` into ``after``: one per run of differing characters."""
    if before == after:
        return []
    changes: list[Change] = []
    if len(before) == len(after):
        position, size = 0, len(before)
        while position < size:
            if before[position] == after[position]:
                position += 1
                continue
            start = position
            while position < size and before[position] != after[position]:
                position += 1
            changes.append(Change(offset + start, offset + position, after[start:position], rule))
        return changes
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            changes.append(Change(offset + i1, offset + i2, after[j1:j2], rule))
    return changes


def convert_stray_variants(paragraph: str, t2s: Converter, standard: frozenset[str], suspects: re.Pattern[str]) -> str:
    """Replace each character outside the standard table whose t2s conversion is inside it.

    Why: an OCR'd or scraped simplified text picks up isolated traditional or variant forms
    (淥口区 for 渌口区) that tokenisers and search treat as different words. Converting only
    characters that standard simplified Chinese does not use leaves correct text — 孙乾, 乾隆,
    著名, 毕昇 — untouched, which plain t2s does not.
    """
    parts: list[str] = []
    position = 0
    for match in suspects.finditer(paragraph):
        start, end = match.span()
        window_start, window_end = max(start - CONTEXT, 0), min(end + CONTEXT, len(paragraph))
        window = paragraph[window_start:window_end]
        converted = t2s(window)
        if len(converted) == len(window):
            run = converted[start - window_start : end - window_start]
        else:
            run = t2s(match.group())
            if len(run) != end - start:
                run = "".join(t2s(char) for char in match.group())
        if len(run) != end - start:
            continue
        kept = "".join(
            new if new != old and new in standard else old for old, new in zip(match.group(), run, strict=True)
        )
        if kept != match.group():
            parts.append(paragraph[position:start])
            parts.append(kept)
            position = end
    if not parts:
        return paragraph
    parts.append(paragraph[position:])
    return "".join(parts)


def is_traditional(paragraph: str, t2s: Converter, suspects: re.Pattern[str]) -> bool:
    """Whether ``paragraph`` is written in traditional characters.

    A paragraph is traditional when it has at least ``MIN_SUSPECTS`` suspect characters (outside
    the standard table, changed by t2s), they are at least ``MIN_SUSPECT_SHARE`` of its Han
    characters, and at least ``MIN_SUSPECT_SHARE_OF_CHANGES`` of what t2s changes. Mixed text (a
    simplified paragraph with one 淥) fails the first two tests.
    """
    suspect = suspect_characters()
    count = sum(1 for match in suspects.finditer(paragraph) for char in match.group() if char in suspect)
    if count < MIN_SUSPECTS or count < MIN_SUSPECT_SHARE * len(_HAN.findall(paragraph)):
        return False
    converted = t2s(paragraph)
    changed = sum(max(c.end - c.start, len(c.after)) for c in diff_changes(paragraph, converted, ""))
    return count >= MIN_SUSPECT_SHARE_OF_CHANGES * changed


def is_foreign(text: str) -> bool:
    """Whether ``text`` is Japanese or Korean as a whole (``FOREIGN_SHARE``)."""
    return _foreign(text)[1]


def foreign_spans(paragraph: str) -> list[tuple[int, int]] | None:
    """Where ``paragraph`` is Japanese or Korean: None when it is as a whole (``FOREIGN_SHARE``),
    else the runs of Han characters written with kana or Hangul (``《日本語の文法》``) in it.

    Japanese writes 語, 場, 時 and Korean 國, 韓 as their standard forms: to the table of
    simplified characters they are suspects, and converting them corrupts the text (measured on
    the Japanese manual pages of Debian's ``manpages-ja``: 112k characters changed in 9.8 MB). A
    Han character counts as Japanese next to kana in the same run, or anywhere in a paragraph that
    is Japanese as a whole (``環境変数``, a heading, in a Japanese manual); 東京 in a Chinese
    sentence is Chinese.
    """
    spans, whole = _foreign(paragraph)
    return None if whole else spans


def _foreign(text: str) -> tuple[list[tuple[int, int]], bool]:
    if _KANA_OR_HANGUL.search(text) is None:
        return [], False  # (Chinese text: one scan)
    spans = [match.span() for match in _RUN.finditer(text) if _KANA_OR_HANGUL.search(match.group())]
    inside = sum(len(_HAN.findall(text[start:end])) for start, end in spans)
    han = len(_HAN.findall(text))
    # Korean sets its Hanja apart in brackets (한자(漢字)): there, more letters than Han characters.
    return spans, inside >= FOREIGN_SHARE * han or len(_KANA_OR_HANGUL.findall(text)) >= han


def _masked(paragraph: str, spans: list[tuple[int, int]]) -> str:
    """``paragraph`` with each span blanked (ideographic spaces, which no conversion changes)."""
    parts, position = [], 0
    for start, end in spans:
        parts += [paragraph[position:start], "\u3000" * (end - start)]
        position = end
    parts.append(paragraph[position:])
    return "".join(parts)


def make_conservative() -> Callable[[str], list[Change]]:
    """The per-paragraph fix of conservative mode."""
    t2s = opencc_converter("t2s")
    standard = standard_characters()
    suspects = _suspect_pattern()

    def fix_variants(paragraph: str) -> list[Change]:
        if suspects.search(paragraph) is None:
            return []
        foreign = foreign_spans(paragraph)
        if foreign is None:
            return []  # Japanese or Korean: its Han characters are in its own standard forms
        text = _masked(paragraph, foreign) if foreign else paragraph
        traditional = False

        def one_round(text: str) -> str:
            nonlocal traditional
            if suspects.search(text) is None:
                return text
            if is_traditional(text, t2s, suspects):
                traditional = True
                text = t2s(text)
            return convert_stray_variants(text, t2s, standard, suspects)

        converted = settle(text, one_round)
        changes = diff_changes(text, converted, "traditional_paragraph" if traditional else "variant_char")
        if foreign:  # (positions in the masked text are those in the paragraph: same length)
            changes = [c for c in changes if not any(c.start < end and start < c.end for start, end in foreign)]
        return changes

    return fix_variants


def make_whole(config: str) -> Callable[[str], list[Change]]:
    """The per-paragraph fix that applies one OpenCC config to everything (``full`` mode, configs).

    The conversion is applied once, never to its own output: OpenCC is not idempotent (``s2t`` of
    马里兰州 is 馬里蘭州, ``s2t`` of that is 馬裏蘭州), and what a user asks for is OpenCC's result.
    """
    convert = opencc_converter(config)
    rule = "opencc_" + re.sub(r"\.json$", "", Path(config).name)

    def fix_opencc(paragraph: str) -> list[Change]:
        return diff_changes(paragraph, convert(paragraph), rule)

    return fix_opencc


def is_idempotent(options: VariantsOptions) -> bool:
    """Whether the stage built with ``options`` makes no edits when run on its own output.

    True for ``conservative`` (iterated to a fixed point) and ``off``; false for a whole-text
    conversion (``full``, ``opencc_config``), which is applied once and must not be run again on
    its output: the pipeline's settle loop skips the stage in those modes.
    """
    return options.opencc_config is None and options.mode != "full"


def make(options: VariantsOptions) -> StageFn:
    if options.opencc_config:
        fix = make_whole(options.opencc_config)
        quick_skip = None
    elif options.mode == "full":
        fix = make_whole("t2s")
        quick_skip = None
    else:
        fix = make_conservative()
        quick_skip = _suspect_pattern()

    def variants(doc: Document) -> tuple[Document, list[Edit]]:
        if options.mode == "off" and not options.opencc_config:
            return doc, []
        # Simplified text holds no suspect character: one scan of the whole text, no OpenCC call.
        if quick_skip is not None and quick_skip.search(doc.text) is None:
            return doc, []
        if quick_skip is not None and is_foreign(doc.text):
            return doc, []  # a Japanese or Korean document: its headings of Han characters alone too
        changes: list[Change] = []
        for start, paragraph in zip(doc.paragraph_starts, doc.paragraphs, strict=True):
            for change in fix(paragraph):
                changes.append(Change(change.start + start, change.end + start, change.after, change.rule))
        return rewrite(doc, STAGE, changes)

    return variants
