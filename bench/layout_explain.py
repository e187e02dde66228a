"""Show how the layout stage reads every line break of a text: line kinds, widths, column evidence
and the join score with each piece of evidence that counted (cleaner/wrapping.py).

    python bench/layout_explain.py FILE [--grep TEXT]       # a file as the layout stage receives it
    python -m bench.accuracy ... --show-errors 20             # find the breaks worth a look first

The text is first cleaned by the stages that run before layout (whitespace, unicode), so the
breaks are the ones the stage sees.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cleaner import wrapping
from cleaner.config import Config
from cleaner.pipeline import Pipeline
from cleaner.stages import layout

BEFORE_LAYOUT = {stage: {"enabled": False} for stage in ("layout", "variants", "punctuation", "spacing", "rules")}


def explain(text: str, grep: str | None = None) -> list[str]:
    """One entry per line break: the two lines' ends, kinds, widths, column evidence, the decision."""
    decided = layout.plan(text)
    lines, sides = decided.lines, decided.sides
    rows = []
    for i in range(len(lines) - 1):
        a, b = lines[i], lines[i + 1]
        if grep and grep not in a.plain + b.plain:
            continue
        found = wrapping.explain(sides[i], sides[i + 1])
        column = "full" if sides[i].column.full else "short" if sides[i].column.short else "-"
        decision = decided.links[i] or ("heal" if i in decided.heals else "apart")
        rows.append(
            f"{i:5} {decided.kinds[i]:8} w={sides[i].width:<5.0f} {column:5} {decision:18} "
            f"score={sum(found.values()):5.1f} {found}\n      {a.plain[-24:]!r} | {b.plain[:24]!r}"
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--grep", help="only breaks next to lines containing this text")
    args = parser.parse_args(argv)
    config = Config().with_options(BEFORE_LAYOUT)
    text = Pipeline(config).clean(args.file.read_text(encoding="utf-8")).text
    print("\n".join(explain(text, args.grep)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
