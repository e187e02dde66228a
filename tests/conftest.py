from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
CLEANED = ROOT / "cleaned"


def canonical_seed(path: Path) -> str:
    """A seed file as the stages after ``whitespace`` receive it (canonical paragraphs)."""
    from cleaner.config import WhitespaceOptions
    from cleaner.model import Document
    from cleaner.stages import whitespace

    doc, _ = whitespace.make(WhitespaceOptions())(Document(id=path.name, text=path.read_text(encoding="utf-8")))
    return doc.text


@pytest.fixture
def seed_texts() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))}
