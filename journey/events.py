"""The event types of the exchange format: one frozen dataclass each, named in the past tense.

The field metadata is the single description of every field: the marshmallow schemas
(events/schemas.py), the encryption of personal fields and the correction rules are all
derived from it, so a field is declared once.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar

ROLES = ("member", "facilitator", "coordinator")
MODES = ("in_person", "virtual", "blended")
SESSION_FORMATS = ("meeting", "workshop", "lesson_study", "observation", "online_call")
RESOURCE_KINDS = ("lesson_plan", "rubric", "activity", "article", "video", "survey", "link", "other")
VISIBILITIES = ("private", "community", "network")
VALUE_CYCLES = ("immediate", "potential", "applied", "realized", "reframing")
INVOLVES = ("students", "parents", "colleagues", "community")
FEEDBACK_ABOUT = ("resource", "session")
#: The badge ids Journey keeps for its own automatic badges: a rule of rules.json is
#: published as "rules/<rule id>" (projections/openbadges/catalogue.py), issued by the
#: installation. A community's BadgeDefined may not take one, or its facilitator could
#: award a badge that Open Badges would present as earned by Journey's rules.
RULE_BADGE_PREFIX = "rules/"

# Field kinds understood by the schemas: id, text, choice, ids, texts, date, datetime,
# url, email, content_hash, positions, steps, step_ids, corrections.


def _field(kind: str, *, optional: bool = False, personal: str | None = None,
           choices: tuple[str, ...] = (), min_items: int = 0, content: bool = True,
           not_before: str | None = None, reserved: str | None = None) -> Any:
    """Declare an event field; `personal` names whose key encrypts it ('@actor' = the writer),
    `not_before` the field of the same event it may not come before (the end of a range),
    `reserved` a prefix an id may not start with (a namespace Journey keeps for itself)."""
    meta = {"kind": kind, "optional": optional, "personal": personal,
            "choices": choices, "min_items": min_items, "content": content,
            "not_before": not_before, "reserved": reserved}
    if optional:
        return field(default=None, metadata=meta)
    return field(metadata=meta)


def ident(optional: bool = False, reserved: str | None = None) -> Any:
    return _field("id", optional=optional, content=False, reserved=reserved)


def ids(optional: bool = False, min_items: int = 0) -> Any:
    return _field("ids", optional=optional, min_items=min_items, content=False)


def text_field(optional: bool = False, personal: str | None = None) -> Any:
    return _field("text", optional=optional, personal=personal)


def texts_field(optional: bool = False, min_items: int = 0) -> Any:
    return _field("texts", optional=optional, min_items=min_items)


def choice(values: tuple[str, ...], optional: bool = False) -> Any:
    return _field("choice", optional=optional, choices=values)


def choices(values: tuple[str, ...], optional: bool = False) -> Any:
    return _field("choices", optional=optional, choices=values)


def typed(kind: str, optional: bool = False, personal: str | None = None,
          content: bool = True, not_before: str | None = None) -> Any:
    return _field(kind, optional=optional, personal=personal, content=content,
                  not_before=not_before)


@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every event type; `type` is the published name, never renamed."""

    type: ClassVar[str] = ""

    def to_data(self) -> dict[str, Any]:
        """The `data` object of the exchange format; absent optional fields stay absent."""
        out: dict[str, Any] = {}
        for name, optional in _layout(type(self)):
            value = getattr(self, name)
            if value is None:
                if optional:
                    continue
            elif type(value) in _PLAIN_AS_IS:
                out[name] = value
                continue
            out[name] = _plain(value)
        return out


# Values to_data keeps as they are (anything else goes through _plain).
_PLAIN_AS_IS = frozenset({str, int})
# Event class -> ((field name, optional), ...): dataclasses.fields() costs, per call, more
# than the rest of to_data.
_LAYOUTS: dict[type, tuple[tuple[str, bool], ...]] = {}


def _layout(cls: type) -> tuple[tuple[str, bool], ...]:
    layout = _LAYOUTS.get(cls)
    if layout is None:
        layout = tuple((f.name, bool(f.metadata.get("optional")))
                       for f in dataclasses.fields(cls))
        _LAYOUTS[cls] = layout
    return layout


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Step):
        return value.to_data()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True, kw_only=True)
class Step:
    """One step of an action plan."""

    step_id: str
    title: str
    owners: tuple[str, ...]
    due_on: str | None = None

    def to_data(self) -> dict[str, Any]:
        out: dict[str, Any] = {"step_id": self.step_id, "title": self.title,
                               "owners": list(self.owners)}
        if self.due_on is not None:
            out["due_on"] = self.due_on
        return out


EVENT_TYPES: dict[str, type[Event]] = {}


def event_type(cls: type[Event]) -> type[Event]:
    """Register an event class under its class name."""
    cls.type = cls.__name__
    EVENT_TYPES[cls.__name__] = cls
    return cls


@event_type
@dataclass(frozen=True, kw_only=True)
class NetworkCreated(Event):
    network_id: str = ident()
    name: str = text_field()
    programme: str | None = text_field(optional=True)
    starts_on: str | None = typed("date", optional=True)
    ends_on: str | None = typed("date", optional=True, not_before="starts_on")


@event_type
@dataclass(frozen=True, kw_only=True)
class CommunityFounded(Event):
    community_id: str = ident()
    name: str = text_field()
    domain: str = text_field()
    network_id: str | None = ident(optional=True)
    schools: tuple[str, ...] | None = texts_field(optional=True)
    mode: str | None = choice(MODES, optional=True)
    cadence: str | None = text_field(optional=True)


@event_type
@dataclass(frozen=True, kw_only=True)
class MemberRegistered(Event):
    member_id: str = ident()
    display_name: str = text_field(personal="member_id")
    email: str | None = typed("email", optional=True, personal="member_id")
    school: str | None = text_field(optional=True)
    job_title: str | None = text_field(optional=True, personal="member_id")


@event_type
@dataclass(frozen=True, kw_only=True)
class MemberJoined(Event):
    community_id: str = ident()
    member_id: str = ident()
    role: str = _field("choice", choices=ROLES, content=False)
    invited_by: str | None = ident(optional=True)


@event_type
@dataclass(frozen=True, kw_only=True)
class RoleChanged(Event):
    community_id: str = ident()
    member_id: str = ident()
    from_role: str = _field("choice", choices=ROLES, content=False)
    to_role: str = _field("choice", choices=ROLES, content=False)


@event_type
@dataclass(frozen=True, kw_only=True)
class MemberLeft(Event):
    community_id: str = ident()
    member_id: str = ident()


@event_type
@dataclass(frozen=True, kw_only=True)
class NormsAgreed(Event):
    community_id: str = ident()
    norms: tuple[str, ...] = texts_field(min_items=1)
    agreed_by: tuple[str, ...] = ids(min_items=1)


@event_type
@dataclass(frozen=True, kw_only=True)
class SessionScheduled(Event):
    community_id: str = ident()
    session_id: str = ident()
    starts_at: str = typed("datetime")
    title: str = text_field()
    format: str = choice(SESSION_FORMATS)
    planned_leaders: tuple[str, ...] | None = ids(optional=True)
    link: str | None = typed("url", optional=True)


@event_type
@dataclass(frozen=True, kw_only=True)
class SessionCancelled(Event):
    community_id: str = ident()
    session_id: str = ident()
    reason: str | None = text_field(optional=True)


@event_type
@dataclass(frozen=True, kw_only=True)
class SessionLed(Event):
    community_id: str = ident()
    session_id: str = ident()
    leaders: tuple[str, ...] = ids(min_items=1)
    title: str = text_field()
    format: str = choice(SESSION_FORMATS)
    attendees: tuple[str, ...] | None = ids(optional=True)


@event_type
@dataclass(frozen=True, kw_only=True)
class ResourceShared(Event):
    community_id: str = ident()
    resource_id: str = ident()
    member_id: str = ident()
    title: str = text_field()
    kind: str = choice(RESOURCE_KINDS)
    url: str | None = typed("url", optional=True)
    file: str | None = typed("content_hash", optional=True)
    tags: tuple[str, ...] | None = texts_field(optional=True)


@event_type
@dataclass(frozen=True, kw_only=True)
class ResourceReused(Event):
    community_id: str = ident()
    resource_id: str = ident()
    member_id: str = ident()
    note: str | None = text_field(optional=True, personal="member_id")


@event_type
@dataclass(frozen=True, kw_only=True)
class FeedbackGiven(Event):
    community_id: str = ident()
    from_member_id: str = ident()
    to_member_id: str = ident()
    about_kind: str = _field("choice", choices=FEEDBACK_ABOUT, content=False)
    about_id: str = ident()
    text: str | None = text_field(optional=True, personal="from_member_id")


@event_type
@dataclass(frozen=True, kw_only=True)
class ReflectionRecorded(Event):
    reflection_id: str = ident()
    member_id: str = ident()
    text: str = text_field(personal="member_id")
    community_id: str | None = ident(optional=True)
    prompt: str | None = text_field(optional=True)
    visibility: str = _field("choice", choices=VISIBILITIES, content=False)
    value_cycle: str | None = choice(VALUE_CYCLES, optional=True)
    about: tuple[int, ...] | None = typed("positions", optional=True, content=False)


@event_type
@dataclass(frozen=True, kw_only=True)
class ReflectionVisibilityChanged(Event):
    reflection_id: str = ident()
    member_id: str = ident()
    visibility: str = _field("choice", choices=VISIBILITIES, content=False)


@event_type
@dataclass(frozen=True, kw_only=True)
class ActionPlanCreated(Event):
    community_id: str = ident()
    plan_id: str = ident()
    inquiry_question: str = text_field()
    involves: tuple[str, ...] | None = choices(INVOLVES, optional=True)
    # Empty is valid history (older versions stored such plans, and exports of them must
    # import); new plans need a step: the domain's rule (decide.py, action_plan_created).
    steps: tuple[Step, ...] = _field("steps", content=False)


@event_type
@dataclass(frozen=True, kw_only=True)
class ActionPlanRevised(Event):
    community_id: str = ident()
    plan_id: str = ident()
    inquiry_question: str | None = text_field(optional=True)
    steps_added: tuple[Step, ...] | None = typed("steps", optional=True, content=False)
    steps_dropped: tuple[str, ...] | None = ids(optional=True)
    note: str | None = text_field(optional=True)


@event_type
@dataclass(frozen=True, kw_only=True)
class ActionStepCompleted(Event):
    community_id: str = ident()
    plan_id: str = ident()
    step_id: str = ident()
    member_ids: tuple[str, ...] = ids(min_items=1)
    outcome: str = text_field(personal="@actor")
    evidence_url: str | None = typed("url", optional=True)


@event_type
@dataclass(frozen=True, kw_only=True)
class BadgeDefined(Event):
    badge_id: str = ident(reserved=RULE_BADGE_PREFIX)
    community_id: str = ident()
    name: str = text_field()
    description: str = text_field()
    criteria: str = text_field()
    image: str | None = typed("content_hash", optional=True)


@event_type
@dataclass(frozen=True, kw_only=True)
class RecognitionAwarded(Event):
    award_id: str = ident()
    community_id: str = ident()
    member_id: str = ident()
    badge_id: str = ident()
    awarded_by: str = ident()
    evidence: tuple[int, ...] | None = typed("positions", optional=True, content=False)
    note: str | None = text_field(optional=True, personal="awarded_by")


@event_type
@dataclass(frozen=True, kw_only=True)
class RecognitionRevoked(Event):
    award_id: str = ident()
    revoked_by: str = ident()
    reason: str = text_field()


@event_type
@dataclass(frozen=True, kw_only=True)
class EntryCorrected(Event):
    position: int = typed("position", content=False)
    corrected_by: str = ident()
    fields: dict[str, Any] = typed("corrections", content=False)
    reason: str = text_field()


@event_type
@dataclass(frozen=True, kw_only=True)
class EntryRetracted(Event):
    position: int = typed("position", content=False)
    retracted_by: str = ident()
    reason: str = text_field()


@event_type
@dataclass(frozen=True, kw_only=True)
class MemberErased(Event):
    member_id: str = ident()
    requested_by: str = ident()


# Content events: what a correction or a retraction may target.
CONTENT_TYPES = frozenset({
    "NormsAgreed", "SessionScheduled", "SessionCancelled", "SessionLed", "ResourceShared",
    "ResourceReused", "FeedbackGiven", "ReflectionRecorded", "ActionStepCompleted",
})

# Events that go to the stream of the event they target.
TARGETING_TYPES = frozenset({"RecognitionRevoked", "EntryRetracted", "EntryCorrected",
                             "ReflectionVisibilityChanged"})


def field_specs(event_cls: type[Event]) -> list[dataclasses.Field]:
    """The declared fields of an event class, in order."""
    return list(dataclasses.fields(event_cls))


def personal_fields(event_cls: type[Event]) -> dict[str, str]:
    """Field name -> whose key encrypts it (a field name of the event, or '@actor')."""
    return {f.name: f.metadata["personal"] for f in dataclasses.fields(event_cls)
            if f.metadata.get("personal")}


def correctable_fields(event_cls: type[Event]) -> frozenset[str]:
    """Content fields a correction may change: never ids, references or the community."""
    return frozenset(f.name for f in dataclasses.fields(event_cls) if f.metadata.get("content"))


def from_data(type_name: str, data: dict[str, Any]) -> Event:
    """Build an event from a validated `data` object (lists become tuples)."""
    cls = EVENT_TYPES[type_name]
    kwargs: dict[str, Any] = {}
    for name, kind in _kinds(cls):
        if name not in data:
            continue
        value = data[name]
        if value is not None and kind == "steps":
            value = tuple(Step(step_id=s["step_id"], title=s["title"],
                               owners=tuple(s["owners"]), due_on=s.get("due_on"))
                          for s in value)
        elif isinstance(value, list):
            value = tuple(value)
        kwargs[name] = value
    return cls(**kwargs)


# Event class -> ((field name, kind), ...), for from_data.
_KINDS: dict[type, tuple[tuple[str, str], ...]] = {}


def _kinds(cls: type) -> tuple[tuple[str, str], ...]:
    kinds = _KINDS.get(cls)
    if kinds is None:
        kinds = tuple((f.name, f.metadata["kind"]) for f in dataclasses.fields(cls))
        _KINDS[cls] = kinds
    return kinds
