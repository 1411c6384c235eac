"""The API's own marshmallow schemas: request envelopes, query strings and answers.

The `data` of every event is loaded by the event schemas of events/schemas.py (the same
ones `journey record` and `journey import` use); these schemas only wrap them. The
OpenAPI document (web/api/openapi.py) is generated from both.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from marshmallow import INCLUDE, RAISE, Schema, ValidationError, fields, validate

from events.schemas import MAX_KEY, MAX_POSITION, IdField, idempotency_key_problem, schema_for
from journey.clock import BadTime, parse_time
from journey.events import (EVENT_TYPES, RESOURCE_KINDS, ROLES, SESSION_FORMATS,
                            VALUE_CYCLES, VISIBILITIES)
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
                               "never in the future, nor before the year 1000. "
                               "Default: now.", "anyOf": MOMENT})


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

class WholeParam(fields.Integer):
    """A whole number in a query string, in ASCII digits only: int() would also read
    "١٢", " 12 " and "1_2", which no client means and no other reader of the URL takes."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, str) and not _WHOLE.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


_WHOLE = re.compile(r"[+-]?[0-9]+")


def _min_position() -> fields.Integer:
    return WholeParam(validate=validate.Range(min=0, max=MAX_POSITION), metadata={
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
    timeline_limit = WholeParam(
        validate=validate.Range(min=1, max=TIMELINE_MAX),
        metadata={"description": f"Timeline entries per page (default {TIMELINE_LIMIT}); "
                                 "`timeline_page` in the answer says which ones came."})
    timeline_offset = WholeParam(
        validate=validate.Range(min=0, max=MAX_POSITION),
        metadata={"description": "The page's first entry, counted from the oldest (0). "
                                 "Without it, the page holds the latest entries. Pages "
                                 "never overlap when offsets step by the limit from 0; "
                                 "walking back from the latest page (offset o), ask for "
                                 "offset max(0, o - limit) with limit o - that offset."})


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
        load_default=lambda: [(None, None)], validate=validate.Length(min=1, max=20),
        metadata={"description": "A..B, e.g. 2024-01-01..2024-07-01: each side YYYY-MM-DD "
                                 "(00:00 UTC) or an RFC 3339 time with an offset, either "
                                 "side may be empty. Repeat for several; without it, one "
                                 "period of all time (`..`), as `journey report evaluation` "
                                 "without --period"})


class EventsQuery(Strict):
    """A page of the log: the events after a position (cursor pagination)."""

    after = WholeParam(load_default=0, validate=validate.Range(min=0, max=MAX_POSITION))
    limit = WholeParam(load_default=100, validate=validate.Range(min=1, max=MAX_PAGE))


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


# -- the answers of the reads (for the OpenAPI document) -------------------------------------
# They describe what the views return; nothing loads or dumps with them.


class Answer(Schema):
    """An answer may grow keys (DESIGN's leadership report has "at least these keys"), so a
    client must accept more: INCLUDE is what makes apispec say additionalProperties: true."""

    class Meta:
        unknown = INCLUDE


def _described(schema: type[Schema], doc: str) -> type[Schema]:
    schema.__doc__ = doc
    return schema


#: DESIGN "Leadership metrics": a member's tier in a window.
TIERS = ("core", "active", "peripheral", "inactive")
_CUT = "The as_of asked for, in RFC 3339 (UTC); null for a live read."
_CUT_POSITION = "The log prefix the answer holds: every position up to this one."


def _string(description: str, **kwargs: Any) -> fields.String:
    return fields.String(metadata={"description": description}, **kwargs)


def _whole(description: str, **kwargs: Any) -> fields.Integer:
    return fields.Integer(metadata={"description": description}, **kwargs)


def _time(description: str, **kwargs: Any) -> fields.String:
    return fields.String(metadata={"description": description, "format": "date-time"},
                         **kwargs)


def _ratio(description: str) -> fields.Float:
    """A DESIGN ratio: unrounded, in [0, 1], null where DESIGN says "none"."""
    return fields.Float(required=True, allow_none=True, validate=validate.Range(0, 1),
                        metadata={"description": description})


def _url(description: str) -> fields.String:
    return fields.String(required=True, metadata={"description": description, "format": "uri"})


def _objects(description: str) -> fields.List:
    return fields.List(fields.Dict(), required=True, metadata={"description": description})


class _Cut(Answer):
    """An answer of the log up to a cut (as_of)."""

    as_of = _time(_CUT, required=True, allow_none=True)
    as_of_position = _whole(_CUT_POSITION, required=True)


class MeSchema(Answer):
    """The signed-in account and its roles now."""

    username = _string("The account's username.", required=True)
    member_id = _string("The member the account is (null: an admin without one).",
                      required=True, allow_none=True)
    is_admin = fields.Boolean(required=True)
    time_zone = _string("The IANA time zone the pages show times in.", required=True)
    roles = fields.Dict(keys=fields.String(), values=fields.String(validate=validate.OneOf(
        ROLES)), required=True, metadata={"description": "community_id → role there now."})
    coordinated_networks = fields.List(fields.String(), required=True, metadata={
        "description": "The networks in which the member coordinates a community now."})
    csrf_token = _string("Only for a cookie session: send it as X-CSRFToken with writes.")


class PersonSchema(Answer):
    """The member a portfolio is of."""

    member_id = _string("The member's id.", required=True)
    name = _string("Their display name (\"erased member\" once erased).", required=True,
                 allow_none=True)
    erased = fields.Boolean(required=True)
    school = _string("Their school, if they gave one.", required=True, allow_none=True)


class RefSchema(Answer):
    """A person an answer names."""

    member_id = _string("Their member id.", required=True)
    name = _string("Their display name (\"erased member\" once erased; null: never "
                   "registered in the log read).", required=True, allow_none=True)


def _person(description: str, **kwargs: Any) -> fields.Nested:
    return fields.Nested(RefSchema, metadata={"description": description}, **kwargs)


def _people(description: str, **kwargs: Any) -> fields.List:
    return fields.List(fields.Nested(RefSchema), required=True,
                       metadata={"description": description}, **kwargs)


class PortfolioFiltersSchema(Answer):
    """The timeline's filters, as applied."""

    communities = fields.List(fields.String(), required=True)
    types = fields.List(fields.String(), required=True)
    kinds = fields.List(fields.String(), required=True)
    from_ = _string("The window's start by occurred_at, as asked.", data_key="from",
                  required=True, allow_none=True)
    to = _string("The window's end (exclusive), as asked.", required=True, allow_none=True)


class TimelineEntrySchema(Answer):
    """An event the member took part in."""

    position = _whole("The event's log position.", required=True)
    occurred_at = _time("When it happened.", required=True)
    type = _string("The event type.", required=True, validate=validate.OneOf(EVENT_TYPES))
    kind = _string("The coarser kind the filters pick from.", required=True,
                 validate=validate.OneOf(sorted(set(KINDS.values()))))
    community_id = _string("Its community, if it has one.", required=True, allow_none=True)
    summary = _string("A few words of what it is about.", required=True, allow_none=True)
    corrected = fields.Boolean(required=True, metadata={
        "description": "Whether an EntryCorrected changed it (data is the corrected one)."})
    data = fields.Dict(required=True, metadata={
        "description": "The event's data, as the viewer may read it."})


class TimelinePageSchema(Answer):
    """Which timeline entries came (timeline_limit, timeline_offset)."""

    total = _whole("Every entry the filters keep.", required=True)
    offset = _whole("The page's first entry, counted from the oldest (0).", required=True)
    limit = _whole("The page size asked for.", required=True)
    count = _whole("The entries this page holds.", required=True)


class QuarterTierSchema(Answer):
    """A member's tier in one community over one calendar quarter (UTC)."""

    quarter = _string("e.g. 2024-Q1.", required=True)
    from_ = fields.String(data_key="from", required=True, metadata={"format": "date"})
    to = fields.String(required=True, metadata={"format": "date"})
    actions = _whole("The member's actions in the community that quarter.", required=True)
    tier = _string("DESIGN's tier.", required=True, validate=validate.OneOf(TIERS))


class PeriodSchema(Answer):
    """A span of a membership in one role."""

    role = _string("The role held.", required=True, validate=validate.OneOf(ROLES))
    from_ = _time("When it began.", data_key="from", required=True)
    to = _time("When it ended (null: it goes on).", required=True, allow_none=True)


def _community_described(required: bool) -> dict[str, fields.Field]:
    """A community as it was founded (CommunityFounded)."""
    return {
        "community_id": _string("The community's id.", required=True),
        "name": _string("Its name.", required=required),
        "domain": _string("What it works on.", required=required),
        "network_id": _string("Its network, if it has one.", required=required,
                              allow_none=True),
        "schools": fields.List(fields.String(), required=required),
        "mode": _string("How it meets.", required=required, allow_none=True),
        "cadence": _string("How often it meets.", required=required, allow_none=True),
        "founded_at": _time("When it was founded.", required=required),
        "founded_by": _person("Who founded it.", required=required),
    }


def _roles_over_time(whose: str) -> dict[str, fields.Field]:
    """A membership's current role and its periods."""
    return {
        "current_role": _string(f"{whose} role there now (null: they left).", required=True,
                                allow_none=True, validate=validate.OneOf(ROLES)),
        "periods": fields.List(fields.Nested(PeriodSchema), required=True, metadata={
            "description": f"{whose} roles there over time, oldest first."}),
    }


CommunityDescriptionSchema = _described(Answer.from_dict(
    _community_described(True), name="CommunityDescriptionSchema"),
    "A community as it was founded (CommunityFounded).")

PortfolioCommunitySchema = _described(Answer.from_dict({
    **_community_described(False), **_roles_over_time("The member's")},
    name="PortfolioCommunitySchema"),
    "A community the member belongs or belonged to: its description (when the log read "
    "holds its founding) and the member's periods in it.")


class SessionLedSchema(Answer):
    """A session the member led (SessionLed)."""

    position = _whole("The SessionLed's log position.", required=True)
    session_id = _string("The session's id.", required=True)
    community_id = _string("Its community.", required=True)
    occurred_at = _time("When it was held.", required=True)
    title = _string("Its title.", required=True)
    format = _string("Its format.", required=True, validate=validate.OneOf(SESSION_FORMATS))
    co_leaders = _people("Who led it with the member.")
    attendees = _people("Who attended.")
    corrected = fields.Boolean(required=True)


class ResourceSchema(Answer):
    """A shared resource, with who reused it."""

    resource_id = _string("The resource's id.", required=True)
    community_id = _string("Where it was shared.", required=True)
    title = _string("Its title.", required=True)
    kind = _string("What it is.", required=True, validate=validate.OneOf(RESOURCE_KINDS))
    url = _string("Its link, if it has one.", required=True, allow_none=True)
    file = _string("The content hash of its uploaded file, if it has one.", required=True,
                   allow_none=True)
    tags = fields.List(fields.String(), required=True)
    shared_by = _person("Who shared it.", required=True)
    shared_at = _time("When it was shared.", required=True)
    position = _whole("The ResourceShared's log position.", required=True)
    corrected = fields.Boolean(required=True)
    reuses_by_others = _whole("Times people other than the sharer reused it.", required=True)
    reused_by = _people("Who else reused it, once each.")


class ReflectionSchema(Answer):
    """A reflection the viewer may read."""

    reflection_id = _string("The reflection's id.", required=True)
    member = _person("Whose it is.", required=True)
    community_id = _string("The community it is about, if any.", required=True,
                           allow_none=True)
    visibility = _string("Who may read it.", required=True,
                         validate=validate.OneOf(VISIBILITIES))
    value_cycle = _string("The value-creation cycle it tells of, if given.", required=True,
                          allow_none=True, validate=validate.OneOf(VALUE_CYCLES))
    prompt = _string("The prompt it answers, if any.", required=True, allow_none=True)
    text = _string("Its text (null: its author was erased).", required=True, allow_none=True)
    about = fields.List(fields.Integer(), required=True, metadata={
        "description": "Log positions of the events it reflects on (sessions, "
                       "resources, …)."})
    position = _whole("The ReflectionRecorded's log position.", required=True)
    occurred_at = _time("When it was written.", required=True)
    corrected = fields.Boolean(required=True)


class StepCompletedSchema(Answer):
    """An action step the member completed (with others, maybe)."""

    position = _whole("The ActionStepCompleted's log position.", required=True)
    community_id = _string("Its community.", required=True)
    plan_id = _string("Its action plan.", required=True)
    inquiry_question = _string("The plan's inquiry question.", required=True,
                               allow_none=True)
    step_id = _string("The step.", required=True)
    step_title = _string("The step's title.", required=True, allow_none=True)
    completed_at = _time("When it was completed.", required=True)
    with_ = _people("Who completed it with the member.", data_key="with")
    outcome = _string("What came of it.", required=True, allow_none=True)
    evidence_url = _string("A link to its evidence.", required=True, allow_none=True)
    corrected = fields.Boolean(required=True)


class OpenBadgesLinksSchema(Answer):
    """Where an award that stands now is published as Open Badges."""

    assertion = _url("The OB 2.0 hosted assertion.")
    baked_png = _url("The badge image with the assertion baked in.")
    credential = _url("The OB 3.0 credential, signed.")


_OB_LINKS = "Only for an award that stands now (not revoked, its member not erased)."


class RecognitionSchema(Answer):
    """A facilitator's recognition of the member, with the badge's texts and evidence."""

    award_id = _string("The award's id.", required=True)
    badge_id = _string("The badge awarded.", required=True)
    community_id = _string("The community that awarded it.", required=True)
    name = _string("The badge's name (null: its definition is not in the log read).",
                   required=True, allow_none=True)
    description = _string("The badge's description.", required=True, allow_none=True)
    criteria = _string("The badge's criteria.", required=True, allow_none=True)
    image = _string("The content hash of the badge's image, if it has one.", required=True,
                    allow_none=True)
    awarded_by = _person("The facilitator who awarded it.", required=True)
    awarded_at = _time("When it was awarded.", required=True)
    note = _string("The awarder's words (null: none, or the awarder was erased).",
                   required=True, allow_none=True)
    evidence = fields.List(fields.Nested(TimelineEntrySchema), required=True, metadata={
        "description": "The events it was awarded for, as the viewer may see them."})
    position = _whole("The RecognitionAwarded's log position.", required=True)
    open_badges = fields.Nested(OpenBadgesLinksSchema, metadata={"description": _OB_LINKS})


class RevokedRecognitionSchema(RecognitionSchema):
    """A recognition revoked since it was awarded."""

    revoked_reason = _string("Why it was revoked.", required=True, allow_none=True)
    revoked_at = _time("When it was revoked.", required=True, allow_none=True)
    revoked_by = _person("Who revoked it.", required=True, allow_none=True)


class RuleBadgeSchema(Answer):
    """A badge the member earned by a rule (projections/badges/rules.json)."""

    rule_id = _string("The rule.", required=True)
    award_id = _string("The award's id.", required=True)
    name = _string("The badge's name.", required=True)
    description = _string("What earns it.", required=True)
    image = _string("Its image's file name.", required=True, allow_none=True)
    earned_at = _time("When the rule was first met.", required=True)
    evidence = fields.List(fields.Nested(TimelineEntrySchema), required=True, metadata={
        "description": "The events that met the rule, as the viewer may see them."})
    open_badges = fields.Nested(OpenBadgesLinksSchema, metadata={"description": _OB_LINKS})


def _recognitions() -> fields.List:
    return fields.List(fields.Nested(RecognitionSchema), required=True, metadata={
        "description": "Standing recognitions, in award order."})


def _revoked() -> fields.List:
    return fields.List(fields.Nested(RevokedRecognitionSchema), required=True, metadata={
        "description": "Recognitions revoked since, in award order."})


def _rule_badges() -> fields.List:
    return fields.List(fields.Nested(RuleBadgeSchema), required=True, metadata={
        "description": "Rule badges earned, with the events that satisfied each rule."})


class _PortfolioBody(_Cut):
    """What a portfolio and an archive both hold."""

    member = fields.Nested(PersonSchema, required=True)
    viewer = _string("Whose rights the reflections are shown with.", required=True,
                   allow_none=True)
    filters = fields.Nested(PortfolioFiltersSchema, required=True)
    communities = fields.List(fields.Nested(PortfolioCommunitySchema), required=True,
                              metadata={"description": "Each community the member belongs "
                                                       "or belonged to, first joined first."})
    sessions_led = fields.List(fields.Nested(SessionLedSchema), required=True, metadata={
        "description": "The sessions the member led, in time order."})
    resources = fields.List(fields.Nested(ResourceSchema), required=True, metadata={
        "description": "The resources the member shared, with their reuses."})
    reflections = fields.List(fields.Nested(ReflectionSchema), required=True, metadata={
        "description": "The member's reflections the viewer may read."})
    steps_completed = fields.List(fields.Nested(StepCompletedSchema), required=True,
                                  metadata={"description": "Action steps the member "
                                                           "completed, in time order."})
    recognitions = _recognitions()
    revoked_recognitions = _revoked()
    rule_badges = _rule_badges()
    tiers = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(
        QuarterTierSchema)), required=True, metadata={
        "description": "community_id → the member's tier per quarter enrolled."})


class PortfolioSchema(_PortfolioBody):
    """A member's portfolio as the signed-in member may see it, one timeline page."""

    timeline = fields.List(fields.Nested(TimelineEntrySchema), required=True, metadata={
        "description": "One page of the entries, in time order (ties by position)."})
    timeline_page = fields.Nested(TimelinePageSchema, required=True)


class ProfileSchema(Answer):
    """The member's own profile, as they gave it."""

    display_name = _string("Their display name.", required=True, allow_none=True)
    email = _string("Their e-mail.", required=True, allow_none=True)
    school = _string("Their school.", required=True, allow_none=True)
    job_title = _string("Their job title.", required=True, allow_none=True)


class ArchiveSchema(_PortfolioBody):
    """The member's own archive: their whole portfolio as they see it, their profile and
    the signed log head it was made from (check it offline)."""

    archive = _string("Always `journey-portfolio`.", required=True,
                      validate=validate.Equal("journey-portfolio"))
    version = _whole("The archive format's version.", required=True)
    profile = fields.Nested(ProfileSchema, required=True)
    timeline = fields.List(fields.Nested(TimelineEntrySchema), required=True, metadata={
        "description": "Every entry, in time order (ties by position)."})
    log_head = fields.Nested("SignedHeadSchema", required=True, metadata={
        "description": "The head of the log the archive was made from, signed."})


class MemberBadgesSchema(_Cut):
    """A member's recognitions (standing and revoked) and rule badges, with evidence."""

    member_id = _string("The member.", required=True)
    recognitions = _recognitions()
    revoked_recognitions = _revoked()
    rule_badges = _rule_badges()


class ReadableCommunitySchema(Answer):
    """A community the signed-in member may read."""

    community_id = _string("The community.", required=True)
    network_id = _string("Its network, if it has one.", required=True, allow_none=True)
    role = _string("The signed-in member's role there now (null: none).", required=True,
                   allow_none=True, validate=validate.OneOf(ROLES))


class CommunitiesSchema(Answer):
    """The communities the signed-in member may read, by id."""

    communities = fields.List(fields.Nested(ReadableCommunitySchema), required=True)


CommunityMemberSchema = _described(Answer.from_dict({
    "member": _person("Who.", required=True), **_roles_over_time("Their")},
    name="CommunityMemberSchema"), "Someone who ever belonged, with their roles over time.")


class NormsSchema(Answer):
    """Norms the community agreed (NormsAgreed)."""

    position = _whole("The NormsAgreed's log position.", required=True)
    agreed_at = _time("When they were agreed.", required=True)
    norms = fields.List(fields.String(), required=True)
    agreed_by = _people("Who agreed them.")
    corrected = fields.Boolean(required=True)


class NormsHistorySchema(Answer):
    """The norms agreed last, and the ones they replaced."""

    current = fields.Nested(NormsSchema, required=True, allow_none=True, metadata={
        "description": "The norms agreed last (null: none yet)."})
    past = fields.List(fields.Nested(NormsSchema), required=True, metadata={
        "description": "The norms they replaced, latest first."})


class CalendarSessionSchema(Answer):
    """A session of the community: scheduled, cancelled or held."""

    session_id = _string("The session.", required=True)
    status = _string("Where it stands.", required=True,
                     validate=validate.OneOf(("scheduled", "cancelled", "held")))
    title = _string("Its title.", required=True, allow_none=True)
    format = _string("Its format.", required=True, allow_none=True,
                     validate=validate.OneOf(SESSION_FORMATS))
    starts_at = _time("When it was to start (null: it was never scheduled).", required=True,
                      allow_none=True)
    planned_leaders = _people("Who was to lead it.")
    link = _string("Where it meets online, if anywhere.", required=True, allow_none=True)
    scheduled_position = _whole("The SessionScheduled's log position.", required=True,
                                allow_none=True)
    cancel_reason = _string("Why it was cancelled.", required=True, allow_none=True)
    held_at = _time("When it was held.", required=True, allow_none=True)
    leaders = _people("Who led it.")
    attendees = _people("Who attended.")
    held_position = _whole("The SessionLed's log position.", required=True, allow_none=True)


class CommunityBadgeSchema(Answer):
    """A badge the community defined (BadgeDefined)."""

    badge_id = _string("The badge.", required=True)
    name = _string("Its name.", required=True)
    description = _string("Its description.", required=True)
    criteria = _string("What earns it.", required=True)
    image = _string("The content hash of its image, if it has one.", required=True,
                    allow_none=True)
    defined_at = _time("When it was defined.", required=True)


def _community_badges() -> fields.List:
    return fields.List(fields.Nested(CommunityBadgeSchema), required=True, metadata={
        "description": "The badges the community defined, in the order defined."})


class CommunitySchema(_Cut):
    """A community as the signed-in member may see it."""

    viewer = _string("Whose rights the view is shown with.", required=True, allow_none=True)
    community = fields.Nested(CommunityDescriptionSchema, required=True)
    members = fields.List(fields.Nested(CommunityMemberSchema), required=True, metadata={
        "description": "Everyone who ever belonged, by when they first joined."})
    norms = fields.Nested(NormsHistorySchema, required=True)
    calendar = fields.List(fields.Nested(CalendarSessionSchema), required=True, metadata={
        "description": "Sessions by when they were held (or are to start)."})
    resources = fields.List(fields.Nested(ResourceSchema), required=True, metadata={
        "description": "The community's library, in the order shared."})
    tags = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                       required=True, metadata={
                           "description": "tag → ids of the resources carrying it."})
    plans = _objects("Action plans: inquiry question, steps with owners and completions, "
                     "revisions and progress.")
    badges = _community_badges()


class CommunityBadgesSchema(_Cut):
    """The badges a community defined."""

    community_id = _string("The community.", required=True)
    badges = _community_badges()


class EvaluationPeriodSchema(Answer):
    """A period [from, to) of occurred_at, as asked (null: unbounded)."""

    from_ = _string("Its start.", data_key="from", required=True, allow_none=True)
    to = _string("Its end (exclusive).", required=True, allow_none=True)


class EvaluationColumnSchema(Answer):
    """One community over one period."""

    community_id = _string("The community.", required=True)
    name = _string("Its name.", required=True)
    from_ = _string("The period's start.", data_key="from", required=True, allow_none=True)
    to = _string("The period's end (exclusive).", required=True, allow_none=True)
    summary = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                          metadata={"description": "sessions_held, sessions_cancelled, "
                                                   "resources_shared, resources_reused, "
                                                   "feedback_given, steps_completed and "
                                                   "stories in the period."})
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                         metadata={"description": "cycle → stories told of it."})
    stories = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(
        ReflectionSchema)), required=True, metadata={
        "description": "cycle → the reflections the viewer may read, in time order."})


class EvaluationSchema(_Cut):
    """Communities × periods side by side, with value-creation stories."""

    viewer = _string("Whose rights the stories are shown with.", required=True,
                     allow_none=True)
    communities = fields.List(fields.String(), required=True, metadata={
        "description": "The communities asked for, in order."})
    periods = fields.List(fields.Nested(EvaluationPeriodSchema), required=True)
    cycles = fields.List(fields.String(), required=True, metadata={
        "description": "The value-creation cycles, then `unassigned`."})
    columns = fields.List(fields.Nested(EvaluationColumnSchema), required=True, metadata={
        "description": "One per community and period, communities first."})


def _metrics() -> dict[str, fields.Field]:
    """DESIGN's leadership metrics of a window (normative definitions there), in its order."""
    return {
        "enrolled": _whole("People of any role whose membership overlaps the window.",
                           required=True, validate=validate.Range(min=0)),
        "sessions": _whole("SessionLed in the window, retracted ones excluded.",
                           required=True, validate=validate.Range(min=0)),
        "breadth": _ratio("Share of the enrolled who led at least one session (null: none "
                          "enrolled)."),
        "gini": _ratio("Gini coefficient of sessions led over the enrolled, zeros included "
                       "(null: none enrolled or no session led)."),
        "entropy": _ratio("Normalised entropy of sessions led over the enrolled (null: at "
                          "most one enrolled or no session led)."),
        "member_led_share": _ratio("Share of sessions with a leader whose role in the "
                                   "community then was `member` (null: no sessions)."),
        "rotation": _whole("Distinct leaders among the last 6 sessions before `to`.",
                           required=True, validate=validate.Range(min=0)),
        "reciprocity": _ratio("Connected pairs of the learning network with edges both ways "
                              "(null: no pair is connected)."),
        "in_degree_centralization": _ratio("In-degree centralization of the learning "
                                           "network (null: at most one enrolled)."),
    }


TrendQuarterSchema = _described(Answer.from_dict({
    "quarter": _string("e.g. 2024-Q1.", required=True),
    "from": fields.String(required=True, metadata={"format": "date"}),
    "to": fields.String(required=True, metadata={"format": "date"}),
    **_metrics(),
}, name="TrendQuarterSchema"), "The metrics over one calendar quarter of the window (no tiers).")


def _leadership(scope: str, doc: str) -> type[Schema]:
    """DESIGN's leadership report of a community or a network, keys in DESIGN's order."""
    return _described(Answer.from_dict({
        f"{scope}_id": _string(f"The {scope}.", required=True),
        "from": _string("The window's start by occurred_at, as asked (null: no limit).",
                      required=True, allow_none=True),
        "to": _string("The window's end (exclusive), as asked (null: no limit).",
                    required=True, allow_none=True),
        "as_of": _time(_CUT, required=True, allow_none=True),
        "as_of_position": _whole(_CUT_POSITION, required=True),
        **_metrics(),
        "tiers": fields.Dict(keys=fields.String(), values=fields.String(
            validate=validate.OneOf(TIERS)), required=True, metadata={
            "description": "member_id → tier, for exactly the enrolled members."}),
        "trend": fields.List(fields.Nested(TrendQuarterSchema), metadata={
            "description": "Only with trend=true: the metrics per calendar quarter."}),
    }, name=f"{scope.title()}LeadershipSchema"), doc)


CommunityLeadershipSchema = _leadership("community", "DESIGN's leadership report of a "
                                        "community: the window, the cut and the metrics.")
NetworkLeadershipSchema = _leadership("network", "DESIGN's leadership report of a network: "
                                      "the metrics pooled over its communities.")


class StoredEventSchema(Answer):
    """A row of the log exactly as stored and hashed (personal fields as ciphertext)."""

    position = _whole("Its place in the log (gapless, from 1).", required=True)
    event_id = _string("A UUID.", required=True)
    stream = _string("The stream it was appended to.", required=True)
    version = _whole("Its version in the stream.", required=True)
    type = _string("The event type.", required=True)
    schema_version = _whole("The version of its type's schema.", required=True)
    occurred_at = _time("When it happened.", required=True)
    recorded_at = _time("When the log recorded it.", required=True)
    actor = _string("Who recorded it.", required=True)
    data = fields.Dict(required=True, metadata={"description": "The event's data."})
    meta = fields.Dict(required=True, metadata={"description": "actor, correlation id, …"})
    hash = fields.String(required=True, metadata={
        "description": "The chain hash after this row.", "pattern": "^[0-9a-f]{64}$"})


class EventsPageSchema(Answer):
    """A page of the log after a position."""

    events = fields.List(fields.Nested(StoredEventSchema), required=True)
    next_after = _whole("`after` for the next page; null when this page reaches the end.",
                        required=True, allow_none=True)
    last_position = _whole("The log's last position now.", required=True)


class SignedHeadSchema(Answer):
    """The head a clean walk vouches for, signed: check it offline."""

    position = _whole("The last position.", required=True)
    hash = _string("Its chain hash.", required=True)
    signature = _string("Ed25519 over `position:hash`, base64.", required=True)
    public_key = _string("The instance's public key, PEM.", required=True)


class VerifySchema(Answer):
    """What a walk of the hash chain and the sealed head found (`journey verify --json`),
    and, only when ok, the head signed."""

    ok = fields.Boolean(required=True)
    events = _whole("Rows walked.", required=True)
    head = _string("The chain hash at the head.", required=True)
    first_broken = _whole("The first position found wrong.", required=True, allow_none=True)
    problem = _string("What was found wrong.", required=True, allow_none=True)
    line = _string("`OK n events, head <hash>` or `BROKEN at position N: <problem>`.",
                 required=True)
    signed_head = fields.Nested(SignedHeadSchema)  # a bare $ref: the docs page names it
