"""The spacing stage: meaningful spaces kept, noise removed, the CJK–Latin convention applied."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.config import SpacingOptions
from cleaner.model import Document, replay
from cleaner.stages import spacing

from .conftest import ROOT, canonical_seed

CASES = json.loads((Path(__file__).parent / "data" / "spacing_cases.json").read_text(encoding="utf-8"))
MODES = ("remove", "insert", "keep")
STAGES = {mode: spacing.make(SpacingOptions(cjk_latin=mode)) for mode in MODES}


def run(text: str, mode: str = "remove") -> tuple[str, list]:
    doc, edits = STAGES[mode](Document(id="t", text=text))
    return doc.text, edits


@pytest.mark.parametrize("case", CASES, ids=[c["note"] for c in CASES])
def test_cases(case: dict) -> None:
    out, edits = run(case["input"], case["mode"])
    assert out == case["expected"]
    assert replay(case["input"], edits) == out
    assert run(out, case["mode"])[1] == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "line",
    [
        "孙乾 刘艺锋 张咪",  # 000 l.30
        "（阳望春 吕伟铭 吴小艳 陆益平）",  # 000 l.128
        "提质发展 绘就精彩渌口",  # 002 l.13
        "“青春渌口 创业新城”",
        "渌口区城景。文禹 摄",  # 000 l.34
        "奋进新征程 建功新时代 非凡10年",  # 001 l.3
        "株洲日报全媒体记者邹敬文 通讯员刘晓欢 刘艺锋",  # 001 l.44
        "服务有温度 办事零距离",  # 004 l.61
        "(邓先治 陈长龙)",  # 004 l.109
    ],
)
def test_spaces_between_chinese_words_are_kept(mode: str, line: str) -> None:
    out, edits = run(line, mode)
    # ``insert`` spaces the digits of 非凡10年 (pangu); no space between Chinese words goes.
    assert out.split() == line.split() if mode != "insert" else out.replace(" 10 ", "10").split() == line.split()
    assert all(edit.rule == "cjk_latin_space" and edit.after == " " for edit in edits)


def test_rules_are_named() -> None:
    _, edits = run("  渌 口 区  人民政府。 同比增长 11.3%")
    # (The gap after 区 is inside the sentence once the letter spacing before it is closed.)
    assert [e.rule for e in edits] == ["indent", "letter_spacing", "han_space", "punct_space", "cjk_latin_space"]
    assert all(e.stage == "spacing" for e in edits)


def test_lines_are_judged_separately() -> None:
    # The heading line keeps its space, the prose line below loses its own.
    text = "2026 年工作安排\n全年地区生产总值增长 6%左右。"
    assert run(text)[0] == "2026 年工作安排\n全年地区生产总值增长6%左右。"


def test_running_text_definition() -> None:
    assert spacing.is_running_text("制造业税收同比增长 11.3%，税比提升至 29%。")
    assert not spacing.is_running_text("2026 年工作安排")
    assert not spacing.is_running_text("# 2026 年，再出发")


def test_seed_corpus_counts() -> None:
    """Remove mode changes exactly the 170 CJK–Latin spaces of 003 and nothing else in the seeds."""
    counts: Counter[tuple[str, str]] = Counter()
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        text = canonical_seed(path)
        out, edits = run(text)
        assert replay(text, edits) == out
        assert run(out)[1] == []
        counts.update((path.name[:3], e.rule) for e in edits)
        assert all(e.before.strip() == "" and e.after == "" for e in edits)
    assert counts == Counter({("003", "cjk_latin_space"): 170})
    # The one CJK–Latin space of 003 left alone is in its heading.
    assert "2026 年工作安排" in run(canonical_seed(ROOT / "seeds" / "003_f63b25ad495e4c38.txt"))[0]


_ALPHABET = list("渌口区孙乾刘艺锋，。、；：！？“”（）AbZ019% \t\n\u3000\u00a0#-*.")
_cjk_ascii = st.text(alphabet=st.sampled_from(_ALPHABET), max_size=60)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=80), _cjk_ascii), mode=st.sampled_from(MODES))
def test_idempotent_replayable_never_raises(text: str, mode: str) -> None:
    out, edits = run(text, mode)
    assert replay(text, edits) == out
    assert run(out, mode)[1] == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# ，标题", "# ，标题"),
        ("## 、㐀0", "## 、㐀0"),
        ("- ，项目", "- ，项目"),
        ("1. 、内容", "1. 、内容"),
        ("> ，引文", "> ，引文"),
        ("#   ，标题", "# ，标题"),  # a run of spaces still becomes one
        ("#，标题 。", "#，标题。"),  # no space after the mark: nothing to keep
    ],
)
def test_the_space_after_a_mark_opening_a_line_stays(mode: str, text: str, expected: str) -> None:
    """Without it ``# ，…`` is no heading, so the next run saw running text and changed it again."""
    if mode == "insert":
        expected = expected.replace("㐀0", "㐀 0")  # pangu style spaces headings too
    out, _ = run(text, mode)
    assert out == expected
    assert run(out, mode)[1] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-|好", "-| 好"),  # "- | 好" would be a list item
        ("*|好", "*| 好"),
        ("# A锚定“高分子”", "# A锚定“高分子”"),  # "A 锚定" would be a section letter
        ("- B区建设", "- B区建设"),
        ("A开头的case测试", "A 开头的 case 测试"),  # an unmarked line is spaced as pangu does
    ],
)
def test_insert_puts_no_space_that_changes_how_layout_reads_the_line(text: str, expected: str) -> None:
    out, _ = run(text, "insert")
    assert out == expected
    assert run(out, "insert")[1] == []


@pytest.mark.parametrize("text", ["㈀# （", "渌口#（注）", "渌口@ 区"])
def test_a_hash_or_at_sign_that_tags_nothing_gets_no_space(text: str) -> None:
    """``#`` or ``@`` before a space, a bracket or the end is not a hashtag or a mention: no space
    goes before it, before or after the space next to it is removed (found by the property below)."""
    out, _ = run(text, "insert")
    assert run(out, "insert")[1] == []
    assert "口 #" not in out and "口 @" not in out and "㈀ #" not in out


# Found by the property test above: a gap removed inside a sentence glues the character before it
# to the Han after, so the gap before that character no longer parts two one-character words; the
# first run must remove it too, as a second run would.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("㐀\u3000㐀 㐀一、", "㐀㐀㐀一、"),
        ("渌\u3000口 区一、", "渌口区一、"),
        ("渌一 口 区、", "渌一口区、"),  # ... and a gap removed before the first character glues it too
        ("渌 口，区 县。", "渌 口，区 县。"),  # two lone gaps between one-character words stay
    ],
)
def test_a_gap_glued_by_a_removal_beside_it_goes_in_the_same_run(text: str, expected: str) -> None:
    out, _ = run(text, "remove")
    assert out == expected
    assert run(out, "remove")[1] == []


@pytest.mark.parametrize("text", ["甲 乙 丙 丁一、", "㐀\u3000㐀 㐀 一一、"])
def test_letter_spacing_does_not_make_a_line_read_as_spaced_word_by_word(text: str) -> None:
    """The gaps letter spacing closes in this run do not count toward a line written word by word
    (``如果 没有 参数``): with them, the gap after the spaced letters was kept, and a second run
    (with them closed) removed it."""
    out, _ = run(text, "remove")
    assert " " not in out and "\u3000" not in out
    assert run(out, "remove")[1] == []


_TABLE = (
    "软件包      流行度      大小      说明\n"
    "apt         V:868      1.4M      高级软件包工具\n"
    "aptitude    V:70       4.3M      基于文本界面的软件包管理器"
)


def test_the_columns_of_a_table_set_in_spaces_are_kept() -> None:
    """A table of a system manual set in columns of spaces (written for this test, in the form
    Debian's manuals give their package tables): its gaps part cells, not words, and keep the
    columns. One line spaced so on its own is an OCR engine's running head, and closes up."""
    out, edits = run(_TABLE)
    assert out == _TABLE and edits == []
    head = "Kicad 用户手册                              四     e  17\n不同的区域，可以按照需要修改。"
    assert run(head)[0].startswith("Kicad 用户手册 四 e 17\n")


def test_a_table_set_in_spaces_keeps_its_rows_through_the_pipeline() -> None:
    """The rows were made paragraphs by layout, closed up by spacing and then joined by layout's
    next round into one line (``…高级软件包工具aptitude V:70…``)."""
    from cleaner.config import Config
    from cleaner.pipeline import Pipeline

    text = f"表 1.3. 常用的软件包管理工具\n\n{_TABLE}\n\n注意"
    result = Pipeline(Config()).clean(text)
    assert _TABLE in result.text
    assert Pipeline(Config()).clean(result.text).text == result.text


def test_the_cells_of_a_table_drawn_with_borders_keep_their_padding() -> None:
    """A text dump's table (written for this test): rows between rules keep their cells' width."""
    table = "│软件包    │流行度  │说明      │\n├──────────┼────────┼──────────┤\n│dpkg      │V:930   │底层工具  │"
    assert run(table) == (table, [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A command quoted in a manual's text keeps its spaces (written for this test).
        ("或者运行“apt-get install 软件包名”。", "或者运行“apt-get install 软件包名”。"),
        ("用「sudo dpkg -i 文件名」安装。", "用「sudo dpkg -i 文件名」安装。"),
        # ... but a quotation that is no command follows the rule as before.
        ("他说“你好 world”。", "他说“你好world”。"),
        ("他说“hello 世界”。", "他说“hello世界”。"),
    ],
)
def test_a_quoted_command_keeps_its_spaces(text: str, expected: str) -> None:
    assert run(text)[0] == expected
