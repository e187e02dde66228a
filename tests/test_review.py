"""The review page's builder (no browser): what it holds matches the audit record, text is escaped,
edits land where they are in the cleaned text, and --max-edits says what it left out."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cleaner.cli import app, clean_app
from cleaner.report import read_audit
from cleaner.review import build_report, collect, final_places, final_spans, quotas, script_json

from .conftest import ROOT, SEEDS

FUND = "今年7月,50亿元规模的湖南省制造业转型升级基金和10亿元规模的株洲财信高分子新材料产业基金,落户渌口区。"
MOTTO = "教育是民生之基,牵动着千家万户,每一所学校的变化都牵动着家长们的心。"
HOSTILE = '<script>document.title="pwned"</script></script><img src=x onerror="document.title=1">&amp;'


def clean(src: Path, dst: Path, *args: str) -> None:
    result = CliRunner().invoke(clean_app, [str(src), str(dst), "--config", str(ROOT / "cleaner.toml"), "-q", *args])
    assert result.exit_code in (0, 1), result.output


@pytest.fixture(scope="module")
def seeds_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The seeds copied to a temporary folder and cleaned with the repository's rules."""
    base = tmp_path_factory.mktemp("review")
    src = base / "seeds"
    shutil.copytree(SEEDS, src)
    clean(src, base / "out")
    return src, base / "out"


def audit_of(out: Path) -> list[dict]:
    return list(read_audit(out / ".cleaner" / "audit.jsonl.gz"))


def page_data(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="data">(.*?)</script>', page, re.S)
    assert found
    return json.loads(found.group(1))


# -- carrying edits to the cleaned text -----------------------------------------------------


def apply_step(text: str, step: list[tuple[int, int, str]]) -> str:
    for start, end, after in sorted(step, reverse=True):
        text = text[:start] + after + text[end:]
    return text


@st.composite
def runs(draw: st.DrawFn) -> tuple[str, list[dict]]:
    """A text and steps of random non-overlapping edits; each edit writes its own private-use character."""
    text = draw(st.text(alphabet="abcdefg\n", min_size=0, max_size=30))
    records: list[dict] = []
    marker = 0xE000
    for step in range(draw(st.integers(1, 4))):
        cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=8)))
        spans, position = [], 0
        for a, b in zip(cuts[::2], cuts[1::2], strict=False):
            if a >= position:
                spans.append((a, b))
                position = b if b > a else b + 1
        edits = []
        for start, end in spans:
            after = chr(marker) * draw(st.integers(0, 3))
            marker += 1
            edits.append((start, end, after))
            records.append({"step": step, "start": start, "end": end, "before": text[start:end], "after": after})
        text = apply_step(text, edits)
    return text, records


@settings(max_examples=300, deadline=None)
@given(runs())
def test_each_edit_is_found_where_its_text_is_in_the_cleaned_text(run: tuple[str, list[dict]]) -> None:
    final, records = run
    for record, (start, end, standing) in zip(records, final_places(records), strict=True):
        assert 0 <= start <= end <= len(final)
        after = record["after"]
        if not after:
            continue
        own = after[0]
        span = final[start:end]
        # The span holds what is left of the edit's text, and otherwise only text written later.
        assert span.count(own) == final.count(own)
        assert all(char == own or char > own for char in span)
        if final.count(own) == len(after) and after in final:  # nothing later touched it
            assert (start, end) == (final.index(after), final.index(after) + len(after))
            assert standing
        if own not in final:  # all of it was taken out or written over
            assert not standing


def test_final_spans_follow_later_steps() -> None:
    records = [
        {"step": 0, "start": 2, "end": 3, "after": ","},  # "ab.cd" -> "ab,cd"
        {"step": 1, "start": 0, "end": 0, "after": "xx"},  # "xxab,cd"
        {"step": 1, "start": 3, "end": 5, "after": ""},  # "xxab," : "cd" removed
    ]
    assert final_spans(records) == [(4, 5), (0, 2), (5, 5)]


def test_quotas_keep_small_rules_whole_and_share_the_rest() -> None:
    assert quotas({"a": 5, "b": 100, "c": 100}, 45) == {"a": 5, "b": 20, "c": 20}
    assert quotas({"a": 5}, 0) == {"a": 0}
    shares = quotas({"a": 3, "b": 7, "c": 1000}, 11)
    assert sum(shares.values()) == 11 and shares["a"] == 3


def test_script_json_leaves_no_markup() -> None:
    text = script_json({"t": HOSTILE + "\u2028"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"t": HOSTILE + "\u2028"}


# -- the page built from the seeds ------------------------------------------------------------


def test_the_page_holds_every_edit_and_the_runs_totals(seeds_run: tuple[Path, Path]) -> None:
    src, out = seeds_run
    records = audit_of(out)
    edits = [r for r in records if r["type"] == "edit" and not (r.get("detail") or {}).get("event")]
    files = [r for r in records if r["type"] == "file"]
    model = collect(out, src=src)
    summary = model["summary"]
    assert summary["files"] == len(files) == 5
    assert summary["edits"] == len(edits) == len(model["edits"])
    assert summary["by_stage"] == dict(Counter(r["stage"] for r in edits))
    assert summary["bytes_in"] == sum(f["bytes_in"] for f in files)
    assert summary["removed"] == sum(1 for r in edits if r["stage"] == "dedup" and not r["after"]) > 0
    assert {key: total for key, total, _ in model["rules"]} == dict(Counter(f"{r['stage']}/{r['rule']}" for r in edits))
    assert model["left_out"] == {}
    assert all(doc["t"] >= 0 and "note" not in doc for doc in model["docs"])


def test_every_lukou_correction_is_listed_in_context(seeds_run: tuple[Path, Path]) -> None:
    src, out = seeds_run
    model = collect(out, src=src)
    rule = next(n for n, (key, _, _) in enumerate(model["rules"]) if key == "rules/lukou-zhuo")
    hits = [e for e in model["edits"] if e[1] == rule]
    expected = [r for r in audit_of(out) if r["type"] == "edit" and r["rule"] == "lukou-zhuo"]
    assert len(hits) == len(expected) == 3
    for doc, _, start, end, before, after, left, right, extra in hits:
        text = model["texts"][model["docs"][doc]["t"]]
        assert (before, after) == ("涿口", "渌口")
        assert text[start:end] == "渌口"
        assert text[start - len(left) : end + len(right)] == left + "渌口" + right
        assert extra["src"].endswith("place-names.yaml:27")


def test_edits_that_stand_in_the_output_are_marked_exactly_there(seeds_run: tuple[Path, Path]) -> None:
    src, out = seeds_run
    model = collect(out, src=src)
    standing = [e for e in model["edits"] if not e[8].get("gone")]
    assert len(standing) > 800
    exact = sum(1 for e in standing if model["texts"][model["docs"][e[0]]["t"]][e[2] : e[3]] == e[5])
    assert exact >= len(standing) - 1  # a later edit may rewrite part of an earlier one (a moved heading)


def test_each_removed_duplicate_links_to_its_kept_paragraph(seeds_run: tuple[Path, Path]) -> None:
    src, out = seeds_run
    model = collect(out, src=src)
    removals = [e for e in model["edits"] if model["rules"][e[1]][0] == "dedup/exact"]
    assert len(removals) == 10
    for removal in removals:
        extra = removal[8]
        kept = model["docs"][extra["kept"]]
        assert kept["id"] == extra["kept_doc"]
        paragraphs = model["texts"][kept["t"]].split("\n\n")
        assert paragraphs[extra["kept_para"]] == removal[4].strip("\n")


def test_rules_that_never_fired_are_listed(seeds_run: tuple[Path, Path]) -> None:
    src, out = seeds_run
    model = collect(out, src=src)
    fired = {key.split("/", 1)[1] for key, _, _ in model["rules"] if key.startswith("rules/")}
    never = {rule["id"] for rule in model["never_fired"]}
    assert never and not never & fired
    all_ids = {m for f in (ROOT / "rules").glob("*.yaml") for m in re.findall(r"- id: (\S+)", f.read_text())}
    assert never | fired == all_ids
    assert model["rule_files_missing"] == []


def test_max_edits_samples_every_rule_and_states_what_it_left_out(seeds_run: tuple[Path, Path], tmp_path: Path) -> None:
    _, out = seeds_run
    result = CliRunner().invoke(app, ["report", str(out), "-o", str(tmp_path / "r.html"), "--max-edits", "60"])
    assert result.exit_code == 0, result.output
    assert "60 of 874 edits shown" in result.output or "60 of" in result.output
    assert "left out by --max-edits: punctuation/halfwidth_comma" in result.output
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    data = page_data(page)
    assert len(data["edits"]) == 60
    shown = Counter(data["rules"][e[1]][0] for e in data["edits"])
    assert set(shown) == {key for key, _, _ in data["rules"]}  # every rule keeps an example
    for key, total, in_page in data["rules"]:
        assert in_page == shown[key] and data["left_out"].get(key, 0) == total - in_page
    assert "This page holds 60 of the run&#x27;s" in page or "This page holds 60 of the run's" in page


# -- escaping ---------------------------------------------------------------------------------


def test_corpus_text_and_names_never_become_markup(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text(f"{FUND}\n\n{HOSTILE}{MOTTO}\n\n{FUND}\n", encoding="utf-8")
    (src / "<img src=x onerror=alert(1)>.txt").write_bytes(b"\x89PNG\x00\x00")  # skipped (binary), its name in the page
    clean(src, tmp_path / "out")
    stats = build_report(tmp_path / "out", tmp_path / "r.html")
    page = stats.path.read_text(encoding="utf-8")
    assert "<img" not in page and re.search(r"<[^>]*onerror", page) is None
    assert "pwned" in page  # the text is there, as data
    assert page.count("<script") == 3  # the data, the one text, the page's own script
    assert "<script>document" not in page
    data = page_data(page)
    assert HOSTILE in json.loads(re.search(r'id="t0">(.*?)</script>', page, re.S).group(1))
    assert data["summary"]["skipped"][0]["doc"] == "<img src=x onerror=alert(1)>.txt"
    assert "&lt;img src=x onerror=alert(1)&gt;.txt" in page


# -- JSON Lines and the command line -------------------------------------------------------------


def test_json_lines_records_find_their_cleaned_text(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    lines = [
        json.dumps({"id": 1, "body": f"{FUND}\n\n{MOTTO}"}, ensure_ascii=False),
        "",
        "not json",
        json.dumps({"id": 2, "body": "新的段落,有逗号。\n\n另一段,也不同。"}, ensure_ascii=False),
        json.dumps({"id": 3, "body": f"{FUND}\n\n{MOTTO}"}, ensure_ascii=False),
        json.dumps({"id": 4, "body": "最后一条,也有逗号。"}, ensure_ascii=False),
    ]
    (src / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    clean(src, tmp_path / "out", "--glob", "*.jsonl", "--text-field", "body", "--drop-duplicate-documents")
    model = collect(tmp_path / "out", text_field="body")
    by_id = {doc["id"]: doc for doc in model["docs"]}
    assert set(by_id) == {"news.jsonl:1", "news.jsonl:4", "news.jsonl:5", "news.jsonl:6"}
    assert model["texts"][by_id["news.jsonl:6"]["t"]] == "最后一条，也有逗号。"
    assert model["texts"][by_id["news.jsonl:4"]["t"]] == "新的段落，有逗号。\n\n另一段，也不同。"
    assert by_id["news.jsonl:5"]["t"] == -1  # dropped whole as a duplicate: its removal is listed instead
    assert model["summary"]["records_skipped"] == 1


def test_report_without_an_audit_record_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "no audit record" in result.output


def test_clean_html_writes_the_page_after_the_run(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text(f"{FUND}\n", encoding="utf-8")
    result = CliRunner().invoke(clean_app, [str(src), str(tmp_path / "out"), "--html", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    assert "review page:" in result.output
    data = page_data((tmp_path / "r.html").read_text(encoding="utf-8"))
    assert data["summary"]["edits"] == 2  # the two half-width commas
    refused = CliRunner().invoke(clean_app, [str(src), str(tmp_path / "o2"), "--dry-run", "--html", "x.html"])
    assert refused.exit_code == 2 and "--html needs a run" in refused.output


def test_max_text_leaves_texts_out_but_keeps_each_hits_context(seeds_run: tuple[Path, Path]) -> None:
    src, out = seeds_run
    model = collect(out, src=src, max_text=30_000)
    embedded = [doc for doc in model["docs"] if doc["t"] >= 0]
    assert 0 < len(embedded) < 5 and sum(len(text) for text in model["texts"]) <= 30_000
    left_out = [doc for doc in model["docs"] if doc["t"] < 0]
    assert all("--max-text" in doc["note"] for doc in left_out)
    index = {doc["id"]: n for n, doc in enumerate(model["docs"])}
    zhuo = [
        e for e in model["edits"] if e[0] == index["003_f63b25ad495e4c38.txt"] and e[5] == "渌口" and e[4] == "涿口"
    ]
    assert len(zhuo) == 3 and all(e[6] and e[7] for e in zhuo)


def test_an_output_changed_since_the_run_is_not_marked_wrongly(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text(f"{FUND}\n", encoding="utf-8")
    clean(src, tmp_path / "out")
    (tmp_path / "out" / "a.txt").write_text("改过的文字，不是这次运行写的。\n", encoding="utf-8")
    model = collect(tmp_path / "out")
    assert model["docs"][0]["t"] == -1 and "not what the audit record says" in model["docs"][0]["note"]
    assert len(model["edits"]) == model["summary"]["edits"] == 2
