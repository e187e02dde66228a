"""The fast paths of the pipeline and dedup give exactly what the straightforward code gave."""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from cleaner.dedup.deduplicator import _kept_window
from cleaner.model import Edit
from cleaner.pipeline import _starts, renumber_steps


@dataclass
class _Kept:
    mask: list[bool]

    def is_kept(self, row: int) -> bool:
        return self.mask[row]


def _listed_window(mask: list[bool], value: int, span: int, start: int, end: int) -> tuple[int, list[int], int]:
    """The window as the deduplicator computed it before: every kept row listed, then sliced."""
    kept = [r for r in range(start, end) if mask[r]]
    at = bisect.bisect_left(kept, value)
    lo = max(0, at - span)
    rows = kept[lo : at + span + 1]
    first = kept[lo - 1] if lo else start - 1
    last = kept[lo + len(rows)] if lo + len(rows) < len(kept) else end
    return first, rows, last


@given(st.lists(st.booleans(), min_size=1, max_size=60), st.integers(0, 5), st.data())
def test_kept_window_is_the_listed_window(mask: list[bool], span: int, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(mask) - 1))
    end = data.draw(st.integers(start + 1, len(mask)))
    value = data.draw(st.integers(start, end - 1))
    mask = list(mask)
    mask[value] = True  # the centre is always a kept row
    assert _kept_window(_Kept(mask), value, span, start, end) == _listed_window(mask, value, span, start, end)


def test_starts_are_those_of_the_joined_text() -> None:
    rng = random.Random(3)
    paragraphs = ["".join(rng.choice("甲乙丙\n") for _ in range(rng.randrange(6))) for _ in range(50)]
    text = "\n\n".join(paragraphs)
    starts = _starts(paragraphs)
    assert [text[s : s + len(p)] for s, p in zip(starts, paragraphs, strict=True)] == paragraphs


def test_renumber_keeps_edits_whose_step_is_right_and_renumbers_the_rest() -> None:
    same = Edit("s", "r", 0, 1, "a", "b", step=4)
    moved = Edit("s", "r", 2, 3, "c", "d", step=5)
    out: list[Edit] = []
    assert renumber_steps([same, moved], 4, out) == 6
    assert out[0] is same
    assert out[1] == Edit("s", "r", 2, 3, "c", "d", step=5)
    out = []
    assert renumber_steps([same, moved], 10, out) == 12
    assert [edit.step for edit in out] == [10, 11]
    assert [(e.start, e.before, e.after) for e in out] == [(0, "a", "b"), (2, "c", "d")]
