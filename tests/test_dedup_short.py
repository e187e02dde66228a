"""Short near copies (rule ``short_near``): a character or two changed in 20–45 characters.

The sentences are from the sample corpus (003); the list items are made like the ones news text is
full of (``一是…``, ``二是…``).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.config import DedupOptions, load_config
from cleaner.dedup import Deduplicator, normalise_key
from cleaner.dedup.keys import paragraph_keys
from cleaner.dedup.short import edit_steps, index_segments, query_segments, short_near_edits
from cleaner.errors import ConfigError
from cleaner.model import Document, replay

POVERTY = "持续巩固拓展脱贫攻坚成果，守牢不发生规模性返贫致贫底线。"
REVIEW = "各位代表，2025年各项工作任务顺利完成，为“十四五”收官画上了圆满句号。"
GROWTH = "2025年，全区地区生产总值增长5.6%，规模工业增加值增长8.1%。"
ITEM = "一是加快推进产业转型升级，打造高分子新材料产业集群。"
LONG = "近年来,渌口区始终坚持“把最好的资源留给人民”,每年公共预算支出70%以上投向民生,倾力解决,全力完善。"


def doc(id: str, *paragraphs: str) -> Document:
    return Document.from_paragraphs(id, paragraphs)


def run(dedup: Deduplicator, document: Document):
    out, edits = dedup.process(document)
    assert replay(document.text, edits) == out.text
    return out, edits


def copies(original: str, copy: str, options: DedupOptions | None = None) -> list:
    """The removals when ``copy`` follows ``original`` in a later document."""
    dedup = Deduplicator(options)
    run(dedup, doc("a.txt", original, LONG))
    return [e for e in run(dedup, doc("b.txt", copy))[1] if e.rule != "near_duplicate_document"]


@pytest.mark.parametrize(
    ("copy", "edits"),
    [
        (POVERTY.replace("巩固", "巩近"), 1),  # an OCR substitution
        (POVERTY.replace("返贫", "返"), 1),  # a dropped character
        (POVERTY.replace("成果", "成果果"), 1),  # a doubled one
        (REVIEW.replace("顺利", "顺判").replace("圆满", "圆瞒"), 2),  # two, far apart
        (REVIEW.replace("完成，", "完成").replace("句号", "勾号"), 2),  # a lost comma and a substitution
    ],
)
def test_short_near_copies_are_removed(copy, edits):
    [edit] = copies(POVERTY if "脱贫" in copy else REVIEW, copy)
    assert edit.rule == "short_near"
    kept = edit.detail["kept"]
    assert (kept["doc"], kept["para"], kept["edits"]) == ("a.txt", 0, edits)
    original = POVERTY if "脱贫" in copy else REVIEW
    longer = max(len(normalise_key(copy)), len(normalise_key(original)))
    assert kept["similarity"] == round(1 - edits / longer, 4)


@pytest.mark.parametrize(
    "copy",
    [
        GROWTH.replace("2025", "2024"),  # a year
        GROWTH.replace("5.6", "6.5"),  # a figure
        GROWTH.replace("5.6", "56"),  # a decimal point
        GROWTH.replace("8.1%", "8.1‰"),  # a unit next to a figure
        REVIEW.replace("十四五", "十三五"),  # a Chinese numeral
        ITEM.replace("一是", "二是"),  # the number of a list item
    ],
)
def test_a_changed_number_is_a_different_fact(copy):
    assert copies(GROWTH if "增长" in copy else REVIEW if "代表" in copy else ITEM, copy) == []


def test_three_misread_characters_in_a_sentence_of_thirty_or_more_are_a_copy():
    """Three isolated misreads, each breaking a word, in 37 characters: a copy by default (three
    edits at most, and at most 10% of the length); with two edits at most, kept."""
    ocr = REVIEW.replace("顺利", "顺判").replace("圆满", "圆瞒").replace("工作", "工竹")
    [edit] = copies(REVIEW, ocr)
    assert (edit.rule, edit.detail["kept"]["edits"]) == ("short_near", 3)
    assert copies(REVIEW, ocr, DedupOptions(short_max_edits=2)) == []
    # At 26 characters 10% allows two: the same three misreads keep a shorter sentence apart.
    assert copies(POVERTY, POVERTY.replace("巩固", "巩近").replace("成果", "成杲").replace("底线", "底钱")) == []


@pytest.mark.parametrize(
    ("original", "copy"),
    [
        (ITEM, ITEM.replace("一是", "—是")),  # 一 read as a dash
        (REVIEW, REVIEW.replace("2025", "2O25")),  # 0 read as the letter O
        (REVIEW, REVIEW.replace("十四五", "十四丑")),  # a numeral read as another character
    ],
)
def test_a_numeral_misread_as_a_character_that_is_none_is_a_copy(original, copy):
    [edit] = copies(original, copy)
    assert (edit.rule, edit.detail["kept"]["edits"]) == ("short_near", 1)


@pytest.mark.parametrize(
    "copy",
    [
        ITEM.replace("加快", "全面"),  # 一是加快… / 一是全面…: another list item
        ITEM.replace("转型升级", "提质增效"),
        ITEM.replace("高分子", "碳纤维"),
        POVERTY.replace("巩固", "巩近").replace("返贫", "返回").replace("底线", "底钱"),  # three edits
        "一是加快推进产业转型升级。",  # too short to be decided at all
    ],
)
def test_distinct_short_paragraphs_sharing_most_words_are_kept(copy):
    assert copies(ITEM if "一是" in copy else POVERTY, copy) == []


def test_the_edit_script_decides_instead_of_the_jaccard_similarity():
    changed_year = REVIEW.replace("2025", "2024")
    # 31 characters: the Jaccard rule alone takes a changed year for a near copy.
    [edit] = copies(REVIEW, changed_year, DedupOptions(short_near=False))
    assert edit.rule == "near"
    assert copies(REVIEW, changed_year) == []
    # And one OCR error in 27 characters, which the Jaccard rule misses, is found.
    ocr = POVERTY.replace("巩固", "巩近")
    assert copies(POVERTY, ocr, DedupOptions(short_near=False)) == []
    assert [e.rule for e in copies(POVERTY, ocr)] == ["short_near"]


def test_short_near_copies_in_one_document_and_in_batches():
    documents = [
        doc("a.txt", POVERTY, REVIEW, POVERTY.replace("巩固", "巩近")),
        doc("b.txt", REVIEW.replace("顺利", "顺判"), ITEM, GROWTH),
        doc("c.txt", ITEM.replace("推进", "推迸"), GROWTH.replace("2025", "2026")),
    ]
    one = Deduplicator()
    expected = [one.process(d) for d in documents]
    assert [[e.rule for e in edits] for _, edits in expected] == [["short_near"], ["short_near"], ["short_near"]]
    batched = Deduplicator()
    batched.batch_paragraphs = 100
    assert list(batched.process_all(documents)) == expected


def test_is_duplicate_finds_short_near_copies():
    dedup = Deduplicator()
    dedup.add(doc("a.txt", POVERTY, ITEM))
    match = dedup.is_duplicate(POVERTY.replace("巩固", "巩近"))
    assert match is not None and (match.rule, match.doc, match.para) == ("short_near", "a.txt", 0)
    assert dedup.is_duplicate(ITEM.replace("一是", "二是")) is None


def test_short_near_removals_restore_from_the_audit_record():
    from cleaner.dedup.restore import restore_paragraphs

    docs = {"a.txt": [POVERTY, LONG], "b.txt": [ITEM, POVERTY.replace("巩固", "巩近"), REVIEW]}
    dedup = Deduplicator()
    audit, outputs = [], {}
    for doc_id, paragraphs in docs.items():
        out, edits = run(dedup, doc(doc_id, *paragraphs))
        audit.extend({"type": "edit", "doc": doc_id, **edit.to_record()} for edit in edits)
        outputs[doc_id] = out.text
    assert [r["rule"] for r in audit] == ["short_near"]
    assert restore_paragraphs(audit, outputs) == {"b.txt": "\n\n".join(docs["b.txt"])}


# -- the pieces ---------------------------------------------------------------------------------


def test_edit_steps_and_their_limit():
    a, b = [ord(c) for c in "加快推进产业"], [ord(c) for c in "加快推产业"]
    assert edit_steps(a, b, 2) == [("=", 0, 0), ("=", 1, 1), ("=", 2, 2), ("del", 3, 3), ("=", 4, 3), ("=", 5, 4)]
    assert edit_steps(a, [ord(c) for c in "全面推进发展"], 2) is None
    assert short_near_edits(a, a, 2, 0.1) == 0


_ALPHABET = sorted(set(POVERTY + REVIEW + GROWTH + ITEM + LONG))


@st.composite
def near_pairs(draw):
    original = draw(st.text(alphabet=_ALPHABET, min_size=20, max_size=45))
    chars = list(original)
    for _ in range(draw(st.integers(0, 2))):
        position = draw(st.integers(0, len(chars) - 1))
        kind = draw(st.sampled_from(["sub", "del", "ins"]))
        if kind == "sub":
            chars[position] = draw(st.sampled_from(_ALPHABET))
        elif kind == "del":
            del chars[position]
        else:
            chars.insert(position, draw(st.sampled_from(_ALPHABET)))
    return original, "".join(chars)


@settings(max_examples=300, deadline=None)
@given(near_pairs())
def test_segment_lookups_find_every_key_within_two_edits(pair):
    # The pigeonhole: whatever two edits do, one segment of the original is in the copy, and the
    # copy looks it up.
    keys = paragraph_keys(list(pair))
    starts = keys.lengths.cumsum() - keys.lengths
    rows = [0, 1]
    steps = edit_steps([ord(c) for c in normalise_key(pair[0])], [ord(c) for c in normalise_key(pair[1])], 2)
    if steps is None or len(normalise_key(pair[1])) < 3:
        return
    _, indexed = index_segments(keys.code_points, starts, keys.lengths, np.array(rows[:1]), 2)
    _, looked_up = query_segments(keys.code_points, starts, keys.lengths, np.array(rows[1:]), 2)
    assert set(indexed.tolist()) & set(looked_up.tolist())


def test_options_are_checked_and_read_from_a_config_file(tmp_path):
    with pytest.raises(ConfigError, match="short_max_length"):
        Deduplicator(DedupOptions(short_min_length=30, short_max_length=20))
    with pytest.raises(ConfigError, match="short_max_edits"):
        Deduplicator(DedupOptions(short_max_edits=5))
    with pytest.raises(ConfigError, match="short_max_ratio"):
        Deduplicator(DedupOptions(short_max_ratio=1.5))
    path = tmp_path / "cleaner.yaml"
    path.write_text("dedup:\n  short_max_edits: 1\n  short_max_length: 40\n  fragments: false\n", encoding="utf-8")
    options = load_config(path).dedup
    assert (options.short_max_edits, options.short_max_length, options.fragments) == (1, 40, False)
    assert copies(REVIEW, REVIEW.replace("顺利", "顺判").replace("圆满", "圆瞒"), options) == []


def test_the_same_character_swapped_twice_is_a_different_sentence():
    """Help text (LibreOffice's, in the accuracy harness) has sentence pairs two words apart that
    say opposite things: one character for another, twice. OCR misreads one character here and
    another there; a second misread of another character is still a copy."""
    up = "「上移一层」将该对象在对象堆栈中向上推移一位"
    down = "「下移一层」将该对象在对象堆栈中向下推移一位"
    assert copies(up, down) == []
    assert copies(up, down, DedupOptions(short_max_edits=3)) == []
    misread = "「上移一层」将该对象在对象堆栈中向下推移一位".replace("堆栈", "堆线")
    assert [e.rule for e in copies(up, misread)] == ["short_near"]


def test_a_quotation_mark_added_is_a_text_written_otherwise():
    """Two help pages (LibreOffice's, in the accuracy harness) say the same, one quoting the
    dialog's name: both stay. A dropped comma is still a copy (OCR drops marks)."""
    plain = "在图表向导的第一页中，您可以选择一种图表类型。"
    quoted = "在「图表向导」的第一页中，您可以选择一种图表类型。"
    assert copies(plain, quoted) == []
    assert [e.rule for e in copies(plain, plain.replace("，", ""))] == ["short_near"]


def test_variants_of_a_sentence_in_a_manual_are_not_short_near_copies():
    """A manual lists a sentence for each choice, one word apart (上方 / 下方; 行 / 列 close by):
    another text, not a misread copy, so both stay. A misread character breaks a word (巩固 → 巩近)
    and is a copy however close."""
    upper = "谚文部分将作为字旁标音显示在汉字部分的上方。"
    lower = "谚文部分将作为字旁标音显示在汉字部分的下方。"
    rows = "选中至少一个单元格后，从工作表中删除选中单元格所在的行。"
    columns = "选中至少一个单元格后，从工作表中删除选中单元格所在的列。"
    _, edits = Deduplicator().process(doc("manual.txt", upper, rows, lower, columns))
    assert edits == []
    _, edits = Deduplicator().process(doc("a.txt", POVERTY, REVIEW, POVERTY.replace("巩固", "巩近")))
    assert [e.rule for e in edits] == ["short_near"]


def test_a_word_swapped_for_a_common_word_close_by_is_a_variant():
    """LibreOffice 7.4 help, zh-CN (MPL-2.0): the X and Y fields of one dialog (左边缘 / 上边缘).
    上边 is a word too common to be in the word-pair table, but a word: the sentence is written
    that way, not misread."""
    left = "输入吸附点或吸附线与页面左边缘之间的间隔。"
    top = "输入吸附点或吸附线与页面上边缘之间的间隔。"
    _, edits = Deduplicator().process(doc("manual.txt", left, "Y轴", top))
    assert edits == []


# 001 of the sample corpus: 57 letters and ideographs, past the short rule's 45.
HAPPINESS = (
    "一个个务实举措,一串串亮眼数据,渌口区人民满满的幸福感、获得感、安全感,"
    "不仅体现在日新月异的城市建设中,也洋溢在每位市民的笑脸上。"
)


def test_a_longer_near_copy_with_a_few_misread_characters_is_found_by_its_edits():
    """Three misread characters take 57 characters to a 5-gram Jaccard similarity under 0.7; the
    band candidate is then compared by its edit script, under the short rule's conditions."""
    ocr = HAPPINESS.replace("举措", "举借").replace("城市", "城布").replace("笑脸", "笑睑")
    assert copies(HAPPINESS, ocr, DedupOptions(near_max_edits=0)) == []
    [edit] = copies(HAPPINESS, ocr)
    assert (edit.rule, edit.detail["kept"]["edits"]) == ("short_near", 3)


@pytest.mark.parametrize(
    "copy",
    [
        HAPPINESS.replace("举措", "举借").replace("城市", "城布").replace("一串串", "两串串"),  # a numeral
        HAPPINESS.replace("举措", "举借").replace("城市", "城布").replace("安全", "安心"),  # a word for a word
    ],
)
def test_a_longer_copy_with_a_changed_number_or_word_is_no_copy_by_its_edits(copy):
    assert copies(HAPPINESS, copy) == []
