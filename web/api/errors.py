"""The JSON API's errors: one body for all (DESIGN "Errors"), one helper that makes it.

    {"error": code, "message": sentence, "fields": {name: [messages]}}

A domain refusal keeps its rule as the code: forbidden -> 403, conflict -> 409, every
other rule -> 422. Schema errors are 422 with `fields`. Malformed JSON and bad query
parameters are 400, no or a bad credential 401, an unknown id in the URL 404, a method
the path does not take 405 (with Allow), a body over 1 MiB 413, a body not declared JSON
415. Anything else under /api that goes wrong is answered in the same shape.
"""
from __future__ import annotations

import logging
import re

from flask import Flask, Response, jsonify, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import (Forbidden, HTTPException, ServiceUnavailable,
                                 UnprocessableEntity)

from events.accounts import AccountError
from events.instance import InstanceMismatch
from events.schemas import SchemaInvalid
from journey import errors

log = logging.getLogger("journey.web")

STATUS_OF_KIND = {"forbidden": 403, "conflict": 409, "invalid": 422}

# Codes for the HTTP errors werkzeug raises before a view runs.
_HTTP_CODES = {400: "bad_request", 401: "not_signed_in", 403: "forbidden",
               404: "not_found", 405: "method_not_allowed", 413: "body_too_large",
               415: "unsupported_media_type", 429: "too_many_requests"}


def error_response(status: int, code: str, message: str,
                   fields: dict[str, list[str]] | None = None) -> Response:
    """The one error body of the API, with its status."""
    response = jsonify({"error": code, "message": message, "fields": fields or {}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="journey"'
    return response


class ApiError(Exception):
    """An error a view answers with: status, code, message and fields."""

    def __init__(self, status: int, code: str, message: str,
                 fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}


def bad_query(message: str, fields: dict[str, list[str]] | None = None) -> ApiError:
    """A 400 for a query parameter (or header) the API cannot use."""
    return ApiError(400, "bad_query", message, fields)


def is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def _is_ob_v3_document() -> bool:
    """A path of the /ob/v3 documents (credentials, status lists): read by wallets and
    verifiers, which get JSON errors; the /ob/v3/verify page is for people."""
    return request.path.startswith("/ob/v3/") and not request.path.startswith("/ob/v3/verify")


#: What asks for JSON-LD or JSON (the /ob/v2 documents' own rule, web/openbadges/routes.py).
_JSON_TYPES = ("application/ld+json", "application/json")


def _asks_for_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", *_JSON_TYPES])
    return best in _JSON_TYPES


def _answers_json_errors() -> bool:
    """Whether an error is answered with the API's JSON body rather than a page: the API,
    the /ob/v3 documents, and the pages for people when their caller is a program -- an
    /ob/v2 document asked as JSON-LD (a `.json` suffix, or by Accept), or /ob/v3/verify
    asked for JSON (by Accept, or a JSON body: the verdict it would get is JSON)."""
    if is_api_request() or _is_ob_v3_document():
        return True
    if request.path.startswith("/ob/v2/"):
        return request.path.endswith(".json") or _asks_for_json()
    if request.path == "/ob/v3/verify":
        return request.is_json or _asks_for_json()
    return False


def _snake(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "error"


def refusal_response(exc: errors.Refused) -> Response:
    """A domain refusal: its rule, its sentence and the fields it names."""
    return error_response(STATUS_OF_KIND.get(exc.kind, 422), exc.rule, exc.message, exc.fields)


def init_app(app: Flask) -> None:
    """Answer every error under /api with the JSON body (pages keep Flask's own)."""

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        response = error_response(exc.status, exc.code, exc.message, exc.fields)
        if exc.status == 503:
            response.headers["Retry-After"] = "1"
        return response

    @app.errorhandler(errors.Refused)
    def _refused(exc: errors.Refused):
        if not is_api_request():
            from web.pages.errors import page_for
            return page_for(Forbidden() if exc.kind == "forbidden" else UnprocessableEntity())
        return refusal_response(exc)

    @app.errorhandler(SchemaInvalid)
    def _schema_invalid(exc: SchemaInvalid):
        if not is_api_request():
            raise exc
        return error_response(422, "schema_invalid", exc.message, exc.fields)

    @app.errorhandler(AccountError)
    def _account_error(exc: AccountError):
        if not is_api_request():
            raise exc
        return error_response(422, exc.code, exc.message)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        if not is_api_request():
            return exc
        return error_response(400, "csrf", "a request signed in by the session cookie needs "
                              "the X-CSRFToken header (GET /api/me gives the token): "
                              + (exc.description or ""))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if not _answers_json_errors():
            if exc.code is None or exc.code < 400 or getattr(exc, "response", None):
                return exc
            from web.pages.errors import page_for
            return page_for(exc)
        status = exc.code or 500
        code = _HTTP_CODES.get(status, _snake(exc.name or "error"))
        message = exc.description or exc.name or "error"
        if status == 413:
            message = f"the body is over {app.config['MAX_CONTENT_LENGTH']} bytes"
        response = error_response(status, code, message)
        # The exception's own headers: a 405 must say which methods are allowed (RFC 9110).
        for name, value in exc.get_headers():
            if name.lower() != "content-type" and name not in response.headers:
                response.headers[name] = value
        return response

    @app.errorhandler(InstanceMismatch)
    def _instance_mismatch(exc: InstanceMismatch):
        # The operator's to mend (the instance directory, or a log changed outside
        # Journey); nothing was appended, and nothing will be until then.
        log.error("refused to append on %s %s: %s", request.method, request.path, exc)
        if not is_api_request():
            from web.pages.errors import page_for
            return page_for(ServiceUnavailable())
        return error_response(503, exc.code, str(exc))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if not _answers_json_errors():
            raise exc  # pages: Flask's own handling (a 500 page, or propagated in tests)
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "internal", "something went wrong on our side; "
                              "the request appended nothing unless it said so")
