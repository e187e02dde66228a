"""Where the time of one `clean` run goes: per stage (settle rounds included), read, write, audit, dedup.

    python bench/stage_profile.py SRC RULES [--cprofile FILE]

Runs ``clean_corpus(SRC, <temporary DST>, jobs=1)`` in this process with timers wrapped around the
stages' functions and the corpus runner's read, render, write, audit and dedup calls, and prints one
JSON object of seconds. It imports only ``cleaner``, from wherever ``PYTHONPATH`` finds it, so the
same script measures another checkout (``bench/run.py --before``). Names that a checkout lacks are
left untimed (their time shows under ``other``).
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import functools
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

TIMES: Counter[str] = Counter()


def _timed(key: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            TIMES[key] += time.perf_counter() - started

    return wrapper


def _wrap(owner: Any, name: str, key: str) -> None:
    if hasattr(owner, name):
        setattr(owner, name, _timed(key, getattr(owner, name)))


def instrument() -> None:
    """Timers around every stage and the runner's steps (module attributes patched in place)."""
    from cleaner import corpus, pipeline, report
    from cleaner.dedup import deduplicator

    original_init = pipeline.Pipeline.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.stages = [dataclasses.replace(s, run=_timed(f"stage:{s.name}", s.run)) for s in self.stages]
        self._settling = [stage for stage in self.stages if stage.reruns]

    pipeline.Pipeline.__init__ = init
    _wrap(pipeline.Pipeline, "clean_document", "pipeline")
    _wrap(corpus, "load", "read")
    _wrap(corpus, "write_atomic", "write")
    _wrap(corpus, "render_text", "render")
    _wrap(corpus, "render_jsonl", "render")
    _wrap(report.AuditRecord, "write", "audit")
    _wrap(report.AuditRecord, "write_edits", "audit")
    _wrap(report.AuditRecord, "__exit__", "audit")
    _wrap(deduplicator.Deduplicator, "_run", "dedup")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("src")
    parser.add_argument("rules")
    parser.add_argument("--cprofile", help="also write a cProfile of the run here")
    args = parser.parse_args(argv)
    instrument()
    from cleaner.config import Config
    from cleaner.corpus import clean_corpus

    config = Config().with_options({"rules": {"paths": [args.rules]}})
    profiler = cProfile.Profile() if args.cprofile else None
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        clean_corpus(args.src, Path(tmp, "out"), config, jobs=1)
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.cprofile)
        total = time.perf_counter() - started
    times = dict(TIMES)
    stages = sum(seconds for key, seconds in times.items() if key.startswith("stage:"))
    times["pipeline_bookkeeping"] = times.get("pipeline", 0.0) - stages
    accounted = times.get("pipeline", 0.0) + sum(
        times.get(key, 0.0) for key in ("read", "write", "render", "audit", "dedup")
    )
    times["other"] = total - accounted
    times["total"] = total
    json.dump({key: round(value, 3) for key, value in times.items()}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
