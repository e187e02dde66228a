"""Proving from a run's audit record that nothing was lost: ``cleaner verify SRC DST``.

The audit record claims that every document's edits, replayed on its decoded input, give its
output. This module checks that claim without trusting anything else the run left behind: each
input is read again with the same readers ``clean`` uses, decoded in the encoding its file
record names, its edits are replayed with :func:`cleaner.replay`, and the result is rendered by
the same writers and compared with the output byte for byte. The paragraphs the dedup step
removed must come back, by :func:`cleaner.dedup.restore.restore_text`, as exactly the text that
step received, so ``cleaner restore`` can always put them back. Every input must have a file
record, every output a source, and a skipped file must have no output.

Verifying reads SRC, DST and the audit record, and writes nothing, so it can be run at any time
(by CI on the committed sample corpus, by a reader who doubts a run). Edits are grouped file by
file as ``clean`` writes them, so the audit record is streamed, never held whole.
"""

from __future__ import annotations

import errno
import json
import os
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner.audit_file import audit_lines
from cleaner.corpus import check_paths, existing_audit, furniture_marks, render_file
from cleaner.dedup.restore import DOCUMENT_RULE, PARAGRAPH_RULES, removals_from_audit, restore_text
from cleaner.errors import CleanerError, ConfigError
from cleaner.io.paths import display_name, has_valid_name, real, safe_relative_path
from cleaner.io.readers import (
    DEFAULT_GLOBS,
    LoadedFile,
    SourceFile,
    content_of,
    discover,
    format_of,
    load,
    read_bytes,
)
from cleaner.model import Document, Edit, replay

OK = "ok"
MISMATCH = "MISMATCH"
MISSING_OUTPUT = "missing output"
MISSING_INPUT = "missing input"
NO_AUDIT_RECORD = "no audit record"
NO_SOURCE = "no source"
SKIPPED = "skipped"
# The order verdicts are counted in the summary line.
VERDICTS = (OK, SKIPPED, MISMATCH, MISSING_OUTPUT, MISSING_INPUT, NO_AUDIT_RECORD, NO_SOURCE)
CONTEXT = 12  # characters shown on each side of the first difference


@dataclass(frozen=True)
class FileCheck:
    """The verdict on one input file (or on an output no input accounts for)."""

    name: str  # the path relative to SRC (and DST), as the audit record spells it
    verdict: str  # one of VERDICTS
    detail: str = ""  # what differs, or why the file was skipped
    edits: int = 0  # edit records replayed
    removed: int = 0  # paragraphs (or documents) removed by dedup, shown to be recoverable

    @property
    def passed(self) -> bool:
        """A skipped file passes: the audit record says why nothing was made of it."""
        return self.verdict in (OK, SKIPPED)

    def format(self) -> str:
        shown = display_name(self.name)
        if self.verdict in (MISMATCH, SKIPPED):
            return f"{shown}: {self.verdict}: {self.detail}"
        return f"{shown}: {self.verdict}" + (f" ({self.detail})" if self.detail else "")


@dataclass
class VerifyReport:
    """What ``verify_corpus`` found: one check per file, and problems with the audit record itself."""

    audit_path: Path
    files: list[FileCheck] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the audit record's own faults, each one line
    audit_found: bool = True  # False: there was no audit record, so nothing could be checked

    @property
    def ok(self) -> bool:
        return not self.problems and all(check.passed for check in self.files)

    @property
    def exit_code(self) -> int:
        """0 when everything verifies, 1 on any mismatch or missing piece (bad arguments raise instead)."""
        return 0 if self.ok else 1

    def lines(self, quiet: bool = False) -> list[str]:
        """The report as printed: one line per file (``quiet``: only failures), the audit's problems, the summary."""
        shown = [check.format() for check in self.files if not (quiet and check.passed)]
        audit = display_name(str(self.audit_path))
        return [*shown, *(f"{audit}: {problem}" for problem in self.problems), self.summary()]

    def summary(self) -> str:
        if not self.audit_found:
            return "NOT verified: no audit record, nothing checked"
        counts = Counter(check.verdict for check in self.files)
        parts = [
            f"{counts[verdict]} {verdict}" for verdict in VERDICTS if counts[verdict] or (verdict == OK and self.files)
        ]
        if self.problems:
            parts.append(f"{len(self.problems)} problem(s) in the audit record")
        verdict = ("verified: " if self.ok else "NOT verified: ") + (", ".join(parts) or "no files")
        if not self.files:
            return verdict
        edits = sum(check.edits for check in self.files)
        removed = sum(check.removed for check in self.files)
        return verdict + f"; {edits:,} edits replayed, {removed:,} removed paragraph(s) recoverable"


def verify_corpus(
    src: str | Path,
    dst: str | Path,
    audit: str | Path | None = None,
    *,
    globs: Sequence[str] = DEFAULT_GLOBS,
    text_field: str = "text",
) -> VerifyReport:
    """Check that the run that cleaned ``src`` into ``dst`` lost nothing, from its audit record alone.

    ``audit`` is the record (default: the one in ``dst/.cleaner/``, compact or verbose); ``globs`` and ``text_field``
    must be those the run used. Raises :class:`ConfigError` (exit 2) for arguments that cannot
    name a run (no SRC, DST not a folder, DST inside SRC); everything else is in the report: a
    missing audit record is one problem and no file is checked. Writes nothing.
    """
    src, dst = Path(src), Path(dst)
    _check_arguments(src, dst)
    audit_path = Path(audit) if audit is not None else existing_audit(dst)
    report = VerifyReport(audit_path)
    if not audit_path.is_file():
        report.problems.append(
            "no audit record here (clean writes one when a run completes; an interrupted run leaves none)"
        )
        report.audit_found = False
        return report
    inputs = {_name_of(source): source for source in discover(src, globs)}
    recorded: set[str] = set()
    run: dict[str, Any] = {}
    for entry in _file_entries(audit_path, report.problems, run):
        if entry.name in recorded:
            report.problems.append(f"line {entry.line}: a second file record for {display_name(entry.name)}")
            continue
        recorded.add(entry.name)
        report.files.append(_check_file(entry, src, dst, inputs, text_field, run.get("furniture") == "mark"))
    report.files.extend(FileCheck(name, NO_AUDIT_RECORD) for name in sorted(set(inputs) - recorded))
    report.files.extend(FileCheck(name, NO_SOURCE) for name in _outputs_without_source(dst, recorded, audit_path))
    report.files.sort(key=lambda check: check.name)
    return report


def _check_arguments(src: Path, dst: Path) -> None:
    """The same refusals as ``clean`` (DST is SRC, inside it, or holds it), and DST must exist."""
    if str(src) == "-" or str(dst) == "-":
        raise ConfigError("verify needs the SRC and DST of a run: a file or folder, and a folder (not -)")
    check_paths(src, dst)
    if not dst.is_dir():
        raise ConfigError(f"{display_name(str(dst))}: no such folder")


def _name_of(source: SourceFile) -> str:
    """How the audit record names an input: its relative path, escaped if it is not UTF-8 (as clean does)."""
    return source.rel if has_valid_name(source.rel) else display_name(source.rel)


# -- reading the audit record ---------------------------------------------------------------


@dataclass
class _FileEntry:
    """A file record and the edit records that follow it (``clean`` writes them together)."""

    record: dict[str, Any]
    line: int
    edits: list[tuple[int, str, Edit]] = field(default_factory=list)  # (audit line, document id, edit)
    rejected: list[int] = field(default_factory=list)  # JSON Lines lines written back unread, by number
    faults: list[str] = field(default_factory=list)  # edit records of this file that could not be read

    @property
    def name(self) -> str:
        return self.record["doc"]


def _file_entries(path: Path, problems: list[str], run: dict[str, Any] | None = None) -> Iterator[_FileEntry]:
    """The file records of an audit record with their edits, in order; faults go to ``problems``,
    the run record (the first line) into ``run``."""
    current: _FileEntry | None = None
    runs = 0
    for number, record in audit_lines(path):
        if isinstance(record, str):
            problems.append(f"line {number}: {record}")
            continue
        kind = record.get("type")
        if kind == "run":
            if run is not None and not runs:
                run.update(record)
            runs += 1
            if runs > 1 or current is not None:
                problems.append(f"line {number}: a run record after the first line (two runs in one record?)")
        elif kind == "file":
            if not isinstance(record.get("doc"), str):
                problems.append(f"line {number}: a file record without a document path")
                continue
            if current is not None:
                yield current
            current = _FileEntry(record, number)
        elif kind == "edit":
            _attach_edit(current, record, number, problems)
        elif kind == "record":
            _attach_rejected(current, record, number, problems)
        elif kind == "stale":
            continue  # an earlier run's output whose input is gone (cleaner.stale); "no source" below
        else:
            problems.append(f"line {number}: unknown record type {kind!r}")
    if current is not None:
        yield current
    if runs == 0:
        problems.append("no run record: not an audit record written by clean")


def _attach_edit(current: _FileEntry | None, record: dict[str, Any], number: int, problems: list[str]) -> None:
    """Add an edit record to the file it follows; one that belongs to no such file is a problem."""
    doc = record.get("doc")
    if current is None or not isinstance(doc, str) or not _belongs(doc, current.name):
        problems.append(f"line {number}: edit of {display_name(str(doc))} does not follow its file's record")
        return
    edit = _edit_from(record)
    if isinstance(edit, str):
        current.faults.append(f"audit record line {number}: {edit}")
        return
    current.edits.append((number, doc, edit))


def _attach_rejected(current: _FileEntry | None, record: dict[str, Any], number: int, problems: list[str]) -> None:
    """Add a JSON Lines line the run wrote back unread (``{"type": "record", "doc": "a.jsonl:7"}``) to its file."""
    doc = record.get("doc")
    if current is None or not isinstance(doc, str) or doc == current.name or not _belongs(doc, current.name):
        problems.append(f"line {number}: record {display_name(str(doc))} does not follow its file's record")
        return
    current.rejected.append(int(doc.rpartition(":")[2]))


def _belongs(doc: str, name: str) -> bool:
    """Whether document ``doc`` is ``name`` itself or one of its JSON Lines records (``name:N``)."""
    return doc == name or (doc.startswith(name + ":") and doc[len(name) + 1 :].isdigit())


_EDIT_FIELDS: Mapping[str, type] = {"stage": str, "rule": str, "start": int, "end": int, "before": str, "after": str}


def _edit_from(record: dict[str, Any]) -> Edit | str:
    """The edit an audit line describes, or why it describes none (a field missing or of a wrong type)."""
    for name, kind in _EDIT_FIELDS.items():
        value = record.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            return f"edit field {name!r} is {'missing' if value is None else repr(value)}"
    if not 0 <= record["start"] <= record["end"]:
        return f"edit span {record['start']}..{record['end']} is not a span"
    if not isinstance(record.get("step", 0), int) or not isinstance(record.get("detail") or {}, dict):
        return "edit field 'step' or 'detail' is malformed"
    return Edit.from_record(record)


# -- one file -------------------------------------------------------------------------------


class _Failed(Exception):
    """A file does not verify: its verdict and what was found."""

    def __init__(self, verdict: str, detail: str = "") -> None:
        super().__init__(detail)
        self.verdict = verdict
        self.detail = detail


def _check_file(
    entry: _FileEntry, src: Path, dst: Path, inputs: Mapping[str, SourceFile], text_field: str, mark: bool = False
) -> FileCheck:
    try:
        return _prove_file(entry, src, dst, inputs, text_field, mark)
    except _Failed as failed:
        return FileCheck(entry.name, failed.verdict, failed.detail)
    except OSError as exc:  # an unreadable output: this file cannot be proven, the others still can
        where = display_name(str(exc.filename or entry.name))
        return FileCheck(entry.name, MISMATCH, f"{where}: cannot read ({exc.strerror or exc})")


def _prove_file(
    entry: _FileEntry, src: Path, dst: Path, inputs: Mapping[str, SourceFile], text_field: str, mark: bool = False
) -> FileCheck:
    """Replay one file's edits on its re-decoded input and compare with its output; raise :class:`_Failed` if not."""
    record = entry.record
    if safe_relative_path(entry.name) is None and not _skipped_escaped_name(entry, inputs):
        raise _Failed(MISMATCH, "the file record's path is not a plain relative path; nothing was read")
    if entry.faults:
        raise _Failed(MISMATCH, entry.faults[0])
    if record.get("status") == "skipped":
        return _skipped(entry, dst)
    if record.get("status") not in ("cleaned", "unchanged"):
        raise _Failed(MISMATCH, f"the file record has status {record.get('status')!r}")
    source = inputs.get(entry.name) or _undiscovered(entry.name, src)
    output = dst / entry.name
    if source is None or not source.path.is_file():
        raise _Failed(MISSING_INPUT)
    if not output.is_file():
        raise _Failed(MISSING_OUTPUT)
    loaded = _decode(source, record, text_field)
    _check_rejected(entry, loaded)
    data = output.read_bytes()
    edits = _edits_by_document(entry, loaded)
    _check_edit_count(entry)
    outputs, removed = _replay_documents(loaded, edits)
    if loaded.parquet is not None:
        _compare_parquet(data, loaded, outputs, text_field)
    else:
        written = _read_output(data, source)
        marks = None
        if mark and loaded.records is not None:
            marks = [furniture_marks([edit for _, edit in edits.get(doc.id, [])]) for doc in loaded.documents]
        expected = render_file(loaded, outputs, text_field, marks)[0]  # what clean writes, by its own writer
        if written != expected:
            raise _Failed(MISMATCH, _difference(expected, written, loaded, outputs, text_field))
    _check_size("bytes_out", record, len(data), "the output")
    return FileCheck(entry.name, OK, edits=len(entry.edits), removed=removed)


def _skipped_escaped_name(entry: _FileEntry, inputs: Mapping[str, SourceFile]) -> bool:
    """A skipped input whose name is not UTF-8, as the run names it: escaped, so ``\\xff.txt`` may look
    like a path from a root. The name matches a file found in SRC, so it is no path taken from the
    audit record."""
    source = inputs.get(entry.name)
    return entry.record.get("status") == "skipped" and source is not None and not has_valid_name(source.rel)


def _skipped(entry: _FileEntry, dst: Path) -> FileCheck:
    """A skipped file verifies with its reason, if nothing was made of it: no edits, no output."""
    reason = str(entry.record.get("reason") or "no reason given")
    if entry.edits:
        raise _Failed(MISMATCH, f"skipped ({reason}), yet {len(entry.edits)} edits are recorded for it")
    if _exists(dst, entry.name):
        raise _Failed(MISMATCH, f"skipped ({reason}), yet DST holds an output for it that this run did not write")
    return FileCheck(entry.name, SKIPPED, _short_reason(reason, entry.name))


def _exists(root: Path, rel: str) -> bool:
    """Whether ``root/rel`` exists, looked up folder by folder when the path is longer than the
    system takes in one call (a skipped input can be that deep)."""
    try:
        return (root / rel).exists()
    except OSError as exc:
        if exc.errno != errno.ENAMETOOLONG:
            raise
    *folders, name = rel.split("/")
    fd = os.open(root, os.O_RDONLY)
    try:
        for folder in folders:
            inner = os.open(folder, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = inner
        os.stat(name, dir_fd=fd, follow_symlinks=False)
    except (FileNotFoundError, NotADirectoryError):
        return False
    finally:
        os.close(fd)
    return True


def _short_reason(reason: str, name: str) -> str:
    """A skip reason without the file name it starts with (``a.jsonl:3: …`` becomes ``line 3: …``)."""
    if reason.startswith(name + ": "):
        return reason[len(name) + 2 :]
    if reason.startswith(name + ":"):
        return "line " + reason[len(name) + 1 :]
    return reason


def _undiscovered(name: str, src: Path) -> SourceFile | None:
    """An input the audit names that the globs did not find (the run used other ``--glob``s): read it all the same.

    ``None`` when SRC is a single file and the audit names another: that cannot be an input of this SRC.
    """
    if src.is_dir():
        return SourceFile(src / name, name, format_of(name))
    return SourceFile(src, name, format_of(name)) if name == src.name else None


def _check_size(key: str, record: dict[str, Any], actual: int, what: str) -> None:
    expected = record.get(key)
    if isinstance(expected, int) and expected != actual:
        raise _Failed(MISMATCH, f"{what} is {actual:,} bytes, the file record says {expected:,} ({key})")


def _decode(source: SourceFile, record: dict[str, Any], text_field: str) -> LoadedFile:
    """The input read by ``clean``'s reader in the encoding its file record names, checked against that record.

    The name is the one decoding gave (``utf-8``, ``gb18030``, ``utf-8, 3 undecodable bytes replaced
    by U+FFFD``…); naming its codec makes decoding take exactly that reading again.
    """
    label = record.get("encoding")
    if not isinstance(label, str) or not label:
        raise _Failed(MISMATCH, "the file record names no encoding")
    try:
        data = read_bytes(source.path, source.rel)
        _check_size("bytes_in", record, len(data), "the input")
        loaded = load(source, data=data, text_field=text_field, encoding=label.partition(", ")[0])
    except CleanerError as exc:
        raise _Failed(MISMATCH, f"cannot read the input as the run did: {exc}") from None
    if loaded.encoding != label:
        raise _Failed(MISMATCH, f"the input decodes as {loaded.encoding!r}, the file record says {label!r}")
    return loaded


def _check_rejected(entry: _FileEntry, loaded: LoadedFile) -> None:
    """The JSON Lines lines the audit record says were written back unread are the input's bad lines."""
    found = [bad.line for bad in loaded.rejected]
    if sorted(entry.rejected) != found:
        listed = ", ".join(map(str, sorted(entry.rejected))) or "none"
        raise _Failed(
            MISMATCH, f"the audit record lists bad lines {listed}, the input has {', '.join(map(str, found)) or 'none'}"
        )


def _read_output(data: bytes, source: SourceFile) -> str:
    """The output's text: its bytes decompressed (if the input was compressed) and decoded as UTF-8."""
    try:
        return content_of(source, data).decode("utf-8")
    except CleanerError as exc:
        raise _Failed(MISMATCH, f"the output cannot be read: {_short_reason(str(exc), source.rel)}") from None
    except UnicodeDecodeError as exc:
        raise _Failed(MISMATCH, f"the output is not UTF-8 (byte {exc.start})") from None


def _compare_parquet(data: bytes, loaded: LoadedFile, outputs: list[Document | None], text_field: str) -> None:
    """A Parquet output must hold the expected table: the same schema, the same rows, cell for cell."""
    from cleaner.io.parquet import output_table, read_table

    try:
        written = read_table(data, loaded.source.rel, text_field).table
    except CleanerError as exc:
        raise _Failed(MISMATCH, f"the output cannot be read: {_short_reason(str(exc), loaded.source.rel)}") from None
    expected = output_table(loaded, outputs)
    if not written.schema.equals(expected.schema, check_metadata=True):
        raise _Failed(MISMATCH, f"the output's schema differs from the input's: {written.schema} vs {expected.schema}")
    if written.num_rows != expected.num_rows:
        rows = f"the output has {written.num_rows:,} rows, the replayed edits give {expected.num_rows:,}"
        raise _Failed(MISMATCH, rows)
    for name in expected.schema.names:
        want, found = expected.column(name).to_pylist(), written.column(name).to_pylist()
        if want != found:
            row = _first_difference(want, found)
            where = f"row {row + 1} of the output, column {name!r}"
            if isinstance(want[row], str) and isinstance(found[row], str):
                offset = _first_difference(want[row], found[row])
                raise _Failed(MISMATCH, f"{where} differs at offset {offset}: {_show(want[row], found[row], offset)}")
            raise _Failed(MISMATCH, f"{where}: expected {_clip(repr(want[row]))}, found {_clip(repr(found[row]))}")


def _edits_by_document(entry: _FileEntry, loaded: LoadedFile) -> dict[str, list[tuple[int, Edit]]]:
    """The file's edits by document id, in audit order; an edit of a document the input lacks is a mismatch."""
    known = {doc.id for doc in loaded.documents}
    by_doc: dict[str, list[tuple[int, Edit]]] = {}
    for line, doc, edit in entry.edits:
        if doc not in known:
            raise _Failed(
                MISMATCH, f"audit record line {line}: edit of {display_name(doc)}, a document the input lacks"
            )
        by_doc.setdefault(doc, []).append((line, edit))
    return by_doc


def _check_edit_count(entry: _FileEntry) -> None:
    """The file record counts the edits that change something: a lost or added edit line shows here."""
    counted = entry.record.get("edits")
    found = sum(1 for _, _, edit in entry.edits if not edit.is_event)
    if isinstance(counted, int) and counted != found:
        raise _Failed(MISMATCH, f"the file record counts {counted} edits, the audit record holds {found}")


# -- replaying ------------------------------------------------------------------------------


def _replay_documents(
    loaded: LoadedFile, edits: Mapping[str, list[tuple[int, Edit]]]
) -> tuple[list[Document | None], int]:
    """Each document as its edits leave it (``None``: dropped whole as a duplicate), and the removals proven.

    A failure in a JSON Lines record names the record; a text file's one document is the file itself.
    """
    outputs: list[Document | None] = []
    removed = 0
    for doc in loaded.documents:
        doc_edits = edits.get(doc.id, [])
        try:
            text, proven = _replay_document(doc.text, doc_edits)
        except _Failed as failed:
            if doc.id == loaded.source.rel:
                raise
            raise _Failed(failed.verdict, f"record {display_name(doc.id)}: {failed.detail}") from None
        removed += proven
        dropped = any(edit.stage == "dedup" and edit.rule == DOCUMENT_RULE for _, edit in doc_edits)
        outputs.append(None if dropped else doc.with_text(text))
    return outputs, removed


def _replay_document(text: str, edits: list[tuple[int, Edit]]) -> tuple[str, int]:
    """``replay`` step by step, so a failure names its audit line, checking each dedup step's removals."""
    removed = 0
    for group in _step_groups(edits):
        before = text
        text = _replay_group(text, group)
        removals = [edit for _, edit in group if _is_removal(edit)]
        if removals:
            _check_recoverable(before, text, removals)
            removed += len(removals)
    return text, removed


def _step_groups(edits: list[tuple[int, Edit]]) -> Iterator[list[tuple[int, Edit]]]:
    """Runs of edits with the same step: exactly the groups :func:`cleaner.replay` applies at once."""
    group: list[tuple[int, Edit]] = []
    for item in edits:
        if group and item[1].step != group[-1][1].step:
            yield group
            group = []
        group.append(item)
    if group:
        yield group


def _replay_group(text: str, group: list[tuple[int, Edit]]) -> str:
    for line, edit in group:
        found = text[edit.start : edit.end]
        if edit.end > len(text) or found != edit.before:
            raise _Failed(
                MISMATCH,
                f"the edit on audit record line {line} ({edit.stage}/{edit.rule}, step "
                f"{edit.step}) expects {_clip(edit.before)} at offset {edit.start}, the text there is {_clip(found)}",
            )
    try:
        return replay(text, [edit for _, edit in group])
    except ValueError as exc:  # overlapping edits
        raise _Failed(MISMATCH, f"step {group[0][1].step}: {exc}") from None


def _is_removal(edit: Edit) -> bool:
    return edit.stage == "dedup" and edit.rule in (*PARAGRAPH_RULES, DOCUMENT_RULE)


def _check_recoverable(before: str, after: str, removals: list[Edit]) -> None:
    """Putting the removed paragraphs back, as ``cleaner restore`` does, must give the text dedup received."""
    records = [{"type": "edit", "doc": "", **edit.to_record()} for edit in removals]
    try:
        restored = restore_text(after, removals_from_audit(records)[""])
    except (ValueError, KeyError, TypeError) as exc:
        raise _Failed(MISMATCH, f"the removed paragraphs cannot be put back ({exc})") from None
    if restored != before:
        offset = _first_difference(before, restored)
        raise _Failed(
            MISMATCH,
            "putting the removed paragraphs back does not give the text dedup received; "
            f"they differ at offset {offset}: {_show(before, restored, offset)}",
        )


# -- comparing ------------------------------------------------------------------------------


def _difference(
    expected: str, written: str, loaded: LoadedFile, outputs: list[Document | None], text_field: str
) -> str:
    """Where the output first departs from the replayed edits, with a little context on each side."""
    if loaded.records is None:
        offset = _first_difference(expected, written)
        line = written.count("\n", 0, offset) + 1
        return (
            f"the output differs from the replayed edits at offset {offset} (line {line}): "
            f"{_show(expected, written, offset)}"
        )
    return _jsonl_difference(expected, written, _output_labels(loaded, outputs), text_field)


def _output_labels(loaded: LoadedFile, outputs: list[Document | None]) -> list[str]:
    """What each line of a JSON Lines output is, in the order ``render_jsonl`` writes them: a
    document's id, or the id of a line written back unread."""
    rejected = list(loaded.rejected)[::-1]
    labels: list[str] = []
    for position, document in enumerate(outputs):
        while rejected and rejected[-1].position <= position:
            labels.append(f"{loaded.source.rel}:{rejected.pop().line}, written back unread")
        if document is not None:
            labels.append(document.id)
    labels.extend(f"{loaded.source.rel}:{bad.line}, written back unread" for bad in reversed(rejected))
    return labels


def _jsonl_difference(expected: str, written: str, doc_ids: list[str], text_field: str) -> str:
    """For JSON Lines: the first record that differs, and where in its text field if that is what differs."""
    wanted, found = expected.split("\n"), written.split("\n")
    index = _first_difference(wanted, found)
    if index >= len(doc_ids):
        if index < len(found) and found[index]:
            return f"line {index + 1}: a record that no input document accounts for"
        offset = _first_difference(expected, written)
        return f"the output differs from the replayed edits at offset {offset}: {_show(expected, written, offset)}"
    where = f"line {index + 1} (record {display_name(doc_ids[index])})"
    if index >= len(found) or not found[index]:
        return f"{where}: missing from the output"
    want_text, found_text = _text_of(wanted[index], text_field), _text_of(found[index], text_field)
    if want_text is not None and found_text is not None and want_text != found_text:
        offset = _first_difference(want_text, found_text)
        return (
            f"{where}: the {text_field!r} field differs from the replayed edits at offset {offset}: "
            f"{_show(want_text, found_text, offset)}"
        )
    offset = _first_difference(wanted[index], found[index])
    return f"{where}: differs at column {offset + 1}: {_show(wanted[index], found[index], offset)}"


def _text_of(line: str, text_field: str) -> str | None:
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return None
    value = record.get(text_field) if isinstance(record, dict) else None
    return value if isinstance(value, str) else None


def _first_difference(a: Sequence[Any], b: Sequence[Any]) -> int:
    """The first index at which ``a`` and ``b`` differ (the shorter one's length if one is a prefix)."""
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def _show(expected: str, found: str, offset: int) -> str:
    return f"expected {_around(expected, offset)}, found {_around(found, offset)}"


def _around(text: str, offset: int) -> str:
    start = max(0, offset - CONTEXT)
    snippet = text[start : offset + CONTEXT]
    return ("…" if start else "") + repr(snippet) + ("…" if offset + CONTEXT < len(text) else "")


def _clip(text: str, width: int = 2 * CONTEXT) -> str:
    return repr(text[:width]) + ("…" if len(text) > width else "")


# -- outputs --------------------------------------------------------------------------------


def _outputs_without_source(dst: Path, recorded: set[str], audit_path: Path) -> list[str]:
    """Files in DST that no file record accounts for (hidden files and folders are tool state, not outputs)."""
    audit = real(audit_path)
    strays: list[str] = []
    for root, dirs, files in os.walk(dst):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(root, name)
            if name.startswith(".") or real(path) == audit:
                continue
            rel = path.relative_to(dst).as_posix()
            if (rel if has_valid_name(rel) else display_name(rel)) not in recorded:
                strays.append(rel)
    return strays
