"""The local engine against the Ray engine on the same corpus, in one run: time, and identical outputs.

    python -m bench.bench_engines --mb 5 --jobs 2

Each engine is a fresh ``cleaner run SRC DST -q -j N [--engine ray]`` process, timed as a whole
(the Ray one includes starting its local instance), its process tree's peak memory sampled; then
the two output trees, audit record included, are compared byte for byte.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import tempfile
from pathlib import Path

from bench import corpus as bench_corpus
from bench.run import ROOT, run_clean


def _identical(a: Path, b: Path) -> bool:
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    if files_a != files_b:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, [str(p) for p in files_a], shallow=False)
    return not mismatch and not errors


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    src = bench_corpus.build(args.mb) / "src"
    megabytes = sum(p.stat().st_size for p in src.rglob("*") if p.is_file()) / 1e6
    results = {"mb": round(megabytes, 1), "jobs": args.jobs}
    with tempfile.TemporaryDirectory() as tmp:
        local = run_clean(ROOT, src, Path(tmp) / "local", args.jobs)
        on_ray = run_clean(ROOT, src, Path(tmp) / "ray", args.jobs, extra=["--engine", "ray"])
        for name, run in (("local", local), ("ray", on_ray)):
            results[name] = {
                "seconds": round(run.seconds, 1),
                "mb_per_s": round(megabytes / run.seconds, 3),
                "peak_rss_mb": round(run.peak_rss / 1e6),
            }
        results["ray_over_local_time"] = round(on_ray.seconds / local.seconds, 2)
        results["identical_outputs_and_audit"] = _identical(Path(tmp) / "local", Path(tmp) / "ray")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
