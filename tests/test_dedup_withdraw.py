"""A file whose output is not written is withdrawn from dedup: no later copy of its paragraphs is
removed for it, whether that copy was decided before the failure was known or after.

The texts are paragraphs of the committed ``cleaned/`` corpus (cleaning them again changes
nothing), so an output can be compared paragraph by paragraph with what went in.
"""

from __future__ import annotations

import contextlib
import errno
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import cleaner.corpus as corpus_module
from cleaner import pipeline
from cleaner.cli import app, clean_app
from cleaner.report import read_audit

from .conftest import CLEANED, in_run_cache


def cleaned_paragraphs() -> list[str]:
    return [p for path in sorted(CLEANED.glob("*.txt")) for p in path.read_text("utf-8").split("\n\n") if p.strip()]


LONG = [p for p in cleaned_paragraphs() if len(p) >= 60]
SHORT = [p for p in cleaned_paragraphs() if 25 <= len(p) <= 40 and not any(c.isdigit() for c in p)]


def one_changed(text: str) -> str:
    """``text`` with one character in its middle replaced: a near copy."""
    middle = len(text) // 2
    return text[:middle] + ("某" if text[middle] != "某" else "甲") + text[middle + 1 :]


def write(path: Path, *paragraphs: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")


def paragraphs_of(path: Path) -> list[str]:
    return [p.strip() for p in path.read_text("utf-8").split("\n\n") if p.strip()]


def clean(src: Path, dst: Path, *options: str) -> Any:
    return CliRunner().invoke(clean_app, [str(src), str(dst), "--no-config", "-q", *options])


def verify(src: Path, dst: Path) -> None:
    verified = CliRunner().invoke(app, ["verify", str(src), str(dst), "--quiet"])
    assert verified.exit_code == 0, verified.stdout


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not in_run_cache(p, root)
    }


def removals(dst: Path) -> dict[str, list[dict]]:
    """The kept copy each dedup removal of each document names, in order."""
    found: dict[str, list[dict]] = {}
    for record in read_audit(dst / ".cleaner" / "audit.jsonl.gz"):
        if record.get("stage") == "dedup" and "kept" in (record.get("detail") or {}):
            found.setdefault(record["doc"], []).append(record["detail"]["kept"])
    return found


def full_disk_for(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Writing the output named ``name`` fails as on a full disk."""
    real_write = corpus_module.write_atomic

    def write_atomic(target, text, guard=None, what="an output"):
        if target.name == name:
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        return real_write(target, text, guard, what)

    monkeypatch.setattr(corpus_module, "write_atomic", write_atomic)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """``a.txt`` (whose output will not be written) and later files holding copies of it.

    ``b.txt`` is in the same dedup batch as ``a.txt``: decided before a's write fails. A file of
    2,100 short paragraphs puts ``c.txt`` and ``d.txt`` in a later batch, decided after it.
    """
    src = tmp_path / "src"
    write(src / "0.txt", LONG[0])
    write(src / "a.txt", LONG[1], LONG[2], LONG[3], SHORT[0])
    write(src / "b.txt", LONG[4], LONG[1], LONG[0])
    write(src / "m.txt", *(f"第{i}条" for i in range(2100)))
    write(src / "n" / "c.txt", LONG[2], one_changed(LONG[3]), one_changed(SHORT[0]))
    write(src / "n" / "d.txt", LONG[5], LONG[2])
    return src


def test_copies_of_a_file_that_is_not_written_are_kept(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    full_disk_for(monkeypatch, "a.txt")
    out = tmp_path / "out"
    result = clean(corpus, out, "-j", "1")
    assert result.exit_code == 1, result.stderr
    assert "skipped a.txt: cannot write the output (No space left on device)" in result.stderr
    assert not (out / "a.txt").exists()
    # decided before the failure was known: its removal is undone; its copy of 0.txt still goes
    assert paragraphs_of(out / "b.txt") == [LONG[4], LONG[1]]
    # decided after: exact, near and short near copies of a.txt are originals now
    assert paragraphs_of(out / "n" / "c.txt") == [LONG[2], one_changed(LONG[3]), one_changed(SHORT[0])]
    # and a copy of one of them goes, naming the copy that is written
    assert paragraphs_of(out / "n" / "d.txt") == [LONG[5]]
    named = removals(out)
    assert named["b.txt"] == [{"doc": "0.txt", "para": 0, "similarity": 1.0}]
    assert [kept["doc"] for kept in named["n/d.txt"]] == ["n/c.txt"]
    assert not any(kept["doc"] == "a.txt" for found in named.values() for kept in found)
    verify(corpus, out)
    # two worker processes: the same outputs, audit record and messages
    two = clean(corpus, tmp_path / "two", "-j", "2")
    assert two.exit_code == 1 and two.stderr == result.stderr
    assert tree(tmp_path / "two") == tree(out)


def test_on_ray_the_outputs_are_those_of_one_process(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, local_ray: None
) -> None:
    full_disk_for(monkeypatch, "a.txt")
    local = clean(corpus, tmp_path / "local", "-j", "1")
    ray = clean(corpus, tmp_path / "ray", "--engine", "ray", "-j", "2")
    assert local.exit_code == ray.exit_code == 1
    assert tree(tmp_path / "ray") == tree(tmp_path / "local")
    assert paragraphs_of(tmp_path / "ray" / "b.txt") == [LONG[4], LONG[1]]


def test_a_saved_index_does_not_hold_a_file_that_was_not_written(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    full_disk_for(monkeypatch, "a.txt")
    index = tmp_path / "idx"
    assert clean(corpus, tmp_path / "out1", "--dedup-index", str(index)).exit_code == 1
    batch2 = tmp_path / "batch2"
    write(batch2 / "e.txt", LONG[6], LONG[1], one_changed(LONG[3]), LONG[0], LONG[2])
    second = clean(batch2, tmp_path / "out2", "--dedup-index", str(index))
    assert second.exit_code == 0, second.stderr
    # a.txt's paragraphs (and b's copy, never indexed: it had been removed) are not in the index;
    # those of 0.txt and c.txt, written, are
    assert paragraphs_of(tmp_path / "out2" / "e.txt") == [LONG[6], LONG[1]]
    named = removals(tmp_path / "out2")["e.txt"]
    assert [(kept["doc"], kept.get("index")) for kept in named] == [
        ("n/c.txt", str(index)),
        ("0.txt", str(index)),
        ("n/c.txt", str(index)),
    ]


def records_file(path: Path, texts: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({"id": i, "text": text}, ensure_ascii=False) for i, text in enumerate(texts)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def crashing_on(marker: str) -> dict:
    """The stage registry with its ``whitespace`` stage raising on a document holding ``marker``."""
    registry = pipeline._stage_registry()
    whitespace = registry["whitespace"]

    def make(options):
        stage = whitespace.make(options)

        def crashing(doc):
            if marker in doc.text:
                raise RuntimeError("a stage failed on this record")
            return stage(doc)

        return crashing

    return {**registry, "whitespace": pipeline.StageSpec(make)}


def test_copies_of_a_file_in_parts_whose_later_part_fails_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``big.jsonl`` is cut into parts of 4 KB; one in the middle fails, so the file is not
    written. ``z.txt`` copies a record of its first part and one of a part after the failed one."""
    src = tmp_path / "src"
    texts = [f"{paragraph}（{i}）" for i, paragraph in enumerate(LONG[:120])]
    texts[60] = "CRASH " + texts[60]
    records_file(src / "big.jsonl", texts)
    write(src / "z.txt", LONG[150], texts[1], texts[100])
    registry = crashing_on("CRASH")
    monkeypatch.setattr(pipeline, "_stage_registry", lambda: registry)
    out = tmp_path / "out"
    result = clean(src, out, "--partition-size", "4K", "-j", "1")
    assert result.exit_code == 1, result.stderr
    reason = "skipped big.jsonl: internal error in cleaning (RuntimeError: a stage failed on this record)"
    assert reason in result.stderr
    assert not (out / "big.jsonl").exists()
    assert paragraphs_of(out / "z.txt") == [LONG[150], texts[1], texts[100]]
    assert "z.txt" not in removals(out)
    verify(src, out)
    # on two worker processes (forked: they run the failing stage too), the same
    two = clean(src, tmp_path / "two", "--partition-size", "4K", "-j", "2")
    assert two.exit_code == 1 and two.stderr == result.stderr
    assert tree(tmp_path / "two") == tree(out)


def test_copies_of_a_file_in_parts_whose_output_fails_at_the_end_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every part of ``big.jsonl`` is cleaned and written, but its output cannot be put in place
    (the disk fills as it is closed): only then is the file known not to be written."""
    src = tmp_path / "src"
    texts = [f"{paragraph}（{i}）" for i, paragraph in enumerate(LONG[:120])]
    records_file(src / "big.jsonl", texts)
    write(src / "z.txt", LONG[150], texts[0], texts[119])
    real_open = corpus_module.atomic_open

    @contextlib.contextmanager
    def atomic_open(target, guard=None, what="an output", binary=False, sync=True):
        with real_open(target, guard, what, binary, sync) as handle:
            yield handle
            if target.name == "big.jsonl":
                raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(corpus_module, "atomic_open", atomic_open)
    out = tmp_path / "out"
    result = clean(src, out, "--partition-size", "4K", "-j", "2")
    assert result.exit_code == 1, result.stderr
    assert "skipped big.jsonl: cannot write the output (No space left on device)" in result.stderr
    assert not (out / "big.jsonl").exists()
    assert paragraphs_of(out / "z.txt") == [LONG[150], texts[0], texts[119]]
    verify(src, out)
