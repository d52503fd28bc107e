"""Run a function in a forked child with a time limit: the Rego engine has no limit of its own."""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from reviewer.policies.errors import PolicyError

T = TypeVar("T")
_MAX_FD = 1 << 20  # above any descriptor a process here opens; os.closerange uses close_range(2)


class _ChildFailed(Exception):
    """The child raised; its message crossed the pipe."""


def run_limited(work: Callable[[], T], timeout: float, what: str) -> T:
    """work() in a forked child, killed after `timeout` seconds (then PolicyError); see run_limited_all."""
    return run_limited_all([work], timeout, what)[0]


def _child(work: Callable[[], object], what: str, read: int, write: int) -> None:
    """The child: compute, send, and leave without running any of the parent's cleanup."""
    code = 1
    try:
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
        with os.fdopen(write, "wb") as pipe:
            pipe.write(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))
        code = 0
    finally:
        os._exit(code)


def run_limited_all(works: Sequence[Callable[[], T]], timeout: float, what: str) -> list[T]:
    """Each work() in its own forked child, all at once; all killed after `timeout` s (then PolicyError).

    The children share this process's memory copy-on-write, so the (large) plan is not copied; only
    results cross pipes. A PolicyError raised by a work is raised here with its message. The children
    import nothing and log nothing (a lock held by another thread at fork time would stay locked).
    Without fork (not POSIX) the works run here, without a limit.
    """
    if not hasattr(os, "fork"):
        return [work() for work in works]
    children: dict[int, tuple[int, list[bytes]]] = {}  # read fd -> (pid, chunks)
    order: list[int] = []
    try:
        for work in works:
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:
                _child(work, what, read, write)
            os.close(write)
            children[read] = (pid, [])
            order.append(read)
        _collect(children, time.monotonic() + timeout, timeout, what)
    finally:
        for read, (pid, _) in children.items():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.close(read)
            os.waitpid(pid, 0)
    results: list[T] = []
    for read in order:
        pid, chunks = children[read]
        if not chunks:
            raise PolicyError(f"{what} crashed")
        ok, value = pickle.loads(b"".join(chunks))
        if not ok:
            raise PolicyError(str(value))
        results.append(value)
    return results


def _collect(
    children: dict[int, tuple[int, list[bytes]]], deadline: float, timeout: float, what: str
) -> None:
    """Read every child's pipe to its end, or raise PolicyError at the deadline."""
    open_fds = set(children)
    while open_fds:
        remaining = deadline - time.monotonic()
        ready = select.select(list(open_fds), [], [], remaining)[0] if remaining > 0 else []
        if not ready:
            raise PolicyError(f"{what} took longer than the limit of {timeout:g} s")
        for read in ready:
            chunk = os.read(read, 1 << 20)
            if chunk:
                children[read][1].append(chunk)
            else:
                open_fds.discard(read)
