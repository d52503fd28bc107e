"""Lambda entry of the API: Mangum around the same FastAPI app (no logic here)."""

from __future__ import annotations

from mangum import Mangum

from app.main import create_app

handler = Mangum(create_app(), lifespan="off")
