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

import math

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

    Each band is a hash table of buckets of 8 cells; a cell packs a 32-bit fingerprint and a
    32-bit value into one uint64 (0 marks an empty cell). Buckets fill left to right (a one-byte
    fill count per bucket says where), overflow into the next bucket, and are kept at most
    ``max_load`` full on average (half by default: a miss then rarely needs a second bucket).
    All bands share one bucket count (every entry puts one fingerprint in each
    band), so looking up or inserting ``m`` signatures is one gather or scatter of ``m × bands``
    buckets — another round only for the rare full bucket — however many bands there are.
    """

    CELLS = 8

    def __init__(self, bands: int, buckets: int = 1 << 9, max_load: float = 0.5) -> None:
        self.bands = bands
        self.size = 0
        self.max_load = max_load
        self._allocate(buckets)

    def _allocate(self, buckets: int) -> None:
        self.buckets = buckets
        self._bits = buckets.bit_length() - 1
        self._cells = np.zeros((self.bands * buckets, self.CELLS), dtype=np.uint64)
        self._filled = np.zeros(self.bands * buckets, dtype=np.uint8)

    def __len__(self) -> int:
        return self.size

    @property
    def nbytes(self) -> int:
        return self._cells.nbytes + self._filled.nbytes

    def _home(self, fingerprints: np.ndarray, bands: np.ndarray) -> np.ndarray:
        # Multiplicative hashing: the top bits of fp × golden ratio pick the bucket, so a table of
        # any power-of-two size can be rebuilt from the fingerprints alone.
        bucket = (fingerprints * _GOLDEN32) >> np.uint32(32 - self._bits)
        return bands * self.buckets + bucket.astype(np.int64)

    def _next(self, row: np.ndarray) -> np.ndarray:
        band_start = (row // self.buckets) * self.buckets
        return band_start + (row - band_start + 1) % self.buckets

    def query(self, fingerprints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """All stored values sharing a band with each row: ``(rows, values)``, one pair per hit."""
        m = fingerprints.shape[0]
        empty = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint32)
        if m == 0 or self.size == 0:
            return empty
        rows = np.repeat(np.arange(m, dtype=np.int64), self.bands)
        fps = fingerprints.ravel()
        bucket = self._home(fps, np.tile(np.arange(self.bands, dtype=np.int64), m))
        hit_rows, hit_values = [], []
        while fps.size:
            cells = self._cells[bucket]
            equal = (cells >> np.uint64(32)) == fps[:, None]
            some = np.flatnonzero(equal.any(axis=1))
            if some.size:
                which, cell = np.nonzero(equal[some])
                hit_rows.append(rows[some[which]])
                hit_values.append(cells[some[which], cell].astype(np.uint32))
            full = self._filled[bucket] == self.CELLS
            if not full.any():
                break
            rows, fps, bucket = rows[full], fps[full], self._next(bucket[full])
        if not hit_rows:
            return empty
        return np.concatenate(hit_rows), np.concatenate(hit_values)

    def insert(self, fingerprints: np.ndarray, values: np.ndarray) -> None:
        """Store ``values[i]`` under each band fingerprint of row ``i``."""
        m = fingerprints.shape[0]
        if m == 0:
            return
        if self.size + m > self.max_load * self.buckets * self.CELLS:
            self._grow(math.ceil((self.size + m) / self.max_load))
        bands = np.tile(np.arange(self.bands, dtype=np.int64), m)
        fps = fingerprints.ravel()
        packed = (fps.astype(np.uint64) << np.uint64(32)) | np.repeat(values.astype(np.uint64), self.bands)
        self._place(packed, self._home(fps, bands))
        self.size += m

    def _place(self, packed: np.ndarray, bucket: np.ndarray) -> None:
        while packed.size:
            # Entries aiming at one bucket take its free cells in order: sort by bucket, rank
            # each entry within its group, and write everything that fits in one scatter.
            order = np.argsort(bucket, kind="stable")
            bucket, packed = bucket[order], packed[order]
            starts = np.flatnonzero(np.concatenate(([True], bucket[1:] != bucket[:-1])))
            sizes = np.diff(np.append(starts, bucket.size))
            rank = np.arange(bucket.size) - np.repeat(starts, sizes)
            filled = self._filled[bucket[starts]]
            cell = np.repeat(filled, sizes) + rank
            fits = cell < self.CELLS
            self._cells.reshape(-1)[bucket[fits] * self.CELLS + cell[fits]] = packed[fits]
            self._filled[bucket[starts]] = np.minimum(filled.astype(np.int64) + sizes, self.CELLS)
            over = ~fits
            packed, bucket = packed[over], self._next(bucket[over])

    def _grow(self, needed: int) -> None:
        buckets = self.buckets
        while buckets * self.CELLS < needed:
            buckets *= 2
        old, old_buckets = self._cells, self.buckets
        self._allocate(buckets)
        # One band at a time, so the temporaries of the rebuild stay small next to the table.
        for band in range(self.bands):
            region = old[band * old_buckets : (band + 1) * old_buckets]
            packed = region[region != 0]
            fingerprints = (packed >> np.uint64(32)).astype(np.uint32)
            self._place(packed, self._home(fingerprints, np.full(packed.size, band, dtype=np.int64)))


def candidate_pairs(fingerprints: np.ndarray) -> np.ndarray:
    """Pairs ``(i, j)``, ``i < j``, of rows sharing at least one band, found with one sort.

    Band number, fingerprint and row are packed into one 64-bit key (12 + 32 + 20 bits); after
    sorting, rows sharing a band fingerprint are adjacent, and each group of ``k`` yields its
    ``k·(k−1)/2`` pairs.
    """
    m, bands = fingerprints.shape
    if m < 2:
        return np.zeros((0, 2), dtype=np.int64)
    if m >= 1 << 20 or bands >= 1 << 12:
        raise ValueError("candidate_pairs handles at most 2^20 rows and 2^12 bands at once")
    keys = (np.arange(bands, dtype=np.uint64)[None, :] << np.uint64(52)) | (
        fingerprints.astype(np.uint64) << np.uint64(20)
    )
    keys |= np.arange(m, dtype=np.uint64)[:, None]
    keys = np.sort(keys.ravel())
    groups = keys >> np.uint64(20)
    same = np.flatnonzero(groups[1:] == groups[:-1])
    if same.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    rows = (keys & np.uint64((1 << 20) - 1)).astype(np.int64)
    pairs: set[tuple[int, int]] = set()
    # Walk each run of equal groups (runs are short: a paragraph and its copies).
    run_starts = same[np.concatenate(([True], same[1:] != same[:-1] + 1))]
    for start in run_starts.tolist():
        end = start + 1
        while end < keys.size and groups[end] == groups[start]:
            end += 1
        members = rows[start:end].tolist()
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                pairs.add((members[x], members[y]))
    return np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
