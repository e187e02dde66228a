"""clean_batch: the helper for datasets.Dataset.map(batched=True), on dict-of-lists batches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleaner import Config, Edit, clean_batch, clean_text, replay
from cleaner.config import load_config

ROOT = Path(__file__).resolve().parent.parent
TEXTS = ["今天　天气很好 。", "ＡＢＣ测试,好", "千字当头，走稳走实高质量发展之路。"]
NO_RULES = Config().with_options({"rules": {"enabled": False}})


def test_the_text_column_is_cleaned_like_clean_text() -> None:
    batch = {"id": [1, 2, 3], "text": TEXTS}
    result = clean_batch(batch, config=NO_RULES)
    assert result == {"text": [clean_text(text, NO_RULES) for text in TEXTS]}
    assert result["text"][:2] == ["今天天气很好。", "ABC测试，好"]
    assert batch["text"] == TEXTS, "the batch itself is left as it was"


def test_edits_are_the_audit_records_and_replay_to_the_cleaned_text() -> None:
    result = clean_batch({"body": TEXTS}, field="body", config=NO_RULES, edits=True)
    assert set(result) == {"body", "body_edits"}
    for text, cleaned, changes in zip(TEXTS, result["body"], result["body_edits"], strict=True):
        records = json.loads(changes)
        assert replay(text, [Edit.from_record(record) for record in records]) == cleaned
    first = json.loads(result["body_edits"][0])
    assert {"stage", "rule", "start", "end", "before", "after"} <= set(first[0])


def test_missing_values_stay_missing_and_other_types_are_refused() -> None:
    result = clean_batch({"text": [None, "好,的"]}, config=NO_RULES, edits=True)
    assert result["text"] == [None, "好，的"]
    assert result["text_edits"][0] == "[]"
    assert [record["after"] for record in json.loads(result["text_edits"][1])] == ["，"]
    with pytest.raises(TypeError, match=r"^row 1 of the batch: 'text' is int, not a string$"):
        clean_batch({"text": ["好", 3]}, config=NO_RULES)
    with pytest.raises(KeyError, match="the batch has no column 'text' \\(columns: content\\)"):
        clean_batch({"content": ["好"]}, config=NO_RULES)


def test_without_a_config_it_uses_the_one_clean_would_find_with_its_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    found = clean_batch({"text": TEXTS[2:]})
    assert found == clean_batch({"text": TEXTS[2:]}, config=load_config(ROOT / "cleaner.toml"))
    assert found["text"] == ["干字当头，走稳走实高质量发展之路。"], "the project's rules apply"
    assert clean_batch({"text": TEXTS[2:]}, config=NO_RULES)["text"] == TEXTS[2:]


def test_a_real_dataset_map() -> None:
    datasets = pytest.importorskip("datasets")
    dataset = datasets.Dataset.from_dict({"id": [1, 2, 3], "text": TEXTS})
    cleaned = dataset.map(clean_batch, batched=True, batch_size=2, fn_kwargs={"config": NO_RULES, "edits": True})
    assert cleaned.column_names == ["id", "text", "text_edits"]
    assert cleaned["id"] == [1, 2, 3]
    assert cleaned["text"] == [clean_text(text, NO_RULES) for text in TEXTS]
    assert json.loads(cleaned["text_edits"][2]) == []
