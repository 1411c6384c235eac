"""The issuer of an award: a network's settings (events/issuers.py) or the installation's."""
from __future__ import annotations

from events.issuers import IssuerSettings
from projections.openbadges.documents import Issuer, issuer_id


class Issuers(IssuerSettings):
    """Issuer settings, and the Open Badges issuer they make."""

    def issuer(self, network_id: str | None, *, network_name: str | None, base_url: str,
               default_name: str, default_email: str | None) -> Issuer:
        """The issuer of a network (its settings, or defaults), or of the installation."""
        if network_id is None:
            return Issuer(issuer_id(None), default_name, base_url, default_email)
        row = self.get(network_id)
        if row is None:
            return Issuer(issuer_id(network_id), network_name or network_id, base_url,
                          default_email)
        return Issuer(issuer_id(network_id), row["name"], row["url"], row["email"],
                      row["image"])
