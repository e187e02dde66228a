"""The commands' entry points: ``clean``, ``cleaner`` and ``python -m cleaner``.

Importing the library takes about half a second, longer on a loaded machine. A Ctrl-C (or SIGTERM,
SIGHUP) in that time would end the command with Python's own traceback: the command's handler
(:func:`cleaner.cli._interrupts_once`) is not installed yet. So the signals are caught here, before
anything heavy is imported, and held until the command starts (:func:`release_signals`): the
arguments are parsed in that time too, and a Ctrl-C there would end the command with no word at
all. Nothing has been read or written by then, and the command ends as an interrupted run does,
with one line and exit 128+N.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType, ModuleType
from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def heeded_signals() -> list[int]:
    """The stop signals to act on: one ignored when the command started (nohup, a background
    job) stays ignored."""
    return [sig for sig in STOP_SIGNALS if signal.getsignal(sig) not in (signal.SIG_IGN, None)]


def stopped_by(signum: int) -> str:
    """How a run stopped by ``signum`` says so: ``interrupted`` or ``stopped by SIGTERM``."""
    return "interrupted" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}"


# The stop signals held back while the command starts: their handlers before, and any that came.
_held: dict[int, Any] = {}
_caught: list[int] = []


def _remember(signum: int, frame: FrameType | None) -> None:
    _caught.append(signum)


def _hold_signals() -> None:
    for sig in heeded_signals():
        _held.setdefault(sig, signal.signal(sig, _remember))


def release_signals() -> None:
    """Give the stop signals held since the command started back to their handlers; if one came
    meanwhile, end the command (nothing has been read or written yet). A no-op when none is held
    (the commands called as a library, or from tests)."""
    previous = dict(_held)
    _held.clear()
    for sig, handler in previous.items():
        signal.signal(sig, handler)
    if _caught:
        print(f"{stopped_by(_caught[0])} before the run started; nothing was read or written", file=sys.stderr)
        raise SystemExit(128 + _caught[0])


def _import_cli() -> ModuleType:
    """:mod:`cleaner.cli`, imported with the stop signals held back (until the command starts)."""
    _hold_signals()
    try:
        from cleaner import cli
    except BaseException:
        release_signals()
        raise
    if _caught:
        release_signals()
    return cli


def clean_main() -> None:
    """``clean SRC DST``."""
    _import_cli().clean_app()


def cleaner_main() -> None:
    """``cleaner COMMAND``."""
    _import_cli().app()
