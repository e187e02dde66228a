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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner.audit_file import audit_lines
from cleaner.errors import ConfigError
from cleaner.io.compression import CompressionError, codec_of, decompress
from cleaner.io.decoding import self_describing
from cleaner.io.locking import STATE_DIR, folder_lock
from cleaner.io.paths import WriteGuard, display_name, real, safe_relative_path
from cleaner.io.regular import DEFAULT_MAX_BYTES
from cleaner.io.writers import file_bytes, remove_leftover_temporaries, write_atomic
from cleaner.model import AFTER_DEDUP, PARAGRAPH_SEPARATOR

PARAGRAPH_RULES = ("exact", "short_near", "near", "fragment")
DOCUMENT_RULE = "duplicate_document"


@dataclass
class Removals:
    """What the dedup step took out of one document."""

    paragraphs: dict[int, str] = field(default_factory=dict)  # received index -> paragraph text
    document: str | None = None  # the whole text, if the document was dropped
    # Edits made after the dedup step (step, start, before, after), undone before counting paragraphs.
    after: list[tuple[int, int, str, str]] = field(default_factory=list)


def removals_from_audit(records: Iterable[Mapping[str, Any]]) -> dict[str, Removals]:
    """Collect the dedup removals of an audit record, by document id."""
    found: dict[str, Removals] = {}
    for record in records:
        if record.get("type") != "edit":
            continue
        if (record.get("detail") or {}).get(AFTER_DEDUP):
            edit = (int(record.get("step", 0)), int(record["start"]), record["before"], record["after"])
            found.setdefault(record["doc"], Removals()).after.append(edit)
            continue
        if record.get("stage") != "dedup":
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
    cleaned = _undo(cleaned, removals.after)
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


def _undo(text: str, edits: list[tuple[int, int, str, str]]) -> str:
    """``text`` with ``edits`` (the last ones made to it) undone: the latest step first, and within
    a step from the end of the text, so every offset is still the one the edit recorded."""
    for _, start, before, after in sorted(edits, key=lambda edit: (edit[0], edit[1]), reverse=True):
        if text[start : start + len(after)] != after:
            raise ValueError(f"the cleaned text no longer holds an edit made after dedup (at {start})")
        text = text[:start] + before + text[start + len(after) :]
    return text


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
    for number, record in audit_lines(path):
        if isinstance(record, str):
            raise ConfigError(f"{path}:{number}: {record}")
        records.append(record)
    return records


@dataclass
class FileRestore:
    """One cleaned file to put paragraphs back into: where it is read, where it is written, what goes back."""

    path: str  # relative, as the audit record names it
    per_line: dict[int | None, Removals]  # JSON Lines line (None for a text file) -> its removals
    wanted: set[int | None]
    source: Path
    target: Path
    paragraphs: int  # how many paragraphs (or dropped documents) go back


def restore_tree(
    audit: Path,
    cleaned: Path,
    out: Path | None = None,
    docs: Iterable[str] | None = None,
    paragraphs: Iterable[int] | None = None,
    text_field: str = "text",
    on_refused: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Put removed paragraphs back into the cleaned files under ``cleaned`` (written to ``out``, or in place).

    Plain text files are rewritten whole; a compressed file (``.gz``, ``.bz2``, ``.zst``) is
    decompressed, restored and written back compressed the same way; Parquet files are refused.
    In a JSON Lines file, records of dropped documents
    were not written, so the record of document ``path:N`` is found by skipping the dropped line
    numbers before N (this assumes the input had no blank lines); a dropped record comes back as
    ``{text_field: text}`` at its place (its other fields were not recorded).

    Strict, so that a mistake never goes unnoticed and a second run never doubles paragraphs:
    an unknown ``docs`` entry or a ``paragraphs`` index that no selected document lost raises
    :class:`ConfigError`; so does a cleaned file (or an existing file in ``out``) that is not the
    text the run wrote, by the size the audit record gives it — it was restored already or
    changed since. A document whose path in the audit record is not a plain relative path is
    refused (``on_refused`` gets a one-line message) and the others are restored. Every file
    written is checked to resolve inside ``out`` (or ``cleaned``), outside ``cleaned`` when
    writing elsewhere and never onto the audit record; all of this before anything is written.
    Returns counts of restored paragraphs, documents and files.
    """
    records = _read_audit(audit)
    removals = removals_from_audit(records)
    selected = _check_docs(docs, removals, records)
    only = _check_paragraphs(paragraphs, removals, selected)
    in_place = out is None or real(out) == real(cleaned)
    target_root = cleaned if in_place or out is None else out
    guard = WriteGuard.create(target_root, [] if in_place else [cleaned], [audit])
    plans = _plan(removals, selected, only, cleaned, target_root, on_refused)
    sizes = _sizes_written(records)
    for plan in plans:
        guard.check(plan.target, "a restored file")
        _check_unrestored(plan, sizes.get(plan.path), in_place)
    counts = {"paragraphs": 0, "documents": 0, "files": 0}
    if not plans:
        return counts
    with folder_lock(target_root, guard):
        remove_leftover_temporaries(target_root)
        for plan in plans:
            text = _read_cleaned(plan.source, plan.path).removeprefix("\ufeff")  # the BOM a rare output has
            codec = codec_of(plan.path)
            restored = file_bytes(self_describing(_render(plan, text, only, text_field)), codec)
            write_atomic(plan.target, restored, guard, "a restored file")
            counts["files"] += 1
            counts["documents"] += len(plan.wanted)
            counts["paragraphs"] += plan.paragraphs
    return counts


def _read_cleaned(path: Path, name: str) -> str:
    """A cleaned file's text ('' if it is missing), decompressed if its name says it is compressed."""
    if not path.is_file():
        return ""
    data = path.read_bytes()
    codec = codec_of(name)
    if codec is not None:
        try:
            data = decompress(data, codec, DEFAULT_MAX_BYTES)
        except CompressionError as exc:
            raise ConfigError(f"{display_name(str(path))}: {exc}") from None
    return data.decode("utf-8")


def _plan(
    removals: Mapping[str, Removals],
    selected: set[str] | None,
    only: list[int] | None,
    cleaned: Path,
    target_root: Path,
    on_refused: Callable[[str], None] | None,
) -> list[FileRestore]:
    """The files that get something back, in path order; documents with unsafe paths are refused here."""
    plans: list[FileRestore] = []
    for path, per_line in sorted(_by_file(removals).items()):
        wanted = {
            line
            for line in per_line
            if (selected is None or _doc_id(path, line) in selected) and _chosen(per_line[line], only)
        }
        if not wanted:
            continue
        problem = _unsafe_path(path) or _unsupported(path)
        if problem:
            _refuse(on_refused, [_doc_id(path, line) for line in sorted(wanted, key=lambda n: n or 0)], problem)
            continue
        count = sum(_chosen(per_line[line], only) for line in wanted)
        plans.append(FileRestore(path, per_line, wanted, cleaned / path, target_root / path, count))
    return plans


def _by_file(removals: Mapping[str, Removals]) -> dict[str, dict[int | None, Removals]]:
    by_file: dict[str, dict[int | None, Removals]] = {}
    for doc_id, removed in removals.items():
        path, line = _split_id(doc_id)
        by_file.setdefault(path, {})[line] = removed
    return by_file


def _doc_id(path: str, line: int | None) -> str:
    return path if line is None else f"{path}:{line}"


def _chosen(removed: Removals, only: list[int] | None) -> int:
    """How many paragraphs of one document go back (a dropped document counts as one)."""
    if removed.document is not None:
        return 1
    return len(removed.paragraphs) if only is None else len(set(only) & set(removed.paragraphs))


def _check_docs(
    docs: Iterable[str] | None, removals: Mapping[str, Removals], records: list[dict[str, Any]]
) -> set[str] | None:
    """The selected document ids; each must be one the dedup step removed something from."""
    if docs is None:
        return None
    selected = set(docs)
    known = {record["doc"] for record in records if isinstance(record.get("doc"), str)}
    for doc in sorted(selected - set(removals)):
        shown = display_name(doc)
        if doc in known:
            raise ConfigError(f"--doc {shown}: the dedup step removed nothing from this document")
        raise ConfigError(f"--doc {shown}: no such document in the audit record")
    return selected


def _check_paragraphs(
    paragraphs: Iterable[int] | None, removals: Mapping[str, Removals], selected: set[str] | None
) -> list[int] | None:
    """The chosen paragraph indexes; each must be one that a selected document lost."""
    if paragraphs is None:
        return None
    only = list(paragraphs)
    removed = sorted(
        {index for doc, r in removals.items() if selected is None or doc in selected for index in r.paragraphs}
    )
    for index in only:
        if index not in removed:
            listed = ", ".join(map(str, removed[:12])) + (", …" if len(removed) > 12 else "")
            raise ConfigError(
                f"--para {index}: no paragraph with this index was removed from the selected documents "
                f"(removed: {listed or 'none'})"
            )
    return only


def _unsafe_path(path: str) -> str:
    """Why a document path from the audit record may not be joined to a folder ('' if it may)."""
    if safe_relative_path(path) is None:
        return "its path in the audit record is not relative and normalised"
    if path.split("/", 1)[0] == STATE_DIR:
        return f"its path in the audit record is inside {STATE_DIR}/, where no output is written"
    return ""


def _unsupported(path: str) -> str:
    """Why the removals of a file cannot be put back by this module ('' if they can)."""
    if path.lower().endswith(".parquet"):
        return "restoring into Parquet files is not supported (the removed text is in the audit record)"
    return ""


def _refuse(on_refused: Callable[[str], None] | None, doc_ids: list[str], problem: str) -> None:
    if on_refused is None:
        return
    for doc_id in doc_ids:
        on_refused(f"{display_name(doc_id)}: {problem}")


def _sizes_written(records: list[dict[str, Any]]) -> dict[str, int]:
    """The size of each output file as the run wrote it, from the audit record's file lines."""
    sizes: dict[str, int] = {}
    for record in records:
        doc, size = record.get("doc"), record.get("bytes_out")
        if record.get("type") == "file" and isinstance(doc, str) and isinstance(size, int):
            sizes[doc] = size
    return sizes


def _check_unrestored(plan: FileRestore, size: int | None, in_place: bool) -> None:
    """Refuse a source, or an existing target, that is not the text the run wrote.

    Putting paragraphs back only ever makes a file longer, so a file of the size the audit
    record gives is one nothing was restored into; anything else was restored already (a second
    run would insert the paragraphs again) or changed since. An audit record without sizes
    (not written by ``clean``) cannot be checked.
    """
    if size is None:
        return
    _check_size(plan.source, size, "the cleaned file")
    if not in_place and plan.target.exists():
        _check_size(plan.target, size, "the file already in the output folder")


def _check_size(path: Path, size: int, role: str) -> None:
    actual = path.stat().st_size if path.is_file() else None
    if actual != size:
        found = "missing" if actual is None else f"{actual} bytes"
        raise ConfigError(
            f"{display_name(str(path))}: {role} is not the text the run wrote ({found}, the audit record "
            f"says {size}): it was restored already or changed since; nothing was written"
        )


def _render(plan: FileRestore, text: str, only: list[int] | None, text_field: str) -> str:
    if None in plan.per_line:
        restored = restore_text(text[:-1] if text.endswith("\n") else text, plan.per_line[None], only)
        return restored + "\n" if restored else ""
    return _restore_jsonl(text, plan.per_line, plan.wanted, only, text_field, plan.source)


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
