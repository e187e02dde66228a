"""Compressed inputs (.gz, .bz2, .zst): read like the plain file, written back compressed the same way."""

from __future__ import annotations

import bz2
import gzip
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaner.cli import app as cleaner_app
from cleaner.cli import clean_app
from cleaner.io.compression import decompress

TEXT = "今天　天气很好 。\n\nＡＢＣ测试,好\n"
CLEANED = "今天天气很好。\n\nABC测试，好\n"
RECORDS = [{"id": 1, "text": "今天　天气很好 。"}, {"id": 2, "text": "ＡＢＣ测试,好"}]
CLEANED_RECORDS = [{"id": 1, "text": "今天天气很好。"}, {"id": 2, "text": "ABC测试，好"}]


def _zstd(data: bytes) -> bytes:
    zstandard = pytest.importorskip("zstandard")
    return zstandard.ZstdCompressor().compress(data)


def _unzstd(data: bytes) -> bytes:
    zstandard = pytest.importorskip("zstandard")
    return zstandard.ZstdDecompressor().decompress(data)


CODECS: dict[str, tuple[Callable[[bytes], bytes], Callable[[bytes], bytes]]] = {
    "gz": (lambda data: gzip.compress(data), gzip.decompress),
    "bz2": (bz2.compress, bz2.decompress),
    "zst": (_zstd, _unzstd),
}


def invoke(*args: str | Path, input: bytes | None = None):
    return CliRunner().invoke(clean_app, [*map(str, args), "--no-config", "-x", "rules"], input=input)


def jsonl(records: list[dict]) -> bytes:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records).encode("utf-8")


@pytest.mark.parametrize("suffix", sorted(CODECS))
def test_text_and_json_lines_are_cleaned_and_written_back_compressed_the_same_way(suffix: str, tmp_path: Path) -> None:
    pack, unpack = CODECS[suffix]
    src = tmp_path / "src"
    src.mkdir()
    (src / f"a.txt.{suffix}").write_bytes(pack(TEXT.encode("utf-8")))
    (src / f"b.jsonl.{suffix}").write_bytes(pack(jsonl(RECORDS)))
    result = invoke(src, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert f"a.txt.{suffix}: utf-8, " in result.stderr
    assert unpack((tmp_path / "out" / f"a.txt.{suffix}").read_bytes()).decode("utf-8") == CLEANED
    assert unpack((tmp_path / "out" / f"b.jsonl.{suffix}").read_bytes()) == jsonl(CLEANED_RECORDS)
    verified = CliRunner().invoke(cleaner_app, ["verify", str(src), str(tmp_path / "out")])
    assert verified.exit_code == 0, verified.output
    assert verified.stdout.splitlines()[:2] == [f"a.txt.{suffix}: ok", f"b.jsonl.{suffix}: ok"]


def test_the_encoding_is_sniffed_on_the_decompressed_bytes(tmp_path: Path) -> None:
    source = tmp_path / "gb.txt.gz"
    source.write_bytes(gzip.compress("中华人民共和国成立了，人民站起来了。\n".encode("gb18030")))
    result = invoke(source, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("gb.txt.gz: gb18030, ")
    assert gzip.decompress((tmp_path / "out" / "gb.txt.gz").read_bytes()).decode("utf-8").startswith("中华人民共和国")


def test_gzip_outputs_are_reproducible(tmp_path: Path) -> None:
    source = tmp_path / "a.txt.gz"
    source.write_bytes(gzip.compress(TEXT.encode("utf-8")))
    invoke(source, tmp_path / "one")
    invoke(source, tmp_path / "two")
    first = (tmp_path / "one" / "a.txt.gz").read_bytes()
    assert first == (tmp_path / "two" / "a.txt.gz").read_bytes()
    assert first[4:8] == b"\0\0\0\0", "no time stamp in the gzip header"


def test_a_corrupt_archive_is_skipped_with_its_name_and_the_run_goes_on(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "bad.jsonl.gz").write_bytes(b"not gzip at all\n")
    (src / "cut.txt.gz").write_bytes(gzip.compress(TEXT.encode("utf-8"))[:-12])
    (src / "bad.txt.bz2").write_bytes(b"BZh9 garbage")
    (src / "ok.txt.gz").write_bytes(gzip.compress(TEXT.encode("utf-8")))
    result = invoke(src, tmp_path / "out")
    assert result.exit_code == 1
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped")]
    assert skipped == [
        "skipped bad.jsonl.gz: not a valid gzip file (Not a gzipped file (b'no'))",
        "skipped bad.txt.bz2: not a valid bz2 file (Invalid data stream)",
        "skipped cut.txt.gz: not a valid gzip file (it ends before the compressed data does)",
    ]
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == [".cleaner", "ok.txt.gz"]


def test_a_decompression_bomb_is_refused_by_the_size_limit_on_decompressed_bytes(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.txt.gz"
    bomb.write_bytes(gzip.compress("好".encode() * 1_000_000))  # 3 MB of text in a few KB
    assert bomb.stat().st_size < 1 << 16
    result = invoke(bomb, tmp_path / "out", "--max-file-size", "1MiB")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "skipped bomb.txt.gz: too large when decompressed (over the limit of 1 MiB; see --max-file-size)"
    )
    assert not (tmp_path / "out" / "bomb.txt.gz").exists()


@pytest.mark.parametrize("suffix", sorted(CODECS))
def test_decompressing_stops_at_the_limit_and_refuses_a_cut_archive(suffix: str) -> None:
    from cleaner.io.compression import CODECS as NAMES
    from cleaner.io.compression import CompressionError

    pack, _ = CODECS[suffix]
    codec = NAMES[f".{suffix}"]
    with pytest.raises(CompressionError, match=r"^too large when decompressed \(over the limit of 1000 bytes"):
        decompress(pack(b"\0" * 2_000_000), codec, 1000)
    assert decompress(pack(b"x" * 1000), codec, 1000) == b"x" * 1000
    assert decompress(pack(b"x" * 10) + pack(b"y" * 10), codec, 1000) == b"x" * 10 + b"y" * 10
    assert decompress(b"", codec, 1000) == b""
    with pytest.raises(
        CompressionError, match=rf"^not a valid {codec} file \(it ends before the compressed data does\)$"
    ):
        decompress(pack(b"hello world " * 1000)[:-6], codec, 100_000)


def test_without_zstandard_a_zst_file_is_skipped_with_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.txt.zst").write_bytes(b"\x28\xb5\x2f\xfd anything")
    (tmp_path / "b.txt.gz").write_bytes(gzip.compress(TEXT.encode("utf-8")))
    monkeypatch.setitem(sys.modules, "zstandard", None)  # import zstandard raises ImportError
    result = invoke(tmp_path, tmp_path.parent / "out")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "skipped a.txt.zst: reading and writing .zst files needs the zstandard package: pip install 'cleaner[zstd]'"
    )
    assert (tmp_path.parent / "out" / "b.txt.gz").exists()


def test_a_compressed_file_to_standard_output_is_written_as_text(tmp_path: Path) -> None:
    source = tmp_path / "a.txt.bz2"
    source.write_bytes(bz2.compress(TEXT.encode("utf-8")))
    result = invoke(source, "-")
    assert (result.exit_code, result.stdout) == (0, CLEANED)


def test_diff_and_check_show_the_text(tmp_path: Path) -> None:
    source = tmp_path / "a.txt.gz"
    source.write_bytes(gzip.compress(TEXT.encode("utf-8")))
    result = invoke(source, tmp_path / "out", "--check", "--diff")
    assert result.exit_code == 1
    assert "-ＡＢＣ测试,好\n+ABC测试，好\n" in result.stdout
    assert "would change a.txt.gz: " in result.stdout
    assert not (tmp_path / "out").exists()


REPEATED = "第一段是重复的内容，而且足够长，可以被去重步骤识别出来。"
DUPLICATED = f"{REPEATED}\n\n第二段。\n\n{REPEATED}\n"


def test_restore_puts_removed_paragraphs_back_into_a_compressed_file_once(tmp_path: Path) -> None:
    source = tmp_path / "d.txt.gz"
    source.write_bytes(gzip.compress(DUPLICATED.encode("utf-8")))
    out = tmp_path / "out"
    assert invoke(source, out).exit_code == 0
    assert gzip.decompress((out / "d.txt.gz").read_bytes()).decode("utf-8").count("第一段") == 1
    audit = str(out / ".cleaner" / "audit.jsonl.gz")
    restored = CliRunner().invoke(cleaner_app, ["restore", audit, str(out)])
    assert (restored.exit_code, restored.stdout) == (
        0,
        f"restored 1 paragraph(s) in 1 document(s), 1 file(s) written to {out}\n",
    )
    assert gzip.decompress((out / "d.txt.gz").read_bytes()).decode("utf-8") == DUPLICATED
    again = CliRunner().invoke(cleaner_app, ["restore", audit, str(out)])
    assert again.exit_code == 2
    assert "it was restored already or changed since; nothing was written" in again.stderr


def test_verify_finds_a_compressed_output_that_was_changed(tmp_path: Path) -> None:
    source = tmp_path / "a.txt.gz"
    source.write_bytes(gzip.compress(TEXT.encode("utf-8")))
    out = tmp_path / "out"
    assert invoke(source, out).exit_code == 0
    (out / "a.txt.gz").write_bytes(gzip.compress(CLEANED.replace("好", "坏").encode("utf-8")))
    result = CliRunner().invoke(cleaner_app, ["verify", str(source), str(out)])
    assert result.exit_code == 1
    assert result.stdout.startswith(
        "a.txt.gz: MISMATCH: the output differs from the replayed edits at offset 5 (line 1)"
    )
