"""The Ray engine: the per-document stages of a run on a Ray cluster (``clean SRC DST --engine ray``).

Files are cut into partitions of consecutive files (in the run's sorted order) of about
``PARTITION_BYTES``; each partition is one task on a Ray actor, which reads its files and runs
the same per-document code the local engine runs (:func:`cleaner.corpus.prepare`, with a
:class:`~cleaner.pipeline.Pipeline` built once per actor). The results come back to the driver in
file order, at most a few partitions per actor in flight, and go through the corpus-wide steps
there: dedup keeps the first copy in corpus order, which needs every earlier decision, so it is
decided by the one :class:`~cleaner.dedup.Deduplicator` the local engine uses. Outputs and the
audit record are written by the driver under DST's lock. The output is therefore byte-identical
to the local engine's, whatever the number of actors or the speed of each.

Workers read the input files themselves: on a cluster, SRC must be at the same path on every
node (a shared file system). A partition whose actor dies, or whose task raises, fails its files
only (each skipped with the reason), as a dead worker does in the local engine.

``ray`` is an optional dependency (``pip install 'cleaner[ray]'``); it is imported only here.
"""

from __future__ import annotations

import collections
import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cleaner.config import Config
from cleaner.errors import ConfigError
from cleaner.io.readers import SourceFile

PARTITION_BYTES = 4_000_000  # input bytes per task: large enough that scheduling is a small cost
PARTITION_FILES = 256  # and at most this many files, so many tiny files still spread over actors
IN_FLIGHT = 3  # partitions queued per actor: keeps actors busy while the driver deduplicates
OBJECT_STORE_BYTES = 200_000_000  # for a local instance started here: results are small and brief


@dataclass(frozen=True)
class RayOptions:
    """Where and how wide: ``address`` of a running cluster (``None``: start a local instance with
    ``actors`` CPUs), and how many actors prepare files."""

    address: str | None = None
    actors: int = 2


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ConfigError("--engine ray needs Ray: pip install 'cleaner[ray]'") from None
    return ray


def partitions(files: list[SourceFile]) -> list[list[SourceFile]]:
    """Consecutive runs of ``files`` of about ``PARTITION_BYTES`` (a bigger file alone), in order."""
    parts: list[list[SourceFile]] = []
    current: list[SourceFile] = []
    size = 0
    for source in files:
        try:
            length = os.path.getsize(source.path)
        except OSError:
            length = 0  # unreadable: the worker says why
        if current and (size + length > PARTITION_BYTES or len(current) >= PARTITION_FILES):
            parts.append(current)
            current, size = [], 0
        current.append(source)
        size += length
    if current:
        parts.append(current)
    return parts


class _Preparer:
    """A Ray actor: a pipeline built once, then partitions of files prepared on request."""

    def __init__(self, config: Config, text_field: str) -> None:
        from cleaner.pipeline import Pipeline

        self.pipeline = Pipeline(config)
        self.text_field = text_field

    def prepare(self, files: list[SourceFile]) -> list[Any]:
        from cleaner.corpus import prepare

        return [prepare(self.pipeline, source, self.text_field) for source in files]


@contextlib.contextmanager
def connected(options: RayOptions) -> Iterator[Any]:
    """Ray, connected to ``options.address`` or to a local instance started here (and stopped after)."""
    ray = import_ray()
    started = False
    if not ray.is_initialized():
        if options.address:
            ray.init(address=options.address, include_dashboard=False, log_to_driver=False)
        else:
            ray.init(
                num_cpus=options.actors,
                object_store_memory=OBJECT_STORE_BYTES,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
        started = True
    try:
        yield ray
    finally:
        if started:
            ray.shutdown()


@contextlib.contextmanager
def preparing(config: Config, files: list[SourceFile], text_field: str, options: RayOptions) -> Iterator[Iterator[Any]]:
    """Files through the per-document stages on Ray actors: ``Prepared`` or ``FileOutcome`` per file, in order."""
    with connected(options) as ray:
        count = max(1, min(options.actors, len(files)))
        # A dead actor comes back for the next partitions; the one it died on is not retried.
        actor_class = ray.remote(num_cpus=1, max_restarts=3)(_Preparer)
        actors = [actor_class.remote(config, text_field) for _ in range(count)]
        try:
            yield _ordered(ray, actors, partitions(files))
        finally:
            for actor in actors:
                ray.kill(actor)


def _ordered(ray: Any, actors: list[Any], parts: list[list[SourceFile]]) -> Iterator[Any]:
    """Each file's result in order; partitions go round the actors, ``IN_FLIGHT`` per actor ahead."""
    from cleaner.corpus import _failed_in_worker

    pending: collections.deque[tuple[list[SourceFile], Any]] = collections.deque()
    next_part = 0
    while next_part < len(parts) or pending:
        while next_part < len(parts) and len(pending) < IN_FLIGHT * len(actors):
            actor = actors[next_part % len(actors)]
            pending.append((parts[next_part], actor.prepare.remote(parts[next_part])))
            next_part += 1
        files, ref = pending.popleft()
        try:
            results = ray.get(ref)
        except Exception as exc:  # the actor died, or the task raised: these files only
            reason = f"Ray task failed ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
            results = [_failed_in_worker(source, reason) for source in files]
        yield from results
