"""Memory of the corpus dedup index per MB of input, and a digest of every decision it made.

    python -m bench.dedup_memory --mb 20 100        # one fresh process per size
    python -m bench.dedup_memory --mb 20 --dump edits.jsonl

Each size runs in its own process: the benchmark corpus of ``bench/corpus.py`` (built on first
use) is read file by file in sorted order, each file's text split into paragraphs as the
pipeline leaves them (blank lines), and fed to ``Deduplicator.process_all`` — the same calls
``clean`` makes, without the per-document stages (whose memory does not grow with the corpus).
Printed per size: input MB, seconds, the resident memory added over the process's memory before
the first document (sampled after every document, and the kernel's high-water mark), that
growth per MB of input, and a sha256 of every edit made (rule, spans, kept copy), so two
versions of the index can be shown to decide the same. The slope between two sizes is the
figure that matters: the fixed cost of the process does not scale.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from bench import corpus as bench_corpus

_BLANK = re.compile(r"\n\s*\n")


def _rss() -> int:
    return _status_field("VmRSS:")


def _hwm() -> int:
    return _status_field("VmHWM:")


def _status_field(name: str) -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(name):
                return int(line.split()[1]) * 1024
    return 0


def _documents(root: Path, sizes: list[int]) -> Iterator:
    from cleaner.model import PARAGRAPH_SEPARATOR, Document

    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in {".txt", ".md"}):
        data = path.read_bytes()
        sizes.append(len(data))
        paragraphs = [p.strip() for p in _BLANK.split(data.decode("utf-8"))]
        yield Document(path.relative_to(root).as_posix(), PARAGRAPH_SEPARATOR.join(p for p in paragraphs if p))


def measure(root: Path, dump: Path | None) -> dict:
    """Deduplicate the corpus at ``root`` in this process; memory growth and the decisions' digest."""
    from cleaner.config import DedupOptions
    from cleaner.dedup import Deduplicator
    from cleaner.dedup.keys import fold_table

    fold_table()  # a fixed table, loaded once whatever the corpus size
    dedup = Deduplicator(DedupOptions())
    sizes: list[int] = []
    digest = hashlib.sha256()
    sink = dump.open("w", encoding="utf-8") if dump else None
    base = _rss()
    peak = base
    started = time.perf_counter()
    removed = 0
    for number, (_, edits) in enumerate(dedup.process_all(_documents(root, sizes))):
        for edit in edits:
            line = json.dumps([number, edit.to_record()], ensure_ascii=False, sort_keys=True)
            digest.update(line.encode())
            removed += 1
            if sink:
                sink.write(line + "\n")
        peak = max(peak, _rss())
    seconds = time.perf_counter() - started
    if sink:
        sink.close()
    mb = sum(sizes) / 1e6
    grown = max(peak, _hwm()) - base
    return {
        "mb": round(mb, 1),
        "indexed": len(dedup),
        "files": len(sizes),
        "seconds": round(seconds, 1),
        "removed": removed,
        "index_mb": round(dedup.nbytes / 1e6, 1),
        "on_disk_mb": round(_on_disk(dedup) / 1e6, 1),
        "rss_growth_mb": round(grown / 1e6, 1),
        "rss_per_input_mb": round(grown / 1e6 / mb, 3),
        "edits_sha256": digest.hexdigest()[:16],
        "structures_mb": _structures(dedup),
    }


def _on_disk(dedup: object) -> int:
    """Bytes of the index's temporary files (the tables' runs and the run stores)."""
    parts = [*vars(dedup).values(), getattr(getattr(dedup, "_exact", None), "_table", None)]
    return sum(part.disk_bytes for part in parts if hasattr(part, "disk_bytes"))


def _structures(dedup: object) -> dict[str, float]:
    """MB held by each part of the index that reports its size, largest first."""
    parts = {name.lstrip("_"): value.nbytes for name, value in vars(dedup).items() if hasattr(value, "nbytes")}
    parts["doc_ids"] = sum(sys.getsizeof(i) + 8 for i in getattr(dedup, "_doc_ids", ()))
    return {name: round(n / 1e6, 2) for name, n in sorted(parts.items(), key=lambda item: -item[1])}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, nargs="+", default=[20])
    parser.add_argument("--dump", type=Path, help="write every edit here (one size only)")
    parser.add_argument("--novel", action="store_true", help="the corpus with enciphered reuses (bench/corpus.py)")
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)  # measure this folder, in this process
    args = parser.parse_args(argv)
    if args.root:
        print(json.dumps(measure(args.root, args.dump)))
        return
    results = []
    for mb in args.mb:
        root = bench_corpus.build(mb, novel=args.novel) / "src"
        command = [sys.executable, "-m", "bench.dedup_memory", "--root", str(root)]
        if args.dump:
            command += ["--dump", str(args.dump)]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        results.append(json.loads(output.strip().splitlines()[-1]))
        print(json.dumps(results[-1]))
    if len(results) >= 2:
        first, last = results[0], results[-1]
        slope = (last["rss_growth_mb"] - first["rss_growth_mb"]) / (last["mb"] - first["mb"])
        print(f"slope between {first['mb']} and {last['mb']} MB: {slope:.3f} MB of RSS per MB of input")


if __name__ == "__main__":
    main()
