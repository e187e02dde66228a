"""What the harness works on: gold documents made of typed blocks.

A gold document is clean text as a person would want it out of the cleaner: one block per
paragraph, heading, list item, English paragraph or code line, each a single line of text. The
damage model (``damage.py``) turns it into a page-like input; the metrics compare the cleaner's
output with the text the gold document should come out as.
"""

from __future__ import annotations

from dataclasses import dataclass

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
