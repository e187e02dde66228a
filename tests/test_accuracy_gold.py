"""The accuracy harness's gold text: the committed sample, the gold criteria and the parsers.

Nothing here downloads: the sample in tests/data/accuracy stands in for the fetched gold.
"""

from __future__ import annotations

import io
import json
import tarfile
from collections import Counter
from pathlib import Path

import pytest

from bench.accuracy.gold import (
    SAMPLE_IDS,
    SOURCES,
    CleanUnit,
    load_gold,
    pack,
    pick_evenly,
    read_jsonl,
    split_unit,
    write_sample,
)
from bench.accuracy.gold_clean import DuplicateFilter, clean_block, normalise, reject_reason
from bench.accuracy.gold_fetch import _deb_data, extract
from bench.accuracy.gold_parse import BlockExtractor, detag_line, parse_nahan, parse_people_daily
from bench.accuracy.model import BLOCK_KINDS, Block, GoldDoc

SAMPLE = Path(__file__).resolve().parent / "data" / "accuracy" / "gold_sample.jsonl"


@pytest.fixture(scope="module")
def sample() -> list[GoldDoc]:
    return read_jsonl(SAMPLE)


def test_sample_covers_every_genre_and_block_kind(sample: list[GoldDoc]) -> None:
    assert 6 <= len(sample) <= 10
    assert 15_000 <= sum(len(doc.text) for doc in sample) <= 25_000
    assert {doc.genre for doc in sample} == {source.genre for source in SOURCES}
    assert {block.kind for doc in sample for block in doc.blocks} == set(BLOCK_KINDS)
    assert [doc.id for doc in sample] == sorted(SAMPLE_IDS)


def test_sample_comes_only_from_redistributable_sources(sample: list[GoldDoc]) -> None:
    allowed = {source.name for source in SOURCES if source.sample_ok}
    assert {doc.id.split("/")[0] for doc in sample} <= allowed
    assert "lohelp" not in allowed  # MPL-2.0


def test_every_sample_block_meets_the_gold_criteria(sample: list[GoldDoc]) -> None:
    for doc in sample:
        for block in doc.blocks:
            assert block.text == block.text.strip() and "\n" not in block.text
            assert clean_block(block.kind, block.text) == (block, None), (doc.id, block)


def test_sample_has_no_duplicate_paragraphs(sample: list[GoldDoc]) -> None:
    seen = DuplicateFilter()
    for doc in sample:
        for block in doc.blocks:
            if block.kind in ("para", "list", "english"):
                assert seen.is_duplicate(block.text) is None, (doc.id, block.text)


def test_load_gold_reads_the_cache_sorted_and_does_not_fetch_when_told(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_gold(tmp_path, fetch_missing=False)
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    (tmp_path / "gold.jsonl").write_text("\n".join(reversed(lines)) + "\n", encoding="utf-8")
    docs = load_gold(tmp_path, fetch_missing=False)
    assert [doc.id for doc in docs] == sorted(doc.id for doc in docs)
    assert docs == read_jsonl(SAMPLE)


def test_write_sample_refuses_a_copyleft_source(tmp_path: Path) -> None:
    doc = GoldDoc("lohelp/000", "technical", (Block("para", "帮助。"),))
    with pytest.raises(ValueError, match="lohelp/000"):
        write_sample([doc], tmp_path / "s.jsonl", ids=("lohelp/000",))


# --- the gold criteria ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "kind", "expected"),
    [
        ("１９９８年，增长１２．５％。", "para", "1998年，增长12.5％。"),
        ("阿Ｑ正传", "heading", "阿Q正传"),
        ("按 F6 键切换焦点。", "para", "按F6键切换焦点。"),
        ("完成。 下一步是 LibreOffice Writer 的设置。", "para", "完成。下一步是LibreOffice Writer的设置。"),
        ("第一章\u3000序", "heading", "第一章 序"),
        ("ls  -l   /tmp", "code", "ls -l /tmp"),
    ],
)
def test_normalise(raw: str, kind: str, expected: str) -> None:
    assert normalise(raw, kind) == expected


@pytest.mark.parametrize(
    ("text", "kind", "reason"),
    [
        ("渌口区,株洲市。", "para", "halfwidth_punct_in_chinese"),
        ("使用Python,Java和Go编程。", "para", "halfwidth_punct_after_token_in_chinese"),
        ("快捷键 (LibreOffice辅助功能)", "heading", "halfwidth_punct_in_chinese"),
        ('他说"好"。', "para", "straight_quote_in_chinese"),
        ("等等...然后", "para", "ascii_ellipsis"),
        ("渌 口 区 人民政府", "short", "letter_spaced_han"),
        ("工具 - 选项", "short", "hyphen_between_han"),
        ("共1，000元。", "para", "fullwidth_thousands_comma"),
        ("这个字是\ue072。", "para", "invisible_or_control"),
        ("这是繁體字。", "para", "han_outside_tgh"),
        ("请点击<b>确定</b>按钮。", "para", "markup_remnant"),
        ("工具 > 选项 > 常规", "short", "menu_path"),
        ("1四川制药19.63", "short", "table_row"),
        ("This paragraph is English.", "para", "not_han_dominant"),
        ("mixed 中文 text", "english", "han_in_english_or_code"),
    ],
)
def test_reject_reason(text: str, kind: str, reason: str) -> None:
    assert reject_reason(text, kind) == reason


def test_clean_text_is_kept_unchanged() -> None:
    for kind, text in [
        ("para", "KiCad是一个免费和开源的电子设计自动化（EDA）套件。"),
        ("heading", "2.1. 从以前的版本迁移"),
        ("english", "KiCad provides an embedded electrical circuit simulator."),
        ("code", '<A HREF="http://www.raspberrypi.org/" TARGET="blank">'),
        ("short", "（新华社记者兰红光摄）"),
    ]:
        assert clean_block(kind, text) == (Block(kind, text), None)


def test_invisible_characters_are_dropped_before_normalising() -> None:
    assert clean_block("para", "这是\u00a0一句话。") == (None, "ideographic_or_nbsp_space_inside")
    assert clean_block("para", "\u3000\u3000这是一句话。") == (Block("para", "这是一句话。"), None)


def test_duplicate_filter_finds_exact_and_near_duplicates() -> None:
    seen = DuplicateFilter()
    first = "国务院副总理兼外交部长钱其琛结束对中东五国和南非的访问后，于今天上午飞抵香港。"
    assert seen.is_duplicate(first) is None
    assert seen.is_duplicate(first.replace("，", "， ")) == "exact_duplicate"
    assert seen.is_duplicate(first.replace("今天上午", "昨天下午")) == "near_duplicate"
    assert seen.is_duplicate("音乐会在雄壮的管弦乐《红旗颂》中拉开帷幕，舒展、优美的旋律回荡在大会堂。") is None


# --- selection -----------------------------------------------------------------------------------


def _unit(key: str, *sizes: int) -> CleanUnit:
    return CleanUnit(key, [Block("para", "字" * size) for size in sizes])


def test_pack_groups_small_units_and_splits_big_ones() -> None:
    docs = pack([_unit("a", 1000), _unit("b", 1500), _unit("c", 800), _unit("d", 6000, 6000)])
    sizes = [sum(unit.chars for unit in doc) for doc in docs]
    assert sizes == [3300, 6000, 6000]
    assert [piece.key for piece in split_unit(_unit("d", 6000, 6000))] == ["d[0]", "d[1]"]


def test_pack_keeps_groups_apart_once_a_document_is_big_enough() -> None:
    units = [_unit("x/1", 2500), _unit("y/1", 2500), _unit("y/2", 2500)]
    docs = pack(units, group=lambda key: key.split("/")[0])
    assert [[unit.key for unit in doc] for doc in docs] == [["x/1"], ["y/1", "y/2"]]


def test_pick_evenly_spreads_over_the_source() -> None:
    docs = [[_unit(str(i), 3000)] for i in range(10)]
    picked = pick_evenly(docs, 9000)
    assert [doc[0].key for doc in picked] == ["0", "3", "6"]
    assert pick_evenly(docs, None) == docs


# --- parsers -------------------------------------------------------------------------------------


def test_detag_line_removes_tags_and_segmentation_spaces() -> None:
    assert detag_line("迈向/v  充满/v  希望/n  的/u  新/a  世纪/n  ——/w") == "迈向充满希望的新世纪——"
    assert detag_line("Ｗｉｎｄｏｗｓ/nx  ＮＴ/nx  系统/n") == "Ｗｉｎｄｏｗｓ ＮＴ系统"


def test_people_daily_articles_start_at_title_lines(tmp_path: Path) -> None:
    corpus = tmp_path / "199801.txt"
    corpus.write_text(
        "北京/ns  举行/v  新年/t  音乐会/n\n"
        "今晚/t  的/u  长安街/ns  流光溢彩/l  。/w\n"
        "观众/n  被/p  打动/v  。/w  （/w  宗/nr  素华/nr  ）/w\n"
        "（/w  新华社/nt  记者/n  摄/Vg  ）/w\n"
        "李/nr  鹏/nr  在/p  北京/ns  考察/v  企业/n\n"
        "向/p  广大/b  职工/n  祝贺/v  新年/t\n"
        "上午/t  ，/w  李/nr  鹏/nr  总理/n  考察/v  。/w\n",
        encoding="utf-8",
    )
    units = parse_people_daily(corpus)
    assert [[kind for kind, _ in unit.blocks] for unit in units] == [
        ["heading", "para", "para", "short"],
        ["heading", "short", "para"],
    ]
    assert units[0].blocks[2][1] == "观众被打动。（宗素华）"


def test_nahan_joins_paragraphs_cut_by_page_marks_and_drops_notes(tmp_path: Path) -> None:
    text = (
        "  故乡⑴ \n ------------------\n"
        " \u3000\u3000我冒了严寒，回到相隔二千余里，别了二十余年的故乡去。\n"
        " \u3000\u3000这少年便是闰土。那时我的父亲还\n_分节阅读_2\n\n在世，家景也好。\n"
        " \u3000\u3000□注释\n \u3000\u3000⑴本篇最初发表于一九二一年五月《新青年》。\n"
    )
    path = tmp_path / "CalltoArms.txt"
    path.write_text(text, encoding="utf-8")
    (unit,) = parse_nahan(path)
    assert unit.blocks == [
        ("heading", "故乡"),
        ("para", "我冒了严寒，回到相隔二千余里，别了二十余年的故乡去。"),
        ("para", "这少年便是闰土。那时我的父亲还在世，家景也好。"),
    ]


def test_nahan_leaves_out_the_paragraphs_the_web_copy_cut_short(tmp_path: Path) -> None:
    # The copy cut its long lines at 241 bytes: " " and two ideographic spaces (7 bytes), then 78
    # characters. A line cut mid-sentence there is a stump; one that ends its sentence there is whole.
    stump = "我买了一张票，本是" + "对" * 69
    whole = "这是一句话" * 15 + "正好完。"[-3:]
    assert len((" \u3000\u3000" + stump).encode()) == len((" \u3000\u3000" + whole).encode()) == 241
    # Cut elsewhere, inside an HTML tag (a line of 385 bytes).
    garbled = (
        "我这时突然感到一种异样的感觉，觉得他满身灰尘的后影，刹时高大了。刚近S门，忽而车把上带着一个人，慢慢地倒了。<br"
    )
    text = (
        f"  社戏 \n ------------------\n \u3000\u3000{stump}\n \u3000\u3000{whole}\n"
        f" \u3000\u3000{garbled}\n \u3000\u3000然而夜气很清爽。\n"
    )
    path = tmp_path / "CalltoArms.txt"
    path.write_text(text, encoding="utf-8")
    (unit,) = parse_nahan(path)
    assert unit.blocks == [("heading", "社戏"), ("para", whole), ("para", "然而夜气很清爽。")]


def test_block_extractor_keeps_structure_and_skips_furniture() -> None:
    html = """<html><head><title>t</title></head><body><nav><p>导航</p></nav>
    <h1>标题</h1><p class="paragraph">按 <span hidden="true" id="MAC1">命令</span><span hidden="true"
    id="default1">Ctrl</span>+F6 键。</p><div class="howtoget"><p>选择 工具 - 选项</p></div>
    <ul><li><p>菜单栏</p></li><li><p>文档</p></li></ul><table><tr><td>单元格</td></tr></table>
    <pre>ls -l
cd /tmp</pre><p>This sentence stays in English here.</p></body></html>"""
    extractor = BlockExtractor(frozenset({"howtoget"}))
    extractor.feed(html)
    extractor.close()
    assert extractor.blocks == [
        ("heading", "标题"),
        ("para", "按 Ctrl+F6 键。"),
        ("list", "菜单栏"),
        ("list", "文档"),
        ("code", "ls -l"),
        ("code", "cd /tmp"),
        ("english", "This sentence stays in English here."),
    ]


# --- unpacking -----------------------------------------------------------------------------------


def _tar_gz(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_extract_takes_only_the_files_asked_for_from_an_sdist(tmp_path: Path) -> None:
    archive = tmp_path / "pkg-1.0.tar.gz"
    archive.write_bytes(_tar_gz({"pkg-1.0/LICENSE": b"MIT", "pkg-1.0/data/a.txt": b"a", "pkg-1.0/b.py": b""}))
    assert extract(archive, ("LICENSE", "data/*.txt"), tmp_path / "out") == ["LICENSE", "data/a.txt"]
    assert (tmp_path / "out" / "data" / "a.txt").read_text() == "a"


def test_deb_data_member_is_read_without_dpkg(tmp_path: Path) -> None:
    data = _tar_gz({"./usr/share/doc/x/copyright": b"License: MIT"})

    def member(name: str, blob: bytes) -> bytes:
        header = f"{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(blob):<10}`\n".encode()
        return header + blob + (b"\n" if len(blob) % 2 else b"")

    deb = tmp_path / "x_1_all.deb"
    deb.write_bytes(b"!<arch>\n" + member("debian-binary", b"2.0\n") + member("data.tar.gz", data))
    assert _deb_data(deb) == data
    assert extract(deb, ("usr/share/doc/x/copyright",), tmp_path / "out") == ["usr/share/doc/x/copyright"]


def test_sources_are_pinned_with_a_hash_and_a_licence() -> None:
    assert len({source.name for source in SOURCES}) == len(SOURCES)
    for source in SOURCES:
        assert len(source.pin.sha256) == 64 and source.pin.version and source.licence
    genres = Counter(source.genre for source in SOURCES)
    assert len(genres) >= 3
    json.dumps([source.pin.__dict__ for source in SOURCES])
