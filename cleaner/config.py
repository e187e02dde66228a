"""Configuration: one section per stage, named like the stage, each with an ``enabled`` switch.

A config file is TOML (``cleaner.toml``, or the ``[tool.cleaner]`` table of ``pyproject.toml``)
or YAML (``--config FILE.yaml``) with the same shape::

    [spacing]
    cjk_latin = "insert"
    [rules]
    paths = ["rules/"]          # relative to the file that names them
    [dedup]
    scope = "file"

Like ruff's, the configuration is found, not named: :func:`find_config` looks for the closest
``cleaner.toml`` (or ``pyproject.toml`` with a ``[tool.cleaner]`` table) in the folders above what
is cleaned, then above the working folder; :func:`discover_config` loads it.

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
from collections.abc import Callable, Iterable
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
    # lines): drop them (each an edit) or keep them on lines of their own, never joined. ``mark``
    # drops furniture as ``drop`` does and lists it in a field of each JSON Lines record.
    furniture: Literal["drop", "keep", "mark"] = "drop"
    debris: Literal["drop", "keep"] = "drop"


@dataclass(frozen=True)
class RulesOptions:
    enabled: bool = True
    # Rule files or folders; empty means no rules. A config file names them relative to itself.
    paths: tuple[str, ...] = ()
    # The folder relative paths are relative to (the config file's; None: the working folder). Rule
    # files are named relative to it in edits, so the audit record is the same from any folder.
    base: str | None = field(default=None, metadata={"option": False})
    # Globs over rule ids (``lukou-*``): apply only the rules matching a ``select`` glob (all when
    # empty), then none matching an ``ignore`` glob. A glob matching no rule is an error.
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
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
    # A JSON Lines or Parquet file larger than this many bytes is cleaned in parts of consecutive
    # records, each a unit of work for the workers (cleaner.partitioning); the output is the same.
    # The part size sets the memory of the run (a few parts in flight per worker).
    partition_size: int = 1_000_000
    # A document with a line (or, after layout, a paragraph) longer than this many characters is
    # left as decoded from there on, with an event: the stages' time and memory grow faster than
    # the length of one paragraph (about 4 s and 150 MB at this size).
    max_paragraph: int = 1_000_000
    # A JSON Lines line that is not a readable record: skip it (written back unchanged, the rest of
    # the file cleaned, the run exits 1) or fail its file (skipped whole, no output).
    on_error: Literal["skip", "fail"] = "skip"


@dataclass(frozen=True)
class DedupOptions:
    scope: Literal["file", "corpus", "off"] = "corpus"
    drop_duplicate_documents: bool = False
    # Paragraphs with fewer letters/digits/ideographs than this are never removed (headings, slogans).
    min_length: int = 10
    # A heading (one line in a headline's form, no clause or sentence mark) with at most this many
    # letters/digits/ideographs is kept when it repeats an earlier one, unless the paragraph before
    # or after it copies its original's neighbour (a copied run). 0: headings go like other copies.
    heading_max_length: int = 15
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
    # at most short_max_edits isolated edits (and short_max_ratio of the length), none in a number,
    # no quotation mark added or removed, no character swapped for the same one twice.
    short_near: bool = True
    short_min_length: int = 20
    short_max_length: int = 45
    short_max_edits: int = 3
    short_max_ratio: float = 0.1
    # Near copies with a few edits (rule "short_near" too): a paragraph longer than
    # short_max_length, up to near_edits_max_length, that shares an LSH band with an earlier one
    # but falls below the Jaccard threshold is a copy when their edit script is at most
    # near_max_edits isolated edits (and short_max_ratio of the length) under the short rule's
    # conditions: three misread characters take a 60-character paragraph to about 0.6.
    near_edits_max_length: int = 80
    near_max_edits: int = 3
    # A folder holding the index of earlier runs (see cleaner.dedup.store): read at the start if it
    # exists, written back at the end; paragraphs copying what earlier runs kept are removed.
    index: str | None = None

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
    # The file this configuration was read from (None: defaults and options only); not a section.
    origin: Path | None = field(default=None, compare=False, metadata={"section": False})

    def with_options(self, overrides: dict[str, dict[str, Any]], label: str | None = None) -> Config:
        """A copy with ``{section: {field: value}}`` applied (validated like a config file).

        ``label`` names the option as the user typed it (``--spacing``), for error messages.
        """
        return _apply(self, overrides, source=label or "option", label=label)


CONFIG_FILE = "cleaner.toml"
PYPROJECT = "pyproject.toml"


def find_config(start: str | Path | None = None) -> Path | None:
    """The configuration file for cleaning ``start`` (a file or folder; default the working folder).

    The closest ``cleaner.toml``, or ``pyproject.toml`` with a ``[tool.cleaner]`` table, in the
    folders from ``start`` up to the root, as ruff finds the closest configuration above each
    file; then the same search from the working folder. ``None`` when there is none.
    """
    cwd = Path.cwd()
    starts = [Path(start) if start is not None else cwd, cwd]
    for begin in starts:
        folder = begin.resolve()
        if not folder.is_dir():
            folder = folder.parent
        for candidate_folder in (folder, *folder.parents):
            found = _config_in(candidate_folder)
            if found is not None:
                return found
    return None


def _config_in(folder: Path) -> Path | None:
    own = folder / CONFIG_FILE
    if own.is_file():
        return own
    pyproject = folder / PYPROJECT
    if pyproject.is_file() and _has_tool_table(pyproject):
        return pyproject
    return None


def _has_tool_table(pyproject: Path) -> bool:
    import tomllib

    try:
        return "cleaner" in tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return False  # not ours to judge: a broken pyproject.toml without our table is ignored


def discover_config(start: str | Path | None = None) -> Config:
    """The configuration :func:`find_config` finds for ``start``, loaded; the defaults if none.

    This is what ``clean SRC DST`` uses without ``--config``, and what :func:`cleaner.clean_corpus`
    uses when it is given no configuration.
    """
    found = find_config(start)
    return load_config(found) if found is not None else Config()


def rule_files_of(config: Config) -> list[Path]:
    """The rule files a run with ``config`` applies, in order (none when the stage is off)."""
    from cleaner.rules.loading import rule_files

    return rule_files(config.rules.paths, config.rules.base) if config.rules.enabled else []


def load_config(path: str | Path, base: Config | None = None) -> Config:
    """Read a config file: TOML (``*.toml``; of ``pyproject.toml`` its ``[tool.cleaner]`` table) or
    YAML. Errors are ``file:line:col: message``, pointing at what to fix, all of them at once.
    Relative rule paths are resolved against the folder of the file that names them.
    """
    from cleaner.yamlio import load_yaml_document, read_yaml_source

    path = Path(path)
    text = read_yaml_source(path)
    if path.suffix == ".toml":
        data, places = _load_toml(text, path)
    else:
        data, places = load_yaml_document(text, str(path))
    base = dataclasses.replace(base or Config(), origin=path)
    if data is None:
        return base
    if not isinstance(data, dict):
        raise ConfigError(f"{places.value()}: a config file holds a mapping of stage names to options")
    return _apply(base, data, source=str(path), places=places)


def _load_toml(text: str, path: Path) -> tuple[Any, Places]:
    """The cleaner settings of a TOML file and where they are; ``pyproject.toml``: ``[tool.cleaner]``."""
    import tomllib

    from cleaner.yamlio import Places

    try:
        data: Any = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = re.search(r"\(at line (\d+), column (\d+)\)", message)
        message = message[: where.start()].strip() if where else message
        at = f"{path}:{where[1]}:{where[2]}" if where else str(path)
        raise ConfigError(f"{at}: invalid TOML: {message}") from None
    except RecursionError:  # tomllib recurses once per level of nesting
        raise ConfigError(f"{path}: invalid TOML: nested too deeply") from None
    prefix: tuple[str, ...] = ()
    if path.name == PYPROJECT:
        prefix = ("tool", "cleaner")
        data = data.get("tool", {}).get("cleaner")
    return data, Places(str(path), *_toml_places(text, prefix))


_TOML_TABLE = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\s\"-]+?)\s*\]")
_TOML_KEY = re.compile(r"([A-Za-z0-9_-]+)\s*=\s*")


def _toml_places(text: str, prefix: tuple[str, ...]) -> tuple[dict, dict]:
    """``line:col`` of the keys and values of the top two levels below the table ``prefix``.

    tomllib keeps no positions; a line scan finds ``[table]`` headers, ``key = value`` lines and
    the keys of one-line inline tables, which is what a config file holds.
    """
    keys: dict[tuple[str, ...], str] = {}
    values: dict[tuple[str, ...], str] = {}
    table: tuple[str, ...] | None = () if not prefix else None
    for number, line in enumerate(text.splitlines(), 1):
        header = _TOML_TABLE.match(line)
        if header and not line.lstrip().startswith("[["):
            parts = tuple(part.strip().strip('"') for part in header[1].split("."))
            table = parts[len(prefix) :] if parts[: len(prefix)] == prefix else None
            if table:
                keys.setdefault(table, f"{number}:{line.index(table[-1]) + 1}")
            continue
        key = _TOML_KEY.match(line.lstrip())
        if table is None or key is None or len(table) > 1:
            continue
        indent = len(line) - len(line.lstrip())
        path = (*table, key[1])
        keys[path] = f"{number}:{indent + 1}"
        values[path] = f"{number}:{indent + key.end() + 1}"
        if not table and line[indent + key.end() :].startswith("{"):
            for inner in _TOML_KEY.finditer(line, indent + key.end()):
                keys[(key[1], inner[1])] = f"{number}:{inner.start() + 1}"
                values[(key[1], inner[1])] = f"{number}:{inner.end() + 1}"
    return keys, values


def _apply(
    config: Config, overrides: dict[str, Any], source: str, places: Places | None = None, label: str | None = None
) -> Config:
    """``overrides`` checked and applied; errors name ``source`` (``places``: where in the file).

    Every problem is collected and reported at once, one line each, so a config file is fixed in
    one go; ``label`` (a command-line option) stands for the option's name in messages.
    """

    def key_at(*path: str) -> str:
        return places.key(*map(str, path)) if places else source

    def value_at(*path: str) -> str:
        return places.value(*map(str, path)) if places else source

    sections = {f.name: f for f in dataclasses.fields(config) if f.metadata.get("section", True)}
    changes: dict[str, Any] = {}
    problems: list[str] = []
    for name, values in overrides.items():
        if name not in sections:
            problems.append(f"{key_at(name)}: unknown section {name!r}{_suggest(name, sections)}")
            continue
        if values is None:
            continue
        current = getattr(config, name)
        if isinstance(values, bool):
            values = {"enabled": values}
        if not isinstance(values, dict):
            problems.append(f"{value_at(name)}: section {name!r} must be a mapping of options")
            continue
        known = {f.name: f for f in dataclasses.fields(current) if f.metadata.get("option", True)}
        fields: dict[str, Any] = {}
        for key, value in values.items():
            option = key
            try:
                if key == "enabled" and "enabled" not in known:
                    # Sections switched by a mode (variants, dedup) accept enabled: false too.
                    key, value = _mode_switch(name, value, value_at(name, key))
                if key not in known:
                    hint = _suggest(key, known, f"{name}.")
                    raise ConfigError(f"{key_at(name, option)}: unknown option {name}.{key}{hint}")
                shown = label or f"{name}.{key}"
                where = label or value_at(name, option)
                fields[key] = _checked(value, known[key].type, shown, where, f"{name}.{key}")
            except ConfigError as exc:
                problems.append(str(exc))
        if name == "rules" and "paths" in fields:
            # Paths from a file are relative to it; from code or the command line, to the working folder.
            fields["base"] = str(Path(source).absolute().parent) if places is not None else None
        if name == "dedup" and fields.get("index") is not None and places is not None:
            fields["index"] = str(Path(source).absolute().parent / fields["index"])  # like rule paths
        if not problems:
            changes[name] = dataclasses.replace(current, **fields)
            if name == "dedup":
                # Values each of the right type that the deduplicator still cannot work with (out of
                # range, or at odds with each other), named where they were given.
                from cleaner.dedup.deduplicator import option_problems

                for names, message in option_problems(changes[name]):
                    given = next((option for option in names if option in values), None)
                    where = label or (value_at(name, given) if given is not None else source)
                    problems.append(f"{where}: {message}")
    if problems:
        raise ConfigError("\n".join(problems))
    return dataclasses.replace(config, **changes)


def _suggest(name: str, known: Iterable[str], prefix: str = "") -> str:
    """`` (did you mean spacing.cjk_latin?)`` for a near miss, else the list of what is known."""
    import difflib

    close = difflib.get_close_matches(str(name), list(known), n=1, cutoff=0.6)
    if close:
        return f" (did you mean {prefix}{close[0]}?)"
    return f" (known: {', '.join(known)})"


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


def _positive_count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"must be a positive whole number, not {value!r}")
    return value


# Options whose values need more than their type says: parsed (and checked) by these.
_PARSERS: dict[str, Callable[[Any], Any]] = {
    "input.max_file_size": parse_size,
    "input.partition_size": parse_size,
    "rules.regex_timeout": _positive_seconds,
    "input.max_paragraph": _positive_count,
}


def _opencc_config(value: str | None, at: str) -> None:
    """A config OpenCC has (``t2s``, ``s2twp.json``…), checked by building it once (the stage builds
    it again from the same cache); None is no conversion of its own."""
    from cleaner.stages.variants import opencc_converter

    if value is None:
        return
    try:
        opencc_converter(value)
    except ConfigError:
        raise ConfigError(f"{at} must name a config OpenCC has (t2s, s2t, s2twp, tw2s, hk2s…), not {value!r}") from None


def _encodings(value: tuple[str, ...], at: str) -> None:
    """Encoding names (``NAME`` or ``GLOB=NAME``) that Python has, as ``--encoding`` takes them."""
    from cleaner.io.decoding import EncodingChoice

    EncodingChoice.parse(value, option=at)


# Options whose values, of the right type, must be more (a name OpenCC or Python knows): checked
# by these, given the value and how to name it (a ConfigError starting so if it is wrong).
_CHECKS: dict[str, Callable[[Any, str], None]] = {
    "variants.opencc_config": _opencc_config,
    "input.encoding": _encodings,
}


def _checked(value: Any, annotation: Any, name: str, where: str, option: str) -> Any:
    """``value`` for ``option`` (``section.key``, shown as ``name``), parsed and checked; a
    ``ConfigError`` at ``where`` if wrong."""
    parser = _PARSERS.get(option)
    if parser is None:
        value = _coerce(value, annotation, name, where)
        check = _CHECKS.get(option)
        if check is not None:
            check(value, _at(where, name))
        return value
    try:
        return parser(value)
    except ValueError as exc:
        raise ConfigError(f"{_at(where, name)} {exc}") from None


def _at(where: str, name: str) -> str:
    """The start of a message about option ``name`` found at ``where`` (a command-line option is both)."""
    return name if where == name else f"{where}: {name}"


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
            raise ConfigError(f"{_at(source, name)} must be one of {', '.join(map(str, allowed))}, not {value!r}")
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{_at(source, name)} must be true or false, not {value!r}")
        return value
    if hint in (int, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{_at(source, name)} must be a number, not {value!r}")
        if not math.isfinite(value):
            # .nan and .inf parse as YAML floats; no option means anything by them.
            raise ConfigError(f"{_at(source, name)} must be a finite number, not {value!r}")
        return hint(value)
    if origin is tuple:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
            raise ConfigError(f"{_at(source, name)} must be a list of strings")
        return tuple(items)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return _coerce(value, inner[0], name, source)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{_at(source, name)} must be a string, not {value!r}")
        return value
    return value


def _resolve(annotation: Any) -> Any:
    if isinstance(annotation, str):
        return eval(annotation, {**vars(typing), **globals()})  # annotations of this module only
    return annotation
