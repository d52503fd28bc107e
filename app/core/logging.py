"""Structured JSON logging with a correlation id; never log bodies, plans or secrets."""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

_RESERVED = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, event and the extra keys."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            entry["error_type"] = record.exc_info[0].__name__
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


_HEALTH_PATHS = frozenset({"/healthz", "/readyz"})


class HealthProbeFilter(logging.Filter):
    """Drop uvicorn's access lines for successful health probes, which a supervisor or load balancer sends every few seconds."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        # uvicorn.access logs (client, method, path, http version, status).
        if isinstance(args, tuple) and len(args) == 5:
            return not (args[2] in _HEALTH_PATHS and args[4] == 200)
        return True


_configured = False


def configure_logging(level: str = "INFO") -> None:
    """Install the JSON formatter on the root logger once."""
    global _configured
    root = logging.getLogger()
    root.setLevel(level)
    if _configured:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.handlers = [handler]
    for noisy in ("botocore", "boto3", "urllib3", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("uvicorn.access").addFilter(HealthProbeFilter())
    _configured = True


def emit_metric(name: str, value: float, *, namespace: str = "tfreview", env: str = "dev") -> None:
    """Write a CloudWatch embedded-metric-format line (picked up from Lambda logs)."""
    document = {
        "_aws": {
            "Timestamp": int(datetime.now(UTC).timestamp() * 1000),
            "CloudWatchMetrics": [
                {"Namespace": namespace, "Dimensions": [["Environment"]], "Metrics": [{"Name": name}]}
            ],
        },
        "Environment": env,
        name: value,
    }
    sys.stdout.write(json.dumps(document) + "\n")
    sys.stdout.flush()
