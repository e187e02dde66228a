"""``cleaner suggest``: a thin layer over :func:`cleaner.suggest.suggest` and
:func:`cleaner.suggest.render.render_rules`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cleaner.engine_options import AddressOption, EngineOption, JobsOption
from cleaner.errors import CleanerError
from cleaner.io.readers import DEFAULT_GLOBS
from cleaner.io.writers import write_atomic


def suggest_command(
    src: Annotated[Path, typer.Argument(metavar="SRC", help="The corpus: a folder or a file.", show_default=False)],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", metavar="FILE", help="Write the rules here (default: standard output)."),
    ] = None,
    rules: Annotated[
        list[Path] | None,
        typer.Option(
            "--rules", "-r", metavar="PATH", help="Apply these rules first; what they fix is not proposed (repeatable)."
        ),
    ] = None,
    top: Annotated[int, typer.Option("--top", "-n", metavar="N", help="At most this many proposals.")] = 20,
    glob: Annotated[
        list[str] | None,
        typer.Option("--glob", "-g", metavar="PATTERN", help="File pattern to read (repeatable).", show_default=False),
    ] = None,
    text_field: Annotated[
        str, typer.Option("--text-field", metavar="NAME", help="JSON Lines field holding the text.")
    ] = "text",
    jobs: JobsOption = 0,
    engine: EngineOption = "local",
    address: AddressOption = None,
) -> None:
    """Find likely OCR confusions in a corpus and write them as correction rules for review.

    A proposal is a rare string that differs from a frequent one by one character that looks
    like it (涪口 → 渌口) and is no real word; each carries its counts, the similarity, contexts
    with file and line, a confidence and 'unless' phrases. Best first.

    \b
    Examples:
      cleaner suggest seeds/ --out suggested.yaml
      cleaner suggest corpus/ --rules rules/ --top 50 -o more.yaml
      cleaner suggest corpus/ --engine ray --address ray://head:10001 -j 8 -o more.yaml
      cleaner rules check suggested.yaml && clean seeds/ cleaned/ --rules suggested.yaml
    """
    from cleaner.suggest import suggest
    from cleaner.suggest.render import render_rules
    from cleaner.workers import default_jobs

    if not src.exists():
        typer.echo(f"{src}: no such file or folder", err=True)
        raise typer.Exit(2)
    if top < 1:
        typer.echo("--top must be at least 1", err=True)
        raise typer.Exit(2)
    try:
        report = suggest(
            src,
            rule_paths=list(rules or []),
            top=top,
            globs=tuple(glob or DEFAULT_GLOBS),
            text_field=text_field,
            on_skip=lambda reason: typer.echo(f"skipped {reason}", err=True),
            engine=engine,
            jobs=jobs or default_jobs(),
            address=address,
        )
    except CleanerError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(exc.exit_code) from None
    text = render_rules(report, src.as_posix() + ("/" if src.is_dir() else ""))
    if out is None:
        typer.echo(text, nl=False)
    else:
        write_atomic(out, text, what="the rule file")
    typer.echo(
        f"{len(report.proposals)} proposals from {report.files} files ({report.bytes / 1e6:.2f} MB, counted at "
        f"{report.counting_rate:.1f} MB/s; {report.seconds:.1f} s in all: counting {report.counting_seconds:.1f}, "
        f"search {report.search_seconds:.1f}, evidence {report.evidence_seconds:.1f})"
        + (f", written to {out}" if out else ""),
        err=True,
    )
    raise typer.Exit(1 if report.skipped else 0)
