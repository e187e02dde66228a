"""Throughput and memory of the rules stage with 10 to 100 000 literal rules, on one core.

Generates a synthetic corpus (bench/synth.py: seed paragraphs spliced, with OCR noise) and rule
files of random 2–4 character CJK finds plus the real rules of rules/, loads each file through
the real loader, and runs the stage over the corpus in a fresh process per rule count (so each
peak RSS is that run's own). Prints MB/s of UTF-8 input, peak memory, the 10 000 / 10 ratio and
the time to load and compile 100 000 rules.

Times are CPU seconds of the one process doing the work (``time.process_time``), best of
``--repeat`` passes, so other load on the machine does not distort the figures.

    python bench/bench_rules.py            # 100 MB, 10 / 1 000 / 10 000 / 100 000 rules
    python bench/bench_rules.py --mb 5     # quick
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth

ROOT = Path(__file__).resolve().parent.parent
REAL_RULES = ROOT / "rules"
DOC_CHARS = 20_000  # about one newspaper page per document, like the seeds

# Finds and replacements come from disjoint halves of the CJK block, so no replacement contains
# a find (no chain), and random finds rarely occur in the corpus, as with real typo rules.
FIND_RANGE = (0x4E00, 0x7FFF)
REPLACE_RANGE = (0x8000, 0x9FA5)


def random_word(rng: random.Random, span: tuple[int, int]) -> str:
    return "".join(chr(rng.randint(*span)) for _ in range(rng.randint(2, 4)))


def write_rules(path: Path, count: int, seed: int = 0) -> int:
    """A rule file of ``count`` literal rules: the real literal rules first, then random ones."""
    from cleaner.rules import load_rules

    real = [r for r in load_rules([REAL_RULES]).rules if r.is_literal] if REAL_RULES.is_dir() else []
    real = real[:count]
    taken = {f for r in real for f in (*r.finds, *r.unless)}
    reserved = "".join(r.replace for r in real)
    lines = ["rules:"]
    for rule in real:
        files = f", files: {json.dumps(list(rule.globs), ensure_ascii=False)}" if rule.globs else ""
        unless = f", unless: {json.dumps(list(rule.unless), ensure_ascii=False)}" if rule.unless else ""
        lines.append(
            f"  - {{find: {json.dumps(list(rule.finds), ensure_ascii=False)}, "
            f"replace: {json.dumps(rule.replace, ensure_ascii=False)}{unless}{files}}}"
        )
    rng = random.Random(seed)
    while len(lines) - 1 < count:
        find = random_word(rng, FIND_RANGE)
        if find in taken or find in reserved:
            continue
        taken.add(find)
        lines.append(f"  - {{find: {find}, replace: {random_word(rng, REPLACE_RANGE)}}}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(real)


def documents(corpus: Path) -> list[tuple[str, str]]:
    """The corpus cut at paragraph boundaries into documents of about DOC_CHARS characters."""
    paragraphs = corpus.read_text(encoding="utf-8").split("\n\n")
    docs: list[tuple[str, str]] = []
    current: list[str] = []
    size = 0
    for paragraph in paragraphs:
        current.append(paragraph)
        size += len(paragraph) + 2
        if size >= DOC_CHARS:
            docs.append((f"{len(docs) % 1000:03d}_{len(docs)}.txt", "\n\n".join(current)))
            current, size = [], 0
    if current:
        docs.append((f"{len(docs) % 1000:03d}_{len(docs)}.txt", "\n\n".join(current)))
    return docs


def current_rss_kb() -> int:
    """Resident memory now (Linux); elsewhere the peak so far, the best the platform tells."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * resource.getpagesize() // 1024
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(corpus: Path, rules: Path, repeat: int) -> dict[str, float]:
    """One measurement in this process: load+compile, then one pass of the stage over the corpus."""
    from cleaner.config import RulesOptions
    from cleaner.model import Document
    from cleaner.stages.rules import make

    docs = [Document(id=name, text=text) for name, text in documents(corpus)]
    size = corpus.stat().st_size
    rss_before = current_rss_kb()
    start = time.process_time()
    stage = make(RulesOptions(paths=(str(rules),)))
    for name in {doc.id[:3] for doc in docs[:1000]}:
        stage(Document(id=f"{name}_warm.txt", text=""))  # compile the automata of every file scope
    load = time.process_time() - start
    rss_loaded = current_rss_kb()
    run = float("inf")
    for _ in range(repeat):
        # Fresh strings each pass: a searched str keeps a cached UTF-8 copy that would flatter
        # every pass after the first, and a pipeline sees each document once.
        docs = [Document(id=doc.id, text=doc.text.encode("utf-8").decode("utf-8")) for doc in docs]
        edits = 0
        start = time.process_time()
        for doc in docs:
            edits += len(stage(doc)[1])
        run = min(run, time.process_time() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "mb_per_s": size / 1e6 / run,
        "seconds": run,
        "load_seconds": load,
        "edits": edits,
        "peak_rss_mb": peak / 1024,
        # What the loaded rules and their compiled automata occupy.
        "rules_rss_mb": max(rss_loaded - rss_before, 0) / 1024,
    }


def measure(corpus: Path, rules: Path, repeat: int) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", str(corpus), str(rules), "--repeat", str(repeat)]
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=100.0, help="corpus size in MB of UTF-8 (default 100)")
    parser.add_argument("--counts", default="10,1000,10000,100000", help="rule counts, comma-separated")
    parser.add_argument("--load-count", type=int, default=100_000, help="rules for the load+compile timing")
    parser.add_argument("--repeat", type=int, default=3, help="passes over the corpus per rule count (best is kept)")
    parser.add_argument("--child", nargs=2, metavar=("CORPUS", "RULES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(Path(args.child[0]), Path(args.child[1]), args.repeat)))
        return

    counts = [int(c) for c in args.counts.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp, "corpus.txt")
        start = time.perf_counter()
        corpus.write_text(synth.synthetic_text(args.mb), encoding="utf-8")
        size = corpus.stat().st_size
        print(f"corpus: {size / 1e6:.1f} MB of UTF-8 ({time.perf_counter() - start:.1f} s to generate)")
        results: dict[int, dict[str, float]] = {}
        print(f"{'rules':>8} {'MB/s':>8} {'seconds':>8} {'edits':>9} {'load s':>7} {'peak RSS':>9} {'rules RSS':>9}")
        for count in counts:
            rules = Path(tmp, f"rules-{count}.yaml")
            write_rules(rules, count)
            results[count] = r = measure(corpus, rules, args.repeat)
            print(
                f"{count:>8} {r['mb_per_s']:>8.1f} {r['seconds']:>8.2f} {int(r['edits']):>9} {r['load_seconds']:>7.2f} "
                f"{r['peak_rss_mb']:>7.0f}MB {r['rules_rss_mb']:>7.0f}MB"
            )
        if 10 in results and 10_000 in results:
            ratio = results[10_000]["mb_per_s"] / results[10]["mb_per_s"]
            print(f"throughput ratio 10 000 / 10 rules: {ratio:.2f} (target >= 0.7)")
        if 1000 in results and 10_000 in results:
            # Up to a few dozen keys the automaton skips ahead with a vectorised prefilter; past
            # that every byte goes through the automaton, at a cost that no longer grows with keys.
            ratio = results[10_000]["mb_per_s"] / results[1000]["mb_per_s"]
            print(f"throughput ratio 10 000 / 1 000 rules: {ratio:.2f}")
        from cleaner.rules import load_rules

        rules = Path(tmp, f"rules-{args.load_count}.yaml")
        if not rules.exists():
            write_rules(rules, args.load_count)
        start = time.process_time()
        rule_set = load_rules([rules])
        loaded = time.process_time() - start
        rule_set.compiled.automaton_for("any.txt")  # the matcher validation built, as the stage uses it
        total = time.process_time() - start
        print(
            f"load + validate {args.load_count} rules: {loaded:.2f} s; with compiling the automaton: {total:.2f} s "
            "(target < 5 s)"
        )


if __name__ == "__main__":
    main()
