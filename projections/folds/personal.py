"""Personal data in views: names of people, and text nobody may read any more.

After an erasure a person's key is gone, so their personal fields stay ciphertext for
ever (DESIGN "Erasure"). A view never shows ciphertext: it shows None, and the person as
"erased member" (their id stays: ids are never personal data).
"""
from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from events.crypto import is_ciphertext
from journey import events as ev
from journey.events import EVENT_TYPES, personal_fields
from journey.records import Recorded

ERASED = "erased member"
_OWNERS = {name: personal_fields(cls) for name, cls in EVENT_TYPES.items()}


class People:
    """Who is who in some records: display names, schools, and who was erased."""

    def __init__(self, records: Iterable[Recorded], erased: Collection[str] = ()) -> None:
        self.erased: set[str] = set(erased)
        self.names: dict[str, str | None] = {}
        self.schools: dict[str, str | None] = {}
        for rec in records:
            e = rec.event
            if isinstance(e, ev.MemberRegistered):
                self.names.setdefault(e.member_id, e.display_name)
                self.schools.setdefault(e.member_id, e.school)
            elif isinstance(e, ev.MemberErased):
                self.erased.add(e.member_id)

    def is_erased(self, member_id: str) -> bool:
        """Erased by a MemberErased, or unreadable because their key is gone."""
        return member_id in self.erased or is_ciphertext(self.names.get(member_id))

    def ref(self, member_id: str) -> dict[str, Any]:
        """How a view names a person: {"member_id", "name"}."""
        if self.is_erased(member_id):
            return {"member_id": member_id, "name": ERASED}
        return {"member_id": member_id, "name": self.names.get(member_id)}

    def refs(self, member_ids: Iterable[str] | None) -> list[dict[str, Any]]:
        """`ref` of each id, in the given order."""
        return [self.ref(m) for m in member_ids or ()]

    def readable(self, rec: Recorded) -> dict[str, Any]:
        """The event's data with personal fields that cannot be read (any more) as None."""
        data = rec.event.to_data()
        for name, spec in _OWNERS[rec.event.type].items():
            if name not in data:
                continue
            owner = rec.actor if spec == "@actor" else data.get(spec)
            if is_ciphertext(data[name]) or (owner is not None and self.is_erased(owner)):
                data[name] = None
        return data

    def text(self, rec: Recorded, name: str) -> Any:
        """One field of `readable`."""
        return self.readable(rec).get(name)
