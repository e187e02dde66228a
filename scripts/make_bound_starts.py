"""Generate ``cleaner/data/bound_starts.txt``: Han characters that almost never start a sentence.

A line that starts with a particle (``的``, ``了``, ``们``, ``吗``…) continues the line before it: no
sentence, heading or caption starts that way. Which characters those are comes from jieba's
``dict.txt`` (jieba 0.42.1, MIT licence, the same pinned sdist as ``make_word_bigrams.py``), whose
words carry part-of-speech tags: for every character, the summed frequency of the words it starts
that are *bound* — particles (``u*``), modal particles (``y``) and suffixes (``k``) — against that
of all the words it starts (interjections are not bound: ``嗯，好的。`` starts a sentence). A character is kept
when at least ``MIN_SHARE`` of that frequency is bound and the character is common enough
(``MIN_COUNT``) for the share to mean something.

Usage::

    python scripts/make_bound_starts.py [--dict PATH/TO/dict.txt] [--out cleaner/data/bound_starts.txt]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_word_bigrams import JIEBA, ROOT, is_han, read_dictionary

BOUND_TAGS = frozenset({"u", "uj", "ul", "uz", "ug", "ud", "uv", "y", "k"})
MIN_SHARE = 0.9
MIN_COUNT = 2000


def bound_starts(dictionary: str) -> list[tuple[str, float]]:
    """The characters kept (see the module docstring), most bound first, with their bound share."""
    bound: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for line in dictionary.splitlines():
        fields = line.split()
        if len(fields) < 3 or not is_han(fields[0]):
            continue
        word, frequency, tag = fields[0], int(fields[1]), fields[2]
        total[word[0]] += frequency
        if tag in BOUND_TAGS:
            bound[word[0]] += frequency
    kept = [(char, bound[char] / total[char]) for char in bound if total[char] >= MIN_COUNT]
    return sorted(((c, s) for c, s in kept if s >= MIN_SHARE), key=lambda item: (-item[1], item[0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dict", type=Path, help="jieba's dict.txt (default: fetch jieba 0.42.1 with pip)")
    parser.add_argument("--out", type=Path, default=ROOT / "cleaner" / "data" / "bound_starts.txt")
    args = parser.parse_args()
    kept = bound_starts(read_dictionary(args.dict))
    header = [
        "# Han characters that almost never start a sentence (particles, suffixes), one per line, with the",
        "# share of the frequency of the words they start that is bound (particles, modal particles, suffixes).",
        f"# Derived from jieba {JIEBA.split('==')[1]} dict.txt (MIT licence) by scripts/make_bound_starts.py:",
        f"# kept when the share >= {MIN_SHARE} and the words the character starts have frequency >= {MIN_COUNT}.",
    ]
    lines = header + [f"{char}\t{share:.3f}" for char, share in kept]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{args.out}: {len(kept)} characters")


if __name__ == "__main__":
    main()
