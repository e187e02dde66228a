"""Deduplication benchmarks: signature throughput, and the corpus deduplicated end to end.

1. Signatures on one core, on paragraphs of 50–300 characters from ``synth.noisy_paragraphs``
   written to a file and read back: the floor (read + one 64-bit hash per shingle with numpy),
   cleaner's numpy signatures (checked equal to datasketch's on a sample), and datasketch's own
   ``MinHash.update`` loop and ``MinHash.bulk`` on a small sample, all measured in the same run.
2. End to end on the corpus of ``dedup_corpus.py`` (generated on first use): documents read from
   JSON Lines and fed to ``Deduplicator.process`` in order; time, peak memory, and precision and
   recall against the injected duplicates (``--compare``: first with the fragment and short near
   rules off, for their cost).
3. ``--robust``: recall and precision of those two rules on the copies and traps of
   ``dedup_robust.py``.
4. ``--stage-outputs MB``: the dedup step alone on the benchmark corpus (``bench/corpus.py``) as the
   stages leave it, with the sketches workers send: CPU seconds of ``Deduplicator.process_all``
   over every document in order, and of the fragment rule within it, per round; a digest of every
   output and edit (to compare two checkouts on the same inputs); ``--profile N``: the top N
   functions under cProfile. The stage outputs are prepared once and kept under ``bench/.cache/``.

    python bench/bench_dedup.py               # 100k signatures, 1M-paragraph corpus
    python bench/bench_dedup.py --quick       # 20k signatures, 100k-paragraph corpus
    python bench/bench_dedup.py --quick --skip-signatures --compare --robust
        # the corpus with the fragment and short near rules off, then on; and their recall and
        # precision on fragmented and short near copies made from the seeds
    python -m bench.bench_dedup --stage-outputs 20 --rounds 3 --profile 10
        # the dedup step alone on the 21.7 MB corpus; run with another checkout's Python to compare
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import json
import pickle
import pstats
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dedup_corpus
import synth

from cleaner.config import DedupOptions
from cleaner.dedup import Deduplicator, MinHasher, shingle_hash, shingles
from cleaner.dedup.minhash import _POLY, code_points, shingle_hashes
from cleaner.dedup.restore import PARAGRAPH_RULES
from cleaner.model import Document


def _paragraph_file(count: int, directory: Path) -> tuple[Path, float]:
    paragraphs = []
    for paragraph in synth.noisy_paragraphs(count * 3, seed=1):
        if 50 <= len(paragraph) <= 300:
            paragraphs.append(paragraph)
            if len(paragraphs) == count:
                break
    path = directory / "paragraphs.txt"
    path.write_text("\n\n".join(paragraphs), encoding="utf-8")
    return path, path.stat().st_size / 1e6


def _read(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n\n")


def floor_hashes(paragraphs: list[str], n: int = 5, per_round: int = MinHasher.KEYS_PER_ROUND) -> int:
    """The floor: one 64-bit hash per shingle (the polynomial over code points), nothing else.

    Done in rounds of as many paragraphs as the signatures use, so both run from cache.
    """
    total = 0
    for start in range(0, len(paragraphs), per_round):
        cps = code_points("".join(paragraphs[start : start + per_round])).astype(np.uint64)
        m = cps.size - n + 1
        h = cps[:m].copy()
        for j in range(1, n):
            h *= np.uint64(_POLY)
            h += cps[j : j + m]
        h *= np.uint64(_POLY)
        total += h.size
    return total


def _timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


def bench_signatures(count: int, sample: int) -> None:
    hasher = MinHasher(num_perm=128, seed=1, n=5)
    with tempfile.TemporaryDirectory() as directory:
        path, megabytes = _paragraph_file(count, Path(directory))
        print(f"signatures: {count:,} paragraphs of 50–300 characters, {megabytes:.1f} MB, 128 permutations, 5-grams")

        def floor():
            return floor_hashes(_read(path))

        def ours():
            return hasher.signatures(_read(path))

        floor()  # warm the page cache and numpy
        _, floor_time = _timed(floor)
        signatures, our_time = _timed(ours)
        paragraphs = _read(path)

    small = paragraphs[:sample]
    small_mb = sum(len(p.encode("utf-8")) for p in small) / 1e6

    def plain_loop():
        # The reference loop with datasketch's default (SHA-1) hash over UTF-8 shingles.
        from datasketch import MinHash

        for paragraph in small:
            m = MinHash(num_perm=128, seed=1)
            for s in shingles(paragraph, 5):
                m.update(s.encode("utf-8"))

    def bulk():
        from datasketch import MinHash

        MinHash.bulk([[s.encode("utf-8") for s in shingles(p, 5)] for p in small], num_perm=128, seed=1)

    _, loop_time = _timed(plain_loop)
    _, bulk_time = _timed(bulk)
    same = all(
        np.array_equal(hasher.datasketch_minhash(p).hashvalues, signatures[i]) for i, p in enumerate(small[:200])
    )
    rows = [
        ("floor: read + one 64-bit hash per shingle (numpy)", count / floor_time, megabytes / floor_time),
        ("cleaner numpy signatures (read + hash + permute + min)", count / our_time, megabytes / our_time),
        ("datasketch MinHash.update loop (sha1)", sample / loop_time, small_mb / loop_time),
        ("datasketch MinHash.bulk (sha1)", sample / bulk_time, small_mb / bulk_time),
    ]
    for label, per_second, mb_per_second in rows:
        print(f"  {label:<58} {per_second:>10,.0f} paragraphs/s {mb_per_second:>8.2f} MB/s")
    print(
        f"  speed-up over the plain loop ×{(megabytes / our_time) / (small_mb / loop_time):.0f}, "
        f"floor / ours = {our_time / floor_time:.2f}; "
        f"identical to datasketch MinHash(hashfunc=shingle_hash) on 200 paragraphs: {same}"
    )
    hashes, _ = shingle_hashes(paragraphs[:1], 5)
    assert int(hashes[0]) == shingle_hash(paragraphs[0][:5])


def _records(path: Path, labels: list[list[int]]):
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            labels.append(record["labels"])
            yield Document(record["id"], record["text"])


def bench_corpus(path: Path, options: DedupOptions, batched: bool = True) -> None:
    """Read the corpus and deduplicate it (``process_all``, or ``process`` per document)."""
    dedup = Deduplicator(options)
    removed: Counter[str] = Counter()
    truth: Counter[int] = Counter()
    true_positive: Counter[tuple[str, int]] = Counter()
    near_similarities: list[float] = []
    labels: list[list[int]] = []
    started = time.perf_counter()
    documents = _records(path, labels)
    results = dedup.process_all(documents) if batched else (dedup.process(doc) for doc in documents)
    for number, (_, edits) in enumerate(results):
        doc_labels = labels[number]
        labels[number] = []  # the labels of processed documents are no longer needed
        truth.update(doc_labels)
        for edit in edits:
            if edit.rule in PARAGRAPH_RULES:
                removed[edit.rule] += 1
                label = doc_labels[edit.detail["removed_para"]]
                true_positive[(edit.rule, label)] += 1
                if label == dedup_corpus.NEAR and edit.rule == "near":
                    near_similarities.append(edit.detail["kept"]["similarity"])
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    paragraphs = sum(truth.values())
    total_removed = sum(removed.values())
    false_positive, found_exact, found_near = (
        sum(true_positive[(rule, label)] for rule in PARAGRAPH_RULES) for label in (0, 1, 2)
    )
    how = "process_all (batches)" if batched else "process (one document at a time)"
    print(f"corpus {path.name}: {paragraphs:,} paragraphs, {dedup.stats['documents']:,} documents, {how}")
    print(f"  time {elapsed:.1f} s ({paragraphs / elapsed:,.0f} paragraphs/s), peak RSS so far {peak:,.0f} MB")
    print(
        f"  index: {len(dedup):,} paragraphs, {dedup.nbytes / 1e6:,.0f} MB of arrays; "
        f"{dedup.stats['candidates']:,} candidate pairs from the band index"
    )
    print(f"  removed: {dict(removed)}; injected exact {truth[1]:,}, near {truth[2]:,}")
    print(
        f"  recall exact {found_exact / max(truth[1], 1):.4f}, near {found_near / max(truth[2], 1):.4f}; "
        f"precision {(total_removed - false_positive) / max(total_removed, 1):.4f} "
        f"({false_positive} base paragraphs removed)"
    )
    if near_similarities:
        quantiles = np.quantile(near_similarities, [0.0, 0.01, 0.05, 0.5])
        print(
            "  similarity of the near copies found: min {:.3f}, 1% {:.3f}, 5% {:.3f}, median {:.3f}".format(*quantiles)
        )


def stage_outputs(megabytes: float) -> list[tuple[Document, object]]:
    """The benchmark corpus's documents as the stages leave them, each with its sketch (as a worker
    sends it), prepared in this process on first use and kept beside the corpus, under the digest
    of the code outside ``cleaner/dedup/``: two checkouts differing only in dedup share them, and a
    change to the stages prepares them again."""
    import cleaner
    from bench import corpus as bench_corpus
    from cleaner.config import Config
    from cleaner.corpus import Prepared, prepare_sketched
    from cleaner.io.readers import discover
    from cleaner.partitioning import units_of
    from cleaner.pipeline import Pipeline

    folder = bench_corpus.build(megabytes)
    package = Path(cleaner.__file__).parent
    code = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.is_file() and "dedup" not in path.relative_to(package).parts and "__pycache__" not in path.parts:
            code.update(str(path.relative_to(package)).encode("utf-8") + path.read_bytes())
    cached = folder / f"stage-outputs-{code.hexdigest()[:12]}.pickle"
    if cached.exists():
        return pickle.loads(cached.read_bytes())
    config = Config()
    pipeline = Pipeline(config)
    documents: list[tuple[Document, object]] = []
    for unit in units_of(discover(folder / "src"), config, "text"):
        item = prepare_sketched(pipeline, unit, "text")
        if isinstance(item, Prepared):
            documents.extend(item.documents())
    cached.write_bytes(pickle.dumps(documents, protocol=pickle.HIGHEST_PROTOCOL))
    return documents


def _digest(results: list) -> str:
    """A digest of every output text and every edit, field by field."""
    digest = hashlib.sha256()
    for doc, edits in results:
        digest.update(repr(None if doc is None else (doc.id, doc.text)).encode("utf-8"))
        digest.update(repr(edits).encode("utf-8"))
    return digest.hexdigest()[:16]


def bench_stage_outputs(megabytes: float, rounds: int, profile: int) -> None:
    """CPU time of the dedup step alone over the corpus's stage outputs, and of its fragment rule."""
    documents = stage_outputs(megabytes)
    paragraphs = sum(len(doc.paragraphs) for doc, _ in documents)
    print(f"stage outputs of the {megabytes:g} MB corpus: {len(documents):,} documents, {paragraphs:,} paragraphs")
    print(f"  cleaner from {Path(sys.modules[Deduplicator.__module__].__file__).parents[2]}")
    fragment_time = [0.0]
    plain = Deduplicator._match_fragments

    def timed(self, batch, d):  # the fragment rule, timed per document
        started = time.process_time()
        try:
            return plain(self, batch, d)
        finally:
            fragment_time[0] += time.process_time() - started

    Deduplicator._match_fragments = timed
    try:
        for number in range(rounds):
            fragment_time[0] = 0.0
            dedup = Deduplicator(DedupOptions())
            started = time.process_time()
            results = list(dedup.process_all(documents))
            spent = time.process_time() - started
            print(
                f"  round {number + 1}: dedup {spent:.2f} s CPU, fragment rule {fragment_time[0]:.2f} s; "
                f"removed {dict(sorted((k, v) for k, v in dedup.stats.items() if k in PARAGRAPH_RULES))}; "
                f"digest {_digest(results)}"
            )
    finally:
        Deduplicator._match_fragments = plain
    if profile:
        profiler = cProfile.Profile()
        dedup = Deduplicator(DedupOptions())
        profiler.enable()
        for _ in dedup.process_all(documents):
            pass
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(profile)
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip()))


def seed_similarities() -> None:
    """The most similar pairs of distinct paragraphs of the sample corpus, for several n-gram sizes."""
    from cleaner.dedup.keys import normalise_key
    from cleaner.pipeline import Pipeline

    pipeline = Pipeline()
    paragraphs = []
    for path in sorted(synth.SEEDS.glob("*.txt")):
        paragraphs.extend(pipeline.clean(path.read_text(encoding="utf-8"), id=path.name).document.paragraphs)
    keys = sorted({normalise_key(p) for p in paragraphs})
    print(f"seeds: {len(paragraphs)} paragraphs after {'+'.join(pipeline.stage_names)}, {len(keys)} distinct keys")
    for n in (3, 4, 5, 6):
        sets = [set(shingles(k, n)) for k in keys]
        best = sorted(
            (len(a & b) / len(a | b), min(len(keys[i]), len(keys[j])))
            for i, a in enumerate(sets)
            for j, b in enumerate(sets[:i])
            if a and b
        )[-3:]
        print(
            f"  {n}-grams: highest Jaccard between distinct paragraphs "
            + ", ".join(f"{j:.3f} (shorter {length} chars)" for j, length in reversed(best))
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20k signatures and a 100k-paragraph corpus")
    parser.add_argument("--paragraphs", type=int, help="corpus size (default 1,000,000; 100,000 with --quick)")
    parser.add_argument("--corpus", type=Path, help="corpus file (generated if missing)")
    parser.add_argument("--skip-signatures", action="store_true")
    parser.add_argument("--skip-corpus", action="store_true")
    parser.add_argument("--per-document", action="store_true", help="call process() per document")
    parser.add_argument("--seeds", action="store_true", help="similarities between distinct seed paragraphs")
    parser.add_argument(
        "--compare", action="store_true", help="also run the corpus with the fragment and short near rules off"
    )
    parser.add_argument(
        "--robust", action="store_true", help="recall and precision on fragmented and short near copies (dedup_robust)"
    )
    parser.add_argument("--stage-outputs", type=float, metavar="MB", help="the dedup step alone on the stage outputs")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of --stage-outputs (default 1)")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="with --stage-outputs: cProfile's top N")
    parser.add_argument("--threshold", type=float)
    parser.add_argument("--ngram", type=int)
    parser.add_argument("--num-perm", type=int, dest="num_perm")
    parser.add_argument("--bands", type=int)
    parser.add_argument("--rows", type=int)
    args = parser.parse_args()
    if args.stage_outputs:
        bench_stage_outputs(args.stage_outputs, args.rounds, args.profile)
        return
    paragraphs = args.paragraphs or (100_000 if args.quick else 1_000_000)
    if args.seeds:
        seed_similarities()
    if not args.skip_signatures:
        bench_signatures(20_000 if args.quick else 100_000, sample=200 if args.quick else 500)
    if not args.skip_corpus:
        corpus = args.corpus or Path(tempfile.gettempdir()) / f"dedup-corpus-{paragraphs}.jsonl"
        if not corpus.exists():
            started = time.perf_counter()
            counts = dedup_corpus.write_corpus(corpus, paragraphs)
            print(f"generated {corpus} in {time.perf_counter() - started:.0f} s: {counts}")
        names = ("threshold", "bands", "rows", "ngram", "num_perm")
        overrides = {k: getattr(args, k) for k in names if getattr(args, k) is not None}
        if overrides:
            print(f"options: {overrides}")
        if args.compare:
            print("with the fragment and short near rules off:")
            off = DedupOptions(**{**overrides, "fragments": False, "short_near": False})
            bench_corpus(corpus, off, batched=not args.per_document)
            print("with the defaults:")
        bench_corpus(corpus, DedupOptions(**overrides), batched=not args.per_document)
    if args.robust:
        import dedup_robust

        long, sentences = dedup_robust.seed_material()
        worlds = [dedup_robust.make_world(seed, long, sentences) for seed in range(20)]
        off = DedupOptions(fragments=False, short_near=False)
        for label, options in (("rules off", off), ("defaults", DedupOptions())):
            tally = dedup_robust.Tally()
            dedup_robust.evaluate(worlds, options, tally)
            print(f"fragmented and short near copies from the seeds (bench/dedup_robust.py), {label}:")
            dedup_robust.report(tally)


if __name__ == "__main__":
    main()
