"""Where and how `clean` writes, through the real command, given inputs that once did damage.

Exact exit codes and messages: a refused write is one line and exit 2, with nothing written.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaner.cli import clean_app

from .conftest import audit_text, in_run_cache

PAGE = "渌口区推进产业发展。\n\n园区企业已达78家。\n"
NEW_PAGE = "渌口区推进产业发展,园区企业已达78家。\n"


def invoke(*args: str | Path):
    return CliRunner().invoke(clean_app, [str(a) for a in args])


def tree(root: Path) -> dict[str, str]:
    """Every entry under ``root``: a file's digest, a symlink's target, a folder's mark."""
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if in_run_cache(path, root):
            continue
        if path.is_symlink():
            found[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            found[rel] = "dir"
    return found


def resolved(path: Path) -> str:
    return os.path.realpath(path)


@pytest.fixture
def src(tmp_path: Path) -> Path:
    root = tmp_path / "src"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text(PAGE, encoding="utf-8")
    (root / "sub" / "b.txt").write_text(PAGE, encoding="utf-8")
    return root


# -- every write is checked before anything is written ---------------------------------------------


def test_report_over_an_input_is_refused(src: Path, tmp_path: Path) -> None:
    before = tree(src)
    result = invoke(src, tmp_path / "dst", "--report", src / "a.txt")
    assert result.exit_code == 2
    assert result.stderr == (
        f"{src / 'a.txt'}: refusing to write the audit record over the input {src / 'a.txt'} "
        f"(it resolves to {resolved(src / 'a.txt')})\n"
    )
    assert tree(src) == before
    assert not (tmp_path / "dst").exists(), "nothing is written, not even DST"


def test_report_inside_the_source_tree_is_refused(src: Path, tmp_path: Path) -> None:
    result = invoke(src, tmp_path / "dst", "--report", src / "sub" / "audit.jsonl")
    assert result.exit_code == 2
    assert result.stderr == (
        f"{src / 'sub' / 'audit.jsonl'}: refusing to write the audit record into the input {src} "
        f"(it resolves to {resolved(src / 'sub' / 'audit.jsonl')})\n"
    )
    assert not (src / "sub" / "audit.jsonl").exists()


def test_report_over_the_input_of_a_dry_run_or_a_single_file_run_is_refused(src: Path, tmp_path: Path) -> None:
    before = tree(src)
    dry = invoke(src, tmp_path / "dst", "--dry-run", "--report", src / "a.txt")
    assert dry.exit_code == 2 and "refusing to write the audit record over the input" in dry.stderr
    single = invoke(src / "a.txt", "-", "--report", src / "a.txt")
    assert single.exit_code == 2 and "refusing to write the audit record over the input" in single.stderr
    assert tree(src) == before


def test_report_that_is_one_of_the_outputs_is_refused(src: Path, tmp_path: Path) -> None:
    result = invoke(src, tmp_path / "dst", "--report", tmp_path / "dst" / "a.txt")
    assert result.exit_code == 2
    assert result.stderr == f"{tmp_path / 'dst' / 'a.txt'}: the audit record would overwrite the output\n"
    stdin = CliRunner().invoke(
        clean_app, ["-", str(tmp_path / "o.txt"), "--report", str(tmp_path / "o.txt")], input=PAGE.encode()
    )
    assert stdin.exit_code == 2
    assert stdin.stderr == f"{tmp_path / 'o.txt'}: the audit record would overwrite the output\n"


def test_a_symlinked_folder_in_dst_leading_into_src_is_refused(src: Path, tmp_path: Path) -> None:
    dst = tmp_path / "dst"
    dst.mkdir()
    (dst / "sub").symlink_to(src / "sub", target_is_directory=True)
    (src / "sub" / "b.txt").write_text("园区企业已达78家,\n", encoding="utf-8")  # would be changed if written
    before, dst_before = tree(src), tree(dst)
    result = invoke(src, dst)
    assert result.exit_code == 2
    assert result.stderr == (
        f"{dst / 'sub' / 'b.txt'}: refusing to write an output over the input {src / 'sub' / 'b.txt'} "
        f"(it resolves to {resolved(src / 'sub' / 'b.txt')})\n"
    )
    assert tree(src) == before
    assert tree(dst) == dst_before, "refused before anything is written: no a.txt, no audit record"


def test_a_symlinked_output_file_leading_to_an_input_is_refused(src: Path, tmp_path: Path) -> None:
    dst = tmp_path / "dst"
    dst.mkdir()
    (dst / "a.txt").symlink_to(src / "a.txt")
    result = invoke(src, dst)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{dst / 'a.txt'}: refusing to write an output over the input {src}")


def test_a_symlink_in_dst_leading_elsewhere_is_refused(src: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    dst = tmp_path / "dst"
    dst.mkdir()
    (dst / "sub").symlink_to(elsewhere, target_is_directory=True)
    result = invoke(src, dst)
    assert result.exit_code == 2
    assert result.stderr == (
        f"{dst / 'sub' / 'b.txt'}: refusing to write an output outside {dst} "
        f"(it resolves to {resolved(elsewhere / 'b.txt')})\n"
    )
    assert list(elsewhere.iterdir()) == []


def test_a_single_file_into_a_folder(src: Path, tmp_path: Path) -> None:
    result = invoke(src / "a.txt", tmp_path / "dst")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "dst" / "a.txt").read_text("utf-8") == PAGE
    assert sorted(tree(tmp_path / "dst")) == [".cleaner", ".cleaner/audit.jsonl.gz", "a.txt"]


# -- temporary files have short names --------------------------------------------------------------


def test_names_of_253_to_255_bytes_are_cleaned(src: Path, tmp_path: Path) -> None:
    names = ["a" * 249 + ".txt", "b" * 250 + ".txt", "渌" * 84 + ".md"]  # 253, 254, 255 bytes
    assert [len(name.encode()) for name in names] == [253, 254, 255]
    for name in names:
        (src / name).write_text(PAGE, encoding="utf-8")
    result = invoke(src, tmp_path / "dst")
    assert result.exit_code == 0, result.stderr
    for name in names:
        assert (tmp_path / "dst" / name).read_text("utf-8") == PAGE


# -- one run at a time; what a killed run leaves behind --------------------------------------------


def test_a_state_folder_symlinked_into_src_is_refused(src: Path, tmp_path: Path) -> None:
    dst = tmp_path / "dst"
    dst.mkdir()
    (dst / ".cleaner").symlink_to(src / "sub", target_is_directory=True)
    before = tree(src)
    result = invoke(src, dst)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{dst / '.cleaner' / 'lock'}: refusing to write the lock file into the input")
    assert tree(src) == before


def test_temporary_files_left_by_a_killed_run_are_removed_by_the_next(src: Path, tmp_path: Path) -> None:
    dst = tmp_path / "dst"
    assert invoke(src, dst).exit_code == 0
    for leftover in (
        dst / ".cleaner-tmp-k1l2m3",
        dst / "sub" / ".cleaner-tmp-abc",
        dst / ".cleaner" / ".cleaner-tmp-x",
    ):
        leftover.write_text("half", encoding="utf-8")
    (dst / "notes.txt").write_text("mine", encoding="utf-8")
    result = invoke(src, dst)
    assert result.exit_code == 0, result.stderr
    assert sorted(tree(dst)) == [".cleaner", ".cleaner/audit.jsonl.gz", "a.txt", "notes.txt", "sub", "sub/b.txt"]


# Runs `clean`, stopping right after its first output is written: killed outright (SIGKILL, so no
# clean-up code runs at all), or paused until the test removes the flag file.
DRIVER = """
import os, signal, sys, time
from pathlib import Path
import cleaner.corpus as corpus
from cleaner.cli import clean_main

mode, flag = sys.argv[1], Path(sys.argv[2])
write = corpus.write_atomic

def write_then_stop(*args, **kwargs):
    write(*args, **kwargs)
    corpus.write_atomic = write  # stop once
    if mode == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    flag.touch()
    while flag.exists():
        time.sleep(0.02)

corpus.write_atomic = write_then_stop
sys.argv = ["clean", *sys.argv[3:]]
clean_main()
"""


def start_driver(mode: str, flag: Path, *args: Path) -> subprocess.Popen:
    command = [sys.executable, "-c", DRIVER, mode, str(flag), *map(str, args), "--quiet"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_a_killed_rerun_leaves_no_stale_audit_record_and_the_next_run_recovers(src: Path, tmp_path: Path) -> None:
    dst = tmp_path / "dst"
    audit = dst / ".cleaner" / "audit.jsonl.gz"
    assert invoke(src, dst).exit_code == 0
    (src / "a.txt").write_text(NEW_PAGE, encoding="utf-8")
    killed = start_driver("kill", tmp_path / "flag", src, dst)
    assert killed.wait(timeout=60) == -9
    assert (dst / "a.txt").read_text("utf-8") == "渌口区推进产业发展，园区企业已达78家。\n", "the first output is new"
    assert not audit.exists(), "the old audit record must not stay beside new outputs"
    assert [p.name for p in (dst / ".cleaner").iterdir() if p.name.startswith(".cleaner-tmp-")], "a leftover"
    result = invoke(src, dst)  # the killed run's lock is stale; its temporary file is removed
    assert result.exit_code == 0, result.stderr
    assert sorted(tree(dst)) == [".cleaner", ".cleaner/audit.jsonl.gz", "a.txt", "sub", "sub/b.txt"]
    assert '"doc": "a.txt", "status": "cleaned"' in audit_text(audit)


def test_a_second_run_into_the_same_dst_at_once_is_refused(src: Path, tmp_path: Path) -> None:
    dst = tmp_path / "dst"
    flag = tmp_path / "flag"
    first = start_driver("pause", flag, src, dst)
    try:
        deadline = time.monotonic() + 60
        while not flag.exists():
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "the first run never wrote"
            time.sleep(0.02)
        before = tree(dst)
        second = invoke(src, dst)
        assert second.exit_code == 2
        assert second.stderr == (
            f"{dst}: another run is writing into this folder (process {first.pid}); "
            f"wait for it to finish (lock: {dst / '.cleaner' / 'lock'})\n"
        )
        assert tree(dst) == before, "the refused run wrote nothing"
    finally:
        flag.unlink(missing_ok=True)
        _, err = first.communicate(timeout=60)
    assert first.returncode == 0, err.decode()
    assert sorted(tree(dst)) == [".cleaner", ".cleaner/audit.jsonl.gz", "a.txt", "sub", "sub/b.txt"], "lock released"
    assert invoke(src, dst).exit_code == 0


def test_a_rerun_with_the_report_elsewhere_removes_the_audit_record_left_in_dst(src: Path, tmp_path: Path) -> None:
    dst = tmp_path / "dst"
    assert invoke(src, dst).exit_code == 0
    (src / "a.txt").write_text(NEW_PAGE, encoding="utf-8")
    result = invoke(src, dst, "--report", tmp_path / "audit.jsonl")
    assert result.exit_code == 0, result.stderr
    # .cleaner/ stays for the run cache
    assert sorted(tree(dst)) == [".cleaner", "a.txt", "sub", "sub/b.txt"], (
        "DST's old record no longer describes its outputs"
    )
    assert '"doc": "a.txt", "status": "cleaned"' in (tmp_path / "audit.jsonl").read_text("utf-8")


# -- file names that are not UTF-8 or hold control characters --------------------------------------


def test_a_name_that_is_not_utf8_is_skipped_with_an_escaped_message(src: Path, tmp_path: Path) -> None:
    bad = os.fsencode(src) + b"/bad\xff\xfe.txt"
    with open(bad, "wb") as handle:
        handle.write(PAGE.encode())
    (src / "esc\x1b[31m.txt").write_text(PAGE, encoding="utf-8")
    result = invoke(src, tmp_path / "dst")
    assert result.exit_code == 1, result.stderr
    assert "skipped bad\\xff\\xfe.txt: the file name is not valid UTF-8; rename the file to clean it\n" in result.stderr
    assert "esc\\x1b[31m.txt: utf-8, 0 edits (no edits)\n" in result.stderr
    assert "\x1b" not in result.stderr, "control characters never reach the terminal"
    assert "files: 4 (0 changed, 3 unchanged, 1 skipped)" in result.stderr
    assert (tmp_path / "dst" / "a.txt").read_text("utf-8") == PAGE
    assert (tmp_path / "dst" / "esc\x1b[31m.txt").read_text("utf-8") == PAGE
    audit = audit_text(tmp_path / "dst" / ".cleaner" / "audit.jsonl.gz")
    assert '"doc": "bad\\\\xff\\\\xfe.txt", "status": "skipped"' in audit


def _count_fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = os.fsync

    def counting(fd: int) -> None:
        calls.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", counting)
    return calls


def test_outputs_and_their_folders_are_synced_once_each_and_no_fsync_skips_both(
    src: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Durable by default: each output file, then each folder a file was renamed into, once (three
    files in two folders, the audit record in .cleaner/ and the run cache's manifest in
    .cleaner/cache/: 5 files, 4 folders; the cache's results files can be made again, so they are
    not synced). ``--no-fsync`` syncs nothing and writes the same bytes."""
    (src / "sub" / "c.txt").write_text("第三段文字。\n", encoding="utf-8")
    calls = _count_fsyncs(monkeypatch)
    result = invoke(src, tmp_path / "durable", "--jobs", "1")
    assert result.exit_code == 0, result.output
    durable = tmp_path / "durable"
    outputs = [p for p in durable.rglob("*") if p.is_file() and (not in_run_cache(p, durable) or p.suffix == ".json")]
    assert len(outputs) == 5
    assert len(calls) == len(outputs) + len({p.parent for p in outputs})
    calls.clear()
    result = invoke(src, tmp_path / "scratch", "--jobs", "1", "--no-fsync")
    assert result.exit_code == 0, result.output
    assert calls == []
    for path in (tmp_path / "durable").rglob("*.txt"):
        assert (tmp_path / "scratch" / path.relative_to(tmp_path / "durable")).read_bytes() == path.read_bytes()


# -- the run's other files: --summary-json and --html ----------------------------------------------


@pytest.mark.parametrize("option", ["--summary-json", "--html"])
@pytest.mark.parametrize("where", ["a.txt", "sub/new.json"])
def test_side_outputs_into_src_are_refused_before_anything_is_written(
    src: Path, tmp_path: Path, option: str, where: str
) -> None:
    """--html over an input once wrote the page over it (exit 0); --summary-json into SRC was refused
    only after the run, with DST written and exit 2."""
    before = tree(src)
    result = invoke(src, tmp_path / "dst", option, src / where)
    assert result.exit_code == 2, result.output
    what = "the summary" if option == "--summary-json" else "the review page"
    assert result.stderr == (
        f"{src / where}: refusing to write {what} into the input {src} (it resolves to {resolved(src / where)})\n"
    )
    assert tree(src) == before
    assert not (tmp_path / "dst").exists(), "nothing is written, not even DST"


def test_side_outputs_elsewhere_are_written(src: Path, tmp_path: Path) -> None:
    result = invoke(src, tmp_path / "dst", "--summary-json", tmp_path / "s.json", "--html", tmp_path / "r.html")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "s.json").is_file() and (tmp_path / "r.html").is_file()
