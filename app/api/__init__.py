"""HTTP routes of the API."""

# Before any route module builds its routes (app/api/pydantic_v1_check.py says why).
from app.api import pydantic_v1_check

pydantic_v1_check.install()
