"""Appends: POST /api/events/{type} for every event type, and the hand-over.

Each builds the same domain command as `journey record` (RecordEvent, HandOverFacilitation)
with the signed-in member as the actor, and lets the store decide: a body that names
someone else is refused by the domain (not_the_actor, 403). Every append answers its
positions, stream and version; a replay of an idempotency key answers 200 with the first
result, and appends nothing.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, jsonify

from events.codec import asked_digest
from events.erasure import erase_member
from events.exchange import checked_corrections
from events.schemas import SchemaInvalid, load_event
from events.store import AppendResult, Options
from journey import errors
from journey.clock import utcnow
from journey.events import EVENT_TYPES
from journey.records import HandOverFacilitation, RecordEvent
from web.api import bp
from web.api.auth import acting_member, caller, judged
from web.api.body import idempotency_key, if_match, load_body
from web.api.errors import ApiError
from web.api.schemas import EnvelopeSchema, HandOverSchema
from web.services import accounts, journey

_ENVELOPE = EnvelopeSchema()
#: What a refusal may name that is no field of `data`.
_NOT_IN_DATA = frozenset({"actor", "occurred_at"})
_HAND_OVER = HandOverSchema()


def _in_data(exc: SchemaInvalid) -> SchemaInvalid:
    """The event schema's errors, named where they are in the body (`data.leaders`)."""
    return SchemaInvalid({f"data.{name}" if name != "data" else "data": messages
                          for name, messages in exc.fields.items()})


def _named_in_body(exc: errors.Refused, *, in_data: bool) -> errors.Refused:
    """A refusal's `fields` named where they are in the request: an event's field under
    `data.` (`data.leaders`; the actor is the signed-in member, in no field of the body;
    occurred_at is the envelope's), a stale stream version by the If-Match header it came
    in."""
    if isinstance(exc, errors.VersionConflict) and not exc.fields:
        exc.fields = {"If-Match": [exc.message]}
    elif in_data:
        exc.fields = {name if name in _NOT_IN_DATA else f"data.{name}": messages
                      for name, messages in exc.fields.items()}
    return exc


def _options(body: dict[str, Any], digest_of: dict[str, Any]) -> Options:
    digest = asked_digest(digest_of, body.get("occurred_at"))
    expected, exists = if_match()
    return Options(idempotency_key=idempotency_key(body.get("idempotency_key")),
                   digest=digest, expected_version=expected, stream_exists=exists,
                   meta={"client": "api"})


def appended(result: AppendResult) -> Response:
    """201 with what was appended (200 on an idempotent replay); ETag = the stream version."""
    last = result.records[-1]
    response = jsonify({"positions": result.positions, "position": result.position,
                        "stream": last.stream, "version": last.version,
                        "replayed": result.replayed})
    response.status_code = 200 if result.replayed else 201
    response.headers["ETag"] = f'"{last.version}"'
    return response


@bp.post("/events/<type_name>")
def append_event(type_name: str) -> Response:
    """Append one event of `type_name` as the signed-in member."""
    if type_name not in EVENT_TYPES:
        raise ApiError(404, "unknown_event_type", f"there is no event type {type_name}")
    body = load_body(_ENVELOPE)
    try:
        event = load_event(type_name, body["data"])
    except SchemaInvalid as exc:
        raise _in_data(exc) from None
    account = caller()
    occurred: datetime = body.get("occurred_at") or utcnow()
    options = _options(body, {"type": type_name, "data": event.to_data()})
    installation = journey()
    if type_name == "MemberErased":
        if not account.is_admin:
            raise errors.RoleRequired("only an admin can erase a member", rule="not_an_admin")
        try:
            return appended(erase_member(installation.log, accounts(), event.member_id,
                                         event.requested_by, actor=account.actor,
                                         occurred_at=occurred, options=options))
        except errors.Refused as exc:
            raise _named_in_body(exc, in_data=True) from None
    if type_name == "EntryCorrected":
        try:
            event = checked_corrections(installation.store, event,
                                        actor=acting_member(account), occurred_at=occurred,
                                        privileged=account.is_admin)
        except SchemaInvalid as exc:
            raise _in_data(exc) from None
        except errors.Refused as exc:  # the rules', judged before the values: named alike
            raise _named_in_body(exc, in_data=True) from None
    command = RecordEvent(event, acting_member(account), occurred, privileged=account.is_admin)
    try:
        return appended(installation.store.submit(command, options))
    except errors.Refused as exc:
        raise _named_in_body(exc, in_data=True) from None


@bp.post("/communities/<community_id>/hand-over")
def hand_over(community_id: str) -> Response:
    """Make to_member a facilitator and from_member a member, in one transaction."""
    judged(lambda state, who, now: _known_community(state, community_id))
    body = load_body(_HAND_OVER)
    account = caller()
    options = _options(body, {"type": "HandOverFacilitation", "community_id": community_id,
                              "from": body["from_member"], "to": body["to_member"]})
    command = HandOverFacilitation(community_id, body["from_member"], body["to_member"],
                                   acting_member(account), body.get("occurred_at") or utcnow(),
                                   privileged=account.is_admin)
    try:
        return appended(journey().store.submit(command, options))
    except errors.Refused as exc:  # the body's own names: from_member, to_member
        raise _named_in_body(exc, in_data=False) from None


def _known_community(state, community_id: str) -> None:
    if community_id not in state.communities:
        raise ApiError(404, "unknown_community", f"there is no community {community_id}")
