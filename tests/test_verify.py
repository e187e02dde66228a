"""`cleaner verify SRC DST`: the audit record alone accounts for every input character, through the real CLI."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaner import verify_corpus
from cleaner.cli import app, clean_app
from cleaner.corpus import existing_audit
from cleaner.io.paths import display_name
from cleaner.report import read_audit

from .conftest import CLEANED, ROOT, SEEDS, write_audit_records

SEED_NAMES = sorted(path.name for path in SEEDS.glob("*.txt"))
EDUCATION = "过去,渌口区是块相当的牌子,不少家长把孩子送到渌口读书,但随着周边地区的名校异军突起,渌口教育的地位、形象日趋弱化,重拾辉煌是大家共同的心愿。"  # noqa: E501
MOTTO = "教育是民生之基,牵动着千家万户,每一所学校的变化都牵动着家长们的心。"
FUND = "今年7月,50亿元规模的湖南省制造业转型升级基金和10亿元规模的株洲财信高分子新材料产业基金,落户渌口区。"
OTHER = "近年来,渌口区始终坚持“把最好的资源留给人民”,每年公共预算支出70%以上投向民生,倾力解决,全力完善。"


def clean(*args: str | Path):
    return CliRunner().invoke(clean_app, [str(a) for a in (*args, "--quiet")])


def verify(*args: str | Path):
    return CliRunner().invoke(app, ["verify", *(str(a) for a in args)])


def tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def audit_lines(out: Path) -> list[dict]:
    return list(read_audit(existing_audit(out)))


def write_audit(out: Path, records: list[dict]) -> None:
    """Replace the run's audit record by ``records``, one line each (the verbose layout older runs wrote)."""
    (out / ".cleaner" / "audit.jsonl.gz").unlink(missing_ok=True)
    write_audit_records(out / ".cleaner" / "audit.jsonl", records)


@pytest.fixture
def seeds_out(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    assert clean(SEEDS, out, "--no-rules").exit_code == 0
    return out


@pytest.fixture
def jsonl_src(tmp_path: Path) -> Path:
    """JSON Lines with duplicate paragraphs, a duplicate record and a blank line (record ids count it)."""
    src = tmp_path / "src"
    src.mkdir()
    records = [
        {"id": 1, "text": f"{FUND}\n\n{EDUCATION}\n\n{MOTTO}", "tags": ["a"]},
        {"id": 2, "text": f"{OTHER}\n\n{EDUCATION}\n{MOTTO}"},
        {"id": 3, "text": f"{FUND}\n\n{EDUCATION}\n\n{MOTTO}", "n": 3.5},
    ]
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    (src / "news.jsonl").write_text(f"{lines[0]}\n\n{lines[1]}\n{lines[2]}\n", encoding="utf-8")
    (src / "page.txt").write_text(f"{OTHER}\r\n\r\n{FUND}\r\n", encoding="utf-8", newline="")
    return src


def test_a_fresh_clean_of_the_seeds_verifies(seeds_out: Path) -> None:
    result = verify(SEEDS, seeds_out)
    assert result.exit_code == 0, result.stdout
    lines = result.stdout.splitlines()
    assert lines[:-1] == [f"{name}: ok" for name in SEED_NAMES]
    assert lines[-1].startswith("verified: 5 ok; ")
    assert "10 removed paragraph(s) recoverable" in lines[-1]


def test_the_committed_cleaned_folder_verifies_as_ci_runs_it() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cleaner", "verify", "seeds/", "cleaned/"], cwd=ROOT, capture_output=True, check=False
    )
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    assert done.stdout.decode().splitlines()[-1].startswith("verified: 5 ok; ")
    assert "cleaner verify seeds/ cleaned/" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_verify_passes_after_a_run_with_two_jobs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert clean(SEEDS, out, "--jobs", "2").exit_code == 0
    result = verify(SEEDS, out)
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines()[-1].startswith("verified: 5 ok; ")


def test_a_json_lines_corpus_with_duplicates_verifies(jsonl_src: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert clean(jsonl_src, out).exit_code == 0
    removals = [r for r in audit_lines(out) if r.get("stage") == "dedup" and r["after"] == "" and r["before"]]
    assert {r["doc"] for r in removals} == {"news.jsonl:3", "news.jsonl:4", "page.txt"}
    result = verify(jsonl_src, out)
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines() == [
        "news.jsonl: ok",
        "page.txt: ok",
        result.stdout.splitlines()[-1],
    ]
    assert f"{len(removals)} removed paragraph(s) recoverable" in result.stdout


def test_dropped_duplicate_records_and_a_report_elsewhere_verify(jsonl_src: Path, tmp_path: Path) -> None:
    out, report = tmp_path / "out", tmp_path / "run.audit.jsonl"
    assert clean(jsonl_src, out, "--drop-duplicate-documents", "--report", report, "--glob", "*.jsonl").exit_code == 0
    assert [json.loads(line)["id"] for line in (out / "news.jsonl").read_text(encoding="utf-8").splitlines()] == [1, 2]
    result = verify(jsonl_src, out, "--report", report, "--glob", "*.jsonl")
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines()[0] == "news.jsonl: ok"
    # Without the run's --glob, page.txt is an input the audit record does not account for.
    result = verify(jsonl_src, out, "--report", report)
    assert result.exit_code == 1
    assert "page.txt: no audit record" in result.stdout.splitlines()


def test_an_output_edited_by_hand_is_a_mismatch_naming_the_file_and_offset(seeds_out: Path) -> None:
    name = SEED_NAMES[2]
    path = seeds_out / name
    text = path.read_text(encoding="utf-8")
    offset = text.index("。", 200)
    path.write_text(text[:offset] + "." + text[offset + 1 :], encoding="utf-8")
    result = verify(SEEDS, seeds_out)
    assert result.exit_code == 1
    line = text.count("\n", 0, offset) + 1
    mismatch = next(row for row in result.stdout.splitlines() if row.startswith(name))
    assert mismatch.startswith(
        f"{name}: MISMATCH: the output differs from the replayed edits at offset {offset} (line {line}): "
    )
    assert f"expected …{text[offset - 12 : offset + 12]!r}…, found …" in mismatch
    assert result.stdout.splitlines()[-1].startswith("NOT verified: 4 ok, 1 MISMATCH; ")


def test_a_deleted_output_is_missing(seeds_out: Path) -> None:
    (seeds_out / SEED_NAMES[0]).unlink()
    result = verify(SEEDS, seeds_out)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == f"{SEED_NAMES[0]}: missing output"
    assert result.stdout.splitlines()[-1].startswith("NOT verified: 4 ok, 1 missing output; ")


def test_a_tampered_edit_fails(seeds_out: Path) -> None:
    records = audit_lines(seeds_out)
    index = next(i for i, r in enumerate(records) if r.get("stage") == "punctuation")
    records[index]["after"] = "?"
    write_audit(seeds_out, records)
    result = verify(SEEDS, seeds_out)
    assert result.exit_code == 1
    assert f"{records[index]['doc']}: MISMATCH: the output differs from the replayed edits at offset" in result.stdout


def test_an_edit_that_does_not_match_its_text_names_its_audit_line(seeds_out: Path) -> None:
    records = audit_lines(seeds_out)
    index = next(i for i, r in enumerate(records) if r.get("stage") == "punctuation")
    edit = records[index]
    edit["start"] += 1
    edit["end"] += 1
    write_audit(seeds_out, records)
    result = verify(SEEDS, seeds_out)
    assert result.exit_code == 1
    expected = (
        f"{edit['doc']}: MISMATCH: the edit on audit record line {index + 1} (punctuation/{edit['rule']}, "
        f"step {edit['step']}) expects {edit['before']!r} at offset {edit['start']}, the text there is "
    )
    assert expected in result.stdout


def test_a_deleted_edit_line_is_counted(seeds_out: Path) -> None:
    records = audit_lines(seeds_out)
    file_record = next(r for r in records if r["type"] == "file" and r["edits"])
    index = next(i for i, r in enumerate(records) if r["type"] == "edit" and r["doc"] == file_record["doc"])
    del records[index]
    write_audit(seeds_out, records)
    result = verify(SEEDS, seeds_out)
    assert result.exit_code == 1
    expected = (
        f"{file_record['doc']}: MISMATCH: the file record counts {file_record['edits']} edits, "
        f"the audit record holds {file_record['edits'] - 1}"
    )
    assert expected in result.stdout.splitlines()


def test_a_removal_put_back_in_the_wrong_place_fails(seeds_out: Path) -> None:
    # Replay still gives the output; only restoring the removed paragraph shows the record is wrong.
    records = audit_lines(seeds_out)
    removal = next(r for r in records if r.get("stage") == "dedup" and r["before"])
    removal["detail"]["removed_para"] -= 3
    write_audit(seeds_out, records)
    result = verify(SEEDS, seeds_out)
    assert result.exit_code == 1
    assert (
        f"{removal['doc']}: MISMATCH: putting the removed paragraphs back does not give the text dedup received"
        in result.stdout
    )


def test_a_missing_audit_record_exits_1_with_a_clear_message(seeds_out: Path) -> None:
    audit = seeds_out / ".cleaner" / "audit.jsonl.gz"
    audit.unlink()
    result = verify(SEEDS, seeds_out)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{audit}: no audit record here (clean writes one when a run completes; an interrupted run leaves none)",
        "NOT verified: no audit record, nothing checked",
    ]


def test_a_broken_audit_line_fails(seeds_out: Path) -> None:
    audit = seeds_out / ".cleaner" / "audit.jsonl.gz"
    audit.write_bytes(audit.read_bytes() + gzip.compress(b"{not json\n"))  # a second gzip member
    result = verify(SEEDS, seeds_out)
    assert result.exit_code == 1
    assert any(line.startswith(f"{audit}: line ") and "not a JSON line" in line for line in result.stdout.splitlines())


def test_a_skipped_binary_file_is_listed_as_skipped(tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    (src / "a.txt").write_text(f"{FUND}\n\n{MOTTO}\n", encoding="utf-8")
    (src / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert clean(src, out).exit_code == 1
    result = verify(src, out)
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines()[:2] == ["a.txt: ok", "image.txt: skipped: binary file (contains NUL bytes)"]
    assert result.stdout.splitlines()[-1].startswith("verified: 1 ok, 1 skipped; ")
    # An output for a file the run skipped was not written by that run: nothing accounts for it.
    (out / "image.txt").write_text("stale\n", encoding="utf-8")
    result = verify(src, out)
    assert result.exit_code == 1
    assert "image.txt: MISMATCH: skipped (image.txt: binary file (contains NUL bytes)), yet DST holds an output" in (
        result.stdout
    )


@pytest.mark.parametrize("raw", [b"\xff\xfe.txt", b"bad\xff.txt", "渌口".encode("gbk") + b".txt", b"\xfe/a.txt"])
def test_a_skipped_name_that_is_not_utf8_verifies(tmp_path: Path, raw: bytes) -> None:
    """The audit record names such a file escaped (``\\xff\\xfe.txt``); one escaped from its first
    byte reads like a Windows path from the root, and verify once refused it as unsafe (exit 1)."""
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    (src / "a.txt").write_text(f"{FUND}\n", encoding="utf-8")
    bad = src / os.fsdecode(raw)
    bad.parent.mkdir(exist_ok=True)
    bad.write_text(f"{MOTTO}\n", encoding="utf-8")
    assert clean(src, out).exit_code == 1
    result = verify(src, out)
    assert result.exit_code == 0, result.stdout
    assert f"{display_name(os.fsdecode(raw))}: skipped: the file name is not valid UTF-8" in result.stdout


def test_every_input_needs_a_record_and_every_output_a_source(seeds_out: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in SEED_NAMES:
        (src / name).write_bytes((SEEDS / name).read_bytes())
    (src / "late.txt").write_text(MOTTO, encoding="utf-8")
    (seeds_out / "sub").mkdir()
    (seeds_out / "sub" / "stray.md").write_text("stray\n", encoding="utf-8")
    result = verify(src, seeds_out)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert "late.txt: no audit record" in lines and "sub/stray.md: no source" in lines
    assert lines[-1].startswith("NOT verified: 5 ok, 1 no audit record, 1 no source; ")


def test_inputs_in_other_encodings_verify(tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    (src / "nested").mkdir(parents=True)
    page = f"\n\n{FUND}  \r\n\r\n\r\n{EDUCATION}\r\n"
    (src / "gbk.txt").write_bytes(page.encode("gb18030"))
    (src / "nested" / "u16.md").write_bytes(page.replace(FUND, OTHER).encode("utf-16"))
    (src / "damaged.txt").write_bytes(MOTTO.encode("utf-8") * 40 + "资".encode()[:2])
    assert clean(src, out).exit_code == 0
    encodings = {r["doc"]: r["encoding"] for r in audit_lines(out) if r["type"] == "file"}
    assert encodings["gbk.txt"] == "gb18030" and encodings["nested/u16.md"] == "utf-16-le"
    assert encodings["damaged.txt"] == "utf-8, 1 undecodable bytes replaced by U+FFFD"
    result = verify(src, out)
    assert result.exit_code == 0, result.stdout
    # The encoding is the audit record's: named wrongly there, the input cannot decode to what was cleaned.
    records = audit_lines(out)
    next(r for r in records if r.get("doc") == "gbk.txt")["encoding"] = "big5hkscs"
    write_audit(out, records)
    result = verify(src, out)
    assert result.exit_code == 1
    assert next(line for line in result.stdout.splitlines() if line.startswith("gbk.txt: MISMATCH: "))


def test_a_json_lines_record_changed_by_hand_names_the_record(jsonl_src: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert clean(jsonl_src, out).exit_code == 0
    lines = (out / "news.jsonl").read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[1])
    record["extra"] = True
    lines[1] = json.dumps(record, ensure_ascii=False)
    (out / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = verify(jsonl_src, out)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith(
        "news.jsonl: MISMATCH: line 2 (record news.jsonl:3): differs at column"
    )


def test_verify_writes_nothing(seeds_out: Path) -> None:
    before_src, before_out = tree_digest(SEEDS), tree_digest(seeds_out)
    (seeds_out / SEED_NAMES[1]).unlink()
    before_out.pop(SEED_NAMES[1])
    assert verify(SEEDS, seeds_out).exit_code == 1
    assert tree_digest(SEEDS) == before_src and tree_digest(seeds_out) == before_out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("missing-src", "{out}"), "missing-src: no such file or folder"),
        ((SEEDS, "{tmp}/nowhere"), "nowhere: no such folder"),
        ((SEEDS, SEEDS), "the destination is the source folder"),
        (("-", "{out}"), "verify needs the SRC and DST of a run"),
    ],
)
def test_bad_arguments_exit_2(seeds_out: Path, tmp_path: Path, args: tuple, message: str) -> None:
    result = verify(*(str(a).format(out=seeds_out, tmp=tmp_path) for a in args))
    assert result.exit_code == 2
    assert message in result.stderr and not result.stdout


def test_the_library_function_reports_the_same(seeds_out: Path) -> None:
    report = verify_corpus(SEEDS, seeds_out)
    assert report.ok and report.exit_code == 0
    assert [(check.name, check.verdict) for check in report.files] == [(name, "ok") for name in SEED_NAMES]
    assert sum(check.removed for check in report.files) == 10
    assert verify_corpus(SEEDS, CLEANED).ok
