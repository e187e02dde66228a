"""One big JSON Lines file against the same records in many files: wall time and peak memory.

    python -m bench.bench_file_parts                                   # this tree, -j 1 and -j 2
    python -m bench.bench_file_parts --tree before=/path/to/old/checkout --tree after=.
    python -m bench.bench_file_parts --mb 100 --copies 2 --jobs 2 --layouts one many

The records are the benchmark corpus's documents (``bench/corpus.py``, one record per file, in
its order), ``--copies`` times over: ``one/corpus.jsonl`` holds them all, ``many/`` the same
records in files of about ``--file-mb`` MB each, in the same order (so dedup keeps the same
copies). Each (tree, layout, jobs) is ``cleaner run SRC DST -q -j N --no-cache`` from that
tree's code, a fresh process whose process tree's resident memory is sampled
(``bench.run.run_sampled``). Printed, one JSON line per run: seconds, CPU seconds of the process
tree, peak MB, MB/s; then whether
every run of a layout wrote the same outputs, and whether the big file's output is the many
files' outputs put end to end.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
from pathlib import Path

from bench import corpus as bench_corpus
from bench.run import ROOT, machine, run_sampled, same_outputs


def write_inputs(corpus: Path, folder: Path, copies: int, file_mb: float) -> dict[str, Path]:
    """``one/corpus.jsonl`` and ``many/NNNNN.jsonl`` under ``folder``, the same records in the same order."""
    one, many = folder / "one", folder / "many"
    if (one / "corpus.jsonl").exists():  # made by an earlier call with the same --work
        return {"one": one, "many": many}
    one.mkdir(parents=True)
    many.mkdir()
    texts = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix in (".txt", ".md"))
    limit = int(file_mb * 1_000_000)
    chunk: list[str] = []
    size = 0
    count = 0
    with (one / "corpus.jsonl").open("w", encoding="utf-8") as whole:
        for copy in range(copies):
            for path in texts:
                record = {"id": f"{copy}/{path.relative_to(corpus).as_posix()}", "text": path.read_text("utf-8")}
                line = json.dumps(record, ensure_ascii=False) + "\n"
                whole.write(line)
                chunk.append(line)
                size += len(line.encode("utf-8"))
                if size >= limit:
                    (many / f"{count:05d}.jsonl").write_text("".join(chunk), encoding="utf-8")
                    chunk, size, count = [], 0, count + 1
    if chunk:
        (many / f"{count:05d}.jsonl").write_text("".join(chunk), encoding="utf-8")
    return {"one": one, "many": many}


def _children_cpu() -> float:
    """CPU seconds (user and system) of the processes this one has waited for, and theirs: on a
    loaded machine a steadier measure of the work done than wall time."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def concatenated(folder: Path) -> bytes:
    """The outputs of a run over ``many/``, end to end in the order of their names."""
    return b"".join(p.read_bytes() for p in sorted(folder.glob("*.jsonl")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=100.0, help="the benchmark corpus to take records from")
    parser.add_argument("--corpus", type=Path, help="a folder of text files to take records from instead")
    parser.add_argument("--copies", type=int, default=2, help="times over: 2 copies of 108 MB make 217 MB")
    parser.add_argument("--file-mb", type=float, default=1.0, help="size of each of the many files")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--layouts", nargs="+", default=["one", "many"], choices=["one", "many"])
    parser.add_argument("--tree", action="append", help="LABEL=PATH: a checkout whose code runs (default: this one)")
    parser.add_argument("--option", action="append", default=[], help="a further option of cleaner run (repeatable)")
    parser.add_argument("--work", type=Path, help="where the inputs and outputs go (default: a temporary folder)")
    args = parser.parse_args(argv)
    trees = [tuple(spec.split("=", 1)) for spec in args.tree or [f"this={ROOT}"]]
    work = args.work or Path(tempfile.mkdtemp(prefix="cleaner-parts-"))
    print(machine(), flush=True)
    corpus = args.corpus or bench_corpus.build(args.mb) / "src"
    inputs = write_inputs(corpus, work / "in", args.copies, args.file_mb)
    outputs: dict[str, list[Path]] = {layout: [] for layout in args.layouts}
    try:
        for jobs in args.jobs:
            for label, tree in trees:
                for layout in args.layouts:
                    src, dst = inputs[layout], work / f"out-{label}-{layout}-j{jobs}{''.join(args.option)}"
                    command = [sys.executable, "-m", "cleaner", "run", str(src), str(dst), "-q"]
                    command += ["-j", str(jobs), "--no-cache", *args.option]
                    cpu = _children_cpu()
                    seconds, peak, _ = run_sampled(Path(tree).resolve(), command)
                    cpu = _children_cpu() - cpu
                    mb = sum(p.stat().st_size for p in src.iterdir()) / 1e6
                    files = sum(1 for _ in src.iterdir())
                    row = {"tree": label, "layout": layout, "files": files, "jobs": jobs, "mb": round(mb, 1)}
                    row |= {"options": " ".join(args.option)} if args.option else {}
                    row |= {"seconds": round(seconds, 1), "cpu_s": round(cpu, 1), "peak_mb": round(peak / 1e6, 1)}
                    print(json.dumps(row | {"mb_per_s": round(mb / seconds, 3)}), flush=True)
                    outputs[layout].append(dst)
        for layout, dsts in outputs.items():
            same = all(same_outputs(dsts[0], other) for other in dsts[1:])
            print(json.dumps({"layout": layout, "runs": len(dsts), "same_outputs": same}), flush=True)
        if outputs.get("one") and outputs.get("many"):
            joined = concatenated(outputs["many"][0]) == (outputs["one"][0] / "corpus.jsonl").read_bytes()
            print(json.dumps({"one_file_output_is_the_many_files_end_to_end": joined}), flush=True)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
