"""Decoding by sniffing: every common encoding of Chinese text comes back as the same text."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.errors import InputError
from cleaner.io.decoding import Decoded, decode

SIMPLIFIED = "渌口区以“闯”的精神、“创”的劲头，推动高分子新材料产业从无到有。\n株洲市渌口区 2025年\n"
TRADITIONAL = "淥口區以「闖」的精神、「創」的勁頭，推動高分子新材料產業從無到有。\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (SIMPLIFIED.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + SIMPLIFIED.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + SIMPLIFIED.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + SIMPLIFIED.encode("utf-16-be"), "utf-16-be"),
        (codecs.BOM_UTF32_LE + SIMPLIFIED.encode("utf-32-le"), "utf-32-le"),
        (codecs.BOM_UTF32_BE + SIMPLIFIED.encode("utf-32-be"), "utf-32-be"),
        (SIMPLIFIED.encode("gb18030"), "gb18030"),
        (SIMPLIFIED.encode("gbk"), "gb18030"),
    ],
)
def test_simplified_text_in_every_encoding_decodes_to_the_same_text(data: bytes, encoding: str) -> None:
    decoded = decode(data, "page.txt")
    assert decoded.text == SIMPLIFIED
    assert decoded.encoding == encoding


def test_big5_traditional_text_is_detected() -> None:
    decoded = decode(TRADITIONAL.encode("big5"), "page.txt")
    assert decoded.text == TRADITIONAL
    assert decoded.encoding.startswith("big5")


def test_a_real_seed_page_in_gbk_is_detected(seed_texts: dict[str, str]) -> None:
    text = seed_texts["000_531bce3b1dd6754a.txt"]
    assert decode(text.encode("gbk"), "000.txt").text == text


def test_utf16_without_bom_is_recognised_from_its_nul_bytes() -> None:
    text = "Report 2025: 渌口区 GDP growth\n" * 3
    assert decode(text.encode("utf-16-le"), "x.txt").text == text


@pytest.mark.parametrize("data", [b"0\n", b"N\nN\n", b"hi\n", b"OK\r\n", b"12\n"])
def test_a_tiny_ascii_file_ending_in_a_line_break_is_ascii_not_utf16(data: bytes) -> None:
    # As UTF-16-BE the even ones read as 《, 上上, 佋ഊ: a CJK text of bytes in the ASCII range ends
    # in the byte of a line break one time in 256; a tiny ASCII file nearly always does.
    assert decode(data, "x.txt") == Decoded(data.decode("ascii"), "utf-8")


def test_an_empty_file_is_an_empty_document() -> None:
    assert decode(b"", "x.txt") == Decoded("", "utf-8")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "x.txt: binary file"),
        (codecs.BOM_UTF8 + b"abc\xff\xfe", "x.txt: invalid utf-8-sig at byte 3"),
    ],
)
def test_unreadable_inputs_raise_a_message_naming_the_file(data: bytes, message: str) -> None:
    with pytest.raises(InputError) as caught:
        decode(data, "x.txt")
    assert str(caught.value).startswith(message)


def test_a_file_cut_mid_character_is_read_and_the_damage_reported(seed_texts: dict[str, str]) -> None:
    text = seed_texts["002_6eec5ebe2728dd26.txt"]
    for data, encoding in [
        (text.encode("gb18030")[:-1], "gb18030"),
        (codecs.BOM_UTF16_LE + text.encode("utf-16-le")[:-1], "utf-16-le"),
    ]:
        decoded = decode(data, "cut.txt")
        assert decoded.encoding == f"{encoding}, 1 undecodable bytes replaced by U+FFFD"
        assert decoded.text == text[:-2] + "\ufffd" or decoded.text == text[:-1] + "\ufffd"


def test_a_few_corrupt_bytes_in_long_utf8_are_replaced_not_fatal(seed_texts: dict[str, str]) -> None:
    data = bytearray(seed_texts["001_11a9e775f722c1c5.txt"].encode("utf-8"))
    data[1000] = 0xFF
    data[5000] = 0xFE
    decoded = decode(bytes(data), "damaged.txt")
    # A bad lead byte also strands the continuation bytes after it: each run becomes one U+FFFD.
    replaced = decoded.text.count("\ufffd")
    assert 2 <= replaced <= 6
    assert decoded.encoding == f"utf-8, {replaced} undecodable bytes replaced by U+FFFD"
    assert "渌口" in decoded.text


@pytest.mark.parametrize(
    ("data", "text"),
    [
        # 16 random bytes (scripts/hostile_inputs.py --seed 7, random bytes r037.txt), read in cp1251
        # '«пСэђГЦУИ¶ЬЖЕПњ‡': a word's letters flip from lowercase to capitals at random
        (bytes.fromhex("abefd1fd90c3d6d3c8b6dcc6c5cf9c87"), None),
        # Russian: capitals start words, or fill them
        ("ВНИМАНИЕ: Москва — столица России, крупнейший по численности населения город страны.", "same"),
    ],
)
def test_a_cyrillic_reading_is_text_only_if_its_words_keep_their_case(data: bytes | str, text: str | None) -> None:
    if text is None:
        with pytest.raises(InputError, match=r"^x\.txt: encoding uncertain"):
            decode(data, "x.txt")
    else:
        assert decode(data.encode("cp1251"), "x.txt") == Decoded(data, "cp1251")


def test_mostly_invalid_text_is_still_refused() -> None:
    data = bytes(range(0x80, 0x100)) * 20
    with pytest.raises(InputError, match=r"^x\.txt: "):
        decode(data, "x.txt")


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=600))
def test_arbitrary_bytes_decode_or_give_a_reason(data: bytes) -> None:
    try:
        decoded = decode(data, "any.txt")
    except InputError as exc:
        assert str(exc).startswith("any.txt: ")
    else:
        assert isinstance(decoded.text, str) and decoded.encoding


def _lines(seed_texts: dict[str, str]) -> list[str]:
    return [line + "\n" for line in seed_texts["001_11a9e775f722c1c5.txt"].splitlines() if len(line) > 10]


def test_whole_lines_of_gbk_inside_utf8_are_read_as_gb18030(seed_texts: dict[str, str]) -> None:
    """Files put together from two sources: UTF-8 with a few whole lines in GBK among its lines."""
    lines = _lines(seed_texts)
    head, legacy, tail = "".join(lines[:20]), "".join(lines[20:26]), "".join(lines[26:40])
    data = head.encode("utf-8") + legacy.encode("gbk") + tail.encode("utf-8")
    assert decode(data, "mixed.txt") == Decoded(head + legacy + tail, "utf-8, 6 lines in gb18030")
    # as ``verify`` reads it again: the label's codec, given
    assert decode(data, "mixed.txt", "utf-8") == Decoded(head + legacy + tail, "utf-8, 6 lines in gb18030")
    # the GBK lines first, within the sample that is sniffed
    data = legacy.encode("gbk") + (head + tail).encode("utf-8")
    assert decode(data, "mixed.txt") == Decoded(legacy + head + tail, "utf-8, 6 lines in gb18030")


def test_whole_lines_of_utf8_inside_gbk_are_read_as_utf8(seed_texts: dict[str, str]) -> None:
    """The other way round: GBK with a few whole lines of UTF-8 (refused before: too many bytes
    undecodable for a GB18030 reading, and UTF-8 no reading at all)."""
    lines = _lines(seed_texts)
    head, other, tail = "".join(lines[:15]), "".join(lines[15:21]), "".join(lines[21:35])
    data = head.encode("gbk") + other.encode("utf-8") + tail.encode("gbk")
    assert decode(data, "mixed.txt") == Decoded(head + other + tail, "gb18030, 6 lines in utf-8")
    assert decode(data, "mixed.txt", "gb18030") == Decoded(head + other + tail, "gb18030, 6 lines in utf-8")


@pytest.mark.parametrize(
    "shape",
    [
        "gbk with utf-8 lines",  # most of the text is GBK: not read as UTF-8 with lines in GB18030
        "a corrupt byte",  # a UTF-8 line with one bad byte keeps its reading, the byte replaced
        "random bytes",  # a line of bytes that GB18030 reads as no plausible text
    ],
)
def test_lines_are_not_read_as_gb18030_without_the_evidence(seed_texts: dict[str, str], shape: str) -> None:
    lines = _lines(seed_texts)
    utf8 = "".join(lines[:30])
    if shape == "gbk with utf-8 lines":
        data = "".join(lines[:25]).encode("gbk") + "".join(lines[25:30]).encode("utf-8")
    elif shape == "a corrupt byte":
        data = utf8.encode("utf-8").replace("。".encode(), "。".encode()[:2], 1)
    else:
        data = utf8.encode("utf-8") + bytes.fromhex("b7e7c8ea9fa3d4c1e09dc3a0f1a3") * 3 + b"\n"
    try:
        decoded = decode(data, "x.txt")
    except InputError:
        return  # refused, with a reason: not read in pieces
    assert "in gb18030" not in decoded.encoding
