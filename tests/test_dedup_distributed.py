"""Near candidates verified elsewhere (cleaner.dedup.distributed) give the decisions of one process.

The verified pairs of a paragraph hold every earlier paragraph sharing a band with it, removed ones
too; the deduplicator must pass over those no longer kept (or withdrawn) and name the same kept copy
it would have found itself. Each case is run both ways on the same documents and compared, edit by
edit. Texts are paragraphs of the committed ``cleaned/`` corpus, with characters replaced.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from cleaner.config import DedupOptions, discover_config
from cleaner.corpus import clean_corpus
from cleaner.dedup import Deduplicator
from cleaner.dedup.distributed import (
    BandShard,
    NearPart,
    attached,
    same_key_pairs,
    verified_here,
)
from cleaner.dedup.sketch import Sketches, sketch_documents
from cleaner.model import Document, Edit
from cleaner.report import read_audit

from .conftest import CLEANED, SEEDS, in_run_cache

OPTIONS = DedupOptions()
LONG = [
    p
    for path in sorted(CLEANED.glob("*.txt"))
    for p in path.read_text("utf-8").split("\n\n")
    if 150 <= len(p) <= 400 and "\n" not in p
]
Files = list[list[Document]]
Step = tuple[Document | None, list[Edit]]


def changed(text: str, positions: range) -> str:
    """``text`` with the characters at ``positions`` replaced (each change costs up to five 5-grams)."""
    chars = list(text)
    for at in positions:
        chars[at] = "龘" if chars[at] != "龘" else "鱻"
    return "".join(chars)


def files_of(*texts: list[str]) -> Files:
    return [[Document(f"f{i:02d}.txt", "\n\n".join(paragraphs))] for i, paragraphs in enumerate(texts)]


def sketched(files: Files) -> list[Sketches]:
    return [sketch_documents(docs, OPTIONS) for docs in files]


def with_candidates(files: Files, per_part: int = 2) -> list[Sketches]:
    """Each file's sketches with its verified candidates, the files cut into partitions of ``per_part``."""
    sets = sketched(files)
    parts = [sets[i : i + per_part] for i in range(0, len(sets), per_part)]
    out: list[Sketches] = []
    first = 0
    for part, verified in zip(parts, verified_here(parts, OPTIONS), strict=True):
        assert verified.base == first
        out += [s for s in attached(part, first, verified) if s is not None]
        first += verified.count
    return out


def decide(
    files: Files,
    sketches: list[Sketches],
    dedup: Deduplicator | None = None,
    after_file: Callable[[Deduplicator, int], None] | None = None,
) -> tuple[list[Step], Deduplicator]:
    """Each document's step, the files fed in order (one ``process_all`` per file, so that
    ``after_file`` can withdraw one between them)."""
    dedup = Deduplicator(OPTIONS) if dedup is None else dedup
    dedup.provisional = True
    steps: list[Step] = []
    for i, (docs, made) in enumerate(zip(files, sketches, strict=True)):
        steps += dedup.process_all(list(zip(docs, made, strict=True)))
        if after_file:
            after_file(dedup, i)
    return steps, dedup


def both_ways(files: Files, **kwargs: object) -> tuple[list[Step], Deduplicator]:
    """The steps with candidates verified elsewhere, checked equal to those found here."""
    here, _ = decide(files, sketched(files), **kwargs)  # type: ignore[arg-type]
    given, dedup = decide(files, with_candidates(files), **kwargs)  # type: ignore[arg-type]
    assert dedup._given_near, "the verified candidates should have been used"
    assert given == here
    return given, dedup


def kept(step: Step) -> list[dict]:
    """The kept copies a step's removals name (not its reports of a near-duplicate document)."""
    return [edit.detail["kept"] for edit in step[1] if edit.detail and "kept" in edit.detail and not edit.is_event]


def test_the_best_match_removed_names_the_earlier_kept_one() -> None:
    a = LONG[0]
    x = changed(a, range(10, 60, 20))  # 3 changes: a near copy of a, removed
    y = changed(x, range(150, 151))  # one more: most like x, near a too
    steps, _ = both_ways(files_of([a], [x], [y]))
    assert [k["doc"] for k in kept(steps[1])] == ["f00.txt"]
    assert [(k["doc"], k["para"]) for k in kept(steps[2])] == [("f00.txt", 0)]
    # x was a candidate of y, and the more similar one: passing it over is what made the choice
    sketches = with_candidates(files_of([a], [x], [y]))
    y_sketch = sketches[2][0]
    assert y_sketch is not None and y_sketch.earlier.tolist() == [0, 1]
    assert y_sketch.similarity[1] > y_sketch.similarity[0] >= OPTIONS.threshold


def test_a_copy_of_a_removed_copy_is_kept() -> None:
    a = LONG[1]
    x = changed(a, range(10, 100, 20))  # removed as a near copy of a
    z = changed(x, range(110, 190, 20))  # near x, too far from a
    steps, _ = both_ways(files_of([a], [x], [z]))
    assert [k["doc"] for k in kept(steps[1])] == ["f00.txt"]
    assert kept(steps[2]) == [] and steps[2][0] is not None and steps[2][0].text == z
    z_sketch = with_candidates(files_of([a], [x], [z]))[2][0]
    assert z_sketch is not None and z_sketch.earlier.tolist() == [1]  # only x is near enough, and it is gone


def test_copies_of_a_withdrawn_file_are_kept_and_copies_of_the_others_go() -> None:
    a, b = LONG[2], LONG[3]
    files = files_of([a], [b], [changed(a, range(20, 60, 20)), changed(b, range(30, 70, 20))], [a + "。"])

    def withdraw_first(dedup: Deduplicator, i: int) -> None:
        dedup.withdraw("f00.txt") if i == 0 else dedup.settle(files[i][0].path)

    steps, _ = both_ways(files, after_file=withdraw_first)
    assert [k["doc"] for k in kept(steps[2])] == ["f01.txt"]  # the copy of b goes; that of a stays
    assert [k["doc"] for k in kept(steps[3])] == ["f02.txt"]  # a's near copy is the original now


def test_a_loaded_index_comes_before_this_runs_candidates(tmp_path: Path) -> None:
    a, b = LONG[4], LONG[5]
    first = files_of([a], [b])
    _, dedup = decide(first, sketched(first))
    dedup.save(tmp_path / "index")
    later = files_of([changed(a, range(10, 50, 20))], [changed(b, range(10, 50, 20)), b], [a])
    here, _ = decide(later, sketched(later), Deduplicator.load(tmp_path / "index", OPTIONS))
    given, loaded = decide(later, with_candidates(later), Deduplicator.load(tmp_path / "index", OPTIONS))
    assert loaded._given_near and given == here
    assert [k.get("index") for k in kept(given[0])] == [str(tmp_path / "index")]
    assert [k["doc"] for k in kept(given[1])] == ["f01.txt", "f01.txt"]


def test_a_near_copy_too_damaged_for_its_similarity_is_found_by_its_edits_alike() -> None:
    """Paragraphs of 46 to 80 characters are compared with every band candidate by their edit
    script, under the threshold too: those pairs must come back from the verification as well."""
    originals = [text[:60] for text in LONG[6:12]]
    copies = [changed(text, range(12, 60, 16)) for text in originals]  # 3 misread characters in 60
    steps, dedup = both_ways(files_of(originals[:3], originals[3:], copies[:3], copies[3:]))
    assert dedup.stats["short_near"] >= 3
    assert any(k.get("edits") == 3 for step in steps[2:] for k in kept(step))


def _generated(seed: int, count: int = 40) -> Files:
    """Files of paragraphs and near copies of them (copies of copies too), in random order."""
    rng = random.Random(seed)
    made: list[str] = []
    files: list[list[str]] = []
    for _ in range(count):
        paragraphs = []
        for _ in range(rng.randint(2, 6)):
            if made and rng.random() < 0.7:
                source = rng.choice(made)
                start = rng.randrange(0, 40)
                text = changed(source, range(start, min(len(source), start + 20 * rng.randint(0, 8)), 20))
            else:
                text = rng.choice(LONG)
            made.append(text)
            paragraphs.append(text)
        files.append(paragraphs)
    return files_of(*files)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_near_copies_are_decided_alike(seed: int) -> None:
    files = _generated(seed)
    _, dedup = both_ways(files)
    assert dedup.stats["near"] >= 10 and dedup.stats["exact"] >= 5


@pytest.mark.parametrize("per_part", [1, 3, 100])
def test_the_cut_into_partitions_changes_nothing(per_part: int) -> None:
    files = _generated(4)
    here, _ = decide(files, sketched(files))
    given, dedup = decide(files, with_candidates(files, per_part))
    assert dedup._given_near and given == here


def test_a_document_without_candidates_hands_the_rest_back_to_the_lookups_here() -> None:
    files = _generated(5)
    made = with_candidates(files)
    made[10] = sketched(files)[10]  # made without candidates (as where its sketch failed on a worker)
    here, _ = decide(files, sketched(files))
    given, dedup = decide(files, made)
    assert not dedup._given_near and given == here


def test_pairs_under_one_key_are_every_earlier_one_once() -> None:
    keys = np.array([7, 3, 7, 7, 3, 9], dtype=np.uint64)
    numbers = np.array([10, 11, 12, 13, 14, 15], dtype=np.int64)
    later, earlier = same_key_pairs(keys, numbers)
    assert sorted(zip(later.tolist(), earlier.tolist(), strict=True)) == [(12, 10), (13, 10), (13, 12), (14, 11)]


def test_shards_find_pairs_across_partitions_and_split_the_keys() -> None:
    bands = np.array([[1, 2], [3, 4]], dtype=np.uint32)
    none, zeros = np.zeros(0, dtype=np.uint32), np.array([0, 0])
    part = NearPart(bands, none, zeros, zeros)
    again = NearPart(np.array([[1, 9], [8, 4]], dtype=np.uint32), none, zeros, zeros)
    shards = [BandShard(k, 2) for k in range(2)]
    found = [[shard.pairs(n, p) for shard in shards] for n, p in enumerate([part, again])]
    assert [f.base for f in found[1]] == [2, 2]
    pairs = {(a, b) for f in found[1] for a, b in zip(f.later.tolist(), f.earlier.tolist(), strict=True)}
    assert pairs == {(2, 0), (3, 1)}  # band 0 fingerprint 1 (odd: shard 1), band 1 fingerprint 4 (even: shard 0)
    assert {tuple(f.later.tolist()) for f in found[1]} == {(2,), (3,)}


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not in_run_cache(p, root)
    }


def _written(folder: Path, seed: int, count: int) -> Path:
    """A generated corpus written as files, one document each, into ``folder``."""
    folder.mkdir()
    for docs in _generated(seed, count=count):
        (folder / docs[0].id).write_text(docs[0].text + "\n", encoding="utf-8")
    return folder


@pytest.mark.usefixtures("local_ray")
def test_on_ray_near_copies_across_partitions_are_decided_by_the_shards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cleaner import partitioning, ray_engine
    from cleaner.dedup import deduplicator

    src = _written(tmp_path / "src", 6, 60)
    monkeypatch.setattr(partitioning, "PARTITION_BYTES", 4000)
    monkeypatch.setattr(ray_engine, "ACTORS_PER_SHARD", 1)  # two shards: the band keys split between them
    config = discover_config(SEEDS)
    local = clean_corpus(src, tmp_path / "local", config, jobs=1)
    given: list[int] = []
    real = deduplicator.Deduplicator._best_given

    def counted(self: Deduplicator, batch: object, row: int, best: object) -> object:
        found = real(self, batch, row, best)  # type: ignore[arg-type]
        given.append(found is not None and found.rule == "near")
        return found

    monkeypatch.setattr(deduplicator.Deduplicator, "_best_given", counted)
    on_ray = clean_corpus(src, tmp_path / "ray", config, jobs=2, engine="ray")
    assert on_ray.exit_code == local.exit_code == 0
    assert sum(given) >= 10, "near copies should have been decided from the verified candidates"
    assert on_ray.edits_by_stage.get("dedup", 0) == local.edits_by_stage.get("dedup", 0) > 0
    assert _tree(tmp_path / "ray") == _tree(tmp_path / "local")


@pytest.mark.usefixtures("local_ray")
def test_on_ray_with_a_saved_index_the_second_run_matches_the_local_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    from cleaner import partitioning

    monkeypatch.setattr(partitioning, "PARTITION_BYTES", 4000)
    files = _generated(7, count=30)
    config = discover_config(SEEDS)
    trees = {}
    index = tmp_path / "index"
    run_config = dataclasses.replace(config, dedup=dataclasses.replace(config.dedup, index=str(index)))
    for engine in ("local", "ray"):
        shutil.rmtree(index, ignore_errors=True)
        index.mkdir()
        for half, docs in (("one", files[:15]), ("two", files[15:])):
            src = tmp_path / f"src-{half}"
            src.mkdir(exist_ok=True)
            for [doc] in docs:
                (src / doc.id).write_text(doc.text + "\n", encoding="utf-8")
            jobs = 2 if engine == "ray" else 1
            clean_corpus(src, tmp_path / f"{engine}-{half}", run_config, jobs=jobs, engine=engine)
        trees[engine] = _tree(tmp_path / f"{engine}-two")
    assert trees["ray"] == trees["local"]
    named = [
        record["detail"]["kept"]
        for record in read_audit(tmp_path / "ray-two" / ".cleaner" / "audit.jsonl.gz")
        if record.get("stage") == "dedup" and "kept" in (record.get("detail") or {})
    ]
    assert any(kept.get("index") for kept in named) and any(not kept.get("index") for kept in named)


def test_documents_dropped_whole_are_passed_over_alike() -> None:
    files = _generated(8)
    original = "\n\n".join(changed(text, range(1, 150, 3)) for text in LONG[-2:])  # new text
    files += [[Document("original.txt", original)], [Document("whole.txt", changed(original, range(40, 41)))]]
    dropping = DedupOptions(drop_duplicate_documents=True)
    here, _ = decide(files, sketched(files), Deduplicator(dropping))
    given, dedup = decide(files, with_candidates(files), Deduplicator(dropping))
    assert dedup._given_near and given == here
    assert given[-1][0] is None and dedup.stats["duplicate_documents_dropped"] >= 1


@pytest.mark.usefixtures("local_ray")
def test_on_ray_a_dead_band_shard_leaves_the_candidates_to_the_driver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import contextlib

    import ray

    from cleaner import partitioning, ray_engine
    from cleaner.dedup import deduplicator

    src = _written(tmp_path / "src", 9, 30)
    monkeypatch.setattr(partitioning, "PARTITION_BYTES", 4000)
    real_shards = ray_engine.shards_of

    @contextlib.contextmanager
    def dying(ray_module: object, count: int) -> object:
        with real_shards(ray_module, count) as shards:
            ray.kill(shards[0])
            yield shards

    monkeypatch.setattr(ray_engine, "shards_of", dying)
    given: list[object] = []
    real = deduplicator.Deduplicator._best_given

    def counted(self: Deduplicator, batch: deduplicator._Batch, row: int, best: object) -> object:
        if batch.given is not None and batch.given.by_row:
            given.append(row)
        return real(self, batch, row, best)  # type: ignore[arg-type]

    monkeypatch.setattr(deduplicator.Deduplicator, "_best_given", counted)
    config = discover_config(SEEDS)
    on_ray = clean_corpus(src, tmp_path / "ray", config, jobs=2, engine="ray")
    local = clean_corpus(src, tmp_path / "local", config, jobs=1)
    assert on_ray.exit_code == local.exit_code == 0
    assert given == [], "no candidates should have come from the dead shard"
    assert local.edits_by_stage.get("dedup", 0) > 0
    assert _tree(tmp_path / "ray") == _tree(tmp_path / "local")
