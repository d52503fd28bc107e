"""Run a function in a forked child with a time limit: the Rego engine has no limit of its own."""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import select
import signal
import time
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from reviewer.policies.errors import PolicyError

T = TypeVar("T")
_MAX_FD = 1 << 20  # above any descriptor a process here opens; os.closerange uses close_range(2)


class _ChildFailed(Exception):
    """The child raised; its message crossed the pipe."""


def run_limited(work: Callable[[], T], timeout: float, what: str) -> T:
    """work() in a forked child, killed after `timeout` seconds (then PolicyError); see LimitedRun."""
    return run_limited_all([work], timeout, what)[0]


def run_limited_all(works: Sequence[Callable[[], T]], timeout: float, what: str) -> list[T]:
    """Each work() in its own forked child, all at once, within the limit; see LimitedRun."""
    with LimitedRun(works, timeout, what) as run:
        return run.results()


def _child(work: Callable[[], object], what: str, read: int, write: int, limit: tuple[float, float]) -> None:
    """The child: compute, send, and leave without running any of the parent's cleanup."""
    code = 1
    try:
        # A collection here would write to every object inherited from the parent (its GC header) and so
        # copy all of their pages; this short-lived child leaves what it allocates to os._exit.
        gc.disable()
        os.close(read)
        # Inherited descriptors would keep other threads' pipes (another evaluation's, a subprocess's)
        # open until this child ends, delaying their end-of-file: keep only stdio and this pipe.
        os.closerange(3, write)
        os.closerange(write + 1, _MAX_FD)
        try:
            payload: tuple[bool, object] = (True, work())
        except PolicyError as exc:
            payload = (False, str(exc))
        except BaseException as exc:  # anything the engine raises is a policy failure, never a crash
            payload = (False, f"{what} failed: {type(exc).__name__}: {exc}")
        deadline, timeout = limit
        if time.monotonic() > deadline:
            # The parent may collect late (it works meanwhile): the limit is the child's to keep.
            payload = (False, _too_long(what, timeout))
        with os.fdopen(write, "wb") as pipe:
            pipe.write(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))
        code = 0
    finally:
        os._exit(code)


def _too_long(what: str, timeout: float) -> str:
    return f"{what} took longer than the limit of {timeout:g} s"


class LimitedRun(Generic[T]):
    """Each work() in its own forked child, all started on entering the block; results() waits for them.

    A child still computing `timeout` seconds after the start is killed and results() raises PolicyError;
    so does one that finished later than that (the caller may do other work before asking). The children
    share this process's memory copy-on-write, so the (large) plan is not copied; only results cross
    pipes. A PolicyError raised by a work is raised by results() with its message. The children import
    nothing and log nothing (a lock held by another thread at fork time would stay locked). Leaving the
    block stops and reaps every child. Without fork (not POSIX) the works run in results(), without a limit.
    """

    def __init__(self, works: Sequence[Callable[[], T]], timeout: float, what: str) -> None:
        self._works = list(works)
        self._timeout = timeout
        self._what = what
        self._children: dict[int, tuple[int, list[bytes]]] = {}  # read fd -> (pid, chunks)
        self._order: list[int] = []
        self._deadline = 0.0

    def __enter__(self) -> LimitedRun[T]:
        if not hasattr(os, "fork"):
            return self
        self._deadline = time.monotonic() + self._timeout
        try:
            for work in self._works:
                read, write = os.pipe()
                pid = os.fork()
                if pid == 0:
                    _child(work, self._what, read, write, (self._deadline, self._timeout))
                os.close(write)
                self._children[read] = (pid, [])
                self._order.append(read)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def results(self) -> list[T]:
        """What each work returned, in order; PolicyError when one failed or the time limit passed."""
        if not hasattr(os, "fork"):
            return [work() for work in self._works]
        try:
            self._collect()
            outputs = [self._children[read][1] for read in self._order]
        finally:
            self.close()
        results: list[T] = []
        for chunks in outputs:
            if not chunks:
                raise PolicyError(f"{self._what} crashed")
            ok, value = pickle.loads(b"".join(chunks))
            if not ok:
                raise PolicyError(str(value))
            results.append(value)
        return results

    def close(self) -> None:
        """Kill and reap every child still there (a finished one is only reaped)."""
        for read, (pid, _) in self._children.items():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.close(read)
            os.waitpid(pid, 0)
        self._children.clear()

    def _collect(self) -> None:
        """Read every child's pipe to its end, or raise PolicyError when one still computes at the deadline.

        A child that has started writing has finished its work (it writes all at once): only children
        that have sent nothing yet are held to the deadline.
        """
        children = self._children
        open_fds = set(children)
        while open_fds:
            computing = [read for read in open_fds if not children[read][1]]
            wait = max(self._deadline - time.monotonic(), 0.0) if computing else None
            ready = select.select(list(open_fds), [], [], wait)[0]
            if not ready:
                raise PolicyError(_too_long(self._what, self._timeout))
            for read in ready:
                chunk = os.read(read, 1 << 20)
                if chunk:
                    children[read][1].append(chunk)
                else:
                    open_fds.discard(read)
