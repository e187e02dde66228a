"""Cleaning batches of records, as Hugging Face ``datasets.Dataset.map(batched=True)`` hands them.

A batch is a mapping of column names to lists of equal length (``{"text": [...], "id": [...]}``).
:func:`clean_batch` returns the cleaned text column, and, if asked, each row's edits as a JSON
string of audit-record edit lines, as new columns for ``map`` to merge in::

    dataset = dataset.map(clean_batch, batched=True, fn_kwargs={"field": "text"})

Only the per-document stages run (as :class:`cleaner.Pipeline` does): deduplication compares
documents across the whole corpus and needs ``clean`` or :func:`cleaner.clean_corpus`. The
pipeline for a configuration is built once per process (rules compiled, tables loaded) and reused
for every batch, so ``map(..., num_proc=N)`` builds it once in each worker.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any

from cleaner.config import Config, discover_config
from cleaner.pipeline import Pipeline


def clean_batch(
    batch: Mapping[str, Sequence[Any]],
    field: str = "text",
    config: Config | None = None,
    *,
    edits: bool = False,
) -> dict[str, list[Any]]:
    """Clean the column ``field`` of ``batch``; return ``{field: cleaned texts}``.

    ``config`` is the configuration to clean with; ``None``, the one ``clean`` would use from the
    working folder (:func:`cleaner.config.discover_config`: the closest ``cleaner.toml``, with its
    rules). A ``None`` in the column (a missing value) stays ``None``; any other value that is not
    a string raises ``TypeError`` naming its row. With ``edits``, the result also holds the column
    ``f"{field}_edits"``: for each row, a JSON list of its edits as the audit record writes them
    (``stage``, ``rule``, ``start``, ``end``, ``before``, ``after``…), ``"[]"`` when nothing changed.
    """
    if field not in batch:
        raise KeyError(f"the batch has no column {field!r} (columns: {', '.join(batch) or 'none'})")
    pipeline = pipeline_for(config if config is not None else discover_config())
    cleaned: list[str | None] = []
    changes: list[str] = []
    for row, value in enumerate(batch[field]):
        if value is None:
            cleaned.append(None)
            changes.append("[]")
            continue
        if not isinstance(value, str):
            raise TypeError(f"row {row} of the batch: {field!r} is {type(value).__name__}, not a string")
        result = pipeline.clean(value)
        cleaned.append(result.text)
        changes.append(json.dumps([edit.to_record() for edit in result.edits], ensure_ascii=False))
    return {field: cleaned, f"{field}_edits": changes} if edits else {field: cleaned}


@functools.lru_cache(maxsize=8)
def pipeline_for(config: Config) -> Pipeline:
    """The per-document pipeline for ``config``, built once per process and configuration."""
    return Pipeline(config)
