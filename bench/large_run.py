"""A whole ``cleaner run`` over a large corpus: wall time and the process tree's memory as it goes.

    python -m bench.large_run --mb 1000 --jobs 1            # the novel corpus of bench/corpus.py
    python -m bench.large_run --mb 1000 --jobs 1 --trace rss.jsonl

``cleaner run SRC DST -q -j N`` as a fresh process (``--no-cache`` unless ``--cache``), its process
tree's resident memory sampled as ``bench.run.run_sampled`` samples it; printed: input
MB, wall seconds, MB/s, the peak, and the resident memory when each tenth of the input files had
been written (the outputs in DST counted), so memory that grows with the corpus shows as a slope
rather than hiding in one peak. ``--trace`` writes, every 5 s, the outputs written and the peak so
far. DST is deleted afterwards unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from bench import corpus as bench_corpus
from bench.run import ROOT, machine, run_sampled


def _outputs_written(dst: Path) -> int:
    return sum(len(files) for folder, _, files in os.walk(dst) if ".cleaner" not in Path(folder).parts)


def measure(src: Path, dst: Path, jobs: int, cache: bool, trace: Path | None) -> dict:
    """Run ``cleaner run`` on ``src`` into ``dst``; wall time, peak and samples of its tree's memory."""
    files = sum(1 for p in src.rglob("*") if p.is_file())
    command = [sys.executable, "-m", "cleaner", "run", str(src), str(dst), "-q", "-j", str(jobs)]
    command += [] if cache else ["--no-cache"]
    samples: list[tuple[float, int, int]] = []  # seconds, outputs written, tree RSS
    last_count = [0.0, 0]  # when the outputs were last counted, and how many
    sink = trace.open("w", encoding="utf-8") if trace else None

    def observe(now: float, rss: int) -> None:
        if now - last_count[0] > 5:  # counting the outputs walks DST: not at every sample
            last_count[:] = [now, _outputs_written(dst)]
            if sink:  # as it goes, so a run stopped early still tells how its memory grew
                peak = max((sampled for *_, sampled in samples), default=0)
                sink.write(json.dumps({"s": round(now, 1), "written": last_count[1], "peak": peak}) + "\n")
                sink.flush()
        samples.append((now, int(last_count[1]), rss))

    try:
        seconds, peak, _ = run_sampled(ROOT, command, observe=observe)
    finally:
        if sink:
            sink.close()
    mb = sum(p.stat().st_size for p in src.rglob("*") if p.is_file()) / 1e6
    by_tenth = []
    for tenth in range(1, 11):
        reached = [rss for _, written, rss in samples if written >= files * tenth / 10]
        by_tenth.append(round(reached[0] / 1e6) if reached else None)
    return {
        "mb": round(mb, 1),
        "files": files,
        "jobs": jobs,
        "seconds": round(seconds, 1),
        "mb_per_s": round(mb / seconds, 3),
        "peak_rss_mb": round(peak / 1e6, 1),
        "rss_mb_at_each_tenth_written": by_tenth,
        "audit_mb": round(sum(p.stat().st_size for p in (dst / ".cleaner").glob("audit*")) / 1e6, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=1000.0)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1])
    parser.add_argument("--src", type=Path, help="this folder instead of the novel benchmark corpus")
    parser.add_argument("--cache", action="store_true", help="let the run fill its run cache")
    parser.add_argument("--trace", type=Path, help="write the outputs written and the peak so far here, every 5 s")
    parser.add_argument("--keep", action="store_true", help="keep DST")
    args = parser.parse_args(argv)
    src = args.src or bench_corpus.build(args.mb, novel=True) / "src"
    print(machine())
    for jobs in args.jobs:
        dst = Path(tempfile.mkdtemp(prefix="cleaner-large-")) / "dst"
        try:
            print(json.dumps(measure(src, dst, jobs, args.cache, args.trace)), flush=True)
        finally:
            if not args.keep:
                shutil.rmtree(dst.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
