"""The Ray engine makes exactly what the local engine makes: outputs and audit record, byte for byte."""

from __future__ import annotations

import filecmp
import random
from pathlib import Path

import pytest

from cleaner import corpus, partitioning, ray_engine
from cleaner.config import discover_config
from cleaner.corpus import clean_corpus
from cleaner.errors import ConfigError
from cleaner.io.readers import SourceFile

from .conftest import CLEANED, SEEDS, in_run_cache


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not in_run_cache(p, root)
    }


def test_partitions_keep_the_order_and_cut_by_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(partitioning, "PARTITION_BYTES", 100)
    files = []
    for i, size in enumerate([30, 30, 30, 30, 500, 10, 10]):
        path = tmp_path / f"{i}.txt"
        path.write_bytes(b"x" * size)
        files.append(SourceFile(path, path.name, "text"))
    parts = partitioning.partitions(files)
    assert [[f.rel for f in part] for part in parts] == [
        ["0.txt", "1.txt", "2.txt"],
        ["3.txt"],
        ["4.txt"],
        ["5.txt", "6.txt"],
    ]


def test_an_unknown_engine_or_a_stray_address_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown engine"):
        clean_corpus(SEEDS, tmp_path / "out", engine="spark")
    with pytest.raises(ConfigError, match="--address is for --engine ray"):
        clean_corpus(SEEDS, tmp_path / "out", address="ray://head:10001")


def test_without_ray_the_engine_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_ray(name: str, *args: object, **kwargs: object) -> object:
        if name == "ray":
            raise ImportError("No module named 'ray'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(ConfigError, match=r"pip install 'cleaner\[ray\]'"):
        ray_engine.import_ray()


@pytest.mark.usefixtures("local_ray")
def test_seeds_on_ray_are_the_committed_cleaned(tmp_path: Path) -> None:
    config = discover_config(SEEDS)
    local = clean_corpus(SEEDS, tmp_path / "local", config, jobs=1)
    on_ray = clean_corpus(SEEDS, tmp_path / "ray", config, jobs=2, engine="ray")
    assert on_ray.exit_code == local.exit_code == 0
    assert _tree(tmp_path / "ray") == _tree(tmp_path / "local")
    committed = {name: data for name, data in _tree(CLEANED).items() if name.endswith(".txt")}
    assert {name: data for name, data in _tree(tmp_path / "ray").items() if name.endswith(".txt")} == committed


def _generated_corpus(root: Path) -> None:
    """Files with copies of each other's paragraphs (exact, re-wrapped, nearly), a JSON Lines file and
    an unreadable one, so that which copy is kept depends on the order across partitions."""
    rng = random.Random(7)
    seeds = sorted(SEEDS.glob("*.txt"))
    paragraphs = [p for path in seeds for p in path.read_text("utf-8").split("\n\n") if len(p) > 40]
    root.mkdir()
    for i in range(40):
        chosen = rng.sample(paragraphs, 6)
        if i % 3 == 0 and i:
            chosen[0] = chosen[0][: len(chosen[0]) // 2] + "\n" + chosen[0][len(chosen[0]) // 2 :]
        if i % 5 == 0:
            chosen[1] = chosen[1].replace("，", ",")
        (root / f"doc{i:03d}.txt").write_text("\n\n".join(chosen) + "\n", encoding="utf-8")
    lines = [f'{{"id": {i}, "text": "{rng.choice(paragraphs).replace(chr(10), " ")}"}}' for i in range(20)]
    (root / "records.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "broken.txt").write_bytes(b"\xff\xfe\x00\xd8 not text at all \x00\x00")


@pytest.fixture
def generated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The generated corpus, cut into tiny partitions: many tasks, finishing out of order, on both actors."""
    src = tmp_path / "src"
    _generated_corpus(src)
    monkeypatch.setattr(partitioning, "PARTITION_BYTES", 3000)
    return src


@pytest.mark.usefixtures("local_ray")
def test_a_generated_corpus_in_many_partitions_is_byte_identical(generated: Path, tmp_path: Path) -> None:
    src, config = generated, discover_config(SEEDS)
    local = clean_corpus(src, tmp_path / "local", config, jobs=1)
    on_ray = clean_corpus(src, tmp_path / "ray", config, jobs=2, engine="ray")
    assert local.files == on_ray.files == 42
    assert on_ray.edits_by_stage.get("dedup", 0) > 0, "the corpus should exercise dedup across files"
    comparison = filecmp.dircmp(tmp_path / "local", tmp_path / "ray")
    assert _tree(tmp_path / "ray") == _tree(tmp_path / "local"), comparison.diff_files
    assert (tmp_path / "ray" / ".cleaner" / "audit.jsonl.gz").read_bytes() == (
        tmp_path / "local" / ".cleaner" / "audit.jsonl.gz"
    ).read_bytes()


@pytest.mark.usefixtures("local_ray")
def test_the_readings_after_dedup_are_made_on_the_actors(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Documents dedup removed paragraphs from are read again (``Pipeline.relayout``) on the actors,
    not in the driver, and the output is the local engine's all the same."""
    src, config = generated, discover_config(SEEDS)
    on_actors: list[int] = []
    in_driver: list[int] = []
    real_on, real_here = ray_engine.relayouts_on, corpus.relayout_here
    monkeypatch.setattr(
        ray_engine, "relayouts_on", lambda ray, actors, docs: on_actors.append(len(docs)) or real_on(ray, actors, docs)
    )
    monkeypatch.setattr(
        corpus, "relayout_here", lambda pipeline, docs: in_driver.append(len(docs)) or real_here(pipeline, docs)
    )
    on_ray = clean_corpus(src, tmp_path / "ray", config, jobs=2, engine="ray")
    assert sum(on_actors) > 0 and in_driver == []
    monkeypatch.undo()
    local = clean_corpus(src, tmp_path / "local", config, jobs=1)
    assert on_ray.exit_code == local.exit_code
    assert _tree(tmp_path / "ray") == _tree(tmp_path / "local")


@pytest.mark.usefixtures("local_ray")
def test_a_rerun_on_ray_sends_only_the_changed_files_and_matches_a_full_run(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, config = generated, discover_config(SEEDS)
    assert clean_corpus(src, tmp_path / "ray", config, jobs=2, engine="ray").reused == 0
    (src / "doc001.txt").write_text((src / "doc007.txt").read_text("utf-8"), encoding="utf-8")  # copies, early
    sent: list[str] = []
    real_partitions = ray_engine.partitions
    monkeypatch.setattr(
        ray_engine, "partitions", lambda files: sent.extend(f.rel for f in files) or real_partitions(files)
    )
    again = clean_corpus(src, tmp_path / "ray", config, jobs=2, engine="ray")
    assert sent == ["broken.txt", "doc001.txt"]  # the unreadable file has no results to keep
    assert again.reused == 40
    clean_corpus(src, tmp_path / "local", config, jobs=1)
    assert _tree(tmp_path / "ray") == _tree(tmp_path / "local")
