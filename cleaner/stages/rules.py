"""The ``rules`` stage: the corpus's correction rules (YAML files, see :mod:`cleaner.rules`).

It runs last, on repaired paragraphs with full-width punctuation, so a word split across a line
break is matched whole. Literal rules are applied in one Aho–Corasick pass (leftmost-longest);
regex rules follow in file order, each edit group with its own ``step`` so ``replay`` works.
"""

from __future__ import annotations

from cleaner.config import RulesOptions
from cleaner.model import Document, Edit
from cleaner.pipeline import StageFn
from cleaner.rules import Matcher, load_rules


def make(options: RulesOptions) -> StageFn:
    """Load ``options.paths`` (files or folders) once; no paths means no rules and no edits."""
    rule_set = load_rules(options.paths, options.base)
    if not rule_set.rules:
        return _no_rules
    matcher = rule_set.compiled
    if matcher is None or matcher.regex_timeout != options.regex_timeout:
        matcher = Matcher(rule_set.rules, options.regex_timeout)

    def rules(doc: Document) -> tuple[Document, list[Edit]]:
        return matcher.apply(doc)

    return rules


def _no_rules(doc: Document) -> tuple[Document, list[Edit]]:
    """The stage with nothing to apply."""
    return doc, []
