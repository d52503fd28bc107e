"""Run a function in a forked child with a time limit: the Rego engine has no limit of its own."""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import time
from collections.abc import Callable
from typing import TypeVar

from reviewer.policies.errors import PolicyError

T = TypeVar("T")


class _ChildFailed(Exception):
    """The child raised; its message crossed the pipe."""


def run_limited(work: Callable[[], T], timeout: float, what: str) -> T:
    """work() in a forked child, killed after `timeout` seconds (then PolicyError); in process without fork.

    The child shares this process's memory copy-on-write, so the (large) plan is not copied; only the
    result crosses a pipe. A PolicyError raised by `work` is raised here with its message. The child
    imports nothing and logs nothing (a lock held by another thread at fork time would stay locked).
    """
    if not hasattr(os, "fork"):
        return work()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, and leave without running any of the parent's cleanup
        code = 1
        try:
            os.close(read)
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
    os.close(write)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([read], [], [], remaining)[0]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                raise PolicyError(f"{what} took longer than the limit of {timeout:g} s")
            chunk = os.read(read, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read)
        _, status = os.waitpid(pid, 0)
    if not chunks:
        signal_number = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        detail = f"signal {signal_number}" if signal_number else f"exit status {os.WEXITSTATUS(status)}"
        raise PolicyError(f"{what} crashed ({detail})")
    ok, value = pickle.loads(b"".join(chunks))
    if not ok:
        raise PolicyError(str(value))
    result: T = value  # type: ignore[assignment]
    return result
