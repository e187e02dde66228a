"""Worker processes for the per-document stages: results in order, one file's crash kept to that file.

Why not :class:`concurrent.futures.ProcessPoolExecutor`: with it, Ctrl-C at a terminal (which
signals every process of the group) printed tracebacks from the workers and could hang the
shutdown; one dead worker broke the pool for every pending file, without saying which file killed
it; and after a SIGKILL of the parent its workers stayed blocked on their queue for good, holding
the destination's lock (a forked child shares the parent's open files).

Here each worker has a pipe of its own and one item at a time, so the parent always knows which
item a worker holds:

- **A worker that dies** (killed, or exits) fails its item only: ``failed(item, reason)`` gives the
  item's result, a new worker takes the dead one's place, and the run goes on. An exception that
  escapes the task in a worker is sent back as a failure too. A worker that dies before it is
  ready (while building its state) is not its item's fault: the item goes to another worker, and
  if workers keep dying that way the pool gives up with :class:`WorkerStartError`, as it does at
  once when building the state raises (it would in every worker).
- **Ctrl-C** (and SIGTERM, SIGHUP) is the parent's business alone: workers ignore these signals
  (they are blocked while workers are started, so none slips in before they ignore it), and the parent, when the
  KeyboardInterrupt unwinds through :meth:`WorkerPool.__exit__`, kills them. Workers write
  nothing, so killing one loses nothing; the same happens when a run ends for any other reason.
- **Workers die with their parent**, however it ends: on Linux through
  ``prctl(PR_SET_PDEATHSIG, SIGKILL)``, so the kernel kills them even in the middle of a long
  file; elsewhere a watchdog thread in each worker polls ``os.getppid()`` and exits when the
  parent has gone. (The kernel sends the signal when the *thread* that started the worker ends:
  a pool is used and closed by the thread that made it.)

Workers are forked on Linux: they start at once, share the parent's loaded modules and tables,
and see the same code the parent runs. Elsewhere the platform's default start method is used, so
the setup and task functions must be importable (module-level) and their arguments picklable.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")

_READY = "ready"
_SETUP_FAILED = "setup failed"
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_WATCH_INTERVAL = 0.5  # seconds between the watchdog's looks at the parent, where prctl is missing
_START_FAILURES = 3  # workers in a row that die before they are ready: the pool gives up
_DYING = 5.0  # seconds a worker whose pipe has closed is given to finish exiting, so its exit status is its own


class WorkerStartError(RuntimeError):
    """Worker processes keep dying before they can take any work."""


def default_jobs() -> int:
    """One worker per core this process may run on (the affinity mask, where the system has one)."""
    with contextlib.suppress(AttributeError, OSError):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


@dataclass
class _Schedule(Generic[Outcome]):
    """The state of one ordered map: what is done, what is next to hand out."""

    items: Sequence[Any]
    window: int
    failed: Callable[[Any, str], Outcome]
    done: dict[int, Outcome] = field(default_factory=dict)
    retry: collections.deque[int] = field(default_factory=collections.deque)
    next_out: int = 0  # the next index to yield
    next_in: int = 0  # the next index never handed out

    @property
    def count(self) -> int:
        return len(self.items)

    def next_task(self) -> int | None:
        """The next item to hand out, if any is due within the window ahead of the next to yield."""
        if self.retry:
            return self.retry.popleft()
        if self.next_in < self.count and self.next_in < self.next_out + self.window:
            self.next_in += 1
            return self.next_in - 1
        return None


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    ready: bool = False
    task: tuple[_Schedule[Any], int] | None = None  # the schedule and index of the item it is working on


class WorkerPool(Generic[Item, Outcome]):
    """``jobs`` worker processes, each built with ``setup(*setup_args)`` and running ``task(state, item)``.

    Use it as a context manager: leaving the block, however it is left, kills the workers and waits
    for them, so no worker outlives it. ``failed(item, reason)`` makes the result of an item whose
    worker died on it or let an exception escape.

    While an ordered map is under way (between two of its outcomes), :meth:`run_now` runs other
    items on the same workers ahead of the map's next ones: a second kind of work that the
    caller needs before it goes on with the map's outcomes.
    """

    def __init__(
        self,
        jobs: int,
        setup: Callable[..., Any],
        setup_args: tuple[Any, ...],
        task: Callable[[Any, Item], Outcome],
        failed: Callable[[Item, str], Outcome],
    ) -> None:
        self.jobs = max(1, jobs)
        self._setup = setup
        self._setup_args = setup_args
        self._task = task
        self._failed = failed
        self._context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else None)
        self._workers: list[_Worker] = []
        self._start_failures = 0
        self._schedules: list[_Schedule[Any]] = []  # under way, the first handed out first

    def __enter__(self) -> WorkerPool[Item, Outcome]:
        for _ in range(self.jobs):
            self._start_worker()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Kill every worker and wait for it: workers write nothing, so nothing is lost."""
        workers, self._workers = self._workers, []
        for worker in workers:
            _kill(worker)

    def map_ordered(self, items: Sequence[Item], window: int) -> Iterator[Outcome]:
        """Each item's outcome, in the order of ``items``, at most ``window`` items ahead of the next
        outcome to be yielded (so memory stays bounded however slow one item is)."""
        schedule: _Schedule[Outcome] = _Schedule(items, max(window, self.jobs), self._failed)
        self._schedules.append(schedule)
        try:
            while schedule.next_out < schedule.count:
                self._hand_out()
                if schedule.next_out not in schedule.done:
                    self._collect()
                while schedule.next_out in schedule.done:
                    yield schedule.done.pop(schedule.next_out)
                    schedule.next_out += 1
        finally:
            self._schedules.remove(schedule)

    def run_now(self, items: Sequence[Any], failed: Callable[[Any, str], Any]) -> list[Any]:
        """Each of ``items``' outcomes, in order, the items handed out before any further item of a
        map under way (whose outcomes that come in meanwhile are kept for it). ``failed(item,
        reason)`` makes the outcome of an item whose worker died on it or let an exception escape."""
        schedule: _Schedule[Any] = _Schedule(items, max(len(items), 1), failed)
        self._schedules.insert(0, schedule)
        try:
            while len(schedule.done) < schedule.count:
                self._hand_out()
                if len(schedule.done) < schedule.count:
                    self._collect()
        finally:
            self._schedules.remove(schedule)
        return [schedule.done[index] for index in range(schedule.count)]

    def _hand_out(self) -> None:
        for worker in self._workers:
            if worker.task is not None:
                continue
            for schedule in self._schedules:
                index = schedule.next_task()
                if index is not None:
                    break
            else:
                return
            try:
                worker.conn.send(schedule.items[index])
            except (OSError, ValueError):  # it died while idle; its death is seen by _collect
                schedule.retry.appendleft(index)
                return
            worker.task = (schedule, index)

    def _collect(self) -> None:
        """Wait for at least one message or death among the workers and deal with each."""
        by_handle: dict[Any, _Worker] = {}
        for worker in self._workers:
            by_handle[worker.conn] = by_handle[worker.process.sentinel] = worker
        woken: list[_Worker] = []
        for handle in wait(list(by_handle)):
            if all(worker is not by_handle[handle] for worker in woken):
                woken.append(by_handle[handle])
        for worker in woken:
            self._read(worker)

    def _read(self, worker: _Worker) -> None:
        """Take what ``worker`` says (its last words come before its death), or replace it if it died."""
        while worker.conn.poll():
            try:
                message = worker.conn.recv()
            except Exception:  # end of file (it died), or an answer cut off by its death
                self._replace(worker)
                return
            if message == _READY:
                worker.ready = True
                self._start_failures = 0
                continue
            ok, payload = message
            if ok == _SETUP_FAILED:  # the same setup would fail in every worker
                raise WorkerStartError(f"a worker process could not start ({payload})")
            task, worker.task = worker.task, None
            assert task is not None
            schedule, index = task
            schedule.done[index] = payload if ok else schedule.failed(schedule.items[index], payload)
            return
        if not worker.process.is_alive():
            self._replace(worker)

    def _replace(self, worker: _Worker) -> None:
        """A dead worker's item fails (or, if it died before it was ready, is handed out again)."""
        worker.process.join(_DYING)  # its pipe can close a moment before it has finished exiting
        _kill(worker)
        self._workers.remove(worker)
        if worker.task is not None:
            schedule, index = worker.task
            if worker.ready:
                reason = f"the worker process cleaning it died ({_death(worker.process.exitcode)})"
                schedule.done[index] = schedule.failed(schedule.items[index], reason)
            else:
                schedule.retry.appendleft(index)
        if not worker.ready:
            self._start_failures += 1
            if self._start_failures >= _START_FAILURES:
                raise WorkerStartError(
                    f"worker processes die before they can start ({_death(worker.process.exitcode)})"
                )
        self._start_worker()

    def _start_worker(self) -> None:
        """Fork (or spawn) one worker with SIGINT blocked, so it never sees Ctrl-C before it ignores it."""
        parent_end, child_end = self._context.Pipe()
        process = self._context.Process(
            target=_worker_main,
            args=(child_end, os.getpid(), self._setup, self._setup_args, self._task),
            name="cleaner-worker",
            daemon=True,  # if the parent exits without closing the pool, multiprocessing ends them
        )
        self._workers.append(_Worker(process, parent_end))
        for stream in (sys.stdout, sys.stderr):  # a forked child must not write the parent's buffers again
            with contextlib.suppress(Exception):
                stream.flush()
        with _sigint_blocked():
            process.start()
        child_end.close()


def _kill(worker: _Worker) -> None:
    if worker.process.pid is not None:  # started
        with contextlib.suppress(OSError):
            worker.process.kill()
        worker.process.join()
    worker.conn.close()


def _death(exitcode: int | None) -> str:
    """How a worker ended, in words: ``killed by SIGKILL``, ``exit code 7``."""
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


# Signals that stop a run: the parent's business alone (it unwinds the run and ends the workers).
_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """SIGINT (and SIGTERM, SIGHUP) held back in this thread for the block; one that arrived
    meanwhile is delivered after."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _worker_main(
    conn: Connection,
    parent_pid: int,
    setup: Callable[..., Any],
    setup_args: tuple[Any, ...],
    task: Callable[[Any, Any], Any],
) -> None:
    """A worker's life: ignore Ctrl-C (and SIGTERM, SIGHUP: the parent ends it), die with the
    parent, build the state, then answer items.

    Every answer is ``(True, outcome)`` or ``(False, reason)``: whatever escapes the task, even
    ``SystemExit``, is the item's failure, not the worker's end. A failure to build the state is
    sent as ``(_SETUP_FAILED, reason)`` instead of ``_READY``, and ends the worker quietly.
    """
    for sig in _STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    _die_with_parent(parent_pid)
    try:
        state = setup(*setup_args)
    except BaseException as exc:
        with contextlib.suppress(BaseException):
            conn.send((_SETUP_FAILED, f"{type(exc).__name__}: {exc}"))
        os._exit(3)
    conn.send(_READY)
    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):  # the parent closed the pool
            return
        try:
            answer = (True, task(state, item))
        except BaseException as exc:
            answer = (False, _internal_error(exc))
        _answer(conn, answer)


def _internal_error(exc: BaseException) -> str:
    return f"internal error in a worker process ({type(exc).__name__}: {exc})"


def _answer(conn: Connection, answer: tuple[bool, Any]) -> None:
    """Send an answer; one that cannot be pickled becomes a failure (pickling comes before any byte
    is written). If the parent is gone there is no one to answer: the worker ends."""
    try:
        try:
            conn.send(answer)
        except OSError:
            raise
        except BaseException as exc:
            conn.send((False, _internal_error(exc)))
    except OSError:
        os._exit(1)


def _die_with_parent(parent_pid: int) -> None:
    """Make sure this worker does not outlive ``parent_pid``: the kernel's death signal, or a watchdog."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0:
                if os.getppid() != parent_pid:  # the parent died before the death signal was armed
                    os._exit(1)
                return
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="parent-watchdog", daemon=True).start()


def _watch_parent(parent_pid: int) -> None:
    """Where there is no death signal: exit as soon as the parent is gone (we are re-parented)."""
    stop = threading.Event()
    while not stop.wait(_WATCH_INTERVAL):
        if os.getppid() != parent_pid:
            os._exit(1)
