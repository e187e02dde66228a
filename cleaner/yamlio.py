"""Safe YAML loading: no object construction, bounded size and nesting, errors with file:line:col."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from cleaner.errors import ConfigError

MAX_YAML_BYTES = 32 * 1024 * 1024
MAX_YAML_DEPTH = 32


def load_yaml_file(path: Path, max_bytes: int = MAX_YAML_BYTES, max_depth: int = MAX_YAML_DEPTH) -> Any:
    """Load one YAML document with ``yaml.SafeLoader``; refuse huge or deeply nested input."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ConfigError(f"{path}: {size} bytes is too large for a YAML file (limit {max_bytes})")
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 (byte {exc.start})") from None
    return load_yaml_text(text, str(path), max_depth)


def read_yaml_source(path: Path, max_bytes: int = MAX_YAML_BYTES) -> str:
    """The text of a YAML file, refusing files over ``max_bytes`` and text that is not UTF-8."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ConfigError(f"{path}: {size} bytes is too large for a YAML file (limit {max_bytes})")
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 (byte {exc.start})") from None


# libyaml when available: composing 100 000 rules in pure Python takes many seconds.
_FAST_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def compose_yaml_text(text: str, name: str, max_depth: int = MAX_YAML_DEPTH) -> yaml.Node | None:
    """The node tree of one YAML document (nothing constructed), with positions for messages.

    Callers that build their own values from the nodes (and so can say ``file:line:col`` for a
    bad value) use this; it checks nesting like :func:`load_yaml_text` and constructs no object.
    """
    try:
        node = yaml.compose(text, Loader=_FAST_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        raise ConfigError(f"{where}: invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name}: invalid YAML: {exc}") from None
    if node is not None:
        _check_depth(node, name, max_depth)
    return node


def load_yaml_text(text: str, name: str, max_depth: int = MAX_YAML_DEPTH) -> Any:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is None:
            return None
        _check_depth(node, name, max_depth)
        return yaml.SafeLoader(text).construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        raise ConfigError(f"{where}: invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name}: invalid YAML: {exc}") from None


def _check_depth(root: yaml.Node, name: str, max_depth: int) -> None:
    # Iterative, so a hostile file cannot exhaust the Python stack; ``seen`` stops alias loops.
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    seen: set[int] = set()
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            mark = node.start_mark
            raise ConfigError(f"{name}:{mark.line + 1}:{mark.column + 1}: nested deeper than {max_depth} levels")
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append((key, depth + 1))
                stack.append((value, depth + 1))
