"""Fuzz what reads untrusted input: the decoder, the rule loader, the config loader, the pipeline.

Each target gets generated input (Hypothesis) and must either succeed or fail with the project's
own error (``CleanerError``: one line for the user), never another exception, and within a time
limit per example (a hang is a failure). Bytes for the decoder are drawn from encodings of real text
(UTF-8, GB18030, Big5, UTF-16, cp1252), truncated, spliced and flipped; rule and config files are
drawn from the keys and values those files use, nested and mis-typed, as YAML and TOML.

Usage::

    python scripts/fuzz_loaders.py [--minutes M] [--examples N] [--target decoding|rules|config|pipeline]

Prints a table: target, examples, failures (distinct), seconds. Exit status 1 if anything failed;
every failure found should become a test.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from cleaner.config import load_config
from cleaner.errors import CleanerError
from cleaner.io.decoding import decode
from cleaner.pipeline import Pipeline
from cleaner.rules.loading import load_rules_text

SECONDS_PER_EXAMPLE = 10
SAMPLE = "渌口区推进产业发展，園區企業已達78家。“你好！”他说……naïve café 2024-01-05"
CODECS = ("utf-8", "gb18030", "big5", "utf-16-le", "utf-16-be", "cp1252", "gbk", "euc-jp")


def _encoded(text: str, codec: str) -> bytes:
    return text.encode(codec, errors="ignore")


def _mangled(data: bytes, cut: int, flips: list[int], splice: bytes) -> bytes:
    data = bytearray(data[: max(cut, 0)] + splice + data[max(cut, 0) :])
    for position in flips:
        if data:
            data[position % len(data)] ^= 0x80
    return bytes(data)


_texts = st.one_of(st.just(SAMPLE), st.text(min_size=0, max_size=60))
_bytes = st.one_of(
    st.binary(max_size=200),
    st.builds(
        _mangled,
        st.builds(_encoded, _texts, st.sampled_from(CODECS)),
        st.integers(-5, 120),
        st.lists(st.integers(0, 500), max_size=3),
        st.sampled_from([b"", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\x1b$B", b"\r\n"]),
    ),
)

_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["涪口", "渌口", "(渌口)", "\\1区", "[", "(a+)+$", ".*", "", "re:(", "drop", "keep", "strip"]),
)
_keys = st.sampled_from(
    [
        "rules",
        "id",
        "find",
        "replace",
        "regex",
        "unless",
        "files",
        "examples",
        "note",
        "name",
        "layout",
        "dedup",
        "spacing",
        "punctuation",
        "variants",
        "cjk_latin",
        "join_threshold",
        "move_blocks",
        "furniture",
        "threshold",
        "regex_timeout",
        "enabled",
        "paths",
        "x",
    ]
)
_values = st.recursive(
    _scalar,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_keys, inner, max_size=5)),
    max_leaves=20,
)


def _yaml(value: Any, indent: int = 0) -> str:
    """A YAML rendering that keeps odd values odd (no safe dumping: the loader must cope)."""
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "\n".join(f"{pad}{key}:" + _yaml_after(item, indent) for key, item in value.items())
    if isinstance(value, list):
        if not value:
            return "[]"
        return "\n".join(f"{pad}-" + _yaml_after(item, indent + 2) for item in value)
    if value is None:
        return "null"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value).lower() if isinstance(value, bool) else repr(value)


def _yaml_after(value: Any, indent: int) -> str:
    if isinstance(value, dict | list) and value:
        return "\n" + _yaml(value, indent + 2)
    return " " + _yaml(value, indent)


def _toml(value: Any) -> str:
    """A TOML rendering of a mapping's scalar entries and its mappings as tables."""
    if not isinstance(value, dict):
        return f"x = {_toml_scalar(value)}"
    lines = []
    for key, item in value.items():
        if isinstance(item, dict):
            lines.append(f"[{key}]")
            lines.extend(f"{k} = {_toml_scalar(v)}" for k, v in item.items() if not isinstance(v, dict))
        else:
            lines.insert(0, f"{key} = {_toml_scalar(item)}")
    return "\n".join(lines)


def _toml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_scalar(v) for v in value if not isinstance(v, dict | list)) + "]"
    if value is None:
        return '""'
    return repr(value)


class _Hang(Exception):
    pass


def _bounded(call: Callable[[], object]) -> None:
    """Run ``call``; a ``CleanerError`` is a clean refusal; more than SECONDS_PER_EXAMPLE is a hang."""

    def alarm(signum: int, frame: object) -> None:
        raise _Hang(f"no answer in {SECONDS_PER_EXAMPLE} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(SECONDS_PER_EXAMPLE)
    try:
        call()
    except CleanerError:
        pass
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _decoding(data: bytes) -> None:
    _bounded(lambda: decode(data, "fuzz.txt"))


def _rules(value: Any) -> None:
    _bounded(lambda: load_rules_text(_yaml(value), "fuzz.yaml"))


def _config(value: Any, toml: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "cleaner.toml" if toml else "cleaner.yaml")
        path.write_text(_toml(value) if toml else _yaml(value), encoding="utf-8")
        _bounded(lambda: load_config(path))


_PIPELINE = None


def _pipeline(text: str) -> None:
    global _PIPELINE
    if _PIPELINE is None:
        _PIPELINE = Pipeline()
    pipeline = _PIPELINE
    _bounded(lambda: pipeline.clean(text))


TARGETS: dict[str, tuple[Callable[..., None], tuple[st.SearchStrategy[Any], ...]]] = {
    "decoding": (_decoding, (_bytes,)),
    "rules": (_rules, (_values,)),
    "config": (_config, (_values, st.booleans())),
    "pipeline": (_pipeline, (st.text(max_size=300),)),
}


def fuzz(name: str, examples: int, deadline: float) -> tuple[int, list[str], float]:
    """Run one target until ``examples`` or ``deadline``; the distinct failures found."""
    function, strategies = TARGETS[name]
    failures: dict[str, str] = {}
    done = 0
    started = time.monotonic()
    while done < examples and time.monotonic() < deadline:
        chunk = min(200, examples - done)

        @settings(
            max_examples=chunk,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(st.tuples(*strategies))
        def run(args: tuple[Any, ...]) -> None:
            try:
                function(*args)
            except Exception as exc:  # every other exception is a finding
                key = f"{type(exc).__name__}: {str(exc)[:80]}"
                failures.setdefault(key, f"{key}  <- {args!r:.200}")

        run()
        done += chunk
    return done, list(failures.values()), time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=1.0, help="time per target")
    parser.add_argument("--examples", type=int, default=100_000, help="examples per target at most")
    parser.add_argument("--target", choices=sorted(TARGETS), action="append")
    args = parser.parse_args(argv)
    rows = []
    found = False
    for name in args.target or list(TARGETS):
        done, failures, seconds = fuzz(name, args.examples, time.monotonic() + args.minutes * 60)
        rows.append((name, done, len(failures), seconds))
        for failure in failures:
            found = True
            print(f"{name}: {failure}")
    print(f"{'target':<10} {'examples':>9} {'failures':>9} {'seconds':>8}")
    for name, done, count, seconds in rows:
        print(f"{name:<10} {done:>9} {count:>9} {seconds:>8.0f}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
