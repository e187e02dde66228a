"""Dedup on the sample corpus: the repeated paragraphs and blocks go, and nothing else.

The seeds repeat (seed-artefacts §1.5): in 000 a two-line paragraph "数字化转型同样为产业发展注入新
活力。…" twice; in 001 "教育是民生之基…" and "过去，渌口区是块相当的牌子…" four times each, and
"更有“温度”…", "——完善机制…", "——始终把群众…" twice each, once their narrow-column lines are
rejoined: 6 paragraphs with 10 extra copies. "……" (002, 004) is short and recurs legitimately.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from cleaner.dedup import Deduplicator, normalise_key
from cleaner.dedup.keys import paragraph_keys
from cleaner.model import Document, replay

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))
REPEATED = {
    "数字化转型同样为产业发展注入新活力": 2,
    "教育是民生之基": 4,
    "过去": 4,
    "更有“温度”": 2,
    "——完善机制": 2,
    "——始终把群众": 2,
}
# 001 l.38 and l.54 share a long clause; both must survive.
SHARED_CLAUSE = "落户渌口区"
_END = re.compile(r"[。！？；：”…）.!?;:)]$")
_STARTS_PARAGRAPH = re.compile(r"^(#|[A-E] |——|▲)")  # headings, section letters, list items, captions
_TAKES_NO_CONTINUATION = re.compile(r"^(#|[A-E] )")  # a heading is never continued


def naive_join(text: str) -> list[str]:
    """Rejoin narrow-column lines: a line without final punctuation continues on the next one."""
    paragraphs: list[str] = []
    for line in (line.strip() for line in text.split("\n")):
        if not line:
            continue
        previous = paragraphs[-1] if paragraphs else ""
        if (
            previous
            and not _END.search(previous)
            and not _STARTS_PARAGRAPH.match(line)
            and not (_TAKES_NO_CONTINUATION.match(previous))
        ):
            paragraphs[-1] += line
        else:
            paragraphs.append(line)
    return paragraphs


def _content(text: str) -> int:
    return int(paragraph_keys([text]).content[0])


def _dedup(documents: list[Document]) -> tuple[list[Document], list[tuple[str, object]]]:
    dedup = Deduplicator()
    outputs, removed = [], []
    for document in documents:
        out, edits = dedup.process(document)
        assert replay(document.text, edits) == out.text
        outputs.append(out)
        removed.extend((document.id, edit) for edit in edits)
    return outputs, removed


def _check(documents: list[Document]) -> None:
    outputs, removed = _dedup(documents)
    # Only exact copies go on the seeds, and exactly the extra copies of the repeated paragraphs.
    assert {edit.rule for _, edit in removed} == {"exact"}
    removed_by_start = Counter(
        next(start for start in REPEATED if edit.before.strip("\n").startswith(start)) for _, edit in removed
    )
    assert removed_by_start == {start: count - 1 for start, count in REPEATED.items()}
    assert Counter(doc_id[:3] for doc_id, _ in removed) == {"000": 1, "001": 9}
    # Nothing else is lost: the same distinct normalised paragraphs before and after.
    before = Counter(normalise_key(p) for d in documents for p in d.paragraphs)
    after = Counter(normalise_key(p) for d in outputs for p in d.paragraphs)
    assert set(before) == set(after)
    for key, count in after.items():
        assert count == 1 or _content(key) < 10, key  # only short paragraphs ("……") recur
    clause = [p for d in outputs for p in d.paragraphs if SHARED_CLAUSE + ",将有助于" in p.replace("，", ",")]
    assert len(clause) == 2


def test_seeds_with_lines_rejoined_lose_only_their_repeats():
    documents = [Document.from_paragraphs(p.name, naive_join(p.read_text(encoding="utf-8"))) for p in SEEDS]
    _check(documents)


def test_seeds_through_the_pipeline_lose_only_their_repeats():
    from cleaner.pipeline import Pipeline

    pipeline = Pipeline()
    assert "layout" in pipeline.stage_names  # layout rejoins the column lines the repeats are made of
    documents = [pipeline.clean(path.read_text(encoding="utf-8"), id=path.name).document for path in SEEDS]
    _check(documents)


def test_seed_lines_without_rejoining_are_deduplicated_too():
    # Before layout repair the repeats are single lines; the long ones still go, short ones stay.
    documents = [Document.from_paragraphs(p.name, naive_join_off(p.read_text(encoding="utf-8"))) for p in SEEDS]
    _, removed = _dedup(documents)
    assert {edit.rule for _, edit in removed} == {"exact"}
    lines = Counter(normalise_key(p) for d in documents for p in d.paragraphs)
    expected = sum(count - 1 for key, count in lines.items() if count > 1 and _content(key) >= 10)
    assert len(removed) == expected > 10


def naive_join_off(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]
