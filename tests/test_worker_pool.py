"""The worker pool's second kind of work: items run now, between two outcomes of an ordered map.

The main process hands the after-dedup reading of a group of documents to the workers this way
(``Corpus._relayout_ahead``) while they go on preparing files: the map's outcomes must come out
whole and in order all the same, and an item that kills its worker must fail alone.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from cleaner.corpus import Corpus, Prepared
from cleaner.io.readers import LoadedFile, SourceFile
from cleaner.model import Document
from cleaner.pipeline import Result
from cleaner.workers import WorkerPool

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked")


def _setup() -> int:
    return os.getpid()


def _task(pid: int, item: tuple[str, int]) -> tuple[str, int, int]:
    kind, number = item
    if number < 0:
        os._exit(7)  # the worker dies on this item
    return kind, number * number, pid


def _failed(item: tuple[str, int], reason: str) -> tuple[str, str]:
    return item[0], reason


def test_items_run_now_between_outcomes_of_a_map_leave_the_map_whole_and_in_order() -> None:
    mapped = [("map", number) for number in range(40)]
    with WorkerPool(2, _setup, (), _task, _failed) as pool:
        outcomes = []
        now = []
        for outcome in pool.map_ordered(mapped, window=8):
            outcomes.append(outcome)
            if outcome[1] in (0, 49, 1521):  # at the start, in the middle, after the last
                now.append(pool.run_now([("now", number) for number in range(5)], _failed))
    assert [(kind, square) for kind, square, _ in outcomes] == [("map", n * n) for n in range(40)]
    assert len({pid for *_, pid in outcomes}) == 2  # both workers took part
    assert [[(kind, square) for kind, square, _ in run] for run in now] == [[("now", n * n) for n in range(5)]] * 3


def test_an_item_run_now_that_kills_its_worker_fails_alone_and_the_map_goes_on() -> None:
    mapped = [("map", number) for number in range(12)]
    with WorkerPool(2, _setup, (), _task, _failed) as pool:
        outcomes = []
        now: list = []
        for outcome in pool.map_ordered(mapped, window=4):
            outcomes.append(outcome[:2])
            if outcome[1] == 9:
                now = pool.run_now([("now", 2), ("now", -1), ("now", 3)], _failed)
    assert outcomes == [("map", n * n) for n in range(12)]
    assert [item[:2] for item in now] == [
        ("now", 4),
        ("now", "the worker process cleaning it died (exit code 7)"),
        ("now", 9),
    ]


def _prepared(text: str) -> Prepared:
    doc = Document("a.txt", text)
    loaded = LoadedFile(SourceFile(Path("a.txt"), "a.txt", "text"), "utf-8", len(text.encode()), [doc], text=text)
    return Prepared(loaded, [Result(doc, [])])


def test_a_reading_made_ahead_is_used_only_for_the_document_it_read() -> None:
    """``Corpus.finish`` takes the first after-dedup reading made ahead (on the workers) only if
    its document is the one it finishes: a file withdrawn meanwhile gives a paragraph back."""
    from cleaner.dedup.deduplicator import STAGE
    from cleaner.model import Edit

    corpus = Corpus()
    prepared = _prepared("第一段文字在这里。\n\n第二段文字在这里。")
    removed = Edit(STAGE, "exact", 9, 20, "\n\n第二段文字在这里。", "", 1, {"kept": {"doc": "b.txt", "para": 0}})
    kept = Document("a.txt", "第一段文字在这里。")
    marker = Document("a.txt", "读过的文字。")
    step = [(kept, [removed])]
    read = Result(marker, [Edit("layout", "join", 0, 1, "第", "读", 0)])
    assert corpus.finish(prepared, deduplicated=step, ahead={"a.txt": (kept, read)}).after == "读过的文字。\n"
    stale = {"a.txt": (Document("a.txt", "另一个文本。"), read)}
    assert corpus.finish(prepared, deduplicated=step, ahead=stale).after == "第一段文字在这里。\n"
