"""The run cache in ``DST/.cleaner/cache/``: what lets a second run over unchanged inputs skip the work.

Two things are kept, both written only by a run that holds DST's lock:

- **Results**, one file per input, named by a key: the SHA-256 of the input's bytes, its relative
  path, and everything else the per-document stages' result depends on (:func:`results_key`: the
  effective configuration, the rule files' contents, cleaner's code and data files, the Python
  and library versions, the text field). A file holds that input's documents as the stages left
  them, *before* deduplication: dedup keeps the first copy in corpus order across files, so a
  changed earlier file can change what a later, unchanged file keeps. A run with some inputs
  changed cleans only those, and runs dedup, rendering and the audit record over every document
  from the results, exactly as a full run does. A results file is only a function of its key,
  so it needs no bookkeeping; a run removes those its inputs no longer use.
- **The manifest** (``manifest.json``): what the last complete run read and wrote, each input's
  hash, each output's hash, the audit record's hash, the stale outputs and the summary. When
  every input, output and the audit record still match it, a run does nothing else: no stage, no
  dedup, no write. It is removed before a run replaces any output or the audit record, and
  written again only after both are complete, so a killed run never leaves a manifest that claims
  an output it did not write.

Results files are zlib-compressed pickles holding only plain values (strings, numbers, lists,
dicts, sets), read with an unpickler that refuses every class; each starts with a header naming
the format and the key, and carries a SHA-256 of its body. A file that fails any check is ignored with a warning,
and its input is cleaned again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import io
import json
import operator
import os
import pickle
import platform
import stat
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from cleaner.config import Config
from cleaner.io.locking import STATE_DIR
from cleaner.io.paths import WriteGuard, display_name
from cleaner.io.regular import NotReadable, read_regular_file
from cleaner.io.writers import write_atomic
from cleaner.model import Document, Edit
from cleaner.pipeline import Result
from cleaner.report import Summary

CACHE_DIR = "cache"
MANIFEST_NAME = "manifest.json"
RESULTS_SUFFIX = ".results"
FORMAT = "cleaner-run-cache"
VERSION = 1
_RESULTS_MAGIC = b"cleaner-results 2\n"
# Results are text and edits: zlib at its fastest level makes them about a quarter of their size
# at several hundred MB/s; a body may not inflate past the biggest input a run reads.
_RESULTS_LEVEL = 1
_MAX_BODY = 1 << 32
# Libraries whose versions can change a result (tables, conversions, file formats).
_LIBRARIES = ("opencc", "regex", "ahocorasick-rs", "datasketch", "numpy", "pyarrow", "zstandard")
# Files in the cache folder that keep it out of version control and backups.
_MARKERS = {
    ".gitignore": "# written by cleaner: the run cache\n*\n",
    "CACHEDIR.TAG": "Signature: 8a477f597d28d172789f06886806bc55\n# the run cache of cleaner (see its README)\n",
}


def digest(data: bytes) -> str:
    """The SHA-256 of an input's bytes as stored (compressed, for a compressed file)."""
    return hashlib.sha256(data).hexdigest()


@functools.cache
def code_fingerprint() -> str:
    """A hash of cleaner's own code and data files, so an edited checkout never reuses old results."""
    package = Path(__file__).resolve().parent
    hasher = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            hasher.update(path.relative_to(package).as_posix().encode() + b"\0")
            hasher.update(hashlib.sha256(path.read_bytes()).digest())
    return hasher.hexdigest()


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def results_key(config: Config, rule_files: Iterable[Path], text_field: str) -> str:
    """What the per-document stages' result depends on besides the input itself, as one hash."""
    rules = [(path.as_posix(), digest(path.read_bytes())) for path in rule_files]
    material = {
        "format": [FORMAT, VERSION],
        "cleaner": _version("cleaner"),
        "code": code_fingerprint(),
        "python": platform.python_version(),
        "libraries": {name: _version(name) for name in _LIBRARIES},
        "config": repr(dataclasses.replace(config, origin=None)),
        "rules": rules,
        "text_field": text_field,
    }
    return digest(json.dumps(material, sort_keys=True).encode())


def file_key(results: str, rel: str, input_digest: str) -> str:
    """The name of one input's results: its bytes, its path (document ids carry it), the run's key."""
    return digest(f"{results}\0{rel}\0{input_digest}".encode())


# -- results files ------------------------------------------------------------------------


def _plain(results: list[Result]) -> list[tuple[Any, ...]]:
    """Results as plain values only: what the cache stores (no classes, so loading runs no code)."""
    return [
        (
            result.document.id,
            result.document.text,
            result.document.meta,
            [_edit_values(edit) for edit in result.edits],
        )
        for result in results
    ]


# An edit as a tuple in its fields' order, so that ``Edit(*values)`` makes it again.
_edit_values = operator.attrgetter(*(item.name for item in dataclasses.fields(Edit)))


def _from_plain(values: Any) -> list[Result]:
    return [
        Result(Document(doc_id, text, meta), [Edit(*edit) for edit in edits]) for doc_id, text, meta, edits in values
    ]


class _PlainUnpickler(pickle.Unpickler):
    """Refuses every class and function: a results file holds plain values, nothing else."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"a results file may not name {module}.{name}")


def encode_results(key: str, results: list[Result]) -> bytes:
    body = zlib.compress(pickle.dumps(_plain(results), protocol=pickle.HIGHEST_PROTOCOL), _RESULTS_LEVEL)
    return _RESULTS_MAGIC + key.encode() + b"\n" + hashlib.sha256(body).hexdigest().encode() + b"\n" + body


def decode_results(key: str, data: bytes) -> list[Result]:
    """The results in ``data``; ``ValueError`` saying why if it is not a sound results file for ``key``."""
    if not data.startswith(_RESULTS_MAGIC):
        raise ValueError("not a results file of this version")
    header_end = len(_RESULTS_MAGIC) + len(key) + 1 + 64 + 1
    header = data[len(_RESULTS_MAGIC) : header_end].split(b"\n")
    if len(header) != 3 or header[0] != key.encode():
        raise ValueError("made for another input")
    body = data[header_end:]
    if hashlib.sha256(body).hexdigest().encode() != header[1]:
        raise ValueError("damaged (its checksum does not match)")
    try:
        inflater = zlib.decompressobj()
        plain = inflater.decompress(body, _MAX_BODY)
        if inflater.unconsumed_tail or not inflater.eof:
            raise ValueError("inflates past its limit, or is cut short")
        return _from_plain(_PlainUnpickler(io.BytesIO(plain)).load())
    except Exception as exc:  # whatever a crafted body can raise: not ours
        raise ValueError(f"unreadable ({type(exc).__name__}: {exc})") from None


# -- the manifest ---------------------------------------------------------------------------


@dataclass
class FileEntry:
    """One input of the last complete run, and what that run made of it."""

    rel: str
    status: str  # cleaned, unchanged or skipped
    digest: str | None = None  # None: skipped before it could be read
    encoding: str = ""
    reason: str = ""
    output: str | None = None  # the output's SHA-256 (None: no output)
    size: int = 0
    bytes_out: int = 0
    documents: int = 0
    dropped: int = 0
    tally: list[tuple[str, int]] = field(default_factory=list)  # edits by stage, in order
    notes: list[str] = field(default_factory=list)  # partly cleaned: why
    rejected: list[tuple[int, str]] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FileEntry:
        entry = cls(**data)
        entry.tally = [(str(stage), int(n)) for stage, n in entry.tally]
        entry.rejected = [(int(line), str(reason)) for line, reason in entry.rejected]
        return entry


@dataclass
class Manifest:
    """What the last complete run into DST read and wrote (see the module's docstring)."""

    key: str
    files: list[FileEntry]
    audit: str | None  # the audit record's SHA-256
    stale: list[str]
    summary: dict[str, Any]

    def to_json(self) -> str:
        data = {"format": FORMAT, "version": VERSION, **dataclasses.asdict(self)}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Raises ``ValueError`` (``KeyError``, ``TypeError``) if ``text`` is not a manifest of this version."""
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("version") != VERSION:
            raise ValueError("not a run cache manifest of this version")
        files = [FileEntry.from_json(entry) for entry in data["files"]]
        manifest = cls(data["key"], files, data["audit"], list(data["stale"]), dict(data["summary"]))
        if not isinstance(manifest.key, str) or not all(isinstance(rel, str) for rel in manifest.stale):
            raise ValueError("malformed")
        restore_summary(Summary(), manifest.summary)  # a summary that cannot be read back fails here
        return manifest


def file_digest(path: Path) -> str | None:
    """The SHA-256 of a file's bytes; ``None`` if it is missing or not a regular file."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO put in DST must not block
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            return hashlib.file_digest(handle, "sha256").hexdigest()
        except OSError:
            return None


class RunCache:
    """The cache folder of one DST, used by a run that holds DST's lock.

    ``warn`` is told, in one line each, about cache files that are ignored (damaged, foreign).
    """

    def __init__(self, dst: Path, results: str, guard: WriteGuard | None, warn: Callable[[str], None]) -> None:
        self.folder = dst / STATE_DIR / CACHE_DIR
        self.results = results
        self.guard = guard
        self.warn = warn
        self.used: set[str] = set()  # the results files this run read or wrote
        self._held: dict[str, tuple[str, list[Result]]] = {}  # results waiting for their output
        if guard is not None:  # before anything is written: the folder must not lead out of DST
            guard.check(self.folder / MANIFEST_NAME, "the run cache")

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / (key + RESULTS_SUFFIX)

    def _write(self, path: Path, data: bytes | str, durable: bool) -> None:
        for name, text in _MARKERS.items():
            if not (self.folder / name).exists():
                write_atomic(self.folder / name, text, self.guard, "the run cache", sync=False)
        write_atomic(path, data, self.guard, "the run cache", sync=durable)

    def has(self, rel: str, input_digest: str) -> bool:
        """Whether results of ``rel`` with these bytes are stored (not yet whether they are sound)."""
        return self._path(file_key(self.results, rel, input_digest)).is_file()

    def load(self, rel: str, input_digest: str) -> list[Result] | None:
        """The stored results of ``rel`` with these bytes, or ``None`` (none stored, or unsound: warned)."""
        key = file_key(self.results, rel, input_digest)
        path = self._path(key)
        try:
            data = read_regular_file(path)
        except FileNotFoundError:
            return None
        except (OSError, NotReadable) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else exc
            shown = display_name(str(path))
            self.warn(f"run cache: cannot read {shown} ({reason}); cleaning {display_name(rel)} again")
            return None
        try:
            results = decode_results(key, data)
        except ValueError as exc:
            self.warn(f"run cache: ignored {display_name(str(path))}: {exc}; cleaning {display_name(rel)} again")
            return None
        self.used.add(key)
        return results

    def hold(self, rel: str, input_digest: str, results: list[Result]) -> None:
        """Keep ``rel``'s results until its output is in place (:meth:`release`): stored before it,
        they would take the room a nearly full disk has left for the output."""
        self._held[rel] = (input_digest, results)

    def release(self, rel: str, output_in_place: bool) -> None:
        """Store the results held for ``rel`` if its output is in place (written, or already there);
        drop them if it is not (the next run cleans the file again)."""
        held = self._held.pop(rel, None)
        if held is not None and output_in_place:
            self.store(rel, *held)

    def store(self, rel: str, input_digest: str, results: list[Result]) -> None:
        """Keep ``rel``'s results; a failure to write only costs the next run the time to clean it."""
        key = file_key(self.results, rel, input_digest)
        self.used.add(key)
        path = self._path(key)
        try:
            # Not synced: a results file lost to a power cut is cleaned again; a torn one fails its checksum.
            self._write(path, encode_results(key, results), durable=False)
        except OSError as exc:
            self.warn(f"run cache: cannot write {display_name(str(path))} ({exc.strerror or exc})")

    def manifest(self) -> Manifest | None:
        """The last complete run's manifest, or ``None`` (none, or unsound: warned)."""
        path = self.folder / MANIFEST_NAME
        try:
            text = read_regular_file(path).decode("utf-8")
        except FileNotFoundError:
            return None
        except (OSError, NotReadable, UnicodeDecodeError) as exc:
            self.warn(f"run cache: ignored {display_name(str(path))} ({exc})")
            return None
        try:
            return Manifest.from_json(text)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            self.warn(f"run cache: ignored {display_name(str(path))}: not a manifest this version can read ({exc})")
            return None

    def forget_manifest(self) -> None:
        """Before a run replaces any output: no manifest may outlive the outputs it describes."""
        (self.folder / MANIFEST_NAME).unlink(missing_ok=True)

    def commit(self, manifest: Manifest) -> None:
        """Write the manifest (after the outputs and the audit record), then drop unused results files."""
        self._write(self.folder / MANIFEST_NAME, manifest.to_json(), durable=True)
        self.prune()

    def prune(self) -> None:
        """Remove the results files this run did not use: their inputs changed or are gone."""
        if not self.folder.is_dir():
            return
        for sub in self.folder.iterdir():
            if not sub.is_dir() or sub.is_symlink() or len(sub.name) != 2:
                continue
            for path in sub.iterdir():
                if path.name.endswith(RESULTS_SUFFIX) and path.name[: -len(RESULTS_SUFFIX)] not in self.used:
                    with contextlib.suppress(OSError):
                        path.unlink()
            with contextlib.suppress(OSError):
                sub.rmdir()  # only if empty


def holds(path: Path, data: bytes) -> bool:
    """Whether ``path`` is a regular file holding exactly ``data`` (so it need not be written again)."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size != len(data):
            return False
        with path.open("rb") as handle:
            return handle.read(len(data) + 1) == data
    except OSError:
        return False


# -- the summary ----------------------------------------------------------------------------

# The summary's numbers that describe the files and their edits: what a run over unchanged inputs
# reports again. Counters are kept as lists of pairs, in their order (the summary prints them so).
_COUNTS = ("files", "cleaned", "unchanged", "bytes_in", "bytes_out", "documents", "documents_dropped")
_COUNTS += ("damaged", "uncertain")
_LISTS = ("skipped", "records_skipped", "partly_cleaned")
_COUNTERS = ("edits_by_stage", "hits_by_rule", "removed_paragraphs", "encodings", "events")


def summary_state(summary: Summary) -> dict[str, Any]:
    state: dict[str, Any] = {name: getattr(summary, name) for name in _COUNTS + _LISTS}
    for name in _COUNTERS:
        state[name] = [[key, n] for key, n in getattr(summary, name).items()]
    return state


def restore_summary(summary: Summary, state: dict[str, Any]) -> None:
    """Put a :func:`summary_state` back into ``summary`` (raises on a malformed state)."""
    for name in _COUNTS:
        setattr(summary, name, int(state[name]))
    for name in _LISTS:
        setattr(summary, name, [(str(a), str(b)) for a, b in state[name]])
    for name in _COUNTERS:
        counter = getattr(summary, name)
        for key, n in state[name]:
            counter[tuple(key) if isinstance(key, list) else key] += int(n)


def forget_manifest(dst: Path) -> None:
    """What :meth:`RunCache.forget_manifest` does, for a run that does not use the cache."""
    (dst / STATE_DIR / CACHE_DIR / MANIFEST_NAME).unlink(missing_ok=True)
