"""Safe YAML loading: no object construction, bounded size and nesting, errors with file:line:col."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cleaner.errors import ConfigError
from cleaner.io.regular import NotReadable, read_regular_file

MAX_YAML_BYTES = 32 * 1024 * 1024
MAX_YAML_DEPTH = 32


def load_yaml_file(path: Path, max_bytes: int = MAX_YAML_BYTES, max_depth: int = MAX_YAML_DEPTH) -> Any:
    """Load one YAML document with ``yaml.SafeLoader``; refuse huge or deeply nested input."""
    return load_yaml_text(read_yaml_source(path, max_bytes), str(path), max_depth)


def read_yaml_source(path: Path, max_bytes: int = MAX_YAML_BYTES) -> str:
    """The text of a YAML file, refusing files over ``max_bytes``, anything but a regular file (a
    FIFO would block the run, ``/dev/zero`` never ends) and text that is not UTF-8."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ConfigError(f"{path}: {size} bytes is too large for a YAML file (limit {max_bytes})")
        raw = read_regular_file(path, max_bytes)
    except NotReadable as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 (byte {exc.start})") from None


_TAG = "tag:yaml.org,2002:"
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = frozenset({"true", "True", "TRUE", "false", "False", "FALSE", "yes", "Yes", "YES", "no", "No", "NO"})
_BOOLS |= frozenset({"on", "On", "ON", "off", "Off", "OFF"})


class _PlainResolver(yaml.resolver.BaseResolver):
    """Tags for plain data only: null, bool, str, seq, map. Numbers stay strings (their text).

    It is what readers of rule-like files need (they want text) and far cheaper per node than
    the regex-based resolver of ``SafeLoader``; explicit tags are kept so callers can refuse them.
    """

    def resolve(self, kind: type, value: object, implicit: tuple[bool, bool] | None) -> str:
        if kind is yaml.ScalarNode:
            if implicit and implicit[0]:
                if value in _NULLS:
                    return _TAG + "null"
                if value in _BOOLS:
                    return _TAG + "bool"
            return _TAG + "str"
        return _TAG + ("seq" if kind is yaml.SequenceNode else "map")


# libyaml when available: composing 100 000 rules in pure Python takes many seconds.
try:
    from yaml.cyaml import CParser

    class _PlainComposer(CParser, yaml.constructor.BaseConstructor, _PlainResolver):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.constructor.BaseConstructor.__init__(self)
            _PlainResolver.__init__(self)

except ImportError:  # pragma: no cover - PyYAML built without libyaml

    class _PlainComposer(  # type: ignore[no-redef]
        yaml.reader.Reader,
        yaml.scanner.Scanner,
        yaml.parser.Parser,
        yaml.composer.Composer,
        yaml.constructor.BaseConstructor,
        _PlainResolver,
    ):
        def __init__(self, stream: str) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.BaseConstructor.__init__(self)
            _PlainResolver.__init__(self)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small objects that all stay alive.

    Composing a large file makes hundreds of thousands of nodes; each collection then walks them
    all, and a 100 000-rule file takes 7× as long with the collector running.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


PLAIN_TAGS = frozenset(_TAG + t for t in ("null", "bool", "str", "seq", "map"))


def compose_yaml_text(text: str, name: str, max_depth: int = MAX_YAML_DEPTH) -> yaml.Node | None:
    """The node tree of one YAML document (nothing constructed), with positions for messages.

    For callers that build their own values from the nodes, so they can say ``file:line:col``
    for a bad value. Scalars are tagged only null, bool or str (numbers keep their text); any
    explicit tag other than those (``!!python/object``, ``!!binary``, ...) is refused here, and
    so is nesting deeper than ``max_depth``.
    """
    try:
        with gc_paused():
            node = yaml.compose(text, Loader=_PlainComposer)
    except yaml.YAMLError as exc:
        raise _invalid(exc, name) from None
    except UnicodeError as exc:  # lone surrogates in text handed over by a caller
        raise ConfigError(f"{name}: invalid YAML: {exc.reason} at character {exc.start}") from None
    if node is not None:
        with gc_paused():
            _check_plain(node, name, max_depth)
    return node


def _check_plain(root: yaml.Node, name: str, max_depth: int) -> None:
    """Depth and tags in one iterative walk (``seen`` stops alias loops)."""

    def refuse(node: yaml.Node, message: str) -> None:
        mark = node.start_mark
        raise ConfigError(f"{name}:{mark.line + 1}:{mark.column + 1}: {message}")

    scalar_tags = PLAIN_TAGS - {_TAG + "seq", _TAG + "map"}
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    seen: set[int] = set()
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            refuse(node, f"nested deeper than {max_depth} levels")
        if isinstance(node, yaml.ScalarNode):
            if node.tag not in scalar_tags:
                refuse(node, f"tag {node.tag.replace(_TAG, '!!')!r} is not allowed (plain data only)")
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.tag not in PLAIN_TAGS:
            refuse(node, f"tag {node.tag.replace(_TAG, '!!')!r} is not allowed (plain data only)")
        children = node.value if isinstance(node, yaml.SequenceNode) else [n for pair in node.value for n in pair]
        for child in children:
            if child.__class__ is yaml.ScalarNode:
                if child.tag not in scalar_tags:
                    refuse(child, f"tag {child.tag.replace(_TAG, '!!')!r} is not allowed (plain data only)")
                if depth + 1 > max_depth:
                    refuse(child, f"nested deeper than {max_depth} levels")
            else:
                stack.append((child, depth + 1))


def load_yaml_text(text: str, name: str, max_depth: int = MAX_YAML_DEPTH) -> Any:
    return load_yaml_document(text, name, max_depth)[0]


def load_yaml_document(text: str, name: str, max_depth: int = MAX_YAML_DEPTH) -> tuple[Any, Places]:
    """The data of one YAML document (``yaml.SafeLoader``), and where its keys and values are.

    Composing is done by libyaml when available: it refuses nesting deeper than 1000 levels itself,
    where the pure-Python composer recurses until the interpreter's stack runs out. Nothing is
    constructed before the depth and size checks pass.
    """
    try:
        node = _compose_safe(text)
        if node is None:
            return None, Places(name)
        _check_depth(node, name, max_depth)
        return yaml.SafeLoader(text).construct_document(node), Places.of(node, name)
    except yaml.YAMLError as exc:
        raise _invalid(exc, name) from None
    except RecursionError:
        raise ConfigError(f"{name}: invalid YAML: nested too deeply") from None


def _compose_safe(text: str) -> yaml.Node | None:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.compose(text, Loader=loader)


@dataclass(frozen=True)
class Places:
    """Where the keys and values of a document's top two mapping levels are (``line:col``), so
    that a bad option can be reported as ``file:line:col`` like every other configuration error."""

    name: str
    keys: dict[tuple[str, ...], str] = field(default_factory=dict)
    values: dict[tuple[str, ...], str] = field(default_factory=dict)

    @classmethod
    def of(cls, root: yaml.Node, name: str) -> Places:
        places = cls(name)
        places.values[()] = _line_col(root)
        if isinstance(root, yaml.MappingNode):
            for key, value in root.value:
                path = (str(key.value),)
                places.keys[path], places.values[path] = _line_col(key), _line_col(value)
                if isinstance(value, yaml.MappingNode):
                    for inner_key, inner_value in value.value:
                        inner = (*path, str(inner_key.value))
                        places.keys[inner], places.values[inner] = _line_col(inner_key), _line_col(inner_value)
        return places

    def key(self, *path: str) -> str:
        """``file:line:col`` of the key at ``path`` (the file alone if it is not known)."""
        return self._at(self.keys, path)

    def value(self, *path: str) -> str:
        """``file:line:col`` of the value at ``path`` (the file alone if it is not known)."""
        return self._at(self.values, path)

    def _at(self, table: dict[tuple[str, ...], str], path: tuple[str, ...]) -> str:
        where = table.get(path)
        return f"{self.name}:{where}" if where else self.name


def _line_col(node: yaml.Node) -> str:
    mark = node.start_mark
    return f"{mark.line + 1}:{mark.column + 1}"


def _invalid(exc: yaml.YAMLError, name: str) -> ConfigError:
    """A YAML syntax error as one line, ``file:line:col: invalid YAML: problem`` where YAML says where."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        return ConfigError(f"{where}: invalid YAML: {exc.problem or exc.context}")
    return ConfigError(f"{name}: invalid YAML: {exc}")


# Python refuses to turn longer digit strings into an int (``sys.get_int_max_str_digits``); no
# option needs a number anywhere near this long.
MAX_NUMBER_CHARS = 100


def _check_depth(root: yaml.Node, name: str, max_depth: int) -> None:
    # Iterative, so a hostile file cannot exhaust the Python stack; ``seen`` stops alias loops.
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    seen: set[int] = set()
    while stack:
        node, depth = stack.pop()
        mark = node.start_mark
        if depth > max_depth:
            raise ConfigError(f"{name}:{mark.line + 1}:{mark.column + 1}: nested deeper than {max_depth} levels")
        if node.tag in (_TAG + "int", _TAG + "float") and len(node.value) > MAX_NUMBER_CHARS:
            raise ConfigError(
                f"{name}:{mark.line + 1}:{mark.column + 1}: a number of {len(node.value)} characters is too long"
            )
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append((key, depth + 1))
                stack.append((value, depth + 1))
