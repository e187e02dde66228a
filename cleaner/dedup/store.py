"""A deduplicator's index on disk, so a later run removes copies of what earlier runs kept.

``clean batch2/ out2/ --dedup-index idx/`` starts from what ``clean batch1/ out1/ --dedup-index
idx/`` indexed and writes the index back, grown by batch2's kept paragraphs. Layout of ``idx/``:

* ``current.json`` — ``{"format": "cleaner-dedup-index", "generation": "gen-000002"}``: the one
  generation in use. It is replaced (``os.replace``) only after the new generation is complete, so
  a run killed while saving leaves the previous index as it was.
* ``gen-NNNNNN/`` — one complete index, written into a temporary folder and renamed:

  - ``header.json``: ``format``, ``version``, the dedup ``options`` it was made with (every option
    a decision depends on), ``paragraphs`` and ``documents`` indexed, ``runs`` (those of each run
    that added to it), ``tables`` (bands, entries and the length of each run of each table),
    ``files`` (the SHA-256 of every other file) and ``checksum`` (the SHA-256 of the header's
    other fields).
  - ``doc_ids.json``: the ids of the documents indexed paragraphs belong to, in order.
  - numpy ``.npy`` files (format 1.0, read with ``allow_pickle=False``): for each table kept on
    disk (``exact``, ``bands``, ``segments``, ``units``, see :mod:`cleaner.dedup.spill`) its
    ``.keys`` (uint64: the key's digest, or band and fingerprint) and ``.pids`` (uint32), one run
    after another, each run in key order (the header's ``tables`` gives each run's length);
    ``para_doc`` and ``para_index`` (uint32: the document number and paragraph number of each
    indexed paragraph); for each run store (``shingles``, ``short_keys``, ``gaps``, ``leads``) its
    ``.values`` (uint32), ``.start`` (int64) and ``.length`` (int32), one run per paragraph.

The paragraphs of files whose output a run did not write (withdrawn, see
:meth:`~cleaner.dedup.Deduplicator.withdraw`) stay in the arrays and run stores, which number
paragraphs, but have no entry in any table: no later run finds them, as none finds them later in
the run that withdrew them.

An index made with other dedup options, of another format version, or failing any checksum or
consistency check is refused with a :class:`DamagedIndexError` (exit 2): it is never used blindly.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np

from cleaner.dedup.spill import SpilledIndex
from cleaner.errors import CleanerError, ConfigError

if TYPE_CHECKING:
    from cleaner.dedup.deduplicator import Deduplicator, _Growing, _RunStore

FORMAT = "cleaner-dedup-index"
VERSION = 2  # 2: the tables as sorted runs (1: hash tables and exact.digests)
CURRENT = "current.json"
HEADER = "header.json"
DOC_IDS = "doc_ids.json"
GENERATION = "gen-"
TEMPORARY = ".tmp-"
CHUNK = 1 << 18  # values copied between a run store and its file at a time (1 MB): small next to the index
# Options that do not change which paragraph is kept or removed: not compared.
UNCOMPARED = ("index",)


class DamagedIndexError(ConfigError):
    """A dedup index that cannot be used: damaged, of another format, or made with other options."""


class IndexNotSavedError(CleanerError):
    """The index of a run cannot be saved whole."""


def options_record(dedup: Deduplicator) -> dict[str, Any]:
    """The dedup options an index's decisions depend on, as JSON values."""
    record = dataclasses.asdict(dedup.options)
    for name in UNCOMPARED:
        record.pop(name, None)
    return record


def exists(path: Path) -> bool:
    """Whether ``path`` holds an index (an absent or empty folder starts a new one)."""
    return (path / CURRENT).exists()


# -- saving ----------------------------------------------------------------------------------


def save(dedup: Deduplicator, path: str | Path, documents: int) -> None:
    """Write ``dedup``'s index to ``path`` as a new generation, then switch ``current.json`` to it.

    ``documents`` is how many documents this run gave the deduplicator (for the ``runs`` record).
    """
    path = Path(path)
    _check_whole(dedup, path)
    path.mkdir(parents=True, exist_ok=True)
    previous = _current(path)
    _remove_unused(path, keep=previous)
    number = int(previous[len(GENERATION) :]) + 1 if previous else 1
    folder = Path(tempfile.mkdtemp(prefix=TEMPORARY, dir=path))
    files: dict[str, str] = {}
    for name, array in _arrays(dedup).items():
        files[f"{name}.npy"] = _write_array(folder / f"{name}.npy", array)
    tables: dict[str, dict[str, Any]] = {}
    for name, table in _spilled(dedup).items():
        runs = _live_run_sizes(table, dedup)
        files[f"{name}.keys.npy"], files[f"{name}.pids.npy"] = _write_spilled(folder, name, table, dedup, runs)
        tables[name] = {"bands": table.bands, "size": sum(runs) // table.bands, "runs": runs}
    for name, store in _run_stores(dedup).items():
        files[f"{name}.values.npy"] = _write_values(folder / f"{name}.values.npy", store)
        starts, lengths = store.runs(0, len(store))
        files[f"{name}.start.npy"] = _write_array(folder / f"{name}.start.npy", starts)
        files[f"{name}.length.npy"] = _write_array(folder / f"{name}.length.npy", lengths.astype(np.int32))
    files[DOC_IDS] = _write_bytes(folder / DOC_IDS, json.dumps(dedup._doc_ids, ensure_ascii=False).encode())
    runs = [*_previous_runs(dedup), {"documents": documents, "paragraphs": len(dedup) - dedup.earlier}]
    header = {
        "format": FORMAT,
        "version": VERSION,
        "options": options_record(dedup),
        "paragraphs": len(dedup),
        "documents": len(dedup._doc_ids),
        "runs": runs,
        "tables": tables,
        "files": files,
    }
    header["checksum"] = _checksum(header)
    _write_bytes(folder / HEADER, json.dumps(header, indent=1, ensure_ascii=False).encode())
    _sync(folder)
    generation = f"{GENERATION}{number:06d}"
    os.rename(folder, path / generation)
    _sync(path)
    pointer = json.dumps({"format": FORMAT, "generation": generation}).encode()
    temporary = path / f"{TEMPORARY}{CURRENT}"
    _write_bytes(temporary, pointer)
    os.replace(temporary, path / CURRENT)
    _sync(path)
    _remove_unused(path, keep=generation)


def _check_whole(dedup: Deduplicator, path: Path) -> None:
    """Refuse to save an index one of whose parts missed paragraphs (a batch whose dedup failed
    part way): loading it would be refused, and the previous index is worth more."""
    sizes = {dedup._exact.size, dedup._para_index.size, *(len(s) for s in _run_stores(dedup).values())}
    if sizes != {len(dedup)}:
        raise IndexNotSavedError(
            f"{path}: the dedup index was not updated (dedup failed part way on some documents, see the "
            "audit record's dedup_failed events); the previous index is unchanged"
        )


def _arrays(dedup: Deduplicator) -> dict[str, np.ndarray]:
    return {"para_doc": _used(dedup._para_doc), "para_index": _used(dedup._para_index)}


def _file_names(dedup: Deduplicator) -> set[str]:
    """The files an index is made of (besides its header)."""
    stores = [f"{name}.{part}" for name in _run_stores(dedup) for part in ("values", "start", "length")]
    spilled = [f"{name}.{part}" for name in _spilled(dedup) for part in ("keys", "pids")]
    return {DOC_IDS, *(f"{name}.npy" for name in [*_arrays(dedup), *stores, *spilled])}


def _spilled(dedup: Deduplicator) -> dict[str, SpilledIndex]:
    return {"exact": dedup._exact._table, "bands": dedup._bands, "segments": dedup._segments, "units": dedup._units}


def _run_stores(dedup: Deduplicator) -> dict[str, _RunStore]:
    return {"shingles": dedup._shingles, "short_keys": dedup._short_keys, "gaps": dedup._gaps, "leads": dedup._leads}


def _used(growing: _Growing) -> np.ndarray:
    return growing.data[: growing.size]


def _live_run_sizes(table: SpilledIndex, dedup: Deduplicator) -> list[int]:
    """The entries of each run of a table that are saved: those whose pid is not withdrawn."""
    if not dedup._withdrawn:
        return table.run_sizes
    sizes = []
    chunks = table.entries()  # chunk by chunk, run after run: no chunk holds two runs' entries
    for count in table.run_sizes:
        seen = live = 0
        while seen < count:
            _, pids = next(chunks)
            seen += pids.size
            live += int(np.count_nonzero(dedup.is_live(pids)))
        sizes.append(live)
    return sizes


def _write_spilled(
    folder: Path, name: str, table: SpilledIndex, dedup: Deduplicator, runs: list[int]
) -> tuple[str, str]:
    """A spilled table's keys and pids, run after run, streamed (never all in memory at once);
    ``runs``: how many entries of each run are saved (the withdrawn ones are left out)."""
    total = sum(runs)
    with open(folder / f"{name}.keys.npy", "wb") as keys, open(folder / f"{name}.pids.npy", "wb") as pids:
        for out, dtype in ((keys, "<u8"), (pids, "<u4")):
            header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False, "shape": (total,)}
            np.lib.format.write_array_header_1_0(out, header)
        for chunk_keys, chunk_pids in table.entries():
            if dedup._withdrawn:
                live = dedup.is_live(chunk_pids)
                chunk_keys, chunk_pids = chunk_keys[live], chunk_pids[live]
            keys.write(chunk_keys.astype("<u8").tobytes())
            pids.write(chunk_pids.astype("<u4").tobytes())
        _flush(keys)
        _flush(pids)
    return _file_sha256(folder / f"{name}.keys.npy"), _file_sha256(folder / f"{name}.pids.npy")


def _previous_runs(dedup: Deduplicator) -> list[dict[str, int]]:
    return list(dedup.index_runs)


def _write_array(target: Path, array: np.ndarray) -> str:
    with open(target, "wb") as out:
        np.lib.format.write_array(out, np.ascontiguousarray(array), version=(1, 0), allow_pickle=False)
        _flush(out)
    return _file_sha256(target)


def _write_values(target: Path, store: _RunStore) -> str:
    """A run store's values, streamed from its temporary file (never all in memory at once)."""
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype("<u4")), "fortran_order": False, "shape": (store._end,)}
    with open(target, "wb") as out:
        np.lib.format.write_array_header_1_0(out, header)
        for start in range(0, store._end, CHUNK):
            count = min(CHUNK, store._end - start)
            out.write(store.read_values(start, count).astype("<u4").tobytes())
        _flush(out)
    return _file_sha256(target)


def _write_bytes(target: Path, data: bytes) -> str:
    with open(target, "wb") as out:
        out.write(data)
        _flush(out)
    return hashlib.sha256(data).hexdigest()


def _flush(out: BinaryIO) -> None:
    out.flush()
    os.fsync(out.fileno())


def _sync(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_unused(path: Path, keep: str | None) -> None:
    """Generations other than ``keep`` and temporary files: those of runs killed or superseded."""
    for entry in path.iterdir():
        unused = entry.name.startswith(GENERATION) and entry.name != keep
        if unused or entry.name.startswith(TEMPORARY):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()


# -- loading ---------------------------------------------------------------------------------


def load(dedup: Deduplicator, path: str | Path, name: str) -> None:
    """Make ``dedup`` (fresh, with the run's options) hold the index at ``path``; ``name`` is how
    the audit record names it. Raises :class:`DamagedIndexError` when it cannot be trusted."""
    path = Path(path)
    generation = _current(path)
    if generation is None:
        raise DamagedIndexError(f"{path}: not a dedup index ({CURRENT} missing)")
    folder = path / generation
    header = _read_header(folder)
    _check_options(header, dedup, path)
    missing = sorted(_file_names(dedup) - set(header["files"]))
    if missing:
        raise DamagedIndexError(f"{path}: damaged dedup index ({HEADER} lists no checksum for {', '.join(missing)})")
    for file_name, expected in header["files"].items():
        try:
            intact = Path(file_name).name == file_name and _file_sha256(folder / file_name) == expected
        except OSError as exc:
            raise DamagedIndexError(f"{path}: damaged dedup index ({file_name}: {exc.strerror})") from None
        if not intact:
            raise DamagedIndexError(f"{path}: damaged dedup index ({file_name} does not match its checksum)")
    try:
        _restore(dedup, folder, header)
    except (KeyError, TypeError, ValueError, OSError) as exc:
        dedup.reset()
        raise DamagedIndexError(f"{path}: damaged dedup index ({exc})") from None
    dedup.earlier = len(dedup)
    dedup.index_name = name
    dedup.index_runs = list(header["runs"])


def _current(path: Path) -> str | None:
    """The generation ``current.json`` names (``None``: no index yet)."""
    try:
        pointer = json.loads((path / CURRENT).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise DamagedIndexError(f"{path}: damaged dedup index ({CURRENT}: {exc})") from None
    generation = pointer.get("generation") if isinstance(pointer, dict) else None
    valid = (
        isinstance(generation, str) and generation.startswith(GENERATION) and generation[len(GENERATION) :].isdigit()
    )
    if not valid or pointer.get("format") != FORMAT:
        raise DamagedIndexError(f"{path}: damaged dedup index ({CURRENT} names no generation)")
    return generation


def _read_header(folder: Path) -> dict[str, Any]:
    try:
        header = json.loads((folder / HEADER).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DamagedIndexError(f"{folder.parent}: damaged dedup index ({HEADER}: {exc})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise DamagedIndexError(f"{folder.parent}: not a dedup index ({HEADER} names another format)")
    version = header.get("version")
    if isinstance(version, int) and version != VERSION:
        raise DamagedIndexError(
            f"{folder.parent}: dedup index format version {version}; this cleaner reads {VERSION} only "
            "(an index is not converted: start a new one and clean the earlier batches into it again)"
        )
    if header.get("checksum") != _checksum(header) or version != VERSION:
        raise DamagedIndexError(f"{folder.parent}: damaged dedup index ({HEADER} does not match its checksum)")
    return header


def _checksum(header: dict[str, Any]) -> str:
    body = {key: value for key, value in header.items() if key != "checksum"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _check_options(header: dict[str, Any], dedup: Deduplicator, path: Path) -> None:
    saved, mine = header.get("options"), options_record(dedup)
    if saved == mine:
        return
    saved = saved if isinstance(saved, dict) else {}
    unknown = sorted(key for key in mine if key not in saved)
    if saved and unknown:
        raise DamagedIndexError(
            f"{path}: the dedup index was made by an earlier version of cleaner, before the dedup "
            f"options {', '.join(unknown)}: make it again from the corpus it holds, or use another index"
        )
    differ = sorted(key for key in set(saved) | set(mine) if saved.get(key) != mine.get(key))
    listed = ", ".join(f"{key} {saved.get(key)!r} (this run: {mine.get(key)!r})" for key in differ)
    raise DamagedIndexError(
        f"{path}: the dedup index was made with other dedup options: {listed}; "
        "use the options it was made with, or another index"
    )


def _restore(dedup: Deduplicator, folder: Path, header: dict[str, Any]) -> None:
    """Fill ``dedup``'s state from the files, checking that every part agrees with the others."""
    paragraphs = _count(header["paragraphs"])
    doc_ids = json.loads((folder / DOC_IDS).read_text(encoding="utf-8"))
    if not isinstance(doc_ids, list) or not all(isinstance(d, str) for d in doc_ids):
        raise ValueError(f"{DOC_IDS} is not a list of ids")
    para_doc = _array(folder, "para_doc", np.uint32, paragraphs)
    if para_doc.size and int(para_doc.max()) >= len(doc_ids):
        raise ValueError("para_doc names a document that is not listed")
    dedup._doc_ids = doc_ids
    _fill(dedup._para_doc, para_doc)
    _fill(dedup._para_index, _array(folder, "para_index", np.uint32, paragraphs))
    dedup._exact.size = paragraphs
    for name, spilled in _spilled(dedup).items():
        _restore_spilled(spilled, folder, name, header["tables"][name])
    for name, store in _run_stores(dedup).items():
        _restore_store(store, folder, name, paragraphs)


def _count(value: Any) -> int:
    if not isinstance(value, int) or value < 0:
        raise ValueError(f"bad count {value!r}")
    return value


def _array(folder: Path, name: str, dtype: Any, size: int | None = None) -> np.ndarray:
    array = np.load(folder / f"{name}.npy", allow_pickle=False)
    if array.dtype != np.dtype(dtype) or (size is not None and array.shape != (size,)):
        raise ValueError(f"{name}.npy holds {array.dtype} {array.shape}")
    return array


def _fill(growing: _Growing, values: np.ndarray) -> None:
    """The loaded array becomes the growing one's storage (no copy; the run's first batch grows it)."""
    if values.size:
        growing.data, growing.size = values, values.size


def _restore_spilled(table: SpilledIndex, folder: Path, name: str, record: dict[str, Any]) -> None:
    size, runs = _count(record["size"]), record["runs"]
    if record["bands"] != table.bands or not isinstance(runs, list):
        raise ValueError(f"table {name}: {record['bands']} bands")
    runs = [_count(run) for run in runs]
    total = sum(runs)
    if total != size * table.bands:
        raise ValueError(f"table {name} does not hold {size} entries")
    with open(folder / f"{name}.keys.npy", "rb") as keys, open(folder / f"{name}.pids.npy", "rb") as pids:
        for stream, dtype in ((keys, "<u8"), (pids, "<u4")):
            if np.lib.format.read_magic(stream) != (1, 0):
                raise ValueError(f"{name}: not a format 1.0 array")
            shape, fortran, found = np.lib.format.read_array_header_1_0(stream)
            if shape != (total,) or fortran or found != np.dtype(dtype):
                raise ValueError(f"{name} holds {found} {shape}, not {total} entries")
        for count in runs:
            table.restore_run(_chunks(keys, pids, count, name), count)
    table.size = size


def _chunks(keys: BinaryIO, pids: BinaryIO, count: int, name: str) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """``count`` entries of a spilled table read from its two files, ``CHUNK`` at a time."""
    for begin in range(0, count, CHUNK):
        n = min(CHUNK, count - begin)
        key_bytes, pid_bytes = keys.read(n * 8), pids.read(n * 4)
        if len(key_bytes) != n * 8 or len(pid_bytes) != n * 4:
            raise ValueError(f"{name} is cut short")
        yield np.frombuffer(key_bytes, dtype="<u8"), np.frombuffer(pid_bytes, dtype="<u4")


def _restore_store(store: _RunStore, folder: Path, name: str, paragraphs: int) -> None:
    start = _array(folder, f"{name}.start", np.int64, paragraphs)
    length = _array(folder, f"{name}.length", np.int32, paragraphs)
    expected = np.cumsum(length, dtype=np.int64) - length
    if (length < 0).any() or not np.array_equal(start, expected):
        raise ValueError(f"{name}: runs out of order")
    total = int(length.sum(dtype=np.int64))
    with open(folder / f"{name}.values.npy", "rb") as values:
        if np.lib.format.read_magic(values) != (1, 0):
            raise ValueError(f"{name}.values.npy: not a format 1.0 array")
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(values)
        if shape != (total,) or fortran or dtype != np.dtype("<u4"):
            raise ValueError(f"{name}.values.npy holds {dtype} {shape}, not {total} runs' values")
        for begin in range(0, total, CHUNK):
            count = min(CHUNK, total - begin)
            data = values.read(count * 4)
            if len(data) != count * 4:
                raise ValueError(f"{name}.values.npy is cut short")
            store.write_values(np.frombuffer(data, dtype="<u4"))
    for begin in range(0, paragraphs, CHUNK):
        store.add_runs(length[begin : begin + CHUNK])


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        while chunk := data.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
