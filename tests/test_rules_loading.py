"""Loading rule files: every key of the format, and every validation message with file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.errors import ConfigError
from cleaner.rules import load_rules, load_rules_text, rule_files
from cleaner.yamlio import read_yaml_source

DATA = Path(__file__).parent / "data" / "rules"


def errors_of(text: str, name: str = "bad.yaml") -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_rules_text(text, name)
    return str(info.value).splitlines()


def test_every_key_of_the_format_is_read():
    rule_set = load_rules([DATA / "all-keys.yaml"])
    first, group, pattern, scoped, template = rule_set.rules
    assert (first.id, first.finds, first.replace) == ("all-keys:1", ("涪口",), "渌口")
    assert first.file_globs == ("*.txt",) and first.globs == ()
    assert (first.line, first.column) == (7, 5)
    assert group.finds == ("涿口", "涑口") and group.unless == ("涑口罩",)
    assert pattern.pattern == "(?<=株洲市?)绿(?=口)" and pattern.finds == () and not pattern.is_literal
    assert scoped.id == "fuling-as-lukou"
    assert scoped.globs == ("003_*",)
    assert scoped.note.startswith("003 is a Lukou government report")
    assert scoped.examples == (("涪陵经开区升格为省级高新区", "渌口经开区升格为省级高新区"),)
    assert template.id == "spaced-wan" and template.replace == "\\1 万元"
    assert rule_set.ids == ["all-keys:1", "all-keys:2", "all-keys:3", "fuling-as-lukou", "spaced-wan"]
    assert rule_set.sources == (str(DATA / "all-keys.yaml"),)


def test_file_level_files_applies_to_every_rule_and_combines_with_the_rules_own():
    rule_set = load_rules([DATA / "all-keys.yaml"])
    first, scoped = rule_set.rules[0], rule_set.by_id("fuling-as-lukou")
    assert first.applies_to("000_531bce3b1dd6754a.txt")
    assert not first.applies_to("notes.md")
    assert scoped.applies_to("003_f63b25ad495e4c38.txt")
    assert scoped.applies_to("2024/003_f63b25ad495e4c38.txt")  # a glob without / matches the file name
    assert not scoped.applies_to("004_0b186be64541f9a4.txt")
    assert not scoped.applies_to("003_notes.md")  # the file's *.txt still holds


def test_folders_are_read_recursively_in_sorted_order_yaml_and_yml_only():
    files = rule_files([DATA / "tree"])
    assert [f.relative_to(DATA / "tree").as_posix() for f in files] == ["b.yml", "sub/a.yaml"]
    rule_set = load_rules([DATA / "tree"])
    assert rule_set.ids == ["b:1", "a:1"]


def test_a_file_named_twice_is_read_once():
    assert load_rules([DATA / "tree", DATA / "tree" / "b.yml"]).ids == ["b:1", "a:1"]


def test_no_paths_means_no_rules():
    assert len(load_rules([])) == 0


def test_empty_file_has_no_rules():
    assert len(load_rules_text("", "empty.yaml")) == 0
    assert len(load_rules_text("rules:\n", "empty.yaml")) == 0


def test_numbers_are_read_as_their_text():
    rule_set = load_rules_text("rules:\n  - find: 2O24\n    replace: 2024\n", "digits.yaml")
    assert rule_set.rules[0].replace == "2024"


def test_replace_may_be_empty_to_delete():
    rule_set = load_rules_text("rules:\n  - find: ▲\n    replace: ''\n", "del.yaml")
    assert rule_set.rules[0].replace == ""


def test_a_missing_path_is_an_error():
    with pytest.raises(ConfigError, match=r"^nope: no such rule file or folder$"):
        load_rules(["nope"])


# (YAML text of bad.yaml, the message lines it must produce)
MESSAGES = [
    ("rules:\n  - find: 涪口\n", ["bad.yaml:2:5: 'replace' is missing"]),
    (
        "rules:\n  - find: 涪口\n    replce: 渌口\n",
        ["bad.yaml:3:5: unknown rule key 'replce'; did you mean 'replace'?", "bad.yaml:2:5: 'replace' is missing"],
    ),
    (
        "rules:\n  - find: 涪口\n    colour: red\n    replace: 渌口\n",
        ["bad.yaml:3:5: unknown rule key 'colour' (known: find, pattern, replace, unless, files, id, note, examples)"],
    ),
    ("rules:\n  - find: ''\n    replace: x\n", ["bad.yaml:2:11: 'find' is empty"]),
    ("rules:\n  - find: []\n    replace: x\n", ["bad.yaml:2:11: 'find' is empty"]),
    ("rules:\n  - find: [a, '']\n    replace: x\n", ["bad.yaml:2:15: 'find' is empty"]),
    ("rules:\n  - find:\n    replace: x\n", ["bad.yaml:2:10: 'find' is empty"]),
    (
        "rules:\n  - find: a\n    pattern: b\n    replace: c\n",
        ["bad.yaml:3:5: 'find' and 'pattern' cannot both be given (one rule is literal or regex)"],
    ),
    (
        "rules:\n  - replace: c\n",
        ["bad.yaml:2:5: a rule needs 'find' (literal text) or 'pattern' (a regular expression)"],
    ),
    (
        "rules:\n  - pattern: 'a*'\n    replace: b\n",
        ["bad.yaml:2:14: 'pattern' 'a*' can match empty text (it would insert everywhere)"],
    ),
    (
        "rules:\n  - pattern: 'a(b)'\n    replace: '\\2'\n",
        ["bad.yaml:3:14: 'replace' refers to group '\\\\2', which 'pattern' does not have"],
    ),
    (
        "rules:\n  - find: 涪口\n    replace: 渌口\n  - find: 涪口\n    replace: 涪陵\n",
        ["bad.yaml:4:5: find '涪口' becomes '涪陵' here but '渌口' in rule bad:1 (bad.yaml:2:5)"],
    ),
    (
        "rules:\n  - find: a\n    replace: b\n  - find: b\n    replace: c\n",
        [
            "bad.yaml:2:5: the replacement 'b' of rule bad:1 is changed again by rule bad:2 (bad.yaml:4:5); "
            "apply both in one rule so the output is stable"
        ],
    ),
    (
        "rules:\n  - find: 甲\n    replace: 乙\n  - find: 乙\n    replace: 甲\n",
        ["bad.yaml:2:5: rules form a cycle: bad:1 → bad:2 → bad:1"],
    ),
    (
        "rules:\n  - find: 口\n    replace: 渌口\n",
        ["bad.yaml:2:5: the replacement '渌口' of rule bad:1 is changed again by the same rule"],
    ),
    (
        "rules:\n  - find: 涪口\n    replace:\n",
        ["bad.yaml:3:13: 'replace' is empty (write replace: '' to delete the match)"],
    ),
    (
        "rules:\n  - find: 涪口\n    replace: 涪口\n",
        ["bad.yaml:3:14: 'replace' equals the find '涪口': the rule would change nothing"],
    ),
    (
        "rules:\n  - find: 绿口\n    replace: 渌口\n    unless: [口罩]\n",
        ["bad.yaml:2:5: 'unless' phrase '口罩' contains no find of rule bad:1"],
    ),
    (
        "rules:\n  - find: 绿口\n    replace: 渌口\n    unless: [绿口罩]\n  - find: 绿口罩\n    replace: 绿色口罩\n",
        ["bad.yaml:2:5: 'unless' phrase '绿口罩' of rule bad:1 is a find of rule bad:2: it would switch that rule off"],
    ),
    (
        "rules:\n  - find: a\n    replace: b\n    id: x\n  - find: c\n    replace: d\n    id: x\n",
        ["bad.yaml:7:9: id 'x' is already used at bad.yaml:4:9"],
    ),
    ("rules:\n  - find: true\n    replace: x\n", ["bad.yaml:2:11: 'find' must be a string (quote it)"]),
    ("rules:\n  - find: {a: b}\n    replace: x\n", ["bad.yaml:2:11: 'find' must be a string"]),
    (
        "rules:\n  - find: a\n    replace: b\n    examples: [[a]]\n",
        ["bad.yaml:4:16: each example is a pair [input, expected output]"],
    ),
    (
        "rules:\n  - find: a\n    replace: b\n    examples: a\n",
        ["bad.yaml:4:15: 'examples' must be a list of [input, expected output] pairs"],
    ),
    ("rules: x\n", ["bad.yaml:1:8: 'rules' must be a list of rules"]),
    ("rules:\n  - x\n", ["bad.yaml:2:5: a rule is a mapping with 'find' or 'pattern', and 'replace'"]),
    ("- a\n", ["bad.yaml:1:1: a rule file holds a mapping with a 'rules' list"]),
    ("name: x\n", ["bad.yaml:1:1: 'rules' is missing (a rule file holds a list under 'rules:')"]),
    (
        "rules: []\nauthor: me\n",
        ["bad.yaml:2:1: unknown file key 'author' (known: rules, name, description, files)"],
    ),
    ("rules: []\nfiles: ['']\n", ["bad.yaml:2:9: 'files' is empty"]),
    ("rules: []\nname: [x]\n", ["bad.yaml:2:7: 'name' must be a string"]),
    (
        'rules:\n  - find: "a\\nb"\n    replace: c\n',
        ["bad.yaml:2:11: 'find' 'a\\nb' contains a line break (rules match inside one paragraph)"],
    ),
    (
        "rules:\n  - find: a\n    find: b\n    replace: c\n",
        ["bad.yaml:3:5: 'find' is given twice"],
    ),
    ("rules:\n  - find: [a\n", ["bad.yaml:3:1: invalid YAML: did not find expected ',' or ']'"]),
    (
        "rules: !!python/object/apply:os.system ['echo hi']\n",
        ["bad.yaml:1:8: tag '!!python/object/apply:os.system' is not allowed (plain data only)"],
    ),
    (
        "rules:\n  - find: !!python/name:os.system\n    replace: x\n",
        ["bad.yaml:2:11: tag '!!python/name:os.system' is not allowed (plain data only)"],
    ),
    ("rules: " + "[" * 40 + "]" * 40 + "\n", ["bad.yaml:1:39: nested deeper than 32 levels"]),
]


@pytest.mark.parametrize(("text", "expected"), MESSAGES, ids=[m[1][0].split(": ", 1)[1][:50] for m in MESSAGES])
def test_validation_message(text: str, expected: list[str]):
    assert errors_of(text) == expected


def test_pattern_that_does_not_compile_names_the_place_and_the_reason():
    (message,) = errors_of("rules:\n  - pattern: '(abc'\n    replace: x\n")
    assert message.startswith("bad.yaml:2:14: 'pattern' does not compile: missing )")


def test_errors_of_several_files_are_reported_together(tmp_path: Path):
    (tmp_path / "a.yaml").write_text("rules:\n  - find: x\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("rules:\n  - replace: y\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_rules([tmp_path])
    assert str(info.value).splitlines() == [
        f"{tmp_path / 'a.yaml'}:2:5: 'replace' is missing",
        f"{tmp_path / 'b.yaml'}:2:5: a rule needs 'find' (literal text) or 'pattern' (a regular expression)",
    ]


def test_same_find_in_two_files_with_different_replacements(tmp_path: Path):
    (tmp_path / "a.yaml").write_text("rules:\n  - find: 涪口\n    replace: 渌口\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("rules:\n  - find: 涪口\n    replace: 涪陵\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_rules([tmp_path])
    assert str(info.value) == (
        f"{tmp_path / 'b.yaml'}:2:5: find '涪口' becomes '涪陵' here but '渌口' in rule a:1 ({tmp_path / 'a.yaml'}:2:5)"
    )


def test_same_find_and_replacement_twice_is_a_warning_not_an_error():
    rule_set = load_rules_text(
        "rules:\n  - find: [涿口, 涑口]\n    replace: 渌口\n  - find: 涑口\n    replace: 渌口\n", "dup.yaml"
    )
    assert "dup.yaml:4:5: warning: find '涑口' is already in rule dup:1 (dup.yaml:2:5)" in rule_set.warnings


def test_identical_replacement_groups_are_not_chains():
    rule_set = load_rules_text("rules:\n  - find: [涿口, 涑口, 绿口]\n    replace: 渌口\n", "group.yaml")
    assert rule_set.ids == ["group:1"]


def test_a_replacement_containing_its_find_is_fine_when_unless_protects_it():
    rule_set = load_rules_text("rules:\n  - find: 车同\n    replace: 车同间\n    unless: [车同间]\n", "self.yaml")
    assert rule_set.ids == ["self:1"]


def test_chain_through_a_regex_rule():
    lines = errors_of("rules:\n  - find: 甲\n    replace: 乙乙\n  - pattern: '乙+'\n    replace: 丙\n")
    assert lines == [
        "bad.yaml:2:5: the replacement '乙乙' of rule bad:1 is changed again by rule bad:2 (bad.yaml:4:5); "
        "apply both in one rule so the output is stable"
    ]


def test_rule_without_examples_is_a_warning():
    rule_set = load_rules_text("rules:\n  - find: a\n    replace: b\n", "w.yaml")
    assert rule_set.warnings == ("w.yaml:2:5: warning: rule w:1 has no examples",)


def test_huge_yaml_is_refused(tmp_path: Path):
    path = tmp_path / "big.yaml"
    path.write_text("rules: []\n" + "#" * 100, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"big.yaml: 110 bytes is too large for a YAML file \(limit 100\)"):
        read_yaml_source(path, max_bytes=100)


def test_non_utf8_file_is_refused(tmp_path: Path):
    path = tmp_path / "gbk.yaml"
    path.write_bytes("rules:\n  - find: 涪口\n".encode("gbk"))
    with pytest.raises(ConfigError, match=r"gbk.yaml: not UTF-8"):
        load_rules([path])


def test_alias_bomb_is_not_expanded():
    bomb = "a: &a ['x', 'x']\nb: &b [*a, *a]\nc: &c [*b, *b]\nrules: [*c]\n"
    lines = errors_of(bomb)
    assert lines[0].startswith("bad.yaml:1:1: unknown file key 'a'")


_yaml_pieces = st.sampled_from(
    [
        *("rules:", "\n", "  - ", "find: ", "pattern: ", "replace: ", "unless: ", "files: ", "examples: ", "id: "),
        *("note: ", "[", "]", "{", "}", ", ", "'", '"', "涪口", "渌口", "(", "a+", "\\1", "&a ", "*a"),
        *("!!python/object:os.system ", "~", "''", "true", "12", ":", "- ", "#", "\t", "\x00", "\ud800"),
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_yaml_pieces, max_size=30).map("".join))
def test_loading_any_text_gives_rules_or_a_config_error(text: str):
    try:
        rule_set = load_rules_text(text, "fuzz.yaml")
    except ConfigError as exc:
        assert str(exc).startswith("fuzz.yaml")
    else:
        assert all(rule.replace is not None for rule in rule_set.rules)


def test_same_id_in_two_files_names_both_places(tmp_path: Path):
    (tmp_path / "a.yaml").write_text("rules:\n  - find: x\n    replace: y\n    id: same\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("rules:\n  - id: same\n    find: z\n    replace: w\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_rules([tmp_path])
    assert str(info.value) == f"{tmp_path / 'b.yaml'}:2:9: id 'same' is already used at {tmp_path / 'a.yaml'}:4:9"
