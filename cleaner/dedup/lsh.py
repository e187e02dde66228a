"""Locality-sensitive hashing of MinHash signatures: bands, an incremental index, and batch grouping.

A signature of ``bands × rows`` values is cut into bands; two paragraphs become *candidates* when
all rows of at least one band agree, which for Jaccard similarity ``J`` happens with probability
``1 − (1 − J^rows)^bands``. Candidates are only candidates: the deduplicator verifies each one
with the true Jaccard similarity of the shingle sets before removing anything, so bands and rows
are chosen for recall (few missed pairs) rather than for precision.

The banding is datasketch's (``MinHashLSH(num_perm=bands*rows, params=(bands, rows))`` groups the
same hash values), so signatures exported with :meth:`MinHasher.to_lean` can go into a
``MinHashLSH`` — in memory or with its Redis storage — for incremental use by other tools. For
batch runs this module keeps its own structures, which are much faster and smaller than Python
dicts of band keys:

* :class:`BandIndex` — one open-addressing table per band held in two numpy arrays (32-bit
  fingerprint, 32-bit value), probed and filled for a whole document at once;
* :func:`candidate_pairs` — pairs that share a band inside a batch, found with one vectorised sort.
"""

from __future__ import annotations

import numpy as np

_MIX1 = np.uint64(0xFF51AFD7ED558CCD)
_MIX2 = np.uint64(0xC4CEB9FE1A85EC53)
_SHIFT = np.uint64(33)
_GOLDEN32 = np.uint32(0x9E3779B1)


def collision_probability(similarity: float, bands: int, rows: int) -> float:
    """Probability that two sets of Jaccard ``similarity`` share at least one band."""
    return 1.0 - (1.0 - similarity**rows) ** bands


def band_fingerprints(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """``(m, bands)`` uint32 fingerprints of each band of each signature (0 never occurs).

    Each band's ``rows`` values are combined with distinct odd multipliers and mixed to 64 bits
    (MurmurHash3's finalizer); the high 32 bits are the fingerprint. Equal bands give equal
    fingerprints; unequal ones collide with probability about 2⁻³², and a collision only adds a
    candidate that verification then rejects.
    """
    m = signatures.shape[0]
    if bands * rows > signatures.shape[1]:
        raise ValueError(f"{bands} bands × {rows} rows need {bands * rows} permutations, not {signatures.shape[1]}")
    values = signatures[:, : bands * rows].reshape(m, bands, rows).astype(np.uint64)
    multipliers = (np.arange(1, rows + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)) | np.uint64(1)
    h = values[:, :, 0] * multipliers[0]
    for j in range(1, rows):
        h ^= h >> _SHIFT
        h += values[:, :, j] * multipliers[j]
    h ^= h >> _SHIFT
    h *= _MIX1
    h ^= h >> _SHIFT
    h *= _MIX2
    h ^= h >> _SHIFT
    fingerprints = (h >> np.uint64(32)).astype(np.uint32)
    fingerprints[fingerprints == 0] = 1
    return fingerprints


class BandIndex:
    """For each band, a multimap fingerprint → value (a paragraph number), grown as needed.

    Tables use linear probing with load ≤ 1/2; all bands share one capacity (every entry puts one
    fingerprint in each band), so a lookup of ``m`` signatures is a loop of a few array gathers over
    all ``m × bands`` probes at once, however many bands there are.
    """

    def __init__(self, bands: int, capacity: int = 1 << 12) -> None:
        self.bands = bands
        self.size = 0
        self._allocate(capacity)

    def _allocate(self, capacity: int) -> None:
        self.capacity = capacity
        self._bits = capacity.bit_length() - 1
        self._fp = np.zeros(self.bands * capacity, dtype=np.uint32)
        self._value = np.zeros(self.bands * capacity, dtype=np.uint32)

    def __len__(self) -> int:
        return self.size

    @property
    def nbytes(self) -> int:
        return self._fp.nbytes + self._value.nbytes

    def _home(self, fingerprints: np.ndarray, bands: np.ndarray) -> np.ndarray:
        # Multiplicative hashing: the top bits of fp × golden ratio pick the slot, so a table of
        # any power-of-two size can be rebuilt from the fingerprints alone.
        slot = (fingerprints * _GOLDEN32) >> np.uint32(32 - self._bits)
        return bands * self.capacity + slot.astype(np.int64)

    def query(self, fingerprints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """All stored values sharing a band with each row: ``(rows, values)``, one pair per hit."""
        m = fingerprints.shape[0]
        if m == 0 or self.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint32)
        rows = np.repeat(np.arange(m, dtype=np.int64), self.bands)
        bands = np.tile(np.arange(self.bands, dtype=np.int64), m)
        fps = fingerprints.ravel()
        position = self._home(fps, bands)
        band_start = bands * self.capacity
        mask = self.capacity - 1
        hit_rows, hit_values = [], []
        while fps.size:
            stored = self._fp[position]
            hit = stored == fps
            if hit.any():
                hit_rows.append(rows[hit])
                hit_values.append(self._value[position[hit]])
            live = stored != 0
            if not live.all():
                rows, fps, position, band_start = rows[live], fps[live], position[live], band_start[live]
            position = band_start + ((position - band_start + 1) & mask)
        if not hit_rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint32)
        return np.concatenate(hit_rows), np.concatenate(hit_values)

    def insert(self, fingerprints: np.ndarray, values: np.ndarray) -> None:
        """Store ``values[i]`` under each band fingerprint of row ``i``."""
        m = fingerprints.shape[0]
        if m == 0:
            return
        if 2 * (self.size + m) > self.capacity:
            self._grow(2 * (self.size + m))
        bands = np.tile(np.arange(self.bands, dtype=np.int64), m)
        self._place(fingerprints.ravel(), np.repeat(values.astype(np.uint32), self.bands), bands)
        self.size += m

    def _place(self, fps: np.ndarray, values: np.ndarray, bands: np.ndarray) -> None:
        position = self._home(fps, bands)
        band_start = bands * self.capacity
        mask = self.capacity - 1
        while fps.size:
            free = self._fp[position] == 0
            # Several entries may want the same free slot: the first of each takes it.
            candidates = np.flatnonzero(free)
            _, first = np.unique(position[candidates], return_index=True)
            taken = candidates[first]
            self._fp[position[taken]] = fps[taken]
            self._value[position[taken]] = values[taken]
            left = np.ones(fps.size, dtype=bool)
            left[taken] = False
            fps, values, position, band_start = fps[left], values[left], position[left], band_start[left]
            # The rest (slot occupied, or lost to another entry) move on to the next slot.
            position = band_start + ((position - band_start + 1) & mask)

    def _grow(self, needed: int) -> None:
        capacity = self.capacity
        while capacity < needed:
            capacity *= 2
        occupied = np.flatnonzero(self._fp)
        fps, values = self._fp[occupied], self._value[occupied]
        bands = occupied // self.capacity
        self._allocate(capacity)
        self._place(fps, values, bands)


def candidate_pairs(fingerprints: np.ndarray) -> np.ndarray:
    """Pairs ``(i, j)``, ``i < j``, of rows sharing at least one band, found with one sort.

    The band number and fingerprint are packed into one 64-bit key; after sorting, equal keys
    are adjacent, and each group of ``k`` equal keys yields its ``k·(k−1)/2`` pairs.
    """
    m, bands = fingerprints.shape
    if m < 2:
        return np.zeros((0, 2), dtype=np.int64)
    keys = (np.arange(bands, dtype=np.uint64)[None, :] << np.uint64(32)) | fingerprints.astype(np.uint64)
    keys = keys.ravel()
    rows = np.repeat(np.arange(m, dtype=np.int64), bands)
    order = np.argsort(keys, kind="stable")
    keys, rows = keys[order], rows[order]
    same = np.flatnonzero(keys[1:] == keys[:-1])
    if same.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    pairs: set[tuple[int, int]] = set()
    # Walk each run of equal keys (runs are short: a paragraph and its copies).
    run_starts = same[np.r_[True, same[1:] != same[:-1] + 1]]
    for start in run_starts.tolist():
        end = start + 1
        while end < keys.size and keys[end] == keys[start]:
            end += 1
        members = sorted(set(rows[start:end].tolist()))
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                pairs.add((members[x], members[y]))
    return np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
