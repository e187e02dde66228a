"""The fast paths of the pipeline and dedup give exactly what the straightforward code gave."""

from __future__ import annotations

import bisect
import dataclasses
import operator
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import regex
from hypothesis import given
from hypothesis import strategies as st

from cleaner import blocks, furniture, wrapping
from cleaner.config import LayoutOptions
from cleaner.dedup.deduplicator import _kept_window
from cleaner.model import Document, Edit
from cleaner.pipeline import _starts, renumber_steps
from cleaner.stages import layout

from .conftest import SEEDS


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


# Characters the layout stage's fast paths look at, with Han text and Latin letters around them.
_LINE_ALPHABET = " \t\u3000.。,，、·_'`-~:;：；”’」』）)!?！？…“‘「『（(汉字文ab1"
_SEED_LINES = sorted(
    {
        line
        for path in (Path(__file__).resolve().parent.parent / "seeds").glob("*.txt")
        for line in path.read_text(encoding="utf-8").split("\n")
    }
)


@given(st.text(alphabet=_LINE_ALPHABET, max_size=10) | st.sampled_from(_SEED_LINES))
def test_a_line_passed_over_for_specks_has_none(line: str) -> None:
    if not furniture.may_have_specks(line):
        for after_sentence in (False, True):
            for after_full_stop in (False, True):
                assert furniture.specks(line, after_sentence, after_full_stop) == []


@given(st.text(alphabet=_LINE_ALPHABET, max_size=30) | st.sampled_from(_SEED_LINES))
def test_display_width_counts_each_half_width_mark(line: str) -> None:
    compact = line.replace(" ", "")
    counted = (len(compact) + len(compact.encode("utf-8"))) / 2 + sum(compact.count(c) for c in ",;:!?()")
    assert wrapping.display_width(line) == counted + (wrapping._period_widths(line) if "." in line else 0)


def _line_rhythm_by_match(plain: str) -> wrapping.LineRhythm:
    """``line_rhythm`` as it was written first: ``break_class`` asked of every match."""
    classes = []
    for match in wrapping._ENDS_AND_NEXT.finditer(plain):
        found = wrapping.break_class(match.group(0), match.group(2))
        if found:
            classes.append(found)
    return tuple(classes), len(wrapping._CLOSING_INSIDE.findall(plain, 1)), plain.count("，", 0, len(plain) - 1)


def _rhythm_counts_line_by_line(plains: list[str], full: list[bool], text_lines: list[bool]) -> wrapping.RhythmCounts:
    """``rhythm_counts`` taken in one loop over the lines, as ``rhythm`` first took them."""
    inline: Counter[str] = Counter()
    observed: Counter[str] = Counter()
    places = full_breaks = closing_inline = closing_starts = commas_inline = commas_cut = 0
    for i, plain in enumerate(plains):
        if not text_lines[i]:
            continue
        places += max(len(plain) - 1, 0)
        classes, closing, commas = _line_rhythm_by_match(plain)
        inline.update(classes)
        closing_inline += closing
        commas_inline += commas
        if i + 1 < len(plains) and full[i] and text_lines[i + 1]:
            full_breaks += 1
            closing_starts += plains[i + 1][:1] in wrapping.CLOSING_STARTS
            commas_cut += plain[-1:] == "，"
            found = wrapping.break_class(plain, plains[i + 1])
            if found:
                observed[found] += 1
    return wrapping.RhythmCounts(
        inline, observed, places, full_breaks, closing_inline, closing_starts, commas_inline, commas_cut
    )


@given(st.text(alphabet=_LINE_ALPHABET, max_size=30) | st.sampled_from(_SEED_LINES))
def test_line_rhythm_is_break_class_of_every_match(line: str) -> None:
    assert wrapping.line_rhythm(line) == _line_rhythm_by_match(line)


_RHYTHM_ROWS = st.lists(
    st.tuples(
        st.text(alphabet=_LINE_ALPHABET, max_size=12) | st.sampled_from(_SEED_LINES), st.booleans(), st.booleans()
    ),
    max_size=40,
)


@given(_RHYTHM_ROWS)
def test_rhythm_counts_are_those_counted_line_by_line(rows: list[tuple[str, bool, bool]]) -> None:
    plains, full, text_lines = [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]
    counts = wrapping.rhythm_counts(plains, full, text_lines)
    assert counts == _rhythm_counts_line_by_line(plains, full, text_lines)
    # The breaks are counted in document order (the rhythm's classes come in that order).
    assert list(counts.observed) == list(_rhythm_counts_line_by_line(plains, full, text_lines).observed)


@given(st.text(alphabet=_LINE_ALPHABET, max_size=30) | st.sampled_from(_SEED_LINES))
def test_a_line_without_stops_or_periods_has_no_inner_stop(line: str) -> None:
    assert wrapping.line_facts(line)[1] == (blocks.has_clause_marks(line) and blocks.has_inner_stop(line))


def _variants_by_scanning(counts: Counter[str]) -> dict[str, str]:
    """``furniture._ocr_variants`` by scanning every label ranked before each one."""
    ranked = sorted(counts, key=lambda label: (-counts[label], label))
    canonical: dict[str, str] = {}
    for k, label in enumerate(ranked):
        for other in ranked[:k]:
            more = counts[other] > counts[label]
            tied = counts[other] == counts[label] and not furniture._letter_swap(label, other)
            if other not in canonical and len(other) >= 4 and (more or tied):
                if furniture._one_edit(label, other):
                    canonical[label] = other
                    break
    return canonical


# Labels over two or three letters: many of them one edit from several others, counts often tied.
@given(st.dictionaries(st.text(alphabet="ab人", min_size=3, max_size=6), st.integers(1, 3), max_size=40))
def test_ocr_variants_are_those_found_by_scanning_every_label(counts: dict[str, int]) -> None:
    assert furniture._ocr_variants(Counter(counts)) == _variants_by_scanning(Counter(counts))


@given(st.integers(-1, 40), st.lists(st.integers(-1, 40), max_size=12))
def test_a_labelled_number_fits_the_page_numbers_as_when_each_is_compared(number: int, pages: list[int]) -> None:
    near = any(abs(number - page) <= furniture.PAGE_NEIGHBOURHOOD for page in pages)
    assert furniture._is_running_head("目录", number, Counter(), sorted(pages)) == near


_ASCII_CODE_ALPHABET = "abdefimnorstx AZ09_$#!>/*<@:{};()=-.\t\"'"
_CODE_STARTS = ["", "if ", "def ", "make ", "  for ", "git ", "ls -l ", "x=", "$ ", "// "]


@given(st.sampled_from(_CODE_STARTS), st.text(alphabet=_ASCII_CODE_ALPHABET, max_size=20))
def test_is_code_is_the_whole_pattern_asked_of_every_ascii_line(start: str, rest: str) -> None:
    line = start + rest
    whole = line.isascii() and any(c.isalnum() for c in line) and wrapping._CODE.search(line) is not None
    assert wrapping.is_code(line) == (whole or (line[:1] == "-" and wrapping._OPTION_TERM.match(line) is not None))


@given(st.text(alphabet="。！？!?…”’」』）).汉a\n ", max_size=12) | st.sampled_from(_SEED_LINES))
def test_the_tail_pattern_found_from_the_end_is_found_from_the_start(line: str) -> None:
    forward = regex.compile(wrapping._TAIL_END.pattern)
    assert (wrapping._TAIL_END.search(line) is None) == (forward.search(line) is None)


@given(st.text(alphabet=_LINE_ALPHABET + "—\n", max_size=12) | st.sampled_from(_SEED_LINES))
def test_continuing_end_asks_runs_on_only_of_a_line_that_can_run_on(line: str) -> None:
    side = wrapping.Side(line, wrapping.NO_COLUMN)
    last = line[-1:]
    expected = (
        wrapping.CONTINUING_END
        if last and (last in blocks.CONTINUING or last in wrapping.OPENING_ENDS) and not side.ends_sentence
        else wrapping.CLAUSE_END
        if blocks.runs_on(line)
        else 0.0
    )
    assert wrapping.continuing_end(side, side) == expected


def _reach_step_by_step(
    widths: list[float], text_lines: list[bool], i: int, step: int, low: float, high: float, slack: float
) -> tuple[int, float, float]:
    """``wrapping._reach`` as it was written first: the distance and the bounds asked at every step."""
    edge = i
    while abs(edge - i) < wrapping.COLUMN_REACH and 0 <= edge + step < len(widths) and text_lines[edge + step]:
        other = widths[edge + step]
        if other < low:
            if high - other > slack:
                break
            low = other
        elif other > high:
            if other - low > slack:
                break
            high = other
        edge += step
    return edge, low, high


# Mostly text lines of nearly one width, so that runs often reach as far as they can.
_RUN_ROWS = st.tuples(
    st.sampled_from([16.0, 19.5, 20.0, 20.0, 21.0, 22.5, 23.0]), st.sampled_from([True, True, True, False])
)


@given(st.lists(_RUN_ROWS, max_size=9), st.data())
def test_a_run_reaches_as_far_as_walked_step_by_step(rows: list[tuple[float, bool]], data: st.DataObject) -> None:
    widths, text_lines = [r[0] for r in rows], [r[1] for r in rows]
    if not widths:
        return
    i = data.draw(st.integers(0, len(widths) - 1))
    step = data.draw(st.sampled_from([-1, 1]))
    slack = data.draw(st.sampled_from([3.0, 2.5, 4.0]))
    low, high = widths[i], widths[i] + data.draw(st.sampled_from([0.0, 1.0, 3.0]))
    assert wrapping._reach(widths, text_lines, i, step, low, high, slack) == _reach_step_by_step(
        widths, text_lines, i, step, low, high, slack
    )


def _columns_walking_from_every_line(
    widths: list[float], text_lines: list[bool], prose: list[bool], closed: list[bool]
) -> list[wrapping.Column]:
    """``wrapping.columns`` as it was written first: the run walked back and forth from every line
    of text in the width range, whether or not a neighbour shares its width."""
    n = len(widths)
    full_widths = [0.0] * n
    for i in range(n):
        width = widths[i]
        if not text_lines[i] or not wrapping.MIN_COLUMN_WIDTH <= width <= wrapping.MAX_COLUMN_WIDTH:
            continue
        slack = max(wrapping.WIDTH_SLACK, wrapping.WIDTH_SLACK_SHARE * width)
        first, low, high = wrapping._reach(widths, text_lines, i, -1, width, width, slack)
        last, low, high = wrapping._reach(widths, text_lines, i, 1, low, high, slack)
        run = last - first
        if i == last and wrapping._wider_after(widths, text_lines, last, 2 * high):
            continue
        if (run >= 2 or (run == 1 and width >= wrapping.MIN_PAIR_WIDTH)) and wrapping._runs_on(
            prose, closed, first, last
        ):
            if not wrapping._closes_wider_run(widths, full_widths, closed, first, i):
                full_widths[i] = width
    result = [wrapping.NO_COLUMN] * n
    for i in range(n):
        if full_widths[i]:
            result[i] = wrapping.Column(True, False)
        elif text_lines[i]:
            widest = max(full_widths[max(i - wrapping.COLUMN_REACH, 0) : i + wrapping.COLUMN_REACH + 1])
            if widths[i] < wrapping.SHORT_SHARE * widest:
                result[i] = wrapping.Column(False, True)
    return result


# Widths at the edges of the slack (3 columns, or a tenth of the width) and of the column range.
_COLUMN_ROWS = st.tuples(
    st.sampled_from([8.0, 10.0, 14.0, 16.0, 17.0, 19.0, 20.0, 23.0, 23.5, 30.0, 33.0, 33.5, 100.0, 110.0]),
    st.sampled_from([True, True, True, False]),
    st.booleans(),
    st.sampled_from([False, False, True]),
)


@given(st.lists(_COLUMN_ROWS, max_size=14))
def test_columns_are_those_found_walking_from_every_line(rows: list[tuple[float, bool, bool, bool]]) -> None:
    widths, text_lines = [r[0] for r in rows], [r[1] for r in rows]
    prose, closed = [r[2] for r in rows], [r[3] for r in rows]
    assert wrapping.columns(widths, text_lines, prose, closed) == _columns_walking_from_every_line(
        widths, text_lines, prose, closed
    )


# Credits and near misses: a name, a credit word or part of one, a line break or a space after it.
_CREDIT_LINES = st.tuples(
    st.text(alphabet="汉字供提 a", max_size=12),
    st.sampled_from(["供图", "提供图", "供", "图", "摄", ""]),
    st.sampled_from(["", "\n", " ", "汉"]),
).map("".join)


@given(_CREDIT_LINES)
def test_a_bare_credit_ends_as_its_pattern_asks(line: str) -> None:
    assert blocks._BARE_CREDIT.match(line) is None or line.endswith(blocks._BARE_CREDIT_ENDS)


_LATIN_STARTS = st.tuples(
    st.sampled_from(list("az09_/.-?=&%#+]AZ汉 \t“")), st.sampled_from(["", "月", "日", "时", "张", "a", "汉"])
).map("".join)


@given(_LATIN_STARTS | st.sampled_from(_SEED_LINES))
def test_a_latin_start_starts_with_one_of_its_first_characters(line: str) -> None:
    assert wrapping._LATIN_START.match(line) is None or line[:1] in wrapping._LATIN_START_FIRST


@given(st.lists(st.tuples(st.text(alphabet="汉字 \t\u3000ab", min_size=1, max_size=16), st.booleans()), max_size=6))
def test_a_paragraph_start_is_the_start_of_its_lines_squeezed_whole(rows: list[tuple[str, bool]]) -> None:
    plains = [plain for plain, _ in rows]
    static = [blocks.TEXT if text else blocks.HEADING for _, text in rows]
    starts = layout._Starts([layout._read(layout.Line(0, len(p), p, p)).start for p in plains], static)
    heads = []
    for k in range(len(plains)):
        run = []
        for plain, kind in zip(plains[k:], static[k:], strict=True):
            if kind != blocks.TEXT:
                break
            run.append("".join(plain.split()))
        heads.append("".join(run)[: layout.REPEAT_START])
        assert starts.head(k) == heads[-1]
        starts.note(k)
    assert starts.seen == {head for head in heads if len(head) == layout.REPEAT_START}


# Quotations and brackets of every kind _QUOTED removes, open and closed, among clause marks.
_QUOTED_ALPHABET = _LINE_ALPHABET + "《》”’」』）)“‘「『（("


@given(st.text(alphabet=_QUOTED_ALPHABET, max_size=16) | st.sampled_from(_SEED_LINES))
def test_clause_marks_are_those_found_outside_quotes(line: str) -> None:
    outside = blocks.outside_quotes(blocks._NUMBER_MARK.sub("", line))  # (10:24, 1,000: numbers)
    expected = blocks._CLAUSE_MARK.search(outside) is not None or blocks._CLAUSE_RE.search(outside) is not None
    assert blocks.has_clause_marks(line) == expected


@given(st.text(alphabet="ab AB-汉.\n", max_size=40), st.lists(st.text(alphabet="abAB汉", max_size=3), max_size=4))
def test_latin_words_counted_when_asked_are_those_counted_first(text: str, asked: list[str]) -> None:
    counted = wrapping.latin_words(text)
    words = layout._LatinWords(text)
    for word in asked:
        assert (words.get(word), words.get(word, 0), word in words) == (
            counted.get(word),
            counted.get(word, 0),
            word in counted,
        )
        assert words[word] == counted[word]
    assert dict(words) == dict(counted) and list(words) == list(counted) and len(words) == len(counted)


_FACTS = (
    "clause",
    "inner_stop",
    "stops",
    "ends_sentence",
    "english",
    "code",
    "opener",
    "latin_end",
    "latin_start",
    "pair_open",
)


def test_a_plan_makes_each_side_with_its_lines_fields_in_their_places() -> None:
    # decide passes a side's fields by position (faster than by keyword): each must land in its own.
    decided = layout.plan("\n".join(_SEED_LINES[:400]))
    assert decided.context is not None
    for line, side in zip(decided.lines, decided.sides, strict=True):
        facts = wrapping.line_facts(line.plain)
        assert tuple(getattr(side, name) for name in _FACTS) == facts
        assert all(getattr(side, field.name) != facts for field in dataclasses.fields(side))  # not a field's value
        assert side.width == wrapping.display_width(line.plain)
        assert side.separator in (None, wrapping.SINGLE, wrapping.BLANK)
        assert side.rhythm is decided.context.rhythm and side.pairs is decided.context.pairs
        assert side.starts_block in (True, False) and side.indents_paragraphs in (True, False)


def _pair_shares_counted(lines: list[str], minimum: int) -> dict[str, float]:
    """``wrapping.pair_shares`` as it was written first: every pair of every line counted in a Counter."""
    pairs: Counter[str] = Counter()
    chars: Counter[str] = Counter()
    for line in lines:
        chars.update(line)
        pairs.update(map(operator.add, line, line[1:]))
    return {pair: count / min(chars[pair[0]], chars[pair[1]]) for pair, count in pairs.items() if count >= minimum}


@given(
    st.lists(st.text(alphabet="甲乙丙丁ab \n\x00\ud800😀", max_size=12) | st.sampled_from(_SEED_LINES), max_size=30),
    st.integers(1, 3),
)
def test_pair_shares_are_those_counted_pair_by_pair(lines: list[str], minimum: int) -> None:
    found = wrapping.pair_shares(lines, minimum)
    expected = _pair_shares_counted(lines, minimum)
    assert found == expected and list(found) == list(expected)  # the same pairs, in the same order
    assert all(type(share) is float for share in found.values())


@given(st.lists(st.integers(0, 40), max_size=60))
def test_first_places_and_counts_are_those_np_unique_finds(values: list[int]) -> None:
    array = np.array(values, dtype=np.int64)
    found = wrapping._first_and_counts(array, 41)
    expected = np.unique(array, return_index=True, return_counts=True)
    assert all(np.array_equal(a, b) for a, b in zip(found, expected, strict=True))


def _outside_quotes_three_times(plain: str) -> str:
    for _ in range(3):
        previous, plain = plain, blocks._QUOTED.sub("", plain)
        if previous == plain:
            break
    return plain


@given(st.text(alphabet=_QUOTED_ALPHABET, max_size=16) | st.sampled_from(_SEED_LINES))
def test_outside_quotes_stops_as_soon_as_no_quotation_is_left(line: str) -> None:
    assert blocks.outside_quotes(line) == _outside_quotes_three_times(line)


def test_a_run_of_layout_that_starts_from_the_run_before_s_readings_decides_the_same():
    """The stage lends each run the readings of the run before (``layout.Readings``: the pipeline
    reads its own output once more, whose paragraphs are the lines the last plan read). A reading
    depends on the line's text alone: each document of the sample corpus comes out of the stage,
    text and edits, as from a run that starts with none; and so does the stage's output read again."""
    options = LayoutOptions(markup="strip")
    stage = layout.make(options)
    texts = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    for text in texts + texts[::-1]:
        shared = stage(Document(id="t", text=text))
        alone = layout.repair(Document(id="t", text=text), options)
        assert shared == alone
        again = shared[0]
        assert stage(again) == layout.repair(again, options)
