"""Correction rules as data: YAML files of literal or regex replacements, validated, self-tested and
compiled into one matcher. See :mod:`cleaner.stages.rules` for the pipeline stage."""

from cleaner.rules.loading import load_rules, load_rules_text, rule_files
from cleaner.rules.matcher import Matcher
from cleaner.rules.model import Rule, RuleSet, glob_matches
from cleaner.rules.selftest import ExampleFailure, run_examples
from cleaner.rules.stats import is_timeout, rule_hits, rule_timeouts, unmatched_globs

__all__ = [
    "ExampleFailure",
    "Matcher",
    "Rule",
    "RuleSet",
    "glob_matches",
    "is_timeout",
    "load_rules",
    "load_rules_text",
    "rule_files",
    "rule_hits",
    "rule_timeouts",
    "run_examples",
    "unmatched_globs",
]
