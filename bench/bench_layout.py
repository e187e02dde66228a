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
"""

from __future__ import annotations

import argparse
import functools
import time
from collections.abc import Callable
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


def measure(text: str, markup: str, repeat: int = 1) -> tuple[float, int]:
    """Best time of ``repeat`` runs of the stage over ``text``, and the number of edits."""
    stage = layout.make(LayoutOptions(markup=markup))
    best, edits = float("inf"), 0
    for _ in range(repeat):
        started = time.process_time()
        _, found = stage(Document(id="bench", text=text))
        best = min(best, time.process_time() - started)
        edits = len(found)
    return best, edits


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 4, 16], help="input sizes in MB")
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
        choices=["seeds", "running", "harness", "gold"],
        default="seeds",
        help="the seeds as layout sees them (dense with breaks), paragraphs of running text, the accuracy "
        "harness's damaged gold (wrapped columns of real prose), or the gold itself (a paragraph a line)",
    )
    args = parser.parse_args(argv)
    sizes = [1.0] if args.quick else args.sizes
    inputs = {
        "seeds": layout_input,
        "running": running_text,
        "harness": harness_text,
        "gold": lambda: harness_text(clean=True),
    }
    base = inputs[args.input]()
    distinct = functools.cache(lambda seed: harness_text(seed=seed)) if args.distinct else None
    if distinct and args.input != "harness":
        parser.error("--distinct needs --input harness")
    kind = "distinct copies" if distinct else "one document per size"
    print(f"layout stage, input={args.input}, markup={args.markup}, {kind}")
    print(f"{'MB':>6} {'seconds':>8} {'MB/s':>7} {'edits':>8}")
    for megabytes in sizes:
        text = sized(base, megabytes, distinct)
        size = len(text.encode("utf-8")) / MB
        seconds, edits = measure(text, args.markup, args.repeat)
        print(f"{size:6.1f} {seconds:8.2f} {size / seconds:7.1f} {edits:8d}")


if __name__ == "__main__":
    main()
