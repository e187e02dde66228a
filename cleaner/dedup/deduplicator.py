"""The deduplicator: removes paragraphs already seen (exactly, or nearly) and records every removal.

Documents are fed one at a time, in a deterministic order; the first occurrence of a paragraph
is kept and later copies are removed. For each paragraph of a document:

1. Paragraphs with fewer than ``min_length`` letters, digits or ideographs are never touched:
   headings (``一、基本情况``), column labels (``观察``) and slogans recur legitimately.
2. Exact copies: the normalised key (whitespace removed, NFKC, punctuation variants folded; see
   :mod:`cleaner.dedup.keys`) has been seen before.
3. Near copies (paragraphs with at least ``min_near_length`` such characters): the MinHash
   signature of the key's character n-grams shares an LSH band with an earlier paragraph, and the
   true Jaccard similarity of the two n-gram sets is at least ``threshold``. The earlier paragraph
   with the highest similarity is named as the kept copy.

Only kept paragraphs are indexed, so the kept copy named in an edit is always still in the output.
Memory per indexed paragraph: one dict entry for its key digest, its band fingerprints (8 bytes
per band, at most half-full tables) and its shingle hashes (4 bytes per character) for verification
— never its text.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from cleaner.config import DedupOptions
from cleaner.dedup.keys import key_digest, normalise_key
from cleaner.dedup.lsh import BandIndex, band_fingerprints, candidate_pairs
from cleaner.dedup.minhash import MinHasher, shingle_hashes
from cleaner.errors import ConfigError
from cleaner.model import PARAGRAPH_SEPARATOR, Document, Edit

STAGE = "dedup"
_NOT_CONTENT = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Match:
    """The kept copy a paragraph duplicates: ``rule`` is ``"exact"`` or ``"near"``."""

    rule: str
    doc: str
    para: int
    similarity: float

    def to_detail(self, removed_para: int) -> dict[str, Any]:
        return {
            "kept": {"doc": self.doc, "para": self.para, "similarity": round(self.similarity, 4)},
            "removed_para": removed_para,
        }


def content_length(key: str) -> int:
    """Letters, digits and ideographs in ``key`` (punctuation and symbols do not count)."""
    return len(_NOT_CONTENT.sub("", key))


class _Growing:
    """An append-only numpy array with amortised doubling."""

    def __init__(self, dtype: Any) -> None:
        self.data = np.zeros(1024, dtype=dtype)
        self.size = 0

    def extend(self, values: np.ndarray) -> None:
        end = self.size + len(values)
        if end > self.data.size:
            grown = np.zeros(max(end, 2 * self.data.size), dtype=self.data.dtype)
            grown[: self.size] = self.data[: self.size]
            self.data = grown
        self.data[self.size : end] = values
        self.size = end

    @property
    def nbytes(self) -> int:
        return self.data.nbytes


def _jaccard(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.unique(a), np.unique(b)
    inter = np.intersect1d(a, b, assume_unique=True).size
    return inter / (a.size + b.size - inter)


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
        if options.bands * options.rows > options.num_perm:
            raise ConfigError(
                f"dedup: bands × rows ({options.bands} × {options.rows}) exceeds num_perm ({options.num_perm})"
            )
        if not 0.0 < options.threshold <= 1.0:
            raise ConfigError(f"dedup: threshold must be in (0, 1], not {options.threshold}")
        if options.ngram < 1:
            raise ConfigError(f"dedup: ngram must be at least 1, not {options.ngram}")
        self.hasher = MinHasher(num_perm=options.num_perm, seed=1, n=options.ngram)
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
        self._shingles = _Growing(np.uint32)
        self._shingle_start = _Growing(np.int64)
        self._shingle_length = _Growing(np.int32)

    @property
    def nbytes(self) -> int:
        """Approximate memory held by the index (numpy arrays only)."""
        arrays = (self._para_doc, self._para_index, self._shingles, self._shingle_start, self._shingle_length)
        return self._bands.nbytes + sum(a.nbytes for a in arrays)

    def __len__(self) -> int:
        """Number of indexed (kept) paragraphs."""
        return self._para_doc.size

    # -- public API ----------------------------------------------------------------------------

    def process(self, doc: Document) -> tuple[Document | None, list[Edit]]:
        """Remove from ``doc`` the paragraphs already seen; index the rest.

        Returns the document (``None`` if dropped as a duplicate document) and one edit per
        removal, replayable on ``doc.text``.
        """
        options = self.options
        if options.scope == "off":
            return doc, []
        if options.scope == "file" and doc.path != self._scope_path:
            self.reset()
            self._scope_path = doc.path
        paragraphs = doc.paragraphs
        self.stats["documents"] += 1
        self.stats["paragraphs"] += len(paragraphs)
        if not paragraphs:
            return doc, []
        analysis = _Analysis(self, paragraphs)
        matches = self._match(analysis, doc.id)
        edits: list[Edit] = []

        duplicate_of, ratio = self._duplicate_document(analysis, matches, doc.id)
        if duplicate_of is not None:
            detail = {"kept": {"doc": duplicate_of, "similarity": round(ratio, 4)}, "paragraphs": len(paragraphs)}
            if options.drop_duplicate_documents:
                self.stats["duplicate_documents_dropped"] += 1
                return None, [Edit(STAGE, "duplicate_document", 0, len(doc.text), doc.text, "", 0, detail)]
            self.stats["near_duplicate_documents"] += 1
            edits.append(Edit(STAGE, "near_duplicate_document", 0, 0, "", "", 0, detail))

        self._index(analysis, matches, doc.id)
        removed = {i: m for i, m in enumerate(matches) if m is not None}
        if not removed:
            return doc, edits
        for i, start, end in _removal_spans(doc, sorted(removed)):
            match = removed[i]
            self.stats[match.rule] += 1
            edits.append(Edit(STAGE, match.rule, start, end, doc.text[start:end], "", i, match.to_detail(i)))
        kept = [p for i, p in enumerate(paragraphs) if i not in removed]
        return doc.with_text(PARAGRAPH_SEPARATOR.join(kept)), edits

    def add(self, doc_or_text: Document | str, id: str | None = None) -> int:
        """Index a document (or one text) as if processed; returns how many paragraphs were new."""
        if isinstance(doc_or_text, str):
            doc_or_text = Document(id=id or f"<text:{len(self._doc_ids)}>", text=doc_or_text)
        before = len(self)
        self.process(doc_or_text)
        return len(self) - before

    def is_duplicate(self, text: str) -> Match | None:
        """The indexed paragraph ``text`` duplicates (exactly, or nearly), or ``None``; indexes nothing."""
        analysis = _Analysis(self, [text])
        return self._match(analysis, "<query>", in_document=False)[0]

    # -- internals ---------------------------------------------------------------------------

    def _match(self, analysis: _Analysis, doc_id: str, in_document: bool = True) -> list[Match | None]:
        options = self.options
        m = len(analysis.keys)
        matches: list[Match | None] = [None] * m
        # Near candidates: earlier documents via the band index, this document via a sort.
        candidates: dict[int, list[int]] = {}
        local: dict[int, list[int]] = {}
        if analysis.near_rows.size:
            rows, values = self._bands.query(analysis.fingerprints)
            if rows.size:
                pairs = np.unique((analysis.near_rows[rows].astype(np.int64) << 32) | values.astype(np.int64))
                for row, pid in zip((pairs >> 32).tolist(), (pairs & 0xFFFFFFFF).tolist(), strict=True):
                    candidates.setdefault(row, []).append(pid)
            if in_document:
                for x, y in candidate_pairs(analysis.fingerprints).tolist():
                    local.setdefault(int(analysis.near_rows[y]), []).append(int(analysis.near_rows[x]))
        seen_here: dict[int, int] = {}
        for i in range(m):
            if analysis.content[i] < options.min_length:
                continue
            digest = analysis.digests[i]
            pid = self._exact.get(digest)
            if pid is not None:
                matches[i] = Match("exact", *self._where(pid), 1.0)
                continue
            if digest in seen_here:
                matches[i] = Match("exact", doc_id, seen_here[digest], 1.0)
                continue
            best: Match | None = None
            if i in candidates or i in local:
                mine = analysis.shingles(i)
                for pid in candidates.get(i, ()):
                    similarity = _jaccard(mine, self._stored_shingles(pid))
                    if similarity >= options.threshold and (best is None or similarity > best.similarity):
                        best = Match("near", *self._where(pid), similarity)
                for j in local.get(i, ()):
                    if matches[j] is not None:
                        continue
                    similarity = _jaccard(mine, analysis.shingles(j))
                    if similarity >= options.threshold and (best is None or similarity > best.similarity):
                        best = Match("near", doc_id, j, similarity)
            matches[i] = best
            if best is None:
                seen_here[digest] = i
        return matches

    def _where(self, pid: int) -> tuple[str, int]:
        return self._doc_ids[int(self._para_doc.data[pid])], int(self._para_index.data[pid])

    def _stored_shingles(self, pid: int) -> np.ndarray:
        start = int(self._shingle_start.data[pid])
        return self._shingles.data[start : start + int(self._shingle_length.data[pid])]

    def _duplicate_document(
        self, analysis: _Analysis, matches: list[Match | None], doc_id: str
    ) -> tuple[str | None, float]:
        """The earlier document this one nearly repeats (share of content ≥ the ratio), if any."""
        total = 0
        by_doc: Counter[str] = Counter()
        for i, match in enumerate(matches):
            if analysis.content[i] < self.options.min_length:
                continue
            total += analysis.content[i]
            if match is not None and match.doc != doc_id:
                by_doc[match.doc] += analysis.content[i]
        if not total or not by_doc:
            return None, 0.0
        duplicated = sum(by_doc.values())
        ratio = duplicated / total
        if ratio < self.options.duplicate_document_ratio:
            return None, ratio
        return by_doc.most_common(1)[0][0], ratio

    def _index(self, analysis: _Analysis, matches: list[Match | None], doc_id: str) -> None:
        keep = [
            i for i, match in enumerate(matches) if match is None and analysis.content[i] >= self.options.min_length
        ]
        if not keep:
            return
        doc_number = len(self._doc_ids)
        self._doc_ids.append(doc_id)
        first_pid = len(self)
        for offset, i in enumerate(keep):
            self._exact.setdefault(analysis.digests[i], first_pid + offset)
        self._para_doc.extend(np.full(len(keep), doc_number, dtype=np.uint32))
        self._para_index.extend(np.array(keep, dtype=np.uint32))
        starts = np.zeros(len(keep), dtype=np.int64)
        lengths = np.zeros(len(keep), dtype=np.int32)
        near_keep = []
        for offset, i in enumerate(keep):
            position = analysis.near_position.get(i)
            if position is None:
                starts[offset] = self._shingles.size
                continue
            run = analysis.shingles(i)
            starts[offset] = self._shingles.size
            lengths[offset] = run.size
            self._shingles.extend(run)
            near_keep.append((position, first_pid + offset))
        self._shingle_start.extend(starts)
        self._shingle_length.extend(lengths)
        if near_keep:
            positions, pids = zip(*near_keep, strict=True)
            self._bands.insert(analysis.fingerprints[list(positions)], np.array(pids, dtype=np.uint32))


class _Analysis:
    """Keys, digests, lengths, shingle hashes and band fingerprints of one document's paragraphs."""

    def __init__(self, dedup: Deduplicator, paragraphs: list[str]) -> None:
        options = dedup.options
        self.keys = [normalise_key(p) for p in paragraphs]
        self.content = [content_length(k) for k in self.keys]
        pairs = zip(self.keys, self.content, strict=True)
        self.digests = [key_digest(k) if c >= options.min_length else 0 for k, c in pairs]
        near = [i for i, c in enumerate(self.content) if c >= max(options.min_near_length, options.min_length)]
        self.near_rows = np.array(near, dtype=np.int64)
        self.near_position = {i: position for position, i in enumerate(near)}
        near_keys = [self.keys[i] for i in near]
        self.hashes, self.lengths = shingle_hashes(near_keys, options.ngram)
        self.starts = np.cumsum(self.lengths) - self.lengths
        if near:
            signatures = dedup.hasher.signatures_of_hashes(self.hashes, self.lengths)
            self.fingerprints = band_fingerprints(signatures, options.bands, options.rows)
        else:
            self.fingerprints = np.zeros((0, options.bands), dtype=np.uint32)

    def shingles(self, i: int) -> np.ndarray:
        position = self.near_position[i]
        start = int(self.starts[position])
        return self.hashes[start : start + int(self.lengths[position])]


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
