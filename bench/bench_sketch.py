"""Dedup sketches on the benchmark corpus: their size against the text, their cost, what they save dedup.

    python -m bench.bench_sketch --mb 20

The corpus's files go through the pipeline in this process (as a worker would prepare them); then,
each in CPU seconds of this process: making the sketches one file at a time (a worker's extra
work), and the dedup step over all the documents in order with the sketches given and without
(then dedup makes them itself), checked to decide the same. Sizes: the sketches' arrays, pickled
(what a worker sends back), against the paragraphs' text in UTF-8 and as Python strings.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time

from bench import corpus as bench_corpus
from cleaner.config import Config
from cleaner.corpus import Corpus, Prepared, prepare
from cleaner.dedup import Deduplicator
from cleaner.dedup.sketch import sketch_documents
from cleaner.io.readers import discover


def cpu() -> float:
    return time.process_time()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="corpus size in MB (default 20)")
    args = parser.parse_args(argv)
    src = bench_corpus.build(args.mb)
    corpus = Corpus(Config())
    options = corpus.config.dedup
    files = []
    for source in discover(src):
        item = prepare(corpus.pipeline, source, "text")
        if isinstance(item, Prepared):
            files.append([result.document for result in item.results])
    documents = [doc for file in files for doc in file]
    started = cpu()
    sets = [sketch_documents(file, options) for file in files]  # what each file's worker sends
    making = cpu() - started
    sketches = [made for made_for_file in sets for made in made_for_file]
    paragraphs = [p for doc in documents for p in doc.paragraphs]
    utf8 = sum(len(p.encode("utf-8")) for p in paragraphs)
    strings = sum(sys.getsizeof(p) for p in paragraphs)
    arrays = sum(made_for_file.nbytes for made_for_file in sets)
    pickled = sum(len(pickle.dumps(made_for_file, protocol=pickle.HIGHEST_PROTOCOL)) for made_for_file in sets)
    print(f"{len(documents)} documents, {len(paragraphs)} paragraphs, {sum(map(len, paragraphs))} characters")
    print(f"text: {utf8 / 1e6:.1f} MB in UTF-8, {strings / 1e6:.1f} MB as Python strings")
    ratios = f"{arrays / utf8:.2f}x the UTF-8, {arrays / strings:.2f}x the strings"
    print(f"sketches: {arrays / 1e6:.1f} MB of arrays ({ratios}), {pickled / 1e6:.1f} MB pickled")
    for field in ("points", "bands", "unit_fingerprints", "unit_starts", "unit_stops"):
        print(f"  {field}: {sum(getattr(s, field).nbytes for s in sketches if s is not None) / 1e6:.1f} MB")
    print(f"making them, one file at a time: {making:.2f} s CPU")
    results = {}
    for label, given in (("without sketches", [None] * len(documents)), ("with sketches", sketches)):
        dedup = Deduplicator(options)
        started = cpu()
        results[label] = list(dedup.process_all(zip(documents, given, strict=True)))
        print(f"dedup {label}: {cpu() - started:.2f} s CPU")
    print(f"same decisions: {results['without sketches'] == results['with sketches']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
