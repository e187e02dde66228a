"""Configuration: one section per stage, named like the stage, each with an ``enabled`` switch.

A config file (``--config FILE``) is YAML with the same shape::

    punctuation:
      enabled: true
    spacing:
      cjk_latin: insert
    dedup:
      scope: file

One more section, ``input``, is about reading files rather than a stage: ``encoding`` lists
``NAME`` (every file) or ``GLOB=NAME`` (matching files) to use instead of sniffing, and
``max_file_size`` refuses larger files before they are read.

Command-line options override the file; the file overrides the defaults.
"""

from __future__ import annotations

import dataclasses
import math
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cleaner.errors import ConfigError
from cleaner.io.regular import DEFAULT_MAX_BYTES

if typing.TYPE_CHECKING:
    from cleaner.yamlio import Places


@dataclass(frozen=True)
class WhitespaceOptions:
    """Line endings, trailing spaces, blank lines: always on, the canonical form stages rely on."""

    enabled: bool = True


@dataclass(frozen=True)
class UnicodeOptions:
    enabled: bool = True
    fix_mojibake: bool = True


@dataclass(frozen=True)
class VariantsOptions:
    # off | conservative (only characters outside the standard simplified set) | full (OpenCC t2s)
    mode: Literal["off", "conservative", "full"] = "conservative"
    # An OpenCC config (e.g. "s2t", "s2twp") replaces the mode's conversion when set.
    opencc_config: str | None = None

    @property
    def enabled(self) -> bool:
        return self.mode != "off" or self.opencc_config is not None


@dataclass(frozen=True)
class PunctuationOptions:
    enabled: bool = True


@dataclass(frozen=True)
class SpacingOptions:
    enabled: bool = True
    # Spaces between Chinese and Latin letters/digits in running text.
    cjk_latin: Literal["remove", "insert", "keep"] = "remove"


@dataclass(frozen=True)
class LayoutOptions:
    enabled: bool = True
    # What happens to Markdown marks (# headings, **bold**, - lists): keep them or strip them.
    markup: Literal["keep", "strip"] = "strip"
    # Join a line break when its join score (cleaner.wrapping) reaches this.
    join_threshold: float = 1.5
    # Move an interrupting caption/byline group after the paragraph it interrupts (only a group
    # with a credit, byline, label or Markdown heading in it); false: never reorder text.
    move_blocks: bool = True
    # Page furniture (page numbers, running heads with a page number) and OCR debris (symbol-only
    # lines): drop them (each an edit) or keep them on lines of their own, never joined.
    furniture: Literal["drop", "keep"] = "drop"
    debris: Literal["drop", "keep"] = "drop"


@dataclass(frozen=True)
class RulesOptions:
    enabled: bool = True
    # Rule files or folders; empty means no rules (the CLI passes ./rules when that folder exists).
    paths: tuple[str, ...] = ()
    # Time limit for one regex rule on one paragraph, in seconds (positive and finite: without a
    # limit a pattern such as (a|aa)+$ can run for hours on one line).
    regex_timeout: float = 1.0


@dataclass(frozen=True)
class InputOptions:
    """How input files are decoded: sniffed, unless an encoding is given here (``--encoding``).

    Each entry is ``NAME`` (a Python codec name, for every file) or ``GLOB=NAME`` (for the files
    whose relative path or name matches GLOB; the first match wins). Checked by
    :meth:`cleaner.io.decoding.EncodingChoice.parse` when a run starts.
    """

    encoding: tuple[str, ...] = ()
    # Files larger than this many bytes are refused before they are read (in a config file also
    # written with a unit: 500M, 2G). A file is read whole, so it must fit in memory.
    max_file_size: int = DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class DedupOptions:
    scope: Literal["file", "corpus", "off"] = "corpus"
    drop_duplicate_documents: bool = False
    # Paragraphs with fewer letters/digits/ideographs than this are never removed (headings, slogans).
    min_length: int = 10
    # Paragraphs with fewer than this are only removed as exact copies, never as near duplicates.
    min_near_length: int = 30
    # Near duplicate: Jaccard similarity of the character n-gram sets at least this.
    threshold: float = 0.7
    ngram: int = 5
    num_perm: int = 128
    # LSH banding (bands × rows ≤ num_perm), chosen for recall; candidates are verified.
    bands: int = 25
    rows: int = 5
    # A document whose text is at least this share duplicated is a near-duplicate document.
    duplicate_document_ratio: float = 0.9
    # Copies cut into paragraphs differently from their original (rule "fragment"): a run of
    # consecutive paragraphs repeating a run of consecutive earlier ones (Jaccard ≥ threshold of the
    # runs) loses each paragraph with at least fragment_containment of its characters in the kept run.
    fragments: bool = True
    fragment_containment: float = 0.8
    # How far (paragraphs, each way) a run may reach from the sentence both sides share.
    fragment_span: int = 6
    # Short near copies (rule "short_near"): paragraphs of short_min_length to short_max_length
    # letters/digits/ideographs are decided by their edit script instead of the Jaccard similarity:
    # at most short_max_edits isolated edits (and short_max_ratio of the length), none in a number.
    short_near: bool = True
    short_min_length: int = 20
    short_max_length: int = 45
    short_max_edits: int = 1
    short_max_ratio: float = 0.1

    @property
    def enabled(self) -> bool:
        return self.scope != "off"


@dataclass(frozen=True)
class Config:
    whitespace: WhitespaceOptions = field(default_factory=WhitespaceOptions)
    unicode: UnicodeOptions = field(default_factory=UnicodeOptions)
    variants: VariantsOptions = field(default_factory=VariantsOptions)
    punctuation: PunctuationOptions = field(default_factory=PunctuationOptions)
    spacing: SpacingOptions = field(default_factory=SpacingOptions)
    layout: LayoutOptions = field(default_factory=LayoutOptions)
    rules: RulesOptions = field(default_factory=RulesOptions)
    dedup: DedupOptions = field(default_factory=DedupOptions)
    input: InputOptions = field(default_factory=InputOptions)

    def with_options(self, overrides: dict[str, dict[str, Any]]) -> Config:
        """A copy with ``{section: {field: value}}`` applied (validated like a config file)."""
        return _apply(self, overrides, source="option")


def load_config(path: str | Path, base: Config | None = None) -> Config:
    """Read a YAML config file; errors are ``file:line:col: message``, pointing at what to fix."""
    from cleaner.yamlio import load_yaml_document, read_yaml_source

    data, places = load_yaml_document(read_yaml_source(Path(path)), str(path))
    if data is None:
        return base or Config()
    if not isinstance(data, dict):
        raise ConfigError(f"{places.value()}: a config file holds a mapping of stage names to options")
    return _apply(base or Config(), data, source=str(path), places=places)


def _apply(config: Config, overrides: dict[str, Any], source: str, places: Places | None = None) -> Config:
    """``overrides`` checked and applied; errors name ``source`` (``places``: where in the file)."""

    def key_at(*path: str) -> str:
        return places.key(*map(str, path)) if places else source

    def value_at(*path: str) -> str:
        return places.value(*map(str, path)) if places else source

    sections = {f.name: f for f in dataclasses.fields(config)}
    changes: dict[str, Any] = {}
    for name, values in overrides.items():
        if name not in sections:
            raise ConfigError(f"{key_at(name)}: unknown section {name!r} (known: {', '.join(sections)})")
        if values is None:
            continue
        current = getattr(config, name)
        if isinstance(values, bool):
            values = {"enabled": values}
        if not isinstance(values, dict):
            raise ConfigError(f"{value_at(name)}: section {name!r} must be a mapping of options")
        known = {f.name: f for f in dataclasses.fields(current)}
        fields: dict[str, Any] = {}
        for key, value in values.items():
            option = key
            if key == "enabled" and "enabled" not in known:
                # Sections switched by a mode (variants, dedup) accept enabled: false too.
                key, value = _mode_switch(name, value, value_at(name, key))
            if key not in known:
                raise ConfigError(f"{key_at(name, option)}: unknown option {name}.{key} (known: {', '.join(known)})")
            fields[key] = _checked(value, known[key].type, f"{name}.{key}", value_at(name, option))
        changes[name] = dataclasses.replace(current, **fields)
    return dataclasses.replace(config, **changes)


def parse_size(value: Any) -> int:
    """A size in bytes: a positive whole number, or a string with a unit (``500K``, ``2M``, ``1.5G``;
    units of 1024). Raises ``ValueError`` with the reason."""
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    elif isinstance(value, str):
        match = _SIZE.fullmatch(value.strip())
        if match is None:
            raise ValueError(f"must be a size such as 2G, 500M or 1048576, not {value!r}")
        number, unit = match.groups()
        size = int(float(number) * _UNITS[(unit or "")[:1].upper()])
    else:
        raise ValueError(f"must be a size such as 2G, 500M or 1048576, not {value!r}")
    if size < 1:
        raise ValueError(f"must be at least 1 byte, not {value!r}")
    return size


_SIZE = re.compile(r"(\d{1,15}(?:\.\d{1,6})?)\s*([KMGT](?:i?B)?|B)?", re.IGNORECASE)
_UNITS = {"": 1, "B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def _positive_seconds(value: Any) -> float:
    """A time limit: a positive, finite number of seconds (zero would time out every pattern; a
    negative or infinite one means no limit at all, which ``regex`` silently accepts)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        raise ValueError(f"must be a positive number of seconds, not {value!r}")
    return float(value)


# Options whose values need more than their type says: parsed (and checked) by these.
_PARSERS: dict[str, Callable[[Any], Any]] = {
    "input.max_file_size": parse_size,
    "rules.regex_timeout": _positive_seconds,
}


def _checked(value: Any, annotation: Any, name: str, where: str) -> Any:
    """``value`` for option ``name``, parsed and checked; a ``ConfigError`` at ``where`` if wrong."""
    parser = _PARSERS.get(name)
    if parser is None:
        return _coerce(value, annotation, name, where)
    try:
        return parser(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: {name} {exc}") from None


def _mode_switch(section: str, value: Any, source: str) -> tuple[str, Any]:
    if not isinstance(value, bool):
        raise ConfigError(f"{source}: {section}.enabled must be true or false")
    if section == "variants":
        return "mode", "conservative" if value else "off"
    if section == "dedup":
        return "scope", "corpus" if value else "off"
    raise ConfigError(f"{source}: {section} has no enabled switch")


def _coerce(value: Any, annotation: Any, name: str, source: str) -> Any:
    hint = _resolve(annotation)
    origin = typing.get_origin(hint)
    if origin is Literal:
        allowed = typing.get_args(hint)
        if value not in allowed:
            raise ConfigError(f"{source}: {name} must be one of {', '.join(map(str, allowed))}, not {value!r}")
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{source}: {name} must be true or false, not {value!r}")
        return value
    if hint in (int, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{source}: {name} must be a number, not {value!r}")
        if not math.isfinite(value):
            # .nan and .inf parse as YAML floats; no option means anything by them.
            raise ConfigError(f"{source}: {name} must be a finite number, not {value!r}")
        return hint(value)
    if origin is tuple:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
            raise ConfigError(f"{source}: {name} must be a list of strings")
        return tuple(items)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return _coerce(value, inner[0], name, source)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{source}: {name} must be a string, not {value!r}")
        return value
    return value


def _resolve(annotation: Any) -> Any:
    if isinstance(annotation, str):
        return eval(annotation, {**vars(typing), **globals()})  # annotations of this module only
    return annotation
