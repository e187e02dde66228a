"""``cleaner rules check`` and ``cleaner rules test``: validate rule files and run their examples.

Each command is a thin layer over :func:`cleaner.rules.load_rules` and
:func:`cleaner.rules.run_examples`. Exit codes: 0 fine, 1 examples failed (``test``) or warnings
with ``--strict`` (``check``), 2 rule files are invalid or missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cleaner.clihelp import PlainHelpCommand
from cleaner.errors import CleanerError
from cleaner.rules.loading import load_rules
from cleaner.rules.model import RuleSet
from cleaner.rules.selftest import run_examples
from cleaner.rules.stats import unmatched_globs

app = typer.Typer(
    name="rules",
    help="Validate, test and measure correction rules (YAML files of find/replace rules).",
    no_args_is_help=True,
    add_completion=False,
)

DEFAULT_RULES = Path("rules")

PathsArgument = Annotated[
    list[Path] | None,
    typer.Argument(
        metavar="[PATH]...",
        help="Rule files or folders (folders are read recursively). Default: the rules.paths of the closest "
        "cleaner.toml (as clean finds it), else ./rules",
        show_default=False,
    ),
]


def default_rule_paths(start: Path | None = None) -> list[Path]:
    """The rule paths a command uses when none are named: those of the config file found for
    ``start`` (the working folder by default), as ``clean`` finds it; else ``./rules``."""
    from cleaner.config import discover_config

    try:
        config = discover_config(start)
    except CleanerError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(exc.exit_code) from None
    if config.origin is not None and config.rules.paths:
        base = Path(config.rules.base or ".")
        return [base / p for p in config.rules.paths]
    return [DEFAULT_RULES]


def load_or_exit(paths: list[Path] | None) -> RuleSet:
    """The rules of ``paths`` (default: :func:`default_rule_paths`); invalid rules print their
    messages and exit 2."""
    chosen = list(paths or default_rule_paths())
    try:
        rule_set = load_rules(chosen)
    except CleanerError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(exc.exit_code) from None
    if not rule_set.sources:
        typer.echo(f"{', '.join(map(str, chosen))}: no rule files (*.yaml, *.yml)", err=True)
        raise typer.Exit(2)
    return rule_set


def corpus_paths(src: Path) -> list[str]:
    """Paths of the files under ``src``, relative and POSIX, as ``files:`` globs see them."""
    if src.is_file():
        return [src.name]
    return sorted(p.relative_to(src).as_posix() for p in src.rglob("*") if p.is_file() and ".cleaner" not in p.parts)


@app.command("check", cls=PlainHelpCommand)
def check_command(
    paths: PathsArgument = None,
    src: Annotated[
        Path | None,
        typer.Option(
            "--src", metavar="CORPUS", help="A corpus: warn about 'files:' globs that match none of its files."
        ),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when there are warnings.")] = False,
) -> None:
    """Validate rule files: structure, regexes, repeated finds, chains and cycles.

    \b
    Examples:
      cleaner rules check                    # ./rules
      cleaner rules check my-rules/ extra.yaml --src corpus/
    """
    rule_set = load_or_exit(paths)
    warnings = list(rule_set.warnings)
    if src is not None:
        if not src.exists():
            typer.echo(f"{src}: no such file or folder", err=True)
            raise typer.Exit(2)
        warnings.extend(unmatched_globs(rule_set, corpus_paths(src)))
    for warning in warnings:
        typer.echo(warning, err=True)
    literal = sum(1 for rule in rule_set.rules if rule.is_literal)
    typer.echo(
        f"{len(rule_set)} rules ({literal} literal, {len(rule_set) - literal} regex) in {len(rule_set.sources)} files: "
        f"ok, {len(warnings)} warning{'s' if len(warnings) != 1 else ''}"
    )
    if strict and warnings:
        raise typer.Exit(1)


@app.command("test", cls=PlainHelpCommand)
def test_command(paths: PathsArgument = None) -> None:
    """Run every rule's examples; report each failure with a diff (exit 1 if any fails).

    Each example [input, expected] is run through its rule alone, then the whole rule set must
    leave the expected output unchanged (no chain through the surrounding text).
    """
    rule_set = load_or_exit(paths)
    count, failures = run_examples(rule_set)
    for failure in failures:
        typer.echo(failure.describe(), err=True)
    without = sum(1 for rule in rule_set.rules if not rule.examples)
    tail = f"; {without} rules have no examples" if without else ""
    typer.echo(
        f"{count} examples of {len(rule_set)} rules: {count - len(failures)} passed, {len(failures)} failed{tail}"
    )
    if failures:
        raise typer.Exit(1)


class _TyperTerminal:
    """The terminal of an interactive review: typer's echo and prompt; end of input is quit."""

    def show(self, text: str) -> None:
        typer.echo(text)

    def ask(self, prompt: str) -> str | None:
        try:
            return str(typer.prompt(prompt, default="", show_default=False))
        except (typer.Abort, EOFError):
            typer.echo("")
            return None


def _is_terminal() -> bool:
    import sys

    return sys.stdin.isatty() and sys.stdout.isatty()


def _ids_option(flag: str, what: str) -> typer.models.OptionInfo:
    return typer.Option(
        flag,
        metavar="ID",
        help=f"{what} this rule id or 1-based index (repeatable, or comma-separated).",
        show_default=False,
    )


def _split(items: list[str] | None) -> list[str]:
    return [part.strip() for item in items or [] for part in item.split(",") if part.strip()]


@app.command("review", cls=PlainHelpCommand)
def review_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The rule file to review.", show_default=False)],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", metavar="OUT", help="Write the accepted rules here (default: FILE.reviewed.yaml)."),
    ] = None,
    accept: Annotated[list[str] | None, _ids_option("--accept", "Accept")] = None,
    reject: Annotated[list[str] | None, _ids_option("--reject", "Reject")] = None,
    accept_all: Annotated[bool, typer.Option("--all", help="Accept every rule not rejected with --reject.")] = False,
    interactive: Annotated[
        bool | None,
        typer.Option(
            "--interactive/--no-interactive",
            help="Ask about each undecided rule. Default: ask when no --accept/--reject/--all is given and "
            "the terminal is interactive.",
            show_default=False,
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite OUT (or FILE) if it exists.")] = False,
) -> None:
    """Step through proposed rules (from `cleaner suggest`): accept, reject or edit each, and
    write the accepted ones, with their evidence, to a new rule file.

    Interactively each rule is shown with its counts, similarity, confidence and contexts, then
    [a]ccept / [r]eject / [e]dit replacement / [s]kip / [q]uit. Without a terminal, decide with
    --accept, --reject and --all; rules left undecided are not written. Exit 2 on an invalid
    file, an unknown id or an existing output.

    \b
    Examples:
      cleaner rules review suggested.yaml                      # ask about each rule
      cleaner rules review suggested.yaml --accept 1,2 -o ok.yaml
      cleaner rules review suggested.yaml --all --reject ocr-绿口
    """
    from cleaner.suggest.review import review_rules

    decided = bool(accept or reject or accept_all)
    ask = interactive if interactive is not None else (not decided and _is_terminal())
    if not ask and not decided:
        typer.echo("nothing decided: give --accept, --reject or --all, or --interactive", err=True)
        raise typer.Exit(2)
    try:
        target, outcome, total = review_rules(
            file,
            out,
            accept=_split(accept),
            reject=_split(reject),
            accept_all=accept_all,
            terminal=_TyperTerminal() if ask else None,
            force=force,
        )
    except CleanerError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(exc.exit_code) from None
    typer.echo(f"{outcome.summary(total)}; written to {target}", err=True)
