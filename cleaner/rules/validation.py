"""Checks across rules: repeated finds, ``unless`` phrases, and chains or cycles.

A rule set must be idempotent: applying it to its own output changes nothing. So each rule is run
on its own outputs in context (:mod:`cleaner.rules.stability`: a rule must not match what it
wrote), and the output of every rule (its replacement) is run through the whole rule set; if some
rule changes it again, that is a chain (a→b, then b→c) or a cycle (a→b, b→a), and an error. ``unless`` phrases count,
so ``find: X`` → ``X镇`` with ``unless: [X镇]`` is fine. ``files:`` scopes are ignored here:
two rules chain if any file could be reached by both.
"""

from __future__ import annotations

import bisect

from cleaner.rules.matcher import Matcher
from cleaner.rules.model import Rule
from cleaner.rules.stability import unstable_rule_errors


def validate(rules: tuple[Rule, ...], matcher: Matcher | None = None) -> tuple[list[str], list[str]]:
    """``(errors, warnings)`` for rules that each passed their own checks, as ``file:line:col: message`` lines.

    ``matcher`` (built from ``rules`` if not given) is used for the chain check.
    """
    errors: list[str] = []
    warnings: list[str] = []
    owner: dict[str, Rule] = {}
    for rule in rules:
        for find in rule.finds:
            first = owner.get(find)
            if first is None:
                owner[find] = rule
            elif first.replace != rule.replace:
                errors.append(
                    f"{rule.location}: find {find!r} becomes {rule.replace!r} here but {first.replace!r} "
                    f"in rule {first.id} ({first.location})"
                )
            else:
                warnings.append(
                    f"{rule.location}: warning: find {find!r} is already in rule {first.id} ({first.location})"
                )
    for rule in rules:
        for phrase in rule.unless:
            if phrase in owner:
                errors.append(
                    f"{rule.location}: 'unless' phrase {phrase!r} of rule {rule.id} is a find of rule "
                    f"{owner[phrase].id}: it would switch that rule off"
                )
            elif rule.is_literal and not any(find in phrase for find in rule.finds):
                errors.append(f"{rule.location}: 'unless' phrase {phrase!r} contains no find of rule {rule.id}")
        if not rule.examples:
            warnings.append(f"{rule.location}: warning: rule {rule.id} has no examples")
    errors.extend(unstable_rule_errors(rules))
    if not errors:
        errors.extend(chain_errors(rules, matcher))
    return errors, warnings


def chain_errors(rules: tuple[Rule, ...], matcher: Matcher | None = None) -> list[str]:
    """Errors for rules whose replacement another rule (or a cycle of rules) would change again."""
    matcher = matcher or Matcher(rules)
    by_id = {rule.id: rule for rule in rules}
    # A template's output depends on the match: its examples check it.
    outputs = [r for r in rules if r.replace and not r.is_template]
    # One search over all replacements joined by line breaks finds the few worth a closer look.
    offsets, position = [], 0
    for rule in outputs:
        offsets.append(position)
        position += len(rule.replace) + 1
    joined = "\n".join(rule.replace for rule in outputs)
    suspects = sorted({bisect.bisect_right(offsets, start) - 1 for start in matcher.match_starts(joined)})
    edges: dict[str, list[str]] = {}
    for index in suspects:
        rule = outputs[index]
        _, fired = matcher.apply_text(rule.replace)
        if fired:
            edges[rule.id] = list(dict.fromkeys(fired))
    errors: list[str] = []
    reported: set[frozenset[str]] = set()
    for source, targets in edges.items():
        rule = by_id[source]
        for target in targets:
            cycle = _path(edges, target, source)
            if target == source:
                errors.append(
                    f"{rule.location}: the replacement {rule.replace!r} of rule {source} "
                    "is changed again by the same rule"
                )
            elif cycle is not None:
                members = frozenset(cycle)
                if members not in reported:
                    reported.add(members)
                    loop = " → ".join([source, *cycle])
                    errors.append(f"{rule.location}: rules form a cycle: {loop}")
            else:
                other = by_id[target]
                errors.append(
                    f"{rule.location}: the replacement {rule.replace!r} of rule {source} is changed again by rule "
                    f"{target} ({other.location}); apply both in one rule so the output is stable"
                )
    return errors


def _path(edges: dict[str, list[str]], start: str, goal: str) -> list[str] | None:
    """Rule ids from ``start`` to ``goal`` along ``edges`` (both included), or ``None``."""
    previous: dict[str, str | None] = {start: None}
    queue = [start]
    while queue:
        node = queue.pop(0)
        if node == goal:
            path = [node]
            while previous[path[-1]] is not None:
                path.append(previous[path[-1]])  # type: ignore[arg-type]
            return path[::-1]
        for nxt in edges.get(node, ()):
            if nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    return None
