"""The deduplicator: removes paragraphs already seen (exactly, or nearly) and records every removal.

Documents are fed one at a time, in a deterministic order; the first occurrence of a paragraph
is kept and later copies are removed. For each paragraph of a document:

1. Paragraphs with fewer than ``min_length`` letters, digits or ideographs are never touched:
   headings (``一、基本情况``), column labels (``观察``) and slogans recur legitimately; so do
   picture captions and credits (``（本版图片由…提供）``) and short label lines (``作者：陆游``).
   Lines of verse in a run of verse lines one of which is kept stay with their poem; a heading
   of up to ``heading_max_length`` that repeats an earlier one stays unless a neighbour copies
   its original's neighbour (a copied run).
2. Exact copies: the normalised key (whitespace removed, NFKC, punctuation variants folded; see
   :mod:`cleaner.dedup.keys`) has been seen before.
3. Short near copies (``short_min_length`` to ``short_max_length`` such characters, rule
   ``short_near``): the edit script to an earlier paragraph is a few isolated edits, none in a
   number (:mod:`cleaner.dedup.short`); the Jaccard similarity of so few 5-grams cannot tell.
4. Near copies (paragraphs with at least ``min_near_length`` such characters, longer than the
   short ones): the MinHash signature of the key's character n-grams shares an LSH band with an
   earlier paragraph, and the true Jaccard similarity of the two n-gram sets is at least
   ``threshold``. The earlier paragraph with the highest similarity is named as the kept copy. A
   paragraph up to ``near_edits_max_length`` that matches none is compared with its band
   candidates by the edit script too (rule ``short_near``, up to ``near_max_edits`` edits, under
   the conditions of point 3): three misread characters take 60 characters below the threshold.
5. Fragments (rule ``fragment``): what is left of a document is compared run by run with the
   earlier runs of paragraphs it shares a sentence or clause with (:mod:`cleaner.dedup.units`), so
   a copy cut into paragraphs differently from its original is still found
   (:mod:`cleaner.dedup.fragments`).

Candidates are verified with the exact sets (32-bit shingle hashes) rather than by counting
agreeing signature values: with 128 permutations that estimate has a standard error of ±0.04 at
Jaccard 0.7, enough to remove pairs just below the threshold and keep pairs just above it.

A document is a near-duplicate document when one earlier document holds copies (exact or near)
of at least ``duplicate_document_ratio`` of its content; it is reported with a zero-length
``near_duplicate_document`` edit (detail ``event: reported``), or dropped whole with
``drop_duplicate_documents`` (one ``duplicate_document`` edit removing all its text).

Only kept paragraphs are indexed, so the kept copy named in an edit is always still in the output.
What grows in memory with the corpus is small: per indexed paragraph its document and paragraph
numbers (8 bytes), and the Bloom filters (10 bits per entry) in front of the tables, which are on
disk in sorted runs (:mod:`cleaner.dedup.spill`): its key digest, its 25 band fingerprints, the
segments of a short paragraph and each unit first seen in it (about 7 per 100 characters). The
rest is on disk too, in unnamed temporary files read back only for the candidates verified: its
shingle hashes (4 bytes per character), those of the paragraphs too short to index that follow
it, the key of a short paragraph, and where each of those runs ends — never its text.

What is computed from one document's paragraphs alone (keys, digests, band fingerprints, sentence
units) is its sketch (:mod:`cleaner.dedup.sketch`): made where the document was prepared (a worker
process, a Ray actor) and handed in with it, or made here for the documents that come without one.
On Ray, a sketch may also bring its near paragraphs' candidates, found and verified on the cluster
(:mod:`cleaner.dedup.distributed`): every earlier paragraph sharing a band, with its similarity;
the near rule then takes the first most similar of them still kept, and looks up here only the
paragraphs of a saved index.

``stats`` counts documents, paragraphs, removals by rule (``exact``, ``short_near``, ``near``, ``fragment``),
``near_duplicate_documents``, ``duplicate_documents_dropped``, index ``candidates`` verified and
removals or reports undone as ``reinstated`` (their kept copy in a withdrawn file).

A file whose output is not written (its write failed, or a part of it failed) is withdrawn
(:meth:`Deduplicator.withdraw`): its paragraphs stop counting as originals, for the documents
decided after that, and a document decided before it but not yet written has its removals that
name it undone (:meth:`Deduplicator.reinstate`): the copy that was to be kept is in no output.

The index can be saved and loaded again (:meth:`Deduplicator.save`, :meth:`Deduplicator.load`,
format in :mod:`cleaner.dedup.store`): a later run then goes on exactly as if its documents had
followed those of the runs before it, and names a kept copy one of them kept with that index.
"""

from __future__ import annotations

import bisect
import itertools
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cleaner import blocks
from cleaner.config import DedupOptions
from cleaner.dedup.fragments import (
    ORIGINAL_COVER,
    CopyPiece,
    OriginalSide,
    RunMatch,
    align_runs,
    char_share,
    distinct,
    member,
    share,
    stretch,
)
from cleaner.dedup.keys import Keys
from cleaner.dedup.lsh import candidate_pairs
from cleaner.dedup.minhash import run_shingle_hashes
from cleaner.dedup.short import (
    breaks_a_word,
    index_segments,
    matching_pairs,
    query_segments,
    short_near_edits,
)
from cleaner.dedup.sketch import DocumentSketch, fits, hasher, sketch_paragraphs
from cleaner.dedup.spill import SpilledIndex, pwrite_all
from cleaner.dedup.units import Units, placed_units
from cleaner.errors import ConfigError
from cleaner.model import PARAGRAPH_SEPARATOR, TOO_LONG, Document, Edit
from cleaner.wrapping import is_verse_line

STAGE = "dedup"
# A sentence unit this long is shared by two unrelated texts rarely enough to anchor a run alone.
LONG_UNIT = 16
# Rows each with these shares of their characters and 5-grams inside one kept paragraph, this
# long together (letters, digits, ideographs), copy part of it: where the paragraph starts or
# ends, or anywhere inside it when this much longer.
CONTAINED_MIN_LENGTH = 50
CONTAINED_INSIDE_LENGTH = 100
CONTAINED_SHARE = 0.95
CONTAINED_GRAMS = 0.9
_EMPTY = np.zeros(0, dtype=np.uint32)
# A document and its sketch, if one was made where it was prepared.
Sketched = tuple[Document, DocumentSketch | None]
# Pairs (rows, pids) of a look-up, less those whose pid is withdrawn.
Live = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

# A removed row on the copy side of a run, read as the next run reads the output: passed over.
_GONE = CopyPiece(None, None, False)
# Passes of the fragment rule over a document with rows passed over, after the first.
MAX_FRAGMENT_PASSES = 3


@dataclass(frozen=True)
class Match:
    """The kept copy a paragraph duplicates: ``rule`` is ``exact``, ``short_near``, ``near`` or ``fragment``.

    ``extra`` adds to the ``kept`` record of the edit (the paragraphs of a kept run, the edits of a
    short near copy) and takes no part in comparisons. ``index`` names the saved index the kept
    copy came from when an earlier run cleaned it (``None``: this run); its ``doc`` and ``para``
    are then those of that run, and its text is not in this run's output.
    """

    rule: str
    doc: str
    para: int
    similarity: float
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    index: str | None = None

    def to_detail(self, removed_para: int) -> dict[str, Any]:
        kept = {"doc": self.doc, "para": self.para, "similarity": round(self.similarity, 4), **self.extra}
        if self.index is not None:
            kept["index"] = self.index
        return {"kept": kept, "removed_para": removed_para}

    @property
    def place(self) -> tuple[str | None, str]:
        """The kept copy's document, told apart from one of this run with the same id."""
        return self.index, self.doc


class _Growing:
    """An append-only numpy array with amortised doubling."""

    def __init__(self, dtype: Any) -> None:
        self.data = np.zeros(1024, dtype=dtype)
        self.size = 0

    def extend(self, values: np.ndarray) -> None:
        end = self.size + len(values)
        if end > self.data.size:
            grown = np.empty(max(end, 2 * self.data.size), dtype=self.data.dtype)
            grown[: self.size] = self.data[: self.size]
            self.data = grown
        self.data[self.size : end] = values
        self.size = end

    @property
    def nbytes(self) -> int:
        return self.data.nbytes


class _RunStore:
    """One run of uint32 values per indexed paragraph (its shingle hashes, or its key), possibly empty.

    The values live in an unnamed temporary file (deleted when closed, or when the process ends),
    written once per batch and read back with ``pread`` only for the candidates verified; where
    each run ends (an int64 per run) goes to a second such file, so nothing of a store grows in
    memory with the corpus. The operating system's page cache keeps what is read often, without
    counting against the process.
    """

    def __init__(self, directory: str | None = None) -> None:
        self._file = tempfile.TemporaryFile(prefix="cleaner-dedup-", dir=directory)
        self._fd = self._file.fileno()
        self._ends = tempfile.TemporaryFile(prefix="cleaner-dedup-", dir=directory)
        self._ends_fd = self._ends.fileno()
        self._end = 0  # values written so far
        self._last = 0  # where the last run ends
        self.size = 0  # runs

    def __len__(self) -> int:
        return self.size

    def append(self, values: np.ndarray, lengths: np.ndarray) -> None:
        """Add one run per entry of ``lengths``; ``values`` holds the runs one after another."""
        self.write_values(values)
        self.add_runs(lengths)

    def add_runs(self, lengths: np.ndarray) -> None:
        """Add runs of these lengths over values already written."""
        if len(lengths) == 0:
            return
        ends = self._last + np.cumsum(lengths, dtype=np.int64)
        pwrite_all(self._ends_fd, ends.astype("<i8"), self.size * 8)
        self._last = int(ends[-1])
        self.size += len(lengths)

    def write_values(self, values: np.ndarray) -> None:
        """Append values to the file without adding runs (a saved index is read back in pieces)."""
        pwrite_all(self._fd, np.ascontiguousarray(values, dtype=np.uint32), self._end * 4)
        self._end += values.size

    def read_values(self, start: int, count: int) -> np.ndarray:
        """``count`` values from position ``start`` of the file, across runs."""
        return np.frombuffer(_pread_all(self._fd, count * 4, start * 4), dtype=np.uint32)

    def runs(self, first: int, count: int) -> tuple[np.ndarray, np.ndarray]:
        """Where runs ``first … first + count − 1`` start in the values, and their lengths."""
        ends = np.frombuffer(_pread_all(self._ends_fd, count * 8, first * 8), dtype="<i8").astype(np.int64)
        before = int(np.frombuffer(_pread_all(self._ends_fd, 8, (first - 1) * 8), dtype="<i8")[0]) if first else 0
        starts = np.concatenate(([before], ends[:-1])) if count else ends
        return starts, ends - starts

    def get(self, number: int) -> np.ndarray:
        if number:
            start, end = np.frombuffer(os.pread(self._ends_fd, 16, (number - 1) * 8), dtype="<i8").tolist()
        else:
            start, end = 0, int(np.frombuffer(os.pread(self._ends_fd, 8, 0), dtype="<i8")[0])
        if end == start:
            return _EMPTY
        return np.frombuffer(os.pread(self._fd, (end - start) * 4, start * 4), dtype=np.uint32)

    def close(self) -> None:
        self._file.close()
        self._ends.close()

    @property
    def nbytes(self) -> int:
        """Memory held: none that grows (values and offsets are on disk)."""
        return 0

    @property
    def disk_bytes(self) -> int:
        return self._end * 4 + self.size * 8


def _pread_all(fd: int, count: int, offset: int) -> bytes:
    data = bytearray()
    while len(data) < count:
        chunk = os.pread(fd, count - len(data), offset + len(data))
        if not chunk:
            raise OSError("the dedup spill file is shorter than expected")
        data += chunk
    return bytes(data)


class _ExactIndex:
    """Key digest → the first indexed paragraph with that key.

    A :class:`SpilledIndex` keyed by the whole 64-bit digest: on disk but for its filters (about
    1.3 bytes per paragraph, where a table of fingerprints and an array of digests held 18).
    """

    def __init__(self, directory: str | None = None) -> None:
        self._table = SpilledIndex(1, directory)
        self.size = 0  # paragraphs added (each one's digest, whether new or not)

    def lookup(self, digests: np.ndarray, live: Live | None = None) -> np.ndarray:
        """For each digest, the smallest pid indexed with it, or -1; ``live`` leaves out withdrawn pids."""
        found = np.full(digests.size, -1, dtype=np.int64)
        rows, pids = self._table.query_keys(digests)
        if live is not None:
            rows, pids = live(rows, pids)
        if rows.size == 0:
            return found
        pids = pids.astype(np.int64)
        order = np.lexsort((pids, rows))[::-1]  # the smallest pid of a row written last
        found[rows[order]] = pids[order]
        return found

    def add(self, digests: np.ndarray, first_pid: int, live: Live | None = None) -> None:
        """Index pids ``first_pid, first_pid + 1, …`` under ``digests``; a digest seen before keeps its
        pid (unless it is withdrawn: the new one is then the digest's first live pid)."""
        new = self.lookup(digests, live) < 0
        _, first = np.unique(digests, return_index=True)
        once = np.zeros(digests.size, dtype=bool)
        once[first] = True
        chosen = np.flatnonzero(new & once)
        self._table.insert_keys(digests[chosen], (first_pid + chosen).astype(np.uint32))
        self.size += digests.size

    def close(self) -> None:
        self._table.close()

    @property
    def nbytes(self) -> int:
        return self._table.nbytes


def _jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of the sets of values of two arrays (shingle hashes, repeats allowed)."""
    a, b = distinct(a), distinct(b)
    if a.size > b.size:
        a, b = b, a
    position = np.searchsorted(b, a)
    position[position == b.size] = 0
    inter = int(np.count_nonzero(b[position] == a))
    return inter / (a.size + b.size - inter)


def option_problems(options: DedupOptions) -> list[tuple[tuple[str, ...], str]]:
    """Every value of ``options`` the deduplicator cannot work with: the options concerned (the
    first is the one to change) and what is wrong, all at once (a config file names where)."""
    found: list[tuple[tuple[str, ...], str]] = []
    if options.bands * options.rows > options.num_perm:
        found.append(
            (
                ("bands", "rows", "num_perm"),
                f"dedup.bands × dedup.rows ({options.bands} × {options.rows}) exceeds dedup.num_perm"
                f" ({options.num_perm})",
            )
        )
    for name in ("threshold", "duplicate_document_ratio", "fragment_containment"):
        if not 0.0 < getattr(options, name) <= 1.0:
            found.append(((name,), f"dedup.{name} must be in (0, 1], not {getattr(options, name)}"))
    for name in ("ngram", "num_perm", "bands", "rows", "fragment_span", "short_min_length"):
        if getattr(options, name) < 1:
            found.append(((name,), f"dedup.{name} must be at least 1, not {getattr(options, name)}"))
    for name in ("min_length", "min_near_length", "heading_max_length", "near_edits_max_length"):
        if getattr(options, name) < 0:
            found.append(((name,), f"dedup.{name} must not be negative, not {getattr(options, name)}"))
    if options.short_max_length < options.short_min_length:
        found.append(
            (
                ("short_max_length", "short_min_length"),
                f"dedup.short_max_length ({options.short_max_length}) is below dedup.short_min_length"
                f" ({options.short_min_length})",
            )
        )
    if not 0 <= options.short_max_edits <= 4:
        # Each edit allowed multiplies the lookups per short paragraph (75 for 2, 405 for 4).
        found.append(
            (("short_max_edits",), f"dedup.short_max_edits must be between 0 and 4, not {options.short_max_edits}")
        )
    if not 0.0 <= options.short_max_ratio <= 1.0:
        found.append((("short_max_ratio",), f"dedup.short_max_ratio must be in [0, 1], not {options.short_max_ratio}"))
    if not 0 <= options.near_max_edits <= 8:
        found.append(
            (("near_max_edits",), f"dedup.near_max_edits must be between 0 and 8, not {options.near_max_edits}")
        )
    return found


def validate(options: DedupOptions) -> None:
    """Refuse options the deduplicator cannot work with (a :class:`ConfigError` naming each option)."""
    problems = option_problems(options)
    if problems:
        raise ConfigError("\n".join(message for _, message in problems))


class Deduplicator:
    """Paragraph deduplication across the documents fed to :meth:`process`, in order.

    >>> from cleaner.model import Document
    >>> dedup = Deduplicator()
    >>> text = "教育是民生之基，牵动着千家万户。"
    >>> dedup.process(Document("a.txt", text))[0].text == text
    True
    >>> copy = "观察\\n\\n教育是民生之基,牵动着\\n千家万户。\\n\\n渌口区教育事业发展迅速。"
    >>> doc, edits = dedup.process(Document("b.txt", copy))
    >>> doc.text
    '观察\\n\\n渌口区教育事业发展迅速。'
    >>> edits[0].rule, edits[0].detail
    ('exact', {'kept': {'doc': 'a.txt', 'para': 0, 'similarity': 1.0}, 'removed_para': 1})
    """

    def __init__(self, options: DedupOptions | None = None, spill_dir: str | None = None) -> None:
        """``spill_dir``: where the shingle hashes of indexed paragraphs go (the system's temporary
        folder by default; unnamed files, gone when the deduplicator is)."""
        self.options = options = options or DedupOptions()
        self.spill_dir = spill_dir
        validate(options)
        self.hasher = hasher(options.num_perm, options.ngram)
        self.batch_paragraphs = 2048
        self.stats: Counter[str] = Counter()
        self._scope_path: str | None = None
        # Paragraphs below this pid were cleaned by earlier runs, read from the index named here.
        self.earlier = 0
        self.index_name: str | None = None
        # Set by a caller that says of each file whether its output was written (settle, withdraw):
        # the pids of each file not yet settled are then kept, so that withdraw reaches them.
        self.provisional = False
        self.reset()

    # -- state -------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every paragraph seen so far."""
        for store in (*getattr(self, "_stores", ()), *getattr(self, "_spilled", ())):
            store.close()
        if hasattr(self, "_exact"):
            self._exact.close()
        self.earlier, self.index_name = 0, None
        self.index_runs: list[dict[str, int]] = []
        self._exact = _ExactIndex(self.spill_dir)
        # The bands, the short paragraphs' segments and the units grow with every paragraph kept:
        # on disk in sorted runs, with a Bloom filter per run in memory (see SpilledIndex).
        self._bands = SpilledIndex(self.options.bands, self.spill_dir)
        self._doc_ids: list[str] = []
        self._para_doc = _Growing(np.uint32)
        self._para_index = _Growing(np.uint32)
        # Shingle hashes of each kept paragraph (read back to verify a candidate), the keys of the
        # short ones, and those of the paragraphs too short to index: after each indexed one, and
        # before the first indexed paragraph of a document. All on disk (see _RunStore).
        self._shingles = _RunStore(self.spill_dir)
        self._short_keys = _RunStore(self.spill_dir)
        self._gaps = _RunStore(self.spill_dir)
        self._leads = _RunStore(self.spill_dir)
        self._stores = (self._shingles, self._short_keys, self._gaps, self._leads)
        self._segments = SpilledIndex(1, self.spill_dir)
        self._units = SpilledIndex(1, self.spill_dir)
        self._spilled = (self._bands, self._segments, self._units)
        # Files whose output was not written: their paths, and the pids of their paragraphs as
        # sorted, disjoint [start, end) ranges, which every look-up leaves out (see withdraw).
        self._withdrawn_paths: set[str] = set()
        self._withdrawn: list[list[int]] = []
        self._withdrawn_arrays: tuple[np.ndarray, np.ndarray] | None = None
        # With ``provisional``: the pids [first, end) each file indexed and not yet settled was given.
        self._spans: dict[str, list[int]] = {}
        # Near candidates verified elsewhere (cleaner.dedup.distributed), while every document with
        # near paragraphs comes with them: the near numbers of the kept near paragraphs (ascending,
        # as pids are) and their pids. One without them turns this off for good (the band index is
        # always complete, so the look-ups here take over exactly).
        self._given_near = True
        self._near_numbers = _Growing(np.int64)
        self._near_pids = _Growing(np.int64)

    @property
    def nbytes(self) -> int:
        """Approximate memory held by the index (numpy arrays only)."""
        parts = (self._para_doc, self._para_index, *self._stores, self._exact)
        tables = (self._bands, self._segments, self._units)
        return sum(part.nbytes for part in parts) + sum(table.nbytes for table in tables)

    def __len__(self) -> int:
        """Number of indexed (kept) paragraphs."""
        return self._para_doc.size

    # -- public API ----------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str], documents: int = 0) -> None:
        """Write the index to the folder ``path``, atomically (see :mod:`cleaner.dedup.store`);
        ``documents``: how many documents this run processed, for the index's record of runs."""
        from cleaner.dedup import store

        store.save(self, path, documents)

    @classmethod
    def load(
        cls, path: str | os.PathLike[str], options: DedupOptions | None = None, spill_dir: str | None = None
    ) -> Deduplicator:
        """A deduplicator holding the index saved at ``path``, which must have been made with
        ``options``; removals of copies of its paragraphs name it as ``path``. Raises
        :class:`cleaner.dedup.store.DamagedIndexError` otherwise."""
        from cleaner.dedup import store

        dedup = cls(options, spill_dir)
        store.load(dedup, path, os.fspath(path))
        return dedup

    def process(self, doc: Document, sketch: DocumentSketch | None = None) -> tuple[Document | None, list[Edit]]:
        """Remove from ``doc`` the paragraphs already seen; index the rest.

        Returns the document (``None`` if dropped as a duplicate document) and one edit per
        removal, replayable on ``doc.text``. Same result as :meth:`process_all` on one document.
        ``sketch``: the document's :func:`~cleaner.dedup.sketch.sketch`, if it was made elsewhere
        (one made with other options is made again here).
        """
        return self._guarded([(doc, sketch)])[0]

    def process_all(self, docs: Iterable[Document | Sketched]) -> Iterator[tuple[Document | None, list[Edit]]]:
        """:meth:`process` every document in order, lazily, working on batches of documents.

        Each item is a document, or a document and its sketch (made where it was prepared, or
        ``None``). Results are exactly those of calling :meth:`process` on each document in turn;
        grouping about ``batch_paragraphs`` paragraphs per round only saves per-call overhead (the
        array work of a round is done once for the whole batch).
        """
        batch: list[Sketched] = []
        size = 0
        for item in docs:
            doc, sketch = item if isinstance(item, tuple) else (item, None)
            if self.options.scope == "file" and batch and doc.path != batch[-1][0].path:
                yield from self._guarded(batch)
                batch, size = [], 0
            batch.append((doc, sketch))
            size += len(doc.paragraphs)
            if size >= self.batch_paragraphs:
                yield from self._guarded(batch)
                batch, size = [], 0
        if batch:
            yield from self._guarded(batch)

    def add(self, doc_or_text: Document | str, id: str | None = None) -> int:
        """Index a document (or one text) as if processed; returns how many paragraphs were new."""
        if isinstance(doc_or_text, str):
            doc_or_text = Document(id=id or f"<text:{len(self._doc_ids)}>", text=doc_or_text)
        before = len(self)
        self.process(doc_or_text)
        return len(self) - before

    def withdraw(self, path: str) -> None:
        """The output of the file ``path`` is not written: its paragraphs are no longer originals.

        Its documents still to come pass through unread (they neither lose copies nor count as
        originals); those already indexed are left out of every look-up from now on, and out of a
        saved index (with :attr:`provisional`; otherwise only documents still to come are). A
        removal already decided that names one of them is undone by :meth:`reinstate`.
        """
        self._withdrawn_paths.add(path)
        span = self._spans.pop(path, None)
        if span is None or span[1] <= span[0]:
            return
        ranges = self._withdrawn
        at = bisect.bisect(ranges, span)
        if at and ranges[at - 1][1] == span[0]:  # files one after another (a full disk fails them all)
            ranges[at - 1][1] = span[1]
        else:
            ranges.insert(at, span)
        self._withdrawn_arrays = None

    def settle(self, path: str) -> None:
        """The output of the file ``path`` is written: its paragraphs are originals for good."""
        self._spans.pop(path, None)

    def reinstate(self, doc: Document, step: tuple[Document | None, list[Edit]]) -> tuple[Document | None, list[Edit]]:
        """``step``, the result of deduplicating ``doc``, with each removal (or report) naming a kept
        copy in a withdrawn file undone: that paragraph is kept (a document dropped whole for one
        is kept whole), and the edits of the other removals are made again for what is left.

        For a document decided before a file was withdrawn and written after: the copy it was to
        lose its paragraph to is in no output. Keeping two copies where one would do is the price.
        """
        cleaned, edits = step
        if not self._withdrawn_paths:
            return step
        undone = [self._names_withdrawn(edit) for edit in edits]
        if not any(undone):
            return step
        self.stats["reinstated"] += sum(undone)
        if cleaned is None:  # dropped whole as a copy of a document of a withdrawn file
            return doc, []
        standing = [edit for edit, gone in zip(edits, undone, strict=True) if not gone]
        removals = {edit.para: (edit.rule, edit.detail or {}) for edit in standing if not edit.is_event}
        return _without(doc, removals, [edit for edit in standing if edit.is_event])

    def is_live(self, pids: np.ndarray) -> np.ndarray:
        """Which of ``pids`` are not withdrawn (a boolean mask)."""
        if not self._withdrawn:
            return np.ones(pids.size, dtype=bool)
        if self._withdrawn_arrays is None:
            self._withdrawn_arrays = (
                np.array([start for start, _ in self._withdrawn], dtype=np.int64),
                np.array([end for _, end in self._withdrawn], dtype=np.int64),
            )
        starts, ends = self._withdrawn_arrays
        at = np.searchsorted(starts, pids, side="right") - 1
        return (at < 0) | (pids >= ends[np.maximum(at, 0)])

    def is_duplicate(self, text: str) -> Match | None:
        """The indexed paragraph(s) ``text`` duplicates, or ``None``; indexes nothing.

        ``text`` is taken as one paragraph; besides exact, short near and near copies, a text that
        joins consecutive indexed paragraphs is found as a ``fragment`` copy of them.
        """
        batch = _Batch(self, ["<query>"], sketch_paragraphs([[text]], self.options, local=True), [0, 1])
        if not batch.analysis.is_indexable(0):
            return None
        match = self._match_row(batch, 0)
        if match is None and self.options.fragments:
            batch.available[0] = True
            self._match_fragments(batch, 0)
            match = batch.matches[0]
        return match

    def remove_exact_copies(self, doc: Document, fresh: Iterable[int]) -> tuple[Document, list[Edit]]:
        """``doc`` without those of its paragraphs ``fresh`` whose key an indexed paragraph has
        (rule ``exact``), and one edit per removal; indexes nothing. For paragraphs made after
        ``doc`` was deduplicated, where two met once a copy between them went. Only exact copies:
        a join of two paragraphs kept here would read as a fragment copy of themselves."""
        removals: dict[int, tuple[str, dict[str, Any]]] = {}
        for i in sorted(fresh):
            match = self.is_duplicate(doc.paragraphs[i])
            if match is not None and match.rule == "exact":
                self.stats[match.rule] += 1
                removals[i] = (match.rule, match.to_detail(i))
        return _without(doc, removals, [])

    # -- internals ---------------------------------------------------------------------------

    def _guarded(self, docs: list[Sketched]) -> list[tuple[Document | None, list[Edit]]]:
        """:meth:`_run`, with a fault inside it costing these documents their dedup, not the run:
        they pass through as they are, each with a ``dedup_failed`` event. Whatever of them was
        indexed before the fault stays an original, rightly: their text is all in the output."""
        try:
            return self._run(docs)
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
            detail = {"event": "dedup_failed", "reason": reason}
            return [(doc, [Edit("dedup", "dedup_failed", 0, 0, "", "", 0, dict(detail))]) for doc, _ in docs]

    def _run(self, docs: list[Sketched]) -> list[tuple[Document | None, list[Edit]]]:
        """The results of a batch, in order; a document the pipeline left as it was (``TOO_LONG``),
        or one of a withdrawn file, passes through unread: its paragraphs neither lose copies nor
        count as originals."""
        if not any(self._passes(doc) for doc, _ in docs):
            return self._run_indexed(docs)
        results: list[tuple[Document | None, list[Edit]]] = []
        pending: list[Sketched] = []
        for doc, sketch in docs:
            if not self._passes(doc):
                pending.append((doc, sketch))
                continue
            if pending:
                results += self._run_indexed(pending)
                pending = []
            results.append((doc, []))
        return results + (self._run_indexed(pending) if pending else [])

    def _passes(self, doc: Document) -> bool:
        return bool(doc.meta.get(TOO_LONG)) or (bool(self._withdrawn_paths) and doc.path in self._withdrawn_paths)

    def _names_withdrawn(self, edit: Edit) -> bool:
        """Whether ``edit`` is a removal or report of this step naming a kept copy of this run in a
        withdrawn file (a document's id is its file's path, with ``:N`` for a record)."""
        kept = (edit.detail or {}).get("kept") if edit.stage == STAGE else None
        if kept is None or "index" in kept:
            return False
        path, _, number = kept["doc"].rpartition(":")
        paths = self._withdrawn_paths
        return kept["doc"] in paths or (number.isdigit() and path in paths)

    def _live(self, rows: np.ndarray, pids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The ``(rows, pids)`` pairs of a look-up whose pid is not withdrawn."""
        if not self._withdrawn or pids.size == 0:
            return rows, pids
        live = self.is_live(pids)
        return rows[live], pids[live]

    def _note_spans(self, paths: list[str], batch: _Batch, first_pid: int) -> None:
        """The pids the files of a batch were given (from ``first_pid``), added to their spans."""
        pid = first_pid
        for d, kept in batch.kept_by_doc.items():  # in document order, as they were indexed
            if kept:
                # A file's documents come one after another; were another's between them, the span
                # would take them in too: withdrawn with it, they would keep more, never lose any.
                span = self._spans.setdefault(paths[d], [pid, pid])
                pid += len(kept)
                span[1] = pid

    def _run_indexed(self, sketched: list[Sketched]) -> list[tuple[Document | None, list[Edit]]]:
        options = self.options
        docs = [doc for doc, _ in sketched]
        if options.scope == "off":
            return [(doc, []) for doc in docs]
        if options.scope == "file" and docs[0].path != self._scope_path:
            self.reset()
            self._scope_path = docs[0].path
        bounds = np.cumsum([0, *(len(doc.paragraphs) for doc in docs)]).tolist()
        self.stats["documents"] += len(docs)
        self.stats["paragraphs"] += bounds[-1]
        batch = _Batch(self, [doc.id for doc in docs], self._sketches(sketched), bounds)
        results: list[tuple[Document | None, list[Edit]]] = []
        for d, doc in enumerate(docs):
            rows = range(bounds[d], bounds[d + 1])
            for row in rows:
                if not batch.analysis.is_indexable(row):
                    continue
                match = self._match_row(batch, row)
                batch.matches[row] = match
                if match is None:
                    batch.available[row] = True
                    batch.seen_here.setdefault(batch.analysis.digests[row], row)
            if options.fragments:
                self._match_fragments(batch, d)
            _keep_lines_of_poems(batch, rows, doc.paragraphs)
            _keep_headings(batch, rows, doc.paragraphs, options.heading_max_length)
            doc_matches = [batch.matches[row] for row in rows]
            duplicate_of, ratio = self._duplicate_document(batch.analysis, rows, doc_matches, doc.id)
            report: list[Edit] = []
            if duplicate_of is not None:
                index, kept_doc = duplicate_of
                kept: dict[str, Any] = {"doc": kept_doc, "similarity": round(ratio, 4)}
                if index is not None:
                    kept["index"] = index
                detail = {"kept": kept, "paragraphs": len(rows)}
                if options.drop_duplicate_documents:
                    self.stats["duplicate_documents_dropped"] += 1
                    for row in rows:
                        batch.withdraw(row)
                    edit = Edit(STAGE, "duplicate_document", 0, len(doc.text), doc.text, "", 0, detail)
                    results.append((None, [edit]))
                    batch.finish(d)
                    continue
                self.stats["near_duplicate_documents"] += 1
                # A zero-length edit changes nothing; "event" marks it as a report for the summary.
                report.append(Edit(STAGE, "near_duplicate_document", 0, 0, "", "", 0, {**detail, "event": "reported"}))
            batch.finish(d)
            results.append(self._remove(doc, doc_matches, report))
        if self.provisional:  # noted first: were indexing to fail part way, withdrawing would still reach them
            self._note_spans([doc.path for doc in docs], batch, len(self))
        self._index(batch)
        return results

    def _sketches(self, sketched: list[Sketched]) -> list[DocumentSketch]:
        """The documents' sketches: those given, if made with these options; the others made here, together."""
        missing = [doc for doc, sketch in sketched if not fits(sketch, self.options, len(doc.paragraphs))]
        made = iter(sketch_paragraphs([doc.paragraphs for doc in missing], self.options, local=True))
        return [sketch if fits(sketch, self.options, len(doc.paragraphs)) else next(made) for doc, sketch in sketched]

    def _remove(self, doc: Document, matches: list[Match | None], edits: list[Edit]) -> tuple[Document, list[Edit]]:
        removals: dict[int, tuple[str, dict[str, Any]]] = {}
        for i, match in enumerate(matches):
            if match is not None:
                self.stats[match.rule] += 1
                removals[i] = (match.rule, match.to_detail(i))
        return _without(doc, removals, edits)

    def _index_candidates(self, analysis: _Analysis, below: int | None = None) -> dict[int, list[int]]:
        """Indexed paragraphs sharing a band with each row: ``{row: [pid, …]}`` (pids under ``below`` only)."""
        candidates: dict[int, list[int]] = {}
        if analysis.near_rows.size == 0:
            return candidates
        rows, values = self._live(*self._bands.query(analysis.fingerprints))
        if below is not None:
            rows, values = rows[values < below], values[values < below]
        if rows.size:
            pairs = np.sort((analysis.near_rows[rows].astype(np.int64) << 32) | values.astype(np.int64))
            pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]
            for row, pid in zip((pairs >> 32).tolist(), (pairs & 0xFFFFFFFF).tolist(), strict=True):
                candidates.setdefault(row, []).append(pid)
        return candidates

    def _short_candidates(self, analysis: _Analysis) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
        """Candidates of the short rows: indexed paragraphs ``{row: [pid]}`` and earlier rows ``{row: [row]}``."""
        indexed: dict[int, list[int]] = {}
        local: dict[int, list[int]] = {}
        if analysis.short_rows.size == 0:
            return indexed, local
        keys, k = analysis.keys, self.options.short_max_edits
        query_rows, query_fps = query_segments(
            keys.code_points, analysis.key_starts, keys.lengths, analysis.short_rows, k
        )
        hits, pids = self._live(*self._segments.query(query_fps[:, None]))
        if hits.size:
            pairs = np.unique((query_rows[hits].astype(np.int64) << 32) | pids.astype(np.int64))
            for row, pid in zip((pairs >> 32).tolist(), (pairs & 0xFFFFFFFF).tolist(), strict=True):
                indexed.setdefault(row, []).append(pid)
        index_rows, index_fps = index_segments(
            keys.code_points, analysis.key_starts, keys.lengths, analysis.segment_rows, k
        )
        for earlier, later in matching_pairs(index_rows, index_fps, query_rows, query_fps):
            local.setdefault(later, []).append(earlier)
        return indexed, local

    def _unit_hits(self, units: Units) -> np.ndarray:
        """For each unit, the indexed paragraph it was first seen in (-1 if it is not indexed)."""
        hits = np.full(len(units), -1, dtype=np.int64)
        if len(units) == 0:
            return hits
        rows, pids = self._live(*self._units.query(units.fingerprints[:, None]))
        order = np.lexsort((pids, rows))[::-1]  # the smallest pid of a unit written last
        hits[rows[order]] = pids[order]
        return hits

    def _match_row(self, batch: _Batch, row: int) -> Match | None:
        analysis = batch.analysis
        digest = analysis.digests[row]
        pid = int(batch.exact_pid[row])
        if pid >= 0:
            return self._found("exact", pid, 1.0)
        if digest in batch.seen_here:
            return Match("exact", *batch.where[batch.seen_here[digest]], 1.0)
        if analysis.is_short(row):
            return self._best_short(batch, row)
        best = self._best_indexed(analysis, row, batch.near_index.get(row, ()))
        if batch.given is not None:
            best = self._best_given(batch, row, best)
        elif row in batch.near_local:
            mine = analysis.shingles(row)
            for other in batch.near_local[row]:
                if not batch.available[other]:
                    continue
                similarity = _jaccard(mine, analysis.shingles(other))
                if similarity >= self.options.threshold and (best is None or similarity > best.similarity):
                    best = Match("near", *batch.where[other], similarity)
        if best is None and analysis.is_edit_row[row]:
            best = self._best_edited(batch, row)
        return best

    def _best_edited(self, batch: _Batch, row: int) -> Match | None:
        """The band candidate ``row`` is within a few isolated edits of (``near_max_edits``), under
        the short rule's conditions, with the fewest edits: a near copy whose misread characters
        took its n-gram similarity below the threshold."""
        options = self.options
        pids = list(batch.near_index.get(row, ()))
        rows = batch.near_local.get(row, [])
        if batch.given is not None:  # given: every band candidate of such a row, in corpus order
            candidates = batch.given.by_row.get(row, ())
            pids += [value for kind, value, _ in candidates if kind == 0]
            rows = [value for kind, value, _ in candidates if kind == 1]
        return self._fewest_edits(batch, row, self._keyed(batch, pids, rows), options.near_max_edits)

    def _given(self, sketches: list[DocumentSketch], analysis: _Analysis) -> _Given | None:
        """A batch's near candidates, if they were verified elsewhere (every sketch with near rows
        is a :class:`~cleaner.dedup.distributed.VerifiedSketch`, in corpus order): each resolved to
        an indexed paragraph not withdrawn (as the index look-up would find it) or to an earlier
        row of the batch; those that are neither (removed, withdrawn) are passed over here."""
        from cleaner.dedup.distributed import VerifiedSketch

        if self._given_near and any(len(s.bands) and not isinstance(s, VerifiedSketch) for s in sketches):
            self._given_near = False
        given = [s for s in sketches if isinstance(s, VerifiedSketch) and len(s.bands)]
        if not self._given_near or not given:
            return None if not self._given_near else _Given(np.zeros(0, dtype=np.int64), {})
        numbers = np.concatenate([s.first_near + np.arange(len(s.bands), dtype=np.int64) for s in given])
        if np.any(numbers[1:] <= numbers[:-1]) or (self._near_numbers.size and numbers[0] <= self._last_near()):
            self._given_near = False  # not in corpus order: these are not the numbers the pairs use
            return None
        earlier, similarity, later = (
            np.concatenate(c) for c in zip(*((s.earlier, s.similarity, s.later) for s in given), strict=True)
        )
        # Each candidate as (kind, value): an indexed paragraph (0, pid) or a row of this batch (1, row).
        kind, value = np.zeros(earlier.size, dtype=np.int64), np.full(earlier.size, -1, dtype=np.int64)
        here = earlier >= numbers[0]
        at = np.minimum(np.searchsorted(numbers, earlier[here]), numbers.size - 1)
        kind[here] = 1
        value[here] = np.where(numbers[at] == earlier[here], analysis.near_rows[at], -1)
        indexed = self._near_numbers.data[: self._near_numbers.size]
        if indexed.size:
            at = np.minimum(np.searchsorted(indexed, earlier[~here]), indexed.size - 1)
            value[~here] = np.where(indexed[at] == earlier[~here], self._near_pids.data[at], -1)
        found = value >= 0
        found[~here] &= self.is_live(np.maximum(value[~here], 0))
        self.stats["candidates"] += int(np.count_nonzero(found & ~here))
        rows = analysis.near_rows[np.searchsorted(numbers, later[found])]
        by_row: dict[int, list[tuple[int, int, float]]] = {}
        for row, *candidate in zip(
            rows.tolist(), kind[found].tolist(), value[found].tolist(), similarity[found].tolist(), strict=True
        ):
            by_row.setdefault(row, []).append(tuple(candidate))  # type: ignore[arg-type]
        return _Given(numbers, by_row)

    def _last_near(self) -> int:
        return int(self._near_numbers.data[self._near_numbers.size - 1])

    def _best_given(self, batch: _Batch, row: int, best: Match | None) -> Match | None:
        """``best``, or the first most similar earlier near paragraph still kept among ``row``'s
        verified candidates (corpus order), at or above the threshold: as ``_best_indexed`` and the
        batch's own rows would choose, since those are the same paragraphs in the same order."""
        threshold = self.options.threshold
        for kind, value, similarity in batch.given.by_row.get(row, ()) if batch.given is not None else ():
            if similarity < threshold or (best is not None and similarity <= best.similarity):
                continue  # under the threshold: a candidate for the edit script only
            if kind == 0:
                best = self._found("near", value, similarity)
            elif batch.available[value]:  # a row of this batch, still kept
                best = Match("near", *batch.where[value], similarity)
        return best

    def _best_indexed(self, analysis: _Analysis, row: int, pids: Iterable[int]) -> Match | None:
        """The indexed paragraph most similar to ``row`` at or above the threshold, if any."""
        best: Match | None = None
        if not pids:
            return best
        threshold = self.options.threshold
        mine = analysis.shingles(row)
        for pid in pids:
            self.stats["candidates"] += 1
            similarity = _jaccard(mine, self._shingles.get(pid))
            if similarity >= threshold and (best is None or similarity > best.similarity):
                best = self._found("near", pid, similarity)
        return best

    def _best_short(self, batch: _Batch, row: int) -> Match | None:
        """The earliest paragraph ``row`` is a short near copy of with the fewest edits, if any."""
        pids = batch.short_index.get(row, ())
        self.stats["candidates"] += len(pids)
        others = self._keyed(batch, pids, batch.short_local.get(row, ()))
        return self._fewest_edits(batch, row, others, self.options.short_max_edits)

    def _keyed(self, batch: _Batch, pids: Iterable[int], rows: Iterable[int]) -> list[_Keyed]:
        """The key, place and index of indexed paragraphs ``pids`` and of the batch's ``rows`` still kept."""
        others = [(self._short_keys.get(pid), self._where(pid), self._index_of(pid)) for pid in pids]
        others += [(batch.analysis.key(other), batch.where[other], None) for other in rows if batch.available[other]]
        return others

    def _fewest_edits(
        self,
        batch: _Batch,
        row: int,
        others: list[_Keyed],
        max_edits: int,
    ) -> Match | None:
        """Of ``others`` (key, where, index), the one ``row`` is a short near copy of with the
        fewest edits, if any."""
        mine = batch.analysis.key(row).tolist()
        ratio = self.options.short_max_ratio
        best: tuple[int, Match] | None = None
        here, at = batch.where[row]
        for key, (doc, para), index in others:
            theirs = key.tolist()
            if not theirs:
                continue  # an original too long for its key to be kept
            edits = short_near_edits(theirs, mine, max_edits, ratio)
            if edits is None:
                continue
            nearby = index is None and doc == here and abs(at - para) <= SHORT_NEAR_NEIGHBOURHOOD
            if nearby and not breaks_a_word(theirs, mine):
                continue  # a variant set beside it (…所在的列。/ …所在的行。), not a copy
            if best is not None and edits >= best[0]:
                continue
            similarity = 1.0 - edits / max(key.size, len(mine))
            best = (edits, Match("short_near", doc, para, similarity, {"edits": edits}, index))
        return None if best is None else best[1]

    def _match_fragments(self, batch: _Batch, d: int) -> None:
        """Remove the paragraphs of document ``d`` that belong to runs copying earlier runs.

        The runs are read first with the rows the other rules removed in their places (a copy
        found whole can be what makes a run of fragments around it a copy), then, where rows of
        ``d`` are gone, again with those rows passed over, as the next run will read the output
        (where an exact copy beside a fragment hid what it copies), until a pass removes nothing."""
        rows = range(batch.bounds[d], batch.bounds[d + 1])
        removed = self._fragment_pass(batch, d, passing_over=False)
        for _ in range(MAX_FRAGMENT_PASSES):
            if not any(batch.gone(row) for row in rows):
                break
            more = self._fragment_pass(batch, d, passing_over=True)
            if not more:
                break
            removed.update(more)
        if removed:
            for row in rows:
                match = batch.matches[row]
                if match is not None and match.place == (None, batch.ids[d]) and match.para + rows.start in removed:
                    # It named a paragraph that has just gone as a fragment: it is that fragment's copy.
                    batch.matches[row] = removed[match.para + rows.start]

    def _fragment_pass(self, batch: _Batch, d: int, passing_over: bool) -> dict[int, Match]:
        """One pass of the fragment rule over document ``d``: the rows it removes. ``passing_over``:
        rows removed already are passed over, as if they were not there."""
        rows = range(batch.bounds[d], batch.bounds[d + 1])
        if not any(batch.is_open(row) for row in rows):
            return {}
        removed: dict[int, Match] = {}
        tried: set[tuple[int, tuple[str, int]]] = set()
        around: dict[int, np.ndarray] = {}
        span = self.options.fragment_span
        units = batch.analysis.units
        for unit, origin in self._anchors(batch, d):
            start, end = int(units.first_row[unit]), int(units.last_row[unit])
            if not any(batch.is_open(row) for row in range(start, end + 1)):
                continue
            center = self._origin(batch, d, origin, start)
            if center is None or (start, center) in tried:
                continue
            tried.add((start, center))
            batch.fragments.trim()
            self.stats["candidates"] += 1
            if start not in around:
                reach = range(max(rows.start, start - span), min(rows.stop, end + span + 1))
                around[start] = self._present_shingles(batch, reach, passing_over)
            origin_shingles = self._origin_shingles(batch, center)
            if not self._copied_beyond(batch, unit, center, around[start]):
                removed.update(self._contained(batch, d, range(start, end + 1), center, origin_shingles, passing_over))
                continue
            original = self._original_run(batch, d, center, start)
            found = self._try_run(batch, d, range(start, end + 1), original, passing_over)
            if not found:
                found = self._contained(batch, d, range(start, end + 1), center, origin_shingles, passing_over)
            removed.update(found)
        return removed

    @staticmethod
    def _present_shingles(batch: _Batch, reach: range, passing_over: bool) -> np.ndarray:
        """The distinct shingles of the rows of ``reach`` (those not removed, when ``passing_over``)."""
        if not passing_over:
            return distinct(batch.analysis.hashes[batch.analysis.key_range(reach)])
        present = [batch.analysis.shingles(row) for row in reach if not batch.gone(row)]
        return distinct(np.concatenate(present)) if present else np.zeros(0, dtype=np.uint32)

    def _contained(
        self,
        batch: _Batch,
        d: int,
        seeds: range,
        center: tuple[str, int],
        original: np.ndarray,
        passing_over: bool = False,
    ) -> dict[int, Match]:
        """Rows that copy part of the kept paragraph ``center``: the original was set together with
        its neighbour (a paragraph end that layout missed in one of the two texts). The rows are
        the stretch around ``seeds`` of rows each wholly inside the paragraph; together they must
        be long, and longer unless they start or end where the paragraph does: a sentence or two
        quoted from the middle of a paragraph is kept."""
        if original.size == 0:
            return {}
        universe = self._origin_grams(batch, center)
        analysis, n = batch.analysis, self.options.ngram
        kind, value = center
        floor = value + 1 if kind == "row" and batch.owner[value] == d else batch.bounds[d]

        def inside(row: int) -> bool | None:
            """Wholly inside (True), not (False), or a short row inside, passed over (None)."""
            if passing_over and batch.gone(row):
                return None  # removed already: as if it were not there
            short = not analysis.is_indexable(row)
            if not (short or batch.is_open(row)):
                return False
            piece = analysis.copy_piece(row)
            if piece.hashes is None or share(piece.grams, universe) < CONTAINED_GRAMS:
                return False  # a variant of the paragraph ("圆缺" / "椭圆缺"), not a copy of it
            if char_share(piece, universe, n) < CONTAINED_SHARE:
                return False
            return None if short else True

        size = batch.bounds[d + 1] - floor
        rows = [floor + k for k in stretch(size, [row - floor for row in seeds], lambda k: inside(floor + k))]
        if not rows:
            return {}
        lo, hi = rows[0], rows[-1]
        length = sum(int(analysis.content[row]) for row in rows)
        # Stored shingles have one entry per key position; the last n - 1 start no whole n-gram.
        last = analysis.copy_piece(hi).hashes
        at_an_edge = analysis.shingles(lo)[0] == original[0] or (
            last is not None and last[-1] == original[max(0, original.size - n)]
        )
        if length < (CONTAINED_MIN_LENGTH if at_an_edge else CONTAINED_INSIDE_LENGTH) and not (
            length >= self.options.min_length and _joined_exactly(analysis, range(lo, hi + 1), original, n)
        ):
            return {}
        doc, para = self._where(value) if kind == "pid" else batch.where[value]
        index = self._index_of(value) if kind == "pid" else None
        removed: dict[int, Match] = {}
        for row in rows:
            covered = char_share(analysis.copy_piece(row), universe, n)
            extra = {"paras": [para], "containment": round(covered, 4)}
            match = Match("fragment", doc, para, covered, extra, index)
            batch.matches[row] = match
            batch.withdraw(row)
            removed[row] = match
        return removed

    def _copied_beyond(self, batch: _Batch, unit: int, center: tuple[str, int], around: np.ndarray) -> bool:
        """Whether the original paragraph ``center`` is copied near the anchor beyond the anchor itself.

        Most anchors are a clause or a sentence the two texts merely share: unless at least half
        of the rest of the original paragraph is found in the rows a copy run could take, no run
        of them repeats it (checked before any run is built).
        """
        original = self._origin_grams(batch, center)
        inside = member(original, around)
        found = int(np.count_nonzero(inside))
        if found / original.size < ORIGINAL_COVER:
            return False
        anchor = batch.fragments.anchor_grams.get(unit)
        if anchor is None:
            anchor = batch.fragments.anchor_grams[unit] = _unit_grams(batch.analysis, unit, self.options.ngram)
        rest = ~member(original, anchor)
        rest_size = int(np.count_nonzero(rest))
        if rest_size < self.options.ngram:
            return found / original.size >= ORIGINAL_COVER
        return int(np.count_nonzero(inside & rest)) / rest_size >= ORIGINAL_COVER

    def _anchors(self, batch: _Batch, d: int) -> list[tuple[int, tuple[str, int]]]:
        """``(unit, origin)`` of the units of document ``d`` seen earlier, in order.

        A unit is trusted alone when it is long (``LONG_UNIT`` characters); a shorter one (a clause)
        only when another unit of this document seen near it was seen near its origin too — two
        texts sharing one stock clause are common, sharing two neighbouring ones is not. Only units
        touching a row that may still be removed are returned.
        """
        units = batch.analysis.units
        rows = range(batch.bounds[d], batch.bounds[d + 1])
        lo, hi = np.searchsorted(units.first_row[batch.anchored], [rows.start, rows.stop]).tolist()
        mine = batch.anchored[lo:hi]
        opened = np.concatenate(([0], np.cumsum([batch.is_open(row) for row in rows], dtype=np.int64)))
        touching = opened[units.last_row[mine] - rows.start + 1] > opened[units.first_row[mine] - rows.start]
        if not touching.any():
            return []
        # (unit, origin kind, origin value, place of the origin, position there) for every origin.
        hit = mine[batch.hit_pid[mine] >= 0]
        pids = batch.hit_pid[hit]
        columns = [[hit, np.zeros(hit.size, np.int64), pids, self._para_doc.data[pids].astype(np.int64), pids]]
        columns.extend(self._batch_origins(batch, d, mine))
        unit, kind, value, place, position = (np.concatenate(c) for c in zip(*columns, strict=True))
        start, last = units.first_row[unit], units.last_row[unit]
        span = self.options.fragment_span
        keep = opened[last - rows.start + 1] > opened[start - rows.start]
        keep &= (units.content[unit] >= LONG_UNIT) | _agreeing(unit, start, kind * (1 << 32) + place, position, span)
        chosen = np.flatnonzero(keep)
        chosen = chosen[np.lexsort((chosen, unit[chosen]))]
        names = ("pid", "row", "unit")
        return [(int(unit[i]), (names[int(kind[i])], int(value[i]))) for i in chosen.tolist()]

    def _batch_origins(self, batch: _Batch, d: int, mine: np.ndarray) -> list[list[np.ndarray]]:
        """Origins in this batch of the units ``mine``: a row of an earlier document, or an earlier unit here."""
        units = batch.analysis.units
        found: list[tuple[int, int, int, int, int]] = []
        earlier_here: dict[int, list[int]] = {}
        for unit in mine[batch.repeated[mine]].tolist():
            fp = int(units.fingerprints[unit])
            if batch.hit_pid[unit] < 0 and fp in batch.unit_homes:
                row = batch.unit_homes[fp]
                # Positions count kept paragraphs, as pids do in the index.
                rank = bisect.bisect_left(batch.kept_by_doc[batch.owner[row]], row)
                found.append((unit, 1, row, batch.owner[row], rank))
            for other in earlier_here.get(fp, ()):
                found.append((unit, 2, other, d, int(units.first_row[other])))
            earlier_here.setdefault(fp, []).append(unit)
        if not found:
            return []
        return [[np.array(column, dtype=np.int64) for column in zip(*found, strict=True)]]

    def _origin(self, batch: _Batch, d: int, origin: tuple[str, int], before: int) -> tuple[str, int] | None:
        """The kept paragraph an anchor was seen in: ``("pid", pid)`` or ``("row", row)``, if still kept.

        An earlier unit of this document counts from its first kept row, which must come before
        ``before`` (the copy follows its original).
        """
        kind, value = origin
        if kind != "unit":
            return origin
        units = batch.analysis.units
        for row in range(int(units.first_row[value]), min(int(units.last_row[value]) + 1, before)):
            if batch.is_kept(row):
                return ("row", row)
        return None

    def _origin_shingles(self, batch: _Batch, center: tuple[str, int]) -> np.ndarray:
        kind, value = center
        return self._stored(batch, self._shingles, [value])[0] if kind == "pid" else batch.analysis.shingles(value)

    def _origin_grams(self, batch: _Batch, center: tuple[str, int]) -> np.ndarray:
        """The distinct shingles of the kept paragraph ``center`` (made once per batch)."""
        grams = batch.fragments.grams.get(center)
        if grams is None:
            grams = batch.fragments.grams[center] = distinct(self._origin_shingles(batch, center))
        return grams

    @staticmethod
    def _stored(batch: _Batch, store: _RunStore, pids: Iterable[int]) -> list[np.ndarray]:
        """Runs ``pids`` of ``store``, each read from disk once per batch (neighbouring anchors read
        the same original paragraphs again and again)."""
        read = batch.fragments.stored.setdefault(id(store), {})
        return [read[pid] if pid in read else read.setdefault(pid, store.get(pid)) for pid in pids]

    def _try_run(
        self, batch: _Batch, d: int, seeds: range, original: _OriginalRun, passing_over: bool = False
    ) -> dict[int, Match]:
        """Align the rows around ``seeds`` with ``original``; mark and return the rows removed.
        ``passing_over``: rows removed already take no part in the copy run."""
        options = self.options
        analysis = batch.analysis
        floor = batch.bounds[d] if original.doc_number != d else original.last_row + 1
        if seeds.start < floor:
            return {}
        lo = max(floor, seeds.start - options.fragment_span)
        hi = min(batch.bounds[d + 1], seeds.stop + options.fragment_span)
        copy_rows = list(range(lo, hi))
        pieces = analysis.copy_pieces(lo, hi)
        if passing_over:
            pieces = [_GONE if batch.gone(row) else piece for row, piece in zip(copy_rows, pieces, strict=True)]
        if original.side is None:
            original.side = OriginalSide(original.shingles, original.gaps)
        found = align_runs(
            pieces,
            [row - lo for row in seeds],
            original.side,
            [],
            original.center_index,
            n=options.ngram,
            threshold=options.threshold,
            containment=options.fragment_containment,
        )
        if found is None or not self._long_enough(analysis, [copy_rows[i] for i in found.copy]):
            return {}
        return self._remove_run(batch, copy_rows, found, original)

    def _long_enough(self, analysis: _Analysis, rows: list[int]) -> bool:
        """A run is matched like a near copy: it needs ``min_near_length`` characters in all."""
        return sum(analysis.content[row] for row in rows) >= max(self.options.min_near_length, self.options.min_length)

    def _remove_run(
        self, batch: _Batch, copy_rows: list[int], found: RunMatch, original: _OriginalRun
    ) -> dict[int, Match]:
        removed: dict[int, Match] = {}
        index = None
        if original.doc_number < 0:
            places = [self._where(original.members[j]) for j in found.original]
            index = self._index_of(original.members[found.original[0]])
        else:
            places = [batch.where[original.members[j]] for j in found.original]
        paras = [para for _, para in places]
        doc = places[0][0]
        for i in found.copy:
            row = copy_rows[i]
            if not batch.is_open(row):
                continue
            extra = {"paras": paras, "containment": round(found.containment[i], 4)}
            source = paras[found.original.index(found.source[i])]
            match = Match("fragment", doc, source, found.similarity, extra, index)
            batch.matches[row] = match
            batch.withdraw(row)
            removed[row] = match
        return removed

    def _original_run(self, batch: _Batch, d: int, center: tuple[str, int], before: int) -> _OriginalRun:
        """The kept paragraphs around ``center`` in its document, in order, with their shingle sets.

        ``center`` is an indexed paragraph (``pid``) or a kept row of this batch (``row``): of an
        earlier document, or of document ``d`` itself, where only rows before ``before`` count.
        """
        span = self.options.fragment_span
        kind, value = center
        # Around an indexed paragraph, or a row of a finished document, the run is the same for
        # every anchor of the batch: made once.
        settled = kind == "pid" or batch.owner[value] != d
        if settled and center in batch.fragments.runs:
            return batch.fragments.runs[center]
        if kind == "pid":
            doc_number = int(self._para_doc.data[value])
            lo, hi = max(0, value - span), min(len(self), value + span + 1)
            pids = [p for p in range(lo, hi) if int(self._para_doc.data[p]) == doc_number]
            before_first = pids[0] > 0 and int(self._para_doc.data[pids[0] - 1]) == doc_number
            lead = (
                self._stored(batch, self._gaps, [pids[0] - 1])
                if before_first
                else self._stored(batch, self._leads, pids[:1])
            )
            run = _OriginalRun(
                center=center,
                center_index=pids.index(value),
                shingles=self._stored(batch, self._shingles, pids),
                gaps=lead + self._stored(batch, self._gaps, pids),
                members=pids,
                doc_number=-1,
                last_row=-1,
            )
            batch.fragments.runs[center] = run
            return run
        doc_number = batch.owner[value]
        if doc_number == d and batch.bounds[d] <= value < before and batch.is_kept(value):
            first, rows, last = _kept_window(batch, value, span, batch.bounds[d], before)
        else:
            if doc_number == d:
                kept = [r for r in range(batch.bounds[d], before) if batch.is_kept(r)]
                end = before
            else:
                kept = batch.kept_by_doc[doc_number]
                end = batch.bounds[doc_number + 1]
            at = bisect.bisect_left(kept, value)
            lo = max(0, at - span)
            rows = kept[lo : at + span + 1]
            first = kept[lo - 1] if lo else batch.bounds[doc_number] - 1
            last = kept[lo + len(rows)] if lo + len(rows) < len(kept) else end
        # The same kept rows around the same centre (in document d, until one of them is removed)
        # make the same run: made once.
        edges = (first, *rows, last)
        window = (value, edges)
        if window in batch.fragments.windows:
            return batch.fragments.windows[window]
        # The short rows before, between and after these, as the index holds them.
        gaps = [batch.short_between(a, b) for a, b in itertools.pairwise(edges)]
        run = _OriginalRun(
            center=center,
            center_index=rows.index(value),
            shingles=[batch.analysis.shingles(r) for r in rows],
            gaps=gaps,
            members=rows,
            doc_number=doc_number,
            last_row=rows[-1],
        )
        batch.fragments.windows[window] = run
        if settled:
            batch.fragments.runs[center] = run
        return run

    def _where(self, pid: int) -> tuple[str, int]:
        return self._doc_ids[int(self._para_doc.data[pid])], int(self._para_index.data[pid])

    def _index_of(self, pid: int) -> str | None:
        """The saved index an indexed paragraph came from (``None``: indexed by this run)."""
        return self.index_name if pid < self.earlier else None

    def _found(self, rule: str, pid: int, similarity: float) -> Match:
        return Match(rule, *self._where(pid), similarity, index=self._index_of(pid))

    def _duplicate_document(
        self, analysis: _Analysis, rows: range, matches: list[Match | None], doc_id: str
    ) -> tuple[tuple[str | None, str] | None, float]:
        """The earlier document this one nearly repeats (see :attr:`Match.place`), if any, and the
        share of content it holds.

        Shares are counted in letters/digits/ideographs of the paragraphs long enough to be
        removed; a document qualifies when one earlier document holds copies (exact or near) of
        at least ``duplicate_document_ratio`` of it.
        """
        total = 0
        by_doc: Counter[tuple[str | None, str]] = Counter()
        for row, match in zip(rows, matches, strict=True):
            content = analysis.content[row]
            if content < self.options.min_length:
                continue
            total += content
            if match is not None and match.place != (None, doc_id):
                by_doc[match.place] += content
        if not total or not by_doc:
            return None, 0.0
        # One earlier document must hold the copies: a page assembled from paragraphs of many
        # documents is not a duplicate of any of them.
        kept_doc, shared = by_doc.most_common(1)[0]
        ratio = shared / total
        if ratio < self.options.duplicate_document_ratio:
            return None, ratio
        return kept_doc, ratio

    def _index(self, batch: _Batch) -> None:
        """Add the kept rows of a batch to the index (exact keys, shingle sets, bands, short keys, units)."""
        rows = batch.indexed
        if not rows:
            return
        analysis = batch.analysis
        first_pid = len(self)
        doc_numbers: dict[int, int] = {}
        for row in rows:
            if batch.owner[row] not in doc_numbers:
                doc_numbers[batch.owner[row]] = len(self._doc_ids)
                self._doc_ids.append(batch.ids[batch.owner[row]])
        row_array = np.array(rows, dtype=np.int64)
        self._exact.add(analysis.keys.digests[row_array], first_pid, self._live)
        owners = np.array(batch.owner, dtype=np.int64)[row_array]
        self._para_doc.extend(np.array([doc_numbers[o] for o in owners.tolist()], dtype=np.uint32))
        self._para_index.extend((row_array - np.array(batch.bounds, dtype=np.int64)[owners]).astype(np.uint32))
        # Shingle sets of every kept row, copied in one gather; then those of the short rows after each.
        lengths = analysis.keys.lengths[row_array]
        self._shingles.append(analysis.hashes[_ranges(analysis.key_starts[row_array], lengths)], lengths)
        if self.options.fragments:
            self._index_gaps(batch, row_array)
        pids = first_pid + np.arange(len(rows), dtype=np.int64)
        near = analysis.position_of[row_array]
        if (near >= 0).any():
            self._bands.insert(analysis.fingerprints[near[near >= 0]], pids[near >= 0].astype(np.uint32))
        if batch.given is not None and batch.given.numbers.size and (near >= 0).any():
            self._near_numbers.extend(batch.given.numbers[near[near >= 0]])
            self._near_pids.extend(pids[near >= 0])
        self._index_short(analysis, row_array, pids)
        self._index_units(batch, row_array, pids)

    def _index_gaps(self, batch: _Batch, rows: np.ndarray) -> None:
        """For each kept row, the shingles of the short rows (never removed) after it in its document.

        They are what a copy may hold of a fragment too short to be indexed itself (the last few
        characters of a paragraph cut by the layout): runs of originals are compared with them. The
        short rows before a document's first kept row go with that row, as its lead.
        """
        analysis = batch.analysis
        lengths = analysis.keys.lengths
        owner = np.array(batch.owner, dtype=np.int64)
        short = np.flatnonzero(~analysis._indexable & (lengths > 0))
        after = np.searchsorted(rows, short, side="right") - 1  # the kept row each one follows
        follows = after >= 0
        follows[follows] = owner[rows[after[follows]]] == owner[short[follows]]
        # The rest lead the next kept row of their document, if there is one.
        ahead = np.minimum(after + 1, rows.size - 1)
        leads = ~follows & (after + 1 < rows.size)
        leads[leads] = owner[rows[ahead[leads]]] == owner[short[leads]]
        for store, chosen, slot in ((self._gaps, follows, after), (self._leads, leads, ahead)):
            picked, where = short[chosen], slot[chosen]
            sizes = np.bincount(where, weights=lengths[picked], minlength=rows.size).astype(np.int64)
            self._gaps_append(store, analysis, picked, sizes)

    @staticmethod
    def _gaps_append(store: _RunStore, analysis: _Analysis, rows: np.ndarray, sizes: np.ndarray) -> None:
        lengths = analysis.keys.lengths[rows]
        store.append(analysis.hashes[_ranges(analysis.key_starts[rows], lengths)], sizes)

    def _index_short(self, analysis: _Analysis, rows: np.ndarray, pids: np.ndarray) -> None:
        """Keys and segment fingerprints of the kept rows a later short paragraph may be compared with."""
        keys = analysis.keys
        segment = analysis.is_segment_row[rows]
        lengths = np.where(segment | analysis.is_edit_row[rows], keys.lengths[rows], 0)
        self._short_keys.append(keys.code_points[_ranges(analysis.key_starts[rows], lengths)], lengths)
        if segment.any():
            owners, fps = index_segments(
                keys.code_points, analysis.key_starts, keys.lengths, rows[segment], self.options.short_max_edits
            )
            pid_of = dict(zip(rows[segment].tolist(), pids[segment].tolist(), strict=True))
            self._segments.insert(fps[:, None], np.array([pid_of[o] for o in owners.tolist()], dtype=np.uint32))

    def _index_units(self, batch: _Batch, rows: np.ndarray, pids: np.ndarray) -> None:
        """Index each unit not indexed yet under the first kept paragraph it lies in (first occurrence only)."""
        units = batch.analysis.units
        if not self.options.fragments or len(units) == 0:
            return
        # The first kept row at or after each row, as a position in ``rows``.
        next_kept = np.searchsorted(rows, units.first_row, side="left")
        has_home = next_kept < rows.size
        home = np.where(has_home, rows[np.minimum(next_kept, rows.size - 1)], -1)
        candidates = np.flatnonzero(has_home & (home <= units.last_row) & (batch.hit_pid < 0))
        if candidates.size == 0:
            return
        fps = units.fingerprints[candidates]
        order = np.argsort(fps, kind="stable")
        first = order[np.concatenate(([True], fps[order][1:] != fps[order][:-1]))]
        chosen = candidates[np.sort(first)]
        self._units.insert(units.fingerprints[chosen][:, None], pids[next_kept[chosen]].astype(np.uint32))


# A paragraph a short near copy is compared with: its key, (document, paragraph), and the saved
# index it came from (None: this run).
_Keyed = tuple[np.ndarray, tuple[str, int], str | None]


@dataclass(frozen=True)
class _Given:
    """A batch's near candidates verified elsewhere: the near number of each near row, and per row
    its candidates in corpus order, ``(0, pid, similarity)`` or ``(1, earlier row, similarity)``."""

    numbers: np.ndarray
    by_row: dict[int, list[tuple[int, int, float]]]


@dataclass
class _OriginalRun:
    """Kept paragraphs around an anchor's earlier occurrence: their shingles and where they are."""

    center: tuple[str, int]
    center_index: int
    shingles: list[np.ndarray]
    gaps: list[np.ndarray]  # shingles of the short paragraphs before the first, between them, after the last
    members: list[int]  # their pids (indexed earlier) or batch rows
    doc_number: int  # the batch document they belong to (-1: indexed earlier)
    last_row: int  # their last batch row (-1: indexed earlier)
    side: OriginalSide | None = None  # the shingles and gaps in one pool, made on first alignment


@dataclass
class _FragmentCache:
    """What the fragment rule reads or makes about original paragraphs, kept for one batch: anchors
    near each other look at the same paragraphs over and over. None of it changes during a batch
    (the index grows only at its end; a run in the document being decided is kept under the rows it
    was made of). Emptied when it holds more than ``LIMIT`` entries (a batch of one huge document),
    so that what it holds stays small; it decides nothing, so emptying it changes no result."""

    LIMIT = 4096
    stored: dict[int, dict[int, np.ndarray]] = field(default_factory=dict)  # per store, per pid: a run read
    grams: dict[tuple[str, int], np.ndarray] = field(default_factory=dict)  # kept paragraph: distinct shingles
    anchor_grams: dict[int, np.ndarray] = field(default_factory=dict)  # unit: its distinct n-grams
    runs: dict[tuple[str, int], _OriginalRun] = field(default_factory=dict)  # settled centers' runs
    windows: dict[tuple[int, tuple[int, ...]], _OriginalRun] = field(default_factory=dict)  # row, edges: run

    def trim(self) -> None:
        """Empty it if it has grown past ``LIMIT`` entries (runs count for the paragraphs they hold)."""
        stored = sum(len(table) for table in self.stored.values())
        entries = stored + len(self.grams) + len(self.anchor_grams) + 16 * (len(self.runs) + len(self.windows))
        if entries > self.LIMIT:
            for table in (self.stored, self.grams, self.anchor_grams, self.runs, self.windows):
                table.clear()


class _Batch:
    """The documents of one round and what has been decided about each of their rows so far."""

    def __init__(self, dedup: Deduplicator, ids: list[str], sketches: list[DocumentSketch], bounds: list[int]) -> None:
        self.ids, self.bounds = ids, bounds
        self.analysis = analysis = _Analysis(dedup.options, sketches)
        self.owner: list[int] = np.repeat(np.arange(len(ids)), np.diff(bounds)).tolist()
        self.where = [(ids[d], row - bounds[d]) for row, d in enumerate(self.owner)]
        self.matches: list[Match | None] = [None] * analysis.count
        self.available = [False] * analysis.count  # kept rows later rows may match
        self.seen_here: dict[int, int] = {}
        self.indexed: list[int] = []
        self.kept_by_doc: dict[int, list[int]] = {}
        self.exact_pid = dedup._exact.lookup(analysis.keys.digests, dedup._live)
        self.near_local: dict[int, list[int]] = {}
        # Near candidates verified elsewhere: then only a loaded index's paragraphs are looked up here.
        self.given = dedup._given(sketches, analysis)
        if self.given is not None:
            self.near_index = dedup._index_candidates(analysis, below=dedup.earlier) if dedup.earlier else {}
        else:
            self.near_index = dedup._index_candidates(analysis)
            for x, y in candidate_pairs(analysis.fingerprints).tolist():
                self.near_local.setdefault(int(analysis.near_rows[y]), []).append(int(analysis.near_rows[x]))
        self.short_index, self.short_local = dedup._short_candidates(analysis)
        self.hit_pid = dedup._unit_hits(analysis.units)
        # Units repeated inside the batch: for those not indexed, the first kept paragraph holding
        # each, filled in as documents are finished (what the index would hold if they were
        # processed one by one).
        self.repeated = np.zeros(len(analysis.units), dtype=bool)
        self.repeated[_repeated(analysis.units.fingerprints)] = True
        self.unit_homes: dict[int, int] = {}
        # The units that have an earlier occurrence somewhere: the only ones worth looking at.
        self.anchored = np.flatnonzero(self.repeated | (self.hit_pid >= 0))
        self.fragments = _FragmentCache()
        self._short_shingles: np.ndarray | None = None
        self._short_offsets: list[int] = []

    def is_open(self, row: int) -> bool:
        """A row that may still be removed: long enough, not matched, not withdrawn."""
        return self.analysis.is_indexable(row) and self.matches[row] is None and self.available[row]

    def is_kept(self, row: int) -> bool:
        return self.available[row]

    def gone(self, row: int) -> bool:
        """A row removed as a copy: not in the output."""
        return self.matches[row] is not None

    def short_between(self, after: int, before: int) -> np.ndarray:
        """Shingles of the rows too short to index strictly between two rows (all kept: none is ever removed)."""
        if self._short_shingles is None:
            # Those of every short row, one after another, and where each row's start among them.
            analysis = self.analysis
            lengths = np.where(analysis._indexable, 0, analysis.keys.lengths)
            self._short_shingles = analysis.hashes[_ranges(analysis.key_starts, lengths)]
            self._short_offsets = np.concatenate(([0], np.cumsum(lengths))).tolist()
        return self._short_shingles[self._short_offsets[after + 1] : self._short_offsets[max(before, after + 1)]]

    def withdraw(self, row: int) -> None:
        """``row`` is no longer kept (removed or dropped): later rows must not name it."""
        if self.available[row]:
            self.available[row] = False
            digest = self.analysis.digests[row]
            if self.seen_here.get(digest) == row:
                del self.seen_here[digest]

    def finish(self, d: int) -> None:
        """Document ``d`` is decided: its kept rows are final and will be indexed in this order."""
        kept = [row for row in range(self.bounds[d], self.bounds[d + 1]) if self.available[row]]
        self.indexed.extend(kept)
        self.kept_by_doc[d] = kept
        units = self.analysis.units
        lo, hi = np.searchsorted(units.first_row, [self.bounds[d], self.bounds[d + 1]]).tolist()
        if not kept or lo == hi:
            return
        for unit in (lo + np.flatnonzero(self.repeated[lo:hi] & (self.hit_pid[lo:hi] < 0))).tolist():
            fp = int(units.fingerprints[unit])
            if fp in self.unit_homes:
                continue
            at = bisect.bisect_left(kept, int(units.first_row[unit]))
            if at < len(kept) and kept[at] <= int(units.last_row[unit]):
                self.unit_homes[fp] = kept[at]


MAX_AGREEING_STEPS = 64


# A short paragraph one character apart from one a few paragraphs before it in the same document,
# where the character breaks no word, is a deliberate variant (a manual's "…所在的行。" after
# "…所在的列。"), not a copy: close by, the short near rule wants a misread character.
SHORT_NEAR_NEIGHBOURHOOD = 8


def _agreeing(unit: np.ndarray, start: np.ndarray, place: np.ndarray, position: np.ndarray, span: int) -> np.ndarray:
    """Which anchors have another one, of another unit, near them on both sides.

    Near on the copy side: first rows (``start``) at most ``span`` apart; on the original side: the
    same ``place`` (a document) and ``position`` at most ``span`` apart.
    """
    agreed = np.zeros(unit.size, dtype=bool)
    if unit.size < 2:
        return agreed
    # Sorted by place and position, then by start: anchors near each other on both sides are close
    # in this order. A paragraph holding thousands of anchors (one huge paragraph) would make every
    # step find pairs; past MAX_AGREEING_STEPS an anchor has long met its neighbours.
    order = np.lexsort((start, position, place))
    u, s, p, q = unit[order], start[order], place[order], position[order]
    for step in range(1, min(unit.size, MAX_AGREEING_STEPS)):
        pair = (p[step:] == p[:-step]) & (q[step:] - q[:-step] <= span)
        if not pair.any():
            break  # sorted by place and position: further apart, nothing is near any more
        pair &= (u[step:] != u[:-step]) & (np.abs(s[step:] - s[:-step]) <= span)
        agreed[order[step:][pair]] = True
        agreed[order[:-step][pair]] = True
    return agreed


def _repeated(values: np.ndarray) -> np.ndarray:
    """Indexes of the values that occur more than once, in order."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    same = ordered[1:] == ordered[:-1]
    twice = np.zeros(values.size, dtype=bool)
    twice[1:] |= same
    twice[:-1] |= same
    return np.sort(order[twice]).astype(np.int64)


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, s + c)`` for each pair, without a Python loop."""
    offsets = np.cumsum(counts) - counts
    return np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(offsets - starts, counts)


class _Analysis:
    """Keys, lengths, digests, shingle sets, band fingerprints and units of a batch of paragraphs,
    put together from the sketches of its documents (:mod:`cleaner.dedup.sketch`)."""

    def __init__(self, options: DedupOptions, sketches: list[DocumentSketch]) -> None:
        self.keys = keys = Keys(
            np.concatenate([s.points for s in sketches]).astype(np.uint32),
            np.concatenate([s.lengths for s in sketches]).astype(np.int64),
            np.concatenate([s.content for s in sketches]).astype(np.int64),
            np.concatenate([s.digests for s in sketches]),
        )
        self.ngram = options.ngram
        self.count = count = int(keys.lengths.size)
        self.content = keys.content.tolist()
        self.digests = keys.digests.tolist()
        self.key_starts = np.cumsum(keys.lengths) - keys.lengths
        content = keys.content
        # Rows that can be removed or kept as an original: not a picture caption or credit, which
        # recurs on every page that prints a picture (headings are short enough to stay anyway).
        indexable = (content >= options.min_length) & ~np.concatenate([s.never_removed for s in sketches])
        self._indexable = indexable
        # Rows decided by the short rule, and those a short one may be compared with (its length ± edits).
        short_on = options.short_near
        is_short = indexable & (content >= options.short_min_length) & (content <= options.short_max_length)
        self._short = is_short if short_on else np.zeros(count, dtype=bool)
        self.short_rows = np.flatnonzero(self._short)
        reach = options.short_max_edits
        in_reach = (content >= options.short_min_length - reach) & (content <= options.short_max_length + reach)
        self.is_segment_row = indexable & in_reach & short_on
        self.segment_rows = np.flatnonzero(self.is_segment_row)
        # Rows past the short ones whose band candidates are also compared by their edits.
        self.is_edit_row = (
            indexable & short_on & (content > options.short_max_length) & (content <= options.near_edits_max_length)
        )
        # Near rows: long enough for MinHash (as originals; short rows are decided by their edits).
        near = np.flatnonzero(content >= max(options.min_near_length, options.min_length))
        self.near_rows = near
        self.position_of = np.full(count, -1, dtype=np.int64)
        self.position_of[near] = np.arange(near.size)
        self.fingerprints = np.concatenate([s.bands for s in sketches])
        # Each paragraph's shingle hashes (its set, with repeats), at the place of its key: kept by
        # sketches made here, made again from the code points for those sent by workers.
        if all(s.hashes is not None for s in sketches):
            self.hashes = np.concatenate([s.hashes for s in sketches])
        else:
            self.hashes = run_shingle_hashes(keys.code_points, keys.lengths, options.ngram)
        offsets = np.cumsum([0, *(s.points.size for s in sketches[:-1])])
        self.units = placed_units(
            keys.code_points,
            keys.lengths,
            np.concatenate([s.unit_fingerprints for s in sketches]),
            np.concatenate([s.unit_starts + offset for s, offset in zip(sketches, offsets, strict=True)]),
            np.concatenate([s.unit_stops + offset for s, offset in zip(sketches, offsets, strict=True)]),
        )
        self._pieces: dict[int, CopyPiece] = {}

    def is_indexable(self, row: int) -> bool:
        return bool(self._indexable[row])

    def is_short(self, row: int) -> bool:
        return bool(self._short[row])

    def copy_pieces(self, lo: int, hi: int) -> list[CopyPiece]:
        """:meth:`copy_piece` of rows ``lo`` to ``hi - 1``."""
        made = self._pieces
        return [made[row] if row in made else self.copy_piece(row) for row in range(lo, hi)]

    def copy_piece(self, row: int) -> CopyPiece:
        """The row as the copy side of a run: its key and the n-gram hash at each position (made once)."""
        piece = self._pieces.get(row)
        if piece is None:
            key = self.key(row)
            if key.size == 0:
                piece = CopyPiece(None, None, False)
            else:
                hashes = self.shingles(row)[: max(1, key.size - self.ngram + 1)]
                piece = CopyPiece(key, hashes, bool(self._indexable[row]))
            self._pieces[row] = piece
        return piece

    def key_range(self, rows: range) -> slice:
        """Where the keys of consecutive ``rows`` lie in ``keys.code_points`` (and ``hashes``)."""
        if not rows:
            return slice(0, 0)
        return slice(
            int(self.key_starts[rows.start]), int(self.key_starts[rows.stop - 1] + self.keys.lengths[rows.stop - 1])
        )

    def key(self, row: int) -> np.ndarray:
        start = int(self.key_starts[row])
        return self.keys.code_points[start : start + int(self.keys.lengths[row])]

    def shingles(self, row: int) -> np.ndarray:
        start = int(self.key_starts[row])
        return self.hashes[start : start + int(self.keys.lengths[row])]


def _keep_lines_of_poems(batch: _Batch, rows: range, paragraphs: Sequence[str]) -> None:
    """Lines of verse stay with their poem: a run of consecutive verse lines one of which is kept
    keeps them all. Famous lines are quoted everywhere, and taking them out of their poem because a
    quotation came first breaks the poem. A poem copied whole goes as before."""
    verse = (is_verse_line(p.strip()) for p in paragraphs)
    for is_verse, run in itertools.groupby(zip(rows, verse, strict=True), key=lambda pair: pair[1]):
        poem = [row for row, _ in run]
        if not is_verse or len(poem) < 2 or all(batch.matches[row] is not None for row in poem):
            continue
        for row in poem:
            if batch.matches[row] is not None:
                batch.matches[row] = None
                batch.available[row] = True


# The rules that remove a paragraph as a copy of another paragraph, whole (not as a piece of one).
_WHOLE_COPY_RULES = frozenset({"exact", "short_near", "near"})


def _keep_headings(batch: _Batch, rows: range, paragraphs: Sequence[str], max_length: int) -> None:
    """A heading that repeats an earlier one stays: a manual's contents and the section they name,
    a title every chapter repeats (``本章小结``), a numbered step (``2. 安装和升级KiCad``). It goes
    with a run it belongs to (the paragraph before or after it copies the one before or after its
    original: a copied article, a paragraph cut at the same place twice), and a line in a
    heading's form that is a piece of a paragraph seen before (rule ``fragment``) goes too. A
    heading has at most ``max_length`` letters, digits or ideographs."""
    content, matches = batch.analysis.content, batch.matches
    for k, (row, paragraph) in enumerate(zip(rows, paragraphs, strict=True)):
        match = matches[row]
        if match is None or match.rule not in _WHOLE_COPY_RULES or content[row] > max_length:
            continue
        if not _is_heading(paragraph.strip(), int(content[row])):
            continue
        if any(_copies_neighbour(match, matches[rows[j]], j - k) for j in (k - 1, k + 1) if 0 <= j < len(rows)):
            continue
        matches[row] = None
        batch.available[row] = True


def _is_heading(line: str, content: int) -> bool:
    """One line in a headline's form (``blocks.is_headline_form``), of words more than numbers (a
    line of mostly digits is a table's row or a figure)."""
    return "\n" not in line and 2 * sum(c.isdigit() for c in line) < content and blocks.is_headline_form(line)


def _copies_neighbour(match: Match, other: Match | None, step: int) -> bool:
    """``other`` (of the paragraph ``step`` after one matched by ``match``) names the paragraph
    ``step`` after the original, or the original itself (a piece of it)."""
    return (
        other is not None
        and other.doc == match.doc
        and other.index == match.index
        and other.para in (match.para, match.para + step)
    )


def _unit_grams(analysis: _Analysis, unit: int, n: int) -> np.ndarray:
    """The distinct n-grams of a sentence unit's text. Those of a unit inside one paragraph, at least
    n long, are the paragraph's own n-grams there (each lies wholly inside it): no hashing again."""
    units = analysis.units
    start, stop = int(units.start[unit]), int(units.stop[unit])
    row = int(units.first_row[unit])
    if row == int(units.last_row[unit]) and stop - start >= n:
        return distinct(analysis.hashes[start : stop - n + 1])
    points = analysis.keys.code_points[start:stop]
    return distinct(run_shingle_hashes(points, np.array([points.size]), n)[: max(1, points.size - n + 1)])


def _joined_exactly(analysis: _Analysis, rows: range, original: np.ndarray, n: int) -> bool:
    """The keys of ``rows`` joined are the key of the original paragraph (its shingles, in order):
    an exact copy cut into fragments, as strong as an exact copy of the whole, however short."""
    if len(rows) < 2:
        return False
    points = analysis.keys.code_points[analysis.key_range(rows)]
    return points.size == original.size and np.array_equal(
        run_shingle_hashes(points, np.array([points.size]), n), original
    )


def _without(
    doc: Document, removals: dict[int, tuple[str, dict[str, Any]]], edits: list[Edit]
) -> tuple[Document, list[Edit]]:
    """``doc`` without the paragraphs of ``removals`` (``{paragraph: (rule, detail)}``), and
    ``edits`` followed by one edit per removal, replayable on ``doc.text``."""
    if not removals:
        return doc, edits
    for i, start, end in _removal_spans(doc, sorted(removals)):
        rule, detail = removals[i]
        edits.append(Edit(STAGE, rule, start, end, doc.text[start:end], "", i, detail))
    kept = [p for i, p in enumerate(doc.paragraphs) if i not in removals]
    return doc.with_text(PARAGRAPH_SEPARATOR.join(kept)), edits


def _removal_spans(doc: Document, removed: list[int]) -> list[tuple[int, int, int]]:
    """``(paragraph, start, end)`` spans removing each paragraph and one adjacent separator.

    A paragraph followed (anywhere later) by a kept one takes its following separator; the
    paragraphs of a removed tail take their preceding one, so the result stays canonical and the
    spans never overlap.
    """
    starts = doc.paragraph_starts
    paragraphs = doc.paragraphs
    count = len(paragraphs)
    removed_set = set(removed)
    last_kept = max((i for i in range(count) if i not in removed_set), default=-1)
    separator = len(PARAGRAPH_SEPARATOR)
    spans = []
    for i in removed:
        end = starts[i] + len(paragraphs[i])
        if i < last_kept:
            spans.append((i, starts[i], end + separator))
        elif i > 0:
            spans.append((i, starts[i] - separator, end))
        else:
            spans.append((i, starts[i], end))
    return spans


def _kept_window(batch: _Batch, value: int, span: int, start: int, end: int) -> tuple[int, list[int], int]:
    """The kept rows of ``[start, end)`` around the kept row ``value``: up to ``span`` on each side,
    with the kept row just outside them on each side (``start - 1`` or ``end`` where there is none).

    The same as listing every kept row of the range and slicing around ``value``, found by looking
    outwards from ``value`` instead: listing them costs the whole document per fragment looked at,
    which made one big file quadratic.
    """
    before: list[int] = []
    row = value - 1
    while row >= start and len(before) <= span:
        if batch.is_kept(row):
            before.append(row)
        row -= 1
    after: list[int] = []
    row = value + 1
    while row < end and len(after) <= span:
        if batch.is_kept(row):
            after.append(row)
        row += 1
    first = before[span] if len(before) > span else start - 1
    last = after[span] if len(after) > span else end
    return first, [*reversed(before[:span]), value, *after[:span]], last
