"""The audit record's two layouts: compact (the default, gzip) and verbose read back as the same records."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaner.audit_file import CompactEncoder, audit_lines, edit_record, verbose_lines
from cleaner.cli import app, clean_app
from cleaner.model import Document, Edit
from cleaner.report import Summary, read_audit

from .conftest import SEEDS, audit_text, in_run_cache

FIRST = "渌口区推进产业发展,园区企业已达78家。"
DUPLICATED = f"{FIRST}\n\n这是第二段,说的是别的事。\n\n{FIRST}\n"


def clean(*args: str | Path):
    return CliRunner().invoke(clean_app, [*map(str, args), "--quiet"])


def cleaner(*args: str | Path):
    return CliRunner().invoke(app, list(map(str, args)))


def outputs(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not in_run_cache(p, root)
    }


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The seeds cleaned twice, compact (the default) and verbose."""
    root = tmp_path_factory.mktemp("both")
    assert clean(SEEDS, root / "compact").exit_code == 0
    assert clean(SEEDS, root / "verbose", "--audit-format", "verbose").exit_code == 0
    return root / "compact", root / "verbose"


def test_compact_is_the_default_and_reads_back_as_the_verbose_records(both: tuple[Path, Path]) -> None:
    compact, verbose = both
    assert sorted(p.name for p in (compact / ".cleaner").iterdir()) == ["audit.jsonl.gz", "cache"]
    assert sorted(p.name for p in (verbose / ".cleaner").iterdir()) == ["audit.jsonl", "cache"]
    compact_records = list(read_audit(compact / ".cleaner" / "audit.jsonl.gz"))
    verbose_records = list(read_audit(verbose / ".cleaner" / "audit.jsonl"))
    assert sum(r["type"] == "edit" for r in verbose_records) > 800
    assert compact_records == verbose_records
    assert [list(r) for r in compact_records] == [list(r) for r in verbose_records], "same keys, same order"
    # Only the audit record differs between the two runs.
    assert {k: v for k, v in outputs(compact).items() if not k.startswith(".cleaner/")} == {
        k: v for k, v in outputs(verbose).items() if not k.startswith(".cleaner/")
    }


def test_compact_is_much_smaller_and_gzip(both: tuple[Path, Path]) -> None:
    compact, verbose = both
    packed = (compact / ".cleaner" / "audit.jsonl.gz").read_bytes()
    assert packed[:2] == b"\x1f\x8b"
    plain = (verbose / ".cleaner" / "audit.jsonl").stat().st_size
    seeds = sum(p.stat().st_size for p in SEEDS.glob("*.txt"))
    assert len(packed) < plain / 10 and len(packed) < seeds / 2
    kinds = [json.loads(line) for line in audit_text(compact / ".cleaner" / "audit.jsonl.gz").splitlines()]
    assert {r["type"] for r in kinds} == {"run", "file", "kinds", "edits"}


def test_audit_show_exports_the_verbose_record_byte_for_byte(both: tuple[Path, Path]) -> None:
    compact, verbose = both
    result = cleaner("audit", "show", compact)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (verbose / ".cleaner" / "audit.jsonl").read_text(encoding="utf-8")
    assert cleaner("audit", "show", verbose / ".cleaner" / "audit.jsonl").stdout == result.stdout


def test_audit_show_filters_by_stage_rule_and_document(both: tuple[Path, Path]) -> None:
    compact, _ = both
    everything = list(read_audit(compact / ".cleaner" / "audit.jsonl.gz"))
    edits = [r for r in everything if r["type"] == "edit"]
    doc = edits[0]["doc"]

    def shown(*filters: str) -> list[dict]:
        result = cleaner("audit", "show", compact, *filters)
        assert result.exit_code == 0, result.stderr
        return [json.loads(line) for line in result.stdout.splitlines()]

    assert shown("--stage", "punctuation") == [r for r in edits if r["stage"] == "punctuation"]
    assert shown("--rule", "halfwidth_comma", "--rule", "blank_lines") == [
        r for r in edits if r["rule"] in ("halfwidth_comma", "blank_lines")
    ]
    by_doc = shown("--doc", doc)
    assert by_doc == [r for r in everything if r.get("doc") == doc]
    assert by_doc[0]["type"] == "file" and len(by_doc) > 1
    assert shown("--doc", doc, "--stage", "dedup") == [r for r in edits if r["doc"] == doc and r["stage"] == "dedup"]
    assert shown("--stage", "no-such-stage") == []


def test_audit_show_without_a_record_is_an_error(tmp_path: Path) -> None:
    result = cleaner("audit", "show", tmp_path)
    assert result.exit_code == 2
    assert "no audit record" in result.stderr


def test_verify_and_restore_work_on_either_layout(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text(DUPLICATED, encoding="utf-8")
    for layout in ("compact", "verbose"):
        out = tmp_path / layout
        assert clean(src, out, "--no-rules", "--audit-format", layout).exit_code == 0
        verified = cleaner("verify", src, out)
        assert verified.exit_code == 0, verified.stdout
        assert "1 removed paragraph(s) recoverable" in verified.stdout
        audit = next(p for p in (out / ".cleaner").iterdir() if p.is_file())
        restored = cleaner("restore", audit, out, "--out", tmp_path / f"restored-{layout}")
        assert restored.exit_code == 0, restored.stdout + restored.stderr
        text = (tmp_path / f"restored-{layout}" / "a.txt").read_text(encoding="utf-8")
        assert text.count("园区企业已达78家") == 2


def test_a_run_replaces_the_other_layouts_record_and_still_finds_stale_outputs(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text(DUPLICATED, encoding="utf-8")
    (src / "b.txt").write_text("第二个文件。\n", encoding="utf-8")
    dst = tmp_path / "dst"
    assert clean(src, dst, "--audit-format", "verbose").exit_code == 0
    (src / "b.txt").unlink()
    result = CliRunner().invoke(clean_app, [str(src), str(dst)])
    assert result.exit_code == 0, result.stderr
    assert "stale b.txt: its input is gone; kept" in result.stderr, "found from the verbose record"
    assert sorted(p.name for p in (dst / ".cleaner").iterdir()) == ["audit.jsonl.gz", "cache"]
    assert [r["doc"] for r in read_audit(dst / ".cleaner" / "audit.jsonl.gz") if r["type"] == "stale"] == ["b.txt"]


def test_the_compression_follows_the_report_name(tmp_path: Path) -> None:
    plain, packed = tmp_path / "run.jsonl", tmp_path / "run.jsonl.gz"
    assert clean(SEEDS, tmp_path / "one", "--report", plain).exit_code == 0
    assert clean(SEEDS, tmp_path / "two", "--report", packed).exit_code == 0
    assert plain.read_bytes()[:1] == b"{" and packed.read_bytes()[:2] == b"\x1f\x8b"
    assert gzip.decompress(packed.read_bytes()) == plain.read_bytes()
    assert cleaner("verify", SEEDS, tmp_path / "one", "--report", plain).exit_code == 0


def test_an_unknown_audit_format_is_refused(tmp_path: Path) -> None:
    result = clean(SEEDS, tmp_path / "out", "--audit-format", "terse")
    assert result.exit_code == 2
    assert "unknown audit format 'terse': choose one of compact, verbose" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_truncated_compact_record_is_reported_not_half_read(both: tuple[Path, Path], tmp_path: Path) -> None:
    compact, _ = both
    data = (compact / ".cleaner" / "audit.jsonl.gz").read_bytes()
    truncated = tmp_path / "audit.jsonl.gz"
    truncated.write_bytes(data[: len(data) // 2])
    reasons = [record for _, record in audit_lines(truncated) if isinstance(record, str)]
    assert len(reasons) == 1 and "the compressed audit record is damaged" in reasons[0]
    with pytest.raises(ValueError, match="damaged"):
        list(read_audit(truncated))
    result = cleaner("verify", SEEDS, compact, "--report", truncated)
    assert result.exit_code == 1
    assert "the compressed audit record is damaged" in result.stdout


# -- the encoder, edit by edit --------------------------------------------------------------

EDITS = [
    Edit("whitespace", "blank_lines", 10, 13, "\n\n\n", "\n\n", para=1, step=0),
    Edit("punctuation", "halfwidth_comma", 4, 5, ",", "，", para=0, step=3),
    Edit("layout", "kept_apart", 7, 7, "", "", para=2, step=4, detail={"event": "weak_evidence", "score": 0.4}),
    Edit("dedup", "exact", 0, 12, "渌口区推进产业发展。\n\n", "", para=0, step=5, detail={"kept": {"doc": "a.txt"}}),
]


def write_lines(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "audit.jsonl"
    path.write_text('{"type": "run", "stages": []}\n' + text, encoding="utf-8")
    return path


def test_compact_lines_expand_to_the_verbose_records(tmp_path: Path) -> None:
    encoder = CompactEncoder()
    text = encoder.lines("a.txt", EDITS[:2]) + encoder.lines("b.txt", EDITS[1:]) + encoder.lines("c.txt", [])
    lines = [json.loads(line) for line in text.splitlines()]
    assert [line["type"] for line in lines] == ["kinds", "edits", "kinds", "edits"]
    assert lines[2] == {"type": "kinds", "first": 2, "kinds": [["layout", "kept_apart"], ["dedup", "exact"]]}
    assert lines[3]["kind"] == [1, 2, 3] and "end" not in lines[3]
    assert lines[3]["detail"] == [[1, EDITS[2].detail], [2, EDITS[3].detail]]
    expected = [edit_record("a.txt", edit) for edit in EDITS[:2]] + [edit_record("b.txt", edit) for edit in EDITS[1:]]
    assert [record for _, record in audit_lines(write_lines(tmp_path, text))][1:] == expected
    verbose = verbose_lines("a.txt", EDITS[:2]) + verbose_lines("b.txt", EDITS[1:])
    assert [record for _, record in audit_lines(write_lines(tmp_path, verbose))][1:] == expected


def test_an_edit_whose_span_is_not_its_before_text_keeps_its_end(tmp_path: Path) -> None:
    odd = Edit("rules", "r1", 3, 9, "ab", "c", para=0, step=1)
    line = json.loads(CompactEncoder().lines("a.txt", [EDITS[1], odd]).splitlines()[-1])
    assert line["end"] == [5, 9]
    records = [record for _, record in audit_lines(write_lines(tmp_path, CompactEncoder().lines("a.txt", [odd])))]
    assert records[1]["end"] == 9


ONE_EDIT = '{"type": "edits", "doc": "a.txt", "kind": [0], "para": [0], "start": [0], "before": ["x"], "after": [""]'
KINDS = '{"type": "kinds", "first": 0, "kinds": [["s", "r"]]}'


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (ONE_EDIT + ', "step": [0]}', "kind 0 is not in the table"),
        ('{"type": "kinds", "first": 3, "kinds": [["a", "b"]]}', "does not continue the table"),
        ('{"type": "kinds", "first": 0, "kinds": [["a"]]}', "a malformed pair"),
        (KINDS + "\n" + ONE_EDIT + ', "step": [0, 1]}', "not lists of one length"),
    ],
)
def test_a_malformed_compact_line_is_named(tmp_path: Path, line: str, reason: str) -> None:
    problems = [(n, r) for n, r in audit_lines(write_lines(tmp_path, line + "\n")) if isinstance(r, str)]
    assert len(problems) == 1 and reason in problems[0][1]


def test_edits_encoded_ahead_splice_into_the_line_encoded_in_one_go() -> None:
    """A document's first edits encoded on a worker (EncodedEdits) and the later ones (dedup's,
    the after-dedup reading's) encoded in the main process make the very line, and the run's
    table of kinds grows the same, wherever the cut falls: at the start, at the end, before a
    detail, an end that is not start + len(before), or a new kind in either part."""
    from cleaner.audit_file import EncodedEdits
    from cleaner.corpus import Corpus

    corpus = Corpus()
    documents = []
    for path in sorted(SEEDS.glob("*.txt"))[:6]:
        result = corpus.pipeline.clean_document(Document(path.name, path.read_text("utf-8")))
        documents.append((path.name, result.edits))
    removal = Edit("dedup", "exact", 0, 9, "重复的一段文字。\n\n", "", 0, {"kept": {"doc": "x.txt", "para": 2}}, 40)
    documents.append(("odd.txt", [Edit("layout", "join", 3, 5, "\n", "", 0, None, 0), removal]))
    documents.append(("event.txt", [Edit("layout", "apart", 0, 0, "", "", 0, {"event": "weak"}), removal]))
    whole, spliced = CompactEncoder(), CompactEncoder()
    counted, counted_ahead = Summary(), Summary()
    cuts = 0
    for doc_id, edits in documents:
        assert edits
        for cut in sorted({0, 1, len(edits) // 2, len(edits) - 1, len(edits)}):
            ahead = EncodedEdits(edits[:cut])
            expected, got = whole.lines(doc_id, edits), spliced.lines(doc_id, edits, ahead)
            assert got == expected
            assert json.loads(got.splitlines()[-1])["step"] == [edit.step for edit in edits]
            counted.count_edits(edits)
            counted_ahead.count_edits(edits, ahead)
            cuts += 1
    assert cuts > 20
    for name in ("edits_by_stage", "hits_by_rule", "removed_paragraphs", "events"):  # in the same order too
        assert list(getattr(counted_ahead, name).items()) == list(getattr(counted, name).items())
    assert counted.removed_paragraphs["exact"] and counted.events["layout", "apart", "weak"]
