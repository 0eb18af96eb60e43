"""Every failure answered in OpenAI's error shape, with the status its clients expect:
``{"error": {"message", "type", "param", "code"}}``."""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from app.errors import AppError, ServerBusy

log = logging.getLogger(__name__)

_TYPES = {401: "invalid_request_error", 403: "permission_error", 429: "requests"}


def error_type(status: int) -> str:
    if status >= 500:
        return "server_error"
    return _TYPES.get(status, "invalid_request_error")


def error_response(status: int, message: str, *, code: str | None = None,
                   param: str | None = None, headers: dict[str, str] | None = None) -> Response:
    body = {"error": {"message": message, "type": error_type(status), "param": param, "code": code}}
    return Response(json.dumps(body), status_code=status, headers=headers,
                    media_type="application/json")


class ApiError(AppError):
    """An HTTP-only refusal (authentication, limits) raised by the API's own checks."""

    def __init__(self, status: int, message: str, code: str, *, param: str | None = None,
                 retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.http_status = status
        self.code = code
        self.param = param
        self.retry_after_s = retry_after_s


def retry_headers(seconds: float | None) -> dict[str, str] | None:
    return None if seconds is None else {"Retry-After": str(max(1, math.ceil(seconds)))}


def app_error_response(exc: AppError) -> Response:
    retry = getattr(exc, "retry_after_s", None)
    if isinstance(exc, ServerBusy):
        retry = exc.retry_after_s
    return error_response(exc.http_status, exc.message, code=exc.code,
                          param=getattr(exc, "param", None), headers=retry_headers(retry))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_request: Request, exc: AppError) -> Response:
        return app_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> Response:
        first: dict[str, Any] = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in first.get("loc", ()) if p != "body"]
        param = ".".join(loc) or None
        msg = first.get("msg", "invalid request")
        if first.get("type") == "json_invalid":
            return error_response(400, "the request body is not valid JSON", code="invalid_json")
        if first.get("type") == "missing" and param:
            return error_response(400, f"you must provide a {param} parameter",
                                  code="missing_required_parameter", param=param)
        message = f"{param}: {msg}" if param else str(msg)
        return error_response(400, message, code="invalid_value", param=param)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> Response:
        codes = {404: "not_found", 405: "method_not_allowed"}
        return error_response(exc.status_code, str(exc.detail), code=codes.get(exc.status_code),
                              headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _bug(_request: Request, exc: Exception) -> Response:
        log.error("unexpected error answering a request", exc_info=exc)
        return error_response(500, f"internal error: {exc.__class__.__name__}", code="internal_error")
