"""Throughput of the layout stage and whether it grows linearly with the input.

The input is the sample corpus as the layout stage receives it (after whitespace, unicode,
variants, punctuation and spacing), repeated to 1, 4 and 16 MB (UTF-8) as one document, so every
kind of break, heading and interruption the seeds have is in it. The stage is timed in CPU time of
one process (so other work on the machine does not blur the figure);
MB/s that stays flat across sizes means time grows linearly.

    python bench/bench_layout.py            # 1, 4, 16 MB, markup strip
    python bench/bench_layout.py --quick    # 1 MB only
    python bench/bench_layout.py --sizes 2 8 --markup keep
    python bench/bench_layout.py --input running   # paragraphs of running text, few breaks
    python bench/bench_layout.py --input harness   # real prose wrapped into columns (bench/accuracy)
    python bench/bench_layout.py --input harness --distinct   # each copy damaged with its own seed
    python bench/bench_layout.py --input corpus        # the 10 MB benchmark corpus, a document a file
    python bench/bench_layout.py --input harness --distinct --sizes 2 8 --before ../main
                        # and another checkout, on the same inputs in the same run (fresh processes)
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from cleaner.config import Config, LayoutOptions
from cleaner.model import Document
from cleaner.pipeline import Pipeline
from cleaner.stages import layout

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
MB = 1_000_000


def layout_input() -> str:
    """The seeds as the layout stage sees them, one after another."""
    before = Pipeline(
        Config().with_options({"layout": {"enabled": False}, "rules": {"enabled": False}, "dedup": {"scope": "off"}})
    )
    return "\n\n".join(before.clean(p.read_text(encoding="utf-8")).text for p in sorted(SEEDS.glob("*.txt")))


def running_text() -> str:
    """Paragraphs of running text (bench/synth.py: seed lines spliced and lightly corrupted)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from synth import noisy_paragraphs

    return "\n\n".join(noisy_paragraphs(2000, seed=0))


def harness_text(clean: bool = False, seed: int = 1) -> str:
    """The accuracy harness's gold text (bench/accuracy), damaged like OCR and PDF pages — wrapped
    columns, odd separators, interruptions — as the layout stage receives it; or, with ``clean``,
    the gold itself (one line a paragraph, headings, lists, code). Real prose of three genres, not
    the sample pages. ``seed`` chooses the damage."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.accuracy import gold
    from bench.accuracy.damage import DamageProfile, damage_corpus

    docs = gold.load_gold()
    if clean:
        return "\n\n".join(doc.text for doc in docs)
    before = Pipeline(
        Config().with_options({"layout": {"enabled": False}, "rules": {"enabled": False}, "dedup": {"scope": "off"}})
    )
    return "\n\n".join(before.clean(doc.text).text for doc in damage_corpus(docs, seed, DamageProfile()))


def sized(base: str, megabytes: float, copy: Callable[[int], str] | None = None) -> str:
    """``base`` repeated until it is at least ``megabytes`` MB in UTF-8; with ``copy``, copy ``k``
    (from 2) is ``copy(k)`` instead, a text of about the same size whose lines need not repeat."""
    unit = len(base.encode("utf-8"))
    copies = max(1, int(megabytes * MB / unit + 0.999))
    return "\n\n".join([base] + [copy(k) if copy else base for k in range(2, copies + 1)])


def corpus_documents(megabytes: float = 10) -> list[str]:
    """The benchmark corpus's files (``bench/corpus.py``, built or reused) as the layout stage
    receives them, each a document of its own, as in a run."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench import corpus as bench_corpus

    folder = bench_corpus.build(megabytes, 0)
    before = Pipeline(
        Config().with_options({"layout": {"enabled": False}, "rules": {"enabled": False}, "dedup": {"scope": "off"}})
    )
    return [before.clean(p.read_text(encoding="utf-8")).text for p in sorted((folder / "src").rglob("*.txt"))]


def measure(texts: list[str], markup: str, repeat: int = 1) -> tuple[float, int, str]:
    """Best time of ``repeat`` runs of the stage over the documents ``texts``, the number of edits,
    and a digest of the outputs and the edits (to tell two checkouts' results apart)."""
    stage = layout.make(LayoutOptions(markup=markup))
    best, edits, digest = float("inf"), 0, ""
    for _ in range(repeat):
        seconds, edits, hashed = 0.0, 0, hashlib.sha256()
        for text in texts:
            started = time.process_time()
            cleaned, found = stage(Document(id="bench", text=text))
            seconds += time.process_time() - started
            edits += len(found)
            hashed.update((cleaned.text + repr(found)).encode("utf-8"))
        best, digest = min(best, seconds), hashed.hexdigest()[:12]
    return best, edits, digest


def measure_in(tree: Path, texts_file: Path, markup: str, repeat: int) -> tuple[float, int, str]:
    """``measure`` with the code of checkout ``tree``, in a fresh process (its ``cleaner`` first on the path)."""
    command = [sys.executable, __file__, "--measure", str(texts_file), "--markup", markup, "--repeat", str(repeat)]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    seconds, edits, digest = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout.split()
    return float(seconds), int(edits), digest


def compare(workloads: Iterator[list[str]], args: argparse.Namespace) -> None:
    """The stage over each workload with the checkout ``args.before`` and this one, one after the other."""
    trees = [args.before.resolve(), Path(__file__).resolve().parent.parent]
    header = f"{'MB':>6} {'before s':>9} {'after s':>8} {'before MB/s':>12} {'after MB/s':>11} {'speed-up':>9}"
    print(f"{header} {'edits':>8}  output")
    with tempfile.TemporaryDirectory() as tmp:
        for texts in workloads:
            size = sum(len(text.encode("utf-8")) for text in texts) / MB
            texts_file = Path(tmp, "texts.json")
            texts_file.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
            (before, before_edits, before_digest), (after, edits, digest) = (
                measure_in(tree, texts_file, args.markup, args.repeat) for tree in trees
            )
            same = "identical" if (before_edits, before_digest) == (edits, digest) else "DIFFERENT"
            print(
                f"{size:6.1f} {before:9.2f} {after:8.2f} {size / before:12.1f} {size / after:11.1f} "
                f"{before / after:8.2f}x {edits:8d}  {same}"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", help="input sizes in MB (default 1 4 16; corpus: 10)")
    parser.add_argument("--quick", action="store_true", help="1 MB only")
    parser.add_argument("--markup", choices=["strip", "keep"], default="strip")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--distinct",
        action="store_true",
        help="with --input harness: each copy damaged with its own seed, so the document's lines do not "
        "repeat (slow to prepare: about 10 s a copy)",
    )
    parser.add_argument(
        "--input",
        choices=["seeds", "running", "harness", "gold", "corpus"],
        default="seeds",
        help="the seeds as layout sees them (dense with breaks), paragraphs of running text, the accuracy "
        "harness's damaged gold (wrapped columns of real prose), the gold itself (a paragraph a line), or "
        "the benchmark corpus's files, each its own document (--sizes: the corpus's size, default 10 MB)",
    )
    parser.add_argument("--before", type=Path, help="another checkout to measure on the same inputs in the same run")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # one measurement of a JSON list of texts
    args = parser.parse_args(argv)
    if args.measure:
        print(*measure(json.loads(args.measure.read_text(encoding="utf-8")), args.markup, args.repeat))
        return
    sizes = [1.0] if args.quick else args.sizes or ([10.0] if args.input == "corpus" else [1.0, 4.0, 16.0])
    distinct = functools.cache(lambda seed: harness_text(seed=seed)) if args.distinct else None
    if distinct and args.input != "harness":
        parser.error("--distinct needs --input harness")
    if args.input == "corpus":
        kind = "each file a document"
        workloads = (corpus_documents(megabytes) for megabytes in sizes)
    else:
        inputs = {
            "seeds": layout_input,
            "running": running_text,
            "harness": harness_text,
            "gold": lambda: harness_text(clean=True),
        }
        base = inputs[args.input]()
        kind = "distinct copies" if distinct else "one document per size"
        workloads = ([sized(base, megabytes, distinct)] for megabytes in sizes)
    print(f"layout stage, input={args.input}, markup={args.markup}, {kind}")
    if args.before:
        compare(workloads, args)
        return
    print(f"{'MB':>6} {'seconds':>8} {'MB/s':>7} {'edits':>8}")
    for texts in workloads:
        size = sum(len(text.encode("utf-8")) for text in texts) / MB
        seconds, edits, _ = measure(texts, args.markup, args.repeat)
        print(f"{size:6.1f} {seconds:8.2f} {size / seconds:7.1f} {edits:8d}")


if __name__ == "__main__":
    main()
