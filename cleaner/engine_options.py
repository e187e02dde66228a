"""The command-line options that say where a command's work on files runs, shared by ``clean``
and ``cleaner suggest``: worker processes here, or actors on a Ray cluster."""

from __future__ import annotations

from typing import Annotated

import typer

JobsOption = Annotated[
    int,
    typer.Option("--jobs", "-j", metavar="N", min=0, help="Worker processes: 0, one per core; 1, none. Same output."),
]
EngineOption = Annotated[
    str,
    typer.Option(
        "--engine",
        metavar="ENGINE",
        help="Where the work on files runs: local (processes here) or ray (pip install 'cleaner[ray]'). Same output.",
    ),
]
AddressOption = Annotated[
    str | None,
    typer.Option(
        "--address",
        metavar="ADDR",
        help="With --engine ray: the Ray cluster to use (default: start a local one with --jobs CPUs).",
        show_default=False,
    ),
]
