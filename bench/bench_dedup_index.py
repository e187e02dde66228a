"""The dedup index: a corpus indexed, then a batch cleaned against it; size, load time, memory.

    python -m bench.bench_dedup_index --mb 20 --batch-mb 5 --jobs 1

Each run is a fresh ``cleaner run`` process (``bench.run.run_clean``: timed as a whole, the peak
resident memory of its process tree sampled): (1) the ``--mb`` corpus with ``--dedup-index IDX``,
which writes the index; (2) the ``--batch-mb`` corpus against IDX, which reads it and writes it
back grown; (3) the same batch without an index, the reference for what the index costs. Then,
in this process: ``Deduplicator.load`` of the index written by (1) (best of three), the resident
memory it adds, and the index's size on disk, each also per MB of indexed input. The two corpora
come from ``bench/corpus.py`` and share their sources, so the batch holds copies of the corpus.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from bench import corpus as bench_corpus
from bench.run import ROOT, _rss, run_clean
from cleaner.audit_file import audit_lines
from cleaner.config import discover_config
from cleaner.dedup import Deduplicator


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def largest(folder: Path) -> dict[str, float]:
    """The five largest files of an index generation, in MB."""
    sizes = sorted(((p.stat().st_size, p.name) for p in folder.iterdir()), reverse=True)[:5]
    return {name: round(size / 1e6, 1) for size, name in sizes}


def earlier_removals(dst: Path) -> int:
    """Dedup removals whose kept copy an earlier run kept (their kept record names the index)."""
    count = 0
    for _, record in audit_lines(dst / ".cleaner" / "audit.jsonl.gz"):
        kept = (record.get("detail") or {}).get("kept") if isinstance(record, dict) else None
        count += isinstance(kept, dict) and "index" in kept
    return count


def timed_load(index: Path, scratch: Path) -> tuple[float, float, int, int]:
    """Best of three loads and of three saves (into ``scratch``): seconds each, the resident
    memory added by the first load, and the loaded index's arrays' bytes."""
    options = discover_config(ROOT / "seeds").dedup
    load, save, added = float("inf"), float("inf"), 0
    for _ in range(3):
        before = _rss_self()
        started = time.perf_counter()
        dedup = Deduplicator.load(index, options)
        load = min(load, time.perf_counter() - started)
        added = added or _rss_self() - before
        started = time.perf_counter()
        dedup.save(scratch)
        save = min(save, time.perf_counter() - started)
        nbytes = dedup.nbytes
        dedup.reset()
        del dedup
    return load, save, added, nbytes


def _rss_self() -> int:
    return _rss(int(Path("/proc/self").resolve().name))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20)
    parser.add_argument("--batch-mb", type=float, default=5)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args(argv)
    corpus, batch = bench_corpus.build(args.mb) / "src", bench_corpus.build(args.batch_mb) / "src"
    with tempfile.TemporaryDirectory() as tmp:
        index, first_index = Path(tmp, "idx"), Path(tmp, "idx-first")
        indexed_mb = folder_bytes(corpus) / 1e6
        first = run_clean(ROOT, corpus, Path(tmp, "out"), args.jobs, ["--dedup-index", str(index)])
        shutil.copytree(index, first_index)
        against = run_clean(ROOT, batch, Path(tmp, "batch"), args.jobs, ["--dedup-index", str(index)])
        alone = run_clean(ROOT, batch, Path(tmp, "alone"), args.jobs)
        seconds, save, added, nbytes = timed_load(first_index, Path(tmp, "saved"))
        size = folder_bytes(first_index)
        header = json.loads(next(first_index.glob("gen-*/header.json")).read_text("utf-8"))
        results = {
            "indexed_mb": round(indexed_mb, 1),
            "batch_mb": round(folder_bytes(batch) / 1e6, 1),
            "jobs": args.jobs,
            "indexed_paragraphs": header["paragraphs"],
            "index_mb": round(size / 1e6, 1),
            "index_mb_per_input_mb": round(size / 1e6 / indexed_mb, 2),
            "load_s": round(seconds, 3),
            "load_s_per_input_mb": round(seconds / indexed_mb, 4),
            "save_s": round(save, 3),
            "load_rss_added_mb": round(added / 1e6, 1),
            "index_arrays_mb": round(nbytes / 1e6, 1),
            "largest_files_mb": largest(next(first_index.glob("gen-*"))),
            "index_after_batch_mb": round(folder_bytes(index) / 1e6, 1),
            "indexing_run": {"s": round(first.seconds, 1), "peak_rss_mb": round(first.peak_rss / 1e6)},
            "batch_against_index": {"s": round(against.seconds, 1), "peak_rss_mb": round(against.peak_rss / 1e6)},
            "batch_alone": {"s": round(alone.seconds, 1), "peak_rss_mb": round(alone.peak_rss / 1e6)},
            "batch_removals_of_earlier_copies": earlier_removals(Path(tmp, "batch")),
        }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
