"""Names of communities and networks for pages, read from the event-key index.

A page that lists communities needs their names, not their whole views: the index holds
every CommunityFounded under one key and each network's events under its own, so the
names cost two small reads however long the log is.
"""
from __future__ import annotations

from collections.abc import Iterable

from journey import events as ev
from projections.folds.communities import founded
from projections.index.keys import COMMUNITIES, key
from web.services import journey


def community_names() -> dict[str, str]:
    """Every community's name, by id."""
    reader = journey().views.reader
    return {c: rec.event.name for c, rec in
            founded(reader.records(reader.positions([COMMUNITIES]))).items()}


def network_names(network_ids: Iterable[str]) -> dict[str, str]:
    """The names of the given networks, by id (a network not found is left out)."""
    reader = journey().views.reader
    names: dict[str, str] = {}
    for rec in reader.records(reader.positions([key("network", n) for n in network_ids])):
        if isinstance(rec.event, ev.NetworkCreated):
            names.setdefault(rec.event.network_id, rec.event.name)
    return names
