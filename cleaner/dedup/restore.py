"""Putting removed duplicates back, from the audit record of a run.

Every removal by the dedup step is an edit line of the audit record::

    {"type": "edit", "doc": "001.txt", "stage": "dedup", "rule": "exact", "para": 9,
     "start": …, "end": …, "before": "<the paragraph and one separator>", "after": "",
     "detail": {"kept": {"doc": "001.txt", "para": 7, "similarity": 1.0}, "removed_para": 9}}

``removed_para`` is the paragraph's index in the document as the dedup step received it, and the
cleaned document holds that document's other paragraphs in order (dedup is the last step), so a
removed paragraph goes back by counting paragraphs. A document dropped whole
(``duplicate_document``) comes back as the text the edit removed.

Library use: :func:`restore_paragraphs`; command line: ``cleaner restore AUDIT CLEANED``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner.errors import ConfigError
from cleaner.model import PARAGRAPH_SEPARATOR

PARAGRAPH_RULES = ("exact", "short_near", "near", "fragment")
DOCUMENT_RULE = "duplicate_document"


@dataclass
class Removals:
    """What the dedup step took out of one document."""

    paragraphs: dict[int, str] = field(default_factory=dict)  # received index -> paragraph text
    document: str | None = None  # the whole text, if the document was dropped


def removals_from_audit(records: Iterable[Mapping[str, Any]]) -> dict[str, Removals]:
    """Collect the dedup removals of an audit record, by document id."""
    found: dict[str, Removals] = {}
    for record in records:
        if record.get("type") != "edit" or record.get("stage") != "dedup":
            continue
        rule = record.get("rule")
        if rule not in (*PARAGRAPH_RULES, DOCUMENT_RULE):
            continue
        removals = found.setdefault(record["doc"], Removals())
        if rule == DOCUMENT_RULE:
            removals.document = record["before"]
        else:
            index = record.get("detail", {}).get("removed_para", record.get("para"))
            removals.paragraphs[int(index)] = removed_paragraph(record["before"])
    return found


def removed_paragraph(before: str) -> str:
    """The paragraph inside a removal's text (which also took one adjacent separator)."""
    if before.startswith(PARAGRAPH_SEPARATOR):
        return before[len(PARAGRAPH_SEPARATOR) :]
    if before.endswith(PARAGRAPH_SEPARATOR):
        return before[: -len(PARAGRAPH_SEPARATOR)]
    return before


def restore_text(cleaned: str, removals: Removals, only: Iterable[int] | None = None) -> str:
    """``cleaned`` with the removed paragraphs (or only those whose index is in ``only``) put back.

    >>> restore_text("a\\n\\nc", Removals({1: "b", 3: "b"}))
    'a\\n\\nb\\n\\nc\\n\\nb'
    >>> restore_text("a\\n\\nc", Removals({1: "b", 3: "b"}), only=[3])
    'a\\n\\nc\\n\\nb'
    """
    if removals.document is not None:
        return removals.document
    wanted = set(removals.paragraphs) if only is None else set(only) & set(removals.paragraphs)
    kept = iter(cleaned.split(PARAGRAPH_SEPARATOR) if cleaned else [])
    total = (cleaned.count(PARAGRAPH_SEPARATOR) + 1 if cleaned else 0) + len(removals.paragraphs)
    paragraphs: list[str] = []
    for index in range(total):
        if index in removals.paragraphs:
            if index in wanted:
                paragraphs.append(removals.paragraphs[index])
            continue
        paragraph = next(kept, None)
        if paragraph is None:
            raise ValueError(f"the cleaned text has fewer paragraphs than the audit record implies (at {index})")
        paragraphs.append(paragraph)
    return PARAGRAPH_SEPARATOR.join(paragraphs)


def restore_paragraphs(
    audit_records: Iterable[Mapping[str, Any]],
    cleaned_text_by_doc: Mapping[str, str],
    docs: Iterable[str] | None = None,
    paragraphs: Iterable[int] | None = None,
) -> dict[str, str]:
    """Restored texts of the documents the dedup step changed, by document id.

    ``cleaned_text_by_doc`` gives each document's cleaned text (a dropped document may be
    missing). ``docs`` limits the documents, ``paragraphs`` the received indexes put back.
    """
    removals = removals_from_audit(audit_records)
    selected = set(docs) if docs is not None else None
    only = list(paragraphs) if paragraphs is not None else None
    restored: dict[str, str] = {}
    for doc_id, removed in removals.items():
        if selected is not None and doc_id not in selected:
            continue
        restored[doc_id] = restore_text(cleaned_text_by_doc.get(doc_id, ""), removed, only)
    return restored


# -- files -----------------------------------------------------------------------------------


def _split_id(doc_id: str) -> tuple[str, int | None]:
    """``path`` or ``path:N`` (line N of a JSON Lines file)."""
    path, _, line = doc_id.rpartition(":")
    if path and line.isdigit():
        return path, int(line)
    return doc_id, None


def _read_audit(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise ConfigError(f"{path}: no such audit record")
    records = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{path}:{number}: not a JSON line ({exc.msg})") from None
    return records


def restore_tree(
    audit: Path,
    cleaned: Path,
    out: Path | None = None,
    docs: Iterable[str] | None = None,
    paragraphs: Iterable[int] | None = None,
    text_field: str = "text",
) -> dict[str, int]:
    """Put removed paragraphs back into the cleaned files under ``cleaned`` (written to ``out``, or in place).

    Plain text files are rewritten whole. In a JSON Lines file, records of dropped documents
    were not written, so the record of document ``path:N`` is found by skipping the dropped line
    numbers before N (this assumes the input had no blank lines); a dropped record comes back as
    ``{text_field: text}`` at its place (its other fields were not recorded).
    Returns counts of restored paragraphs, documents and files.
    """
    removals = removals_from_audit(_read_audit(audit))
    selected = set(docs) if docs is not None else None
    only = list(paragraphs) if paragraphs is not None else None
    by_file: dict[str, dict[int | None, Removals]] = {}
    for doc_id, removed in removals.items():
        path, line = _split_id(doc_id)
        by_file.setdefault(path, {})[line] = removed
    counts = {"paragraphs": 0, "documents": 0, "files": 0}
    for path, per_line in sorted(by_file.items()):
        wanted = {
            line for line in per_line if selected is None or (path if line is None else f"{path}:{line}") in selected
        }
        if not wanted:
            continue
        source = cleaned / path
        text = source.read_text(encoding="utf-8") if source.is_file() else ""
        if None in per_line:
            restored = restore_text(text[:-1] if text.endswith("\n") else text, per_line[None], only)
            rendered = restored + "\n" if restored else ""
        else:
            rendered = _restore_jsonl(text, per_line, wanted, only, text_field, source)
        counts["files"] += 1
        for line in wanted:
            removed = per_line[line]
            counts["documents"] += 1
            chosen = removed.paragraphs if only is None else [i for i in only if i in removed.paragraphs]
            counts["paragraphs"] += len(chosen) if removed.document is None else 1
        target = (out or cleaned) / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(rendered, encoding="utf-8", newline="\n")
    return counts


def _restore_jsonl(
    text: str,
    per_line: dict[int | None, Removals],
    wanted: set[int | None],
    only: list[int] | None,
    field_name: str,
    source: Path,
) -> str:
    kept = iter(line for line in text.split("\n") if line.strip())
    dropped = {line for line, removed in per_line.items() if removed.document is not None}
    total = sum(1 for line in text.split("\n") if line.strip()) + len(dropped)
    output: list[str] = []
    for line in range(1, total + 1):
        if line in dropped:
            if line in wanted:
                output.append(json.dumps({field_name: per_line[line].document}, ensure_ascii=False))
            continue
        current = next(kept)
        if line in wanted:
            record = json.loads(current)
            if not isinstance(record.get(field_name), str):
                raise ConfigError(f"{source}: record of line {line} has no {field_name!r} text field")
            record[field_name] = restore_text(record[field_name], per_line[line], only)
            current = json.dumps(record, ensure_ascii=False)
        output.append(current)
    return "".join(line + "\n" for line in output)
