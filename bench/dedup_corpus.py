"""A synthetic corpus for the deduplication benchmark, with known injected exact and near duplicates.

Built from the sample corpus (``synth.seed_paragraphs``) and its noise table (``synth._NOISE``):

* a *base* paragraph (≥ 30 characters) splices 3–25 random stretches (4–20 characters: phrases) of the seed text
  and adds one or two of synth's OCR/width confusions. The seeds hold only ~38k characters, so
  longer stretches would make unrelated base paragraphs share whole sentences far more often
  than real news does (a million paragraphs cut from 38k characters); with phrase-length
  stretches two base paragraphs share phrases, as real text does, but not sentences;
* an *exact* copy re-types an earlier base paragraph: punctuation switched between full and half
  width, single newlines inserted (re-wrapping) and stray spaces — the same normalised key;
* a *near* copy is an exact copy plus character edits at a rate of 0.5–3 % (at least one):
  substitutions (an OCR confusion from synth's table or a random character of the seed text),
  deletions and insertions; near copies are only made from bases of ≥ 60 characters.

Copies always come after their source (the source is what keep-first must keep). Documents are
runs of 5–60 consecutive paragraphs; 20 % of copies take their source from the same document.

Written as JSON Lines, one document per line: ``{"id", "text", "labels"}`` where ``labels[i]`` is
0 for a base paragraph, 1 for an exact copy, 2 for a near copy. Deterministic for a given seed.

    python bench/dedup_corpus.py --paragraphs 1000000 --out /tmp/dedup-1m.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth

BASE, EXACT, NEAR = 0, 1, 2
_WIDTH = [("，", ","), ("。", "."), ("；", ";"), ("：", ":"), ("（", "("), ("）", ")"), ("！", "!"), ("？", "?")]


class CorpusGenerator:
    def __init__(self, seed: int = 0, exact_rate: float = 0.05, near_rate: float = 0.05) -> None:
        self.rng = random.Random(seed)
        self.text = "".join(synth.seed_paragraphs())
        self.exact_rate, self.near_rate = exact_rate, near_rate
        self.alphabet = sorted(set(self.text))

    def base(self) -> str:
        """A new paragraph of at least 30 characters (shorter ones are never near-duplicate candidates)."""
        while len(paragraph := self._splice()) < 30:
            pass
        return paragraph

    def _splice(self) -> str:
        rng, text = self.rng, self.text
        parts = []
        for _ in range(rng.randint(3, 25)):
            length = rng.randint(4, 20)
            start = rng.randrange(len(text) - length)
            parts.append(text[start : start + length])
        paragraph = "".join(parts)
        for wrong_from, wrong_to in rng.sample(synth._NOISE, 2):
            position = paragraph.find(wrong_from, rng.randrange(len(paragraph)))
            if position >= 0:
                paragraph = paragraph[:position] + wrong_to + paragraph[position + len(wrong_from) :]
        return paragraph.strip()

    def retype(self, paragraph: str) -> str:
        """Same key: punctuation width, re-wrapping and spaces change, nothing else."""
        rng = self.rng
        for full, half in rng.sample(_WIDTH, 3):
            paragraph = paragraph.replace(full, half) if rng.random() < 0.5 else paragraph.replace(half, full)
        chars = list(paragraph)
        for _ in range(rng.randint(0, 4)):
            position = rng.randrange(1, len(chars))
            # Only between two visible characters, so the text stays canonical (no blank lines,
            # no trailing spaces) and the copy stays one paragraph.
            if not (chars[position - 1].isspace() or chars[position].isspace()):
                chars.insert(position, "\n" if rng.random() < 0.7 else " ")
        return "".join(chars).strip()

    def perturb(self, paragraph: str) -> str:
        """Character edits at a rate of 0.5–3 %: substitutions, deletions, insertions."""
        rng = self.rng
        chars = list(paragraph)
        edits = max(1, round(len(chars) * rng.uniform(0.005, 0.03)))
        for _ in range(edits):
            position = rng.randrange(len(chars))
            kind = rng.random()
            if kind < 0.6:
                wrong_from, wrong_to = rng.choice(synth._NOISE)
                chars[position] = wrong_to if chars[position] == wrong_from else rng.choice(self.alphabet)
            elif kind < 0.8 and len(chars) > 2:
                del chars[position]
            else:
                chars.insert(position, rng.choice(self.alphabet))
        return self.retype("".join(chars))

    def documents(self, paragraphs: int) -> Iterator[tuple[str, list[str], list[int]]]:
        rng = self.rng
        bases: list[str] = []
        long_bases: list[int] = []
        produced = 0
        number = 0
        while produced < paragraphs:
            size = min(rng.randint(5, 60), paragraphs - produced)
            first_here = len(bases)
            texts, labels = [], []
            for _ in range(size):
                roll = rng.random()
                if bases and roll < self.exact_rate:
                    source = self._source(first_here, len(bases))
                    texts.append(self.retype(bases[source]))
                    labels.append(EXACT)
                elif long_bases and roll < self.exact_rate + self.near_rate:
                    source = self._long_source(long_bases, first_here)
                    texts.append(self.perturb(bases[source]))
                    labels.append(NEAR)
                else:
                    paragraph = self.base()
                    if len(paragraph) >= 60:
                        long_bases.append(len(bases))
                    bases.append(paragraph)
                    texts.append(paragraph)
                    labels.append(BASE)
            produced += size
            yield f"doc{number:07d}.txt", texts, labels
            number += 1

    def _source(self, first_here: int, count: int) -> int:
        if first_here < count and self.rng.random() < 0.2:
            return self.rng.randrange(first_here, count)
        return self.rng.randrange(count)

    def _long_source(self, long_bases: list[int], first_here: int) -> int:
        if long_bases[-1] >= first_here and self.rng.random() < 0.2:
            recent = [i for i in long_bases[-60:] if i >= first_here]
            return self.rng.choice(recent)
        return self.rng.choice(long_bases)


def write_corpus(path: Path, paragraphs: int, seed: int = 0) -> dict[str, int]:
    counts = {"documents": 0, "paragraphs": 0, "exact": 0, "near": 0}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for doc_id, texts, labels in CorpusGenerator(seed).documents(paragraphs):
            out.write(json.dumps({"id": doc_id, "text": "\n\n".join(texts), "labels": labels}, ensure_ascii=False))
            out.write("\n")
            counts["documents"] += 1
            counts["paragraphs"] += len(texts)
            counts["exact"] += labels.count(EXACT)
            counts["near"] += labels.count(NEAR)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("/tmp/dedup-corpus.jsonl"))
    args = parser.parse_args()
    started = time.perf_counter()
    counts = write_corpus(args.out, args.paragraphs, args.seed)
    size = args.out.stat().st_size / 1e6
    print(f"{args.out}: {counts} ({size:.0f} MB) in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
