"""Dedup sketches: made where documents are prepared, they decide exactly what dedup made alone decides."""

from __future__ import annotations

import pickle
import random
import re
import sys
from pathlib import Path

import numpy as np

from cleaner.config import DedupOptions
from cleaner.corpus import Corpus, Prepared, _preparing
from cleaner.dedup import Deduplicator
from cleaner.dedup.sketch import DocumentSketch, sketch, sketch_documents, sketch_paragraphs
from cleaner.io.readers import discover
from cleaner.model import TOO_LONG, Document

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
FIELDS = (
    "points",
    "lengths",
    "content",
    "digests",
    "never_removed",
    "bands",
    "unit_fingerprints",
    "unit_starts",
    "unit_stops",
)


def seed_paragraphs() -> list[list[str]]:
    return [Document("x", path.read_text("utf-8")).paragraphs for path in sorted(SEEDS.glob("*.txt"))]


def corpus(count: int, seed: int = 3) -> list[Document]:
    """The seed pages, then pages made of their paragraphs: copied, reordered, some cut in two."""
    pages = seed_paragraphs()
    rng = random.Random(seed)
    documents = [Document.from_paragraphs(f"{n}.txt", page) for n, page in enumerate(pages)]
    pool = [p for page in pages for p in page]
    for number in range(count):
        paragraphs: list[str] = []
        for text in rng.sample(pool, rng.randint(2, 6)):
            if len(text) > 40 and rng.random() < 0.3:
                at = rng.randint(10, len(text) - 10)
                paragraphs.extend([text[:at], text[at:]])
            else:
                paragraphs.append(text)
        documents.append(Document.from_paragraphs(f"copy{number:02d}.txt", paragraphs))
    return documents


def same(a: DocumentSketch, b: DocumentSketch) -> bool:
    return a.made_with == b.made_with and all(np.array_equal(getattr(a, f), getattr(b, f)) for f in FIELDS)


def test_documents_sketched_together_as_each_alone():
    pages = seed_paragraphs()
    together = sketch_paragraphs(pages, DedupOptions())
    assert [len(s) for s in together] == [len(page) for page in pages]
    for page, made in zip(pages, together, strict=True):
        assert same(made, sketch_paragraphs([page], DedupOptions())[0])
        assert made.bands.shape[1] == DedupOptions().bands and made.bands.shape[0] > 0
        assert len(made.unit_fingerprints) > 0


def test_no_number_across_two_documents():
    # "…3。" then a document starting "。5…": the dot is no decimal point between them, so the
    # second document's units are the same next to the first as alone.
    first = ["全年税收增长到了百分之3。"]
    second = ["。5个乡镇已经全部完成改造任务，共计投入资金三千万元。"]
    together = sketch_paragraphs([first, second], DedupOptions())
    assert same(together[1], sketch_paragraphs([second], DedupOptions())[0])


def test_sketches_made_elsewhere_decide_the_same():
    documents = corpus(30)
    alone = Deduplicator()
    expected = list(alone.process_all(documents))
    assert alone.stats["exact"] > 10 and alone.stats["fragment"] > 0
    # Made in another process: as a worker sends them back, pickled.
    sketches = pickle.loads(pickle.dumps(sketch_documents(documents, DedupOptions())))
    given = Deduplicator()
    given.batch_paragraphs = 50
    assert list(given.process_all(zip(documents, sketches, strict=True))) == expected
    assert given.stats == alone.stats | {"candidates": given.stats["candidates"]}
    one = Deduplicator()
    assert [one.process(d, sketch(d, DedupOptions())) for d in documents] == expected


def test_a_sketch_made_with_other_options_is_made_again():
    documents = corpus(12)
    expected = list(Deduplicator().process_all(documents))
    other = sketch_documents(documents, DedupOptions(ngram=3))
    assert list(Deduplicator().process_all(zip(documents, other, strict=True))) == expected
    # One for another number of paragraphs (the document without its last one) is not taken either.
    shorter = sketch_paragraphs([d.paragraphs[:-1] for d in documents], DedupOptions())
    assert list(Deduplicator().process_all(zip(documents, shorter, strict=True))) == expected


def test_too_long_documents_have_no_sketch():
    text = seed_paragraphs()[0]
    documents = [Document.from_paragraphs("a", text), Document.from_paragraphs("b", text, {TOO_LONG: True})]
    made = sketch_documents(documents, DedupOptions())
    assert made[1] is None and made[0] is not None and len(made[0]) == len(text)


def test_a_file_of_short_records_sends_sketches_about_the_size_of_its_text():
    # Each sentence of the seeds a document, as in a JSON Lines file of short records: one set of
    # arrays for the file, not nine small arrays (each with its header) per record.
    text = "".join(page for pages in seed_paragraphs() for page in pages)
    sentences = [s for s in re.split(r"(?<=[。！？])", text.replace("\n", "")) if len(s) > 5]
    documents = [Document(f"r{n}", sentence) for n, sentence in enumerate(sentences)]
    made = sketch_documents(documents, DedupOptions())
    assert len(made) == len(documents) > 500
    sent = len(pickle.dumps(made, protocol=pickle.HIGHEST_PROTOCOL))
    assert sent < 2 * len(pickle.dumps([d.text for d in documents], protocol=pickle.HIGHEST_PROTOCOL))
    each = [sketch_paragraphs([d.paragraphs], DedupOptions())[0] for d in documents]
    assert all(same(a, b) for a, b in zip(made, each, strict=True))


def test_a_sketch_is_about_the_size_of_its_text():
    pages = seed_paragraphs()
    made = sketch_paragraphs(pages, DedupOptions())
    sketched = sum(s.nbytes for s in made)
    text = sum(sys.getsizeof(p) for page in pages for p in page)
    assert sketched < 1.6 * text


def test_workers_send_sketches_back():
    corpus_ = Corpus()
    files = discover(SEEDS)
    with _preparing(corpus_, files, "text", jobs=2) as items:
        prepared = [item for item in items if isinstance(item, Prepared)]
    assert len(prepared) == len(files)
    for item in prepared:
        documents = [result.document for result in item.results]
        assert item.sketches is not None
        for made, here in zip(item.sketches, sketch_documents(documents, corpus_.config.dedup), strict=True):
            assert made is not None and here is not None and same(made, here)
