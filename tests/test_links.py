"""URLs, paths and anchors with Chinese in them: where they end, and what the stages then do.

The cases (``tests/data/link_cases.json``, written for this project) give each line's links that
hold Chinese, and the line after the punctuation and spacing stages in pangu style
(``--spacing insert``). The negative ones are Chinese prose right after a URL or path, which must
still be spaced as prose.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import links
from cleaner.config import Config
from cleaner.pipeline import Pipeline

CASES = json.loads((Path(__file__).parent / "data" / "link_cases.json").read_text(encoding="utf-8"))
PIPELINE = Pipeline(
    Config().with_options(
        {
            "whitespace": {"enabled": False},
            "unicode": {"enabled": False},
            "layout": {"enabled": False},
            "variants": {"mode": "off"},
            "rules": {"enabled": False},
            "spacing": {"cjk_latin": "insert"},
        }
    )
)


@pytest.mark.parametrize("case", CASES, ids=[c["note"] for c in CASES])
def test_links_with_chinese(case: dict) -> None:
    text = case["input"]
    assert [text[start:end] for start, end in links.spans(text)] == case["links"]
    cleaned = PIPELINE.clean(text, id="case.txt").text
    assert cleaned == case["insert"]
    assert PIPELINE.clean(cleaned, id="case.txt").text == cleaned


def test_both_kinds_of_case_are_there() -> None:
    assert sum(1 for c in CASES if c["links"]) >= 5
    assert sum(1 for c in CASES if not c["links"]) >= 10


def test_a_link_stays_whole_inside_a_paragraph() -> None:
    text = "第一行见https://zh.wikipedia.org/wiki/北京\n第二行见wiki/长江#主要支流。"
    assert [text[a:b] for a, b in links.spans(text)] == [
        "https://zh.wikipedia.org/wiki/北京",
        "wiki/长江#主要支流",
    ]


def _plain_scan(text: str) -> list[tuple[int, int]]:
    """What :func:`links.spans` finds, by trying the link pattern at every position."""
    found = []
    for match in links._LINK.finditer(text):
        link = match.group().rstrip(".")
        if links._HAN.search(link) and links.reads_as_link(link):
            found.append((match.start(), match.start() + len(link)))
    return found


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["https://", "www.", "a", "Z9", "/", "#", ".", "-", "_", ":", "?k=", "中", "文", " ", "，", "(", "html"]
        ),
        max_size=24,
    )
)
def test_the_quick_scan_finds_what_a_plain_scan_finds(parts: list[str]) -> None:
    text = "".join(parts)
    assert list(links.spans(text)) == _plain_scan(text)
