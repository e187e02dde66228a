"""Paragraph deduplication: exact and near copies, minimum lengths, scopes, keep-first, edits."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.config import DedupOptions
from cleaner.dedup import Deduplicator, Match, normalise_key
from cleaner.errors import ConfigError
from cleaner.model import Document, replay

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

# Real paragraphs of the sample corpus (001 is typed with half-width punctuation).
EDUCATION = "过去,渌口区是块相当的牌子,不少家长把孩子送到渌口读书,但随着周边地区的名校异军突起,渌口教育的地位、形象日趋弱化,重拾辉煌是大家共同的心愿。"  # noqa: E501
EDUCATION_WRAPPED = "过去,渌口区是块相当的牌子,\n不少家长把孩子送到渌口读书,\n但随着周边地区的名校异军突起,渌口\n教育的地位、形象日趋弱化,重拾辉煌\n是大家共同的心愿。"  # noqa: E501
DIGITAL = "数字化转型同样为产业发展注入新活力。全县培育了36名本土主播，“红薯妹”刘星等人通过电商累计销售额达6.7亿元。"
# 001 l.38 and l.54: they share the clause "落户渌口区,将有助于该区打造…专业园区" but differ.
FUND_1 = "今年7月,50亿元规模的湖南省制造业转型升级基金和10亿元规模的株洲财信高分子新材料产业基金,落户渌口区,将有助于该区打造国内具有核心竞争力和影响力的高分子新材料专业园区。"  # noqa: E501
FUND_2 = "去年12月,总投资50亿元的株洲时代新材料科技股份有限公司高性能聚酰亚胺薄膜项目落户渌口区,将有助于该区打造国内具有核心竞争力和影响力的高分子新材料专业园区。"  # noqa: E501
OTHER = "近年来,渌口区始终坚持“把最好的资源留给人民”,每年公共预算支出70%以上投向民生,倾力解决,全力完善。"


def doc(id: str, *paragraphs: str, path: str | None = None) -> Document:
    return Document.from_paragraphs(id, paragraphs, {"path": path} if path else None)


def run(dedup: Deduplicator, document: Document) -> tuple[Document | None, list]:
    out, edits = dedup.process(document)
    expected = "" if out is None else out.text
    assert replay(document.text, edits) == expected
    return out, edits


def removals(edits):
    return [e for e in edits if e.rule in ("exact", "near")]


# -- keys ------------------------------------------------------------------------------------


def test_key_folds_punctuation_width_and_wrapping():
    assert normalise_key("教育是民生之基，牵动着千家万户。") == normalise_key("教育是民生之基,牵动着千家万户.")
    assert normalise_key(EDUCATION_WRAPPED) == normalise_key(EDUCATION)
    assert normalise_key("（本版图片由 渌口区委宣传部 提供）") == "(本版图片由渌口区委宣传部提供)"
    assert normalise_key("ＡＢＣ１２３") == "ABC123"


def test_key_leaves_out_a_heading_mark_only():
    """A heading is a copy of the same text without its mark (layout strips marks one by one)."""
    assert normalise_key("### 科技创新，引领传统农业转型升级") == normalise_key("科技创新，引领传统农业转型升级")
    assert normalise_key("#科技创新") != normalise_key("科技创新")  # no space: not a heading mark


def test_key_keeps_different_text_different():
    assert normalise_key("2023年增长5%") != normalise_key("2024年增长5%")
    assert normalise_key("渌口") != normalise_key("淥口")  # variants are the variants stage's business


# -- exact -----------------------------------------------------------------------------------


def test_exact_copy_in_a_later_document_is_removed_with_its_record():
    dedup = Deduplicator()
    first = doc("a.txt", "观察", EDUCATION, OTHER)
    out, edits = run(dedup, first)
    assert out.text == first.text and edits == []
    second = doc("b.txt", "前言", EDUCATION, FUND_1)
    out, edits = run(dedup, second)
    assert out.paragraphs == ["前言", FUND_1]
    [edit] = edits
    assert (edit.stage, edit.rule, edit.para, edit.after) == ("dedup", "exact", 1, "")
    assert edit.before == EDUCATION + "\n\n"
    assert edit.detail == {"kept": {"doc": "a.txt", "para": 1, "similarity": 1.0}, "removed_para": 1}
    assert dedup.stats["exact"] == 1


def test_punctuation_width_variant_and_rewrapped_copy_are_exact_duplicates():
    dedup = Deduplicator()
    run(dedup, doc("a.txt", DIGITAL, EDUCATION))
    half_width = DIGITAL.replace("，", ",").replace("。", ".")
    out, edits = run(dedup, doc("b.txt", half_width, FUND_1, EDUCATION_WRAPPED))
    assert out.paragraphs == [FUND_1]
    assert [(e.rule, e.detail["removed_para"], e.detail["kept"]["para"]) for e in edits] == [
        ("exact", 0, 0),
        ("exact", 2, 1),
    ]


def test_repeats_inside_one_document_keep_the_first():
    # 001: the education block appears four times on the page.
    dedup = Deduplicator()
    document = doc("001.txt", EDUCATION, OTHER, EDUCATION_WRAPPED, FUND_1, EDUCATION)
    out, edits = run(dedup, document)
    assert out.paragraphs == [EDUCATION, OTHER, FUND_1]
    assert [e.detail["removed_para"] for e in edits] == [2, 4]
    assert all(e.detail["kept"] == {"doc": "001.txt", "para": 0, "similarity": 1.0} for e in edits)


# -- near ------------------------------------------------------------------------------------


def test_near_copy_is_removed_and_names_its_similarity():
    dedup = Deduplicator()
    run(dedup, doc("a.txt", FUND_1))
    ocr_copy = FUND_1.replace("渌口区", "涪口区").replace("制造业", "制迼业")
    out, edits = run(dedup, doc("b.txt", OTHER, ocr_copy))
    assert out.paragraphs == [OTHER]
    [edit] = edits
    assert edit.rule == "near"
    similarity = edit.detail["kept"]["similarity"]
    assert dedup.options.threshold <= similarity < 1.0
    assert edit.detail["kept"]["doc"] == "a.txt"


def test_paragraph_sharing_a_long_clause_is_kept():
    dedup = Deduplicator()
    run(dedup, doc("001.txt", FUND_1))
    out, edits = run(dedup, doc("002.txt", FUND_2))
    assert edits == [] and out.paragraphs == [FUND_2]
    only_first = Deduplicator()
    only_first.add(FUND_1)
    assert only_first.is_duplicate(FUND_2) is None


def test_near_duplicates_need_the_minimum_length():
    short = "渌口区教育事业发展迅速势头良好。"  # 15 characters: only exact copies are removed
    dedup = Deduplicator()
    run(dedup, doc("a.txt", short))
    _, edits = run(dedup, doc("b.txt", short.replace("良好", "很好"), OTHER))
    assert edits == []
    _, edits = run(dedup, doc("c.txt", short.replace("。", "."), FUND_1))
    assert [e.rule for e in edits] == ["exact"]


@pytest.mark.parametrize(
    "short", ["一、基本情况", "观察", "“青春渌口 创业新城”", "……", "(本版图片由渌口区委宣传部提供)"[:9]]
)
def test_short_repeats_are_kept_within_and_across_documents(short):
    dedup = Deduplicator()
    out, edits = run(dedup, doc("a.txt", short, OTHER, short))
    assert edits == [] and out.paragraphs == [short, OTHER, short]
    out, edits = run(dedup, doc("b.txt", short, FUND_1))
    assert edits == []


@pytest.mark.parametrize(
    "caption",
    [
        "(本版图片由渌口区委宣传部提供)",  # seeds 002
        "（本版图片均由何梅英摄）",
        "▲ 图为滨江公园技术人员为老人义诊。 谢敏阳 摄",
        "渌口区融媒体中心 供图",
    ],
)
def test_picture_captions_and_credits_recur_and_are_kept(caption):
    """A credit line is printed on every page with a picture: like a heading, it recurs."""
    dedup = Deduplicator()
    run(dedup, doc("a.txt", OTHER, caption, FUND_1))
    out, edits = run(dedup, doc("b.txt", EDUCATION, caption))
    assert edits == [] and out.paragraphs == [EDUCATION, caption]


# Song poems as a collection sets them (title, author line, verse); the poems are in the public
# domain. A file of quotations comes first and quotes famous lines alone.
LU_YOU = "作者：陆游（1125－1210）"
SHI_ER = ["死去元知万事空，但悲不见九州同。", "王师北定中原日，家祭无忘告乃翁。"]
YOU_SHAN = ["莫笑农家腊酒浑，丰年留客足鸡豚。", "山重水复疑无路，柳暗花明又一村。"]
QUOTED = "人生自古谁无死，留取丹心照汗青。"


@pytest.mark.parametrize("label", [LU_YOU, "来源：新华社"])
def test_a_label_with_its_value_recurs_and_is_kept(label):
    """The same author over two poems, the same source over two articles: a field's value recurs."""
    dedup = Deduplicator()
    run(dedup, doc("a.txt", "《示儿》", label, *SHI_ER))
    out, edits = run(dedup, doc("b.txt", "《游山西村》", label, *YOU_SHAN))
    assert edits == [] and out.paragraphs == ["《游山西村》", label, *YOU_SHAN]


@pytest.mark.parametrize(
    "attribution",
    ["-- 王小明（Xiaoming Wang），《软件发布手册》（第 2 版）", "——鲁迅《呐喊·自序》"],
)
def test_a_quotations_attribution_recurs_and_is_kept(attribution):
    """A file of quotations puts the same attribution under every quotation from one book."""
    dedup = Deduplicator()
    run(dedup, doc("a.txt", OTHER, attribution))
    out, edits = run(dedup, doc("b.txt", EDUCATION, attribution))
    assert edits == [] and out.paragraphs == [EDUCATION, attribution]


# Headings of the accuracy harness's gold text (KiCad 6.0 manual, GPL-3+/CC-BY-3.0+; LibreOffice
# 7.4 help, MPL-2.0), each printed twice in its source: in the contents and over its section, or
# over two sections.
@pytest.mark.parametrize("heading", ["2. 安装和升级KiCad", "指定预定义的边框样式"])
def test_a_repeated_heading_is_kept(heading):
    dedup = Deduplicator()
    out, edits = run(dedup, doc("a.txt", heading, OTHER, heading, FUND_1))
    assert edits == [] and out.paragraphs == [heading, OTHER, heading, FUND_1]
    out, edits = run(dedup, doc("b.txt", heading, EDUCATION))
    assert edits == [] and out.paragraphs == [heading, EDUCATION]


def test_a_heading_goes_with_the_copied_run_it_heads():
    """A copied article: its heading and its text after it are copies of a heading and the text
    after it. And a paragraph layout left cut at the same place in both copies: the first piece
    has no punctuation, but the piece after it copies the piece after its original."""
    heading = "指定预定义的边框样式"
    dedup = Deduplicator()
    run(dedup, doc("a.txt", OTHER, heading, FUND_1))
    out, edits = run(dedup, doc("b.txt", EDUCATION, heading, FUND_1))
    assert [e.rule for e in edits] == ["exact", "exact"] and out.paragraphs == [EDUCATION]
    cut = ["参加今天走访的还有国务院办公", "厅、民政部和北京市有关负责人。"]  # People's Daily 1998, cut by OCR
    dedup = Deduplicator()
    run(dedup, doc("a.txt", OTHER, *cut))
    out, edits = run(dedup, doc("b.txt", EDUCATION, *cut))
    assert [e.rule for e in edits] == ["exact", "exact"] and out.paragraphs == [EDUCATION]


def test_heading_max_length_zero_removes_repeated_headings():
    dedup = Deduplicator(DedupOptions(heading_max_length=0))
    out, edits = run(dedup, doc("a.txt", "指定预定义的边框样式", OTHER, "指定预定义的边框样式"))
    assert [e.rule for e in edits] == ["exact"] and out.paragraphs == ["指定预定义的边框样式", OTHER]
    with pytest.raises(ConfigError, match="heading_max_length"):
        Deduplicator(DedupOptions(heading_max_length=-1))


def test_a_dash_led_sentence_is_no_attribution():
    line = "——完善机制脱贫攻坚成果同巩固监测机制，健全防疫输入防控策略，全区一例返贫；"  # 001
    dedup = Deduplicator()
    run(dedup, doc("a.txt", OTHER, line))
    out, edits = run(dedup, doc("b.txt", EDUCATION, line))
    assert [e.rule for e in edits] == ["exact"] and out.paragraphs == [EDUCATION]


def test_a_famous_line_quoted_first_stays_in_its_poem():
    dedup = Deduplicator()
    run(dedup, doc("quotes.txt", OTHER, YOU_SHAN[1], FUND_1))
    out, edits = run(dedup, doc("poems.txt", "《游山西村》", LU_YOU, *YOU_SHAN, "箫鼓追随春社近，衣冠简朴古风存。"))
    assert edits == [] and YOU_SHAN[1] in out.paragraphs


def test_a_poem_copied_whole_still_goes_and_a_lone_verse_line_too():
    dedup = Deduplicator()
    run(dedup, doc("a.txt", "《示儿》", *SHI_ER, QUOTED))
    out, edits = run(dedup, doc("b.txt", OTHER, *SHI_ER, FUND_1, QUOTED, EDUCATION))
    assert [e.rule for e in edits] == ["exact", "exact", "exact"]
    assert out.paragraphs == [OTHER, FUND_1, EDUCATION]


def test_a_caption_inside_a_copied_paragraph_does_not_save_the_copy():
    dedup = Deduplicator()
    run(dedup, doc("a.txt", OTHER, FUND_1))
    out, edits = run(dedup, doc("b.txt", EDUCATION, FUND_1 + "（本版图片由渌口区委宣传部提供）"))
    assert [e.rule for e in edits] == ["near"] and out.paragraphs == [EDUCATION]


def test_minimum_length_counts_letters_digits_and_ideographs_only():
    dedup = Deduplicator(DedupOptions(min_length=4))
    run(dedup, doc("a.txt", "基本情况。", OTHER))
    assert [e.rule for e in run(dedup, doc("b.txt", "基本情况。", FUND_1))[1]] == ["exact"]  # 4 ≥ 4
    dedup = Deduplicator(DedupOptions(min_length=5))
    run(dedup, doc("a.txt", "“基本情况”", OTHER))  # 4 ideographs and 2 quotes
    assert run(dedup, doc("b.txt", "“基本情况”", FUND_1))[1] == []


# -- scopes and order ------------------------------------------------------------------------


def test_scope_file_compares_only_within_one_file():
    dedup = Deduplicator(DedupOptions(scope="file"))
    assert run(dedup, doc("a.txt", EDUCATION, OTHER, EDUCATION))[0].paragraphs == [EDUCATION, OTHER]
    out, edits = run(dedup, doc("b.txt", EDUCATION, FUND_1))
    assert edits == [] and out.paragraphs == [EDUCATION, FUND_1]


def test_scope_file_shares_the_index_between_records_of_one_json_lines_file():
    dedup = Deduplicator(DedupOptions(scope="file"))
    run(dedup, doc("a.jsonl:1", EDUCATION, OTHER, path="a.jsonl"))
    out, edits = run(dedup, doc("a.jsonl:2", EDUCATION, FUND_1, path="a.jsonl"))
    assert out.paragraphs == [FUND_1]
    assert edits[0].detail["kept"] == {"doc": "a.jsonl:1", "para": 0, "similarity": 1.0}
    out, edits = run(dedup, doc("b.jsonl:1", EDUCATION, FUND_1, path="b.jsonl"))
    assert edits == []


def test_scope_corpus_compares_across_files_and_off_does_nothing():
    dedup = Deduplicator(DedupOptions(scope="corpus"))
    run(dedup, doc("a.txt", EDUCATION, OTHER))
    assert run(dedup, doc("b.txt", FUND_1, EDUCATION))[0].paragraphs == [FUND_1]
    dedup = Deduplicator(DedupOptions(scope="off"))
    run(dedup, doc("a.txt", EDUCATION, EDUCATION))
    assert run(dedup, doc("b.txt", EDUCATION))[1] == []


@pytest.mark.parametrize("order", list(itertools.permutations(["a.txt", "b.txt", "c.txt"])))
def test_the_first_document_processed_keeps_the_paragraph(order):
    texts = {
        "a.txt": (EDUCATION, OTHER),
        "b.txt": (FUND_1, EDUCATION_WRAPPED),
        "c.txt": (EDUCATION.replace(",", "，"), DIGITAL),
    }
    dedup = Deduplicator()
    kept_in = []
    for name in order:
        _, edits = run(dedup, doc(name, *texts[name]))
        if not edits:
            kept_in.append(name)
        else:
            assert edits[0].detail["kept"]["doc"] == order[0]
    assert kept_in == [order[0]]


# -- edits -----------------------------------------------------------------------------------


paragraph_pool = st.sampled_from([EDUCATION, OTHER, FUND_1, FUND_2, DIGITAL, "观察", "一、基本情况", EDUCATION_WRAPPED])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(paragraph_pool, min_size=0, max_size=7), min_size=1, max_size=4))
def test_edits_replay_and_output_is_canonical(documents):
    dedup = Deduplicator()
    seen: set[str] = set()
    for number, paragraphs in enumerate(documents):
        document = doc(f"{number}.txt", *paragraphs)
        out, _ = run(dedup, document)
        assert not out.text.startswith("\n") and not out.text.endswith("\n") and "\n\n\n" not in out.text
        expected = []
        for p in paragraphs:
            key = normalise_key(p)
            if len(key) >= 10 and key in seen:
                continue
            seen.add(key)
            expected.append(p)
        assert out.paragraphs == expected
        # Idempotent: a fresh pass over the output finds nothing more.
        assert Deduplicator().process(out)[1] == []


def test_removing_the_last_paragraphs_takes_the_separator_before_them():
    dedup = Deduplicator()
    run(dedup, doc("a.txt", EDUCATION, OTHER))
    out, edits = run(dedup, doc("b.txt", FUND_1, OTHER, EDUCATION))
    assert out.text == FUND_1
    assert [e.before for e in edits] == ["\n\n" + OTHER, "\n\n" + EDUCATION]
    out, edits = run(dedup, doc("c.txt", EDUCATION, OTHER, "观察"))
    assert out.text == "观察"


def test_process_all_equals_process_one_by_one():
    documents = [doc(f"{n:02d}.txt", *ps) for n, ps in enumerate(_corpus(40))]
    one = Deduplicator()
    expected = [one.process(d) for d in documents]
    batched = Deduplicator()
    batched.batch_paragraphs = 7
    assert list(batched.process_all(documents)) == expected
    # Counts agree, except the index lookups (a batch finds copies inside itself without them).
    del batched.stats["candidates"], one.stats["candidates"]
    assert batched.stats == one.stats


def _corpus(count: int) -> list[list[str]]:
    import random

    rng = random.Random(3)
    pool = [EDUCATION, OTHER, FUND_1, FUND_2, DIGITAL, "观察", FUND_1.replace("渌口区", "涪口区")]
    return [[rng.choice(pool) for _ in range(rng.randint(0, 5))] for _ in range(count)]


# -- duplicate documents ---------------------------------------------------------------------


def test_duplicate_document_is_reported_and_its_paragraphs_removed():
    dedup = Deduplicator()
    run(dedup, doc("a.txt", "观察", EDUCATION, OTHER, FUND_1))
    out, edits = run(dedup, doc("b.txt", "观察", EDUCATION, OTHER, FUND_1))
    assert out.paragraphs == ["观察"]
    report = edits[0]
    assert (report.rule, report.start, report.end, report.before, report.after) == (
        "near_duplicate_document",
        0,
        0,
        "",
        "",
    )
    assert report.detail == {"kept": {"doc": "a.txt", "similarity": 1.0}, "paragraphs": 4, "event": "reported"}
    assert dedup.stats["near_duplicate_documents"] == 1


def test_duplicate_document_is_dropped_with_the_option():
    dedup = Deduplicator(DedupOptions(drop_duplicate_documents=True))
    run(dedup, doc("a.txt", EDUCATION, OTHER, FUND_1))
    copy = doc("b.txt", EDUCATION_WRAPPED, OTHER, FUND_1.replace("渌口区", "涪口区"))
    out, edits = run(dedup, copy)
    assert out is None
    [edit] = edits
    assert (edit.rule, edit.start, edit.end, edit.before) == ("duplicate_document", 0, len(copy.text), copy.text)
    assert edit.detail["kept"]["doc"] == "a.txt"
    # Nothing of a dropped document is indexed: a later copy still names a.txt.
    out, edits = run(dedup, doc("c.txt", FUND_2, EDUCATION))
    assert edits[0].detail["kept"]["doc"] == "a.txt"


def test_a_document_sharing_less_than_the_ratio_is_not_a_duplicate():
    dedup = Deduplicator(DedupOptions(drop_duplicate_documents=True))
    run(dedup, doc("a.txt", EDUCATION, OTHER))
    out, edits = run(dedup, doc("b.txt", EDUCATION, OTHER, FUND_1))
    assert out.paragraphs == [FUND_1]
    assert {e.rule for e in edits} == {"exact"}


# -- library use -----------------------------------------------------------------------------


def test_add_and_is_duplicate_for_incremental_checks():
    dedup = Deduplicator()
    assert dedup.add(Document("corpus/a.txt", f"{EDUCATION}\n\n{OTHER}")) == 2
    assert dedup.add(FUND_1, id="note") == 1
    assert dedup.is_duplicate(EDUCATION_WRAPPED) == Match("exact", "corpus/a.txt", 0, 1.0)
    near = dedup.is_duplicate(FUND_1.replace("湖南省", "湖南"))
    assert near is not None and near.rule == "near" and near.doc == "note"
    assert dedup.is_duplicate(FUND_2) is None
    assert dedup.is_duplicate("观察") is None
    assert len(dedup) == 3  # is_duplicate indexes nothing


def test_invalid_options_are_config_errors():
    with pytest.raises(ConfigError, match="bands"):
        Deduplicator(DedupOptions(bands=30, rows=5))
    with pytest.raises(ConfigError, match="threshold"):
        Deduplicator(DedupOptions(threshold=1.5))
    with pytest.raises(ConfigError, match="rows must be at least 1"):
        Deduplicator(DedupOptions(rows=0))
    with pytest.raises(ConfigError, match="duplicate_document_ratio"):
        Deduplicator(DedupOptions(duplicate_document_ratio=0))


def test_options_come_from_a_config_file(tmp_path):
    from cleaner.config import load_config

    path = tmp_path / "cleaner.yaml"
    path.write_text("dedup:\n  scope: file\n  threshold: 0.8\n  min_length: 6\n", encoding="utf-8")
    options = load_config(path).dedup
    assert (options.scope, options.threshold, options.min_length) == ("file", 0.8, 6)
    assert Deduplicator(options).options.threshold == 0.8
