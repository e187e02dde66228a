"""MinHash signatures identical to datasketch's; LSH banding, band index and batch grouping."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.config import DedupOptions
from cleaner.dedup import MinHasher, normalise_key, shingle_hash, shingles
from cleaner.dedup.keys import paragraph_keys
from cleaner.dedup.lsh import BandIndex, band_fingerprints, candidate_pairs, collision_probability
from cleaner.dedup.minhash import run_shingle_hashes, shingle_hashes

SEED_LINES = [
    "数字化转型同样为产业发展注入新活力。全县培育了36名本土主",
    "教育是民生之基,牵动着千家万户。",
    "2025年，全区地区生产总值增长 5.6%，规模工业增加值增长 8.1%。",
    "观察",
    "一、基本情况",
    "渌口",
    "",
    "a",
    "IPO",
]


@pytest.mark.parametrize("scheme", ["affine32", "legacy"])
@pytest.mark.parametrize("n", [1, 3, 5])
def test_signatures_equal_datasketch_minhash_updated_shingle_by_shingle(scheme, n):
    hasher = MinHasher(num_perm=64, seed=7, n=n, scheme=scheme)
    keys = [normalise_key(line) for line in SEED_LINES]
    signatures = hasher.signatures(keys)
    for key, signature in zip(keys, signatures, strict=True):
        reference = MinHash(num_perm=64, seed=7, hashfunc=shingle_hash, scheme=scheme)
        for s in shingles(key, n):
            reference.update(s)
        assert np.array_equal(reference.hashvalues, signature), key


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="渌口区教育民生之基,。“”ab1 ", max_size=40), min_size=1, max_size=6))
def test_vectorised_shingle_hashes_equal_the_scalar_hash(texts):
    hashes, lengths = shingle_hashes(texts, 5)
    offset = 0
    for text, length in zip(texts, lengths.tolist(), strict=True):
        run = hashes[offset : offset + length]
        offset += length
        assert set(run.tolist()) == {shingle_hash(s) for s in shingles(text, 5)}


def test_shingle_hash_takes_bytes_as_utf8():
    assert shingle_hash("渌口区教育".encode()) == shingle_hash("渌口区教育")
    assert shingle_hash("渌口区教育") != shingle_hash("渌口区教肓")


def test_signatures_convert_to_lean_minhash_and_work_in_minhash_lsh():
    hasher = MinHasher()
    original = normalise_key(
        "今年7月,50亿元规模的湖南省制造业转型升级基金和10亿元规模的株洲财信高分子新材料产业基金,落户渌口区。"
    )
    copy = original.replace("湖南省", "湖南")
    other = normalise_key("近年来,渌口区始终坚持“把最好的资源留给人民”,每年公共预算支出70%以上投向民生。")
    signatures = hasher.signatures([original, copy, other])
    lean = [hasher.to_lean(s) for s in signatures]
    assert isinstance(lean[0], LeanMinHash)
    assert lean[0] == LeanMinHash(hasher.datasketch_minhash(original))
    lsh = MinHashLSH(num_perm=128, params=(25, 5))
    lsh.insert("original", lean[0])
    lsh.insert("other", lean[2])
    assert lsh.query(lean[1]) == ["original"]
    # Serialised like any LeanMinHash (e.g. for Redis storage).
    buffer = bytearray(lean[1].bytesize())
    lean[1].serialize(buffer)
    assert LeanMinHash.deserialize(buffer) == lean[1]


def test_run_shingle_hashes_on_folded_keys_equal_hashes_of_key_strings():
    texts = ["教育是民生之基，牵动着\n千家万户。", "观察", "（本版图片由 渌口区委宣传部 提供）"]
    keys = paragraph_keys(texts)
    hashes = run_shingle_hashes(keys.code_points, keys.lengths, 5)
    expected, _ = shingle_hashes([normalise_key(t) for t in texts], 5)
    assert np.array_equal(hashes, expected)


def test_key_digests_identify_keys():
    keys = paragraph_keys(
        ["教育是民生之基，牵动着千家万户。", "教育是民生之基,牵动着\n千家万户.", "教育是民生之基", ""]
    )
    digests = keys.digests.tolist()
    assert digests[0] == digests[1] != digests[2]
    assert digests[3] == 0 and keys.content.tolist() == [14, 14, 7, 0]


def test_collision_probability_of_the_default_banding():
    # The default 25 bands × 5 rows: a pair at the 0.7 threshold shares a band 99% of the time;
    # 4-row bands catch a little more but let 7× more unrelated pairs through on a large corpus.
    options = DedupOptions()
    assert (options.bands, options.rows, options.num_perm) == (25, 5, 128)
    assert collision_probability(0.7, 25, 5) > 0.989
    assert collision_probability(0.8, 25, 5) > 0.9999
    assert collision_probability(0.2, 25, 5) < 0.01
    # datasketch's own choice for 0.8 (9 × 13) misses most pairs at 0.8.
    assert collision_probability(0.8, 9, 13) < 0.5


def test_band_fingerprints_agree_exactly_when_a_band_agrees():
    rng = np.random.default_rng(1)
    signatures = rng.integers(0, 2**32, (4, 20), dtype=np.uint32)
    signatures[1, :5] = signatures[0, :5]
    fingerprints = band_fingerprints(signatures, 4, 5)
    assert fingerprints[0, 0] == fingerprints[1, 0]
    assert (fingerprints[0, 1:] != fingerprints[1, 1:]).all()
    assert (fingerprints != 0).all()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 2000), min_size=1, max_size=30), st.integers(0, 3))
def test_band_index_finds_exactly_the_stored_rows_sharing_a_band(batch_sizes, seed):
    rng = np.random.default_rng(seed)
    index = BandIndex(3, buckets=2)
    stored: dict[tuple[int, int], list[int]] = {}
    next_value = 0
    for size in batch_sizes:
        size = size % 300
        # Few distinct fingerprints, so buckets overflow and many rows share bands.
        fingerprints = rng.integers(1, 40, (size, 3), dtype=np.uint32)
        rows, values = index.query(fingerprints)
        found = set(zip(rows.tolist(), values.tolist(), strict=True))
        expected = {
            (row, value)
            for row in range(size)
            for band in range(3)
            for value in stored.get((band, int(fingerprints[row, band])), [])
        }
        assert found == expected
        values = np.arange(next_value, next_value + size, dtype=np.uint32)
        index.insert(fingerprints, values)
        for row in range(size):
            for band in range(3):
                stored.setdefault((band, int(fingerprints[row, band])), []).append(int(values[row]))
        next_value += size
    assert len(index) == next_value


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 4), st.integers(1, 4)), min_size=0, max_size=12))
def test_candidate_pairs_equal_brute_force(rows):
    fingerprints = np.array(rows, dtype=np.uint32).reshape(-1, 2)
    expected = {
        (i, j) for i, j in itertools.combinations(range(len(rows)), 2) if (fingerprints[i] == fingerprints[j]).any()
    }
    assert {tuple(p) for p in candidate_pairs(fingerprints).tolist()} == expected


def test_a_run_longer_than_a_block_gets_the_signature_it_would_get_in_one_block(monkeypatch):
    """A huge paragraph's signature is taken block by block (bounded memory): the same values."""
    rng = np.random.default_rng(7)
    hashes = rng.integers(0, 2**32, size=50_000, dtype=np.uint64).astype(np.uint32)
    lengths = np.array([3, 20_000, 5, 29_992])
    for scheme in ("affine32", "legacy"):
        hasher = MinHasher(scheme=scheme)
        blocked = hasher.signatures_of_hashes(hashes, lengths)
        monkeypatch.setattr(MinHasher, "BLOCK", 10**9)
        whole = MinHasher(scheme=scheme).signatures_of_hashes(hashes, lengths)
        monkeypatch.undo()
        assert (blocked == whole).all()
