"""FastAPI's refusal of pydantic.v1 models, answered without importing pydantic.v1 when nothing else has."""

from __future__ import annotations

import sys
from typing import Any

from fastapi._compat import shared


# FastAPI (0.165 here) asks of every route's parameter and response annotation whether it is a
# pydantic.v1 model, only to refuse one, and imports pydantic.v1 to ask: about 12 ms, a tenth of what
# the API added to a cold start (tests/benchmarks/bench_coldstart.py). A class can only be a v1 model
# once pydantic.v1 has been imported, so until then "no" is the exact answer; after, FastAPI's own
# check runs. If FastAPI renames the check, nothing is patched and only the saving is lost (the bench
# and tests/app/test_handler_imports.py then see pydantic.v1 loaded).
def install() -> None:
    """Make FastAPI's pydantic.v1 class check import nothing while pydantic.v1 is not loaded."""
    original = getattr(shared, "is_pydantic_v1_model_class", None)
    if original is None or original.__module__ == __name__:
        return

    def is_pydantic_v1_model_class(cls: Any) -> bool:
        return "pydantic.v1" in sys.modules and bool(original(cls))

    shared.is_pydantic_v1_model_class = is_pydantic_v1_model_class
