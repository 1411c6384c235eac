"""Load schemas (marshmallow) for every event type and schema version, from the field metadata.

journey/events.py declares each field once (kind, optional, personal, choices, min_items,
content); the schemas here are generated from that metadata so the two cannot drift.
Old schema versions are declared beside them: a stored row is validated by the schema
of its own version, then upcast (events/upcasting.py) to the latest one.
"""
from __future__ import annotations

import dataclasses
import re
import unicodedata
from datetime import date
from typing import Any, Callable, ClassVar
from urllib.parse import urlsplit

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from events.crypto import is_sealed
from events.upcasting import UpcastingError, upcast
from journey import errors
from journey.clock import EARLIEST_YEAR, BadTime, format_time, parse_time
from journey.events import EVENT_TYPES, Event, correctable_fields, from_data, personal_fields

MAX_ID = 160  # so "community-" + id fits the 200-character stream column
MAX_TEXT = 20_000
MAX_URL = 2_000
MAX_EMAIL = 320
# actor (≤ 160) + separator + key must fit the 400-character idempotency_scope column.
MAX_KEY = 200
# Positions are stored in a BIGINT column.
MAX_POSITION = 2**63 - 1
# The longest sealed value an import takes in a personal field (see load_event). A text of
# MAX_TEXT characters seals to at most about 160,000; each export -> import of an erased
# member's field seals it once more (x 4/3): room for several such round trips.
MAX_SEALED = 1_000_000

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HASH = re.compile(r"^[0-9a-f]{64}$")
# Deliberately loose: one @, something before it, a dotted domain after it, no spaces.
# Whether the address exists is the mail server's business.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


class SchemaInvalid(errors.Refused):
    """An event's data that its schema refuses; `fields` maps a field path to its messages."""

    # A refusal like the domain's (422, nothing appended): the store raises it too, for an
    # event built in code (a web form) that its schema would refuse.
    rule = "schema_invalid"
    kind = "invalid"

    def __init__(self, fields: dict[str, list[str]]) -> None:
        fields = {name: list(messages) for name, messages in fields.items()}
        super().__init__("; ".join(f"{name}: {message}" for name, messages in fields.items()
                                   for message in messages), fields=fields)

    def __str__(self) -> str:
        return self.message

    @property
    def field_path(self) -> str:
        """The first field named, e.g. `leaders` or `steps.0.owners`."""
        return next(iter(self.fields), "")


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested `ValidationError.messages` into {"a.0.b": ["msg"]}."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            # marshmallow files whole-object errors under "_schema": they belong to the parent.
            name = prefix if key == "_schema" else (f"{prefix}.{key}" if prefix else str(key))
            for path, found in flatten_messages(value, name).items():
                out.setdefault(path, []).extend(found)
    elif isinstance(messages, (list, tuple)):
        for item in messages:
            if isinstance(item, (dict, list, tuple)):
                for path, found in flatten_messages(item, prefix).items():
                    out.setdefault(path, []).extend(found)
            else:
                out.setdefault(prefix or "data", []).append(str(item))
    else:
        out.setdefault(prefix or "data", []).append(str(messages))
    return out


def _unstorable(value: str) -> bool:
    # NUL and lone surrogates cannot be stored as UTF-8 text (SQLite) or in PostgreSQL.
    if "\x00" in value:
        return True
    if value.isascii():
        return False
    try:
        value.encode("utf-8")  # refuses a lone surrogate, in C
    except UnicodeEncodeError:
        return True
    return False


#: ASCII whitespace and control characters (what isspace() or category C say in ASCII).
_ASCII_BLANK_OR_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def _has_space_or_control(value: str) -> bool:
    if value.isascii():  # nearly every id: one regex search instead of a loop in Python
        return _ASCII_BLANK_OR_CONTROL.search(value) is not None
    return any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in value)


def _id_problem(value: str, reserved: str | None = None) -> str | None:
    if not value:
        return "must not be empty"
    if len(value) > MAX_ID:
        return f"must be at most {MAX_ID} characters"
    # Ids end up in stream names, URLs and file lines: invisible characters would make
    # two ids look alike, and whitespace would split them.
    if _has_space_or_control(value):
        return "must not contain spaces or control characters"
    if reserved is not None and value.startswith(reserved):
        return f"must not start with {reserved!r}: Journey keeps those ids for itself"
    return None


def _text_problem(value: str) -> str | None:
    if not value.strip():
        return "must not be empty"
    if len(value) > MAX_TEXT:
        return f"must be at most {MAX_TEXT} characters"
    if _unstorable(value):
        return "contains characters that cannot be stored (NUL or a lone surrogate)"
    return None


def idempotency_key_problem(key: Any) -> str | None:
    """Why a client's idempotency key cannot be stored, or None (the one rule for every path)."""
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY:
        return f"must be a non-empty text of at most {MAX_KEY} characters"
    # The key is kept in the row's meta and in an indexed column: no NUL, no lone
    # surrogate, and nothing invisible that would make two keys look alike.
    if _has_control(key) or _unstorable(key):
        return "must not contain control characters"
    return None


def meta_id_problem(value: Any) -> str | None:
    """Why a correlation or causation id (a row's meta, from an imported line) cannot be
    stored, or None."""
    if not isinstance(value, str) or not value or len(value) > MAX_KEY:
        return f"must be a text of at most {MAX_KEY} characters"
    # Kept in the row's meta (hashed as stored) and used as a key by projections: no lone
    # surrogate (it cannot be encoded: the whole batch would fail), no NUL or other
    # control character (one engine would keep what another refuses, and nothing
    # invisible may make two ids look alike), as for idempotency keys.
    if _has_control(value) or _unstorable(value):
        return ("contains characters that cannot be stored (control characters, NUL or a "
                "lone surrogate)")
    return None


# Every imported line carries a key: a search in C, not a loop over its characters
# (0.3 against 4 µs for an 80-character key, twice per line).
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def _has_control(value: str) -> bool:
    return _CONTROL.search(value) is not None


class IdField(fields.String):
    """An id: non-empty, at most 160 characters, no spaces or control characters, and not
    in the `reserved` namespace (a prefix) when the field has one."""

    def __init__(self, reserved: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reserved = reserved

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        value = super()._deserialize(value, attr, data, **kwargs)
        problem = _id_problem(value, self.reserved)
        if problem is not None:
            raise ValidationError(problem)
        return value

    def accepts(self, value: Any) -> bool:
        """True when deserialize would return `value` itself (the quick check of a load)."""
        return type(value) is str and _id_problem(value, self.reserved) is None


class TextField(fields.String):
    """Free text: not blank, at most 20,000 characters, kept exactly as written."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        value = super()._deserialize(value, attr, data, **kwargs)
        problem = _text_problem(value)
        if problem is not None:
            raise ValidationError(problem)
        return value

    def accepts(self, value: Any) -> bool:
        """True when deserialize would return `value` itself (the quick check of a load)."""
        return type(value) is str and _text_problem(value) is None


class ChoiceField(fields.String):
    """One of a fixed set of words."""

    def __init__(self, choices: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.choices = tuple(choices)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        value = super()._deserialize(value, attr, data, **kwargs)
        if value not in self.choices:
            raise ValidationError(f"must be one of: {', '.join(self.choices)}")
        return value

    def accepts(self, value: Any) -> bool:
        """True when deserialize would return `value` itself (the quick check of a load)."""
        return type(value) is str and value in self.choices


class DateField(fields.String):
    """A calendar date written YYYY-MM-DD."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        value = super()._deserialize(value, attr, data, **kwargs)
        # The regex first: date.fromisoformat also takes "20240305" and week dates.
        if not _DATE.match(value):
            raise ValidationError("must be a date written YYYY-MM-DD")
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ValidationError(f"{value} is not a real date") from None
        return value


class DateTimeField(fields.String):
    """An RFC 3339 time with an offset, stored normalised to UTC with `Z`."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        value = super()._deserialize(value, attr, data, **kwargs)
        try:
            moment = parse_time(value, allow_date=False)
        except BadTime as exc:
            raise ValidationError(str(exc)) from None
        if moment.year < EARLIEST_YEAR:
            raise ValidationError(f"must be in the year {EARLIEST_YEAR} or later")
        # One spelling per moment, so stored data (and its hash) does not depend on the client.
        return format_time(moment)


class UrlField(fields.String):
    """An absolute http(s) URL."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        value = super()._deserialize(value, attr, data, **kwargs)
        if len(value) > MAX_URL:
            raise ValidationError(f"must be at most {MAX_URL} characters")
        if _has_space_or_control(value):
            raise ValidationError("must not contain spaces or control characters")
        try:
            parts = urlsplit(value)
            host = parts.hostname
        except ValueError:
            raise ValidationError("must be an http or https URL") from None
        # Other schemes (javascript:, file:, data:) would turn a shared link into an attack.
        if parts.scheme.lower() not in ("http", "https") or not host:
            raise ValidationError("must be an http or https URL such as https://example.org/page")
        return value


class EmailField(fields.String):
    """An e-mail address that looks like one."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        value = super()._deserialize(value, attr, data, **kwargs)
        if len(value) > MAX_EMAIL or not _EMAIL.match(value) or _unstorable(value):
            raise ValidationError("must be an e-mail address such as ana@example.org")
        return value


class ContentHashField(fields.String):
    """The sha256 of an upload: 64 lowercase hex digits."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        value = super()._deserialize(value, attr, data, **kwargs)
        if not _HASH.match(value):
            raise ValidationError("must be a sha256 content hash (64 lowercase hex digits)")
        return value


class PositionField(fields.Field):
    """A position in the log: a whole number from 1 (true and false are not numbers here)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        # bool is a subclass of int in Python; JSON true must not mean position 1.
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_POSITION:
            raise ValidationError("must be a log position (a whole number from 1)")
        return value


class CorrectionsField(fields.Field):
    """{field name: new value}; the values are checked against the target by validate_corrections."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict:
        if not isinstance(value, dict):
            raise ValidationError("must be an object of {field name: new value}")
        if not value:
            raise ValidationError("must name at least one field to correct")
        if not all(isinstance(name, str) and name for name in value):
            raise ValidationError("field names must be non-empty strings")
        return dict(value)


def _drop_none(data: Any, optional: frozenset[str]) -> Any:
    # None for an optional field means "not given": the stored shape leaves it absent.
    if not isinstance(data, dict):
        return data
    return {k: v for k, v in data.items() if not (v is None and k in optional)}


class StepSchema(Schema):
    """One action-plan step: {step_id, title, owners [id, >= 1], due_on?}."""

    class Meta:
        unknown = RAISE

    step_id = IdField(required=True)
    title = TextField(required=True)
    owners = fields.List(IdField(), required=True,
                         validate=validate.Length(min=1, error="needs at least {min} owner"))
    due_on = DateField()

    @pre_load
    def _absent_optionals(self, data: Any, **kwargs: Any) -> Any:
        return _drop_none(data, frozenset({"due_on"}))


class EventSchema(Schema):
    """Base of the generated event schemas: unknown fields refused, None = absent."""

    class Meta:
        unknown = RAISE

    optional_fields: ClassVar[frozenset[str]] = frozenset()

    @pre_load
    def _absent_optionals(self, data: Any, **kwargs: Any) -> Any:
        return _drop_none(data, self.optional_fields)


def _min_items(n: int) -> list[validate.Validator]:
    return [validate.Length(min=n, error="needs at least {min} item(s)")] if n else []


def make_field(meta: dict[str, Any]) -> fields.Field:
    """The marshmallow field for one event field's metadata (kind, optional, choices, ...)."""
    kind = meta["kind"]
    required = not meta.get("optional", False)
    many_validators = _min_items(meta.get("min_items", 0))
    if kind == "id":
        return IdField(required=required, reserved=meta.get("reserved"))
    if kind == "text":
        return TextField(required=required)
    if kind == "texts":
        return fields.List(TextField(), required=required, validate=many_validators)
    if kind in ("ids", "step_ids"):
        return fields.List(IdField(), required=required, validate=many_validators)
    if kind == "choice":
        return ChoiceField(meta["choices"], required=required)
    if kind == "choices":
        return fields.List(ChoiceField(meta["choices"]), required=required,
                           validate=many_validators)
    if kind == "date":
        return DateField(required=required)
    if kind == "datetime":
        return DateTimeField(required=required)
    if kind == "url":
        return UrlField(required=required)
    if kind == "email":
        return EmailField(required=required)
    if kind == "content_hash":
        return ContentHashField(required=required)
    if kind == "position":
        return PositionField(required=required)
    if kind == "positions":
        return fields.List(PositionField(), required=required, validate=many_validators)
    if kind == "steps":
        return fields.List(fields.Nested(StepSchema), required=required,
                           validate=many_validators)
    if kind == "corrections":
        return CorrectionsField(required=required)
    raise ValueError(f"unknown field kind {kind!r}")


# Names a Schema instance already uses (`fields`, `load`, `opts`, ...).
_SCHEMA_ATTRIBUTES = frozenset(dir(Schema()))


def make_schema(type_name: str, version: int, specs: list[tuple[str, dict[str, Any]]]) -> type[Schema]:
    """Build the load schema class for one (type, version) from (field name, metadata) pairs."""
    attrs: dict[str, Any] = {}
    for name, meta in specs:
        field_obj = make_field(meta)
        if name in _SCHEMA_ATTRIBUTES:
            # A field called like a Schema attribute (EntryCorrected.fields) would shadow it:
            # declare it under another attribute and map it back to its published name.
            field_obj.data_key = name
            field_obj.attribute = name
            attrs[f"{name}_field_"] = field_obj
        else:
            attrs[name] = field_obj

    class Meta:
        unknown = RAISE

    attrs["Meta"] = Meta
    attrs["optional_fields"] = frozenset(n for n, m in specs if m.get("optional"))
    attrs["__doc__"] = f"Load schema of {type_name} v{version}."
    return type(f"{type_name}V{version}Schema", (EventSchema,), attrs)


def _specs(cls: type[Event]) -> list[tuple[str, dict[str, Any]]]:
    return [(f.name, dict(f.metadata)) for f in dataclasses.fields(cls)]


def _replace(specs: list[tuple[str, dict[str, Any]]], name: str,
             new: tuple[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return [new if n == name else (n, m) for n, m in specs]


_ID_META = {"kind": "id", "optional": False, "personal": None, "choices": (),
            "min_items": 0, "content": False, "not_before": None, "reserved": None}

# The latest schema version of every type. Bumping one needs a schema for the old
# version below and an upcaster (events/upcasting.py) from it.
LATEST_VERSION: dict[str, int] = {name: 1 for name in EVENT_TYPES}
LATEST_VERSION["SessionLed"] = 2

# Field specs of superseded versions, kept for ever so old rows still validate.
_OLD_SPECS: dict[tuple[str, int], list[tuple[str, dict[str, Any]]]] = {
    # v1 named a single leader; v2 lets a session be led by several people.
    ("SessionLed", 1): _replace(_specs(EVENT_TYPES["SessionLed"]), "leaders",
                                ("leader", dict(_ID_META))),
}


def _build_schemas() -> dict[tuple[str, int], Schema]:
    schemas: dict[tuple[str, int], Schema] = {}
    for type_name, cls in EVENT_TYPES.items():
        latest = LATEST_VERSION[type_name]
        schemas[(type_name, latest)] = make_schema(type_name, latest, _specs(cls))()
        for version in range(1, latest):
            schemas[(type_name, version)] = make_schema(
                type_name, version, _OLD_SPECS[(type_name, version)])()
    return schemas


# One schema instance per (type, version), built once: marshmallow schemas are reusable
# and building them per event would dominate the cost of a load.
SCHEMAS: dict[tuple[str, int], Schema] = _build_schemas()


def schema_for(type_name: str, version: int | None = None) -> Schema:
    """The load schema of `type_name` at `version` (None = latest); SchemaInvalid if none."""
    if type_name not in EVENT_TYPES:
        raise SchemaInvalid({"type": [f"unknown event type {type_name}"]})
    if version is None:
        version = LATEST_VERSION[type_name]
    schema = SCHEMAS.get((type_name, version)) if isinstance(version, int) else None
    if schema is None:
        raise SchemaInvalid({"schema_version": [
            f"{type_name} has no schema version {version!r} "
            f"(1 to {LATEST_VERSION[type_name]})"]})
    return schema


_SKIP = object()  # what a quick step says of a value it cannot vouch for


def _quick_step(field_obj: fields.Field, key: str) -> Callable[[Any, dict[str, Any]], Any]:
    """value, data -> what `field_obj.deserialize` returns, or _SKIP when it might refuse.

    Ids, texts and choices (and lists of them) are checked by the field's own `accepts`
    rule; any other field runs its own deserialize. Anything uncertain is _SKIP, and the
    full marshmallow load then runs, to give its answer and its messages.
    """
    simple = not field_obj.validators and not getattr(field_obj, "pre_load", None) \
        and not getattr(field_obj, "post_load", None)
    if simple and hasattr(field_obj, "accepts"):
        accepts = field_obj.accepts
        return lambda value, data: value if accepts(value) else _SKIP
    inner = getattr(field_obj, "inner", None)
    if (type(field_obj) is fields.List and hasattr(inner, "accepts")
            and not inner.validators and not getattr(inner, "pre_load", None)
            and not getattr(inner, "post_load", None)
            and not getattr(field_obj, "pre_load", None)
            and not getattr(field_obj, "post_load", None)
            and all(type(v) is validate.Length and v.max is None and v.equal is None
                    for v in field_obj.validators)):
        least = max([v.min or 0 for v in field_obj.validators], default=0)
        accepts = inner.accepts

        def many(value: Any, data: dict[str, Any]) -> Any:
            if type(value) is not list or len(value) < least:
                return _SKIP
            for item in value:
                if not accepts(item):
                    return _SKIP
            return list(value)
        return many

    def other(value: Any, data: dict[str, Any]) -> Any:
        try:
            return field_obj.deserialize(value, key, data)
        except ValidationError:
            return _SKIP
    return other


class _QuickLoad:
    """A schema's load for data it accepts, without marshmallow's per-load machinery.

    It returns what `schema.load(data)` returns, or None whenever a value might be refused
    (or the schema has hooks it does not know): the caller then runs the schema itself,
    so refusals keep marshmallow's messages, all of them.
    """

    def __init__(self, schema: Schema) -> None:
        hooks = {tag: list(names) for tag, names in schema._hooks.items() if names}
        self.usable = (hooks == {"pre_load": [("_absent_optionals", False, {})]}
                       and schema.unknown == RAISE and not schema.partial and not schema.many)
        self.optional: frozenset[str] = getattr(schema, "optional_fields", frozenset())
        self.steps: list[tuple[str, str, bool, Callable[[Any, dict[str, Any]], Any]]] = []
        for attr_name, field_obj in schema.load_fields.items():
            key = field_obj.data_key if field_obj.data_key is not None else attr_name
            self.steps.append((key, field_obj.attribute or attr_name, field_obj.required,
                               _quick_step(field_obj, key)))
        self.keys = frozenset(key for key, _, _, _ in self.steps)

    def __call__(self, data: dict[str, Any]) -> dict[str, Any] | None:
        if not self.usable:
            return None
        data = _drop_none(data, self.optional)
        if not self.keys.issuperset(data):
            return None  # an unknown field
        out: dict[str, Any] = {}
        for key, attribute, required, step in self.steps:
            if key not in data:
                if required:
                    return None
                continue
            value = step(data[key], data)
            if value is _SKIP:
                return None
            out[attribute] = value
        return out


# The quick load of every schema in SCHEMAS (which live as long as the process).
_QUICK: dict[int, _QuickLoad] = {id(schema): _QuickLoad(schema) for schema in SCHEMAS.values()}


def _loaded(schema: Schema, data: dict[str, Any]) -> dict[str, Any]:
    """schema.load(data), quick when every value passes (SchemaInvalid otherwise)."""
    quick = _QUICK.get(id(schema))
    loaded = quick(data) if quick is not None else None
    if loaded is not None:
        return loaded
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise SchemaInvalid(flatten_messages(exc.messages)) from None


#: Set on the events load_event built: checked as they were loaded, so the store's check of
#: every append (check_event) need not run twice for an import line, an API body or a record.
#: On a correction it names the target type its values were checked against
#: (`corrected_event`).
_CHECKED = "_checked_by_schema"


def load_event(type_name: str, data: dict[str, Any], schema_version: int | None = None, *,
               sealed: bool = False) -> Event:
    """Validate `data` with the schema of its version, upcast it to the latest, build the event.

    With `sealed` (`journey import` of the exchange format), a personal field whose value is
    sealed (events.crypto.is_sealed: what export writes when the owner's key is gone, i.e.
    the owner was erased) is taken as already sealed: not checked as text or e-mail, and
    kept as it is; the store seals it again under the owner's key here, and no view or
    export ever opens the inner ciphertext, so it stays unreadable ("erased member").
    """
    schema = schema_for(type_name, schema_version)
    if not isinstance(data, dict):
        raise SchemaInvalid({"data": ["must be a JSON object of the event's fields"]})
    kept = _sealed_values(type_name, data) if sealed else {}
    loaded = _loaded(schema, data) if not kept else _loaded_around(schema, data, kept)
    version = LATEST_VERSION[type_name] if schema_version is None else schema_version
    latest = _to_latest(type_name, version, loaded)
    _check_order(type_name, latest)
    event = from_data(type_name, latest)
    # Not a field (equality, hashing and to_data never see it), and a changed copy
    # (dataclasses.replace) is a new instance without it: only this very event is vouched for.
    object.__setattr__(event, _CHECKED, True)
    return event


def check_event(event: Event, data: dict[str, Any] | None = None,
                target_type: str | None = None) -> None:
    """Refuse (SchemaInvalid) an event whose data its schema would refuse.

    What `load_event` checks of data that came as JSON, for an event built in code (the web
    forms build theirs): the store runs it on every append, so no entry path can store
    what an import of the export would refuse. `data` is `event.to_data()` when the caller
    has it; `target_type`, for an EntryCorrected, is its target's type (its corrected
    values are checked by that type's schema).
    """
    checked = event.__dict__.get(_CHECKED)
    if checked is True and event.type != "EntryCorrected" or \
            checked is not None and checked == target_type:
        return  # load_event checked it (a correction's values, against this target type)
    if data is None:
        data = event.to_data()
    _loaded(schema_for(event.type), data)
    _check_order(event.type, data)
    if target_type is not None and event.type == "EntryCorrected":
        validate_corrections(target_type, dict(data["fields"]))


_PERSONAL: dict[str, frozenset[str]] = {name: frozenset(personal_fields(cls))
                                        for name, cls in EVENT_TYPES.items()}


def _sealed_values(type_name: str, values: dict[str, Any]) -> dict[str, str]:
    """The personal fields of `values` that hold a sealed value."""
    personal = _PERSONAL[type_name]
    return {name: value for name, value in values.items()
            if name in personal and is_sealed(value, max_length=MAX_SEALED)}


def _loaded_around(schema: Schema, data: dict[str, Any], kept: dict[str, str]
                   ) -> dict[str, Any]:
    """schema.load of `data` but the `kept` fields, which are put back as they are."""
    rest = {name: value for name, value in data.items() if name not in kept}
    try:
        loaded = schema.load(rest, partial=tuple(kept))
    except ValidationError as exc:
        raise SchemaInvalid(flatten_messages(exc.messages)) from None
    return {**loaded, **kept}


def _ranges(cls: type[Event]) -> tuple[tuple[str, str], ...]:
    return tuple((f.name, f.metadata["not_before"]) for f in dataclasses.fields(cls)
                 if f.metadata.get("not_before"))


# type -> ((field, the field it may not come before), ...): the ends of ranges.
_RANGES: dict[str, tuple[tuple[str, str], ...]] = {
    name: ranges for name, cls in EVENT_TYPES.items() if (ranges := _ranges(cls))}


def _check_order(type_name: str, data: dict[str, Any]) -> None:
    """Refuse a range that ends before it starts (dates as YYYY-MM-DD compare as text)."""
    problems: dict[str, list[str]] = {}
    for name, start in _RANGES.get(type_name, ()):
        end_value, start_value = data.get(name), data.get(start)
        if end_value is not None and start_value is not None and end_value < start_value:
            problems[name] = [f"must not be before {start} ({start_value})"]
    if problems:
        raise SchemaInvalid(problems)


def from_stored(type_name: str, data: dict[str, Any], schema_version: int = 1) -> Event:
    """Build an event from a row of the log without validating it again (it was, on append)."""
    # Replay reads every row; the schemas already ran when the row was appended, and the
    # hash chain tells if it was altered since, so only the upcasting is redone here.
    if type_name not in EVENT_TYPES:
        raise SchemaInvalid({"type": [f"unknown event type {type_name}"]})
    return from_data(type_name, _to_latest(type_name, schema_version, data))


def _to_latest(type_name: str, version: int, data: dict[str, Any]) -> dict[str, Any]:
    if type(version) is int and version == LATEST_VERSION[type_name]:
        return data  # nearly every row: nothing to lift (and no chain to walk to know it)
    try:
        upcast_data, reached = upcast(type_name, version, data)
    except UpcastingError as exc:
        raise SchemaInvalid({"schema_version": [str(exc)]}) from None
    if reached != LATEST_VERSION[type_name]:
        # A missing upcaster is a programming error, not bad input: fail loudly.
        raise RuntimeError(f"upcasting {type_name} stopped at v{reached}, "
                           f"latest is v{LATEST_VERSION[type_name]}")
    return upcast_data


def with_positions(event: Event, **positions: Any) -> Event:
    """A copy of a checked event with its references to lines changed to the positions
    this log gave them (an import): still vouched for, as load_event checked the rest
    and the store's positions are valid references."""
    moved = dataclasses.replace(event, **positions)
    if event.__dict__.get(_CHECKED):
        object.__setattr__(moved, _CHECKED, event.__dict__[_CHECKED])
    return moved


def corrected_event(event: Event, target_type: str, *, sealed: bool = False) -> Event:
    """An EntryCorrected with its `fields` checked and normalised by its target type's schema
    (`sealed`: see load_event). When load_event had checked the correction itself, the
    copy is vouched for this target type, so the store does not check it again (with
    `sealed` it could not: a sealed value is only taken on import)."""
    corrected = dataclasses.replace(event, fields=validate_corrections(
        target_type, dict(event.fields), sealed=sealed))
    if event.__dict__.get(_CHECKED):
        object.__setattr__(corrected, _CHECKED, target_type)
    return corrected


def validate_corrections(target_type: str, fields: dict[str, Any], *,
                         sealed: bool = False) -> dict[str, Any]:
    """Check an EntryCorrected's `fields` against its target's type; returns normalised values.

    `sealed`: a sealed value of a personal field is kept as it is (see load_event)."""
    cls = EVENT_TYPES.get(target_type)
    if cls is None:
        raise SchemaInvalid({"type": [f"unknown event type {target_type}"]})
    if not isinstance(fields, dict) or not fields:
        raise SchemaInvalid({"fields": ["must name at least one field to correct"]})
    kept = _sealed_values(target_type, fields) if sealed else {}
    allowed = correctable_fields(cls)
    optional = {f.name for f in dataclasses.fields(cls) if f.metadata.get("optional")}
    errors: dict[str, list[str]] = {}
    given: dict[str, Any] = {}
    cleared: dict[str, None] = {}
    for name, value in fields.items():
        if name not in allowed:
            errors[f"fields.{name}"] = [
                f"{name} cannot be corrected on a {target_type}: only its content fields can"]
        elif name in kept:
            continue
        elif value is None:
            # None clears an optional field (e.g. withdraw a note); a required one must stay.
            if name in optional:
                cleared[name] = None
            else:
                errors[f"fields.{name}"] = [
                    f"{name} is required on a {target_type}; it cannot be removed"]
        else:
            given[name] = value
    loaded: dict[str, Any] = {}
    if given:
        try:
            loaded = schema_for(target_type).load(given, partial=True)
        except ValidationError as exc:
            for path, messages in flatten_messages(exc.messages, "fields").items():
                errors.setdefault(path, []).extend(messages)
    if errors:
        raise SchemaInvalid(errors)
    # Keep the caller's order: it is the order the person wrote the corrections in.
    loaded.update(kept)
    return {name: (None if name in cleared else loaded[name]) for name in fields}


def data_of(event: Event) -> dict[str, Any]:
    """The stored clear-text `data` of an event (absent optional fields stay absent)."""
    return event.to_data()
