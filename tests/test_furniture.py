"""Page furniture and OCR debris (cleaner/furniture.py) and what the layout stage does with them."""

from __future__ import annotations

from pathlib import Path

import pytest

from cleaner import furniture
from cleaner.config import Config, LayoutOptions
from cleaner.model import Document, replay
from cleaner.pipeline import Pipeline
from cleaner.stages import layout


@pytest.mark.parametrize("line", ["- 12 -", "— 3 —", "~ 7 ~", "第 3 页", "第3版", "Page 4", "Page 4 of 9", "4/9"])
def test_page_number_forms(line):
    assert furniture.page_number(line)


@pytest.mark.parametrize(
    "line",
    # Short real lines of the sample pages and of ordinary text: never furniture.
    [
        "荣誉榜",
        "(摘选)",
        "·渌口篇",
        "前言",
        "观察",
        "1.",
        "2023年",
        "12",
        "第三版",
        "……",
        "***",
        "---",
        "。”",
        "……”",
        "～！”",
        "～”",
        "...",
    ],
)
def test_short_real_lines_are_not_furniture_or_debris(line):
    assert not furniture.page_number(line)
    assert not furniture.debris(line)
    assert furniture.find([line]) == {}


@pytest.mark.parametrize("line", ["~--", "|=", "-_-", "+ ~", ". ,", "'`", "· ."])
def test_specks_read_as_symbols_are_debris(line):
    assert furniture.debris(line)


def test_running_heads_recur_or_fit_the_page_numbers():
    lines = ["正文一。", "要闻  12", "正文二。", "13  经济周刊", "正文三。", "- 14 -", "正文四。", "要闻  15"]
    found = furniture.find(lines)
    assert found == {1: "running_head", 3: "running_head", 5: "page_number", 7: "running_head"}
    # A label with a number that neither recurs nor fits any page number is left alone.
    assert furniture.find(["正文。", "第一名  95", "正文。"]) == {}


# A page's worth of running text: furniture stands a page apart (furniture.MIN_PAGE_LINES), and
# bare numbers or labels closer together are a table's cells.
BODY = [
    "周瑞家的听说，便转身回来，",
    "又问智能儿几时来的，",
    "她师父往那里去了，",
    "智能儿说一早就来了，",
    "师父见过太太以后，",
    "就往于老爷府里去了，",
    "叫她在这里等着，",
    "周瑞家的又问道，",
    "十五的月例香供银子，",
    "可曾得了没有，",
]


def test_bare_numbers_are_page_numbers_only_when_they_count_up_a_page_apart():
    lines = ["甲。", *BODY, "12", "乙。", *BODY, "13", "丙。", *BODY, "14"]
    numbers = [i for i, line in enumerate(lines) if line.isdigit()]
    assert furniture.find(lines) == dict.fromkeys(numbers, "page_number")
    assert furniture.find([line if line != "13" else "3" for line in lines]) == {}
    assert furniture.find(["甲。", "12", "乙。"]) == {}
    # A table set one cell to a line (the Debian installation guide's RAID levels): no pages.
    table = ["RAID1", "2", "可选", "是", "RAID5", "3", "可选", "是", "RAID6", "4", "可选", "是"]
    assert furniture.find(["下表列出各级 RAID 的要求：", *table, "如您所见，各级各有长处。"]) == {}


TEXT = "渌口区大力推动农村人居环境整治，果田\n\n- 12 -\n\n龙潭、三旺等乡村获评省级美丽乡村示范村。"


def test_a_page_number_is_dropped_and_the_paragraph_it_cut_rejoined():
    document, edits = layout.repair(Document("t", TEXT), LayoutOptions())
    assert document.text == "渌口区大力推动农村人居环境整治，果田龙潭、三旺等乡村获评省级美丽乡村示范村。"
    assert [e.rule for e in edits if not e.is_event][:1] == ["drop_page_number"]
    assert edits[0].before == "- 12 -\n\n"
    assert replay(TEXT, edits) == document.text


def test_kept_furniture_stands_on_its_own_and_is_never_joined():
    document, edits = layout.repair(Document("t", TEXT), LayoutOptions(furniture="keep"))
    assert "- 12 -" in document.text.split("\n\n")
    assert not any(e.rule.startswith("drop_") for e in edits)


def test_debris_can_be_kept_or_dropped():
    text = "第一段。\n\n~--\n\n第二段。"
    dropped, _ = layout.repair(Document("t", text), LayoutOptions())
    kept, _ = layout.repair(Document("t", text), LayoutOptions(debris="keep"))
    assert dropped.text == "第一段。\n\n第二段。"
    assert kept.text == text


def test_options_from_a_config_and_the_pipeline_stays_idempotent():
    config = Config().with_options({"layout": {"furniture": "keep", "debris": "drop"}})
    assert (config.layout.furniture, config.layout.debris) == ("keep", "drop")
    pipeline = Pipeline(Config())
    once = pipeline.clean(TEXT + "\n\n~--").text
    assert [e for e in pipeline.clean(once).edits if not e.is_event] == []


@pytest.mark.parametrize(
    "line",
    [
        "一119一",
        "。一53一",
        "第61页 .",
        "- 7 -  。",
        "1998年1月8日 第9版",
        "1998年]月14日 第10版",
        # The OCR harness's pages (Tesseract 5.3.0, chi_sim): a dash read as 二, a closing quotation
        # mark or two marks after the label, a speck before it, the page's 1 read as ] or ?.
        "二53一",
        "第11页 “",
        "。第177 页",
        "1998年1月6日 第]版 ”.",
        "1998年1月9日 第?版",
    ],
)
def test_page_numbers_as_an_ocr_engine_reads_them(line):
    """Tesseract reads a dash beside a page number as 一 now and then, and a speck after it."""
    assert furniture.page_number(line)


def test_a_label_beside_page_numbers_is_a_running_head_and_bare_numbers_beside_it_are_pages():
    """Found in real Tesseract output of typeset pages: the book's title heads every page, with or
    without a number in a page-number form."""
    lines = [
        "又有十三众尼僧，",
        *BODY,
        "167",
        "",
        "红楼梦",
        "",
        "搭绣衣，众人",
        *BODY,
        "168",
        "",
        "红楼梦",
        "",
        "都笑了。",
    ]
    kinds = {"167": "page_number", "168": "page_number", "红楼梦": "running_head"}
    assert furniture.find(lines) == {i: kinds[line] for i, line in enumerate(lines) if line in kinds}
    text = "\n".join(lines)
    body = "".join(BODY)
    assert Pipeline(Config().with_options({"dedup": {"enabled": False}})).clean(text).text == (
        f"又有十三众尼僧，{body}搭绣衣，众人{body}都笑了。"
    )


def test_a_long_footer_beside_every_page_number_is_a_running_head():
    """pdftotext of LinuxCNC's Getting Started guide (linuxcnc-doc-zh-cn 2.9.0, GPL-2+): the
    guide's title, version and date foot every page over its number. A footer that is no short
    label is one when it stands beside page numbers in their forms and nowhere else; the same
    sentence elsewhere in the text keeps it (and a sentence beside one page number is text)."""
    footer = "Getting Started V2.9.0~pre1+git20230208.f1270d6ed7, 28 Jun 2026"
    pages = [
        ["LinuxCNC requires a kernel modified for realtime use to control real machine hardware. It can,"],
        ["If you see (as above) -rt- in the kernel name then you are running the preempt-rt kernel and should"],
        ["RTAI has been the mainstay of LinuxCNC distributions for many years. It will generally give the"],
    ]
    lines = []
    for number, page in enumerate(pages, 5):
        lines += [*page, *BODY, "", footer, "", f"{number} / 55", ""]
    found = furniture.find(lines)
    assert {lines[i] for i in found} == {footer, "5 / 55", "6 / 55", "7 / 55"}
    assert sum(kind == "running_head" for kind in found.values()) == 3
    quoted = [*lines, "The manual's footer reads:", footer, "and nothing else."]
    assert footer not in {quoted[i] for i in furniture.find(quoted)}
    once = [*BODY, "", "Verify md5sum on Windows or Mac", "", "5 / 55", "", *BODY, "", "6 / 55", "", *BODY]
    assert furniture.find(once) == {i: "page_number" for i, line in enumerate(once) if line.endswith("/ 55")}


def test_roman_page_numbers_of_a_front_matter_count_up_like_page_numbers():
    """pdftotext of LinuxCNC's manual (linuxcnc-doc-zh-cn 2.9.0, GPL-2+): its table of contents is
    numbered x, xi, xii… under a footer; the footer, the numbers and the chapter line under them
    were joined into one paragraph (``…28 Jun 2026 xix 6 Hardware Drivers 322``). Upper-case
    numerals and numerals that do not count up a page apart are left alone."""
    footer = "LinuxCNC V2.9.0~pre1+git20230208.f1270d6ed7, 28 Jun 2026"
    lines = []
    for number in ("x", "xi", "xii", "xiii"):
        lines += [*BODY, "", footer, "", number, ""]
    lines += ["6 Hardware Drivers", "", "322"]
    found = furniture.find(lines)
    assert {lines[i] for i, kind in found.items() if kind == "page_number"} == {"x", "xi", "xii", "xiii"}
    assert {lines[i] for i, kind in found.items() if kind == "running_head"} == {footer}
    upper = [line.upper() if line in ("x", "xi", "xii", "xiii") else line for line in lines]
    assert not {upper[i] for i in furniture.find(upper)} & {"X", "XI", "XII", "XIII"}
    items = ["i", "第一条。", "ii", "第二条。", "iii", "第三条。"]
    assert furniture.find(items) == {}


def test_a_heading_that_recurs_away_from_page_numbers_is_not_a_running_head():
    lines = ["相关链接", "第一段正文。", "- 3 -", "第二段正文。", "相关链接", "第三段正文。", "相关链接", "第四段。"]
    assert furniture.find(lines) == {2: "page_number"}


def test_a_label_with_spaces_inside_recurs_as_a_running_head():
    lines = ["KiCad 用户手册          45", "正文。", "KiCad 用户手册          46", "正文。"]
    assert furniture.find(lines) == {0: "running_head", 2: "running_head"}


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        # Real Tesseract output: a speck after a finished sentence no longer joins two paragraphs.
        (
            "走路一定要注意安全。”   .\n\n被救少年父子俩这才依依不舍地告别了张晓伟。",
            "走路一定要注意安全。”\n\n被救少年父子俩这才依依不舍地告别了张晓伟。",
        ),
        ("高的水花。          _\n\n正经过这里。", "高的水花。\n\n正经过这里。"),
        # Real Tesseract output (the page's blank right-hand side read as marks): after any Han text,
        # a gap of four columns and up to three specks end the line only as debris.
        ("后人望玉兴叹               ”\n寒风堵不住屋檐下", "后人望玉兴叹\n\n寒风堵不住屋檐下"),
        ("文本可以是多行的。              ，\n有两种方法", "文本可以是多行的。\n\n有两种方法"),
        ("关系    .           “\n\n库文件", "关系\n\n库文件"),
        # A lone letter, digit or character among the specks goes with them (Tesseract: "，    a",
        # "0   ，"); alone, with no mark, it may be a table's last column and stays.
        ("模拟类型的源参数。        ，    a\n\n所有模拟类型", "模拟类型的源参数。\n\n所有模拟类型"),
        ("文字与制表符的左侧对齐。         0   ，\n\n字符", "文字与制表符的左侧对齐。\n\n字符"),
        # A comma after a narrower gap at the end of a line with no clause mark before it (a label,
        # a heading, a line of verse): a speck, as Tesseract reads one after a short line (25 of 26
        # such lines of its readings of the OCR harness's pages); after clause marks, text, kept.
        ("项目名称   ，", "项目名称"),
        (
            ".      地址列表字段 ，\n选择要移动、删除或重命名的字段。",
            "地址列表字段\n\n选择要移动、删除或重命名的字段。",
        ),
        (
            "被欢乐和吉祥绽破的日子\n烟尘全撞净了 ，\n\n衣被全洗净了",
            "被欢乐和吉祥绽破的日子\n\n烟尘全撞净了\n\n衣被全洗净了",
        ),
        ("他走了很久，然后 ，\n终于到了。", "他走了很久，然后，终于到了。"),
        # Real Tesseract output: after a finished sentence, a gap of four columns and one letter,
        # bar or asterisk: a blob in the margin (``drop_margin_glyph``; no sentence goes on there).
        ("他刚到自己的路。         *\n他刚到自己的房门口。", "他刚到自己的路。\n\n他刚到自己的房门口。"),
        ("那时的月亮的影。     I\n\n他还在房外的院子里徘徊。", "那时的月亮的影。\n\n他还在房外的院子里徘徊。"),
        # A digit there may be a table's column: kept; a letter or digit (a table's column) or ASCII
        # text before the gap: kept.
        ("贾珍正吃酒取乐。     5", "贾珍正吃酒取乐。5"),
        ("苹果           3", "苹果 3"),
        ("合计：     3", "合计：3"),
        ("a = 1      ;", "a = 1 ;"),
        # Real Tesseract output: a speck in a first line's indent read as a closing quotation mark,
        # where no quotation is open (typesetting never starts a line with one); after an open
        # quotation it is that quotation's end, wrapped onto the line.
        (
            "描述模板的文件。\n\n”元数据由一个必需文件组成，可能包含可选文件。",
            "描述模板的文件。\n\n元数据由一个必需文件组成，可能包含可选文件。",
        ),
        ("如果输入相对路径。\n\n” 镜像Y轴：对于卓越文件。", "如果输入相对路径。\n\n镜像Y轴：对于卓越文件。"),
        ("他说：“我们走罢。\n”他们便走了。", "他说：“我们走罢。”他们便走了。"),
        # One space is gap enough, and a run of up to three marks is one speck.
        (
            "恢复与增长发挥了重要的作用。 .\n\n在谈到外国投资时说。",
            "恢复与增长发挥了重要的作用。\n\n在谈到外国投资时说。",
        ),
        ("这些鼓励措施使投资者获利匪浅。 .。，\n\n展望1998年。", "这些鼓励措施使投资者获利匪浅。\n\n展望1998年。"),
        # After a closing bracket one space is how Tesseract reads "）。": the full stop is the text's.
        ("这些基本项目是有意义) 。\n\n3.2.坐标。", "这些基本项目是有意义)。\n\n3.2.坐标。"),
        ("第一段说完了。\n\n。 输入页面的名称。", "第一段说完了。\n\n输入页面的名称。"),
        # The mark may be the sentence's own, wrapped onto the next line: kept (and joined).
        ("他一面走，一面说\n。 我们走", "他一面走，一面说。我们走"),
        # No gap, or not after a finished sentence: text, kept.
        ("他说：“好。”，我们走了。", "他说：“好。”，我们走了。"),
        ("数值为 3   .", "数值为 3 ."),
        ("他说完了。。。\n\n大家都笑了。", "他说完了……\n\n大家都笑了。"),  # an ellipsis of full stops, no gap
        # A comma right after a bare full stop is a speck; after "。”" the sentence may go on.
        ("群众极为反感。\n，这种拜年之风，造成了负面影响。", "群众极为反感。\n\n这种拜年之风，造成了负面影响。"),
        ("他说：“好。”\n，我们走了。", "他说：“好。”\n\n，我们走了。"),
        # A gap after the comma goes with it (the spacing stage would close it, and the next run
        # would then find the speck); after "。”" the comma stays, its gap closed.
        ("群众极为反感。\n, 这种拜年之风，造成了负面影响。", "群众极为反感。\n\n这种拜年之风，造成了负面影响。"),
        ("他说：“好。”\n, 我们走了。", "他说：“好。”\n\n，我们走了。"),
        # Indentation before the speck goes too (the spacing stage would remove it, and the next run
        # would then find the speck).
        (
            "群众极为反感。\n\u3000\u3000，这种拜年之风，造成了负面影响。",
            "群众极为反感。\n\n这种拜年之风，造成了负面影响。",
        ),
    ],
)
def test_ocr_specks_inside_lines_are_dropped_only_where_no_text_puts_a_mark(text, cleaned):
    result = Pipeline(Config()).clean(text)
    assert result.text == cleaned
    assert replay(text, result.edits) == result.text


def test_specks_are_kept_with_debris_keep():
    text = "走路一定要注意安全。”   .\n\n被救少年父子俩这才依依不舍地告别了张晓伟。"
    kept = Pipeline(Config().with_options({"layout": {"debris": "keep"}})).clean(text).text
    assert kept.startswith("走路一定要注意安全。” .")  # the speck stays (the spacing stage closes the gap)


def test_a_label_that_opens_the_document_and_stands_next_to_a_page_number_is_a_running_head():
    """Two pages: the head opens the first (no number above it) and follows the first page's number."""
    lines = ["红楼梦", "", "第七回", "", "周瑞家的拿了匣子，", *BODY, "142", "红楼梦", "", "走出房门。"]
    assert furniture.find(lines) == {0: "running_head", 15: "page_number", 16: "running_head"}
    # The same label also standing elsewhere (a heading of the text) is left alone everywhere.
    assert furniture.find([*lines, "", "红楼梦", "", "正文。"]) == {}


@pytest.mark.parametrize(
    "line", ["1998年1月8日", "1998年1月8日 星期四", "第9版面对五千元境界不相同", "本版责任编辑：王红"]
)
def test_a_date_alone_or_a_sentence_about_a_page_is_not_a_page_label(line):
    assert not furniture.page_number(line)


def test_a_running_head_is_found_through_its_ocr_misreadings():
    """Real Tesseract output of three newspaper pages: the paper's name over each page's label,
    read once as "和民日报" and once with specks around it; the case and spaces of a manual's name
    vary too."""
    lines = [
        "人民日报", "1998年1月8日 第9版", "正文第一段，", "还没有完。",
        "和民日报", "1998年1月8日 第10版", "正文第二段。",
        "“ 人民日报 。", "1998年1月8日 第11版", "正文第三段。",
    ]  # fmt: skip
    found = furniture.find(lines)
    assert [i for i, kind in found.items() if kind == "running_head"] == [0, 4, 7]
    assert [i for i, kind in found.items() if kind == "page_number"] == [1, 5, 8]
    manual = [
        "LibreOffice 帮助",
        "- 12 -",
        "正文。",
        "Libreoffice 帮助",
        "- 13 -",
        "正文。",
        "LibreoOffice 帮助",
        "- 14 -",
    ]
    assert {i for i, kind in furniture.find(manual).items() if kind == "running_head"} == {0, 3, 6}


def test_headings_one_character_apart_are_not_taken_for_misreadings_of_each_other():
    lines = ["第一章", "- 1 -", "正文。", "第二章", "- 2 -", "正文。", "第三章", "- 3 -", "正文。"]
    assert {kind for kind in furniture.find(lines).values()} == {"page_number"}


def test_headings_a_latin_letter_apart_are_two_labels_not_one_misread():
    """LibreOffice's help (the harness's technical gold, MPL-2.0): two headings that differ in one
    Latin letter, each once, each after a page break. Seen as often as each other, they name
    different things; a misreading is rarer than the label it misreads, or changes a Han character."""
    lines = ["标题", "输入图表的标题。", "- 12 -", "X轴标题", "输入X轴的标题。", "- 13 -", "Y轴标题", "输入Y轴的标题。"]
    assert furniture.find(lines) == {2: "page_number", 5: "page_number"}


def test_a_running_head_with_a_speck_in_its_gap_and_another_letter_case_is_still_one():
    """Real Tesseract output of a manual: "KiCad 用户手册" over every page, its number across a gap
    where a speck may sit, its case read differently on another page."""
    lines = ["KiCad 用户手册          。      90", "正文，", "Kicad 用户手册        91", "正文。"]
    assert furniture.find(lines) == {0: "running_head", 2: "running_head"}
    # The OCR harness's pages: a letter, a dash or quotation marks in the gap, a speck before the
    # label, a mark glued to the number.
    lines = [
        "KiCad 用户手册          “        -          o          176",
        "正文，",
        "。 Kicad 用户手册          ，           _          177“",
        "正文。",
    ]
    assert furniture.find(lines) == {0: "running_head", 2: "running_head"}


# Another page's text, for the second page and the text file (else dedup finds copies).
OTHER = [
    "那边屋里的丫头们，",
    "正在廊下说着闲话，",
    "看见有人进来，",
    "忙都站了起来，",
    "一个打起帘子，",
    "一个端过茶来，",
    "又有人去回话，",
    "说外头来了客人，",
    "请姑娘们出去见见，",
    "大家听了这话，",
]


def _pages(first: list[str], second: list[str]) -> str:
    one, two = "\n".join(first), "\n".join(second)
    return f"又有十三众尼僧，\n{one}\n167\n\n红楼梦\n\n搭绣衣，众人\n{two}\n168\n\n红楼梦\n\n都笑了。"


PAGES = _pages(BODY, OTHER)


def _run(tmp_path, *options):
    import json

    from typer.testing import CliRunner

    from cleaner.cli import app, clean_app

    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir(parents=True, exist_ok=True)
    records = [{"id": 1, "text": PAGES}, {"id": 2, "text": "没有页码的一段文字。"}]
    (src / "pages.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    (src / "pages.txt").write_text(_pages(OTHER[::-1], BODY[::-1]).replace("众人", "大家"), encoding="utf-8")
    result = CliRunner().invoke(clean_app, [str(src), str(dst), "--no-config", *options])
    verified = CliRunner().invoke(app, ["verify", str(src), str(dst)])
    return result, verified, dst


def test_furniture_mark_lists_what_was_dropped_in_each_json_lines_record(tmp_path):
    import json

    result, verified, dst = _run(tmp_path, "--furniture", "mark")
    assert result.exit_code == 0, result.output
    assert verified.exit_code == 0, verified.output
    first, second = (json.loads(line) for line in (dst / "pages.jsonl").read_text("utf-8").splitlines())
    assert first["text"] == f"又有十三众尼僧，{''.join(BODY)}搭绣衣，众人{''.join(OTHER)}都笑了。"
    assert first["furniture"] == [
        {"kind": "page_number", "text": "167"},
        {"kind": "running_head", "text": "红楼梦"},
        {"kind": "page_number", "text": "168"},
        {"kind": "running_head", "text": "红楼梦"},
    ]
    assert second["furniture"] == []
    # A text file has no place for metadata: mark drops the lines as drop does (the audit record has them).
    text = f"又有十三众尼僧，{''.join(OTHER[::-1])}搭绣衣，大家{''.join(BODY[::-1])}都笑了。\n"
    assert (dst / "pages.txt").read_text("utf-8") == text


def test_furniture_and_debris_flags_choose_as_the_config_does(tmp_path):
    result, verified, dst = _run(tmp_path, "--furniture", "keep", "--debris", "keep", "--dedup", "off")
    assert result.exit_code == 0, result.output
    assert verified.exit_code == 0, verified.output
    kept = (dst / "pages.txt").read_text("utf-8")
    assert "167" in kept and "红楼梦" in kept
    bad, _, _ = _run(tmp_path / "other", "--furniture", "hide")
    assert bad.exit_code == 2
    assert "--furniture" in bad.output


def test_a_heading_beside_two_of_many_page_numbers_is_not_a_running_head():
    """The accuracy harness's LibreOffice help: the heading 编辑 fell right after two of a
    document's page breaks and nowhere else; a running head stands beside most page numbers."""
    lines = []
    for page in range(1, 7):
        lines += [f"第{page}页的正文，还没有完。", f"- {page} -"]
        if page in (2, 4):
            lines.append("编辑")
    found = furniture.find(lines)
    assert "编辑" not in {lines[i] for i in found}
    assert sum(kind == "page_number" for kind in found.values()) == 6
    heads = [line for page in range(1, 7) for line in (f"正文{page}，没完", f"- {page} -", "红楼梦")]
    assert sum(kind == "running_head" for kind in furniture.find(heads).values()) == 6


def test_the_shortcuts_pass_over_no_furniture_form():
    # A line the first-character shortcuts pass over matches none of the patterns they stand for.
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    lines = {line.strip() for path in seeds.glob("*.txt") for line in path.read_text(encoding="utf-8").split("\n")}
    forms = ["- 12 -", "一53一", "第3版", "Page 4", "p 4", "4/9", "12", "12 .", "~--", "``"]
    forms += ["要闻  12", "12  经济周刊", "我  12"]
    for line in sorted(lines) + forms:
        if not furniture._may_take_form(line):
            assert not furniture.page_number(line), line
            assert not (furniture._BARE_NUMBER.match(line) or furniture.debris(line)), line
        if not furniture._may_be_head(line):
            assert furniture._head(line) is None, line
    assert all(furniture._may_take_form(form) for form in forms[:9])
    assert furniture._may_be_head("要闻  12") and furniture._may_be_head("12  经济周刊")


def test_a_lone_character_read_in_a_running_heads_gap_is_a_speck():
    """Tesseract's reading of the OCR harness's KiCad pages (seed 2): the head's rule read as a lone
    character and a letter between the label and the number. A character inside the label, with
    single spaces around it, is part of the label."""
    lines = ["Kicad 用户手册                              四     e  17", "正文，", "KiCad 用户手册        18", "正文。"]
    assert furniture.find(lines) == {0: "running_head", 2: "running_head"}
    assert furniture._head("第 四 版  12") == ("第四版", 12)
