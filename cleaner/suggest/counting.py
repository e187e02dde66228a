"""Counting the character n-grams of a corpus in one pass, in bounded memory.

Only runs of Han characters of the Basic Multilingual Plane are counted (an n-gram never spans
punctuation, Latin text or a line break). Each n-gram of up to four characters is packed into one
64-bit integer (16 bits a character), so counting is done by numpy on whole texts at a time: the
keys of a batch are sorted and merged into a sorted table of (key, count) per size.

Each table holds at most ``max_entries`` n-grams: when a merge leaves more, every n-gram counted
``threshold`` times or fewer is dropped and ``threshold`` goes up by one until it fits (lossy
counting). A count is then exact or at most ``floor`` too low; the rare strings of a huge corpus go
first, the frequent ones that proposals are made of stay. Memory is bounded by ``max_entries`` and
the batch size, whatever the size of the corpus.

A corpus is counted in partitions of files (:func:`cleaner.partitioning.partitions`, fixed by the
files' sizes alone), each by a counter of its own, merged (:meth:`NgramCounter.merge`, pruning as
above) in partition order. Every engine, local or on Ray, one worker or many, therefore prunes the
same n-grams at the same points and ends with the same tables. A counter's ``floor`` is its own
threshold plus the floors of the counters merged into it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

DEFAULT_SIZES = (1, 2, 3, 4)
DEFAULT_MAX_ENTRIES = 4_000_000
BATCH = 2_000_000  # characters collected before they are merged into the tables
BITS = 16

# Han code points of the BMP: 〇, extension A, the unified ideographs, compatibility ideographs.
_HAN_RANGES = ((0x3007, 0x3007), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))


def is_han(codes: np.ndarray) -> np.ndarray:
    mask = np.zeros(codes.shape, bool)
    for low, high in _HAN_RANGES:
        mask |= (codes >= low) & (codes <= high)
    return mask


def encode(gram: str) -> int:
    """The key of an n-gram (``decode(encode(s), len(s)) == s``)."""
    key = 0
    for char in gram:
        key = (key << BITS) | ord(char)
    return key


def decode(key: int, size: int) -> str:
    return "".join(chr((key >> (BITS * (size - 1 - k))) & 0xFFFF) for k in range(size))


class NgramCounter:
    """Counts of the Han n-grams of ``sizes`` characters (at most 4) in the texts added.

    >>> counter = NgramCounter(sizes=(2,))
    >>> counter.add("渌口区，渌口镇")
    >>> counter["渌口"], counter["口区"], counter["区渌"]
    (2, 1, 0)
    """

    def __init__(self, sizes: Iterable[int] = DEFAULT_SIZES, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self.sizes = tuple(sorted(sizes))
        if not self.sizes or self.sizes[0] < 1 or self.sizes[-1] > 4:
            raise ValueError("n-gram sizes must be between 1 and 4")
        self.max_entries = max_entries
        self.threshold = 0  # n-grams counted this often or less have been dropped from a full table
        self.inherited = 0  # the floors of the counters merged into this one
        self.characters = 0  # Han characters counted
        self._tables = {n: (np.zeros(0, np.uint64), np.zeros(0, np.int64)) for n in self.sizes}
        self._pending: list[np.ndarray] = []
        self._pending_chars = 0
        self._unigrams: dict[str, int] | None = None  # the 1-gram table as a dict, made on first look-up

    def add(self, text: str) -> None:
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        if not len(codes):
            return
        self._pending.append(codes)
        self._pending_chars += len(codes)
        if self._pending_chars >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Merge the texts added since the last flush into the tables."""
        if not self._pending:
            return
        # A non-Han separator between texts, so no n-gram spans two of them.
        separator = np.zeros(1, np.uint32)
        codes = np.concatenate([part for text in self._pending for part in (text, separator)])
        self._pending, self._pending_chars = [], 0
        han = is_han(codes)
        self.characters += int(han.sum())
        codes64 = np.where(han, codes, 0).astype(np.uint64)
        for n in self.sizes:
            keys = self._keys(codes64, han, n)
            if len(keys):
                self._merge(n, *np.unique(keys, return_counts=True))

    @staticmethod
    def _keys(codes: np.ndarray, han: np.ndarray, n: int) -> np.ndarray:
        count = len(codes) - n + 1
        if count <= 0:
            return np.zeros(0, np.uint64)
        whole = han[:count].copy()
        key = codes[:count].copy()
        for k in range(1, n):
            whole &= han[k : k + count]
            key = (key << np.uint64(BITS)) | codes[k : k + count]
        return key[whole]

    def _merge(self, n: int, keys: np.ndarray, counts: np.ndarray) -> None:
        old_keys, old_counts = self._tables[n]
        if len(old_keys):
            joined = np.concatenate([old_keys, keys])
            keys, inverse = np.unique(joined, return_inverse=True)
            counts = np.bincount(inverse, weights=np.concatenate([old_counts, counts])).astype(np.int64)
        while len(keys) > self.max_entries:
            self.threshold += 1
            kept = counts > self.threshold
            keys, counts = keys[kept], counts[kept]
        self._tables[n] = (keys, counts.astype(np.int64))
        if n == 1:
            self._unigrams = None

    @property
    def floor(self) -> int:
        """Counts may be this much too low (0: exact): each drop, here or in a merged counter, lost
        at most its threshold of an n-gram's count."""
        return self.threshold + self.inherited

    def merge(self, other: NgramCounter) -> None:
        """Add the counts of ``other`` (of the same sizes), pruning as :meth:`add` does."""
        self.flush()
        other.flush()
        for n in self.sizes:
            keys, counts = other._tables[n]
            if len(keys):
                self._merge(n, keys, counts)
        self.characters += other.characters
        self.inherited += other.floor

    def for_evidence(self, forms: Iterable[str]) -> NgramCounter:
        """A copy of this counter holding what the evidence pass looks up (every n-gram of one and
        two characters; of the longer ones, those that begin or end with one of ``forms``): the
        same counts for those, much smaller to send to workers."""
        self.flush()
        copy = NgramCounter(self.sizes, self.max_entries)
        copy.threshold, copy.inherited, copy.characters = self.threshold, self.inherited, self.characters
        by_size: dict[int, set[int]] = {}
        for form in forms:
            by_size.setdefault(len(form), set()).add(encode(form))
        for n, (keys, counts) in self._tables.items():
            if n > 2:
                wanted = np.array(sorted(by_size.get(n - 1, ())), np.uint64)
                suffix = keys & np.uint64((1 << (BITS * (n - 1))) - 1)
                kept = np.isin(keys >> np.uint64(BITS), wanted) | np.isin(suffix, wanted)
                keys, counts = keys[kept], counts[kept]
            copy._tables[n] = (keys, counts)
        return copy

    def table(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The sorted keys of the n-grams of size ``n`` and their counts."""
        self.flush()
        return self._tables[n]

    def __getitem__(self, gram: str) -> int:
        # Called millions of times by the candidate search: one ``searchsorted`` on the table, and
        # a dict for single characters (at most the 28,000 or so Han code points of the BMP).
        n = len(gram)
        if n not in self._tables:
            return 0
        if self._pending:
            self.flush()
        if n == 1:
            if self._unigrams is None:
                keys, counts = self._tables[1]
                self._unigrams = dict(zip(map(chr, keys.tolist()), counts.tolist(), strict=True))
            return self._unigrams.get(gram, 0)
        key = 0
        for char in gram:
            code = ord(char)
            if code > 0xFFFF:
                return 0
            key = (key << BITS) | code
        keys, counts = self._tables[n]
        at = keys.searchsorted(np.uint64(key))
        return int(counts[at]) if at < len(keys) and keys[at] == key else 0

    def counts_of(self, n: int, keys: np.ndarray) -> np.ndarray:
        """The counts of the n-grams of size ``n`` whose keys are ``keys`` (0 for those not counted)."""
        if n not in self._tables or not len(keys):
            return np.zeros(len(keys), np.int64)
        table, counts = self.table(n)
        if not len(table):
            return np.zeros(len(keys), np.int64)
        at = np.minimum(np.searchsorted(table, keys), len(table) - 1)
        return np.where(table[at] == keys, counts[at], 0)

    def grams(self, n: int, minimum: int = 1, maximum: int | None = None) -> Iterator[tuple[str, int]]:
        """The n-grams of size ``n`` counted between ``minimum`` and ``maximum`` times, with their counts."""
        keys, counts = self.table(n)
        chosen = counts >= minimum
        if maximum is not None:
            chosen &= counts <= maximum
        for key, count in zip(keys[chosen].tolist(), counts[chosen].tolist(), strict=True):
            yield decode(key, n), count

    def __contains__(self, gram: str) -> bool:
        return self[gram] > 0

    def __len__(self) -> int:
        self.flush()
        return sum(len(keys) for keys, _ in self._tables.values())
