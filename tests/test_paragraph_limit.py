"""A line or paragraph over ``input.max_paragraph`` characters: the stages' cost grows faster than
one paragraph's length, so from there on the document is left as it was, the audit record says
so, the run names the file and line and exits 1 — and nothing is lost or half-cleaned."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cleaner.cli import app, clean_app
from cleaner.config import Config
from cleaner.model import TOO_LONG, replay
from cleaner.pipeline import Pipeline

SMALL = {"input": {"max_paragraph": 60}}
LONG_LINE = "这是一个没有换行的很长的段落，" * 6  # 90 characters


def events(result) -> list:
    return [edit for edit in result.edits if edit.is_event and edit.detail["event"] == "too_long"]


def test_a_line_over_the_limit_leaves_the_document_as_it_was():
    text = "第一段,有半角逗号 。\n\n" + LONG_LINE + "\n\n末段"
    result = Pipeline(Config().with_options(SMALL)).clean(text)
    assert result.document.text == text
    [event] = events(result)
    assert (event.stage, event.detail["by"], event.detail["line"], event.detail["length"]) == (
        "whitespace",
        "line",
        3,
        90,
    )
    assert event.detail["skipped"][:3] == ["whitespace", "unicode", "layout"]
    assert result.document.meta[TOO_LONG]
    # Under the default limit the same text is cleaned.
    assert Pipeline().clean(text).document.text != text


def test_a_paragraph_layout_makes_over_the_limit_stops_the_stages_after_layout():
    lines = [
        "这一行是一个段落，被折断成了",
        "几行，这一行也是同一个段落的",
        "部分内容，这里还在继续，并且",
        "到这里这个段落才真正结束,",
    ]
    text = "\n".join(lines) + "\n"
    result = Pipeline(Config().with_options({"input": {"max_paragraph": 40}})).clean(text)
    [event] = events(result)
    assert (event.stage, event.detail["by"]) == ("variants", "paragraph")
    assert "\n" not in result.document.text.strip()  # layout joined the lines ...
    assert result.document.text.rstrip().endswith(",")  # ... and punctuation did not run after it
    assert replay(text, result.edits) == result.document.text
    again = Pipeline(Config().with_options({"input": {"max_paragraph": 40}})).clean(result.document.text)
    assert again.document.text == result.document.text


def test_the_cli_names_the_file_and_line_writes_the_text_and_exits_1(tmp_path: Path):
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    repeated = "同一段文字在两个文件里出现了一次又一次，用来检查去重是否跳过它。"
    (src / "a.txt").write_text(f"开头一行。\n\n{repeated}\n\n{LONG_LINE}\n", encoding="utf-8")
    (src / "b.txt").write_text(f"{repeated}\n\n另一段正常的文字。\n", encoding="utf-8")
    (tmp_path / "cleaner.toml").write_text("[input]\nmax_paragraph = 60\n", encoding="utf-8")
    result = CliRunner().invoke(clean_app, [str(src), str(dst), "--config", str(tmp_path / "cleaner.toml")])
    assert result.exit_code == 1, result.output
    assert "partly cleaned a.txt:5: 90 characters without a line break" in result.output
    assert "Traceback" not in result.output
    assert (dst / "a.txt").read_text(encoding="utf-8") == (src / "a.txt").read_text(encoding="utf-8")
    # The document left as it was is no original for dedup either: b.txt keeps its copy.
    assert repeated in (dst / "b.txt").read_text(encoding="utf-8")
    verified = CliRunner().invoke(app, ["verify", str(src), str(dst)])
    assert verified.exit_code == 0, verified.output


def test_max_paragraph_must_be_a_positive_whole_number(tmp_path: Path):
    for bad in ("0", "-5", "1.5", '"big"'):
        (tmp_path / "cleaner.toml").write_text(f"[input]\nmax_paragraph = {bad}\n", encoding="utf-8")
        result = CliRunner().invoke(
            clean_app, [str(tmp_path / "x"), str(tmp_path / "y"), "--config", str(tmp_path / "cleaner.toml")]
        )
        assert result.exit_code == 2, (bad, result.output)
        assert "max_paragraph" in result.output


def test_a_fault_inside_dedup_costs_the_batch_its_dedup_not_the_run(tmp_path: Path, monkeypatch):
    """Deduplication is corpus-wide, so a fault in it used to end the run (exit 3). Now the
    documents of the failing batch are written without dedup, each named, and the run goes on."""
    from cleaner.dedup.deduplicator import Deduplicator

    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    (src / "a.txt").write_text("第一篇文章的第一段，内容足够长，可以去重。\n\n第二段。\n", encoding="utf-8")
    (src / "b.txt").write_text("第一篇文章的第一段，内容足够长，可以去重。\n\n另一段。\n", encoding="utf-8")
    original = Deduplicator._run

    def faulty(self, docs):
        if any(doc.id == "a.txt" for doc, _sketch in docs):
            raise RuntimeError("index damaged")
        return original(self, docs)

    monkeypatch.setattr(Deduplicator, "_run", faulty)
    result = CliRunner().invoke(clean_app, [str(src), str(dst), "--no-config", "--jobs", "1"])
    assert result.exit_code == 1, result.output
    assert (
        "partly cleaned a.txt: deduplication failed (RuntimeError: index damaged); written without it" in result.output
    )
    assert "Traceback" not in result.output
    assert (dst / "a.txt").exists() and (dst / "b.txt").exists()
    verified = CliRunner().invoke(app, ["verify", str(src), str(dst)])
    assert verified.exit_code == 0, verified.output
