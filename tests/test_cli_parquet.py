"""Parquet inputs: the text column cleaned, every other column kept, the same schema written back."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cleaner.cli import app as cleaner_app
from cleaner.cli import clean_app

REPEATED = "这一段新闻在两行里一字不差地出现了两次，第二次应当作为重复文档被去掉。"


@pytest.fixture
def pa() -> Any:
    return pytest.importorskip("pyarrow")


def write(
    pa: Any, path: Path, columns: dict[str, list], compression: str = "zstd", metadata: dict | None = None
) -> Any:
    import pyarrow.parquet as pq

    table = pa.table(columns)
    if metadata:
        table = table.replace_schema_metadata(metadata)
    pq.write_table(table, path, compression=compression)
    return table


def read(path: Path) -> Any:
    import pyarrow.parquet as pq

    return pq.read_table(path)


def invoke(*args: str | Path):
    return CliRunner().invoke(clean_app, [*map(str, args), "--no-config", "-x", "rules"])


def test_the_text_column_is_cleaned_and_everything_else_is_kept(pa: Any, tmp_path: Path) -> None:
    source = tmp_path / "news.parquet"
    columns = {"id": [7, 8], "text": ["今天　天气很好 。", "ＡＢＣ测试,好"], "score": [0.5, None]}
    table = write(pa, source, columns, compression="gzip", metadata={"origin": "crawl"})
    result = invoke(source, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("news.parquet: utf-8, 5 edits (unicode 2, spacing 2, punctuation 1)\n")
    output = tmp_path / "out" / "news.parquet"
    written = read(output)
    assert written.schema.equals(table.schema, check_metadata=True)
    assert written.to_pydict() == {"id": [7, 8], "text": ["今天天气很好。", "ABC测试，好"], "score": [0.5, None]}
    import pyarrow.parquet as pq

    assert pq.ParquetFile(output).metadata.row_group(0).column(0).compression == "GZIP"


def test_text_field_names_the_column(pa: Any, tmp_path: Path) -> None:
    source = tmp_path / "a.parquet"
    write(pa, source, {"text": ["ＡＢＣ"], "content": ["好,的"]})
    result = invoke(source, tmp_path / "out", "--text-field", "content")
    assert result.exit_code == 0, result.output
    assert read(tmp_path / "out" / "a.parquet").to_pydict() == {"text": ["ＡＢＣ"], "content": ["好，的"]}


def test_a_null_text_is_reported_as_file_row_and_written_back(pa: Any, tmp_path: Path) -> None:
    source = tmp_path / "a.parquet"
    write(pa, source, {"id": [1, 2, 3], "text": ["好,的", None, "ＡＢＣ"]})
    result = invoke(source, tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "skipped a.parquet:2: field 'text' is null"
    assert read(tmp_path / "out" / "a.parquet").to_pydict() == {"id": [1, 2, 3], "text": ["好，的", None, "ABC"]}


def test_on_error_fail_skips_a_parquet_file_with_a_bad_row(pa: Any, tmp_path: Path) -> None:
    source = tmp_path / "a.parquet"
    write(pa, source, {"text": ["好,的", None]})
    result = invoke(source, tmp_path / "out", "--on-error", "fail")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:2] == [
        "skipped a.parquet:2: field 'text' is null",
        "skipped a.parquet: 1 bad Parquet row (--on-error fail)",
    ]
    assert not (tmp_path / "out" / "a.parquet").exists()


def test_files_without_a_usable_text_column_are_skipped_and_the_run_goes_on(pa: Any, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    write(pa, src / "a.parquet", {"id": [1], "body": ["好"]})
    write(pa, src / "b.parquet", {"text": [1, 2]})
    (src / "c.parquet").write_bytes(b"PAR1 this is not parquet")
    write(pa, src / "d.parquet", {"text": ["好,的"]})
    result = invoke(src, tmp_path / "out")
    assert result.exit_code == 1
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped")]
    assert skipped[:2] == [
        "skipped a.parquet: no column 'text' (columns: id, body); choose one with --text-field",
        "skipped b.parquet: column 'text' holds int64, not strings",
    ]
    assert skipped[2].startswith("skipped c.parquet: not a valid Parquet file (")
    assert len(skipped) == 3
    assert read(tmp_path / "out" / "d.parquet").to_pydict() == {"text": ["好，的"]}


def test_a_duplicate_document_row_is_dropped(pa: Any, tmp_path: Path) -> None:
    source = tmp_path / "a.parquet"
    write(pa, source, {"id": [1, 2, 3], "text": [REPEATED, "别的内容。", REPEATED]})
    result = invoke(source, tmp_path / "out", "--drop-duplicate-documents")
    assert result.exit_code == 0, result.output
    assert read(tmp_path / "out" / "a.parquet").to_pydict() == {"id": [1, 2], "text": [REPEATED, "别的内容。"]}
    verified = CliRunner().invoke(cleaner_app, ["verify", str(source), str(tmp_path / "out")])
    assert verified.exit_code == 0, verified.output


def test_verify_checks_every_cell(pa: Any, tmp_path: Path) -> None:
    source = tmp_path / "a.parquet"
    write(pa, source, {"id": [1, 2], "text": ["好,的", "ＡＢＣ"]})
    out = tmp_path / "out"
    assert invoke(source, out).exit_code == 0
    verified = CliRunner().invoke(cleaner_app, ["verify", str(source), str(out)])
    assert verified.exit_code == 0, verified.output
    assert verified.stdout.splitlines()[0] == "a.parquet: ok"
    write(pa, out / "a.parquet", {"id": [1, 3], "text": ["好，的", "ABC"]})
    verified = CliRunner().invoke(cleaner_app, ["verify", str(source), str(out)])
    assert verified.exit_code == 1
    assert (
        verified.stdout.splitlines()[0]
        == "a.parquet: MISMATCH: row 2 of the output, column 'id': expected '2', found '3'"
    )


def test_diff_shows_the_text_column_row_by_row(pa: Any, tmp_path: Path) -> None:
    source = tmp_path / "a.parquet"
    write(pa, source, {"text": ["好的", "ＡＢＣ"]})
    result = invoke(source, tmp_path / "out", "--check", "--diff")
    assert result.exit_code == 1
    assert ' "好的"\n-"ＡＢＣ"\n+"ABC"\n' in result.stdout


def test_a_parquet_file_cannot_go_to_standard_output(pa: Any, tmp_path: Path) -> None:
    source = tmp_path / "a.parquet"
    write(pa, source, {"text": ["好"]})
    result = invoke(source, "-")
    assert result.exit_code == 2
    assert result.stderr == "DST - (standard output) cannot take a Parquet file; name an output folder\n"


def test_without_pyarrow_a_parquet_file_is_skipped_with_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.parquet").write_bytes(b"PAR1 anything PAR1")
    (src / "b.txt").write_text("好,的\n", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow raises ImportError
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    result = invoke(src, tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "skipped a.parquet: reading and writing Parquet files needs the pyarrow package: pip install 'cleaner[parquet]'"
    )
    assert (tmp_path / "out" / "b.txt").read_text(encoding="utf-8") == "好，的\n"
