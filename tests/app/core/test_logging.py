"""The JSON log setup: health probes stay out of the access log, everything else stays in."""

from __future__ import annotations

import logging

from app.core.logging import HealthProbeFilter


def access_record(path: str, status: int) -> logging.LogRecord:
    """An access-log record shaped like uvicorn's."""
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path, "1.1", status),
        None,
    )


def test_successful_health_probes_are_dropped_and_other_requests_kept() -> None:
    probe_filter = HealthProbeFilter()
    assert not probe_filter.filter(access_record("/healthz", 200))
    assert not probe_filter.filter(access_record("/readyz", 200))
    assert probe_filter.filter(access_record("/readyz", 503))
    assert probe_filter.filter(access_record("/api/reviews", 200))
    assert probe_filter.filter(logging.LogRecord("app", logging.INFO, __file__, 1, "event", None, None))
