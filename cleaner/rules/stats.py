"""Counting what rules did, from the edits of a run."""

from __future__ import annotations

from collections.abc import Iterable

from cleaner.model import Edit
from cleaner.rules.matcher import STAGE
from cleaner.rules.model import RuleSet


def is_timeout(edit: Edit) -> bool:
    return bool(edit.detail) and edit.detail.get("event") == "timeout"  # type: ignore[union-attr]


def rule_hits(rule_set: RuleSet, edits: Iterable[Edit]) -> dict[str, int]:
    """Replacements per rule id, every rule of ``rule_set`` included (0 for rules that never fired)."""
    hits = dict.fromkeys(rule_set.ids, 0)
    for edit in edits:
        if edit.stage == STAGE and not is_timeout(edit):
            hits[edit.rule] = hits.get(edit.rule, 0) + 1
    return hits


def rule_timeouts(edits: Iterable[Edit]) -> dict[str, int]:
    """Paragraphs skipped per regex rule because the rule ran out of time."""
    counts: dict[str, int] = {}
    for edit in edits:
        if edit.stage == STAGE and is_timeout(edit):
            counts[edit.rule] = counts.get(edit.rule, 0) + 1
    return counts


def unmatched_globs(rule_set: RuleSet, relative_paths: Iterable[str]) -> list[str]:
    """Warning lines for ``files:`` globs that match none of the corpus's paths."""
    from cleaner.rules.model import glob_matches

    paths = list(relative_paths)
    warnings: list[str] = []
    for glob in rule_set.globs:
        if not any(glob_matches(glob.pattern, path) for path in paths):
            warnings.append(f"{glob.location}: warning: files glob {glob.pattern!r} matches no file of the corpus")
    return warnings
