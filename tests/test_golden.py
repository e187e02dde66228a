"""The committed cleaned/ is what the code makes of seeds/, and cleaning it again changes nothing."""

from __future__ import annotations

from pathlib import Path

from cleaner.config import Config, discover_config
from cleaner.corpus import clean_corpus

from .conftest import CLEANED, ROOT, SEEDS


def project_config() -> Config:
    # What `clean seeds/ cleaned/` uses from any folder: the project's cleaner.toml, naming rules/.
    config = discover_config(SEEDS)
    assert config.origin == ROOT / "cleaner.toml"
    return config


def texts(root: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(root.glob("*.txt"))}


def test_cleaned_is_up_to_date(tmp_path: Path) -> None:
    summary = clean_corpus(SEEDS, tmp_path / "out", project_config())
    assert summary.exit_code == 0
    fresh = texts(tmp_path / "out")
    assert sorted(fresh) == sorted(texts(SEEDS))
    stale = [name for name, text in fresh.items() if texts(CLEANED).get(name) != text]
    assert not stale, f"cleaned/ is stale for {stale}: run `clean seeds/ cleaned/` at the project root"


def test_cleaning_cleaned_output_changes_nothing(tmp_path: Path) -> None:
    edits: list[str] = []
    clean_corpus(
        CLEANED,
        tmp_path / "again",
        project_config(),
        on_file=lambda o: edits.extend(
            f"{doc}: {e.stage}/{e.rule} {e.before!r}→{e.after!r}" for doc, e in o.edits if not e.is_event
        ),
    )
    assert edits == []
    assert texts(tmp_path / "again") == texts(CLEANED)
