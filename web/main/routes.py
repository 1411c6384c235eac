"""The home page: for a visitor, what Journey is; for a member, what needs them now.

Signed in: my communities with my role, what happened lately in them (sessions held,
resources shared, norms agreed, plans made — from the community views), the sessions
scheduled ahead, and the action steps I own that are still open, by due date.
"""
from __future__ import annotations

from typing import Any

from flask import render_template
from flask_login import current_user

from journey.clock import parse_time, utcnow
from web.main import bp
from web.services import journey

RECENT = 10


def _happenings(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The latest things that happened in my communities, newest first."""
    found = []
    for view in views:
        c = view["community"]
        base = {"community_id": c["community_id"], "community": c["name"]}
        for s in view["calendar"]:
            if s["status"] == "held" and s["held_at"]:
                found.append({**base, "what": "session", "at": s["held_at"],
                              "title": s["title"], "people": s["leaders"]})
        for r in view["resources"]:
            found.append({**base, "what": "resource", "at": r["shared_at"],
                          "title": r["title"], "people": [r["shared_by"]]})
        norms = view["norms"]["current"]
        if norms:
            found.append({**base, "what": "norms", "at": norms["agreed_at"],
                          "title": None, "people": []})
        for p in view["plans"]:
            found.append({**base, "what": "plan", "at": p["created_at"],
                          "title": p["inquiry_question"], "people": [p["created_by"]]})
    return sorted(found, key=lambda h: parse_time(h["at"]), reverse=True)[:RECENT]


def _upcoming(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sessions scheduled, not cancelled, not yet held, starting after now; soonest first."""
    now = utcnow()
    found = []
    for view in views:
        c = view["community"]
        for s in view["calendar"]:
            if s["status"] == "scheduled" and s["starts_at"] and parse_time(s["starts_at"]) > now:
                found.append({**s, "community_id": c["community_id"], "community": c["name"]})
    return sorted(found, key=lambda s: parse_time(s["starts_at"]))


@bp.get("/")
def home():
    """Welcome for visitors; the member's overview when signed in."""
    if not current_user.is_authenticated:
        head = journey().store.head()
        return render_template("main/home.html", signed_in=False,
                               events=head.position if head is not None else 0)
    from web.pages.common import fold_first, reader_now
    from web.pages.portfolio import role_labels
    from web.pages.record import community_views, open_steps
    member_id = current_user.account.member_id
    if member_id is None:
        return render_template("main/home.html", signed_in=True, member_id=None)
    fold_first()
    who = reader_now()
    views = community_views(member_id)
    communities = [{"community_id": v["community"]["community_id"],
                    "name": v["community"]["name"], "role": who.roles.get(
                        v["community"]["community_id"]),
                    "members": sum(1 for m in v["members"] if m["current_role"])}
                   for v in views]
    # A roster names the member; someone in no community yet (just invited) has none.
    name = next((m["member"].get("name") for v in views for m in v["members"]
                 if m["member"]["member_id"] == member_id), None) or \
        journey().views.display_name(member_id)
    return render_template("main/home.html", signed_in=True, member_id=member_id,
                           name=name or member_id, communities=communities,
                           happenings=_happenings(views), upcoming=_upcoming(views),
                           steps=open_steps(member_id, views), role_labels=role_labels(),
                           today=utcnow().date().isoformat())
