"""The ``rules`` stage: the corpus's correction rules (YAML files, see :mod:`cleaner.rules`).

It runs last, on repaired paragraphs with full-width punctuation, so a word split across a line
break is matched whole. Literal rules are applied in one Aho–Corasick pass (leftmost-longest);
regex rules follow in file order, each edit group with its own ``step`` so ``replay`` works.
"""

from __future__ import annotations

from cleaner.config import RulesOptions
from cleaner.model import Document, Edit, StageFn
from cleaner.rules import Matcher, load_rules
from cleaner.rules.loading import select_rules


def make(options: RulesOptions) -> StageFn:
    """Load ``options.paths`` (files or folders) once, keep the rules ``select``/``ignore`` choose;
    no paths means no rules and no edits."""
    rule_set = load_rules(options.paths, options.base)
    rules = select_rules(rule_set.rules, options.select, options.ignore)
    if not rules:
        return _no_rules
    matcher = rule_set.compiled
    if matcher is None or matcher.regex_timeout != options.regex_timeout or rules != rule_set.rules:
        matcher = Matcher(rules, options.regex_timeout)

    def rules(doc: Document) -> tuple[Document, list[Edit]]:
        return matcher.apply(doc)

    return rules


def _no_rules(doc: Document) -> tuple[Document, list[Edit]]:
    """The stage with nothing to apply."""
    return doc, []
