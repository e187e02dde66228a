"""Reviewing proposed rules: accept, reject or edit each, and write the accepted ones.

:func:`review_rules` reads a rule file (as ``cleaner suggest`` writes it, or any other), settles
every rule either from lists of ids or indexes (``accept``, ``reject``, ``accept_all``) or by
asking a :class:`Terminal`, and writes the accepted rules, with their evidence (the comment lines
above each rule, its ``note``, ``unless`` and ``examples``), to a new rule file that
``cleaner rules check`` accepts and ``clean --rules`` applies. Comments inside a rule's body are
not carried over.

An edited replacement is written into the rule, its examples are worked out again with the new
replacement and its note records the change. Only accepted rules are written: rejected, skipped
and undecided ones are left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Protocol

from cleaner.errors import ConfigError
from cleaner.rules.loading import load_rules, load_rules_text
from cleaner.rules.matcher import Matcher
from cleaner.rules.model import Rule
from cleaner.yamlio import load_yaml_file, read_yaml_source

PROMPT = "[a]ccept / [r]eject / [e]dit replacement / [s]kip / [q]uit"


class Decision(Enum):
    ACCEPT = "accept"
    REJECT = "reject"
    SKIP = "skip"


class Terminal(Protocol):
    """Where an interactive review shows proposals and reads answers."""

    def show(self, text: str) -> None: ...

    def ask(self, prompt: str) -> str | None:
        """One line of answer; ``None`` when input has ended (taken as quit)."""
        ...


@dataclass(frozen=True)
class ReviewFile:
    """A rule file under review: its rules, the comment lines above each, its name and description."""

    path: Path
    rules: tuple[Rule, ...]
    comments: dict[str, tuple[str, ...]]
    name: str = ""
    description: str = ""


@dataclass
class ReviewOutcome:
    """What a review decided, rule id by rule id, and the accepted rules (edited ones as edited)."""

    decisions: dict[str, Decision] = field(default_factory=dict)
    accepted: list[Rule] = field(default_factory=list)
    edited: dict[str, Rule] = field(default_factory=dict)
    quit: bool = False

    def count(self, decision: Decision) -> int:
        return sum(1 for d in self.decisions.values() if d is decision)

    def summary(self, total: int) -> str:
        undecided = total - len(self.decisions) + self.count(Decision.SKIP)
        edited = f" ({len(self.edited)} edited)" if self.edited else ""
        return (
            f"{len(self.accepted)} accepted{edited}, {self.count(Decision.REJECT)} rejected, "
            f"{undecided} skipped or undecided of {total} rules"
        )


def default_output(path: Path) -> Path:
    """Where the accepted rules of ``path`` go by default: ``x.yaml`` → ``x.reviewed.yaml``."""
    return path.with_name(path.stem + ".reviewed.yaml")


def read_review_file(path: Path) -> ReviewFile:
    """The rules of one rule file with the comment lines just above each; ``ConfigError`` when it
    is missing, a folder or invalid."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such rule file")
    rule_set = load_rules([path])
    lines = read_yaml_source(path).splitlines()
    data = load_yaml_file(path)
    name = description = ""
    if isinstance(data, dict):
        name = str(data.get("name") or "")
        description = str(data.get("description") or "").strip()
    comments = {rule.id: comments_above(lines, rule.line) for rule in rule_set.rules}
    return ReviewFile(path, rule_set.rules, comments, name, description)


def comments_above(lines: Sequence[str], line: int) -> tuple[str, ...]:
    """The comment lines directly above line ``line`` (1-based), stripped, in order."""
    found: list[str] = []
    index = line - 2
    while index >= 0 and lines[index].strip().startswith("#"):
        found.append(lines[index].strip())
        index -= 1
    return tuple(reversed(found))


def resolve_ids(rules: Sequence[Rule], tokens: Iterable[str]) -> list[str]:
    """Rule ids for ``tokens``: each an id, or a 1-based position in the file. Unknown tokens are
    one ``ConfigError`` naming all of them."""
    ids = [rule.id for rule in rules]
    known = set(ids)
    found: list[str] = []
    unknown: list[str] = []
    for token in tokens:
        if token in known:
            found.append(token)
        elif token.isdigit() and 1 <= int(token) <= len(ids):
            found.append(ids[int(token) - 1])
        else:
            unknown.append(token)
    if unknown:
        raise ConfigError(f"no such rule id or index: {', '.join(unknown)} (the file has {len(ids)} rules)")
    return found


def preset_decisions(
    rules: Sequence[Rule], accept: Sequence[str] = (), reject: Sequence[str] = (), accept_all: bool = False
) -> dict[str, Decision]:
    """The decisions given as options: ``accept`` and ``reject`` (ids or 1-based indexes), and
    with ``accept_all`` every other rule accepted. A rule both accepted and rejected is an error."""
    ids = resolve_ids(rules, [*accept, *reject])  # one error naming every unknown token
    accepted, rejected = ids[: len(accept)], ids[len(accept) :]
    both = sorted(set(accepted) & set(rejected))
    if both:
        raise ConfigError(f"both accepted and rejected: {', '.join(both)}")
    decisions = {rule_id: Decision.REJECT for rule_id in rejected}
    decisions.update((rule_id, Decision.ACCEPT) for rule_id in accepted)
    if accept_all:
        for rule in rules:
            decisions.setdefault(rule.id, Decision.ACCEPT)
    return decisions


def describe(rule: Rule, index: int, total: int, comments: Sequence[str]) -> str:
    """A proposal as the terminal shows it: find → replace, its evidence and its contexts."""
    find = " | ".join(rule.finds) if rule.is_literal else f"/{rule.pattern}/"
    lines = ["", f"[{index}/{total}] {rule.id}: {find} → {rule.replace}"]
    lines.extend(f"  {comment.lstrip('#').strip()}" for comment in comments)
    evidence, _, seen = rule.note.partition("; seen ")
    if evidence and not any(evidence in comment for comment in comments):
        lines.append(f"  note: {evidence}")
    if seen:
        head, _, contexts = seen.partition(": ")
        lines.append(f"  seen {head}:")
        lines.extend(f"    {context}" for context in contexts.split("; ") if context)
    if rule.unless:
        lines.append(f"  unless: {', '.join(rule.unless)}")
    for before, after in rule.examples:
        lines.append(f"  example: {before}" + (f"\n        → {after}" if after != before else " (left alone)"))
    return "\n".join(lines)


def edit_replacement(rule: Rule, new: str) -> Rule:
    """``rule`` with the replacement ``new``: examples worked out again, the note telling the change."""
    edited = replace(rule, replace=new)
    matcher = Matcher((edited,))
    examples = tuple((before, matcher.apply_text(before)[0]) for before, _ in rule.examples)
    change = f"replacement edited in review: {new} (was {rule.replace})"
    note = f"{rule.note}; {change}" if rule.note else change
    return replace(edited, examples=examples, note=note)


def ask_one(rule: Rule, terminal: Terminal) -> tuple[Decision | None, Rule]:
    """Ask about one rule until a valid answer; ``None`` means quit."""
    while True:
        answer = terminal.ask(PROMPT)
        if answer is None:
            return None, rule
        key = answer.strip().lower()[:1]
        if key == "a":
            return Decision.ACCEPT, rule
        if key == "r":
            return Decision.REJECT, rule
        if key == "s":
            return Decision.SKIP, rule
        if key == "q":
            return None, rule
        if key == "e":
            edited = ask_replacement(rule, terminal)
            if edited is not None:
                return Decision.ACCEPT, edited
            continue
        terminal.show(f"answer one of: {PROMPT}")


def ask_replacement(rule: Rule, terminal: Terminal) -> Rule | None:
    """A new replacement read from the terminal; ``None`` when the answer is empty or unusable."""
    answer = terminal.ask(f"new replacement for {rule.id} (empty: back)")
    new = (answer or "").strip()
    if not new:
        return None
    if new in rule.finds:
        terminal.show(f"{new} is what the rule finds; give another replacement")
        return None
    return edit_replacement(rule, new)


def review_interactively(review: ReviewFile, terminal: Terminal, outcome: ReviewOutcome) -> None:
    """Ask about each rule not yet decided in ``outcome``, in file order, until the end or quit."""
    total = len(review.rules)
    for index, rule in enumerate(review.rules, 1):
        if rule.id in outcome.decisions:
            continue
        terminal.show(describe(rule, index, total, review.comments.get(rule.id, ())))
        decision, chosen = ask_one(rule, terminal)
        if decision is None:
            outcome.quit = True
            return
        outcome.decisions[rule.id] = decision
        if chosen is not rule:
            outcome.edited[rule.id] = chosen


def _quote(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _flow(items: Iterable[str]) -> str:
    return "[" + ", ".join(_quote(item) for item in items) + "]"


def render_rule(rule: Rule, comments: Sequence[str]) -> list[str]:
    """One rule as YAML lines, its comment lines first."""
    lines = [f"  {comment}" for comment in comments]
    lines.append(f"  - id: {_quote(rule.id)}")
    if rule.is_literal:
        find = _quote(rule.finds[0]) if len(rule.finds) == 1 else _flow(rule.finds)
        lines.append(f"    find: {find}")
    else:
        lines.append(f"    pattern: {_quote(rule.pattern or '')}")
    lines.append(f"    replace: {_quote(rule.replace)}")
    if rule.unless:
        lines.append(f"    unless: {_flow(rule.unless)}")
    if rule.globs:
        lines.append(f"    files: {_flow(rule.globs)}")
    if rule.note:
        lines.append(f"    note: {_quote(rule.note)}")
    if rule.examples:
        lines.append("    examples:")
        lines.extend(f"      - {_flow(pair)}" for pair in rule.examples)
    return lines


def render_reviewed(review: ReviewFile, accepted: Sequence[Rule], summary: str) -> str:
    """The accepted rules as a rule file, with the header and file-wide ``files:`` of the original."""
    lines = [f"# Reviewed from {review.path}: {summary}."]
    if review.name:
        lines.append(f"name: {_quote(review.name)}")
    if review.description:
        lines.append(f"description: {_quote(review.description)}")
    file_globs = review.rules[0].file_globs if review.rules else ()
    if file_globs:
        lines.append(f"files: {_flow(file_globs)}")
    lines.append("rules:" if accepted else "rules: []")
    for rule in accepted:
        lines.extend(render_rule(rule, review.comments.get(rule.id, ())))
    return "\n".join(lines) + "\n"


def check_output(path: Path, out: Path, force: bool) -> None:
    """Refuse to write over the reviewed file or an existing output unless ``force``."""
    if force:
        return
    if out.resolve() == path.resolve():
        raise ConfigError(f"{out}: is the file under review; name another output or give --force")
    if out.exists():
        raise ConfigError(f"{out}: already exists; give --force to overwrite it")


def review_rules(
    path: Path,
    out: Path | None = None,
    *,
    accept: Sequence[str] = (),
    reject: Sequence[str] = (),
    accept_all: bool = False,
    terminal: Terminal | None = None,
    force: bool = False,
) -> tuple[Path, ReviewOutcome, int]:
    """Review the rules of ``path`` and write the accepted ones to ``out`` (default
    :func:`default_output`); return the output path, the outcome and the number of rules.

    ``accept`` and ``reject`` (rule ids or 1-based indexes) and ``accept_all`` decide first; with a
    ``terminal`` every rule still undecided is shown and asked about. Rules left undecided are
    not written. Raises ``ConfigError`` (nothing written) for an invalid file, unknown ids, an
    output that exists (unless ``force``) or accepted rules that do not pass validation together.
    """
    target = out or default_output(path)
    review = read_review_file(path)
    outcome = ReviewOutcome(decisions=preset_decisions(review.rules, accept, reject, accept_all))
    check_output(path, target, force)
    if terminal is not None:
        review_interactively(review, terminal, outcome)
    outcome.accepted = [
        outcome.edited.get(rule.id, rule) for rule in review.rules if outcome.decisions.get(rule.id) is Decision.ACCEPT
    ]
    text = render_reviewed(review, outcome.accepted, outcome.summary(len(review.rules)))
    load_rules_text(text, target.name)
    from cleaner.io.writers import write_atomic

    write_atomic(target, text, what="the reviewed rule file")
    return target, outcome, len(review.rules)
