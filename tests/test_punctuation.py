"""The punctuation stage: full-width marks in Chinese context, ASCII in numbers, English, URLs, code."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.config import PunctuationOptions
from cleaner.model import Document, replay
from cleaner.stages import punctuation

from .conftest import ROOT, canonical_seed

CASES = json.loads((Path(__file__).parent / "data" / "punctuation_cases.json").read_text(encoding="utf-8"))
STAGE = punctuation.make(PunctuationOptions())


def run(text: str) -> tuple[str, list]:
    doc, edits = STAGE(Document(id="t", text=text))
    return doc.text, edits


@pytest.mark.parametrize("case", CASES, ids=[c["note"] for c in CASES])
def test_cases(case: dict) -> None:
    out, edits = run(case["input"])
    assert out == case["expected"]
    assert replay(case["input"], edits) == out
    assert run(out)[1] == []


def test_case_table_has_must_not_change_cases() -> None:
    unchanged = [c for c in CASES if c["input"] == c["expected"]]
    assert len(unchanged) >= 20


@pytest.mark.parametrize(
    "text",
    [
        "The quick brown fox, however, jumped: over the lazy dog; did it? Yes!",
        "See https://example.com/path?a=1,b=2;c=3 and mail me at first.last@example.org, please.",
        "Run ./scripts/build.sh --fast, then open /usr/local/share/doc/index.html: done.",
        "Prices: 1,000 / 12,345,678 / 3.14 / 10:30 / 2024-01-05 / 1:2",
        "孙乾 刘艺锋 张咪",
        "乾隆 孙乾 著名 显著 皇后 后来 头发",
        "def f(x, y): return x if x != y else y",
    ],
)
def test_survives_unchanged(text: str) -> None:
    assert run(text) == (text, [])


def test_rules_name_the_fix() -> None:
    _, edits = run('渌口区,株洲;好!吗?注:(区)等...改革--发展,共1，000人,他说"好"')
    rules = Counter(e.rule for e in edits)
    assert rules == Counter(
        {
            "halfwidth_comma": 3,
            "halfwidth_semicolon": 1,
            "halfwidth_exclamation": 1,
            "halfwidth_question": 1,
            "halfwidth_colon": 1,
            "parentheses": 2,
            "ellipsis": 1,
            "dash": 1,
            "number_comma": 1,
            "quotes": 2,
        }
    )
    assert all(e.stage == "punctuation" for e in edits)


def test_parentheses_convert_as_a_pair() -> None:
    out, _ = run("材料(PI膜、芳纶）和(区)")
    assert out == "材料（PI膜、芳纶）和（区）"
    # A bracket without its partner is left alone.
    assert run("增长(见下文")[1] == []


def test_quotes_are_balanced() -> None:
    out, _ = run('他说"要想富"又说"先修路"')
    assert out == "他说“要想富”又说“先修路”"
    assert out.count("“") == out.count("”")


_HALFWIDTH_BETWEEN_HAN = re.compile(r"[\u4e00-\u9fff]\s*[,;!?:]\s*[\u4e00-\u9fff]")


def test_seed_corpus() -> None:
    """001 and 002 are all half-width: every mark is converted; the full-width files keep theirs."""
    counts: Counter[tuple[str, str]] = Counter()
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        text = canonical_seed(path)
        out, edits = run(text)
        assert replay(text, edits) == out
        assert run(out)[1] == []
        assert not _HALFWIDTH_BETWEEN_HAN.search(out), path.name
        assert "(" not in out and ")" not in out, path.name
        counts.update((path.name[:3], e.rule) for e in edits)
    assert counts == Counter(
        {
            ("000", "parentheses"): 4,
            ("001", "halfwidth_comma"): 213,
            ("001", "halfwidth_semicolon"): 5,
            ("001", "halfwidth_exclamation"): 3,
            ("001", "parentheses"): 26,
            ("002", "halfwidth_comma"): 197,
            ("002", "halfwidth_semicolon"): 6,
            ("002", "parentheses"): 16,
            ("004", "parentheses"): 4,
        }
    )


_ALPHABET = list("渌口区孙乾中文，。、；：！？“”（）—…AbZ019%,.;:?!()\"'- \n\t/@#`~+")
_cjk_ascii = st.text(alphabet=st.sampled_from(_ALPHABET), max_size=60)


@settings(max_examples=500, deadline=None)
@given(text=st.one_of(st.text(max_size=80), _cjk_ascii))
def test_idempotent_replayable_never_raises(text: str) -> None:
    out, edits = run(text)
    assert replay(text, edits) == out
    assert run(out)[1] == []


def test_docstring_examples() -> None:
    import doctest

    from cleaner import script

    for module in (punctuation, script):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # LilyPond's learning manual in Chinese (lilypond-doc-html-zh 2.24.1, GFDL-1.1+): the
        # apostrophe of a note name and the mark named in the text were paired into ‘…’.
        (
            "前面的例子中，第一个音符 – d' 有一个单引号 ' 标记 – 表示处在中央的这个八度中的 D。",
            "前面的例子中，第一个音符 – d' 有一个单引号 ' 标记 – 表示处在中央的这个八度中的 D。",
        ),
        ('用 " 包住字符串，例如"你好"。', '用 " 包住字符串，例如“你好”。'),
        ("他说'我们走吧'，然后离开了。", "他说‘我们走吧’，然后离开了。"),
    ],
)
def test_a_quote_mark_standing_alone_pairs_with_nothing(text: str, expected: str) -> None:
    assert run(text)[0] == expected
