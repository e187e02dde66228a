"""Re-runs into the same DST: the run cache reuses what did not change, and the result is a full run's."""

from __future__ import annotations

import gzip
import json
import pickle
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaner import clean_corpus
from cleaner.cli import app, clean_app
from cleaner.config import Config
from cleaner.incremental import MANIFEST_NAME, RESULTS_SUFFIX, encode_results

from .conftest import RUN_CACHE as CACHE
from .conftest import SEEDS


def invoke(*args: str | Path):
    return CliRunner().invoke(clean_app, [*map(str, args), "--no-config"])


def written(dst: Path) -> dict[str, bytes]:
    """Every file a run wrote (outputs and audit record), the run cache left out."""
    return {
        p.relative_to(dst).as_posix(): p.read_bytes()
        for p in sorted(dst.rglob("*"))
        if p.is_file() and CACHE not in p.relative_to(dst).parents
    }


def identities(dst: Path) -> dict[str, tuple[int, int]]:
    """Each written file's inode and time stamp: an atomic rewrite gives it a new inode."""
    return {rel: ((dst / rel).stat().st_ino, (dst / rel).stat().st_mtime_ns) for rel in written(dst)}


def rewritten(before: dict[str, tuple[int, int]], dst: Path) -> set[str]:
    after = identities(dst)
    return {rel for rel in after if before.get(rel) != after[rel]}


def seed(number: int) -> str:
    return sorted(SEEDS.glob("*.txt"))[number].read_text(encoding="utf-8")


def longest_paragraph(text: str) -> str:
    return max(text.split("\n\n"), key=len)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """Three real pages; the last ends with a copy of the first's longest paragraph, so dedup
    removes it there (keep-first in corpus order)."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text(seed(0), encoding="utf-8")
    (src / "b.txt").write_text(seed(1), encoding="utf-8")
    (src / "c.txt").write_text(seed(2) + "\n\n" + longest_paragraph(seed(0)) + "\n", encoding="utf-8")
    return src


def fresh_run(src: Path, tmp_path: Path, *options: str) -> dict[str, bytes]:
    """What a full run of ``src`` writes into an empty folder."""
    fresh = tmp_path / f"fresh-{len(list(tmp_path.iterdir()))}"
    result = invoke(src, fresh, "-q", *options)
    assert result.exit_code in (0, 1), result.stderr
    return written(fresh)


def assert_verifies(src: Path, dst: Path) -> None:
    result = CliRunner().invoke(app, ["verify", str(src), str(dst)])
    assert result.exit_code == 0, result.stdout


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_second_run_over_unchanged_inputs_writes_nothing(corpus: Path, tmp_path: Path, jobs: str) -> None:
    dst = tmp_path / "dst"
    first = invoke(corpus, dst, "-j", jobs)
    assert first.exit_code == 0, first.stderr
    assert "reused" not in first.stderr
    before, contents = identities(dst), written(dst)
    second = invoke(corpus, dst, "-j", jobs)
    assert second.exit_code == 0, second.stderr
    assert "reused: 3 of 3 files from the run cache; outputs written: 0" in second.stderr.splitlines()
    assert "a.txt: utf-8, " in second.stderr and "), reused" in second.stderr
    # The summary's numbers are the first run's.
    assert second.stderr.split("edits: ")[1].splitlines()[0] == first.stderr.split("edits: ")[1].splitlines()[0]
    assert rewritten(before, dst) == set()
    assert written(dst) == contents
    assert_verifies(corpus, dst)


def test_no_cache_neither_reads_nor_writes_the_run_cache(corpus: Path, tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    assert invoke(corpus, scratch, "--no-cache").exit_code == 0
    assert not (scratch / CACHE).exists()
    dst = tmp_path / "dst"
    assert invoke(corpus, dst).exit_code == 0  # a cache from an earlier run…
    contents = written(dst)
    again = invoke(corpus, dst, "--no-cache")
    assert again.exit_code == 0, again.stderr
    assert "reused" not in again.stderr  # …is not read,
    assert not (dst / CACHE / MANIFEST_NAME).exists()  # and its manifest goes: the run rewrote DST
    assert written(dst) == contents == written(scratch)
    assert_verifies(corpus, dst)


def test_a_diff_of_a_second_run_still_shows_every_change(corpus: Path, tmp_path: Path) -> None:
    """--diff needs each file's texts: they come from the cached results, and still nothing is written."""
    dst = tmp_path / "dst"
    first = invoke(corpus, dst, "--diff")
    assert first.exit_code == 0, first.stderr
    before = identities(dst)
    second = invoke(corpus, dst, "--diff")
    assert second.exit_code == 0, second.stderr
    assert "+++ b/a.txt" in second.stdout and second.stdout == first.stdout
    assert "reused: 3 of 3 files from the run cache; outputs written: 0" in second.stderr.splitlines()
    assert rewritten(before, dst) == {".cleaner/audit.jsonl.gz"}  # written whole, the same bytes
    assert written(dst) == fresh_run(corpus, tmp_path)


def test_a_changed_early_file_gives_what_a_full_run_gives(corpus: Path, tmp_path: Path) -> None:
    """Removing the first copy of a paragraph from a.txt means c.txt, unchanged, now keeps its copy."""
    dst = tmp_path / "dst"
    assert invoke(corpus, dst, "-q").exit_code == 0
    copy = longest_paragraph(seed(0))
    assert copy[:8] not in (dst / "c.txt").read_text(encoding="utf-8")  # removed as a duplicate
    before = identities(dst)
    (corpus / "a.txt").write_text(seed(0).replace(copy, ""), encoding="utf-8")
    result = invoke(corpus, dst)
    assert result.exit_code == 0, result.stderr
    assert "reused: 2 of 3 files from the run cache; outputs written: 2" in result.stderr.splitlines()
    assert copy[:8] in (dst / "c.txt").read_text(encoding="utf-8")  # the kept copy is c.txt's now
    assert written(dst) == fresh_run(corpus, tmp_path)  # outputs and audit record, byte for byte
    assert rewritten(before, dst) == {"a.txt", "c.txt", ".cleaner/audit.jsonl.gz"}  # b.txt left alone
    assert_verifies(corpus, dst)


def test_a_copy_added_early_is_removed_from_a_later_unchanged_file(corpus: Path, tmp_path: Path) -> None:
    dst = tmp_path / "dst"
    assert invoke(corpus, dst, "-q", "-j", "2").exit_code == 0
    repeated = longest_paragraph(seed(1))
    assert repeated[:8] in (dst / "b.txt").read_text(encoding="utf-8")
    (corpus / "a.txt").write_text(seed(0) + "\n\n" + repeated + "\n", encoding="utf-8")
    result = invoke(corpus, dst, "-j", "2")
    assert result.exit_code == 0, result.stderr
    assert "reused: 2 of 3 files" in result.stderr
    assert repeated[:8] not in (dst / "b.txt").read_text(encoding="utf-8")
    assert written(dst) == fresh_run(corpus, tmp_path)


def test_a_changed_rule_file_cleans_everything_again(tmp_path: Path) -> None:
    src, dst, rules = tmp_path / "src", tmp_path / "dst", tmp_path / "rules.yaml"
    src.mkdir()
    (src / "a.txt").write_text(seed(0), encoding="utf-8")
    (src / "b.txt").write_text(seed(1), encoding="utf-8")
    rules.write_text('rules:\n  - id: one\n    find: "北京"\n    replace: "北平"\n', encoding="utf-8")
    assert invoke(src, dst, "-q", "-r", rules).exit_code == 0
    rules.write_text('rules:\n  - id: one\n    find: "北京"\n    replace: "燕京"\n', encoding="utf-8")
    result = invoke(src, dst, "-r", rules)
    assert result.exit_code == 0, result.stderr
    assert "reused" not in result.stderr
    assert written(dst) == fresh_run(src, tmp_path, "-r", str(rules))


def test_a_changed_option_cleans_everything_again(corpus: Path, tmp_path: Path) -> None:
    dst = tmp_path / "dst"
    assert invoke(corpus, dst, "-q").exit_code == 0
    result = invoke(corpus, dst, "--spacing", "insert")
    assert result.exit_code == 0, result.stderr
    assert "reused" not in result.stderr
    assert written(dst) == fresh_run(corpus, tmp_path, "--spacing", "insert")


def test_force_cleans_and_writes_everything_again(corpus: Path, tmp_path: Path) -> None:
    dst = tmp_path / "dst"
    assert invoke(corpus, dst, "-q").exit_code == 0
    before, contents = identities(dst), written(dst)
    result = invoke(corpus, dst, "--force")
    assert result.exit_code == 0, result.stderr
    assert "reused" not in result.stderr
    assert rewritten(before, dst) == set(contents)
    assert written(dst) == contents
    assert "reused: 3 of 3" in invoke(corpus, dst).stderr  # and the cache it made serves the next runs
    (corpus / "a.txt").write_text(seed(3), encoding="utf-8")
    assert "reused: 2 of 3" in invoke(corpus, dst).stderr


@pytest.mark.parametrize("damage", ["edited", "deleted"])
def test_an_output_changed_by_hand_is_written_again(corpus: Path, tmp_path: Path, damage: str) -> None:
    dst = tmp_path / "dst"
    assert invoke(corpus, dst, "-q").exit_code == 0
    contents = written(dst)
    if damage == "edited":
        (dst / "b.txt").write_text("edited by hand\n", encoding="utf-8")
    else:
        (dst / "b.txt").unlink()
    before = identities(dst)
    result = invoke(corpus, dst)
    assert result.exit_code == 0, result.stderr
    assert "reused: 3 of 3 files from the run cache; outputs written: 1" in result.stderr.splitlines()
    assert written(dst) == contents
    assert rewritten(before, dst) - {".cleaner/audit.jsonl.gz"} == {"b.txt"}


def test_an_edited_audit_record_is_written_again(corpus: Path, tmp_path: Path) -> None:
    dst = tmp_path / "dst"
    assert invoke(corpus, dst, "-q").exit_code == 0
    contents = written(dst)
    audit = dst / ".cleaner" / "audit.jsonl.gz"
    audit.write_bytes(gzip.compress(b'{"type": "run"}\n'))
    assert invoke(corpus, dst, "-q").exit_code == 0
    assert written(dst) == contents


def cache_files(dst: Path) -> list[Path]:
    return sorted((dst / CACHE).rglob("*" + RESULTS_SUFFIX))


def test_a_damaged_cache_is_ignored_with_a_warning(corpus: Path, tmp_path: Path) -> None:
    dst = tmp_path / "dst"
    assert invoke(corpus, dst, "-q").exit_code == 0
    contents = written(dst)
    results = cache_files(dst)
    assert len(results) == 3
    for path in results:
        damaged = bytearray(path.read_bytes())
        damaged[-5] ^= 0xFF
        path.write_bytes(bytes(damaged))
    (dst / CACHE / MANIFEST_NAME).write_text("{not json", encoding="utf-8")
    result = invoke(corpus, dst, "-q")
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: run cache: ignored")]
    assert len(warnings) == 4, result.stderr
    assert "manifest.json: not a manifest" in warnings[0]
    assert all("damaged (its checksum does not match)" in line for line in warnings[1:])
    assert written(dst) == contents
    (corpus / "b.txt").write_text(seed(3), encoding="utf-8")
    last = invoke(corpus, dst)  # the damaged results files were replaced by sound ones
    assert "reused: 2 of 3" in last.stderr and "warning" not in last.stderr


def test_a_manifest_with_values_of_the_wrong_kind_is_ignored(corpus: Path, tmp_path: Path) -> None:
    dst = tmp_path / "dst"
    assert invoke(corpus, dst, "-q").exit_code == 0
    contents = written(dst)
    manifest = json.loads((dst / CACHE / MANIFEST_NAME).read_text(encoding="utf-8"))
    manifest["summary"]["files"] = "many"
    (dst / CACHE / MANIFEST_NAME).write_text(json.dumps(manifest), encoding="utf-8")
    result = invoke(corpus, dst)
    assert result.exit_code == 0, result.stderr
    assert "warning: run cache: ignored" in result.stderr and "not a manifest this version can read" in result.stderr
    assert "reused: 3 of 3 files from the run cache; outputs written: 0" in result.stderr.splitlines()
    assert written(dst) == contents


def test_a_foreign_results_file_is_never_unpickled_into_code(corpus: Path, tmp_path: Path) -> None:
    """A results file that passes every check but names a callable (what a planted pickle does) is refused."""
    dst = tmp_path / "dst"
    assert invoke(corpus, dst, "-q").exit_code == 0
    contents = written(dst)
    (dst / CACHE / MANIFEST_NAME).unlink()  # so the run goes to the results files
    target = cache_files(dst)[0]
    key = target.name.removesuffix(RESULTS_SUFFIX)
    marker = tmp_path / "ran"

    class Planted:
        def __reduce__(self):
            return (Path.touch, (marker,))

    honest = encode_results(key, [])
    body = zlib.compress(pickle.dumps([Planted()]))
    import hashlib

    header = honest[: honest.index(key.encode()) + len(key) + 1]
    target.write_bytes(header + hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
    result = invoke(corpus, dst, "-q")
    assert result.exit_code == 0, result.stderr
    assert "may not name pathlib" in result.stderr
    assert not marker.exists()
    assert written(dst) == contents


def test_a_killed_run_leaves_no_manifest(corpus: Path, tmp_path: Path) -> None:
    dst = tmp_path / "dst"
    assert invoke(corpus, dst, "-q").exit_code == 0
    contents = written(dst)
    (corpus / "a.txt").write_text(seed(3), encoding="utf-8")

    def stop(outcome) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        clean_corpus(corpus, dst, Config(), on_file=stop)
    assert not (dst / CACHE / MANIFEST_NAME).exists()
    assert not (dst / ".cleaner" / "audit.jsonl.gz").exists()
    (corpus / "a.txt").write_text(seed(0), encoding="utf-8")
    result = invoke(corpus, dst, "-q")
    assert result.exit_code == 0, result.stderr
    assert written(dst) == contents


def test_a_deleted_input_is_still_reported_stale(corpus: Path, tmp_path: Path) -> None:
    dst = tmp_path / "dst"
    assert invoke(corpus, dst, "-q").exit_code == 0
    (corpus / "b.txt").unlink()
    result = invoke(corpus, dst)
    assert "stale b.txt: its input is gone; kept" in result.stderr.splitlines()
    assert "reused: 2 of 2 files" in result.stderr
    again = invoke(corpus, dst)
    assert "stale b.txt: its input is gone; kept" in again.stderr.splitlines()
    assert "outputs written: 0" in again.stderr
    deleted = invoke(corpus, dst, "--delete-stale")
    assert "stale b.txt: its input is gone; deleted" in deleted.stderr.splitlines()
    assert not (dst / "b.txt").exists()
    assert written(dst) == fresh_run(corpus, tmp_path)


def test_a_skipped_input_is_skipped_again(corpus: Path, tmp_path: Path) -> None:
    dst = tmp_path / "dst"
    (corpus / "bad.txt").write_bytes(bytes(range(256)) * 4)
    first = invoke(corpus, dst)
    assert first.exit_code == 1
    second = invoke(corpus, dst)
    assert second.exit_code == 1
    skipped = [line for line in first.stderr.splitlines() if line.startswith("skipped bad.txt")]
    assert skipped and skipped == [line for line in second.stderr.splitlines() if line.startswith("skipped bad.txt")]
    assert "reused: 3 of 4 files from the run cache; outputs written: 0" in second.stderr


def records(text: str) -> str:
    return "".join(
        json.dumps({"id": n, "text": paragraph}, ensure_ascii=False) + "\n"
        for n, paragraph in enumerate(text.split("\n\n"))
    )


@pytest.mark.parametrize("name", ["news.jsonl", "news.jsonl.gz", "news.txt.bz2", "news.parquet"])
def test_other_formats_are_reused_and_redone_alike(corpus: Path, tmp_path: Path, name: str) -> None:
    path = corpus / name
    if name.endswith(".parquet"):
        pq = pytest.importorskip("pyarrow.parquet")
        pa = pytest.importorskip("pyarrow")
        pq.write_table(pa.table({"text": seed(3).split("\n\n")}), path)
    elif name.startswith("news.jsonl"):
        data = records(seed(3) + "\n\n" + longest_paragraph(seed(0))).encode()
        path.write_bytes(gzip.compress(data, mtime=0) if name.endswith(".gz") else data)
    else:
        import bz2

        path.write_bytes(bz2.compress(seed(3).encode()))
    dst = tmp_path / "dst"
    assert invoke(corpus, dst, "-q", "-j", "2").exit_code == 0
    before = identities(dst)
    again = invoke(corpus, dst, "-j", "2")
    assert "reused: 4 of 4 files from the run cache; outputs written: 0" in again.stderr.splitlines()
    assert rewritten(before, dst) == set()
    (corpus / "a.txt").write_text(seed(0).replace(longest_paragraph(seed(0)), ""), encoding="utf-8")
    changed = invoke(corpus, dst, "-q", "-j", "2")
    assert changed.exit_code == 0, changed.stderr
    assert written(dst) == fresh_run(corpus, tmp_path)
    assert_verifies(corpus, dst)


def test_dry_runs_and_other_folders_make_no_cache(corpus: Path, tmp_path: Path) -> None:
    dst = tmp_path / "dst"
    assert invoke(corpus, dst, "-q", "--check").exit_code == 1
    assert not dst.exists()
    summary = clean_corpus(corpus, dst, Config(), cache=False)
    assert summary.reused == 0 and not (dst / CACHE).exists()
    assert clean_corpus(corpus, dst, Config()).reused == 0  # no cache to take from yet
    assert clean_corpus(corpus, dst, Config()).reused == 3


def test_results_are_cached_only_for_outputs_in_place(corpus: Path, tmp_path: Path, monkeypatch) -> None:
    """A file whose output cannot be written (a full disk) leaves no results in the cache: stored
    before its output, they took the room the output needed (a 300 KB disk took no output at all
    with the cache on, seven without). A run with room then gives the full run's outputs."""
    import errno

    import cleaner.corpus as corpus_module

    real_write = corpus_module.write_atomic

    def write_atomic(target, text, guard=None, what="an output"):
        if target.name == "b.txt":
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        return real_write(target, text, guard, what)

    dst = tmp_path / "dst"
    monkeypatch.setattr(corpus_module, "write_atomic", write_atomic)
    assert invoke(corpus, dst, "-j", "1").exit_code == 1
    cached = sorted((dst / CACHE).rglob("*" + RESULTS_SUFFIX))
    assert len(cached) == 2  # a.txt and c.txt, not b.txt
    monkeypatch.setattr(corpus_module, "write_atomic", real_write)
    assert invoke(corpus, dst, "-j", "1").exit_code == 0
    assert len(sorted((dst / CACHE).rglob("*" + RESULTS_SUFFIX))) == 3
    full = tmp_path / "full"
    assert invoke(corpus, full, "-j", "1", "--no-cache").exit_code == 0
    assert written(dst) == written(full)
