"""A naive regex cleaner: what someone would write in an afternoon, as the floor to beat.

It joins a line to the next unless the line ends a sentence or the next is blank, fixes half-width
punctuation next to Han characters, folds full-width letters and digits, runs OpenCC ``t2s`` on
everything, removes zero-width characters and drops exact duplicate paragraphs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from bench.accuracy.model import file_name

SENTENCE_END = tuple("。！？…”」；：")
ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")
HAN = "\u4e00-\u9fff"
HALF_NEAR_HAN = re.compile(f"(?<=[{HAN}])[,;:!?()]|[,;:!?()](?=[{HAN}])")
FULL = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"}
FULLWIDTH_ALNUM = re.compile("[Ａ-Ｚａ-ｚ０-９]")


@cache
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def join_lines(text: str) -> list[str]:
    """Paragraphs: a line is joined to the next unless it ends a sentence or the next is blank."""
    paragraphs: list[str] = []
    current = ""
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            if current:
                paragraphs.append(current)
            current = ""
            continue
        if current and not current.endswith(SENTENCE_END):
            glue = " " if current[-1].isascii() and current[-1].isalnum() and line[0].isascii() else ""
            current += glue + line
            continue
        if current:
            paragraphs.append(current)
        current = line
    if current:
        paragraphs.append(current)
    return paragraphs


def fix_characters(paragraph: str) -> str:
    """Half-width marks next to Han characters, full-width letters and digits, t2s."""
    paragraph = HALF_NEAR_HAN.sub(lambda m: FULL[m.group()], paragraph)
    paragraph = FULLWIDTH_ALNUM.sub(lambda m: chr(ord(m.group()) - 0xFEE0), paragraph)
    return _t2s().convert(paragraph)


def naive_clean(texts: Mapping[str, str]) -> dict[str, str]:
    """Clean documents (id → text) in file-name order; exact duplicate paragraphs dropped corpus-wide."""
    seen: set[str] = set()
    cleaned: dict[str, str] = {}
    for doc_id in sorted(texts, key=file_name):
        kept = []
        for paragraph in join_lines(ZERO_WIDTH.sub("", texts[doc_id])):
            paragraph = fix_characters(paragraph)
            key = "".join(paragraph.split())
            if key in seen:
                continue
            seen.add(key)
            kept.append(paragraph)
        cleaned[doc_id] = "\n\n".join(kept) + "\n"
    return cleaned
