"""Precision and recall of the layout stage's joins on the labelled set (tests/data/layout/*.yaml).

Each seed is cleaned by the stages that run before ``layout`` (whitespace, unicode, variants,
punctuation, spacing); the layout stage then runs on that text, and every join or heal it records
is mapped back to the pair of source lines it connects. A join is correct if the labelled set lists
that pair. The labelled set also holds the repaired text expected around every break, the lines
that must stay on their own, and the groups that must follow a healed paragraph; ``check_text``
reports every expectation the output does not meet.

    python bench/layout_eval.py            # figures and the list of misses
    python bench/layout_eval.py --markup keep
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from cleaner.config import Config, LayoutOptions
from cleaner.model import Document, Edit, replay
from cleaner.pipeline import Pipeline
from cleaner.stages import layout

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
LABELS = ROOT / "tests" / "data" / "layout"
JOIN_RULES = {"join_broken_line", "join_across_blank", "join_heading_line", "join_hyphenated_word", "heal_interrupted"}

_HALF_TO_FULL = str.maketrans({",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）", "淥": "渌"})
_MARKS = re.compile(r"^(?:#{1,6}\s+|[-*+]\s+)")


def normalise(text: str) -> str:
    """A line as the labelled set compares it: full-width marks, no spaces, no Markdown marks."""
    return _MARKS.sub("", text.strip()).replace("**", "").translate(_HALF_TO_FULL).replace(" ", "")


@dataclass
class SeedRun:
    """One seed through the stages: the text layout received, its output and edits."""

    name: str
    before: str
    after: str
    edits: list[Edit]
    source_lines: list[int]  # seed line number of every non-empty line of ``before``


@dataclass
class Score:
    gold: set[tuple[str, int, int]] = field(default_factory=set)
    predicted: set[tuple[str, int, int]] = field(default_factory=set)
    known_misses: set[tuple[str, int, int]] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    @property
    def true_positives(self) -> set[tuple[str, int, int]]:
        return self.gold & self.predicted

    @property
    def precision(self) -> float:
        return len(self.true_positives) / len(self.predicted) if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return len(self.true_positives) / len(self.gold) if self.gold else 1.0


def load_labels() -> list[dict]:
    return [yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted(LABELS.glob("*.yaml"))]


def run_seed(name: str, markup: str = "strip") -> SeedRun:
    raw = (SEEDS / name).read_text(encoding="utf-8")
    before_layout = Pipeline(
        Config().with_options({"layout": {"enabled": False}, "rules": {"enabled": False}, "dedup": {"scope": "off"}})
    )
    before = before_layout.clean(raw, id=name).text
    stage = layout.make(LayoutOptions(markup=markup))
    document, edits = stage(Document(id=name, text=before))
    source_lines = [number for number, line in enumerate(raw.split("\n"), 1) if line.strip()]
    return SeedRun(name, before, document.text, edits, source_lines)


def joined_pairs(run: SeedRun) -> set[tuple[int, int]]:
    """The pairs of source lines the stage's joins and heals connect (in any of its passes).

    Every source line's start is followed through the passes: an edit group (one step) shifts the
    positions after it by what it added or removed. A join in a later pass connects the last
    fragment before it with the first fragment after it.
    """
    lines = layout.split_lines(run.before)
    if len(lines) != len(run.source_lines):
        raise RuntimeError(f"{run.name}: the stages before layout changed the number of lines")
    starts = [line.start for line in lines]  # where each source line starts in the current text
    pairs: set[tuple[int, int]] = set()
    steps: dict[int, list[Edit]] = {}
    for edit in run.edits:
        steps.setdefault(edit.step, []).append(edit)
    for step in sorted(steps):
        group = sorted(steps[step], key=lambda e: (e.start, e.end))
        for edit in group:
            if edit.rule not in JOIN_RULES:
                continue
            right = starts.index(edit.end)
            left = max(i for i, start in enumerate(starts) if start <= edit.start)
            pairs.add((run.source_lines[left], run.source_lines[right]))
        starts = [_shifted(start, group) for start in starts]
    return pairs


def _shifted(position: int, group: list[Edit]) -> int:
    """Where ``position`` lands after the edits of one step (none of which covers it)."""
    shift = 0
    for edit in group:
        if edit.end <= position and not (edit.start == edit.end == position):
            shift += len(edit.after) - (edit.end - edit.start)
    return position + shift


def check_text(labels: dict, run: SeedRun) -> list[str]:
    """Every expectation of ``labels`` the output of ``run`` does not meet."""
    out_lines = [normalise(line) for line in run.after.split("\n") if line.strip()]
    out_set = set(out_lines)
    name, problems = labels["file"], []
    for case in labels.get("joins", []):
        expect = normalise(case["expect"])
        where = [i for i, line in enumerate(out_lines) if expect in line]
        if case.get("known_miss"):
            if where:
                problems.append(f"{name} {case['lines']}: known miss is now repaired; update the labelled set")
            continue
        if not where:
            problems.append(f"{name} {case['lines']}: expected {case['expect']!r} on one line")
            continue
        group = [normalise(line) for line in case.get("group", [])]
        if group and out_lines[where[0] + 1 : where[0] + 1 + len(group)] != group:
            problems.append(f"{name} {case['lines']}: the group {case['group']} does not follow the healed paragraph")
    for case in labels.get("left_in_order", []):
        # Nothing marks the interrupting lines: they stay on their own, where they were.
        group = [normalise(line) for line in case["group"]]
        at = [i for i, line in enumerate(out_lines) if line == group[0]]
        if not at or out_lines[at[0] : at[0] + len(group)] != group:
            problems.append(f"{name} {case['lines']}: the group {case['group']} is not left in place, on its own")
        elif at[0] == 0 or not _line_ends_with(out_lines[at[0] - 1], case["lines"][0], run):
            problems.append(f"{name} {case['lines']}: the text before the group moved")
    for case in labels.get("separate", []):
        if normalise(case["text"]) not in out_set:
            problems.append(f"{name} line {case['line']} ({case['kind']}): {case['text']!r} is not a line of its own")
    return problems


def _line_ends_with(output_line: str, number: int, run: SeedRun) -> bool:
    """Whether ``output_line`` ends with the text of source line ``number`` (as normalised)."""
    return output_line.endswith(normalise(_line(run.name, number))[-8:])


def evaluate(markup: str = "strip") -> Score:
    score = Score()
    for labels in load_labels():
        name = labels["file"]
        run = run_seed(name, markup)
        if replay(run.before, run.edits) != run.after:
            score.problems.append(f"{name}: replay of the edits does not give the output")
        for case in labels.get("joins", []):
            key = (name, *case["lines"])
            score.gold.add(key)
            if case.get("known_miss"):
                score.known_misses.add(key)
        pairs = joined_pairs(run)
        score.predicted |= {(name, a, b) for a, b in pairs}
        for case in labels.get("not_joined", []):
            if tuple(case["lines"]) in pairs:
                score.problems.append(f"{name} {case['lines']}: joined, but must not be ({case['why']})")
        score.problems.extend(check_text(labels, run))
    return score


def _line(name: str, number: int) -> str:
    return (SEEDS / name).read_text(encoding="utf-8").split("\n")[number - 1].strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markup", choices=["strip", "keep"], default="strip")
    args = parser.parse_args(argv)
    score = evaluate(args.markup)
    tp = len(score.true_positives)
    print(f"labelled joins: {len(score.gold)}   predicted: {len(score.predicted)}   correct: {tp}")
    print(f"precision: {score.precision:.3f}   recall: {score.recall:.3f}")
    for name, a, b in sorted(score.predicted - score.gold):
        print(f"  wrong join  {name} l.{a}→{b}: {_line(name, a)[-12:]!r} + {_line(name, b)[:12]!r}")
    for name, a, b in sorted(score.gold - score.predicted):
        tag = "known miss" if (name, a, b) in score.known_misses else "missed"
        print(f"  {tag:<11} {name} l.{a}→{b}: {_line(name, a)[-12:]!r} + {_line(name, b)[:12]!r}")
    for problem in score.problems:
        print(f"  text: {problem}")
    return 0 if score.precision == 1.0 and score.recall >= 0.95 and not score.problems else 1


if __name__ == "__main__":
    sys.exit(main())
