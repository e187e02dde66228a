"""Paragraph deduplication: exact and near-duplicate (MinHash LSH), within files or across a corpus.

Not a per-document stage: it keeps state across documents, so the corpus runner drives it::

    from cleaner.dedup import Deduplicator
    dedup = Deduplicator(config.dedup)
    for doc in documents_in_sorted_order:
        doc_or_none, edits = dedup.process(doc)

See :mod:`cleaner.dedup.deduplicator` for the rules, :mod:`cleaner.dedup.restore` for putting
removed paragraphs back from an audit record, and :mod:`cleaner.dedup.store` for the index saved
between runs (``Deduplicator.save`` / ``Deduplicator.load``).
"""

from cleaner.dedup.deduplicator import Deduplicator, Match
from cleaner.dedup.keys import normalise_key
from cleaner.dedup.minhash import MinHasher, shingle_hash, shingles

__all__ = ["Deduplicator", "Match", "MinHasher", "normalise_key", "shingle_hash", "shingles"]
