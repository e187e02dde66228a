"""The README's set-up commands are the ones CI runs."""

from __future__ import annotations

from .conftest import ROOT


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
