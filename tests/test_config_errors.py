"""Config file errors say file:line:col, and no option takes a value that would disable a safeguard."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaner.cli import clean_app
from cleaner.config import Config, load_config
from cleaner.errors import ConfigError
from cleaner.rules import Matcher

POSITIVE = "rules.regex_timeout must be a positive number of seconds"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cleaner.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("rules:\n  regex_timeout: -1\n", "2:18", f"{POSITIVE}, not -1"),
        ("rules: {regex_timeout: .nan}\n", "1:24", f"{POSITIVE}, not nan"),
        ("rules:\n  regex_timeout: .inf\n", "2:18", f"{POSITIVE}, not inf"),
        ("rules:\n  regex_timeout: 0\n", "2:18", f"{POSITIVE}, not 0"),
        ("rules:\n  regex_timeout: soon\n", "2:18", POSITIVE),
        ("dedup:\n  threshold: .nan\n", "2:14", "dedup.threshold must be a finite number, not nan"),
        ("layout:\n  join_threshold: -.inf\n", "2:19", "layout.join_threshold must be a finite number, not -inf"),
        ("spacing:\n  cjk_latn: insert\n", "2:3", "unknown option spacing.cjk_latn"),
        ("colour: red\n", "1:1", "unknown section 'colour'"),
        ("spacing: [insert]\n", "1:10", "section 'spacing' must be a mapping of options"),
        ("- a\n", "1:1", "a config file holds a mapping of stage names to options"),
        ("dedup:\n  min_length: " + "9" * 5000 + "\n", "2:15", "a number of 5000 characters is too long"),
        ("rules: " + "[" * 100_000 + "]" * 100_000 + "\n", "1:", "invalid YAML: exceeded maximum nesting depth"),
        ("a: " + "[" * 40 + "]" * 40 + "\n", "1:", "nested deeper than 32 levels"),
        # Values of the right type that the stage or the deduplicator cannot work with are placed too.
        ("input:\n  encoding: [klingon]\n", "2:13", "input.encoding 'klingon': unknown encoding 'klingon'"),
        ("input:\n  encoding: [gbk, big5]\n", "2:13", "input.encoding: two encodings for every file (gbk, big5)"),
        (
            "variants:\n  opencc_config: t2x\n",
            "2:18",
            "variants.opencc_config must name a config OpenCC has (t2s, s2t, s2twp, tw2s, hk2s…), not 't2x'",
        ),
        ("dedup:\n  threshold: 2\n", "2:14", "dedup.threshold must be in (0, 1], not 2.0"),
        ("dedup:\n  heading_max_length: -1\n", "2:23", "dedup.heading_max_length must not be negative, not -1"),
        ("dedup:\n  rows: 9\n", "2:9", "dedup.bands × dedup.rows (25 × 9) exceeds dedup.num_perm (128)"),
        ("dedup:\n  short_max_length: 5\n", "2:21", "dedup.short_max_length (5) is below dedup.short_min_length"),
    ],
)
def test_config_errors_point_at_the_value(tmp_path: Path, text: str, where: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}:{where}")
    assert message in str(caught.value)


def test_a_bad_regex_timeout_exits_2_before_anything_runs(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("好\n", encoding="utf-8")
    path = write(tmp_path, "rules:\n  regex_timeout: -1\n")
    result = CliRunner().invoke(clean_app, [str(tmp_path / "a.txt"), str(tmp_path / "out"), "--config", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{path}:2:18: rules.regex_timeout must be a positive number of seconds")
    assert not (tmp_path / "out").exists()


def test_every_dedup_value_out_of_range_is_named_at_once_and_the_run_exits_2(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("好\n", encoding="utf-8")
    path = tmp_path / "cleaner.toml"
    path.write_text("[dedup]\nngram = 0\nthreshold = 1.5\n", encoding="utf-8")
    result = CliRunner().invoke(clean_app, [str(tmp_path / "a.txt"), str(tmp_path / "out"), "--config", str(path)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{path}:3:13: dedup.threshold must be in (0, 1], not 1.5",
        f"{path}:2:9: dedup.ngram must be at least 1, not 0",
    ]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("value", [-1, 0, float("nan"), float("inf")])
def test_the_library_refuses_an_unbounded_time_limit_too(value: float) -> None:
    with pytest.raises(ConfigError, match="regex_timeout"):
        Config().with_options({"rules": {"regex_timeout": value}})
    with pytest.raises(ConfigError, match="regex_timeout"):
        Matcher([], regex_timeout=value)


def test_good_values_still_load(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "rules:\n  regex_timeout: 0.25\ndedup:\n  threshold: 0.8\n"))
    assert config.rules.regex_timeout == 0.25 and config.dedup.threshold == 0.8


@pytest.mark.parametrize(
    "text",
    [
        "[rules]\npaths = " + "[" * 100_000 + "]" * 100_000 + "\n",
        "layout = " + "{a = " * 10_000 + "1" + "}" * 10_000 + "\n",
    ],
)
def test_toml_nested_too_deeply_is_a_config_error(tmp_path: Path, text: str) -> None:
    """tomllib recurses once per level: past Python's recursion limit it raised RecursionError, an
    internal error (exit 3) instead of a message naming the file."""
    path = tmp_path / "cleaner.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=f"^{path}: invalid TOML: nested too deeply$"):
        load_config(path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.txt").write_text("好\n", encoding="utf-8")
    result = CliRunner().invoke(clean_app, [str(tmp_path / "src"), str(tmp_path / "out")])  # found beside SRC
    assert result.exit_code == 2, result.output
    assert result.stderr == f"{path}: invalid TOML: nested too deeply\n"
    assert not (tmp_path / "out").exists()


def test_a_pyproject_nested_too_deeply_is_passed_over(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pyproject.toml tomllib cannot read is not the cleaner's to judge (as a broken one is not)."""
    monkeypatch.chdir(tmp_path)  # so that no config file of the working folder is found instead
    (tmp_path / "pyproject.toml").write_text("[project]\nx = " + "[" * 100_000 + "]" * 100_000 + "\n", "utf-8")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.txt").write_text("好\n", encoding="utf-8")
    result = CliRunner().invoke(clean_app, [str(tmp_path / "src"), str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "config: none found (defaults)" in result.stderr
