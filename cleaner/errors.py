"""The project's error types. The CLI turns any of them into one line and a non-zero exit."""

from __future__ import annotations


class CleanerError(Exception):
    """A problem the user can act on (bad input, bad option, bad rule file)."""

    exit_code = 2


class ConfigError(CleanerError):
    """An invalid option or config file."""


class InputError(CleanerError):
    """An input that cannot be processed (unreadable, binary, undecodable, empty)."""

    exit_code = 1
