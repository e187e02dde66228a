"""The OCR mode over a grid of page setups: how the cleaner's figures move with the typesetting.

    python -m bench.accuracy.ocr_sweep [--pages N] [--seed N] [--jobs N] [--only TEXT] [--json FILE]

Each setup changes one thing from the sources' house styles (``ocr_page.Setup``) or the page
segmentation mode, and two combine the changes real pages often have together. Every setup
prints the same gold documents in the same order (the selection depends on the seed only); how
much of each fits on its two pages depends on the setup, so the counts are given with their
totals. Pages are read once and cached (``ocr_engine``), so a rerun reads only the setups it has
not seen. Prints one table: per setup, for the naive baseline and the cleaner, the CER before and
after, the error reduction, paragraph-boundary precision and recall, the wrap points joined, the
wrong joins (block boundaries run together) of all boundaries, the characters out of order and
the paragraphs lost.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from bench.accuracy.metrics import Report
from bench.accuracy.ocr import add_run_arguments, evaluate
from bench.accuracy.ocr_errors import table
from bench.accuracy.ocr_page import Setup

SYSTEMS = ("naive", "cleaner")


@dataclass(frozen=True, slots=True)
class Variant:
    """One row group of the sweep: a page setup and the page segmentation mode it is read with."""

    setup: Setup
    psm: int = 3

    @property
    def label(self) -> str:
        return self.setup.describe() + ("" if self.psm == 3 else f", psm {self.psm}")


# One change at a time from the house styles, then two pages with several changes at once:
# a magazine (block paragraphs, justified, sans) and a worn newspaper (narrow justified columns,
# heavy noise). Reads in about 16 minutes on two shared cores from an empty cache.
GRID = (
    Variant(Setup()),
    Variant(Setup(paragraphs="block")),
    Variant(Setup(paragraphs="indent+space")),
    Variant(Setup(justify=True)),
    Variant(Setup(line_chars=14)),
    Variant(Setup(line_chars=36)),
    Variant(Setup(face="serif")),
    Variant(Setup(face="sans")),
    Variant(Setup(noise="none")),
    Variant(Setup(noise="heavy")),
    Variant(Setup(), psm=6),
    Variant(Setup(paragraphs="block", justify=True, face="sans")),
    Variant(Setup(justify=True, line_chars=14, noise="heavy")),
)

HEADER = ("setup", "system", "CER in", "CER out", "err red", "bound P", "bound R", "joined", "wrong", "moved", "lost")


def row(label: str, system: str, input_report: Report, report: Report) -> list[str]:
    """One line of the table: a system's figures on a setup."""
    reduction = report.error_reduction
    return [
        label,
        system,
        f"{input_report.cer:.4f}",
        f"{report.cer:.4f}",
        "-" if reduction is None else f"{reduction:.3f}",
        f"{report.precision:.3f}",
        f"{report.recall:.3f}",
        f"{report.joins.hit}/{report.joins.total}",
        f"{report.wrong_joins}/{sum(r.total for r in report.boundaries_by_pair.values())}",
        str(report.moved_chars),
        f"{report.lost}/{report.paragraphs}",
    ]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.accuracy.ocr_sweep", description=__doc__.split("\n\n")[0])
    add_run_arguments(parser)
    parser.add_argument("--only", default=None, metavar="TEXT", help="only the setups whose label contains TEXT")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    variants = [v for v in GRID if args.only is None or args.only in v.label]
    rows, payload = [], []
    for variant in variants:
        started = time.perf_counter()
        result = evaluate(args, variant.setup, variant.psm)
        reports = result.reports
        pages = sum(len(doc.page_texts) for doc in result.docs)
        print(
            f"{variant.label}: {pages} pages ({result.cached} from the cache) in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
        rows += [row(variant.label, name, reports["OCR input"], reports[name]) for name in SYSTEMS]
        systems = {name: reports[name].to_dict() for name in ("OCR input", *SYSTEMS)}
        payload.append({"label": variant.label, "setup": asdict(variant.setup), "psm": variant.psm, "systems": systems})
    print(f"seed {args.seed}, about {args.pages} pages per setup")
    print("\n".join(table(HEADER, rows)))
    if args.json:
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
