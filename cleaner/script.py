"""Character classes shared by the normalisation stages: what counts as a Chinese character.

The names here are regex fragments (for the ``regex`` module, usable inside ``[...]`` or on their
own as ``[{CJK}]``) and small predicates. They are deliberately explicit code-point ranges rather
than ``\\p{Han}``: ``\\p{Han}`` also matches the ideographic iteration mark and radicals, and the
stages must agree on exactly one definition.

- ``CJK``: Han ideographs — the URO (U+4E00–U+9FFF), extensions A–I, the compatibility ideographs
  and 〇 (U+3007, the ideographic zero used in dates such as 二〇二四).
- ``CJK_PUNCT``: full-width Chinese punctuation — ，。、；：？！ （）《》〈〉「」『』【】〔〕 “”‘’
  …… —— · and the full-width forms of ``% # & * + - / < = > @ ~``.
- ``CHINESE``: a character that makes its surroundings Chinese context: ``CJK`` plus ``CJK_PUNCT``.
- ``HANGUL``, ``KANA_OR_HANGUL``: the letters of Korean, and of Japanese or Korean.
"""

from __future__ import annotations

import regex

# Han ideographs (and 〇). Ranges follow Unicode 15.1/16; unassigned code points in them are harmless.
CJK = (
    "\u3007"  # 〇 ideographic number zero
    "\u3400-\u4dbf"  # extension A
    "\u4e00-\u9fff"  # unified ideographs
    "\uf900-\ufaff"  # compatibility ideographs
    "\U00020000-\U0002a6df"  # extension B
    "\U0002a700-\U0002ebef"  # extensions C–F
    "\U0002ebf0-\U0002ee5f"  # extension I
    "\U0002f800-\U0002fa1f"  # compatibility supplement
    "\U00030000-\U000323af"  # extensions G, H
)

# Full-width Chinese punctuation (what the punctuation stage produces and reads as Chinese context).
CJK_PUNCT = (
    "\u3001\u3002"  # 、。
    "\u3008-\u3011"  # 〈〉《》「」『』【】
    "\u3014-\u301f"  # 〔〕〖〗〘〙〚〛〜〝〞〟
    "\u2018\u2019\u201c\u201d"  # ‘’“”
    "\u2014\u2026"  # — …
    "\u00b7\u30fb"  # · ・ (middle dots in transliterated names)
    "\uff01-\uff0f"  # ！＂＃＄％＆＇（）＊＋，－．／
    "\uff1a-\uff20"  # ：；＜＝＞？＠
    "\uff3b-\uff40"  # ［＼］＾＿｀
    "\uff5b-\uff65"  # ｛｜｝～ and half-width CJK brackets
)

# A character that puts its neighbourhood in Chinese context.
CHINESE = CJK + CJK_PUNCT

# Hangul letters (jamo, compatibility jamo, syllables), and the kana and Hangul letters that make a
# text Japanese or Korean rather than Chinese. The middle dot ・ and the long-vowel mark ー sit in the
# katakana block but are no letters (Chinese names use ・ too). Explicit BMP ranges: the stdlib
# ``re`` scans such a class fast.
HANGUL = "\u1100-\u11ff\u3131-\u318e\uac00-\ud7a3"
KANA = (
    "\u3041-\u3096\u309d-\u309f"  # hiragana
    "\u30a1-\u30fa\u30fd-\u30ff\u31f0-\u31ff\uff66-\uff9d"  # katakana, half-width katakana
)
KANA_OR_HANGUL = KANA + HANGUL

_CJK_RE = regex.compile(f"[{CJK}]")
_CHINESE_RE = regex.compile(f"[{CHINESE}]")


def is_cjk(ch: str) -> bool:
    """Whether ``ch`` (one character) is a Han ideograph (or 〇).

    >>> is_cjk("渌"), is_cjk("〇"), is_cjk("，"), is_cjk("A")
    (True, True, False, False)
    """
    return len(ch) == 1 and _CJK_RE.fullmatch(ch) is not None


def is_chinese(ch: str) -> bool:
    """Whether ``ch`` is a Han ideograph or full-width Chinese punctuation.

    >>> is_chinese("，"), is_chinese("渌"), is_chinese(",")
    (True, True, False)
    """
    return len(ch) == 1 and _CHINESE_RE.fullmatch(ch) is not None


_HANGUL_RE = regex.compile(f"[{HANGUL}]")


def is_hangul(ch: str) -> bool:
    """Whether ``ch`` (one character) is a Hangul letter.

    >>> is_hangul("한"), is_hangul("漢"), is_hangul("")
    (True, False, False)
    """
    return len(ch) == 1 and _HANGUL_RE.fullmatch(ch) is not None


def has_cjk(text: str) -> bool:
    """Whether ``text`` contains at least one Han ideograph."""
    return _CJK_RE.search(text) is not None
