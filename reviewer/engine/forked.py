"""Run one function in a forked child process and collect its (pickled) result: a second CPU core."""

from __future__ import annotations

import contextlib
import math
import os
import signal
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
# Below this many resources a second process costs more (fork, pickling results) than it saves.
PARALLEL_MIN_RESOURCES = 2000


def spare_cpus() -> int:
    """CPUs this process may use that nothing else is running on now (0 where fork is unavailable).

    On a busy machine a second process only waits for a core while costing its fork and the copies of
    its results: one process is then faster, so busy CPUs do not count as spare.
    """
    if not hasattr(os, "fork"):
        return 0
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = os.cpu_count() or 1
    return max(usable - _running_now(), 0)


def _running_now() -> int:
    """Processes running or ready to run right now, this one included (at least 1)."""
    try:
        with open("/proc/loadavg", encoding="ascii") as handle:
            running = int(handle.read().split()[3].split("/")[0])  # "0.52 0.58 0.59 2/467 1234"
    except (OSError, ValueError, IndexError):
        try:
            running = math.ceil(os.getloadavg()[0])
        except (AttributeError, OSError):
            running = 1
    return max(running, 1)


class Forked(Generic[T]):
    """Starts `work` in a child now; result() returns what it returned. Use it as a context manager:
    leaving the block stops a child whose result was not taken (an exception meanwhile, or no need).

    The child shares the parent's memory copy-on-write, so it needs no input at all; only the result
    crosses a pipe. Whatever goes wrong in the child (or with fork itself), result() runs `work` in this
    process instead, so the outcome never depends on the child. Only for short-lived single-threaded
    processes such as the CLI: forking a threaded process can deadlock the child.
    """

    def __init__(self, work: Callable[[], T]) -> None:
        import pickle  # here and in result(): small plans never fork, so start-up skips it

        self._work = work
        self.child_pid: int | None = None  # None: no child (fork unavailable or failed)
        self._pid: int | None = None  # the child still to wait for
        self._read = -1
        try:
            read, write = os.pipe()
            pid = os.fork()
        except OSError:
            return
        if pid == 0:  # the child: compute, send, and leave without running any cleanup of the parent's
            code = 1
            try:
                os.close(read)
                data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write, "wb") as pipe:
                    pipe.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        self.child_pid = self._pid = pid
        self._read = read

    def __enter__(self) -> Forked[T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.cancel()

    def cancel(self) -> None:
        """Stop the child if it still runs: its result is not needed."""
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            os.close(self._read)
            os.waitpid(self._pid, 0)
            self._pid = None

    def result(self) -> T:
        if self._pid is None:
            return self._work()
        with os.fdopen(self._read, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        if status != 0 or not data:
            return self._work()
        import pickle

        value: T = pickle.loads(data)
        return value
