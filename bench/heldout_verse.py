"""A held-out check on classical verse: Debian's fortunes-zh (Tang and Song poems, one line to a
couplet under a title and a byline), cleaned as it is, and what layout and dedup did to it.

    python -m bench.heldout_verse [--keep DIR]

The package was not used to tune anything before the verse and byline rules it checks; its
``chinese`` file is left out (it quotes other Debian documentation, some of it held back for an
independent check). Prints the source lines, the paragraphs written, how many bylines
(``作者：…``) were joined into text, and layout's joins and dedup's removals by rule. The poems
are public domain; the package's collection is GPL-3.0+. Nothing of it is committed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench.accuracy.gold_fetch import Pin, download, extract
from cleaner.config import Config
from cleaner.corpus import clean_corpus, existing_audit
from cleaner.report import read_audit

PIN = Pin(
    "debian",
    "fortunes-zh",
    "2.98",
    "fortunes-zh_2.98_all.deb",
    "211c5ddee59d0ae74ce01cbfd02f7c8714740bae1835d5661eb2254edd739105",
)
FILES = ("usr/share/games/fortunes/tang300", "usr/share/games/fortunes/song100")
POEMS_PER_FILE = 40
CACHE = Path(__file__).resolve().parent / ".cache" / "heldout_verse"
_ESCAPES = re.compile(r"\x1b\[[0-9;]*m")
_BRACKETED = re.compile(r"（[^）]*）|〔[^〕]*〕|\([^)]*\)")


def sources(directory: Path) -> Path:
    """The poems as text files of POEMS_PER_FILE each (colour escapes removed), under ``directory``."""
    got = download(PIN, CACHE)
    unpacked = directory / "unpacked"
    extract(got.path, FILES, unpacked)
    src = directory / "src"
    src.mkdir()
    for name in FILES:
        text = _ESCAPES.sub("", (unpacked / name).read_text(encoding="utf-8"))
        poems = [poem.strip("\n") for poem in text.split("\n%\n") if poem.strip("%\n ")]
        stem = Path(name).name
        for k in range(0, len(poems), POEMS_PER_FILE):
            chunk = "\n\n".join(poems[k : k + POEMS_PER_FILE]) + "\n"
            (src / f"{stem}_{k // POEMS_PER_FILE:02d}.txt").write_text(chunk, encoding="utf-8")
    return src


def report(src: Path, dst: Path) -> dict:
    """The figures of one cleaned copy: lines in, paragraphs out, bylines joined, and the audit
    record's layout joins and dedup removals by rule."""
    lines = [line for f in sorted(src.glob("*.txt")) for line in f.read_text().split("\n") if line.strip()]
    paragraphs = [p for f in sorted(dst.glob("*.txt")) for p in f.read_text().split("\n\n") if p.strip()]
    bylines = [p for p in paragraphs if "作者" in p]
    joined = [p for p in bylines if re.search(r"[，。？！；]", _BRACKETED.sub("", p))]
    rules: Counter[str] = Counter()
    for record in read_audit(existing_audit(dst)):
        if record.get("type") == "edit" and (record["stage"] == "dedup" or record["rule"].startswith("join")):
            rules[f"{record['stage']} {record['rule']}"] += 1
    return {
        "source lines": len(lines),
        "paragraphs written": len(paragraphs),
        "bylines": len(bylines),
        "bylines joined into text": len(joined),
        "joins and removals, by rule": dict(sorted(rules.items())),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="keep the source and cleaned files here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        src = sources(root)
        dst = root / "dst"
        clean_corpus(src, dst, Config(), jobs=1, cache=False)
        figures = report(src, dst)
    json.dump(figures, sys.stdout, ensure_ascii=False, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
