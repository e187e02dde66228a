"""What the harness works on: gold documents made of typed blocks.

A gold document is clean text as a person would want it out of the cleaner: one block per
paragraph, heading, list item, English paragraph or code line, each a single line of text. The
damage model (``damage.py``) turns it into a page-like input; the metrics compare the cleaner's
output with the text the gold document should come out as.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Block kinds. ``para`` is running Chinese prose; ``short`` a one-line paragraph with no final mark
# that must stay apart (a title, a label); ``heading`` a section heading; ``list`` a list item;
# ``english`` an English paragraph; ``code`` a line of code or a command.
BLOCK_KINDS = ("para", "short", "heading", "list", "english", "code")


@dataclass(frozen=True, slots=True)
class Block:
    kind: str
    text: str  # one line: no line breaks, no leading or trailing whitespace


@dataclass(frozen=True, slots=True)
class GoldDoc:
    id: str  # "<source>/<n>", unique, usable as a relative file name once "/" becomes "_"
    genre: str  # "news", "technical", "literary", "encyclopedic", "reviews", ...
    blocks: tuple[Block, ...]

    @property
    def text(self) -> str:
        """The document as the cleaner should output it: blocks separated by one blank line."""
        return "\n\n".join(block.text for block in self.blocks)


@dataclass(frozen=True, slots=True)
class Damage:
    """One logged difference between a damaged input and its expected output.

    ``text_span`` indexes ``Damaged.text`` and ``expected_span`` indexes ``Damaged.expected``;
    replacing every entry's text span by its expected span (a move, ``interrupt_strong``, instead
    deletes its text span and re-inserts the expected text at ``detail["insert_at"]``) turns the
    damaged text back into the expected text, which is what makes the log checkable.
    """

    kind: str
    text_span: tuple[int, int]
    expected_span: tuple[int, int]
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ExpectedBlock:
    """A block of the expected text: its kind (a gold kind, or ``interrupt``) and span."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Damaged:
    """A damaged document: the input file's text, the text an ideal cleaner outputs, and the log."""

    id: str
    genre: str
    text: str
    expected: str
    log: tuple[Damage, ...]
    blocks: tuple[ExpectedBlock, ...]


def file_name(doc_id: str) -> str:
    """The input file a document is written to; the cleaner processes files sorted by this name."""
    return doc_id.replace("/", "_") + ".txt"


def read_gold_jsonl(path: str | Path) -> list[GoldDoc]:
    """Gold documents from JSON Lines: ``{"id", "genre", "blocks": [[kind, text], ...]}`` per line.

    Refuses an unknown block kind or a block that is not one stripped line, since the damage model
    and the metrics rely on blocks being exactly that.
    """
    docs: list[GoldDoc] = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            record = json.loads(line)
            blocks = []
            for kind, text in record["blocks"]:
                if kind not in BLOCK_KINDS:
                    raise ValueError(f"{path}:{number}: unknown block kind {kind!r}")
                if not text or "\n" in text or text != text.strip():
                    raise ValueError(f"{path}:{number}: a block must be one non-empty stripped line: {text!r}")
                blocks.append(Block(kind, text))
            docs.append(GoldDoc(record["id"], record.get("genre", ""), tuple(blocks)))
    return docs
