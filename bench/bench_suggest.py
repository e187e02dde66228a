"""``cleaner suggest`` on the benchmark corpus: time per phase, CPU, peak memory, engines, in one run.

    python -m bench.bench_suggest --mb 20                                  # this checkout, --jobs 1
    python -m bench.bench_suggest --mb 20 --before ../main --jobs 1 2 --ray

Each configuration is a fresh ``python -m cleaner suggest SRC -o OUT -j N [--engine ray]`` process
from the checkout's code, timed as a whole (wall and CPU, the CPU of worker processes included;
Ray's own processes are not children, so a Ray run's CPU is the driver's only), its process tree's
peak resident memory sampled. The wall time of each phase (counting, candidate search, evidence)
is read from the command's last line, where it gives them (a checkout from before they were
reported gives the counting rate and the total only). Every rule file written is compared, byte
for byte, with the first one. Then each checkout's phases in one process, in CPU seconds
(``bench/suggest_phases.py``), which a loaded machine disturbs less than wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sys
import tempfile
from pathlib import Path

from bench import corpus as bench_corpus
from bench.run import HERE, ROOT, run_sampled

PHASES = re.compile(r"counting ([\d.]+), search ([\d.]+), evidence ([\d.]+)")
COUNTED = re.compile(r"counted at ([\d.]+) MB/s")


def run_suggest(tree: Path, src: Path, out: Path, jobs: int | None, ray: bool = False) -> dict[str, object]:
    """One ``cleaner suggest`` process from ``tree``'s code (``jobs`` None: a checkout without
    ``--jobs``, one process): its figures."""
    command = [sys.executable, "-m", "cleaner", "suggest", str(src), "-o", str(out)]
    command += ["-j", str(jobs)] if jobs is not None else []
    command += ["--engine", "ray"] if ray else []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds, peak, text = run_sampled(tree, command)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures: dict[str, object] = {
        "seconds": round(seconds, 1),
        "cpu_seconds": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
        "peak_rss_mb": round(peak / 1e6),
    }
    if phases := PHASES.search(text):
        figures.update(zip(("counting_s", "search_s", "evidence_s"), map(float, phases.groups()), strict=True))
    if counted := COUNTED.search(text):
        figures["counting_mb_per_s"] = float(counted.group(1))
    return figures


def phase_cpu(tree: Path, src: Path) -> dict[str, float]:
    """CPU seconds and MB per CPU second of each phase, in one process (``suggest_phases.py``)."""
    command = [sys.executable, str(HERE / "suggest_phases.py"), str(src)]
    _, _, text = run_sampled(tree, command, stdout=True)
    return json.loads(text.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20)
    parser.add_argument("--before", type=Path, help="a checkout from before --jobs, measured in the same run")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1])
    parser.add_argument("--ray", action="store_true", help="also --engine ray with the largest --jobs")
    args = parser.parse_args(argv)
    src = bench_corpus.build(args.mb) / "src"
    megabytes = sum(p.stat().st_size for p in src.rglob("*") if p.is_file()) / 1e6
    configurations: list[tuple[str, Path, int | None, bool]] = [("after", ROOT, jobs, False) for jobs in args.jobs]
    configurations += [("before", args.before.resolve(), None, False)] if args.before else []
    configurations += [("after", ROOT, max(args.jobs), True)] if args.ray else []
    print(json.dumps({"mb": round(megabytes, 1), "load_average": os.getloadavg()[0]}))
    with tempfile.TemporaryDirectory() as tmp:
        first: bytes | None = None
        for name, tree, jobs, ray in configurations:
            out = Path(tmp) / f"{name}-{jobs}-{'ray' if ray else 'local'}.yaml"
            figures = run_suggest(tree, src, out, jobs, ray)
            figures["mb_per_s"] = round(megabytes / float(figures["seconds"]), 2)  # type: ignore[arg-type]
            first = out.read_bytes() if first is None else first
            figures["same_yaml"] = out.read_bytes() == first
            print(json.dumps({"tree": name, "engine": "ray" if ray else "local", "jobs": jobs or 1, **figures}))
    for name, tree in [("after", ROOT)] + ([("before", args.before.resolve())] if args.before else []):
        print(json.dumps({"tree": name, "one process, per phase": phase_cpu(tree, src)}))


if __name__ == "__main__":
    main()
