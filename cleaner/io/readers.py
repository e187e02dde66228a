"""Finding input files and turning them into documents. Readers never change their inputs.

A JSON Lines or Parquet file too big to be one unit of work is read in parts of consecutive
records (:class:`FilePart`, planned by :mod:`cleaner.partitioning`): each part is read alone, and
its documents and line numbers are those the whole file would give.

A text file (``*.txt``, ``*.md``, …) is one document. A JSON Lines file (``*.jsonl``) is one
document per line: the text field is cleaned, every other field is carried along untouched; a line
that is not a record the cleaner can read strictly is reported and written back as it was. Either
may be compressed (``a.jsonl.gz``, ``a.txt.bz2``, ``a.jsonl.zst``; :mod:`cleaner.io.compression`):
it is decompressed first and then read exactly as the uncompressed file would be. A Parquet file
(``*.parquet``; :mod:`cleaner.io.parquet`) is one document per row of its text column.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner.errors import ConfigError, InputError
from cleaner.io.compression import CompressionError, codec_of, decompress, without_codec
from cleaner.io.decoding import decode
from cleaner.io.regular import DEFAULT_MAX_BYTES, NotReadable, open_regular, read_regular_file
from cleaner.io.strictjson import BadRecord, parse_record
from cleaner.model import Document

# Text, Markdown and JSON Lines, plain or compressed, and Parquet.
DEFAULT_GLOBS: tuple[str, ...] = (
    *(f"{pattern}{suffix}" for pattern in ("*.txt", "*.md", "*.jsonl") for suffix in ("", ".gz", ".bz2", ".zst")),
    "*.parquet",
)


def describe_globs(globs: Sequence[str]) -> str:
    """``globs`` for a message; the default ones in short, not as their thirteen patterns."""
    if tuple(globs) == DEFAULT_GLOBS:
        return "*.txt, *.md, *.jsonl (plain, .gz, .bz2 or .zst) or *.parquet"
    return ", ".join(globs)


@dataclass(frozen=True)
class SourceFile:
    """An input file: where it is, its path relative to the corpus root, and how to read it."""

    path: Path
    rel: str
    format: str  # "text", "jsonl" or "parquet"
    # Set for a folder that could not be listed (why): it stands for the files it hides, and is
    # skipped with its name and this reason rather than passed over in silence.
    unlisted: str = ""

    @property
    def codec(self) -> str | None:
        """The file's compression (``gzip``, ``bz2``, ``zstd``), by its extension; ``None``: none."""
        return None if self.format == "parquet" else codec_of(self.rel)


def format_of(name: str) -> str:
    """How a file is read, by its name: ``jsonl``, ``parquet`` or ``text`` (a compression
    extension is looked through: ``a.jsonl.gz`` is ``jsonl``)."""
    lowered = without_codec(name).lower()
    if lowered.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    return "parquet" if name.lower().endswith(".parquet") else "text"


def discover(src: Path, globs: Sequence[str] = DEFAULT_GLOBS) -> list[SourceFile]:
    """Every file under ``src`` matching one of ``globs``, sorted by relative path.

    Hidden files and folders (names starting with ``.``) are skipped: they hold tool state such as
    an earlier run's audit record. Sorting makes the run independent of the order the file system
    lists files in.
    """
    if not src.is_dir():
        # A single file; one that is not a regular file (a FIFO, a device) is refused when read.
        return [SourceFile(src, src.name, format_of(src.name))]
    found: list[SourceFile] = []

    def unlisted(error: OSError) -> None:
        # No permission, or a path longer than the system takes: os.walk would pass over the folder.
        reason = error.strerror or str(error)
        if error.filename is None or Path(error.filename) == src:
            raise ConfigError(f"{src}: cannot list the folder ({reason})")
        folder = Path(error.filename)
        found.append(SourceFile(folder, folder.relative_to(src).as_posix(), "text", unlisted=reason))

    for root, dirs, files in os.walk(src, onerror=unlisted):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.startswith(".") or not any(fnmatch.fnmatchcase(name, g) for g in globs):
                continue
            path = Path(root, name)
            rel = path.relative_to(src).as_posix()
            found.append(SourceFile(path, rel, format_of(name)))
    found.sort(key=lambda f: f.rel)
    return found


@dataclass
class LoadedFile:
    """A decoded input: its documents, and what a writer needs to put it back together."""

    source: SourceFile
    encoding: str
    size: int
    documents: list[Document]
    # For JSON Lines: the parsed records, in order (the text field is replaced on output).
    records: list[dict[str, Any]] | None = None
    # The decoded file, as it was.
    text: str = ""
    # For JSON Lines: the lines that are not records the cleaner can read, in order (for Parquet:
    # the rows whose text is not a string).
    rejected: list[RejectedRecord] = field(default_factory=list)
    # For Parquet: the table as read and how it was compressed (a cleaner.io.parquet.ParquetInput).
    parquet: Any = None
    # For one part of a file read in parts: which (``documents`` and ``records`` are its own).
    part: FilePart | None = None


@dataclass(frozen=True)
class FilePart:
    """Consecutive records of one JSON Lines or Parquet file, read and cleaned as a unit of work.

    JSON Lines: the bytes ``start``..``stop`` (cut just after a line break), whose first line is
    line ``first`` of the file, decoded with ``codec`` (chosen once for the whole file and reported
    as ``label``). Parquet: the row groups ``start``..``stop``, whose first row is row ``first``.
    ``size`` and ``digest`` are the whole file's (bytes stored, SHA-256).
    """

    source: SourceFile
    index: int  # from 0
    count: int  # parts of the file
    start: int
    stop: int
    first: int
    length: int  # the bytes this part reads (about)
    size: int
    digest: str
    codec: str = "utf-8"
    label: str = "utf-8"

    @property
    def last(self) -> bool:
        return self.index == self.count - 1


@dataclass(frozen=True)
class RejectedRecord:
    """A JSON Lines line that is not a readable record (bad JSON, a duplicate key, no text field…).

    It is reported (``reason`` is ``file:line: why``) and written back unchanged where it stood,
    before the ``position``-th good record (or at the end), so the rest of the file is still
    cleaned and nothing is lost; the output keeps one line per input record, as restoring removed
    duplicates from the audit record assumes.
    """

    line: int
    position: int
    text: str
    reason: str


def read_bytes(path: Path, label: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of one input: a regular file of at most ``max_bytes`` (anything else would hang
    the run, as a FIFO does, or fill memory, as ``/dev/zero`` does)."""
    try:
        return read_regular_file(path, max_bytes)
    except NotReadable as exc:
        raise InputError(f"{label}: {exc}") from None
    except IsADirectoryError:
        raise InputError(f"{label}: is a folder") from None
    except OSError as exc:
        raise InputError(f"{label}: cannot read ({exc.strerror or exc})") from None


def load_part(part: FilePart, text_field: str = "text") -> LoadedFile:
    """One part of a file read in parts: its records, numbered as in the whole file; a part may
    hold bad lines only (whether the whole file has a good one is known when all parts are in)."""
    if part.source.format == "parquet":
        from cleaner.io.parquet import load_parquet_part

        return load_parquet_part(part, text_field)
    data = read_range(part.source.path, part.source.rel, part.start, part.stop)
    text = data.decode(part.codec)  # the whole file decoded strictly when it was cut (partitioning)
    records, documents, rejected = _parse_jsonl(text, part.source.rel, text_field, part.first, whole=False)
    # No text kept: a file is read in parts only where no diff shows it, and a part travels light.
    return LoadedFile(part.source, part.label, part.size, documents, records, "", rejected, part=part)


def read_range(path: Path, label: str, start: int, stop: int) -> bytes:
    """The bytes ``start``..``stop`` of a regular file (one that was checked when it was cut in parts)."""
    try:
        with open_regular(path) as handle:
            handle.seek(start)
            data = handle.read(stop - start)
    except NotReadable as exc:
        raise InputError(f"{label}: {exc}") from None
    except OSError as exc:
        raise InputError(f"{label}: cannot read ({exc.strerror or exc})") from None
    if len(data) != stop - start:
        raise InputError(f"{label}: changed while it was read (shorter than when it was cut in parts)")
    return data


def load(
    source: SourceFile,
    data: bytes | None = None,
    text_field: str = "text",
    encoding: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> LoadedFile:
    """Read and decode one input file into documents; raise :class:`InputError` if it can't be.

    ``data`` is the file's bytes as stored (compressed, for a compressed file). ``encoding`` (a
    Python codec name) is used instead of sniffing the file's encoding; a file of more than
    ``max_bytes`` is refused before it is read, and a compressed one whose content is larger, as
    soon as decompressing passes the limit. ``size`` is the number of bytes stored.
    """
    if source.unlisted:
        raise InputError(f"{source.rel}: cannot list the folder ({source.unlisted})")
    if data is None:
        data = read_bytes(source.path, source.rel, max_bytes)
    if source.format == "parquet":
        from cleaner.io.parquet import load_parquet

        return load_parquet(source, data, text_field)
    decoded = decode(content_of(source, data, max_bytes), source.rel, encoding)
    if source.format == "jsonl":
        records, documents, rejected = _parse_jsonl(decoded.text, source.rel, text_field)
        return LoadedFile(source, decoded.encoding, len(data), documents, records, decoded.text, rejected)
    document = Document(id=source.rel, text=_without_final_newline(decoded.text), meta={"path": source.rel})
    return LoadedFile(source, decoded.encoding, len(data), [document], text=decoded.text)


def content_of(source: SourceFile, data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes a file holds: ``data`` decompressed for a compressed file, else ``data`` itself.

    A corrupt archive, or one whose content passes ``max_bytes``, raises :class:`InputError`
    naming the file.
    """
    if source.codec is None:
        return data
    try:
        return decompress(data, source.codec, max_bytes)
    except CompressionError as exc:
        raise InputError(f"{source.rel}: {exc}") from None


def _without_final_newline(text: str) -> str:
    # The final line ending belongs to the file format (writers add exactly one back), not to the text.
    for ending in ("\r\n", "\n", "\r"):
        if text.endswith(ending):
            return text[: -len(ending)]
    return text


def _parse_jsonl(
    text: str, rel: str, text_field: str, first: int = 1, whole: bool = True
) -> tuple[list[dict[str, Any]], list[Document], list[RejectedRecord]]:
    """The records of a JSON Lines file, its documents, and the lines that are not records.

    A bad line does not lose the file: it is set aside with its reason and written back as it was
    (see :class:`RejectedRecord`). A file whose lines are all bad is skipped, with the reason of its
    first bad line; a file with no line at all (empty, or blank lines only) holds no record and is
    written back empty, as a run that drops every record writes it. A part of a file (not
    ``whole``) starts at line ``first``, and is never skipped here.
    """
    records: list[dict[str, Any]] = []
    documents: list[Document] = []
    rejected: list[RejectedRecord] = []
    for number, line in enumerate(_lines(text), start=first):
        if not line.strip():
            continue
        try:
            record = _record(line, text_field)
        except BadRecord as exc:
            rejected.append(RejectedRecord(number, len(records), line, f"{rel}:{number}: {exc}"))
            continue
        records.append(record)
        documents.append(Document(id=f"{rel}:{number}", text=record[text_field], meta={"path": rel, "line": number}))
    if whole and rejected and not records:
        raise InputError(no_good_record(rejected[0].reason, len(rejected), "line"))
    return records, documents, rejected


def no_good_record(first_reason: str, bad: int, what: str) -> str:
    """Why a file none of whose ``bad`` lines (``what``: ``line``, ``row``) could be read is skipped."""
    more = f" (and {bad - 1:,} more bad {what}s)" if bad > 1 else ""
    noun = "record" if what == "line" else what
    return f"{first_reason}{more}; no {noun} could be read"


def _record(line: str, text_field: str) -> dict[str, Any]:
    """One line as a record with a text field, parsed strictly (:mod:`cleaner.io.strictjson`)."""
    record = parse_record(line)
    if not isinstance(record, dict):
        raise BadRecord("a JSON Lines record must be an object")
    value = record.get(text_field)
    if not isinstance(value, str):
        problem = "missing" if value is None else f"not a string ({type(value).__name__})"
        raise BadRecord(f"field {text_field!r} is {problem}")
    return record


def _lines(text: str) -> Iterator[str]:
    # JSON Lines are separated by \n only (a \r inside a string is escaped), so no splitlines().
    for line in text.split("\n"):
        yield line.removesuffix("\r")
