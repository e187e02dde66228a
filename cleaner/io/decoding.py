"""Decoding bytes of unknown encoding into text, by sniffing.

Order of evidence, strongest first:

1. a byte-order mark (UTF-32 before UTF-16, whose BOM is a prefix of UTF-32-LE's; then UTF-8);
2. strict UTF-8 (valid UTF-8 of any length is almost never another encoding by accident);
3. UTF-16 without a BOM, recognised by its NUL bytes in every other position;
4. a charset detector (charset-normalizer) for GB18030/GBK/GB2312, Big5 and the like, whose guess
   must then decode strictly.

NUL bytes in anything that is not UTF-16/32 mean the file is binary.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from cleaner.errors import InputError

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# The detector's names for Chinese encodings, mapped to the superset we decode with, so a GB2312
# guess still decodes the GBK/GB18030 characters a file may also hold.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "hz": "hz", "big5": "big5hkscs", "cp950": "big5hkscs"}

# Control characters other than tab, LF, VT, FF, CR and ESC are rare in text and common in binaries.
_BINARY_CONTROLS = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f]")


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def decode(data: bytes, name: str) -> Decoded:
    """Decode ``data`` (the content of ``name``) or raise :class:`InputError` saying why not."""
    if not data:
        raise InputError(f"{name}: empty file")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            body = data[len(bom) :]
            codec = "utf-8" if encoding == "utf-8-sig" else encoding
            return _strict(body, codec, name, encoding)
    try:
        return _checked(data.decode("utf-8"), "utf-8", name)
    except UnicodeDecodeError:
        pass
    utf16 = _utf16_without_bom(data)
    if utf16:
        return _strict(data, utf16, name, utf16)
    if b"\x00" in data:
        raise InputError(f"{name}: binary file (contains NUL bytes)")
    try:
        return _detect(data, name)
    except InputError:
        # A file cut mid-character, or a few corrupt bytes in a long text, defeats strict decoding and
        # the detector alike; the encoding that needs the fewest replacements takes it, if few enough.
        salvaged = min((_lenient(data, codec, name) for codec in _SALVAGE), key=lambda d: d[1])
        if salvaged[0] is None:
            raise
        return salvaged[0]


# Encodings a damaged file is tried in, in order of preference on a tie.
_SALVAGE = ("utf-8", "gb18030", "big5hkscs")
# At most this share of characters may be replacements (U+FFFD) for a damaged file to be read.
_MAX_REPLACED = 0.01


def _strict(data: bytes, codec: str, name: str, label: str) -> Decoded:
    try:
        return _checked(data.decode(codec), label, name)
    except UnicodeDecodeError as exc:
        salvaged, _ = _lenient(data, codec, name, label)
        if salvaged is None:
            raise InputError(f"{name}: invalid {label} at byte {exc.start}") from None
        return salvaged


def _lenient(data: bytes, codec: str, name: str, label: str | None = None) -> tuple[Decoded | None, int]:
    """``data`` decoded with undecodable bytes replaced by U+FFFD, if they are rare; and how many there were.

    The count goes into the encoding's label (``utf-8, 3 undecodable bytes replaced by U+FFFD``), so the per-file
    report and the audit record say that the input was damaged.
    """
    text = data.decode(codec, errors="replace")
    replaced = text.count("\ufffd")
    if replaced > max(1, int(len(text) * _MAX_REPLACED)):
        return None, replaced
    try:
        decoded = _checked(text, f"{label or codec}, {replaced} undecodable bytes replaced by U+FFFD", name)
    except InputError:
        return None, replaced
    return decoded, replaced


def _checked(text: str, encoding: str, name: str) -> Decoded:
    sample = text[:65536]
    controls = len(_BINARY_CONTROLS.findall(sample))
    if controls > max(8, len(sample) // 100):
        raise InputError(f"{name}: binary file ({controls} control characters in the first {len(sample)})")
    return Decoded(text, encoding)


def _utf16_without_bom(data: bytes) -> str | None:
    if len(data) < 4 or len(data) % 2:
        return None
    sample = data[:4096]
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    # ASCII-heavy UTF-16 has a NUL in one half of nearly every code unit, none in the other.
    if odd_nuls > half * 0.3 and even_nuls == 0:
        return "utf-16-le"
    if even_nuls > half * 0.3 and odd_nuls == 0:
        return "utf-16-be"
    return None


def _detect(data: bytes, name: str) -> Decoded:
    import charset_normalizer

    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise InputError(f"{name}: cannot detect the encoding (not UTF-8, GB18030, Big5 or UTF-16)")
    guess = best.encoding.lower().replace("-", "_")
    codec = _SUPERSETS.get(guess, guess)
    try:
        return _checked(data.decode(codec), codec.replace("_", "-"), name)
    except (UnicodeDecodeError, LookupError):
        raise InputError(f"{name}: cannot decode as {codec.replace('_', '-')}, the detected encoding") from None
