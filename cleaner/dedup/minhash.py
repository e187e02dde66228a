"""MinHash signatures of character n-gram sets, computed with numpy and identical to datasketch's.

Chinese has no spaces, so a paragraph is represented by the set of its character n-grams
(shingles) — never by words split on whitespace or ``\\W``, which collapse a Chinese paragraph to
one or two "words" and make every paragraph look alike.

Each shingle is hashed to 32 bits by :func:`shingle_hash` (a polynomial over its code points).
The vectorised version hashes every shingle of a batch of paragraphs in a few array operations;
the signature then applies datasketch's permutations as one ``(num_perm, shingles)`` array
operation and takes per-paragraph minima. For the same ``num_perm``, ``seed`` and scheme the
result equals ``datasketch.MinHash(num_perm, seed, hashfunc=shingle_hash)`` updated with every
string of :func:`shingles` — so signatures can be turned into :class:`datasketch.LeanMinHash`
objects and put into a ``MinHashLSH`` (in memory or with Redis storage).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MASK64 = (1 << 64) - 1
# Odd 64-bit multiplier of the polynomial over code points (a prime near 2^64 / golden ratio).
_POLY = 0x9E3779B97F4A7C15
_MAX32 = np.uint32(0xFFFFFFFF)

SCHEMES = ("affine32", "legacy")
_MERSENNE = np.uint64((1 << 61) - 1)


def shingles(key: str, n: int) -> list[str]:
    """The character n-grams of ``key``; a non-empty key shorter than ``n`` is one shingle."""
    if len(key) < n:
        return [key] if key else []
    return [key[i : i + n] for i in range(len(key) - n + 1)]


def shingle_hash(shingle: str | bytes) -> int:
    """32-bit hash of one shingle: the scalar twin of :func:`shingle_hashes` (usable as datasketch ``hashfunc``).

    A polynomial over the code points modulo 2⁶⁴ (Horner's rule with one final multiplication, so
    the last character reaches the high bits too), of which the high 32 bits are kept. Bytes are
    taken as UTF-8, so ``MinHash.update(s.encode())`` works as well as ``update(s)``.
    """
    if isinstance(shingle, bytes):
        shingle = shingle.decode("utf-8")
    h = 0
    for char in shingle:
        h = (h * _POLY + ord(char)) & MASK64
    return ((h * _POLY) & MASK64) >> 32


def code_points(text: str) -> np.ndarray:
    """The code points of ``text`` as a uint32 array (one array operation, no Python loop)."""
    return np.frombuffer(text.encode("utf-32-le"), dtype="<u4")


def shingle_hashes(keys: Sequence[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Hash every shingle of every key at once: ``(hashes, lengths)``; see :func:`run_shingle_hashes`."""
    lengths = np.fromiter((len(k) for k in keys), dtype=np.int64, count=len(keys))
    return run_shingle_hashes(code_points("".join(keys)), lengths, n), lengths


def run_shingle_hashes(points: np.ndarray, lengths: np.ndarray, n: int) -> np.ndarray:
    """Shingle hashes of runs of code points (keys concatenated; ``lengths`` characters each).

    The result has one uint32 value per character: position ``p`` of key ``i`` holds the hash of
    the shingle starting there. The last ``n - 1`` positions of each key (where a shingle would
    run into the next key) repeat the key's first shingle instead, so the run of a key —
    ``lengths[i]`` values — holds exactly the hashes of ``shingles(key, n)``, some repeated; a key
    shorter than ``n`` holds its single shingle's hash. Repeats change neither a minimum nor a
    set, and keeping every run in place avoids gathering the valid positions.
    """
    total = int(points.size)
    if total == 0:
        return np.zeros(0, dtype=np.uint32)
    cps = np.zeros(total + n - 1, dtype=np.uint64)
    cps[:total] = points
    poly = np.uint64(_POLY)
    h = cps[:total].copy()
    for j in range(1, n):
        h *= poly
        h += cps[j : j + total]
    h *= poly
    hashes = (h >> np.uint64(32)).astype(np.uint32)
    starts = np.cumsum(lengths) - lengths
    long = lengths >= n
    if n > 1 and long.any():
        long_starts, long_ends = starts[long], starts[long] + lengths[long]
        tails = (long_ends[:, None] - np.arange(n - 1, 0, -1)).ravel()
        hashes[tails] = np.repeat(hashes[long_starts], n - 1)
    for i in np.flatnonzero(~long & (lengths > 0)):
        start, end = int(starts[i]), int(starts[i] + lengths[i])
        hashes[start:end] = shingle_hash(points[start:end].astype("<u4").tobytes().decode("utf-32-le"))
    return hashes


class MinHasher:
    """Signatures of character n-gram sets, identical to ``datasketch.MinHash`` for the same parameters.

    ``scheme`` is datasketch's permutation scheme: ``"affine32"`` (datasketch ≥ 2.0's default:
    32-bit values, ``a·fmix32(h) + b mod 2³²``) or ``"legacy"`` (datasketch < 2.0:
    ``(a·h + b) mod (2⁶¹ − 1)`` truncated to 32 bits, stored as uint64).
    """

    # Shingles per block of the permutation step: block × num_perm values stay in cache.
    BLOCK = 16384

    def __init__(self, num_perm: int = 128, seed: int = 1, n: int = 5, scheme: str = "affine32") -> None:
        if scheme not in SCHEMES:
            raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}, not {scheme!r}")
        self.num_perm, self.seed, self.n, self.scheme = num_perm, seed, n, scheme
        self.permutations = _permutations(num_perm, seed, scheme)
        self.dtype = np.uint32 if scheme == "affine32" else np.uint64
        self.empty_value = _MAX32 if scheme == "affine32" else np.uint64(0xFFFFFFFF)
        self._buffer = np.empty(0, dtype=self.dtype)

    def signatures_of_hashes(self, hashes: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """``(len(lengths), num_perm)`` signatures of consecutive runs of shingle hashes.

        The permutations are applied to a block of whole runs at once as one contiguous
        ``(num_perm, shingles)`` array (multiply, add, then a per-run minimum with ``reduceat``),
        reusing one buffer so large blocks cost no fresh allocation.
        """
        out = np.full((self.num_perm, len(lengths)), self.empty_value, dtype=self.dtype)
        nonempty = np.flatnonzero(lengths > 0)
        if nonempty.size:
            a, b = self.permutations
            a, b = a[:, None], b[:, None]
            hv = _fmix32(hashes) if self.scheme == "affine32" else hashes.astype(np.uint64)
            ends = np.cumsum(lengths)[nonempty]
            starts = ends - lengths[nonempty]
            buffer = self._buffer
            first = 0
            while first < nonempty.size:
                last = max(int(np.searchsorted(ends, starts[first] + self.BLOCK, side="right")), first + 1)
                lo, hi = int(starts[first]), int(ends[last - 1])
                if hi - lo > self.BLOCK:
                    # One run longer than a block (a huge paragraph): its minimum, block by block,
                    # so memory stays at one block whatever the paragraph's size.
                    out[:, nonempty[first]] = self._long_run_minimum(hv[lo:hi])
                    first = last
                    continue
                if buffer.size < self.num_perm * (hi - lo):
                    # Kept between calls: a fresh multi-megabyte array per document costs page faults.
                    buffer = self._buffer = np.empty(self.num_perm * (hi - lo), dtype=self.dtype)
                block = buffer[: self.num_perm * (hi - lo)].reshape(self.num_perm, hi - lo)
                np.multiply(a, hv[None, lo:hi], out=block)
                block += b
                if self.scheme == "legacy":
                    block %= _MERSENNE
                    block &= np.uint64(0xFFFFFFFF)
                out[:, nonempty[first:last]] = np.minimum.reduceat(block, starts[first:last] - lo, axis=1)
                first = last
        return np.ascontiguousarray(out.T)

    def _long_run_minimum(self, hv: np.ndarray) -> np.ndarray:
        """The signature of one run of (mixed) shingle hashes, computed ``BLOCK`` shingles at a time."""
        a, b = self.permutations
        a, b = a[:, None], b[:, None]
        result = np.full(self.num_perm, self.empty_value, dtype=self.dtype)
        for lo in range(0, hv.size, self.BLOCK):
            block = a * hv[None, lo : lo + self.BLOCK] + b
            if self.scheme == "legacy":
                block %= _MERSENNE
                block &= np.uint64(0xFFFFFFFF)
            np.minimum(result, block.min(axis=1), out=result)
        return result

    # Keys hashed per round in :meth:`signatures`: arrays of a few hundred thousand values stay
    # in cache, where one round over millions would spend its time on page faults and misses.
    KEYS_PER_ROUND = 2048

    def signatures(self, keys: Sequence[str]) -> np.ndarray:
        """Signatures of the shingle sets of ``keys`` (already-normalised texts), one row each."""
        if len(keys) <= self.KEYS_PER_ROUND:
            return self.signatures_of_hashes(*shingle_hashes(keys, self.n))
        out = np.empty((len(keys), self.num_perm), dtype=self.dtype)
        for start in range(0, len(keys), self.KEYS_PER_ROUND):
            chunk = keys[start : start + self.KEYS_PER_ROUND]
            out[start : start + len(chunk)] = self.signatures_of_hashes(*shingle_hashes(chunk, self.n))
        return out

    def signature(self, key: str) -> np.ndarray:
        return self.signatures([key])[0]

    def to_lean(self, signature: np.ndarray):
        """The signature as a :class:`datasketch.LeanMinHash` (for ``MinHashLSH``, Redis storage, …)."""
        from datasketch import LeanMinHash

        return LeanMinHash(seed=self.seed, hashvalues=signature, scheme=self.scheme)

    def datasketch_minhash(self, key: str):
        """The reference: datasketch's own ``MinHash`` fed shingle by shingle (slow; for tests and benchmarks)."""
        from datasketch import MinHash

        m = MinHash(num_perm=self.num_perm, seed=self.seed, hashfunc=shingle_hash, scheme=self.scheme)
        for s in shingles(key, self.n):
            m.update(s)
        return m


def _fmix32(h: np.ndarray) -> np.ndarray:
    """datasketch's 32-bit MurmurHash3 pre-mix of the input hash (affine schemes)."""
    h = h ^ (h >> np.uint32(16))
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


def _permutations(num_perm: int, seed: int, scheme: str) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's permutation parameters (same generator, same draws) for ``scheme``."""
    gen = np.random.RandomState(seed)
    if scheme == "legacy":
        pairs = np.array(
            [
                (gen.randint(1, _MERSENNE, dtype=np.uint64), gen.randint(0, _MERSENNE, dtype=np.uint64))
                for _ in range(num_perm)
            ],
            dtype=np.uint64,
        ).T
        return pairs[0].copy(), pairs[1].copy()
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b
