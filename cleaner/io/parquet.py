"""Parquet files (``*.parquet``): one document per row of the text column; needs ``pyarrow``.

The column named by ``--text-field`` (``text`` by default) is cleaned; every other column is
carried along as it is, and the output is a Parquet file with the same schema (column types,
field and schema metadata) and the same compression. Rows are numbered from 1, as JSON Lines
lines are: the document of row 7 of ``a.parquet`` is ``a.parquet:7``. A row whose text is null
is reported (``a.parquet:7: field 'text' is null``) and written back as it was; a row the dedup
step drops as a duplicate document is left out of the output, as a JSON Lines record would be.

The output keeps the input's row groups (each with the rows of its input group that are kept), so
a file cleaned in parts (a few row groups each, :mod:`cleaner.partitioning`) is written, group by
group, into the same bytes as the file cleaned whole.

Without pyarrow (``pip install 'cleaner[parquet]'``) each Parquet file is skipped with a message
that says so; nothing else of a run changes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cleaner.errors import InputError
from cleaner.model import Document

MISSING = "reading and writing Parquet files needs the pyarrow package: pip install 'cleaner[parquet]'"


@dataclass(frozen=True)
class ParquetInput:
    """A Parquet file as read: its table, the text column's index, and its compression."""

    table: Any  # pyarrow.Table
    column: int
    compression: str
    groups: tuple[int, ...] = ()  # the rows of each row group the table holds, in order


def pyarrow_modules(rel: str) -> tuple[Any, Any]:
    """``(pyarrow, pyarrow.parquet)``; :class:`InputError` naming the file if pyarrow is not installed."""
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise InputError(f"{rel}: {MISSING}") from None
    return pyarrow, pyarrow.parquet


def load_parquet(source: Any, data: bytes, text_field: str) -> Any:
    """One Parquet file (its bytes) as a :class:`~cleaner.io.readers.LoadedFile`, a document per row."""
    return _loaded(source, read_table(data, source.rel, text_field), len(data), text_field)


def load_parquet_part(part: Any, text_field: str) -> Any:
    """The row groups of a :class:`~cleaner.io.readers.FilePart`, a document per row, numbered as in the file."""
    source = part.source
    return _loaded(source, read_table(source.path, source.rel, text_field, part), part.size, text_field, part)


def _loaded(source: Any, parquet: ParquetInput, size: int, text_field: str, part: Any = None) -> Any:
    from cleaner.io.readers import LoadedFile, RejectedRecord, no_good_record

    rel = source.rel
    first = 1 if part is None else part.first
    values = parquet.table.column(parquet.column).to_pylist()
    documents: list[Document] = []
    rejected: list[RejectedRecord] = []
    for row, value in enumerate(values, start=first):
        if value is None:
            reason = f"{rel}:{row}: field {text_field!r} is null"
            rejected.append(RejectedRecord(row, len(documents), "", reason))
            continue
        documents.append(Document(id=f"{rel}:{row}", text=value, meta={"path": rel, "line": row}))
    if not documents and part is None:
        if rejected:
            raise InputError(no_good_record(rejected[0].reason, len(rejected), "row"))
        raise InputError(f"{rel}: no rows")
    view = _view(values) if part is None else ""  # no diff shows a file read in parts
    return LoadedFile(source, "utf-8", size, documents, text=view, rejected=rejected, parquet=parquet, part=part)


def read_table(where: Any, rel: str, text_field: str, part: Any = None) -> ParquetInput:
    """The table in ``where`` (a path or bytes; only ``part``'s row groups if one is given) and its
    text column; :class:`InputError` if it is no Parquet file or has no such column."""
    pa, pq = pyarrow_modules(rel)
    try:
        handle = pq.ParquetFile(pa.BufferReader(where) if isinstance(where, bytes) else where)
        groups = range(handle.metadata.num_row_groups) if part is None else range(part.start, part.stop)
        table = handle.read() if part is None else handle.read_row_groups(groups)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(f"{rel}: not a valid Parquet file ({exc})") from None
    column = text_column(table.schema, rel, text_field)
    rows = tuple(handle.metadata.row_group(group).num_rows for group in groups)
    return ParquetInput(table, column, _compression(handle), rows)


def text_column(schema: Any, rel: str, text_field: str) -> int:
    """The index of the text column in ``schema``; :class:`InputError` if there is none that holds strings."""
    pa, _ = pyarrow_modules(rel)
    column = schema.get_field_index(text_field)
    if column < 0:
        names = ", ".join(schema.names) or "none"
        raise InputError(f"{rel}: no column {text_field!r} (columns: {names}); choose one with --text-field")
    kind = schema.field(column).type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        raise InputError(f"{rel}: column {text_field!r} holds {kind}, not strings")
    return column


def _compression(handle: Any) -> str:
    """The codec of the file's first column chunk (``snappy``, ``zstd``…), to write the output with."""
    metadata = handle.metadata
    if metadata.num_row_groups and metadata.num_columns:
        return str(metadata.row_group(0).column(0).compression).lower()
    return "snappy"


def output_values(loaded: Any, outputs: Sequence[Document | None]) -> tuple[list[str | None], list[bool]]:
    """The text column of the output, row by row, and which rows are kept (a dropped document's row is not)."""
    values = loaded.parquet.table.column(loaded.parquet.column).to_pylist()
    keep = [True] * len(values)
    first = 1 if loaded.part is None else loaded.part.first
    for document, output in zip(loaded.documents, outputs, strict=True):
        row = document.meta["line"] - first
        if output is None:
            keep[row] = False
        else:
            values[row] = output.text
    return values, keep


def output_groups(loaded: Any, outputs: Sequence[Document | None]) -> list[Any]:
    """The output's row groups (tables), one per input row group: its rows, the text column
    replaced, the rows of dropped documents left out."""
    pa, _ = pyarrow_modules(loaded.source.rel)
    parquet: ParquetInput = loaded.parquet
    values, keep = output_values(loaded, outputs)
    field = parquet.table.schema.field(parquet.column)
    table = parquet.table.set_column(parquet.column, field, pa.array(values, type=field.type))
    groups = []
    start = 0
    for rows in parquet.groups:
        group, kept = table.slice(start, rows), keep[start : start + rows]
        groups.append(group if all(kept) else group.filter(pa.array(kept, type=pa.bool_())))
        start += rows
    return groups


def output_table(loaded: Any, outputs: Sequence[Document | None]) -> Any:
    """The output table: :func:`output_groups` as one table."""
    pa, _ = pyarrow_modules(loaded.source.rel)
    return pa.concat_tables(output_groups(loaded, outputs)) if loaded.parquet.groups else loaded.parquet.table


def render_parquet(loaded: Any, outputs: Sequence[Document | None], text_field: str = "text") -> bytes:
    """The output file's bytes: :func:`output_groups` as Parquet, compressed as the input was."""
    pa, _ = pyarrow_modules(loaded.source.rel)
    sink = pa.BufferOutputStream()
    groups = output_of(loaded, outputs)
    with ParquetSink(sink, groups) as writer:
        writer.write(groups.tables)
    return sink.getvalue().to_pybytes()


@dataclass(frozen=True)
class OutputGroups:
    """Output row groups (tables) with the schema and compression of the file they go into."""

    schema: Any
    compression: str
    tables: list[Any]


def output_of(loaded: Any, outputs: Sequence[Document | None]) -> OutputGroups:
    """The output row groups of a Parquet file or of a part of one (:func:`output_groups`)."""
    parquet: ParquetInput = loaded.parquet
    return OutputGroups(parquet.table.schema, parquet.compression, output_groups(loaded, outputs))


class ParquetSink:
    """A Parquet file written row group by row group into ``where`` (a path, buffer or binary file
    handle), with the schema and compression of ``first``, its first groups."""

    def __init__(self, where: Any, first: OutputGroups) -> None:
        import pyarrow.parquet as pq  # there is a table: pyarrow is installed

        self._writer = pq.ParquetWriter(where, first.schema, compression=first.compression)

    def __enter__(self) -> ParquetSink:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def write(self, groups: Sequence[Any]) -> None:
        for group in groups:
            self._writer.write_table(group, row_group_size=max(1, group.num_rows))

    def close(self) -> None:
        self._writer.close()


def text_view(outputs: Sequence[Document | None], loaded: Any) -> str:
    """The output's text column as lines (one JSON string per row), for diffs and dry runs."""
    values, keep = output_values(loaded, outputs)
    return _view(value for value, kept in zip(values, keep, strict=True) if kept)


def _view(values: Any) -> str:
    return "".join(json.dumps(value, ensure_ascii=False) + "\n" for value in values)
