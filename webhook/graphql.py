"""Spacelift GraphQL client: API-key → JWT exchange, run changes and logs, comment and review write-back."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

JWT_MUTATION = (
    "mutation GetSpaceliftToken($id: ID!, $secret: String!) "
    "{ apiKeyUser(id: $id, secret: $secret) { jwt validUntil } }"
)
CHANGES_QUERY = (
    "query RunChanges($stack: ID!, $run: ID!) { stack(id: $stack) { run(id: $run) "
    "{ changesV3(input: {}) { resources { address previousAddress metadata { type } } } } } }"
)
LOGS_QUERY = (
    "query RunLogs($stack: ID!, $run: ID!, $state: RunState!, $stateVersion: Int, $token: String) "
    "{ stack(id: $stack) { run(id: $run) { logs(state: $state, stateVersion: $stateVersion, token: $token) "
    "{ exists finished hasMore nextToken messages { message } } } } }"
)
COMMENTS_QUERY = (
    "query RunComments($stack: ID!, $run: ID!) { stack(id: $stack) { run(id: $run) "
    "{ comments { body createdAt username } } } }"
)
COMMENT_MUTATION = (
    "mutation RunComment($stack: ID!, $run: ID!, $body: String!) "
    "{ runComment(stack: $stack, run: $run, body: $body) { body createdAt username } }"
)
REVIEW_MUTATION = (
    "mutation RunReview($stack: ID!, $run: ID!, $decision: RunReviewDecision!, $note: String) "
    "{ runReview(stack: $stack, run: $run, decision: $decision, note: $note) "
    "{ id decision note state timestamp } }"
)

# Refresh a token this long before Spacelift says it expires, so no request races the expiry.
TOKEN_REFRESH_MARGIN_SECONDS = 60.0
MAX_LOG_PAGES = 50


class ReviewDecision(StrEnum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"


class SpaceliftError(Exception):
    """Base of every error the Spacelift client raises."""


class SpaceliftConfigError(SpaceliftError):
    """The client lacks an endpoint or API key."""


class SpaceliftAuthError(SpaceliftError):
    """The API key was refused, or the JWT was rejected after a refresh."""


class SpaceliftTransientError(SpaceliftError):
    """Spacelift kept failing with 5xx, timeouts or network errors after every retry."""


class SpaceliftGraphQLError(SpaceliftError):
    """Spacelift answered with GraphQL errors (a permanent failure for this request)."""

    def __init__(self, operation: str, messages: list[str]) -> None:
        super().__init__(f"{operation}: {'; '.join(messages)[:500]}")
        self.operation = operation
        self.messages = messages


class SpaceliftNotFound(SpaceliftError):
    """The stack or run does not exist or the API key cannot see it."""


@dataclass(frozen=True)
class RunLogs:
    """A phase's log text and whether Spacelift had one."""

    exists: bool
    finished: bool
    text: str


def graphql_url(endpoint: str) -> str:
    """`https://acme.app.spacelift.io` (with or without `/graphql`) → the GraphQL URL."""
    base = endpoint.rstrip("/")
    return base if base.endswith("/graphql") else base + "/graphql"


class SpaceliftClient:
    """A small synchronous GraphQL client with a cached JWT and bounded retries."""

    def __init__(
        self,
        endpoint: str,
        api_key_id: str,
        api_key_secret: SecretStr | str,
        *,
        http: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = 4,
        backoff_seconds: float = 0.5,
        max_backoff_seconds: float = 8.0,
        timeout_seconds: float = 15.0,
    ) -> None:
        if not endpoint or not api_key_id or not api_key_secret:
            raise SpaceliftConfigError("Spacelift endpoint, API key id and API key secret are required")
        self._url = graphql_url(endpoint)
        self._key_id = api_key_id
        self._key_secret = (
            api_key_secret if isinstance(api_key_secret, SecretStr) else SecretStr(api_key_secret)
        )
        if http is None:
            import httpx  # lazy: the API Lambda imports this module, and rarely calls Spacelift

            http = httpx.Client(timeout=timeout_seconds)
        self._http = http
        self._clock = clock
        self._sleep = sleep
        self._max_attempts = max(1, max_attempts)
        self._backoff = backoff_seconds
        self._max_backoff = max_backoff_seconds
        self._jwt: str | None = None
        self._valid_until = 0.0
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the underlying HTTP client."""
        self._http.close()

    # -- transport -----------------------------------------------------------------------------

    def _post(
        self, operation: str, query: str, variables: dict[str, Any], token: str | None
    ) -> httpx.Response:
        """POST once per attempt, retrying 5xx, 429, timeouts and network errors with backoff."""
        import httpx

        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        body = {"operationName": operation, "query": query, "variables": variables}
        last_problem = ""
        for attempt in range(1, self._max_attempts + 1):
            try:
                response = self._http.post(self._url, json=body, headers=headers)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                last_problem = type(exc).__name__
            else:
                if response.status_code < 500 and response.status_code != 429:
                    return response
                last_problem = f"HTTP {response.status_code}"
            log.warning(
                "spacelift.graphql_retry",
                extra={
                    "event": "spacelift.graphql_retry",
                    "operation": operation,
                    "attempt": attempt,
                    "problem": last_problem,
                },
            )
            if attempt < self._max_attempts:
                self._sleep(min(self._max_backoff, self._backoff * 2 ** (attempt - 1)))
        raise SpaceliftTransientError(
            f"{operation}: gave up after {self._max_attempts} attempts ({last_problem})"
        )

    @staticmethod
    def _data(operation: str, response: httpx.Response) -> dict[str, Any]:
        if response.status_code in (401, 403):
            raise SpaceliftAuthError(f"{operation}: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise SpaceliftGraphQLError(operation, [f"HTTP {response.status_code}"])
        try:
            payload = response.json()
        except ValueError:
            raise SpaceliftGraphQLError(operation, ["response is not JSON"]) from None
        if not isinstance(payload, dict):
            raise SpaceliftGraphQLError(operation, ["response is not a JSON object"])
        errors = payload.get("errors")
        if errors:
            messages = [str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors]
            if any("unauthori" in m.lower() or "unauthenticated" in m.lower() for m in messages):
                raise SpaceliftAuthError(f"{operation}: {'; '.join(messages)[:300]}")
            raise SpaceliftGraphQLError(operation, messages)
        data = payload.get("data")
        if not isinstance(data, dict):
            raise SpaceliftGraphQLError(operation, ["response has no data"])
        return data

    # -- auth ------------------------------------------------------------------------------------

    def token(self) -> str:
        """A JWT for the API key, exchanged once and reused until shortly before `validUntil`."""
        with self._lock:
            if self._jwt and self._clock() < self._valid_until - TOKEN_REFRESH_MARGIN_SECONDS:
                return self._jwt
            variables = {"id": self._key_id, "secret": self._key_secret.get_secret_value()}
            data = self._data(
                "GetSpaceliftToken", self._post("GetSpaceliftToken", JWT_MUTATION, variables, None)
            )
            user = data.get("apiKeyUser")
            if not isinstance(user, dict) or not isinstance(user.get("jwt"), str):
                raise SpaceliftAuthError("GetSpaceliftToken: the API key was not accepted")
            valid_until = user.get("validUntil")
            self._jwt = user["jwt"]
            # Without validUntil, assume the shortest documented lifetime (one hour).
            self._valid_until = (
                float(valid_until) if isinstance(valid_until, int | float) else self._clock() + 3600
            )
            log.info("spacelift.token_exchanged", extra={"event": "spacelift.token_exchanged"})
            return self._jwt

    def _invalidate(self) -> None:
        with self._lock:
            self._jwt = None
            self._valid_until = 0.0

    def execute(self, operation: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """Run one authenticated operation; a rejected JWT is refreshed once."""
        for refreshed in (False, True):
            response = self._post(operation, query, variables, self.token())
            try:
                return self._data(operation, response)
            except SpaceliftAuthError:
                if refreshed:
                    raise
                self._invalidate()
        raise AssertionError("unreachable")  # pragma: no cover

    # -- reads -----------------------------------------------------------------------------------

    @staticmethod
    def _run(data: dict[str, Any], stack_id: str, run_id: str) -> dict[str, Any]:
        stack = data.get("stack")
        run = stack.get("run") if isinstance(stack, dict) else None
        if not isinstance(run, dict):
            raise SpaceliftNotFound(f"run {run_id} of stack {stack_id} was not found")
        return run

    def run_changes(self, stack_id: str, run_id: str) -> list[dict[str, Any]]:
        """The run's `changesV3` resources (address, previousAddress, metadata.type)."""
        data = self.execute("RunChanges", CHANGES_QUERY, {"stack": stack_id, "run": run_id})
        changes = self._run(data, stack_id, run_id).get("changesV3")
        resources = changes.get("resources") if isinstance(changes, dict) else None
        return [r for r in resources or () if isinstance(r, dict)]

    def run_logs(
        self, stack_id: str, run_id: str, state: str = "PLANNING", state_version: int | None = None
    ) -> RunLogs:
        """A phase's full log, following `nextToken` pages up to a bound."""
        parts: list[str] = []
        token: str | None = None
        exists = finished = False
        for _ in range(MAX_LOG_PAGES):
            variables: dict[str, Any] = {
                "stack": stack_id,
                "run": run_id,
                "state": state,
                "stateVersion": state_version,
                "token": token,
            }
            data = self.execute("RunLogs", LOGS_QUERY, variables)
            logs = self._run(data, stack_id, run_id).get("logs")
            if not isinstance(logs, dict):
                break
            exists = bool(logs.get("exists"))
            finished = bool(logs.get("finished"))
            for message in logs.get("messages") or ():
                if isinstance(message, dict) and isinstance(message.get("message"), str):
                    parts.append(message["message"])
            token = logs.get("nextToken") if isinstance(logs.get("nextToken"), str) else None
            if not logs.get("hasMore") or not token:
                break
        return RunLogs(exists=exists, finished=finished, text="".join(parts))

    def run_comments(self, stack_id: str, run_id: str) -> list[str]:
        """Bodies of the comments already on a run."""
        data = self.execute("RunComments", COMMENTS_QUERY, {"stack": stack_id, "run": run_id})
        comments = self._run(data, stack_id, run_id).get("comments")
        return [c["body"] for c in comments or () if isinstance(c, dict) and isinstance(c.get("body"), str)]

    # -- writes ----------------------------------------------------------------------------------

    def run_comment(self, stack_id: str, run_id: str, body: str) -> dict[str, Any]:
        """Post a Markdown comment on a run."""
        data = self.execute("RunComment", COMMENT_MUTATION, {"stack": stack_id, "run": run_id, "body": body})
        result = data.get("runComment")
        if not isinstance(result, dict):
            raise SpaceliftGraphQLError("RunComment", ["no comment returned"])
        return result

    def run_review(
        self, stack_id: str, run_id: str, decision: ReviewDecision, note: str | None = None
    ) -> dict[str, Any]:
        """Approve or reject a run for approval policies."""
        variables = {"stack": stack_id, "run": run_id, "decision": str(decision), "note": note}
        data = self.execute("RunReview", REVIEW_MUTATION, variables)
        result = data.get("runReview")
        if not isinstance(result, dict):
            raise SpaceliftGraphQLError("RunReview", ["no review returned"])
        return result
