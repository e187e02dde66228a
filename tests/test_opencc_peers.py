"""OpenCC's own test cases, run through the pipeline in ``--opencc-config`` mode.

The cases are OpenCC's ``test/testcases/testcases.json`` (provenance in ``tests/data/peers/README.md``):
each gives an input and what one or more configs must make of it. They are outside evidence that a
conversion mode does what OpenCC does, and they catch a conversion applied twice: ``t2s`` of 楊聯陞
is 杨联陞, but ``t2s`` of that is 杨联升.

Each case goes through the whole :class:`~cleaner.pipeline.Pipeline`, not just the variants stage,
because a conversion can be repeated by the pipeline's settle loop as well as by the stage. Every
other stage is switched off, because they rightly edit some of these inputs (spacing closes up
``跌破 2 万点``) and their edits would hide what the conversion did.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache

import pytest

from cleaner.config import Config
from cleaner.pipeline import Pipeline
from cleaner.stages import variants

from .conftest import ROOT

PEERS = ROOT / "tests" / "data" / "peers"
CASES_FILE = PEERS / "opencc_testcases.json"

OTHER_STAGES = ("whitespace", "unicode", "layout", "punctuation", "spacing", "rules")

# Cases the pipeline is known to get wrong, with the reason: (case id, config) -> reason. Each is a
# strict xfail, so a case that starts passing fails the run until it is taken off this list. Empty:
# the PyPI build this was written against (opencc 1.4.2) has every config the cases use and passes
# them all. A config missing from the installed build is a known failure too (see ``_marks``).
KNOWN_FAILURES: dict[tuple[str, str], str] = {}


def load_cases() -> list[dict]:
    """The cases as OpenCC publishes them; the file is kept byte for byte (its git blob is checked).

    Upstream's file has a trailing comma (``"…",\\n}``), which strict JSON rejects, so commas
    before a closing bracket outside strings are dropped before parsing.
    """
    raw = CASES_FILE.read_text(encoding="utf-8")
    tolerant = re.sub(r'"(?:\\.|[^"\\])*"|,(?=\s*[}\]])', lambda m: m.group() if m.group() != "," else "", raw)
    return json.loads(tolerant)["cases"]


def pairs() -> list[tuple[str, str, str, str]]:
    """``(case id, config, input, expected)`` for every config of every case."""
    return [
        (case["id"], config, case["input"], expected)
        for case in load_cases()
        for config, expected in case["expected"].items()
    ]


@cache
def available(config: str) -> bool:
    try:
        variants.opencc_converter(config)
    except Exception:
        return False
    return True


@cache
def conversion_only(config: str) -> Pipeline:
    """The pipeline with ``--opencc-config config`` and every other stage off."""
    options: dict = {name: False for name in OTHER_STAGES}
    return Pipeline(Config().with_options({**options, "variants": {"opencc_config": config}}))


def _marks(case_id: str, config: str) -> list[pytest.MarkDecorator]:
    if (case_id, config) in KNOWN_FAILURES:
        return [pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[case_id, config])]
    if not available(config):
        return [pytest.mark.xfail(strict=True, reason=f"the installed opencc has no config {config!r}")]
    return []


PAIRS = pairs()


def test_the_data_is_upstreams_file_unchanged() -> None:
    """The file's git blob id is the one the provenance names, so it is OpenCC's file as published."""
    data = CASES_FILE.read_bytes()
    blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    assert blob in (PEERS / "README.md").read_text(encoding="utf-8")
    assert len(PAIRS) == 543


@pytest.mark.parametrize(
    ("case_id", "config", "text", "expected"),
    [pytest.param(*pair, id=f"{pair[0]}-{pair[1]}", marks=_marks(pair[0], pair[1])) for pair in PAIRS],
)
def test_pipeline_gives_what_opencc_expects(case_id: str, config: str, text: str, expected: str) -> None:
    result = conversion_only(config).clean(text, id=case_id)
    assert result.text == expected
    assert {edit.rule for edit in result.edits} <= {f"opencc_{config}"}


@pytest.mark.parametrize("config", sorted({pair[1] for pair in PAIRS}))
def test_pipeline_converts_exactly_once(config: str) -> None:
    """Whatever the installed OpenCC's dictionaries say, the pipeline applies its conversion once.

    This holds for any opencc version, so a failure of the test above with this one passing is a
    dictionary difference, not a defect of the pipeline.
    """
    if not available(config):
        pytest.skip(f"the installed opencc has no config {config!r}")
    convert = variants.opencc_converter(config)
    for case_id, _, text, _ in (pair for pair in PAIRS if pair[1] == config):
        assert conversion_only(config).clean(text, id=case_id).text == convert(text), case_id
