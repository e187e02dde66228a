"""CPU seconds of each phase of ``cleaner suggest`` in one process, for ``bench/bench_suggest.py``.

    python bench/suggest_phases.py SRC      # run with the checkout to measure first on the path

Counting (read, normalise, count), candidate search, evidence (the second read). A checkout with
``cleaner.suggest.engines`` is measured through its one-process engine (partitions, the kept
texts); an older one through the functions it had (one counter, the corpus read again). Prints
one JSON line.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from cleaner.io.readers import DEFAULT_GLOBS, discover
from cleaner.suggest import MAX_POOL
from cleaner.suggest.counting import DEFAULT_MAX_ENTRIES, NgramCounter
from cleaner.suggest.evidence import gather
from cleaner.suggest.lookalike import lookalikes
from cleaner.suggest.mining import find_candidates
from cleaner.suggest.scan import normalising_config, read_corpus


def main() -> None:
    src = Path(sys.argv[1])
    config = normalising_config()
    size = sum(source.path.stat().st_size for source in discover(src, DEFAULT_GLOBS))
    cpu: dict[str, float] = {}
    started = time.process_time()
    try:
        from cleaner.partitioning import partitions
        from cleaner.suggest.engines import Engine
    except ImportError:  # a checkout from before the engines
        counter = NgramCounter()
        for text in read_corpus(src, config):
            counter.add(text.text)
        counter.flush()
        cpu["counting"] = time.process_time() - started
        candidates = find_candidates(counter, lookalikes())[:MAX_POOL]
        cpu["search"] = time.process_time() - started - cpu["counting"]
        gather(candidates, read_corpus(src, config), counter)
    else:
        engine = Engine(config, "text", DEFAULT_MAX_ENTRIES, size)
        parts = partitions(discover(src, DEFAULT_GLOBS))
        counter = NgramCounter()
        for counted in engine.count(parts):
            counter.merge(counted.counter)
        cpu["counting"] = time.process_time() - started
        candidates = find_candidates(counter, lookalikes())[:MAX_POOL]
        cpu["search"] = time.process_time() - started - cpu["counting"]
        list(engine.gather(parts, candidates, counter))
        engine.close()
    cpu["evidence"] = time.process_time() - started - cpu["counting"] - cpu["search"]
    megabytes = size / 1e6
    print(
        json.dumps(
            {f"{phase}_cpu_s": round(s, 2) for phase, s in cpu.items()}
            | {f"{phase}_mb_per_cpu_s": round(megabytes / s, 1) for phase, s in cpu.items()}
        )
    )


if __name__ == "__main__":
    main()
