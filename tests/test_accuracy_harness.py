"""The accuracy harness itself: the damage log is exact, damage is deterministic, and the metrics
give perfect figures for a perfect output and bad ones for a bad output."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from bench.accuracy.damage import DamageProfile, damage_corpus, t2s, tgh_table
from bench.accuracy.metrics import Report, score_corpus
from bench.accuracy.model import Damaged, GoldDoc, read_gold_jsonl

GOLD_SAMPLE = Path(__file__).parent / "data" / "accuracy" / "gold_sample.jsonl"
HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"}
SEED = 1
# Damage denser than the default, so that a small sample has every kind of damage.
PROFILE = DamageProfile(
    furniture=True, duplicate=0.15, crossfile=0.05, interrupt_strong=0.15, interrupt_weak=0.1, fullwidth=0.2
)


@pytest.fixture(scope="module")
def gold() -> list[GoldDoc]:
    if not GOLD_SAMPLE.exists():
        pytest.skip(f"{GOLD_SAMPLE} is missing: the gold sample comes with the gold loader")
    return read_gold_jsonl(GOLD_SAMPLE)


@pytest.fixture(scope="module")
def damaged(gold: list[GoldDoc]) -> list[Damaged]:
    return damage_corpus(gold, SEED, PROFILE)


def squeeze(text: str) -> str:
    """Text without any whitespace."""
    return re.sub(r"\s+", "", text)


def entry_problem(doc: Damaged, entry, by_id: dict[str, Damaged]) -> str | None:
    """What is wrong with one log entry, or None: its spans must hold what its kind says."""
    shown = doc.text[entry.text_span[0] : entry.text_span[1]]
    gold = doc.expected[entry.expected_span[0] : entry.expected_span[1]]
    kind, detail = entry.kind, entry.detail
    if kind == "separator":
        ok = shown.strip() == "" and shown != gold and gold in ("", "\n\n")
    elif kind == "wrap":
        ok = "\n" in shown and shown.strip() == "" and gold == ""
    elif kind == "wrap_at_space":
        ok = "\n" in shown and shown.strip() == "" and gold == " "
    elif kind == "halfwidth":
        ok = len(shown) == 1 and HALF_TO_FULL.get(shown) == gold
    elif kind == "fullwidth":
        ok = len(shown) == 1 and shown != gold and gold.isascii() and unicodedata.normalize("NFKC", shown) == gold
    elif kind == "traditional":
        ok = len(shown) == 1 and shown not in tgh_table() and gold in tgh_table() and t2s(shown) == gold
    elif kind == "zero_width":
        ok = shown == "\u200b" and gold == ""
    elif kind == "interrupt_strong":
        lines = [line.strip() for line in shown.split("\n") if line.strip()]
        ok = (
            lines == detail["lines"]
            and gold == "\n\n".join(lines)
            and doc.expected[entry.expected_span[0] - 2 :].startswith("\n\n")
        )
    elif kind == "interrupt_weak":
        (a, b), (c, d) = detail["pieces"]
        ok = shown == gold and "\n" not in gold and doc.expected[b : entry.expected_span[0]] == "\n\n"
        ok = ok and doc.expected[entry.expected_span[1] : c] == "\n\n" and a < b and c < d
    elif kind.startswith("dup_"):
        source = by_id[detail["source"]]
        original = source.expected[detail["source_span"][0] : detail["source_span"][1]]
        changed = list(original)
        for offset, old, new in detail.get("changes", []):
            ok = changed[offset] == old
            changed[offset] = new
        ok = gold == "" and squeeze(shown) == squeeze("".join(changed)) and "\n\n" not in original
        ok = ok and (kind in ("dup_near", "dup_short_near")) == bool(detail.get("changes"))
        ok = ok and (kind == "dup_crossfile") == (detail["source"] != doc.id)
    elif kind in ("furniture", "debris"):
        ok = gold == "" and "\n" not in shown and shown.strip() == shown and shown != ""
    elif kind == "trap":
        start, end = entry.expected_span
        ok = shown == gold and "\n" not in gold and doc.expected[start - 2 : start] == "\n\n"
        ok = ok and doc.expected[end : end + 2] == "\n\n"
    else:
        return f"unknown kind {kind}"
    return None if ok else f"{kind}: {shown!r} -> {gold!r} {detail}"


def undo(doc: Damaged) -> str:
    """The damaged text with every logged damage undone: must give back the expected text."""
    edits: list[tuple[int, int, int, str]] = []
    for n, entry in enumerate(doc.log):
        start, end = entry.text_span
        gold = doc.expected[entry.expected_span[0] : entry.expected_span[1]]
        if entry.kind == "interrupt_strong":
            edits.append((start, end, n, ""))
            edits.append((entry.detail["insert_at"], entry.detail["insert_at"], n, "\n\n" + gold))
        else:
            edits.append((start, end, n, gold))
    edits.sort()
    parts, position = [], 0
    for start, end, _, replacement in edits:
        assert start >= position, "log entries overlap"
        parts.append(doc.text[position:start])
        parts.append(replacement)
        position = end
    parts.append(doc.text[position:])
    return "".join(parts)


def gold_rendering(doc: Damaged) -> list[str]:
    """The expected blocks with interruptions and trap lines taken out and split paragraphs joined back."""
    traps = {entry.expected_span for entry in doc.log if entry.kind == "trap"}
    texts = {
        (b.start, b.end): doc.expected[b.start : b.end]
        for b in doc.blocks
        if b.kind != "interrupt" and (b.start, b.end) not in traps
    }
    for entry in doc.log:
        if entry.kind == "interrupt_weak":
            first, second = (tuple(piece) for piece in entry.detail["pieces"])
            texts[first] = texts[first] + texts.pop(second)
    return [texts[span] for span in sorted(texts)]


def test_damage_log_is_exact(gold: list[GoldDoc], damaged: list[Damaged]) -> None:
    by_id = {d.id: d for d in damaged}
    kinds = {entry.kind for doc in damaged for entry in doc.log}
    assert {"wrap", "separator", "halfwidth", "fullwidth", "traditional", "zero_width"} <= kinds
    assert {"interrupt_strong", "interrupt_weak", "furniture"} <= kinds
    assert any(kind.startswith("dup_") for kind in kinds)
    gold_by_id = {g.id: g for g in gold}
    for doc in damaged:
        problems = [p for entry in doc.log if (p := entry_problem(doc, entry, by_id))]
        assert not problems, (doc.id, problems[:5])
        assert undo(doc) == doc.expected, doc.id
        assert [doc.expected[b.start : b.end] for b in doc.blocks] == doc.expected.split("\n\n")
        assert gold_rendering(doc) == [block.text for block in gold_by_id[doc.id].blocks]
        for entry in doc.log:
            if entry.kind == "interrupt_strong":  # the group lands right after the paragraph it interrupted
                paragraph = next(b for b in doc.blocks if b.start < entry.detail["join_at"] <= b.end)
                assert entry.expected_span[0] == paragraph.end + 2


@pytest.fixture(scope="module")
def with_debris(gold: list[GoldDoc]) -> list[Damaged]:
    return damage_corpus(gold, SEED, dataclasses.replace(PROFILE, debris=True))


def test_debris_and_trap_lines_are_logged_exactly_and_change_nothing_else(
    gold: list[GoldDoc], damaged: list[Damaged], with_debris: list[Damaged]
) -> None:
    by_id = {d.id: d for d in with_debris}
    gold_by_id = {g.id: g for g in gold}
    kinds = Counter(entry.kind for doc in with_debris for entry in doc.log)
    assert kinds["debris"] >= 5 and kinds["trap"] >= 5
    for doc in with_debris:
        problems = [p for entry in doc.log if (p := entry_problem(doc, entry, by_id))]
        assert not problems, (doc.id, problems[:5])
        assert undo(doc) == doc.expected, doc.id
        assert [doc.expected[b.start : b.end] for b in doc.blocks] == doc.expected.split("\n\n")
        assert gold_rendering(doc) == [block.text for block in gold_by_id[doc.id].blocks]

    # Debris and traps have a generator of their own and are not counted as lines: the rest of the
    # damage is what it was without them.
    def shown(doc: Damaged, skip: tuple[str, ...]) -> list[tuple[str, str]]:
        return [(e.kind, doc.text[e.text_span[0] : e.text_span[1]]) for e in doc.log if e.kind not in skip]

    for plain, noisy in zip(damaged, with_debris, strict=True):
        assert shown(noisy, ("debris", "trap", "separator")) == shown(plain, ("separator",))


def test_debris_and_trap_lines_are_scored(with_debris: list[Damaged]) -> None:
    """A perfect output removes every debris line and keeps every trap; a trap removed as debris
    counts against the precision and as a trap line removed."""
    perfect = score_corpus(with_debris, {d.id: d.expected for d in with_debris}, drops={})
    assert perfect.hits["debris"].hit == perfect.hits["debris"].total > 0
    assert perfect.traps["all"].hit == 0 and perfect.traps["all"].total > 0
    assert "trap lines removed as furniture or debris" in perfect.format_table()
    doc = next(
        d for d in with_debris if any(e.kind == "trap" for e in d.log) and any(e.kind == "debris" for e in d.log)
    )
    trap = next(e for e in doc.log if e.kind == "trap")
    debris = next(e for e in doc.log if e.kind == "debris")
    trap_text = doc.text[trap.text_span[0] : trap.text_span[1]]
    output = doc.expected[: trap.expected_span[0]] + doc.expected[trap.expected_span[1] + 2 :]
    drops = {
        doc.id: [
            ("drop_debris", doc.text[debris.text_span[0] : debris.text_span[1]] + "\n"),
            ("drop_debris", trap_text),
        ]
    }
    report = score_corpus(with_debris, with_doc(with_debris, doc, output), drops=drops)
    assert report.traps["all"].hit == 1
    assert (report.trap_drops.hit, report.trap_drops.total) == (1, perfect.traps["all"].total)
    assert (report.drops["debris"].hit, report.drops["debris"].total) == (1, 2)
    assert report.examples["text removed as furniture or debris"] == [f"{doc.id}: drop_debris “{squeeze(trap_text)}”"]


def test_damage_is_deterministic(gold: list[GoldDoc], damaged: list[Damaged]) -> None:
    again = damage_corpus(gold, SEED, PROFILE)
    assert again == damaged
    other = damage_corpus(gold, SEED + 1, PROFILE)
    assert [d.text for d in other] != [d.text for d in damaged]
    assert [d.id for d in other] == [d.id for d in damaged]
    # A document's own damage does not depend on the rest of the corpus (only cross-file copies do).
    alone = damage_corpus(gold[:1], SEED, DamageProfile(crossfile=0))
    assert alone == damage_corpus(gold[:1], SEED, DamageProfile(crossfile=0))


def assert_perfect(report: Report) -> None:
    assert report.f1 == report.precision == report.recall == 1.0
    assert report.cer == 0 and report.error_reduction == 1.0
    assert report.moved_chars == 0 and report.moved_vs_input_chars == 0
    assert report.lost == 0 and report.removed == 0 and report.wrong_joins == 0
    assert report.joins.hit == report.joins.total > 0
    assert report.spaces_restored.hit == report.spaces_restored.total
    assert all(r.hit == r.total for r in report.duplicates.values()) and report.duplicates
    assert all(r.hit == r.total for r in report.hits.values()) and set(report.hits) >= {"halfwidth", "interrupt_weak"}


def test_expected_output_scores_perfectly(damaged: list[Damaged]) -> None:
    report = score_corpus(damaged, {d.id: d.expected for d in damaged})
    assert_perfect(report)
    assert report.moved_vs_input_excused > 0  # the strong groups moved, as they should
    assert "F1" in report.format_table()
    assert report.to_dict()["boundaries"]["f1"] == 1.0


def test_damaged_input_scores_badly(damaged: list[Damaged]) -> None:
    report = score_corpus(damaged, {d.id: d.text for d in damaged})
    assert report.cer > 0.02 and report.error_reduction == 0
    assert report.joins.rate < 0.2 and report.precision < 0.5
    copies = report.duplicates.values()
    assert sum(r.hit for r in copies) < 0.2 * sum(r.total for r in copies)
    assert report.hits["interrupt_strong"].rate < 0.2 and report.moved_chars > 0


def with_doc(damaged: list[Damaged], doc: Damaged, output: str) -> dict[str, str]:
    """Expected outputs for every document, and ``output`` for ``doc``."""
    outputs = {d.id: d.expected for d in damaged}
    outputs[doc.id] = output
    return outputs


def paragraphs(doc: Damaged, min_length: int = 20) -> list[tuple[int, int]]:
    """Spans of the expected paragraphs that no strong group interrupted (moving those is sanctioned)."""
    joins = [e.detail["join_at"] for e in doc.log if e.kind == "interrupt_strong"]
    return [
        (b.start, b.end)
        for b in doc.blocks
        if b.kind == "para" and b.end - b.start >= min_length and not any(b.start < j <= b.end for j in joins)
    ]


def test_a_moved_paragraph_is_out_of_order(damaged: list[Damaged]) -> None:
    doc = next(d for d in damaged if len(paragraphs(d)) >= 3)
    (a, b), _, (c, d) = paragraphs(doc)[:3]
    first, third = doc.expected[a:b], doc.expected[c:d]
    output = doc.expected[:a] + third + doc.expected[b:c] + first + doc.expected[d:]
    report = score_corpus(damaged, with_doc(damaged, doc, output))
    # The minimum-edit alignment keeps in place what the two paragraphs share, so only a part of the
    # shorter one counts as moved.
    assert report.moved_chars >= min(10, len(first), len(third))
    assert report.moved_vs_input_chars >= min(10, len(first), len(third))
    assert report.cer > 0 and report.lost >= 1


def test_a_kept_duplicate_and_a_lost_paragraph_are_counted(damaged: list[Damaged]) -> None:
    whole_copies = ("dup_exact", "dup_rewrapped", "dup_crossfile")
    doc = next(d for d in damaged if any(e.kind in whole_copies for e in d.log))
    copy = next(e for e in doc.log if e.kind in whole_copies)
    kept = doc.text[copy.text_span[0] : copy.text_span[1]]
    at = copy.expected_span[0]
    output = doc.expected[:at] + kept + "\n\n" + doc.expected[at:]
    report = score_corpus(damaged, with_doc(damaged, doc, output))
    dup = report.duplicates[copy.kind]
    assert dup.hit == dup.total - 1
    assert report.lost == 0 and report.moved_chars == 0

    a, b = paragraphs(doc)[-1]
    report = score_corpus(damaged, with_doc(damaged, doc, doc.expected[:a] + doc.expected[b:]))
    assert report.lost == 1 and report.removed == 1 and report.cer > 0


def test_missed_and_wrong_joins_are_counted(damaged: list[Damaged]) -> None:
    doc = next(d for d in damaged if any(e.kind == "wrap" for e in d.log) and len(paragraphs(d)) >= 2)
    cut = next(e for e in doc.log if e.kind == "wrap").expected_span[0]
    report = score_corpus(damaged, with_doc(damaged, doc, doc.expected[:cut] + "\n" + doc.expected[cut:]))
    assert report.joins.hit == report.joins.total - 1
    assert report.precision < 1.0 and report.recall == 1.0
    assert report.joins_by_end[next(e for e in doc.log if e.kind == "wrap").detail["end"]].rate < 1

    end = paragraphs(doc)[0][1]
    boundary = next(b for b in doc.blocks if b.start > end).start  # the block right after the first paragraph
    output = doc.expected[: boundary - 2] + doc.expected[boundary:]
    report = score_corpus(damaged, with_doc(damaged, doc, output))
    assert report.wrong_joins == 1 and report.recall < 1.0 and report.precision == 1.0
    assert report.cer > 0 and report.moved_chars == 0
