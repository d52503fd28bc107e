"""Every GET of a reviewed 10,000-resource plan fits Lambda's 6 MB response, as API Gateway sends it.

The plan goes in gzipped through the API Lambda entry (app.handler, API Gateway HTTP API 2.0 events,
in process) with the local reviewer; tests/benchmarks/bench_limits.py walks every GET (review,
versions, findings/changes/versions pages, md/json/sarif report pages, list, analytics) with and
without gzip and checks each Lambda response payload. The same script runs 50,000 as a benchmark.
"""

from __future__ import annotations

from typing import Any

from tests.benchmarks.bench_limits import LAMBDA_RESPONSE_LIMIT, run
from tests.support import KEY_LINES, WRITE_KEY


def test_every_get_of_a_10k_resource_review_fits_lambda(settings: Any) -> None:
    env = {
        "TFR_ENV": "test",
        "TFR_TABLE_NAME": settings.resolved_table_name,
        "TFR_DYNAMODB_ENDPOINT_URL": settings.dynamodb_endpoint_url,
        "TFR_CREATE_TABLE": "true",
        "TFR_API_KEYS": ",".join(KEY_LINES),
        "TFR_DISPATCHER": "local",
        "TFR_LLM_PROVIDER": "none",
        "TFR_SPACELIFT_WEBHOOK_SECRET": "whsec-test",
    }
    figures = run(10_000, env, {"authorization": f"Bearer {WRITE_KEY}"}, timeout=600)
    assert figures["findings_total"] > 10_000 and figures["changes_total"] > 5_000
    # Each GET was checked against the limit as it was made; the largest, gzipped and not, for the record.
    assert figures["largest_gzip"][1] <= LAMBDA_RESPONSE_LIMIT // 4
    assert figures["largest_identity"][1] <= LAMBDA_RESPONSE_LIMIT
