"""How plausible a decoded text is as the content of a file in a Chinese corpus.

The same bytes read in different encodings give different texts; the right reading is the one a
Chinese corpus would plausibly hold. :func:`plausibility` scores a text as a log-probability (in
nats) under a deliberately simple model:

- each character costs a weight by its *class*: common hanzi (the 3,500 of level 1 of the
  通用规范汉字表, ``cleaner/data/tgh.txt``) are cheap, levels 2 and 3 dearer, other Han characters
  dearer still; Chinese punctuation and ASCII are cheap; Latin-1 letters (``é``) cost less than
  other accented Latin letters (``ś``), so Western text reads as cp1252 rather than cp1250;
  Cyrillic, Greek, kana and Hangul are plausible on their own; control characters, unassigned and
  private-use code points are nearly impossible;
- each pair of neighbours adds a small bonus or penalty by their classes: an accented letter inside
  an ASCII word is normal (``café``), Cyrillic inside an ASCII word (``ѕtrеam``) or Hangul next to
  a hanzi is not — a wrong decoding scatters scripts;
- each pair of hanzi that usually sits inside a word (``cleaner/data/word_bigrams.txt``, from
  jieba's word list) earns a large bonus, any other pair of hanzi a small cost: real Chinese is
  made of words, a wrong decoding of it is a string of unrelated characters, however common each
  one is;
- letters past the 20th of a word cost extra: a byte soup read in cp1251 is letters without spaces;
- a *language* adds costs for what its text rarely holds (``LANGUAGE_PENALTIES``): a reading in a
  Chinese code page that comes out Cyrillic or kana is unlikely, whatever those letters are.

Traditional characters are scored as their simplified forms (OpenCC ``t2s`` of each character on
its own), so a Big5 file is as plausible as a GBK one. The level-1 table is ordered by stroke
count, not frequency, so only the level counts. Scoring is vectorised with numpy over a lookup
table of every code point, built once per process.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent.parent / "data"


class Kind(IntEnum):
    """Character classes of the model (see the module docstring)."""

    OTHER = 0  # assigned, but rare in text: box drawing, arrows, dingbats, Hebrew, …
    BAD = 1  # control characters, unassigned, private use, surrogates, noncharacters
    SPACE = 2
    LOWER = 3  # ASCII letters
    UPPER = 4
    DIGIT = 5
    ASCII_PUNCT = 6
    CJK_PUNCT = 7  # ，。、“”：；？！（）《》
    CJK_PUNCT_RARE = 8  # 〔〕〃々〇．＂ and the other full-width punctuation
    HAN_1 = 9
    HAN_2 = 10
    HAN_3 = 11
    HAN_OTHER = 12
    LATIN_1_LOWER = 13  # the letters of Latin-1 and cp1252: é ü ß œ
    LATIN_1_UPPER = 14  # É Ü Œ
    LATIN_EXT = 15  # other Latin letters: ś ř ő ā
    CYRILLIC = 16  # the Russian alphabet: А–я, Ёё
    GREEK = 17
    KANA = 18
    HALFWIDTH_KANA = 19
    HANGUL = 20  # the 2,350 syllables of KS X 1001 (EUC-KR)
    HANGUL_RARE = 21
    FULLWIDTH = 22  # ＡＢＣ１２３
    SYMBOL = 23  # symbols common in text: ° × ℃ № ① ★ € « » ¿
    LATIN_1_SYMBOL = 24  # the rest of U+00A1–U+00BF: ¤ ¦ ¨ ¯ ´ ¸ ¹ (common in wrong decodings)
    REPLACEMENT = 25  # U+FFFD, a byte that could not be decoded
    CYRILLIC_OTHER = 26  # Ћ ђ ї ў: letters of other Cyrillic alphabets
    QUOTE = 27  # “ ” ‘ ’ « » … — –: typography that Chinese and Western text share


# Log-probability of one character of each class, in nats: roughly what a character of that class
# costs in text of its own language (an ASCII or Cyrillic letter ≈ 3 nats, a common hanzi ≈ 7, a
# Hangul syllable ≈ 6.5), so readings of the same bytes in single- and double-byte encodings compare
# fairly. How likely each language is in the corpus is the encodings' prior, in cleaner.io.decoding.
WEIGHTS: dict[Kind, float] = {
    Kind.OTHER: -13.0,
    Kind.BAD: -25.0,
    Kind.SPACE: -3.0,
    Kind.LOWER: -3.0,
    Kind.UPPER: -4.0,
    Kind.DIGIT: -4.0,
    Kind.ASCII_PUNCT: -5.0,
    Kind.CJK_PUNCT: -4.0,
    Kind.CJK_PUNCT_RARE: -7.0,
    Kind.HAN_1: -7.0,
    Kind.HAN_2: -10.0,
    Kind.HAN_3: -12.0,
    Kind.HAN_OTHER: -15.0,
    Kind.LATIN_1_LOWER: -5.0,
    Kind.LATIN_1_UPPER: -6.5,
    Kind.LATIN_EXT: -7.0,
    Kind.CYRILLIC: -4.0,
    Kind.GREEK: -4.5,
    Kind.KANA: -4.5,
    Kind.HALFWIDTH_KANA: -10.0,
    Kind.HANGUL: -6.5,
    Kind.HANGUL_RARE: -13.0,
    Kind.FULLWIDTH: -8.0,
    Kind.SYMBOL: -8.0,
    Kind.LATIN_1_SYMBOL: -11.0,
    Kind.REPLACEMENT: -20.0,
    Kind.CYRILLIC_OTHER: -7.0,
    Kind.QUOTE: -4.5,
}

# What each language's text rarely holds, as an extra cost per character: the weights above hold
# for text in the language of the characters; a Chinese code page read as Cyrillic or kana, or a
# Korean one read as Hanja, is unlikely whatever the characters.
_NOT_CHINESE = (Kind.LATIN_1_LOWER, Kind.LATIN_1_UPPER, Kind.LATIN_EXT, Kind.CYRILLIC, Kind.CYRILLIC_OTHER)
_NOT_CHINESE += (Kind.GREEK, Kind.KANA, Kind.HALFWIDTH_KANA, Kind.HANGUL, Kind.HANGUL_RARE)
LANGUAGE_PENALTIES: dict[str, dict[Kind, float]] = {
    "any": {Kind.GREEK: -2.0},  # Greek letters in a Chinese corpus are symbols (α, Ω), rarely words
    "chinese": dict.fromkeys(_NOT_CHINESE, -4.0),
    "korean": {**dict.fromkeys((Kind.HAN_1, Kind.HAN_2, Kind.HAN_3, Kind.HAN_OTHER), -3.0), Kind.KANA: -4.0},
    "japanese": dict.fromkeys((Kind.HANGUL, Kind.HANGUL_RARE, Kind.CYRILLIC, Kind.CYRILLIC_OTHER), -4.0),
    "western": dict.fromkeys((Kind.CYRILLIC, Kind.CYRILLIC_OTHER, Kind.GREEK), -4.0),
}

HAN = (Kind.HAN_1, Kind.HAN_2, Kind.HAN_3, Kind.HAN_OTHER)
ASCII_LETTERS = (Kind.LOWER, Kind.UPPER)
LATIN_1 = (Kind.LATIN_1_LOWER, Kind.LATIN_1_UPPER)
LATIN = (*ASCII_LETTERS, *LATIN_1, Kind.LATIN_EXT)
# Characters of East Asian text: a lowercase ASCII letter glued to one is what a wrong reading of
# an accented Latin word looks like (``écrase`` in cp1252 read as GBK: ``閏rase``).
EAST_ASIAN = (*HAN, Kind.CJK_PUNCT, Kind.CJK_PUNCT_RARE, Kind.KANA, Kind.HALFWIDTH_KANA, Kind.HANGUL)
EAST_ASIAN += (Kind.HANGUL_RARE, Kind.FULLWIDTH)
_ALPHABETS = (Kind.CYRILLIC, Kind.CYRILLIC_OTHER, Kind.GREEK)
_KOREAN_JAPANESE = (Kind.HANGUL, Kind.HANGUL_RARE, Kind.HALFWIDTH_KANA)


def _transitions() -> dict[tuple[Kind, Kind], float]:
    """Bonus (or penalty) for a character of the first class followed by one of the second."""
    table: dict[tuple[Kind, Kind], float] = {}

    def both_ways(a: Kind, b: Kind, value: float) -> None:
        table[a, b] = table[b, a] = value

    for letter in ASCII_LETTERS:
        for accented in LATIN_1:
            both_ways(letter, accented, 1.0)  # café, Größe
        both_ways(letter, Kind.LATIN_EXT, 0.5)
        both_ways(letter, Kind.LATIN_1_SYMBOL, -3.0)  # mo¿na: cp1250 read as cp1252
        for kind in (*_ALPHABETS, *_KOREAN_JAPANESE, Kind.KANA):
            both_ways(letter, kind, -3.0)
    for a in LATIN_1:
        for b in LATIN_1:
            table[a, b] = -1.0  # a word of accented letters only: Cyrillic read as cp1252
        both_ways(a, Kind.LATIN_EXT, -1.0)
    table[Kind.LOWER, Kind.LATIN_1_UPPER] = -3.0  # dŸwiêk
    table[Kind.LATIN_1_LOWER, Kind.UPPER] = -2.0
    table[Kind.CYRILLIC, Kind.CYRILLIC] = table[Kind.GREEK, Kind.GREEK] = 0.5
    for kind in _ALPHABETS:
        both_ways(Kind.DIGIT, kind, -2.0)  # 1024Ч1024: cp1252 × read as cp1251
    both_ways(Kind.CYRILLIC, Kind.GREEK, -4.0)
    both_ways(Kind.CYRILLIC_OTHER, Kind.GREEK, -4.0)
    for latin in (*LATIN_1, Kind.LATIN_EXT):
        for kind in (*_ALPHABETS, *EAST_ASIAN):
            both_ways(latin, kind, -4.0)
    for east in EAST_ASIAN:
        table[east, Kind.LOWER] = -4.0
        table[Kind.LOWER, east] = -2.0
        both_ways(east, Kind.UPPER, -0.5)
        for kind in _ALPHABETS:
            both_ways(east, kind, -4.0)
    for han in HAN:
        for kind in _KOREAN_JAPANESE:
            both_ways(han, kind, -4.0)
    both_ways(Kind.HANGUL, Kind.KANA, -4.0)
    return table


TRANSITIONS = _transitions()
# Two neighbouring hanzi: a bonus if they usually sit inside a word, a small cost if not (a mixture
# of a word-pair model and the unigram weights: log(1 - 0.5) for a pair the word model cannot
# explain). Real Chinese has an in-word pair in most runs of three hanzi; a wrong decoding rarely.
WORD_PAIR_BONUS = 4.0
OTHER_PAIR_COST = -0.7
# Words of alphabetic scripts are short: each letter past the LONG_WORD-th of a run of letters
# costs this (a byte soup read in cp1251 or cp1252 is letters without spaces).
LONG_WORD = 20
LONG_WORD_COST = -3.0
ALPHABETIC = (*LATIN, Kind.CYRILLIC, Kind.CYRILLIC_OTHER, Kind.GREEK, Kind.HANGUL, Kind.HANGUL_RARE)

CJK_PUNCTUATION = "，。、；：？！（）《》·"
SHARED_PUNCTUATION = "“”‘’«»…—–"
RARE_CJK_PUNCTUATION = "〈〉【】「」『』～•．〔〕〃々〇﹏﹑"
COMMON_SYMBOLS = "°±×÷€£¥§‰℃℉№™©®←→↑↓★☆●○■□▲△◆◇※√∞≤≥≠≈‖│─¡¿µ"
# Traditional characters are mapped to simplified below this code point (the BMP and plane 2's
# CJK extensions); above it no character has a simplified form.
_MAPPED = 0x30000
HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x323AF))
# Unicode categories of no text: unassigned, private use, surrogates, controls.
_NOT_TEXT = {"Cn", "Co", "Cs", "Cc"}


@dataclass(frozen=True)
class Plausibility:
    """A text's score (log-probability, nats) and length, and the same for its non-ASCII part.

    The non-ASCII part is where readings of the same bytes differ: ASCII reads the same in every
    candidate, so a wrong reading of a mostly-ASCII line (``psql曄悢:``) has a fine overall mean
    and a poor ``foreign_mean``.
    """

    score: float
    chars: int
    foreign_score: float = 0.0
    foreign_chars: int = 0

    @property
    def mean(self) -> float:
        return self.score / self.chars if self.chars else 0.0

    @property
    def foreign_mean(self) -> float:
        """The score per non-ASCII character (with the neighbour terms that touch one)."""
        return self.foreign_score / self.foreign_chars if self.foreign_chars else self.mean


def plausibility(text: str, language: str = "any") -> Plausibility:
    """How plausible ``text`` is as text of ``language`` (a key of LANGUAGE_PENALTIES) in a Chinese corpus."""
    if not text:
        return Plausibility(0.0, 0)
    model = _model()
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    codes = np.where(codes < len(model.to_simplified), model.to_simplified[np.minimum(codes, _MAPPED - 1)], codes)
    kinds = model.kinds[codes]
    terms = model.weights[language][kinds]
    foreign = codes >= 0x80
    score = float(terms.sum())
    foreign_score = float(terms[foreign].sum())
    if len(codes) > 1:
        steps = model.transitions[kinds[:-1], kinds[1:]]
        pairs = _hanzi_pairs(model, codes, kinds)
        touching = foreign[:-1] | foreign[1:]
        score += float(steps.sum()) + pairs
        foreign_score += float(steps[touching].sum()) + pairs
        too_long = _past_long_words(model, kinds)
        score += LONG_WORD_COST * int(too_long.sum())
        foreign_score += LONG_WORD_COST * int((too_long & foreign).sum())
    return Plausibility(score, len(codes), foreign_score, int(foreign.sum()))


def _past_long_words(model: _Model, kinds: np.ndarray) -> np.ndarray:
    """Which characters are letters past the LONG_WORD-th of their run of letters."""
    letters = model.is_alphabetic[kinds]
    if len(kinds) <= LONG_WORD or int(letters.sum()) <= LONG_WORD:
        return np.zeros(len(kinds), dtype=bool)
    index = np.arange(len(kinds))
    last_other = np.maximum.accumulate(np.where(letters, -1, index))
    return letters & (index - last_other > LONG_WORD)


def _hanzi_pairs(model: _Model, codes: np.ndarray, kinds: np.ndarray) -> float:
    """The score of the text's neighbouring hanzi pairs: WORD_PAIR_BONUS or OTHER_PAIR_COST each."""
    han = model.is_han[kinds]
    both = han[:-1] & han[1:]
    total = int(both.sum())
    if not total:
        return 0.0
    pairs = (codes[:-1][both].astype(np.int64) << 21) | codes[1:][both]
    found = np.searchsorted(model.word_pairs, pairs)
    found[found == len(model.word_pairs)] = 0
    words = int((model.word_pairs[found] == pairs).sum())
    return WORD_PAIR_BONUS * words + OTHER_PAIR_COST * (total - words)


@dataclass(frozen=True)
class _Model:
    kinds: np.ndarray  # Kind of every code point, uint8[0x110000]
    weights: dict[str, np.ndarray]  # WEIGHTS plus LANGUAGE_PENALTIES by Kind, per language
    transitions: np.ndarray  # TRANSITIONS by (Kind, Kind)
    is_han: np.ndarray  # bool by Kind
    is_alphabetic: np.ndarray  # bool by Kind
    word_pairs: np.ndarray  # sorted int64 codes (first << 21 | second) of in-word hanzi pairs
    to_simplified: np.ndarray  # code point → its simplified form's (itself if none), for code points < _MAPPED


@functools.cache
def _model() -> _Model:
    size = len(Kind)
    weights = {
        language: np.array([WEIGHTS[Kind(i)] + penalties.get(Kind(i), 0.0) for i in range(size)])
        for language, penalties in LANGUAGE_PENALTIES.items()
    }
    transitions = np.zeros((size, size), dtype=np.float64)
    for (a, b), value in TRANSITIONS.items():
        transitions[a, b] = value
    is_han = np.zeros(size, dtype=bool)
    is_han[list(HAN)] = True
    is_alphabetic = np.zeros(size, dtype=bool)
    is_alphabetic[list(ALPHABETIC)] = True
    return _Model(_kinds(), weights, transitions, is_han, is_alphabetic, _word_pair_codes(), _to_simplified())


def _kinds() -> np.ndarray:
    """The class of every code point (about 0.1 s, once per process)."""
    kinds = np.full(0x110000, Kind.BAD, dtype=np.uint8)
    for code in range(0x30000):
        if unicodedata.category(chr(code)) not in _NOT_TEXT:
            kinds[code] = Kind.OTHER
    _set_range(kinds, 0x30000, 0x323AF, Kind.OTHER)
    _set_range(kinds, 0x0370, 0x03FF, Kind.GREEK, only=Kind.OTHER)
    _set_range(kinds, 0x0400, 0x04FF, Kind.CYRILLIC_OTHER, only=Kind.OTHER)
    _set_range(kinds, 0x0410, 0x044F, Kind.CYRILLIC)
    _set_range(kinds, 0x0100, 0x024F, Kind.LATIN_EXT, only=Kind.OTHER)
    _set_range(kinds, 0x1E00, 0x1EFF, Kind.LATIN_EXT, only=Kind.OTHER)
    _set_range(kinds, 0x00A1, 0x00BF, Kind.LATIN_1_SYMBOL)
    _set_range(kinds, 0x00C0, 0x00DE, Kind.LATIN_1_UPPER)
    _set_range(kinds, 0x00DF, 0x00FF, Kind.LATIN_1_LOWER)
    _set_range(kinds, 0x3040, 0x30FF, Kind.KANA, only=Kind.OTHER)
    _set_range(kinds, 0xFF66, 0xFF9F, Kind.HALFWIDTH_KANA)
    _set_range(kinds, 0xAC00, 0xD7A3, Kind.HANGUL_RARE)
    _set_range(kinds, 0xFF01, 0xFF5E, Kind.CJK_PUNCT_RARE)
    _set_range(kinds, 0x2460, 0x24FF, Kind.SYMBOL)  # ① ⑴ ⒈
    _set_range(kinds, 0x2160, 0x217F, Kind.SYMBOL)  # Ⅰ Ⅱ
    for low, high in HAN_RANGES:
        _set_range(kinds, low, high, Kind.HAN_OTHER, only=Kind.OTHER)
    for text, kind in (
        (" \t\n\r\u3000\u00a0", Kind.SPACE),
        ("\x0b\x0c", Kind.OTHER),
        ("Ёё", Kind.CYRILLIC),
        ("".join(map(chr, range(0x21, 0x7F))), Kind.ASCII_PUNCT),
        ("ABCDEFGHIJKLMNOPQRSTUVWXYZ", Kind.UPPER),
        ("abcdefghijklmnopqrstuvwxyz", Kind.LOWER),
        ("0123456789", Kind.DIGIT),
        ("０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ", Kind.FULLWIDTH),
        ("ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ", Kind.FULLWIDTH),
        ("œšžƒ", Kind.LATIN_1_LOWER),
        ("ŒŠŽŸ", Kind.LATIN_1_UPPER),
        (COMMON_SYMBOLS, Kind.SYMBOL),
        (RARE_CJK_PUNCTUATION, Kind.CJK_PUNCT_RARE),
        (CJK_PUNCTUATION + "！（），：；？", Kind.CJK_PUNCT),
        (SHARED_PUNCTUATION, Kind.QUOTE),
        (_common_hangul(), Kind.HANGUL),
        ("\ufffd", Kind.REPLACEMENT),
    ):
        kinds[[ord(c) for c in text]] = kind
    for level, characters in enumerate(tgh_levels()):
        kinds[[ord(c) for c in characters]] = (Kind.HAN_1, Kind.HAN_2, Kind.HAN_3)[level]
    return kinds


def _set_range(kinds: np.ndarray, low: int, high: int, kind: Kind, only: Kind | None = None) -> None:
    """Class ``kind`` for the code points low..high (only those now of class ``only``, if given)."""
    part = kinds[low : high + 1]
    if only is None:
        part[:] = kind
    else:
        part[part == only] = kind


@functools.cache
def tgh_levels() -> tuple[str, str, str]:
    """The three levels of the 通用规范汉字表: 3,500 common, 3,000 next, 1,605 specialised; each
    in the table's order, by stroke count."""
    characters = [line for line in (DATA / "tgh.txt").read_text(encoding="utf-8").split("\n") if line[:1] not in "#"]
    characters = [line for line in characters if line]
    return "".join(characters[:3500]), "".join(characters[3500:6500]), "".join(characters[6500:])


def _common_hangul() -> str:
    """The 2,350 Hangul syllables of KS X 1001, the ones Korean text mostly uses (EUC-KR rows B0–C8)."""
    return "".join(bytes([lead, trail]).decode("euc-kr") for lead in range(0xB0, 0xC9) for trail in range(0xA1, 0xFF))


def _word_pair_codes() -> np.ndarray:
    codes: list[int] = []
    for line in (DATA / "word_bigrams.txt").read_text(encoding="utf-8").split("\n"):
        if not line or line.startswith("#"):
            continue
        first, _, seconds = line.partition("\t")
        codes.extend(ord(first) << 21 | ord(second) for second in seconds)
    return np.array(sorted(codes), dtype=np.int64)


def _to_simplified() -> np.ndarray:
    """Every code point below _MAPPED → itself, or its simplified form if a traditional character outside the table."""
    import opencc

    suspects = [
        line for line in (DATA / "t2s_suspects.txt").read_text(encoding="utf-8").split("\n") if line[:1] not in "#"
    ]
    suspects = [line for line in suspects if len(line) == 1]
    converted = opencc.OpenCC("t2s").convert("\n".join(suspects)).split("\n")
    table = np.arange(_MAPPED, dtype=np.uint32)
    for traditional, simplified in zip(suspects, converted, strict=True):
        if len(simplified) == 1 and ord(traditional) < _MAPPED:
            table[ord(traditional)] = ord(simplified)
    return table
