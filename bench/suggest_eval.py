"""Precision and recall of ``cleaner suggest`` on a generated corpus with known OCR confusions.

Clean text (the accuracy harness's gold documents) gets confusions injected: for each of
``terms`` two-character words that occur at least ``MIN_OCCURRENCES`` times, one character is
replaced by its most similar glyph in ``cleaner/data/lookalikes.txt`` (when that makes no real
word) at a random 30–60% of the word's occurrences. Distractors are real words that differ from a
frequent word by one look-alike character, written twice each into random paragraphs: a proposal
to change them is wrong. A proposal is right when its find occurs only inside injected errors and
it swaps the characters of an injected confusion, its find never occurs in the clean text and its
replacement does (it may be a longer or shifted piece than the confused word: 选申的 → 选中的).

Usage::

    python -m bench.suggest_eval [--gold bench/accuracy/.cache/gold.jsonl] [--terms 12] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from cleaner.suggest import suggest
from cleaner.suggest.lookalike import lookalikes
from cleaner.suggest.words import in_word

MIN_OCCURRENCES = 8
HAN_PAIR = re.compile(r"(?=([\u4e00-\u9fff]{2}))")


@dataclass
class Generated:
    texts: list[str]
    clean: list[str]
    confusions: dict[str, str]  # error → word
    distractors: list[str]


def paragraphs(gold: Path) -> list[str]:
    out: list[str] = []
    for line in gold.read_text(encoding="utf-8").splitlines():
        if line.strip():
            out.extend(text for _, text in json.loads(line)["blocks"] if text.strip())
    return out


def generate(texts: list[str], terms: int, seed: int = 0) -> Generated:
    rng = random.Random(seed)
    table = lookalikes()
    counts = Counter(m for text in texts for m in HAN_PAIR.findall(text))
    words = [w for w, n in counts.most_common() if n >= MIN_OCCURRENCES and in_word(w[0], w[1])]
    confusions: dict[str, str] = {}
    distractors: list[str] = []
    for word in words:
        position = rng.randrange(2)
        neighbours = sorted(table.neighbours(word[position]).items(), key=lambda item: -item[1])
        for char, _ in neighbours:
            wrong = word[:position] + char + word[position + 1 :]
            if counts[wrong] or in_word(wrong[0], wrong[1]):
                if in_word(wrong[0], wrong[1]) and not counts[wrong] and len(distractors) < terms:
                    distractors.append(wrong)
                continue
            if len(confusions) < terms and all(word not in w and wrong not in w for w in confusions.items()):
                confusions[wrong] = word
            break
    clean, texts = texts, list(texts)
    for wrong, word in confusions.items():
        places = [(i, m.start()) for i, t in enumerate(texts) for m in re.finditer(word, t)]
        share = rng.uniform(0.3, 0.6)
        for i, start in rng.sample(places, max(1, round(share * len(places)))):
            t = texts[i]
            texts[i] = t[:start] + wrong + t[start + 2 :]
    for word in distractors:
        for _ in range(2):
            i = rng.randrange(len(texts))
            cut = rng.randrange(len(texts[i]) + 1)
            texts[i] = texts[i][:cut] + word + texts[i][cut:]
    return Generated(texts, clean, confusions, distractors)


def evaluate(generated: Generated, k: int) -> tuple[float, float, list[tuple[str, str, bool]]]:
    """(precision, recall) of the top ``k`` proposals, and each proposal with its verdict."""
    with tempfile.TemporaryDirectory() as folder:
        for n in range(0, len(generated.texts), 50):
            Path(folder, f"{n // 50:04d}.txt").write_text("\n\n".join(generated.texts[n : n + 50]), encoding="utf-8")
        report = suggest(folder, top=k)
    clean = "\n".join(generated.clean)
    swaps = {
        (wrong[i], word[i]) for wrong, word in generated.confusions.items() for i in range(2) if wrong[i] != word[i]
    }
    judged = []
    found: set[tuple[str, str]] = set()
    for proposal in report.proposals:
        swap = (proposal.candidate.rare_char, proposal.candidate.frequent_char)
        right = swap in swaps and proposal.find not in clean and proposal.replace in clean
        if right:
            found.add(swap)
        judged.append((proposal.find, proposal.replace, right))
    precision = sum(r for *_, r in judged) / len(judged) if judged else 0.0
    recall = len(found) / len(swaps) if swaps else 0.0
    return precision, recall, judged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=Path("bench/accuracy/.cache/gold.jsonl"))
    parser.add_argument("--terms", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    generated = generate(paragraphs(args.gold), args.terms, args.seed)
    k = len(generated.confusions)
    precision, recall, judged = evaluate(generated, k)
    print(f"{len(generated.confusions)} confusions, {len(generated.distractors)} distractors: {generated.confusions}")
    for find, replace, right in judged:
        print(f"  {'right' if right else 'WRONG'} {find} -> {replace}")
    print(f"top-{k}: precision {precision:.2f}, recall {recall:.2f}")


if __name__ == "__main__":
    main()
