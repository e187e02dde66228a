"""Where ``cleaner suggest`` reads its corpus: in this process, in worker processes
(``--jobs N``), or on Ray actors (``--engine ray``).

Both reads work on partitions of files (:func:`cleaner.partitioning.partitions`, cut by size
alone): the counting pass counts each partition with a counter of its own, the evidence pass
gathers each partition's occurrences of the candidates. The driver merges both in partition order
(:meth:`~cleaner.suggest.counting.NgramCounter.merge`, :func:`~cleaner.suggest.evidence.merge_found`),
so the counts, pruned n-grams included, and the occurrences are the same whatever the engine and
the number of workers, and so is the rule file written.

Workers read the files themselves (on a cluster, SRC must be at the same path on every node). For
the evidence pass they get the candidates and the part of the counts that pass looks up
(:meth:`~cleaner.suggest.counting.NgramCounter.for_evidence`). A partition whose worker dies, or
whose task raises, has its files reported as skipped.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from cleaner.config import Config
from cleaner.io.readers import SourceFile
from cleaner.pipeline import Pipeline
from cleaner.suggest.counting import NgramCounter
from cleaner.suggest.evidence import Gatherer, Occurrences, gather
from cleaner.suggest.mining import Candidate
from cleaner.suggest.scan import Text, read_files

Part = list[SourceFile]
SPOOL_BYTES = 2_000_000_000  # a larger corpus is normalised again rather than kept on disk


@dataclass
class Counted:
    """A partition's counts, and the files it skipped (with why)."""

    counter: NgramCounter
    skipped: list[str] = field(default_factory=list)


@dataclass
class Gathered:
    """A partition's occurrences of the candidates; ``skipped``: its files, when its worker failed."""

    found: dict[str, Occurrences]
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Evidence:
    """What the evidence pass needs besides the files."""

    candidates: list[Candidate]
    counter: NgramCounter


class Reader:
    """One worker's state (a pipeline built once) and the two passes over a partition. Also the
    Ray actor class."""

    def __init__(self, config: Config, text_field: str, max_entries: int) -> None:
        self.pipeline = Pipeline(config)
        self.text_field = text_field
        self.max_bytes = config.input.max_file_size
        self.max_entries = max_entries

    def count(self, files: Part, keep: Callable[[Text], object] | None = None) -> Counted:
        """The partition's counts; ``keep`` is given each normalised text too."""
        counted = Counted(NgramCounter(max_entries=self.max_entries))
        for text in read_files(self.pipeline, files, self.text_field, self.max_bytes, counted.skipped.append):
            counted.counter.add(text.text)
            if keep is not None:
                keep(text)
        counted.counter.flush()
        return counted

    def texts(self, files: Part) -> Iterator[Text]:
        """The partition's normalised texts, read again (a file that cannot be read was reported
        by the counting pass already)."""
        return read_files(self.pipeline, files, self.text_field, self.max_bytes)

    def gather(self, files: Part, evidence: Evidence) -> Gathered:
        """The evidence pass over a partition, on a Ray actor (which gets ``evidence`` each time)."""
        return Gathered(gather(evidence.candidates, self.texts(files), evidence.counter))


def _failed(files: Part, reason: str) -> list[str]:
    return [f"{source.rel}: {reason}" for source in files]


def _count_failed(files: Part, reason: str) -> Counted:
    return Counted(NgramCounter(max_entries=1), _failed(files, reason))


def _gather_failed(files: Part, reason: str) -> Gathered:
    return Gathered({}, _failed(files, reason))


class Engine:
    """Runs the two passes over partitions, results in partition order: here, in one process.

    The normalised texts of the first pass are kept in a temporary file, when the corpus is no
    larger than ``SPOOL_BYTES``, so that the second pass reads them back instead of normalising
    the corpus again (that took 40% of the second pass).
    """

    def __init__(self, config: Config, text_field: str, max_entries: int, corpus_bytes: int = 0) -> None:
        self.setup = (config, text_field, max_entries)
        self._reader: Reader | None = None
        self._spool: _Spool | None = _Spool() if 0 < corpus_bytes <= SPOOL_BYTES else None

    def count(self, parts: list[Part]) -> Iterator[Counted]:
        reader, spool = self._local_reader(), self._spool
        for part in parts:
            yield reader.count(part, spool.write if spool is not None else None)
        if spool is not None:
            spool.complete = not spool.broken

    def gather(self, parts: list[Part], candidates: list[Candidate], counter: NgramCounter) -> Iterator[Gathered]:
        if self._spool is not None and self._spool.complete:
            # The whole corpus at once: the same as partition by partition, merged.
            yield Gathered(gather(candidates, self._spool.texts(), counter))
            return
        reader, gatherer = self._local_reader(), Gatherer(candidates, counter)
        for part in parts:
            yield Gathered(gatherer.gather(reader.texts(part)))

    def close(self) -> None:
        if self._spool is not None:
            self._spool.file.close()

    def _local_reader(self) -> Reader:
        if self._reader is None:
            self._reader = Reader(*self.setup)
        return self._reader


class _Spool:
    """Normalised texts written to a binary file (by default a temporary one, deleted when
    closed) and read back in order. A write that fails (a full disk) stops the writing:
    ``broken`` says so, and the texts are then read from the corpus again."""

    def __init__(self, file: BinaryIO | None = None) -> None:
        self.file: BinaryIO = file if file is not None else tempfile.TemporaryFile()
        self.complete = False
        self.broken = False

    def write(self, text: Text) -> None:
        if self.broken:
            return
        try:
            pickle.dump((text.file, text.first_line, text.text, text.is_record), self.file, pickle.HIGHEST_PROTOCOL)
        except OSError:
            self.broken = True

    def texts(self) -> Iterator[Text]:
        self.file.seek(0)
        while True:
            try:
                yield Text(*pickle.load(self.file))
            except EOFError:
                return


def _evidence_of(candidates: list[Candidate], counter: NgramCounter) -> Evidence:
    """The candidates and the counts the evidence pass looks up: what is sent to workers."""
    return Evidence(candidates, counter.for_evidence({candidate.frequent for candidate in candidates}))


class ProcessEngine(Engine):
    """The two passes on ``jobs`` worker processes (:class:`cleaner.workers.WorkerPool`). With a
    ``spool`` folder, each partition's normalised texts are kept there by the counting pass and
    read back by the evidence pass, whichever worker takes it."""

    def __init__(self, config: Config, text_field: str, max_entries: int, jobs: int, spool: Path | None) -> None:
        super().__init__(config, text_field, max_entries)
        self.jobs, self.spool = jobs, spool

    def count(self, parts: list[Part]) -> Iterator[Counted]:
        from cleaner.workers import WorkerPool

        setup = (*self.setup, self.spool)
        with WorkerPool(self.jobs, _counting_reader, setup, _count_in_worker, _count_failed_at) as pool:
            yield from pool.map_ordered(list(enumerate(parts)), window=self.jobs * 2)

    def gather(self, parts: list[Part], candidates: list[Candidate], counter: NgramCounter) -> Iterator[Gathered]:
        from cleaner.workers import WorkerPool

        setup = (*self.setup, self.spool, _evidence_of(candidates, counter))
        with WorkerPool(self.jobs, _gathering_reader, setup, _gather_in_worker, _gather_failed_at) as pool:
            yield from pool.map_ordered(list(enumerate(parts)), window=self.jobs * 2)


# A worker's state and tasks; a task is a partition with its index (the name of its kept texts).
Indexed = tuple[int, Part]


def _counting_reader(
    config: Config, text_field: str, max_entries: int, spool: Path | None
) -> tuple[Reader, Path | None]:
    return Reader(config, text_field, max_entries), spool


def _count_in_worker(state: tuple[Reader, Path | None], task: Indexed) -> Counted:
    (reader, spool), (index, files) = state, task
    if spool is None:
        return reader.count(files)
    kept = spool / f"{index}.texts"
    try:
        with open(kept.with_suffix(".part"), "w+b") as file:
            written = _Spool(file)
            counted = reader.count(files, written.write)
        if not written.broken:
            os.replace(kept.with_suffix(".part"), kept)  # whole or absent: a worker may die while writing
    except OSError:  # no room for the texts (or the folder): they are read again
        return reader.count(files)
    return counted


def _gathering_reader(
    config: Config, text_field: str, max_entries: int, spool: Path | None, evidence: Evidence
) -> tuple[Reader, Path | None, Gatherer]:
    return Reader(config, text_field, max_entries), spool, Gatherer(evidence.candidates, evidence.counter)


def _gather_in_worker(state: tuple[Reader, Path | None, Gatherer], task: Indexed) -> Gathered:
    (reader, spool, gatherer), (index, files) = state, task
    kept = spool / f"{index}.texts" if spool is not None else None
    if kept is None or not kept.exists():
        return Gathered(gatherer.gather(reader.texts(files)))
    with open(kept, "rb") as file:
        return Gathered(gatherer.gather(_Spool(file).texts()))


def _count_failed_at(task: Indexed, reason: str) -> Counted:
    return _count_failed(task[1], reason)


def _gather_failed_at(task: Indexed, reason: str) -> Gathered:
    return _gather_failed(task[1], reason)


class RayEngine(Engine):
    """The two passes on Ray actors (:mod:`cleaner.ray_engine`), ``actors`` of them."""

    def __init__(self, config: Config, text_field: str, max_entries: int, ray: Any, actors: list[Any]) -> None:
        super().__init__(config, text_field, max_entries)
        self.ray, self.actors = ray, actors

    def count(self, parts: list[Part]) -> Iterator[Counted]:
        from cleaner.ray_engine import ordered

        return ordered(self.ray, self.actors, lambda actor, part: actor.count.remote(part), parts, _count_failed)

    def gather(self, parts: list[Part], candidates: list[Candidate], counter: NgramCounter) -> Iterator[Gathered]:
        from cleaner.ray_engine import ordered

        evidence = self.ray.put(_evidence_of(candidates, counter))  # sent once, shared by the actors
        return ordered(
            self.ray, self.actors, lambda actor, part: actor.gather.remote(part, evidence), parts, _gather_failed
        )


@contextlib.contextmanager
def engine_for(
    config: Config,
    text_field: str,
    max_entries: int,
    engine: str = "local",
    jobs: int = 1,
    address: str | None = None,
    partitions: int = 1,
    corpus_bytes: int = 0,
) -> Iterator[Engine]:
    """The engine asked for; ``partitions``: how many there are (no more workers than that);
    ``corpus_bytes``: the size of the input files."""
    workers = max(1, min(jobs, partitions))
    if engine == "ray":
        from cleaner.ray_engine import RayOptions, actors_of, connected

        with (
            connected(RayOptions(address, jobs)) as ray,
            actors_of(ray, Reader, workers, config, text_field, max_entries) as actors,
        ):
            yield RayEngine(config, text_field, max_entries, ray, actors)
    elif workers > 1:
        with contextlib.ExitStack() as stack:
            spool = Path(stack.enter_context(tempfile.TemporaryDirectory())) if corpus_bytes <= SPOOL_BYTES else None
            yield ProcessEngine(config, text_field, max_entries, workers, spool)
    else:
        local = Engine(config, text_field, max_entries, corpus_bytes)
        try:
            yield local
        finally:
            local.close()
