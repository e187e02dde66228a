"""The deduplicator: removes paragraphs already seen (exactly, or nearly) and records every removal.

Documents are fed one at a time, in a deterministic order; the first occurrence of a paragraph
is kept and later copies are removed. For each paragraph of a document:

1. Paragraphs with fewer than ``min_length`` letters, digits or ideographs are never touched:
   headings (``一、基本情况``), column labels (``观察``) and slogans recur legitimately.
2. Exact copies: the normalised key (whitespace removed, NFKC, punctuation variants folded; see
   :mod:`cleaner.dedup.keys`) has been seen before.
3. Short near copies (``short_min_length`` to ``short_max_length`` such characters, rule
   ``short_near``): the edit script to an earlier paragraph is a few isolated edits, none in a
   number (:mod:`cleaner.dedup.short`); the Jaccard similarity of so few 5-grams cannot tell.
4. Near copies (paragraphs with at least ``min_near_length`` such characters, longer than the
   short ones): the MinHash signature of the key's character n-grams shares an LSH band with an
   earlier paragraph, and the true Jaccard similarity of the two n-gram sets is at least
   ``threshold``. The earlier paragraph with the highest similarity is named as the kept copy.

Candidates are verified with the exact sets (32-bit shingle hashes) rather than by counting
agreeing signature values: with 128 permutations that estimate has a standard error of ±0.04 at
Jaccard 0.7, enough to remove pairs just below the threshold and keep pairs just above it.

A document is a near-duplicate document when one earlier document holds copies (exact or near)
of at least ``duplicate_document_ratio`` of its content; it is reported with a zero-length
``near_duplicate_document`` edit (detail ``event: reported``), or dropped whole with
``drop_duplicate_documents`` (one ``duplicate_document`` edit removing all its text).

Only kept paragraphs are indexed, so the kept copy named in an edit is always still in the output.
Memory per indexed paragraph: one dict entry for its key digest, its band fingerprints (8 bytes
per band, at most half-full tables), its shingle hashes (4 bytes per character) for verification,
and for short paragraphs their key (4 bytes per character) and three segment cells (8 bytes,
tables at most 80% full) — never its text. ``stats`` counts documents, paragraphs, removals by
rule (``exact``, ``short_near``, ``near``), ``near_duplicate_documents``,
``duplicate_documents_dropped`` and index ``candidates`` verified.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cleaner.config import DedupOptions
from cleaner.dedup.keys import paragraph_keys
from cleaner.dedup.lsh import BandIndex, band_fingerprints, candidate_pairs
from cleaner.dedup.minhash import MinHasher, run_shingle_hashes
from cleaner.dedup.short import index_segments, matching_pairs, query_segments, short_near_edits
from cleaner.errors import ConfigError
from cleaner.model import PARAGRAPH_SEPARATOR, Document, Edit

STAGE = "dedup"


@dataclass(frozen=True)
class Match:
    """The kept copy a paragraph duplicates: ``rule`` is ``exact``, ``short_near`` or ``near``.

    ``extra`` adds to the ``kept`` record of the edit (the edits of a short near copy) and takes no
    part in comparisons.
    """

    rule: str
    doc: str
    para: int
    similarity: float
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_detail(self, removed_para: int) -> dict[str, Any]:
        kept = {"doc": self.doc, "para": self.para, "similarity": round(self.similarity, 4), **self.extra}
        return {"kept": kept, "removed_para": removed_para}


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


class _Chunks:
    """Append-only storage in fixed-size chunks: no doubling, so no 2× peak while growing."""

    def __init__(self, dtype: Any, chunk: int = 1 << 24) -> None:
        self.dtype = dtype
        self.chunk = chunk  # values per chunk (64 MB of uint32 by default)
        self.chunks: list[np.ndarray] = []
        self.used = 0

    def extend(self, values: np.ndarray) -> tuple[int, int]:
        """Store ``values`` contiguously; returns (chunk number, offset in the chunk)."""
        if not self.chunks or self.used + values.size > self.chunks[-1].size:
            self.chunks.append(np.empty(max(self.chunk, values.size), dtype=self.dtype))
            self.used = 0
        start = self.used
        self.chunks[-1][start : start + values.size] = values
        self.used += values.size
        return len(self.chunks) - 1, start

    @property
    def nbytes(self) -> int:
        return sum(chunk.nbytes for chunk in self.chunks)


class _RunStore:
    """One run of uint32 values per indexed paragraph (its shingle hashes, or its key), possibly empty."""

    def __init__(self, chunk: int = 1 << 24) -> None:
        self._values = _Chunks(np.uint32, chunk)
        self._chunk = _Growing(np.uint32)
        self._start = _Growing(np.uint32)
        self._length = _Growing(np.int32)

    def append(self, values: np.ndarray, lengths: np.ndarray) -> None:
        """Add one run per entry of ``lengths``; ``values`` holds the runs one after another."""
        chunk, base = 0, 0
        if values.size:
            chunk, base = self._values.extend(values)
        self._chunk.extend(np.full(len(lengths), chunk, dtype=np.uint32))
        self._start.extend((base + np.cumsum(lengths) - lengths).astype(np.uint32))
        self._length.extend(lengths.astype(np.int32))

    def get(self, number: int) -> np.ndarray:
        chunk = self._values.chunks[int(self._chunk.data[number])] if self._values.chunks else np.zeros(0, np.uint32)
        start = int(self._start.data[number])
        return chunk[start : start + int(self._length.data[number])]

    @property
    def nbytes(self) -> int:
        return self._values.nbytes + self._chunk.nbytes + self._start.nbytes + self._length.nbytes


def _distinct(values: np.ndarray) -> np.ndarray:
    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))]


def _jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of the sets of values of two arrays (shingle hashes, repeats allowed)."""
    a, b = _distinct(a), _distinct(b)
    if a.size > b.size:
        a, b = b, a
    position = np.searchsorted(b, a)
    position[position == b.size] = 0
    inter = int(np.count_nonzero(b[position] == a))
    return inter / (a.size + b.size - inter)


def validate(options: DedupOptions) -> None:
    """Refuse options the deduplicator cannot work with (a :class:`ConfigError` naming the option)."""
    if options.bands * options.rows > options.num_perm:
        raise ConfigError(
            f"dedup: bands × rows ({options.bands} × {options.rows}) exceeds num_perm ({options.num_perm})"
        )
    for name in ("threshold", "duplicate_document_ratio"):
        if not 0.0 < getattr(options, name) <= 1.0:
            raise ConfigError(f"dedup: {name} must be in (0, 1], not {getattr(options, name)}")
    for name in ("ngram", "num_perm", "bands", "rows", "short_min_length"):
        if getattr(options, name) < 1:
            raise ConfigError(f"dedup: {name} must be at least 1, not {getattr(options, name)}")
    if options.min_length < 0 or options.min_near_length < 0:
        raise ConfigError("dedup: min_length and min_near_length must not be negative")
    if options.short_max_length < options.short_min_length:
        raise ConfigError(
            f"dedup: short_max_length ({options.short_max_length}) is below short_min_length"
            f" ({options.short_min_length})"
        )
    if not 0 <= options.short_max_edits <= 4:
        # Each edit allowed multiplies the lookups per short paragraph (75 for 2, 405 for 4).
        raise ConfigError(f"dedup: short_max_edits must be between 0 and 4, not {options.short_max_edits}")
    if not 0.0 <= options.short_max_ratio <= 1.0:
        raise ConfigError(f"dedup: short_max_ratio must be in [0, 1], not {options.short_max_ratio}")


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

    def __init__(self, options: DedupOptions | None = None) -> None:
        self.options = options = options or DedupOptions()
        validate(options)
        self.hasher = MinHasher(num_perm=options.num_perm, seed=1, n=options.ngram)
        self.batch_paragraphs = 2048
        self.stats: Counter[str] = Counter()
        self._scope_path: str | None = None
        self.reset()

    # -- state -------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every paragraph seen so far."""
        self._exact: dict[int, int] = {}
        self._bands = BandIndex(self.options.bands)
        self._doc_ids: list[str] = []
        self._para_doc = _Growing(np.uint32)
        self._para_index = _Growing(np.uint32)
        self._shingles = _RunStore()
        self._short_keys = _RunStore(chunk=1 << 20)  # short keys are a small share of the text
        # One cell per segment of a short paragraph: kept fuller than the bands, as there are three.
        self._segments = BandIndex(1, max_load=0.8)

    @property
    def nbytes(self) -> int:
        """Approximate memory held by the index (numpy arrays only)."""
        parts = (self._para_doc, self._para_index, self._shingles, self._short_keys)
        tables = (self._bands, self._segments)
        return sum(part.nbytes for part in parts) + sum(table.nbytes for table in tables)

    def __len__(self) -> int:
        """Number of indexed (kept) paragraphs."""
        return self._para_doc.size

    # -- public API ----------------------------------------------------------------------------

    def process(self, doc: Document) -> tuple[Document | None, list[Edit]]:
        """Remove from ``doc`` the paragraphs already seen; index the rest.

        Returns the document (``None`` if dropped as a duplicate document) and one edit per
        removal, replayable on ``doc.text``. Same result as :meth:`process_all` on one document.
        """
        return self._run([doc])[0]

    def process_all(self, docs: Iterable[Document]) -> Iterator[tuple[Document | None, list[Edit]]]:
        """:meth:`process` every document in order, lazily, working on batches of documents.

        Results are exactly those of calling :meth:`process` on each document in turn; grouping
        about ``batch_paragraphs`` paragraphs per round only saves per-call overhead (the array
        work of a round is done once for the whole batch).
        """
        batch: list[Document] = []
        size = 0
        for doc in docs:
            if self.options.scope == "file" and batch and doc.path != batch[-1].path:
                yield from self._run(batch)
                batch, size = [], 0
            batch.append(doc)
            size += len(doc.paragraphs)
            if size >= self.batch_paragraphs:
                yield from self._run(batch)
                batch, size = [], 0
        if batch:
            yield from self._run(batch)

    def add(self, doc_or_text: Document | str, id: str | None = None) -> int:
        """Index a document (or one text) as if processed; returns how many paragraphs were new."""
        if isinstance(doc_or_text, str):
            doc_or_text = Document(id=id or f"<text:{len(self._doc_ids)}>", text=doc_or_text)
        before = len(self)
        self.process(doc_or_text)
        return len(self) - before

    def is_duplicate(self, text: str) -> Match | None:
        """The indexed paragraph ``text`` duplicates (exactly, or nearly), or ``None``; indexes nothing."""
        batch = _Batch(self, ["<query>"], [text], [0, 1])
        if batch.analysis.content[0] < self.options.min_length:
            return None
        return self._match_row(batch, 0)

    # -- internals ---------------------------------------------------------------------------

    def _run(self, docs: list[Document]) -> list[tuple[Document | None, list[Edit]]]:
        options = self.options
        if options.scope == "off":
            return [(doc, []) for doc in docs]
        if options.scope == "file" and docs[0].path != self._scope_path:
            self.reset()
            self._scope_path = docs[0].path
        paragraphs: list[str] = []
        bounds = [0]
        for doc in docs:
            paragraphs.extend(doc.paragraphs)
            bounds.append(len(paragraphs))
        self.stats["documents"] += len(docs)
        self.stats["paragraphs"] += len(paragraphs)
        batch = _Batch(self, [doc.id for doc in docs], paragraphs, bounds)
        results: list[tuple[Document | None, list[Edit]]] = []
        for d, doc in enumerate(docs):
            rows = range(bounds[d], bounds[d + 1])
            for row in rows:
                if batch.analysis.content[row] < options.min_length:
                    continue
                match = self._match_row(batch, row)
                batch.matches[row] = match
                if match is None:
                    batch.available[row] = True
                    batch.seen_here.setdefault(batch.analysis.digests[row], row)
            doc_matches = [batch.matches[row] for row in rows]
            duplicate_of, ratio = self._duplicate_document(batch.analysis, rows, doc_matches, doc.id)
            report: list[Edit] = []
            if duplicate_of is not None:
                detail = {"kept": {"doc": duplicate_of, "similarity": round(ratio, 4)}, "paragraphs": len(rows)}
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
        self._index(batch)
        return results

    def _remove(self, doc: Document, matches: list[Match | None], edits: list[Edit]) -> tuple[Document, list[Edit]]:
        removed = {i: m for i, m in enumerate(matches) if m is not None}
        if not removed:
            return doc, edits
        for i, start, end in _removal_spans(doc, sorted(removed)):
            match = removed[i]
            self.stats[match.rule] += 1
            edits.append(Edit(STAGE, match.rule, start, end, doc.text[start:end], "", i, match.to_detail(i)))
        kept = [p for i, p in enumerate(doc.paragraphs) if i not in removed]
        return doc.with_text(PARAGRAPH_SEPARATOR.join(kept)), edits

    def _index_candidates(self, analysis: _Analysis) -> dict[int, list[int]]:
        """Indexed paragraphs sharing a band with each row: ``{row: [pid, …]}``."""
        candidates: dict[int, list[int]] = {}
        if analysis.near_rows.size == 0:
            return candidates
        rows, values = self._bands.query(analysis.fingerprints)
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
        hits, pids = self._segments.query(query_fps[:, None])
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

    def _match_row(self, batch: _Batch, row: int) -> Match | None:
        analysis = batch.analysis
        digest = analysis.digests[row]
        pid = self._exact.get(digest)
        if pid is not None:
            return Match("exact", *self._where(pid), 1.0)
        if digest in batch.seen_here:
            return Match("exact", *batch.where[batch.seen_here[digest]], 1.0)
        if analysis.is_short(row):
            return self._best_short(batch, row)
        best = self._best_indexed(analysis, row, batch.near_index.get(row, ()))
        if row in batch.near_local:
            mine = analysis.shingles(row)
            for other in batch.near_local[row]:
                if not batch.available[other]:
                    continue
                similarity = _jaccard(mine, analysis.shingles(other))
                if similarity >= self.options.threshold and (best is None or similarity > best.similarity):
                    best = Match("near", *batch.where[other], similarity)
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
                best = Match("near", *self._where(pid), similarity)
        return best

    def _best_short(self, batch: _Batch, row: int) -> Match | None:
        """The earliest paragraph ``row`` is a short near copy of with the fewest edits, if any."""
        options = self.options
        mine = batch.analysis.key(row).tolist()
        best: tuple[int, Match] | None = None
        others: list[tuple[np.ndarray, tuple[str, int]]] = []
        for pid in batch.short_index.get(row, ()):
            self.stats["candidates"] += 1
            others.append((self._short_keys.get(pid), self._where(pid)))
        for other in batch.short_local.get(row, ()):
            if batch.available[other]:
                others.append((batch.analysis.key(other), batch.where[other]))
        for key, (doc, para) in others:
            edits = short_near_edits(key.tolist(), mine, options.short_max_edits, options.short_max_ratio)
            if edits is None or (best is not None and edits >= best[0]):
                continue
            similarity = 1.0 - edits / max(key.size, len(mine))
            best = (edits, Match("short_near", doc, para, similarity, {"edits": edits}))
        return None if best is None else best[1]

    def _where(self, pid: int) -> tuple[str, int]:
        return self._doc_ids[int(self._para_doc.data[pid])], int(self._para_index.data[pid])

    def _duplicate_document(
        self, analysis: _Analysis, rows: range, matches: list[Match | None], doc_id: str
    ) -> tuple[str | None, float]:
        """The earlier document this one nearly repeats, if any, and the share of content it holds.

        Shares are counted in letters/digits/ideographs of the paragraphs long enough to be
        removed; a document qualifies when one earlier document holds copies (exact or near) of
        at least ``duplicate_document_ratio`` of it.
        """
        total = 0
        by_doc: Counter[str] = Counter()
        for row, match in zip(rows, matches, strict=True):
            content = analysis.content[row]
            if content < self.options.min_length:
                continue
            total += content
            if match is not None and match.doc != doc_id:
                by_doc[match.doc] += content
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
        """Add the kept rows of a batch to the index (exact keys, shingle sets, bands, short keys)."""
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
        for offset, row in enumerate(rows):
            self._exact.setdefault(analysis.digests[row], first_pid + offset)
        row_array = np.array(rows, dtype=np.int64)
        owners = np.array(batch.owner, dtype=np.int64)[row_array]
        self._para_doc.extend(np.array([doc_numbers[o] for o in owners.tolist()], dtype=np.uint32))
        self._para_index.extend((row_array - np.array(batch.bounds, dtype=np.int64)[owners]).astype(np.uint32))
        # Shingle sets of the near-matchable rows, copied in one gather.
        near = analysis.position_of[row_array]
        lengths = np.where(near >= 0, analysis.keys.lengths[row_array], 0)
        self._shingles.append(analysis.hashes[_ranges(analysis.key_starts[row_array], lengths)], lengths)
        pids = first_pid + np.arange(len(rows), dtype=np.int64)
        if (near >= 0).any():
            self._bands.insert(analysis.fingerprints[near[near >= 0]], pids[near >= 0].astype(np.uint32))
        self._index_short(analysis, row_array, pids)

    def _index_short(self, analysis: _Analysis, rows: np.ndarray, pids: np.ndarray) -> None:
        """Keys and segment fingerprints of the kept rows a later short paragraph may be compared with."""
        keys = analysis.keys
        segment = analysis.is_segment_row[rows]
        lengths = np.where(segment, keys.lengths[rows], 0)
        self._short_keys.append(keys.code_points[_ranges(analysis.key_starts[rows], lengths)], lengths)
        if segment.any():
            owners, fps = index_segments(
                keys.code_points, analysis.key_starts, keys.lengths, rows[segment], self.options.short_max_edits
            )
            pid_of = dict(zip(rows[segment].tolist(), pids[segment].tolist(), strict=True))
            self._segments.insert(fps[:, None], np.array([pid_of[o] for o in owners.tolist()], dtype=np.uint32))


class _Batch:
    """The documents of one round and what has been decided about each of their rows so far."""

    def __init__(self, dedup: Deduplicator, ids: list[str], paragraphs: list[str], bounds: list[int]) -> None:
        self.ids, self.bounds = ids, bounds
        self.analysis = analysis = _Analysis(dedup, paragraphs)
        self.owner: list[int] = np.repeat(np.arange(len(ids)), np.diff(bounds)).tolist()
        self.where = [(ids[d], row - bounds[d]) for row, d in enumerate(self.owner)]
        self.matches: list[Match | None] = [None] * len(paragraphs)
        self.available = [False] * len(paragraphs)  # kept rows later rows may match
        self.seen_here: dict[int, int] = {}
        self.indexed: list[int] = []
        self.near_index = dedup._index_candidates(analysis)
        self.near_local: dict[int, list[int]] = {}
        for x, y in candidate_pairs(analysis.fingerprints).tolist():
            self.near_local.setdefault(int(analysis.near_rows[y]), []).append(int(analysis.near_rows[x]))
        self.short_index, self.short_local = dedup._short_candidates(analysis)

    def withdraw(self, row: int) -> None:
        """``row`` is no longer kept (removed or dropped): later rows must not name it."""
        if self.available[row]:
            self.available[row] = False
            digest = self.analysis.digests[row]
            if self.seen_here.get(digest) == row:
                del self.seen_here[digest]

    def finish(self, d: int) -> None:
        """Document ``d`` is decided: its kept rows are final and will be indexed in this order."""
        self.indexed.extend(row for row in range(self.bounds[d], self.bounds[d + 1]) if self.available[row])


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, s + c)`` for each pair, without a Python loop."""
    offsets = np.cumsum(counts) - counts
    return np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(offsets - starts, counts)


class _Analysis:
    """Keys, lengths, digests, shingle sets and band fingerprints of a batch of paragraphs."""

    def __init__(self, dedup: Deduplicator, paragraphs: list[str]) -> None:
        options = dedup.options
        self.keys = keys = paragraph_keys(paragraphs)
        self.count = len(paragraphs)
        self.content = keys.content.tolist()
        self.digests = keys.digests.tolist()
        self.key_starts = np.cumsum(keys.lengths) - keys.lengths
        content = keys.content
        # Rows that can be removed or kept as an original.
        indexable = content >= options.min_length
        self._indexable = indexable
        # Rows decided by the short rule, and those a short one may be compared with (its length ± edits).
        short_on = options.short_near
        is_short = indexable & (content >= options.short_min_length) & (content <= options.short_max_length)
        self._short = is_short if short_on else np.zeros(self.count, dtype=bool)
        self.short_rows = np.flatnonzero(self._short)
        reach = options.short_max_edits
        in_reach = (content >= options.short_min_length - reach) & (content <= options.short_max_length + reach)
        self.is_segment_row = indexable & in_reach & short_on
        self.segment_rows = np.flatnonzero(self.is_segment_row)
        # Near rows: long enough for MinHash (as originals; short rows are decided by their edits).
        is_near = content >= max(options.min_near_length, options.min_length)
        near = np.flatnonzero(is_near)
        self.near_rows = near
        self.position_of = np.full(self.count, -1, dtype=np.int64)
        self.position_of[near] = np.arange(near.size)
        self.fingerprints = np.zeros((0, options.bands), dtype=np.uint32)
        # Each paragraph's shingle hashes (its set, with repeats), at the place of its key.
        self.hashes = run_shingle_hashes(keys.code_points, keys.lengths, options.ngram)
        if near.size:
            near_hashes = self.hashes[np.repeat(is_near, keys.lengths)]
            signatures = dedup.hasher.signatures_of_hashes(near_hashes, keys.lengths[near])
            self.fingerprints = band_fingerprints(signatures, options.bands, options.rows)

    def is_short(self, row: int) -> bool:
        return bool(self._short[row])

    def key(self, row: int) -> np.ndarray:
        start = int(self.key_starts[row])
        return self.keys.code_points[start : start + int(self.keys.lengths[row])]

    def shingles(self, row: int) -> np.ndarray:
        start = int(self.key_starts[row])
        return self.hashes[start : start + int(self.keys.lengths[row])]


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
