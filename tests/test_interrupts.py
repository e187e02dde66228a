"""Runs with worker processes, as a user meets them: Ctrl-C, a killed run, a crashed worker.

These start the real command (``python -m cleaner run``) and signal the real processes: the
defects they guard against (tracebacks from workers, a hang on Ctrl-C, workers outliving their
parent, one dead worker failing the whole run) live in the interplay of processes and signals,
which an in-process test or a mocked pool cannot show. Processes are found through ``/proc``
(Linux only; no extra dependency): each run is started in a session of its own, so every process
of the run, workers included, is in its process group. Timeouts are generous: a slow machine
makes these tests slower, never wrong.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaner import pipeline
from cleaner.cli import app, clean_app
from cleaner.report import read_audit

from .conftest import SEEDS, in_run_cache

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads processes from /proc")

SEED_TEXTS = [path.read_text("utf-8") for path in sorted(SEEDS.glob("*.txt"))]
TIMEOUT = 60.0  # seconds a run may take to end after a signal before it counts as hung


def write_corpus(src: Path, count: int, prefix: str = "") -> list[str]:
    """``count`` files made from the seeds, each with a line of its own; their names."""
    src.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(count):
        name = f"{prefix}{i:04d}.txt"
        (src / name).write_text(f"{SEED_TEXTS[i % len(SEED_TEXTS)]}\n\n第{i}号文件。", encoding="utf-8")
        names.append(name)
    return names


def start(src: Path, dst: Path, *options: str) -> subprocess.Popen[bytes]:
    """The command in a session of its own, so that its process group holds it and its workers.

    It runs beside SRC, where there is no ``rules/`` folder to pick up.
    """
    command = [sys.executable, "-m", "cleaner", "run", str(src), str(dst), "-q", *options]
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        cwd=src.parent,
        preexec_fn=heed_sigint,
    )


def heed_sigint() -> None:
    """A command started with SIGINT ignored (a background job) rightly keeps ignoring it: undo that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def stat_fields(pid: int) -> list[str] | None:
    """The fields of ``/proc/PID/stat`` after the command name (state first), or None if gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return text.rsplit(")", 1)[1].split()


def group_members(pgid: int) -> list[int]:
    """Live processes (not zombies) of process group ``pgid``."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = stat_fields(int(entry.name))
        if fields is not None and fields[0] not in "ZX" and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


def workers_of(process: subprocess.Popen[bytes]) -> list[int]:
    return [pid for pid in group_members(process.pid) if pid != process.pid]


def wait_for(condition: Callable[[], object], seconds: float = TIMEOUT, what: str = "condition") -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


@contextlib.contextmanager
def reaping(process: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    """Whatever the test's outcome, no process of the run outlives it."""
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not in_run_cache(p, root)
    }


def test_ctrl_c_ends_every_run_quietly_with_exit_130_and_the_next_run_recovers(tmp_path: Path) -> None:
    """Ctrl-C at random moments, several times to catch races, to the group (as a terminal sends it)
    or to the main process only, with 1, 2 and 4 workers."""
    src = tmp_path / "src"
    write_corpus(src, 200)
    rng = random.Random(20240611)
    trials = [("group", "2"), ("main", "2"), ("group", "2"), ("main", "4"), ("group", "4"), ("group", "1")]
    interrupted = []
    for number, (target, jobs) in enumerate(trials):
        dst = tmp_path / f"out{number}"
        with reaping(start(src, dst, "--jobs", jobs)) as process:
            wait_for(lambda dst=dst: (dst / ".cleaner" / "lock").exists(), what="the run to start")
            time.sleep(rng.uniform(0.0, 1.2))
            if target == "group":
                os.killpg(process.pid, signal.SIGINT)
            else:
                process.send_signal(signal.SIGINT)
            try:
                _, stderr_bytes = process.communicate(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                pytest.fail(f"trial {number} ({target}, --jobs {jobs}): no exit {TIMEOUT:.0f} s after Ctrl-C")
            stderr = stderr_bytes.decode("utf-8", "replace")
            assert "Traceback" not in stderr, f"trial {number} ({target}, --jobs {jobs}):\n{stderr}"
            assert process.returncode == 130, f"trial {number}: exit {process.returncode}\n{stderr}"
            assert stderr.startswith("interrupted") and stderr.count("\n") == 1, stderr
            wait_for(lambda process=process: not group_members(process.pid), 10, "the workers to end")
        interrupted.append(dst)
    again = start(src, interrupted[0])
    assert again.wait(TIMEOUT) == 0, again.communicate()[1].decode()
    complete = tree(interrupted[0])
    assert len(complete) == 201 and ".cleaner/audit.jsonl.gz" in complete
    for dst in interrupted:
        left = tree(dst)
        assert not [name for name in left if ".cleaner-tmp-" in name], "no temporary file is left behind"
        assert ".cleaner/lock" not in left and (dst is interrupted[0] or ".cleaner/audit.jsonl.gz" not in left)
        for name, data in left.items():
            assert data == complete[name], f"{dst.name}/{name} is not whole"


def test_workers_die_with_a_killed_parent_and_the_next_run_takes_over(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "out"
    write_corpus(src, 200)
    with reaping(start(src, dst, "--jobs", "2")) as process:
        wait_for(lambda: len(workers_of(process)) == 2 and len(list(dst.glob("*.txt"))) >= 5, what="two workers")
        workers = workers_of(process)
        process.kill()
        process.wait(TIMEOUT)
        with contextlib.suppress(AssertionError):
            wait_for(lambda: not group_members(process.pid), 10)
        assert not group_members(process.pid), f"workers {workers} outlived their parent"
    again = start(src, dst)
    assert again.wait(TIMEOUT) == 0, again.communicate()[1].decode()
    assert len(tree(dst)) == 201


def read_chars(pid: int) -> int:
    """Bytes process ``pid`` has read so far (``rchar`` of ``/proc/PID/io``); 0 if it is gone."""
    try:
        text = Path(f"/proc/{pid}/io").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return int(text.split("rchar:", 1)[1].split()[0])


def test_a_worker_killed_while_cleaning_fails_that_file_and_the_run_goes_on(tmp_path: Path) -> None:
    """A worker is killed with SIGKILL while it cleans a big file (spotted by how much it has read):
    that file is skipped with its name and a reason, every other file is written, exit 1."""
    src, dst = tmp_path / "src", tmp_path / "out"
    before = write_corpus(src, 30, "a")
    after = write_corpus(src, 30, "z")
    big = src / "m_big.txt"
    big.write_text("\n\n".join(SEED_TEXTS * 80), encoding="utf-8")  # seconds of work for one worker
    size = big.stat().st_size
    with reaping(start(src, dst, "--jobs", "2")) as process:
        if not Path(f"/proc/{process.pid}/io").exists():
            pytest.skip("/proc/PID/io is not available")
        victim: list[int] = []

        def reading_the_big_file() -> bool:
            victim.extend(pid for pid in workers_of(process) if read_chars(pid) > size)
            return bool(victim)

        wait_for(reading_the_big_file, what="a worker to read the big file")
        os.kill(victim[0], signal.SIGKILL)
        _, stderr_bytes = process.communicate(timeout=TIMEOUT)
    stderr = stderr_bytes.decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr
    assert process.returncode == 1, stderr
    assert "skipped m_big.txt: the worker process cleaning it died (killed by SIGKILL)" in stderr
    assert sorted(p.name for p in dst.glob("*.txt")) == sorted(before + after)
    records = [r for r in read_audit(dst / ".cleaner" / "audit.jsonl.gz") if r["type"] == "file"]
    assert [r["doc"] for r in records if r["status"] == "skipped"] == ["m_big.txt"]
    verified = CliRunner().invoke(app, ["verify", str(src), str(dst), "--quiet"])
    assert verified.exit_code == 0, verified.stdout  # the audit record accounts for every file


def crashing_registry(registry: dict, crash: Callable[[], None]) -> dict:
    """``registry`` with its ``whitespace`` stage calling ``crash`` on a document that asks for it."""
    whitespace = registry["whitespace"]

    def make(options):
        clean = whitespace.make(options)

        def stage(doc):
            if "CRASH" in doc.text:
                crash()
            return clean(doc)

        return stage

    return {**registry, "whitespace": pipeline.StageSpec(make)}


def exit_abruptly() -> None:
    os._exit(7)


def escape_the_worker() -> None:
    raise SystemExit("a stage called sys.exit")


@pytest.mark.parametrize(
    ("crash", "reason"),
    [
        (exit_abruptly, "the worker process cleaning it died (exit code 7)"),
        (escape_the_worker, "internal error in a worker process (SystemExit: a stage called sys.exit)"),
    ],
)
def test_a_worker_that_exits_or_lets_an_exception_escape_fails_only_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crash: Callable[[], None], reason: str
) -> None:
    """Workers are forked, so they run the patched stage: a real exit, or an exception that no
    ``except Exception`` catches, in a real worker process."""
    src = tmp_path / "src"
    names = write_corpus(src, 12)
    (src / "0005.txt").write_text("CRASH\n\n" + SEED_TEXTS[0], encoding="utf-8")
    (src / "0009.txt").write_text("CRASH\n\n" + SEED_TEXTS[1], encoding="utf-8")
    registry = crashing_registry(pipeline._stage_registry(), crash)
    monkeypatch.setattr(pipeline, "_stage_registry", lambda: registry)
    result = CliRunner().invoke(clean_app, [str(src), str(tmp_path / "out"), "--jobs", "2"])
    assert result.exit_code == 1, result.stderr
    assert f"skipped 0005.txt: {reason}" in result.stderr
    assert f"skipped 0009.txt: {reason}" in result.stderr
    assert "Traceback" not in result.stderr
    written = sorted(p.name for p in (tmp_path / "out").glob("*.txt"))
    assert written == [name for name in names if name not in ("0005.txt", "0009.txt")]


def test_jobs_defaults_to_one_worker_per_core(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import cleaner.cli

    seen: list[int] = []
    real = cleaner.cli.clean_corpus

    def recording(*args, **kwargs):
        seen.append(kwargs["jobs"])
        return real(*args, **kwargs)

    monkeypatch.setattr(cleaner.cli, "clean_corpus", recording)
    assert CliRunner().invoke(clean_app, [str(SEEDS), str(tmp_path / "out")]).exit_code == 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert seen == [cores]  # the cores this process may run on: os.cpu_count() unless it is pinned to fewer


def setup_raises(*args: object) -> None:
    raise RuntimeError("no pipeline in this worker")


def setup_exits(*args: object) -> None:
    os._exit(9)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (setup_raises, "a worker process could not start (RuntimeError: no pipeline in this worker)"),
        (setup_exits, "worker processes die before they can start (exit code 9)"),
    ],
)
def test_workers_that_cannot_start_stop_the_run_instead_of_being_restarted_for_ever(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setup: Callable[..., None], message: str
) -> None:
    import cleaner.corpus

    src = tmp_path / "src"
    write_corpus(src, 6)
    monkeypatch.setattr(cleaner.corpus, "_init_worker", setup)
    result = CliRunner().invoke(clean_app, [str(src), str(tmp_path / "out"), "--jobs", "2"])
    assert result.exit_code == 3, result.stderr
    assert message in result.stderr
    assert not list((tmp_path / "out").glob("*.txt"))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_end_a_run_as_ctrl_c_does(tmp_path: Path, sig: signal.Signals) -> None:
    """``kill`` (SIGTERM) or a closed terminal (SIGHUP), to the whole group: one line, exit
    128 + the signal's number, no traceback, no worker left, no temporary file, no lock."""
    src = tmp_path / "src"
    write_corpus(src, 200)
    dst = tmp_path / "out"
    with reaping(start(src, dst, "--jobs", "2")) as process:
        wait_for(lambda: (dst / ".cleaner" / "lock").exists(), what="the run to start")
        time.sleep(0.3)
        os.killpg(process.pid, sig)
        _, stderr_bytes = process.communicate(timeout=TIMEOUT)
        stderr = stderr_bytes.decode("utf-8", "replace")
        assert "Traceback" not in stderr, stderr
        assert process.returncode == 128 + sig, stderr
        assert stderr.startswith(f"stopped by {sig.name}") and stderr.count("\n") == 1, stderr
        wait_for(lambda: not group_members(process.pid), 10, "the workers to end")
    left = tree(dst)
    assert not [name for name in left if ".cleaner-tmp-" in name]
    assert ".cleaner/lock" not in left and ".cleaner/audit.jsonl.gz" not in left


# Ctrl-C in the two windows where the command's handler could not act before: while the library is
# imported (about half a second), and while a finalizer runs (where an exception cannot be raised).
# Both are made certain here rather than waited for with a timer.

SIGNAL_DURING_IMPORT = """
import importlib.abc, signal, sys

SIGNAL = getattr(signal, sys.argv[1])

class SignalOnImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "cleaner.cli":
            sys.meta_path.remove(self)
            signal.raise_signal(SIGNAL)
        return None

sys.meta_path.insert(0, SignalOnImport())
from cleaner.entry import clean_main
sys.argv = ["clean", *sys.argv[2:]]
clean_main()
"""


# ... and while typer parses the arguments, after the import: typer turns a KeyboardInterrupt there
# into exit 130 with nothing said (and SIGTERM killed the process).
SIGNAL_WHILE_PARSING = """
import signal, sys
from cleaner.clihelp import PlainHelpCommand

SIGNAL = getattr(signal, sys.argv[1])
make_context = PlainHelpCommand.make_context

def signalled(self, *args, **kwargs):
    signal.raise_signal(SIGNAL)
    return make_context(self, *args, **kwargs)

from cleaner.entry import clean_main
PlainHelpCommand.make_context = signalled
sys.argv = ["clean", *sys.argv[2:]]
clean_main()
"""


@pytest.mark.parametrize("script", [SIGNAL_DURING_IMPORT, SIGNAL_WHILE_PARSING], ids=["import", "parsing"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_the_command_starts_ends_it_quietly(tmp_path: Path, sig: signal.Signals, script: str) -> None:
    src = tmp_path / "src"
    write_corpus(src, 2)
    dst = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-c", script, sig.name, str(src), str(dst)],
        capture_output=True, text=True, timeout=TIMEOUT, cwd=tmp_path, preexec_fn=heed_sigint,
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 128 + sig, done.stderr
    assert done.stderr.strip().endswith("before the run started; nothing was read or written"), done.stderr
    assert not dst.exists()


SIGNAL_IN_A_FINALIZER = """
import signal, sys, time
from cleaner.cli import Stopped, _interrupts_once

class Tripwire:
    def __del__(self):
        signal.raise_signal(signal.SIGINT)

try:
    with _interrupts_once():
        Tripwire()  # dropped at once: the handler raises inside its finalizer
        deadline = time.monotonic() + float(sys.argv[1])
        while time.monotonic() < deadline:
            pass
    print("ran on")
except Stopped as exc:
    print("stopped by", exc.signum)
"""


@pytest.mark.parametrize("runs_on", [30, 0], ids=["the run goes on", "the run ends at once"])
def test_a_ctrl_c_that_lands_in_a_finalizer_still_stops_the_run(runs_on: int) -> None:
    """Python prints an exception raised in a finalizer and goes on: the run would have ignored
    the Ctrl-C (and every later one) after printing a traceback. The Ctrl-C is signalled again a
    moment later; a run that ends in that moment still reports it (and exits 130) rather than
    exiting 0 as if it never came."""
    done = subprocess.run(
        [sys.executable, "-c", SIGNAL_IN_A_FINALIZER, str(runs_on)], capture_output=True, text=True,
        timeout=TIMEOUT, preexec_fn=heed_sigint,
    )  # fmt: skip
    assert done.stdout == f"stopped by {int(signal.SIGINT)}\n", done.stdout + done.stderr
    assert done.stderr == ""
