"""The whitespace stage: the canonical text form."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cleaner.model import Document, replay
from cleaner.stages.whitespace import fix_whitespace, make

run = make(None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\n\n12月18日，是渌口区建区七周年的日子。\n", "12月18日，是渌口区建区七周年的日子。"),
        ("第一段\r\n\r\n第二段\r\n", "第一段\n\n第二段"),
        ("第一段\r\r第二段", "第一段\n\n第二段"),
        ("行尾有空格   \n下一行\t\n", "行尾有空格\n下一行"),
        # 000 l.20–22: a whitespace-only line after a blank line
        ("壮大产业集群。\n\n \n从特种环氧树脂", "壮大产业集群。\n\n从特种环氧树脂"),
        # 000 l.30–34: three blank lines before a caption
        ("孙乾 刘艺锋 张咪\n\n\n\n渌口区城景。文禹 摄", "孙乾 刘艺锋 张咪\n\n渌口区城景。文禹 摄"),
        ("统一服务\n \n龙门镇花冲村", "统一服务\n\n龙门镇花冲村"),
    ],
)
def test_canonical_form(text: str, expected: str) -> None:
    cleaned, edits = run(Document("x", text))
    assert cleaned.text == expected
    assert replay(text, edits) == expected


def test_spaces_inside_lines_are_left_to_the_spacing_stage() -> None:
    text = "孙乾 刘艺锋 张咪\n  缩进的行"
    assert fix_whitespace(text) == []


@given(st.text(alphabet=st.sampled_from(list("渌口 \t\r\n\u3000\u00a0a，。")), max_size=60))
def test_idempotent_and_replayable(text: str) -> None:
    cleaned, edits = run(Document("x", text))
    assert replay(text, edits) == cleaned.text
    assert run(cleaned)[1] == []
    assert "\n\n\n" not in cleaned.text
    assert not cleaned.text.startswith("\n") and not cleaned.text.endswith("\n")
