"""The README's set-up commands are the ones CI runs, and its snippets run as printed."""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, in_run_cache


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("```bash\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_readme_opens_with_two_setup_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.index("```bash") < text.index("\n\n", text.index("# cleaner") + 10) + 2
    install_and_clean, install_and_test = readme_commands()
    assert install_and_clean.endswith("clean seeds/ cleaned/")
    assert "'.[test]'" in install_and_test and install_and_test.endswith("pytest")


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert readme_commands()[1] in ci


def test_the_config_example_is_a_valid_config(tmp_path) -> None:
    from cleaner.config import load_config

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    example = text.split("### Configuration", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "cleaner.yaml"
    path.write_text(example, encoding="utf-8")
    config = load_config(path)
    assert config.spacing.cjk_latin == "remove" and config.rules.paths == ("rules/",)


def readme_blocks(language: str) -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [block.split("```", 1)[0] for block in text.split(f"```{language}\n")[1:]]


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of what the README's snippets read, as the working folder (they write into cleaned/)."""
    for name in ("seeds", "cleaned", "rules"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "cleaner.toml", tmp_path / "cleaner.toml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("index", range(len(readme_blocks("python"))))
def test_every_python_snippet_runs_as_printed(checkout: Path, index: int, monkeypatch, capsys) -> None:
    snippet = readme_blocks("python")[index]
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"id": "a", "text": "涪口区推进产业发展,好"}\n'))
    exec(compile(snippet, f"README.md python block {index + 1}", "exec"), {"__name__": "__readme__"})
    if "for line in sys.stdin" in snippet:
        assert json.loads(capsys.readouterr().out) == {"id": "a", "text": "渌口区推进产业发展，好"}
    if "clean_corpus" in snippet:  # it cleaned seeds/ into cleaned/ again: the committed output, unchanged
        for path in sorted((ROOT / "cleaned").rglob("*")):
            if path.is_file() and not in_run_cache(path, ROOT / "cleaned"):
                assert (checkout / path.relative_to(ROOT)).read_bytes() == path.read_bytes(), path.name


def test_the_python_snippets_are_found() -> None:
    snippets = readme_blocks("python")
    assert len(snippets) == 6
    assert any("replay(" in s for s in snippets) and any("Deduplicator" in s for s in snippets)
    assert any("clean_batch(" in s for s in snippets)


@pytest.mark.parametrize("index", range(len(readme_blocks("toml"))))
def test_every_toml_example_is_a_valid_config(tmp_path: Path, index: int) -> None:
    from cleaner.config import load_config

    path = tmp_path / "cleaner.toml"
    path.write_text(readme_blocks("toml")[index], encoding="utf-8")
    assert load_config(path).rules.paths == ("rules/",)


def test_the_repository_config_is_the_one_the_readme_shows() -> None:
    assert (ROOT / "cleaner.toml").read_text(encoding="utf-8").endswith(readme_blocks("toml")[0])
