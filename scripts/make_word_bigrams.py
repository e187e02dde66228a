"""Generate ``cleaner/data/word_bigrams.txt``: pairs of Han characters that usually sit inside a word.

The layout stage asks, at every line break it considers joining, whether the break cuts a word in
two (``格`` / ``式``): such a cut is a wrap, not a paragraph end. The answer comes from a word list
with frequencies — jieba's ``dict.txt`` (349,046 words; MIT licence), taken from the PyPI sdist
``jieba==0.42.1`` — not from the text the stage was tuned on.

For a pair ``xy`` of Han characters:

- ``inside(xy)``: the summed frequency of the words in which ``y`` directly follows ``x``;
- ``across(xy)``: how often ``xy`` would occur across a word boundary if words followed each other
  independently: ``final(x) * initial(y) / total``, from how often words end in ``x`` and start
  with ``y``.

A pair is kept when ``log((inside + 1) / (across + 1)) >= MIN_SCORE`` and ``inside >= MIN_COUNT``:
it is at least e² ≈ 7 times more likely inside a word than across a boundary, and seen in real
words often enough to trust. The output groups pairs by their first character, one line each:
``x<TAB>y1y2y3…`` (both sorted), after a ``#`` header giving the provenance.

Usage::

    python scripts/make_word_bigrams.py [--dict PATH/TO/dict.txt] [--out cleaner/data/word_bigrams.txt]

Without ``--dict`` the sdist is fetched with ``pip download`` (its SHA-256 is checked).
"""

from __future__ import annotations

import argparse
import hashlib
import math
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JIEBA = "jieba==0.42.1"
JIEBA_SDIST = "jieba-0.42.1.tar.gz"
JIEBA_SHA256 = "055ca12f62674fafed09427f176506079bc135638a14e23e25be909131928db2"
MIN_SCORE = 2.0
MIN_COUNT = 20


def is_han(word: str) -> bool:
    return all("\u4e00" <= c <= "\u9fff" for c in word)


def fetch_dict(workdir: Path) -> str:
    """jieba's dict.txt from the pinned sdist (downloaded with pip, checked by hash)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-q", "-d", str(workdir), JIEBA],
        check=True,
    )
    sdist = workdir / JIEBA_SDIST
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    if digest != JIEBA_SHA256:
        raise SystemExit(f"{sdist.name}: SHA-256 {digest}, expected {JIEBA_SHA256}")
    with tarfile.open(sdist) as archive:
        member = archive.extractfile("jieba-0.42.1/jieba/dict.txt")
        assert member is not None
        return member.read().decode("utf-8")


def read_dictionary(path: Path | None) -> str:
    """jieba's dict.txt: the file at ``path``, or fetched from the pinned sdist when it is None."""
    if path:
        return path.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as workdir:
        return fetch_dict(Path(workdir))


def word_bigrams(dictionary: str) -> dict[str, list[str]]:
    """The pairs kept (see the module docstring), grouped by first character."""
    inside: Counter[str] = Counter()
    final: Counter[str] = Counter()
    initial: Counter[str] = Counter()
    total = 0
    for line in dictionary.splitlines():
        fields = line.split()
        if len(fields) < 2 or not is_han(fields[0]):
            continue
        word, frequency = fields[0], int(fields[1])
        total += frequency
        final[word[-1]] += frequency
        initial[word[0]] += frequency
        for x, y in pairwise(word):
            inside[x + y] += frequency
    grouped: dict[str, list[str]] = {}
    for pair, count in inside.items():
        across = final[pair[0]] * initial[pair[1]] / total
        if count >= MIN_COUNT and math.log((count + 1) / (across + 1)) >= MIN_SCORE:
            grouped.setdefault(pair[0], []).append(pair[1])
    return {first: sorted(seconds) for first, seconds in sorted(grouped.items())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dict", type=Path, help="jieba's dict.txt (default: fetch jieba 0.42.1 with pip)")
    parser.add_argument("--out", type=Path, default=ROOT / "cleaner" / "data" / "word_bigrams.txt")
    args = parser.parse_args()
    grouped = word_bigrams(read_dictionary(args.dict))
    pairs = sum(len(seconds) for seconds in grouped.values())
    header = [
        "# Pairs of Han characters that usually sit inside a word: first character, a tab, every second character.",
        f"# Derived from jieba {JIEBA.split('==')[1]} dict.txt (MIT licence) by scripts/make_word_bigrams.py:",
        f"# kept when log((inside+1)/(across+1)) >= {MIN_SCORE} and inside >= {MIN_COUNT}; {pairs} pairs.",
    ]
    lines = header + [f"{first}\t{''.join(seconds)}" for first, seconds in grouped.items()]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{args.out}: {pairs} pairs, {len(grouped)} first characters")


if __name__ == "__main__":
    main()
