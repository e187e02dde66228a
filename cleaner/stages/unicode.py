"""The ``unicode`` stage: one encoding of every character, nothing invisible.

Fixes, in the order they run (each is a named function below and the ``rule`` of its edits):

1. mojibake (``mojibake_gbk``, ``mojibake_latin1``): UTF-8 text that was decoded with the wrong
   codec is decoded again — but only where that is detectable reliably:

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
   - *UTF-8 read as Latin-1/cp1252* (``ä¸­æ–‡`` for ``中文``, ``Ã©`` for ``é``), as ftfy does:
     only well-formed UTF-8 byte sequences spelled in cp1252 are decoded, 3-/4-byte sequences
     always, 2-byte ones only when they start with ``Â``/``Ã`` (U+0080–U+00FF spelled twice). A
     byte cp1252 leaves undefined (``81 8D 8F 90 9D``, ``�`` after ``errors="replace"``) is
     restored when exactly one of the five gives a common character, else the character is one
     ``�``.

   Correct Chinese text essentially never re-encodes to valid UTF-8, and when it does the result
   fails the "clearly better" test; the sample corpus passes through unchanged.
2. characters (one pass):

   - ``zero_width``: U+200B–U+200D, U+2060 and U+FEFF go (a ZWJ between two emoji stays: it is
     part of an emoji sequence);
   - ``soft_hyphen``: U+00AD goes;
   - ``control``: C0/C1 control characters go, except tab, line feed and carriage return (line
     endings are the ``whitespace`` stage's business);
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
import re
import unicodedata
from collections.abc import Callable

import regex

from cleaner import markdown
from cleaner.config import UnicodeOptions
from cleaner.model import Change, Document, Edit, rewrite
from cleaner.pipeline import StageFn
from cleaner.script import CJK

STAGE = "unicode"
_MAX_ROUNDS = 4

# --- characters -------------------------------------------------------------------------------

_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_SPACES = "\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
_FULLWIDTH_ALNUM = "\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
_DIGIT = "0-9\uff10-\uff19"

_CHARACTERS = re.compile(
    rf"(?P<trailing_space>[{_SPACES}][ \t{_SPACES}]*(?=\n|\Z))"
    rf"|(?P<space>[{_SPACES}])"
    rf"|(?P<zero_width>[{_ZERO_WIDTH}]+)"
    rf"|(?P<soft_hyphen>\u00ad+)"
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

# cp1252 as browsers decode it: the five undefined bytes map to the C1 controls of Latin-1.
_CP1252_SPECIALS = bytes(range(0x80, 0xA0)).decode("cp1252", errors="replace")
_SLOPPY_CP1252 = {
    **{chr(b): b for b in range(0x80, 0x100)},
    **{ch: 0x80 + i for i, ch in enumerate(_CP1252_SPECIALS) if ch != "\ufffd"},
}
_CONT = "\x80-\xbf" + "".join(ch for ch in _CP1252_SPECIALS if ch != "\ufffd")
# A byte cp1252 leaves undefined (81 8D 8F 90 9D) shows as ``�`` after ``errors="replace"``.
_LOST = "\ufffd"
_CONT_OR_LOST = _CONT + _LOST
_UNDEFINED_CP1252 = bytes(0x80 + i for i, ch in enumerate(_CP1252_SPECIALS) if ch == "\ufffd")
_LATIN1_SEQUENCE = rf"[\xc2\xc3][{_CONT_OR_LOST}]|[\xe0-\xef][{_CONT_OR_LOST}]{{2}}|[\xf0-\xf4][{_CONT_OR_LOST}]{{3}}"
_LATIN1_MOJIBAKE = re.compile(rf"(?:{_LATIN1_SEQUENCE})+")
_ONE_SEQUENCE = re.compile(_LATIN1_SEQUENCE)
_LATIN1_LEAD = re.compile(rf"[\xc2-\xf4][{_CONT}\ufffd]")


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
_IMPLAUSIBLE = regex.compile(r"(?![\t\n])[\p{Cc}\p{Cn}\p{Co}\p{Cs}]")


def _common(ch: str) -> bool:
    """A GB2312 level-1 Han character (the 3,755 most frequent) or a GB2312 symbol."""
    return ch in _COMMON


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


def mojibake_latin1(text: str) -> list[Change]:
    """Repair UTF-8 text that was decoded as Latin-1 or cp1252 (``ä¸­æ–‡`` → ``中文``).

    A byte cp1252 does not define (81, 8D, 8F, 90, 9D) became ``�`` if the wrong decoding used
    ``errors="replace"``; the character it belonged to is restored when exactly one of the five
    possible bytes gives a common character (GB2312 level 1 or a GB2312 symbol), else it becomes
    one ``�``.

    >>> [c.after for c in mojibake_latin1("ä¸­æ–‡ and cafÃ©")]
    ['中文', 'é']
    >>> [c.after for c in mojibake_latin1("渌å�£区")]
    ['口']
    """
    changes: list[Change] = []
    for match in _LATIN1_MOJIBAKE.finditer(text):
        spelled = match.group()
        decoded = "".join(_decode_cp1252_sequence(m.group()) for m in _ONE_SEQUENCE.finditer(spelled))
        if decoded != spelled and _plausible(decoded) and decoded.strip(_LOST):
            changes.append(Change(match.start(), match.end(), decoded, "mojibake_latin1"))
    return changes


def _decode_cp1252_sequence(sequence: str) -> str:
    """One UTF-8 sequence spelled in cp1252 (maybe with ``�`` for undefined bytes), decoded."""
    if _LOST not in sequence:
        try:
            return bytes(_SLOPPY_CP1252[ch] for ch in sequence).decode("utf-8")
        except UnicodeDecodeError:
            return _LOST
    candidates: list[bytes] = [b""]
    for ch in sequence:
        options = _UNDEFINED_CP1252 if ch == _LOST else bytes((_SLOPPY_CP1252[ch],))
        candidates = [prefix + bytes((option,)) for prefix in candidates for option in options]
    common = set()
    for candidate in candidates:
        try:
            decoded = candidate.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if _common(decoded):
            common.add(decoded)
    return common.pop() if len(common) == 1 else _LOST


def mojibake_changes(text: str) -> list[Change]:
    """Both mojibake repairs; GBK wins where they would overlap."""
    gbk = mojibake_gbk(text)
    latin = mojibake_latin1(text) if _LATIN1_LEAD.search(text) else []
    if not latin:
        return gbk
    taken = [(c.start, c.end) for c in gbk]
    merged = gbk + [c for c in latin if not any(s < c.end and c.start < e for s, e in taken)]
    return sorted(merged, key=lambda c: c.start)


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
