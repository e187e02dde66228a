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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cleaner.config import Config
from cleaner.model import GAVE_UP, PARAGRAPH_SEPARATOR, TOO_LONG, Document, Edit, StageFn, replay


def _always(options: Any) -> bool:
    return True


@dataclass(frozen=True)
class StageSpec:
    """How to build a stage, and whether the settle loop may run it again on its own output.

    ``idempotent(options)`` says whether the stage built with ``options`` is a fixed point of
    itself: run on its own output, it makes no edits. Only such stages are run again by the settle
    loop. A stage that is not (an OpenCC conversion: ``t2s`` turns 楊聯陞 into 杨联陞, and 杨联陞
    into 杨联升) must run exactly once, or the pipeline would apply it twice to every paragraph a
    later stage edits.
    """

    make: Callable[[Any], StageFn]
    idempotent: Callable[[Any], bool] = _always


def _stage_registry() -> dict[str, StageSpec]:
    """The stage registry: every per-document stage by name."""
    # Imported here so that importing the package stays cheap (the stages import only the model).
    from cleaner.stages import layout, punctuation, rules, spacing, unicode, variants, whitespace

    return {
        "whitespace": StageSpec(whitespace.make),
        "unicode": StageSpec(unicode.make),
        "variants": StageSpec(variants.make, idempotent=variants.is_idempotent),
        "punctuation": StageSpec(punctuation.make),
        "spacing": StageSpec(spacing.make),
        "layout": StageSpec(layout.make),
        "rules": StageSpec(rules.make),
    }


# The order stages run in. Unicode comes first, so invisible characters cannot hide a line's last
# mark from layout. Layout repairs paragraphs next (it reads sentence ends in half- and full-width
# form alike), so every later stage sees whole sentences: joining lines makes new contexts for
# punctuation (、0 + 0,) and spacing (可提供 + 1890个学位), and headings and bylines stand on lines
# of their own by then. Correction rules run on repaired paragraphs, so a word split by a line break
# is matched whole. Whitespace runs again last as a tidy-up, so every output is in canonical form.
STAGE_ORDER: tuple[str, ...] = (
    "whitespace",
    "unicode",
    "layout",
    "variants",
    "punctuation",
    "spacing",
    "rules",
)


# Stages that may change where paragraphs begin and end. Every other stage edits inside paragraphs.
RESHAPING_STAGES = frozenset({"layout"})

# A stage's edit can change what a later stage sees in the same paragraph (a space removed next to a
# bracket gives the bracket a Chinese neighbour), so edited paragraphs are run through the
# idempotent in-paragraph stages again until nothing changes; this bounds the rounds for
# pathological input.
MAX_SETTLE_ROUNDS = 6
# How often layout may look again at the text as it will be written (see ``Pipeline._relayout``).
MAX_RELAYOUT_ROUNDS = 2


@dataclass(frozen=True)
class Stage:
    """A built stage. ``reshapes``: it may move paragraph boundaries; ``reruns``: the settle loop may
    run it again (it is idempotent and edits inside paragraphs)."""

    name: str
    run: StageFn
    reshapes: bool = False
    idempotent: bool = True

    @property
    def reruns(self) -> bool:
        return self.idempotent and not self.reshapes


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
        registry = _stage_registry()
        self.stages: list[Stage] = []
        for name in STAGE_ORDER:
            options = getattr(self.config, name)
            if name in registry and options.enabled:
                spec = registry[name]
                # The first whitespace pass makes the paragraphs; the final one only tidies them.
                reshapes = name in RESHAPING_STAGES or name == "whitespace"
                self.stages.append(Stage(name, spec.make(options), reshapes, spec.idempotent(options)))
        if self.stages and self.stages[0].name == "whitespace":
            self.stages.append(dataclasses.replace(self.stages[0], reshapes=False))
        # A non-idempotent stage still marks the paragraphs it edits, so the others settle on them.
        self._settling = [stage for stage in self.stages if stage.reruns]

    @property
    def idempotent(self) -> bool:
        """Whether cleaning this pipeline's output again is promised to change nothing.

        False when a stage is not a fixed point of itself (an OpenCC conversion): it runs once per
        run, so a second run applies it again, as OpenCC would. The other in-paragraph stages still
        settle on the output, so running it through them again changes nothing.
        """
        return all(stage.idempotent for stage in self.stages)

    @property
    def stage_names(self) -> list[str]:
        return [stage.name for stage in self.stages]

    def stage(self, name: str) -> Stage | None:
        """The built stage ``name``, or None if this pipeline does not run it."""
        return next((stage for stage in self.stages if stage.name == name), None)

    def clean_document(self, doc: Document) -> Result:
        edits: list[Edit] = []
        step = 0
        touched: set[int] = set()  # paragraphs edited since the last reshaping stage
        gave_up: dict[int, set[str]] = {}  # paragraph -> rules that ran out of time on it
        layout_done = not any(stage.name == "layout" for stage in self.stages)
        for position, stage in enumerate(self.stages):
            over = _too_long(doc, self.config.input.max_paragraph, by_paragraph=layout_done)
            if over is not None:
                # The stages cost more than linear time in one paragraph's length: past the limit
                # the rest of them leave the document as it is, and the audit record says so.
                skipped = [later.name for later in self.stages[position:]]
                edits.append(
                    _too_long_event(doc.text, stage.name, over, self.config.input.max_paragraph, skipped, step)
                )
                return Result(Document(doc.id, doc.text, {**doc.meta, TOO_LONG: True}), edits)
            layout_done = layout_done or stage.name == "layout"
            count = len(doc.paragraphs)
            before = doc.paragraphs
            doc, stage_edits = stage.run(doc)
            step = renumber_steps(stage_edits, step, edits)
            if stage.reshapes or len(doc.paragraphs) != count:
                touched = set(range(len(doc.paragraphs))) if not stage.reshapes else set()
                gave_up.clear()
            else:
                touched.update(_edited(stage_edits))
                _note_gave_up(gave_up, stage_edits)
            if stage.name == "layout":
                doc, step = self._repair_after_layout(doc, before, stage_edits, edits, step, gave_up, touched)
        doc, step = self._settle_all(doc, touched, edits, step, gave_up)
        doc, step = self._relayout(doc, edits, step, gave_up)
        return Result(doc, edits)

    def relayout(self, doc: Document) -> Result:
        """The edits the next run would make to ``doc``, text this pipeline cleaned that has since
        lost paragraphs (dedup removed copies from it): layout reads it once more, and the other
        stages settle the paragraphs it changes (see ``_relayout``)."""
        edits: list[Edit] = []
        doc, _ = self._relayout(doc, edits, 0, {})
        return Result(doc, edits)

    def _relayout(
        self, doc: Document, edits: list[Edit], step: int, gave_up: dict[int, set[str]]
    ) -> tuple[Document, int]:
        """Layout looks once more at the text as it will be written, as a second run would see it,
        and what it changes is settled by the other stages: so cleaning the output again changes
        nothing. What it sees differs from what it first saw: each paragraph is now one line with
        a blank line after it, the indentation and the column it was set in are gone, and a later
        stage may have changed a character next to a break (a straight quote made curly). A
        paragraph that ends mid-sentence over one that goes on (``…戏文已经开`` / ``我们退到后面…``),
        kept apart on evidence the output no longer shows, is joined here rather than by the next
        run."""
        layout = self.stage("layout")
        for _ in range(MAX_RELAYOUT_ROUNDS if layout is not None else 0):
            before = doc.paragraphs
            doc, again = layout.run(doc)
            changed = [edit for edit in again if not edit.is_event]  # its events were reported once
            if not changed:
                break
            if len(doc.paragraphs) != len(before):
                gave_up.clear()  # paragraphs moved: the indexes no longer name the same text
            step = renumber_steps(changed, step, edits)
            unchanged = set(before)
            fresh = {i for i, paragraph in enumerate(doc.paragraphs) if paragraph not in unchanged}
            doc, step = self._settle_all(doc, fresh, edits, step, gave_up)
        return doc, step

    def _repair_after_layout(
        self,
        doc: Document,
        before: list[str],
        layout_edits: list[Edit],
        edits: list[Edit],
        step: int,
        gave_up: dict[int, set[str]],
        touched: set[int],
    ) -> tuple[Document, int]:
        """Run the unicode stage again on the paragraphs layout made or changed: a join, a bold
        mark or a speck removed can bring together the two halves of a mojibake sequence (``Ã`` at
        a line's end, ``©`` at the next one's start), which the unicode stage, run before layout,
        could not see. Paragraphs it edits join ``touched``."""
        unicode_stage = next((stage for stage in self._settling if stage.name == "unicode"), None)
        if unicode_stage is None or all(edit.is_event for edit in layout_edits):
            return doc, step
        unchanged = set(before)
        fresh = [i for i, paragraph in enumerate(doc.paragraphs) if paragraph not in unchanged]
        if not fresh:
            return doc, step
        doc, edited, step = self._settle(doc, fresh, edits, step, gave_up, [unicode_stage])
        touched.update(edited)
        return doc, step

    def _settle_all(
        self, doc: Document, touched: set[int], edits: list[Edit], step: int, gave_up: dict[int, set[str]]
    ) -> tuple[Document, int]:
        """Settle rounds until the paragraphs in ``touched`` stop changing (bounded)."""
        for _ in range(MAX_SETTLE_ROUNDS):
            if not touched:
                break
            doc, touched, step = self._settle(doc, sorted(touched), edits, step, gave_up)
        return doc, step

    def _settle(
        self,
        doc: Document,
        chosen: list[int],
        edits: list[Edit],
        step: int,
        gave_up: dict[int, set[str]],
        stages: Sequence[Stage] | None = None,
    ) -> tuple[Document, set[int], int]:
        """Run the idempotent in-paragraph stages again on the paragraphs ``chosen`` (indexes into ``doc``).

        A stage that is not idempotent is never run here: it has already run once on every
        paragraph, and running it on its own output would apply it twice. A rule that ran out of
        time on a paragraph (``gave_up``, updated here) is not tried on it again: its time limit
        is charged once per paragraph, not once per round.

        Only those paragraphs are cut out into a smaller document, so a round costs in proportion to
        what changed; the edits are mapped back to offsets in the whole document, step by step, so
        the audit record still replays. Returns the document, the paragraphs edited, the next step.
        """
        paragraphs = list(doc.paragraphs)
        touched: set[int] = set()
        for stage in self._settling if stages is None else stages:
            skip = {k: frozenset(gave_up[i]) for k, i in enumerate(chosen) if i in gave_up}
            meta = {**doc.meta, GAVE_UP: skip} if skip else doc.meta
            part = Document(doc.id, PARAGRAPH_SEPARATOR.join(paragraphs[i] for i in chosen), meta)
            new_part, part_edits = stage.run(part)
            if not part_edits:
                continue
            if len(new_part.paragraphs) != len(chosen):
                # The stage merged or split paragraphs of the part: run it on the whole document.
                whole = doc.with_text(PARAGRAPH_SEPARATOR.join(paragraphs))
                whole, whole_edits = stage.run(whole)
                step = renumber_steps(whole_edits, step, edits)
                gave_up.clear()
                return whole, set(range(len(whole.paragraphs))) if whole_edits else set(), step
            for group in _by_step(part_edits):
                whole_starts = _starts(paragraphs)  # from lengths: the whole text is not joined per group
                mapped = _mapped(group, part.paragraph_starts, whole_starts, chosen, step)
                edits.extend(mapped)
                step += 1
                part = part.with_text(replay(part.text, group))
                for k, text in enumerate(part.paragraphs):
                    paragraphs[chosen[k]] = text
                touched.update(_edited(mapped))
                _note_gave_up(gave_up, mapped)
        return doc.with_text(PARAGRAPH_SEPARATOR.join(paragraphs)), touched, step

    def clean(self, text: str, id: str = "<text>") -> Result:
        """Clean one text; ``id`` is the path rules with ``files:`` globs are matched against."""
        return self.clean_document(Document(id=id, text=text))


def _too_long(doc: Document, limit: int, by_paragraph: bool) -> tuple[int, int, int, str] | None:
    """``(paragraph, offset, length, "line" or "paragraph")`` of the first line (or paragraph, once layout has made the
    paragraphs) of ``doc`` longer than ``limit`` characters; None if there is none. Before layout a
    paragraph is only lines separated by blank lines (a text file with none is one paragraph), so
    only a line's length counts then."""
    if len(doc.text) <= limit:
        return None
    text, separator = doc.text, PARAGRAPH_SEPARATOR if by_paragraph else "\n"
    start = 0
    while start <= len(text):
        end = text.find(separator, start)
        end = len(text) if end < 0 else end
        if end - start > limit:
            return (
                text.count(PARAGRAPH_SEPARATOR, 0, start),
                start,
                end - start,
                "paragraph" if by_paragraph else "line",
            )
        start = end + len(separator)
    return None


def _too_long_event(
    text: str, stage: str, over: tuple[int, int, int, str], limit: int, skipped: list[str], step: int
) -> Edit:
    para, start, length, by = over
    line = text.count("\n", 0, start) + 1
    detail = {"event": "too_long", "by": by, "line": line, "length": length, "limit": limit, "skipped": skipped}
    return Edit(stage, "paragraph_too_long", start, start, "", "", para, detail, step)


def _edited(edits: list[Edit]) -> set[int]:
    """The paragraphs ``edits`` changed. An event changes nothing, so it gives later stages nothing
    new to see: rerunning them on its paragraph (a regex timeout, say) would only cost time."""
    return {edit.para for edit in edits if not edit.is_event}


def _note_gave_up(gave_up: dict[int, set[str]], edits: list[Edit]) -> None:
    """Remember which rule ran out of time on which paragraph (see :data:`cleaner.model.GAVE_UP`)."""
    for edit in edits:
        if edit.is_timeout:
            gave_up.setdefault(edit.para, set()).add(edit.rule)


def _by_step(edits: list[Edit]) -> list[list[Edit]]:
    groups: list[list[Edit]] = []
    for edit in edits:
        if not groups or groups[-1][0].step != edit.step:
            groups.append([])
        groups[-1].append(edit)
    return groups


def _starts(paragraphs: list[str]) -> list[int]:
    """Where each paragraph starts in the text the paragraphs make, joined by the separator."""
    gap = len(PARAGRAPH_SEPARATOR)
    starts = [0] * len(paragraphs)
    offset = 0
    for i, paragraph in enumerate(paragraphs):
        starts[i] = offset
        offset += len(paragraph) + gap
    return starts


def _mapped(
    group: list[Edit], part_starts: list[int], whole_starts: list[int], chosen: list[int], step: int
) -> list[Edit]:
    """One step's edits of a part (the ``chosen`` paragraphs cut out) as edits of the whole text, at ``step``.

    Built directly rather than with ``dataclasses.replace``, which costs several times as much per edit.
    """
    mapped = []
    for e in group:
        index = chosen[e.para]
        shift = whole_starts[index] - part_starts[e.para]
        mapped.append(Edit(e.stage, e.rule, e.start + shift, e.end + shift, e.before, e.after, index, e.detail, step))
    return mapped


def with_step(edit: Edit, step: int) -> Edit:
    return Edit(edit.stage, edit.rule, edit.start, edit.end, edit.before, edit.after, edit.para, edit.detail, step)


def renumber_steps(stage_edits: list[Edit], step: int, out: list[Edit]) -> int:
    """Append ``stage_edits`` to ``out`` with steps numbered from ``step``; return the next step.

    Edits are immutable, so one whose step is already right is appended as it is, not copied.
    """
    if not stage_edits:
        return step
    mapping: dict[int, int] = {}
    for edit in stage_edits:
        new = mapping.get(edit.step)
        if new is None:
            new = mapping[edit.step] = step + len(mapping)
        out.append(edit if edit.step == new else with_step(edit, new))
    return step + len(mapping)
