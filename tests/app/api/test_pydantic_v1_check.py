"""FastAPI still refuses pydantic.v1 models once the API answers its check without importing pydantic.v1."""

from __future__ import annotations

import sys
import warnings

import pytest
from fastapi import APIRouter
from fastapi._compat import shared
from fastapi.exceptions import PydanticV1NotSupportedError
from pydantic import BaseModel

import app.api  # noqa: F401  (installs the check)
from app.api import pydantic_v1_check


class Current(BaseModel):
    name: str


def test_the_check_is_installed_once_and_answers_without_pydantic_v1() -> None:
    installed = shared.is_pydantic_v1_model_class
    assert installed.__module__ == pydantic_v1_check.__name__
    pydantic_v1_check.install()
    assert shared.is_pydantic_v1_model_class is installed
    assert shared.annotation_is_pydantic_v1(list[Current]) is False


def test_fastapi_still_refuses_a_pydantic_v1_model() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pydantic import v1

    assert "pydantic.v1" in sys.modules

    class Legacy(v1.BaseModel):
        name: str

    router = APIRouter()
    router.add_api_route("/current", lambda: Current(name="x"), response_model=Current)
    with pytest.raises(PydanticV1NotSupportedError):
        router.add_api_route("/legacy", lambda: None, response_model=Legacy)
    with pytest.raises(PydanticV1NotSupportedError):
        router.add_api_route("/legacy-list", lambda: None, response_model=list[Legacy])
