"""Applying rules: leftmost-longest literals, unless, files scopes, regex rules, timeouts, replay."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.config import Config, RulesOptions
from cleaner.model import Document, replay
from cleaner.pipeline import Pipeline
from cleaner.rules import Matcher, load_rules_text, rule_hits, rule_timeouts
from cleaner.stages.rules import make


def run(yaml_text: str, text: str, path: str = "000_x.txt", timeout: float = 1.0):
    rule_set = load_rules_text(yaml_text, "t.yaml")
    doc = Document(id=path, text=text)
    out, edits = Matcher(rule_set.rules, timeout).apply(doc)
    assert replay(text, edits) == out.text
    return out.text, edits


def test_literal_rule_records_an_edit_with_rule_file_and_line():
    text, edits = run("rules:\n  - find: 涪口\n    replace: 渌口\n", "推动涪口高质量发展")
    assert text == "推动渌口高质量发展"
    (edit,) = edits
    assert (edit.stage, edit.rule, edit.start, edit.end, edit.before, edit.after) == (
        "rules",
        "t:1",
        2,
        4,
        "涪口",
        "渌口",
    )
    assert edit.detail == {"file": "t.yaml", "line": 2}
    assert edit.step == 0


def test_leftmost_longest_the_longer_find_wins():
    rules = "rules:\n  - find: 车同\n    replace: 车间\n  - find: 生产车同一\n    replace: 生产车间一\n"
    text, edits = run(rules, "生产车同一片繁忙，车同")
    assert text == "生产车间一片繁忙，车间"
    assert [e.rule for e in edits] == ["t:2", "t:1"]


def test_leftmost_longest_the_leftmost_match_wins_over_a_longer_later_one():
    rules = "rules:\n  - find: 甲乙\n    replace: 子\n  - find: 乙丙丁\n    replace: 丑\n"
    assert run(rules, "甲乙丙丁")[0] == "子丙丁"


def test_all_literal_rules_in_one_pass_no_rule_sees_another_rules_output():
    # 涪 → 渌 would let 渌口 → ... fire again if rules ran one after another; in one pass it cannot.
    rules = "rules:\n  - find: 涪口\n    replace: 渌口\n  - find: 涑口\n    replace: 渌口\n"
    text, edits = run(rules, "涪口涑口涪口")
    assert text == "渌口渌口渌口" and len(edits) == 3


def test_unless_protects_a_phrase_around_a_find():
    rules = "rules:\n  - find: 绿口\n    replace: 渌口\n    unless: [绿口罩]\n"
    assert run(rules, "戴上绿口罩，推动绿口特色产品")[0] == "戴上绿口罩，推动渌口特色产品"


def test_unless_phrase_starting_before_the_find_protects_it():
    rules = "rules:\n  - find: 涪陵\n    replace: 渌口\n    unless: [重庆市涪陵]\n"
    assert run(rules, "重庆市涪陵区与涪陵经开区")[0] == "重庆市涪陵区与渌口经开区"


def test_unless_for_regex_rules():
    rules = "rules:\n  - pattern: '绿(?=口)'\n    replace: 渌\n    unless: [绿口罩]\n"
    assert run(rules, "绿口罩，绿口")[0] == "绿口罩，渌口"


def test_files_scope_applies_the_rule_only_to_matching_paths():
    rules = "rules:\n  - find: 涪陵\n    replace: 渌口\n    files: ['003_*']\n  - find: 涪口\n    replace: 渌口\n"
    text = "涪陵经开区，涪口"
    assert run(rules, text, path="003_f63b25ad495e4c38.txt")[0] == "渌口经开区，渌口"
    assert run(rules, text, path="004_0b186be64541f9a4.txt")[0] == "涪陵经开区，渌口"
    assert run(rules, "重庆市涪陵区", path="000_531bce3b1dd6754a.txt")[0] == "重庆市涪陵区"


def test_files_scope_of_regex_rules():
    rules = "rules:\n  - pattern: '涪(?=陵)'\n    replace: 渌\n    files: ['003_*']\n"
    assert run(rules, "涪陵", path="003_a.txt")[0] == "渌陵"
    assert run(rules, "涪陵", path="004_a.txt")[0] == "涪陵"


def test_one_automaton_per_distinct_scope():
    rules = (
        "rules:\n  - find: 甲\n    replace: 乙\n    files: ['a*']\n"
        "  - find: 丙\n    replace: 丁\n    files: ['b*']\n  - find: 戊\n    replace: 己\n"
    )
    matcher = Matcher(load_rules_text(rules, "t.yaml").rules)
    a1, a2, b, c = (matcher.automaton_for(p) for p in ("a1.txt", "a2.txt", "b.txt", "c.txt"))
    assert a1 is a2 and a1 is not b and c is not a1
    assert matcher.apply_text("甲丙戊", "a1.txt")[0] == "乙丙己"
    assert matcher.apply_text("甲丙戊", "b.txt")[0] == "甲丁己"
    assert matcher.apply_text("甲丙戊", "c.txt")[0] == "甲丙己"


def test_regex_rules_run_after_literals_in_file_order_each_with_its_own_step():
    rules = (
        "rules:\n  - pattern: '(\\d+)万'\n    replace: '\\1 万'\n"
        "  - find: 涪口\n    replace: 渌口\n"
        "  - pattern: '渌口 ?(\\d)'\n    replace: '渌口区\\1'\n"
    )
    source = "涪口5万元\n\n渌口 3号"
    text, edits = run(rules, source)
    assert text == "渌口区5 万元\n\n渌口区3号"
    assert [(e.rule, e.step) for e in edits] == [("t:2", 0), ("t:1", 1), ("t:3", 2), ("t:3", 2)]
    assert [e.para for e in edits] == [0, 0, 0, 1]


def test_regex_timeout_skips_the_rule_for_that_paragraph_and_records_the_event():
    rules = "rules:\n  - pattern: '(a|aa)+$'\n    replace: x\n  - pattern: 'b'\n    replace: c\n"
    source = "a" * 60 + "!\n\nb"
    text, edits = run(rules, source, timeout=0.05)
    assert text == "a" * 60 + "!\n\nc"
    timeout = edits[0]
    assert (timeout.rule, timeout.start, timeout.end, timeout.before, timeout.after) == ("t:1", 0, 0, "", "")
    assert timeout.detail == {"file": "t.yaml", "line": 2, "event": "timeout"}
    rule_set = load_rules_text(rules, "t.yaml")
    assert rule_hits(rule_set, edits) == {"t:1": 0, "t:2": 1}
    assert rule_timeouts(edits) == {"t:1": 1}


def test_regex_without_timeout_problem_replaces():
    rules = "rules:\n  - pattern: '(a|aa)+$'\n    replace: x\n"
    assert run(rules, "aaaa", timeout=1.0)[0] == "x"


def test_rule_hits_lists_rules_that_never_fired():
    rules = "rules:\n  - find: 涪口\n    replace: 渌口\n  - find: 涑口\n    replace: 渌口\n"
    rule_set = load_rules_text(rules, "t.yaml")
    _, edits = run(rules, "涪口、涪口")
    assert rule_hits(rule_set, edits) == {"t:1": 2, "t:2": 0}


def test_stage_with_no_paths_does_nothing():
    stage = make(RulesOptions(paths=()))
    doc = Document(id="a.txt", text="涪口")
    assert stage(doc) == (doc, [])


def test_stage_loads_files_and_folders(tmp_path):
    (tmp_path / "r.yaml").write_text("rules:\n  - find: 涪口\n    replace: 渌口\n", encoding="utf-8")
    stage = make(RulesOptions(paths=(str(tmp_path),)))
    out, edits = stage(Document(id="a.txt", text="涪口"))
    assert out.text == "渌口" and edits[0].detail == {"file": str(tmp_path / "r.yaml"), "line": 2}


SEED_RULES = (
    "rules:\n"
    "  - find: [涪口, 涑口, 涿口, 绿口, 淥口]\n    replace: 渌口\n    unless: [绿口罩]\n"
    "  - find: 生产车同\n    replace: 生产车间\n    unless: [生产车同比]\n"
    "  - pattern: '(?<=酰)亚胶'\n    replace: 亚胺\n"
)
_alphabet = st.sampled_from(list("涪涑涿绿淥渌口罩生产车同间比酰亚胶胺，。 \n"))


@settings(max_examples=300, deadline=None)
@given(st.text(_alphabet, max_size=60))
def test_idempotent_replayable_and_never_raises(text: str):
    text = "\n\n".join(p for p in text.split("\n\n") if p)  # canonical paragraphs
    matcher = Matcher(load_rules_text(SEED_RULES, "t.yaml").rules)
    doc = Document(id="a.txt", text=text)
    out, edits = matcher.apply(doc)
    assert replay(text, edits) == out.text
    again, more = matcher.apply(out)
    assert more == [] and again.text == out.text


def test_long_texts_are_searched_in_slices_with_the_same_result():
    from cleaner.rules.matcher import SLICE_CHARS, literal_changes, literal_changes_sliced

    rules = "rules:\n  - find: 涪口\n    replace: 渌口\n  - find: 绿口\n    replace: 渌口\n    unless: [绿口罩]\n"
    automaton = Matcher(load_rules_text(rules, "t.yaml").rules).automaton_for("a.txt")
    paragraph = "推动涪口高质量发展，戴绿口罩，绿口" * 7
    text = "\n\n".join(paragraph + str(i) for i in range(3 * SLICE_CHARS // len(paragraph)))
    assert len(text) > 2 * SLICE_CHARS
    assert literal_changes_sliced(automaton, text) == literal_changes(automaton, text)
    one_line = text.replace("\n", "。")
    assert literal_changes_sliced(automaton, one_line) == literal_changes(automaton, one_line)


SLOW_RULE = "rules:\n  - pattern: '(a|aa)+$'\n    replace: x\n"


def test_a_rule_that_timed_out_on_a_paragraph_is_not_retried_in_later_settle_rounds(tmp_path: Path) -> None:
    """The paragraph is edited by punctuation too, so it goes through the settle loop: the slow
    rule must cost its time limit once, not once per round (7 s for a 1 s limit, before)."""
    rules = tmp_path / "slow.yaml"
    rules.write_text(SLOW_RULE, encoding="utf-8")
    pipeline = Pipeline(Config().with_options({"rules": {"paths": [str(rules)], "regex_timeout": 0.2}}))
    text = "文本,内容。" + "a" * 40 + "b\n\n第二段,没有问题。"
    result = pipeline.clean(text)
    # Each timeout event is one try that ran out of time: one, not one per settle round (7 before).
    timeouts = [edit for edit in result.edits if edit.is_timeout]
    assert [(edit.rule, edit.para) for edit in timeouts] == [("slow:1", 0)]
    assert result.text.startswith("文本，内容。")
