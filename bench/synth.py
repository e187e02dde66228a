"""Synthetic Chinese news text for benchmarks, generated from the sample corpus with noise.

Deterministic for a given seed, so figures from different runs compare like with like.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

# Noise a scanned page shows: OCR confusions, half-width punctuation, stray spaces, variants.
_NOISE = [("渌", "涪"), ("渌", "淥"), ("，", ","), ("（", "("), ("）", ")"), ("间", "同"), ("。", "。 ")]


def seed_paragraphs() -> list[str]:
    """Every non-blank line of the sample corpus, in file order."""
    lines: list[str] = []
    for path in sorted(SEEDS.glob("*.txt")):
        lines.extend(line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return lines


def noisy_paragraphs(count: int, seed: int = 0) -> Iterator[str]:
    """``count`` paragraphs: seed lines shuffled, spliced and lightly corrupted."""
    rng = random.Random(seed)
    base = [p for p in seed_paragraphs() if len(p) >= 20]
    for _ in range(count):
        a, b = rng.choice(base), rng.choice(base)
        cut_a, cut_b = rng.randrange(len(a) // 2, len(a)), rng.randrange(0, len(b) // 2)
        text = a[:cut_a] + b[cut_b:]
        for wrong_from, wrong_to in rng.sample(_NOISE, 2):
            position = text.find(wrong_from, rng.randrange(len(text)))
            if position >= 0:
                text = text[:position] + wrong_to + text[position + len(wrong_from) :]
        yield text


def synthetic_text(megabytes: float, seed: int = 0) -> str:
    """About ``megabytes`` MB (UTF-8) of paragraphs separated by blank lines."""
    target = int(megabytes * 1_000_000)
    parts: list[str] = []
    size = 0
    for paragraph in noisy_paragraphs(10**9, seed):
        parts.append(paragraph)
        size += len(paragraph.encode("utf-8")) + 2
        if size >= target:
            break
    return "\n\n".join(parts)
