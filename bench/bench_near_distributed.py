"""The near rule's candidates made off the driver: what they cost there and what they save the driver.

    python -m bench.bench_near_distributed --mb 20 [--rounds 2]

The corpus's files go through the pipeline in this process, in the Ray engine's partitions
(:func:`cleaner.partitioning.partitions`), with their sketches (as an actor sends them). Then, in
CPU seconds of this process: the band shards and the verification of each partition's pairs
(:func:`cleaner.dedup.distributed.verified_here`, the steps the Ray engine spreads over actors);
and the deduplicator over all the documents in order, without and with the verified candidates,
alternating ``--rounds`` times, checked to decide the same. Counts: near paragraphs, pairs sharing
a band, pairs at or above the threshold, and the bytes of the near paragraphs sent to the shards.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from bench import corpus as bench_corpus
from cleaner.config import Config
from cleaner.corpus import Prepared, prepare_sketched
from cleaner.dedup import Deduplicator
from cleaner.dedup.distributed import BandShard, attached, near_part, unique_pairs, verified_here
from cleaner.io.readers import discover
from cleaner.partitioning import partitions
from cleaner.pipeline import Pipeline


def cpu() -> float:
    return time.process_time()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="corpus size in MB (default 20)")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    config = Config()
    options = config.dedup
    pipeline = Pipeline(config)
    parts = [
        [item for item in (prepare_sketched(pipeline, unit, "text") for unit in part) if isinstance(item, Prepared)]
        for part in partitions(discover(bench_corpus.build(args.mb)))
    ]
    sets = [[item.sketches for item in part] for part in parts]
    made = [near_part(part, options) for part in sets]
    shards = [BandShard(k, 2) for k in range(2)]
    started = cpu()
    found = [[shard.pairs(number, part) for shard in shards] for number, part in enumerate(made)]
    sharding = cpu() - started
    pairs = sum(
        unique_pairs(np.concatenate([f.later for f in fs]), np.concatenate([f.earlier for f in fs]))[0].size
        for fs in found
    )
    started = cpu()
    verified = verified_here(sets, options)
    both = cpu() - started
    print(f"{len(parts)} partitions, {sum(len(part) for part in made)} near paragraphs, {pairs} pairs sharing a band")
    print(f"pairs sent back (at or above the threshold, or for the edit script): {sum(v.later.size for v in verified)}")
    sent = sum(p.points.nbytes + p.bands.nbytes + p.lengths.nbytes for p in made)
    print(f"near paragraphs sent to the shards: {sent / 1e6:.1f} MB")
    print(f"band shards: {sharding:.2f} s CPU; shards and verification: {both:.2f} s CPU")
    plain = [pair for part in parts for item in part for pair in item.documents()]
    given, first = [], 0
    for part, sketch_sets, found_here in zip(parts, sets, verified, strict=True):
        for item, sketches in zip(part, attached(sketch_sets, first, found_here), strict=True):
            given += zip((result.document for result in item.results), sketches, strict=True)
        first += found_here.count
    reference = None
    for _ in range(args.rounds):
        for label, documents in (("candidates looked up here", plain), ("candidates given", given)):
            dedup = Deduplicator(options)
            started = cpu()
            results = list(dedup.process_all(documents))
            spent = cpu() - started
            reference = reference or results
            print(f"dedup, {label}: {spent:.2f} s CPU; same decisions: {results == reference}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
