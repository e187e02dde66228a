"""The commands' entry points: ``clean``, ``cleaner`` and ``python -m cleaner``.

Importing the library takes about half a second, longer on a loaded machine. A Ctrl-C (or SIGTERM,
SIGHUP) in that time would end the command with Python's own traceback: the command's handler
(:func:`cleaner.cli._interrupts_once`) is not installed yet. So the signals are caught here, before
anything heavy is imported, and heeded once the import is done: nothing has been read or written by
then, and the command ends as an interrupted run does, with one line and exit 128+N.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType, ModuleType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def heeded_signals() -> list[int]:
    """The stop signals to act on: one ignored when the command started (nohup, a background
    job) stays ignored."""
    return [sig for sig in STOP_SIGNALS if signal.getsignal(sig) not in (signal.SIG_IGN, None)]


def stopped_by(signum: int) -> str:
    """How a run stopped by ``signum`` says so: ``interrupted`` or ``stopped by SIGTERM``."""
    return "interrupted" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}"


def _import_cli() -> ModuleType:
    """:mod:`cleaner.cli`, imported with the stop signals held back until it is."""
    caught: list[int] = []

    def remember(signum: int, frame: FrameType | None) -> None:
        caught.append(signum)

    previous = {sig: signal.signal(sig, remember) for sig in heeded_signals()}
    try:
        from cleaner import cli
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if caught:
        print(f"{stopped_by(caught[0])} before the run started; nothing was read or written", file=sys.stderr)
        raise SystemExit(128 + caught[0])
    return cli


def clean_main() -> None:
    """``clean SRC DST``."""
    _import_cli().clean_app()


def cleaner_main() -> None:
    """``cleaner COMMAND``."""
    _import_cli().app()
