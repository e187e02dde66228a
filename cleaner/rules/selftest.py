"""Running each rule's ``examples``: the rule alone must turn input into expected output, and the
whole rule set must leave that output alone (so examples also catch chains that need context)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from cleaner.rules.matcher import Matcher
from cleaner.rules.model import Rule, RuleSet


@dataclass(frozen=True)
class ExampleFailure:
    rule: Rule
    number: int  # 1-based position in the rule's examples
    input: str
    expected: str
    actual: str
    # "mismatch": the rule alone gave ``actual``; "unstable": the whole set changed ``expected``
    kind: str
    by: tuple[str, ...] = ()

    def describe(self) -> str:
        """Several lines: where, what was expected, what came out, and a character diff."""
        head = f"{self.rule.location}: rule {self.rule.id}, example {self.number}"
        if self.kind == "unstable":
            head += f": the expected output is changed again by {', '.join(self.by)}"
        else:
            head += ": output differs from the expected one"
        return "\n".join(
            [
                head,
                f"  input:    {self.input}",
                f"  expected: {self.expected}",
                f"  actual:   {self.actual}",
                f"  diff:     {char_diff(self.expected, self.actual)}",
            ]
        )


def char_diff(expected: str, actual: str) -> str:
    """``actual`` against ``expected`` character by character: ``[-missing-]{+extra+}``."""
    parts: list[str] = []
    matcher = difflib.SequenceMatcher(None, expected, actual, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            parts.append(expected[a0:a1])
            continue
        if a1 > a0:
            parts.append(f"[-{expected[a0:a1]}-]")
        if b1 > b0:
            parts.append(f"{{+{actual[b0:b1]}+}}")
    return "".join(parts)


def run_examples(rule_set: RuleSet, regex_timeout: float | None = 1.0) -> tuple[int, list[ExampleFailure]]:
    """Run every example of every rule; return how many ran and the failures.

    ``files:`` scopes are not applied: an example tests what the rule does wherever it applies.
    """
    whole = Matcher(rule_set.rules, regex_timeout)
    count = 0
    failures: list[ExampleFailure] = []
    for rule in rule_set.rules:
        if not rule.examples:
            continue
        alone = Matcher([rule], regex_timeout)
        for number, (given, expected) in enumerate(rule.examples, 1):
            count += 1
            actual, _ = alone.apply_text(given)
            if actual != expected:
                failures.append(ExampleFailure(rule, number, given, expected, actual, "mismatch"))
                continue
            again, fired = whole.apply_text(expected)
            if again != expected:
                by = tuple(dict.fromkeys(fired))
                failures.append(ExampleFailure(rule, number, given, expected, again, "unstable", by))
    return count, failures
