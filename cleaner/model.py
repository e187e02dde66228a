"""The document model: a document, the edits a stage makes to it, and how to replay them.

A document is its text. Paragraphs are the blocks of that text separated by one blank line
(after the ``whitespace`` stage has made the text canonical); a paragraph may still hold single
newlines (lines) until the ``layout`` stage repairs them.

Every edit says which stage (and which rule or reason inside it) replaced which span of the
document *as the stage received it* with what. Offsets are in characters (code points) of that
text, so ``replay(original, edits)`` rebuilds the cleaned text stage by stage and an audit can
point at the exact place of every change.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

PARAGRAPH_SEPARATOR = "\n\n"
# In an edit's detail: made after the dedup step, where two paragraphs met once a copy between them
# went (``Corpus._clean_after_removals``); ``cleaner restore`` undoes such edits before it puts the
# copy back.
AFTER_DEDUP = "after_dedup"

# ``Document.meta`` key: ``{paragraph index: rule ids}``, the rules that already ran out of time on
# a paragraph earlier in this document's run. The settle loop sets it so that such a rule is not
# tried there again: a time limit is charged once per paragraph, not once per settle round.
GAVE_UP = "gave_up"

# ``Document.meta`` key: set when the pipeline left the document as it was from some stage on (a
# line or paragraph over ``input.max_paragraph``); deduplication passes such a document through too.
TOO_LONG = "too_long"


@dataclass(frozen=True, slots=True)
class Edit:
    """One change: ``text[start:end]`` (== ``before``) became ``after`` in stage ``stage``.

    ``para`` is the index of the paragraph the change starts in (0-based, in the text the stage
    received); ``detail`` carries what a reviewer needs beyond that (e.g. the kept copy of a
    removed duplicate). ``step`` orders groups of edits: all edits of one step refer to the same
    text. A stage that works in several passes numbers them 0, 1, …; the pipeline renumbers
    steps across the whole run so that ``replay`` can apply them in order.
    """

    stage: str
    rule: str
    start: int
    end: int
    before: str
    after: str
    para: int = 0
    detail: dict[str, Any] | None = None
    step: int = 0

    def __reduce__(self) -> tuple[type[Edit], tuple[Any, ...]]:
        # Pickled by its fields in order: results come back from worker processes and Ray actors
        # by the hundred thousand, and the default state of a frozen, slotted dataclass loads
        # field by field through object.__setattr__ at about twice the cost.
        return (
            Edit,
            (self.stage, self.rule, self.start, self.end, self.before, self.after, self.para, self.detail, self.step),
        )

    @property
    def is_event(self) -> bool:
        """A report that changes nothing (a regex rule timed out, a break left apart on weak
        evidence): listed in the audit record and the summary, never counted as an edit."""
        return bool(self.detail and self.detail.get("event"))

    @property
    def is_timeout(self) -> bool:
        """An event saying the rule ran out of time on this paragraph and was skipped there."""
        return bool(self.detail and self.detail.get("event") == "timeout")

    def to_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "step": self.step,
            "stage": self.stage,
            "rule": self.rule,
            "para": self.para,
            "start": self.start,
            "end": self.end,
            "before": self.before,
            "after": self.after,
        }
        if self.detail:
            record["detail"] = self.detail
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Edit:
        return cls(
            stage=record["stage"],
            rule=record["rule"],
            start=record["start"],
            end=record["end"],
            before=record["before"],
            after=record["after"],
            para=record.get("para", 0),
            detail=record.get("detail"),
            step=record.get("step", 0),
        )


@dataclass(frozen=True)
class Document:
    """A unit of text to clean: a file, or one record of a JSON Lines file.

    ``id`` is the path relative to the corpus root (POSIX separators), with ``:N`` appended for
    the N-th line (1-based) of a JSON Lines file. Rules scoped with ``files:`` globs match it.
    """

    id: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    @cached_property
    def paragraphs(self) -> list[str]:
        return self.text.split(PARAGRAPH_SEPARATOR) if self.text else []

    @cached_property
    def paragraph_starts(self) -> list[int]:
        """Offset in ``text`` where each paragraph starts."""
        starts, offset = [], 0
        for paragraph in self.paragraphs:
            starts.append(offset)
            offset += len(paragraph) + len(PARAGRAPH_SEPARATOR)
        return starts

    @property
    def path(self) -> str:
        """The file this document comes from (``id`` without a JSON Lines line number)."""
        return self.meta.get("path", self.id)

    def paragraph_at(self, offset: int) -> int:
        """Index of the paragraph containing ``offset`` (or the one before a separator)."""
        return max(bisect.bisect_right(self.paragraph_starts, offset) - 1, 0)

    def with_text(self, text: str) -> Document:
        return type(self)(self.id, text, self.meta)  # as ``replace`` would, without its per-call cost

    @classmethod
    def from_paragraphs(cls, id: str, paragraphs: Iterable[str], meta: dict[str, Any] | None = None) -> Document:
        return cls(id=id, text=PARAGRAPH_SEPARATOR.join(paragraphs), meta=dict(meta or {}))


@dataclass(frozen=True, slots=True)
class Change:
    """A replacement proposed by a stage inside one string: ``[start, end)`` becomes ``after``."""

    start: int
    end: int
    after: str
    rule: str
    detail: dict[str, Any] | None = None


# A stage: a pure function from a document to the document it makes and the edits that say how
# (built by the stage module's ``make(options)``; the pipeline composes them).
StageFn = Callable[[Document], tuple[Document, list[Edit]]]


def apply_changes(text: str, changes: Sequence[Change]) -> str:
    """Apply non-overlapping changes (sorted by ``start``) to ``text`` in one pass."""
    if not changes:
        return text
    parts: list[str] = []
    position = 0
    for change in changes:
        if change.start < position:
            raise ValueError(f"overlapping changes at offset {change.start}")
        parts.append(text[position : change.start])
        parts.append(change.after)
        position = change.end
    parts.append(text[position:])
    return "".join(parts)


def rewrite(doc: Document, stage: str, changes: Sequence[Change], step: int = 0) -> tuple[Document, list[Edit]]:
    """Apply document-level ``changes`` (sorted, non-overlapping) as edits of ``stage``."""
    if not changes:
        return doc, []
    text = doc.text
    starts = doc.paragraph_starts
    last = len(starts) - 1
    para = 0
    edits: list[Edit] = []
    for c in changes:
        # Changes are sorted, so the paragraph index only moves forward: one sweep, no search.
        while para < last and starts[para + 1] <= c.start:
            para += 1
        edits.append(Edit(stage, c.rule, c.start, c.end, text[c.start : c.end], c.after, para, c.detail, step))
    return doc.with_text(apply_changes(text, changes)), edits


def rewrite_paragraphs(
    doc: Document, stage: str, fix: Callable[[str], Iterable[Change]], step: int = 0
) -> tuple[Document, list[Edit]]:
    """Run ``fix(paragraph) -> list[Change]`` on every paragraph and apply the changes.

    The helper for stages that never change paragraph boundaries: ``fix`` sees one paragraph
    and returns changes with offsets inside it; this turns them into document-level edits.
    """
    edits: list[Edit] = []
    paragraphs: list[str] = []
    changed = False
    for para, (start, paragraph) in enumerate(zip(doc.paragraph_starts, doc.paragraphs, strict=True)):
        changes = list(fix(paragraph))
        if not changes:
            paragraphs.append(paragraph)
            continue
        changed = True
        for c in changes:
            edits.append(
                Edit(
                    stage,
                    c.rule,
                    c.start + start,
                    c.end + start,
                    paragraph[c.start : c.end],
                    c.after,
                    para,
                    c.detail,
                    step,
                )
            )
        paragraphs.append(apply_changes(paragraph, changes))
    if not changed:
        return doc, []
    return doc.with_text(PARAGRAPH_SEPARATOR.join(paragraphs)), edits


def replay(text: str, edits: Iterable[Edit]) -> str:
    """Rebuild a cleaned text from the text a pipeline received and the edits it recorded.

    Edits are grouped by ``step``; each group's offsets refer to the text that step received, so
    groups are applied one after another.
    """
    group: list[Edit] = []
    current: int | None = None
    for edit in edits:
        if edit.step != current and group:
            text = _apply_edit_group(text, group)
            group = []
        current = edit.step
        group.append(edit)
    if group:
        text = _apply_edit_group(text, group)
    return text


def _apply_edit_group(text: str, edits: list[Edit]) -> str:
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    for edit in ordered:
        if text[edit.start : edit.end] != edit.before:
            raise ValueError(
                f"edit of stage {edit.stage!r} does not match the text at {edit.start}: "
                f"expected {edit.before!r}, found {text[edit.start : edit.end]!r}"
            )
    return apply_changes(text, [Change(e.start, e.end, e.after, e.rule) for e in ordered])
