"""Search for texts that cleaning does not leave at a fixed point, on a budget far beyond CI's.

The test suite runs the idempotence property (``tests/idempotence.py``) on a few hundred examples
per configuration; this script runs it for as many examples, or as long, as you give it, and keeps
going after a failure: each counter-example is shrunk by Hypothesis, printed with its signature
(the stages and rules that changed the text again), and texts failing the same way are then let
through, so one bug does not hide the next.

Usage::

    python scripts/fuzz_idempotence.py [--examples N] [--minutes M] [--config default|insert] [--file]

``--file`` checks the whole file layer too (decoding the UTF-8 output again, dedup). Exit status 1
if any counter-example was found. Every one found should become a test (``tests/test_idempotence.py``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hypothesis import HealthCheck, Phase, given, settings

from tests.idempotence import CONFIGS, Failure, check, check_file, texts

CHUNK = 500  # examples per Hypothesis run; the time limit is checked between runs


class Found(Exception):
    """A new counter-example (raised inside the property so that Hypothesis shrinks it)."""


def fuzz(names: list[str], examples: int, seconds: float, with_files: bool) -> list[Failure]:
    """Run the property until ``examples`` have been tried or ``seconds`` have passed."""
    known: dict[tuple[str, ...], Failure] = {}
    deadline = time.monotonic() + seconds
    tried = 0
    while tried < examples and time.monotonic() < deadline:
        for name in names:
            batch = min(CHUNK, examples - tried)
            if batch <= 0 or time.monotonic() >= deadline:
                break
            ran, failures = _run_batch(name, batch, known, with_files)
            for failure in failures:
                known[failure.signature] = failure
                print(f"FOUND {' '.join(failure.signature)}\n  {failure.message}", flush=True)
            tried += ran
        print(f"… {tried} examples, {len(known)} distinct failures, {time.monotonic() - deadline + seconds:.0f} s")
    print(f"{tried} examples tried")
    return list(known.values())


def _run_batch(
    name: str, batch: int, known: dict[tuple[str, ...], Failure], with_files: bool
) -> tuple[int, list[Failure]]:
    """Up to ``batch`` examples; how many ran, and the new counter-example if one was found."""
    found: list[Failure] = []
    ran = 0

    @settings(
        max_examples=batch,
        deadline=None,
        database=None,
        derandomize=False,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(texts())
    def prop(text: str) -> None:
        nonlocal ran
        ran += 1
        failure = _checked(name, text, with_files)
        if failure is not None and failure.signature not in known:
            raise Found(failure)

    try:
        prop()
    except Found as exc:
        found.append(exc.args[0])
    except Exception as exc:  # Hypothesis gave up on a counter-example (flaky, too slow to shrink)
        print(f"(batch ended without a verdict: {type(exc).__name__}: {str(exc)[:300]})", flush=True)
    return ran, found


def _checked(name: str, text: str, with_files: bool) -> Failure | None:
    """The property, with a crash counted as a counter-example of its own kind."""
    try:
        return check(name, text) or (check_file(name, text) if with_files else None)
    except Exception as exc:
        return Failure(("crash", type(exc).__name__), f"{name}: {text!r} raised {type(exc).__name__}: {exc}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=100_000, help="examples in all (default 100000)")
    parser.add_argument("--minutes", type=float, default=10.0, help="stop after this long (default 10)")
    parser.add_argument("--config", choices=sorted(CONFIGS), action="append", help="default: all")
    parser.add_argument("--file", action="store_true", help="check the file layer too (slower)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    failures = fuzz(args.config or list(CONFIGS), args.examples, args.minutes * 60, args.file)
    print(f"{len(failures)} distinct counter-examples in {time.monotonic() - started:.0f} s")
    for failure in failures:
        print(f"- {' '.join(failure.signature)}: {failure.message}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
