"""Choosing an encoding: short and ambiguous files, Western code pages, UTF-16 without a BOM, --encoding.

Every input is made here from real text (the seed pages, a few Western sentences); no binary
fixture is committed. The property that matters: no file is decoded to the wrong text with exit 0.
A file too short or too ambiguous to tell is refused with a reason naming it.
"""

from __future__ import annotations

import gzip
import json
import random
from contextlib import nullcontext
from pathlib import Path

import opencc
import pytest
from typer.testing import CliRunner

from cleaner.cli import app, clean_app
from cleaner.errors import ConfigError, InputError
from cleaner.io.decoding import UNCERTAIN, EncodingChoice, decode
from cleaner.io.plausibility import plausibility
from cleaner.report import read_audit

from .conftest import SEEDS

SEED_LINES = [line for path in sorted(SEEDS.glob("*.txt")) for line in path.read_text("utf-8").split("\n") if line]
SEED_LINES = [line for line in SEED_LINES if line.strip()]
TO_TRADITIONAL = opencc.OpenCC("s2t")

# Seed lines refused as too ambiguous to tell, per encoding, as measured (bench/bench_decoding.py):
# in GBK "(摘选)" (also UTF-8 "(ժѡ)") and "风电" (also cp949 "루든"); in UTF-16 "风电" (also UTF-8
# "Θ5u"), and in UTF-16-BE the two lines "……" (also ASCII " & &").
MAX_REFUSED = {"gbk": 2, "gb18030": 2, "big5": 0, "utf-16-le": 1, "utf-16-be": 3, "utf-8": 0}

WESTERN = [
    "naïve café",
    "Brontë",
    "Le cœur a ses raisons que la raison ne connaît point.",
    "Ça coûte 5 € à l'hôtel, déjà payé.",
    "Größere Straßen führen über die Brücke nach Köln.",
    "Müller’s „Übersicht“ – für Bäcker.",
    "El niño comió piñata en el año 2024.",
]


def seed_line_files(encoding: str) -> list[tuple[str, bytes]]:
    """(text, bytes) for every seed line ``encoding`` can hold; Big5 gets the traditional form."""
    files = []
    for line in SEED_LINES:
        text = TO_TRADITIONAL.convert(line) if encoding == "big5" else line
        try:
            files.append((text, text.encode(encoding)))
        except UnicodeEncodeError:
            continue
    return files


@pytest.mark.parametrize("encoding", list(MAX_REFUSED))
def test_no_seed_line_in_any_encoding_decodes_to_the_wrong_text(encoding: str) -> None:
    files = seed_line_files(encoding)
    assert len(files) > 250  # Big5 cannot hold every line
    wrong, refused = [], []
    for number, (text, data) in enumerate(files):
        name = f"line{number}.txt"
        try:
            decoded = decode(data, name)
        except InputError as exc:
            assert str(exc).startswith(f"{name}: "), exc
            refused.append((text, str(exc)))
            continue
        if decoded.text != text:
            wrong.append((text, decoded.encoding, decoded.text))
    assert not wrong
    assert len(refused) <= MAX_REFUSED[encoding], refused


@pytest.mark.parametrize(("text", "encoding"), [("株洲日报", "gbk"), ("株洲日报", "gb18030"), ("观察", "gbk")])
def test_short_gbk_is_not_read_as_a_korean_or_big5_code_page(text: str, encoding: str) -> None:
    decoded = decode(text.encode(encoding), "short.txt")
    assert (decoded.text, decoded.encoding) == (text, "gb18030")


@pytest.mark.parametrize("text", WESTERN)
def test_western_text_in_cp1252_decodes_right(text: str) -> None:
    decoded = decode(text.encode("cp1252"), "west.txt")
    assert (decoded.text, decoded.encoding) == (text, "cp1252")


@pytest.mark.parametrize("text", WESTERN)
def test_western_text_in_utf8_stays_utf8(text: str) -> None:
    assert decode(text.encode("utf-8"), "west.txt") == decode(text.encode("utf-8"), "west.txt")
    assert decode(text.encode("utf-8"), "west.txt").text == text


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize(
    "text",
    [
        "渌口区推进产业发展，园区企业已达78家。",  # Chinese only: no NUL byte at all
        "株洲日报 淥口區\n",
        "Report 2025: 渌口区 GDP growth\n",
        "plain ASCII text in UTF-16\n",
    ],
)
def test_utf16_without_bom_is_recognised(text: str, encoding: str) -> None:
    decoded = decode(text.encode(encoding), "u16.txt")
    assert (decoded.text, decoded.encoding) == (text, encoding)


def test_an_ambiguous_file_is_refused_with_a_reason_naming_it_and_the_way_out() -> None:
    # "风电" in UTF-16-LE is the bytes of the UTF-8 text "Θ5u": both readings are plausible.
    with pytest.raises(InputError) as caught:
        decode("风电".encode("utf-16-le"), "wind.txt")
    message = str(caught.value)
    assert message.startswith(f"wind.txt: {UNCERTAIN}")
    assert "utf-16-le" in message and "utf-8" in message
    assert "low confidence" in message and "--encoding" in message


@pytest.mark.parametrize(
    "data",
    [
        gzip.compress("渌口区推进产业发展。".encode() * 50, mtime=0),
        random.Random(0).randbytes(4096),
        bytes(range(256)) * 8,
    ],
    ids=["gzip", "random", "every-byte"],
)
def test_binary_files_are_still_refused(data: bytes) -> None:
    with pytest.raises(InputError, match=r"^bin\.dat: "):
        decode(data, "bin.dat")


def test_a_big_file_is_decided_on_a_sample_and_decoded_whole(seed_texts: dict[str, str]) -> None:
    text = "".join(seed_texts.values()) * 20  # about 1 MB
    for encoding, label in (("gbk", "gb18030"), ("big5", "big5hkscs"), ("utf-16-le", "utf-16-le")):
        source = TO_TRADITIONAL.convert(text) if encoding == "big5" else text
        data = source.encode(encoding, errors="ignore")
        decoded = decode(data, "big.txt")
        assert decoded.encoding == label
        assert decoded.text == data.decode(encoding)


def test_an_ascii_head_does_not_hide_the_encoding_of_the_rest() -> None:
    data = b"plain ASCII header line\n" * 2000 + "渌口区推进产业发展，园区企业已达78家。\n".encode("gbk")
    decoded = decode(data, "late.txt")
    assert decoded.encoding == "gb18030" and decoded.text.endswith("园区企业已达78家。\n")


def test_real_text_is_more_plausible_than_its_misreadings() -> None:
    for right, wrong in [("株洲日报", "珑碌휑괩"), ("观察", "夤舷"), ("naïve", "naļve"), ("cœur", "cśur")]:
        assert plausibility(right).score > plausibility(wrong).score, (right, wrong)
    # Traditional text is as plausible as its simplified form (scored through OpenCC t2s).
    assert plausibility("臺灣的經濟發展").score == plausibility("台湾的经济发展").score


# --- forcing an encoding ---------------------------------------------------------------------


def test_a_given_encoding_is_used_whatever_the_bytes_look_like() -> None:
    data = "株洲日报".encode("gbk")
    assert decode(data, "a.txt", "gbk").text == "株洲日报"
    assert decode(data, "a.txt", "cp949").text == "瓏碌휑괩"  # forced means forced
    assert decode(data, "a.txt", "GBK").encoding == "gbk"


def test_a_given_encoding_drops_its_own_bom_and_names_itself_when_the_bytes_do_not_fit() -> None:
    assert decode(b"\xff\xfe" + "渌口".encode("utf-16-le"), "b.txt", "utf-16-le").text == "渌口"
    with pytest.raises(InputError, match=r"^c\.txt: invalid utf-8 at byte 0 \(the encoding given with --encoding\)"):
        decode("渌口区推进产业发展".encode("gbk"), "c.txt", "utf-8")


def test_encoding_choice_applies_globs_in_order_then_the_default() -> None:
    choice = EncodingChoice.parse(["tw/*=big5", "*.u16=utf-16-le", "*.txt=gbk", "cp1252"])
    assert choice.for_file("tw/a.txt") == "big5"
    assert choice.for_file("x/b.u16") == "utf-16-le"
    assert choice.for_file("deep/c.txt") == "gbk"  # a glob without / matches the name
    assert choice.for_file("d.md") == "cp1252"
    assert EncodingChoice.parse([]).for_file("a.txt") is None


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (["gbkx"], "--encoding 'gbkx': unknown encoding 'gbkx'"),
        (["*.txt=nope"], "--encoding '*.txt=nope': unknown encoding 'nope'"),
        (["base64"], "--encoding 'base64': 'base64' is not a text encoding"),
        (["=gbk"], "--encoding '=gbk': GLOB=NAME needs a glob"),
        (["gbk", "big5"], "--encoding: two encodings for every file"),
    ],
)
def test_bad_encoding_entries_are_configuration_errors(entries: list[str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        EncodingChoice.parse(entries)
    assert str(caught.value).startswith(message)


# --- the command line ------------------------------------------------------------------------


def invoke(*args: str | Path, input: bytes | None = None):
    return CliRunner().invoke(clean_app, [str(a) for a in args], input=input)


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    (src / "tw").mkdir(parents=True)
    (src / "short.txt").write_bytes("风电".encode("utf-16-le"))  # refused when sniffed
    (src / "page.txt").write_bytes("渌口区推进产业发展，园区企业已达78家。\n".encode("gbk"))
    (src / "tw" / "a.txt").write_bytes("觀察".encode("big5"))
    return src


def test_an_uncertain_file_is_skipped_with_its_reason_and_counted_in_the_summary(mixed: Path, tmp_path: Path) -> None:
    result = invoke(mixed, tmp_path / "out")
    assert result.exit_code == 1
    assert f"skipped short.txt: {UNCERTAIN}" in result.stderr
    assert "page.txt: gb18030" in result.stderr
    assert "encoding uncertain (use --encoding)" in result.stderr
    records = {r["doc"]: r for r in read_audit(tmp_path / "out" / ".cleaner" / "audit.jsonl.gz") if r["type"] == "file"}
    assert records["short.txt"]["status"] == "skipped" and UNCERTAIN in records["short.txt"]["reason"]
    assert records["page.txt"]["encoding"] == "gb18030"


def test_encoding_option_forces_one_encoding_per_glob(mixed: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke(mixed, out, "--encoding", "short.txt=utf-16-le", "-e", "tw/*=big5")
    assert result.exit_code == 0, result.stderr
    assert (out / "short.txt").read_text("utf-8") == "风电\n"
    assert (out / "tw" / "a.txt").read_text("utf-8") == "观察\n"  # variants: traditional → simplified
    assert "short.txt: utf-16-le" in result.stderr and "tw/a.txt: big5" in result.stderr
    assert "page.txt: gb18030" in result.stderr  # no glob matched: sniffed
    audit = [r for r in read_audit(out / ".cleaner" / "audit.jsonl.gz") if r["type"] == "file"]
    assert {r["doc"]: r["encoding"] for r in audit}["tw/a.txt"] == "big5"


def test_encoding_option_on_standard_input_and_in_the_config_file(tmp_path: Path) -> None:
    data = "株洲".encode("gbk")
    result = invoke("-", "-", "--encoding", "gbk", input=data)
    assert result.exit_code == 0 and result.stdout == "株洲\n"
    config = tmp_path / "cleaner.yaml"
    config.write_text(json.dumps({"input": {"encoding": ["gbk"]}}), encoding="utf-8")
    result = invoke("-", "-", "--config", config, input=data)
    assert result.exit_code == 0 and result.stdout == "株洲\n"


@pytest.mark.parametrize("value", ["gbkx", "*.txt=nope", "=gbk"])
def test_bad_encoding_names_exit_2_with_a_clear_message(mixed: Path, tmp_path: Path, value: str) -> None:
    result = invoke(mixed, tmp_path / "out", "--encoding", value)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"--encoding {value!r}: ")
    assert not (tmp_path / "out").exists()


# Outputs that UTF-8 alone would not describe: a few rare or unassigned characters whose UTF-8 bytes
# read as well (or better) in another encoding. Cases found by scripts/fuzz_idempotence.py.
AMBIGUOUS_OUTPUTS = [
    ("\u3000\U00071f21", "\U00071f21\n"),  # alone, its bytes read as GB18030 "癖肌"
    ("\u3000\U000605c8\U000605c8", "\U000605c8\U000605c8\n"),  # as cp1251 "с —€с —€"
    ("¡Ａ", "¡A\n"),  # refused: UTF-8 "¡A" or GB18030 "隆A"
]


@pytest.mark.parametrize(("text", "cleaned"), AMBIGUOUS_OUTPUTS)
def test_an_output_utf8_alone_would_not_describe_gets_a_bom_and_cleans_to_itself(
    tmp_path: Path, text: str, cleaned: str
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_bytes(text.encode("utf-8"))
    first, second = tmp_path / "first", tmp_path / "second"
    assert invoke(src, first).exit_code == 0
    data = (first / "a.txt").read_bytes()
    assert data == b"\xef\xbb\xbf" + cleaned.encode("utf-8")
    with pytest.raises(InputError) if cleaned == "¡A\n" else nullcontext():
        assert decode(cleaned.encode("utf-8"), "x").text != cleaned  # what the BOM prevents
    result = invoke(first, second)
    assert result.exit_code == 0, result.stderr
    assert (second / "a.txt").read_bytes() == data
    verified = CliRunner().invoke(app, ["verify", str(src), str(first)])
    assert verified.exit_code == 0, verified.stdout


def test_a_jsonl_output_utf8_alone_would_not_describe_is_written_with_json_escapes(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.jsonl").write_bytes('{"text": "¡Ａ"}\n'.encode())
    first, second = tmp_path / "first", tmp_path / "second"
    assert invoke(src, first).exit_code == 0
    data = (first / "a.jsonl").read_bytes()
    assert data == b'{"text": "\\u00a1A"}\n'  # ASCII: read back as written, the same record
    assert json.loads(data)["text"] == "¡A"
    assert invoke(first, second).exit_code == 0
    assert (second / "a.jsonl").read_bytes() == data


def test_ordinary_outputs_carry_no_bom(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_bytes("渌口区推进产业发展，园区企业已达78家。\n".encode("gbk"))
    (src / "b.txt").write_bytes("naïve café\n".encode("cp1252"))
    (src / "c.jsonl").write_bytes('{"text": "株洲日报"}\n'.encode())
    out = tmp_path / "out"
    assert invoke(src, out).exit_code == 0
    assert (out / "a.txt").read_bytes() == "渌口区推进产业发展，园区企业已达78家。\n".encode()
    assert (out / "b.txt").read_bytes() == "naïve café\n".encode()
    assert (out / "c.jsonl").read_bytes() == '{"text": "株洲日报"}\n'.encode()
