"""Throughput of each per-document stage on one core, on realistic input.

Reads the realistic corpus (``bench/corpus.py``: real prose from registry packages with OCR-like
damage; ``--synthetic`` for the old seed splice of ``bench/synth.py``), cuts it into documents of
about 100 KB, and runs the registered stages in pipeline order (STAGE_ORDER),
each built by ``make(default options)``. Every stage gets what the earlier stages produced, as in
a real run; the stages asked for are timed, the others only prepare their input. Prints MB/s of
UTF-8 input per CPU-second of this one process (one core), and the number of edits it made.

    python bench/bench_stages.py                       # every registered stage, 20 MB
    python bench/bench_stages.py unicode punctuation   # just these two
    python bench/bench_stages.py --mb 2                # quick (also: --quick)
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import synth

from bench import corpus as bench_corpus
from cleaner.config import Config
from cleaner.model import Document
from cleaner.pipeline import STAGE_ORDER, _stage_registry

DOC_BYTES = 100_000
TARGET_MB_S = 20.0


def corpus_text(megabytes: float, synthetic: bool = False) -> str:
    """The realistic corpus's files joined, or the seed splice of ``bench/synth.py``."""
    if synthetic:
        return synth.synthetic_text(megabytes)
    src = bench_corpus.build(megabytes) / "src"
    return "\n\n".join(path.read_text("utf-8") for path in sorted(src.iterdir()))


def documents(megabytes: float, doc_bytes: int = DOC_BYTES, synthetic: bool = False) -> Iterator[Document]:
    """The corpus as documents of about ``doc_bytes`` UTF-8 bytes each."""
    paragraphs: list[str] = []
    size = 0
    number = 0
    for paragraph in corpus_text(megabytes, synthetic).split("\n\n"):
        paragraphs.append(paragraph)
        size += len(paragraph.encode("utf-8")) + 2
        if size >= doc_bytes:
            yield Document.from_paragraphs(f"synthetic/{number:05d}.txt", paragraphs)
            number += 1
            paragraphs, size = [], 0
    if paragraphs:
        yield Document.from_paragraphs(f"synthetic/{number:05d}.txt", paragraphs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("stages", nargs="*", help="stages to time (default: every registered stage)")
    parser.add_argument("--mb", type=float, default=20.0, help="size of the synthetic corpus in MB (default 20)")
    parser.add_argument("--quick", action="store_true", help="a 2 MB corpus")
    parser.add_argument("--synthetic", action="store_true", help="the seed splice of bench/synth.py (a micro-bench)")
    parser.add_argument("--doc-kb", type=float, default=DOC_BYTES / 1000, help="document size in KB (default 100)")
    args = parser.parse_args(argv)

    registry = _stage_registry()
    registered = [name for name in STAGE_ORDER if name in registry and name != "dedup"]
    wanted = args.stages or registered
    unknown = [name for name in wanted if name not in registered]
    if unknown:
        print(f"unknown or unregistered stage(s): {', '.join(unknown)} (registered: {', '.join(registered)})")
        return 2
    last = max(registered.index(name) for name in wanted)
    order = registered[: last + 1]

    # The rules stage measures the project's own rules/ (with no paths it would do nothing).
    rules = Path(__file__).resolve().parent.parent / "rules"
    config = Config().with_options({"rules": {"paths": [str(rules)]}}) if rules.is_dir() else Config()
    built = {}
    for name in order:
        started = time.perf_counter()
        built[name] = registry[name].make(getattr(config, name))
        if name in wanted:
            print(f"make({name}) {time.perf_counter() - started:.3f} s")

    megabytes = 2.0 if args.quick else args.mb
    docs = list(documents(megabytes, int(args.doc_kb * 1000), args.synthetic))
    print(f"corpus: {sum(len(d.text.encode('utf-8')) for d in docs) / 1e6:.1f} MB in {len(docs)} documents\n")
    print(f"{'stage':<12} {'MB in':>8} {'seconds':>8} {'MB/s':>8} {'edits':>9}")
    slow = []
    for name in order:
        run = built[name]
        size = sum(len(d.text.encode("utf-8")) for d in docs)
        edits = 0
        started = time.process_time()
        out = []
        for doc in docs:
            doc, stage_edits = run(doc)
            out.append(doc)
            edits += len(stage_edits)
        seconds = time.process_time() - started
        docs = out
        if name in wanted:
            rate = size / 1e6 / seconds if seconds else float("inf")
            print(f"{name:<12} {size / 1e6:>8.1f} {seconds:>8.2f} {rate:>8.1f} {edits:>9}")
            if rate < TARGET_MB_S:
                slow.append(name)
    if slow:
        print(f"\nbelow {TARGET_MB_S:.0f} MB/s: {', '.join(slow)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
