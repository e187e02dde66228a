"""A big JSON Lines or Parquet file cleaned in parts of consecutive records (``--partition-size``):
the same output and audit record, byte for byte, as the file cleaned whole, on one process, two
workers and Ray; bad records named with their own line; a killed run leaves no partial output.

The corpus is made of the seeds' paragraphs, each a record, repeated (so that dedup, which keeps
the first copy in corpus order, decides across parts), with bad records placed in later parts.
"""

from __future__ import annotations

import codecs
import dataclasses
import difflib
import gzip
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cleaner.cli import clean_app
from cleaner.config import Config
from cleaner.corpus import clean_corpus
from cleaner.io.readers import FilePart, SourceFile, discover
from cleaner.partitioning import units_of
from cleaner.report import read_audit

from .conftest import SEEDS, in_run_cache

PART = "4K"  # small parts, so that a file of a few hundred records is cut in dozens
WHOLE = "1G"  # no file of these tests is cut


def seed_paragraphs() -> list[str]:
    return [p for path in sorted(SEEDS.glob("*.txt")) for p in path.read_text("utf-8").split("\n\n") if p.strip()]


def records_file(path: Path, copies: int = 2, bad: dict[int, str] | None = None) -> list[str]:
    """The seeds' paragraphs as records, ``copies`` times over, with ``bad`` lines put in at the
    given (1-based) line numbers; the file's lines."""
    lines = [
        json.dumps({"id": i, "text": text}, ensure_ascii=False) for i, text in enumerate(seed_paragraphs() * copies)
    ]
    for number, line in sorted((bad or {}).items()):
        lines.insert(number - 1, line)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lines


def clean(src: Path, dst: Path, *options: str) -> Any:
    return CliRunner().invoke(clean_app, [str(src), str(dst), "--no-config", "-q", *options])


def tree(root: Path) -> dict[str, bytes]:
    """Every file a run wrote (the audit record too), by name; the run cache left out."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not in_run_cache(p, root)
    }


def config_with(partition_size: int, **input_options: Any) -> Config:
    config = Config()
    return dataclasses.replace(
        config, input=dataclasses.replace(config.input, partition_size=partition_size, **input_options)
    )


def parts_of(src: Path, config: Config) -> list[FilePart]:
    return [unit for unit in units_of(discover(src), config, "text") if isinstance(unit, FilePart)]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A small text file, then one JSON Lines file of about 370 KB with two bad lines far into it."""
    src = tmp_path / "src"
    records_file(src / "news.jsonl", copies=3, bad={700: '{"id": "x", "text": 7}', 1100: "not json at all"})
    (src / "a.txt").write_text(seed_paragraphs()[3] + "\n", encoding="utf-8")  # its paragraph is a record's too
    return src


def test_the_parts_cut_at_line_ends_and_know_their_line_numbers(corpus: Path) -> None:
    parts = parts_of(corpus, config_with(4096))
    data = (corpus / "news.jsonl").read_bytes()
    assert len(parts) > 20
    assert parts[0].start == 0 and parts[-1].stop == len(data)
    for part, following in itertools.pairwise(parts):
        assert part.stop == following.start
        assert data[part.stop - 1 : part.stop] == b"\n", "a part ends just after a line break"
    for part in parts:
        assert part.first == data[: part.start].count(b"\n") + 1
        assert part.length >= 4096 or part.last


def test_split_and_whole_make_the_same_bytes_on_one_and_two_processes(corpus: Path, tmp_path: Path) -> None:
    whole = clean(corpus, tmp_path / "whole", "--partition-size", WHOLE, "-j", "1")
    split_one = clean(corpus, tmp_path / "split1", "--partition-size", PART, "-j", "1")
    split_two = clean(corpus, tmp_path / "split2", "--partition-size", PART, "-j", "2")
    assert whole.exit_code == split_one.exit_code == split_two.exit_code == 1  # the two bad lines
    expected = tree(tmp_path / "whole")
    assert set(expected) == {"a.txt", "news.jsonl", ".cleaner/audit.jsonl.gz"}
    assert tree(tmp_path / "split1") == expected
    assert tree(tmp_path / "split2") == expected
    assert whole.stderr == split_one.stderr == split_two.stderr
    # dedup worked across parts: the second copy of each paragraph is gone from the output
    output = (tmp_path / "split2" / "news.jsonl").read_text("utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in output if line.startswith("{") and '"text": 7' not in line]
    assert sum(not text for text in texts) > len(seed_paragraphs()) // 2


def test_the_verbose_audit_record_is_the_same_too(corpus: Path, tmp_path: Path) -> None:
    clean(corpus, tmp_path / "whole", "--partition-size", WHOLE, "--audit-format", "verbose")
    clean(corpus, tmp_path / "split", "--partition-size", PART, "--audit-format", "verbose", "-j", "2")
    assert tree(tmp_path / "split") == tree(tmp_path / "whole")


def test_a_bad_record_in_a_later_part_is_named_with_its_own_line(corpus: Path, tmp_path: Path) -> None:
    parts = parts_of(corpus, config_with(4096))
    holding = [part.index for part in parts if part.first <= 1100][-1]
    assert holding > 10 and parts[holding].first < 1100, "line 1100 is inside a later part"
    result = clean(corpus, tmp_path / "out", "--partition-size", PART, "-j", "2")
    assert result.exit_code == 1
    assert [line for line in result.stderr.splitlines() if line.startswith("skipped")] == [
        "skipped news.jsonl:700: field 'text' is not a string (int)",
        "skipped news.jsonl:1100: invalid JSON (Expecting value at column 1)",
    ]
    audit = list(read_audit(tmp_path / "out" / ".cleaner" / "audit.jsonl.gz"))
    assert [r["doc"] for r in audit if r["type"] == "record"] == ["news.jsonl:700", "news.jsonl:1100"]
    lines = (tmp_path / "out" / "news.jsonl").read_text("utf-8").splitlines()
    assert "not json at all" in lines, "a bad line is written back where it stood"
    # the edits of records after the bad lines name those records' own lines
    source = (corpus / "news.jsonl").read_text("utf-8").splitlines()
    edited = {int(r["doc"].split(":")[1]) for r in audit if r["type"] == "edit" and r["doc"].startswith("news")}
    assert max(edited) > 1100
    for line in edited:
        assert json.loads(source[line - 1])["text"], f"news.jsonl:{line} is a record with a text"
    before = {int(r["doc"].split(":")[1]): r["before"] for r in audit if r["type"] == "edit" and r["after"] == ""}
    for line, removed in before.items():  # a paragraph removed was in that very record (as cleaned)
        if line > 1100:
            record = json.loads(source[line - 1])["text"]
            assert difflib.SequenceMatcher(None, removed.strip(), record).ratio() > 0.8, (line, removed, record)


def test_a_file_of_bad_lines_only_is_skipped_as_when_read_whole(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "bad.jsonl").write_text("".join(f'{{"id": {i}}}\n' for i in range(2000)), encoding="utf-8")
    whole = clean(src, tmp_path / "whole", "--partition-size", WHOLE)
    split = clean(src, tmp_path / "split", "--partition-size", "2K", "-j", "2")
    assert len(parts_of(src, config_with(2048))) > 5
    assert whole.exit_code == split.exit_code == 1
    assert "skipped bad.jsonl:1: field 'text' is missing (and 1,999 more bad lines); no record could be read" in (
        split.stderr
    )
    assert tree(tmp_path / "split") == tree(tmp_path / "whole")
    assert not (tmp_path / "split" / "bad.jsonl").exists()


def test_files_that_must_be_read_whole_are_not_cut(tmp_path: Path) -> None:
    src = tmp_path / "src"
    lines = records_file(src / "plain.jsonl")
    text = "\n".join(lines) + "\n"
    (src / "packed.jsonl.gz").write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    (src / "wide.jsonl").write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    (src / "long.txt").write_text("\n\n".join(seed_paragraphs() * 2) + "\n", encoding="utf-8")
    assert {part.source.rel for part in parts_of(src, config_with(4096))} == {"plain.jsonl"}
    assert parts_of(src, config_with(4096, on_error="fail")) == []  # every bad line is seen before cleaning


def test_a_bom_and_a_legacy_encoding_are_read_as_when_whole(tmp_path: Path) -> None:
    src = tmp_path / "src"
    lines = records_file(src / "plain.jsonl")
    text = "\n".join(lines) + "\n"
    (src / "plain.jsonl").unlink()
    (src / "bom.jsonl").write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    (src / "gbk.jsonl").write_bytes(text.encode("gb18030"))
    (src / "crlf.jsonl").write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    parts = parts_of(src, config_with(4096))
    assert {part.source.rel for part in parts} == {"bom.jsonl", "gbk.jsonl", "crlf.jsonl"}
    assert {part.label for part in parts} == {"utf-8-sig", "gb18030", "utf-8"}
    clean(src, tmp_path / "whole", "--partition-size", WHOLE)
    clean(src, tmp_path / "split", "--partition-size", PART, "-j", "2")
    assert tree(tmp_path / "split") == tree(tmp_path / "whole")


def test_a_rerun_over_unchanged_inputs_writes_nothing(corpus: Path, tmp_path: Path) -> None:
    dst = tmp_path / "out"
    (corpus / "z.txt").write_text("一段文字。\n", encoding="utf-8")
    clean(corpus, dst, "--partition-size", PART)
    written = os.stat(dst / "news.jsonl").st_mtime_ns
    time.sleep(0.01)
    clean(corpus, dst, "--partition-size", PART, "-j", "2")  # nothing changed
    assert os.stat(dst / "news.jsonl").st_mtime_ns == written
    (corpus / "z.txt").write_text("另一段文字。\n", encoding="utf-8")  # after it: the big file is cleaned again
    clean(corpus, dst, "--partition-size", PART)
    assert os.stat(dst / "news.jsonl").st_mtime_ns == written, "the same bytes: left alone"
    clean(corpus, tmp_path / "full", "--partition-size", WHOLE, "--no-cache")
    assert tree(dst) == tree(tmp_path / "full")


def test_a_killed_run_leaves_no_partial_output(tmp_path: Path) -> None:
    """The run is killed (SIGKILL) while the big file's output is being written part by part: no
    output by that name is there, and the next run removes the temporary file and writes it whole."""
    src = tmp_path / "src"
    records_file(src / "news.jsonl", copies=12)
    dst = tmp_path / "out"
    command = [sys.executable, "-m", "cleaner", "run", str(src), str(dst), "-q", "--no-config", "-j", "1"]
    process = subprocess.Popen([*command, "--partition-size", "8K"], stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not any(p.name.startswith(".cleaner-tmp-") and p.stat().st_size for p in _files(dst)):
            assert process.poll() is None, "the run ended before it was killed"
            assert time.monotonic() < deadline, "no output was being written"
            time.sleep(0.01)
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.communicate()
    assert not (dst / "news.jsonl").exists()
    assert subprocess.run([*command, "--partition-size", "8K"], capture_output=True).returncode == 0
    assert not [p for p in _files(dst) if p.name.startswith(".cleaner-tmp-")]
    clean(src, tmp_path / "whole", "--partition-size", WHOLE)
    assert (dst / "news.jsonl").read_bytes() == (tmp_path / "whole" / "news.jsonl").read_bytes()


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def parquet_corpus(tmp_path: Path) -> Path:
    """A Parquet file of many row groups (a null text in a later one), with metadata and another column."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    texts: list[str | None] = seed_paragraphs() * 2
    texts[900] = None
    table = pa.table({"id": list(range(len(texts))), "text": texts}).replace_schema_metadata({"source": "seeds"})
    src = tmp_path / "parquet"
    src.mkdir()
    pq.write_table(table, src / "news.parquet", row_group_size=64, compression="zstd")
    return src


def test_parquet_row_groups_split_and_whole_are_the_same(parquet_corpus: Path, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    parts = parts_of(parquet_corpus, config_with(4096))
    assert len(parts) > 5 and parts[1].first == 1 + sum(
        pq.ParquetFile(parquet_corpus / "news.parquet").metadata.row_group(g).num_rows for g in range(parts[1].start)
    )
    whole = clean(parquet_corpus, tmp_path / "whole", "--partition-size", WHOLE)
    split = clean(parquet_corpus, tmp_path / "split", "--partition-size", PART, "-j", "2")
    assert whole.exit_code == split.exit_code == 1
    assert "skipped news.parquet:901: field 'text' is null" in split.stderr
    assert tree(tmp_path / "split") == tree(tmp_path / "whole")
    written = pq.ParquetFile(tmp_path / "split" / "news.parquet")
    source = pq.ParquetFile(parquet_corpus / "news.parquet")
    assert written.metadata.num_row_groups == source.metadata.num_row_groups, "the input's row groups are kept"
    assert written.schema_arrow.metadata == source.schema_arrow.metadata


@pytest.mark.usefixtures("local_ray")
def test_on_ray_the_parts_make_the_same_bytes(corpus: Path, parquet_corpus: Path, tmp_path: Path) -> None:
    (parquet_corpus / "news.parquet").rename(corpus / "news.parquet")
    whole = clean_corpus(corpus, tmp_path / "whole", config_with(1 << 30), jobs=1)
    on_ray = clean_corpus(corpus, tmp_path / "ray", config_with(4096), jobs=2, engine="ray")
    assert len(parts_of(corpus, config_with(4096))) > 30
    assert whole.exit_code == on_ray.exit_code == 1
    assert tree(tmp_path / "ray") == tree(tmp_path / "whole")


def test_a_text_file_is_one_unit_whatever_its_size(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("\n\n".join(seed_paragraphs() * 3) + "\n", encoding="utf-8")
    assert units_of([SourceFile(path, path.name, "text")], config_with(1024), "text") == [
        SourceFile(path, path.name, "text")
    ]


def test_the_partition_size_comes_from_the_config_file_or_the_command_line(tmp_path: Path) -> None:
    src = tmp_path / "src"
    records_file(src / "news.jsonl")
    (tmp_path / "cleaner.yaml").write_text("input:\n  partition_size: 8K\n", encoding="utf-8")
    from cleaner.config import load_config

    config = load_config(tmp_path / "cleaner.yaml")
    assert config.input.partition_size == 8192
    assert len(parts_of(src, config)) > 10
    result = CliRunner().invoke(clean_app, [str(src), str(tmp_path / "out"), "--no-config", "--partition-size", "some"])
    assert result.exit_code == 2
    assert "--partition-size must be a size such as 2G, 500M or 1048576, not 'some'" in result.stderr


def test_an_output_utf8_alone_would_not_describe_is_escaped_as_when_whole(tmp_path: Path) -> None:
    """ASCII records, then one whose cleaned text is a rare character whose UTF-8 bytes read as
    GB18030 (a case of tests/test_encodings.py): whether the output reads back is a matter of the
    whole output, so every part's records are written with JSON escapes, the bad line as it was."""
    src = tmp_path / "src"
    src.mkdir()
    lines = [json.dumps({"id": i, "text": f"plain ascii record number {i}"}) for i in range(600)]
    lines[300] = json.dumps({"id": 300, "text": "\u3000\U00071f21"}, ensure_ascii=False)
    lines[590] = "not json, ¡Ａ"  # far enough not to be in the sample the encoding is sniffed from
    (src / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert len(parts_of(src, config_with(4096))) > 4
    whole = clean(src, tmp_path / "whole", "--partition-size", WHOLE)
    split = clean(src, tmp_path / "split", "--partition-size", PART, "-j", "2")
    assert whole.exit_code == split.exit_code == 1
    assert tree(tmp_path / "split") == tree(tmp_path / "whole")
    output = (tmp_path / "split" / "news.jsonl").read_text("utf-8").splitlines()
    assert output[300] == '{"id": 300, "text": "\\ud987\\udf21"}'
    assert output[590] == "not json, ¡Ａ"
