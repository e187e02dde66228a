"""Decoding bytes of unknown encoding into text: by BOM, or by the most plausible reading.

Order of evidence:

1. an encoding the caller names (``--encoding``), which is used whatever the bytes look like;
2. a byte-order mark (UTF-32 before UTF-16, whose BOM is a prefix of UTF-32-LE's; then UTF-8);
3. otherwise every candidate encoding reads a sample of the bytes, and each reading is scored by
   how plausible it is as Chinese-corpus text (:mod:`cleaner.io.plausibility`) plus a prior for
   the encoding: UTF-8 first (valid UTF-8 is rarely anything else), then the GB18030 family (a
   superset of GBK and GB2312), then Big5, UTF-16 without a BOM, cp1252 and the others.

Short byte strings are often valid in several encodings: ``株洲日报`` in GBK reads as cp949
``珑碌휑괩`` too. The best reading is taken only when it beats every reading that gives a different
text by a clear margin and is itself plausible; otherwise the file is refused as *encoding
uncertain*, naming the candidates, rather than passed on as garbage with exit 0.

A few undecodable bytes (a file cut mid-character, a corrupt byte) are replaced by U+FFFD when at
most 1% of the characters need it, and the label says so (``utf-8, 3 undecodable bytes replaced
by U+FFFD``).
"""

from __future__ import annotations

import codecs
import fnmatch
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from cleaner.errors import ConfigError, InputError
from cleaner.io.plausibility import Plausibility, plausibility

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_BOM_OF = {"utf-8": codecs.BOM_UTF8, **{codec: bom for bom, codec in _BOMS if codec != "utf-8-sig"}}

# Candidate encodings and their prior (log-odds, nats, added to a reading's plausibility): how
# much likelier this encoding is, before looking, for a file of a Chinese corpus. Order breaks ties.
# Each is scored as text of one language (cleaner.io.plausibility.LANGUAGE_PENALTIES). UTF-8's
# prior grows with the evidence: each multi-byte sequence that is valid by accident is less likely.
_UNICODE_CANDIDATES: tuple[tuple[str, float, str], ...] = (
    ("utf-8", 0.0, "any"),
    ("utf-16-le", -2.0, "any"),
    ("utf-16-be", -2.5, "any"),
)
_LEGACY_CANDIDATES: tuple[tuple[str, float, str], ...] = (
    ("gb18030", 0.0, "chinese"),
    ("big5hkscs", -1.5, "chinese"),
    ("cp1252", -2.0, "western"),
    ("cp932", -4.0, "japanese"),
    ("cp949", -5.0, "korean"),
    ("cp1250", -4.0, "western"),
    ("cp1251", -4.0, "any"),
)
_UTF8_PRIOR_PER_SEQUENCE = 1.0
_UTF8_PRIOR_MAX = 4.0
# A reading in a code page made for one alphabet is a candidate only if most of its non-ASCII
# letters are of that alphabet: Korean text in cp949 is nearly all Hangul, Chinese bytes read in
# it give Hanja with stray syllables; Russian text in cp1251 is nearly all Russian letters, a byte
# soup read in it gives Serbian letters and symbols too.
_OWN_SCRIPT: dict[str, tuple[re.Pattern[str], float]] = {
    "cp949": (re.compile("[\uac00-\ud7a3]"), 0.6),
    "cp1251": (re.compile("[\u0410-\u044f\u0401\u0451]"), 0.8),
}
# The best reading must beat every reading that gives another text by this much (nats: e^5 ≈ 150
# times likelier), or the file is refused as uncertain.
MARGIN = 5.0
# … and be plausible in itself: at least this score per non-ASCII character (real text: about -4
# to -8; wrong decodings and binary data: below -10).
FLOOR = -9.5
# Bytes scored per candidate; a bigger file is scored on a sample, then decoded whole.
SAMPLE_BYTES = 8192
# Valid UTF-8 with at least this many multi-byte sequences is taken as UTF-8 without scoring.
CLEAR_UTF8_SEQUENCES = 8
# Characters at the start of a decoded file looked at for the control characters of a binary.
BINARY_CHECK_CHARS = 65536
# At most this share of characters may be replacements (U+FFFD) for a damaged file to be read.
MAX_REPLACED = 0.01
UNCERTAIN = "encoding uncertain"

_NON_ASCII = re.compile(b"[\x80-\xff]")
# Control characters other than tab, LF, VT, FF, CR and ESC are rare in text and common in binaries.
_BINARY_CONTROLS = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f]")


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def decode(data: bytes, name: str, encoding: str | None = None) -> Decoded:
    """Decode ``data`` (the content of ``name``) or raise :class:`InputError` saying why not.

    ``encoding`` (a Python codec name) forces that encoding; otherwise it is found by sniffing.
    """
    if not data:
        return Decoded("", "utf-8")  # an empty file is an empty document, written back empty
    known = _given_or_marked(data[:4], encoding)
    if known is not None:
        codec, label, bom = known
        return _whole(data[bom:], codec, name, label, given=bool(encoding))
    return _sniffed(data, name)


def reads_back(text: str) -> bool:
    """Whether ``text`` written in UTF-8 without a BOM is read again as ``text`` by :func:`decode`.

    Nearly every text is; a few bytes of rare or unassigned characters may read as well, or
    better, in another encoding (``\\U00071f21`` as GB18030 ``癖肌``, ``¡A`` as ``隆A`` too): the
    writer marks such an output as UTF-8 (see :func:`self_describing`), so cleaning it again reads
    what was written.
    """
    try:
        return decode(text.encode("utf-8"), "output").text == text
    except (InputError, UnicodeError):
        return False


def reads_back_file(handle: BinaryIO) -> bool:
    """:func:`reads_back` for valid UTF-8 written to ``handle`` (readable and seekable), read in
    chunks: for an output too big to hold, written piece by piece. Such bytes read back as
    themselves unless they start with a BOM, are sniffed as another encoding (which reads valid
    UTF-8 that ends in a line break, as a JSON Lines output does, as another text) or refused, or
    look binary."""
    size = handle.seek(0, 2)
    if not size:
        return True
    handle.seek(0)
    head = handle.read(SAMPLE_BYTES)
    if _given_or_marked(head[:4], None) is not None:
        return False
    whole = size <= SAMPLE_BYTES
    sample = head if whole else sample_of_file(handle, head)
    handle.seek(size - 1)
    ends_in_newline = handle.read(1) == b"\n"
    try:
        if sniff_codec(sample, whole, ends_in_newline, "output") != "utf-8":
            return False
        handle.seek(0)
        start = codecs.getincrementaldecoder("utf-8")().decode(handle.read(4 * BINARY_CHECK_CHARS))
        check_not_binary(start, "output")
    except (InputError, UnicodeError):
        return False
    return True


def sample_of_file(handle: BinaryIO, head: bytes, chunk_bytes: int = 1 << 23) -> bytes:
    """:func:`sample_of` a file, read from ``handle`` just past its first bytes ``head``: the
    head, and if it is all ASCII, SAMPLE_BYTES from the start of the line holding the first byte
    that is not."""
    if not head.isascii() or b"\x00" in head:
        return head
    position, last_newline = len(head), -1
    while chunk := handle.read(chunk_bytes):
        found = _NON_ASCII.search(chunk)
        if found is not None:
            newline = chunk.rfind(b"\n", 0, found.start())
            if newline >= 0:
                start = position + newline + 1
            else:
                start = last_newline + 1 if last_newline >= 0 else position + found.start()
            handle.seek(start)
            return head + handle.read(SAMPLE_BYTES)
        newline = chunk.rfind(b"\n")
        if newline >= 0:
            last_newline = position + newline
        position += len(chunk)
    return head


def self_describing(text: str) -> str:
    """``text`` as an output file holds it: with a leading BOM (U+FEFF) when UTF-8 alone would be
    read again as another encoding or refused (:func:`reads_back`), else unchanged."""
    return text if reads_back(text) else "\ufeff" + text


def file_codec(
    head: bytes, sample: bytes, whole: bool, ends_in_newline: bool, name: str, encoding: str | None = None
) -> tuple[str, str, int]:
    """What :func:`decode` decodes a file with, from its first bytes, its :func:`sample_of` and
    whether it ends in a line break: ``(codec, label, length of the BOM dropped)``. For a file too
    big to hold at once; :class:`InputError` if its encoding is uncertain."""
    known = _given_or_marked(head, encoding)
    if known is not None:
        return known
    codec = sniff_codec(sample, whole, ends_in_newline, name)
    return codec, codec, 0


def _given_or_marked(head: bytes, encoding: str | None) -> tuple[str, str, int] | None:
    """The encoding given (a BOM of that same encoding is dropped, not kept as U+FEFF), else the
    one a BOM names: ``(codec, label, BOM length)``; ``None``: it must be sniffed."""
    if encoding:
        codec = codec_name(encoding)
        bom = _BOM_OF.get(codec)
        return codec, codec, len(bom) if bom and head.startswith(bom) else 0
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return "utf-8" if codec == "utf-8-sig" else codec, codec, len(bom)
    return None


# --- forced encodings --------------------------------------------------------------------------


def codec_name(encoding: str) -> str:
    """The canonical name of a Python codec (``GBK`` → ``gbk``); :class:`ConfigError` if unknown."""
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise ConfigError(
            f"unknown encoding {encoding!r} (use a Python codec name, e.g. gb18030, big5, utf-16-le, cp1252)"
        ) from None
    try:
        "".encode(info.name)
    except (LookupError, TypeError):
        raise ConfigError(f"{encoding!r} is not a text encoding") from None
    return info.name.replace("_", "-")


@dataclass(frozen=True)
class EncodingChoice:
    """Encodings given by the user: ``NAME`` for every file, ``GLOB=NAME`` for matching files.

    The first ``GLOB=NAME`` whose glob matches a file's relative path (or its name) wins; a bare
    ``NAME`` applies to the files no glob matches; with neither, the encoding is sniffed.
    """

    default: str | None = None
    by_glob: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, entries: Sequence[str], option: str = "--encoding") -> EncodingChoice:
        """From ``--encoding`` values; :class:`ConfigError` (exit 2) for a bad name or entry, its
        message starting with ``option`` (where the values were given)."""
        default: str | None = None
        by_glob: list[tuple[str, str]] = []
        for entry in entries:
            glob, sep, encoding = entry.rpartition("=")
            if sep and not glob:
                raise ConfigError(f"{option} {entry!r}: GLOB=NAME needs a glob before '='")
            try:
                codec = codec_name(encoding)
            except ConfigError as exc:
                raise ConfigError(f"{option} {entry!r}: {exc}") from None
            if sep:
                by_glob.append((glob, codec))
            elif default is not None and default != codec:
                raise ConfigError(f"{option}: two encodings for every file ({default}, {codec})")
            else:
                default = codec
        return cls(default, tuple(by_glob))

    def for_file(self, rel: str) -> str | None:
        base = rel.rsplit("/", 1)[-1]
        for glob, codec in self.by_glob:
            if fnmatch.fnmatchcase(rel, glob) or fnmatch.fnmatchcase(base, glob):
                return codec
        return self.default


# --- sniffing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """One candidate encoding's reading of the sample, and how plausible it is."""

    codec: str
    text: str
    plausibility: Plausibility
    prior: float

    @property
    def score(self) -> float:
        return self.plausibility.score + self.prior


def _sniffed(data: bytes, name: str) -> Decoded:
    sample = data if len(data) <= SAMPLE_BYTES else sample_of(data)
    codec = sniff_codec(sample, sample is data, data.endswith(b"\n"), name)
    return _whole(data, codec, name, codec)


def sniff_codec(sample: bytes, whole: bool, ends_in_newline: bool, name: str) -> str:
    """The encoding of a file from its :func:`sample_of` (``whole``: the sample is the file), and
    whether the file ends in a line break; :class:`InputError` if it is uncertain. A file too big
    to hold is sniffed from its sample alone, as :func:`decode` sniffs it."""
    if _clearly_utf8(sample, whole) or (ends_in_newline and _plain_ascii(sample)):
        return "utf-8"
    lines = sample if whole else sample[: sample.rfind(b"\n") + 1]
    if _utf8_with_legacy_lines(lines) is not None:
        return "utf-8"
    readings = sorted(_readings(sample, whole), key=lambda r: -r.score)
    try:
        return _confident(readings, sample, name).codec
    except InputError:
        if _legacy_with_utf8_lines(lines) is not None:
            return LEGACY_LINES_CODEC
        raise


def _clearly_utf8(sample: bytes, whole: bool) -> bool:
    """Valid UTF-8 with many multi-byte sequences and no NUL: no other reading can compete.

    Each multi-byte sequence of a GBK, Big5 or UTF-16 text is valid UTF-8 by accident with a
    probability below 1/10, so CLEAR_UTF8_SEQUENCES of them are below one in 10^8; most files
    take this fast path, and only short or odd ones are scored.
    """
    if b"\x00" in sample or sample.isascii():
        return False
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(sample, final=whole)
    except UnicodeDecodeError:
        return False
    return _multibyte(text) >= CLEAR_UTF8_SEQUENCES


def _plain_ascii(sample: bytes) -> bool:
    """NUL-free ASCII bytes (of a file that ends in a line break): ASCII text, never UTF-16.

    UTF-16 writes every ASCII character (a digit, a space, a line break) with a NUL byte, so a
    UTF-16 reading of NUL-free ASCII bytes is a text of CJK characters alone whose every byte falls
    in the ASCII range. Such a text can end in the byte of a line break only by a last character
    U+xx0A (in UTF-16-BE; in LE it would be U+0Axx, an Indic letter), one in 256, while an ASCII
    file, `clean`'s own output for `0` included (`0\n`, which reads as UTF-16-BE `《`), nearly
    always ends in one. Bytes without a final line break are still weighed: `ab` is as likely `扡`.
    (A sample of ASCII bytes is the whole file: :func:`sample_of` adds the first line that is not.)
    """
    return sample.isascii() and b"\x00" not in sample


def _multibyte(text: str) -> int:
    """How many characters of ``text`` are not ASCII: in UTF-8, its multi-byte sequences."""
    return len(text) - sum(map(str.isascii, text))


def sample_of(data: bytes) -> bytes:
    """The first SAMPLE_BYTES, plus, if they are all ASCII, the bytes from the first line that is not."""
    head = data[:SAMPLE_BYTES]
    if not head.isascii() or b"\x00" in head:  # NULs: perhaps UTF-16, whose alignment a window could break
        return head
    found = _NON_ASCII.search(data, SAMPLE_BYTES)
    if found is None:
        return head
    start = data.rfind(b"\n", SAMPLE_BYTES, found.start()) + 1 or found.start()
    return head + data[start : start + SAMPLE_BYTES]


def _readings(sample: bytes, whole: bool) -> list[Reading]:
    """Every candidate's reading of ``sample`` (the whole file when ``whole``), if it decodes."""
    candidates = list(_UNICODE_CANDIDATES if len(sample) % 2 == 0 or not whole else _UNICODE_CANDIDATES[:1])
    if not sample.isascii():
        candidates.extend(_LEGACY_CANDIDATES)
    readings = []
    for codec, prior, language in candidates:
        text = _read(sample, codec, whole)
        if text is None or not _in_own_script(text, codec) or not _text_like(text, codec):
            continue
        if codec == "utf-8":
            prior = _utf8_prior(text)
        readings.append(Reading(codec, text, plausibility(text, language), prior))
    return readings


# A single-byte code page maps every byte to something, so any bytes "decode": text in one is
# nearly all letters, digits, spaces and ordinary punctuation, while random or binary bytes read
# in it are a third symbols and controls (``'C˝?ź~E5`:µ÷›Ą…``).
_SINGLE_BYTE = frozenset({"cp1252", "cp1250", "cp1251"})
_TEXT_MARKS = frozenset(".,;:!?'\"()[]-–—…’‘“”«»/%€&+=*#@°")
MIN_TEXT_LIKE = 0.85


# Western European text is mostly ASCII (its accented letters are a few per word), and text in
# any alphabet has spaces between its words once it is more than a word or two long.
MAX_LATIN_NON_ASCII = 0.3
SPACED_AFTER = 24
# ... and its letters change from lowercase to a capital at most once in this many (``_case_flips``).
LETTERS_PER_CASE_FLIP = 12


def _text_like(text: str, codec: str) -> bool:
    """Whether a single-byte code page's reading is made of what text is made of: letters, digits,
    spaces and ordinary punctuation (MIN_TEXT_LIKE), mostly ASCII in a Latin code page, words that
    keep their case (``_case_flips``), with a space every SPACED_AFTER characters or so."""
    if codec not in _SINGLE_BYTE or not text:
        return True
    usual = sum(1 for char in text if char.isalnum() or char.isspace() or char in _TEXT_MARKS)
    if usual < MIN_TEXT_LIKE * len(text):
        return False
    if codec != "cp1251" and sum(1 for char in text if not char.isascii()) > MAX_LATIN_NON_ASCII * len(text):
        return False
    if _case_flips(text) * LETTERS_PER_CASE_FLIP > sum(1 for char in text if char.isalpha()):
        return False
    return sum(1 for char in text if char.isspace()) >= len(text) // SPACED_AFTER


def _case_flips(text: str) -> int:
    """How often a lowercase letter is followed by a capital, one of them not ASCII (``пСэђГ``): in
    text a word is lowercase, capitalised or all capitals (``iPhone``-like names are ASCII); a
    reading of random bytes mixes the cases at random."""
    return sum(
        1 for a, b in itertools.pairwise(text) if a.islower() and b.isupper() and not (a.isascii() and b.isascii())
    )


def _in_own_script(text: str, codec: str) -> bool:
    """Whether enough of the reading's non-ASCII letters are of the script ``codec`` was made for."""
    if codec not in _OWN_SCRIPT:
        return True
    script, share = _OWN_SCRIPT[codec]
    letters = sum(1 for char in text if not char.isascii() and char.isalpha())
    return len(script.findall(text)) >= share * letters


def _utf8_prior(text: str) -> float:
    """Valid UTF-8 is evidence in proportion to its multi-byte sequences (ASCII: none at all)."""
    sequences = _multibyte(text) - text.count("\ufffd")
    return min(_UTF8_PRIOR_MAX, _UTF8_PRIOR_PER_SEQUENCE * sequences)


def _read(sample: bytes, codec: str, whole: bool) -> str | None:
    """``sample`` in ``codec``, a few undecodable bytes replaced by U+FFFD; ``None`` if too many.

    A sample cut from a bigger file may end mid-character: that last character is dropped, not
    replaced.
    """
    decoder = codecs.getincrementaldecoder(codec)(errors="replace")
    text = decoder.decode(sample, final=whole)
    return None if _too_damaged(text) else text


def _too_damaged(text: str) -> bool:
    """More than 1% of the characters (and more than one) are U+FFFD: not a damaged text, another encoding."""
    return text.count("\ufffd") > max(1, int(len(text) * MAX_REPLACED))


def _confident(readings: list[Reading], sample: bytes, name: str) -> Reading:
    """The best reading, if it is plausible and clearly ahead; else :class:`InputError` saying why.

    Valid UTF-8 with multi-byte sequences needs no floor: its validity is the evidence, and the
    model knows too little of, say, Japanese kanji or rare names to vouch for them.
    """
    if not readings or (readings[0].plausibility.foreign_mean < FLOOR and not _valid_utf8(readings[0])):
        raise InputError(_implausible(readings, sample, name))
    best = readings[0]
    rival = next((r for r in readings[1:] if r.text != best.text), None)
    if rival is not None and best.score - rival.score < MARGIN:
        raise InputError(
            f"{name}: {UNCERTAIN}: reads as {_preview(best)} or as {_preview(rival)}, neither clearly "
            f"(low confidence); name it with --encoding"
        )
    return best


def _valid_utf8(reading: Reading) -> bool:
    return reading.codec == "utf-8" and reading.prior > 0 and "\ufffd" not in reading.text


def _implausible(readings: list[Reading], sample: bytes, name: str) -> str:
    """Why no reading was plausible: binary data, or text in an encoding not tried."""
    if b"\x00" in sample:
        return f"{name}: binary file (contains NUL bytes)"
    controls = len(_BINARY_CONTROLS.findall(sample.decode("latin-1")))
    if controls > max(8, len(sample) // 100):
        return f"{name}: binary file ({controls} control characters in the first {len(sample)} bytes)"
    if not readings:
        return f"{name}: cannot decode (not UTF-8, GB18030, Big5, UTF-16 or a common code page)"
    return (
        f"{name}: {UNCERTAIN}: no plausible reading (best {_preview(readings[0])}; low confidence); "
        f"name it with --encoding"
    )


def _preview(reading: Reading) -> str:
    text = " ".join(reading.text.split())
    shown = text[:12] + ("…" if len(text) > 12 else "")
    return f"{reading.codec} {shown!r}"


# --- UTF-8 with lines in GB18030 -----------------------------------------------------------------

# Files put together from several sources: UTF-8 text with whole lines of GBK or GB18030 among its
# lines. Each line that is not UTF-8 but is GB18030 is read so, when the lines read as UTF-8 hold
# most of the file's characters beyond ASCII (at least CLEAR_UTF8_SEQUENCES of them) and the lines
# read as GB18030 are plausible Chinese (FLOOR). Lines are the unit: inside a line no encoding
# changes, and a GBK character can be valid UTF-8 by accident, so a run found byte by byte could
# start one character late.
LEGACY_LINES_CODEC = "gb18030"
MAX_OTHER_SHARE = 0.5  # of the characters beyond ASCII, in the lines of the other encoding


@dataclass(frozen=True)
class _MixedLines:
    text: str
    other_lines: int  # lines read in the other encoding
    replaced: int  # undecodable bytes replaced by U+FFFD in lines read as UTF-8
    other: str = LEGACY_LINES_CODEC

    def label(self, codec: str) -> str:
        lines = "line" if self.other_lines == 1 else "lines"
        note = f"{codec}, {self.other_lines} {lines} in {self.other}"
        return note + (f", {self.replaced} undecodable bytes replaced by U+FFFD" if self.replaced else "")


# Matches the note of a label such as "utf-8, 3 lines in gb18030" (for the run's summary).
MIXED_LINES_NOTE = re.compile(r"\d+ lines? in ([\w-]+)")


def _utf8_with_legacy_lines(data: bytes) -> _MixedLines | None:
    """``data`` as UTF-8 with some whole lines in GB18030 (see above), or ``None`` if it is not that.

    A line that is not UTF-8 is read as GB18030 only if more of its characters are undecodable in
    UTF-8 than not: a UTF-8 line with a corrupt byte keeps its reading, the byte replaced."""
    if data.isascii():
        return None
    parts: list[str] = []
    legacy: list[str] = []
    utf8_multibyte = replaced = 0
    for line in data.splitlines(keepends=True):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            text = line.decode("utf-8", errors="replace")
            bad = text.count("\ufffd")
            if bad > _multibyte(text) - bad:
                try:
                    text = line.decode(LEGACY_LINES_CODEC)
                except UnicodeDecodeError:
                    return None
                legacy.append(text)
                parts.append(text)
                continue
            replaced += bad
        utf8_multibyte += _multibyte(text)
        parts.append(text)
    legacy_text = "".join(legacy)
    if not _mixed_fits(utf8_multibyte, _multibyte(legacy_text), legacy_text):
        return None
    text = "".join(parts)
    if _too_damaged(text):
        return None
    return _MixedLines(text, len(legacy), replaced)


# The other way round: GBK or GB18030 text with whole lines of UTF-8 among its lines. A line is read
# as UTF-8 only if it is valid UTF-8 with at least MIN_UTF8_LINE_CHARS characters beyond ASCII and
# reads as likelier Chinese so than in GB18030 (now and then a GBK line is valid UTF-8 by accident,
# as letters and symbols no Chinese line has); the GB18030 lines must hold most of the file's
# non-ASCII characters (at least CLEAR_UTF8_SEQUENCES) and read as plausible Chinese.
MIN_UTF8_LINE_CHARS = 4


def _legacy_with_utf8_lines(data: bytes) -> _MixedLines | None:
    """``data`` as GB18030 with some whole lines in UTF-8 (see above), or ``None`` if it is not that."""
    if data.isascii():
        return None
    parts: list[str] = []
    legacy: list[str] = []
    utf8_lines: list[str] = []
    for line in data.splitlines(keepends=True):
        try:
            utf8: str | None = line.decode("utf-8")
        except UnicodeDecodeError:
            utf8 = None
        try:
            text: str | None = line.decode(LEGACY_LINES_CODEC)
        except UnicodeDecodeError:
            text = None
        if utf8 is not None and _multibyte(utf8) >= MIN_UTF8_LINE_CHARS:
            if text is None or plausibility(utf8, "chinese").score > plausibility(text, "chinese").score:
                utf8_lines.append(utf8)
                parts.append(utf8)
                continue
        if text is None:
            return None
        legacy.append(text)
        parts.append(text)
    legacy_text = "".join(legacy)
    if not _mixed_fits(_multibyte(legacy_text), _multibyte("".join(utf8_lines)), legacy_text):
        return None
    return _MixedLines("".join(parts), len(utf8_lines), 0, "utf-8")


def _mixed_fits(main: int, other: int, legacy_text: str) -> bool:
    """Whether a reading line by line holds: lines in the other encoding (``other`` characters beyond
    ASCII), the main encoding's lines holding most of those characters (``main``, at least
    CLEAR_UTF8_SEQUENCES), and the lines read as GB18030 plausible Chinese."""
    if not other or main < CLEAR_UTF8_SEQUENCES or other > MAX_OTHER_SHARE * (main + other):
        return False
    return plausibility(legacy_text, "chinese").foreign_mean >= FLOOR


# --- decoding the whole file -------------------------------------------------------------------


def _whole(data: bytes, codec: str, name: str, label: str, given: bool = False) -> Decoded:
    """All of ``data`` in ``codec``, strictly, or with a few bytes replaced and the label saying so."""
    try:
        return _checked(data.decode(codec), label, name)
    except UnicodeDecodeError as exc:
        mixed = None
        if codec == "utf-8":
            mixed = _utf8_with_legacy_lines(data)
        elif codec == LEGACY_LINES_CODEC:
            mixed = _legacy_with_utf8_lines(data)
        if mixed is not None:
            return _checked(mixed.text, mixed.label(label), name)
        text = data.decode(codec, errors="replace")
        if _too_damaged(text):
            hint = " (the encoding given with --encoding)" if given else ""
            raise InputError(f"{name}: invalid {label} at byte {exc.start}{hint}") from None
        replaced = text.count("\ufffd")
        return _checked(text, f"{label}, {replaced} undecodable bytes replaced by U+FFFD", name)


def _checked(text: str, encoding: str, name: str) -> Decoded:
    check_not_binary(text, name)
    return Decoded(text, encoding)


def check_not_binary(text: str, name: str) -> None:
    """:class:`InputError` if the start of a decoded file has the control characters of a binary."""
    sample = text[:BINARY_CHECK_CHARS]
    controls = len(_BINARY_CONTROLS.findall(sample))
    if controls > max(8, len(sample) // 100):
        raise InputError(f"{name}: binary file ({controls} control characters in the first {len(sample)})")
