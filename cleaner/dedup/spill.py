"""A multimap of band fingerprints to paragraph numbers that lives mostly on disk.

:class:`SpilledIndex` answers the same questions as :class:`cleaner.dedup.lsh.BandIndex` — every
value stored under each band fingerprint of each row — but what grows with the corpus is on disk:

* new entries go to a small sorted table in memory (``memory_entries`` at most, 12 bytes each);
* when it is full it is written to an unnamed temporary file as a *run*: its keys (band and
  fingerprint in one uint64) sorted, then its values (uint32);
* runs are merged in pairs of equal size, streaming (a binary counter: each entry is rewritten
  about log₂(entries / ``memory_entries``) times, and there are never more runs than that);
* in front of each run a blocked Bloom filter (``FILTER_BITS`` bits per entry, three bits in one
  64-bit word) answers "certainly not here" for nearly every key of new text, so only the few keys
  that pass it are looked up in the run's memory map.

What stays in memory per entry is the filter's ``FILTER_BITS / 8`` bytes (where the tables cost 10
bytes per entry and a doubling's worth more while they grew). The pages a lookup or a merge reads
are released from the process as soon as it is done (``MADV_DONTNEED``): they stay in the
operating system's page cache, which keeps what is read often without counting against the
process. The values found for a key are the same set as the tables find; their order may differ,
and nothing that uses them depends on it.
"""

from __future__ import annotations

import mmap
import os
import tempfile
from collections.abc import Iterator

import numpy as np

from cleaner.dedup.keys import mix64

FILTER_BITS = 10
MEMORY_ENTRIES = 1 << 18  # entries of the in-memory table (3 MB) before it is written as a run
_WORD_BITS = np.uint64(6)
_SIX = np.uint64(63)
_MERGE_CHUNK = 1 << 16  # entries hashed or merged at a time: their temporaries stay a few MB


def band_keys(fingerprints: np.ndarray) -> np.ndarray:
    """One uint64 per fingerprint of an ``(m, bands)`` array: the band in the high bits, row by row."""
    bands = fingerprints.shape[1]
    keys = np.arange(bands, dtype=np.uint64)[None, :] << np.uint64(32)
    return (keys | fingerprints.astype(np.uint64)).ravel()


def _probe(keys: np.ndarray, words: int) -> tuple[np.ndarray, np.ndarray]:
    """The filter word of each key and the three bits it sets there."""
    h = mix64(keys ^ np.uint64(0x5BD1E9955BD1E995))
    word = ((h & np.uint64(0xFFFFFFFF)) * np.uint64(words)) >> np.uint64(32)
    high = h >> np.uint64(32)
    one = np.uint64(1)
    mask = (one << (high & _SIX)) | (one << ((high >> _WORD_BITS) & _SIX)) | (one << ((high >> np.uint64(12)) & _SIX))
    return word.astype(np.int64), mask


class _Run:
    """Sorted keys and their values in an unnamed temporary file, with a Bloom filter in memory."""

    def __init__(self, directory: str | None, count: int) -> None:
        self.count = count
        self._file = tempfile.TemporaryFile(prefix="cleaner-bands-", dir=directory)
        self._fd = self._file.fileno()
        self._words = max(1, (count * FILTER_BITS + 63) // 64)
        self.filter = np.zeros(self._words, dtype=np.uint64)
        self._map: mmap.mmap | None = None

    def write(self, at: int, keys: np.ndarray, values: np.ndarray) -> None:
        """Entries ``at…`` of the run (written in key order, chunk by chunk); fills the filter."""
        pwrite_all(self._fd, np.ascontiguousarray(keys, dtype=np.uint64), at * 8)
        pwrite_all(self._fd, np.ascontiguousarray(values, dtype=np.uint32), self.count * 8 + at * 4)
        for start in range(0, keys.size, _MERGE_CHUNK):  # the hashing's temporaries stay small
            word, mask = _probe(keys[start : start + _MERGE_CHUNK], self._words)
            np.bitwise_or.at(self.filter, word, mask)

    def open(self) -> None:
        if self.count:
            self._map = mmap.mmap(self._fd, self.count * 12, access=mmap.ACCESS_READ)

    def keys(self) -> np.ndarray:
        return np.frombuffer(self._map, dtype=np.uint64, count=self.count) if self._map else np.zeros(0, np.uint64)

    def values(self) -> np.ndarray:
        if not self._map:
            return np.zeros(0, np.uint32)
        return np.frombuffer(self._map, dtype=np.uint32, count=self.count, offset=self.count * 8)

    def maybe(self, keys: np.ndarray) -> np.ndarray:
        """Which keys may be in the run (all that are, and a few per cent of the others)."""
        word, mask = _probe(keys, self._words)
        return (self.filter[word] & mask) == mask

    def release(self) -> None:
        """Drop the pages read from the process (they stay in the page cache)."""
        if self._map is not None:
            self._map.madvise(mmap.MADV_DONTNEED)

    def close(self) -> None:
        if self._map is not None:
            try:
                self._map.close()
            except BufferError:  # an array still views it: the map goes when that array does
                pass
        self._file.close()


def pwrite_all(fd: int, array: np.ndarray, offset: int) -> None:
    """Write all of ``array``'s bytes at ``offset`` of the file ``fd`` (``pwrite`` may write less)."""
    view = memoryview(np.ascontiguousarray(array)).cast("B")
    written = 0
    while written < len(view):
        written += os.pwrite(fd, view[written:], offset + written)


def _matches(sorted_keys: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each stored key equal to a query: ``(query index, position in sorted_keys)``."""
    lo = np.searchsorted(sorted_keys, queries, side="left")
    hi = np.searchsorted(sorted_keys, queries, side="right")
    counts = hi - lo
    found = np.flatnonzero(counts)
    if found.size == 0:
        return found, found
    counts = counts[found]
    offsets = np.cumsum(counts) - counts
    positions = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(offsets - lo[found], counts)
    return np.repeat(found, counts), positions


class SpilledIndex:
    """For each band, a multimap fingerprint → value (a paragraph number), mostly on disk.

    The interface of :class:`cleaner.dedup.lsh.BandIndex`: ``query`` and ``insert`` take
    ``(m, bands)`` uint32 fingerprints.
    """

    def __init__(self, bands: int, directory: str | None = None, memory_entries: int | None = None) -> None:
        self.bands = bands
        self.size = 0
        self.directory = directory
        self.memory_entries = memory_entries or MEMORY_ENTRIES
        self._keys = np.zeros(0, dtype=np.uint64)
        self._values = np.zeros(0, dtype=np.uint32)
        self.runs: list[_Run] = []

    def __len__(self) -> int:
        return self.size

    @property
    def nbytes(self) -> int:
        """Memory held: the in-memory table and the runs' filters (the runs are on disk)."""
        return self._keys.nbytes + self._values.nbytes + sum(run.filter.nbytes for run in self.runs)

    @property
    def disk_bytes(self) -> int:
        return sum(run.count * 12 for run in self.runs)

    def query(self, fingerprints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """All stored values sharing a band with each row: ``(rows, values)``, one pair per hit."""
        at, values = self.query_keys(band_keys(fingerprints))
        return at // self.bands, values

    def query_keys(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """All values stored under each of ``keys`` (uint64): ``(index in keys, value)``, one pair per hit."""
        # Looked up in key order: each binary search then starts near where the last one ended.
        order = np.argsort(keys)
        keys = keys[order]
        found_at, found_values = [], []
        at, positions = _matches(self._keys, keys)
        found_at.append(at)
        found_values.append(self._values[positions])
        for run in self.runs:
            maybe = np.flatnonzero(run.maybe(keys))
            if maybe.size == 0:
                continue
            at, positions = _matches(run.keys(), keys[maybe])
            found_at.append(maybe[at])
            found_values.append(run.values()[positions])
            run.release()
        return order[np.concatenate(found_at)], np.concatenate(found_values).astype(np.uint32)

    def insert(self, fingerprints: np.ndarray, values: np.ndarray) -> None:
        """Store ``values[i]`` under each band fingerprint of row ``i``."""
        m = fingerprints.shape[0]
        if m == 0:
            return
        self._add(band_keys(fingerprints), np.repeat(values.astype(np.uint32), self.bands))
        self.size += m

    def insert_keys(self, keys: np.ndarray, values: np.ndarray) -> None:
        """Store ``values[i]`` under ``keys[i]`` (uint64; a table of one band)."""
        if keys.size:
            self._add(keys.astype(np.uint64), values.astype(np.uint32))
            self.size += keys.size

    def _add(self, keys: np.ndarray, values: np.ndarray) -> None:
        # Sorting only the new entries and inserting them costs a copy of the table, not a sort.
        order = np.argsort(keys, kind="stable")
        keys, values = keys[order], values[order]
        at = np.searchsorted(self._keys, keys, side="right")
        self._keys, self._values = np.insert(self._keys, at, keys), np.insert(self._values, at, values)
        if self._keys.size >= self.memory_entries:
            self._flush()

    def _flush(self) -> None:
        run = _Run(self.directory, self._keys.size)
        run.write(0, self._keys, self._values)
        run.open()
        self.runs.append(run)
        self._keys = np.zeros(0, dtype=np.uint64)
        self._values = np.zeros(0, dtype=np.uint32)
        # A binary counter: two runs of about the same size become one, so there are at most
        # log₂(entries / memory_entries) + 1 runs and each entry is rewritten that many times.
        while len(self.runs) >= 2 and self.runs[-2].count <= self.runs[-1].count:
            newer = self.runs.pop()
            older = self.runs.pop()
            self.runs.append(self._merge(older, newer))

    def _merge(self, older: _Run, newer: _Run) -> _Run:
        merged = _Run(self.directory, older.count + newer.count)
        written = 0
        for keys, values in _merged_chunks(older, newer):
            merged.write(written, keys, values)
            written += keys.size
        merged.open()
        older.close()
        newer.close()
        return merged

    def entries(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Every entry as ``(keys, values)`` chunks: each run in key order, then the in-memory table."""
        for run in self.runs:
            for start in range(0, run.count, _MERGE_CHUNK):
                stop = min(run.count, start + _MERGE_CHUNK)
                yield run.keys()[start:stop].copy(), run.values()[start:stop].copy()
                run.release()
        if self._keys.size:
            yield self._keys, self._values

    @property
    def run_sizes(self) -> list[int]:
        """Entries per run (the in-memory table last), as :meth:`entries` gives them."""
        return [run.count for run in self.runs] + ([int(self._keys.size)] if self._keys.size else [])

    def restore_run(self, chunks: Iterator[tuple[np.ndarray, np.ndarray]], count: int) -> None:
        """Add a run of ``count`` entries given in key order (a saved index being loaded)."""
        run = _Run(self.directory, count)
        written = 0
        last = None
        for keys, values in chunks:
            if keys.size and (np.any(keys[1:] < keys[:-1]) or (last is not None and keys[0] < last)):
                run.close()
                raise ValueError("a run of the band table is out of order")
            if keys.size:
                last = keys[-1]
            run.write(written, keys, values)
            written += keys.size
        if written != count:
            run.close()
            raise ValueError(f"a run of the band table holds {written} entries, not {count}")
        run.open()
        self.runs.append(run)

    def close(self) -> None:
        for run in self.runs:
            run.close()
        self.runs = []


def _merged_chunks(older: _Run, newer: _Run) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The entries of two runs in key order, a chunk at a time (at most two chunks in memory)."""
    a_keys, a_values, b_keys, b_values = older.keys(), older.values(), newer.keys(), newer.values()
    a = b = 0
    while a < older.count:
        stop = min(older.count, a + _MERGE_CHUNK)
        bound = int(np.searchsorted(b_keys, a_keys[stop - 1], side="right")) if stop < older.count else newer.count
        keys = np.concatenate((a_keys[a:stop], b_keys[b:bound]))
        values = np.concatenate((a_values[a:stop], b_values[b:bound]))
        order = np.argsort(keys, kind="stable")
        yield keys[order], values[order]
        a, b = stop, bound
        older.release()
        newer.release()
    if b < newer.count:
        for start in range(b, newer.count, _MERGE_CHUNK):
            stop = min(newer.count, start + _MERGE_CHUNK)
            yield b_keys[start:stop].copy(), b_values[start:stop].copy()
            newer.release()
