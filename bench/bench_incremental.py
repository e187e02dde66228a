"""Re-runs over the same corpus: the first run, a second over unchanged inputs, one with one file changed.

    python -m bench.bench_incremental --mb 20 --jobs 2

Each run is a fresh ``cleaner run SRC DST -q -j N`` process, timed as a whole (``bench/run.py``'s
``run_clean``). On a copy of the corpus: (1) a first run into an empty DST, which also fills the
run cache; (2) the same command again, nothing changed; (3) one input changed (a paragraph of the
first file in corpus order, the worst case for dedup, which must then look at every later file
again), run into the same DST; (4) a full run of the changed corpus into an empty folder, the
reference the incremental run must match byte for byte (outputs and audit record). Prints one
JSON line with the times, the speed-ups, how many outputs each run rewrote (by modification
time) and whether the trees are identical.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import shutil
import tempfile
from pathlib import Path

from bench import corpus as bench_corpus
from bench.run import ROOT, run_clean

CACHE = Path(".cleaner") / "cache"


def tree_files(root: Path) -> list[Path]:
    """The files a run wrote under ``root`` (outputs and audit record), the run cache left out."""
    return sorted(
        p.relative_to(root) for p in root.rglob("*") if p.is_file() and CACHE not in p.relative_to(root).parents
    )


def identical(a: Path, b: Path) -> bool:
    files = tree_files(a)
    if files != tree_files(b):
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, [str(p) for p in files], shallow=False)
    return not mismatch and not errors


def stamps(root: Path) -> dict[Path, int]:
    return {rel: (root / rel).stat().st_mtime_ns for rel in tree_files(root)}


def rewritten(before: dict[Path, int], root: Path) -> int:
    """How many of the files in ``before`` were written again (their time stamp moved)."""
    after = stamps(root)
    return sum(after.get(rel) != stamp for rel, stamp in before.items())


def change_first_file(src: Path) -> Path:
    """Give the first input (corpus order) a new first paragraph: one file changed, every later one not."""
    first = min((p for p in src.rglob("*.txt")), key=lambda p: p.relative_to(src).as_posix())
    added = "这是为了测量增量运行而新加的一段文字，它不在任何别的文件里。\n\n"
    first.write_text(added + first.read_text("utf-8"), "utf-8")
    return first


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    corpus = bench_corpus.build(args.mb) / "src"
    with tempfile.TemporaryDirectory() as tmp:
        src, dst, fresh = Path(tmp, "src"), Path(tmp, "out"), Path(tmp, "fresh")
        shutil.copytree(corpus, src)
        files = sum(1 for p in src.rglob("*") if p.is_file())
        megabytes = sum(p.stat().st_size for p in src.rglob("*") if p.is_file()) / 1e6
        first = run_clean(ROOT, src, dst, args.jobs)
        before = stamps(dst)
        second = run_clean(ROOT, src, dst, args.jobs)
        second_rewrote = rewritten(before, dst)
        changed = change_first_file(src)
        before = stamps(dst)
        one_changed = run_clean(ROOT, src, dst, args.jobs)
        one_changed_rewrote = rewritten(before, dst)
        full = run_clean(ROOT, src, fresh, args.jobs)
        cache_bytes = sum(p.stat().st_size for p in (dst / CACHE).rglob("*") if p.is_file())
        results = {
            "mb": round(megabytes, 1),
            "files": files,
            "jobs": args.jobs,
            "first_run_s": round(first.seconds, 2),
            "second_run_s": round(second.seconds, 2),
            "second_speedup": round(first.seconds / second.seconds, 1),
            "second_rewrote": second_rewrote,
            "changed_file": changed.relative_to(src).as_posix(),
            "one_changed_s": round(one_changed.seconds, 2),
            "one_changed_rewrote": one_changed_rewrote,
            "full_run_of_changed_corpus_s": round(full.seconds, 2),
            "one_changed_speedup": round(full.seconds / one_changed.seconds, 1),
            "identical_to_full_run": identical(dst, fresh),
            "cache_mb": round(cache_bytes / 1e6, 1),
            "peak_rss_mb": {
                "first": round(first.peak_rss / 1e6),
                "second": round(second.peak_rss / 1e6),
                "one_changed": round(one_changed.peak_rss / 1e6),
            },
        }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
