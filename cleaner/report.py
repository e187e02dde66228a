"""The audit record and the run summary.

The audit record is JSON Lines, deterministic (no timestamps, no absolute paths, files in sorted
order), one object per line:

- ``{"type": "run", "stages": [...], "dedup": "corpus"}``: what ran;
- ``{"type": "file", "doc": "a/b.txt", "status": "cleaned" | "unchanged" | "skipped", "encoding": ...,
  "bytes_in": ..., "bytes_out": ..., "edits": ..., "reason": ...}``: one per input file;
- ``{"type": "record", "doc": "a/b.jsonl:7", "status": "skipped", "reason": ...}``: a JSON Lines line
  that is not a record the cleaner can read, written back unchanged (after its file's line);
- ``{"type": "edit", "doc": "a/b.txt", "step": 3, "stage": "punctuation", "rule": "halfwidth_comma",
  "para": 12, "start": 40, "end": 41, "before": ",", "after": "，", "detail": {...}}``: one per edit,
  in the order they were made. ``start``/``end`` index the text as that step received it, so the
  edits of a document replay onto its decoded input to give its output (:func:`cleaner.replay`).
  A removed paragraph is an edit whose ``after`` is empty: its text is in ``before``.

These are the records :func:`read_audit` gives back. On disk the edits are by default written in
the compact layout (one line of columns per document, gzip: ``audit.jsonl.gz``), or one line each
with ``audit_format="verbose"``; see :mod:`cleaner.audit_file`.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cleaner.audit_file import (
    DEFAULT_FORMAT,
    VERBOSE,
    AuditReadError,
    CompactEncoder,
    EncodedEdits,
    audit_lines,
    check_format,
    compressed_text,
    count_keys,
    dumps,
    is_compressed_name,
    verbose_lines,
)
from cleaner.errors import CleanerError
from cleaner.io.paths import WriteGuard
from cleaner.io.writers import atomic_open
from cleaner.model import Edit

__all__ = ["AuditRecord", "AuditWriteError", "Summary", "dumps", "read_audit", "shown_path"]


class AuditWriteError(CleanerError):
    """The audit record could not be written (a full disk, an I/O error): the run stops there, as
    outputs whose edits are not recorded could not be explained or restored."""

    exit_code = 1


class AuditRecord(AbstractContextManager["AuditRecord"]):
    """Writes the audit record to ``path`` atomically (complete when the run ends, or not at all).

    ``audit_format`` is ``compact`` (edits in columns, one line per document) or ``verbose`` (one
    line per edit); a ``path`` ending in ``.gz`` is gzip-compressed (see :mod:`cleaner.audit_file`).
    ``guard``, if given, is checked before the temporary file is made (see :mod:`cleaner.io.paths`).
    """

    def __init__(self, path: Path | None, guard: WriteGuard | None = None, audit_format: str = DEFAULT_FORMAT) -> None:
        self.path = path
        self.format = check_format(audit_format)
        self._compressed = path is not None and is_compressed_name(path)
        self._context = atomic_open(path, guard, "the audit record", binary=self._compressed) if path else None
        self._handle: IO[str] | None = None
        self._encoder = CompactEncoder()

    def __enter__(self) -> AuditRecord:
        if self._context is not None:
            opened = self._context.__enter__()
            self._handle = compressed_text(opened) if self._compressed else opened
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self._context is None:
            return
        failure = None
        if exc_info[0] is None and self._compressed and self._handle is not None:
            try:
                self._handle.close()  # the gzip trailer, before the file is synced and renamed
            except OSError as error:
                failure = self._failure(error)
                exc_info = (AuditWriteError, failure, None)  # the temporary file goes
        try:
            self._context.__exit__(*exc_info)
        except OSError as error:
            if exc_info[0] is None:  # the fsync or the rename that puts the record in place
                raise self._failure(error) from None
            # (closing the temporary file failed as well: it is removed all the same, and the
            # first failure is the one to report)
        if failure is not None:
            raise failure

    def _failure(self, error: OSError) -> AuditWriteError:
        where = shown_path(self.path) if self.path is not None else "the audit record"
        return AuditWriteError(
            f"{where}: cannot write the audit record ({error.strerror or error}); the outputs written are"
            " complete, but their edits are not recorded: run again once the record can be written"
        )

    def _write(self, text: str) -> None:
        assert self._handle is not None
        try:
            self._handle.write(text)
        except OSError as error:
            raise self._failure(error) from None

    def write(self, record: dict[str, Any]) -> None:
        if self._handle is not None:
            self._write(dumps(record) + "\n")

    def write_edits(self, doc_id: str, edits: Sequence[Edit], ahead: EncodedEdits | None = None) -> None:
        """The edits of one document, in the order they were made (one write per document);
        ``ahead``: the first of them, encoded already for the compact layout."""
        if self._handle is None:
            return
        if self.format == VERBOSE:
            self._write(verbose_lines(doc_id, edits))
        else:
            self._write(self._encoder.lines(doc_id, edits, ahead))

    def defer(self) -> DeferredEdits:
        """A place for the edits of a file whose own line cannot be written yet (a file cleaned in
        parts: its line counts every part), encoded as :meth:`write_edits` would encode them next."""
        return DeferredEdits(self.format, self._encoder, keep=self._handle is not None)

    def write_deferred(self, deferred: DeferredEdits) -> None:
        """The deferred edits, in place now; the record goes on from where their encoding left off."""
        if self._handle is not None:
            try:
                deferred.copy_to(self._handle)
            except OSError as error:
                raise self._failure(error) from None
        self._encoder = deferred.encoder


class DeferredEdits:
    """Edits encoded for the audit record ahead of their place in it, held in a temporary file
    (in memory while small), with the state of the encoding (its table of kinds) they leave."""

    MEMORY = 8 << 20  # characters held in memory before the edits go to a temporary file

    def __init__(self, audit_format: str, encoder: CompactEncoder, keep: bool = True) -> None:
        self.format = audit_format
        self.encoder = copy.deepcopy(encoder)
        self._spool: IO[str] | None = None
        if keep:
            self._spool = tempfile.SpooledTemporaryFile(self.MEMORY, mode="w+", encoding="utf-8", newline="\n")

    def add(self, doc_id: str, edits: Sequence[Edit], ahead: EncodedEdits | None = None) -> None:
        if self._spool is None:
            self.encoder.lines(doc_id, edits, ahead)  # the table of kinds grows all the same
        elif self.format == VERBOSE:
            self._spool.write(verbose_lines(doc_id, edits))
        else:
            self._spool.write(self.encoder.lines(doc_id, edits, ahead))

    def copy_to(self, handle: IO[str]) -> None:
        if self._spool is not None:
            self._spool.seek(0)
            shutil.copyfileobj(self._spool, handle)

    def close(self) -> None:
        if self._spool is not None:
            self._spool.close()


def shown_path(path: Path) -> str:
    """``path`` as the user would type it: relative to the working folder when it lies under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_audit(path: str | Path) -> Iterator[dict[str, Any]]:
    """The records of an audit file, in order, whatever its layout: every edit as its verbose line.

    Raises :class:`cleaner.audit_file.AuditReadError` (a ``ValueError``) at a line it cannot read.
    """
    for number, record in audit_lines(path):
        if isinstance(record, str):
            raise AuditReadError(number, record)
        yield record


@dataclass
class Summary:
    """What a run did, for the closing summary and for callers of the API."""

    files: int = 0
    cleaned: int = 0
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # JSON Lines lines that were not readable records, written back unchanged: (file, reason).
    records_skipped: list[tuple[str, str]] = field(default_factory=list)
    # Documents a step left (partly) as they were: a line or paragraph over ``input.max_paragraph``
    # stopped the stages, or deduplication failed on them: (file, reason).
    partly_cleaned: list[tuple[str, str]] = field(default_factory=list)
    bytes_in: int = 0
    bytes_out: int = 0
    documents: int = 0
    documents_dropped: int = 0
    edits_by_stage: Counter[str] = field(default_factory=Counter)
    hits_by_rule: Counter[tuple[str, str]] = field(default_factory=Counter)
    removed_paragraphs: Counter[str] = field(default_factory=Counter)
    encodings: Counter[str] = field(default_factory=Counter)
    damaged: int = 0  # files read with undecodable bytes replaced
    uncertain: int = 0  # files skipped because no reading of their bytes was clearly plausible
    events: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    seconds: float = 0.0
    audit_path: Path | None = None
    config_file: Path | None = None  # the config file the run read (None: defaults and options only)
    rule_files: list[Path] = field(default_factory=list)  # the rule files applied, in order
    # Outputs an earlier run wrote whose input is gone, and those of them removed (--delete-stale).
    stale: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    # The run cache (DST/.cleaner/cache): files whose results it gave, outputs this run wrote (an
    # output that already held its bytes is left alone), and cache files ignored as unsound.
    reused: int = 0
    written: int = 0
    warnings: list[str] = field(default_factory=list)

    def count_edits(self, edits: Sequence[Edit], ahead: EncodedEdits | None = None) -> None:
        """Count a document's edits (:func:`cleaner.audit_file.count_keys`); ``ahead``: the first
        of them, counted already."""
        counters: dict[str, Counter] = {
            "events": self.events,
            "edits_by_stage": self.edits_by_stage,
            "hits_by_rule": self.hits_by_rule,
            "removed": self.removed_paragraphs,
        }
        if ahead is not None and ahead.count <= len(edits):
            for (which, key), number in ahead.tally:
                counters[which][key] += number
            edits = edits[ahead.count :]
        for edit in edits:
            for which, key in count_keys(edit):
                counters[which][key] += 1

    @property
    def exit_code(self) -> int:
        return 1 if self.skipped or self.records_skipped or self.partly_cleaned else 0

    def to_dict(self) -> dict[str, Any]:
        """The summary's numbers, for ``--summary-json`` and other programs."""
        return {
            "files": self.files,
            "changed": self.cleaned,
            "unchanged": self.unchanged,
            "skipped": [{"file": name, "reason": reason} for name, reason in self.skipped],
            "records_skipped": [{"file": name, "reason": reason} for name, reason in self.records_skipped],
            "partly_cleaned": [{"file": name, "reason": reason} for name, reason in self.partly_cleaned],
            "documents": self.documents,
            "documents_dropped": self.documents_dropped,
            "bytes_in": self.bytes_in,
            "bytes_out": self.bytes_out,
            "encodings": dict(sorted(self.encodings.items())),
            "encoding_uncertain": self.uncertain,
            "damaged": self.damaged,
            "edits": dict(self.edits_by_stage),
            "rule_hits": {rule: n for (stage, rule), n in sorted(self.hits_by_rule.items()) if stage == "rules"},
            "paragraphs_removed": dict(sorted(self.removed_paragraphs.items())),
            "events": [
                {"stage": stage, "rule": rule, "event": event, "count": n}
                for (stage, rule, event), n in sorted(self.events.items())
            ],
            "config": str(self.config_file) if self.config_file else None,
            "rules": [str(path) for path in self.rule_files],
            "stale": self.stale,
            "stale_deleted": self.deleted,
            "reused": self.reused,
            "outputs_written": self.written,
            "cache_warnings": self.warnings,
            "audit_record": str(self.audit_path) if self.audit_path else None,
            "seconds": round(self.seconds, 3),
            "exit_code": self.exit_code,
        }

    def format_stale(self) -> str:
        kept = [rel for rel in self.stale if rel not in self.deleted]
        parts = []
        if self.deleted:
            parts.append(f"{len(self.deleted)} deleted")
        if kept:
            parts.append(f"{len(kept)} kept (--delete-stale removes them)")
        return f"stale outputs (their input is gone): {len(self.stale)}, " + ", ".join(parts)

    def format_configuration(self) -> str:
        """Which config file and rule files the run used, saying so plainly when no rules applied."""
        config = shown_path(self.config_file) if self.config_file else "none found (defaults)"
        if self.rule_files:
            rules = ", ".join(shown_path(path) for path in self.rule_files)
        else:
            rules = "none apply"
        return f"config: {config}; rules: {rules}"

    def format(self) -> str:
        lines = [
            f"files: {self.files} ({self.cleaned} changed, {self.unchanged} unchanged, "
            f"{len(self.skipped)} skipped); documents: {self.documents}",
            f"bytes: {self.bytes_in:,} in, {self.bytes_out:,} out; time: {self.seconds:.2f} s",
        ]
        if self.reused:
            lines.append(
                f"reused: {self.reused} of {self.files} files from the run cache; outputs written: {self.written}"
            )
        if self.records_skipped:
            count = len(self.records_skipped)
            lines.append(f"records skipped: {count} (written back unchanged, listed in the audit record)")
        if self.partly_cleaned:
            lines.append(f"partly cleaned: {len(self.partly_cleaned)} (listed above and in the audit record)")
        if self.encodings or self.uncertain:
            damaged = f"; {self.damaged} with undecodable bytes replaced" if self.damaged else ""
            uncertain = f"; {self.uncertain} skipped, encoding uncertain (use --encoding)" if self.uncertain else ""
            found = ", ".join(f"{enc} {n}" for enc, n in sorted(self.encodings.items())) or "none"
            lines.append("encodings: " + found + damaged + uncertain)
        if self.edits_by_stage:
            lines.append("edits: " + ", ".join(f"{stage} {n}" for stage, n in self.edits_by_stage.items()))
        rules = [(rule, n) for (stage, rule), n in self.hits_by_rule.items() if stage == "rules"]
        if rules:
            top = sorted(rules, key=lambda item: (-item[1], item[0]))[:10]
            more = f" (+{len(rules) - 10} more)" if len(rules) > 10 else ""
            lines.append("rule hits: " + ", ".join(f"{rule} {n}" for rule, n in top) + more)
        removed = sum(self.removed_paragraphs.values())
        if removed or self.documents_dropped:
            kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(self.removed_paragraphs.items()))
            lines.append(f"paragraphs removed: {removed} ({kinds}); documents dropped: {self.documents_dropped}")
        if self.events:
            events = sorted(self.events.items())
            lines.append("events: " + ", ".join(f"{stage}/{rule} {event} ×{n}" for (stage, rule, event), n in events))
        lines.append(self.format_configuration())
        if self.stale:
            lines.append(self.format_stale())
        if self.audit_path:
            lines.append(f"audit record: {self.audit_path}")
        return "\n".join(lines)
