"""FastAPI dependencies as Annotated aliases: services, settings and the caller (key or person)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.core.settings import Settings
from app.services.auth import Principal, Scope
from app.services.container import Services
from app.services.reviews import ReviewService


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def get_settings_dep(request: Request) -> Settings:
    return get_services(request).settings


def get_reviews(request: Request) -> ReviewService:
    return get_services(request).reviews


def _principal(request: Request, scope: Scope) -> Principal:
    services = get_services(request)
    if services.settings.auth_disabled:
        return Principal(name="anonymous", scopes=frozenset(Scope))
    principal = services.keys.authenticate(request.headers.get("authorization"))
    principal.require(scope)
    return principal


def read_key(request: Request) -> Principal:
    return _principal(request, Scope.READ)


def submit_key(request: Request) -> Principal:
    return _principal(request, Scope.SUBMIT)


def decide_key(request: Request) -> Principal:
    return _principal(request, Scope.DECIDE)


def rerun_key(request: Request) -> Principal:
    return _principal(request, Scope.RERUN)


ServicesDep = Annotated[Services, Depends(get_services)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ReviewsDep = Annotated[ReviewService, Depends(get_reviews)]
# A key or a person allowed to: read, submit plans, decide (and edit), rerun.
ReadKey = Annotated[Principal, Depends(read_key)]
SubmitKey = Annotated[Principal, Depends(submit_key)]
DecideKey = Annotated[Principal, Depends(decide_key)]
RerunKey = Annotated[Principal, Depends(rerun_key)]
