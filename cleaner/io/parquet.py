"""Parquet files (``*.parquet``): one document per row of the text column; needs ``pyarrow``.

The column named by ``--text-field`` (``text`` by default) is cleaned; every other column is
carried along as it is, and the output is a Parquet file with the same schema (column types,
field and schema metadata) and the same compression. Rows are numbered from 1, as JSON Lines
lines are: the document of row 7 of ``a.parquet`` is ``a.parquet:7``. A row whose text is null
is reported (``a.parquet:7: field 'text' is null``) and written back as it was; a row the dedup
step drops as a duplicate document is left out of the output, as a JSON Lines record would be.

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
    from cleaner.io.readers import LoadedFile, RejectedRecord

    rel = source.rel
    parquet = read_table(data, rel, text_field)
    values = parquet.table.column(parquet.column).to_pylist()
    documents: list[Document] = []
    rejected: list[RejectedRecord] = []
    for row, value in enumerate(values, start=1):
        if value is None:
            reason = f"{rel}:{row}: field {text_field!r} is null"
            rejected.append(RejectedRecord(row, len(documents), "", reason))
            continue
        documents.append(Document(id=f"{rel}:{row}", text=value, meta={"path": rel, "line": row}))
    if not documents:
        if rejected:
            more = f" (and {len(rejected) - 1:,} more bad rows)" if len(rejected) > 1 else ""
            raise InputError(f"{rejected[0].reason}{more}; no row could be read")
        raise InputError(f"{rel}: no rows")
    view = _view(values)
    return LoadedFile(source, "utf-8", len(data), documents, text=view, rejected=rejected, parquet=parquet)


def read_table(data: bytes, rel: str, text_field: str) -> ParquetInput:
    """The table in ``data`` and its text column; :class:`InputError` if it is no Parquet file or has no such column."""
    pa, pq = pyarrow_modules(rel)
    try:
        handle = pq.ParquetFile(pa.BufferReader(data))
        table = handle.read()
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(f"{rel}: not a valid Parquet file ({exc})") from None
    column = table.schema.get_field_index(text_field)
    if column < 0:
        names = ", ".join(table.schema.names) or "none"
        raise InputError(f"{rel}: no column {text_field!r} (columns: {names}); choose one with --text-field")
    kind = table.schema.field(column).type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        raise InputError(f"{rel}: column {text_field!r} holds {kind}, not strings")
    return ParquetInput(table, column, _compression(handle))


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
    for document, output in zip(loaded.documents, outputs, strict=True):
        row = document.meta["line"] - 1
        if output is None:
            keep[row] = False
        else:
            values[row] = output.text
    return values, keep


def output_table(loaded: Any, outputs: Sequence[Document | None]) -> Any:
    """The output table: the input's, its text column replaced, the rows of dropped documents left out."""
    pa, _ = pyarrow_modules(loaded.source.rel)
    parquet: ParquetInput = loaded.parquet
    values, keep = output_values(loaded, outputs)
    field = parquet.table.schema.field(parquet.column)
    table = parquet.table.set_column(parquet.column, field, pa.array(values, type=field.type))
    return table if all(keep) else table.filter(pa.array(keep))


def render_parquet(loaded: Any, outputs: Sequence[Document | None], text_field: str = "text") -> bytes:
    """The output file's bytes: :func:`output_table` as Parquet, compressed as the input was."""
    pa, pq = pyarrow_modules(loaded.source.rel)
    sink = pa.BufferOutputStream()
    pq.write_table(output_table(loaded, outputs), sink, compression=loaded.parquet.compression)
    return sink.getvalue().to_pybytes()


def text_view(outputs: Sequence[Document | None], loaded: Any) -> str:
    """The output's text column as lines (one JSON string per row), for diffs and dry runs."""
    values, keep = output_values(loaded, outputs)
    return _view(value for value, kept in zip(values, keep, strict=True) if kept)


def _view(values: Any) -> str:
    return "".join(json.dumps(value, ensure_ascii=False) + "\n" for value in values)
