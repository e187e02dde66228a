"""Cleaning a corpus: readers → per-document pipeline → corpus-wide dedup → writers + audit record.

Files are processed in sorted order of their relative paths, so output and audit are byte-identical
whatever order the file system lists them in, and "keep the first copy" means the same copy on
every run. Each output is written atomically after its file has been fully processed.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cleaner.config import Config
from cleaner.errors import ConfigError, InputError
from cleaner.io.readers import DEFAULT_GLOBS, LoadedFile, SourceFile, discover, format_of, load
from cleaner.io.writers import render_jsonl, render_text, write_atomic
from cleaner.model import Document, Edit
from cleaner.pipeline import Pipeline, renumber_steps
from cleaner.report import AuditRecord, Summary

AUDIT_DIR = ".cleaner"
AUDIT_NAME = "audit.jsonl"


@dataclass
class FileOutcome:
    """One input file's result, handed to ``on_file`` callbacks (progress, diffs, listings)."""

    source: SourceFile
    status: str  # "cleaned", "unchanged" or "skipped"
    encoding: str = ""
    reason: str = ""
    before: str = ""  # the decoded input, as text
    after: str = ""  # the output, as written
    edits: list[tuple[str, Edit]] = field(default_factory=list)  # (document id, edit), by document
    size: int = 0  # bytes read
    documents: int = 0
    dropped: int = 0  # documents dropped as duplicates of earlier ones


class Corpus:
    """The pipeline plus the corpus-wide steps, for one run over many documents."""

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or Config()
        self.pipeline = Pipeline(self.config)
        self.deduplicator = None
        if self.config.dedup.enabled:
            from cleaner.dedup import Deduplicator

            self.deduplicator = Deduplicator(self.config.dedup)

    @property
    def stage_names(self) -> list[str]:
        return self.pipeline.stage_names + (["dedup"] if self.deduplicator else [])

    def clean_document(self, doc: Document) -> tuple[Document | None, list[Edit]]:
        """Run every step on one document; ``None`` means the document was dropped as a duplicate."""
        result = self.pipeline.clean_document(doc)
        if self.deduplicator is None:
            return result.document, result.edits
        cleaned, dedup_edits = self.deduplicator.process(result.document)
        edits = list(result.edits)
        renumber_steps(dedup_edits, _next_step(edits), edits)
        return cleaned, edits

    def clean_file(self, loaded: LoadedFile, text_field: str = "text") -> FileOutcome:
        outputs: list[Document | None] = []
        edits: list[tuple[str, Edit]] = []
        for doc in loaded.documents:
            cleaned, doc_edits = self.clean_document(doc)
            outputs.append(cleaned)
            edits.extend((doc.id, edit) for edit in doc_edits)
        if loaded.records is not None:
            before = render_jsonl(loaded.records, loaded.documents, text_field)
            after = render_jsonl(loaded.records, outputs, text_field)
        else:
            before = loaded.documents[0].text
            after = render_text(outputs[0])
        status = "cleaned" if edits or before != after else "unchanged"
        return FileOutcome(
            loaded.source,
            status,
            loaded.encoding,
            "",
            before,
            after,
            edits,
            size=loaded.size,
            documents=len(outputs),
            dropped=outputs.count(None),
        )


def _next_step(edits: list[Edit]) -> int:
    return edits[-1].step + 1 if edits else 0


def check_paths(src: Path, dst: Path) -> None:
    """Refuse runs that could overwrite or re-read their own inputs."""
    if not src.exists():
        raise ConfigError(f"{src}: no such file or folder")
    source, target = src.resolve(), dst.resolve()
    if src.is_file():
        if target / src.name == source:
            raise ConfigError(f"{dst}: the output would overwrite the input {src}")
        return
    if target == source:
        raise ConfigError(f"{dst}: the destination is the source folder; choose another folder")
    if source in target.parents:
        raise ConfigError(f"{dst}: the destination is inside the source folder {src}")
    if target in source.parents:
        raise ConfigError(f"{src}: the source is inside the destination folder {dst}")


def clean_corpus(
    src: str | Path,
    dst: str | Path | None,
    config: Config | None = None,
    *,
    globs: Sequence[str] = DEFAULT_GLOBS,
    text_field: str = "text",
    report: str | Path | None = None,
    dry_run: bool = False,
    on_start: Callable[[list[SourceFile]], None] | None = None,
    on_file: Callable[[FileOutcome], None] | None = None,
) -> Summary:
    """Clean every matching file under ``src`` into the mirror tree ``dst``.

    Returns the run's :class:`Summary`. Unprocessable files are skipped and listed in
    ``summary.skipped``; nothing under ``src`` is ever modified. With ``dry_run`` nothing is
    written (not even the audit record, unless ``report`` names one). ``dst`` may be ``None`` only
    with ``dry_run``. The audit record goes to ``report``, or by default to
    ``dst/.cleaner/audit.jsonl``.
    """
    started = time.perf_counter()
    src = Path(src)
    if dst is None and not dry_run:
        raise ConfigError("a destination is needed unless this is a dry run")
    if dst is not None:
        check_paths(src, Path(dst))
    files = discover(src, globs)
    corpus = Corpus(config)
    audit_path = Path(report) if report else None
    if audit_path is None and not dry_run and dst is not None:
        audit_path = Path(dst) / AUDIT_DIR / AUDIT_NAME
    summary = Summary(audit_path=audit_path)
    if on_start:
        on_start(files)
    with AuditRecord(audit_path) as audit:
        audit.write({"type": "run", "stages": corpus.stage_names, "dedup": corpus.config.dedup.scope})
        for source in files:
            outcome = _clean_one(corpus, source, text_field)
            _account(summary, audit, outcome)
            if outcome.status != "skipped" and not dry_run and dst is not None:
                target = Path(dst) / source.rel if src.is_dir() else Path(dst) / source.name
                write_atomic(target, outcome.after)
            if on_file:
                on_file(outcome)
    summary.seconds = time.perf_counter() - started
    return summary


def _clean_one(corpus: Corpus, source: SourceFile, text_field: str) -> FileOutcome:
    try:
        loaded = load(source, text_field=text_field)
    except InputError as exc:
        return FileOutcome(source, "skipped", reason=str(exc))
    try:
        return corpus.clean_file(loaded, text_field)
    except Exception as exc:  # a bug in a stage must not lose the run or leave a partial output
        reason = f"{source.rel}: internal error in cleaning ({type(exc).__name__}: {exc})"
        return FileOutcome(source, "skipped", loaded.encoding, reason)


def _account(summary: Summary, audit: AuditRecord, outcome: FileOutcome) -> None:
    summary.files += 1
    record: dict = {"type": "file", "doc": outcome.source.rel, "status": outcome.status}
    if outcome.status == "skipped":
        summary.skipped.append((outcome.source.rel, outcome.reason))
        record["reason"] = outcome.reason
        audit.write(record)
        return
    bytes_in = outcome.size
    bytes_out = len(outcome.after.encode("utf-8"))
    summary.bytes_in += bytes_in
    summary.bytes_out += bytes_out
    summary.encodings[outcome.encoding] += 1
    summary.cleaned += outcome.status == "cleaned"
    summary.unchanged += outcome.status == "unchanged"
    record.update(encoding=outcome.encoding, bytes_in=bytes_in, bytes_out=bytes_out, edits=len(outcome.edits))
    audit.write(record)
    summary.documents += outcome.documents
    summary.documents_dropped += outcome.dropped
    for doc_id, group in itertools.groupby(outcome.edits, key=lambda item: item[0]):
        edits = [edit for _, edit in group]
        summary.count_edits(edits)
        audit.write_edits(doc_id, edits)


def clean_bytes(
    data: bytes,
    name: str = "<stdin>",
    config: Config | None = None,
    *,
    fmt: str | None = None,
    text_field: str = "text",
) -> FileOutcome:
    """Clean one input given as bytes (e.g. standard input); raises :class:`InputError` if unreadable."""
    source = SourceFile(Path(name), name, fmt or format_of(name))
    loaded = load(source, data=data, text_field=text_field)
    return Corpus(config).clean_file(loaded, text_field)
