"""Hostile inputs through the real command: many generated cases per category, each run as a user runs it.

Every case is made at run time in a folder of its own (from the seed pages, for real text), the
command runs in a process of its own (``python -m cleaner run …``, ``verify``, ``restore``,
``rules check``…) with a time limit, and the promises that apply are checked:

- no traceback, no internal error (exit 3), no hang;
- the exit code's class: 0 for fine inputs, 1 when a file or record was bad (the message names it,
  with its line where there is one, and the other files are still written), 2 for refused usage
  (nothing written at all);
- inputs never modified (every file under SRC hashed before and after, through symlinks too),
  nothing written outside DST (the case's folder is compared before and after), no temporary file
  or lock left behind;
- after a run that exits 0 or 1, ``cleaner verify SRC DST`` passes and cleaning DST again changes
  nothing;
- no silent wrong decoding: a file is written as its right text or refused with a message.

A feature the command lacks (an older checkout without ``verify`` or an option) fails the cases
that need it, as a user would find. The same script runs another checkout's command with
``--python`` and ``--pythonpath``, for a before-and-after table (``--before FILE`` adds a column
from the JSON of an earlier run).

Usage::

    python scripts/hostile_inputs.py [--seed N] [--only CATEGORY] [--keep DIR] [--json FILE]
        [--python PATH] [--pythonpath DIR] [--before FILE] [--jobs N] [--timeout S] [--memory GIB]

Prints one row per category (cases, failures, the promises broken, examples); exit status 1 if any
case failed.
"""

from __future__ import annotations

import argparse
import bz2
import contextlib
import gzip
import hashlib
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import traceback
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

# -- promises --------------------------------------------------------------------------------------

HANG = "hang"
TRACEBACK = "traceback"
INTERNAL_ERROR = "internal error"
EXIT_CODE = "exit code"
MESSAGE = "message"
INPUT_MODIFIED = "input modified"
OUTSIDE_DST = "wrote outside DST"
LEFTOVER = "leftover temporary file or lock"
NOT_WRITTEN = "good input not written"
WRONG_TEXT = "wrong text"
VERIFY = "verify"
IDEMPOTENCE = "idempotence"
WORKERS_LEFT = "workers left running"
WROTE_WHEN_REFUSED = "wrote while refusing"
SUITE_ERROR = "suite error"

TRACEBACK_MARK = "Traceback (most recent call last)"
TEMP_PREFIX = ".cleaner-tmp-"
FINE = frozenset({0})
BAD_INPUT = frozenset({1})
REFUSED = frozenset({2})
FINE_OR_BAD = frozenset({0, 1})


@dataclass(frozen=True)
class Broken:
    """A promise a case broke, and how."""

    promise: str
    detail: str


@dataclass
class CaseResult:
    category: str
    name: str
    broken: list[Broken]
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return bool(self.broken)


# -- running the command ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    command: tuple[str, ...]
    code: int | None  # None: still running at the time limit (killed)
    stdout: str
    stderr: str
    seconds: float

    @property
    def hung(self) -> bool:
        return self.code is None

    def said(self) -> str:
        """The first line of standard error (else of standard output), for a failure's detail."""
        for text in (self.stderr, self.stdout):
            for line in text.splitlines():
                if line.strip():
                    return clip(line)
        return "(nothing printed)"


# Without these two capabilities root reads only what the permission bits let it read, so a file
# with mode 000 is unreadable even when the suite runs as root.
DENY_READING = ("--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-dac_override,-dac_read_search")


def can_deny_reading() -> bool:
    """True when a command can be run without the power to read a file with mode 000."""
    return os.geteuid() != 0 or shutil.which("setpriv") is not None


@dataclass(frozen=True)
class Cli:
    """The command under test: an interpreter and the folder its ``cleaner`` package is imported from."""

    python: str
    pythonpath: str
    timeout: float

    def environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "CLEANER_DEBUG")}
        env["PYTHONPATH"] = self.pythonpath
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        return env

    def command(self, args: Sequence[str | Path], deny_reading: bool = False) -> list[str]:
        prefix = ["setpriv", *DENY_READING] if deny_reading and os.geteuid() == 0 else []
        return [*prefix, self.python, "-m", "cleaner", *map(str, args)]

    def start(self, args: Sequence[str | Path], cwd: Path, deny_reading: bool = False) -> subprocess.Popen[bytes]:
        """The command in a session of its own, so that it and its workers are one process group."""
        return subprocess.Popen(
            self.command(args, deny_reading),
            cwd=cwd,
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )

    def finish(self, process: subprocess.Popen[bytes], started: float, reap: bool = True) -> Outcome:
        """Wait for ``process`` up to the time limit; a process still running then is killed, with its
        group. ``reap`` also stops workers that outlived it (else the caller looks for them first)."""
        try:
            out, err = process.communicate(timeout=self.timeout)
            code: int | None = process.returncode
        except subprocess.TimeoutExpired:
            kill_group(process)
            out, err = process.communicate()
            code = None
        if reap:
            kill_group(process)
        command = tuple(str(part) for part in process.args)  # the list start() gave it
        return Outcome(command, code, text_of(out), text_of(err), time.monotonic() - started)

    def run(self, args: Sequence[str | Path], cwd: Path, deny_reading: bool = False) -> Outcome:
        started = time.monotonic()
        return self.finish(self.start(args, cwd, deny_reading), started)


def kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def text_of(data: bytes) -> str:
    return data.decode("utf-8", "backslashreplace")


def clip(text: str, width: int = 160) -> str:
    text = text.replace("\n", "⏎")
    return text if len(text) <= width else text[: width - 1] + "…"


def shown(name: str) -> str:
    """A name as the command prints it: undecodable bytes and control characters escaped (``bad\\xff.txt``)."""
    out = []
    for char in name:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8, as os.fsdecode hands it over
            out.append(f"\\x{code - 0xDC00:02x}")
        elif unicodedata.category(char) == "Cc":
            out.append(f"\\x{code:02x}")
        else:
            out.append(char)
    return "".join(out)


# -- looking at folders ----------------------------------------------------------------------------


def snapshot(root: Path, exclude: Iterable[str] = (), through_links: bool = False) -> dict[str, str]:
    """Every entry under ``root`` by relative path: a folder, a special file, a symlink's target, a
    file's mode and digest. ``through_links`` adds the digest of the file a symlink leads to.

    Folders are walked by descriptor, so paths longer than the system allows are seen too; nothing
    that is not a regular file is ever opened for reading (a FIFO would block).
    """
    skip = set(exclude)
    entries: dict[str, str] = {}
    if not os.path.isdir(root):
        return entries
    for folder, dirs, files, folder_fd in os.fwalk(root):
        rel_folder = os.path.relpath(folder, root)
        kept = []
        for name in [*dirs, *files]:
            rel = os.path.normpath(os.path.join(rel_folder, name))
            if rel in skip:
                continue
            entries[rel] = describe(name, folder_fd, through_links)
            if name in dirs:
                kept.append(name)
        dirs[:] = kept
    return entries


def describe(name: str, folder_fd: int, through_links: bool) -> str:
    try:
        info = os.stat(name, dir_fd=folder_fd, follow_symlinks=False)
    except OSError as exc:
        return f"gone ({exc.strerror})"
    kind = stat.S_IFMT(info.st_mode)
    mode = stat.S_IMODE(info.st_mode)
    if kind == stat.S_IFLNK:
        target = os.readlink(name, dir_fd=folder_fd)
        return f"-> {target} {file_digest(name, folder_fd, follow=True)}" if through_links else f"-> {target}"
    if kind == stat.S_IFDIR:
        return f"folder {mode:o}"
    if kind == stat.S_IFREG:
        return f"file {mode:o} {file_digest(name, folder_fd, follow=False)}"
    return f"special {kind:o} {mode:o}"


def file_digest(name: str, folder_fd: int, follow: bool) -> str:
    """The SHA-256 of a regular file's bytes; what else it is, if it is not one."""
    flags = os.O_RDONLY | os.O_NONBLOCK | (0 if follow else os.O_NOFOLLOW)
    try:
        fd = os.open(name, flags, dir_fd=folder_fd)
    except OSError as exc:
        return f"({exc.strerror})"
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return "(not a regular file)"
        digest = hashlib.sha256()
        while chunk := os.read(fd, 1 << 20):
            digest.update(chunk)
        return digest.hexdigest()[:16]
    finally:
        os.close(fd)


def differences(before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    """What changed between two snapshots, one short line each."""
    changed = []
    for rel in sorted(set(before) | set(after)):
        if rel not in after:
            changed.append(f"{shown(rel)} removed")
        elif rel not in before:
            changed.append(f"{shown(rel)} created")
        elif before[rel] != after[rel]:
            changed.append(f"{shown(rel)} changed")
    return changed


def leftovers(root: Path) -> list[str]:
    """Temporary files and locks of the command anywhere under ``root``."""
    found = []
    for rel in snapshot(root):
        name = os.path.basename(rel)
        if name.startswith(TEMP_PREFIX) or rel.endswith(os.path.join(".cleaner", "lock")):
            found.append(rel)
    return found


def outputs(dst: Path) -> dict[str, bytes]:
    """The files of an output folder (hidden ones aside: they are the command's state), with their bytes."""
    found: dict[str, bytes] = {}
    if not dst.is_dir():
        return found
    for rel, entry in snapshot(dst).items():
        parts = rel.split(os.sep)
        if entry.startswith("file") and not any(part.startswith(".") for part in parts):
            found[rel] = read_long(dst, rel)
    return found


def read_long(root: Path, rel: str) -> bytes:
    """A file's bytes, reached folder by folder, so that paths longer than the system allows work."""
    *folders, name = rel.split(os.sep)
    fd = os.open(root, os.O_RDONLY)
    try:
        for folder in folders:
            inner = os.open(folder, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        file_fd = os.open(name, os.O_RDONLY, dir_fd=fd)
        with os.fdopen(file_fd, "rb") as handle:
            return handle.read()
    finally:
        os.close(fd)


def remove_tree(path: Path) -> None:
    """Remove a case's folder, making unreadable folders readable on the way."""

    def allow(function: Callable[..., Any], target: str, _exc: BaseException) -> None:
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(target) or ".", 0o755)
            os.chmod(target, 0o755)
        with contextlib.suppress(OSError):
            function(target)

    if path.exists() or path.is_symlink():
        shutil.rmtree(path, onexc=allow) if sys.version_info >= (3, 12) else shutil.rmtree(path, onerror=allow)


# -- seed text -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeds:
    """Real text to build cases from: the seed pages, their paragraphs and lines."""

    pages: tuple[str, ...]

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for page in self.pages for p in re.split(r"\n\s*\n", page) if p.strip()]

    @property
    def lines(self) -> list[str]:
        return [line.rstrip() for page in self.pages for line in page.split("\n") if line.strip()]

    def passage(self, rng: random.Random, characters: int) -> str:
        """Consecutive paragraphs from a random page, about ``characters`` long."""
        paragraphs = self.paragraphs
        start = rng.randrange(len(paragraphs))
        chosen: list[str] = []
        while sum(map(len, chosen)) < characters:
            chosen.append(paragraphs[(start + len(chosen)) % len(paragraphs)])
        return "\n\n".join(chosen)


def load_seeds(folder: Path) -> Seeds:
    pages = tuple(path.read_text("utf-8") for path in sorted(folder.glob("*.txt")))
    if not pages:
        raise SystemExit(f"{folder}: no seed pages (*.txt)")
    return Seeds(pages)


# -- what the command makes of text it cannot misread ----------------------------------------------


class Controls:
    """The command's output for known text, given as UTF-8: what a right decoding must give.

    Texts (one file each) and JSON Lines records (one file of records) are cleaned in one run each,
    with dedup off, so that every output depends on its own text only.
    """

    def __init__(self, cli: Cli, folder: Path) -> None:
        self.cli = cli
        self.folder = folder
        self.texts: dict[str, bytes | None] = {}
        self.records: dict[str, str | None] = {}
        self.problem = ""

    def prepare(self, texts: Iterable[str], records: Iterable[str]) -> None:
        wanted_texts = sorted(set(texts))
        wanted_records = sorted(set(records))
        src = self.folder / "src"
        src.mkdir(parents=True, exist_ok=True)
        for text in wanted_texts:
            (src / f"{digest_of(text)}.txt").write_bytes(text.encode("utf-8"))
        if wanted_records:
            lines = "".join(json.dumps({"text": text}, ensure_ascii=False) + "\n" for text in wanted_records)
            (src / "records.jsonl").write_text(lines, encoding="utf-8")
        if not wanted_texts and not wanted_records:
            return
        outcome = self.cli.run(["run", src, self.folder / "dst", "-j1", "-q", "--dedup", "off"], self.folder)
        if outcome.hung or outcome.code not in (0, 1) or TRACEBACK_MARK in outcome.stderr:
            self.problem = f"the control run (plain UTF-8) failed: exit {outcome.code}, {outcome.said()}"
        written = outputs(self.folder / "dst")
        for text in wanted_texts:
            self.texts[text] = written.get(f"{digest_of(text)}.txt")
        cleaned = written.get("records.jsonl", b"").decode("utf-8", "replace").splitlines()
        for number, text in enumerate(wanted_records):
            self.records[text] = record_text(cleaned[number]) if number < len(cleaned) else None

    def text(self, text: str) -> bytes | None:
        return self.texts.get(text)

    def record(self, text: str) -> str | None:
        return self.records.get(text)


def digest_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def record_text(line: str) -> str | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value.get("text") if isinstance(value, dict) else None


# -- cases and the checks they share ---------------------------------------------------------------


@dataclass
class Context:
    """What a scenario works with: the command, its own folder, the controls and the category's shared data."""

    cli: Cli
    box: Path
    controls: Controls
    shared: Any = None
    deny_reading: bool = False

    @property
    def src(self) -> Path:
        return self.box / "src"

    @property
    def dst(self) -> Path:
        return self.box / "dst"

    def run(self, *args: str | Path) -> Outcome:
        return self.cli.run(args, self.box, self.deny_reading)


Cases = dict[str, list[Broken]]


@dataclass(frozen=True)
class Scenario:
    """One or more cases made and checked together (one run of the command over several files)."""

    name: str
    run: Callable[[Context], Cases]


def one_case(name: str, check: Callable[[Context], list[Broken]]) -> Scenario:
    return Scenario(name, lambda ctx: {name: check(ctx)})


@dataclass(frozen=True)
class Expect:
    """What a run must do."""

    codes: frozenset[int]
    named: tuple[str, ...] = ()  # each must be on standard error
    written: tuple[str, ...] = ()  # outputs (relative to DST) that must exist
    absent: tuple[str, ...] = ()  # outputs that must not
    written_or_named: tuple[str, ...] = ()  # outputs that must exist unless the run exits 1 naming them


@dataclass(frozen=True)
class RunSpec:
    """A run: ``options`` shape the text (the idempotence run gets them too), ``run_options`` only this run."""

    src: Path
    dst: Path
    options: tuple[str, ...] = ()
    run_options: tuple[str, ...] = ()
    jobs: int = 1

    def args(self) -> list[str | Path]:
        return ["run", self.src, self.dst, "-j", str(self.jobs), *self.options, *self.run_options]


def process_promises(outcome: Outcome, codes: frozenset[int], what: str = "") -> list[Broken]:
    """No hang, no traceback, no internal error, an exit code of the expected class."""
    prefix = f"{what}: " if what else ""
    if outcome.hung:
        return [Broken(HANG, f"{prefix}no exit within {outcome.seconds:.0f} s")]
    broken = []
    if TRACEBACK_MARK in outcome.stderr or TRACEBACK_MARK in outcome.stdout:
        last = [line for line in (outcome.stderr or outcome.stdout).splitlines() if line.strip()][-1:]
        broken.append(Broken(TRACEBACK, prefix + clip(last[0] if last else "")))
    if outcome.code == 3:
        broken.append(Broken(INTERNAL_ERROR, prefix + outcome.said()))
    elif outcome.code not in codes:
        expected = " or ".join(map(str, sorted(codes)))
        broken.append(
            Broken(EXIT_CODE, f"{prefix}exit {describe_code(outcome.code)}, expected {expected}: {outcome.said()}")
        )
    return broken


def describe_code(code: int | None) -> str:
    if code is not None and code < 0:
        return f"{code} ({signal.Signals(-code).name})"
    return str(code)


def message_promises(outcome: Outcome, named: Iterable[str]) -> list[Broken]:
    missing = [name for name in named if name not in outcome.stderr]
    if not missing:
        return []
    return [Broken(MESSAGE, f"standard error does not name {clip(missing[0], 80)!r}: {outcome.said()}")]


def tree_promises(
    ctx: Context,
    inputs_before: Mapping[str, str],
    outside_before: Mapping[str, str],
    exclude: Sequence[str],
    refused: bool = False,
) -> list[Broken]:
    """Inputs unchanged (through symlinks), nothing changed outside what the run may write (anywhere,
    for a run that must refuse)."""
    broken = []
    changed = differences(inputs_before, snapshot(ctx.src, through_links=True))
    if changed:
        broken.append(Broken(INPUT_MODIFIED, ", ".join(changed[:3])))
    changed = differences(outside_before, snapshot(ctx.box, exclude))
    if changed:
        broken.append(Broken(WROTE_WHEN_REFUSED if refused else OUTSIDE_DST, ", ".join(changed[:3])))
    return broken


def leftover_promises(ctx: Context) -> list[Broken]:
    left = leftovers(ctx.box)
    return [Broken(LEFTOVER, ", ".join(shown(rel) for rel in left[:3]))] if left else []


def relative(ctx: Context, path: Path) -> str:
    return os.path.relpath(path, ctx.box)


def run_and_check(ctx: Context, spec: RunSpec, expect: Expect) -> tuple[Outcome, list[Broken]]:
    """Run once and check every promise that applies to the run itself."""
    refused = expect.codes == REFUSED
    exclude = [] if refused else [relative(ctx, spec.dst)]
    inputs_before = snapshot(ctx.src, through_links=True)
    outside_before = snapshot(ctx.box, exclude)
    outcome = ctx.run(*spec.args())
    broken = process_promises(outcome, expect.codes)
    broken += tree_promises(ctx, inputs_before, outside_before, exclude, refused)
    if outcome.hung:
        return outcome, broken
    broken += leftover_promises(ctx)
    if outcome.code != 0:
        broken += message_promises(outcome, expect.named)
    if outcome.code in (0, 1):
        written = outputs(spec.dst)
        missing = [rel for rel in expect.written if rel not in written]
        if missing:
            broken.append(Broken(NOT_WRITTEN, f"no output {shown(missing[0])!r}"))
        unwanted = [rel for rel in expect.absent if rel in written]
        if unwanted:
            broken.append(Broken(WRONG_TEXT, f"{shown(unwanted[0])!r} was written but must be refused"))
        broken += left_out_promises(outcome, written, expect.written_or_named)
    return outcome, broken


def left_out_promises(outcome: Outcome, written: Mapping[str, bytes], wanted: Iterable[str]) -> list[Broken]:
    """An input without an output must have been refused out loud: exit 1, and on standard error its
    path or that of a folder above it (one that could not be listed)."""
    for rel in wanted:
        if rel in written:
            continue
        if outcome.code == 0:
            return [Broken(NOT_WRITTEN, f"{clip(shown(rel), 80)!r} was left out with exit 0")]
        parts = rel.split(os.sep)
        paths = [os.sep.join(parts[: n + 1]) for n in range(len(parts))]
        if not any(shown(path) in outcome.stderr for path in paths):
            return [Broken(MESSAGE, f"{clip(shown(rel), 80)!r} was left out without a message naming it")]
    return []


def verify_promises(ctx: Context, spec: RunSpec) -> list[Broken]:
    outcome = ctx.run("verify", spec.src, spec.dst, "-q")
    if outcome.hung or outcome.code != 0 or TRACEBACK_MARK in outcome.stderr:
        return [Broken(VERIFY, f"exit {describe_code(outcome.code)}: {outcome.said()}")]
    return []


def idempotence_promises(ctx: Context, spec: RunSpec, name: str = "again") -> list[Broken]:
    """Cleaning DST again (into a folder beside it) gives the same files."""
    first = outputs(spec.dst)
    if not first:
        return []
    again = ctx.box / name
    outcome = ctx.run("run", spec.dst, again, "-j1", "-q", *spec.options)
    if outcome.hung or outcome.code not in (0, 1) or TRACEBACK_MARK in outcome.stderr:
        return [Broken(IDEMPOTENCE, f"cleaning DST again: exit {describe_code(outcome.code)}: {outcome.said()}")]
    second = outputs(again)
    for rel, data in sorted(first.items()):
        if second.get(rel) != data:
            return [
                Broken(IDEMPOTENCE, f"{shown(rel)} changes when cleaned again: {first_change(data, second.get(rel))}")
            ]
    return []


def first_change(before: bytes, after: bytes | None) -> str:
    if after is None:
        return "no output the second time"
    a, b = before.decode("utf-8", "replace"), after.decode("utf-8", "replace")
    at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return f"at {at}: {a[max(0, at - 10) : at + 20]!r} -> {b[max(0, at - 10) : at + 20]!r}"


def clean_and_check(ctx: Context, spec: RunSpec, expect: Expect) -> list[Broken]:
    """A run and everything it promises: the run's own promises, then verify and idempotence."""
    outcome, broken = run_and_check(ctx, spec, expect)
    if not outcome.hung and outcome.code in (0, 1):
        broken += verify_promises(ctx, spec) + idempotence_promises(ctx, spec)
    return broken


# -- building cases --------------------------------------------------------------------------------


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def good_file(ctx: Context, seeds: Seeds, rng: random.Random, name: str = "ok.txt") -> str:
    """A plain page beside the hostile input: it must be written whatever happens to the other."""
    write(ctx.src / name, seeds.passage(rng, 300) + "\n")
    return name


@dataclass(frozen=True)
class Plan:
    """A category's scenarios, the texts its controls need, and what must run first."""

    scenarios: list[Scenario]
    control_texts: list[str] = field(default_factory=list)
    control_records: list[str] = field(default_factory=list)
    setup: Callable[[Cli, Path], Any] | None = None
    sequential: bool = False  # scenarios that time signals run one at a time


@dataclass(frozen=True)
class Options:
    """How many cases to make: the suite's defaults, or a few for the tests."""

    lines: int | None = None  # seed lines per encoding (None: every line)
    per_kind: int | None = None  # cases of each kind at most (None: all)
    interrupts: int = 10
    interrupt_files: int = 300

    def some(self, items: Sequence[Any], rng: random.Random, limit: int | None = None) -> list[Any]:
        """``items``, or a sample of them (in their order) when the options ask for fewer."""
        limit = self.per_kind if limit is None else limit
        if limit is None or len(items) <= limit:
            return list(items)
        chosen = sorted(rng.sample(range(len(items)), limit))
        return [items[i] for i in chosen]


# -- write safety ----------------------------------------------------------------------------------

SAFETY_INPUTS = ("a.txt", "sub/b.txt", "sub/deeper/c.txt")


def safety_corpus(ctx: Context, seeds: Seeds, rng: random.Random) -> None:
    for name in SAFETY_INPUTS:
        write(ctx.src / name, seeds.passage(rng, rng.randint(100, 800)) + "\n")


def refused(ctx: Context, spec: RunSpec, *named: str | Path) -> list[Broken]:
    """The run must stop with exit 2, naming the path, before it writes anything."""
    _, broken = run_and_check(ctx, spec, Expect(REFUSED, named=tuple(str(n) for n in named)))
    return broken


def report_option(option: str, where: Callable[[Context, str], Path]) -> Callable[[Context, str, int], list[Broken]]:
    """A case that gives ``option`` a path (made from the case's folder and one input) that must be refused."""

    def case(ctx: Context, target: str, jobs: int) -> list[Broken]:
        path = where(ctx, target)
        return refused(ctx, RunSpec(ctx.src, ctx.dst, run_options=(option, str(path)), jobs=jobs), path)

    return case


def link(path: Path, target: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target, target_is_directory=target.is_dir())
    return path


def report_through_symlink(ctx: Context, target: str, jobs: int) -> list[Broken]:
    path = link(ctx.box / "audit-link.jsonl", ctx.src / target)
    return refused(ctx, RunSpec(ctx.src, ctx.dst, run_options=("--report", str(path)), jobs=jobs), path)


def report_through_linked_folder(ctx: Context, target: str, jobs: int) -> list[Broken]:
    folder = link(ctx.box / "reports", ctx.src / os.path.dirname(target) if "/" in target else ctx.src)
    path = folder / "audit.jsonl"
    return refused(ctx, RunSpec(ctx.src, ctx.dst, run_options=("--report", str(path)), jobs=jobs), path)


def dst_is_src(ctx: Context, target: str, jobs: int) -> list[Broken]:
    return refused(ctx, RunSpec(ctx.src, ctx.src, jobs=jobs), ctx.src)


def dst_inside_src(ctx: Context, target: str, jobs: int) -> list[Broken]:
    dst = ctx.src / os.path.dirname(target) / "out"
    return refused(ctx, RunSpec(ctx.src, dst, jobs=jobs), dst)


def dst_holds_src(ctx: Context, target: str, jobs: int) -> list[Broken]:
    return refused(ctx, RunSpec(ctx.src, ctx.box, jobs=jobs), ctx.box)


def dst_links_to_src(ctx: Context, target: str, jobs: int) -> list[Broken]:
    dst = link(ctx.box / "dst-link", ctx.src)
    return refused(ctx, RunSpec(ctx.src, dst, jobs=jobs), dst)


def dst_under_a_link_to_src(ctx: Context, target: str, jobs: int) -> list[Broken]:
    dst = link(ctx.box / "out-link", ctx.src / "sub") / "new"
    return refused(ctx, RunSpec(ctx.src, dst, jobs=jobs), dst)


def src_through_a_link(ctx: Context, target: str, jobs: int) -> list[Broken]:
    src = link(ctx.box / "src-link", ctx.src)
    dst = ctx.src / "out"
    return refused(ctx, RunSpec(src, dst, jobs=jobs), dst)


def dst_folder_links_into_src(ctx: Context, target: str, jobs: int) -> list[Broken]:
    folder = os.path.dirname(target) or "sub"
    link(ctx.dst / folder, ctx.src / folder)
    return refused(ctx, RunSpec(ctx.src, ctx.dst, jobs=jobs), ctx.dst)


def dst_file_links_to_input(ctx: Context, target: str, jobs: int) -> list[Broken]:
    link(ctx.dst / target, ctx.src / target)
    return refused(ctx, RunSpec(ctx.src, ctx.dst, jobs=jobs), ctx.dst)


def state_folder_links_into_src(ctx: Context, target: str, jobs: int) -> list[Broken]:
    link(ctx.dst / ".cleaner", ctx.src / "sub")
    return refused(ctx, RunSpec(ctx.src, ctx.dst, jobs=jobs), ctx.dst)


def dst_folder_links_elsewhere(ctx: Context, target: str, jobs: int) -> list[Broken]:
    elsewhere = ctx.box / "elsewhere"
    elsewhere.mkdir()
    link(ctx.dst / "sub", elsewhere)
    return refused(ctx, RunSpec(ctx.src, ctx.dst, jobs=jobs), ctx.dst)


def dst_is_a_file(ctx: Context, target: str, jobs: int) -> list[Broken]:
    dst = write(ctx.box / "notes.txt", "a file of my own\n")
    return refused(ctx, RunSpec(ctx.src, dst, jobs=jobs), dst)


def single_file_report_over_itself(ctx: Context, target: str, jobs: int) -> list[Broken]:
    src = ctx.src / target
    spec = RunSpec(src, Path("-"), run_options=("--report", str(src)), jobs=jobs)
    return refused(ctx, spec, src)


def single_file_into_its_folder(ctx: Context, target: str, jobs: int) -> list[Broken]:
    src = ctx.src / target
    return refused(ctx, RunSpec(src, src.parent, jobs=jobs), src.parent)


SAFETY_CASES: dict[str, Callable[[Context, str, int], list[Broken]]] = {
    "--report over an input": report_option("--report", lambda ctx, t: ctx.src / t),
    "--report into SRC": report_option("--report", lambda ctx, t: ctx.src / os.path.dirname(t) / "audit.jsonl"),
    "--report .gz into SRC": report_option("--report", lambda ctx, t: ctx.src / "audit.jsonl.gz"),
    "--report over an output": report_option("--report", lambda ctx, t: ctx.dst / t),
    "--report through a symlink to an input": report_through_symlink,
    "--report in a folder linked into SRC": report_through_linked_folder,
    "--summary-json into SRC": report_option("--summary-json", lambda ctx, t: ctx.src / "summary.json"),
    "--summary-json over an input": report_option("--summary-json", lambda ctx, t: ctx.src / t),
    "--html into SRC": report_option("--html", lambda ctx, t: ctx.src / os.path.dirname(t) / "review.html"),
    "--html over an input": report_option("--html", lambda ctx, t: ctx.src / t),
    "DST is SRC": dst_is_src,
    "DST inside SRC": dst_inside_src,
    "DST holds SRC": dst_holds_src,
    "DST is a symlink to SRC": dst_links_to_src,
    "DST under a symlink into SRC": dst_under_a_link_to_src,
    "SRC through a symlink, DST inside it": src_through_a_link,
    "DST folder symlinked into SRC": dst_folder_links_into_src,
    "DST file symlinked to an input": dst_file_links_to_input,
    "DST/.cleaner symlinked into SRC": state_folder_links_into_src,
    "DST folder symlinked elsewhere": dst_folder_links_elsewhere,
    "DST is a file": dst_is_a_file,
    "single file, --report over itself": single_file_report_over_itself,
    "single file, DST its own folder": single_file_into_its_folder,
}


def safety_scenario(label: str, case: Callable[[Context, str, int], list[Broken]], seeds: Seeds, seed: int) -> Scenario:
    rng = random.Random(seed)
    target = rng.choice(SAFETY_INPUTS)
    jobs = rng.choice((1, 1, 2))

    def check(ctx: Context) -> list[Broken]:
        safety_corpus(ctx, seeds, random.Random(seed))
        return case(ctx, target, jobs)

    return one_case(f"{label} ({target}, -j{jobs})", check)


# Document paths a crafted audit record gives restore; none may be written outside the folder restored into.
RESTORE_DOCS: dict[str, Callable[[Path], str]] = {
    "../": lambda box: "../victim.txt",
    "absolute": lambda box: str(box / "victim.txt"),
    "//absolute": lambda box: "/" + str(box / "victim.txt"),
    "sub/../../": lambda box: "sub/../../victim.txt",
    "./../": lambda box: "./../victim.txt",
    "a.txt/../../": lambda box: "a.txt/../../victim.txt",
    "..": lambda box: "..",
    "empty": lambda box: "",
    "NUL byte": lambda box: "sub/\x00/../../victim.txt",
}


def restore_records(doc: str, kept: str, removed: str, size: int) -> list[dict[str, Any]]:
    """A file record and a dedup removal for ``doc``: the paragraph ``removed`` after ``kept``."""
    start = len(kept)
    before = "\n\n" + removed
    para = kept.count("\n\n") + 1  # the paragraph it was in the text dedup received
    return [
        {"type": "file", "doc": doc, "status": "cleaned", "encoding": "utf-8", "bytes_in": size, "bytes_out": size,
         "edits": 1},
        {"type": "edit", "doc": doc, "step": 0, "stage": "dedup", "rule": "exact", "para": para, "start": start,
         "end": start + len(before), "before": before, "after": "",
         "detail": {"kept": {"doc": doc, "para": 0, "similarity": 1.0}, "removed_para": para}},
    ]  # fmt: skip


def write_audit(path: Path, records: Sequence[Mapping[str, Any]]) -> Path:
    """An audit record in the verbose layout (one JSON object a line), which every version reads."""
    return write(path, "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records))


def restore_scenario(label: str, bad_doc: Callable[[Path], str], to_out: bool, seeds: Seeds, seed: int) -> Scenario:
    """restore from a crafted audit record: a safe document is restored, one with an unsafe path refused."""

    def check(ctx: Context) -> list[Broken]:
        rng = random.Random(seed)
        first, second, third = rng.sample(seeds.paragraphs, 3)
        cleaned = f"{first}\n\n{second}"
        write(ctx.dst / "a.txt", cleaned + "\n")
        victim = write(ctx.box / "victim.txt", third + "\n")
        doc = bad_doc(ctx.box)
        records: list[dict[str, Any]] = [{"type": "run", "stages": ["dedup"], "dedup": "corpus"}]
        records += restore_records("a.txt", cleaned, first, len((cleaned + "\n").encode()))
        records += restore_records(doc, third, first, victim.stat().st_size)
        audit = write_audit(ctx.box / "crafted" / "audit.jsonl", records)
        into = ctx.box / "restored" if to_out else ctx.dst
        return restore_and_check(ctx, audit, into, to_out, doc, f"{cleaned}\n\n{first}\n")

    where = "--out" if to_out else "in place"
    return one_case(f"restore, doc {label} ({where})", check)


def restore_and_check(ctx: Context, audit: Path, into: Path, to_out: bool, doc: str, restored: str) -> list[Broken]:
    exclude = [relative(ctx, into)]
    inputs_before = snapshot(ctx.src, through_links=True)
    outside_before = snapshot(ctx.box, exclude)
    outcome = ctx.run("restore", audit, ctx.dst, *(["--out", into] if to_out else []))
    broken = process_promises(outcome, BAD_INPUT)
    broken += tree_promises(ctx, inputs_before, outside_before, exclude)
    if outcome.hung:
        return broken
    broken += leftover_promises(ctx)
    broken += message_promises(outcome, [shown(doc)] if outcome.code else [])
    if outcome.code in (0, 1):
        written = outputs(into).get("a.txt")
        if written != restored.encode():
            broken.append(Broken(NOT_WRITTEN, "the document with a safe path was not restored"))
    return broken


def restore_through_link_scenario(to_out: bool, seeds: Seeds, seed: int) -> Scenario:
    """A folder of the cleaned tree is a symlink leading out of it: restore must not write through it."""

    def check(ctx: Context) -> list[Broken]:
        rng = random.Random(seed)
        first, second = rng.sample(seeds.paragraphs, 2)
        elsewhere = ctx.box / "elsewhere"
        write(elsewhere / "b.txt", first + "\n")
        link(ctx.dst / "sub", elsewhere)
        records: list[dict[str, Any]] = [{"type": "run", "stages": ["dedup"], "dedup": "corpus"}]
        records += restore_records("sub/b.txt", first, second, len((first + "\n").encode()))
        audit = write_audit(ctx.box / "crafted" / "audit.jsonl", records)
        into = ctx.box / "restored" if to_out else ctx.dst
        exclude = [relative(ctx, into)]  # the symlink is not followed there: what it leads to is outside
        outside_before = snapshot(ctx.box, exclude)
        outcome = ctx.run("restore", audit, ctx.dst, *(["--out", into] if to_out else []))
        broken = process_promises(outcome, frozenset({0, 1, 2}))
        changed = differences(outside_before, snapshot(ctx.box, exclude))
        if changed:
            broken.append(Broken(OUTSIDE_DST, ", ".join(changed[:3])))
        return broken

    return one_case(f"restore through a symlinked folder ({'--out' if to_out else 'in place'})", check)


def write_safety_plan(seeds: Seeds, rng: random.Random, options: Options, env: Environment) -> Plan:
    scenarios = []
    for label, case in SAFETY_CASES.items():
        for _ in range(options.per_kind or 2):
            scenarios.append(safety_scenario(label, case, seeds, rng.randrange(1 << 30)))
    for label, bad_doc in options.some(list(RESTORE_DOCS.items()), rng):
        for to_out in (False, True):
            scenarios.append(restore_scenario(label, bad_doc, to_out, seeds, rng.randrange(1 << 30)))
    for to_out in (False, True):
        scenarios.append(restore_through_link_scenario(to_out, seeds, rng.randrange(1 << 30)))
    return Plan(dedupe(scenarios))


def dedupe(scenarios: list[Scenario]) -> list[Scenario]:
    """Scenarios with distinct names (two draws of the same variant are one case)."""
    seen: dict[str, Scenario] = {}
    for scenario in scenarios:
        seen.setdefault(scenario.name, scenario)
    return list(seen.values())


# -- encodings -------------------------------------------------------------------------------------

WESTERN = (
    "naïve café",
    "Brontë’s novels",
    "Le cœur a ses raisons que la raison ne connaît point.",
    "Ça coûte 5 € à l’hôtel, déjà payé.",
    "Größere Straßen führen über die Brücke nach Köln.",
    "Müller’s „Übersicht“ – für Bäcker.",
    "El niño comió piñata en el año 2024.",
    "¿Dónde está la estación? ¡Allí!",
    "À bientôt, chère Zoë — et merci pour le gâteau.",
    "Die Bäume blühen früh in diesem Jahr, sagt Frau Schäfer.",
    "Não há mal que sempre dure, nem bem que nunca se acabe.",
    "L’été dernier, nous sommes allés à Saint-Étienne.",
    "Smörgåsbord och kaffe på terrassen.",
    "Ægir og Æsir i de gamle sagaer.",
    "«Où est la bibliothèque?» demanda-t-il.",
    "Crème brûlée, soufflé, and jalapeño on the menu.",
    "Før og efter: tæt på søen.",
    "Señor Muñoz paid £30 for the piñón.",
    "Die Öffnungszeiten: Mo–Fr 9–18 Uhr.",
    "O’Brien’s “quoted” words… and more.",
    "Fußgängerübergänge sind gefährlich, wenn es glatt ist.",
    "Le garçon a reçu un reçu pour sa façade.",
    "São Paulo é a maior cidade do Brasil, não é?",
    "Þórður fór á fjöllin í gær.",
)


@dataclass(frozen=True)
class EncodedFile:
    """A file's name, its bytes, and the text a right reading gives (None: there is none, so it must be refused)."""

    name: str
    data: bytes
    text: str | None


def encoded_lines(lines: Sequence[tuple[int, str]], encode: Callable[[str], bytes]) -> list[EncodedFile]:
    files = []
    for number, text in lines:
        try:
            files.append(EncodedFile(f"l{number:04d}.txt", encode(text), text))
        except UnicodeEncodeError:
            continue  # a character the encoding cannot hold: no such file could exist
    return files


def with_bom(bom: bytes, codec: str) -> Callable[[str], bytes]:
    return lambda text: bom + text.encode(codec)


def plain(codec: str) -> Callable[[str], bytes]:
    return lambda text: text.encode(codec)


SEED_LINE_ENCODINGS: dict[str, Callable[[str], bytes]] = {
    "GBK": plain("gbk"),
    "GB18030": plain("gb18030"),
    "UTF-16-LE": plain("utf-16-le"),
    "UTF-16-BE": plain("utf-16-be"),
    "UTF-16-LE with BOM": with_bom(b"\xff\xfe", "utf-16-le"),
    "UTF-16-BE with BOM": with_bom(b"\xfe\xff", "utf-16-be"),
    "UTF-8 with BOM": with_bom(b"\xef\xbb\xbf", "utf-8"),
}
DAMAGED_CODECS = ("utf-8", "gb18030", "gbk", "big5", "utf-16-le", "utf-16-be")


def damaged_file(number: int, seeds: Seeds, rng: random.Random, traditional: Callable[[str], str]) -> EncodedFile:
    """A passage cut in the middle of its last character, or with one stray byte: the right reading
    has U+FFFD there (or the file is refused)."""
    codec = rng.choice(DAMAGED_CODECS)
    text = seeds.passage(rng, rng.randint(120, 3000)).rstrip()
    text = traditional(text) if codec == "big5" else text
    text = text.encode(codec, "ignore").decode(codec)  # only what the encoding can hold
    if not text or ord(text[-1]) < 0x80:
        text += "。"
    data = text.encode(codec)
    if codec.startswith("utf-16"):
        if rng.random() < 0.5:
            data = data[:-1]  # an odd number of bytes
        else:
            at = 2 * rng.randrange(len(text))
            data = data[:at] + ("\ud800".encode(codec, "surrogatepass")) + data[at:]  # a lone surrogate
    elif rng.random() < 0.5:
        data = data[: -len(text[-1].encode(codec)) + 1]  # the last character cut short
    else:
        at = len(text[: rng.randrange(len(text))].encode(codec))
        data = data[:at] + b"\xff" + data[at:]  # a byte no character starts with
    return EncodedFile(f"d{number:03d}-{codec}.txt", data, data.decode(codec, "replace"))


def random_file(number: int, rng: random.Random) -> EncodedFile:
    """Bytes with no right reading: uniform, all high (each pair a GBK character), or random UTF-16 code units."""
    size = rng.randint(16, 2048)
    kind = number % 3
    if kind == 0:
        data = bytes(rng.randrange(256) for _ in range(size))
    elif kind == 1:
        data = bytes(rng.randrange(0x81, 0xFF) for _ in range(size & ~1))
    else:
        units = [rng.choice((rng.randrange(0x100, 0xD800), rng.randrange(0xE000, 0xFFFE))) for _ in range(size // 2)]
        data = "".join(map(chr, units)).encode("utf-16-le")
    return EncodedFile(f"r{number:03d}.txt", data, None)


def encoding_scenario(label: str, files: list[EncodedFile]) -> Scenario:
    return Scenario(label, lambda ctx: check_encoded(ctx, label, files))


def check_encoded(ctx: Context, label: str, files: list[EncodedFile]) -> Cases:
    """One run over every file of one encoding; each file is a case: its right text, or refused out loud."""
    for item in files:
        write(ctx.src / item.name, item.data)
    spec = RunSpec(ctx.src, ctx.dst, options=("--dedup", "off"), run_options=("-q",))
    outcome, run_broken = run_and_check(ctx, spec, Expect(FINE_OR_BAD))
    cases = {f"{label}/{item.name}": list(run_broken) for item in files}
    if outcome.hung or outcome.code not in (0, 1):
        return cases
    written = outputs(ctx.dst)
    for item in files:
        cases[f"{label}/{item.name}"] += decoding_promises(ctx, item, written.get(item.name), outcome)
    per_file_verify(ctx, spec, label, files, cases)
    per_file_idempotence(ctx, spec, label, written, cases)
    return cases


def decoding_promises(ctx: Context, item: EncodedFile, data: bytes | None, outcome: Outcome) -> list[Broken]:
    if data is None:
        broken = []
        if item.name not in outcome.stderr:
            broken.append(Broken(MESSAGE, f"{item.name} was left out without a message naming it"))
        if outcome.code != 1:
            broken.append(Broken(EXIT_CODE, f"{item.name} was left out but the run exited {outcome.code}"))
        return broken
    if item.text is None:
        return [Broken(WRONG_TEXT, f"bytes with no right reading were written as {sample(data)}")]
    expected = ctx.controls.text(item.text)
    if expected is None:
        problem = ctx.controls.problem or "the control run wrote nothing for this text"
        return [Broken(WRONG_TEXT, f"cannot tell: {problem}")]
    if data != expected:
        return [Broken(WRONG_TEXT, f"wrote {sample(data)}, the right reading gives {sample(expected)}")]
    return []


def sample(data: bytes, width: int = 24) -> str:
    text = data.decode("utf-8", "replace").strip()
    return repr(text[:width] + ("…" if len(text) > width else ""))


def per_file_verify(ctx: Context, spec: RunSpec, label: str, files: Sequence[EncodedFile], cases: Cases) -> None:
    """verify over the whole run; a failure is charged to the files it names, else to every file."""
    outcome = ctx.run("verify", spec.src, spec.dst, "-q")
    if not outcome.hung and outcome.code == 0 and TRACEBACK_MARK not in outcome.stderr:
        return
    names = {item.name for item in files}
    lines = [line for line in (outcome.stdout + outcome.stderr).splitlines() if line.split(":")[0] in names]
    if not lines:
        for case in cases.values():
            case.append(Broken(VERIFY, f"exit {describe_code(outcome.code)}: {outcome.said()}"))
        return
    for line in lines:
        cases[f"{label}/{line.split(':')[0]}"].append(Broken(VERIFY, clip(line)))


def per_file_idempotence(ctx: Context, spec: RunSpec, label: str, first: Mapping[str, bytes], cases: Cases) -> None:
    if not first:
        return
    again = ctx.box / "again"
    outcome = ctx.run("run", spec.dst, again, "-j1", "-q", *spec.options)
    if outcome.hung or outcome.code not in (0, 1) or TRACEBACK_MARK in outcome.stderr:
        for name in first:
            cases[f"{label}/{name}"].append(
                Broken(IDEMPOTENCE, f"cleaning DST again: exit {outcome.code}: {outcome.said()}")
            )
        return
    second = outputs(again)
    for name, data in first.items():
        if second.get(name) != data:
            cases[f"{label}/{name}"].append(Broken(IDEMPOTENCE, first_change(data, second.get(name))))


def encodings_plan(seeds: Seeds, rng: random.Random, options: Options, env: Environment) -> Plan:
    lines = options.some(list(enumerate(seeds.lines)), rng, options.lines)
    batches = {label: encoded_lines(lines, encode) for label, encode in SEED_LINE_ENCODINGS.items()}
    traditional_lines = [(number, env.traditional(text)) for number, text in lines]
    batches["Big5 (traditional)"] = encoded_lines(traditional_lines, plain("big5"))
    batches["cp1252"] = encoded_lines(list(enumerate(options.some(WESTERN, rng))), plain("cp1252"))
    batches["damaged"] = [damaged_file(n, seeds, rng, env.traditional) for n in range(options.per_kind or 60)]
    batches["random bytes"] = [random_file(n, rng) for n in range(options.per_kind or 45)]
    texts = [item.text for files in batches.values() for item in files if item.text is not None]
    return Plan([encoding_scenario(label, files) for label, files in batches.items()], control_texts=texts)


# -- names and file kinds --------------------------------------------------------------------------


def name_of_bytes(size: int, style: str, suffix: str) -> str:
    """A file name of exactly ``size`` bytes in UTF-8: ASCII, or Chinese (3 bytes a character) padded with ASCII."""
    room = size - len(suffix.encode())
    if style == "ascii":
        return "n" * room + suffix
    chinese = "渌口区" * (room // 9 + 1)
    stem = chinese[: room // 3]
    return stem + "n" * (room - len(stem.encode())) + suffix


def content_for(name: str, seeds: Seeds, rng: random.Random) -> bytes:
    """Real text in the form the name asks for (JSON Lines records, gzip)."""
    text = seeds.passage(rng, 400)
    if ".jsonl" in name:
        body = "".join(
            json.dumps({"id": n, "text": p}, ensure_ascii=False) + "\n" for n, p in enumerate(text.split("\n\n"))
        )
    else:
        body = text + "\n"
    suffix = os.path.splitext(name)[1]
    return compress(body.encode(), suffix) if suffix in (".gz", ".bz2", ".zst") else body.encode()


def long_name_scenario(size: int, style: str, suffix: str, in_folder: bool, seeds: Seeds, seed: int) -> Scenario:
    name = name_of_bytes(size, style, suffix)
    rel = f"{name_of_bytes(size, style, '')}/{name}" if in_folder else name

    def check(ctx: Context) -> list[Broken]:
        rng = random.Random(seed)
        write(ctx.src / rel, content_for(name, seeds, rng))
        ok = good_file(ctx, seeds, rng)
        return clean_and_check(ctx, RunSpec(ctx.src, ctx.dst), Expect(FINE, written=(rel, ok)))

    where = " in a folder of as many" if in_folder else ""
    return one_case(f"name of {size} bytes ({style}, {suffix or 'no suffix'}){where}", check)


BAD_NAMES = (
    b"bad\xff.txt",
    b"cut\xe6\xb8.txt",  # UTF-8 cut short
    b"caf\xe9.txt",  # Latin-1
    "渌口区".encode("gbk") + b".txt",
    b"over\xc0\xaflong.txt",  # an overlong encoding of '/'
    b"surrogate\xed\xa0\x80.txt",  # a surrogate encoded in UTF-8
    b"folder\xfe/a.txt",  # the bad byte in a folder's name
    b"\xff\xfe.jsonl",
)


def bad_name_scenario(raw: bytes, seeds: Seeds, seed: int) -> Scenario:
    rel = os.fsdecode(raw)
    bad_part = next(part for part in rel.split("/") if shown(part) != part)

    def check(ctx: Context) -> list[Broken]:
        rng = random.Random(seed)
        write(ctx.src / rel, content_for(rel, seeds, rng))
        ok = good_file(ctx, seeds, rng)
        expect = Expect(BAD_INPUT, named=(shown(bad_part),), written=(ok,), absent=(rel,))
        return clean_and_check(ctx, RunSpec(ctx.src, ctx.dst), expect)

    return one_case(f"name not UTF-8: {shown(rel)}", check)


CONTROL_NAMES = ("esc\x1b[31mred.txt", "bell\x07.txt", "tab\tname.txt", "new\nline.txt", "cr\rname.md", "del\x7f.txt")


def control_name_scenario(name: str, seeds: Seeds, seed: int) -> Scenario:
    """A name with control characters is cleaned, and printed escaped: none reaches the terminal."""

    def check(ctx: Context) -> list[Broken]:
        rng = random.Random(seed)
        write(ctx.src / name, content_for(name, seeds, rng))
        ok = good_file(ctx, seeds, rng)
        spec = RunSpec(ctx.src, ctx.dst)
        outcome, broken = run_and_check(ctx, spec, Expect(FINE, written=(name, ok)))
        raw = [char for char in name if unicodedata.category(char) == "Cc" and char != "\n"]
        if any(char in outcome.stderr for char in raw) or name in outcome.stderr:
            broken.append(Broken(MESSAGE, f"the name {shown(name)!r} reached the terminal unescaped"))
        if not outcome.hung and outcome.code in (0, 1):
            broken += verify_promises(ctx, spec) + idempotence_promises(ctx, spec)
        return broken

    return one_case(f"control characters in a name: {shown(name)}", check)


def special_scenario(
    label: str, make: Callable[[Context], str], seeds: Seeds, seed: int, deny: bool = False
) -> Scenario:
    """An input that is not a regular, readable file: skipped with its name, the rest written, exit 1."""

    def check(ctx: Context) -> list[Broken]:
        ctx.deny_reading = deny
        rng = random.Random(seed)
        ok = good_file(ctx, seeds, rng)
        named = make(ctx)
        return clean_and_check(ctx, RunSpec(ctx.src, ctx.dst), Expect(BAD_INPUT, named=(named,), written=(ok,)))

    return one_case(label, check)


def make_fifo(ctx: Context) -> str:
    os.mkfifo(ctx.src / "pipe.txt")
    return "pipe.txt"


def make_link_to_fifo(ctx: Context) -> str:
    (ctx.box / "other").mkdir()
    os.mkfifo(ctx.box / "other" / "pipe")
    link(ctx.src / "piped.txt", ctx.box / "other" / "pipe")
    return "piped.txt"


def make_link_to(device: str) -> Callable[[Context], str]:
    def make(ctx: Context) -> str:
        link(ctx.src / "device.txt", Path(device))
        return "device.txt"

    return make


def make_socket(ctx: Context) -> str:
    """A socket file: bound at a short path (the limit is about 100 bytes), then moved into SRC."""
    with tempfile.TemporaryDirectory() as short:
        path = os.path.join(short, "s")
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(path)
            shutil.move(path, ctx.src / "socket.txt")
    return "socket.txt"


def make_unreadable_file(ctx: Context) -> str:
    os.chmod(write(ctx.src / "locked.txt", "渌口区推进产业发展。\n"), 0)
    return "locked.txt"


def make_unreadable_folder(ctx: Context) -> str:
    write(ctx.src / "locked" / "inside.txt", "渌口区推进产业发展。\n")
    os.chmod(ctx.src / "locked", 0)
    return "locked"


def make_unwritable_output_folder(ctx: Context) -> str:
    write(ctx.src / "sub" / "b.txt", "渌口区推进产业发展。\n")
    (ctx.dst / "sub").mkdir(parents=True)
    os.chmod(ctx.dst / "sub", 0o555)
    return "sub/b.txt"


def make_nul_bytes(ctx: Context) -> str:
    write(ctx.src / "nul.txt", b"\x00" * 4096)
    return "nul.txt"


def odd_file_scenario(label: str, name: str, data: bytes, seeds: Seeds, seed: int) -> Scenario:
    """A file that may be written (as what it holds) or skipped, but if skipped then out loud."""

    def check(ctx: Context) -> list[Broken]:
        write(ctx.src / name, data)
        ok = good_file(ctx, seeds, random.Random(seed))
        expect = Expect(FINE_OR_BAD, named=(name,), written=(ok,), written_or_named=(name,))
        return clean_and_check(ctx, RunSpec(ctx.src, ctx.dst), expect)

    return one_case(label, check)


def loop_scenario(label: str, make: Callable[[Path], str], seeds: Seeds, seed: int) -> Scenario:
    """Symlink loops: the run ends, skips what it cannot read out loud, and writes the rest."""

    def check(ctx: Context) -> list[Broken]:
        ok = good_file(ctx, seeds, random.Random(seed))
        named = make(ctx.src)
        return clean_and_check(ctx, RunSpec(ctx.src, ctx.dst), Expect(FINE_OR_BAD, named=(named,), written=(ok,)))

    return one_case(label, check)


def loop_pair(src: Path) -> str:
    link(src / "loop-a.txt", src / "loop-b.txt")
    link(src / "loop-b.txt", src / "loop-a.txt")
    return "loop-a.txt"


def loop_self(src: Path) -> str:
    (src / "self.txt").symlink_to("self.txt")
    return "self.txt"


def loop_folder_up(src: Path) -> str:
    (src / "sub").mkdir()
    (src / "sub" / "up").symlink_to("..", target_is_directory=True)
    return "up"


def loop_folder_self(src: Path) -> str:
    (src / "sub").mkdir()
    (src / "sub" / "again").symlink_to(".", target_is_directory=True)
    return "again"


def deep_path_scenario(total: int, seeds: Seeds, seed: int) -> Scenario:
    """A file whose absolute path is about ``total`` bytes (the system's limit is usually 4096): cleaned,
    or skipped with its name, never left out silently."""

    def check(ctx: Context) -> list[Broken]:
        rng = random.Random(seed)
        ok = good_file(ctx, seeds, rng)
        rel = make_deep_file(ctx.src, total, (seeds.passage(rng, 200) + "\n").encode())
        top = rel.split(os.sep)[0]  # in the message whether it names the file or a folder it could not list
        expect = Expect(FINE_OR_BAD, named=(top,), written=(ok,), written_or_named=(rel,))
        return clean_and_check(ctx, RunSpec(ctx.src, ctx.dst), expect)

    return one_case(f"path of about {total} bytes", check)


def make_deep_file(src: Path, total: int, data: bytes) -> str:
    """Folders of 200-byte names down to ``total`` bytes of absolute path, made folder by folder."""
    parts: list[str] = []
    length = len(os.fsencode(src.resolve())) + len("/deep.txt")
    fd = os.open(src, os.O_RDONLY)
    try:
        while length < total:
            name = f"{len(parts):02d}" + "d" * min(198, max(1, total - length - 3))
            os.mkdir(name, dir_fd=fd)
            inner = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
            parts.append(name)
            length += len(name) + 1
        file_fd = os.open("deep.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        with os.fdopen(file_fd, "wb") as handle:
            handle.write(data)
    finally:
        os.close(fd)
    return os.path.join(*parts, "deep.txt")


def names_plan(seeds: Seeds, rng: random.Random, options: Options, env: Environment) -> Plan:
    def seed() -> int:
        return rng.randrange(1 << 30)

    long_names = [
        (size, style, suffix, False)
        for size in (200, 230, 250, 253, 254, 255)
        for style in ("ascii", "chinese")
        for suffix in (".txt",)
    ]
    long_names += [(255, "ascii", suffix, False) for suffix in (".md", ".jsonl", ".txt.gz", ".jsonl.bz2")]
    long_names += [(255, "chinese", ".txt", True), (250, "ascii", ".md", True)]
    scenarios = [long_name_scenario(*args, seeds, seed()) for args in options.some(long_names, rng)]
    scenarios += [bad_name_scenario(raw, seeds, seed()) for raw in options.some(BAD_NAMES, rng)]
    scenarios += [control_name_scenario(name, seeds, seed()) for name in options.some(CONTROL_NAMES, rng)]
    specials: list[tuple[str, Callable[[Context], str], bool]] = [
        ("a socket", make_socket, False),
        ("a file of NUL bytes", make_nul_bytes, False),
    ]
    if env.fifo:
        specials += [("a FIFO", make_fifo, False), ("a symlink to a FIFO", make_link_to_fifo, False)]
    if env.dev_zero:
        specials += [("a symlink to /dev/zero", make_link_to("/dev/zero"), False)]
        specials += [("a symlink to /dev/null", make_link_to("/dev/null"), False)]
    if env.deny_reading:
        specials += [
            ("an unreadable file", make_unreadable_file, True),
            ("an unreadable folder", make_unreadable_folder, True),
            ("an output folder that cannot be written", make_unwritable_output_folder, True),
        ]
    scenarios += [
        special_scenario(label, make, seeds, seed(), deny) for label, make, deny in options.some(specials, rng)
    ]
    odd = [
        ("an empty file", "empty.txt", b""),
        ("an empty .gz file", "cut.txt.gz", b""),
        ("a BOM alone", "bom.txt", b"\xef\xbb\xbf"),
        ("whitespace only", "blank.txt", b" \n\n\t\n  \n"),
        ("an empty JSON Lines file", "empty.jsonl", b""),
        ("gzip of nothing", "nothing.txt.gz", gzip.compress(b"", mtime=0)),
        ("a UTF-16 BOM alone", "bom16.txt", b"\xff\xfe"),
    ]
    scenarios += [odd_file_scenario(label, name, data, seeds, seed()) for label, name, data in options.some(odd, rng)]
    loops = [
        ("two symlinks to each other", loop_pair),
        ("a symlink to itself", loop_self),
        ("a folder symlink to its parent", loop_folder_up),
        ("a folder symlink to itself", loop_folder_self),
    ]
    scenarios += [loop_scenario(label, make, seeds, seed()) for label, make in options.some(loops, rng)]
    totals = (3800, 4000, 4090, 4100, 4400)
    scenarios += [deep_path_scenario(total, seeds, seed()) for total in options.some(totals, rng)]
    return Plan(scenarios)


# -- JSON Lines ------------------------------------------------------------------------------------


def as_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def nested_objects(text: str, depth: int) -> str:
    return f'{{"text": {as_json(text)}, "n": ' + '{"a": ' * depth + "1" + "}" * depth + "}"


# Each makes one line that is not a record the cleaner can read strictly, from a real text.
BAD_RECORDS: dict[str, Callable[[str], str]] = {
    "duplicate text key": lambda t: f'{{"text": {as_json(t)}, "text": {as_json(t[::-1])}}}',
    "duplicate other key": lambda t: f'{{"id": 1, "text": {as_json(t)}, "id": 2}}',
    "1e999": lambda t: f'{{"text": {as_json(t)}, "score": 1e999}}',
    "-1e999": lambda t: f'{{"score": -1e999, "text": {as_json(t)}}}',
    "NaN": lambda t: f'{{"text": {as_json(t)}, "score": NaN}}',
    "Infinity": lambda t: f'{{"text": {as_json(t)}, "score": -Infinity}}',
    "5,000-digit integer": lambda t: f'{{"text": {as_json(t)}, "n": {"7" * 5000}}}',
    "4,301-digit integer": lambda t: f'{{"n": -{"9" * 4301}, "text": {as_json(t)}}}',
    "100,000 nested [": lambda t: f'{{"text": {as_json(t)}, "n": {"[" * 100_000}{"]" * 100_000}}}',
    "100,000 nested {": lambda t: nested_objects(t, 100_000),
    "lone surrogate \\ud800 in the text": lambda t: f'{{"text": {as_json(t)[:-1]}\\ud800"}}',
    "lone surrogate \\udfff in another field": lambda t: f'{{"text": {as_json(t)}, "note": "x\\udfffy"}}',
    "surrogates in the wrong order": lambda t: f'{{"text": "\\udc00\\ud800{as_json(t)[1:]}}}',
    "no text field": lambda t: f'{{"id": 3, "body": {as_json(t)}}}',
    "text is a number": lambda t: '{"text": 12345, "id": 4}',
    "text is null": lambda t: '{"text": null}',
    "text is a list": lambda t: f'{{"text": [{as_json(t)}]}}',
    "not JSON": lambda t: t,
    "cut short": lambda t: f'{{"text": {as_json(t)[: len(as_json(t)) // 2]}',
    "a JSON array": lambda t: f"[{as_json(t)}]",
    "trailing garbage": lambda t: f'{{"text": {as_json(t)}}} x',
}


@dataclass(frozen=True)
class JsonlCase:
    """A JSON Lines file: good records (their texts) with bad lines at some line numbers (from 1)."""

    texts: tuple[str, ...]
    bad: Mapping[int, str]  # line number -> the line

    def lines(self) -> list[str]:
        good = iter(self.texts)
        count = len(self.texts) + len(self.bad)
        return [self.bad[n] if n in self.bad else as_json({"id": n, "text": next(good)}) for n in range(1, count + 1)]


def jsonl_scenario(label: str, case: JsonlCase, on_error_fail: bool, jobs: int, seeds: Seeds, seed: int) -> Scenario:
    def check(ctx: Context) -> list[Broken]:
        lines = case.lines()
        write(ctx.src / "news.jsonl", "".join(line + "\n" for line in lines))
        ok = good_file(ctx, seeds, random.Random(seed))
        named = tuple(f"news.jsonl:{n}" for n in sorted(case.bad))
        whole_file_out = on_error_fail or not case.texts
        expect = Expect(BAD_INPUT, named=named, written=(ok,), absent=("news.jsonl",) if whole_file_out else ())
        run_options = ("--on-error", "fail") if on_error_fail else ()
        spec = RunSpec(ctx.src, ctx.dst, options=("--dedup", "off"), run_options=run_options, jobs=jobs)
        outcome, broken = run_and_check(ctx, spec, expect)
        if outcome.hung or outcome.code not in (0, 1):
            return broken
        if not whole_file_out:
            broken += records_promises(ctx, case, lines, outputs(ctx.dst).get("news.jsonl"))
        return broken + verify_promises(ctx, spec) + idempotence_promises(ctx, spec)

    return one_case(label, check)


def records_promises(ctx: Context, case: JsonlCase, lines: list[str], written: bytes | None) -> list[Broken]:
    """Every good record cleaned as the control cleans its text, every bad line back unchanged where it stood."""
    if written is None:
        return [Broken(NOT_WRITTEN, "news.jsonl was not written, though it has good records")]
    out = written.decode("utf-8", "replace").split("\n")
    if out and out[-1] == "":
        out.pop()
    if len(out) != len(lines):
        return [Broken(WRONG_TEXT, f"news.jsonl has {len(out)} lines, its input {len(lines)}")]
    good = iter(case.texts)
    for number, (line, got) in enumerate(zip(lines, out, strict=True), start=1):
        if number in case.bad:
            if got != line:
                return [Broken(WRONG_TEXT, f"bad line {number} was not written back unchanged: {clip(got, 60)!r}")]
            continue
        expected = ctx.controls.record(next(good))
        if expected is None or record_text(got) != expected:
            found = record_text(got)
            return [Broken(WRONG_TEXT, f"line {number}: {clip(repr(found), 50)} instead of {clip(repr(expected), 50)}")]
    return []


def jsonl_plan(seeds: Seeds, rng: random.Random, options: Options, env: Environment) -> Plan:
    paragraphs = [p for p in seeds.paragraphs if 10 <= len(p) <= 400]
    cases: list[tuple[str, JsonlCase, bool, int]] = []  # label, file, --on-error fail, jobs
    kinds = options.some(list(BAD_RECORDS.items()), rng)
    for kind, make in kinds:
        for where in rng.sample(("first", "middle", "last", "alone"), 3):
            texts = tuple(rng.sample(paragraphs, 0 if where == "alone" else rng.randint(3, 12)))
            count = len(texts) + 1
            number = {"first": 1, "middle": rng.randint(2, max(2, count - 1)), "last": count, "alone": 1}[where]
            jobs = 2 if rng.random() < 0.2 else 1
            label = f"{kind}, {where} line" + (" (-j2)" if jobs == 2 else "")
            cases.append((label, JsonlCase(texts, {number: make(rng.choice(paragraphs))}), False, jobs))
    for number in range(options.per_kind or 4):
        bad = {n: rng.choice(list(BAD_RECORDS.values()))(rng.choice(paragraphs)) for n in rng.sample(range(1, 26), 5)}
        cases.append(
            (f"five bad lines among twenty #{number + 1}", JsonlCase(tuple(rng.sample(paragraphs, 20)), bad), False, 1)
        )
    for kind, make in options.some(kinds, rng, options.per_kind or 4):
        bad = {rng.randint(1, 7): make(rng.choice(paragraphs))}
        cases.append((f"{kind}, --on-error fail", JsonlCase(tuple(rng.sample(paragraphs, 6)), bad), True, 1))
    scenarios = [
        jsonl_scenario(label, case, fail, jobs, seeds, rng.randrange(1 << 30)) for label, case, fail, jobs in cases
    ]
    return Plan(scenarios, control_records=[text for _, case, _, _ in cases for text in case.texts])


# -- configs and rules -----------------------------------------------------------------------------


def yaml_bomb(levels: int = 9, width: int = 9) -> str:
    """The 'billion laughs': each level an alias list of the one before, width**levels strings in all."""
    lines = ["a0: &a0 [" + ", ".join(['"lol"'] * width) + "]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    return "\n".join(lines) + f"\nrules: {{paths: *a{levels - 1}}}\n"


def yaml_block_nesting(depth: int) -> str:
    return "".join("  " * level + "layout:\n" for level in range(depth)) + "  " * depth + "markup: strip\n"


def toml_table_header(depth: int) -> str:
    return "[" + ".".join(["layout"] * depth) + "]\nmarkup = 'strip'\n"


CONFIGS: dict[str, tuple[str, str | bytes]] = {
    "YAML: 100,000 nested [": ("deep.yaml", "rules: {paths: " + "[" * 100_000 + "]" * 100_000 + "}\n"),
    "YAML: 100,000 nested {": ("deep.yaml", "layout: " + "{a: " * 100_000 + "1" + "}" * 100_000 + "\n"),
    "YAML: 2,000 nested blocks": ("deep.yaml", yaml_block_nesting(2000)),
    "YAML: 10,000 nested sequences": ("deep.yaml", "rules:\n  paths: " + "- " * 10_000 + "x\n"),
    "TOML: 100,000 nested arrays": ("deep.toml", "[rules]\npaths = " + "[" * 100_000 + "]" * 100_000 + "\n"),
    "TOML: 10,000 nested inline tables": ("deep.toml", "layout = " + "{a = " * 10_000 + "1" + "}" * 10_000 + "\n"),
    "TOML: 5,000 dotted keys": ("deep.toml", "layout" + ".a" * 5000 + " = 1\n"),
    "TOML: a table 5,000 deep": ("deep.toml", toml_table_header(5000)),
    "YAML bomb (aliases, 9 levels)": ("bomb.yaml", yaml_bomb()),
    "YAML bomb (aliases, 30 levels of 2)": ("bomb.yaml", yaml_bomb(30, 2)),
    "YAML alias loop": ("loop.yaml", "rules: &r {paths: [*r]}\n"),
    "YAML tag python/object/apply": ("tag.yaml", 'rules: {paths: !!python/object/apply:os.system ["touch PWNED"]}\n'),
    "YAML tag python/name": ("tag.yaml", "spacing: {cjk_latin: !!python/name:os.system }\n"),
    "YAML tag !!binary": ("tag.yaml", "spacing: {cjk_latin: !!binary cmVtb3Zl}\n"),
    "YAML tag !!set": ("tag.yaml", "rules: {paths: !!set {a, b}}\n"),
    "YAML custom tag": ("tag.yaml", "dedup: !custom {scope: corpus}\n"),
    "YAML timestamp for a string": ("types.yaml", "dedup: {scope: 2024-01-05}\n"),
    "regex_timeout: -1": ("timeout.yaml", "rules: {regex_timeout: -1}\n"),
    "regex_timeout: .nan": ("timeout.yaml", "rules: {regex_timeout: .nan}\n"),
    "regex_timeout: .inf": ("timeout.yaml", "rules: {regex_timeout: .inf}\n"),
    "regex_timeout: -.inf": ("timeout.yaml", "rules: {regex_timeout: -.inf}\n"),
    "regex_timeout: 0": ("timeout.yaml", "rules: {regex_timeout: 0}\n"),
    "regex_timeout: 1e999": ("timeout.yaml", "rules: {regex_timeout: 1e999}\n"),
    "regex_timeout: a string": ("timeout.yaml", "rules: {regex_timeout: soon}\n"),
    "regex_timeout: a list": ("timeout.yaml", "rules: {regex_timeout: [1]}\n"),
    "TOML regex_timeout = nan": ("timeout.toml", "[rules]\nregex_timeout = nan\n"),
    "TOML regex_timeout = -inf": ("timeout.toml", "[rules]\nregex_timeout = -inf\n"),
    "TOML regex_timeout = -1": ("timeout.toml", "[rules]\nregex_timeout = -1\n"),
    "join_threshold: .nan": ("layout.yaml", "layout: {join_threshold: .nan}\n"),
    "join_threshold: .inf": ("layout.yaml", "layout: {join_threshold: .inf}\n"),
    "max_file_size: -1": ("input.yaml", "input: {max_file_size: -1}\n"),
    "max_file_size: .nan": ("input.yaml", "input: {max_file_size: .nan}\n"),
    "max_file_size: 1e999G": ("input.yaml", "input: {max_file_size: 1e999G}\n"),
    "unknown key spacing.cjk_latn": ("unknown.yaml", "spacing: {cjk_latn: remove}\n"),
    "unknown section": ("unknown.yaml", "spelling: {enabled: true}\n"),
    "unknown key rules.path": ("unknown.yaml", "rules: {path: [rules/]}\n"),
    "TOML unknown key": ("unknown.toml", "[spacing]\ncjk_latn = 'remove'\n"),
    "dedup.scope: 5": ("types.yaml", "dedup: {scope: 5}\n"),
    "rules.paths: 7": ("types.yaml", "rules: {paths: 7}\n"),
    "a section that is a list": ("types.yaml", "variants: [1, 2]\n"),
    "a list at the top": ("types.yaml", "- spacing\n- layout\n"),
    "a string at the top": ("types.yaml", "hello\n"),
    "bytes that are not UTF-8": ("bytes.yaml", b"spacing: {cjk_latin: \xff\xfe}\n"),
    "a NUL byte": ("bytes.yaml", b"spacing: {cjk_latin:\x00 remove}\n"),
    "TOML bytes that are not UTF-8": ("bytes.toml", b"[spacing]\ncjk_latin = '\xff'\n"),
    "TOML duplicate key": ("dup.toml", "[spacing]\ncjk_latin = 'remove'\ncjk_latin = 'insert'\n"),
}


def rule_file(*rules: Mapping[str, Any]) -> str:
    return "rules:\n" + "".join(
        "  - " + "\n    ".join(f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in rule.items()) + "\n"
        for rule in rules
    )


# Rule files: (file, codes the run may exit with, extra input text that provokes the rule).
RULES: dict[str, tuple[str | bytes, frozenset[int], str]] = {
    "100,000 nested [": ("rules: " + "[" * 100_000 + "]" * 100_000 + "\n", REFUSED, ""),
    "YAML bomb": (yaml_bomb().replace("rules: {paths:", "rules: {x:"), REFUSED, ""),
    "python tag": ('rules: !!python/object/apply:os.system ["touch PWNED"]\n', REFUSED, ""),
    "a pattern that does not compile": (rule_file({"id": "x", "pattern": "(", "replace": "y"}), REFUSED, ""),
    "an empty find": (rule_file({"id": "x", "find": "", "replace": "y"}), REFUSED, ""),
    "a replacement naming a missing group": (
        rule_file({"id": "x", "pattern": "(渌)口", "replace": "\\2"}),
        REFUSED,
        "渌口区",
    ),
    "a rule that grows its own output (渌口)->\\1区": (
        rule_file({"id": "grow", "pattern": "(渌口)", "replace": "\\1区"}),
        frozenset({0, 2}),  # refused, or the idempotence check finds it
        "渌口区推进产业发展。",
    ),
    "a cycle of two rules": (
        rule_file({"id": "a", "find": "涪口", "replace": "渌口"}, {"id": "b", "find": "渌口", "replace": "涪口"}),
        frozenset({0, 2}),
        "涪口区和渌口区。",
    ),
    "catastrophic (a+)+$": (rule_file({"id": "slow", "pattern": "(a+)+$", "replace": "b"}), FINE, "a" * 60 + "!"),
    "catastrophic (x+x+)+y": (rule_file({"id": "slow", "pattern": "(x+x+)+y", "replace": "z"}), FINE, "x" * 60),
    "catastrophic (.*a){25}": (rule_file({"id": "slow", "pattern": "(.*a){25}", "replace": "z"}), FINE, "a" * 40),
    "an unknown rule key": (rule_file({"id": "x", "find": "涪口", "replace": "渌口", "regex": True}), REFUSED, ""),
    "find is a mapping": ("rules:\n  - id: x\n    find: {a: b}\n    replace: y\n", REFUSED, ""),
    "rules is not a list": ("rules: {find: a, replace: b}\n", REFUSED, ""),
    "bytes that are not UTF-8": (b"rules:\n  - id: x\n    find: \xff\n    replace: y\n", REFUSED, ""),
}


def config_scenario(label: str, name: str, content: str | bytes, seeds: Seeds, seed: int) -> Scenario:
    """A bad config file: exit 2 naming it, nothing written (no file made by a tag either)."""

    def check(ctx: Context) -> list[Broken]:
        write(ctx.src / "a.txt", seeds.passage(random.Random(seed), 300) + "\n")
        config = write(ctx.box / name, content)
        return refused(ctx, RunSpec(ctx.src, ctx.dst, run_options=("--config", str(config))), config)

    return one_case(f"config, {label}", check)


def discovered_config_scenario(name: str, content: str, codes: frozenset[int], seeds: Seeds, seed: int) -> Scenario:
    """A config file found beside SRC (no --config): a broken cleaner.toml is refused; a pyproject.toml
    that cannot be read is not the cleaner's to judge and is passed over."""

    def check(ctx: Context) -> list[Broken]:
        write(ctx.src / "a.txt", seeds.passage(random.Random(seed), 300) + "\n")
        config = write(ctx.box / name, content)
        if codes == REFUSED:
            return refused(ctx, RunSpec(ctx.src, ctx.dst), config)
        return clean_and_check(ctx, RunSpec(ctx.src, ctx.dst), Expect(codes))

    return one_case(f"config found beside SRC, {name} nested 100,000 deep", check)


def missing_config_scenario(as_folder: bool, seeds: Seeds, seed: int) -> Scenario:
    def check(ctx: Context) -> list[Broken]:
        write(ctx.src / "a.txt", seeds.passage(random.Random(seed), 300) + "\n")
        config = ctx.box / "cleaner.yaml"
        if as_folder:
            config.mkdir()
        return refused(ctx, RunSpec(ctx.src, ctx.dst, run_options=("--config", str(config))), config)

    return one_case("config, a folder" if as_folder else "config, no such file", check)


def rules_scenario(
    label: str, content: str | bytes, codes: frozenset[int], provoke: str, seeds: Seeds, seed: int
) -> Scenario:
    """A rule file given to a run: refused naming it, or applied within the time limit (and idempotent)."""

    def check(ctx: Context) -> list[Broken]:
        text = seeds.passage(random.Random(seed), 300)
        write(ctx.src / "a.txt", f"{text}\n\n{provoke}\n" if provoke else text + "\n")
        rules = write(ctx.box / "rules.yaml", content)
        spec = RunSpec(ctx.src, ctx.dst, options=("--rules", str(rules)))
        if codes == REFUSED:
            return refused(ctx, spec, rules)
        return clean_and_check(ctx, spec, Expect(codes, named=(str(rules),)))

    return one_case(f"rules, {label}", check)


def rules_command_scenario(command: str, label: str, content: str | bytes, codes: frozenset[int]) -> Scenario:
    """``cleaner rules check|test FILE``: a bad file is reported (exit 2, naming it), a good one passes;
    never a traceback or a hang, and nothing written."""
    expected = REFUSED if codes == REFUSED else frozenset({0, 1, 2}) if 2 in codes else FINE_OR_BAD

    def check(ctx: Context) -> list[Broken]:
        rules = write(ctx.box / "rules.yaml", content)
        before = snapshot(ctx.box)
        outcome = ctx.run("rules", command, rules)
        broken = process_promises(outcome, expected)
        if not outcome.hung and outcome.code == 2:
            broken += message_promises(outcome, [str(rules)])
        changed = differences(before, snapshot(ctx.box))
        if changed:
            broken.append(Broken(OUTSIDE_DST, ", ".join(changed[:3])))
        return broken

    return one_case(f"rules {command}, {label}", check)


def configs_plan(seeds: Seeds, rng: random.Random, options: Options, env: Environment) -> Plan:
    def seed() -> int:
        return rng.randrange(1 << 30)

    scenarios = [
        config_scenario(label, name, content, seeds, seed())
        for label, (name, content) in options.some(list(CONFIGS.items()), rng)
    ]
    scenarios += [missing_config_scenario(as_folder, seeds, seed()) for as_folder in (False, True)]
    deep_toml = "[rules]\npaths = " + "[" * 100_000 + "]" * 100_000 + "\n"
    scenarios += [
        discovered_config_scenario("cleaner.toml", deep_toml, REFUSED, seeds, seed()),
        discovered_config_scenario("pyproject.toml", deep_toml.replace("[rules]", "[project]"), FINE, seeds, seed()),
    ]
    for label, (content, codes, provoke) in options.some(list(RULES.items()), rng):
        scenarios.append(rules_scenario(label, content, codes, provoke, seeds, seed()))
        scenarios += [rules_command_scenario(command, label, content, codes) for command in ("check", "test")]
    return Plan(scenarios)


# -- sizes -----------------------------------------------------------------------------------------


def text_of_size(seeds: Seeds, rng: random.Random, size: int) -> bytes:
    """Real text of exactly ``size`` bytes (cut at a character, padded with line breaks)."""
    data = seeds.passage(rng, size).encode()[:size].decode("utf-8", "ignore").encode()
    return data + b"\n" * (size - len(data))


def compress(data: bytes, suffix: str) -> bytes:
    if suffix == ".gz":
        return gzip.compress(data, mtime=0)
    if suffix == ".bz2":
        return bz2.compress(data)
    import zstandard

    return zstandard.ZstdCompressor().compress(data)


def limit_scenario(limit: int, delta: int, suffix: str, seeds: Seeds, seed: int) -> Scenario:
    """A file ``delta`` bytes from ``--max-file-size`` (decompressed, for an archive): read up to the
    limit, skipped with its name past it."""
    name = f"edge.txt{suffix}"

    def check(ctx: Context) -> list[Broken]:
        rng = random.Random(seed)
        data = text_of_size(seeds, rng, limit + delta)
        write(ctx.src / name, compress(data, suffix) if suffix else data)
        ok = "ok.txt"  # well under the limit, and cut mid-paragraph: never a mere copy of the other file
        write(ctx.src / ok, text_of_size(seeds, rng, min(limit // 2, 600)))
        over = delta > 0
        expect = Expect(BAD_INPUT if over else FINE, named=(name,), written=(ok,) if over else (ok, name))
        # Dedup within each file only: ok.txt is cut from the same pages, and a copy removed whole
        # is another matter than sizes.
        spec = RunSpec(ctx.src, ctx.dst, options=("--dedup", "file"), run_options=("--max-file-size", str(limit)))
        return clean_and_check(ctx, spec, expect)

    return one_case(f"{limit + delta:,} bytes{' decompressed' if suffix else ''}, limit {limit:,} ({name})", check)


def bomb_scenario(suffix: str, stem: str, seeds: Seeds, seed: int) -> Scenario:
    """A small archive that expands to a gigabyte: skipped (too large) without reading it all."""
    name = f"bomb{stem}{suffix}"

    def check(ctx: Context) -> list[Broken]:
        rng = random.Random(seed)
        block = (seeds.passage(rng, 2000) + "\n\n").encode()
        member = compress(block * (16 * 2**20 // len(block)), suffix)  # 16 MiB of text
        with open(write(ctx.src / name, b""), "wb") as handle:
            for _ in range(64):  # concatenated members: 1 GiB in all
                handle.write(member)
        ok = good_file(ctx, seeds, rng)
        expect = Expect(BAD_INPUT, named=(name,), written=(ok,), absent=(name,))
        return clean_and_check(ctx, RunSpec(ctx.src, ctx.dst, run_options=("--max-file-size", "10M")), expect)

    return one_case(f"compressed bomb {name} (1 GiB), limit 10M", check)


def one_line_scenario(label: str, make: Callable[[Seeds, random.Random], str], seeds: Seeds, seed: int) -> Scenario:
    """A 5 MB paragraph on one line: written within the time limit (cleaned, or left as it was past
    ``input.max_paragraph`` with exit 1 naming the file and line), verifiable, idempotent."""

    def check(ctx: Context) -> list[Broken]:
        write(ctx.src / "one-line.txt", make(seeds, random.Random(seed)) + "\n")
        expect = Expect(FINE_OR_BAD, named=("one-line.txt:1",), written=("one-line.txt",))
        return clean_and_check(ctx, RunSpec(ctx.src, ctx.dst), expect)

    return one_case(f"5 MB on one line: {label}", check)


FIVE_MB = 5_000_000


def seed_text_on_one_line(seeds: Seeds, rng: random.Random) -> str:
    text = "".join(re.sub(r"\s+", "", page) for page in seeds.pages)
    return (text * (FIVE_MB // len(text.encode()) + 1))[: FIVE_MB // 3]


def one_character(seeds: Seeds, rng: random.Random) -> str:
    han = [char for char in seeds.pages[0] if "\u4e00" <= char <= "\u9fff"] or ["渌"]
    return rng.choice(han) * (FIVE_MB // 3)


def ascii_without_spaces(seeds: Seeds, rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789.,") for _ in range(FIVE_MB))


def bad_limit_scenario(value: str, seeds: Seeds, seed: int) -> Scenario:
    def check(ctx: Context) -> list[Broken]:
        write(ctx.src / "a.txt", seeds.passage(random.Random(seed), 300) + "\n")
        return refused(ctx, RunSpec(ctx.src, ctx.dst, run_options=("--max-file-size", value)), "--max-file-size")

    return one_case(f"--max-file-size {value!r}", check)


def sizes_plan(seeds: Seeds, rng: random.Random, options: Options, env: Environment) -> Plan:
    def seed() -> int:
        return rng.randrange(1 << 30)

    suffixes = ["", ".gz", ".bz2"] + ([".zst"] if env.zstd else [])
    edges = [(limit, delta, "") for limit in (1000, 65_536, 1_000_000) for delta in (-1, 0, 1)]
    edges += [(65_536, delta, suffix) for suffix in suffixes[1:] for delta in (0, 1)]
    scenarios = [limit_scenario(*edge, seeds, seed()) for edge in options.some(edges, rng)]
    bombs = [(suffix, ".txt") for suffix in suffixes[1:]] + [(".gz", ".jsonl")]
    scenarios += [bomb_scenario(suffix, stem, seeds, seed()) for suffix, stem in options.some(bombs, rng)]
    lines = [
        ("the seed text", seed_text_on_one_line),
        ("one character", one_character),
        ("ASCII without spaces", ascii_without_spaces),
    ]
    scenarios += [one_line_scenario(label, make, seeds, seed()) for label, make in options.some(lines, rng)]
    values = ["-1", "nan", "inf", "1e999", "0x10", "10Q", "", "9" * 40 + "G"]
    scenarios += [bad_limit_scenario(value, seeds, seed()) for value in options.some(values, rng)]
    return Plan(scenarios)


# -- interrupts ------------------------------------------------------------------------------------


def interrupt_corpus(src: Path, seeds: Seeds, count: int) -> None:
    """``count`` pages of real text, each with a line of its own (the same files for every case)."""
    rng = random.Random(count)
    for number in range(count):
        write(src / f"{number:04d}.txt", f"{seeds.passage(rng, 8000)}\n\n第{number}号文件。\n")


def interrupt_reference(cli: Cli, folder: Path, seeds: Seeds, count: int) -> dict[str, bytes]:
    """The outputs of a run that is not interrupted: what every output an interrupted run leaves must be."""
    interrupt_corpus(folder / "src", seeds, count)
    outcome = cli.run(["run", folder / "src", folder / "dst", "-j", "2", "-q"], folder)
    return outputs(folder / "dst") if outcome.code == 0 else {}


def interrupt_scenario(
    number: int, sig: signal.Signals, to_group: bool, delay: float, seeds: Seeds, count: int
) -> Scenario:
    """A ``--jobs 2`` run stopped by a signal: exit 128+N, no traceback, no temporary file, lock or
    worker left, every output whole; a rerun then completes and verifies."""
    label = f"#{number} {sig.name} to the {'process group' if to_group else 'main process'} after {delay:.2f} s"

    def check(ctx: Context) -> list[Broken]:
        interrupt_corpus(ctx.src, seeds, count)
        spec = RunSpec(ctx.src, ctx.dst, run_options=("-q",), jobs=2)
        exclude = [relative(ctx, ctx.dst)]
        inputs_before, outside_before = snapshot(ctx.src, through_links=True), snapshot(ctx.box, exclude)
        started = time.monotonic()
        process = ctx.cli.start(spec.args(), ctx.box)
        time.sleep(delay)
        if process.poll() is not None:
            ctx.cli.finish(process, started)
            return [Broken(SUITE_ERROR, f"the run ended before the signal ({delay:.2f} s): make the corpus larger")]
        if to_group:
            os.killpg(process.pid, sig)  # as a terminal sends Ctrl-C: to every process of the run
        else:
            process.send_signal(sig)
        outcome = ctx.cli.finish(process, started, reap=False)
        # Killed by the signal itself (it came as the run was exiting, after its handler was gone):
        # a shell reports that as 128+N too; what the run left is checked below all the same.
        broken = process_promises(outcome, frozenset({128 + sig, -sig}))
        broken += workers_promises(process)
        broken += tree_promises(ctx, inputs_before, outside_before, exclude)
        if outcome.hung:
            return broken
        broken += leftover_promises(ctx) + whole_outputs_promises(ctx, ctx.shared)
        rerun = ctx.run(*spec.args())
        broken += process_promises(rerun, FINE, "the rerun")
        return broken + verify_promises(ctx, spec)

    return one_case(label, check)


def workers_promises(process: subprocess.Popen[bytes]) -> list[Broken]:
    deadline = time.monotonic() + 10
    while group_alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if group_alive(process.pid):
        kill_group(process)
        return [Broken(WORKERS_LEFT, "processes of the run were still running 10 s after it ended")]
    return []


def whole_outputs_promises(ctx: Context, reference: Mapping[str, bytes]) -> list[Broken]:
    if not reference:
        return [Broken(SUITE_ERROR, "the reference run (not interrupted) failed")]
    for rel, data in sorted(outputs(ctx.dst).items()):
        if reference.get(rel) != data:
            return [Broken(WRONG_TEXT, f"{rel} is not whole: {len(data)} bytes of {len(reference.get(rel, b''))}")]
    return []


def interrupts_plan(seeds: Seeds, rng: random.Random, options: Options, env: Environment) -> Plan:
    kinds = [(signal.SIGINT, True), (signal.SIGINT, False), (signal.SIGTERM, True), (signal.SIGTERM, False)]
    count = options.interrupt_files
    scenarios = [
        interrupt_scenario(number + 1, *kinds[number % len(kinds)], rng.uniform(0.8, 2.0), seeds, count)
        for number in range(options.interrupts)
    ]
    return Plan(scenarios, setup=lambda cli, folder: interrupt_reference(cli, folder, seeds, count), sequential=True)


# -- the suite -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Environment:
    """What this machine can make: some cases need FIFOs, /dev/zero, zstd or a traditional-Chinese converter."""

    deny_reading: bool
    fifo: bool
    dev_zero: bool
    zstd: bool
    traditional: Callable[[str], str]


def detect_environment() -> Environment:
    try:
        import zstandard  # noqa: F401

        zstd = True
    except ImportError:
        zstd = False
    try:
        import opencc

        traditional = opencc.OpenCC("s2t").convert
    except (ImportError, OSError):
        traditional = str  # the lines Big5 can hold as they are
    return Environment(
        deny_reading=can_deny_reading(),
        fifo=hasattr(os, "mkfifo"),
        dev_zero=Path("/dev/zero").exists(),
        zstd=zstd,
        traditional=traditional,
    )


PlanMaker = Callable[[Seeds, random.Random, Options, Environment], Plan]
CATEGORIES: dict[str, tuple[str, PlanMaker]] = {
    "write-safety": ("write safety", write_safety_plan),
    "encodings": ("encodings", encodings_plan),
    "names": ("names and file kinds", names_plan),
    "jsonl": ("JSON Lines", jsonl_plan),
    "configs": ("configs and rules", configs_plan),
    "sizes": ("sizes", sizes_plan),
    "interrupts": ("interrupts", interrupts_plan),
}


def make_plan(slug: str, seeds: Seeds, seed: int, options: Options, env: Environment) -> Plan:
    """A category's cases, the same for the same seed (each category draws from its own generator)."""
    return CATEGORIES[slug][1](seeds, random.Random(f"{seed}:{slug}"), options, env)


def run_category(slug: str, plan: Plan, cli: Cli, folder: Path, jobs: int = 2, keep: bool = False) -> list[CaseResult]:
    """Run every scenario of a plan, each in a folder of its own; ``jobs`` at a time unless it is sequential."""
    category = CATEGORIES[slug][0]
    folder.mkdir(parents=True, exist_ok=True)
    controls = Controls(cli, folder / "control")
    if plan.control_texts or plan.control_records:
        controls.prepare(plan.control_texts, plan.control_records)
    shared = None
    if plan.setup is not None:
        try:
            shared = plan.setup(cli, folder / "setup")
        except Exception:  # the cases that need it say so
            print(traceback.format_exc(limit=-3), file=sys.stderr)

    def run_one(numbered: tuple[int, Scenario]) -> list[CaseResult]:
        number, scenario = numbered
        box = folder / f"{number:03d}-{safe_name(scenario.name)}"
        box.mkdir(parents=True)
        started = time.monotonic()
        try:
            cases = scenario.run(Context(cli, box, controls, shared))
        except Exception:
            cases = {scenario.name: [Broken(SUITE_ERROR, traceback.format_exc(limit=-3).strip().replace("\n", " | "))]}
        finally:
            if not keep:
                remove_tree(box)
        seconds = (time.monotonic() - started) / max(len(cases), 1)
        return [CaseResult(category, name, broken, seconds) for name, broken in cases.items()]

    numbered = list(enumerate(plan.scenarios))
    if plan.sequential or jobs <= 1:
        results = [run_one(item) for item in numbered]
    else:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(run_one, numbered))
    if not keep:
        for name in ("control", "setup"):
            remove_tree(folder / name)
    return [case for group in results for case in group]


def safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")[:60] or "case"


# -- the table -------------------------------------------------------------------------------------


def summarise(results: Sequence[CaseResult]) -> dict[str, dict[str, Any]]:
    """Per category: cases, failures, cases per broken promise, a few examples (one per promise first)."""
    table: dict[str, dict[str, Any]] = {}
    for _slug, (category, _) in CATEGORIES.items():
        cases = [r for r in results if r.category == category]
        if not cases:
            continue
        failed = [r for r in cases if r.failed]
        promises = Counter(promise for r in failed for promise in {b.promise for b in r.broken})
        table[category] = {
            "cases": len(cases),
            "failed": len(failed),
            "promises": dict(promises.most_common()),
            "examples": examples(failed),
            "seconds": round(sum(r.seconds for r in cases), 1),
        }
    return table


def examples(failed: Sequence[CaseResult], count: int = 4) -> list[str]:
    """A few failures: first one for each promise broken, then other cases."""
    chosen: dict[str, str] = {}
    seen: set[str] = set()
    for result in failed:
        broken = next((b for b in result.broken if b.promise not in seen), None)
        if broken is not None and len(chosen) < count:
            seen.add(broken.promise)
            chosen[result.name] = f"{result.name}: {broken.promise} ({broken.detail})"
    for result in failed:
        if len(chosen) < count and result.name not in chosen:
            broken = result.broken[0]
            chosen[result.name] = f"{result.name}: {broken.promise} ({broken.detail})"
    return [clip(line, 200) for line in chosen.values()]


def format_table(table: Mapping[str, Mapping[str, Any]], before: Mapping[str, Mapping[str, Any]] | None) -> str:
    head = f"{'category':<22} {'cases':>6} " + (f"{'failed before':>14} " if before is not None else "")
    lines = [head + f"{'failed':>7}  promises broken (cases)"]
    for category, row in table.items():
        was = ""
        if before is not None:
            old = before.get(category)
            was = f"{(str(old['failed']) + ' of ' + str(old['cases'])) if old else '-':>14} "
        broken = ", ".join(f"{promise} {n}" for promise, n in row["promises"].items()) or "-"
        lines.append(f"{category:<22} {row['cases']:>6} {was}{row['failed']:>7}  {broken}")
    total_cases = sum(row["cases"] for row in table.values())
    total_failed = sum(row["failed"] for row in table.values())
    was = ""
    if before is not None:
        was = f"{sum(row['failed'] for row in before.values()):>14} "
    lines.append(f"{'total':<22} {total_cases:>6} {was}{total_failed:>7}")
    for category, row in table.items():
        if row["examples"]:
            lines.append(f"\n{category}, examples of failures:")
            lines.extend(f"  {example}" for example in row["examples"])
    return "\n".join(lines)


# -- the command line ------------------------------------------------------------------------------


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1, help="the cases drawn (default 1)")
    parser.add_argument("--only", action="append", choices=sorted(CATEGORIES), help="this category only (repeatable)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="make the cases in DIR and keep them")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write every case and its result as JSON")
    parser.add_argument("--python", default=sys.executable, help="the interpreter that runs the command")
    parser.add_argument(
        "--pythonpath", default=str(ROOT), metavar="DIR", help="the checkout whose cleaner runs (default: this one)"
    )
    parser.add_argument(
        "--before", type=Path, metavar="FILE", help="the JSON of an earlier run: a 'failed before' column"
    )
    parser.add_argument("--jobs", type=int, default=2, help="cases run at once (default 2)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a command may take (default 60)")
    parser.add_argument("--seeds", type=Path, default=SEEDS, metavar="DIR", help="the pages cases are made of")
    parser.add_argument(
        "--memory", type=float, default=4.0, metavar="GIB", help="address space per process (default 4; 0: no limit)"
    )
    return parser.parse_args(argv)


def limit_memory(gib: float) -> None:
    """Bound every command's address space (inherited by the processes started): a run that tries to read
    an endless file fails on its own instead of filling the machine."""
    if gib > 0:
        limit = int(gib * 2**30)
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))


@contextlib.contextmanager
def work_folder(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep.resolve()
        return
    folder = Path(tempfile.mkdtemp(prefix="hostile-"))
    try:
        yield folder
    finally:
        remove_tree(folder)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_arguments(argv)
    cli = Cli(str(Path(args.python).absolute()), str(Path(args.pythonpath).resolve()), args.timeout)
    seeds, env = load_seeds(args.seeds), detect_environment()
    options = Options()
    limit_memory(args.memory)
    started = time.monotonic()
    results: list[CaseResult] = []
    print(f"hostile inputs: {cli.python} -m cleaner, cleaner from {cli.pythonpath}; seed {args.seed}", flush=True)
    with work_folder(args.keep) as folder:
        for slug in args.only or list(CATEGORIES):
            plan = make_plan(slug, seeds, args.seed, options, env)
            category_started = time.monotonic()
            found = run_category(slug, plan, cli, folder / slug, args.jobs, args.keep is not None)
            failed = sum(r.failed for r in found)
            took = time.monotonic() - category_started
            print(f"  {CATEGORIES[slug][0]}: {len(found)} cases, {failed} failed, {took:.0f} s", flush=True)
            results += found
    seconds = time.monotonic() - started
    table = summarise(results)
    before = json.loads(args.before.read_text("utf-8"))["categories"] if args.before else None
    print()
    print(format_table(table, before))
    print(f"\ntime: {seconds:.0f} s")
    if args.json:
        write_json(args.json, cli, args.seed, seconds, table, results)
    return 1 if any(r.failed for r in results) else 0


def write_json(
    path: Path, cli: Cli, seed: int, seconds: float, table: Mapping[str, Any], results: Sequence[CaseResult]
) -> None:
    cases = [
        {
            "category": r.category,
            "name": shown(r.name),
            "broken": [{"promise": b.promise, "detail": b.detail} for b in r.broken],
            "seconds": round(r.seconds, 2),
        }
        for r in results
    ]
    report = {
        "python": cli.python,
        "pythonpath": cli.pythonpath,
        "seed": seed,
        "seconds": round(seconds, 1),
        "categories": table,
        "cases": cases,
    }
    path.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
