"""The API's own marshmallow schemas: request envelopes, query strings and answers.

The `data` of every event is loaded by the event schemas of events/schemas.py (the same
ones `journey record` and `journey import` use); these schemas only wrap them. The
OpenAPI document (web/api/openapi.py) is generated from both.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from events.schemas import MAX_KEY, MAX_POSITION, IdField, idempotency_key_problem, schema_for
from journey.clock import BadTime, parse_time
from journey.events import EVENT_TYPES
from projections.portfolio.timeline import KINDS, TIMELINE_LIMIT, TIMELINE_MAX

MAX_PAGE = 1000

#: A moment as the API reads one (journey.clock.parse_time), said in JSON Schema: a day
#: (00:00 UTC) or an RFC 3339 time with an offset. anyOf, not oneOf: a validator that does
#: not check `format` finds a string matches both.
MOMENT = [{"format": "date"}, {"format": "date-time"}]
_DAY = r"\d{4}-\d{2}-\d{2}"
_TIME = r"([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2}))?"
#: A period A..B, each side a day or a time, either side empty (PeriodParam).
PERIOD_PATTERN = rf"^({_DAY}{_TIME})?\.\.({_DAY}{_TIME})?$"


class TimeParam(fields.String):
    """An RFC 3339 time (or YYYY-MM-DD, 00:00 UTC), loaded as an aware UTC datetime."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return parse_time(text)
        except BadTime as exc:
            raise ValidationError(str(exc)) from None


class DayParam(fields.String):
    """A window bound: YYYY-MM-DD or an RFC 3339 time, kept as written once checked."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            parse_time(text)
        except BadTime as exc:
            raise ValidationError(str(exc)) from None
        return text


class PeriodParam(fields.String):
    """A period `A..B` (either side may be empty), loaded as (A or None, B or None)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any
                     ) -> tuple[str | None, str | None]:
        text = super()._deserialize(value, attr, data, **kwargs)
        if ".." not in text:
            raise ValidationError(f"{text!r} is not a period such as 2024-01-01..2024-07-01")
        start, end = (part.strip() or None for part in text.split("..", 1))
        try:
            bounds = [parse_time(b) if b else None for b in (start, end)]
        except BadTime as exc:
            raise ValidationError(str(exc)) from None
        if bounds[0] is not None and bounds[1] is not None and bounds[1] < bounds[0]:
            raise ValidationError(f"the period {text} ends before it starts")
        return start, end


def _check_key(key: str) -> None:
    problem = idempotency_key_problem(key)
    if problem:
        raise ValidationError(problem)


def _key_field() -> fields.String:
    # The rule is events.schemas.idempotency_key_problem, the store's; the metadata tells
    # it to the OpenAPI document: 1 to 200 characters, not all blank, no control characters.
    return fields.String(validate=[_check_key], metadata={
        "description": "Send the same key again and nothing is appended twice "
                       "(scoped to the signed-in member). Or the Idempotency-Key header.",
        "minLength": 1, "maxLength": MAX_KEY,
        "pattern": r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"})


def _occurred_field() -> TimeParam:
    return TimeParam(metadata={"description": "When it happened (RFC 3339, or YYYY-MM-DD); "
                               "never in the future. Default: now.", "anyOf": MOMENT})


class Strict(Schema):
    class Meta:
        unknown = RAISE


class EnvelopeSchema(Strict):
    """The body of POST /api/events/{type}; `data` is loaded by the type's own schema."""

    occurred_at = _occurred_field()
    data = fields.Dict(required=True)
    idempotency_key = _key_field()


def envelope_schema(type_name: str) -> type[Schema]:
    """EnvelopeSchema with `data` nested as the type's event schema (for the OpenAPI)."""
    data_schema = type(schema_for(type_name))
    return type(f"{type_name}Request", (Strict,), {
        "__doc__": f"Append a {type_name}: the exchange format's envelope.",
        "occurred_at": _occurred_field(),
        "data": fields.Nested(data_schema, required=True),
        "idempotency_key": _key_field(),
    })


class HandOverSchema(Strict):
    """Facilitation goes from one member to another, in one transaction (two RoleChanged)."""

    from_member = IdField(required=True)
    to_member = IdField(required=True)
    occurred_at = _occurred_field()
    idempotency_key = _key_field()


# -- query strings ---------------------------------------------------------------------------

def _min_position() -> fields.Integer:
    return fields.Integer(validate=validate.Range(min=0, max=MAX_POSITION), metadata={
        "description": "Read your writes: wait (a few seconds at most) until the "
                       "projections have folded this log position."})


def _as_of() -> TimeParam:
    return TimeParam(metadata={"description": "Replay history: only what was recorded by "
                               "this time (RFC 3339 or YYYY-MM-DD).", "anyOf": MOMENT})


class FreshQuery(Strict):
    """A read that may wait for the projections."""

    min_position = _min_position()


class ReadQuery(FreshQuery):
    """A read of a view, live or as of a past moment."""

    as_of = _as_of()


def _day(edge: str) -> DayParam:
    return DayParam(metadata={"anyOf": MOMENT, "description": f"The window's {edge} by "
                              "occurred_at: YYYY-MM-DD (00:00 UTC) or an RFC 3339 time."})


class PortfolioQuery(ReadQuery):
    """A portfolio, optionally filtered (communities, types, kinds, [from, to))."""

    community = fields.List(IdField())
    type = fields.List(fields.String(validate=validate.Length(1, 64),
                                     metadata={"enum": sorted(EVENT_TYPES)}))
    kind = fields.List(fields.String(validate=validate.Length(1, 64),
                                     metadata={"enum": sorted(set(KINDS.values()))}))
    from_ = _day("start (inclusive)")
    from_.data_key = from_.attribute = "from"
    to = _day("end (exclusive)")
    timeline_limit = fields.Integer(
        validate=validate.Range(min=1, max=TIMELINE_MAX),
        metadata={"description": f"Timeline entries per page (default {TIMELINE_LIMIT}); "
                                 "`timeline_page` in the answer says which ones came."})
    timeline_offset = fields.Integer(
        validate=validate.Range(min=0, max=MAX_POSITION),
        metadata={"description": "The page's first entry, counted from the oldest (0). "
                                 "Without it, the page holds the latest entries."})


class LeadershipQuery(ReadQuery):
    """DESIGN's leadership report: window [from, to) by occurred_at, as_of, trend."""

    from_ = _day("start (inclusive)")
    from_.data_key = from_.attribute = "from"
    to = _day("end (exclusive)")
    trend = fields.Boolean(metadata={"description": "Add the metrics per calendar quarter."})


class EvaluationQuery(ReadQuery):
    """Communities × periods side by side (coordinators)."""

    community = fields.List(IdField(), required=True, validate=validate.Length(min=1, max=50))
    period = fields.List(
        PeriodParam(metadata={"pattern": PERIOD_PATTERN}),
        required=True, validate=validate.Length(min=1, max=20),
        metadata={"description": "A..B, e.g. 2024-01-01..2024-07-01: each side YYYY-MM-DD "
                                 "(00:00 UTC) or an RFC 3339 time with an offset, either "
                                 "side may be empty"})


class EventsQuery(Strict):
    """A page of the log: the events after a position (cursor pagination)."""

    after = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_POSITION))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=MAX_PAGE))


# -- answers (for the OpenAPI document) ------------------------------------------------------

class ErrorSchema(Schema):
    """Every error: a code, a sentence, and the fields at fault."""

    error = fields.String(required=True)
    message = fields.String(required=True)
    fields_ = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                          data_key="fields", required=True)


class AppendedSchema(Schema):
    """What an append answers: the positions it gave, its stream and version."""

    positions = fields.List(fields.Integer(), required=True)
    position = fields.Integer(required=True)
    stream = fields.String(required=True)
    version = fields.Integer(required=True)
    replayed = fields.Boolean(required=True)


class ViewSchema(Schema):
    """A projection as JSON (see the description of each path)."""

    class Meta:
        unknown = RAISE

    as_of = fields.String(allow_none=True)
    as_of_position = fields.Integer()
