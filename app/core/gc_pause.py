"""The cyclic garbage collector paused while a plan is parsed, redacted and reviewed.

A 10,000-resource plan is about a million small acyclic objects (dicts, lists, strings). While they are
being built, the cyclic collector runs every few hundred allocations and rescans them again and again:
about a third of the CPU of a big review (as the CLI found, which turns it off). Reference counting
still frees everything at once; only cycles wait, and only until the last pause of the process ends.
Pauses nest and overlap across threads (the local worker reviews while the API parses a POST): the
collector comes back when the last one ends, and only if it was on when the first one began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside the block (any thread); the collector's previous state after it."""
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
