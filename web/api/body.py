"""Reading a request: the JSON body, the query string and the headers, each checked."""
from __future__ import annotations

import json
import re
from typing import Any

from flask import current_app, request
from marshmallow import Schema, ValidationError, fields
from werkzeug.exceptions import RequestEntityTooLarge

from events.schemas import SchemaInvalid, flatten_messages, idempotency_key_problem
from web.api.errors import ApiError, bad_query

_VERSION = re.compile(r"^[0-9]{1,18}$")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _declared_json() -> bool:
    """Whether the Content-Type says JSON: application/json or a `+json` type."""
    mimetype = request.mimetype  # lower-cased, without parameters such as charset
    return mimetype == "application/json" or (mimetype.startswith("application/")
                                              and mimetype.endswith("+json"))


def json_body() -> Any:
    """The body as JSON (415 when it is not declared JSON, 400 when it is not JSON; 413
    when it is over the limit)."""
    if not _declared_json():
        # Reading any body as JSON would be a guess that hides a client's mistake (curl -d
        # without -H sends a form's type): the document promises application/json only.
        given = request.content_type or "no Content-Type"
        raise ApiError(415, "unsupported_media_type",
                       f"send the body as application/json, not {given}",
                       {"Content-Type": ["must be application/json"]})
    raw = request.get_data(cache=True)
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is not None and request.content_length is None and len(raw) >= limit:
        # A streamed (chunked) body has no Content-Length for werkzeug to refuse up front:
        # its reader stops quietly at the limit, so a body that reached it is cut off,
        # not whole. Refuse it rather than parse (and maybe accept) a truncated prefix.
        raise RequestEntityTooLarge()
    if not raw.strip():
        raise ApiError(400, "malformed_json", "the body is empty: send a JSON object")
    try:
        return json.loads(raw, parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ApiError(400, "malformed_json", f"the body is not valid JSON: {exc}") from None


def load_body(schema: Schema) -> dict[str, Any]:
    """The JSON body loaded by `schema` (422 with fields when it refuses)."""
    payload = json_body()
    if not isinstance(payload, dict):
        raise SchemaInvalid({"body": ["must be a JSON object"]})
    try:
        return schema.load(payload)
    except ValidationError as exc:
        raise SchemaInvalid(flatten_messages(exc.messages)) from None


def load_query(schema: Schema) -> dict[str, Any]:
    """The query string loaded by `schema`: lists may repeat, anything else appears once."""
    by_name = {(f.data_key or name): f for name, f in schema.load_fields.items()}
    given: dict[str, Any] = {}
    for name in request.args:
        values = request.args.getlist(name)
        if isinstance(by_name.get(name), fields.List):
            given[name] = values
        elif len(values) > 1:
            raise bad_query(f"{name} is given more than once", {name: ["given more than once"]})
        else:
            given[name] = values[0]
    try:
        return schema.load(given)
    except ValidationError as exc:
        found = flatten_messages(exc.messages)
        first = next(iter(found), "query")
        raise bad_query(f"{first}: {'; '.join(found.get(first, []))}", found) from None


def if_match() -> tuple[int | None, bool]:
    """If-Match as (the stream version the client expects, whether the stream must exist).

    None: no expectation. `*` is RFC 9110's "any current representation": the stream must
    have events already, whatever its version (an append that would start it is a 409).
    """
    value = request.headers.get("If-Match")
    if value is None:
        return None, False
    text = value.strip()
    if text == "*":
        return None, True
    if text.startswith("W/"):
        text = text[2:]
    text = text.strip('"')
    if not _VERSION.match(text):
        raise ApiError(400, "bad_header", "If-Match must be a stream version such as \"3\", "
                       "or *", {"If-Match": ["must be a stream version (a whole number) or *"]})
    return int(text), False


def idempotency_key(from_body: str | None) -> str | None:
    """The Idempotency-Key header or the body's key; 422 when both are given and differ."""
    header = request.headers.get("Idempotency-Key")
    if header is not None:
        problem = idempotency_key_problem(header)
        if problem:
            raise ApiError(400, "bad_header", f"Idempotency-Key {problem}",
                           {"Idempotency-Key": [problem]})
        if from_body is not None and from_body != header:
            raise ApiError(422, "idempotency_key_mismatch",
                           "the Idempotency-Key header and the body's idempotency_key differ",
                           {"idempotency_key": ["differs from the Idempotency-Key header"]})
        return header
    return from_body
