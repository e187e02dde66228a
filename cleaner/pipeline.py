"""The pipeline: per-document stages composed in a fixed order.

A stage is a pure function ``Document -> (Document, edits)``. Each stage module offers
``make(options: <Stage>Options) -> StageFn``, which prepares what the stage needs once (compiled
rules, conversion tables) and returns the function. Stages never open files and know nothing about
where they run, so the same pipeline runs in one process, in a pool of workers or on a cluster.

Corpus-wide steps (deduplication) are not stages: they need to see documents in order and keep
state, so they live in :mod:`cleaner.dedup` and are driven by :mod:`cleaner.corpus`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cleaner.config import Config
from cleaner.model import Document, Edit

StageFn = Callable[[Document], tuple[Document, list[Edit]]]


def _stage_factories() -> dict[str, Callable[[Any], StageFn]]:
    # Imported here so that importing the package stays cheap and free of cycles.
    from cleaner.stages import layout, punctuation, rules, spacing, unicode, variants, whitespace

    return {
        "whitespace": whitespace.make,
        "unicode": unicode.make,
        "variants": variants.make,
        "punctuation": punctuation.make,
        "spacing": spacing.make,
        "layout": layout.make,
        "rules": rules.make,
    }


# The order stages run in. Character normalisation comes before layout (layout reads sentence-final
# punctuation, which must be full-width by then). Spacing comes after layout: joining lines makes
# new Chinese–Latin contacts (可提供 + 1890个学位), and headings and bylines stand on their own lines
# by then. Correction rules run on repaired paragraphs, so a word split by a line break is matched
# whole. Whitespace runs again last as a tidy-up, so every output is in canonical form.
STAGE_ORDER: tuple[str, ...] = (
    "whitespace",
    "unicode",
    "variants",
    "punctuation",
    "layout",
    "spacing",
    "rules",
)


@dataclass(frozen=True)
class Stage:
    name: str
    run: StageFn


@dataclass
class Result:
    """A cleaned document and every edit that made it, in order."""

    document: Document
    edits: list[Edit] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.document.text


class Pipeline:
    """The per-document stages that ``config`` switches on, ready to run.

    >>> Pipeline().clean("  第一段 \\r\\n\\r\\n\\r\\n第二段").text
    '第一段\\n\\n第二段'
    """

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or Config()
        factories = _stage_factories()
        self.stages: list[Stage] = []
        for name in STAGE_ORDER:
            options = getattr(self.config, name)
            if name in factories and options.enabled:
                self.stages.append(Stage(name, factories[name](options)))
        if self.stages and self.stages[0].name == "whitespace":
            self.stages.append(Stage("whitespace", self.stages[0].run))

    @property
    def stage_names(self) -> list[str]:
        return [stage.name for stage in self.stages]

    def clean_document(self, doc: Document) -> Result:
        edits: list[Edit] = []
        step = 0
        for stage in self.stages:
            doc, stage_edits = stage.run(doc)
            step = renumber_steps(stage_edits, step, edits)
        return Result(doc, edits)

    def clean(self, text: str, id: str = "<text>") -> Result:
        """Clean one text; ``id`` is the path rules with ``files:`` globs are matched against."""
        return self.clean_document(Document(id=id, text=text))


def renumber_steps(stage_edits: list[Edit], step: int, out: list[Edit]) -> int:
    """Append ``stage_edits`` to ``out`` with steps numbered from ``step``; return the next step."""
    if not stage_edits:
        return step
    mapping: dict[int, int] = {}
    for edit in stage_edits:
        if edit.step not in mapping:
            mapping[edit.step] = step + len(mapping)
        out.append(dataclasses.replace(edit, step=mapping[edit.step]))
    return step + len(mapping)
