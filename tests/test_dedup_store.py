"""``--dedup-index``: cleaning batch A then batch B against the saved index gives for B exactly what
one run over A and B gives for B's files, and an index that does not fit is refused."""

from __future__ import annotations

import gzip
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cleaner.audit_file import audit_lines
from cleaner.cli import app, clean_app
from cleaner.config import Config, DedupOptions, discover_config, load_config
from cleaner.corpus import clean_corpus
from cleaner.dedup import Deduplicator
from cleaner.dedup.store import DamagedIndexError, IndexNotSavedError, _checksum
from cleaner.io.locking import folder_lock
from cleaner.model import Document

from .conftest import SEEDS, in_run_cache

RULES = ("exact", "near", "short_near", "fragment")


def _pools() -> tuple[list[str], list[str]]:
    """Long one-line paragraphs of the seeds, and sentences of 22 to 40 characters from them."""
    paragraphs = [
        p for path in sorted(SEEDS.glob("*.txt")) for p in path.read_text("utf-8").split("\n\n") if "\n" not in p
    ]
    long = [p for p in paragraphs if 90 <= len(p) <= 400 and p.count("。") >= 2]
    sentences = [
        s + "。" for p in long for s in p.split("。") if 22 <= len(s) <= 40 and not any(c.isdigit() for c in s)
    ]
    return long, sentences


def _near(text: str, rng: random.Random) -> str:
    """Two characters dropped from the middle half: a near copy (Jaccard of 5-grams about 0.8)."""
    for _ in range(2):
        at = rng.randrange(len(text) // 4, 3 * len(text) // 4)
        text = text[:at] + text[at + 1 :]
    return text


def _misread(sentence: str, rng: random.Random) -> str:
    """One ideograph changed to another: a short near copy."""
    at = next(i for i in range(len(sentence) // 2, len(sentence)) if "\u4e00" <= sentence[i] <= "\u9fff")
    return sentence[:at] + ("国" if sentence[at] != "国" else "民") + sentence[at + 1 :]


def _fragmented(text: str) -> str:
    """The paragraph cut into two at the sentence end nearest its middle."""
    ends = [i + 1 for i, c in enumerate(text) if c == "。" and i + 1 < len(text)]
    cut = min(ends, key=lambda i: abs(i - len(text) // 2))
    return text[:cut] + "\n\n" + text[cut:]


def _rewrapped(text: str) -> str:
    return text[: len(text) // 2] + "\n" + text[len(text) // 2 :]


def _write_batches(root: Path) -> tuple[Path, Path]:
    """Batch A, then batch B holding exact, near, re-wrapped, short near and fragment copies of A's
    paragraphs (and of each other's), a whole copy of one of A's files, and new text."""
    rng = random.Random(5)
    long, sentences = _pools()
    a, b = root / "A", root / "B"
    a.mkdir(parents=True)
    b.mkdir()
    a_files: list[list[str]] = []
    for i in range(10):
        chosen = [*rng.sample(long, 4), rng.choice(sentences), rng.choice(long)]
        a_files.append(chosen)
        (a / f"a{i:02d}.txt").write_text("\n\n".join(chosen) + "\n", encoding="utf-8")
    a_long = [p for chosen in a_files for p in chosen if len(p) >= 90]
    a_short = [p for chosen in a_files for p in chosen if len(p) < 90]
    for i in range(10):
        chosen = [
            rng.choice(a_long),
            _near(rng.choice(a_long), rng),
            _rewrapped(rng.choice(a_long)),
            _misread(rng.choice(a_short), rng),
            _fragmented(rng.choice(a_long)),
            rng.choice(long),
            rng.choice(sentences),
        ]
        rng.shuffle(chosen)
        (b / f"b{i:02d}.txt").write_text("\n\n".join(chosen) + "\n", encoding="utf-8")
    (b / "b99.txt").write_text((a / "a03.txt").read_text("utf-8"), encoding="utf-8")
    return a, b


def _outputs(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".cleaner" not in p.relative_to(root).parts and not in_run_cache(p, root)
    }


def clean(*args: str | Path, input: str | None = None) -> Result:
    return CliRunner().invoke(clean_app, [str(a) for a in args], input=input)


def _audit(dst: Path) -> list[dict]:
    with gzip.open(dst / ".cleaner" / "audit.jsonl.gz", "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def _earlier_removals(dst: Path) -> list[tuple[str, str, str]]:
    """``(rule, kept doc, index)`` of each dedup removal whose kept copy an earlier run kept."""
    found = []
    for _, record in audit_lines(dst / ".cleaner" / "audit.jsonl.gz"):
        assert isinstance(record, dict)
        kept = (record.get("detail") or {}).get("kept") or {}
        if record.get("stage") == "dedup" and "index" in kept:
            found.append((record["rule"], kept["doc"], kept["index"]))
    return found


@pytest.fixture(scope="module")
def batches(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The two batches, and one run over both (A's files first: ``A/`` sorts before ``B/``)."""
    root = tmp_path_factory.mktemp("batches")
    a, b = _write_batches(root / "src")
    whole = clean_corpus(root / "src", root / "whole", discover_config(SEEDS), jobs=1)
    assert whole.files == 21
    return a, b, root / "whole"


def _by_batch(a: Path, b: Path, out: Path, jobs: int = 1) -> Path:
    """A, then B, each in a run of its own with the index ``out/idx``; B's output folder."""
    config = discover_config(SEEDS).with_options({"dedup": {"index": str(out / "idx")}})
    clean_corpus(a, out / "A", config, jobs=jobs)
    clean_corpus(b, out / "B", config, jobs=jobs)
    return out / "B"


def test_a_batch_cleaned_against_the_index_is_what_one_run_over_both_makes(batches, tmp_path: Path) -> None:
    a, b, whole = batches
    second = _by_batch(a, b, tmp_path)
    together = _outputs(whole / "B")
    assert _outputs(second) == together
    # Every rule removes copies of A's paragraphs from B, each naming its kept copy in A and the index.
    removals = _earlier_removals(second)
    assert {rule for rule, _, _ in removals} >= {*RULES, "near_duplicate_document"}, removals
    a_names = {p.name for p in a.glob("*.txt")}
    assert all(doc in a_names and index == str(tmp_path / "idx") for _, doc, index in removals)
    # A's outputs are the same as well, and the audit records of B still verify and restore alone.
    assert _outputs(tmp_path / "A") == _outputs(whole / "A")
    result = CliRunner().invoke(app, ["verify", str(b), str(second)])
    assert result.exit_code == 0, result.output


def _paragraphs(path: Path) -> str:
    """A file's text as the pipeline would give it to dedup: one paragraph per blank-line block, joined."""
    blocks = [" ".join(block.split("\n")) for block in path.read_text("utf-8").strip().split("\n\n")]
    return "\n\n".join(block.replace(" ", "") for block in blocks)


def test_the_library_gives_the_same_decisions_loaded_as_in_one_run(batches, tmp_path: Path) -> None:
    a, b, _ = batches
    options = discover_config(SEEDS).dedup
    one = Deduplicator(options)
    first = Deduplicator(options)
    for path in sorted(a.glob("*.txt")):
        text = _paragraphs(path)
        assert one.process(Document(path.name, text)) == first.process(Document(path.name, text))
    first.save(tmp_path / "idx", 10)
    second = Deduplicator.load(tmp_path / "idx", options)
    assert len(second) == len(first) and second.earlier == len(first)
    for path in sorted(b.glob("*.txt")):
        text = _paragraphs(path)
        doc, edits = one.process(Document("B/" + path.name, text))
        doc2, edits2 = second.process(Document("B/" + path.name, text))
        assert doc2 == doc
        assert [(e.rule, e.start, e.end, e.before, e.detail["kept"].get("doc")) for e in edits2] == [
            (e.rule, e.start, e.end, e.before, e.detail["kept"].get("doc")) for e in edits
        ]


def test_two_jobs_make_the_same_outputs_audit_and_index_as_one(batches, tmp_path: Path) -> None:
    a, b, _ = batches
    one = _by_batch(a, b, tmp_path / "one", jobs=1)
    two = _by_batch(a, b, tmp_path / "two", jobs=2)
    assert _outputs(two) == _outputs(one)
    named = [json.dumps(r, ensure_ascii=False).replace(str(tmp_path / "two"), "X") for r in _audit(two)]
    assert named == [json.dumps(r, ensure_ascii=False).replace(str(tmp_path / "one"), "X") for r in _audit(one)]
    assert _outputs(tmp_path / "two" / "idx") == _outputs(tmp_path / "one" / "idx")


def test_an_index_made_with_other_dedup_options_is_refused(batches, tmp_path: Path) -> None:
    a, b, _ = batches
    _by_batch(a, b, tmp_path)
    other = Config(dedup=DedupOptions(threshold=0.8, index=str(tmp_path / "idx")))
    with pytest.raises(DamagedIndexError, match=r"threshold 0\.7 \(this run: 0\.8\)"):
        clean_corpus(b, tmp_path / "again", other)
    (tmp_path / "cleaner.toml").write_text("[dedup]\nngram = 4\n", encoding="utf-8")
    result = clean(b, tmp_path / "cli", "--config", tmp_path / "cleaner.toml", "--dedup-index", tmp_path / "idx")
    assert result.exit_code == 2
    assert "other dedup options: ngram 5 (this run: 4)" in result.stderr
    assert not (tmp_path / "cli").exists() or not _outputs(tmp_path / "cli")


def _flip_byte(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda g: _flip_byte(g / "bands.keys.npy", -3), "bands.keys.npy does not match its checksum"),
        (lambda g: _flip_byte(g / "shingles.values.npy", 200), "shingles.values.npy does not match its checksum"),
        (lambda g: (g / "doc_ids.json").unlink(), "doc_ids.json"),
        (lambda g: _flip_byte(g / "header.json", 40), "header.json"),
        (lambda g: (g.parent / "current.json").write_text("{}", encoding="utf-8"), "names no generation"),
    ],
)
def test_a_damaged_index_is_refused_with_exit_2(batches, tmp_path: Path, damage, message: str) -> None:
    a, _, _ = batches
    result = clean(str(a), str(tmp_path / "A"), "-q", "--dedup-index", str(tmp_path / "idx"))
    assert result.exit_code == 0, result.stderr
    (generation,) = (tmp_path / "idx").glob("gen-*")
    damage(generation)
    result = clean(str(a), str(tmp_path / "B"), "-q", "--dedup-index", str(tmp_path / "idx"))
    assert result.exit_code == 2
    assert message in result.stderr


def test_a_table_whose_entries_do_not_add_up_is_refused_even_with_matching_checksums(tmp_path: Path) -> None:
    dedup = Deduplicator()
    dedup.add("教育是民生之基，牵动着千家万户。渌口区教育事业发展迅速，办学条件不断改善。", "a.txt")
    dedup.save(tmp_path / "idx", 1)
    (generation,) = (tmp_path / "idx").glob("gen-*")
    header = json.loads((generation / "header.json").read_text("utf-8"))
    header["tables"]["bands"]["size"] += 1
    header["checksum"] = _checksum(header)
    (generation / "header.json").write_text(json.dumps(header), encoding="utf-8")
    with pytest.raises(DamagedIndexError, match="table bands does not hold 2 entries"):
        Deduplicator.load(tmp_path / "idx")


def test_an_index_made_before_a_dedup_option_existed_asks_to_be_made_again(tmp_path: Path) -> None:
    """An index whose header lacks options of this version was made by an earlier one: no option
    this run could set matches it, so the message says to make it again."""
    dedup = Deduplicator()
    dedup.add("教育是民生之基，牵动着千家万户。渌口区教育事业发展迅速，办学条件不断改善。", "a.txt")
    dedup.save(tmp_path / "idx", 1)
    (generation,) = (tmp_path / "idx").glob("gen-*")
    header = json.loads((generation / "header.json").read_text("utf-8"))
    del header["options"]["near_max_edits"], header["options"]["near_edits_max_length"]
    header["checksum"] = _checksum(header)
    (generation / "header.json").write_text(json.dumps(header), encoding="utf-8")
    with pytest.raises(
        DamagedIndexError,
        match="earlier version of cleaner, before the dedup options near_edits_max_length, near_max_edits: make it",
    ):
        Deduplicator.load(tmp_path / "idx")


KILLED_WHILE_SAVING = """
import os, signal, sys
from cleaner.dedup import store
from cleaner.cli import clean_main
def killed(*args):
    os.kill(os.getpid(), signal.SIGKILL)
store.os.rename = killed  # the new generation is written, not yet renamed into place
sys.argv = ["clean", *sys.argv[1:]]
clean_main()
"""


def test_a_run_killed_while_saving_leaves_the_old_index(batches, tmp_path: Path) -> None:
    a, b, _ = batches
    index = tmp_path / "idx"
    result = clean(str(a), str(tmp_path / "A"), "-q", "--dedup-index", str(index))
    assert result.exit_code == 0, result.stderr
    before = _outputs(index)
    args = [str(b), str(tmp_path / "B"), "-q", "--dedup-index", str(index)]
    killed = subprocess.run([sys.executable, "-c", KILLED_WHILE_SAVING, *args], capture_output=True, check=False)
    assert killed.returncode == -9
    assert any(p.name.startswith(".tmp-") for p in index.iterdir()), "it was killed while saving"
    assert {k: v for k, v in _outputs(index).items() if not k.startswith(".tmp-")} == before
    # The old index is used as it was: cleaning B again matches the run over both.
    result = clean(*args)
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in index.iterdir()) == ["current.json", "gen-000002"]
    assert json.loads((index / "gen-000002" / "header.json").read_text("utf-8"))["runs"][0]["documents"] == 10


def test_the_run_cache_is_not_used_with_an_index(batches, tmp_path: Path) -> None:
    a, b, whole = batches
    plain = clean_corpus(b, tmp_path / "B", discover_config(SEEDS))
    again = clean_corpus(b, tmp_path / "B", discover_config(SEEDS))
    assert again.reused == plain.files  # the cache works without an index
    config = discover_config(SEEDS).with_options({"dedup": {"index": str(tmp_path / "idx")}})
    clean_corpus(a, tmp_path / "A", config)
    with_index = clean_corpus(b, tmp_path / "B", config)
    assert with_index.reused == 0
    assert not (tmp_path / "B" / ".cleaner" / "cache" / "manifest.json").exists()
    assert _outputs(tmp_path / "B") == _outputs(whole / "B")


def test_an_index_needs_corpus_scope_and_a_folder_outside_src(batches, tmp_path: Path) -> None:
    a, _, _ = batches
    result = clean(str(a), str(tmp_path / "o"), "--dedup", "file", "--dedup-index", "idx")
    assert result.exit_code == 2 and "corpus-wide dedup" in result.stderr
    result = clean(str(a), str(tmp_path / "o"), "--dedup-index", str(a / "idx"))
    assert result.exit_code == 2 and "inside SRC" in result.stderr
    result = clean("-", str(tmp_path / "o.txt"), "--dedup-index", "idx", input="文本。\n")
    assert result.exit_code == 2 and "standard input" in result.stderr


def test_an_index_named_in_a_config_file_is_relative_to_it(tmp_path: Path) -> None:
    (tmp_path / "cleaner.toml").write_text('[dedup]\nindex = "archive/idx"\n', encoding="utf-8")
    assert load_config(tmp_path / "cleaner.toml").dedup.index == str(tmp_path.absolute() / "archive" / "idx")
    assert Config().with_options({"dedup": {"index": "idx"}}).dedup.index == "idx"


def test_an_index_a_failed_batch_left_incomplete_is_not_saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dedup = Deduplicator()
    dedup.add("教育是民生之基，牵动着千家万户。渌口区教育事业发展迅速，办学条件不断改善。", "a.txt")
    dedup.save(tmp_path / "idx", 1)
    before = _outputs(tmp_path / "idx")

    def failing(*args: object) -> None:
        raise MemoryError("no room")

    monkeypatch.setattr(dedup, "_index_short", failing)  # after the exact keys and shingles were indexed
    _, edits = dedup.process(Document("b.txt", "全区学校办学条件不断改善，师资队伍建设持续加强，教育质量稳步提高。"))
    assert [e.rule for e in edits] == ["dedup_failed"]
    with pytest.raises(IndexNotSavedError, match="previous index is unchanged"):
        dedup.save(tmp_path / "idx", 2)
    assert _outputs(tmp_path / "idx") == before


def test_restore_puts_back_copies_of_an_earlier_batch_from_the_new_output_alone(batches, tmp_path: Path) -> None:
    a, b, _ = batches
    second = _by_batch(a, b, tmp_path)
    shutil.rmtree(tmp_path / "A")  # nothing of the earlier run but the index is left
    shutil.rmtree(tmp_path / "idx")
    audit = second / ".cleaner" / "audit.jsonl.gz"
    result = CliRunner().invoke(app, ["restore", str(audit), str(second), "--out", str(tmp_path / "restored")])
    assert result.exit_code == 0, result.output
    undeduplicated = clean(b, tmp_path / "nodedup", "-q", "--dedup", "off")
    assert undeduplicated.exit_code == 0, undeduplicated.stderr
    restored = _outputs(tmp_path / "restored")
    assert restored and restored == {k: v for k, v in _outputs(tmp_path / "nodedup").items() if k in restored}
    assert len(restored) == len(list(b.glob("*.txt")))  # every file of B lost a copy of A


def test_a_header_that_leaves_a_file_unchecked_is_refused(tmp_path: Path) -> None:
    Deduplicator().save(tmp_path / "idx", 0)  # an empty index loads: a first batch with no text
    assert len(Deduplicator.load(tmp_path / "idx")) == 0
    (generation,) = (tmp_path / "idx").glob("gen-*")
    header = json.loads((generation / "header.json").read_text("utf-8"))
    del header["files"]["para_doc.npy"]
    header["checksum"] = _checksum(header)
    (generation / "header.json").write_text(json.dumps(header), encoding="utf-8")
    with pytest.raises(DamagedIndexError, match=r"lists no checksum for para_doc\.npy"):
        Deduplicator.load(tmp_path / "idx")


def test_dropped_duplicate_documents_stay_dropped_across_batches(batches, tmp_path: Path) -> None:
    a, b, _ = batches
    config = discover_config(SEEDS).with_options({"dedup": {"drop_duplicate_documents": True}})
    clean_corpus(a.parent, tmp_path / "whole", config)
    indexed = config.with_options({"dedup": {"index": str(tmp_path / "idx")}})
    clean_corpus(a, tmp_path / "A", indexed)
    clean_corpus(b, tmp_path / "B", indexed)
    assert _outputs(tmp_path / "B") == _outputs(tmp_path / "whole" / "B")
    assert (tmp_path / "B" / "b99.txt").read_bytes() == b""  # the whole copy of a03.txt


def test_a_dry_run_leaves_the_index_and_a_second_run_on_it_is_refused(batches, tmp_path: Path) -> None:
    a, b, _ = batches
    index = tmp_path / "idx"
    assert clean(a, tmp_path / "A", "-q", "--dedup-index", index).exit_code == 0
    before = _outputs(index)
    dry = clean(b, tmp_path / "B", "--dry-run", "-q", "--dedup-index", index)
    assert dry.exit_code == 0, dry.stderr
    assert _outputs(index) == before
    with folder_lock(index):  # another run growing the index
        busy = clean(b, tmp_path / "B", "-q", "--dedup-index", index)
    assert busy.exit_code == 2 and "another run" in busy.stderr
    assert _outputs(index) == before
