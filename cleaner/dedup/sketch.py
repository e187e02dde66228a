"""A document's sketch: what deduplication computes from its paragraphs alone, before any look-up.

Everything the deduplicator needs to know about a paragraph that depends on nothing else in the
corpus is computed here: its normalised key (:mod:`cleaner.dedup.keys`), how many letters, digits
and ideographs it holds, the 64-bit digest of its key (the exact rule), whether it is a line that
is never removed (a picture caption or credit, a label with its value), the LSH band fingerprints
of its MinHash signature (the near rule) and the sentence units of the document (the fragment
rule, :mod:`cleaner.dedup.units`). The corpus-wide part — the index look-ups, the verification
of candidates, the keep-first decisions in corpus order — is :class:`~cleaner.dedup.Deduplicator`'s.

A sketch is a few numpy arrays, picklable and compact, so the processes (or Ray actors) that run
the per-document stages make it right after the pipeline and send it back with the prepared
document — the sketches of a file's documents as one set of arrays (:class:`Sketches`); the
deduplicator then only reads them. Where a document comes without one (a single
process, the run cache, library use) the deduplicator makes it itself, with the same code, so a
decision never depends on where its sketch was made. What it does not hold is cheap to derive
again from what it does: the 5-gram hashes of each key (recomputed from the key's code points for
verification) and the rows each unit spans.

Size: the key's code points (2 bytes each when every one is in the Basic Multilingual Plane, as
for Chinese text: as much as the paragraph's own ``str``), 25 band fingerprints (100 bytes) per
paragraph long enough for the near rule, and 12 bytes per sentence unit.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import regex

from cleaner import blocks
from cleaner.config import DedupOptions
from cleaner.dedup.keys import paragraph_keys
from cleaner.dedup.lsh import band_fingerprints
from cleaner.dedup.minhash import MinHasher, run_shingle_hashes
from cleaner.dedup.units import unit_spans
from cleaner.model import TOO_LONG, Document
from cleaner.wrapping import is_label_line

# A caption or credit is a line this short (letters, digits, ideographs) at most.
CAPTION_MAX_LENGTH = 60
LABEL_MAX_LENGTH = 30
# A quotation's attribution on a line of its own: "-- 鲁迅《故乡》", "—— 王小明，软件发布手册".
# At most one comma, no other clause or sentence mark: a name and a title, not a dash-led sentence.
_ATTRIBUTION = regex.compile(
    r"^(?:--|——|—|―)[ \t]*[^\s，,。！？!?；;：:][^，,。！？!?；;：:]*(?:[，,][^，,。！？!?；;：:]*)?$"
)
_INT32_MAX = np.iinfo(np.int32).max


def _is_attribution(line: str) -> bool:
    """A dash, then a name with a title (``《…》``, or after a comma), or a name alone (a few
    characters): not a dash-led sentence, nor a line of one cut by the column (``——完善机制…同``)."""
    if _ATTRIBUTION.match(line) is None:
        return False
    return "《" in line or "，" in line or "," in line or len(line.lstrip("-—― \t")) <= 8


@dataclass(frozen=True)
class DocumentSketch:
    """The per-paragraph facts of one document the deduplicator looks up (see the module's docstring).

    ``made_with`` holds the options that shape it (:func:`made_with`): a deduplicator with other
    options makes the sketch again instead of using this one.
    """

    made_with: tuple[int | bool, ...]
    points: np.ndarray  # the keys' code points, one after another (uint16 if all fit, else uint32)
    lengths: np.ndarray  # characters per key
    content: np.ndarray  # letters, digits and ideographs per key
    digests: np.ndarray  # uint64 digest of each key (0 for an empty key)
    never_removed: np.ndarray  # bool: a one-line picture caption, credit or label
    bands: np.ndarray  # uint32 (near paragraphs, bands): band fingerprints of each near paragraph
    unit_fingerprints: np.ndarray  # uint32, one per sentence unit
    unit_starts: np.ndarray  # where each unit starts in ``points``
    unit_stops: np.ndarray  # and where it stops
    # The 5-gram hash at each key position, kept only by a sketch made where it is used (never sent:
    # 4 bytes a character, and cheap to make again from ``points``).
    hashes: np.ndarray | None = None

    def __len__(self) -> int:
        """Paragraphs sketched."""
        return int(self.lengths.size)

    @property
    def nbytes(self) -> int:
        """Bytes of its arrays."""
        arrays = (self.points, self.lengths, self.content, self.digests, self.never_removed, self.bands)
        return sum(a.nbytes for a in (*arrays, self.unit_fingerprints, self.unit_starts, self.unit_stops))


def made_with(options: DedupOptions) -> tuple[int | bool, ...]:
    """The options a sketch depends on: n-gram size, signature and bands, the length thresholds, fragments."""
    return (
        options.ngram,
        options.num_perm,
        options.bands,
        options.rows,
        options.min_length,
        options.min_near_length,
        options.fragments,
    )


def fits(sketch: DocumentSketch | None, options: DedupOptions, paragraphs: int) -> bool:
    """Whether ``sketch`` was made with ``options`` for a document of ``paragraphs`` paragraphs."""
    return sketch is not None and sketch.made_with == made_with(options) and len(sketch) == paragraphs


def sketch(doc: Document, options: DedupOptions) -> DocumentSketch:
    """The sketch of one document's paragraphs."""
    return sketch_paragraphs([doc.paragraphs], options)[0]


@dataclass(frozen=True)
class Sketches:
    """The sketches of several documents (a file's) in one set of arrays, cut by document: what a
    worker sends back. One set per file, not one per document: a JSON Lines file of short records
    would otherwise send more array headers than text. ``sketches[d]`` is document ``d``'s sketch
    (views of these arrays), or ``None`` for a document deduplication passes through unread."""

    made_with: tuple[int | bool, ...]
    points: np.ndarray
    lengths: np.ndarray
    content: np.ndarray
    digests: np.ndarray
    never_removed: np.ndarray
    bands: np.ndarray
    unit_fingerprints: np.ndarray
    unit_starts: np.ndarray  # from the start of the unit's document
    unit_stops: np.ndarray
    # Where each document's paragraphs, code points, near paragraphs and units start (documents + 1).
    rows: np.ndarray
    point_bounds: np.ndarray
    near_bounds: np.ndarray
    unit_bounds: np.ndarray
    read: np.ndarray  # bool per document: False for one passed through unread (``TOO_LONG``)
    hashes: np.ndarray | None = None  # as in DocumentSketch: only where made for local use

    def __len__(self) -> int:
        return int(self.read.size)

    def __getitem__(self, d: int) -> DocumentSketch | None:
        if not self.read[d]:
            return None
        r, p = slice(*self.rows[d : d + 2]), slice(*self.point_bounds[d : d + 2])
        n, u = slice(*self.near_bounds[d : d + 2]), slice(*self.unit_bounds[d : d + 2])
        return DocumentSketch(
            self.made_with,
            self.points[p],
            self.lengths[r],
            self.content[r],
            self.digests[r],
            self.never_removed[r],
            self.bands[n],
            self.unit_fingerprints[u],
            self.unit_starts[u],
            self.unit_stops[u],
            None if self.hashes is None else self.hashes[p],
        )

    def __iter__(self) -> Iterator[DocumentSketch | None]:
        return (self[d] for d in range(len(self)))

    @property
    def nbytes(self) -> int:
        """Bytes of its arrays."""
        bounds = (self.rows, self.point_bounds, self.near_bounds, self.unit_bounds, self.read)
        return sum(a.nbytes for a in bounds) + sum(a.nbytes for a in self._sketch_arrays())

    def _sketch_arrays(self) -> tuple[np.ndarray, ...]:
        return (
            self.points,
            self.lengths,
            self.content,
            self.digests,
            self.never_removed,
            self.bands,
            self.unit_fingerprints,
            self.unit_starts,
            self.unit_stops,
        )


def sketch_documents(docs: Sequence[Document], options: DedupOptions) -> Sketches:
    """Sketches of ``docs``, made together (one round of array work for all); ``None`` for a document
    the pipeline left as it was (``TOO_LONG``), which deduplication passes through unread."""
    read = [not doc.meta.get(TOO_LONG) for doc in docs]
    return sketch_set([doc.paragraphs if ok else [] for doc, ok in zip(docs, read, strict=True)], options, read)


def sketch_paragraphs(
    documents: Sequence[Sequence[str]], options: DedupOptions, local: bool = False
) -> list[DocumentSketch]:
    """Sketches of documents given as their paragraphs (see :func:`sketch_set`)."""
    return [made for made in sketch_set(documents, options, local=local) if made is not None]


def sketch_set(
    documents: Sequence[Sequence[str]],
    options: DedupOptions,
    read: Sequence[bool] | None = None,
    local: bool = False,
) -> Sketches:
    """Sketches of documents given as their paragraphs: the same as sketching each alone, computed
    for all of them at once (per-call numpy overhead would dominate many small documents).
    ``read``: which documents are sketched (the others are ``None``; give them no paragraphs).
    ``local``: made for the deduplicator of this process, so they keep the 5-gram hashes (which
    it would otherwise make again) and are not narrowed for sending."""
    paragraphs = [p for doc in documents for p in doc]
    rows = np.cumsum([0, *(len(doc) for doc in documents)])
    keys = paragraph_keys(paragraphs)
    point_bounds = np.concatenate(([0], np.cumsum(keys.lengths)))[rows]
    content = keys.content
    near = content >= max(options.min_near_length, options.min_length)
    bands = np.zeros((0, options.bands), dtype=np.uint32)
    hashes = run_shingle_hashes(keys.code_points, keys.lengths, options.ngram) if near.any() or local else None
    if hashes is not None and near.any():
        near_hashes = hashes[np.repeat(near, keys.lengths)]
        signatures = hasher(options.num_perm, options.ngram).signatures_of_hashes(near_hashes, keys.lengths[near])
        bands = band_fingerprints(signatures, options.bands, options.rows)
    fingerprints, starts, stops = unit_spans(keys.code_points, keys.lengths, point_bounds[:-1][np.diff(rows) > 0])
    if not options.fragments:
        fingerprints, starts, stops = fingerprints[:0], starts[:0], stops[:0]
    unit_bounds = np.searchsorted(starts, point_bounds)
    # Each unit's place from the start of its document, so a document's sketch stands alone.
    unit_doc_start = np.repeat(point_bounds[:-1], np.diff(unit_bounds))
    narrow, compact = (_same, _same) if local else (_narrow, _compact)
    return Sketches(
        made_with(options),
        narrow(keys.code_points),
        compact(keys.lengths),
        compact(content),
        keys.digests,
        _never_removed(paragraphs, content),
        bands,
        fingerprints,
        compact(starts - unit_doc_start),
        compact(stops - unit_doc_start),
        rows,
        point_bounds,
        np.concatenate(([0], np.cumsum(near)))[rows],
        unit_bounds,
        np.ones(len(documents), dtype=bool) if read is None else np.array(read, dtype=bool),
        hashes if local else None,
    )


@functools.lru_cache(maxsize=4)
def hasher(num_perm: int, ngram: int) -> MinHasher:
    """The MinHash signatures of the deduplicator (seed 1), made once per process."""
    return MinHasher(num_perm=num_perm, seed=1, n=ngram)


def _same(values: np.ndarray) -> np.ndarray:
    return values


def _narrow(points: np.ndarray) -> np.ndarray:
    """Code points as uint16 when all are in the Basic Multilingual Plane (half the bytes)."""
    return points.astype(np.uint16) if points.max(initial=0) <= 0xFFFF else points


def _compact(values: np.ndarray) -> np.ndarray:
    """Non-negative integers as int32 where they fit (they do but in a document of over 2³¹ characters)."""
    return values.astype(np.int32) if values.max(initial=0) <= _INT32_MAX else values.astype(np.int64)


def _never_removed(paragraphs: Sequence[str], content: np.ndarray) -> np.ndarray:
    """Which paragraphs are one line that reads as a picture caption or credit (``（本版图片由…提供）``,
    ``▲ 图为…。 李健 摄``), printed on every page with a picture, as a short label with its value
    (``作者：陆游（1125－1210）``), or as a quotation's attribution (``-- 鲁迅《故乡》``): a credit
    or a field's value recurs by nature."""
    found = np.zeros(len(paragraphs), dtype=bool)
    for row in np.flatnonzero(content <= CAPTION_MAX_LENGTH).tolist():
        text = paragraphs[row].strip()
        found[row] = "\n" not in text and (
            blocks.static_kind(text) == blocks.CAPTION
            or (content[row] < LABEL_MAX_LENGTH and is_label_line(text))
            or (content[row] < CAPTION_MAX_LENGTH and _is_attribution(text))
        )
    return found
