"""The clean / cleaner commands: paths, formats, errors, exit codes, determinism, the audit record."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaner import pipeline
from cleaner.cli import app, clean_app
from cleaner.model import replay
from cleaner.report import read_audit

from .conftest import SEEDS, in_run_cache

PAGE = "\n\n渌口区推进产业发展。  \r\n\r\n\r\n\r\n园区企业已达78家。\r\n"
PAGE_CLEAN = "渌口区推进产业发展。\n\n园区企业已达78家。\n"


def invoke(*args: str | Path, input: bytes | None = None):
    return CliRunner().invoke(clean_app, [str(a) for a in args], input=input)


def tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not in_run_cache(p, root)
    }


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    (src / "nested" / "deeper").mkdir(parents=True)
    (src / "a.txt").write_text(PAGE, encoding="utf-8", newline="")
    (src / "nested" / "b.md").write_bytes(PAGE.encode("gb18030"))
    (src / "nested" / "deeper" / "c.txt").write_bytes(PAGE.encode("utf-16"))
    (src / "ignored.csv").write_text("a,b\n", encoding="utf-8")
    return src


def test_clean_mirrors_the_tree_in_utf8_with_lf_and_one_final_newline(corpus: Path, tmp_path: Path) -> None:
    before = tree_digest(corpus)
    result = invoke(corpus, tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    out = tmp_path / "out"
    for rel in ("a.txt", "nested/b.md", "nested/deeper/c.txt"):
        assert (out / rel).read_bytes() == PAGE_CLEAN.encode("utf-8"), rel
    assert not (out / "ignored.csv").exists()
    assert tree_digest(corpus) == before, "inputs must never change"
    assert "nested/b.md: gb18030" in result.stderr
    assert "nested/deeper/c.txt: utf-16-le" in result.stderr
    assert "files: 3 (3 changed, 0 unchanged, 0 skipped)" in result.stderr


def test_glob_chooses_the_files(corpus: Path, tmp_path: Path) -> None:
    result = invoke(corpus, tmp_path / "out", "--glob", "*.md")
    assert result.exit_code == 0, result.stderr
    assert sorted(tree_digest(tmp_path / "out")) == [".cleaner/audit.jsonl.gz", "nested/b.md"]


def test_a_single_file_to_standard_output(corpus: Path) -> None:
    result = invoke(corpus / "a.txt", "-")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == PAGE_CLEAN


def test_standard_input_to_standard_output_as_a_filter() -> None:
    command = [sys.executable, "-m", "cleaner", "run", "-", "-"]
    done = subprocess.run(command, input=PAGE.encode("gb18030"), capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode("utf-8") == PAGE_CLEAN
    assert b"Traceback" not in done.stderr


def test_jsonl_cleans_the_text_field_and_keeps_every_other_field(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    records = [
        {"id": 1, "text": PAGE, "meta": {"source": "株洲日报", "page": [1, 2]}, "score": 0.5},
        {"id": 2, "body": "untouched", "text": "园区企业已达78家。"},
    ]
    (src / "docs.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    result = invoke(src, tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    lines = (tmp_path / "out" / "docs.jsonl").read_text("utf-8").splitlines()
    cleaned = [json.loads(line) for line in lines]
    assert cleaned[0] == {**records[0], "text": PAGE_CLEAN.rstrip("\n")}
    assert cleaned[1] == records[1]


def test_jsonl_with_another_text_field_from_standard_input() -> None:
    line = json.dumps({"content": "  甲。\n\n\n\n乙。 ", "n": 7}, ensure_ascii=False) + "\n"
    result = invoke("-", "-", "--format", "jsonl", "--text-field", "content", input=line.encode())
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"content": "甲。\n\n乙。", "n": 7}


@pytest.mark.parametrize(
    ("dst", "message"),
    [
        (".", "the destination is the source folder"),
        ("sub/out", "the destination is inside the source folder"),
        ("..", "the source is inside the destination folder"),
    ],
)
def test_refuses_destinations_that_overlap_the_source(corpus: Path, dst: str, message: str) -> None:
    before = tree_digest(corpus)
    result = invoke(corpus, corpus / dst)
    assert result.exit_code == 2
    assert message in result.stderr
    assert tree_digest(corpus) == before


def test_refuses_to_overwrite_a_single_input_file(corpus: Path) -> None:
    result = invoke(corpus / "a.txt", corpus)
    assert result.exit_code == 2
    assert "would overwrite the input" in result.stderr


def test_unprocessable_files_are_skipped_with_a_reason_and_exit_1(corpus: Path, tmp_path: Path) -> None:
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (corpus / "broken.jsonl").write_text('{"text": "甲"}\n{not json}\n', encoding="utf-8")
    (corpus / "notext.jsonl").write_text('{"body": "甲"}\n', encoding="utf-8")
    result = invoke(corpus, tmp_path / "out")
    assert result.exit_code == 1
    assert "skipped empty.txt" not in result.stderr
    assert (tmp_path / "out" / "empty.txt").read_bytes() == b""  # an empty document, written back empty
    assert "skipped image.txt: binary file" in result.stderr
    assert "skipped broken.jsonl:2: invalid JSON" in result.stderr
    assert "skipped notext.jsonl:1: field 'text' is missing" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert (tmp_path / "out" / "a.txt").read_text("utf-8") == PAGE_CLEAN
    for name in ("image.txt", "notext.jsonl"):
        assert not (tmp_path / "out" / name).exists()
    # A bad line costs only itself: the file's good records are cleaned, the line is written back as it was.
    assert (tmp_path / "out" / "broken.jsonl").read_text("utf-8") == '{"text": "甲"}\n{not json}\n'


def test_a_failing_stage_never_leaves_a_partial_output(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    assert invoke(corpus, out).exit_code == 0
    previous = (out / "a.txt").read_bytes()
    (corpus / "a.txt").write_text("新的内容。\n\n第二段。", encoding="utf-8")
    registry = pipeline._stage_registry()

    def broken(options):
        def fail(doc):
            if "新的内容" in doc.text:
                raise RuntimeError("stage failed")
            return doc, []

        return fail

    monkeypatch.setattr(pipeline, "_stage_registry", lambda: {**registry, "whitespace": pipeline.StageSpec(broken)})
    result = invoke(corpus, out)
    assert result.exit_code == 1
    assert "skipped a.txt: internal error in cleaning (RuntimeError: stage failed)" in result.stderr
    assert (out / "a.txt").read_bytes() == previous, "the old output stays whole"
    assert not list(out.rglob(".cleaner-tmp-*")), "no temporary file is left behind"


def test_output_is_identical_whatever_order_files_are_found_in(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(6):
        (corpus / f"extra{i}.txt").write_text(f"第{i}段，内容。\n\n渌口区推进产业发展。", encoding="utf-8")
    assert invoke(corpus, tmp_path / "one").exit_code == 0
    real_walk = os.walk

    def reversed_walk(top, *args, **kwargs):
        for root, dirs, files in real_walk(top, *args, **kwargs):
            dirs.reverse()
            files.reverse()
            yield root, dirs, files

    monkeypatch.setattr(os, "walk", reversed_walk)
    assert invoke(corpus, tmp_path / "two").exit_code == 0
    assert tree_digest(tmp_path / "one") == tree_digest(tmp_path / "two")


def test_worker_processes_give_byte_identical_output(tmp_path: Path) -> None:
    assert invoke(SEEDS, tmp_path / "one", "--jobs", "1").exit_code == 0
    for name, jobs in (("two", ["--jobs", "2"]), ("three", ["--jobs", "3"]), ("default", [])):
        assert invoke(SEEDS, tmp_path / name, *jobs).exit_code == 0
        assert tree_digest(tmp_path / "one") == tree_digest(tmp_path / name), name


def test_dry_run_writes_nothing_and_lists_changes(corpus: Path, tmp_path: Path) -> None:
    result = invoke(corpus, tmp_path / "out", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert not (tmp_path / "out").exists()
    assert "would change a.txt: 3 edits (whitespace 3)" in result.stdout


def test_diff_prints_a_unified_diff(corpus: Path, tmp_path: Path) -> None:
    result = invoke(corpus / "a.txt", tmp_path / "out", "--diff", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "--- a/a.txt\n+++ b/a.txt\n" in result.stdout
    assert "-渌口区推进产业发展。  " in result.stdout
    assert "+渌口区推进产业发展。\n" in result.stdout


def test_audit_record_replays_every_document_and_is_deterministic(tmp_path: Path) -> None:
    assert invoke(SEEDS, tmp_path / "one").exit_code in (0, 1)
    assert invoke(SEEDS, tmp_path / "two", "--report", tmp_path / "audit.jsonl.gz").exit_code in (0, 1)
    audit = tmp_path / "one" / ".cleaner" / "audit.jsonl.gz"
    assert audit.read_bytes() == (tmp_path / "audit.jsonl.gz").read_bytes()
    records = list(read_audit(audit))
    assert records[0]["type"] == "run"
    files = [r for r in records if r["type"] == "file"]
    assert [r["doc"] for r in files] == sorted(p.name for p in SEEDS.glob("*.txt"))
    for record in files:
        from cleaner.model import Edit

        edits = [Edit.from_record(r) for r in records if r["type"] == "edit" and r["doc"] == record["doc"]]
        assert record["edits"] == sum(not edit.is_event for edit in edits)  # events change nothing
        source = (SEEDS / record["doc"]).read_text("utf-8")
        output = (tmp_path / "one" / record["doc"]).read_text("utf-8")
        # The final newline belongs to the file format: readers take it off, writers put it back.
        assert replay(source.removesuffix("\n"), edits) + "\n" == output, record["doc"]


def test_config_file_and_its_errors(corpus: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("spacing:\n  cjk_latin: sideways\n", encoding="utf-8")
    result = invoke(corpus, tmp_path / "out", "--config", bad)
    assert result.exit_code == 2
    assert f"{bad}:2:14: spacing.cjk_latin must be one of remove, insert, keep, not 'sideways'" in result.stderr
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("colour: red\n", encoding="utf-8")
    result = invoke(corpus, tmp_path / "out", "--config", unknown)
    assert result.exit_code == 2
    assert f"{unknown}:1:1: unknown section 'colour'" in result.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("layout:\n  markup: [keep\n", encoding="utf-8")
    result = invoke(corpus, tmp_path / "out", "--config", broken)
    assert result.exit_code == 2
    assert f"{broken}:3:1: invalid YAML" in result.stderr


def test_no_files_matching_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = invoke(tmp_path / "empty", tmp_path / "out")
    assert result.exit_code == 2
    assert "no files matching *.txt, *.md, *.jsonl" in result.stderr


def test_cleaner_run_is_clean_and_help_shows_examples(corpus: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["run", str(corpus), str(tmp_path / "out")])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out" / "a.txt").read_text("utf-8") == PAGE_CLEAN
    help_text = invoke("--help").stdout
    assert "clean seeds/ cleaned/" in help_text and "cat page.txt | clean - -" in help_text


def test_rules_stats_counts_hits_on_a_corpus_and_lists_rules_that_never_fire(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n"
        "  - {id: fu, find: 涪口, replace: 渌口, examples: [[涪口, 渌口]]}\n"
        "  - {id: never, find: 绿口罩子, replace: 绿色口罩, files: ['nowhere_*']}\n",
        encoding="utf-8",
    )
    before = tree_digest(SEEDS)
    result = CliRunner().invoke(app, ["rules", "stats", str(SEEDS), "--rules", str(rules)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"19  fu  ({rules}:2:5)"
    assert "never fired (1): never" in result.stdout
    assert "files glob 'nowhere_*' matches no file of the corpus" in result.stderr
    assert tree_digest(SEEDS) == before


def test_restore_puts_every_removed_duplicate_back(tmp_path: Path) -> None:
    assert invoke(SEEDS, tmp_path / "out").exit_code == 0
    audit = tmp_path / "out" / ".cleaner" / "audit.jsonl.gz"
    result = CliRunner().invoke(app, ["restore", str(audit), str(tmp_path / "out"), "--out", str(tmp_path / "back")])
    assert result.exit_code == 0, result.stderr
    assert "restored 10 paragraph(s) in 2 document(s)" in result.stdout
    # With dedup off, the same pipeline gives exactly the restored text.
    assert invoke(SEEDS, tmp_path / "nodedup", "--dedup", "off").exit_code == 0
    for restored in (tmp_path / "back").glob("*.txt"):
        assert restored.read_text("utf-8") == (tmp_path / "nodedup" / restored.name).read_text("utf-8")
    missing = CliRunner().invoke(app, ["restore", str(tmp_path / "none.jsonl"), str(tmp_path / "out")])
    assert missing.exit_code == 2 and "no such audit record" in missing.stderr


def test_corpus_dedup_in_batches_equals_document_by_document(tmp_path: Path) -> None:
    from cleaner.config import Config
    from cleaner.corpus import Corpus, clean_corpus
    from cleaner.model import Document

    src = tmp_path / "src"
    src.mkdir()
    paragraphs = [p for p in (SEEDS / "003_f63b25ad495e4c38.txt").read_text("utf-8").split("\n\n") if len(p) > 40]
    for i in range(40):
        chosen = [paragraphs[(i * 7 + k * 3) % len(paragraphs)] for k in range(5)]
        (src / f"{i:03d}.txt").write_text("\n\n".join(chosen), encoding="utf-8")
    config = Config().with_options({"rules": {"enabled": False}})
    clean_corpus(src, tmp_path / "out", config)
    one_by_one = Corpus(config)
    for path in sorted(src.glob("*.txt")):
        cleaned, _ = one_by_one.clean_document(Document(path.name, path.read_text("utf-8")))
        expected = cleaned.text + "\n" if cleaned and cleaned.text else ""
        assert (tmp_path / "out" / path.name).read_text("utf-8") == expected, path.name
    assert one_by_one.deduplicator.stats["exact"] > 50


def test_empty_standard_input_is_an_empty_document() -> None:
    result = invoke("-", "-", input=b"")
    assert result.exit_code == 0
    assert result.stdout == ""


def test_a_destination_that_is_a_file_is_refused(corpus: Path, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    result = invoke(corpus, tmp_path / "afile")
    assert result.exit_code == 2
    assert "the destination must be a folder" in result.stderr


def test_a_duplicate_document_is_reported_and_dropped_on_request(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    page = (SEEDS / "000_531bce3b1dd6754a.txt").read_text("utf-8")
    (src / "a.txt").write_text(page, encoding="utf-8")
    (src / "b.txt").write_text(page, encoding="utf-8")
    result = invoke(src, tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    assert "events: dedup/near_duplicate_document reported ×1" in result.stderr
    kept, reported = ((tmp_path / "out" / name).read_text("utf-8") for name in ("a.txt", "b.txt"))
    assert len(reported) < len(kept) // 10, "the reported copy loses its duplicate paragraphs"
    dropped = invoke(src, tmp_path / "dropped", "--drop-duplicate-documents")
    assert dropped.exit_code == 0, dropped.stderr
    assert "documents dropped: 1" in dropped.stderr
    assert (tmp_path / "dropped" / "b.txt").read_text("utf-8") == ""
