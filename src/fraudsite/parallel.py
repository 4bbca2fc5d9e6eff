"""Work spread over the machine's cores for cold builds, with results in input order.

Workers are forked after planning, so they inherit the planned pages and compiled templates
instead of receiving them pickled; only the rendered bytes travel back. Where ``fork`` is not
available (Windows, macOS default), in a process with other threads (serve after its first build),
or when the job is small, everything runs in this process.
The output is the same bytes either way (tested).
"""

from __future__ import annotations

import ctypes
import gc
import os
import pickle
import signal
import sys
import tempfile
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import Any

from fraudsite.faults import checkpoint

CHUNK = 64  # items per task at most: fewer tasks to send and collect
SHARE = 4  # tasks per worker at least, so a small job of slow items (forty QR codes) is shared out
AHEAD = 3  # chunks per worker in flight: enough to keep every worker busy
ROUND = 40  # chunks per worker before the workers are forked afresh (``rounds_of``: fewer in a preview)
_ROUNDS: list[int] = []  # ``rounds_of``'s, the innermost last
FORK_MINIMUM = 300  # items from which ``ordered_map`` forks workers, unless told otherwise
_TASK: list[Any] = []  # (function, items) for forked workers to find
DRAIN_SECONDS = 30.0  # at most, for each chunk under way when the work stops early (a worker may have died)
_IN_BACKGROUND = False  # this is a process ``in_background`` forked (or ``in_new_process`` started)
_HOLDING: set[int] = set()  # processes ``in_background`` (or new) that hold a core until their result is taken


def worker_count() -> int:
    """Processes to use: ``FRAUDSITE_WORKERS`` if set, else one per core, less the cores held by work
    ``in_background``."""
    wanted = os.environ.get("FRAUDSITE_WORKERS")
    cores = max(1, int(wanted)) if wanted and wanted.isdigit() else os.cpu_count() or 1
    return max(1, cores - len(_HOLDING))


def ordered_map(function: Callable[[Any], Any], items: Sequence[Any], minimum: int = FORK_MINIMUM) -> Iterator[Any]:
    """``function`` over ``items``, results in order; in forked workers when it pays off."""
    if not forks(minimum, len(items)):
        with _collecting():
            yield from map(function, items)
        return
    workers, per_round = worker_count(), _ROUNDS[-1] if _ROUNDS else ROUND
    _TASK[:] = [function, items]
    size = min(CHUNK, -(-len(items) // (workers * SHARE)))
    chunks = [range(start, min(start + size, len(items))) for start in range(0, len(items), size)]
    # Frozen, the inherited objects are never visited by a worker's garbage collector, whose bookkeeping
    # writes would otherwise copy every shared page into the worker. (They stay frozen: ``build`` unfreezes
    # when it ends; freezing only spares them the cycle collector, reference counting still frees them.)
    gc.freeze()
    try:
        tail: list[Any] = []  # a round's last results, handed out while the next round's workers start
        for first in range(0, len(chunks), per_round * workers):
            # A fresh pool each round: a worker's pages drift from the shared ones (reference counts, its own
            # allocations in the inherited heap's free slots), and a worker that rendered every page of 10,000
            # items had copied most of the build process (the tree's PSS while pages were rendered: 857 -> 530 MB).
            release_free_memory()
            with _pool(workers) as pool:
                # A few chunks ahead of the consumer, not all: pool.imap would queue every finished chunk
                # here while the consumer writes files more slowly than the workers render them (+350 MB at
                # 10,000 items).
                waiting = iter(chunks[first : first + per_round * workers])
                pending = deque(pool.apply_async(_run_chunk, (chunk,)) for chunk in islice(waiting, AHEAD * workers))
                try:
                    yield from tail
                    tail = []
                    while pending:
                        results = pending.popleft().get()
                        more = [pool.apply_async(_run_chunk, (chunk,)) for chunk in islice(waiting, 1)]
                        pending.extend(more)
                        if more or first + per_round * workers >= len(chunks):
                            yield from results
                        else:  # the last chunks of a round before another: collected, so the next pool forks
                            tail += results
                finally:
                    # Stopped early (an error, Ctrl-C): the chunks under way are let finish before the pool is
                    # terminated. A worker whose result comes after the pool's result thread has stopped
                    # reading blocks writing it, holding the result queue's lock, which Pool.terminate then
                    # waits for: a hang, with the build lock held, in 2 of 90 builds that failed in a
                    # template (a helper's runs).
                    for result in pending:
                        result.wait(DRAIN_SECONDS)
        yield from tail
    finally:
        _TASK.clear()


@contextmanager
def rounds_of(chunks: int) -> Iterator[None]:
    """Workers forked afresh every ``chunks`` chunks each, not ``ROUND``, by the ``ordered_map`` calls whose
    iteration begins within the block.

    For a preview, whose heap holds the site while its workers render all of it: at 10,000 items a worker's
    pages drifted by about 45 MB from the preview's over a round of ``ROUND`` chunks, the tree's peak. A
    build forks more seldom: each new pool costs its fork, and the build's peak is elsewhere.
    """
    _ROUNDS.append(chunks)
    try:
        yield
    finally:
        _ROUNDS.pop()


@contextmanager
def _pool(workers: int) -> Iterator[Any]:
    """A pool of ``workers`` forked processes, ended when done.

    The stopping signals are held back while the workers are forked (see ``_as_forked``): Ctrl-C in the midst of it
    left the ones started running for good, each blocked on a queue with a copy of the build's memory (``Pool``
    ends them only after an ``Exception``). Held back, it comes once the pool is whole, which is then ended as
    after any error. (Only this thread holds it back: a process with other threads forks no workers, ``forks``.)
    Work done, the workers are sent their end down the queue and waited for: no signal at all.
    """
    import multiprocessing  # here: a build that forks no workers need not load it (4 ms)

    pool, finished = None, False
    try:
        held = _hold_stops()
        try:
            pool = multiprocessing.get_context("fork").Pool(workers, initializer=_as_pool_worker)
        finally:
            _let_stops_through(held)
        yield pool
        finished = True
    finally:
        if pool is not None:
            pool.close() if finished else pool.terminate()
            pool.join()


# Signals that stop a process, held back while it forks (where a thread's signal mask can be set)
_STOPS = {getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
          if hasattr(signal, name)} if hasattr(signal, "pthread_sigmask") else set()


def _hold_stops() -> Any:
    """Hold the stopping signals back in this thread, as it forks: what it forks lets them through in ``_as_forked``,
    this process in ``_let_stops_through``. The signal mask before, or None where there is none."""
    return signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS) if _STOPS else None


def _let_stops_through(held: Any) -> None:
    """The signal mask as ``_hold_stops`` found it: a stopping signal that came meanwhile is raised now."""
    if held is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _as_pool_worker() -> None:
    """A pool's worker, as it starts: ``_as_forked``."""
    checkpoint("worker")  # (tests: a worker paused before it has set its signals)
    _as_forked()


def _as_forked() -> None:
    """Signals in a forked process: Ctrl-C and a closed terminal reach the whole process group, and the process
    that forked it handles them (and ends its workers); a worker ignores them, so it never dies holding the pool's
    queue lock, which the pool's ending then waits for forever. SIGTERM, which ``Pool.terminate`` ends its workers
    with, ends one as any process, even where the forking process ignores it. A pool's workers are forked with
    these signals held back (``_pool``), let through only here: a worker inherits the forking process's handlers,
    serve's turning SIGTERM into Ctrl-C for a clean stop, and a SIGTERM caught by that handler before this reset
    it was dropped by Python ("ignored due to race condition"), the worker left waiting for the queue's lock
    forever and the pool for the worker (a preview whose first build ended before its second worker had started).
    The cycle collector runs, should the build process have paused it (``build.collection_paused``): rendering
    makes cycles."""
    gc.enable()
    for name, action in (("SIGINT", signal.SIG_IGN), ("SIGHUP", signal.SIG_IGN), ("SIGTERM", signal.SIG_DFL)):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), action)
    if _STOPS:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPS)


def forks(minimum_items: int, items: int) -> bool:
    """Whether work over ``items`` items goes to forked processes: from ``minimum_items`` (or
    ``FRAUDSITE_PARALLEL_MINIMUM``), with two cores or more, where ``fork`` exists. Not in a process that
    runs other threads (serve's watcher and web server): forking could copy a held lock into the child
    and hang it. Not in a process forked ``in_background``: cancelled, it is killed, and workers of its own
    would be left running."""
    return (spreads(minimum_items, items) and threading.active_count() == 1
            and hasattr(os, "fork"))  # what multiprocessing's "fork" start method needs


def spreads(minimum_items: int, items: int) -> bool:
    """``forks`` but for the threads and ``fork`` itself: whether work goes to another process at all."""
    threshold = int(os.environ.get("FRAUDSITE_PARALLEL_MINIMUM", minimum_items))
    return worker_count() >= 2 and items >= max(threshold, 2) and not _IN_BACKGROUND


def in_background(function: Callable[[], Any], minimum_items: int, items: int,
                  retry_here: bool = True, here: Callable[[], Any] | None = None, holds_core: bool = False
                  ) -> Background:
    """Start ``function()`` in a forked process while this one goes on; calling the result waits for it.

    For a long serial step that can run beside the next one (building the search index, saving the content
    cache). Where forking is not done (as for ``ordered_map``, or fewer than ``minimum_items`` ``items``),
    ``function`` runs here at once. If the process dies, ``here`` (by default ``function`` itself) runs here
    when the result is asked for, unless ``retry_here`` is false: then the result is None. This process keeps
    ``function`` only as that work to redo, so with ``here`` given or ``retry_here`` false nothing it holds (a
    whole cache, the search documents) stays here. An exception it raises is raised by the call.
    ``holds_core``: a long step that keeps a core busy, so ``ordered_map`` uses one worker fewer until its
    result is taken (on two cores, none: the work runs in this process, and no worker forked meanwhile
    copies this one's heap beside the background process's).
    """
    if not forks(minimum_items, items):
        return Background(done=(False, function()))
    gc.freeze()
    release_free_memory()
    reading, writing = os.pipe()
    held = _hold_stops()  # as for a pool's workers: the forked process lets them through in ``_as_forked``
    try:
        pid = os.fork()
    except OSError:  # no process to be had (EAGAIN): the pipe is not left open
        _let_stops_through(held)
        os.close(reading)
        os.close(writing)
        raise
    if pid == 0:  # the forked process: send the outcome, then end without running this program's exit handlers
        global _IN_BACKGROUND
        _IN_BACKGROUND = True
        try:
            _as_forked()
            os.close(reading)
            try:
                outcome = (False, function())
            except BaseException as error:  # handed to the waiting process, which raises it
                outcome = (True, error)
            with os.fdopen(writing, "wb") as stream:  # pickled into the pipe: no second copy of a large result
                pickle.dump(outcome, stream, pickle.HIGHEST_PROTOCOL)
        finally:
            os._exit(0)
    try:
        _let_stops_through(held)  # Ctrl-C held back during the fork comes now: the forked process is stopped too
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(reading)
        os.close(writing)
        raise
    os.close(writing)
    if holds_core:
        _HOLDING.add(pid)
    return Background(pid=pid, reading=reading, fallback=(here or function) if retry_here else None)


def in_new_process(function: Callable[..., Any], arguments: tuple, records: Callable[[], Iterable[Any]],
                   minimum_items: int, items: int, here: Callable[[], Any], holds_core: bool = False) -> Background:
    """``in_background`` in a new interpreter, not a fork: ``function(*arguments, records())``, the records
    read one at a time from a file, and nothing of this process's heap beside them.

    A forked search index builder kept most of the build process's heap, page by page, as that process went on
    changing it: 240 of its 270 MB at 10,000 items, against 100 MB started afresh. ``function`` must be found by
    its name (module level). The new process is this Python with this process's flags and module search path, so
    it imports the same code and libraries; if the code on disk is no longer what this process read
    (``stamp.code_stamp``), it does nothing. ``records()`` is written to a temporary file before anything starts,
    so this process need not keep it. If the new process fails, whatever the reason (an error of ``function``
    too), ``here`` does the work in this process when the result is asked for, and raises what it raises.
    """
    # Started, not forked: also beside serve's threads. Not from a frozen program, whose executable is itself.
    if (not spreads(minimum_items, items) or not hasattr(os, "posix_spawn") or not sys.executable
            or getattr(sys, "frozen", False)):
        return Background(done=(False, here()))
    import subprocess

    from fraudsite.stamp import code_stamp

    result = -1
    pid = 0
    try:
        # Its result goes into an unnamed file, read once it has ended, not down a pipe, which it would wait on
        # until read: at 10,000 items a cold build's peak (427 MiB PSS) was the search index read back here while
        # its builder still held 138.
        with tempfile.TemporaryFile() as task, tempfile.TemporaryFile() as sent:
            result = os.dup(sent.fileno())
            pickle.dump((sys.path, code_stamp()), task, pickle.HIGHEST_PROTOCOL)
            pickle.dump((function, arguments), task, pickle.HIGHEST_PROTOCOL)
            for record in records():
                pickle.dump(record, task, pickle.HIGHEST_PROTOCOL)
            task.flush()
            task.seek(0)
            # Its standard output goes nowhere: what site.py or a library prints would spoil the result. So does
            # its standard error, but with --debug (FRAUDSITE_DEBUG): its errors are raised again here, where the
            # work is redone, and otherwise why it failed would not show.
            quiet = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_WRONLY, 0)
                     for fd in ((1,) if os.environ.get("FRAUDSITE_DEBUG") else (1, 2))]
            pid = os.posix_spawn(sys.executable, [sys.executable, *subprocess._args_from_interpreter_flags(), "-P", "-c", _BOOT],
                                 os.environ, file_actions=[
                                     (os.POSIX_SPAWN_DUP2, task.fileno(), 0), (os.POSIX_SPAWN_DUP2, result, _RESULT),
                                     *quiet])
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        # No room for the task, a task that cannot be pickled, no interpreter to start.
        if result >= 0:
            os.close(result)
        return Background(done=(False, here()))
    except BaseException:  # Ctrl-C: nothing left running
        if pid:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        if result >= 0:
            os.close(result)
        raise
    if holds_core:
        _HOLDING.add(pid)
    return Background(pid=pid, reading=result, fallback=here, in_file=True)


_RESULT = 3  # the descriptor of the file the new process writes its result to
_BOOT = ("import pickle, sys; sys.path[:], stamp = pickle.load(sys.stdin.buffer); "
         "from fraudsite import parallel; parallel._serve(stamp)")


def _serve(stamp: str) -> None:
    """The new process of ``in_new_process``: its task on standard input, the result pickled down ``_RESULT``."""
    global _IN_BACKGROUND
    _IN_BACKGROUND = True
    _as_forked()
    checkpoint("new-process")
    from fraudsite.stamp import code_stamp

    if code_stamp() != stamp:  # the code changed since the build began: its result might not fit the build's
        print(f"fraudsite：构建期间代码已改变（{stamp} → {code_stamp()}），这项工作改在构建进程中完成", file=sys.stderr)
        os._exit(1)
    source = sys.stdin.buffer
    function, arguments = pickle.load(source)

    def records() -> Iterator[Any]:
        while source.peek(1):
            yield pickle.load(source)

    try:
        outcome = (False, function(*arguments, records()))
    except Exception:  # no result sent: the work is done again where it was asked for, and any error raised there
        traceback.print_exc()
        os._exit(1)
    with open(_RESULT, "wb") as stream:
        pickle.dump(outcome, stream, pickle.HIGHEST_PROTOCOL)
    os._exit(0)  # not waited for while the interpreter shuts down


class Background:
    """Work ``in_background``: call it for the result; ``wait`` or ``cancel`` when the result is not wanted."""

    def __init__(self, done: tuple[bool, Any] | None = None, pid: int = 0, reading: int = -1,
                 fallback: Callable[[], Any] | None = None, in_file: bool = False):
        self.done, self.pid, self.reading, self.fallback = done, pid, reading, fallback
        self.in_file = in_file  # ``reading`` is the file the process writes its outcome to, not a pipe

    def __call__(self) -> Any:
        if self.done is None:
            self.done = self._collect(load=True)
            if self.done is None:  # the process died without a result
                self.done = (False, self.fallback() if self.fallback else None)
            self.fallback = None
        failed, value = self.done
        if failed:
            raise value
        return value

    def wait(self) -> None:
        """Let the work finish (a save), its result and any error ignored."""
        if self.done is None:
            self._collect(load=False)
            self.done, self.fallback = (False, None), None

    def cancel(self) -> None:
        """Stop the work (the build failed elsewhere): the process is killed and reaped."""
        if self.done is None and self.pid:
            self.done, self.fallback = (False, None), None
            _HOLDING.discard(self.pid)
            reading, self.reading = self.reading, -1
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:  # ended already
                pass
            if reading >= 0:
                os.close(reading)
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:  # reaped already (a wait cut short after it)
                pass

    def _collect(self, load: bool) -> tuple[bool, Any] | None:
        """The outcome sent, unpickled as it is read (a large result is never held twice); None if none came whole."""
        reading, self.reading = self.reading, -1  # the descriptor is closed below, even if the read is cut short
        if self.in_file:  # read once the process has ended and its memory is gone
            os.waitpid(self.pid, 0)
            os.lseek(reading, 0, os.SEEK_SET)
        with os.fdopen(reading, "rb") as stream:
            try:
                outcome = pickle.load(stream) if load else None
            except Exception:  # none sent (the process died), cut short, or an exception not rebuildable here
                outcome = None  # (the pipe closed unread, a sender still writing gets EPIPE and ends)
        if not self.in_file:
            os.waitpid(self.pid, 0)
        _HOLDING.discard(self.pid)
        return outcome


class Message:
    """One value sent once between a process and one it forks ``in_background``: the paths the forked one planned,
    before its result; or what the forking one found it needs (names to read), after the fork.

    The value goes into an unnamed file, not down a pipe, which holds 64 KB: the sender never waits for the
    receiver to read. A byte down a pipe says it is there; the pipe closed without one (the sender ended) says
    it never will be. Make it just before the fork; just after, the receiving process calls ``forked``.
    """

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()
        self.reading, self.writing = os.pipe()
        self.received: tuple[bool, Any] | None = None

    def forked(self) -> None:
        """In the receiving process: only the sender (and what it forks later) holds the pipe's writing end now, so
        its end closes the pipe."""
        os.close(self.writing)
        self.writing = -1

    def send(self, value: Any) -> None:
        """In the sending process: hand ``value`` over."""
        pickle.dump(value, self.file, pickle.HIGHEST_PROTOCOL)
        self.file.flush()
        os.write(self.writing, b"!")

    def receive(self) -> tuple[bool, Any]:
        """``(True, value)`` once sent (waited for); ``(False, None)`` if the sender ended without sending."""
        if self.received is None:
            try:
                sent = os.read(self.reading, 1) == b"!"
                self.file.seek(0)
                self.received = (True, pickle.load(self.file)) if sent else (False, None)
            except Exception:  # a value that cannot be rebuilt here: as if none had been sent
                self.received = (False, None)
            finally:
                self.close()
        return self.received

    def close(self) -> None:
        """Not wanted (the sender was cancelled), received, or sent."""
        for end in (self.reading, self.writing):
            if end >= 0:
                os.close(end)
        self.reading = self.writing = -1
        self.file.close()


PAUSES: list[object] = []  # the open ``build.collection_paused``, innermost last


@contextmanager
def _collecting() -> Iterator[None]:
    """The cycle collector on for work done here, should the build have paused it (``build.collection_paused``), as
    in a worker (``_as_forked``): rendering leaves cycles, which would otherwise stay until the build ends (a preview
    rebuilds in its own process). What exists is frozen first, as before a fork, so no collection walks it.

    Turned off again at the end only within the pause it began in: work left unfinished ends when its generator is
    collected, maybe after that pause, and must not turn the collector off for good."""
    if gc.isenabled():
        yield
        return
    pause = PAUSES[-1] if PAUSES else None
    gc.freeze()
    gc.enable()
    try:
        yield
    finally:
        if (PAUSES[-1] if PAUSES else None) is pause:
            gc.disable()


def release_free_memory() -> None:
    """Give the C heap's free pages back to the system before forking, so no worker inherits them.

    What a build frees (the derived store's entries once saved, planning's scratch) stays in glibc's heap
    and counts in every forked worker's resident set: 130 MB at 10,000 items. Elsewhere this does nothing.
    """
    global _TRIM
    if _TRIM is None:
        try:
            _TRIM = ctypes.CDLL(None).malloc_trim
        except (OSError, AttributeError):
            _TRIM = False
    if _TRIM:
        _TRIM(0)


_TRIM: Any = None  # glibc's malloc_trim, once looked up; False where there is none


def _run_chunk(indices: range) -> list[Any]:
    function, items = _TASK
    return [function(items[i]) for i in indices]
