"""The near rule's candidates, found and verified away from the process that decides.

The near rule (:mod:`cleaner.dedup.deduplicator`, rule 4) asks, for each paragraph long enough,
which earlier paragraphs share an LSH band with it and how similar their 5-gram sets are. Only
the last step — which of them is still kept, and so may be named — needs the decisions made
before it. This module does the rest on workers, for a corpus cut into partitions in corpus order:

1. Each partition's near paragraphs (:class:`NearPart`, from the sketches its worker made): their
   band fingerprints and keys. They are numbered through the corpus in order (*near numbers*).
2. Their band keys go to ``shards`` band shards by fingerprint (a hash-partitioned exchange); each
   shard (:class:`BandShard`) holds every band key it has seen with its near number, takes the
   partitions in corpus order, and gives the pairs (later, earlier) sharing one of its keys.
3. A partition's pairs, from all shards, are verified where its sketches are
   (:func:`verify`): the true Jaccard similarity of the two 5-gram sets, the same function on the
   same sets as the deduplicator, so the same float; pairs below the threshold are dropped, but
   for a paragraph short enough for the edit script (``near_edits_max_length``).
4. What is left travels with each document's sketch (:class:`VerifiedSketch`) to the
   deduplicator, which takes, of a paragraph's verified earlier candidates in corpus order, the
   first most similar one that is still kept (and not withdrawn).

Why a superset gives the same decisions: the deduplicator of one process compares a paragraph
with exactly the kept, not withdrawn, earlier paragraphs sharing a band with it, in corpus order,
and keeps the first most similar at or above the threshold. The pairs here hold every earlier
paragraph sharing a band — kept, removed, in a withdrawn file alike — so that set is what is left
of them once the removed and withdrawn ones are passed over; the order (corpus order) and the
similarities (same sets, same arithmetic) are the same, and so is the choice. A pair below the
threshold could never be chosen, so leaving it out changes nothing — except for a paragraph of at
most ``near_edits_max_length`` characters the near rule matches to none: it is compared with all
its kept band candidates by its edit script, so all of its pairs come back.

Everything here is plain numpy and picklable; :mod:`cleaner.ray_engine` runs it on Ray.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from cleaner.config import DedupOptions
from cleaner.dedup.deduplicator import _jaccard, _ranges
from cleaner.dedup.minhash import run_shingle_hashes
from cleaner.dedup.sketch import DocumentSketch, Sketches
from cleaner.dedup.spill import SpilledIndex, band_keys

_NO_NUMBERS = np.zeros(0, dtype=np.int64)
_NO_SIMILARITIES = np.zeros(0, dtype=np.float64)
# Near numbers are stored as uint32 in a shard's table.
MAX_NEAR_PARAGRAPHS = 1 << 32


@dataclass(frozen=True)
class NearPart:
    """The near paragraphs of one partition, in corpus order: band fingerprints and keys."""

    bands: np.ndarray  # (n, bands) uint32
    points: np.ndarray  # the keys' code points, one after another
    lengths: np.ndarray  # characters per key
    content: np.ndarray  # letters, digits and ideographs per key

    def __len__(self) -> int:
        return int(self.lengths.size)

    def shingles(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The 5-gram hash at each key position (as the deduplicator stores them), and where each key starts."""
        starts = np.cumsum(self.lengths) - self.lengths
        return run_shingle_hashes(self.points.astype(np.uint32), self.lengths, n), starts


def near_rows(content: np.ndarray, options: DedupOptions) -> np.ndarray:
    """Which paragraphs the near rule compares (as the sketch's band rows): long enough for MinHash."""
    return content >= max(options.min_near_length, options.min_length)


def near_part(sketch_sets: Iterable[Sketches | None], options: DedupOptions) -> NearPart:
    """The near paragraphs of the files of a partition, given their sketches in order (``None``: none made)."""
    bands, points, lengths, content = [], [], [], []
    for sketches in sketch_sets:
        if sketches is None:
            continue
        counts = sketches.content.astype(np.int64)
        near = near_rows(counts, options)
        key_lengths = sketches.lengths.astype(np.int64)
        starts = np.cumsum(key_lengths) - key_lengths
        bands.append(sketches.bands)
        points.append(sketches.points[_ranges(starts[near], key_lengths[near])].astype(np.uint32))
        lengths.append(key_lengths[near])
        content.append(counts[near])
    if not lengths:
        none = np.zeros((0, options.bands), dtype=np.uint32)
        return NearPart(none, np.zeros(0, np.uint32), _NO_NUMBERS, _NO_NUMBERS)
    return NearPart(*(np.concatenate(column) for column in (bands, points, lengths, content)))


@dataclass(frozen=True)
class ShardPairs:
    """What one shard found for one partition: its first near number, and pairs ``(later, earlier)``
    with the partition each earlier one is in and that partition's first near number."""

    base: int
    later: np.ndarray
    earlier: np.ndarray
    earlier_part: np.ndarray
    earlier_base: np.ndarray


class BandShard:
    """The band keys of one shard (``fingerprint % shards == shard``) of every partition seen so far.

    Partitions must come in corpus order, each once (``pairs``); a failed partition is simply not
    given. The keys are kept in a :class:`~cleaner.dedup.spill.SpilledIndex` (on disk but for its
    Bloom filters).
    """

    def __init__(self, shard: int, shards: int, spill_dir: str | None = None) -> None:
        self.shard, self.shards = shard, shards
        self.table = SpilledIndex(1, spill_dir)
        self.next = 0  # near number of the next partition's first paragraph
        self.parts: list[int] = []  # the partitions seen, in order
        self.bases: list[int] = []  # and their first near numbers

    def pairs(self, number: int, part: NearPart) -> ShardPairs:
        """The pairs of partition ``number`` sharing a band key of this shard: with the partitions
        before it, and inside it (each pair once, later first)."""
        base, count = self.next, len(part)
        if base + count > MAX_NEAR_PARAGRAPHS:
            raise ValueError(f"more than {MAX_NEAR_PARAGRAPHS:,} near paragraphs in one run")
        bands = part.bands.shape[1] if part.bands.ndim == 2 else 0
        keys = band_keys(part.bands)
        numbers = base + np.repeat(np.arange(count, dtype=np.int64), bands)
        mine = (keys & np.uint64(0xFFFFFFFF)) % np.uint64(self.shards) == np.uint64(self.shard)
        keys, numbers = keys[mine], numbers[mine]
        at, found = self.table.query_keys(keys)
        inside_later, inside_earlier = same_key_pairs(keys, numbers)
        later = np.concatenate((numbers[at], inside_later))
        earlier = np.concatenate((found.astype(np.int64), inside_earlier))
        self.table.insert_keys(keys, numbers.astype(np.uint32))
        self.parts.append(number)
        self.bases.append(base)
        self.next = base + count
        later, earlier = unique_pairs(later, earlier)
        where = np.searchsorted(np.array(self.bases, dtype=np.int64), earlier, side="right") - 1
        # (bases can repeat where a partition had no near paragraph: the last of equal ones holds it)
        parts, bases = np.array(self.parts, dtype=np.int64), np.array(self.bases, dtype=np.int64)
        return ShardPairs(base, later, earlier, parts[where], bases[where])

    def close(self) -> None:
        self.table.close()


def same_key_pairs(keys: np.ndarray, numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(later, earlier)`` of different numbers stored under the same key, without a Python loop."""
    order = np.lexsort((numbers, keys))
    keys, numbers = keys[order], numbers[order]
    if keys.size < 2:
        return _NO_NUMBERS, _NO_NUMBERS
    new_group = np.concatenate(([True], keys[1:] != keys[:-1]))
    group_start = np.maximum.accumulate(np.where(new_group, np.arange(keys.size), 0))
    before = np.arange(keys.size) - group_start  # how many of its group come before each entry
    later = np.repeat(numbers, before)
    earlier = numbers[_ranges(group_start, before)]
    keep = later != earlier
    return later[keep], earlier[keep]


def unique_pairs(later: np.ndarray, earlier: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct pairs, sorted by later, then earlier."""
    packed = np.unique((later.astype(np.uint64) << np.uint64(32)) | earlier.astype(np.uint64))
    return (packed >> np.uint64(32)).astype(np.int64), (packed & np.uint64(0xFFFFFFFF)).astype(np.int64)


@dataclass(frozen=True)
class Verified:
    """A partition's verified pairs: its first near number, how many near paragraphs it has, and
    the pairs at or above the threshold (all of them for a paragraph the edit script may judge),
    sorted by later then earlier, with their similarity."""

    base: int
    count: int
    later: np.ndarray
    earlier: np.ndarray
    similarity: np.ndarray


def verify(
    number: int,
    part: NearPart,
    found: Sequence[ShardPairs],
    fetch: Callable[[list[int]], list[NearPart]],
    options: DedupOptions,
) -> Verified:
    """The pairs of partition ``number`` (``part``) the shards ``found``, with their true Jaccard
    similarity; ``fetch`` gives the earlier partitions named (by number) that they need."""
    bases = {shard.base for shard in found}
    if len(bases) != 1:
        raise ValueError(f"the band shards disagree on where partition {number} starts: {sorted(bases)}")
    base = bases.pop()
    later, earlier = unique_pairs(
        np.concatenate([shard.later for shard in found]), np.concatenate([shard.earlier for shard in found])
    )
    named = np.concatenate([shard.earlier for shard in found]).tolist()
    parts_of = dict(zip(named, np.concatenate([shard.earlier_part for shard in found]).tolist(), strict=True))
    first = dict(
        zip(
            np.concatenate([shard.earlier_part for shard in found]).tolist(),
            np.concatenate([shard.earlier_base for shard in found]).tolist(),
            strict=True,
        )
    )
    first[number] = base
    wanted = sorted({parts_of[e] for e in earlier.tolist()} - {number})
    hashed = {p: (got, got.shingles(options.ngram)) for p, got in zip(wanted, fetch(wanted), strict=True)}
    hashed[number] = (part, part.shingles(options.ngram))

    def shingles(near: int) -> np.ndarray:
        p = parts_of.get(near, number)
        got, (hashes, starts) = hashed[p]
        i = near - first[p]
        return hashes[starts[i] : starts[i] + got.lengths[i]]

    similarity = np.array(
        [_jaccard(shingles(a), shingles(b)) for a, b in zip(later.tolist(), earlier.tolist(), strict=True)],
        dtype=np.float64,
    )
    # Pairs under the threshold can never be the near rule's choice; but a paragraph short enough for
    # the edit script (near_edits_max_length) is compared with every band candidate by its edits.
    edited = part.content[later - base] <= options.near_edits_max_length if options.short_near else False
    keep = (similarity >= options.threshold) | edited
    return Verified(base, len(part), later[keep], earlier[keep], similarity[keep])


@dataclass(frozen=True)
class VerifiedSketch(DocumentSketch):
    """A document's sketch with its near paragraphs' verified earlier candidates: its first near
    number, and for each pair (one per candidate, later paragraph's near number then earlier's,
    ascending) the similarity."""

    first_near: int = 0
    later: np.ndarray = field(default_factory=lambda: _NO_NUMBERS)
    earlier: np.ndarray = field(default_factory=lambda: _NO_NUMBERS)
    similarity: np.ndarray = field(default_factory=lambda: _NO_SIMILARITIES)


@dataclass(frozen=True)
class VerifiedSketches(Sketches):
    """A file's sketches with the verified candidates of its near paragraphs (see :class:`Verified`):
    document ``d``'s sketch is a :class:`VerifiedSketch`."""

    first_near: int = 0
    verified: Verified | None = None

    def __getitem__(self, d: int) -> DocumentSketch | None:
        plain = super().__getitem__(d)
        if plain is None or self.verified is None:
            return plain
        start = self.first_near + int(self.near_bounds[d])
        stop = self.first_near + int(self.near_bounds[d + 1])
        lo, hi = np.searchsorted(self.verified.later, [start, stop]).tolist()
        v = self.verified
        made = {f.name: getattr(plain, f.name) for f in fields(DocumentSketch)}
        return VerifiedSketch(
            **made, first_near=start, later=v.later[lo:hi], earlier=v.earlier[lo:hi], similarity=v.similarity[lo:hi]
        )


def with_verified(sketches: Sketches, first_near: int, verified: Verified) -> VerifiedSketches:
    """``sketches`` (a file's, whose first near paragraph is ``first_near``) with ``verified`` attached."""
    made: dict[str, Any] = {f.name: getattr(sketches, f.name) for f in fields(Sketches)}
    return VerifiedSketches(**made, first_near=first_near, verified=verified)


def near_count(sketch_sets: Iterable[Sketches | None]) -> int:
    """Near paragraphs in a partition's sketches: as many as its :class:`NearPart` has."""
    return sum(len(sketches.bands) for sketches in sketch_sets if sketches is not None)


def attached(sketch_sets: Sequence[Sketches | None], first_near: int, verified: Verified) -> list[Sketches | None]:
    """A partition's sketches (of its files, in order) with ``verified`` attached, the first starting
    at near number ``first_near``."""
    out: list[Sketches | None] = []
    for sketches in sketch_sets:
        if sketches is None:
            out.append(None)
            continue
        out.append(with_verified(sketches, first_near, verified))
        first_near += len(sketches.bands)
    return out


def verified_here(parts: Sequence[Sequence[Sketches | None]], options: DedupOptions, shards: int = 2) -> list[Verified]:
    """The verified pairs of each partition (given as its files' sketches), made in this process
    with the same steps the Ray engine spreads over workers."""
    tables = [BandShard(shard, shards) for shard in range(shards)]
    made = [near_part(part, options) for part in parts]
    try:
        return [
            verify(
                number,
                part,
                [table.pairs(number, part) for table in tables],
                lambda wanted: [made[p] for p in wanted],
                options,
            )
            for number, part in enumerate(made)
        ]
    finally:
        for table in tables:
            table.close()
