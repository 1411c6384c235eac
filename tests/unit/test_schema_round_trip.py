"""Whatever an event's schema accepts, the exchange format carries back: an export imports.

An export writes each event's `to_data()` as canonical JSON; an import loads that with the
same schema. Any normalisation a schema applies (a datetime spelled in UTC with `Z`, absent
optional fields) must give a spelling the schema accepts again, and the same event. Data
is drawn for every event type from its fields' kinds (journey/events.py); EntryCorrected's
values are checked by its target's type, and its own tests cover them.
"""
from __future__ import annotations

import dataclasses
import json
import string
from datetime import date, datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from events.codec import canonical_json
from events.schemas import MAX_POSITION, SchemaInvalid, load_event
from journey.clock import EARLIEST_YEAR
from journey.events import EVENT_TYPES

# What ids and texts may hold: no NUL, no lone surrogate; ids no space or control either.
_TEXT = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
_ID = st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"))

ids = st.text(_ID, min_size=1, max_size=24)
texts = st.text(_TEXT, min_size=1, max_size=60).filter(str.strip)
dates = st.dates(min_value=date(1, 1, 1)).map(date.isoformat)
offsets = st.sampled_from([timezone.utc, timezone(timedelta(hours=5, minutes=45)),
                           timezone(timedelta(hours=-11)), timezone(timedelta(hours=14))])
moments = st.datetimes(min_value=datetime(EARLIEST_YEAR, 1, 2),
                       max_value=datetime(9999, 12, 30), timezones=offsets).map(
    lambda t: t.isoformat().replace("+00:00", "Z"))
urls = st.builds("{}://{}.example.org/{}".format, st.sampled_from(["http", "https", "HTTPS"]),
                 st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=12),
                 st.text(string.ascii_letters + string.digits + "-._~%/?=&#", max_size=30))
emails = st.builds("{}@{}.{}".format,
                   st.text(string.ascii_letters + string.digits + "._+-", min_size=1, max_size=20),
                   st.text(string.ascii_lowercase, min_size=1, max_size=12),
                   st.sampled_from(["org", "rs", "mk", "edu.tr"]))
hashes = st.text("0123456789abcdef", min_size=64, max_size=64)
positions = st.integers(min_value=1, max_value=MAX_POSITION)
steps = st.builds(lambda step_id, title, owners, due_on: {
    "step_id": step_id, "title": title, "owners": owners,
    **({"due_on": due_on} if due_on is not None else {})},
    ids, texts, st.lists(ids, min_size=1, max_size=3), st.none() | dates)


def _values(meta: dict[str, Any]) -> st.SearchStrategy:
    kind, at_least = meta["kind"], meta.get("min_items", 0)
    many = {"ids": ids, "step_ids": ids, "texts": texts, "positions": positions,
            "steps": steps}
    if kind in many:
        return st.lists(many[kind], min_size=at_least, max_size=4)
    if kind == "choices":
        return st.lists(st.sampled_from(meta["choices"]), min_size=at_least, unique=True)
    if kind == "choice":
        return st.sampled_from(meta["choices"])
    if kind == "id" and meta.get("reserved"):
        return ids.filter(lambda value: not value.startswith(meta["reserved"]))
    return {"id": ids, "text": texts, "date": dates, "datetime": moments, "url": urls,
            "email": emails, "content_hash": hashes, "position": positions}[kind]


def event_data(type_name: str) -> st.SearchStrategy[dict[str, Any]]:
    """The data of an event of `type_name`, each optional field present or not."""
    fields = {f.name: f.metadata for f in dataclasses.fields(EVENT_TYPES[type_name])}
    required = {name: _values(meta) for name, meta in fields.items() if not meta["optional"]}
    optional = {name: _values(meta) for name, meta in fields.items() if meta["optional"]}
    return st.fixed_dictionaries(required, optional=optional)


ROUND_TRIPPED = sorted(name for name in EVENT_TYPES if name != "EntryCorrected")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ROUND_TRIPPED).flatmap(
    lambda name: st.tuples(st.just(name), event_data(name))))
def test_what_a_schema_accepts_its_export_gives_back(drawn) -> None:
    type_name, data = drawn
    try:
        event = load_event(type_name, data)
    except SchemaInvalid as refused:
        # Nothing drawn is refused but a range's end before its start (NetworkCreated).
        assume(not all(message.startswith("must not be before ")
                       for messages in refused.fields.values() for message in messages))
        raise
    exported = json.loads(canonical_json(event.to_data()))
    again = load_event(type_name, exported)
    assert again == event
    assert again.to_data() == exported
