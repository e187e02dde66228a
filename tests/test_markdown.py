"""Markdown documents: what is not prose comes out of the text stages byte for byte.

The cases (``tests/data/markdown_cases.json``) run through the whole pipeline on a ``.md``
document, with ``layout`` off (the protected spans are used by ``punctuation``, ``spacing`` and
``unicode``), in each spacing mode; a ``.txt`` document takes none of this.
"""

from __future__ import annotations

import json

import pytest

from cleaner.config import Config
from cleaner.markdown import block_spans, fenced_code, is_markdown, pipe_tables, protected_spans
from cleaner.model import replay
from cleaner.pipeline import Pipeline

from .conftest import ROOT

CASES = json.loads((ROOT / "tests" / "data" / "markdown_cases.json").read_text(encoding="utf-8"))


def pipeline(mode: str) -> Pipeline:
    return Pipeline(Config().with_options({"layout": {"enabled": False}, "spacing": {"cjk_latin": mode}}))


@pytest.mark.parametrize("case", CASES, ids=[case["note"] for case in CASES])
def test_markdown_is_left_alone_outside_prose(case: dict) -> None:
    result = pipeline("remove").clean(case["input"], id="doc.md")
    assert result.text == case["expected"]
    assert replay(case["input"], result.edits) == result.text
    assert pipeline("remove").clean(result.text, id="doc.md").edits == []


@pytest.mark.parametrize("case", CASES, ids=[case["note"] for case in CASES])
def test_protected_spans_survive_insert_mode(case: dict) -> None:
    result = pipeline("insert").clean(case["input"], id="doc.md")
    for start, end in protected_spans(case["input"]):
        assert case["input"][start:end] in result.text
    assert pipeline("insert").clean(result.text, id="doc.md").edits == []


def test_plain_text_keeps_the_fast_path() -> None:
    assert not is_markdown("a.txt") and is_markdown("notes/A.MD")
    result = pipeline("remove").clean("参见[示例](#双向过滤器--替换)", id="doc.txt")
    assert "——" in result.text


def test_spans() -> None:
    text = "正文`代码`和[链接](#目标-a)\n\n```\n代码\n```\n"
    spans = [text[a:b] for a, b in protected_spans(text)]
    assert spans == ["`代码`", "](#目标-a)", "```\n代码\n```"]


def test_a_table_after_the_first_line_is_found() -> None:
    """The alignment row of a table anywhere in the document is protected (the pattern was once
    anchored to the text's start, and no table after the first line was), and the layout stage
    keeps the whole table."""
    text = TABLE_IN_PROSE
    assert [text[a:b] for a, b in protected_spans(text)] == ["| --- | --- |"]
    table = "| 名称 | 说明 |\n| --- | --- |\n| 宽度 | 线条的宽度，单位为毫米。 |\n| 颜色 | 线条的颜色。 |"
    assert [text[a:b] for a, b in block_spans(text)] == [table]


TABLE_IN_PROSE = (
    "参数说明如下：\n\n| 名称 | 说明 |\n| --- | --- |\n| 宽度 | 线条的宽度，单位为毫米。 |\n"
    "| 颜色 | 线条的颜色。 |\n\n以上参数均可修改。\n"
)


def test_layout_keeps_a_table_s_rows_apart_and_the_prose_after_it_out() -> None:
    """Its rows were joined into one line, its alignment row dropped as debris and the paragraph
    after it joined to the last row: the table was gone."""
    result = Pipeline(Config()).clean(TABLE_IN_PROSE, id="doc.md")
    lines = result.text.split("\n")
    rows = ["| 名称 | 说明 |", "| --- | --- |", "| 宽度 | 线条的宽度，单位为毫米。|", "| 颜色 | 线条的颜色。|"]
    assert lines[2:6] == rows
    assert lines[6:8] == ["", "以上参数均可修改。"]
    assert Pipeline(Config()).clean(result.text, id="doc.md").edits == []


@pytest.mark.parametrize("case", CASES, ids=[case["note"] for case in CASES])
def test_layout_leaves_what_is_not_prose_alone(case: dict) -> None:
    """With every stage on, layout included: code blocks, table alignment rows, reference
    definitions and front matter come out byte for byte (not joined, split or stripped)."""
    full = Pipeline(Config())
    result = full.clean(case["input"], id="doc.md")
    for start, end in protected_spans(case["input"]):
        assert case["input"][start:end] in result.text
    assert replay(case["input"], result.edits) == result.text


@pytest.mark.parametrize(
    "text",
    [
        # (A definition cannot interrupt a paragraph: after one line of prose it is that prose.)
        '正文说明在这里，参见下面的链接\n\n[ref]: https://example.org/a-b "标题"\n',
        "| 名称 | 说明 |\n|:---|---:|\n| 甲 | 第一项 |\n",
        "示例代码如下：\n\n    def main():\n\n        return 0\n\n然后运行它。\n",
        "# 标题\n\n```\n第一行\n第二行\n```\n",
    ],
)
def test_layout_never_joins_splits_or_strips_markdown_blocks(text: str) -> None:
    result = Pipeline(Config()).clean(text, id="doc.md")
    assert protected_spans(text)  # (not true of nothing)
    for start, end in protected_spans(text):
        assert text[start:end] in result.text


@pytest.mark.parametrize("name", ["doc.txt", "dump.jsonl:3"])
def test_a_table_of_pipes_in_plain_text_is_kept_whole(name: str) -> None:
    """Markdown written into plain text (a model's output in a JSON Lines field, a converted page):
    its table's rows were set apart by blank lines, or joined and the alignment row dropped."""
    table = "| 方法 | 速度 | 内存 |\n| --- | --- | --- |\n| A | 快 | 少 |\n| B | 慢 | 多 |"
    text = f"对比如下：\n\n{table}\n\n可见A更好。\n"
    result = Pipeline(Config()).clean(text, id=name)
    assert f"\n\n{table}\n\n可见A更好。" in result.text
    assert Pipeline(Config()).clean(result.text, id=name).edits == []


@pytest.mark.parametrize(
    ("text", "tables"),
    [
        ("| 方法 | 速度 |\n|:-|-:|\n| A | 快 |", ["| 方法 | 速度 |\n|:-|-:|\n| A | 快 |"]),
        ("前言\n| 甲 | 乙 | 丙 |\n| 一 | 二 | 三 |\n后记", ["| 甲 | 乙 | 丙 |\n| 一 | 二 | 三 |"]),
        # one row, or rows of two bars without an alignment row: no table
        ("| 甲 | 乙 | 丙 |\n正文", []),
        ("|甲|\n|乙|", []),
    ],
)
def test_pipe_tables(text: str, tables: list[str]) -> None:
    assert [text[a:b] for a, b in pipe_tables(text)] == tables


CODE_IN_PROSE = (
    '代码如下：\n\n```python\ndef f(x):\n    if x > 0:\n        return {"符号": "正数", "值": x}\n'
    '\treturn "非正数,零"\n```\n\n运行后输出结果.\n'
)


@pytest.mark.parametrize("name", ["doc.txt", "dump.jsonl:3"])
def test_fenced_code_in_plain_text_comes_out_byte_for_byte(name: str) -> None:
    """A model's answer in a JSON Lines field, with its code: the code's quotes and commas were made
    Chinese punctuation, and a tab-indented line lost its indentation and was set apart."""
    result = Pipeline(Config()).clean(CODE_IN_PROSE, id=name)
    code = CODE_IN_PROSE[CODE_IN_PROSE.index("```") : CODE_IN_PROSE.rindex("```") + 3]
    assert code in result.text
    assert result.text.endswith("运行后输出结果。")  # the prose around it is still cleaned
    assert Pipeline(Config()).clean(result.text, id=name).edits == []


@pytest.mark.parametrize(
    ("text", "blocks"),
    [
        ("前\n```\na, b\n```\n后", ["```\na, b\n```"]),
        ("前\n~~~~ sh\nls -l\n~~~\n~~~~\n后", ["~~~~ sh\nls -l\n~~~\n~~~~"]),  # a shorter fence closes nothing
        ("他说```好的,走吧", []),  # not a fence at a line's start
        ("```\n没有结尾的代码", []),  # never closed: it may be prose
        ("``` a`b\n正文\n```", []),  # a backtick in the info string: no fence
    ],
)
def test_fenced_code(text: str, blocks: list[str]) -> None:
    assert [text[a:b] for a, b in fenced_code(text)] == blocks


@pytest.mark.parametrize("name", ["doc.md", "doc.txt", "dump.jsonl:3"])
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the next line's quotation mark goes with the break (it stood inside the joined line)
        ("> 人生苦短，\n> 我用Python。\n\n以上是引用。", "> 人生苦短，我用Python。\n\n以上是引用。"),
        # a line that opens a quotation, or changes its depth, starts a block: not joined
        ("普通的一行，\n> 引用的一行。", "普通的一行，\n\n> 引用的一行。"),
        ("> 外层，\n>> 内层的话。", "> 外层，\n\n>> 内层的话。"),
        # a line without marks under a quotation's line goes on with it (lazy continuation)
        ("> 引用的一行，\n普通的一行。", "> 引用的一行，普通的一行。"),
    ],
)
def test_a_quotation_s_lines_are_joined_without_their_marks(name: str, text: str, expected: str) -> None:
    result = Pipeline(Config()).clean(text, id=name)
    assert result.text == expected
    assert Pipeline(Config()).clean(result.text, id=name).edits == []
