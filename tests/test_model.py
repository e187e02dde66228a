"""The document model: paragraphs, offsets, and replaying edits."""

from __future__ import annotations

import pytest

from cleaner.model import Change, Document, Edit, replay, rewrite, rewrite_paragraphs


def test_paragraphs_and_their_offsets() -> None:
    doc = Document("a.txt", "第一段\n\n第二段，\n续行\n\n第三段")
    assert doc.paragraphs == ["第一段", "第二段，\n续行", "第三段"]
    assert [doc.text[s : s + 3] for s in doc.paragraph_starts] == ["第一段", "第二段", "第三段"]
    assert doc.paragraph_at(doc.paragraph_starts[2] + 1) == 2


def test_rewrite_paragraphs_turns_paragraph_offsets_into_document_edits() -> None:
    doc = Document("a.txt", "甲,乙\n\n丙,丁")

    def comma(paragraph: str) -> list[Change]:
        return [Change(i, i + 1, "，", "halfwidth_comma") for i, ch in enumerate(paragraph) if ch == ","]

    cleaned, edits = rewrite_paragraphs(doc, "punctuation", comma)
    assert cleaned.text == "甲，乙\n\n丙，丁"
    assert [(e.para, e.start, e.before, e.after) for e in edits] == [(0, 1, ",", "，"), (1, 6, ",", "，")]
    assert replay(doc.text, edits) == cleaned.text


def test_replay_applies_steps_in_order_and_checks_each_edit() -> None:
    text = "涪口 区"
    first = Edit("rules", "fu-kou", 0, 2, "涪口", "渌口", step=0)
    second = Edit("spacing", "space", 2, 3, " ", "", step=1)
    assert replay(text, [first, second]) == "渌口区"
    with pytest.raises(ValueError, match="does not match"):
        replay(text, [Edit("rules", "x", 0, 2, "绿口", "渌口")])


def test_edit_records_round_trip() -> None:
    edit = Edit("dedup", "exact", 5, 9, "重复段落", "", para=2, detail={"kept": {"doc": "a.txt", "para": 0}}, step=4)
    assert Edit.from_record(edit.to_record()) == edit


def test_rewrite_refuses_overlapping_changes() -> None:
    with pytest.raises(ValueError, match="overlapping"):
        rewrite(Document("a", "abcdef"), "x", [Change(0, 3, "", "a"), Change(2, 4, "", "b")])


def test_an_edit_pickles_with_every_field() -> None:
    """Results cross process and Ray boundaries as pickles: every field, none at its default,
    comes back (a field added to Edit but not to its __reduce__ would come back at its default)."""
    import dataclasses
    import pickle

    edit = Edit("dedup", "near", 3, 9, "旧文本", "", para=2, detail={"kept": {"doc": "a.txt"}}, step=5)
    assert all(getattr(edit, f.name) != f.default for f in dataclasses.fields(Edit))
    back = pickle.loads(pickle.dumps(edit, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == edit and [getattr(back, f.name) for f in dataclasses.fields(Edit)] == list(edit.__reduce__()[1])
