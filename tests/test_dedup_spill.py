"""The band, segment and unit tables on disk (SpilledIndex): the same answers as the in-memory tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.dedup import Deduplicator, spill
from cleaner.dedup.lsh import BandIndex
from cleaner.dedup.spill import FILTER_BITS, SpilledIndex
from cleaner.model import Document

from .test_dedup_store import _write_batches


def _pairs(rows: np.ndarray, values: np.ndarray) -> list[tuple[int, int]]:
    return sorted(zip(rows.tolist(), values.tolist(), strict=True))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 400), min_size=1, max_size=30), st.integers(1, 64), st.integers(0, 3))
def test_spilled_index_finds_what_the_hash_table_finds(batch_sizes, memory_entries, seed) -> None:
    rng = np.random.default_rng(seed)
    spilled, table = SpilledIndex(3, memory_entries=memory_entries), BandIndex(3, buckets=2)
    next_value = 0
    for size in batch_sizes:
        # Few distinct fingerprints: keys recur in the in-memory table, in runs and across merges.
        fingerprints = rng.integers(1, 40, (size, 3), dtype=np.uint32)
        assert _pairs(*spilled.query(fingerprints)) == _pairs(*table.query(fingerprints))
        values = np.arange(next_value, next_value + size, dtype=np.uint32)
        spilled.insert(fingerprints, values)
        table.insert(fingerprints, values)
        next_value += size
    assert len(spilled) == len(table)
    spilled.close()


def test_runs_are_merged_in_pairs_and_memory_is_the_filters(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    index = SpilledIndex(25, str(tmp_path), memory_entries=5_000)
    for start in range(0, 20_000, 500):
        index.insert(rng.integers(1, 2**32, (500, 25), dtype=np.uint32), np.arange(start, start + 500, dtype=np.uint32))
    entries = 20_000 * 25
    assert sum(index.run_sizes) == entries
    # A binary counter of runs: 100 flushes of 5,000 entries leave as many runs as 100 has one bits.
    assert len(index.runs) <= bin(entries // 5_000).count("1") + 1
    assert index.disk_bytes == 12 * sum(run.count for run in index.runs)
    assert index.nbytes <= entries * FILTER_BITS / 8 * 1.01 + 12 * 5_000
    index.close()


def _documents(root: Path) -> list[Document]:
    return [Document(p.name, p.read_text("utf-8")) for p in sorted(root.glob("*.txt"))]


def _records(dedup: Deduplicator, documents: list[Document]) -> list[list[dict]]:
    return [[edit.to_record() for edit in edits] for _, edits in dedup.process_all(documents)]


def test_small_runs_change_no_decision_and_survive_save_and_load(tmp_path: Path, monkeypatch) -> None:
    a, b = _write_batches(tmp_path)
    documents = _documents(a) + _documents(b)
    expected = _records(Deduplicator(), documents)
    assert sum(len(edits) for edits in expected) >= 40
    # Runs of at most 16 entries, a few paragraphs at a time: every table is flushed and merged
    # many times over.
    monkeypatch.setattr(spill, "MEMORY_ENTRIES", 16)
    dedup = Deduplicator()
    dedup.batch_paragraphs = 4
    assert _records(dedup, documents) == expected
    assert dedup._bands.runs and dedup._units.runs and dedup._segments.runs
    first = Deduplicator()
    first.batch_paragraphs = 4
    half = _records(first, _documents(a))
    first.save(tmp_path / "idx", len(half))
    again = Deduplicator.load(tmp_path / "idx")
    again.index_name = None  # name kept copies as this run does, to compare with one run over both
    again.earlier = 0
    again.batch_paragraphs = 4
    assert again._bands.runs
    assert half + _records(again, _documents(b)) == expected


@pytest.mark.parametrize("old_version", [1])
def test_an_index_of_the_earlier_format_is_refused(tmp_path: Path, old_version: int) -> None:
    import json

    from cleaner.dedup.store import DamagedIndexError, _checksum

    dedup = Deduplicator()
    dedup.add("教育是民生之基，牵动着千家万户。渌口区教育事业发展迅速，办学条件不断改善。", "a.txt")
    dedup.save(tmp_path / "idx", 1)
    (generation,) = (tmp_path / "idx").glob("gen-*")
    header = json.loads((generation / "header.json").read_text("utf-8"))
    header["version"] = old_version
    header["checksum"] = _checksum(header)
    (generation / "header.json").write_text(json.dumps(header), encoding="utf-8")
    with pytest.raises(DamagedIndexError, match=f"format version {old_version}; this cleaner reads 2 only"):
        Deduplicator.load(tmp_path / "idx")
