"""Run the accuracy harness: damage the gold corpus, clean it, score it.

    python -m bench.accuracy [--seed N] [--docs N] [--genre G] [--gold FILE.jsonl] [--json FILE]
                             [--show-errors N] [--config FILE] [--layout-only]

Prints one table with a column per system: the damaged input as it is (no cleaning), the naive
regex baseline, and the cleaner (default config, no correction rules, unless --config says).
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.accuracy.baseline import naive_clean
from bench.accuracy.damage import DamageProfile, damage_corpus
from bench.accuracy.metrics import DROP_RULES, Report, format_errors, format_table, score_corpus
from bench.accuracy.model import Damaged, GoldDoc, file_name, read_gold_jsonl

CACHE = Path(__file__).resolve().parent / ".cache"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.accuracy", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1, help="damage seed (default 1)")
    parser.add_argument("--docs", type=int, default=None, help="use only the first N documents (file-name order)")
    parser.add_argument("--genre", default=None, help="use only documents of this genre")
    parser.add_argument("--gold", type=Path, default=None, help="gold JSON Lines file instead of the fetched cache")
    parser.add_argument("--json", type=Path, default=None, help="write every figure to this JSON file")
    parser.add_argument(
        "--show-errors",
        type=int,
        default=0,
        metavar="N",
        help="print N examples of each error class in the cleaner's output",
    )
    parser.add_argument("--config", type=Path, default=None, help="a cleaner YAML config file")
    parser.add_argument("--layout-only", action="store_true", help="skip edit distances and moves against the input")
    parser.add_argument(
        "--furniture", action="store_true", help="add page furniture (page numbers, running heads) at page breaks"
    )
    parser.add_argument(
        "--debris",
        action="store_true",
        help="add OCR debris lines and trap lines (text that looks like furniture or debris) every 30-45 lines",
    )
    parser.add_argument(
        "--keep", type=Path, default=None, metavar="DIR", help="keep the damaged inputs and outputs in DIR/src, DIR/dst"
    )
    return parser.parse_args(argv)


def load_documents(args: argparse.Namespace) -> list[GoldDoc]:
    """The gold corpus: --gold, or the gold module's fetched cache; filtered and limited."""
    if args.gold is not None:
        docs = read_gold_jsonl(args.gold)
    else:
        try:
            gold = importlib.import_module("bench.accuracy.gold")
        except ModuleNotFoundError:
            raise SystemExit("no gold corpus: bench/accuracy/gold.py is missing; pass --gold FILE.jsonl") from None
        docs = gold.load_gold(CACHE)
    if args.genre:
        docs = [d for d in docs if d.genre == args.genre]
    docs.sort(key=lambda d: file_name(d.id))
    if args.docs is not None:
        docs = docs[: args.docs]
    if not docs:
        raise SystemExit("no gold documents to score")
    return docs


def run_cleaner(
    damaged: Sequence[Damaged],
    config_path: Path | None,
    keep: Path | None = None,
    drops: dict[str, list[tuple[str, str]]] | None = None,
    again: dict[str, str] | None = None,
) -> tuple[dict[str, str], float]:
    """Write the damaged corpus as files, run ``cleaner.clean_corpus`` on it, read the outputs back
    (and into ``drops``, if given, the lines each document lost as furniture or debris; into
    ``again``, if given, each output cleaned a second time, which should change nothing)."""
    import cleaner

    config = cleaner.load_config(config_path) if config_path else cleaner.Config()
    with tempfile.TemporaryDirectory(prefix="accuracy-") as tmp:
        work = keep if keep is not None else Path(tmp)
        if keep is not None:
            shutil.rmtree(work / "src", ignore_errors=True)
            shutil.rmtree(work / "dst", ignore_errors=True)
        src, dst = work / "src", work / "dst"
        src.mkdir(parents=True)
        for doc in damaged:
            (src / file_name(doc.id)).write_text(doc.text, encoding="utf-8")
        started = time.perf_counter()
        cleaner.clean_corpus(src, dst, config)
        seconds = time.perf_counter() - started
        outputs = {}
        for doc in damaged:
            path = dst / file_name(doc.id)
            outputs[doc.id] = path.read_text(encoding="utf-8") if path.exists() else ""
        if drops is not None:
            drops.update(line_drops(dst, damaged))
        if again is not None:
            cleaner.clean_corpus(dst, work / "again", config)
            for doc in damaged:
                path = work / "again" / file_name(doc.id)
                again[doc.id] = path.read_text(encoding="utf-8") if path.exists() else ""
    return outputs, seconds


def changed_again(cleaned: dict[str, str], again: dict[str, str]) -> tuple[int, int]:
    """Documents a second run changed, and the lines it changed (removed or added) in them."""
    documents = lines = 0
    for doc_id, text in cleaned.items():
        second = again.get(doc_id, "")
        if second != text:
            documents += 1
            lines += sum(1 for line in difflib.ndiff(text.splitlines(), second.splitlines()) if line[:1] in "+-")
    return documents, lines


def line_drops(dst: Path, damaged: Sequence[Damaged]) -> dict[str, list[tuple[str, str]]]:
    """Per document id, the whole lines the run's audit record says were removed (rule, text)."""
    from cleaner.audit_file import audit_in, audit_lines

    ids = {file_name(doc.id): doc.id for doc in damaged}
    found: dict[str, list[tuple[str, str]]] = {}
    for _, record in audit_lines(audit_in(dst / ".cleaner")):
        if isinstance(record, dict) and record.get("type") == "edit" and record["rule"] in DROP_RULES:
            found.setdefault(ids.get(record["doc"], record["doc"]), []).append((record["rule"], record["before"]))
    return found


def run(args: argparse.Namespace) -> dict[str, Report]:
    """Damage, clean with each system, score; print the table (and error examples)."""
    started = time.perf_counter()
    docs = load_documents(args)
    damaged = damage_corpus(docs, args.seed, DamageProfile(furniture=args.furniture, debris=args.debris))
    damage_seconds = time.perf_counter() - started

    inputs = {doc.id: doc.text for doc in damaged}
    clock = time.perf_counter()
    naive = naive_clean(inputs)
    naive_seconds = time.perf_counter() - clock
    drops: dict[str, list[tuple[str, str]]] = {}
    again: dict[str, str] = {}
    cleaned, cleaner_seconds = run_cleaner(damaged, args.config, args.keep, drops, again)
    again_documents, again_lines = changed_again(cleaned, again)

    clock = time.perf_counter()
    reports = {
        "damaged input": score_corpus(damaged, inputs, args.layout_only),
        "naive": score_corpus(damaged, naive, args.layout_only, naive_seconds),
        "cleaner": score_corpus(damaged, cleaned, args.layout_only, cleaner_seconds, drops),
    }
    score_seconds = time.perf_counter() - clock

    characters = sum(len(block.text) for doc in docs for block in doc.blocks)
    print(f"gold: {len(docs)} documents, {characters} characters; seed {args.seed}")
    print(format_table(reports))
    total = time.perf_counter() - started
    print(
        f"cleaned again (should change nothing): {again_documents} of {len(damaged)} documents change,"
        f" {again_lines} lines"
    )
    print(f"damage {damage_seconds:.2f} s, scoring {score_seconds:.2f} s, whole run {total:.2f} s")
    if args.show_errors:
        print()
        print(format_errors(reports["cleaner"], args.show_errors))
    if args.json:
        payload = {
            "seed": args.seed,
            "documents": len(docs),
            "gold_characters": characters,
            "systems": {name: report.to_dict() for name, report in reports.items()},
            "cleaned_again": {"documents_changed": again_documents, "lines_changed": again_lines},
        }
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return reports


def main(argv: Sequence[str] | None = None) -> int:
    run(parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
