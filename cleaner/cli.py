"""Command-line interface: a thin layer over :mod:`cleaner.corpus` and the other public APIs.

``clean SRC DST`` is the main job; ``cleaner`` holds the toolkit's commands (``cleaner run`` is
``clean``). Every user-facing problem is one line on standard error and a non-zero exit code:
2 for bad options, paths or configuration, 1 when input files had to be skipped.
"""

from __future__ import annotations

import _thread
import contextlib
import difflib
import functools
import itertools
import json
import os
import signal
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer

from cleaner.audit_file import DEFAULT_FORMAT, check_format
from cleaner.clihelp import PlainHelpCommand
from cleaner.config import Config, discover_config, load_config
from cleaner.corpus import FileOutcome, clean_bytes, clean_corpus, partly_cleaned, summary_of
from cleaner.engine_options import AddressOption, EngineOption, JobsOption
from cleaner.entry import heeded_signals, stopped_by
from cleaner.errors import CleanerError, ConfigError, InputError
from cleaner.io.decoding import EncodingChoice
from cleaner.io.paths import UnsafeWriteError, WriteGuard, display_name, real
from cleaner.io.readers import DEFAULT_GLOBS, describe_globs, format_of
from cleaner.io.regular import NotReadable, read_at_most
from cleaner.io.writers import write_atomic
from cleaner.report import AuditRecord, Summary
from cleaner.review import DEFAULT_MAX_EDITS, DEFAULT_MAX_TEXT
from cleaner.rules.cli import app as rules_app
from cleaner.workers import default_jobs

SWITCHABLE_STAGES = ("whitespace", "unicode", "variants", "punctuation", "spacing", "layout", "rules", "dedup")

CLEAN_HELP = """Clean every text file under SRC into the mirror tree DST.

SRC is a folder (walked recursively), a single file, or - for standard input. DST is a folder
(created if missing) or - for standard output. Inputs are never modified.

\b
Examples:
  clean seeds/ cleaned/                      # clean a folder, audit record in cleaned/.cleaner/
  clean seeds/ cleaned/ --dry-run --diff     # show what would change, write nothing
  clean seeds/ cleaned/ --check              # CI: exit 1 if anything would change
  clean page.txt -                           # clean one file to standard output
  cat page.txt | clean - -                   # as a filter in a shell pipeline
  clean dump/ out/ --glob '*.jsonl' --text-field content
  clean seeds/ cleaned/ --rules my-rules/ --dedup file --spacing insert
  clean seeds/ cleaned/ --select 'lukou-*' --delete-stale
  clean old/ out/ --encoding gbk             # every file is GBK: no sniffing
  clean mixed/ out/ -e 'tw/*=big5' -e '*.u16=utf-16-le'   # per-glob encodings, the rest sniffed
"""

CLEANER_HELP = """The cleaner toolkit: clean Chinese OCR text and manage its correction rules.

\b
Examples:
  cleaner run seeds/ cleaned/               # the same as: clean seeds/ cleaned/
  cleaner rules check rules/                # validate rule files
  cleaner rules test rules/                 # run every rule's examples
  cleaner rules stats seeds/                # hits per rule on a corpus, writing nothing
  cleaner restore cleaned/.cleaner/audit.jsonl.gz cleaned/ --out restored/   # undo dedup removals
  cleaner verify seeds/ cleaned/            # prove from the audit record that nothing was lost
  cleaner suggest seeds/ -o suggested.yaml  # propose rules for the OCR confusions of a corpus
  cleaner report cleaned/ -o review.html    # a review page of the run: every edit in context
"""


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


def build_config(
    config_file: Path | None,
    rules: list[Path] | None,
    no_rules: bool,
    disable: list[str] | None,
    variants: str | None,
    opencc_config: str | None,
    spacing: str | None,
    markup: str | None,
    dedup: str | None,
    drop_duplicate_documents: bool,
    encoding: list[str] | None = None,
    max_file_size: str | None = None,
    src: str | Path | None = None,
    no_config: bool = False,
    on_error: str | None = None,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    furniture: str | None = None,
    debris: str | None = None,
    dedup_index: Path | None = None,
    partition_size: str | None = None,
) -> Config:
    """The run's configuration: defaults, then the config file, then command-line options.

    The config file is ``--config FILE``, else the one :func:`cleaner.config.find_config` finds
    for SRC (none with ``--no-config``). Each option's errors name the option as typed.
    """
    if config_file is not None:
        config = load_config(config_file)
    elif no_config:
        config = Config()
    else:
        config = discover_config(None if src in (None, "-") else src)

    options: list[tuple[str, str, str, object]] = []  # (flag, section, key, value)
    for stage in disable or []:
        if stage not in SWITCHABLE_STAGES:
            raise ConfigError(f"--disable: unknown stage {stage!r} (stages: {', '.join(SWITCHABLE_STAGES)})")
        options.append(("--disable", stage, "enabled", False))
    for flag, section, key, value in (
        ("--variants", "variants", "mode", variants),
        ("--opencc-config", "variants", "opencc_config", opencc_config),
        ("--spacing", "spacing", "cjk_latin", spacing),
        ("--markup", "layout", "markup", markup),
        ("--furniture", "layout", "furniture", furniture),
        ("--debris", "layout", "debris", debris),
        ("--dedup", "dedup", "scope", dedup),
        ("--dedup-index", "dedup", "index", None if dedup_index is None else str(dedup_index)),
        ("--max-file-size", "input", "max_file_size", max_file_size),
        ("--partition-size", "input", "partition_size", partition_size),
        ("--on-error", "input", "on_error", on_error),
    ):
        if value is not None:
            options.append((flag, section, key, value))
    if drop_duplicate_documents:
        options.append(("--drop-duplicate-documents", "dedup", "drop_duplicate_documents", True))
    if no_rules:
        options.append(("--no-rules", "rules", "enabled", False))
    elif rules:
        options.append(("--rules", "rules", "paths", [str(p) for p in rules]))
    if encoding:
        options.append(("--encoding", "input", "encoding", list(encoding)))
    for flag, key, globs in (("--select", "select", select), ("--ignore", "ignore", ignore)):
        if globs:
            options.append((flag, "rules", key, [g.strip() for item in globs for g in item.split(",") if g.strip()]))
    problems: list[str] = []
    for flag, section, key, value in options:
        try:
            config = config.with_options({section: {key: value}}, label=flag)
        except ConfigError as exc:
            problems.append(str(exc))
    if problems:
        raise ConfigError("\n".join(problems))
    EncodingChoice.parse(config.input.encoding)  # unknown names exit 2 before any file is read
    return config


# Options shared by `clean` and `cleaner run` (and, in part, `cleaner rules stats`).
GlobOption = Annotated[
    list[str] | None,
    typer.Option("--glob", "-g", metavar="PATTERN", help="File pattern to clean (repeatable).", show_default=False),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        metavar="FILE",
        help="Config file (TOML or YAML). Default: the closest cleaner.toml or pyproject.toml [tool.cleaner] "
        "above SRC, else above the working folder.",
        show_default=False,
    ),
]
NoConfigOption = Annotated[
    bool, typer.Option("--no-config", help="Use no config file: the defaults and these options only.")
]
RulesOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--rules",
        "-r",
        metavar="PATH",
        help="Rule file or folder (repeatable). Default: the config file's rules.paths.",
        show_default=False,
    ),
]
NoRulesOption = Annotated[bool, typer.Option("--no-rules", help="Do not apply correction rules.")]
DisableOption = Annotated[
    list[str] | None,
    typer.Option("--disable", "-x", metavar="STAGE", help=f"Switch a stage off: {', '.join(SWITCHABLE_STAGES)}."),
]
TextFieldOption = Annotated[
    str, typer.Option("--text-field", metavar="NAME", help="JSON Lines field holding the text.")
]
EncodingOption = Annotated[
    list[str] | None,
    typer.Option(
        "--encoding",
        "-e",
        metavar="NAME|GLOB=NAME",
        help="Decode every file (NAME) or matching files (GLOB=NAME) in this encoding, e.g. gbk, big5, "
        "utf-16-le, cp1252, instead of sniffing (repeatable).",
        show_default=False,
    ),
]


PartitionSizeOption = Annotated[
    str | None,
    typer.Option(
        "--partition-size",
        metavar="SIZE",
        help="Clean a JSON Lines or Parquet file larger than this (e.g. 64M; default 4M) in parts of "
        "consecutive records, spread over the workers; the output is the same.",
        show_default=False,
    ),
]


MaxFileSizeOption = Annotated[
    str | None,
    typer.Option(
        "--max-file-size",
        metavar="SIZE",
        help="Refuse input files larger than this (e.g. 500M, 2G; default 2G) before reading them.",
        show_default=False,
    ),
]


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"cleaner {package_version()}")
        raise typer.Exit(0)


def package_version() -> str:
    """The installed distribution's version (the source tree's, when it is run uninstalled)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cleaner")
    except PackageNotFoundError:
        return "unknown"


VersionOption = Annotated[
    bool,
    typer.Option("--version", "-V", callback=_print_version, is_eager=True, help="Print the version and exit."),
]


@contextlib.contextmanager
def _interrupts_once() -> Iterator[None]:
    """The first Ctrl-C (or SIGTERM, SIGHUP) stops the run; any later one is ignored until the
    command returns.

    The interrupt unwinds the run: workers are killed, the temporary file being written and the
    unfinished audit record are removed, the lock is released. A second Ctrl-C in the middle of
    that would break it off half-done, with a traceback; so from the first on, SIGINT is ignored.
    Only the main thread can set handlers; and a SIGINT that was ignored when the command started
    (``nohup``, a background job) stays ignored.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    heeded = heeded_signals()

    def interrupt(signum: int, frame: FrameType | None) -> None:
        for sig in heeded:
            signal.signal(sig, signal.SIG_IGN)
        raise Stopped(signum)

    def swallowed(unraisable: Any) -> None:
        # The handler ran while a finalizer (a __del__, a weakref callback) did, which cannot raise:
        # Python would print the exception and go on with the run. Signal it again from outside,
        # a moment later, when the main thread has left the finalizer (and this hook).
        if isinstance(unraisable.exc_value, Stopped) and threading.current_thread() is threading.main_thread():
            signal.signal(unraisable.exc_value.signum, interrupt)
            again = threading.Timer(0.05, _thread.interrupt_main, (unraisable.exc_value.signum,))
            again.daemon = True
            again.start()
            pending.append(again)
            return
        hook(unraisable)

    hook = sys.unraisablehook
    pending: list[threading.Timer] = []
    previous = {sig: signal.signal(sig, interrupt) for sig in heeded}
    sys.unraisablehook = swallowed
    try:
        yield
    finally:
        # A signal swallowed by a finalizer just before the end, whose repeat has not come yet, still
        # stops the command (it would be lost with the timer); so does one whose handler is due.
        late = [again.args[0] for again in pending if not again.finished.is_set()]
        for again in pending:
            again.cancel()
        for sig in heeded:
            try:
                signal.signal(sig, signal.SIG_IGN)
            except Stopped as exc:
                late.append(exc.signum)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sys.unraisablehook = hook
        if late:
            raise Stopped(late[0])


class Stopped(KeyboardInterrupt):
    """A run stopped by a signal: Ctrl-C (SIGINT), ``kill`` (SIGTERM) or a closed terminal (SIGHUP).
    It unwinds the run as Ctrl-C does (workers killed, temporary files and the lock removed)."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signum)
        self.signum = signum


def _quiet_interrupts(command: Callable[..., None]) -> Callable[..., None]:
    """``command`` run under :func:`_interrupts_once` (its own ``except KeyboardInterrupt`` says so)."""

    @functools.wraps(command)
    def wrapped(*args: Any, **kwargs: Any) -> None:
        try:
            with _interrupts_once():
                command(*args, **kwargs)
        except Stopped as exc:  # it came as the command ended, after the command's own handling
            raise _fail(f"{stopped_by(exc.signum)} as the command ended", 128 + exc.signum) from None

    return wrapped


@_quiet_interrupts
def run(
    src: Annotated[
        str, typer.Argument(metavar="SRC", help="Folder, file, or - for standard input.", show_default=False)
    ],
    dst: Annotated[str, typer.Argument(metavar="DST", help="Folder, or - for standard output.", show_default=False)],
    glob: GlobOption = None,
    text_field: TextFieldOption = "text",
    encoding: EncodingOption = None,
    max_file_size: MaxFileSizeOption = None,
    partition_size: PartitionSizeOption = None,
    config_file: ConfigOption = None,
    no_config: NoConfigOption = False,
    rules: RulesOption = None,
    no_rules: NoRulesOption = False,
    select: Annotated[
        list[str] | None,
        typer.Option(
            "--select",
            metavar="RULE_ID",
            help="Apply only the rules whose id matches this glob, e.g. 'lukou-*' (repeatable, or comma-separated).",
            show_default=False,
        ),
    ] = None,
    ignore: Annotated[
        list[str] | None,
        typer.Option(
            "--ignore",
            metavar="RULE_ID",
            help="Do not apply the rules whose id matches this glob (repeatable, or comma-separated).",
            show_default=False,
        ),
    ] = None,
    disable: DisableOption = None,
    variants: Annotated[
        str | None, typer.Option(metavar="MODE", help="Variant conversion: off, conservative, full.")
    ] = None,
    opencc_config: Annotated[
        str | None, typer.Option(metavar="NAME", help="Convert with this OpenCC config (e.g. s2t).")
    ] = None,
    spacing: Annotated[
        str | None, typer.Option(metavar="STYLE", help="Chinese–Latin spaces: remove, insert, keep.")
    ] = None,
    markup: Annotated[str | None, typer.Option(metavar="MODE", help="Markdown marks: strip or keep.")] = None,
    furniture: Annotated[
        str | None,
        typer.Option(
            metavar="MODE",
            help="Page numbers and running heads: drop, keep (on lines of their own) or mark "
            "(dropped, and listed in a 'furniture' field of each JSON Lines record). Default: drop.",
            show_default=False,
        ),
    ] = None,
    debris: Annotated[
        str | None,
        typer.Option(metavar="MODE", help="OCR debris and specks: drop or keep. Default: drop.", show_default=False),
    ] = None,
    dedup: Annotated[
        str | None, typer.Option(metavar="SCOPE", help="Paragraph dedup scope: corpus, file, off.")
    ] = None,
    drop_duplicate_documents: Annotated[
        bool, typer.Option("--drop-duplicate-documents", help="Drop whole documents that duplicate earlier ones.")
    ] = False,
    dedup_index: Annotated[
        Path | None,
        typer.Option(
            "--dedup-index",
            metavar="PATH",
            help="Also remove copies of what earlier runs with this index kept; the index (a folder) "
            "is read at the start if it exists and written back, grown by this run, at the end.",
            show_default=False,
        ),
    ] = None,
    on_error: Annotated[
        str | None,
        typer.Option(
            "--on-error",
            metavar="skip|fail",
            help="A bad JSON Lines record: skip it (written back unchanged, the rest cleaned; exit 1) "
            "or fail its file (no output). Default: skip.",
            show_default=False,
        ),
    ] = None,
    input_format: Annotated[
        str, typer.Option("--format", metavar="FORMAT", help="Format of standard input: text or jsonl.")
    ] = "text",
    report: Annotated[
        Path | None,
        typer.Option(
            metavar="PATH",
            help="Write the audit record here (default: DST/.cleaner/audit.jsonl.gz; gzip when PATH ends in .gz).",
        ),
    ] = None,
    audit_format: Annotated[
        str,
        typer.Option(
            "--audit-format",
            metavar="compact|verbose",
            help="The audit record's layout: compact (one line per document, edits in columns; default "
            "DST/.cleaner/audit.jsonl.gz) or verbose (one line per edit; default DST/.cleaner/audit.jsonl).",
        ),
    ] = DEFAULT_FORMAT,
    no_fsync: Annotated[
        bool,
        typer.Option(
            "--no-fsync",
            help="Do not fsync outputs and their folders (faster scratch runs; writes stay atomic).",
        ),
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Clean every file again and rewrite every output, whatever the run cache (DST/.cleaner/cache) holds.",
        ),
    ] = False,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help="Neither read nor write the run cache (DST/.cleaner/cache): every file is cleaned (a scratch run).",
        ),
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", "-n", help="Write nothing; list what would change.")] = False,
    check: Annotated[
        bool,
        typer.Option("--check", help="Write nothing; list the files that would change and exit 1 if any would (CI)."),
    ] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Print a unified diff of each file's changes.")] = False,
    delete_stale: Annotated[
        bool,
        typer.Option("--delete-stale", help="Remove outputs an earlier run wrote whose input is gone (nothing else)."),
    ] = False,
    summary_json: Annotated[
        Path | None,
        typer.Option(
            "--summary-json",
            metavar="FILE",
            help="Also write the summary's numbers to FILE as JSON.",
            show_default=False,
        ),
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            metavar="FILE",
            help="Also write the review page of this run to FILE (as cleaner report DST -o FILE does).",
            show_default=False,
        ),
    ] = None,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="Hide the progress bar, the per-file lines and the summary; problems are still shown."
        ),
    ] = False,
    jobs: JobsOption = 0,
    engine: EngineOption = "local",
    address: AddressOption = None,
    version: VersionOption = False,
) -> None:
    dry_run = dry_run or check
    try:
        check_format(audit_format)
        _check_side_outputs(summary_json, html, src, dst, dry_run)
        config = build_config(
            config_file, rules, no_rules, disable, variants, opencc_config, spacing, markup, dedup,
            drop_duplicate_documents, encoding, max_file_size, src, no_config, on_error, select, ignore,
            furniture, debris, dedup_index, partition_size,
        )  # fmt: skip
        if src == "-":
            if config.dedup.index is not None:
                raise ConfigError("--dedup-index needs SRC to be a file or folder, not standard input")
            summary = _run_stdin(dst, config, input_format, text_field, report, dry_run, diff, check, audit_format)
        else:
            globs = tuple(glob or DEFAULT_GLOBS)
            summary = _run_tree(
                src, dst, config, globs, text_field, report, dry_run, diff, quiet, jobs, check, delete_stale,
                engine, address, audit_format, not no_fsync, force, not no_cache,
            )  # fmt: skip
        if not quiet:
            typer.echo(summary.format(), err=True)
        if summary_json is not None:
            write_summary_json(summary_json, summary, src)
        if html is not None:
            _write_review(html, src, dst, summary, text_field, quiet, dry_run)
        code = summary.exit_code
        if check and summary.cleaned:
            code = 1
    except typer.Exit:
        raise
    except BrokenPipeError:
        raise _quiet_broken_pipe() from None
    except CleanerError as exc:
        raise _fail(str(exc), exc.exit_code) from None
    except KeyboardInterrupt as exc:
        signum = exc.signum if isinstance(exc, Stopped) else signal.SIGINT
        what = stopped_by(signum)
        raise _fail(
            f"{what}; outputs already written are complete, the audit record was not written", 128 + signum
        ) from None
    except OSError as exc:
        raise _fail(f"{exc.filename or 'output'}: cannot write ({exc.strerror or exc})", 1) from None
    except Exception as exc:
        if os.environ.get("CLEANER_DEBUG"):
            raise
        raise _fail(f"internal error: {type(exc).__name__}: {exc} (set CLEANER_DEBUG=1 for a traceback)", 3) from None
    raise typer.Exit(code)


def _side_output_guard(path: Path, src: str) -> WriteGuard:
    """Where ``--summary-json`` and ``--html`` may write: anywhere but into SRC or over the input."""
    trees = [Path(src)] if src != "-" and Path(src).is_dir() else []
    inputs = [Path(src)] if src != "-" else []
    return WriteGuard.create(path.parent, trees, inputs)


def _check_side_outputs(summary_json: Path | None, html: Path | None, src: str, dst: str, dry_run: bool) -> None:
    """Refuse a bad ``--summary-json`` or ``--html`` before the run, so that a refused run writes nothing."""
    if html is not None and (dry_run or dst == "-" or src == "-"):
        raise ConfigError(_HTML_NEEDS_A_RUN)
    for path, what in ((summary_json, "the summary"), (html, "the review page")):
        if path is not None:
            _side_output_guard(path, src).check(path, what)


_HTML_NEEDS_A_RUN = "--html needs a run that writes into a DST folder (not -, --dry-run or --check)"


def _write_review(
    html: Path, src: str, dst: str, summary: Summary, text_field: str, quiet: bool, dry_run: bool
) -> None:
    """``--html``: the review page of the run just made (a run that wrote nothing has none)."""
    from cleaner.review import build_report

    if dry_run or dst == "-" or src == "-" or summary.audit_path is None:
        raise ConfigError(_HTML_NEEDS_A_RUN)
    _side_output_guard(html, src).check(html, "the review page")  # again, just before it is written
    stats = build_report(dst, html, audit=summary.audit_path, src=src, text_field=text_field)
    if not quiet:
        typer.echo(stats.format(), err=True)


def _quiet_broken_pipe() -> typer.Exit:
    """The reader of standard output went away (``clean f - | head``): end quietly, as a program
    killed by SIGPIPE does (exit 141), after the run has unwound (temporary files removed, lock
    released). Standard output is pointed at /dev/null so that flushing it at exit cannot fail again.
    """
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return typer.Exit(128 + signal.SIGPIPE)


def write_summary_json(path: Path, summary: Summary, src: str) -> None:
    """The summary's numbers as JSON (``--summary-json FILE``), written atomically, never into SRC."""
    guard = _side_output_guard(path, src)
    write_atomic(path, json.dumps(summary.to_dict(), ensure_ascii=False, indent=2), guard, "the summary")


def _run_stdin(
    dst: str,
    config: Config,
    fmt: str,
    text_field: str,
    report: Path | None,
    dry_run: bool,
    diff: bool,
    check: bool = False,
    audit_format: str = DEFAULT_FORMAT,
) -> Summary:
    if fmt not in ("text", "jsonl"):
        raise ConfigError(f"--format must be text or jsonl, not {fmt!r}")
    try:
        data = read_stdin(config.input.max_file_size)
        outcome = clean_bytes(data, "<stdin>", config, fmt=fmt, text_field=text_field)
    except InputError as exc:
        raise _fail(f"skipped {display_name(str(exc))}", 1) from None
    for line in rejected_lines(outcome):
        typer.echo(line, err=True)
    for reason in partly_cleaned(outcome):
        typer.echo(f"partly cleaned {display_name(reason)}", err=True)
    if outcome.status == "skipped":  # --on-error fail and a bad record
        raise _fail(f"skipped {display_name(outcome.reason)}", 1)
    output, output_guard, report_guard = _stdin_writes(dst, report, dry_run)
    if diff:
        _print_diff(outcome)
    if report:
        with AuditRecord(report, report_guard, audit_format) as audit:
            audit.write({"type": "file", "doc": "<stdin>", "status": outcome.status, "encoding": outcome.encoding})
            for doc_id, group in itertools.groupby(outcome.edits, key=lambda item: item[0]):
                audit.write_edits(doc_id, [edit for _, edit in group])
    if dry_run:
        _print_dry_run(outcome, check)
    elif output is None:
        sys.stdout.write(outcome.after)
        sys.stdout.flush()
    else:
        write_atomic(output, outcome.after, output_guard)
    return summary_of(outcome, config, report)


def read_stdin(max_bytes: int) -> bytes:
    """Standard input, up to the size limit: an endless stream is refused, not read until memory runs out."""
    try:
        return read_at_most(sys.stdin.buffer, max_bytes)
    except NotReadable as exc:
        raise InputError(f"<stdin>: {exc}") from None


# A JSON Lines file can hold any number of bad lines: the terminal shows this many per file, the
# audit record all of them.
MAX_REJECTED_SHOWN = 20


def rejected_lines(outcome: FileOutcome) -> list[str]:
    """What to print for the JSON Lines lines written back unread: ``skipped file:line: why`` each,
    up to a limit, names escaped for the terminal."""
    lines = [f"skipped {display_name(reason)}" for _, reason in outcome.rejected[:MAX_REJECTED_SHOWN]]
    hidden = len(outcome.rejected) - MAX_REJECTED_SHOWN
    if hidden > 0:
        lines.append(f"skipped {hidden} more bad lines of {display_name(outcome.source.rel)} (see the audit record)")
    return lines


def _stdin_writes(
    dst: str, report: Path | None, dry_run: bool
) -> tuple[Path | None, WriteGuard | None, WriteGuard | None]:
    """The output file (None: standard output) and the guards of a standard-input run, checked up front.

    Each must resolve inside the folder it is named in (no symlink elsewhere), and the audit
    record must not be the output.
    """
    output = None if dry_run or dst == "-" else Path(dst)
    output_guard = report_guard = None
    if output is not None:
        output_guard = WriteGuard.create(output.parent)
        output_guard.check(output)
    if report is not None:
        report_guard = WriteGuard.create(report.parent)
        report_guard.check(report, "the audit record")
        if output is not None and real(report) == real(output):
            raise UnsafeWriteError(f"{display_name(str(report))}: the audit record would overwrite the output")
    return output, output_guard, report_guard


def _run_tree(
    src: str,
    dst: str,
    config: Config,
    globs: tuple[str, ...],
    text_field: str,
    report: Path | None,
    dry_run: bool,
    diff: bool,
    quiet: bool,
    jobs: int = 1,
    check: bool = False,
    delete_stale: bool = False,
    engine: str = "local",
    address: str | None = None,
    audit_format: str = DEFAULT_FORMAT,
    fsync: bool = True,
    force: bool = False,
    cache: bool = True,
) -> Summary:
    source = Path(src)
    to_stdout = dst == "-"
    if to_stdout and not source.is_file():
        raise ConfigError("DST - (standard output) needs a single input file or - as SRC")
    if to_stdout and format_of(source.name) == "parquet":
        raise ConfigError("DST - (standard output) cannot take a Parquet file; name an output folder")
    progress = _Progress(quiet)

    def on_file(outcome: FileOutcome) -> None:
        for line in rejected_lines(outcome):
            progress.print(line)
        for reason in partly_cleaned(outcome):
            progress.print(f"partly cleaned {display_name(reason)}")
        if outcome.status == "skipped":
            progress.print(f"skipped {display_name(outcome.reason)}")
        elif not quiet and not to_stdout:
            stages = outcome.changes_by_stage()
            detail = ", ".join(f"{stage} {n}" for stage, n in stages) or "no edits"
            name = display_name(outcome.source.rel)
            reused = ", reused" if outcome.reused else ""
            count = sum(n for _, n in stages)
            progress.print(f"{name}: {outcome.encoding}, {count} edits ({detail}){reused}")
        if diff:
            _print_diff(outcome)
        if dry_run:
            _print_dry_run(outcome, check)
        if to_stdout and not dry_run and outcome.status != "skipped":
            sys.stdout.write(outcome.after)
        progress.advance()

    write_to = None if (dry_run or to_stdout) else dst
    try:
        summary = clean_corpus(
            source,
            write_to,
            config,
            globs=globs,
            text_field=text_field,
            report=report,
            dry_run=dry_run or to_stdout,
            jobs=jobs or default_jobs(),
            on_start=progress.start,
            on_file=on_file,
            delete_stale=delete_stale,
            engine=engine,
            address=address,
            audit_format=audit_format,
            fsync=fsync,
            cache=cache,
            force=force,
            texts=diff,
        )
    finally:  # on Ctrl-C too: the bar is cleared and the cursor shown again before the message
        progress.stop()
    for warning in summary.warnings:  # a cache file ignored: shown even with --quiet
        typer.echo(f"warning: {display_name(warning)}", err=True)
    if not summary.files:
        raise ConfigError(f"{src}: no files matching {describe_globs(globs)}")
    if not quiet:
        for rel in summary.stale:
            name = display_name(rel)
            kept = rel not in summary.deleted
            typer.echo(f"stale {name}: its input is gone; " + ("kept" if kept else "deleted"), err=True)
    return summary


def _print_diff(outcome: FileOutcome) -> None:
    if outcome.status != "cleaned":
        return
    name = display_name(outcome.source.rel)
    lines = difflib.unified_diff(
        outcome.before.splitlines(keepends=True),
        outcome.after.splitlines(keepends=True),
        fromfile=f"a/{name}",
        tofile=f"b/{name}",
    )
    for line in lines:
        sys.stdout.write(line if line.endswith("\n") else line + "\n")


def _print_dry_run(outcome: FileOutcome, check: bool = False) -> None:
    """``would change NAME: …`` or ``unchanged NAME`` (with ``--check``, only the files that would change)."""
    if outcome.status == "skipped":
        return
    name = display_name(outcome.source.rel)
    if outcome.status == "unchanged":
        if not check:
            sys.stdout.write(f"unchanged {name}\n")
        return
    stages = Counter(edit.stage for _, edit in outcome.changes)
    detail = ", ".join(f"{stage} {n}" for stage, n in stages.items())
    sys.stdout.write(f"would change {name}: {len(outcome.changes)} edits ({detail})\n")


class _Progress:
    """A progress bar on standard error for multi-file runs, only when it is a terminal."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self._bar = None
        self._task = None

    def start(self, files: list) -> None:
        if self.quiet or len(files) < 2 or not sys.stderr.isatty():
            return
        from rich.console import Console
        from rich.progress import Progress

        self._bar = Progress(console=Console(stderr=True), transient=True)
        self._task = self._bar.add_task("cleaning", total=len(files))
        self._bar.start()

    def print(self, message: str) -> None:
        if self._bar is not None:
            self._bar.console.print(message, markup=False, highlight=False)
        else:
            typer.echo(message, err=True)

    def advance(self) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


clean_app = typer.Typer(
    add_completion=True, rich_markup_mode=None, context_settings={"help_option_names": ["-h", "--help"]}
)
clean_app.command(help=CLEAN_HELP, cls=PlainHelpCommand)(run)

app = typer.Typer(
    add_completion=True,
    rich_markup_mode=None,
    no_args_is_help=True,
    help=CLEANER_HELP,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("run", help=CLEAN_HELP, cls=PlainHelpCommand)(run)


app.add_typer(rules_app, name="rules")


def _register_suggest() -> None:
    from cleaner.suggest.cli import suggest_command

    app.command("suggest", cls=PlainHelpCommand)(suggest_command)


_register_suggest()


@rules_app.command("stats", cls=PlainHelpCommand)
def rules_stats(
    src: Annotated[Path, typer.Argument(metavar="SRC", help="The corpus: a folder or a file.", show_default=False)],
    rules: Annotated[
        list[Path] | None,
        typer.Option(
            "--rules", "-r", metavar="PATH", help="Rule file or folder. Default: the config file's, else ./rules"
        ),
    ] = None,
    glob: GlobOption = None,
    text_field: TextFieldOption = "text",
    config_file: ConfigOption = None,
) -> None:
    """Count hits per rule on a corpus, writing nothing; list the rules that never fire.

    Hits are counted where the rules stage meets the text in a real run: after normalisation and
    layout repair.

    \b
    Examples:
      cleaner rules stats seeds/
      cleaner rules stats corpus/ --rules my-rules/ --glob '*.jsonl'
    """
    from cleaner.rules.cli import default_rule_paths, load_or_exit
    from cleaner.rules.stats import rule_hits, rule_timeouts, unmatched_globs

    chosen = list(rules or default_rule_paths(src))
    rule_set = load_or_exit(chosen)
    edits: list = []
    files: list[str] = []
    try:
        config = build_config(config_file, chosen, False, ["dedup"], None, None, None, None, None, False, src=src)
        summary = clean_corpus(
            src,
            None,
            config,
            globs=tuple(glob or DEFAULT_GLOBS),
            text_field=text_field,
            dry_run=True,
            on_start=lambda found: files.extend(f.rel for f in found),
            on_file=lambda outcome: edits.extend(edit for _, edit in outcome.edits),
        )
    except CleanerError as exc:
        raise _fail(str(exc), exc.exit_code) from None
    for _, reason in summary.skipped:
        typer.echo(f"skipped {reason}", err=True)
    hits = rule_hits(rule_set, edits)
    where = {rule.id: rule.location for rule in rule_set.rules}
    width = max((len(str(n)) for n in hits.values()), default=1)
    for rule_id, count in sorted(hits.items(), key=lambda item: (-item[1], item[0])):
        if count:
            typer.echo(f"{count:>{width}}  {rule_id}  ({where.get(rule_id, '')})")
    never = [rule_id for rule_id, count in hits.items() if not count]
    if never:
        typer.echo(f"never fired ({len(never)}): " + ", ".join(never))
    for rule_id, count in sorted(rule_timeouts(edits).items()):
        typer.echo(f"{rule_id}: timed out on {count} paragraphs", err=True)
    for warning in unmatched_globs(rule_set, files):
        typer.echo(warning, err=True)
    typer.echo(f"{sum(hits.values())} hits of {len(hits)} rules in {summary.files} files")
    raise typer.Exit(summary.exit_code)


@app.command("restore", cls=PlainHelpCommand)
def restore_command(
    audit: Annotated[Path, typer.Argument(metavar="AUDIT", help="The run's audit record.", show_default=False)],
    cleaned: Annotated[Path, typer.Argument(metavar="CLEANED", help="The cleaned folder.", show_default=False)],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", metavar="DIR", help="Write restored files here (default: in place).")
    ] = None,
    doc: Annotated[
        list[str] | None, typer.Option("--doc", metavar="ID", help="Only this document (repeatable).")
    ] = None,
    para: Annotated[
        list[int] | None, typer.Option("--para", metavar="N", help="Only this paragraph index (repeatable).")
    ] = None,
    text_field: TextFieldOption = "text",
) -> None:
    """Put paragraphs removed as duplicates back, from a run's audit record.

    Restore works on the cleaned folder as the run left it: a file that was restored already
    (or changed) is refused, so a second run never doubles paragraphs. An unknown --doc, or a
    --para that no selected document lost, is an error.

    \b
    Examples:
      cleaner restore cleaned/.cleaner/audit.jsonl.gz cleaned/ --out restored/
      cleaner restore cleaned/.cleaner/audit.jsonl.gz cleaned/ --doc 001_11a9e775f722c1c5.txt --para 46
    """
    from cleaner.dedup.restore import restore_tree

    if not audit.is_file():
        raise _fail(f"{audit}: no such audit record")
    if not cleaned.is_dir():
        raise _fail(f"{cleaned}: no such folder")
    refused: list[str] = []
    try:
        counts = restore_tree(audit, cleaned, out, doc or None, para or None, text_field, refused.append)
    except CleanerError as exc:
        raise _fail(str(exc), exc.exit_code) from None
    except (OSError, ValueError, KeyError) as exc:
        raise _fail(f"{audit}: cannot restore ({exc})", 1) from None
    for message in refused:
        typer.echo(f"not restored {message}", err=True)
    typer.echo(
        f"restored {counts['paragraphs']} paragraph(s) in {counts['documents']} document(s), "
        f"{counts['files']} file(s) written to {out or cleaned}"
    )
    raise typer.Exit(1 if refused else 0)


@app.command("verify", cls=PlainHelpCommand)
def verify_command(
    src: Annotated[Path, typer.Argument(metavar="SRC", help="The run's input file or folder.", show_default=False)],
    dst: Annotated[Path, typer.Argument(metavar="DST", help="The run's output folder.", show_default=False)],
    report: Annotated[
        Path | None,
        typer.Option(metavar="AUDIT", help="The run's audit record (default: the one in DST/.cleaner/)."),
    ] = None,
    glob: GlobOption = None,
    text_field: TextFieldOption = "text",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="List only the files that do not verify.")] = False,
) -> None:
    """Prove from the audit record that a run lost nothing; write nothing.

    Every input is decoded again in the encoding its file record names, its edits are replayed,
    and the result must be exactly its output; paragraphs removed as duplicates must come back
    from their edits. Every input needs a file record and every output a source. Exit 0 when
    everything verifies, 1 on any mismatch or missing piece, 2 on bad arguments. Give the same
    --glob and --text-field as the run.

    \b
    Examples:
      cleaner verify seeds/ cleaned/
      cleaner verify dump/ out/ --glob '*.jsonl' --text-field content --report out.audit.jsonl
    """
    from cleaner.verify import verify_corpus

    try:
        result = verify_corpus(src, dst, report, globs=tuple(glob or DEFAULT_GLOBS), text_field=text_field)
    except CleanerError as exc:
        raise _fail(str(exc), exc.exit_code) from None
    except OSError as exc:
        raise _fail(f"{display_name(str(exc.filename or src))}: cannot read ({exc.strerror or exc})", 1) from None
    for line in result.lines(quiet):
        typer.echo(line)
    raise typer.Exit(result.exit_code)


audit_app = typer.Typer(
    rich_markup_mode=None, no_args_is_help=True, help="Read a run's audit record (compact or verbose)."
)
app.add_typer(audit_app, name="audit")


@audit_app.command("show", cls=PlainHelpCommand)
def audit_show(
    where: Annotated[
        Path,
        typer.Argument(metavar="DST|AUDIT", help="The run's output folder, or its audit record.", show_default=False),
    ],
    stage: Annotated[
        list[str] | None, typer.Option("--stage", "-s", metavar="STAGE", help="Only edits of this stage (repeatable).")
    ] = None,
    rule: Annotated[
        list[str] | None, typer.Option("--rule", "-r", metavar="RULE", help="Only edits of this rule (repeatable).")
    ] = None,
    doc: Annotated[
        list[str] | None,
        typer.Option("--doc", "-d", metavar="DOC", help="Only records of this document, as the record names it."),
    ] = None,
) -> None:
    """Print an audit record as plain JSON Lines, one record per line (every edit on its own line).

    Whatever the layout the run wrote, the lines are those of the verbose layout, ready for grep
    and jq; with no filter this is the whole record (an export). --stage and --rule keep only
    edits; --doc keeps the records of a document (a JSON Lines file's records too).

    \b
    Examples:
      cleaner audit show cleaned/ --rule halfwidth_comma
      cleaner audit show cleaned/ --stage dedup --doc 001_11a9e775f722c1c5.txt
      cleaner audit show cleaned/.cleaner/audit.jsonl.gz > audit.jsonl
    """
    from cleaner.audit_file import dumps, matches
    from cleaner.corpus import existing_audit
    from cleaner.report import read_audit

    path = existing_audit(where) if where.is_dir() else where
    if not path.is_file():
        raise _fail(f"{display_name(str(path))}: no audit record")
    stages, rules, docs = stage or [], rule or [], doc or []
    try:
        for record in read_audit(path):
            if matches(record, stages, rules, docs):
                sys.stdout.write(dumps(record) + "\n")
    except BrokenPipeError:
        raise _quiet_broken_pipe() from None
    except OSError as exc:
        raise _fail(f"{display_name(str(path))}: cannot read ({exc.strerror or exc})", 1) from None
    except ValueError as exc:
        raise _fail(f"{display_name(str(path))}: {exc}", 1) from None


@app.command("report", cls=PlainHelpCommand)
def report_command(
    dst: Annotated[Path, typer.Argument(metavar="DST", help="The run's output folder.", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FILE", help="The page to write.")] = Path(
        "report.html"
    ),
    audit: Annotated[
        Path | None,
        typer.Option("--report", metavar="AUDIT", help="The run's audit record (default: the one in DST/.cleaner/)."),
    ] = None,
    src: Annotated[
        Path | None,
        typer.Option(
            "--src",
            metavar="SRC",
            help="The run's input folder: its rule files are named from there.",
            show_default=False,
        ),
    ] = None,
    max_edits: Annotated[
        int,
        typer.Option(
            "--max-edits", metavar="N", min=0, help="Hold at most N edits in full, sampled evenly within each rule."
        ),
    ] = DEFAULT_MAX_EDITS,
    max_text: Annotated[
        int,
        typer.Option("--max-text", metavar="N", min=0, help="Embed at most N characters of cleaned text."),
    ] = DEFAULT_MAX_TEXT,
    text_field: TextFieldOption = "text",
) -> None:
    """Write a run's review page: one HTML file, no server or network needed.

    The page shows the run's summary with charts, every rule with its hits in context (and the
    rules that never fired), each file's cleaned text with every edit marked, removed duplicates
    with a link to the kept copy, filters, search and keyboard navigation. It says what
    --max-edits and --max-text left out.

    \b
    Examples:
      cleaner report cleaned/ -o review.html
      cleaner report out/ --src seeds/ --max-edits 20000
    """
    from cleaner.review import build_report

    try:
        stats = build_report(
            dst, output, audit=audit, src=src, max_edits=max_edits, max_text=max_text, text_field=text_field
        )
    except CleanerError as exc:
        raise _fail(str(exc), exc.exit_code) from None
    except OSError as exc:
        raise _fail(f"{display_name(str(exc.filename or dst))}: {exc.strerror or exc}", 1) from None
    except (ValueError, KeyError) as exc:
        raise _fail(
            f"{display_name(str(audit or dst))}: not an audit record this version can read ({exc})", 1
        ) from None
    typer.echo(stats.format())


@app.callback()
def _toolkit(version: VersionOption = False) -> None:
    # A callback makes `cleaner` a command group even while it has few commands.
    pass


def clean_main() -> None:
    clean_app()


def cleaner_main() -> None:
    app()
