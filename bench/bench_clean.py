"""Micro-bench: end-to-end throughput of `clean` on the seed splice of bench/synth.py, 1 vs N processes.

The seed splice is self-similar (few distinct 5-grams), so dedup and caches look unlike real input:
`python -m bench` measures the realistic corpus (bench/corpus.py) and is the benchmark to quote.

python bench/bench_clean.py --mb 20 --jobs 2
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth

from cleaner.config import Config
from cleaner.corpus import clean_corpus

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, default=20.0, help="corpus size in MB (UTF-8)")
    parser.add_argument("--files", type=int, default=200, help="number of files the corpus is cut into")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the parallel run")
    parser.add_argument("--dedup", default="corpus", help="dedup scope: corpus, file or off")
    args = parser.parse_args()

    options: dict = {"dedup": {"scope": args.dedup}}
    if (ROOT / "rules").is_dir():
        options["rules"] = {"paths": [str(ROOT / "rules")]}
    config = Config().with_options(options)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp, "src")
        src.mkdir()
        paragraphs = synth.synthetic_text(args.mb).split("\n\n")
        per_file = max(1, len(paragraphs) // args.files)
        for i in range(0, len(paragraphs), per_file):
            Path(src, f"{i // per_file:05d}.txt").write_text("\n\n".join(paragraphs[i : i + per_file]), "utf-8")
        size = sum(p.stat().st_size for p in src.iterdir())
        print(f"corpus: {size / 1e6:.1f} MB in {len(list(src.iterdir()))} files")
        outputs = []
        for jobs in (1, args.jobs):
            dst = Path(tmp, f"out{jobs}")
            started = time.perf_counter()
            summary = clean_corpus(src, dst, config, jobs=jobs)
            seconds = time.perf_counter() - started
            outputs.append({p.name: p.read_bytes() for p in dst.iterdir() if p.is_file()})
            print(
                f"jobs={jobs}: {seconds:.2f} s, {size / 1e6 / seconds:.2f} MB/s, "
                f"edits {sum(summary.edits_by_stage.values()):,}"
            )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory (main process): {peak:.0f} MB")
        print(f"byte-identical across jobs: {outputs[0] == outputs[1]}")


if __name__ == "__main__":
    main()
