"""Issuer settings per network for Open Badges (name, url, e-mail, image), set by an admin.

Settings, not events: an admin changes them in place. They sit beside the accounts.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, insert, select, update

from events.tables import ob_issuers
from journey.clock import to_micros, utcnow


class IssuerSettings:
    """The issuer settings of the networks, on the log's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, network_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(ob_issuers).where(
                ob_issuers.c.network_id == network_id)).mappings().first()
        return dict(row) if row else None

    def put(self, network_id: str, *, name: str, url: str, email: str | None,
            image: str | None) -> dict[str, Any]:
        values = {"name": name, "url": url, "email": email, "image": image,
                  "updated_at": to_micros(utcnow())}
        with self.engine.begin() as conn:
            done = conn.execute(update(ob_issuers).where(
                ob_issuers.c.network_id == network_id).values(**values))
            if not done.rowcount:
                conn.execute(insert(ob_issuers).values(network_id=network_id, **values))
        return {"network_id": network_id, **values}
