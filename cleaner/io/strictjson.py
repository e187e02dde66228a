"""Strict parsing of one JSON Lines record: what ``json.loads`` accepts but cannot be written back as it was.

Python's ``json`` module is lenient where it matters for a cleaner that rewrites records:

- a duplicate key keeps the last value, so the other one silently vanishes from the output;
- ``NaN``, ``Infinity`` and ``-Infinity`` are accepted (they are not JSON), and a number too large
  for a float (``1e999``) becomes ``inf`` and is written back as ``Infinity``;
- an integer of more than 4,300 digits raises a ``ValueError`` the caller does not expect, and
  a hundred thousand nested ``[`` exhaust the interpreter's stack (``RecursionError``);
- ``"\\ud800"`` (a lone surrogate) decodes to a string that cannot be encoded as UTF-8, so the
  record cannot be written at all.

:func:`parse_record` refuses each of these with one clear reason (:class:`BadRecord`), before any
of it can stop a run or change data behind the user's back.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 100  # arrays and objects inside each other; real records nest a few levels
MAX_INT_DIGITS = 4_300  # Python's own limit for turning digits into an int

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")


class BadRecord(Exception):
    """A line that is not a record the cleaner can read and write back unchanged; the message says why."""


def parse_record(line: str) -> Any:
    """The value of one JSON Lines line, parsed strictly; raises :class:`BadRecord` with the reason."""
    _check_depth(line)
    try:
        value = json.loads(
            line,
            object_pairs_hook=_object,
            parse_constant=_constant,
            parse_float=_float,
            parse_int=_int,
        )
    except json.JSONDecodeError as exc:
        raise BadRecord(f"invalid JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:  # pragma: no cover - _check_depth keeps nesting far below the limit
        raise BadRecord(f"nested deeper than {MAX_DEPTH} levels") from None
    if _SURROGATE_ESCAPE.search(line) or _SURROGATE.search(line):
        _check_strings(value)
    return value


def _check_depth(line: str) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH` before the (recursive) parser sees it."""
    if line.count("[") + line.count("{") <= MAX_DEPTH:
        return
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub('""', line)):
        depth += 1 if match.group() in "[{" else -1
        if depth > MAX_DEPTH:
            raise BadRecord(f"nested deeper than {MAX_DEPTH} levels")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object, unless a key repeats: keeping one value would silently drop the other."""
    record = dict(pairs)
    if len(record) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise BadRecord(f"duplicate key {_shown(key)}")
            seen.add(key)
    return record


def _constant(name: str) -> Any:
    raise BadRecord(f"{name} is not a JSON number")


def _float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        number = text if len(text) <= 24 else text[:24] + "…"
        raise BadRecord(f"the number {number} is too large (it would be written back as Infinity)")
    return value


def _int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise BadRecord(f"an integer of {digits:,} digits (at most {MAX_INT_DIGITS:,} can be read)")
    return int(text)


def _check_strings(value: Any) -> None:
    """Refuse a lone surrogate in any key or string (it cannot be written as UTF-8). Iterative:
    depth is already bounded, but a wide record should not cost a call per item."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found = _SURROGATE.search(item)
            if found:
                raise BadRecord(f"a lone surrogate \\u{ord(found.group()):04x} in a string (not Unicode text)")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _shown(text: str, limit: int = 40) -> str:
    """A key for a message: quoted, cut if long, control characters and surrogates escaped."""
    shown = json.dumps(text if len(text) <= limit else text[:limit] + "…", ensure_ascii=False)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", shown)
