"""The index's compact parts: digests in numpy tables, runs of values spilled to a file."""

from __future__ import annotations

import numpy as np

from cleaner.dedup.deduplicator import _ExactIndex, _RunStore


def test_exact_index_finds_the_first_pid_of_a_digest_and_tells_apart_equal_fingerprints() -> None:
    index = _ExactIndex()
    high = np.uint64(0xABCD1234) << np.uint64(32)
    # Same high 32 bits (the table's fingerprint), different digests.
    a, b, c = high | np.uint64(1), high | np.uint64(2), np.uint64(0x1234567800000005)
    index.add(np.array([a, c, a], dtype=np.uint64), first_pid=0)
    index.add(np.array([b, c], dtype=np.uint64), first_pid=3)
    found = index.lookup(np.array([a, b, c, high | np.uint64(3)], dtype=np.uint64))
    assert found.tolist() == [0, 3, 1, -1]


def test_run_store_gives_back_each_run_from_disk(tmp_path) -> None:
    store = _RunStore(str(tmp_path))
    rng = np.random.default_rng(0)
    expected: list[np.ndarray] = []
    for _ in range(5):
        lengths = rng.integers(0, 50, size=30)
        values = rng.integers(0, 2**32, size=int(lengths.sum()), dtype=np.uint64).astype(np.uint32)
        store.append(values, lengths)
        expected.extend(np.split(values, np.cumsum(lengths)[:-1]))
    assert all(np.array_equal(store.get(i), run) for i, run in enumerate(expected))
    assert store.disk_bytes == 4 * sum(run.size for run in expected) + 8 * len(expected)
    assert store.nbytes == 0  # values and where each run ends are both on disk
    starts, lengths = store.runs(40, 50)
    assert lengths.tolist() == [run.size for run in expected[40:90]]
    runs = zip(starts.tolist(), lengths.tolist(), expected[40:90], strict=True)
    assert all(np.array_equal(store.read_values(start, length), run) for start, length, run in runs)
    store.close()
