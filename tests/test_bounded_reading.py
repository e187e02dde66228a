"""Only regular files are read, and never more than the size limit: nothing in SRC can hang a run.

The run is a subprocess with a time limit, so a regression fails the test instead of hanging it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaner.cli import clean_app
from cleaner.config import Config, load_config, parse_size
from cleaner.errors import ConfigError
from cleaner.io.regular import NotReadable, read_regular_file

PAGE = "渌口区推进产业发展。\n"


def clean(*args: str | Path, stdin: bytes | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``clean ARGS`` in a process of its own; a run that hangs fails with ``TimeoutExpired``."""
    command = [sys.executable, "-m", "cleaner", "run", *map(str, args)]
    return subprocess.run(
        command, input=stdin.decode() if stdin else None, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def src(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "a.txt").write_text(PAGE, encoding="utf-8")
    return folder


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_in_src_is_skipped_not_waited_for(src: Path, tmp_path: Path) -> None:
    os.mkfifo(src / "pipe.txt")
    result = clean(src, tmp_path / "out", timeout=30)
    assert result.returncode == 1, result.stderr
    assert "skipped pipe.txt: not a regular file (a named pipe)" in result.stderr
    assert (tmp_path / "out" / "a.txt").read_text("utf-8") == PAGE
    assert not (tmp_path / "out" / "pipe.txt").exists()


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_file_is_refused_before_reading(src: Path, tmp_path: Path) -> None:
    (src / "zero.txt").symlink_to("/dev/zero")
    result = clean(src, tmp_path / "out", timeout=30)
    assert result.returncode == 1, result.stderr
    assert "skipped zero.txt: not a regular file (a character device)" in result.stderr
    assert (tmp_path / "out" / "a.txt").read_text("utf-8") == PAGE


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_single_src_that_is_a_device_is_refused(tmp_path: Path) -> None:
    result = clean("/dev/zero", tmp_path / "out", timeout=30)
    assert result.returncode == 1, result.stderr
    assert "skipped zero: not a regular file (a character device)" in result.stderr


def test_files_over_the_size_limit_are_refused_before_reading(src: Path, tmp_path: Path) -> None:
    (src / "big.txt").write_text("大" * 2000, encoding="utf-8")  # 6,000 bytes
    result = CliRunner().invoke(clean_app, [str(src), str(tmp_path / "out"), "--max-file-size", "4K"])
    assert result.exit_code == 1, result.stderr
    assert "skipped big.txt: too large (6,000 bytes; the limit is 4 KiB, see --max-file-size)" in result.stderr
    assert (tmp_path / "out" / "a.txt").exists() and not (tmp_path / "out" / "big.txt").exists()


def test_the_size_limit_comes_from_the_config_file_too(src: Path, tmp_path: Path) -> None:
    config = tmp_path / "cleaner.yaml"
    config.write_text("input:\n  max_file_size: 10\n", encoding="utf-8")
    result = CliRunner().invoke(clean_app, [str(src), str(tmp_path / "out"), "--config", str(config)])
    assert result.exit_code == 1 and "a.txt: too large" in result.stderr


def test_standard_input_is_read_up_to_the_limit() -> None:
    result = clean("-", "-", "--max-file-size", "1K", stdin=b"x" * 5000)
    assert result.returncode == 1
    assert "skipped <stdin>: too large (over the limit of 1 KiB while being read" in result.stderr
    assert result.stdout == ""


def test_a_file_growing_past_the_limit_while_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"x" * 100)
    assert read_regular_file(path, 100) == b"x" * 100
    with pytest.raises(NotReadable, match="too large"):
        read_regular_file(path, 99)


@pytest.mark.parametrize(
    ("text", "size"),
    [(1, 1), ("2G", 2 << 30), ("500M", 500 << 20), ("1.5k", 1536), ("64KiB", 64 << 10), ("10 MB", 10 << 20)],
)
def test_sizes_are_bytes_or_numbers_with_a_unit(text: object, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", [0, -1, "two", "1X", True, 1.5, "", ".5G" * 2])
def test_a_bad_size_is_a_config_error(text: object, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"input\.max_file_size"):
        Config().with_options({"input": {"max_file_size": text}})


def test_the_default_limit_is_2_gib() -> None:
    assert Config().input.max_file_size == 2 << 30


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_config_file_that_is_a_fifo_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "cleaner.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="not a regular file"):
        load_config(fifo)
