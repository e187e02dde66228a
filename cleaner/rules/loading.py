"""Reading rule files: safe YAML, every problem reported as ``file:line:col: message``.

Files are composed into YAML nodes (nothing is constructed, so no tag can build an object) and
read key by key, so each message can point at the exact place to fix. All problems of all files
are collected, then raised together as one :class:`~cleaner.errors.ConfigError`.
"""

from __future__ import annotations

import contextlib
import difflib
import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import regex
import yaml

from cleaner.errors import ConfigError
from cleaner.rules.matcher import Matcher
from cleaner.rules.model import Glob, Rule, RuleSet
from cleaner.rules.validation import validate
from cleaner.yamlio import compose_yaml_text, gc_paused, read_yaml_source

RULE_SUFFIXES = (".yaml", ".yml")
FILE_KEYS = ("rules", "name", "description", "files")
RULE_KEYS = ("find", "pattern", "replace", "unless", "files", "id", "note", "examples")

_TAG = "tag:yaml.org,2002:"
_STR = _TAG + "str"


def rule_files(paths: Iterable[str | Path], base: str | Path | None = None) -> list[Path]:
    """The rule files named by ``paths``: files as given, folders walked recursively in sorted order.

    Relative paths are relative to the folder ``base`` (the config file's) when it is given.
    """
    found: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(base) / raw if base is not None else Path(raw)
        if path.is_dir():
            candidates = sorted(
                (p for p in path.rglob("*") if p.suffix in RULE_SUFFIXES and p.is_file()),
                key=lambda p: p.relative_to(path).as_posix(),
            )
        elif path.is_file():
            candidates = [path]
        else:
            raise ConfigError(f"{path}: no such rule file or folder")
        for candidate in candidates:
            key = candidate.resolve()
            if key not in seen:
                seen.add(key)
                found.append(candidate)
    return found


def load_rules(paths: Iterable[str | Path], base: str | Path | None = None) -> RuleSet:
    """Load and validate the rules of ``paths``; raise ``ConfigError`` listing every problem.

    With ``base`` (see :func:`rule_files`), files are named relative to it in messages and edits.

    >>> len(load_rules([]))
    0
    """
    files = rule_files(paths, base)
    names = [_name(path, base) for path in files]
    reader = _Reader()
    with gc_paused():
        for path, name in zip(files, names, strict=True):
            reader.read_file(path, name)
    return _finish(reader, tuple(names))


def select_rules(rules: Sequence[Rule], select: Sequence[str] = (), ignore: Sequence[str] = ()) -> tuple[Rule, ...]:
    """The rules whose id matches a ``select`` glob (every rule when there is none) and no ``ignore``
    glob, in order. A glob that matches no rule id at all is a ``ConfigError`` (a typo would
    otherwise select nothing, or ignore nothing, without a word)."""
    ids = [rule.id for rule in rules]
    unmatched = [
        f"--{option} {glob!r} matches no rule id"
        for option, globs in (("select", select), ("ignore", ignore))
        for glob in globs
        if not fnmatch.filter(ids, glob)
    ]
    if unmatched:
        raise ConfigError("\n".join(unmatched))
    return tuple(
        rule
        for rule in rules
        if (not select or any(fnmatch.fnmatchcase(rule.id, glob) for glob in select))
        and not any(fnmatch.fnmatchcase(rule.id, glob) for glob in ignore)
    )


def _name(path: Path, base: str | Path | None) -> str:
    """How a rule file is named: relative to ``base`` when it lies under it (stable from any folder)."""
    if base is not None:
        with contextlib.suppress(ValueError):
            return path.relative_to(base).as_posix()
    return str(path)


def _finish(reader: _Reader, sources: tuple[str, ...]) -> RuleSet:
    rules = tuple(reader.rules)
    errors = list(reader.errors)
    warnings = list(reader.warnings)
    matcher = None
    if not errors:
        matcher = Matcher(rules)
        with gc_paused():
            more_errors, more_warnings = validate(rules, matcher)
        errors.extend(more_errors)
        warnings.extend(more_warnings)
    if errors:
        raise ConfigError("\n".join(errors))
    return RuleSet(rules, sources, tuple(reader.globs), tuple(warnings), compiled=matcher)


def load_rules_text(text: str, name: str = "<rules>.yaml") -> RuleSet:
    """Load rules from YAML text (tests, one-off use); ``name`` stands for the file in messages and ids."""
    reader = _Reader()
    try:
        reader.read_text(text, name)
    except ConfigError as exc:
        reader.errors.append(str(exc))
    return _finish(reader, (name,))


@dataclass
class _Reader:
    rules: list[Rule] = field(default_factory=list)
    globs: list[Glob] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Where each id was first given: (file, line, column). Not the node: that would keep every
    # node of a large file alive after reading.
    ids: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    source: str = "<rules>"
    stem: str = "rules"

    def read_file(self, path: Path, name: str | None = None) -> None:
        try:
            text = read_yaml_source(path)
            self.read_text(text, name or str(path))
        except ConfigError as exc:
            self.errors.append(str(exc))

    def read_text(self, text: str, source: str) -> None:
        node = compose_yaml_text(text, source)
        if node is None:
            return
        self.source = source
        self.stem = Path(source).stem
        if not isinstance(node, yaml.MappingNode):
            self._error(node, "a rule file holds a mapping with a 'rules' list")
            return
        keys = self._mapping(node, FILE_KEYS, "file")
        for key in ("name", "description"):
            if key in keys:
                self._string(keys[key][1], key)
        file_globs = self._globs(keys["files"][1]) if "files" in keys else ()
        if "rules" not in keys:
            self._error(node, "'rules' is missing (a rule file holds a list under 'rules:')")
            return
        rules_node = keys["rules"][1]
        if _is_null(rules_node):
            return
        if not isinstance(rules_node, yaml.SequenceNode):
            self._error(rules_node, "'rules' must be a list of rules")
            return
        for position, rule_node in enumerate(rules_node.value, 1):
            rule = self._rule(rule_node, position, file_globs)
            if rule is not None:
                self.rules.append(rule)

    # -- one rule ----------------------------------------------------------------------------
    def _claim_id(self, rule_id: str, node: yaml.Node) -> bool:
        if rule_id in self.ids:
            source, line, column = self.ids[rule_id]
            self._error(node, f"id {rule_id!r} is already used at {source}:{line}:{column}")
            return False
        mark = node.start_mark
        self.ids[rule_id] = (self.source, mark.line + 1, mark.column + 1)
        return True

    def _simple_rule(self, node: yaml.MappingNode, position: int, file_globs: tuple[str, ...]) -> Rule | None:
        """``{find: a, replace: b}`` with plain strings, the shape of most rules of large files:
        the same result as the general path, without its per-key bookkeeping."""
        (find_key, find), (replace_key, replace) = node.value
        if (
            find_key.value != "find"
            or replace_key.value != "replace"
            or find.__class__ is not yaml.ScalarNode
            or replace.__class__ is not yaml.ScalarNode
            or find.tag != _STR
            or replace.tag != _STR
            or not find.value
            or find.value == replace.value
            or "\n" in find.value
            or "\n" in replace.value
        ):
            return None
        rule_id = f"{self.stem}:{position}"
        if not self._claim_id(rule_id, node):
            return None
        mark = node.start_mark
        return Rule(
            id=rule_id,
            replace=_own(replace.value),
            finds=(_own(find.value),),
            file_globs=file_globs,
            source=self.source,
            line=mark.line + 1,
            column=mark.column + 1,
        )

    def _rule(self, node: yaml.Node, position: int, file_globs: tuple[str, ...]) -> Rule | None:
        if node.__class__ is yaml.MappingNode and len(node.value) == 2:
            rule = self._simple_rule(node, position, file_globs)
            if rule is not None:
                return rule
        if not isinstance(node, yaml.MappingNode):
            self._error(node, "a rule is a mapping with 'find' or 'pattern', and 'replace'")
            return None
        before = len(self.errors)
        keys = self._mapping(node, RULE_KEYS, "rule")
        finds: tuple[str, ...] = ()
        pattern: str | None = None
        if "find" in keys and "pattern" in keys:
            self._error(keys["pattern"][0], "'find' and 'pattern' cannot both be given (one rule is literal or regex)")
        elif "find" in keys:
            finds = self._finds(keys["find"][1])
        elif "pattern" in keys:
            pattern = self._pattern(keys["pattern"][1])
        else:
            self._error(node, "a rule needs 'find' (literal text) or 'pattern' (a regular expression)")
        if "replace" not in keys:
            self._error(node, "'replace' is missing")
            replace = ""
        else:
            replace_node = keys["replace"][1]
            if _is_null(replace_node):
                self._error(replace_node, "'replace' is empty (write replace: '' to delete the match)")
                replace = ""
            else:
                replace = self._string(replace_node, "replace", allow_empty=True) or ""
                if "\n" in replace:
                    self._error(replace_node, "'replace' contains a line break (rules work inside one paragraph)")
        if finds and replace in finds:
            self._error(keys["replace"][1], f"'replace' equals the find {replace!r}: the rule would change nothing")
        unless = self._phrases(keys["unless"][1], "unless") if "unless" in keys else ()
        if any("\n" in phrase for phrase in unless):
            self._error(keys["unless"][1], "'unless' contains a line break (rules work inside one paragraph)")
        globs = self._globs(keys["files"][1]) if "files" in keys else ()
        note = self._string(keys["note"][1], "note", allow_empty=True) if "note" in keys else ""
        examples = self._examples(keys["examples"][1]) if "examples" in keys else ()
        rule_id = f"{self.stem}:{position}"
        if "id" in keys:
            rule_id = self._string(keys["id"][1], "id") or rule_id
        self._claim_id(rule_id, keys["id"][1] if "id" in keys else node)
        if pattern is not None and replace:
            self._check_template(keys["replace"][1], pattern, replace)
        if len(self.errors) > before:
            return None
        mark = node.start_mark
        return Rule(
            id=rule_id,
            replace=replace,
            finds=finds,
            pattern=pattern,
            unless=unless,
            globs=globs,
            file_globs=file_globs,
            note=note or "",
            examples=examples,
            source=self.source,
            line=mark.line + 1,
            column=mark.column + 1,
        )

    def _finds(self, node: yaml.Node) -> tuple[str, ...]:
        finds = self._phrases(node, "find")
        for find in finds:
            if "\n" in find:
                self._error(node, f"'find' {find!r} contains a line break (rules match inside one paragraph)")
        return finds

    def _pattern(self, node: yaml.Node) -> str | None:
        pattern = self._string(node, "pattern")
        if pattern is None:
            return None
        try:
            compiled = regex.compile(pattern)
        except Exception as exc:  # regex.error, and the odd ValueError/OverflowError
            self._error(node, f"'pattern' does not compile: {exc}")
            return None
        if compiled.match("") is not None:
            self._error(node, f"'pattern' {pattern!r} can match empty text (it would insert everywhere)")
            return None
        return pattern

    def _check_template(self, node: yaml.Node, pattern: str, replace: str) -> None:
        compiled = regex.compile(pattern)
        for match in regex.finditer(r"\\(\d+)|\\g<([^>]*)>", replace):
            number, name = match.groups()
            if number is not None:
                ok = int(number) <= compiled.groups
            elif name.isdigit():
                ok = int(name) <= compiled.groups
            else:
                ok = name in compiled.groupindex
            if not ok:
                self._error(node, f"'replace' refers to group {match.group()!r}, which 'pattern' does not have")

    def _examples(self, node: yaml.Node) -> tuple[tuple[str, str], ...]:
        if not isinstance(node, yaml.SequenceNode):
            self._error(node, "'examples' must be a list of [input, expected output] pairs")
            return ()
        pairs: list[tuple[str, str]] = []
        for item in node.value:
            if not isinstance(item, yaml.SequenceNode) or len(item.value) != 2:
                self._error(item, "each example is a pair [input, expected output]")
                continue
            before = self._string(item.value[0], "example input")
            after = self._string(item.value[1], "example output", allow_empty=True)
            if before is not None and after is not None:
                pairs.append((before, after))
        return tuple(pairs)

    # -- shapes ------------------------------------------------------------------------------
    def _mapping(
        self, node: yaml.MappingNode, known: tuple[str, ...], what: str
    ) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        keys: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str) or key not in known:
                hint = difflib.get_close_matches(str(key), known, n=1)
                suggestion = f"; did you mean {hint[0]!r}?" if hint else f" (known: {', '.join(known)})"
                self._error(key_node, f"unknown {what} key {key!r}{suggestion}")
                continue
            if key in keys:
                self._error(key_node, f"{key!r} is given twice")
                continue
            keys[key] = (key_node, value_node)
        return keys

    def _string(self, node: yaml.Node, what: str, allow_empty: bool = False) -> str | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag != _STR:
            quote = " (quote it)" if isinstance(node, yaml.ScalarNode) else ""
            self._error(node, f"'{what}' must be a string{quote}")
            return None
        if not node.value and not allow_empty:
            self._error(node, f"'{what}' is empty")
            return None
        return _own(node.value)

    def _phrases(self, node: yaml.Node, what: str) -> tuple[str, ...]:
        """A string or a list of strings, none empty."""
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        if isinstance(node, yaml.SequenceNode) and not items:
            self._error(node, f"'{what}' is empty")
            return ()
        phrases: list[str] = []
        for item in items:
            if _is_null(item):
                self._error(item, f"'{what}' is empty")
                continue
            phrase = self._string(item, what)
            if phrase is not None and phrase not in phrases:
                phrases.append(phrase)
        return tuple(phrases)

    def _globs(self, node: yaml.Node) -> tuple[str, ...]:
        globs = self._phrases(node, "files")
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for item in items:
            if isinstance(item, yaml.ScalarNode) and item.value in globs:
                self.globs.append(Glob(item.value, _where(self.source, item)))
        return globs

    def _error(self, node: yaml.Node, message: str) -> None:
        self.errors.append(f"{_where(self.source, node)}: {message}")


def _own(text: str) -> str:
    """A copy of a node's string, so the rules keep none of the parser's memory alive.

    Strings made while composing sit between the nodes in the allocator's memory pools; if the
    rules held on to them, the pools of a large file could never be given back.
    """
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass")


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _TAG + "null"


def _where(source: str, node: yaml.Node) -> str:
    mark = node.start_mark
    return f"{source}:{mark.line + 1}:{mark.column + 1}"
