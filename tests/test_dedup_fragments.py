"""Copies cut into paragraphs differently from their original (rule ``fragment``), and what must stay.

The texts are paragraphs of the sample corpus (002, 001); cuts stand for wrapped lines that layout
repair did not rejoin.
"""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from cleaner.config import DedupOptions
from cleaner.dedup import Deduplicator, deduplicator
from cleaner.dedup.fragments import CopyPiece, OriginalSide, _Sides, char_share, union
from cleaner.dedup.keys import paragraph_keys
from cleaner.dedup.minhash import run_shingle_hashes
from cleaner.dedup.restore import restore_paragraphs
from cleaner.errors import ConfigError
from cleaner.model import Document, replay

# 002: several sentences; one long sentence; a list with figures. 001: two paragraphs sharing a clause.
ROAD = "“要想富，先修路”，“交通兴、百业兴”。近年来，渌口区紧紧围绕“交通基础设施建设要率先实现重大突破”的发展战略，攻坚克难，砥砺前行，“渌湘”交通实现跨越发展，全面融城有了基础保障。"  # noqa: E501
CULTURE = "文化环境与教育的关系是分不开的。近年来，渌口坚持把完善公共文化设施作为发展公共文化的基石来抓，加大投入力度，努力建设设施齐全、覆盖均衡的县、镇、村三级文化服务网络。全区公共文化服务体系建设的迈上新台阶。"  # noqa: E501
MEETING = "株洲市委书记毛腾飞在渌口区挂牌成立大会上提出，要站在长江经济带建设、长株潭城市群一体化、株洲都市圈融城的大背景下谋划渌口区的发展，充分发挥区位优势，做好顶层设计和整体规划，加快推进产业发展、公共服务、环境治理、基础设施等融城一体化。"  # noqa: E501
LIBRARY = "目前，渌口区有图书馆1家，文化馆1家，纪念馆1家，数字影院1家，电影公司1家，镇综合文化站8个，合格村（社区）文化家园99个，农家书屋129家。"  # noqa: E501
FARM = "近年来，渌口区委、区政府坚信现代高效农业是农民致富的好路子，不断推进农业供给侧结构性改革，积极实施乡村振兴战略，深入探索“龙头企业+基地+合作社+农户”的经营模式，让农业经营有效益，让农业成为全区农民有奔头的产业。"  # noqa: E501
FUND_1 = "今年7月,50亿元规模的湖南省制造业转型升级基金和10亿元规模的株洲财信高分子新材料产业基金,落户渌口区,将有助于该区打造国内具有核心竞争力和影响力的高分子新材料专业园区。"  # noqa: E501
FUND_2 = "去年12月,总投资50亿元的株洲时代新材料科技股份有限公司高性能聚酰亚胺薄膜项目落户渌口区,将有助于该区打造国内具有核心竞争力和影响力的高分子新材料专业园区。"  # noqa: E501
OTHER = "近年来,渌口区始终坚持“把最好的资源留给人民”,每年公共预算支出70%以上投向民生,倾力解决,全力完善。"
HEADING = "观察"


def cut(text: str, *points: int) -> list[str]:
    """``text`` cut into fragments at ``points`` (wrapped lines left unjoined)."""
    edges = [0, *points, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(edges)]


def doc(id: str, *paragraphs: str) -> Document:
    return Document.from_paragraphs(id, paragraphs)


def run(dedup: Deduplicator, document: Document):
    out, edits = dedup.process(document)
    assert replay(document.text, edits) == ("" if out is None else out.text)
    return out, edits


def removals(edits) -> list:
    return [e for e in edits if "removed_para" in (e.detail or {})]


def removed(edits) -> dict[int, str]:
    return {e.detail["removed_para"]: e.rule for e in removals(edits)}


def content(text: str) -> int:
    return sum(char.isalnum() for char in text)


@pytest.mark.parametrize("points", [(30,), (45, 70), (12, 50, 88), (60, 81)])
def test_copy_cut_into_fragments_is_removed_whatever_the_cut_points(points):
    dedup = Deduplicator()
    run(dedup, doc("a.txt", OTHER, ROAD, FARM))
    fragments = cut(ROAD, *points)
    out, edits = run(dedup, doc("b.txt", HEADING, *fragments, CULTURE))
    # Fragments of fewer than 10 letters, digits or ideographs are never removed.
    tiny = [f for f in fragments if content(f) < 10]
    assert out.paragraphs == [HEADING, *tiny, CULTURE]
    assert set(removed(edits)) == {1 + i for i, f in enumerate(fragments) if f not in tiny}
    for edit in edits:
        kept = edit.detail["kept"]
        assert (kept["doc"], kept["para"]) == ("a.txt", 1)
        assert kept["similarity"] >= dedup.options.threshold
        # A fragment holding most of the paragraph is a near copy already; the others go as fragments.
        if edit.rule == "fragment":
            assert kept["paras"] == [1] and kept["containment"] >= 0.8
        else:
            assert edit.rule == "near" and len(edit.before) > 0.7 * len(ROAD)


def test_one_sentence_cut_in_three_is_removed():
    dedup = Deduplicator()
    run(dedup, doc("a.txt", MEETING))
    out, edits = run(dedup, doc("b.txt", OTHER, *cut(MEETING, 14, 40), FARM))
    assert out.paragraphs == [OTHER, FARM]
    assert set(removed(edits).values()) == {"fragment"}


def test_joined_copy_of_a_fragmented_original_is_removed():
    dedup = Deduplicator()
    run(dedup, doc("a.txt", HEADING, *cut(CULTURE, 25, 66), OTHER))
    out, edits = run(dedup, doc("b.txt", FARM, CULTURE))
    assert out.paragraphs == [FARM]
    [edit] = edits
    assert edit.rule == "fragment"
    assert edit.detail["kept"]["doc"] == "a.txt" and edit.detail["kept"]["paras"] == [1, 2, 3]


def test_copy_and_original_cut_at_different_points():
    dedup = Deduplicator()
    run(dedup, doc("a.txt", *cut(FARM, 40, 80), LIBRARY))
    out, edits = run(dedup, doc("b.txt", *cut(FARM, 20, 55, 95), OTHER))
    assert out.paragraphs == [OTHER]
    assert set(removed(edits)) == {0, 1, 2, 3}


def test_fragments_with_an_ocr_error_are_found():
    dedup = Deduplicator()
    run(dedup, doc("a.txt", CULTURE))
    noisy = CULTURE.replace("基石", "基右").replace("渌口", "涪口")
    out, edits = run(dedup, doc("b.txt", *cut(noisy, 35, 80)))
    assert out is not None and out.paragraphs == []
    assert set(removed(edits).values()) == {"fragment"}
    assert [e.detail["kept"]["containment"] < 1 for e in removals(edits)] == [True, True, False]


def test_a_fragment_too_short_to_remove_stays():
    dedup = Deduplicator()
    run(dedup, doc("a.txt", ROAD))
    fragments = cut(ROAD, 30, 83)  # the last one is "融城有了基础保障。": 8 ideographs, never removed
    out, edits = run(dedup, doc("b.txt", *fragments))
    assert out.paragraphs == [fragments[2]]
    assert removed(edits) == {0: "fragment", 1: "fragment"}


# A clause of CULTURE set as a paragraph: 25 ideographs, below min_near_length.
SHORT = "渌口坚持把完善公共文化设施作为发展公共文化的基石来抓。"


def test_a_short_paragraph_cut_in_two_is_removed_when_its_fragments_join_to_it_exactly():
    dedup = Deduplicator()
    run(dedup, doc("a.txt", OTHER, SHORT, FARM))
    out, edits = run(dedup, doc("b.txt", MEETING, *cut(SHORT, 12), LIBRARY))
    assert out.paragraphs == [MEETING, LIBRARY]
    assert removed(edits) == {1: "fragment", 2: "fragment"}


@pytest.mark.parametrize(
    "fragments",
    [
        cut(SHORT.replace("基石", "基础"), 12),  # one character changed: too short to judge as near
        cut(SHORT[:-1] + "，加大投入力度。", 12),  # more text after it: the copy is not the paragraph
        [SHORT[:12], "作为发展公共文化的基础"],  # a part of it, and other text
    ],
)
def test_short_fragments_that_do_not_join_to_the_paragraph_exactly_stay(fragments):
    dedup = Deduplicator()
    run(dedup, doc("a.txt", OTHER, SHORT, FARM))
    out, edits = run(dedup, doc("b.txt", MEETING, *fragments, LIBRARY))
    assert removals(edits) == [] and out.paragraphs == [MEETING, *fragments, LIBRARY]


def test_a_copy_repeating_a_paragraph_earlier_in_its_own_document():
    dedup = Deduplicator()
    out, edits = run(dedup, doc("a.txt", LIBRARY, OTHER, *cut(LIBRARY, 30), FARM))
    assert out.paragraphs == [LIBRARY, OTHER, FARM]
    assert [(e.rule, e.detail["kept"]["doc"], e.detail["kept"]["para"]) for e in edits] == [
        ("fragment", "a.txt", 0),
        ("fragment", "a.txt", 0),
    ]


@pytest.mark.parametrize("joined", ["before", "after"])
def test_a_paragraph_whose_original_was_set_together_with_its_neighbour(joined):
    # Layout missed a paragraph end in the first text: its FARM is one paragraph with CULTURE.
    original = CULTURE + FARM if joined == "before" else FARM + CULTURE
    dedup = Deduplicator()
    run(dedup, doc("a.txt", OTHER, original))
    out, edits = run(dedup, doc("b.txt", MEETING, FARM, LIBRARY))
    assert out.paragraphs == [MEETING, LIBRARY]
    assert [(e.rule, e.detail["kept"]["doc"], e.detail["kept"]["para"]) for e in removals(edits)] == [
        ("fragment", "a.txt", 1)
    ]


def test_a_fragmented_copy_of_part_of_a_joined_original():
    dedup = Deduplicator()
    run(dedup, doc("a.txt", FARM + CULTURE))
    out, edits = run(dedup, doc("b.txt", OTHER, *cut(FARM, 40, 90)))
    assert out.paragraphs == [OTHER]
    assert set(removed(edits)) == {1, 2, 3}


# -- what must stay ----------------------------------------------------------------------------


def test_a_quotation_of_part_of_a_paragraph_is_kept():
    dedup = Deduplicator()
    run(dedup, doc("a.txt", FARM))
    quotation = FARM[5:60]  # a good half of the paragraph, standing alone
    out, edits = run(dedup, doc("b.txt", OTHER, quotation, CULTURE))
    assert edits == [] and out.paragraphs == [OTHER, quotation, CULTURE]


def test_a_variant_of_part_of_a_paragraph_is_kept():
    # LibreOffice help describes two drawing tools in sentences differing by a word or two: the
    # second is not a copy of the first, even where the first was set together with its neighbour.
    ellipse = (
        "在当前文档中绘制一个由椭圆弧和一条直径线设定的填色形状。要绘制椭圆缺，请先将椭圆拖到所需大小，"
        "然后点击以设定直径线的起点；将鼠标指针移到要放置直径线终点的位置，然后点击。不需要在椭圆上点击。"
    )
    circle = (
        "在当前文档中绘制由圆弧和一条直径线设定的未填色形状。要绘制圆缺，请先将圆拖到所需大小，"
        "然后点击以设定直径线的起点。将鼠标指针移到要设定直径线终点的位置，然后点击。不需要在圆上点击。"
    )
    dedup = Deduplicator()
    run(dedup, doc("a.txt", OTHER + ellipse))
    out, edits = run(dedup, doc("b.txt", circle, CULTURE))
    assert edits == [] and out.paragraphs == [circle, CULTURE]


@pytest.mark.parametrize("points", [(45,), (20, 60), (70,)])
def test_paragraphs_sharing_a_clause_are_kept_however_cut(points):
    dedup = Deduplicator()
    run(dedup, doc("001.txt", *cut(FUND_1, 50)))
    edits = run(dedup, doc("002.txt", *cut(FUND_2, *points)))[1]
    assert edits == []


def test_a_paragraph_holding_an_earlier_one_and_new_text_is_kept():
    dedup = Deduplicator()
    run(dedup, doc("a.txt", *cut(LIBRARY, 40)))
    longer = LIBRARY + FUND_2
    out, edits = run(dedup, doc("b.txt", longer))
    assert edits == [] and out.paragraphs == [longer]


def test_consecutive_paragraphs_joined_into_one_are_removed():
    # The whole of it is earlier text: two consecutive paragraphs printed as one.
    dedup = Deduplicator()
    run(dedup, doc("a.txt", HEADING, ROAD, LIBRARY))
    out, edits = run(dedup, doc("b.txt", ROAD + LIBRARY))
    assert out is not None and out.paragraphs == []
    [edit] = removals(edits)
    assert edit.rule == "fragment" and edit.detail["kept"]["paras"] == [1, 2]


def test_fragments_of_distinct_paragraphs_are_kept():
    # The first half of one paragraph and the second half of another, each standing alone.
    dedup = Deduplicator()
    run(dedup, doc("a.txt", ROAD, OTHER, FARM))
    edits = run(dedup, doc("b.txt", ROAD[:45], FARM[60:]))[1]
    assert edits == []


# -- audit, restore, options -------------------------------------------------------------------


def test_fragment_removals_restore_from_the_audit_record():
    docs = {
        "a.txt": [HEADING, *cut(CULTURE, 25, 66), OTHER],
        "b.txt": [FARM, CULTURE, *cut(ROAD, 30, 60)],
        "c.txt": [*cut(FARM, 50), ROAD],
    }
    dedup = Deduplicator()
    audit, outputs = [], {}
    for doc_id, paragraphs in docs.items():
        out, edits = run(dedup, doc(doc_id, *paragraphs))
        audit.extend({"type": "edit", "doc": doc_id, **edit.to_record()} for edit in edits)
        outputs[doc_id] = out.text
    assert {r["rule"] for r in audit} >= {"fragment"}
    restored = restore_paragraphs(audit, outputs)
    assert set(restored) == {"b.txt", "c.txt"}
    for doc_id, text in restored.items():
        assert text == "\n\n".join(docs[doc_id])


def mixed_documents(seed: int = 7, count: int = 30) -> list[Document]:
    """Documents of the sample paragraphs, some repeated, each cut into one to three fragments."""
    rng = random.Random(seed)
    pool = [ROAD, CULTURE, MEETING, LIBRARY, FARM, FUND_1, FUND_2, OTHER, HEADING]
    documents = []
    for number in range(count):
        paragraphs: list[str] = []
        for text in rng.sample(pool, rng.randint(1, 4)):
            pieces = rng.randint(1, 3)
            points = sorted(rng.sample(range(5, len(text) - 5), pieces - 1)) if len(text) > 20 else []
            paragraphs.extend(cut(text, *points))
        documents.append(doc(f"{number:02d}.txt", *paragraphs))
    return documents


def test_process_all_equals_process_one_by_one_with_fragments():
    documents = mixed_documents()
    one = Deduplicator()
    expected = [one.process(d) for d in documents]
    assert one.stats["fragment"] > 10
    for size in (5, 40, 2048):
        batched = Deduplicator()
        batched.batch_paragraphs = size
        assert list(batched.process_all(documents)) == expected
        del batched.stats["candidates"]
        assert batched.stats == {k: v for k, v in one.stats.items() if k != "candidates"}


def test_emptying_what_the_fragment_rule_keeps_for_a_batch_changes_no_result(monkeypatch):
    # Original paragraphs read, their runs and pools are kept for the batch and emptied past a limit:
    # emptied before every anchor, the decisions are the same.
    documents = mixed_documents(seed=11, count=40)
    kept = Deduplicator()
    expected = list(kept.process_all(documents))
    assert kept.stats["fragment"] > 10
    monkeypatch.setattr(deduplicator._FragmentCache, "LIMIT", -1)
    assert list(Deduplicator().process_all(documents)) == expected


def test_containment_of_every_piece_at_once_equals_each_piece_alone():
    # The alignment finds the share of each copy piece's characters in the n-grams of a stretch of
    # originals and the short paragraphs around them all at once; char_share finds it for one piece.
    n = 5
    noisy = CULTURE.replace("基石", "基右").replace("渌口", "涪口")
    copy_texts = [*cut(noisy, 35, 80), HEADING, *cut(FARM, 3, 50), LIBRARY[:4], *cut(ROAD, 30, 83)]
    original_texts = [OTHER, CULTURE, FARM[:70], ROAD]
    gap_texts = [[HEADING], [], ["融城有了基础保障。"], [], [FARM[70:]]]
    copy_keys, original_keys = paragraph_keys(copy_texts), paragraph_keys(original_texts)
    copy_hashes = run_shingle_hashes(copy_keys.code_points, copy_keys.lengths, n)
    original_hashes = run_shingle_hashes(original_keys.code_points, original_keys.lengths, n)
    at = np.cumsum(copy_keys.lengths) - copy_keys.lengths
    pieces = [
        CopyPiece(copy_keys.code_points[a : a + size], copy_hashes[a : a + max(1, size - n + 1)])
        for a, size in zip(at.tolist(), copy_keys.lengths.tolist(), strict=True)
    ]
    originals = np.split(original_hashes, np.cumsum(original_keys.lengths)[:-1])
    gaps = []
    for texts in gap_texts:
        keys = paragraph_keys(texts) if texts else None
        gaps.append(run_shingle_hashes(keys.code_points, keys.lengths, n) if keys else np.zeros(0, np.uint32))
    sides = _Sides(pieces, OriginalSide(originals, gaps), n)
    checked = set()
    for first, last in itertools.combinations_with_replacement(range(len(originals)), 2):
        universe = union([*originals[first : last + 1], *gaps[first : last + 2]])
        alone = [char_share(piece, universe, n) for piece in pieces]
        assert sides.char_shares(first, last) == alone
        checked.update(round(share, 2) for share in alone)
    assert {0.0, 1.0} < checked and len(checked) > 5  # contained, apart and in part, short pieces too


def test_the_same_input_gives_the_same_edits():
    documents = [doc("a.txt", *cut(CULTURE, 25, 66), OTHER), doc("b.txt", CULTURE, *cut(FARM, 30)), doc("c.txt", FARM)]
    runs = []
    for _ in range(2):
        dedup = Deduplicator()
        runs.append([[e.to_record() for e in dedup.process(d)[1]] for d in documents])
    assert runs[0] == runs[1]


def test_is_duplicate_finds_a_joined_copy():
    dedup = Deduplicator()
    dedup.add(doc("a.txt", *cut(CULTURE, 25, 66)))
    match = dedup.is_duplicate(CULTURE)
    assert match is not None and match.rule == "fragment" and match.doc == "a.txt"
    assert dedup.is_duplicate(CULTURE[:40]) is None
    assert len(dedup) == 3  # nothing indexed


def test_fragments_can_be_switched_off_and_options_are_checked():
    dedup = Deduplicator(DedupOptions(fragments=False))
    run(dedup, doc("a.txt", ROAD))
    assert run(dedup, doc("b.txt", *cut(ROAD, 30, 60)))[1] == []
    with pytest.raises(ConfigError, match="fragment_containment"):
        Deduplicator(DedupOptions(fragment_containment=0))
    with pytest.raises(ConfigError, match="fragment_span"):
        Deduplicator(DedupOptions(fragment_span=0))


def test_agreeing_anchors_match_the_definition_and_take_bounded_steps():
    """Which anchors have another, of another unit, near them on both sides: the vectorised loop
    gives what the definition gives pair by pair; and thousands of anchors in one paragraph (one
    place, one position: every step once found pairs, quadratic) stop at MAX_AGREEING_STEPS."""
    import numpy as np

    from cleaner.dedup import deduplicator

    rng = np.random.default_rng(3)
    size, span = 400, 6
    unit = rng.integers(0, 40, size=size)
    place = rng.integers(0, 5, size=size)
    position = rng.integers(0, 60, size=size)
    start = rng.integers(0, 60, size=size)
    expected = np.array(
        [
            any(
                unit[i] != unit[j]
                and place[i] == place[j]
                and abs(position[i] - position[j]) <= span
                and abs(start[i] - start[j]) <= span
                for j in range(size)
            )
            for i in range(size)
        ]
    )
    assert (deduplicator._agreeing(unit, start, place, position, span) == expected).all()

    huge = 20_000
    one = np.zeros(huge, dtype=np.int64)
    assert deduplicator._agreeing(np.arange(huge) % 7, one, one, one, span).all()


def test_a_heading_between_two_template_sentences_does_not_make_them_a_run():
    # LibreOffice 7.4 help, zh-CN (MPL-2.0): two commands described by sentences differing in one
    # word, the second under its heading. The heading sits among the short lines around the first
    # sentence, so it was read as part of a copy run, and the run as more than a pair.
    paragraphs = [
        "将被删除的单元格下方的单元格向上移动，填充删除后产生的空白。",
        "将被删除的单元格右边的单元格向左移动，填充删除后产生的空白。",
        "选中至少一个单元格后，从工作表中删除选中单元格所在的行。",
        "删除整列",
        "选中至少一个单元格后，从工作表中删除选中单元格所在的列。",
    ]
    out, edits = run(Deduplicator(), doc("a.txt", *paragraphs))
    assert removals(edits) == [] and out.paragraphs == paragraphs
