"""One error hierarchy; the API renders every AppError as the documented error shape."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    """A failure with a stable code, an HTTP status and a message safe to show a client."""

    code = "error"
    status_code = 500

    def __init__(self, message: str, *, details: Any = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if code is not None:
            self.code = code


class BadRequest(AppError):
    code = "bad_request"
    status_code = 400


class Unauthorized(AppError):
    code = "unauthorized"
    status_code = 401


class Forbidden(AppError):
    code = "forbidden"
    status_code = 403


class NotFound(AppError):
    code = "not_found"
    status_code = 404


class Conflict(AppError):
    code = "conflict"
    status_code = 409


class VersionConflict(Conflict):
    """Another writer created the version this one expected to create."""

    code = "version_conflict"


class IdempotencyConflict(Conflict):
    code = "idempotency_conflict"


class PayloadTooLarge(AppError):
    code = "payload_too_large"
    status_code = 413


class UnsupportedMediaType(AppError):
    code = "unsupported_media_type"
    status_code = 415


class ValidationFailed(AppError):
    code = "validation_error"
    status_code = 422


class PreconditionRequired(AppError):
    code = "precondition_required"
    status_code = 428


class ServiceUnavailable(AppError):
    """A dependency (DynamoDB, Lambda) is unreachable; the client may retry."""

    code = "service_unavailable"
    status_code = 503
