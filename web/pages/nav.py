"""The main navigation: the areas a signed-in person has a use for, by their roles now."""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user

from web.pages import bp


def _exists(endpoint: str) -> bool:
    return endpoint in current_app.view_functions


@bp.app_context_processor
def nav_items() -> dict[str, object]:
    if not current_user.is_authenticated:
        return {"nav_items": []}
    from web.pages.common import reader_now
    who = reader_now()
    roles = set(who.roles.values())
    is_admin = current_user.account.is_admin
    has_member = current_user.account.member_id is not None
    items = [
        ("pages.portfolio", _("My portfolio"), has_member),
        ("pages.communities", _("Communities"), bool(who.roles) or is_admin
         or bool(who.coordinated_networks)),
        ("pages.record", _("Record"), has_member and bool(who.roles)),
        ("pages.facilitate", _("Facilitate"), "facilitator" in roles or "coordinator" in roles),
        ("pages.coordinate", _("Coordinate"), "coordinator" in roles or is_admin),
    ]
    return {"nav_items": [(e, label, shown) for e, label, shown in items if _exists(e)]}
