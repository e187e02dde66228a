"""Does a rule leave its own output alone? Rules that change it again are refused when loaded.

A rule whose output it would change again is never done: ``pattern: '(渌口)'`` with
``replace: '\\1区'`` turns 渌口 into 渌口区, which still matches, so every run (and every settle round
of the pipeline) adds one more 区. ``find: ab`` → ``b`` turns ``aab`` into ``ab``, a new match made
of the replacement and the text before it. The chain check (:mod:`cleaner.rules.validation`) runs
each replacement through the rule set on its own; these checks run each rule on texts where its
replacement lands *in context*, and fail the rule when its second application changes anything:

- the outputs of its own examples (the rule run on each example's input);
- for a regex rule, texts generated from its pattern (the shortest of each alternative, with the
  text its lookarounds ask for), alone and next to a piece of themselves;
- for a literal rule, each find between pieces of itself (``a`` + ``ab``, ``ab`` + ``b``), where a
  match can be made of the replacement and its neighbours.

Each text that fails is a real counter-example (it is reported), so a rule is never refused on a
guess; a rule that fails on none is not proven stable, only not caught.
"""

from __future__ import annotations

import re._constants as sre_constants
import re._parser as sre_parse
from collections.abc import Iterable, Iterator
from typing import Any

import regex

from cleaner.model import apply_changes
from cleaner.rules.matcher import RegexRule, RegexTimeout, compile_pattern, regex_changes
from cleaner.rules.model import Rule

# Time limit for one regex rule on one probe text: probes are short, a rule slower than this on
# them is not judged here (its paragraph time limit guards the run).
PROBE_TIMEOUT = 0.2
MAX_SAMPLES = 8  # texts generated per pattern
MAX_SAMPLE_CHARS = 60


def unstable_rule_errors(rules: Iterable[Rule]) -> list[str]:
    """``file:line:col: message`` for every rule that changes its own output when run again."""
    errors: list[str] = []
    for rule in rules:
        found = _counter_example(rule)
        if found is not None:
            text, once, twice = found
            errors.append(
                f"{rule.location}: rule {rule.id} changes its own output again: {text!r} → {once!r} → {twice!r}; "
                "every run would change the text once more (exclude what the rule writes from what it matches)"
            )
    return errors


def _counter_example(rule: Rule) -> tuple[str, str, str] | None:
    """A text on which the rule, run twice, does not give what it gave the first time, or ``None``."""
    if rule.is_literal and not _may_rematch(rule):
        return None
    apply = _regex_applier(rule) if not rule.is_literal else _literal_applier(rule)
    if apply is None:
        return None
    try:
        if not rule.is_template and apply(rule.replace) != rule.replace:
            return None  # the chain check reports a replacement the rule changes on its own
    except RegexTimeout:
        return None
    for text in _probes(rule):
        try:
            once = apply(text)
            if once == text:
                continue
            twice = apply(once)
        except RegexTimeout:
            continue
        if twice != once:
            return text, once, twice
    return None


def _may_rematch(rule: Rule) -> bool:
    """Whether a literal rule's output can hold a new match: only one overlapping the replacement,
    so one sharing a character with it, or one made by closing up the text around a deletion.
    Most rules (涪口 → 渌口 aside) share none, and 100 000 of them are not probed one by one."""
    if not rule.replace:
        return True
    written = set(rule.replace)
    return any(not written.isdisjoint(find) for find in rule.finds)


def _probes(rule: Rule) -> Iterator[str]:
    seen: set[str] = set()
    seeds = [given for given, _ in rule.examples]
    pieces = list(rule.finds) if rule.is_literal else _samples(rule.pattern or "")
    for text in [*seeds, *pieces, *(joined for piece in pieces for joined in _beside_itself(piece))]:
        if text not in seen:
            seen.add(text)
            yield text


def _beside_itself(piece: str) -> Iterator[str]:
    """``piece`` with a head or a tail of itself (or both) around it: where a match can be made of
    the replacement and the text around it (``a`` + ``ab`` under ``ab`` → ``b`` gives ``ab`` again;
    ``[`` + ``[]`` + ``]`` under ``[]`` → nothing gives ``[]``)."""
    for cut in range(1, len(piece)):
        yield piece[:cut] + piece
        yield piece + piece[cut:]
        yield piece[:cut] + piece + piece[cut:]


# -- applying one rule alone -------------------------------------------------------------------


def _regex_applier(rule: Rule) -> Any:
    try:
        item = RegexRule(rule, compile_pattern(rule), 1)
    except Exception:  # the pattern's own check reports it
        return None

    def apply(text: str) -> str:
        return apply_changes(text, regex_changes(item, text, PROBE_TIMEOUT))

    return apply


def _literal_applier(rule: Rule) -> Any:
    """The rule alone, as the matcher applies it: leftmost-longest over its finds and ``unless``
    phrases (a phrase protects what it covers), without overlaps, in one pass."""
    keys = {find: rule.replace for find in rule.finds}
    for phrase in rule.unless:
        keys.setdefault(phrase, None)
    lengths = sorted({len(key) for key in keys}, reverse=True)

    def apply(text: str) -> str:
        out: list[str] = []
        position = 0
        while position < len(text):
            key = next((text[position : position + n] for n in lengths if text[position : position + n] in keys), None)
            if key is None:
                out.append(text[position])
                position += 1
                continue
            replacement = keys[key]
            out.append(key if replacement is None else replacement)
            position += len(key)
        return "".join(out)

    return apply


# -- texts a pattern matches -------------------------------------------------------------------


def _samples(pattern: str) -> list[str]:
    """Up to :data:`MAX_SAMPLES` short texts ``pattern`` finds a match in (none if it cannot tell).

    The pattern is read with Python's own regular-expression parser; ``regex`` syntax it does not
    know (``\\p{Han}``, fuzzy matching) gives no samples, and the rule is checked on its examples.
    """
    try:
        parsed = sre_parse.parse(pattern)
        texts = _expand(list(parsed), {})
    except Exception:
        return []
    compiled = regex.compile(pattern, regex.V0)
    found: list[str] = []
    for text in texts:
        if len(text) <= MAX_SAMPLE_CHARS and text not in found:
            try:
                if compiled.search(text, timeout=PROBE_TIMEOUT) is not None:
                    found.append(text)
            except TimeoutError:
                continue
    return found[:MAX_SAMPLES]


_C = sre_constants
# A character each class stands for (the negated ones: something Chinese text has).
_CATEGORY_CHAR = {
    _C.CATEGORY_DIGIT: "0",
    _C.CATEGORY_NOT_DIGIT: "中",
    _C.CATEGORY_SPACE: " ",
    _C.CATEGORY_NOT_SPACE: "中",
    _C.CATEGORY_WORD: "a",
    _C.CATEGORY_NOT_WORD: "，",
    _C.CATEGORY_LINEBREAK: "\n",
    _C.CATEGORY_NOT_LINEBREAK: "中",
}
_SOME_CHARS = "中a0，文 x"


def _expand(items: list[tuple[Any, Any]], groups: dict[int, str]) -> list[str]:
    """Texts for a sequence of parsed items: every alternative, each repeat at its least (at least
    once), lookarounds as the text they look at; combinations capped at :data:`MAX_SAMPLES`."""
    texts = [""]
    for op, value in items:
        options = _expand_item(op, value, groups)
        texts = [text + option for text in texts for option in options][:MAX_SAMPLES]
    return texts


def _expand_item(op: Any, value: Any, groups: dict[int, str]) -> list[str]:
    if op is _C.LITERAL:
        return [chr(value)]
    if op is _C.NOT_LITERAL:
        return [next(c for c in _SOME_CHARS if ord(c) != value)]
    if op is _C.ANY:
        return ["中"]
    if op is _C.IN:
        return [_class_char(value)]
    if op is _C.CATEGORY:
        return [_CATEGORY_CHAR.get(value, "a")]
    if op in (_C.MAX_REPEAT, _C.MIN_REPEAT, getattr(_C, "POSSESSIVE_REPEAT", _C.MAX_REPEAT)):
        low, high, sub = value
        count = max(low, 1) if high else 0
        return [text * count for text in _expand(list(sub), groups)]
    if op is _C.SUBPATTERN:
        group, _, _, sub = value
        texts = _expand(list(sub), groups)
        if group is not None and texts:
            groups.setdefault(group, texts[0])
        return texts
    if op is getattr(_C, "ATOMIC_GROUP", None):
        return _expand(list(value), groups)
    if op is _C.BRANCH:
        return [text for branch in value[1] for text in _expand(list(branch), groups)][:MAX_SAMPLES]
    if op is _C.ASSERT:
        return _expand(list(value[1]), groups)
    if op in (_C.AT, _C.ASSERT_NOT):
        return [""]
    if op is _C.GROUPREF:
        return [groups.get(value, "")]
    if op is _C.GROUPREF_EXISTS:
        return _expand(list(value[1]), groups)
    raise ValueError(f"no sample for {op}")


def _class_char(items: list[tuple[Any, Any]]) -> str:
    """A character of a ``[...]`` class: its first member, or for ``[^...]`` one it leaves out."""
    if items and items[0][0] is _C.NEGATE:
        excluded = {chr(v) for op, v in items[1:] if op is _C.LITERAL}
        ranges = [value for op, value in items[1:] if op is _C.RANGE]
        return next(c for c in _SOME_CHARS if c not in excluded and not any(lo <= ord(c) <= hi for lo, hi in ranges))
    op, value = items[0]
    if op is _C.LITERAL:
        return chr(value)
    if op is _C.RANGE:
        return chr(value[0])
    if op is _C.CATEGORY:
        return _CATEGORY_CHAR.get(value, "a")
    raise ValueError(f"no sample for class item {op}")
