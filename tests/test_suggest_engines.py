"""cleaner suggest on worker processes and on Ray writes the rule file the local engine writes, byte
for byte, pruned counts included; partition counts and occurrences merge exactly."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from bench.suggest_eval import generate, paragraphs
from cleaner import partitioning
from cleaner.errors import ConfigError
from cleaner.io.readers import DEFAULT_GLOBS, discover
from cleaner.suggest import engines, suggest
from cleaner.suggest.counting import NgramCounter
from cleaner.suggest.evidence import gather, merge_found
from cleaner.suggest.lookalike import lookalikes
from cleaner.suggest.mining import find_candidates
from cleaner.suggest.render import render_rules
from cleaner.suggest.scan import normalising_config, read_corpus

from .conftest import SEEDS

GOLD_SAMPLE = Path(__file__).resolve().parent / "data" / "accuracy" / "gold_sample.jsonl"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The gold sample with five look-alike confusions injected, in 20-paragraph files, a JSON
    Lines file and one file that cannot be read (its skip must be reported in the same place)."""
    root = tmp_path_factory.mktemp("generated")
    texts = generate(paragraphs(GOLD_SAMPLE), terms=5, seed=0).texts
    for n in range(0, len(texts), 20):
        (root / f"{n // 20:03d}.txt").write_text("\n\n".join(texts[n : n + 20]), encoding="utf-8")
    records = [json.dumps({"id": k, "text": text}, ensure_ascii=False) for k, text in enumerate(texts[:60])]
    (root / "records.jsonl").write_text("\n".join(records) + "\n", encoding="utf-8")
    (root / "050_broken.txt").write_bytes(b"\xff\xfe\x00\xd8 not text at all \x00\x00")
    return root


@pytest.fixture
def small_partitions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Partitions of about 8 KB: the generated corpus makes a dozen or more."""
    monkeypatch.setattr(partitioning, "PARTITION_BYTES", 8_000)


def _yaml(src: Path, **options: object) -> tuple[str, list[str], int]:
    report = suggest(src, top=40, **options)  # type: ignore[arg-type]
    return render_rules(report, "corpus/"), report.skipped, report.floor


@pytest.mark.usefixtures("small_partitions")
def test_worker_processes_write_the_local_rule_file(corpus: Path) -> None:
    assert len(partitioning.partitions(discover(corpus, DEFAULT_GLOBS))) >= 10
    local, skipped, floor = _yaml(corpus, jobs=1)
    assert local.count("- id:") >= 3 and floor == 0
    assert len(skipped) == 1 and "050_broken.txt" in skipped[0]
    assert _yaml(corpus, jobs=2) == (local, skipped, floor)
    assert _yaml(corpus, jobs=3) == (local, skipped, floor)


@pytest.mark.usefixtures("small_partitions")
def test_texts_read_again_or_kept_give_the_same_rule_file(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second read from the kept normalised texts, from the corpus again (a corpus too large
    to keep), or from the corpus after the disk filled up while keeping them: the same file."""
    kept = _yaml(corpus, jobs=1)
    monkeypatch.setattr(engines, "SPOOL_BYTES", 0)
    assert _yaml(corpus, jobs=1) == kept
    assert _yaml(corpus, jobs=2) == kept
    monkeypatch.undo()
    monkeypatch.setattr(partitioning, "PARTITION_BYTES", 8_000)

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(engines.pickle, "dump", disk_full)
    assert _yaml(corpus, jobs=1) == kept
    assert _yaml(corpus, jobs=2) == kept


@pytest.mark.usefixtures("small_partitions")
def test_pruned_counts_are_the_same_on_every_engine(corpus: Path) -> None:
    """Tables of at most 3,000 n-grams a size: partitions and merges drop n-grams, the same ones
    whatever the number of workers."""
    local, skipped, floor = _yaml(corpus, jobs=1, max_entries=3000)
    assert floor > 0
    assert local.count("- id:") >= 1
    assert local != _yaml(corpus, jobs=1)[0]  # pruning changed what is proposed
    assert _yaml(corpus, jobs=2, max_entries=3000) == (local, skipped, floor)


def test_partition_counts_merge_to_the_whole_corpus_counts() -> None:
    texts = [text.text for text in read_corpus(SEEDS, normalising_config())]
    whole = NgramCounter()
    for text in texts:
        whole.add(text)
    merged = NgramCounter()
    for part in (texts[:2], texts[2:3], texts[3:]):
        counter = NgramCounter()
        for text in part:
            counter.add(text)
        merged.merge(counter)
    for n in (1, 2, 3, 4):
        assert all((a == b).all() for a, b in zip(merged.table(n), whole.table(n), strict=True))
    assert merged.characters == whole.characters and merged.floor == 0


def test_pruned_merges_stay_bounded_and_within_the_floor() -> None:
    """Each table keeps at most ``max_entries`` n-grams after every merge, and every count kept is
    at most ``floor`` below the true one."""
    texts = [text.text for text in read_corpus(SEEDS, normalising_config())]
    true = Counter(text[k : k + 2] for text in texts for k in range(len(text) - 1))
    merged = NgramCounter(sizes=(2,), max_entries=400)
    for text in texts:
        part = NgramCounter(sizes=(2,), max_entries=400)
        part.add(text)
        assert len(part) <= 400
        merged.merge(part)
        assert len(merged) <= 400
    assert merged.floor >= merged.threshold > 0
    kept = list(merged.grams(2))
    assert kept and all(true[gram] - merged.floor <= count <= true[gram] for gram, count in kept)
    assert merged["渌口"] >= true["渌口"] - merged.floor > 0


def test_gathering_in_parts_with_the_evidence_counts_is_gathering_at_once() -> None:
    """What workers get (the counts the evidence pass looks up) and do (gather a part) changes
    nothing: the occurrences, contexts and places are those of one pass over the corpus."""
    texts = list(read_corpus(SEEDS, normalising_config()))
    counter = NgramCounter()
    for text in texts:
        counter.add(text.text)
    candidates = find_candidates(counter, lookalikes())
    whole = gather(candidates, texts, counter)
    evidence = counter.for_evidence({candidate.frequent for candidate in candidates})
    assert len(evidence) < len(counter) / 2
    merged: dict = {}
    for part in (texts[:1], texts[1:3], texts[3:]):
        merge_found(merged, gather(candidates, part, evidence))
    assert merged == whole
    assert sum(record.count for record in whole.values()) > 100


def test_an_unknown_engine_or_a_stray_address_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown engine"):
        suggest(SEEDS, engine="spark")
    with pytest.raises(ConfigError, match="--address is for --engine ray"):
        suggest(SEEDS, address="ray://head:10001")


@pytest.mark.usefixtures("local_ray")
def test_seeds_on_ray_write_the_local_rule_file() -> None:
    local = render_rules(suggest(SEEDS, top=40), "seeds/")
    assert "ocr-涪口" in local
    assert render_rules(suggest(SEEDS, top=40, engine="ray", jobs=2), "seeds/") == local


@pytest.mark.usefixtures("local_ray", "small_partitions")
def test_a_generated_corpus_on_ray_writes_the_local_rule_file(corpus: Path) -> None:
    for max_entries in (4_000_000, 3000):
        local = _yaml(corpus, jobs=1, max_entries=max_entries)
        assert _yaml(corpus, engine="ray", jobs=2, max_entries=max_entries) == local
