"""Generate ``cleaner/data/inword_pairs.txt``: pairs of Han characters seen inside real words.

``cleaner suggest`` must not propose changing a real word (绿色, 涪陵, 落地). A pair ``xy`` is a
piece of a real word when ``y`` directly follows ``x`` inside words of jieba's dictionary
(``dict.txt`` of the PyPI sdist ``jieba==0.42.1``, MIT licence, fetched and hash-checked as by
``scripts/make_word_bigrams.py``) whose frequencies sum to at least ``MIN_COUNT``. Both characters
must be in ``tgh.txt``. Pairs already in ``word_bigrams.txt`` (the stricter list the layout stage
uses) are left out; ``cleaner.suggest.words`` reads both files.

Output: a ``#`` header, then one line per first character: ``x<TAB>y1y2y3…`` (both sorted).

Usage::

    python scripts/make_inword_pairs.py [--dict PATH/TO/dict.txt] [--out cleaner/data/inword_pairs.txt]
"""

from __future__ import annotations

import argparse
from collections import Counter
from itertools import pairwise
from pathlib import Path

from make_word_bigrams import JIEBA, is_han, read_dictionary

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "cleaner" / "data"
MIN_COUNT = 20


def read_table(name: str) -> list[str]:
    return [line for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line and line[0] != "#"]


def inword_pairs(dictionary: str, table: set[str], known: set[str]) -> dict[str, list[str]]:
    inside: Counter[str] = Counter()
    for line in dictionary.splitlines():
        fields = line.split()
        if len(fields) < 2 or not is_han(fields[0]):
            continue
        for x, y in pairwise(fields[0]):
            inside[x + y] += int(fields[1])
    grouped: dict[str, list[str]] = {}
    for pair, count in inside.items():
        if count >= MIN_COUNT and pair[0] in table and pair[1] in table and pair not in known:
            grouped.setdefault(pair[0], []).append(pair[1])
    return {first: sorted(seconds) for first, seconds in sorted(grouped.items())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dict", type=Path, help="jieba's dict.txt (default: fetch jieba 0.42.1 with pip)")
    parser.add_argument("--out", type=Path, default=DATA / "inword_pairs.txt")
    args = parser.parse_args()
    dictionary = read_dictionary(args.dict)
    known = {
        first + second
        for line in read_table("word_bigrams.txt")
        for first, seconds in [line.split("\t")]
        for second in seconds
    }
    grouped = inword_pairs(dictionary, set(read_table("tgh.txt")), known)
    pairs = sum(len(seconds) for seconds in grouped.values())
    header = [
        "# Pairs of Han characters seen inside words (summed word frequency >= "
        f"{MIN_COUNT}), not already in word_bigrams.txt: first character, a tab, every second character.",
        f"# Derived from jieba {JIEBA.split('==')[1]} dict.txt (MIT licence) by scripts/make_inword_pairs.py;"
        f" {pairs} pairs.",
    ]
    lines = header + [f"{first}\t{''.join(seconds)}" for first, seconds in grouped.items()]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{args.out}: {pairs} pairs, {len(grouped)} first characters")


if __name__ == "__main__":
    main()
