"""Applying rules: all literal rules in one Aho–Corasick pass, then each regex rule in file order.

Literal finds and ``unless`` phrases go into one automaton searched leftmost-longest, without
overlaps, so a longer find, or an ``unless`` phrase (a key that replaces nothing), wins over a
shorter find inside it. Rules scoped with ``files:`` are compiled into one automaton per distinct
set of applicable rules, built the first time a document needs it.

The automaton is ``ahocorasick_rs`` (the Rust ``aho-corasick`` crate): its search stays fast with
tens of thousands of CJK keys, where a trie with linear child lists slows down with every key.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ahocorasick_rs
import regex

from cleaner.errors import ConfigError
from cleaner.model import GAVE_UP, Change, Document, Edit, apply_changes, rewrite
from cleaner.rules.model import Rule

STAGE = "rules"

# A deterministic finite automaton is the fastest search for small rule sets; by 10 000 keys it
# takes ~90 MB (in every worker process) for no measurable gain, so larger sets use the
# library's own choice (a compact NFA).
DFA_MAX_KEYS = 2_000


@dataclass(frozen=True)
class Automaton:
    """Keys and what each does: ``entries[i]`` is ``(replacement, rule id, detail)``, or ``None``
    for a protected ``unless`` phrase."""

    search: Any  # ahocorasick_rs.AhoCorasick
    entries: tuple[tuple[str, str, dict[str, Any]] | None, ...]


def build_automaton(rules: Sequence[Rule]) -> Automaton | None:
    """One automaton for the finds and ``unless`` phrases of ``rules`` (``None`` if there are none).

    The first rule that lists a find owns it (validation refuses a repeated find with another
    replacement); a find always wins over an equal ``unless`` phrase of another rule.
    """
    index: dict[str, int] = {}
    entries: list[tuple[str, str, dict[str, Any]] | None] = []
    for rule in rules:
        entry = (rule.replace, rule.id, rule.detail)
        for find in rule.finds:
            if find not in index:
                index[find] = len(entries)
                entries.append(entry)
    for rule in rules:
        for phrase in rule.unless:
            if phrase not in index:
                index[phrase] = len(entries)
                entries.append(None)
    if not index:
        return None
    implementation = ahocorasick_rs.Implementation.DFA if len(index) <= DFA_MAX_KEYS else None
    search = ahocorasick_rs.AhoCorasick(
        list(index), matchkind=ahocorasick_rs.MatchKind.LeftmostLongest, implementation=implementation
    )
    return Automaton(search, tuple(entries))


def literal_changes(automaton: Automaton | None, text: str, offset: int = 0) -> list[Change]:
    """The changes the literal rules make to ``text``: leftmost-longest, non-overlapping.

    Offsets are shifted by ``offset`` (for a slice of a larger text).
    """
    if automaton is None or not text:
        return []
    entries = automaton.entries
    changes: list[Change] = []
    for key, start, end in automaton.search.find_matches_as_indexes(text):
        entry = entries[key]
        if entry is not None:
            changes.append(Change(start + offset, end + offset, entry[0], entry[1], entry[2]))
    return changes


# The automaton searches a UTF-8 copy of the text; slices of this size keep that copy and the
# text in the processor's cache (a multi-megabyte document searched whole runs 3× slower).
SLICE_CHARS = 65_536


def literal_changes_sliced(automaton: Automaton | None, text: str) -> list[Change]:
    """:func:`literal_changes` over a long text in slices cut at line breaks (no key spans one)."""
    if len(text) <= 2 * SLICE_CHARS:
        return literal_changes(automaton, text)
    changes: list[Change] = []
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start + SLICE_CHARS)
        end = size if end < 0 else end
        changes.extend(literal_changes(automaton, text[start:end], start))
        start = end
    return changes


@dataclass(frozen=True)
class RegexRule:
    rule: Rule
    compiled: Any  # regex.Pattern
    step: int


class RegexTimeout(Exception):
    """A regex rule ran past its time limit on one text."""


def compile_pattern(rule: Rule) -> Any:
    return regex.compile(rule.pattern, regex.V0)


def regex_changes(item: RegexRule, text: str, timeout: float | None) -> list[Change]:
    """The changes one regex rule makes to ``text``; raises :class:`RegexTimeout` past ``timeout``."""
    rule = item.rule
    try:
        matches = list(item.compiled.finditer(text, timeout=timeout))
    except TimeoutError:
        raise RegexTimeout(rule.id) from None
    if not matches:
        return []
    protected = _protected_spans(text, rule.unless)
    changes: list[Change] = []
    for match in matches:
        start, end = match.span()
        if start == end or any(p_start <= start and end <= p_end for p_start, p_end in protected):
            continue
        after = match.expand(rule.replace)
        if after != match.group():
            changes.append(Change(start, end, after, rule.id, rule.detail))
    return changes


def _protected_spans(text: str, phrases: Sequence[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for phrase in phrases:
        position = text.find(phrase)
        while position >= 0:
            spans.append((position, position + len(phrase)))
            position = text.find(phrase, position + 1)
    return spans


class Matcher:
    """Compiled rules, ready to apply to documents (``apply``) or to bare strings (``apply_text``)."""

    def __init__(self, rules: Sequence[Rule], regex_timeout: float | None = 1.0) -> None:
        if regex_timeout is not None and not 0 < regex_timeout < math.inf:
            # ``regex`` takes a negative or NaN limit as none at all: (a|aa)+$ would run for hours.
            raise ConfigError(f"regex_timeout must be a positive number of seconds, not {regex_timeout!r}")
        self.rules = tuple(rules)
        self.regex_timeout = regex_timeout
        self._literal = [r for r in self.rules if r.is_literal]
        self._global_literal = [r for r in self._literal if not r.is_scoped]
        self._scoped_literal = [r for r in self._literal if r.is_scoped]
        self._regex = [
            RegexRule(r, compile_pattern(r), step)
            for step, r in enumerate((r for r in self.rules if not r.is_literal), 1)
        ]
        self._automata: dict[tuple[int, ...], Automaton | None] = {}
        self._scopes: dict[str, tuple[int, ...]] = {}
        self._unscoped_automaton: Automaton | None = None
        self._unscoped_built = False

    # -- choosing what applies to a document ------------------------------------------------
    def _applicable_scoped(self, path: str) -> tuple[int, ...]:
        key = self._scopes.get(path)
        if key is None:
            key = tuple(i for i, rule in enumerate(self._scoped_literal) if rule.applies_to(path))
            self._scopes[path] = key
        return key

    def automaton_for(self, path: str) -> Automaton | None:
        """The automaton of the literal rules that apply to ``path`` (built once per rule set)."""
        key = self._applicable_scoped(path) if self._scoped_literal else ()
        if len(key) == len(self._scoped_literal):
            return self.unscoped_automaton()  # every rule applies: the same keys
        if key not in self._automata:
            # Keep file order: a scoped rule sits where it was written among the others.
            chosen = {id(self._scoped_literal[i]) for i in key}
            rules = [r for r in self._literal if not r.is_scoped or id(r) in chosen]
            self._automata[key] = build_automaton(rules)
        return self._automata[key]

    def unscoped_automaton(self) -> Automaton | None:
        """Every literal rule, ``files:`` ignored (for self-tests and chain checks)."""
        if not self._unscoped_built:
            self._unscoped_automaton = build_automaton(self._literal)
            self._unscoped_built = True
        return self._unscoped_automaton

    # -- applying ------------------------------------------------------------------------
    def apply(self, doc: Document) -> tuple[Document, list[Edit]]:
        """Run the rules that apply to ``doc.path``; edits of regex rule k have ``step`` k."""
        gave_up = doc.meta.get(GAVE_UP, {})  # rules that already ran out of time on a paragraph
        doc, edits = rewrite(doc, STAGE, literal_changes_sliced(self.automaton_for(doc.path), doc.text), step=0)
        for item in self._regex:
            if item.rule.is_scoped and not item.rule.applies_to(doc.path):
                continue
            changes: list[Change] = []
            for index, (start, paragraph) in enumerate(zip(doc.paragraph_starts, doc.paragraphs, strict=True)):
                if item.rule.id in gave_up.get(index, ()):
                    continue
                try:
                    found = regex_changes(item, paragraph, self.regex_timeout)
                except RegexTimeout:
                    # Skipped for this paragraph; a zero-length edit puts the event in the audit.
                    detail = {**item.rule.detail, "event": "timeout"}
                    changes.append(Change(start, start, "", item.rule.id, detail))
                    continue
                changes.extend(Change(c.start + start, c.end + start, c.after, c.rule, c.detail) for c in found)
            doc, regex_edits = rewrite(doc, STAGE, changes, step=item.step)
            edits.extend(regex_edits)
        return doc, edits

    def match_starts(self, text: str) -> list[int]:
        """Where any rule (``files:`` ignored) matches ``text`` as given: a cheap pre-check for
        :func:`apply_text` over many strings joined by line breaks (no find spans one)."""
        starts = [c.start for c in literal_changes(self.unscoped_automaton(), text)]
        for item in self._regex:
            try:
                starts.extend(c.start for c in regex_changes(item, text, self.regex_timeout))
            except RegexTimeout:
                return list(range(len(text)))
        return starts

    def apply_text(self, text: str, path: str | None = None) -> tuple[str, list[str]]:
        """Apply the rules to one string; ``path=None`` ignores ``files:``. Returns text and rule ids fired."""
        if path is None:
            automaton = self.unscoped_automaton()
        else:
            automaton = self.automaton_for(path)
        changes = literal_changes(automaton, text)
        fired = [c.rule for c in changes]
        text = apply_changes(text, changes)
        for item in self._regex:
            if path is not None and not item.rule.applies_to(path):
                continue
            try:
                changes = regex_changes(item, text, self.regex_timeout)
            except RegexTimeout:
                continue
            fired.extend(c.rule for c in changes)
            text = apply_changes(text, changes)
        return text, fired
