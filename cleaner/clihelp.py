"""Help text in the form command-line users expect: ``SRC``, not ``{SRC}`` or ``SRC <str>``.

typer prints a parameter's Python type beside it (``paths... <list[Path]>``) and braces around
required arguments; the commands of ``clean`` and ``cleaner`` use :class:`PlainHelpCommand`
(``@app.command(cls=PlainHelpCommand)``) so that only the metavars written for them show.
"""

from __future__ import annotations

from typing import Any

import typer.core

from cleaner.entry import release_signals


class PlainArgument(typer.core.TyperArgument):
    """An argument shown by its metavar alone, ``[NAME]`` when optional, ``NAME...`` when repeated."""

    def display_type(self, ctx: Any) -> str:
        return ""

    def _usage_display_name(self) -> str:
        name = self.display_name_raw
        if self.nargs != 1 and not name.endswith("..."):
            name += "..."
        return name if self.required or name.startswith("[") else f"[{name}]"


class PlainHelpCommand(typer.core.TyperCommand):
    """A command whose arguments are :class:`PlainArgument`, and which takes over the stop signals
    that :mod:`cleaner.entry` held while the arguments were parsed (:func:`release_signals`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if isinstance(param, typer.core.TyperArgument):
                param.__class__ = PlainArgument

    def invoke(self, ctx: Any) -> Any:
        release_signals()
        return super().invoke(ctx)
