"""The ``unicode`` stage: one encoding of every character, nothing invisible.

Fixes, in the order they run (each is a named function below and the ``rule`` of its edits):

1. mojibake (``mojibake_gbk``, ``mojibake_single_byte``): UTF-8 text that was decoded with the
   wrong codec is decoded again — but only where that is detectable reliably. Only lines with a
   character such mojibake is made of are looked at; on each, the two repairs take turns until
   neither changes anything (text misdecoded twice, through GBK and then cp1252, comes back
   whole), before any other fix can destroy the evidence.

   - *UTF-8 read as GBK/GB18030* (``娓屽彛鍖轰汉姘戞斂搴`` for ``渌口区人民政府``): starting at a
     character typical of such mojibake (a GBK character whose first byte is a UTF-8 lead byte
     ``E2``–``E9``/``EF`` and whose second byte a continuation byte), the run of non-ASCII
     characters is encoded back to GB18030 (which also maps back the private-use characters a
     GB18030 decoding gives unassigned byte pairs) and decoded as UTF-8, strictly, as far as it
     stays valid. The repair is accepted only when it is clearly better: at least two Han
     characters come out, every character is assigned and not a control, at least 80% of the Han
     characters are in GB2312, and at least 20% of the replaced characters are typical ones. A
     ``�`` the wrong decoding left for a lost byte stays one ``�`` (the character is lost), and
     decoding goes on after it, since the bytes that follow are still aligned.
   - *UTF-8 read through a single-byte codec* (``ä¸­æ–‡`` for ``中文``, ``Ã©`` for ``é``, also
     MacRoman, cp1250/1251/1253/1254/1257, ISO-8859-2, CP437, in any number of layers): ftfy's
     ``fix_encoding`` with only its encoding repairs (never HTML entities, quotes, widths,
     ligatures or normalisation), whose ``badness`` heuristic leaves correct text alone
     (``Brontë…”``); its result is taken span by span. C1 controls that stand for cp1252
     punctuation (``\x85``) become it. A byte cp1252 leaves undefined (``81 8D 8F 90 9D``, ``�``
     after ``errors="replace"``) is put back when exactly one of the five gives a common character
     (``渌å�£区`` → ``渌口区``), else the character is one ``�``.

   Correct Chinese text essentially never re-encodes to valid UTF-8, and when it does the result
   fails the "clearly better" test; the sample corpus passes through unchanged.
2. characters (one pass):

   - ``zero_width``: U+200B–U+200D, U+2060 and U+FEFF go (a ZWJ between two emoji stays: it is
     part of an emoji sequence);
   - ``soft_hyphen``: U+00AD goes;
   - ``ansi_escape``: a terminal escape sequence (``ESC[32m``, a colour) goes whole;
   - ``control``: C0/C1 control characters go, except tab, line feed and carriage return (line
     endings are the ``whitespace`` stage's business); a C1 control the mojibake repair decoded
     as cp1252 punctuation is not one any more;
   - ``lone_surrogate``: an unpaired surrogate becomes U+FFFD, so the text can be written as UTF-8;
   - ``space``: U+00A0, U+3000, U+1680, U+2000–U+200A, U+202F and U+205F become an ordinary space
     (an ideographic space at the start of a line is indentation: it becomes a space and the
     ``spacing`` stage removes it); ``trailing_space``: such spaces at the end of a line go, so the
     text stays in canonical form;
   - ``fullwidth_alnum``: full-width ASCII letters and digits (``ＡＢＣ１２３``) become half-width.
     Full-width punctuation is NOT touched (NFKC would turn ``，（）`` into ASCII);
     ``fullwidth_decimal_point``: ``．`` between two digits becomes ``.`` (``１２．５`` → ``12.5``);
     ``fullwidth_time_colon``: ``：`` in a time becomes ``:`` (``１６：３２`` → ``16:32``).
3. ``nfc``: canonical composition (NFC), per grapheme cluster, so each edit is local.

The three passes repeat until nothing changes (a repair can expose another), so the stage is
idempotent; each pass that changes something is its own ``step`` in the audit record.
"""

from __future__ import annotations

import bisect
import difflib
import re
import unicodedata
from collections.abc import Callable

import ftfy
import regex

from cleaner import markdown
from cleaner.config import UnicodeOptions
from cleaner.model import Change, Document, Edit, StageFn, apply_changes, rewrite
from cleaner.script import CJK

STAGE = "unicode"
_MAX_ROUNDS = 4

# --- characters -------------------------------------------------------------------------------

_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_SPACES = "\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
_FULLWIDTH_ALNUM = "\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
_DIGIT = "0-9\uff10-\uff19"

# A terminal's escape sequence (ANSI/ECMA-48 CSI, ``ESC [ 32 m``: a colour; or an OSC title
# ``ESC ] … BEL``): the whole sequence is markup for a terminal, not text. Removing only its ESC
# left ``[32m《感遇》[m`` in the text of a fortune file.
_ANSI_ESCAPE = r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)"

_CHARACTERS = re.compile(
    rf"(?P<trailing_space>[{_SPACES}][ \t{_SPACES}]*(?=\n|\Z))"
    rf"|(?P<space>[{_SPACES}])"
    rf"|(?P<zero_width>[{_ZERO_WIDTH}]+)"
    rf"|(?P<soft_hyphen>\u00ad+)"
    rf"|(?P<ansi_escape>{_ANSI_ESCAPE})"
    rf"|(?P<control>[{_CONTROL}]+)"
    rf"|(?P<lone_surrogate>[\ud800-\udfff])"
    rf"|(?P<fullwidth_alnum>[{_FULLWIDTH_ALNUM}]+)"
    rf"|(?P<fullwidth_decimal_point>(?<=[{_DIGIT}])\uff0e(?=[{_DIGIT}]))"
    rf"|(?P<fullwidth_time_colon>(?<=[{_DIGIT}])(?<![{_DIGIT}]{{3}})\uff1a(?=[{_DIGIT}]{{2}}(?![{_DIGIT}])))"
)
# Any character some fix above may change: most texts have none, and one search says so.
_ANY_CHARACTER = re.compile(rf"[{_SPACES}{_ZERO_WIDTH}\u00ad{_CONTROL}\ud800-\udfff{_FULLWIDTH_ALNUM}\uff0e\uff1a]")
_EMOJI = regex.compile(r"\p{Extended_Pictographic}")
_TO_HALFWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


def zero_width(match: re.Match[str]) -> str | None:
    """Zero-width spaces, joiners and BOMs are invisible noise from web pages and PDF extraction.

    They split words for every downstream tool (``渌\u200b口`` is not ``渌口``). A zero-width
    joiner between two emoji is kept: it is what makes 👨‍👩‍👧 one picture.

    >>> _fix_characters("渌\u200b口\ufeff区")
    '渌口区'
    """
    text = match.string
    if match.group() == "\u200d":
        start, end = match.start(), match.end()
        if 0 < start and end < len(text) and _EMOJI.match(text[start - 1]) and _EMOJI.match(text[end]):
            return None
    return ""


def soft_hyphen(match: re.Match[str]) -> str:
    """A soft hyphen marks a possible line break; in running text it is an invisible split."""
    return ""


def ansi_escape(match: re.Match[str]) -> str:
    """A terminal escape sequence (a colour, a cursor move) goes whole, its ``[32m`` with its ESC.

    >>> _fix_characters("\x1b[32m《感遇》\x1b[m")
    '《感遇》'
    """
    return ""


def control(match: re.Match[str]) -> str:
    """Control characters (other than tab and line breaks) carry no text; they break parsers."""
    return ""


def lone_surrogate(match: re.Match[str]) -> str:
    """An unpaired surrogate cannot be written as UTF-8: it becomes the replacement character."""
    return "\ufffd"


def space(match: re.Match[str]) -> str:
    """No-break, ideographic and typographic spaces become an ordinary space.

    Whether a space between two words is wanted is the ``spacing`` stage's decision; it can only
    make it if every space is the same character.

    >>> _fix_characters("孙乾\u3000刘艺锋\u00a0张咪")
    '孙乾 刘艺锋 张咪'
    """
    return " "


def trailing_space(match: re.Match[str]) -> str:
    """Unusual spaces at the end of a line go, like ordinary ones do in the ``whitespace`` stage."""
    return ""


def fullwidth_alnum(match: re.Match[str]) -> str:
    """Full-width Latin letters and digits (``ＡＢＣ１２３``) become ASCII; punctuation stays.

    >>> _fix_characters("ＧＤＰ增长１２％")
    'GDP增长12％'
    """
    return match.group().translate(_TO_HALFWIDTH)


def fullwidth_decimal_point(match: re.Match[str]) -> str:
    """``．`` between digits is a decimal point, not the Chinese full stop ``。``.

    >>> _fix_characters("１２．５亿元")
    '12.5亿元'
    """
    return "."


def fullwidth_time_colon(match: re.Match[str]) -> str:
    """``：`` between the hours and minutes of a time (one or two digits, then exactly two) is the
    time's colon, ASCII like its digits; a ratio (``3：1``) or a list (``第1：2``) stays.

    >>> _fix_characters("１６：３２分出发，比分3：1")
    '16:32分出发，比分3：1'
    """
    return ":"


_CHARACTER_FIXES: dict[str, Callable[[re.Match[str]], str | None]] = {
    "trailing_space": trailing_space,
    "space": space,
    "zero_width": zero_width,
    "soft_hyphen": soft_hyphen,
    "ansi_escape": ansi_escape,
    "control": control,
    "lone_surrogate": lone_surrogate,
    "fullwidth_alnum": fullwidth_alnum,
    "fullwidth_decimal_point": fullwidth_decimal_point,
    "fullwidth_time_colon": fullwidth_time_colon,
}


def character_changes(text: str) -> list[Change]:
    """The changes of the character fixes (zero-width, controls, spaces, full-width) in ``text``."""
    changes: list[Change] = []
    position = 0
    # A character-class search is fast; the alternation is only tried where a candidate stands.
    for candidate in _ANY_CHARACTER.finditer(text):
        if candidate.start() < position:
            continue
        match = _CHARACTERS.match(text, candidate.start())
        if match is None:
            continue
        position = match.end()
        rule = match.lastgroup
        assert rule is not None
        after = _CHARACTER_FIXES[rule](match)
        if after is None or after == match.group():
            continue
        start = match.start()
        if rule == "trailing_space":
            # Ordinary spaces before it go too: no line ends in a space.
            while start > 0 and text[start - 1] in " \t" and (not changes or changes[-1].end < start):
                start -= 1
        changes.append(Change(start, match.end(), after, rule))
    return changes


def _fix_characters(text: str) -> str:
    from cleaner.model import apply_changes

    return apply_changes(text, character_changes(text))


# --- NFC --------------------------------------------------------------------------------------

_CLUSTER = regex.compile(r"\X", regex.DOTALL)


def nfc_changes(text: str) -> list[Change]:
    """Canonical composition (NFC), as local edits: one per grapheme cluster that changes.

    Decomposed accents (``e`` + U+0301) and compatibility ideographs (U+F900…) have one canonical
    form; without it the same word has several spellings.

    >>> [c.after for c in nfc_changes("cafe\u0301")]
    ['é']
    """
    if unicodedata.is_normalized("NFC", text):
        return []
    changes: list[Change] = []
    for match in _CLUSTER.finditer(text):
        cluster = match.group()
        composed = unicodedata.normalize("NFC", cluster)
        if composed != cluster:
            changes.append(Change(match.start(), match.end(), composed, "nfc"))
    from cleaner.model import apply_changes

    expected = unicodedata.normalize("NFC", text)
    if apply_changes(text, changes) != expected:
        # Composition across a cluster boundary (very rare): one edit over the differing span.
        prefix = 0
        while prefix < min(len(text), len(expected)) and text[prefix] == expected[prefix]:
            prefix += 1
        suffix = 0
        while (
            suffix < min(len(text), len(expected)) - prefix
            and text[len(text) - 1 - suffix] == expected[len(expected) - 1 - suffix]
        ):
            suffix += 1
        changes = [Change(prefix, len(text) - suffix, expected[prefix : len(expected) - suffix], "nfc")]
    return changes


# --- mojibake ---------------------------------------------------------------------------------


def _gbk_typical_chars() -> str:
    """GBK characters whose bytes look like a UTF-8 lead byte followed by a continuation byte."""
    chars = []
    for lead in [*range(0xE2, 0xEA), 0xEF]:
        for trail in range(0x80, 0xC0):
            try:
                chars.append(bytes((lead, trail)).decode("gbk"))
            except UnicodeDecodeError:
                pass
    return "".join(chars)


_GBK_TYPICAL = _gbk_typical_chars()
_GBK_TYPICAL_SET = frozenset(_GBK_TYPICAL)
_TYPICAL_RE = re.compile(f"[{re.escape(_GBK_TYPICAL)}]")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
_HAN = re.compile(f"[{CJK}]")

# A character a wrong decoding left for a byte it could not map (``errors="replace"``).
_LOST = "\ufffd"


def _gb2312_chars(rows: range) -> frozenset[str]:
    chars = set()
    for row in rows:
        for cell in range(0xA1, 0xFF):
            try:
                chars.add(bytes((row, cell)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return frozenset(chars)


_GB2312 = _gb2312_chars(range(0xA1, 0xF8))
# GB2312 symbols (rows 1–9) and level-1 Han characters (the 3,755 most frequent, rows 16–55).
_COMMON = _gb2312_chars(range(0xA1, 0xAA)) | _gb2312_chars(range(0xB0, 0xD8))


_GB2312_HAN = re.compile("[" + "".join(sorted(ch for ch in _GB2312 if _HAN.match(ch))) + "]")
_UNASSIGNED_OR_CONTROL = regex.compile(r"(?![\t\n])[\p{Cc}\p{Cn}]")
_IMPLAUSIBLE = regex.compile(r"(?![\t\n])[\p{Cc}\p{Cn}\p{Co}\p{Cs}]")


def _plausible(text: str) -> bool:
    """No controls (except tab/newline), unassigned, private-use or surrogate characters."""
    return _IMPLAUSIBLE.search(text) is None


def _clearly_better(original: str, repaired: str) -> bool:
    """Whether ``repaired`` reads as Chinese and ``original`` as mojibake of it."""
    han = len(_HAN.findall(repaired))
    if han < 2 or not _plausible(repaired):
        return False
    common_after = len(_GB2312_HAN.findall(repaired)) / han
    original_non_ascii = len(original) - original.count("\ufffd")  # runs hold no ASCII
    typical_before = len(_TYPICAL_RE.findall(original)) / max(original_non_ascii, 1)
    return common_after >= 0.8 and typical_before >= 0.2


def _gb_bytes(ch: str) -> bytes | None:
    """``ch`` encoded in GB18030 (which also maps the private-use characters GB18030 decoding
    produces for unassigned byte pairs back to their bytes); None for U+FFFD."""
    if ch == "\ufffd":
        return None
    try:
        return ch.encode("gb18030")
    except UnicodeEncodeError:  # lone surrogates
        return None


def _utf8_lead(ch: str) -> bool:
    data = _gb_bytes(ch)
    return data is not None and 0xC2 <= data[0] <= 0xF4


def _decode_segment(segment: str, after_loss: bool = False) -> tuple[int, str, str | None]:
    """Decode the GB18030 bytes of ``segment`` as UTF-8, as far as they are valid.

    Returns (characters used, their decoded text, ``cut``): the longest prefix (in characters) of
    ``segment`` whose bytes are valid UTF-8, and — when the rest of the bytes is only the start of
    a UTF-8 sequence cut off by the end of the segment — ``cut``, the decoding of every complete
    sequence before it (else None). ``after_loss``: the segment follows a lost byte, so leading
    continuation bytes belong to the lost character and are skipped.
    """
    try:
        usable = len(segment)
        encoded = segment.encode("gb18030")
    except UnicodeEncodeError as error:  # a lone surrogate ends what can be decoded
        usable = error.start
        encoded = segment[:usable].encode("gb18030")
    skip = 0
    if after_loss:
        while skip < min(len(encoded), 3) and 0x80 <= encoded[skip] <= 0xBF:
            skip += 1
    data = encoded[skip:]
    try:
        return usable, data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        valid = error.start
        cut_off = error.reason == "unexpected end of data" and usable == len(segment)
    cut = data[:valid].decode("utf-8") if cut_off else None
    # The largest character boundary inside the valid prefix that is also a UTF-8 boundary (no
    # continuation byte follows it): the bytes before it are valid UTF-8.
    offsets = _offsets(segment[:usable], len(encoded))
    used = bisect.bisect_right(offsets, valid + skip) - 1
    while used > 0:
        end = offsets[used] - skip
        if end >= 0 and (end == valid or not 0x80 <= data[end] <= 0xBF):
            return used, data[:end].decode("utf-8"), cut
        used -= 1
    return 0, "", cut


def _offsets(segment: str, size: int) -> list[int] | range:
    """Byte offset (in GB18030) of each character boundary of ``segment``; ``size``: its length."""
    if size == 2 * len(segment):  # every character two bytes: the usual case
        return range(0, size + 1, 2)
    offsets = [0]
    for ch in segment:
        offsets.append(offsets[-1] + len(ch.encode("gb18030")))
    return offsets


def _repair_run(run: str, base: int, first: int) -> list[Change]:
    """Repairs inside one run of non-ASCII characters; attempts start at typical characters."""
    changes: list[Change] = []
    done = 0
    for match in _TYPICAL_RE.finditer(run, first):
        start = match.start()
        if start < done or not _promising(run, start):
            continue
        stop, decoded = _decode_from(run, start)
        if stop > start + 1 and _clearly_better(run[start:stop], decoded):
            changes.append(Change(base + start, base + stop, decoded, "mojibake_gbk"))
            done = stop
    return changes


def _promising(run: str, start: int) -> bool:
    """A cheap first look: do the next few characters re-decode to at least two characters?"""
    chunk = run[start : start + 4]
    if _LOST in chunk:
        return True
    try:
        chunk.encode("gb18030").decode("utf-8")
    except UnicodeEncodeError:
        return False
    except UnicodeDecodeError as error:
        return error.reason == "unexpected end of data" or error.start >= 6
    return True


def _decode_from(run: str, start: int) -> tuple[int, str]:
    """Decode from ``start`` as far as the bytes stay UTF-8, across ``�`` marking lost bytes.

    A wrong decoding with ``errors="replace"`` turns a byte it could not pair into ``�``; the
    character that byte belonged to is lost (it stays one ``�``), but the bytes after it are
    still aligned, so decoding goes on.
    """
    parts: list[str] = []
    position = start
    after_loss = False
    while position < len(run):
        end = run.find("\ufffd", position)
        segment = run[position:] if end < 0 else run[position:end]
        used, decoded, cut = _decode_segment(segment, after_loss)
        if end < 0 or (used < len(segment) and cut is None):
            parts.append(decoded)
            position += used
            break
        parts.append(decoded if cut is None else cut)
        parts.append("\ufffd")
        position = end + 1
        after_loss = True
    return position, "".join(parts)


def mojibake_gbk(text: str) -> list[Change]:
    """Repair UTF-8 text that was decoded as GBK/GB18030 (common in scraped Chinese corpora).

    >>> broken = "渌口区人民政府，提质发展。".encode("utf-8").decode("gbk", errors="replace")
    >>> broken
    '娓屽彛鍖轰汉姘戞斂搴滐紝鎻愯川鍙戝睍銆�'
    >>> [c.after for c in mojibake_gbk(broken)]
    ['渌口区人民政府，提质发展�']
    """
    changes: list[Change] = []
    run_end = 0
    for typical in _TYPICAL_RE.finditer(text):
        position = typical.start()
        if position < run_end:
            continue
        run_start = position
        while run_start > 0 and text[run_start - 1] > "\x7f":
            run_start -= 1
        run = _NON_ASCII_RUN.match(text, run_start)
        assert run is not None
        run_end = run.end()
        changes.extend(_repair_run(run.group(), run_start, position - run_start))
    return changes


# --- mojibake through a single-byte codec (ftfy) ------------------------------------------------

# Only ftfy's encoding repairs: no HTML unescaping, no quote uncurling, no width or ligature
# changes, no line-break or normalisation changes (the other fixes of this stage make those that
# the project wants, each as its own edit).
_FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_encoding=True,
    restore_byte_a0=True,
    replace_lossy_sequences=True,
    decode_inconsistent_utf8=True,
    fix_c1_controls=True,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=False,
    remove_control_chars=False,
    normalization=None,
)
# Punctuation that correct Chinese text is full of; alone it is no sign of mojibake.
_CHINESE_TEXT_PUNCTUATION = "“”‘’…—–·•"


def _single_byte_chars(byte_values: range | bytes = range(0x80, 0x100)) -> set[str]:
    """The characters ``byte_values`` become in the single-byte codecs ftfy undoes (cp1252,
    Latin-1, cp1250/1251/1253/1254/1257, ISO-8859-2, MacRoman, CP437)."""
    chars: set[str] = set()
    for encoding in ftfy.chardata.CHARMAP_ENCODINGS:
        chars.update(bytes(byte_values).decode(encoding, errors="ignore"))
    return chars


def _single_byte_clue() -> re.Pattern[str]:
    """Where UTF-8 spelled in a single-byte codec may be: two adjacent characters of such spelling,
    one of them not punctuation that correct Chinese text is full of (every multi-byte sequence
    is at least two bytes, and in each codec its lead byte, or in MacRoman a continuation byte, is
    such a character); a lead byte before a space (the byte A0, a no-break space, became one); a
    C1 control. Correct Chinese text has none, and neither has most European text: an accented
    letter stands between ASCII letters."""
    spelling = _single_byte_chars() | {_LOST}
    letters = spelling - set(_CHINESE_TEXT_PUNCTUATION)
    before_space = _single_byte_chars(bytes((0xC2, 0xC3, 0xC5, 0xCE, 0xD0, 0xD9, 0xE2, 0xE3, 0xF0)))

    def char_class(chars: set[str]) -> str:
        return "[" + re.escape("".join(sorted(chars))) + "]"

    return re.compile(
        f"{char_class(letters)}{char_class(spelling)}|{char_class(spelling)}{char_class(letters)}"
        f"|{char_class(before_space)} |[\x80-\x9f]"
    )


_SINGLE_BYTE_CLUE = _single_byte_clue()
_SINGLE_BYTE_CANDIDATE = re.compile(
    "[" + re.escape("".join(sorted(_single_byte_chars() - set(_CHINESE_TEXT_PUNCTUATION)))) + "]"
)
# cp1252 as browsers (and ftfy's sloppy-windows-1252) decode it: bytes 80–FF, the five bytes
# cp1252 leaves undefined (81 8D 8F 90 9D) as the C1 controls of the same number.
_SLOPPY_CP1252 = {ch: byte for byte, ch in enumerate(bytes(range(256)).decode("sloppy-windows-1252")) if byte >= 0x80}
_UNDEFINED_CP1252 = bytes((0x81, 0x8D, 0x8F, 0x90, 0x9D))
_UNDEFINED_CP1252_RE = re.compile(f"[{_UNDEFINED_CP1252.decode('latin-1')}]")
_CP1252_CONT = "".join(ch for ch, byte in _SLOPPY_CP1252.items() if 0x80 <= byte <= 0xBF)
_CP1252_LEAD_3 = "".join(ch for ch, byte in _SLOPPY_CP1252.items() if 0xE0 <= byte <= 0xEF)
_LOSSY_3_BYTE = re.compile(
    f"[{re.escape(_CP1252_LEAD_3)}](?:{_LOST}[{re.escape(_CP1252_CONT)}{_LOST}]|[{re.escape(_CP1252_CONT)}]{_LOST})"
)


def _common(ch: str) -> bool:
    """A GB2312 level-1 Han character (the 3,755 most frequent) or a GB2312 symbol."""
    return ch in _COMMON


def restore_lost_bytes(line: str) -> str:
    """Put back a byte that cp1252 left undefined in a 3-byte UTF-8 sequence spelled in cp1252.

    UTF-8 Chinese decoded as cp1252 with ``errors="replace"`` loses every byte 81, 8D, 8F, 90 or
    9D: each becomes ``�`` (``口``, ``E5 8F A3``, is spelled ``å�£``). When exactly one of the
    five bytes makes the sequence a common character (GB2312 level 1 or a GB2312 symbol), the
    byte goes back in, spelled as sloppy-windows-1252 spells it (the C1 control of that number),
    so the repair decodes the character instead of giving ``�``.

    >>> restore_lost_bytes("æ¸Œå�£åŒº") == "æ¸Œå\\x8f£åŒº"
    True
    """

    def restore(match: re.Match[str]) -> str:
        sequence = match.group()
        found: set[str] = set()
        for candidate in _lost_byte_candidates(sequence):
            try:
                decoded = candidate.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if _common(decoded):
                found.add(candidate.decode("sloppy-windows-1252"))
        return found.pop() if len(found) == 1 else sequence

    return _LOSSY_3_BYTE.sub(restore, line)


# A 3-byte sequence with a Han lead byte (E4–E9), in cp1252 spelling, whose byte A0 became a space
# (or, at the end of a line, vanished), next to a whole such sequence: the evidence it is mojibake.
_CP1252_HAN_LEAD = "".join(ch for ch, byte in _SLOPPY_CP1252.items() if 0xE4 <= byte <= 0xE9)
_WHOLE_3_BYTE = f"[{re.escape(_CP1252_LEAD_3)}][{re.escape(_CP1252_CONT)}]{{2}}"
_SPACED_3_BYTE = f"[{re.escape(_CP1252_HAN_LEAD)}](?: [{re.escape(_CP1252_CONT)}]|[{re.escape(_CP1252_CONT)}](?: |\\Z))"
_SPACED_HAN = re.compile(f"(?<={_WHOLE_3_BYTE}){_SPACED_3_BYTE}|{_SPACED_3_BYTE}(?={_WHOLE_3_BYTE})")


def restore_no_break_space(line: str) -> str:
    """Put back a byte A0 that became a space in a 3-byte UTF-8 sequence spelled in cp1252.

    In cp1252 byte A0 is a no-break space, which later processing often turns into a space (or
    drops at the end of a line): ``学习`` (``E5 AD A6 E4 B9 A0``) spelled ``å\xad¦ä¹\xa0`` becomes
    ``å\xad¦ä¹ ``. ftfy puts such a byte back only before a few lead bytes (E4 and above "point
    mostly to CJK characters", which it does not want near Latin letters); in Chinese text they
    are what is expected. The byte goes back when the sequence stands next to a whole one and
    gives a common character (GB2312 level 1 or a GB2312 symbol).

    >>> restore_no_break_space("å\xad¦ä¹ 中文") == "å\xad¦ä¹\xa0中文"
    True
    """

    def restore(match: re.Match[str]) -> str:
        spelled = match.group()
        if not spelled.endswith(" ") and len(spelled) == 2:
            spelled += " "  # the byte vanished at the end of the line
        candidate = spelled.replace(" ", "\xa0")
        try:
            decoded = bytes(_SLOPPY_CP1252[ch] for ch in candidate).decode("utf-8")
        except UnicodeDecodeError:
            return match.group()
        return candidate if _common(decoded) else match.group()

    return _SPACED_HAN.sub(restore, line)


def _lost_byte_candidates(sequence: str) -> list[bytes]:
    candidates = [b""]
    for ch in sequence:
        options = _UNDEFINED_CP1252 if ch == _LOST else bytes((_SLOPPY_CP1252[ch],))
        candidates = [prefix + bytes((option,)) for prefix in candidates for option in options]
    return candidates


def undo_single_byte(line: str) -> tuple[str, str]:
    """``line`` with UTF-8 that was decoded through a single-byte codec decoded again, by ftfy's
    ``fix_encoding`` (all layers), and the plan it followed (``encode sloppy-windows-1252, decode
    utf-8``); ``line`` itself when ftfy judges it not to be mojibake.

    >>> undo_single_byte("cafÃ© ä¸­æ–‡")
    ('café 中文', 'encode sloppy-windows-1252, decode utf-8')
    >>> undo_single_byte("I'm not such a fan of Charlotte Brontë…”")[0]
    "I'm not such a fan of Charlotte Brontë…”"
    """
    prepared = restore_no_break_space(restore_lost_bytes(line))
    if prepared != line:
        fixed, plan = _fix_encoding(prepared)
        # The guesses hold for Chinese text; a guessed byte that is not decoded, or a result that
        # is itself GBK mojibake (whose characters are not the common ones), rejects them.
        if fixed != prepared and not _UNDEFINED_CP1252_RE.search(fixed) and not mojibake_gbk(fixed):
            return fixed, plan
    return _fix_encoding(line)


def _fix_encoding(text: str) -> tuple[str, str]:
    result = ftfy.fix_encoding_and_explain(text, _FTFY_CONFIG)
    fixed = undo_cp1252_chinese(result.text)
    plan = ", ".join(f"{action} {codec}" for action, codec in result.explanation or [])
    if fixed != result.text:
        plan = f"{plan}; undo_cp1252_chinese" if plan else "undo_cp1252_chinese"
    return fixed, plan


_CP1252_HAN_RUN = re.compile(f"(?:[{re.escape(_CP1252_HAN_LEAD)}][{re.escape(_CP1252_CONT)}]{{2}}){{2,}}")


def undo_cp1252_chinese(text: str) -> str:
    """Decode runs of two or more common Chinese characters spelled in cp1252, which ftfy leaves
    when the text is too short to judge (``æ›´æ–°`` alone is ``更新``): every character of the run
    must be a common one (GB2312 level 1 or a GB2312 symbol).

    >>> undo_cp1252_chinese("æ›´æ–°")
    '更新'
    """

    def decode(match: re.Match[str]) -> str:
        try:
            decoded = bytes(_SLOPPY_CP1252[ch] for ch in match.group()).decode("utf-8")
        except UnicodeDecodeError:
            return match.group()
        return decoded if all(_common(ch) for ch in decoded) else match.group()

    return _CP1252_HAN_RUN.sub(decode, text)


def mojibake_single_byte(text: str) -> list[Change]:
    """Repair UTF-8 text that was decoded through a single-byte codec: cp1252 or Latin-1
    (``ä¸­æ–‡`` → ``中文``, ``cafÃ©`` → ``café``), and the others ftfy knows (MacRoman,
    cp1250/1251/1253/1254/1257, ISO-8859-2, CP437), in as many layers as there are; C1 controls
    that stand for cp1252 punctuation (``\\x85`` → ``…``) become it.

    Only lines with a character such mojibake is made of are looked at (correct Chinese text has
    none), line by line as ftfy's ``fix_text`` does; ftfy's own judgement (its ``badness``
    heuristic) leaves correct text alone (``Brontë…”``, ``Ã’s``). Each span ftfy changed is its
    own change, with ftfy's plan in ``detail``.

    >>> [c.after for c in mojibake_single_byte("ä¸­æ–‡ and cafÃ©")]
    ['中文', 'é']
    >>> [c.after for c in mojibake_single_byte("渌å�£区")]
    ['口']
    """
    changes: list[Change] = []
    for start, line in _lines_with(text, _SINGLE_BYTE_CLUE, _SINGLE_BYTE_CANDIDATE):
        # ftfy judges a line as a whole, and a mark at its start (``# ``, ``- ``, ``1. ``) sways
        # the judgement; later stages remove such marks, so the judgement is made without them and
        # cleaning the output again judges the same.
        skip = _LEADING_MARKS.match(line).end()  # type: ignore[union-attr]
        core = line[skip:]
        start += skip
        fixed, plan = undo_single_byte(core)
        if fixed != core:
            changes += [
                Change(start + c.start, start + c.end, c.after, c.rule, c.detail)
                for c in _changes_between(core, fixed, 0, "mojibake_single_byte", {"plan": plan})
                if not _lookalike(core, c) and not _foreign_script(core, c)
            ]
    return changes


# Markup and list or heading marks at the start of a line, with the spaces after them.
_LEADING_MARKS = re.compile(r"[\s#>*+\-=_`~|.)(\[\]0-9]*")
# The scripts mojibake repairs give: what this corpus and ftfy's cases hold. A decoding to any
# other (Tibetan, Tamil, Canadian syllabics, …) is correct text that spells UTF-8 by chance.
_EXPECTED_SCRIPTS = regex.compile(
    r"[\p{Latin}\p{Greek}\p{Cyrillic}\p{Hebrew}\p{Arabic}\p{Thai}\p{Han}\p{Hiragana}\p{Katakana}"
    r"\p{Hangul}\p{Bopomofo}\p{Braille}\p{Common}\p{Inherited}]*"
)


def _foreign_script(line: str, change: Change) -> bool:
    """Whether ``change`` gives one lone character of a script mojibake repairs do not give
    (``à½’`` read as UTF-8 is Tibetan), or an unassigned character or a control. (A private-use
    character is GBK mojibake of an unassigned byte pair, which the GBK repair then decodes.)"""
    after = _decoded(line[change.start : change.end], change.after)
    if _UNASSIGNED_OR_CONTROL.search(after):
        return True
    return len(after) == 1 and _EXPECTED_SCRIPTS.fullmatch(after) is None


def _decoded(before: str, after: str) -> str:
    """``after`` without the characters it shares with ``before`` at either end."""
    head = 0
    while head < min(len(before), len(after)) and before[head] == after[head]:
        head += 1
    tail = 0
    while tail < min(len(before), len(after)) - head and before[-1 - tail] == after[-1 - tail]:
        tail += 1
    return after[head : len(after) - tail]


_LATIN_LETTER = regex.compile(r"\p{Latin}")
_HAN_OR_HANGUL = regex.compile(r"[\p{Han}\p{Hangul}]")


def _lookalike(line: str, change: Change) -> bool:
    """Whether ``change`` decodes correct European text that spells a UTF-8 sequence by chance: a
    lone rare Han or Hangul character (not GB2312 level 1) next to a Latin letter (``café“Ærø``
    reads as ``é“Æ``, ``E9 93 AF`` in cp1257: ``caf铯rø``). Real mojibake of Chinese text is
    mostly common characters (``Impress和Draw`` is one alone between Latin letters)."""
    before = line[change.start : change.end]
    after = _decoded(before, change.after)
    if len(after) != 1 or not _HAN_OR_HANGUL.match(after):
        return False
    # Where the decoded character stands: before the characters ``after`` kept at its ends.
    head = change.after.index(after)
    tail = len(change.after) - head - 1
    left = bool(_LATIN_LETTER.match(line[change.start + head - 1 : change.start + head]))
    right = bool(_LATIN_LETTER.match(line[change.end - tail : change.end - tail + 1]))
    return (left or right) and not _common(after)


def _lines_with(text: str, clue: re.Pattern[str], candidate: re.Pattern[str]) -> list[tuple[int, str]]:
    """``(start, line)`` for each line of ``text`` (without its line break) where ``clue`` matches.

    ``candidate`` is one character class that every match of ``clue`` (at most two characters and
    a space) has a character of: searching for it is fast, and ``clue`` is only tried around it.
    """
    lines: list[tuple[int, str]] = []
    position = 0
    while (match := candidate.search(text, position)) is not None:
        at = match.start()
        if clue.search(text, max(at - 1, position), at + 2) is None:
            position = at + 1
            continue
        start = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        end = len(text) if end < 0 else end
        if end - start <= MAX_PIECE:
            lines.append((start, text[start:end]))
        else:
            lines += [(s, text[s:e]) for s, e in _pieces(text, start, end) if clue.search(text, s, e)]
        position = end + 1
    return lines


# A longer line (a paragraph with no line breaks, or a whole file) is repaired piece by piece, so
# that matching a repair's output against its input stays linear in the line's length.
MAX_PIECE = 4096
_PIECE_END = re.compile(r"[\s\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``text[start:end]`` cut into pieces of at most ``MAX_PIECE`` characters, each ending after a
    Han character, a CJK mark or a space where there is one (none is part of any mojibake)."""
    pieces = []
    while end - start > MAX_PIECE:
        cut = start + MAX_PIECE
        ends = [match.end() for match in _PIECE_END.finditer(text, cut - MAX_PIECE // 4, cut)]
        cut = ends[-1] if ends else cut
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def _changes_between(
    before: str, after: str, base: int, rule: str, detail: dict[str, str] | None = None
) -> list[Change]:
    """The spans where ``before`` and ``after`` differ, as changes (offsets shifted by ``base``).

    Spans less than three characters apart, with no space between them, are one change: a
    repaired word is one edit.
    """
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    spans: list[list[int]] = []  # [i1, i2, j1, j2]
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if (
            spans
            and i1 - spans[-1][1] < 3
            and not before[spans[-1][1] : i1].isspace()
            and " " not in before[spans[-1][1] : i1]
        ):
            spans[-1][1], spans[-1][3] = i2, j2
        else:
            spans.append([i1, i2, j1, j2])
    return [Change(base + i1, base + i2, after[j1:j2], rule, detail) for i1, i2, j1, j2 in spans]


# --- mojibake in layers -----------------------------------------------------------------------

_MAX_LAYERS = 4
_MOJIBAKE_CLUE = re.compile(f"[{re.escape(_GBK_TYPICAL)}]|{_SINGLE_BYTE_CLUE.pattern}")
_MOJIBAKE_CANDIDATE = re.compile(f"[{re.escape(_GBK_TYPICAL)}{_SINGLE_BYTE_CANDIDATE.pattern[1:-1]}]")
_MOJIBAKE_FIXES: tuple[Callable[[str], list[Change]], ...] = (mojibake_gbk, mojibake_single_byte)


def mojibake_changes(text: str) -> list[Change]:
    """Both mojibake repairs, line by line, until neither changes anything more.

    Text can have been misdecoded more than once, through different codecs (UTF-8 read as GBK, the
    result saved as UTF-8 and read as cp1252): each repair undoes its layers, and they take turns
    until the line is stable, before any other fix (which could destroy the evidence: a soft
    hyphen or no-break space is part of the spelling of a UTF-8 sequence). A line repaired by one
    repair in one go keeps that repair's changes; a line that took several is one change per
    differing span, its ``rule`` the repairs in the order they acted (``mojibake_single_byte+
    mojibake_gbk``).
    """
    changes: list[Change] = []
    for start, line in _lines_with(text, _MOJIBAKE_CLUE, _MOJIBAKE_CANDIDATE):
        changes += [Change(start + c.start, start + c.end, c.after, c.rule, c.detail) for c in _repair_line(line)]
    return changes


def _repair_line(line: str) -> list[Change]:
    """The repairs of ``line``, taking turns until each has seen the text and changed nothing.

    A repair's own output is taken to be stable under it (ftfy repeats its steps until nothing
    changes; the GBK repair gives Chinese text), so after it changed the line only the other runs.
    """
    current = line
    rounds: list[list[Change]] = []
    rules: list[str] = []
    stable: set[int] = set()  # the repairs that have seen ``current`` and changed nothing
    turn = 0
    while len(stable) < len(_MOJIBAKE_FIXES) and len(rounds) < _MAX_LAYERS:
        index = turn % len(_MOJIBAKE_FIXES)
        turn += 1
        if index in stable:
            continue
        changes = _MOJIBAKE_FIXES[index](current)
        if changes:
            rounds.append(changes)
            rules += [c.rule for c in changes if c.rule not in rules]
            current = apply_changes(current, changes)
            stable = {index}
        else:
            stable.add(index)
    if len(rounds) <= 1:
        return rounds[0] if rounds else []
    if current == line:
        return []
    plans = [c.detail["plan"] for changes in rounds for c in changes[:1] if c.detail and c.detail.get("plan")]
    return _changes_between(line, current, 0, "+".join(rules), {"plan": "; ".join(plans)} if plans else None)


# --- the stage --------------------------------------------------------------------------------


def make(options: UnicodeOptions) -> StageFn:
    passes: list[Callable[[str], list[Change]]] = []
    if options.fix_mojibake:
        passes.append(mojibake_changes)
    passes += [character_changes, nfc_changes]

    def unicode_stage(doc: Document) -> tuple[Document, list[Edit]]:
        edits: list[Edit] = []
        step = 0
        try:
            for _ in range(_MAX_ROUNDS):
                changed = False
                for find in passes:
                    changes = markdown.guard(doc, find(doc.text))
                    if changes:
                        doc, new = rewrite(doc, STAGE, changes, step)
                        edits += new
                        step += 1
                        changed = True
                if not changed:
                    break
        except Exception:  # pragma: no cover - a fix must never take the pipeline down
            return doc, edits
        return doc, edits

    return unicode_stage
