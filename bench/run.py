"""The benchmark: `clean` end to end on the realistic corpus, against a naive pipeline, in one run.

    python -m bench --mb 20                      # this checkout
    python -m bench --mb 20 --before ../main     # and another checkout, measured in the same run
    python -m bench --mb 20 --repeat 3           # medians of three runs of each configuration

Prints, for each checkout: end-to-end MB/s of ``cleaner run`` with ``--jobs 1`` and ``--jobs 2``
(each a fresh process, timed as a whole, medians over ``--repeat``) and their ratio; the peak
resident memory of the whole process tree (the main process and its workers, sampled from /proc);
audit bytes per input byte; where one single-process run spends its time (each stage *including*
its settle rounds, pipeline bookkeeping, dedup, read, render/write, audit: ``stage_profile.py``);
whether outputs are byte-identical across ``--jobs`` and across checkouts. Then the naive baseline
(``bench/accuracy/baseline.py`` plus the rules as ``str.replace``/``re.sub``) on the same corpus, in
this process. The corpus comes from ``bench/corpus.py`` (built once, cached).
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench import corpus as bench_corpus

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
POLL = 0.05  # seconds between samples of the process tree's memory


@dataclass
class Run:
    seconds: float
    peak_rss: int  # bytes, summed over the process tree at its largest sample
    audit_bytes: int
    out: Path


@dataclass
class Measured:
    tree: Path
    runs: dict[int, list[Run]] = field(default_factory=dict)  # jobs -> runs
    profile: dict[str, float] = field(default_factory=dict)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found.extend(int(child) for child in handle.read().split())
    except OSError:
        pass
    return found


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_rss(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants, in bytes."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += _rss(current)
        stack.extend(_children(current))
    return total


def run_clean(tree: Path, src: Path, dst: Path, jobs: int, extra: list[str] | None = None) -> Run:
    """``cleaner run SRC DST --jobs N`` from ``tree``'s code, timed, its process tree's memory sampled."""
    command = [sys.executable, "-m", "cleaner", "run", str(src), str(dst), "-q", "-j", str(jobs)]
    command += ["-r", str(tree / "rules"), *(extra or [])]
    seconds, peak, _ = run_sampled(tree, command)
    audit = sum(p.stat().st_size for p in (dst / ".cleaner").glob("audit*"))
    return Run(seconds, peak, audit, dst)


def run_sampled(
    tree: Path,
    command: list[str],
    stdout: bool = False,
    observe: Callable[[float, int], None] | None = None,
) -> tuple[float, int, str]:
    """Run ``command`` with ``tree``'s code first on the path, in ``tree``: its wall seconds, the
    peak resident memory of its process tree and its standard error (``stdout``: its standard
    output instead). Exit 0 or 1 is expected. ``observe(seconds, rss)`` is told every sample."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    peak = 0
    started = time.perf_counter()
    output = subprocess.PIPE if stdout else subprocess.DEVNULL
    process = subprocess.Popen(command, env=env, cwd=tree, stdout=output, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(POLL):
            rss = tree_rss(process.pid)
            peak = max(peak, rss)
            if observe is not None:
                observe(time.perf_counter() - started, rss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, stderr = process.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{stderr.decode()[-2000:]}")
    return seconds, peak, (out if stdout else stderr).decode()


def profile(tree: Path, src: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    command = [sys.executable, str(HERE / "stage_profile.py"), str(src), str(tree / "rules")]
    result = subprocess.run(command, env=env, cwd=tree, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def same_outputs(a: Path, b: Path) -> bool:
    """Whether two output trees hold the same files with the same bytes (the audit record aside)."""
    comparison = filecmp.dircmp(a, b, ignore=[".cleaner"])
    return _identical(comparison)


def _identical(comparison: filecmp.dircmp) -> bool:
    if comparison.left_only or comparison.right_only or comparison.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(comparison.left, comparison.right, comparison.common_files, shallow=False)
    if mismatch or errors:
        return False
    return all(_identical(sub) for sub in comparison.subdirs.values())


def naive_rules(rules_dir: Path) -> list[tuple[str, object, str]]:
    """The project's rules as a naive pipeline would apply them: literals with ``str.replace``,
    patterns with ``re.sub``, everywhere (no scoping, no ``unless``)."""
    from cleaner.rules.loading import load_rules

    out: list[tuple[str, object, str]] = []
    for rule in load_rules([rules_dir]).rules:
        if rule.is_literal:
            out.extend(("literal", find, rule.replace) for find in rule.finds)
        else:
            out.append(("regex", re.compile(rule.pattern), rule.replace))
    return out


def naive_baseline(src: Path, dst: Path, rules_dir: Path) -> float:
    """Seconds for the naive pipeline to read, clean and write the corpus (one process)."""
    from bench.accuracy.baseline import naive_clean

    rules = naive_rules(rules_dir)
    started = time.perf_counter()
    texts = {p.name: p.read_text("utf-8") for p in sorted(src.iterdir())}
    cleaned = naive_clean(texts)
    dst.mkdir(parents=True, exist_ok=True)
    for name, text in cleaned.items():
        for kind, find, replace in rules:
            text = text.replace(find, replace) if kind == "literal" else find.sub(replace, text)  # type: ignore[union-attr]
        (dst / name).write_text(text, "utf-8")
    return time.perf_counter() - started


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), cpu)
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{cpu}, {os.cpu_count()} cores (affinity {len(os.sched_getaffinity(0))}), "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}; load average {load:.1f}"
    )


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def report(measured: list[Measured], megabytes: float, baseline: float) -> str:
    lines = []
    for m in measured:
        name = m.tree.name
        one, two = m.runs[1], m.runs[2]
        s1, s2 = _median([r.seconds for r in one]), _median([r.seconds for r in two])
        lines.append(f"\n## {name} ({m.tree})")
        for jobs, seconds, runs in ((1, s1, one), (2, s2, two)):
            each = ", ".join(f"{r.seconds:.1f}" for r in runs)
            lines.append(f"jobs {jobs}: {megabytes / seconds:6.2f} MB/s ({seconds:.1f} s; runs {each})")
        lines.append(
            f"jobs 2 / jobs 1: {s1 / s2:.2f}×; time vs naive baseline: "
            f"jobs 1 {s1 / baseline:.1f}×, jobs 2 {s2 / baseline:.1f}×"
        )
        lines.append(
            f"peak RSS of the process tree: jobs 1 {max(r.peak_rss for r in one) / 1e6:.0f} MB, "
            f"jobs 2 {max(r.peak_rss for r in two) / 1e6:.0f} MB"
        )
        audit = one[0].audit_bytes
        lines.append(f"audit: {audit / 1e6:.1f} MB, {audit / (megabytes * 1e6):.2f} bytes per input byte")
        lines.append(f"outputs identical across jobs 1 / 2: {same_outputs(one[0].out, two[0].out)}")
        if m.profile:
            total = m.profile["total"]
            lines.append(f"one process, instrumented ({total:.1f} s; MB/s of the input per second spent in each):")
            for key, seconds in sorted(m.profile.items(), key=lambda item: -item[1]):
                if key in ("total", "pipeline"):
                    continue
                rate = megabytes / seconds if seconds > 0 else float("inf")
                lines.append(f"  {key:<24} {seconds:7.2f} s {seconds / total:6.1%} {rate:9.1f} MB/s")
    if len(measured) == 2:
        same = same_outputs(measured[0].runs[1][0].out, measured[1].runs[1][0].out)
        lines.append(f"\noutputs identical across checkouts: {same}")
    lines.append(f"\nnaive baseline: {megabytes / baseline:.2f} MB/s ({baseline:.1f} s, one process)")
    return "\n".join(lines)


def one_file(src: Path, folder: Path) -> Path:
    """The corpus's files joined (blank lines between) into one file in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "all.txt"
    if not target.exists():
        files = sorted(p for p in src.rglob("*") if p.is_file())
        target.write_text("\n\n".join(p.read_text("utf-8") for p in files), "utf-8")
    return folder


def single_file(measured: list[Measured], src: Path, tmp: Path) -> str:
    """The same bytes as one file, one process: time and peak memory against the many files."""
    folder = one_file(src, src.parent / "one")
    lines = ["\n## one file (jobs 1) against the same bytes in many files (jobs 1)"]
    for index, m in enumerate(measured):
        run = run_clean(m.tree, folder, tmp / f"one-{index}", 1)
        many = _median([r.seconds for r in m.runs[1]])
        peak = max(r.peak_rss for r in m.runs[1])
        lines.append(
            f"{m.tree.name}: {run.seconds:.1f} s ({run.seconds / many:.2f}× the many files), "
            f"peak RSS {run.peak_rss / 1e6:.0f} MB ({run.peak_rss / peak:.2f}×)"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=20.0, help="corpus size in MB (default 20)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each configuration (median reported)")
    parser.add_argument("--before", type=Path, help="another checkout to measure in the same run")
    parser.add_argument("--src", type=Path, help="clean this folder instead of the built corpus")
    parser.add_argument("--no-profile", action="store_true", help="skip the instrumented single-process run")
    parser.add_argument(
        "--single-file", action="store_true", help="also clean the corpus as one file (jobs 1) and compare"
    )
    args = parser.parse_args(argv)

    if args.src:
        src = args.src
        print(f"corpus: {src}")
    else:
        folder = bench_corpus.build(args.mb, args.seed)
        src = folder / "src"
        print(bench_corpus.describe(folder))
    megabytes = sum(p.stat().st_size for p in src.rglob("*") if p.is_file()) / 1e6
    print(f"machine: {machine()}")
    trees = [t.resolve() for t in ([args.before] if args.before else [])] + [ROOT]
    measured = [Measured(tree) for tree in trees]
    with tempfile.TemporaryDirectory() as tmp:
        # Interleaved (checkout, jobs) runs, so load from elsewhere on the machine falls on all alike.
        for repeat in range(args.repeat):
            for index, m in enumerate(measured):
                for jobs in (1, 2):
                    out = Path(tmp, f"{index}-{jobs}-{repeat}")
                    m.runs.setdefault(jobs, []).append(run_clean(m.tree, src, out, jobs))
        if not args.no_profile:
            for m in measured:
                m.profile = profile(m.tree, src)
        baseline = naive_baseline(src, Path(tmp, "naive"), ROOT / "rules")
        print(report(measured, megabytes, baseline))
        if args.single_file:
            print(single_file(measured, src, Path(tmp)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
