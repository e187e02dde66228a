"""JSON Lines records are parsed strictly; a bad line costs only itself, with one line saying why."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaner.cli import app, clean_app
from cleaner.corpus import clean_bytes
from cleaner.io.strictjson import MAX_DEPTH, BadRecord, parse_record
from cleaner.report import read_audit

from .conftest import audit_text


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"text": "a", "text": "b"}', 'duplicate key "text"'),
        ('{"text": "好", "meta": {"k": 1, "k": 2}}', 'duplicate key "k"'),
        ('{"text": "好", "n": 1e999}', "the number 1e999 is too large (it would be written back as Infinity)"),
        ('{"text": "好", "n": -1e999}', "the number -1e999 is too large"),
        ('{"text": "好", "n": NaN}', "NaN is not a JSON number"),
        ('{"text": "好", "n": Infinity}', "Infinity is not a JSON number"),
        ('{"text": "好", "n": ' + "7" * 5000 + "}", "an integer of 5,000 digits (at most 4,300 can be read)"),
        ('{"text": "好", "x": ' + "[" * 100_000 + "]" * 100_000 + "}", f"nested deeper than {MAX_DEPTH} levels"),
        ("[" * 100_000, f"nested deeper than {MAX_DEPTH} levels"),
        ('{"text": "\\ud800"}', "a lone surrogate \\ud800 in a string"),
        ('{"\\udfff": 1, "text": "好"}', "a lone surrogate \\udfff in a string"),
        ("{not json}", "invalid JSON (Expecting property name enclosed in double quotes at column 2)"),
    ],
)
def test_what_cannot_be_written_back_unchanged_is_refused(line: str, reason: str) -> None:
    with pytest.raises(BadRecord) as caught:
        parse_record(line)
    assert str(caught.value).startswith(reason)


@pytest.mark.parametrize(
    "line",
    [
        '{"text": "好", "n": 1.5, "m": -0.0, "big": ' + "9" * 4300 + "}",
        '{"text": "\\ud83d\\ude00 a pair is one character"}',
        '{"text": "[[[[{{{{ brackets in a string do not nest"}',
        '{"text": "好", "deep": ' + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "}",  # the object is a level
    ],
)
def test_good_records_are_read_as_before(line: str) -> None:
    assert parse_record(line) == json.loads(line)


LINES = [
    '{"id": 1, "text": "第一条,内容"}',
    '{"id": 2, "text": "a", "text": "b"}',
    '{"id": 3, "text": "好", "n": 1e999}',
    "",
    '{"id": 4, "text": "好", "n": NaN}',
    '{"id": 5, "text": "\\ud800"}',
    '{"id": 6, "n": ' + "1" * 5000 + ', "text": "x"}',
    '{"id": 7, "x": ' + "[" * 100_000 + "]" * 100_000 + ', "text": "x"}',
    '{"id": 8, "text": "第八条,内容"}',
]


def test_bad_records_are_reported_and_the_rest_of_the_file_is_written(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "docs.jsonl").write_text("\n".join(LINES) + "\n", encoding="utf-8")
    result = CliRunner().invoke(clean_app, [str(src), str(tmp_path / "out")])
    assert result.exit_code == 1, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    reasons = [line for line in result.stderr.splitlines() if line.startswith("skipped docs.jsonl:")]
    assert reasons == [
        'skipped docs.jsonl:2: duplicate key "text"',
        "skipped docs.jsonl:3: the number 1e999 is too large (it would be written back as Infinity)",
        "skipped docs.jsonl:5: NaN is not a JSON number",
        "skipped docs.jsonl:6: a lone surrogate \\ud800 in a string (not Unicode text)",
        "skipped docs.jsonl:7: an integer of 5,000 digits (at most 4,300 can be read)",
        f"skipped docs.jsonl:8: nested deeper than {MAX_DEPTH} levels",
    ]
    assert "records skipped: 6" in result.stderr
    # Good records cleaned; each bad line written back as it was, where it was (a blank line goes).
    output = (tmp_path / "out" / "docs.jsonl").read_text("utf-8").splitlines()
    assert output == [
        '{"id": 1, "text": "第一条，内容"}',
        *[line for line in LINES[1:-1] if line],
        '{"id": 8, "text": "第八条，内容"}',
    ]
    audit = [r for r in read_audit(tmp_path / "out" / ".cleaner" / "audit.jsonl.gz") if r["type"] == "record"]
    assert [(r["doc"], r["status"]) for r in audit] == [(f"docs.jsonl:{n}", "skipped") for n in (2, 3, 5, 6, 7, 8)]


def test_a_file_with_no_good_record_is_skipped_whole(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "bad.jsonl").write_text('{"text": 1}\n{"text": NaN}\n', encoding="utf-8")
    (src / "ok.txt").write_text("好\n", encoding="utf-8")
    result = CliRunner().invoke(clean_app, [str(src), str(tmp_path / "out")])
    assert result.exit_code == 1
    assert (
        "skipped bad.jsonl:1: field 'text' is not a string (int) (and 1 more bad lines); no record could be read"
        in result.stderr
    )
    assert not (tmp_path / "out" / "bad.jsonl").exists()


def test_many_bad_lines_are_shown_up_to_a_limit_and_all_kept_in_the_audit(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "many.jsonl").write_text('{"text": "好"}\n' + "{bad}\n" * 50, encoding="utf-8")
    result = CliRunner().invoke(clean_app, [str(src), str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.stderr.count("skipped many.jsonl:") == 20
    assert "skipped 30 more bad lines of many.jsonl (see the audit record)" in result.stderr
    audit = list(read_audit(tmp_path / "out" / ".cleaner" / "audit.jsonl.gz"))
    assert sum(r["type"] == "record" for r in audit) == 50


def test_standard_input_reports_bad_records_and_exits_1() -> None:
    data = '{"text": "甲,乙"}\n{"text": "a", "text": "b"}\n'.encode()
    result = CliRunner().invoke(clean_app, ["-", "-", "--format", "jsonl"], input=data)
    assert result.exit_code == 1
    assert 'skipped <stdin>:2: duplicate key "text"' in result.stderr
    assert result.stdout == '{"text": "甲，乙"}\n{"text": "a", "text": "b"}\n'


def test_the_library_reports_rejected_lines_with_their_numbers() -> None:
    outcome = clean_bytes(b'{"text": "x"}\n{"text": NaN}\n', "a.jsonl")
    assert outcome.rejected == [(2, "a.jsonl:2: NaN is not a JSON number")]


def test_a_file_with_bad_lines_verifies_and_a_forgotten_bad_line_does_not(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "docs.jsonl").write_text("\n".join(LINES) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert CliRunner().invoke(clean_app, [str(src), str(out), "--quiet"]).exit_code == 1
    result = CliRunner().invoke(app, ["verify", str(src), str(out)])
    assert result.exit_code == 0, result.stdout
    assert "docs.jsonl: ok" in result.stdout
    audit = out / ".cleaner" / "audit.jsonl.gz"
    lines = audit_text(audit).splitlines()
    audit.write_bytes(gzip.compress("".join(line + "\n" for line in lines if '"docs.jsonl:5"' not in line).encode()))
    result = CliRunner().invoke(app, ["verify", str(src), str(out)])
    assert result.exit_code == 1
    assert "the audit record lists bad lines 2, 3, 6, 7, 8, the input has 2, 3, 5, 6, 7, 8" in result.stdout
