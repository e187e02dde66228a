"""The accuracy harness on genuine OCR: gold documents printed as pages, read back by Tesseract.

    python -m bench.accuracy.ocr [--pages N] [--seed N] [--psm N] [--jobs N] [--show-errors N]
                                 [--config FILE] [--json FILE] [--keep DIR]
                                 [--paragraphs indent|block|indent+space] [--justify]
                                 [--line-chars N] [--body-size PX] [--face serif|sans]
                                 [--noise none|mild|heavy]

Gold documents, taken in turn from each source (news, manuals, literature), are typeset as pages
(``ocr_page``), with running heads, page numbers and mild scanner noise, in each source's house
style or as the page-setup options say; Tesseract reads each page
(``ocr_engine``, cached); the pages of a document, read in order, are the damaged input. The
cleaner (default config unless --config) and the naive regex baseline clean it, and the harness's
metrics score all three against the gold (``score_corpus``: CER, error reduction, paragraph
boundaries, joins by where the line broke — within a column, at a column or a page), followed by
what is left of the OCR's own errors (``ocr_errors``): confusion pairs, inserted and deleted
characters by class, page furniture and junk lines kept or removed, and every place where the
cleaner made the OCR text worse.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.accuracy.damage import char_class
from bench.accuracy.metrics import Report, format_errors, format_table, score_corpus
from bench.accuracy.model import Damage, Damaged, ExpectedBlock, GoldDoc
from bench.accuracy.ocr_engine import OcrSettings, recognise, tesseract_available, tesseract_version
from bench.accuracy.ocr_errors import OcrAnalysis, OcrPage, analyse, format_analysis
from bench.accuracy.ocr_joins import BreakCase, classify, format_cases
from bench.accuracy.ocr_page import (
    NOISE_LEVELS,
    PARAGRAPH_STYLES,
    PagedDoc,
    Setup,
    draw_page,
    fonts_available,
    last_lines_full,
    page_recipe,
    paginate_corpus,
    scan_dpi,
)

GOLD_CACHE = Path(__file__).resolve().parent / ".cache"


@dataclass(frozen=True, slots=True)
class OcrDoc:
    """A document as printed and as read: its pages and the OCR text of each, in order."""

    paged: PagedDoc
    page_texts: tuple[str, ...]

    @property
    def text(self) -> str:
        """The damaged input: the pages' OCR text one after the other, as Tesseract gives it."""
        return "".join(text if text.endswith("\n") else text + "\n" for text in self.page_texts)

    @property
    def pages(self) -> list[OcrPage]:
        """Per page, the text read and the running head and page number printed."""
        return [
            OcrPage(text, page.head, page.foot, page.number)
            for text, page in zip(self.page_texts, self.paged.pages, strict=True)
        ]


def page_seed(seed: int, doc_id: str, page: int) -> int:
    """The noise seed of one page: stable across runs and independent of the other pages."""
    return sum(ord(c) * (k + 1) for k, c in enumerate(doc_id)) * 1009 + page * 7919 + seed


def read_pages(paged: Sequence[PagedDoc], seed: int, settings: OcrSettings, jobs: int) -> tuple[list[OcrDoc], int]:
    """Draw and OCR every page (``jobs`` at a time); also how many pages came from the cache."""
    work = [(d, p) for d, doc in enumerate(paged) for p in range(len(doc.pages))]

    def one(item: tuple[int, int]) -> tuple[str, bool]:
        d, p = item
        doc = paged[d]
        page, noise = doc.pages[p], page_seed(seed, doc.doc.id, p)
        return recognise(page_recipe(page, doc.style, noise), lambda: draw_page(page, doc.style, noise), settings)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = list(pool.map(one, work))
    texts: dict[int, list[str]] = {}
    for (d, _), (text, _) in zip(work, results, strict=True):
        texts.setdefault(d, []).append(text)
    docs = [OcrDoc(doc, tuple(texts[d])) for d, doc in enumerate(paged)]
    return docs, sum(hit for _, hit in results)


def to_damaged(doc: OcrDoc) -> Damaged:
    """The harness's view of an OCR'd document: the OCR text as input, the printed blocks as the
    expected output, and a ``wrap`` entry for every line break the typesetting made inside a block
    (``sep``: ``line``, ``column`` or ``page``), so that the join metrics apply."""
    gold = doc.paged.doc
    starts, blocks, offset = [], [], 0
    for block in gold.blocks:
        starts.append(offset)
        blocks.append(ExpectedBlock(block.kind, offset, offset + len(block.text)))
        offset += len(block.text) + 2
    log = []
    for wrap in doc.paged.wraps():
        block = gold.blocks[wrap.block]
        position = starts[wrap.block] + wrap.start
        spaced = wrap.start > wrap.end
        kind = "wrap_at_space" if spaced else "wrap"
        detail = {"end": char_class(block.text[wrap.end - 1]), "sep": wrap.where, "block": block.kind}
        if spaced:
            latin = block.text[wrap.end - 1].isascii() and block.text[wrap.start].isascii()
            detail["between"] = "latin" if latin else "other"
        log.append(Damage(kind, (0, 0), (position, position), detail))
    return Damaged(gold.id, gold.genre, doc.text, gold.text, tuple(log), tuple(blocks))


def load_gold(path: Path | None) -> list[GoldDoc]:
    """The gold corpus: a JSON Lines file, or the accuracy harness's fetched cache."""
    if path is not None:
        from bench.accuracy.model import read_gold_jsonl

        return read_gold_jsonl(path)
    from bench.accuracy.gold import load_gold as load_cached

    return load_cached(GOLD_CACHE)


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of a run: which pages, how many at once, which gold and config, where the JSON goes."""
    parser.add_argument("--pages", type=int, default=40, help="about this many pages in all (default 40)")
    parser.add_argument("--max-pages", type=int, default=2, help="pages per document at most (default 2)")
    parser.add_argument("--seed", type=int, default=1, help="selection, page numbers and noise (default 1)")
    parser.add_argument("--jobs", type=int, default=1, help="pages read at once (default 1)")
    parser.add_argument("--gold", type=Path, default=None, help="gold JSON Lines file instead of the fetched cache")
    parser.add_argument("--config", type=Path, default=None, help="a cleaner YAML config file")
    parser.add_argument("--json", type=Path, default=None, help="write every figure to this JSON file")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.accuracy.ocr", description=__doc__.split("\n\n")[0])
    add_run_arguments(parser)
    parser.add_argument("--psm", type=int, default=3, help="Tesseract page segmentation mode (default 3)")
    parser.add_argument("--show-errors", type=int, default=0, metavar="N", help="N examples of each error class")
    parser.add_argument(
        "--keep", type=Path, default=None, metavar="DIR", help="keep OCR inputs, outputs and gold in DIR/src, dst, gold"
    )
    add_setup_arguments(parser)
    return parser.parse_args(argv)


def add_setup_arguments(parser: argparse.ArgumentParser) -> None:
    """The page-setup options; each defaults to the sources' house styles."""
    group = parser.add_argument_group("page setup (default: each source's house style)")
    group.add_argument(
        "--paragraphs",
        choices=sorted(PARAGRAPH_STYLES),
        default="indent",
        help="first-line indent (default), block paragraphs with a blank line's space, or both",
    )
    group.add_argument("--justify", action="store_true", help="stretch every full line to the column's edge")
    group.add_argument("--line-chars", type=int, default=None, metavar="N", help="columns N characters wide")
    group.add_argument("--body-size", type=int, default=None, metavar="PX", help="body text size at 300 dpi")
    group.add_argument("--face", choices=("serif", "sans"), default=None, help="body face for every source")
    group.add_argument(
        "--noise", choices=list(NOISE_LEVELS), default="mild", help="scan noise (default mild; heavy is 200 dpi)"
    )


def setup_from(args: argparse.Namespace) -> Setup:
    return Setup(args.paragraphs, args.justify, args.line_chars, args.body_size, args.face, args.noise)


def check_tools(lang: str) -> None:
    """Stop with what to install when Pillow, the fonts or Tesseract are missing."""
    if not fonts_available():
        raise SystemExit("the OCR mode needs Pillow and the Noto CJK fonts: pip install -e '.[bench]'; fonts-noto-cjk")
    if not tesseract_available(lang):
        raise SystemExit(
            f"the OCR mode needs tesseract with {lang}: apt-get install tesseract-ocr tesseract-ocr-chi-sim"
        )


def compact_table(reports: dict[str, Report]) -> str:
    """The harness's table without the sections that have no rows here (duplicates, noise kinds)."""
    lines = format_table(reports).split("\n")
    kept = []
    for n, line in enumerate(lines):
        is_section = n > 0 and not line.startswith(" ") and line.rstrip() == line.split("  ")[0].rstrip()
        following = lines[n + 1] if n + 1 < len(lines) else ""
        if is_section and not following.startswith("  ") and not line.startswith("documents"):
            continue
        kept.append(line)
    return "\n".join(kept)


def keep_files(folder: Path, damaged: Sequence[Damaged], outputs: dict[str, dict[str, str]]) -> None:
    """The inputs, each system's outputs and the gold, one file per document."""
    from bench.accuracy.model import file_name

    for name, texts in {"src": {d.id: d.text for d in damaged}, "gold": {d.id: d.expected for d in damaged}}.items():
        (folder / name).mkdir(parents=True, exist_ok=True)
        for doc_id, text in texts.items():
            (folder / name / file_name(doc_id)).write_text(text, encoding="utf-8")
    for system, texts in outputs.items():
        (folder / system).mkdir(parents=True, exist_ok=True)
        for doc_id, text in texts.items():
            (folder / system / file_name(doc_id)).write_text(text, encoding="utf-8")


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One run of the OCR mode: what was read, what each system made of it, and the figures."""

    setup: Setup
    settings: OcrSettings
    docs: list[OcrDoc]
    damaged: list[Damaged]
    outputs: dict[str, dict[str, str]]  # system → document id → text; "OCR input" first
    reports: dict[str, Report]
    analyses: dict[str, OcrAnalysis]
    cached: int  # pages that came from the cache
    ocr_seconds: float


def evaluate(args: argparse.Namespace, setup: Setup, psm: int) -> Evaluation:
    """Print, read, clean and score the pages of ``args`` (pages, seed, jobs, gold, config) set as
    ``setup`` says and read with page segmentation mode ``psm``."""
    from bench.accuracy.__main__ import run_cleaner
    from bench.accuracy.baseline import naive_clean

    settings = OcrSettings(psm=psm, dpi=scan_dpi(setup.noise))
    check_tools(settings.lang)
    started = time.perf_counter()
    paged = paginate_corpus(load_gold(args.gold), args.pages, args.seed, args.max_pages, setup)
    docs, cached = read_pages(paged, args.seed, settings, args.jobs)
    ocr_seconds = time.perf_counter() - started

    damaged = [to_damaged(doc) for doc in docs]
    inputs = {d.id: d.text for d in damaged}
    naive = naive_clean(inputs)
    cleaned, cleaner_seconds = run_cleaner(damaged, args.config)
    outputs = {"OCR input": inputs, "naive": naive, "cleaner": cleaned}
    reports = {name: score_corpus(damaged, texts) for name, texts in outputs.items()}
    reports["cleaner"].seconds = cleaner_seconds
    pages_read = {doc.paged.doc.id: doc.pages for doc in docs}
    analyses = {name: analyse(damaged, texts, inputs, pages_read) for name, texts in outputs.items()}
    return Evaluation(setup, settings, docs, damaged, outputs, reports, analyses, cached, ocr_seconds)


def break_cases(result: Evaluation, system: str | None) -> list[BreakCase]:
    """A system's wrong and missed joins, each described by what the OCR text shows around it;
    with no system, every block boundary and wrap of the input."""
    outputs = result.outputs[system] if system else {}
    return [
        case
        for doc, damaged in zip(result.docs, result.damaged, strict=True)
        for case in classify(damaged, outputs.get(damaged.id), doc.page_texts, last_lines_full(doc.paged))
    ]


def run(args: argparse.Namespace) -> tuple[dict[str, Report], dict[str, OcrAnalysis]]:
    """Print, read, clean, score; print the figures."""
    result = evaluate(args, setup_from(args), args.psm)
    docs, damaged, reports, analyses, settings = (
        result.docs,
        result.damaged,
        result.reports,
        result.analyses,
        result.settings,
    )
    if args.keep:
        keep_files(args.keep, damaged, {k: v for k, v in result.outputs.items() if k != "OCR input"})
    pages = sum(len(doc.page_texts) for doc in docs)
    characters = sum(len(block.text) for doc in docs for block in doc.paged.doc.blocks)
    genres = sorted({d.genre for d in damaged})
    print(
        f"OCR: {len(docs)} documents ({', '.join(genres)}), {pages} pages ({result.cached} from the cache), "
        f"{characters} gold characters; seed {args.seed}; {result.setup.describe()}"
    )
    print(f"{tesseract_version()}; tesseract IMAGE - {' '.join(settings.arguments())}")
    print(f"pages drawn and read in {result.ocr_seconds:.1f} s")
    print(compact_table(reports))
    print()
    print(format_analysis(analyses, args.show_errors))
    if args.show_errors:
        print()
        print(format_errors(reports["cleaner"], args.show_errors))
        print()
        print(format_cases(break_cases(result, "cleaner"), args.show_errors, break_cases(result, None)))
    if args.json:
        payload = {
            "seed": args.seed,
            "setup": asdict(result.setup),
            "pages": pages,
            "documents": [d.id for d in damaged],
            "gold_characters": characters,
            "tesseract": tesseract_version(),
            "settings": settings.arguments(),
            "systems": {name: report.to_dict() for name, report in reports.items()},
            "ocr_errors": {name: analysis.to_dict() for name, analysis in analyses.items()},
        }
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return reports, analyses


def main(argv: Sequence[str] | None = None) -> int:
    run(parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
