"""The audit record on disk: two layouts, optional gzip, one way to read them back.

Both layouts are JSON Lines with the same ``run``, ``file``, ``record`` and ``stale`` lines (see
:mod:`cleaner.report`). They differ in how edits are written:

- **verbose**: one ``{"type": "edit", ...}`` line per edit;
- **compact** (the default): one line per document with the edits in columns, in the order
  they were made::

      {"type": "kinds", "first": 0, "kinds": [["whitespace", "blank_lines"], ["punctuation", "halfwidth_comma"]]}
      {"type": "edits", "doc": "a.txt", "kind": [0, 1], "step": [0, 7], "para": [3, 3],
       "start": [217, 237], "before": ["\\n\\n\\n", ","], "after": ["\\n\\n", "，"]}

  ``kind`` indexes the (stage, rule) pairs of the run: a ``kinds`` line, written before the
  first document that uses a new pair, appends pairs from index ``first`` on. An edit ends at
  ``start + len(before)``; a document with an edit that does not gets an ``end`` column too.
  ``detail`` lists ``[index, detail]`` for the edits that carry one.

A record whose name ends in ``.gz`` is gzip-compressed (deterministic: no name, no time in the
header). :func:`audit_lines` reads any of these the same way, recognising gzip by its first
bytes, and gives every edit back as the verbose line it would have been: readers never see the
layout.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from cleaner.errors import ConfigError
from cleaner.model import Edit

COMPACT = "compact"
VERBOSE = "verbose"
FORMATS = (COMPACT, VERBOSE)
DEFAULT_FORMAT = COMPACT
# The audit record's name in DST/.cleaner/, by layout (the compact one is compressed).
NAMES = {COMPACT: "audit.jsonl.gz", VERBOSE: "audit.jsonl"}
GZIP_MAGIC = b"\x1f\x8b"
COMPRESS_LEVEL = 6

# One encoder for the run: ``json.dumps`` with options builds a new encoder on every call.
_ENCODER = json.JSONEncoder(ensure_ascii=False)


def dumps(record: dict[str, Any]) -> str:
    return _ENCODER.encode(record)


def check_format(name: str) -> str:
    if name not in FORMATS:
        raise ConfigError(f"unknown audit format {name!r}: choose one of {', '.join(FORMATS)}")
    return name


def is_compressed_name(path: Path) -> bool:
    return path.name.endswith(".gz")


def audit_in(folder: Path) -> Path:
    """The audit record in ``folder`` (DST/.cleaner): the one there, compact first; else the default name."""
    for name in (NAMES[COMPACT], NAMES[VERBOSE]):
        if (folder / name).is_file():
            return folder / name
    return folder / NAMES[DEFAULT_FORMAT]


# -- writing --------------------------------------------------------------------------------


def compressed_text(handle: IO[bytes]) -> IO[str]:
    """A UTF-8 text handle that gzips into ``handle`` (closing it finishes the gzip, not ``handle``)."""
    packed = gzip.GzipFile(filename="", mode="wb", fileobj=handle, compresslevel=COMPRESS_LEVEL, mtime=0)
    return io.TextIOWrapper(packed, encoding="utf-8", newline="\n", write_through=True)  # type: ignore[arg-type]


def verbose_lines(doc_id: str, edits: Iterable[Edit]) -> str:
    """The verbose edit lines of one document."""
    encode = _ENCODER.encode
    return "".join([encode(edit_record(doc_id, edit)) + "\n" for edit in edits])


def edit_record(doc_id: str, edit: Edit) -> dict[str, Any]:
    """An edit's verbose audit line as a dict, keys in the documented order (see :meth:`Edit.to_record`)."""
    record: dict[str, Any] = {
        "type": "edit",
        "doc": doc_id,
        "step": edit.step,
        "stage": edit.stage,
        "rule": edit.rule,
        "para": edit.para,
        "start": edit.start,
        "end": edit.end,
        "before": edit.before,
        "after": edit.after,
    }
    if edit.detail:
        record["detail"] = edit.detail
    return record


class EncodedEdits:
    """The first edits of a document (those the per-document stages made) encoded for the compact
    layout where they were made, on a worker process: the main process then encodes only the
    edits made after them (dedup's) and the run's kind numbers, and splices (:meth:`CompactEncoder.lines`).
    The pairs are in the order they first occur, so the run's table grows as if the edits were
    encoded there one by one. ``tally`` counts them for the run's summary
    (:meth:`cleaner.report.Summary.count_edits`): each (kind of count, key) with how many, in the
    order the keys first occur."""

    def __init__(self, edits: Sequence[Edit]) -> None:
        local: dict[tuple[str, str], int] = {}
        self.count = len(edits)
        self.kinds = [local.setdefault((edit.stage, edit.rule), len(local)) for edit in edits]
        self.pairs = list(local)
        self.columns, self.ends_differ, self.details = _column_texts(edits, 0)
        tally: dict[tuple[str, Any], int] = {}
        for edit in edits:
            for key in count_keys(edit):
                tally[key] = tally.get(key, 0) + 1
        self.tally = list(tally.items())


def count_keys(edit: Edit) -> tuple[tuple[str, Any], ...]:
    """What the run's summary counts of ``edit``: (which count, its key) pairs."""
    if edit.is_event:  # it changed nothing: reported, not counted
        assert edit.detail is not None
        return (("events", (edit.stage, edit.rule, edit.detail["event"])),)
    if edit.stage == "dedup" and not edit.after and edit.before:
        return (("edits_by_stage", edit.stage), ("hits_by_rule", (edit.stage, edit.rule)), ("removed", edit.rule))
    return (("edits_by_stage", edit.stage), ("hits_by_rule", (edit.stage, edit.rule)))


_SPLICED = ("step", "para", "start", "before", "after", "end")


def _column_texts(edits: Sequence[Edit], first: int) -> tuple[list[str], bool, str]:
    """What :func:`_columns` writes of ``edits`` (the ``first``-th edit of their document on), as
    JSON array items without their brackets: the step, para, start, before, after and end
    columns, whether an end is not ``start + len(before)``, and the detail column."""
    encode = _ENCODER.encode
    columns = [
        encode([edit.step for edit in edits])[1:-1],
        encode([edit.para for edit in edits])[1:-1],
        encode([edit.start for edit in edits])[1:-1],
        encode([edit.before for edit in edits])[1:-1],
        encode([edit.after for edit in edits])[1:-1],
        encode([edit.end for edit in edits])[1:-1],
    ]
    ends_differ = any(edit.end != edit.start + len(edit.before) for edit in edits)
    details = encode([[first + index, edit.detail] for index, edit in enumerate(edits) if edit.detail])[1:-1]
    return columns, ends_differ, details


def _items(*parts: str) -> str:
    return ", ".join(part for part in parts if part)


class CompactEncoder:
    """Renders a document's edits as compact lines; holds the run's table of (stage, rule) pairs."""

    def __init__(self) -> None:
        self._kinds: dict[tuple[str, str], int] = {}

    def lines(self, doc_id: str, edits: Sequence[Edit], ahead: EncodedEdits | None = None) -> str:
        """The ``kinds`` line for pairs not seen before (if any) and the ``edits`` line of ``doc_id``.
        ``ahead``: its first edits, encoded already (the same line comes out)."""
        if not edits:
            return ""
        first = len(self._kinds)
        if ahead is None or not ahead.count or ahead.count > len(edits):
            kinds = [self._kind(edit.stage, edit.rule) for edit in edits]
            line = dumps(_columns(doc_id, edits, kinds))
        else:
            table = [self._kind(stage, rule) for stage, rule in ahead.pairs]
            later = edits[ahead.count :]
            kinds = [table[kind] for kind in ahead.kinds] + [self._kind(edit.stage, edit.rule) for edit in later]
            line = _spliced(doc_id, kinds, ahead, later)
        out = ""
        if len(self._kinds) > first:
            added = [list(pair) for pair in list(self._kinds)[first:]]
            out = dumps({"type": "kinds", "first": first, "kinds": added}) + "\n"
        return out + line + "\n"

    def _kind(self, stage: str, rule: str) -> int:
        index = self._kinds.get((stage, rule))
        if index is None:
            index = self._kinds[stage, rule] = len(self._kinds)
        return index


def _spliced(doc_id: str, kinds: list[int], ahead: EncodedEdits, later: Sequence[Edit]) -> str:
    """The line :func:`_columns` makes, from the first edits encoded ``ahead`` and the ``later`` ones."""
    columns, ends_differ, details = _column_texts(later, ahead.count) if later else ([""] * 6, False, "")
    encode = _ENCODER.encode
    parts = ['{"type": "edits", "doc": ', encode(doc_id), ', "kind": ', encode(kinds)]
    shown = 6 if ends_differ or ahead.ends_differ else 5
    for name, done, more in zip(_SPLICED[:shown], ahead.columns, columns, strict=False):
        parts += [', "', name, '": [', _items(done, more), "]"]
    detail = _items(ahead.details, details)
    if detail:
        parts += [', "detail": [', detail, "]"]
    parts.append("}")
    return "".join(parts)


def _columns(doc_id: str, edits: Sequence[Edit], kinds: list[int]) -> dict[str, Any]:
    record: dict[str, Any] = {
        "type": "edits",
        "doc": doc_id,
        "kind": kinds,
        "step": [edit.step for edit in edits],
        "para": [edit.para for edit in edits],
        "start": [edit.start for edit in edits],
        "before": [edit.before for edit in edits],
        "after": [edit.after for edit in edits],
    }
    if any(edit.end != edit.start + len(edit.before) for edit in edits):
        record["end"] = [edit.end for edit in edits]
    details = [[index, edit.detail] for index, edit in enumerate(edits) if edit.detail]
    if details:
        record["detail"] = details
    return record


# -- reading --------------------------------------------------------------------------------


class AuditReadError(ValueError):
    """A line of an audit record that cannot be read; ``number`` is its line (1-based)."""

    def __init__(self, number: int, reason: str) -> None:
        super().__init__(f"line {number}: {reason}")
        self.number = number
        self.reason = reason


def open_text(path: Path) -> IO[str]:
    """The record's text, decompressed if it is gzip (recognised by its first bytes, not its name)."""
    with path.open("rb") as probe:
        compressed = probe.read(2) == GZIP_MAGIC
    if compressed:
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="strict")  # type: ignore[arg-type]
    return path.open(encoding="utf-8", errors="strict")


def audit_lines(path: str | Path, with_edits: bool = True) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """Each record of the audit record at ``path`` with its line number, or why that line is none.

    Compact ``edits`` lines come back as one verbose ``edit`` record per edit (all with the
    line's number) and ``kinds`` lines not at all; without ``with_edits``, compact edits are
    skipped unread (verbose ``edit`` lines still come). Text that is not UTF-8 or a damaged gzip
    stream ends the reading with a last reason.
    """
    number = 0
    kinds: list[tuple[str, str]] = []
    try:
        with open_text(Path(path)) as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    yield from _records_of(number, line, kinds, with_edits)
    except UnicodeDecodeError:
        yield number + 1, "not UTF-8; the rest of the audit record was not read"
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        yield number + 1, f"the compressed audit record is damaged ({exc}); the rest was not read"


def _records_of(
    number: int, line: str, kinds: list[tuple[str, str]], with_edits: bool = True
) -> Iterator[tuple[int, dict[str, Any] | str]]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        yield number, f"not a JSON line ({exc.msg})"
        return
    if not isinstance(record, dict):
        yield number, "not a JSON object"
        return
    kind = record.get("type")
    if kind == "kinds":
        problem = _add_kinds(record, kinds)
        if problem:
            yield number, problem
    elif kind == "edits":
        if not with_edits:
            return
        try:
            for edit in expand_edits(record, kinds):
                yield number, edit
        except (TypeError, ValueError, IndexError, KeyError) as exc:
            yield number, f"a malformed edits line ({exc})"
    else:
        yield number, record


def _add_kinds(record: dict[str, Any], kinds: list[tuple[str, str]]) -> str:
    """Append a ``kinds`` line's pairs to ``kinds``; why not, if they do not continue the table."""
    added = record.get("kinds")
    if record.get("first") != len(kinds) or not isinstance(added, list):
        return f"a kinds line that does not continue the table (first {record.get('first')!r}, have {len(kinds)})"
    for pair in added:
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(part, str) for part in pair)):
            return f"a kinds line with a malformed pair {pair!r}"
        kinds.append((pair[0], pair[1]))
    return ""


_COLUMNS = ("kind", "step", "para", "start", "before", "after")


def expand_edits(record: dict[str, Any], kinds: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """The verbose ``edit`` records of a compact ``edits`` line (raises on a malformed line)."""
    doc = record["doc"]
    columns = [record[name] for name in _COLUMNS]
    ends = record.get("end")
    size = len(columns[0])
    if any(not isinstance(column, list) or len(column) != size for column in [*columns, ends or columns[0]]):
        raise ValueError("its columns are not lists of one length")
    details = {index: detail for index, detail in record.get("detail", [])}
    edits = []
    for index, (kind, step, para, start, before, after) in enumerate(zip(*columns, strict=True)):
        if not isinstance(kind, int) or not 0 <= kind < len(kinds):
            raise ValueError(f"kind {kind!r} is not in the table")
        stage, rule = kinds[kind]
        end = ends[index] if ends is not None else start + len(before)
        edit: dict[str, Any] = {
            "type": "edit",
            "doc": doc,
            "step": step,
            "stage": stage,
            "rule": rule,
            "para": para,
            "start": start,
            "end": end,
            "before": before,
            "after": after,
        }
        if index in details:
            edit["detail"] = details[index]
        edits.append(edit)
    return edits


# -- selecting ------------------------------------------------------------------------------


def matches(record: dict[str, Any], stages: Sequence[str], rules: Sequence[str], docs: Sequence[str]) -> bool:
    """Whether a (verbose) record passes the filters: with a stage or rule filter only edits do;
    a document filter keeps the records of that document (and of its JSON Lines records ``doc:N``)."""
    if (stages or rules) and record.get("type") != "edit":
        return False
    if stages and record.get("stage") not in stages:
        return False
    if rules and record.get("rule") not in rules:
        return False
    doc = record.get("doc")
    return not docs or (isinstance(doc, str) and any(_of_document(doc, name) for name in docs))


def _of_document(doc: str, name: str) -> bool:
    return doc == name or (doc.startswith(name + ":") and doc[len(name) + 1 :].isdigit())
