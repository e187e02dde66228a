"""The Ray engine: the per-document stages of a run on a Ray cluster (``clean SRC DST --engine ray``).

Files are cut into partitions of consecutive files (in the run's sorted order) of about
``PARTITION_BYTES`` (:mod:`cleaner.partitioning`), and a big JSON Lines or Parquet file into parts
of consecutive records, each a partition of its own; each partition is one task on a Ray actor,
which reads its files (or its part of a file) and runs the same per-document code the local
engine's workers run (:func:`cleaner.corpus.prepare_sketched`, with a
:class:`~cleaner.pipeline.Pipeline` built once per actor): the stages, then each document's dedup
sketch (:mod:`cleaner.dedup.sketch`: keys, digests, band fingerprints, sentence units).

With corpus-wide dedup, the near rule's candidates are found and verified on the cluster too
(:mod:`cleaner.dedup.distributed`): each partition's near paragraphs go from its actor to the band
shards (actors holding the band keys of every partition so far, split by fingerprint), which take
the partitions in corpus order and give the pairs sharing a band; the actor that prepared the
partition verifies them (true Jaccard similarity) and they come back with its results.

The results come back to the driver in file order, at most a few partitions per actor in flight,
and go through the corpus-wide steps there: dedup keeps the first copy in corpus order, which needs
every earlier decision, so it is decided from the sketches (and the verified candidates) by the one
:class:`~cleaner.dedup.Deduplicator` the local engine uses. The documents dedup removed paragraphs
from are read again (``Pipeline.relayout``) on the actors, on a thread of their own
(:func:`relayouts_on`). Outputs and the audit record are written by the driver under DST's lock.
The output is therefore byte-identical to the local engine's, whatever the number of actors or the
speed of each.

Workers read the input files themselves: on a cluster, SRC must be at the same path on every
node (a shared file system). A partition whose actor dies, or whose task raises, fails its files
only (each skipped with the reason), as a dead worker does in the local engine. Should a shard or
a verification fail, the driver looks the near candidates of the rest of the run up itself.

``ray`` is an optional dependency (``pip install 'cleaner[ray]'``); it is imported only here.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from cleaner.config import Config
from cleaner.dedup.distributed import BandShard
from cleaner.errors import ConfigError
from cleaner.partitioning import Unit, partitions

# Band shards: one per this many actors (their work is a look-up per partition, 2% of the actors'
# here; each is a process of its own, about 200 MB on one machine).
ACTORS_PER_SHARD = 8
IN_FLIGHT = 3  # partitions queued per actor: keeps actors busy while the driver deduplicates
RELAYOUT_GROUP = "relayout"  # an actor's thread for the readings after dedup (Corpus.relayouts)
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


class _Preparer:
    """A Ray actor: a pipeline built once, then partitions of files prepared on request (and, for
    the near rule, their near paragraphs handed to the band shards, and their pairs verified)."""

    def __init__(self, config: Config, text_field: str) -> None:
        from cleaner.pipeline import Pipeline

        self.pipeline = Pipeline(config)
        self.text_field = text_field
        self.reader: Any = None  # the pipeline of the readings after dedup (a thread of their own)

    def relayout(self, piece: Any) -> list[Any]:
        """The documents of ``piece`` (a ``corpus._Relayout``) read again after dedup, on a thread
        of the actor's own (concurrency group ``relayout``) and a pipeline of its own: the driver
        waits for them, not for the partitions queued on the actor."""
        from cleaner.corpus import relayout_piece
        from cleaner.pipeline import Pipeline

        if self.reader is None:
            self.reader = Pipeline(self.pipeline.config)
        return relayout_piece(self.reader, piece)

    def prepare(self, units: list[Unit]) -> list[Any]:
        from cleaner.corpus import prepare_sketched

        return [prepare_sketched(self.pipeline, unit, self.text_field) for unit in units]

    def prepare_near(self, units: list[Unit]) -> tuple[list[Any], Any]:
        """The partition prepared, and its near paragraphs (:class:`~cleaner.dedup.distributed.NearPart`)."""
        from cleaner.dedup.distributed import near_part

        prepared = self.prepare(units)
        try:
            return prepared, near_part([_sketches_of(item) for item in prepared], self.pipeline.config.dedup)
        except Exception:  # the files are prepared all the same; the shards then refuse this partition
            return prepared, None

    def verify(self, number: int, part: Any, parts: Any, registered: None, *found: Any) -> Any:
        """The pairs the shards ``found`` for partition ``number``, verified; the earlier partitions
        they name are fetched by their references in ``parts`` (the first :class:`_Shard`), which
        holds every one up to this (``registered``: that it was added there)."""
        import ray

        from cleaner.dedup.distributed import verify

        def fetch(wanted: list[int]) -> list[Any]:
            return ray.get(ray.get(parts.get.remote(wanted))) if wanted else []

        return verify(number, part, found, fetch, self.pipeline.config.dedup)


class _Shard(BandShard):
    """A band shard as a Ray actor. The first also keeps the reference of each partition's near
    paragraphs, by number, so that a verification fetches only the partitions its pairs name
    (and they stay alive for the run)."""

    def __init__(self, shard: int, shards: int) -> None:
        super().__init__(shard, shards)
        self.refs: dict[int, Any] = {}

    def add(self, number: int, wrapped: list[Any]) -> None:
        self.refs[number] = wrapped[0]  # in a list, so that Ray hands over the reference, not the object

    def get(self, wanted: list[int]) -> list[Any]:
        return [self.refs[p] for p in wanted]


def _sketches_of(item: Any) -> Any:
    return getattr(item, "sketches", None)


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
def actors_of(
    ray: Any, actor_class: type, count: int, *args: Any, groups: dict[str, int] | None = None
) -> Iterator[list[Any]]:
    """``count`` Ray actors of ``actor_class`` built with ``args`` (and concurrency ``groups``,
    each a thread pool of its size), killed when the block ends."""
    # A dead actor comes back for the next partitions; the one it died on is not retried.
    remote_class = ray.remote(num_cpus=1, max_restarts=3, **({"concurrency_groups": groups} if groups else {}))(
        actor_class
    )
    actors = [remote_class.remote(*args) for _ in range(count)]
    try:
        yield actors
    finally:
        for actor in actors:
            ray.kill(actor)


@contextlib.contextmanager
def preparing(
    config: Config, units: list[Unit], text_field: str, options: RayOptions
) -> Iterator[tuple[Iterator[Any], Callable[[list[Any]], list[Any]]]]:
    """Units of work (files, parts of files) through the per-document stages on Ray actors:
    ``Prepared`` or ``FileOutcome`` per unit, in order; and how to have documents read again after
    dedup on the same actors (:func:`relayouts_on`, for ``Corpus.relayouts``)."""
    from cleaner.corpus import _failed_in_worker

    def failed(part: list[Unit], reason: str) -> list[Any]:
        return [_failed_in_worker(unit, reason) for unit in part]

    with connected(options) as ray:
        count = max(1, min(options.actors, len(units)))
        with actors_of(ray, _Preparer, count, config, text_field, groups={RELAYOUT_GROUP: 1}) as actors:
            relayouts = functools.partial(relayouts_on, ray, actors)
            if config.dedup.scope != "corpus":
                results = ordered(
                    ray, actors, lambda actor, part: actor.prepare.remote(part), partitions(units), failed
                )
                yield (result for part in results for result in part), relayouts
                return
            with shards_of(ray, -(-count // ACTORS_PER_SHARD)) as shards:
                yield near_verified(ray, actors, shards, partitions(units), failed), relayouts


def relayouts_on(ray: Any, actors: list[Any], documents: list[Any]) -> list[Any]:
    """``Pipeline.relayout`` of each of ``documents``, in pieces spread over the actors (each on
    the actor's relayout thread, beside the partition it is preparing); a piece whose task failed
    is left to the caller (``None``), as the local engine's workers leave it."""
    from cleaner.corpus import relayout_pieces

    pieces = relayout_pieces(documents, len(actors))
    refs = [
        actors[k % len(actors)].relayout.options(concurrency_group=RELAYOUT_GROUP).remote(piece)
        for k, piece in enumerate(pieces)
    ]
    reads: list[Any] = []
    for piece, ref in zip(pieces, refs, strict=True):
        try:
            reads.extend(ray.get(ref))
        except Exception:  # the actor died, or the task raised: the driver reads these itself
            reads.extend([None] * len(piece.documents))
    return reads


@contextlib.contextmanager
def shards_of(ray: Any, count: int) -> Iterator[list[Any]]:
    """``count`` band shards (:class:`~cleaner.dedup.distributed.BandShard`) as Ray actors, killed
    when the block ends. They take no CPU of their own (a table look-up per partition), and are
    never restarted: one restarted empty would miss pairs, where one dead only ends the
    distributed step (the deduplicator then looks its candidates up itself, as exactly)."""
    remote_class = ray.remote(num_cpus=0, max_restarts=0)(_Shard)
    shards = [remote_class.remote(shard, count) for shard in range(count)]
    try:
        yield shards
    finally:
        for shard in shards:
            ray.kill(shard)


def near_verified(
    ray: Any,
    actors: list[Any],
    shards: list[Any],
    parts: list[list[Unit]],
    failed: Callable[[list[Unit], str], list[Any]],
) -> Iterator[Any]:
    """Each unit's ``Prepared`` (or ``FileOutcome``), in order, with its near paragraphs' verified
    candidates attached to its sketches (see :mod:`cleaner.dedup.distributed`).

    Per partition, in corpus order: prepared on an actor (with its near paragraphs), its band keys
    through the shards, its pairs verified on the actor that prepared it. Should that step fail
    for a partition, or its numbering not be the one counted here, nothing more is attached from
    there on, and the deduplicator finds the rest of the candidates itself.
    """
    from cleaner.dedup.distributed import attached, near_count

    verifying: collections.deque[Any] = collections.deque()
    numbers = itertools.count()
    registry = shards[0]

    def call(actor: Any, part: list[Unit]) -> Any:
        prepared, near = actor.prepare_near.options(num_returns=2).remote(part)
        number = next(numbers)
        # Added in order: once this one is, so is every earlier one.
        registered = registry.add.remote(number, [near])
        found = [shard.pairs.remote(number, near) for shard in shards]
        verifying.append(actor.verify.remote(number, near, registry, registered, *found))
        return prepared

    first_near, attaching = 0, True
    for result in ordered(ray, actors, call, parts, failed):
        ref = verifying.popleft()
        sketch_sets = [_sketches_of(item) for item in result]
        count = near_count(sketch_sets)
        if attaching and count:
            try:
                verified = ray.get(ref)
            except Exception:  # a shard or the verification failed: no more candidates from here
                verified = None
            attaching = verified is not None and verified.base == first_near and verified.count == count
            if attaching:
                for item, sketches in zip(result, attached(sketch_sets, first_near, verified), strict=True):
                    if sketches is not None:
                        item.sketches = sketches
        first_near += count
        yield from result


Part = TypeVar("Part")
Result = TypeVar("Result")


def ordered(
    ray: Any,
    actors: list[Any],
    call: Callable[[Any, Part], Any],
    parts: list[Part],
    failed: Callable[[Part, str], Result],
) -> Iterator[Result]:
    """Each part's result (``call(actor, part)``, a Ray task) in order; parts go round the actors,
    ``IN_FLIGHT`` per actor ahead. A part whose task fails gets ``failed(part, reason)``."""
    pending: collections.deque[tuple[Part, Any]] = collections.deque()
    next_part = 0
    while next_part < len(parts) or pending:
        while next_part < len(parts) and len(pending) < IN_FLIGHT * len(actors):
            actor = actors[next_part % len(actors)]
            pending.append((parts[next_part], call(actor, parts[next_part])))
            next_part += 1
        part, ref = pending.popleft()
        try:
            result = ray.get(ref)
        except Exception as exc:  # the actor died, or the task raised: this part only
            reason = f"Ray task failed ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
            result = failed(part, reason)
        yield result
