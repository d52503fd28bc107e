"""AWS clients for the whole process: one boto3 session, each client built on first use.

A botocore session loads the endpoint and partition data once; a second session loads it again
(about 0.25 s each on a Lambda cold start). Building a client also loads its service model, so a
client is made when a request first needs it: a cold start that answers a read never builds the
Lambda client, and nothing is built while the module is imported.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import boto3

# botocore sessions are not safe for concurrent client creation; clients themselves are.
_build_lock = threading.Lock()


@lru_cache(maxsize=1)
def session() -> boto3.session.Session:
    """The process's boto3 session (credentials and endpoint data loaded once)."""
    import boto3

    return boto3.session.Session()


class LazyClient:
    """Stands in for a boto3 client and builds it on the first attribute access."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._client: Any = None

    def _get(self) -> Any:
        if self._client is None:
            with _build_lock:
                if self._client is None:
                    self._client = self._build()
        return self._client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)


def client(service: str, **kwargs: Any) -> Any:
    """A client of one AWS service from the shared session, built when first used."""
    return LazyClient(lambda: session().client(service, **kwargs))  # type: ignore[call-overload]
