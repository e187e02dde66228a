"""Cleaning a corpus: readers → per-document pipeline → corpus-wide dedup → writers + audit record.

Files are processed in sorted order of their relative paths, so output and audit are byte-identical
whatever order the file system lists them in, and "keep the first copy" means the same copy on
every run. Each output is written atomically after its file has been fully processed.
"""

from __future__ import annotations

import codecs
import collections
import contextlib
import dataclasses
import functools
import hashlib
import itertools
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

from cleaner import incremental, stale
from cleaner.audit_file import DEFAULT_FORMAT, NAMES, EncodedEdits, audit_in
from cleaner.config import Config, discover_config, rule_files_of
from cleaner.errors import ConfigError, InputError
from cleaner.io.decoding import (
    MIXED_LINES_NOTE,
    UNCERTAIN,
    EncodingChoice,
    reads_back,
    reads_back_file,
    self_describing,
)
from cleaner.io.locking import STATE_DIR, folder_lock, lock_path
from cleaner.io.paths import UnsafeWriteError, WriteGuard, display_name, has_valid_name, real
from cleaner.io.readers import (
    DEFAULT_GLOBS,
    FilePart,
    LoadedFile,
    SourceFile,
    discover,
    format_of,
    load,
    load_part,
    no_good_record,
    read_bytes,
)
from cleaner.io.regular import NotReadable, open_regular, too_large
from cleaner.io.writers import (
    CountingWriter,
    ascii_record,
    atomic_open,
    durable_writes,
    file_bytes,
    remove_leftover_temporaries,
    render_jsonl,
    render_text,
    verbatim_lines,
    write_atomic,
)
from cleaner.model import AFTER_DEDUP, Document, Edit
from cleaner.partitioning import Unit, units_of
from cleaner.pipeline import Pipeline, Result, renumber_steps
from cleaner.report import AuditRecord, DeferredEdits, Summary
from cleaner.workers import WorkerPool, default_jobs

if TYPE_CHECKING:
    from cleaner.dedup.sketch import DocumentSketch, Sketches

AUDIT_DIR = STATE_DIR
# The default audit record is DST/.cleaner/audit.jsonl.gz (compact); --audit-format verbose writes
# DST/.cleaner/audit.jsonl. A run removes either before it writes its own.
AUDIT_NAME = NAMES[DEFAULT_FORMAT]
AUDIT_NAMES = tuple(NAMES.values())


def default_audit_path(dst: Path, audit_format: str = DEFAULT_FORMAT) -> Path:
    """Where a run into ``dst`` writes its audit record in ``audit_format``."""
    return dst / AUDIT_DIR / NAMES[audit_format]


def existing_audit(dst: Path) -> Path:
    """The audit record the last run into ``dst`` wrote (compact first), or the default path if none."""
    return audit_in(dst / AUDIT_DIR)


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
    # JSON Lines lines (Parquet rows) written back unread, as (line number, "file:line: why").
    rejected: list[tuple[int, str]] = field(default_factory=list)
    # The output file's bytes when they are not ``after`` in UTF-8: compressed, or Parquet (whose
    # ``before`` and ``after`` show the text column, one JSON string per row).
    payload: bytes | None = None
    digest: str | None = None  # the SHA-256 of the input's bytes, when they were read
    # Taken from the run cache rather than cleaned again (see cleaner.incremental). A file reused
    # by a run over unchanged inputs has no texts or edits here: ``tally`` and ``notes`` stand in.
    reused: bool = False
    tally: list[tuple[str, int]] | None = None  # edits that changed something, by stage, in order
    notes: list[str] | None = None  # why documents were partly cleaned (see partly_cleaned)
    size_out: int | None = None  # the output's size, when ``after`` and ``payload`` are not here
    output_digest: str | None = None  # the output's SHA-256, when ``after`` and ``payload`` are not here
    # For a part of a Parquet file cleaned in parts: its output row groups (a
    # cleaner.io.parquet.OutputGroups), which the writer appends to the file's output.
    row_groups: Any = None
    # For a part of a JSON Lines file cleaned in parts: which lines of ``after`` are bad lines
    # written back as they were (from 0), the others being records.
    verbatim: list[int] | None = None
    # The first edits of documents (by id), encoded for the audit record where they were made.
    encoded: dict[str, EncodedEdits] | None = None

    @property
    def bytes_out(self) -> int:
        """The size of the output file."""
        if self.size_out is not None:
            return self.size_out
        return len(self.payload) if self.payload is not None else len(self.after.encode("utf-8"))

    @functools.cached_property
    def changes(self) -> list[tuple[str, Edit]]:
        """The edits that changed something (events left out); worked out once, as a file can have
        tens of thousands of edits and the summary, the audit record and the cache each ask."""
        return [(doc, edit) for doc, edit in self.edits if not edit.is_event]

    def changes_by_stage(self) -> list[tuple[str, int]]:
        """How many edits changed something, by stage, in the order the stages first made one."""
        if self.tally is not None:
            return list(self.tally)
        return list(collections.Counter(edit.stage for _, edit in self.changes).items())


# Rounds of reading a document again after dedup (a join there can make a copy, whose removal
# can make another join).
MAX_AFTER_DEDUP_ROUNDS = 3


class Corpus:
    """The pipeline plus the corpus-wide steps, for one run over many documents."""

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or Config()
        EncodingChoice.parse(self.config.input.encoding)  # a bad encoding name stops the run before it starts
        self.pipeline = Pipeline(self.config)
        # Reads documents again after dedup (Pipeline.relayout) elsewhere, e.g. on worker processes:
        # one result per document, None where it is to be done here. None: all done here.
        self.relayouts: Callable[[list[Document]], list[Result | None]] | None = None
        self.deduplicator = None
        if self.config.dedup.enabled:
            from cleaner.dedup import Deduplicator

            self.deduplicator = Deduplicator(self.config.dedup)

    @property
    def stage_names(self) -> list[str]:
        return self.pipeline.stage_names + (["dedup"] if self.deduplicator is not None else [])

    def clean_document(self, doc: Document) -> tuple[Document | None, list[Edit]]:
        """Run every step on one document; ``None`` means the document was dropped as a duplicate."""
        result = self.pipeline.clean_document(doc)
        return _merge(result, self._dedup_one(result.document))

    def _dedup_one(self, doc: Document) -> tuple[Document | None, list[Edit]]:
        return self.deduplicator.process(doc) if self.deduplicator is not None else (doc, [])

    def clean_file(self, loaded: LoadedFile, text_field: str = "text") -> FileOutcome:
        return self.finish(prepare_loaded(self.pipeline, loaded), text_field)

    def finish_or_skip(
        self,
        prepared: Prepared,
        text_field: str = "text",
        deduplicated: list[tuple[Document | None, list[Edit]]] | None = None,
        ahead: dict[str, tuple[Document, Result]] | None = None,
    ) -> FileOutcome:
        """:meth:`finish`, with a failure in it costing this file only (skipped with the reason)."""
        try:
            return self.finish(prepared, text_field, deduplicated, ahead)
        except Exception as exc:
            loaded = prepared.loaded
            return _internal_error(loaded.source, loaded.encoding, exc)

    def finish_all(self, items: Iterable[Prepared | FileOutcome], text_field: str = "text") -> Iterator[FileOutcome]:
        """The corpus-wide steps over files in order, one outcome per item, in the same order.

        Dedup works on batches of documents that may span several files (much cheaper per
        paragraph than one call per document), so an outcome can come a few files after its file
        was read; the results are exactly those of deduplicating document by document. The caller
        says of each outcome whether its output was written (:meth:`settle`), before it asks for
        the next: a file not written stops counting as an original (see
        :meth:`cleaner.dedup.Deduplicator.withdraw`).
        """
        if self.deduplicator is None:
            for item in items:
                yield item if isinstance(item, FileOutcome) else self.finish_or_skip(item, text_field)
            return
        self.deduplicator.provisional = True
        pending: collections.deque[Prepared | FileOutcome] = collections.deque()
        done: collections.deque[tuple[Document | None, list[Edit]]] = collections.deque()

        def documents() -> Iterator[tuple[Document, DocumentSketch | None]]:
            for item in items:
                pending.append(item)
                if isinstance(item, Prepared):
                    yield from item.documents()

        def ready() -> Iterator[FileOutcome]:
            group: list[FileOutcome | tuple[Prepared, list[tuple[Document | None, list[Edit]]]]] = []
            while pending and (isinstance(pending[0], FileOutcome) or len(done) >= len(pending[0].results)):
                item = pending.popleft()
                group.append(item if isinstance(item, FileOutcome) else (item, [done.popleft() for _ in item.results]))
            ahead = self._relayout_ahead([entry for entry in group if isinstance(entry, tuple)])
            for entry in group:
                if isinstance(entry, FileOutcome):
                    yield entry
                else:
                    yield self.finish_or_skip(entry[0], text_field, entry[1], ahead)

        for output in self.deduplicator.process_all(documents()):
            done.append(output)
            yield from ready()
        yield from ready()

    def settle(self, outcome: FileOutcome) -> None:
        """Dedup told whether ``outcome``'s file was written: if it was skipped, its paragraphs are
        originals no more (a later copy is kept, and so is one decided against it already)."""
        if self.deduplicator is None:
            return
        if outcome.status == "skipped":
            self.deduplicator.withdraw(outcome.source.rel)
        else:
            self.deduplicator.settle(outcome.source.rel)

    def _relayout_ahead(
        self, files: list[tuple[Prepared, list[tuple[Document | None, list[Edit]]]]]
    ) -> dict[str, tuple[Document, Result]]:
        """The first after-dedup reading (:meth:`_clean_after_removals`) of each document of
        ``files`` dedup removed paragraphs from, made together (by :attr:`relayouts`, on the worker
        processes, where there are some), by document id, with the document it read. It needs no
        dedup state; :meth:`finish` uses one only if its document is still the one read (a file
        withdrawn meanwhile can give a paragraph back), else it reads the document itself."""
        documents = []
        for _, steps in files:
            for cleaned, corpus_edits in steps:  # as decided: reinstate (withdrawals) is rare, and counts
                if cleaned is not None and any(not edit.is_event for edit in corpus_edits):
                    documents.append(cleaned)
        if not documents:
            return {}
        reads = self.relayouts(documents) if self.relayouts is not None else relayout_here(self.pipeline, documents)
        return {doc.id: (doc, read) for doc, read in zip(documents, reads, strict=True) if read is not None}

    def _clean_after_removals(
        self, doc: Document, edits: list[Edit], ahead: tuple[Document, Result] | None = None
    ) -> Document:
        """``doc``, from which the corpus-wide steps removed paragraphs, cleaned once more as the
        next run would clean it (``Pipeline.relayout``), the edits (events aside) appended to
        ``edits`` after the corpus-wide steps': where a copy went, two paragraphs now meet
        (``…是块相当的牌子，`` / ``——通过…``) and may read as one; a line that recurred, and so
        stood apart as a running head would, may now occur once. The edits are marked
        (``AFTER_DEDUP`` in their detail): to put a removed paragraph back, ``cleaner restore``
        undoes them first. ``ahead``: the first reading, made already, and the document it read."""
        for round_ in range(MAX_AFTER_DEDUP_ROUNDS):
            if round_ == 0 and ahead is not None and _same_document(ahead[0], doc):
                again = ahead[1]
            else:
                again = self.pipeline.relayout(doc)
            changes = [edit for edit in again.edits if not edit.is_event]
            if not changes:
                break
            before = doc.paragraphs
            doc = again.document
            # A join can make a paragraph that copies one kept before (the next run would remove it).
            fresh = _new_paragraphs(before, doc.paragraphs)
            doc, removed = self.deduplicator.remove_exact_copies(doc, fresh) if self.deduplicator else (doc, [])
            for group in (changes, removed):
                marked = [dataclasses.replace(e, detail={**(e.detail or {}), AFTER_DEDUP: True}) for e in group]
                renumber_steps(marked, edits[-1].step + 1 if edits else 0, edits)
            if not removed:
                break
        return doc

    def finish(
        self,
        prepared: Prepared,
        text_field: str = "text",
        deduplicated: list[tuple[Document | None, list[Edit]]] | None = None,
        ahead: dict[str, tuple[Document, Result]] | None = None,
    ) -> FileOutcome:
        """One file whose documents went through the pipeline, after the corpus-wide steps.

        ``deduplicated`` holds the dedup step's result for each document when the caller ran it in
        batches; ``None`` runs the corpus-wide steps here, document by document. ``ahead``: first
        after-dedup readings made already (:meth:`_relayout_ahead`).
        """
        loaded = prepared.loaded
        outputs: list[Document | None] = []
        edits: list[tuple[str, Edit]] = []
        for i, (doc, result) in enumerate(zip(loaded.documents, prepared.results, strict=True)):
            step = self._dedup_one(result.document) if deduplicated is None else deduplicated[i]
            if self.deduplicator is not None:  # a file withdrawn since this document was decided
                step = self.deduplicator.reinstate(result.document, step)
            cleaned, doc_edits = _merge(result, step)
            if cleaned is not None and any(not edit.is_event for edit in step[1]):
                cleaned = self._clean_after_removals(cleaned, doc_edits, (ahead or {}).get(cleaned.id))
            outputs.append(cleaned)
            edits.extend((doc.id, edit) for edit in doc_edits)
        marks = None
        if self.config.layout.furniture == "mark" and loaded.records is not None:
            marks = [furniture_marks(doc_edits) for doc_edits in _by_document(loaded.documents, edits)]
        after, payload = render_file(loaded, outputs, text_field, marks)
        before = loaded.text
        status = "cleaned" if any(not edit.is_event for _, edit in edits) else "unchanged"
        outcome = FileOutcome(
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
            rejected=[(bad.line, bad.reason) for bad in loaded.rejected],
            payload=payload,
            digest=prepared.digest,
            reused=prepared.reused,
        )
        ids = [doc.id for doc in loaded.documents]
        if prepared.encoded is not None and len(set(ids)) == len(ids):
            outcome.encoded = dict(zip(ids, prepared.encoded, strict=True))
        if loaded.part is not None and loaded.parquet is not None:
            from cleaner.io.parquet import output_of

            outcome.row_groups = output_of(loaded, outputs)
        elif loaded.part is not None:
            outcome.verbatim = verbatim_lines([bad.position for bad in loaded.rejected], outputs)
        return outcome


FURNITURE_RULES = {"drop_page_number": "page_number", "drop_running_head": "running_head"}
FURNITURE_FIELD = "furniture"


def furniture_marks(edits: list[Edit]) -> list[dict[str, str]]:
    """The page furniture the layout stage dropped from one document, in order, as ``{"kind",
    "text"}`` entries: what ``layout.furniture: mark`` lists in each JSON Lines record."""
    return [
        {"kind": FURNITURE_RULES[edit.rule], "text": edit.before.strip()}
        for edit in edits
        if edit.stage == "layout" and edit.rule in FURNITURE_RULES
    ]


def relayout_here(pipeline: Pipeline, documents: list[Document]) -> list[Result | None]:
    """:meth:`Pipeline.relayout` of each document; ``None`` for one it fails on (read again by
    :meth:`Corpus.finish`, where the failure skips its file alone)."""
    reads: list[Result | None] = []
    for doc in documents:
        try:
            reads.append(pipeline.relayout(doc))
        except Exception:
            reads.append(None)
    return reads


def _same_document(one: Document, other: Document) -> bool:
    return one is other or (one.id == other.id and one.text == other.text and one.meta == other.meta)


def _by_document(documents: list[Document], edits: list[tuple[str, Edit]]) -> list[list[Edit]]:
    grouped: dict[str, list[Edit]] = {}
    for doc_id, edit in edits:
        grouped.setdefault(doc_id, []).append(edit)
    return [grouped.get(doc.id, []) for doc in documents]


def render_file(
    loaded: LoadedFile,
    outputs: list[Document | None],
    text_field: str,
    marks: list[list[dict[str, str]]] | None = None,
) -> tuple[str, bytes | None]:
    """The output of one file for its cleaned documents (``None``: dropped): its text, and its bytes
    when they are not that text in UTF-8 (a compressed file, a Parquet file). ``marks`` holds each
    JSON Lines record's furniture, written in its ``furniture`` field (``layout.furniture: mark``).

    The text is one that reads back as itself: the rare output whose UTF-8 bytes would be read
    again as another encoding (a few rare characters) is written with JSON escapes (JSON Lines)
    or a BOM, so that cleaning the output again changes nothing."""
    if loaded.parquet is not None:
        from cleaner.io.parquet import render_parquet, text_view

        if loaded.part is not None:  # its row groups go into the file's output (FileOutcome.row_groups)
            return "", None
        return text_view(outputs, loaded), render_parquet(loaded, outputs, text_field)
    if loaded.records is not None:
        verbatim = [(bad.position, bad.text) for bad in loaded.rejected]
        records = loaded.records
        if marks is not None:
            records = [{**record, FURNITURE_FIELD: found} for record, found in zip(records, marks, strict=True)]
        after = render_jsonl(records, outputs, text_field, verbatim)
        if loaded.part is not None:  # whether the file's output reads back is seen once it is whole (_Joined)
            return after, None
        if not reads_back(after):  # the same records in ASCII escapes read back as they are
            after = self_describing(render_jsonl(records, outputs, text_field, verbatim, ascii_only=True))
    else:
        after = self_describing(render_text(outputs[0]))
    codec = loaded.source.codec
    return after, None if codec is None else file_bytes(after, codec)


@dataclass
class Prepared:
    """A file after the per-document stages: what a worker hands back to the corpus-wide steps."""

    loaded: LoadedFile
    results: list[Result]
    digest: str | None = None  # the SHA-256 of the bytes that were cleaned
    reused: bool = False  # the results came from the run cache
    # The documents' dedup sketches, made where the file was prepared (None: dedup makes them).
    sketches: Sketches | None = None
    # Each result's edits encoded for the audit record where they were made (None: not done).
    encoded: list[EncodedEdits] | None = None

    def documents(self) -> Iterator[tuple[Document, DocumentSketch | None]]:
        """The documents as the stages left them, each with its sketch if it has one."""
        sketches = self.sketches if self.sketches is not None else [None] * len(self.results)
        return zip((result.document for result in self.results), sketches, strict=True)


def prepare_loaded(pipeline: Pipeline, loaded: LoadedFile, digest: str | None = None) -> Prepared:
    return Prepared(loaded, [pipeline.clean_document(doc) for doc in loaded.documents], digest)


def encoding_for(config: Config, rel: str) -> str | None:
    """The encoding the configuration gives for the file ``rel``; ``None``: sniff it."""
    return _encoding_choice(config.input.encoding).for_file(rel)


@functools.cache
def _encoding_choice(entries: tuple[str, ...]) -> EncodingChoice:
    return EncodingChoice.parse(entries)


def prepare(pipeline: Pipeline, source: SourceFile, text_field: str) -> Prepared | FileOutcome:
    """Read one file and run the per-document stages; a skipped outcome if it cannot be done.

    Whatever goes wrong with one file stays with that file: the run goes on with the next.
    """
    read = read_source(pipeline.config, source, text_field)
    if isinstance(read, FileOutcome):
        return read
    loaded, data = read
    try:
        return prepare_loaded(pipeline, loaded, None if data is None else incremental.digest(data))
    except Exception as exc:  # a bug in a stage must not lose the run or leave a partial output
        return _internal_error(source, loaded.encoding, exc)


def read_source(config: Config, source: SourceFile, text_field: str) -> tuple[LoadedFile, bytes | None] | FileOutcome:
    """One input read and decoded (with its bytes as stored), or the skipped outcome saying why not."""
    if not has_valid_name(source.rel):
        return _unnamed(source)

    def read() -> tuple[LoadedFile, bytes | None]:
        data = None if source.unlisted else read_bytes(source.path, source.rel, config.input.max_file_size)
        return load_source(config, source, text_field, data), data

    read_in = _read_or_skip(source, read)
    if isinstance(read_in, FileOutcome):
        return read_in
    return failed_by_bad_records(read_in[0], config) or read_in


Read = TypeVar("Read")


def _read_or_skip(source: SourceFile, read: Callable[[], Read]) -> Read | FileOutcome:
    """What ``read()`` reads of ``source``, or the skipped outcome saying why it could not."""
    try:
        return read()
    except InputError as exc:
        return FileOutcome(source, "skipped", reason=str(exc))
    except Exception as exc:  # a reader bug, or input no check foresaw: this file only
        return FileOutcome(source, "skipped", reason=f"{source.rel}: cannot read ({type(exc).__name__}: {exc})")


def prepare_unit(pipeline: Pipeline, unit: Unit, text_field: str) -> Prepared | FileOutcome:
    """One unit of work (:mod:`cleaner.partitioning`) through the per-document stages: a whole file
    (:func:`prepare`), or a part of one, read alone (a skipped outcome fails the whole file)."""
    if isinstance(unit, SourceFile):
        return prepare(pipeline, unit, text_field)
    loaded = _read_or_skip(unit.source, lambda: load_part(unit, text_field))
    if isinstance(loaded, FileOutcome):
        return loaded
    try:
        return prepare_loaded(pipeline, loaded, unit.digest)
    except Exception as exc:  # as in prepare: this file only
        return _internal_error(unit.source, loaded.encoding, exc)


def load_source(config: Config, source: SourceFile, text_field: str, data: bytes | None) -> LoadedFile:
    """One input (its bytes as stored, if already read) decoded into documents, as ``config`` says."""
    encoding = encoding_for(config, source.rel)
    return load(source, data=data, text_field=text_field, encoding=encoding, max_bytes=config.input.max_file_size)


def failed_by_bad_records(loaded: LoadedFile, config: Config) -> FileOutcome | None:
    """With ``input.on_error: fail`` (``--on-error fail``), a JSON Lines file with a bad line (a
    Parquet file with a bad row) is skipped whole: no output, each bad line still reported.
    ``None``: the file goes on."""
    if not loaded.rejected or config.input.on_error != "fail":
        return None
    bad = len(loaded.rejected)
    what = "Parquet row" if loaded.parquet is not None else "JSON Lines record"
    reason = f"{loaded.source.rel}: {bad} bad {what}{'s' if bad > 1 else ''} (--on-error fail)"
    rejected = [(record.line, record.reason) for record in loaded.rejected]
    return FileOutcome(loaded.source, "skipped", loaded.encoding, reason, rejected=rejected)


def _unnamed(source: SourceFile) -> FileOutcome:
    """A file whose name is not UTF-8 is skipped: its name could not go into the UTF-8 audit record.

    The outcome carries the name escaped (``bad\\xff.txt``), which is all the audit and the
    terminal ever see; no output is written for it.
    """
    shown = display_name(source.rel)
    reason = f"{shown}: the file name is not valid UTF-8; rename the file to clean it"
    return FileOutcome(SourceFile(source.path, shown, source.format), "skipped", reason=reason)


def _internal_error(source: SourceFile, encoding: str, exc: Exception) -> FileOutcome:
    reason = f"{source.rel}: internal error in cleaning ({type(exc).__name__}: {exc})"
    return FileOutcome(source, "skipped", encoding, reason)


# Worker processes build their own pipeline once (rules compiled, tables loaded), then prepare files.
def _init_worker(config: Config, text_field: str) -> tuple[Pipeline, str]:
    return Pipeline(config), text_field


@dataclass
class _Relayout:
    """Documents to read again after dedup, on a worker (see :meth:`Corpus._relayout_ahead`), as
    (id, text, meta): their paragraphs, split already, need not travel."""

    documents: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def add(self, doc: Document) -> None:
        self.documents.append((doc.id, doc.text, doc.meta))


# What a worker sends back for a reading that changes nothing (its text need not travel back).
_NO_CHANGE = Result(Document("", ""), [])


def _prepare_in_worker(state: tuple[Pipeline, str], item: Unit | _Relayout) -> Prepared | FileOutcome | list:
    pipeline, text_field = state
    if isinstance(item, _Relayout):
        return relayout_piece(pipeline, item)
    return prepare_sketched(pipeline, item, text_field)


def relayout_piece(pipeline: Pipeline, piece: _Relayout) -> list[Result | None]:
    """:func:`relayout_here` of a piece's documents where it was sent (a worker, a Ray actor); a
    reading that changes nothing comes back without its text."""
    reads = relayout_here(pipeline, [Document(*fields) for fields in piece.documents])
    return [_NO_CHANGE if read is not None and all(e.is_event for e in read.edits) else read for read in reads]


# The documents of a group read again on the workers go in pieces of about this many characters
# (each a message each way), fewer where that would leave a worker idle.
_RELAYOUT_PIECE = 64_000


def relayout_pieces(documents: list[Document], workers: int) -> list[_Relayout]:
    """``documents`` in consecutive pieces for ``workers`` to read again (see ``_RELAYOUT_PIECE``)."""
    total = sum(len(doc.text) for doc in documents)
    size = min(_RELAYOUT_PIECE, total // workers + 1)
    pieces: list[_Relayout] = []
    length = size
    for doc in documents:
        if length >= size:
            pieces.append(_Relayout([]))
            length = 0
        pieces[-1].add(doc)
        length += len(doc.text)
    return pieces


def _relayouts_on(pool: WorkerPool, documents: list[Document]) -> list[Result | None]:
    """:func:`relayout_here` of ``documents``, in pieces spread over ``pool``'s workers, ahead of
    the files they are preparing; a piece whose worker failed is left to the caller (``None``)."""
    pieces = relayout_pieces(documents, pool.jobs)
    reads = pool.run_now(pieces, lambda piece, _reason: [None] * len(piece.documents))
    return [read for piece in reads for read in piece]


def prepare_sketched(pipeline: Pipeline, unit: Unit, text_field: str) -> Prepared | FileOutcome:
    """:func:`prepare_unit`, and the dedup sketches of its documents made here too: where files are
    prepared in parallel (workers, Ray actors), that part of dedup is then no longer the main
    process's. A failure to make them leaves them to dedup, which then reports it as its own."""
    item = prepare_unit(pipeline, unit, text_field)
    if isinstance(item, Prepared) and pipeline.config.dedup.enabled:
        from cleaner.dedup.sketch import sketch_documents

        with contextlib.suppress(Exception):
            item.sketches = sketch_documents([result.document for result in item.results], pipeline.config.dedup)
    if isinstance(item, Prepared):  # and their audit lines, but for what dedup adds
        with contextlib.suppress(Exception):
            item.encoded = [EncodedEdits(result.edits) for result in item.results]
    return item


def _failed_in_worker(unit: Unit, reason: str) -> FileOutcome:
    """A file (or part of one) whose worker died on it, or let an exception escape: skipped, with why."""
    source = unit if isinstance(unit, SourceFile) else unit.source
    if not has_valid_name(source.rel):
        source = SourceFile(source.path, display_name(source.rel), source.format)
    return FileOutcome(source, "skipped", reason=f"{source.rel}: {reason}")


ENGINES = ("local", "ray")


def check_engine(engine: str, address: str | None) -> None:
    """Refuse an unknown engine, or a cluster address without the Ray engine."""
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if address and engine != "ray":
        raise ConfigError("--address is for --engine ray")


@contextlib.contextmanager
def _preparing(
    corpus: Corpus,
    units: list[Unit],
    text_field: str,
    jobs: int,
    engine: str = "local",
    address: str | None = None,
    run_cache: incremental.RunCache | None = None,
    reuse: bool = True,
) -> Iterator[Iterator[Prepared | FileOutcome]]:
    """Units of work (files, and parts of big files: :mod:`cleaner.partitioning`) through the
    per-document stages, in ``units`` order, on ``jobs`` processes; one result per unit.

    ``engine="ray"`` runs them on Ray actors instead (``jobs`` of them, on the cluster at
    ``address`` or a local instance): see :mod:`cleaner.ray_engine`. Either way the results are
    the same objects in the same order. With a ``run_cache``, the inputs it has results for (same
    bytes, same key; unless not ``reuse``) are taken from it, and only the others are cleaned,
    their results stored in it. Parts of files are always cleaned, and not stored.

    Results come back in input order whatever the workers' speed, and at most a few files per
    worker are in flight, so memory stays bounded on large corpora. The workers live as long as
    the block (see :mod:`cleaner.workers`): leaving it, by an interrupt too, ends them.
    """
    digests: list[str | None] = [None] * len(units)
    if run_cache is not None and reuse and run_cache.folder.is_dir():  # no folder: nothing to reuse, no need to hash
        digests = [_input_digest(corpus.config, unit) if isinstance(unit, SourceFile) else None for unit in units]
    cached = [
        isinstance(unit, SourceFile) and found is not None and run_cache is not None and run_cache.has(unit.rel, found)
        for unit, found in zip(units, digests, strict=True)
    ]
    fresh = [unit for unit, hit in zip(units, cached, strict=True) if not hit]
    with contextlib.ExitStack() as stack:
        prepared: Iterator[Prepared | FileOutcome]
        if not fresh:  # everything came from the run cache: no worker, no Ray instance
            prepared = iter(())
        elif engine == "ray":
            from cleaner.ray_engine import RayOptions, preparing

            on_ray = preparing(corpus.config, fresh, text_field, RayOptions(address, jobs))
            prepared, corpus.relayouts = stack.enter_context(on_ray)
            stack.callback(setattr, corpus, "relayouts", None)
        elif jobs <= 1 or len(fresh) < 2:
            prepared = (prepare_unit(corpus.pipeline, unit, text_field) for unit in fresh)
        else:
            jobs = min(jobs, len(fresh))
            setup_args = (corpus.config, text_field)
            pool = WorkerPool(jobs, _init_worker, setup_args, _prepare_in_worker, _failed_in_worker)
            prepared = stack.enter_context(pool).map_ordered(fresh, window=jobs * 4)
            corpus.relayouts = functools.partial(_relayouts_on, pool)
            stack.callback(setattr, corpus, "relayouts", None)
        if run_cache is not None:
            prepared = _with_cached(corpus, units, digests, cached, prepared, run_cache, text_field)
        yield prepared


def _input_digest(config: Config, source: SourceFile) -> str | None:
    """The SHA-256 of an input's bytes, read in chunks (a big file need not fit in memory);
    ``None`` if they cannot be read (it is then cleaned, and skipped with the reason)."""
    if source.unlisted or not has_valid_name(source.rel):
        return None
    try:
        with open_regular(source.path) as handle:
            if os.fstat(handle.fileno()).st_size > config.input.max_file_size:
                return None
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except (NotReadable, OSError):
        return None


def _with_cached(
    corpus: Corpus,
    units: list[Unit],
    digests: list[str | None],
    cached: list[bool],
    fresh: Iterator[Prepared | FileOutcome],
    run_cache: incremental.RunCache,
    text_field: str,
) -> Iterator[Prepared | FileOutcome]:
    """Each file's result in order: cached ones read here, the others from ``fresh`` (and stored).

    A cached result that cannot be used after all (its file is damaged, or the input changed since
    it was hashed) is made again here, in this process."""
    for unit, found, hit in zip(units, digests, cached, strict=True):
        if isinstance(unit, FilePart):
            yield next(fresh)
            continue
        item = _reuse(corpus, unit, found, run_cache, text_field) if hit and found else None
        if item is None:
            item = prepare(corpus.pipeline, unit, text_field) if hit else next(fresh)
            if isinstance(item, Prepared) and item.digest is not None:
                run_cache.hold(unit.rel, item.digest, item.results)
        yield item


def _reuse(
    corpus: Corpus, source: SourceFile, found: str, run_cache: incremental.RunCache, text_field: str
) -> Prepared | None:
    """An input read again and paired with its cached results; ``None`` if they do not fit."""
    results = run_cache.load(source.rel, found)
    read = read_source(corpus.config, source, text_field) if results is not None else None
    if results is None or read is None or isinstance(read, FileOutcome):
        return None  # cleaning it again reports whatever is wrong
    loaded, data = read
    if data is None or incremental.digest(data) != found:  # changed since it was hashed
        return None
    if [doc.id for doc in loaded.documents] != [result.document.id for result in results]:
        return None
    return Prepared(loaded, results, found, reused=True)


def _new_paragraphs(before: Sequence[str], after: Sequence[str]) -> list[int]:
    """The paragraphs of ``after`` that ``before`` did not have, counted with repeats: a join that
    makes a second copy of a paragraph is new."""
    left = collections.Counter(before)
    found = []
    for i, paragraph in enumerate(after):
        if left[paragraph]:
            left[paragraph] -= 1
        else:
            found.append(i)
    return found


def _merge(result: Result, deduplicated: tuple[Document | None, list[Edit]]) -> tuple[Document | None, list[Edit]]:
    """The pipeline's edits followed by the corpus-wide steps', with steps numbered on."""
    cleaned, corpus_edits = deduplicated
    if not corpus_edits:
        return cleaned, result.edits
    edits = list(result.edits)
    renumber_steps(corpus_edits, edits[-1].step + 1 if edits else 0, edits)
    return cleaned, edits


def check_paths(src: Path, dst: Path) -> None:
    """Refuse runs that could overwrite or re-read their own inputs."""
    if not src.exists():
        raise ConfigError(f"{src}: no such file or folder")
    if dst.exists() and not dst.is_dir():
        raise ConfigError(f"{dst}: the destination must be a folder, and this is a file")
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


def output_path(src: Path, dst: Path, source: SourceFile) -> Path:
    """Where ``source``'s output goes: its path relative to SRC under DST (its name, for one file)."""
    return dst / source.rel if src.is_dir() else dst / source.path.name


@dataclass
class WritePlan:
    """Everything a run will write, each path checked (see :mod:`cleaner.io.paths`) before any is."""

    dst: Path | None = None  # None: no outputs (a dry run)
    audit_path: Path | None = None
    outputs: dict[str, Path] = field(default_factory=dict)  # relative path -> output
    guard: WriteGuard | None = None  # for everything written in DST
    audit_guard: WriteGuard | None = None


def plan_writes(src: Path, dst: Path | None, files: list[SourceFile], audit_path: Path | None) -> WritePlan:
    """Check every path the run will write; raise :class:`UnsafeWriteError` before anything is written.

    Outputs, their folders, the lock and the default audit record must resolve inside DST (a
    ``--report`` file: inside the folder it is named in); all of them must resolve outside SRC and
    every input file (a symlink in SRC can point anywhere), and the audit record must not be one
    of the outputs.
    """
    plan = WritePlan(dst, audit_path)
    trees = [src] if src.is_dir() else []
    inputs = [src, *(f.path for f in files)] if src.is_dir() else [src]
    if dst is not None:
        plan.guard = WriteGuard.create(dst, trees, inputs)
        plan.guard.check(lock_path(dst), "the lock file")
        for source in files:
            if has_valid_name(source.rel):
                plan.outputs[source.rel] = output_path(src, dst, source)
                plan.guard.check(plan.outputs[source.rel])
    if audit_path is not None:
        in_dst = dst is not None and audit_path.parent == dst / AUDIT_DIR and audit_path.name in AUDIT_NAMES
        plan.audit_guard = WriteGuard.create(dst if in_dst else audit_path.parent, trees, inputs)
        plan.audit_guard.check(audit_path, "the audit record")
        _check_audit_is_no_output(audit_path, plan.outputs.values())
    return plan


def _check_audit_is_no_output(audit_path: Path, outputs: Iterable[Path]) -> None:
    resolved = real(audit_path)
    for output in outputs:
        if real(output) == resolved:
            raise UnsafeWriteError(f"{display_name(str(audit_path))}: the audit record would overwrite the output")


@contextlib.contextmanager
def locked(plan: WritePlan) -> Iterator[None]:
    """Hold DST's lock for the block; first clear what an interrupted run left behind.

    Under the lock no other run writes into DST, so temporary files found there are leftovers.
    A run that stops on an exception (Ctrl-C above all) clears its own temporary files before it
    lets go of the lock: an interrupt that lands just after a temporary file was made, before the
    code that would remove it is entered, leaves it behind (about one Ctrl-C in twenty did).
    """
    if plan.dst is None:
        yield
        return
    with folder_lock(plan.dst, plan.guard):
        remove_leftover_temporaries(plan.dst)
        try:
            yield
        except BaseException:
            remove_leftover_temporaries(plan.dst)
            raise


def forget_previous_run(plan: WritePlan, run_cache: incremental.RunCache | None) -> None:
    """Before the first output is replaced: the old audit record (DST's, and the one ``--report``
    names) and the cache's manifest go, so a killed run leaves DST with no record at all rather
    than one that describes other outputs. The new ones are renamed into place only at the end."""
    if plan.dst is None:
        return
    for old_audit in (*(plan.dst / AUDIT_DIR / name for name in AUDIT_NAMES), plan.audit_path):
        if old_audit is not None:
            old_audit.unlink(missing_ok=True)
    if run_cache is not None:
        run_cache.forget_manifest()


def clean_corpus(
    src: str | Path,
    dst: str | Path | None,
    config: Config | None = None,
    *,
    globs: Sequence[str] = DEFAULT_GLOBS,
    text_field: str = "text",
    report: str | Path | None = None,
    dry_run: bool = False,
    jobs: int = 1,
    on_start: Callable[[list[SourceFile]], None] | None = None,
    on_file: Callable[[FileOutcome], None] | None = None,
    delete_stale: bool = False,
    engine: str = "local",
    address: str | None = None,
    audit_format: str = DEFAULT_FORMAT,
    fsync: bool = True,
    cache: bool = True,
    force: bool = False,
    texts: bool = False,
) -> Summary:
    """Clean every matching file under ``src`` into the mirror tree ``dst``.

    ``config`` is the run's configuration; ``None``, the one ``clean SRC DST`` would use: the
    closest ``cleaner.toml`` or ``pyproject.toml`` ``[tool.cleaner]`` (see
    :func:`cleaner.config.discover_config`), else the defaults. Returns the run's :class:`Summary`.
    Unprocessable files are skipped and listed in ``summary.skipped``; nothing under ``src`` is ever
    modified. With ``dry_run`` nothing is written (not even the audit record, unless ``report``
    names one). ``dst`` may be ``None`` only with ``dry_run``. The audit record goes to ``report``,
    or by default to ``dst/.cleaner/audit.jsonl.gz``, in ``audit_format`` (``compact`` or
    ``verbose``, see :mod:`cleaner.audit_file`; gzip when the name ends in ``.gz``). ``jobs`` > 1
    runs the per-document stages in that many processes (0: one per core); the output is
    byte-identical to a one-process run, and a file whose worker process dies is skipped with the
    reason. Every path written is checked first (:func:`plan_writes`), and the run holds DST's lock
    (:func:`writing`). Outputs an earlier run wrote from inputs that are gone are listed in
    ``summary.stale`` (:mod:`cleaner.stale`), and removed with ``delete_stale``. ``engine="ray"``
    runs the per-document stages on Ray (``jobs`` actors; on the cluster at ``address``, else a
    local instance): same output, byte for byte. Outputs are fsynced, and the folders they land in
    once each at the end (:func:`cleaner.io.writers.durable_writes`); ``fsync=False`` skips that.

    With ``cache`` (and a ``dst``), the run keeps its results in ``dst/.cleaner/cache/`` (see
    :mod:`cleaner.incremental`): the next run cleans only inputs whose bytes changed, reruns dedup
    and the audit record over every document, and rewrites only outputs whose bytes change; when
    no input, output or audit record changed, it checks their hashes and does nothing else. The
    outputs and audit record are those a full run writes, byte for byte. ``summary.reused`` counts
    the files taken from the cache. ``force`` cleans every file again and rewrites every output
    (the cache is then made afresh). Outcomes of a run over unchanged inputs carry no texts or
    edits (``reused``, with ``tally`` and ``notes``); ``texts=True`` asks for them (a diff needs
    them), taking them from the cached results instead.
    """
    started = time.perf_counter()
    check_engine(engine, address)
    src = Path(src)
    jobs = jobs if jobs > 0 else default_jobs()
    if dst is None and not dry_run:
        raise ConfigError("a destination is needed unless this is a dry run")
    if dst is not None:
        check_paths(src, Path(dst))
    files = discover(src, globs)
    config = config if config is not None else discover_config(src)
    check_dedup_index(config, src)
    # The index changes from run to run while the inputs may not: the run cache is not used, so
    # nothing is ever reused from a run made against another state of the index.
    cache = cache and config.dedup.index is None
    corpus = Corpus(config)
    rules_used = rule_files_of(config)
    audit_path = Path(report) if report else None
    if audit_path is None and not dry_run and dst is not None:
        audit_path = default_audit_path(Path(dst), audit_format)
    plan = plan_writes(src, None if dry_run or dst is None else Path(dst), files, audit_path)
    summary = Summary(audit_path=audit_path, config_file=config.origin, rule_files=rules_used)
    run_cache = None
    run = _RunFacts(src, files, plan, corpus, text_field, delete_stale)
    if cache and plan.dst is not None:
        results_key = incremental.results_key(config, rules_used, text_field)
        run_cache = incremental.RunCache(plan.dst, results_key, plan.guard, summary.warnings.append)
        run.key = _run_key(run, results_key, run_record(corpus, src, rules_used), audit_format)
    # The workers start under DST's lock and end before it is released; and before on_start, which
    # may start a thread (the progress bar): workers are forked, best from a single-threaded process.
    with locked(plan), dedup_index(corpus, dry_run) as save_index:
        manifest = run_cache.manifest() if run_cache is not None and not force else None
        if manifest is not None and not texts and _reuse_run(run, manifest, summary, on_start, on_file):
            summary.seconds = time.perf_counter() - started
            return summary
        if plan.dst is not None and src.is_dir():
            previous = audit_path if report else existing_audit(plan.dst)
            summary.stale = stale.find_stale(plan.dst, stale.written_before(previous), plan.outputs)
        forget_previous_run(plan, run_cache)
        if plan.dst is not None and run_cache is None:
            incremental.forget_manifest(plan.dst)
        entries: list[incremental.FileEntry] = []
        # Big files are cleaned in parts only where outputs are written and no texts are asked for
        # (a diff, standard output and a dry run show whole texts).
        units = units_of(files, config, text_field) if plan.dst is not None and not texts else list(files)
        keep_same = run_cache is not None and not force
        with (
            durable_writes(fsync),
            _preparing(corpus, units, text_field, jobs, engine, address, run_cache, not force) as prepared,
            AuditRecord(audit_path, plan.audit_guard, audit_format) as audit,
            _PartsJoiner(plan, audit, config, keep_same) as joiner,
        ):
            if on_start:
                on_start(files)
            audit.write(run_record(corpus, src, rules_used))
            outcomes = corpus.finish_all(prepared, text_field)
            for unit, outcome in zip(units, outcomes, strict=True):
                joined = None
                if isinstance(unit, FilePart):
                    done = joiner.add(unit, outcome)
                    if done is None:  # more parts of this file to come
                        if joiner.failing:  # the file will not be written: no later copy goes for it
                            corpus.settle(joiner.failing)
                        continue
                    outcome, joined = done
                    summary.written += joined is not None and joined.wrote
                elif outcome.status != "skipped" and plan.dst is not None:
                    outcome, wrote = _write_output(plan, outcome, keep_same)
                    summary.written += wrote
                corpus.settle(outcome)
                _account(summary, audit, outcome, joined)
                if run_cache is not None:
                    run_cache.release(outcome.source.rel, outcome.status != "skipped")
                    entries.append(_entry(outcome))
                if on_file:
                    on_file(outcome)
            if delete_stale and summary.stale:
                summary.deleted = stale.delete_stale(plan.dst, summary.stale, plan.guard)
            for rel in summary.stale:
                if rel not in summary.deleted:
                    audit.write({"type": "stale", "doc": rel})
        if run_cache is not None and audit_path is not None:
            with durable_writes(fsync):
                run_cache.commit(_manifest(run, entries, summary, audit_path))
        save_index()
    summary.seconds = time.perf_counter() - started
    return summary


def check_dedup_index(config: Config, src: Path) -> None:
    """``dedup.index`` needs corpus-wide dedup, and a folder of its own outside SRC."""
    index = config.dedup.index
    if index is None:
        return
    if config.dedup.scope != "corpus":
        raise ConfigError(f"--dedup-index needs corpus-wide dedup, not dedup scope {config.dedup.scope!r}")
    path = Path(index)
    if path.exists() and not path.is_dir():
        raise ConfigError(f"--dedup-index: {display_name(index)} is not a folder")
    inside = real(path) == real(src) or real(src) in real(path).parents
    if src.is_dir() and inside:
        raise ConfigError(f"--dedup-index: {display_name(index)} is inside SRC, which a run never writes into")


@contextlib.contextmanager
def dedup_index(corpus: Corpus, dry_run: bool) -> Iterator[Callable[[], None]]:
    """With ``dedup.index``: the deduplicator starts from the saved index (if there is one), and
    the block gets a function that writes the grown index back (a dry run writes nothing). The
    index folder's lock is held meanwhile, so two runs never grow one index at once."""
    index = corpus.config.dedup.index
    dedup = corpus.deduplicator
    if index is None or dedup is None:
        yield lambda: None
        return
    from cleaner.dedup import store

    path = Path(index)
    with contextlib.nullcontext() if dry_run else folder_lock(path):
        if store.exists(path):
            store.load(dedup, path, index)

        def save() -> None:
            if not dry_run:
                store.save(dedup, path, dedup.stats["documents"])

        yield save


def run_record(corpus: Corpus, src: Path, rules_used: list[Path]) -> dict:
    """The audit record's first line: the stages, the config file and the rule files of the run.

    Paths are relative to SRC's folder, so the record is the same from whatever folder the run
    was started (and holds no absolute path unless the file is on another drive).
    """
    base = src if src.is_dir() else src.parent
    config_file = corpus.config.origin
    record = {
        "type": "run",
        "stages": corpus.stage_names,
        "dedup": corpus.config.dedup.scope,
        "config": relative_to(config_file, base) if config_file else None,
        "rules": [relative_to(path, base) for path in rules_used],
    }
    if corpus.config.layout.furniture == "mark":  # only when used: JSON Lines records carry a furniture field
        record["furniture"] = "mark"
    for key in ("select", "ignore"):  # only when used: the globs that chose among the rules
        if getattr(corpus.config.rules, key):
            record[f"rules_{key}"] = list(getattr(corpus.config.rules, key))
    return record


def relative_to(path: Path, base: Path) -> str:
    """``path`` as seen from the folder ``base`` (POSIX separators); absolute if there is no way."""
    try:
        return Path(os.path.relpath(path.resolve(), base.resolve())).as_posix()
    except ValueError:  # another drive
        return path.resolve().as_posix()


def _write_output(plan: WritePlan, outcome: FileOutcome, keep_same: bool = False) -> tuple[FileOutcome, bool]:
    """Write one output, and say whether it was written: with ``keep_same``, an output that already
    holds exactly these bytes is left alone (its time stamp too). If this file's write fails (a
    name too long, a full disk, text that cannot be encoded), it is skipped with the reason and the
    run goes on. A write the guard refuses still stops the run: something in DST changed under it."""
    try:
        output = output_bytes(outcome)
        target = plan.outputs[outcome.source.rel]
        if keep_same and incremental.holds(target, output):
            return outcome, False
        write_atomic(target, output, plan.guard)
    except UnsafeWriteError:
        raise
    except (OSError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
        return _unwritable(outcome, exc), False
    return outcome, True


class _Discard(Exception):
    """Leaves an output's atomic write without renaming it into place."""


@dataclass
class _Joined:
    """A file cleaned in parts, as its parts come in, in order: its output written as they come,
    its counts summed, its edits counted and encoded for the audit record (whose line for the file,
    written first, counts them all)."""

    part: FilePart  # the first
    deferred: DeferredEdits
    writing: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    handle: CountingWriter | None = None  # into the output's temporary file; None: not written
    lines: int = 0  # JSON Lines: the lines written so far
    verbatim: set[int] = field(default_factory=set)  # JSON Lines: those that are bad lines as they were
    sink: Any = None  # for Parquet: a cleaner.io.parquet.ParquetSink into ``handle``
    bytes_out: int = 0
    output_digest: str = ""
    documents: int = 0
    dropped: int = 0
    changes: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    tally: dict[str, int] = field(default_factory=dict)  # by stage, in the order of the first change
    notes: list[str] = field(default_factory=list)
    counts: Summary = field(default_factory=Summary)  # edits by stage and rule, events, paragraphs removed
    failed: FileOutcome | None = None
    wrote: bool = False

    def take(self, outcome: FileOutcome) -> None:
        """One part's outcome (cleaned, not skipped): its output written, its counts added."""
        self.write(outcome)
        self.documents += outcome.documents
        self.dropped += outcome.dropped
        self.rejected += outcome.rejected
        for stage, count in outcome.changes_by_stage():
            self.tally[stage] = self.tally.get(stage, 0) + count
        self.changes += len(outcome.changes)
        self.notes += partly_cleaned(outcome)
        for doc_id, edits, ahead in _edits_by_document(outcome):
            self.counts.count_edits(edits, ahead)
            self.deferred.add(doc_id, edits, ahead)

    def write(self, outcome: FileOutcome) -> None:
        if self.handle is None:
            return
        if outcome.row_groups is None:
            self.verbatim.update(self.lines + line for line in outcome.verbatim or ())
            self.lines += outcome.after.count("\n")
            self.handle.write(output_bytes(outcome))
            return
        if self.sink is None:
            from cleaner.io.parquet import ParquetSink

            self.sink = ParquetSink(self.handle, outcome.row_groups)
        self.sink.write(outcome.row_groups.tables)

    def count_into(self, summary: Summary) -> None:
        """The edits of every part into the run's summary (once the file is known to be kept)."""
        summary.edits_by_stage.update(self.counts.edits_by_stage)
        summary.hits_by_rule.update(self.counts.hits_by_rule)
        summary.removed_paragraphs.update(self.counts.removed_paragraphs)
        summary.events.update(self.counts.events)


class _PartsJoiner(contextlib.AbstractContextManager["_PartsJoiner"]):
    """Puts the parts of files cleaned in parts back together, in order (see :class:`_Joined`).

    Each output is written as its parts come in, into a temporary file renamed into place after
    the last part, as :func:`write_atomic` writes a whole one; leaving the block before then (an
    interrupt) removes it. A part that failed (its worker died, it could not be read) fails its
    file: skipped with the reason, no output. A file none of whose records could be read is
    skipped as it is when read whole.
    """

    def __init__(self, plan: WritePlan, audit: AuditRecord, config: Config, keep_same: bool) -> None:
        self.plan = plan
        self.audit = audit
        self.config = config
        self.keep_same = keep_same
        self.file: _Joined | None = None

    def __exit__(self, *exc_info: Any) -> None:
        if self.file is not None:
            self._end(self.file, keep=False)

    @property
    def failing(self) -> FileOutcome | None:
        """Why the file being joined will be skipped, once one of its parts has failed."""
        return None if self.file is None else self.file.failed

    def add(self, part: FilePart, outcome: FileOutcome) -> tuple[FileOutcome, _Joined | None] | None:
        """Take one part's outcome; after the file's last part, the file's outcome (and what was
        joined of it, ``None`` if it was skipped), else ``None``."""
        if part.index == 0:
            self.file = self._start(part)
        joined = self.file
        assert joined is not None and joined.part.source == part.source
        if joined.failed is None and outcome.status == "skipped":
            joined.failed = outcome
            self._end(joined, keep=False)
        elif joined.failed is None:
            try:
                joined.take(outcome)
            except (OSError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
                joined.failed = _unwritable(outcome, exc)
                self._end(joined, keep=False)
        if not part.last:
            return None
        self.file = None
        return self._finish(joined)

    def _start(self, part: FilePart) -> _Joined:
        joined = _Joined(part, self.audit.defer())
        if self.plan.dst is not None:
            target = self.plan.outputs[part.source.rel]
            try:
                opened = joined.writing.enter_context(atomic_open(target, self.plan.guard, binary=True))
                joined.handle = CountingWriter(opened)
            except UnsafeWriteError:
                raise
            except OSError as exc:
                joined.failed = _unwritable(FileOutcome(part.source, "skipped", part.label), exc)
        return joined

    def _finish(self, joined: _Joined) -> tuple[FileOutcome, _Joined | None]:
        source, part = joined.part.source, joined.part
        skipped = joined.failed
        if skipped is None and joined.rejected and not joined.documents:  # as a whole file is skipped
            what = "row" if source.format == "parquet" else "line"
            reason = no_good_record(joined.rejected[0][1], len(joined.rejected), what)
            skipped = FileOutcome(source, "skipped", reason=reason)
        if skipped is not None:
            self._end(joined, keep=False)
            joined.deferred.close()
            return FileOutcome(source, "skipped", skipped.encoding, skipped.reason, rejected=skipped.rejected), None
        try:
            self._end(joined, keep=True)
        except (OSError, ValueError) as exc:
            joined.deferred.close()
            return _unwritable(FileOutcome(source, "skipped", part.label), exc), None
        outcome = FileOutcome(
            source,
            "cleaned" if joined.changes else "unchanged",
            part.label,
            size=part.size,
            documents=joined.documents,
            dropped=joined.dropped,
            rejected=joined.rejected,
            digest=part.digest,
            tally=list(joined.tally.items()),
            notes=joined.notes,
            size_out=joined.bytes_out,
            output_digest=joined.output_digest,
        )
        return outcome, joined

    def _end(self, joined: _Joined, keep: bool) -> None:
        """The output complete and renamed into place (``keep``; unless it already held these bytes
        and may be left as it is), or its temporary file removed. An error while an output is
        discarded is of no consequence (the temporary file goes all the same)."""
        if joined.handle is None:
            return
        try:
            if joined.sink is not None:
                sink, joined.sink = joined.sink, None
                sink.close()  # the footer: only now is the file complete
            elif keep:
                self._reading_back(joined)
            handle, joined.handle = joined.handle, None
            joined.bytes_out, joined.output_digest = handle.size, handle.digest.hexdigest()
            target = self.plan.outputs[joined.part.source.rel]
            same = self.keep_same and incremental.file_digest(target) == joined.output_digest
            if keep and not same:  # the same bytes: left alone, its time stamp too
                joined.writing.close()  # synced and renamed into place
                joined.wrote = True
                return
        except BaseException as exc:
            joined.handle = None
            self._discard(joined)
            if keep or not isinstance(exc, Exception):
                raise
            return
        self._discard(joined)

    def _reading_back(self, joined: _Joined) -> None:
        """A JSON Lines output as :func:`render_file` makes a whole one, which reads back as itself:
        the records with JSON escapes if UTF-8 alone would be read as another text (the bad lines
        as they were), and then, if it is still so, with a BOM. Rare: the file is written again."""
        assert joined.handle is not None
        joined.handle.flush()
        if reads_back_file(joined.handle.handle):
            return
        verbatim = joined.verbatim

        def escaped(old: IO[bytes], new: CountingWriter) -> None:
            for number, line in enumerate(old):
                new.write(line if number in verbatim else ascii_record(line.decode("utf-8")).encode("utf-8"))

        self._rewrite(joined, escaped)
        if reads_back_file(joined.handle.handle):
            return

        def marked(old: IO[bytes], new: CountingWriter) -> None:
            new.write(codecs.BOM_UTF8)
            shutil.copyfileobj(old, new)

        self._rewrite(joined, marked)

    def _rewrite(self, joined: _Joined, copy: Callable[[IO[bytes], CountingWriter], None]) -> None:
        """The output made again, into a new temporary file, by ``copy`` from the one written."""
        assert joined.handle is not None
        old, writing = joined.handle.handle, contextlib.ExitStack()
        try:
            target = self.plan.outputs[joined.part.source.rel]
            new = CountingWriter(writing.enter_context(atomic_open(target, self.plan.guard, binary=True)))
            old.seek(0)
            copy(old, new)
        except BaseException:
            self._discard(joined)
            joined.writing = writing
            raise
        self._discard(joined)
        joined.writing, joined.handle = writing, new

    @staticmethod
    def _discard(joined: _Joined) -> None:
        with contextlib.suppress(_Discard):
            joined.writing.__exit__(_Discard, _Discard(), None)


def _unwritable(outcome: FileOutcome, exc: OSError | ValueError) -> FileOutcome:
    """A file skipped because its output could not be written (a name too long, a full disk…)."""
    detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else f"{type(exc).__name__}: {exc}"
    reason = f"{outcome.source.rel}: cannot write the output ({detail})"
    return FileOutcome(outcome.source, "skipped", outcome.encoding, reason)


def output_bytes(outcome: FileOutcome) -> bytes:
    """The bytes of a file's output, as written."""
    return outcome.after.encode("utf-8") if outcome.payload is None else outcome.payload


@dataclass
class _RunFacts:
    """What the run cache compares a run with: the inputs, where outputs go, the options."""

    src: Path
    files: list[SourceFile]
    plan: WritePlan
    corpus: Corpus
    text_field: str
    delete_stale: bool
    key: str = ""  # the run's key (see _run_key)


def _run_key(run: _RunFacts, results_key: str, record: dict, audit_format: str) -> str:
    """What the outputs and the audit record depend on besides the inputs: the results' key, the
    run record (stages, config and rule files as named), where and how the audit record is written,
    and whether SRC is one file (its output's name)."""
    dst = run.plan.dst
    audit = run.plan.audit_path
    where = relative_to(audit, dst) if audit is not None and dst is not None else None
    material = [results_key, record, where, audit_format, run.src.is_dir()]
    return incremental.digest(json.dumps(material, sort_keys=True, ensure_ascii=False).encode())


def _shown_rel(source: SourceFile) -> str:
    """The name a file goes by in outcomes and the audit record (escaped if it is not UTF-8)."""
    return source.rel if has_valid_name(source.rel) else display_name(source.rel)


def _reuse_run(
    run: _RunFacts,
    manifest: incremental.Manifest,
    summary: Summary,
    on_start: Callable[[list[SourceFile]], None] | None,
    on_file: Callable[[FileOutcome], None] | None,
) -> bool:
    """If nothing changed since the last complete run (same key, inputs, outputs, audit record and
    stale outputs), give its summary and outcomes and return True: nothing is cleaned or written.
    False as soon as anything differs; the caller then runs (with the cache's results)."""
    entries = manifest.files
    if manifest.key != run.key or [entry.rel for entry in entries] != [_shown_rel(f) for f in run.files]:
        return False
    for source, entry in zip(run.files, entries, strict=True):
        if entry.status == "skipped":
            if _skip_reason(run, source) != entry.reason:
                return False
            continue
        output = run.plan.outputs[source.rel]
        if _input_digest(run.corpus.config, source) != entry.digest or incremental.file_digest(output) != entry.output:
            return False
    assert run.plan.dst is not None and run.plan.audit_path is not None
    if incremental.file_digest(run.plan.audit_path) != manifest.audit:
        return False
    now_stale: list[str] = []
    if run.src.is_dir():  # the audit record just checked lists exactly these outputs as written before
        written = {entry.rel for entry in entries if entry.status != "skipped"} | set(manifest.stale)
        now_stale = stale.find_stale(run.plan.dst, written, run.plan.outputs)
    if now_stale != manifest.stale or (run.delete_stale and now_stale):
        return False
    incremental.restore_summary(summary, manifest.summary)
    summary.stale = now_stale
    summary.reused = sum(entry.status != "skipped" for entry in entries)
    if on_start:
        on_start(run.files)
    for source, entry in zip(run.files, entries, strict=True):
        if on_file:
            on_file(_reused_outcome(source, entry))
    return True


def _skip_reason(run: _RunFacts, source: SourceFile) -> str | None:
    """Why reading ``source`` skips it now (as :func:`prepare` would say), or ``None`` if it does not."""
    read = read_source(run.corpus.config, source, run.text_field)
    return read.reason if isinstance(read, FileOutcome) else None


def _reused_outcome(source: SourceFile, entry: incremental.FileEntry) -> FileOutcome:
    """A file of a run over unchanged inputs, as the manifest describes it (no texts, no edits)."""
    if not has_valid_name(source.rel):
        source = SourceFile(source.path, entry.rel, source.format)
    return FileOutcome(
        source,
        entry.status,
        entry.encoding,
        entry.reason,
        size=entry.size,
        documents=entry.documents,
        dropped=entry.dropped,
        rejected=list(entry.rejected),
        digest=entry.digest,
        reused=entry.status != "skipped",
        tally=list(entry.tally),
        notes=list(entry.notes),
        size_out=entry.bytes_out,
    )


def _entry(outcome: FileOutcome) -> incremental.FileEntry:
    """What the manifest keeps of one file's outcome."""
    skipped = outcome.status == "skipped"
    return incremental.FileEntry(
        rel=outcome.source.rel,
        status=outcome.status,
        digest=outcome.digest,
        encoding=outcome.encoding,
        reason=outcome.reason,
        output=None if skipped else outcome.output_digest or incremental.digest(output_bytes(outcome)),
        size=outcome.size,
        bytes_out=0 if skipped else outcome.bytes_out,
        documents=outcome.documents,
        dropped=outcome.dropped,
        tally=outcome.changes_by_stage(),
        notes=partly_cleaned(outcome),
        rejected=list(outcome.rejected),
    )


def _manifest(
    run: _RunFacts, entries: list[incremental.FileEntry], summary: Summary, audit_path: Path
) -> incremental.Manifest:
    kept = [rel for rel in summary.stale if rel not in summary.deleted]
    state = incremental.summary_state(summary)
    return incremental.Manifest(run.key, entries, incremental.file_digest(audit_path), kept, state)


def _account(summary: Summary, audit: AuditRecord, outcome: FileOutcome, joined: _Joined | None = None) -> None:
    """One file's outcome into the summary and the audit record (``joined``: a file cleaned in
    parts, whose edits were counted and encoded as its parts came in)."""
    summary.files += 1
    summary.reused += outcome.reused
    record: dict = {"type": "file", "doc": outcome.source.rel, "status": outcome.status}
    if outcome.status == "skipped":
        summary.skipped.append((outcome.source.rel, outcome.reason))
        summary.uncertain += UNCERTAIN in outcome.reason
        record["reason"] = outcome.reason
        audit.write(record)
        return
    bytes_in = outcome.size
    bytes_out = outcome.bytes_out
    summary.bytes_in += bytes_in
    summary.bytes_out += bytes_out
    encoding, _, damage = outcome.encoding.partition(", ")
    if mixed := MIXED_LINES_NOTE.search(damage):
        encoding += f" with lines in {mixed.group(1)}"
    summary.encodings[encoding] += 1
    summary.damaged += "undecodable" in damage
    summary.cleaned += outcome.status == "cleaned"
    summary.unchanged += outcome.status == "unchanged"
    changes = joined.changes if joined is not None else len(outcome.changes)
    record.update(encoding=outcome.encoding, bytes_in=bytes_in, bytes_out=bytes_out, edits=changes)
    audit.write(record)
    summary.partly_cleaned += [(outcome.source.rel, reason) for reason in partly_cleaned(outcome)]
    for line, reason in outcome.rejected:
        summary.records_skipped.append((outcome.source.rel, reason))
        audit.write({"type": "record", "doc": f"{outcome.source.rel}:{line}", "status": "skipped", "reason": reason})
    summary.documents += outcome.documents
    summary.documents_dropped += outcome.dropped
    if joined is not None:
        joined.count_into(summary)
        audit.write_deferred(joined.deferred)
        joined.deferred.close()
        return
    for doc_id, edits, ahead in _edits_by_document(outcome):
        summary.count_edits(edits, ahead)
        audit.write_edits(doc_id, edits, ahead)


def _edits_by_document(outcome: FileOutcome) -> Iterator[tuple[str, list[Edit], EncodedEdits | None]]:
    """Each document's edits in ``outcome``, in order, with their first ones encoded already, if so."""
    encoded = outcome.encoded or {}
    for doc_id, group in itertools.groupby(outcome.edits, key=lambda item: item[0]):
        yield doc_id, [edit for _, edit in group], encoded.get(doc_id)


def partly_cleaned(outcome: FileOutcome) -> list[str]:
    """``document:line: why`` for each document of ``outcome`` a step left (partly) as it was: a
    line or paragraph over ``input.max_paragraph`` stopped the stages, or deduplication failed."""
    if outcome.notes is not None:
        return list(outcome.notes)
    reasons = []
    for doc_id, edit in outcome.edits:
        if not edit.is_event:
            continue
        detail = edit.detail or {}
        if detail["event"] == "too_long":
            reasons.append(
                f"{doc_id}:{detail['line']}: {detail['length']:,} characters without a "
                f"{'paragraph' if detail['by'] == 'paragraph' else 'line'} break, over input.max_paragraph "
                f"({detail['limit']:,}); left as it was from the {edit.stage} stage on"
            )
        elif detail["event"] == "dedup_failed":
            reasons.append(f"{doc_id}: deduplication failed ({detail['reason']}); written without it")
    return reasons


def summary_of(outcome: FileOutcome, config: Config, audit_path: Path | None = None) -> Summary:
    """The summary of a run over one input given as bytes (standard input), as for a tree."""
    summary = Summary(audit_path=audit_path, config_file=config.origin, rule_files=rule_files_of(config))
    _account(summary, AuditRecord(None), outcome)
    return summary


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
    corpus = Corpus(config)
    options = corpus.config.input
    if len(data) > options.max_file_size:
        raise InputError(f"{name}: {too_large(len(data), options.max_file_size)}")
    encoding = encoding_for(corpus.config, name)
    loaded = load(source, data=data, text_field=text_field, encoding=encoding, max_bytes=options.max_file_size)
    return failed_by_bad_records(loaded, corpus.config) or corpus.clean_file(loaded, text_field)
