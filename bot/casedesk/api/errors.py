"""API errors: a machine code for clients, a polite Chinese message for people.

Raised anywhere below the views; `middlewares.error_middleware` is the one place that turns them
(and aiohttp's own HTTP exceptions) into `{"error": code, "message": 中文说明}`.
"""
from __future__ import annotations

from typing import Dict, Optional


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        code: Optional[str] = None,
        headers: Optional[Dict[str, str]] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.headers = headers or {}


class BadRequest(ApiError):
    status = 400
    code = "bad_request"


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"


class Forbidden(ApiError):
    """Allowed to call, not allowed to do this (a role without the authority: issue 14's
    extensions)."""

    status = 403
    code = "forbidden"


class NotFound(ApiError):
    status = 404
    code = "not_found"


class Conflict(ApiError):
    status = 409
    code = "conflict"


class ServiceUnavailable(ApiError):
    status = 503
    code = "service_unavailable"
