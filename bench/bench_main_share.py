"""The main process's share of a run: ``cleaner run`` with ``-j 1``, ``-j 2`` (and Ray), per checkout.

    python -m bench.bench_main_share --mb 20 --before ../main            # -j 1 and -j 2, both checkouts
    python -m bench.bench_main_share --mb 20 --before ../main --ray      # and --engine ray -j 2

Each configuration is a fresh ``cleaner run SRC DST -q --no-cache`` with the checkout's code first
on the path (and this checkout's rules, so the audit records' run lines agree), checkouts
interleaved, so a change in the machine's load falls on both. Prints per run: wall seconds, CPU
seconds of the main process (the driver with Ray) and of its waited-for children (the worker
processes; Ray's own processes are not its children), the peak memory of the process tree, the
load average when it started, and whether every output and the audit record are byte-identical
to the first run's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from bench import corpus as bench_corpus
from bench.run import machine, run_sampled, same_outputs

# Runs cleaner's CLI and, at exit, writes the CPU time of this process and of its reaped children.
_LAUNCHER = """
import atexit, json, resource, sys
def _usage():
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    sys.stderr.write("\\nUSAGE " + json.dumps([me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime]) + "\\n")
atexit.register(_usage)
from cleaner.cli import cleaner_main
sys.argv = ["cleaner", *sys.argv[1:]]
cleaner_main()
"""


def measure(tree: Path, src: Path, dst: Path, rules: Path, options: list[str]) -> dict[str, float]:
    """One run: wall and CPU seconds (main process, children), peak memory of the tree, load."""
    command = [sys.executable, "-c", _LAUNCHER, "run", str(src), str(dst), "-q", "--no-cache"]
    command += ["-r", str(rules), *options]
    load = os.getloadavg()[0]
    wall, peak, stderr = run_sampled(tree, command)
    main_cpu, children_cpu = json.loads(stderr.rsplit("USAGE ", 1)[1])
    return {"wall": wall, "main": main_cpu, "children": children_cpu, "peak_mb": peak / 1e6, "load": load}


def audit_bytes(dst: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted((dst / ".cleaner").glob("audit*")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="corpus size in MB (default 20)")
    parser.add_argument("--before", type=Path, help="another checkout, measured in the same run")
    parser.add_argument("--ray", action="store_true", help="also --engine ray -j 2")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    src = bench_corpus.build(args.mb)
    trees = [("after", Path(__file__).resolve().parent.parent)]
    if args.before:
        trees.insert(0, ("before", args.before.resolve()))
    configurations = [("-j 1", ["-j", "1"]), ("-j 2", ["-j", "2"])]
    if args.ray:
        configurations.append(("ray -j 2", ["--engine", "ray", "-j", "2"]))
    print(machine())
    print(f"corpus: {src} ({sum(p.stat().st_size for p in src.rglob('*') if p.is_file()) / 1e6:.1f} MB)")
    with tempfile.TemporaryDirectory(prefix="cleaner-main-share-") as tmp:
        first: Path | None = None
        for repeat in range(args.repeat):
            for label, options in configurations:
                for name, tree in trees:
                    dst = Path(tmp) / f"{name}-{label.replace(' ', '')}-{repeat}"
                    got = measure(tree, src, dst, trees[-1][1] / "rules", options)
                    first = first or dst
                    same = same_outputs(first, dst) and audit_bytes(first) == audit_bytes(dst)
                    share = got["main"] / (got["main"] + got["children"])
                    print(
                        f"{name:6s} {label:8s} wall {got['wall']:6.1f} s  main CPU {got['main']:6.1f} s"
                        f"  children CPU {got['children']:6.1f} s  main share {share:4.0%}"
                        f"  peak {got['peak_mb']:6.0f} MB  load {got['load']:.1f}  identical: {same}",
                        flush=True,
                    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
