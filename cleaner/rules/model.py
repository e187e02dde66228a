"""What a loaded rule is: a literal or regex replacement, where it came from, where it applies."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

import regex

_GROUP_REFERENCE = regex.compile(r"\\(?:\d|g<)")


def glob_matches(glob: str, path: str) -> bool:
    """``fnmatch``-style match of a ``files:`` glob against a corpus-relative POSIX path.

    A glob without ``/`` also matches the file's name in any folder, the way ``.gitignore``
    patterns do: ``003_*`` matches ``003_f63b25ad495e4c38.txt`` and ``2024/003_x.txt``.
    """
    if fnmatchcase(path, glob):
        return True
    return "/" not in glob and fnmatchcase(posixpath.basename(path), glob)


@dataclass(frozen=True, slots=True)
class Glob:
    """A ``files:`` glob and where it is written (for the "matches nothing" warning)."""

    pattern: str
    location: str


@dataclass(frozen=True, slots=True)
class Rule:
    """One correction rule: ``finds`` (literal) or ``pattern`` (regex) become ``replace``.

    ``file_globs`` come from the file's top-level ``files:``, ``globs`` from the rule's own; a
    rule applies to a document when each non-empty group has a glob matching its path.
    """

    id: str
    replace: str
    finds: tuple[str, ...] = ()
    pattern: str | None = None
    unless: tuple[str, ...] = ()
    globs: tuple[str, ...] = ()
    file_globs: tuple[str, ...] = ()
    note: str = ""
    examples: tuple[tuple[str, str], ...] = ()
    source: str = "<rules>"
    line: int = 0
    column: int = 0

    @property
    def is_literal(self) -> bool:
        return self.pattern is None

    @property
    def is_template(self) -> bool:
        """A regex rule whose replacement refers to groups (``\\1``, ``\\g<name>``): its output
        depends on the match, so it cannot be checked from the replacement alone."""
        return not self.is_literal and _GROUP_REFERENCE.search(self.replace) is not None

    @property
    def is_scoped(self) -> bool:
        return bool(self.globs or self.file_globs)

    @property
    def location(self) -> str:
        return f"{self.source}:{self.line}:{self.column}"

    @property
    def detail(self) -> dict[str, object]:
        """What each edit of this rule records besides the rule id."""
        return {"file": self.source, "line": self.line}

    def applies_to(self, path: str) -> bool:
        for group in (self.file_globs, self.globs):
            if group and not any(glob_matches(glob, path) for glob in group):
                return False
        return True


@dataclass(frozen=True)
class RuleSet:
    """The rules of one or more files, in load order, and what a reviewer should know about them."""

    rules: tuple[Rule, ...] = ()
    sources: tuple[str, ...] = ()
    globs: tuple[Glob, ...] = ()
    # Lint findings that do not stop a run (a rule without examples, a repeated find, ...).
    warnings: tuple[str, ...] = ()
    # The matcher validation built (``files:`` ignored), kept so the stage does not build it again.
    compiled: Any = field(default=None, compare=False, repr=False)

    @property
    def ids(self) -> list[str]:
        """Every rule id, in load order (so rules that never fire can be listed)."""
        return [rule.id for rule in self.rules]

    def __len__(self) -> int:
        return len(self.rules)

    def by_id(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)
