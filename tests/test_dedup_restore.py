"""Restoring removed duplicates from the audit record: library functions and the command."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaner.cli import app, clean_app
from cleaner.config import DedupOptions
from cleaner.dedup import Deduplicator
from cleaner.dedup.restore import restore_paragraphs, restore_text, restore_tree
from cleaner.errors import ConfigError
from cleaner.model import Document
from cleaner.report import read_audit

from .conftest import write_audit_records

EDUCATION = "过去,渌口区是块相当的牌子,不少家长把孩子送到渌口读书,但随着周边地区的名校异军突起,渌口教育的地位、形象日趋弱化,重拾辉煌是大家共同的心愿。"  # noqa: E501
MOTTO = "教育是民生之基,牵动着千家万户。"
FUND = "今年7月,50亿元规模的湖南省制造业转型升级基金和10亿元规模的株洲财信高分子新材料产业基金,落户渌口区。"
OTHER = "近年来,渌口区始终坚持“把最好的资源留给人民”,每年公共预算支出70%以上投向民生,倾力解决,全力完善。"

DOCS = {
    "000.txt": [FUND, "观察", MOTTO],
    "001.txt": [MOTTO, EDUCATION, OTHER, MOTTO, EDUCATION.replace(",", "，"), "观察", EDUCATION],
    "002.txt": [OTHER, FUND.replace("渌口区", "涪口区"), "前言"],
}


def clean(docs: dict[str, list[str]], options: DedupOptions | None = None):
    """Run dedup like the corpus runner: sorted order, audit lines, outputs."""
    dedup = Deduplicator(options)
    audit: list[dict] = []
    outputs: dict[str, str | None] = {}
    for doc_id in sorted(docs):
        out, edits = dedup.process(Document.from_paragraphs(doc_id, docs[doc_id]))
        audit.append({"type": "file", "doc": doc_id.split(":")[0], "status": "cleaned" if edits else "unchanged"})
        audit.extend({"type": "edit", "doc": doc_id, **edit.to_record()} for edit in edits)
        outputs[doc_id] = None if out is None else out.text
    return audit, outputs


def test_round_trip_restores_every_removed_paragraph():
    audit, outputs = clean(DOCS)
    # 000 comes first: its motto is kept; 001 loses both of its own and two education copies.
    assert outputs["001.txt"] == f"{EDUCATION}\n\n{OTHER}\n\n观察"
    assert outputs["002.txt"] == "前言"
    restored = restore_paragraphs(audit, outputs)
    assert set(restored) == {"001.txt", "002.txt"}
    for doc_id, text in restored.items():
        assert text == "\n\n".join(DOCS[doc_id])


def test_restore_only_some_paragraphs_or_documents():
    audit, outputs = clean(DOCS)
    restored = restore_paragraphs(audit, outputs, docs=["001.txt"], paragraphs=[0, 6])
    assert restored == {"001.txt": f"{MOTTO}\n\n{EDUCATION}\n\n{OTHER}\n\n观察\n\n{EDUCATION}"}


def test_restore_a_dropped_document():
    docs = {"a.txt": [MOTTO, EDUCATION, FUND], "b.txt": [EDUCATION, FUND, MOTTO]}
    audit, outputs = clean(docs, DedupOptions(drop_duplicate_documents=True))
    assert outputs["b.txt"] is None
    restored = restore_paragraphs(audit, {k: v for k, v in outputs.items() if v is not None})
    assert restored == {"b.txt": "\n\n".join(docs["b.txt"])}


def test_restore_text_checks_the_paragraph_count():
    from cleaner.dedup.restore import Removals

    with pytest.raises(ValueError, match="fewer paragraphs"):
        restore_text("", Removals({2: "x"}))


def _write_tree(root: Path, audit: list[dict], outputs: dict[str, str | None], jsonl: str | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    path = root / "audit.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in audit), encoding="utf-8")
    if jsonl is None:
        for doc_id, text in outputs.items():
            (root / "out" / doc_id).parent.mkdir(parents=True, exist_ok=True)
            (root / "out" / doc_id).write_text(text + "\n" if text else "", encoding="utf-8")
    else:
        lines = [
            json.dumps({"n": doc_id, "text": text}, ensure_ascii=False) for doc_id, text in outputs.items() if text
        ]
        (root / "out").mkdir(exist_ok=True)
        (root / "out" / jsonl).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_restore_tree_rewrites_cleaned_files(tmp_path):
    audit, outputs = clean(DOCS)
    audit_path = _write_tree(tmp_path, audit, outputs)
    counts = restore_tree(audit_path, tmp_path / "out", tmp_path / "restored")
    assert counts == {"paragraphs": 6, "documents": 2, "files": 2}
    for doc_id in ("001.txt", "002.txt"):
        assert (tmp_path / "restored" / doc_id).read_text(encoding="utf-8") == "\n\n".join(DOCS[doc_id]) + "\n"
    assert not (tmp_path / "restored" / "000.txt").exists()  # nothing was removed from it


def test_restore_tree_in_json_lines_with_a_dropped_record(tmp_path):
    docs = {
        "news.jsonl:1": [MOTTO, EDUCATION, FUND],
        "news.jsonl:2": [EDUCATION, FUND, MOTTO],  # dropped: a duplicate document
        "news.jsonl:3": [OTHER, EDUCATION],
    }
    audit, outputs = clean(docs, DedupOptions(drop_duplicate_documents=True))
    assert outputs["news.jsonl:2"] is None and outputs["news.jsonl:3"] == OTHER
    audit_path = _write_tree(tmp_path, audit, outputs, jsonl="news.jsonl")
    restore_tree(audit_path, tmp_path / "out")
    records = [json.loads(line) for line in (tmp_path / "out" / "news.jsonl").read_text().splitlines()]
    assert [r["text"] for r in records] == ["\n\n".join(docs[f"news.jsonl:{n}"]) for n in (1, 2, 3)]
    assert records[2]["n"] == "news.jsonl:3"  # other fields of kept records are untouched


def test_restore_command(tmp_path):
    audit, outputs = clean(DOCS)
    audit_path = _write_tree(tmp_path, audit, outputs)
    result = CliRunner().invoke(app, ["restore", str(audit_path), str(tmp_path / "out"), "--doc", "001.txt"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"restored 4 paragraph(s) in 1 document(s), 1 file(s) written to {tmp_path / 'out'}"
    assert (tmp_path / "out" / "001.txt").read_text(encoding="utf-8") == "\n\n".join(DOCS["001.txt"]) + "\n"
    assert (tmp_path / "out" / "002.txt").read_text(encoding="utf-8") == "前言\n"  # not selected


def test_missing_or_broken_audit_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="no such audit record"):
        restore_tree(tmp_path / "missing.jsonl", tmp_path)
    broken = tmp_path / "audit.jsonl"
    broken.write_text('{"type": "run"}\n{oops\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"audit.jsonl:2: not a JSON line"):
        restore_tree(broken, tmp_path)


# -- the command on a real run: paths from the audit record, strictness, idempotence ---------------


def cleaned_run(tmp_path: Path) -> tuple[Path, Path]:
    """`clean` over DOCS: 001.txt loses 4 paragraphs, 002.txt 2; returns the audit record and DST."""
    src = tmp_path / "src"
    src.mkdir()
    for name, paragraphs in DOCS.items():
        (src / name).write_text("\n\n".join(paragraphs), encoding="utf-8")
    result = CliRunner().invoke(clean_app, [str(src), str(tmp_path / "out"), "--no-rules", "--quiet"])
    assert result.exit_code == 0, result.stderr
    return tmp_path / "out" / ".cleaner" / "audit.jsonl.gz", tmp_path / "out"


def restore(*args: str | Path):
    return CliRunner().invoke(app, ["restore", *map(str, args)])


def digest(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def rename_doc(audit: Path, old: str, new: str) -> None:
    records = list(read_audit(audit))
    for record in records:
        if record.get("doc") == old:
            record["doc"] = new
    write_audit_records(audit, records)


@pytest.mark.parametrize("where", ["absolute", "../elsewhere/002.txt", "sub/../../elsewhere/002.txt"])
def test_restore_refuses_document_paths_that_leave_the_folder(tmp_path: Path, where: str) -> None:
    audit, out = cleaned_run(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "002.txt").write_bytes((out / "002.txt").read_bytes())  # something there to overwrite
    doc = str(elsewhere / "002.txt") if where == "absolute" else where
    rename_doc(audit, "002.txt", doc)
    result = restore(audit, out, "--out", tmp_path / "back")
    assert result.exit_code == 1
    assert result.stderr == f"not restored {doc}: its path in the audit record is not relative and normalised\n"
    assert result.stdout == f"restored 4 paragraph(s) in 1 document(s), 1 file(s) written to {tmp_path / 'back'}\n"
    assert (elsewhere / "002.txt").read_text("utf-8") == "前言\n", "nothing written outside the folder"
    assert sorted(digest(tmp_path / "back")) == ["001.txt"]


@pytest.mark.parametrize("doc", ["C:/x/002.txt", "..\\002.txt", "./002.txt", "a//002.txt", ".cleaner/audit.jsonl"])
def test_restore_accepts_only_plain_relative_document_paths(tmp_path: Path, doc: str) -> None:
    audit, out = cleaned_run(tmp_path)
    rename_doc(audit, "002.txt", doc)
    before = audit.read_bytes()
    result = restore(audit, out, "--doc", doc)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"not restored {doc}: its path in the audit record is ")
    assert audit.read_bytes() == before


def test_restore_twice_in_place_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    audit, out = cleaned_run(tmp_path)
    first = restore(audit, out)
    assert first.exit_code == 0, first.stderr
    assert (out / "001.txt").read_text("utf-8").count("教育是民生之基") == 2
    after_first = digest(out)
    second = restore(audit, out)
    assert second.exit_code == 2
    assert second.stderr == (
        f"{out / '001.txt'}: the cleaned file is not the text the run wrote (904 bytes, the audit record says 374): "
        "it was restored already or changed since; nothing was written\n"
    )
    assert digest(out) == after_first, "no paragraph is put back twice"


def test_restore_twice_into_the_same_folder_is_refused(tmp_path: Path) -> None:
    audit, out = cleaned_run(tmp_path)
    back = tmp_path / "back"
    assert restore(audit, out, "--out", back).exit_code == 0
    restored = digest(back)
    second = restore(audit, out, "--out", back)
    assert second.exit_code == 2
    assert second.stderr.startswith(f"{back / '001.txt'}: the file already in the output folder is not the text")
    assert digest(back) == restored
    assert sorted(restored) == ["001.txt", "002.txt"], "no lock or temporary file is left in the output folder"


def test_restore_of_an_unknown_document_or_paragraph_is_an_error(tmp_path: Path) -> None:
    audit, out = cleaned_run(tmp_path)
    before = digest(out)
    unknown = restore(audit, out, "--doc", "nope.txt")
    assert unknown.exit_code == 2
    assert unknown.stderr == "--doc nope.txt: no such document in the audit record\n"
    untouched = restore(audit, out, "--doc", "000.txt")
    assert untouched.exit_code == 2
    assert untouched.stderr == "--doc 000.txt: the dedup step removed nothing from this document\n"
    out_of_range = restore(audit, out, "--para", "9999")
    assert out_of_range.exit_code == 2
    assert out_of_range.stderr == (
        "--para 9999: no paragraph with this index was removed from the selected documents (removed: 0, 1, 3, 4, 6)\n"
    )
    other_doc = restore(audit, out, "--doc", "002.txt", "--para", "3")
    assert other_doc.exit_code == 2
    assert other_doc.stderr.endswith("from the selected documents (removed: 0, 1)\n")
    assert digest(out) == before


def test_restore_writes_neither_through_a_symlink_nor_into_the_cleaned_folder(tmp_path: Path) -> None:
    audit, out = cleaned_run(tmp_path)
    back = tmp_path / "back"
    back.mkdir()
    (back / "002.txt").symlink_to(out / "002.txt")
    before = digest(out)
    linked = restore(audit, out, "--out", back)
    assert linked.exit_code == 2
    assert linked.stderr == (
        f"{back / '002.txt'}: refusing to write a restored file into the input {out} "
        f"(it resolves to {os.path.realpath(out / '002.txt')})\n"
    )
    inside = restore(audit, out, "--out", out / "restored")
    assert inside.exit_code == 2
    assert "refusing to write a restored file into the input" in inside.stderr
    assert digest(out) == before
    assert not (back / "001.txt").exists(), "refused before anything is written"


def test_clean_then_restore_with_fragments_and_short_near_copies(tmp_path):
    """End to end: the audit replays onto every input, and `cleaner restore` gives back what dedup removed."""
    from cleaner.config import Config
    from cleaner.corpus import clean_corpus
    from cleaner.model import Edit, replay

    road = "“要想富，先修路”，“交通兴、百业兴”。近年来，渌口区紧紧围绕“交通基础设施建设要率先实现重大突破”的发展战略，攻坚克难，砥砺前行，“渌湘”交通实现跨越发展，全面融城有了基础保障。"  # noqa: E501
    poverty = "持续巩固拓展脱贫攻坚成果，守牢不发生规模性返贫致贫底线。"
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text(f"{road}\n\n{poverty}\n\n{OTHER}\n", encoding="utf-8")
    # Fragments a layout repair could not rejoin (each one sentence end, so no stage joins them),
    # and the short sentence with one OCR error.
    (src / "b.txt").write_text(
        "观察\n\n“要想富，先修路”，“交通兴、百业兴”。\n\n近年来，渌口区紧紧围绕“交通基础设施建设要率先实现重大突破”的发展战略，"
        "攻坚克难，砥砺前行；\n\n“渌湘”交通实现跨越发展，全面融城有了基础保障。\n\n"
        + poverty.replace("巩固", "巩近")
        + f"\n\n{FUND}\n",
        encoding="utf-8",
    )
    config = Config().with_options({"rules": {"enabled": False}})
    clean_corpus(src, tmp_path / "out", config)
    audit = tmp_path / "out" / ".cleaner" / "audit.jsonl.gz"
    records = list(read_audit(audit))
    rules = {r["rule"] for r in records if r["type"] == "edit" and r["stage"] == "dedup"}
    assert rules == {"fragment", "short_near"}
    for name in ("a.txt", "b.txt"):
        edits = [Edit.from_record(r) for r in records if r["type"] == "edit" and r["doc"] == name]
        source = (src / name).read_text(encoding="utf-8").removesuffix("\n")
        assert replay(source, edits) + "\n" == (tmp_path / "out" / name).read_text(encoding="utf-8")
    assert (tmp_path / "out" / "b.txt").read_text(encoding="utf-8") == f"观察\n\n{FUND.replace(',', '，')}\n"
    result = CliRunner().invoke(app, ["restore", str(audit), str(tmp_path / "out"), "--out", str(tmp_path / "back")])
    assert result.exit_code == 0, result.output
    undeduplicated = tmp_path / "nodedup"
    clean_corpus(src, undeduplicated, Config().with_options({"rules": {"enabled": False}, "dedup": {"scope": "off"}}))
    assert (tmp_path / "back" / "b.txt").read_text(encoding="utf-8") == (undeduplicated / "b.txt").read_text("utf-8")


def test_a_copy_removed_between_two_paragraphs_that_were_then_joined_goes_back_between_them(tmp_path: Path) -> None:
    """The sample pages' lines (the hostile suite's passage): dedup removed a copy after
    '…是块相当的牌子，', the two paragraphs that met were then joined (so a second run changes
    nothing), and restore undoes that join to put the copy back where it stood."""
    lines = [
        "不少家长把孩子送到渌口读书，",
        "但随着周边地区的名校异军突起，渌口",
        "教育的地位、形象日趋弱化，重拾辉煌",
        "是大家共同的心愿。",
    ]
    copy = "\n\n".join(lines)
    text = (
        f"{copy}\n\n教育是民生之基，牵动着千家万户。\n\n过去，渌口区是块相当的牌子，\n\n{copy}\n\n"
        "——通过“网格化管理+联动共建+群众自治”，文明城市创建实现常态化、长效化；\n"
    )
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    (src / "a.txt").write_text(text, encoding="utf-8")
    assert CliRunner().invoke(clean_app, [str(src), str(out), "--quiet"]).exit_code == 0
    cleaned = (out / "a.txt").read_text(encoding="utf-8")
    assert "牌子，——通过" in cleaned
    result = restore(out / ".cleaner" / "audit.jsonl.gz", out, "--out", tmp_path / "restored")
    assert result.exit_code == 0, result.output
    restored = (tmp_path / "restored" / "a.txt").read_text(encoding="utf-8").split("\n\n")
    assert restored[2:5] == ["过去，渌口区是块相当的牌子，", "".join(lines), restored[4]]
    assert restored[4].startswith("——通过")


def test_a_copy_a_join_made_after_dedup_is_removed_and_restore_puts_everything_back(tmp_path: Path) -> None:
    """Dedup removes the second '00000000㟹0000'; the short '0䑜。' (too short to be removed) then
    joins the first, which makes an exact copy of the paragraph above, removed too. Cleaning the
    output again changes nothing, and restore gives back every paragraph, in order."""
    lines = ["0䑜。", "00000000㟹00000䑜。", "00000000㟹0000", "0䑜。", "00000000㟹0000"]
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    (src / "a.txt").write_text("\n".join(lines), encoding="utf-8")
    assert CliRunner().invoke(clean_app, [str(src), str(out), "--quiet"]).exit_code == 0
    cleaned = (out / "a.txt").read_text(encoding="utf-8")
    assert cleaned == "0䑜。\n\n00000000㟹00000䑜。\n"
    assert CliRunner().invoke(clean_app, [str(out), str(tmp_path / "again"), "--quiet"]).exit_code == 0
    assert (tmp_path / "again" / "a.txt").read_text(encoding="utf-8") == cleaned
    result = restore(out / ".cleaner" / "audit.jsonl.gz", out, "--out", tmp_path / "restored")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "restored" / "a.txt").read_text(encoding="utf-8") == "\n\n".join(lines) + "\n"
