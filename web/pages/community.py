"""Community pages: the communities I may read, and one community's members, norms,
calendar, library and action plans, each as of now or as of a past moment.

Reading follows the API's community rule (journey/access.may_read_community): an unknown
community is a 404, a reader without the right a 403. Every page replays history with
`?as_of=` and then says so. The forms that record community life (schedule, cancel and
record sessions, share and reuse resources, agree norms, start and revise action plans)
live in web/pages/community_forms.py.
"""
from __future__ import annotations

from typing import Any

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import login_required

from journey import errors
from journey.access import (may_agree_norms, may_cancel_session, may_manage_members,
                            may_read_community, may_remove_member)
from web.pages import bp
from web.pages.common import AsOf, as_of_from_request, fold_first, judged, require, viewer
from web.pages.names import community_names, network_names
from web.services import journey

#: The tabs of a community, in order: (endpoint, label maker).
TABS = (("pages.community", lambda: _("Members and roles")),
        ("pages.community_norms", lambda: _("Norms")),
        ("pages.community_calendar", lambda: _("Calendar")),
        ("pages.community_library", lambda: _("Library")),
        ("pages.community_plans", lambda: _("Action plans")))


def format_label(value: str | None) -> str:
    labels = {"meeting": _("Meeting"), "workshop": _("Workshop"),
              "lesson_study": _("Lesson study"), "observation": _("Observation"),
              "online_call": _("Online call")}
    return labels.get(value or "", value or "")


def kind_label(value: str | None) -> str:
    labels = {"lesson_plan": _("Lesson plan"), "rubric": _("Rubric"), "activity": _("Activity"),
              "article": _("Article"), "video": _("Video"), "survey": _("Survey"),
              "link": _("Link"), "other": _("Other")}
    return labels.get(value or "", value or "")


def involves_label(value: str | None) -> str:
    """Who an action plan involves, as a sentence names them ("Involves: students, parents")."""
    labels = {"students": _("students"), "parents": _("parents"),
              "colleagues": _("colleagues"), "community": _("the local community")}
    return labels.get(value or "", value or "")


def mode_labels() -> dict[str, str]:
    """How a community meets (CommunityFounded.mode), in words."""
    return {"in_person": _("in person"), "virtual": _("online"),
            "blended": _("in person and online")}


def role_label(value: str | None) -> str:
    labels = {"member": _("Member"), "facilitator": _("Facilitator"),
              "coordinator": _("Coordinator")}
    return labels.get(value or "", value or "")


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    from web.charts import progress_bar
    return {"session_format_label": format_label, "resource_kind_label": kind_label,
            "community_role_label": role_label, "plan_involves_label": involves_label,
            "community_mode_label": lambda mode: mode_labels().get(mode, mode),
            "progress_bar": progress_bar}


def require_reader(community_id: str) -> None:
    """404 for an unknown community, 403 unless the API would let this person read it."""
    require(lambda state, who, now: may_read_community(who, community_id),
            exists=lambda state: community_id in state.communities)


class NotYet(Exception):
    """The community exists now but had not been recorded by the as-of moment."""


def community_view(community_id: str, as_of: AsOf | None = None) -> dict[str, Any]:
    """The community as the signed-in person may read it, now or as of `as_of`."""
    require_reader(community_id)
    fold_first()
    try:
        return journey().views.community(community_id, viewer=viewer(),
                                         as_of=as_of.moment if as_of else None)
    except errors.UnknownReference:
        if as_of is None or as_of.moment is None:
            abort(404)
        raise NotYet() from None


@bp.errorhandler(NotYet)
def _not_yet(exc: NotYet):
    """Replaying to before the community was recorded: say so, with the picker."""
    as_of = as_of_from_request()
    return render_template("pages/community/not_yet.html", as_of=as_of,
                           community_id=request.view_args.get("community_id")), 200


def _render(template: str, community_id: str, *, as_of: AsOf | None = None,
            view: dict[str, Any] | None = None, **context: Any):
    if view is None:
        as_of = as_of_from_request()
        view = community_view(community_id, as_of)
    assert as_of is not None
    who = judged(lambda state, who, now: who)
    role = who.roles.get(community_id)
    live = as_of.moment is None
    context.setdefault("status", 200)
    status = context.pop("status")
    return render_template(template, view=view, as_of=as_of, tabs=TABS,
                           community_id=community_id, my_role=role,
                           may_act=role is not None and live,
                           may_agree_norms=live and may_agree_norms(who, community_id),
                           may_manage_members=live and may_manage_members(who, community_id),
                           may_remove=lambda member_id: live and may_remove_member(
                               who, community_id, member_id),
                           me=who.member_id,
                           may_cancel=lambda s: live and may_cancel_session(
                               who, community_id,
                               [p["member_id"] for p in s.get("planned_leaders") or ()]),
                           **context), status


# -- the communities I may read ----------------------------------------------------------

@bp.get("/communities")
@login_required
def communities():
    """The communities I may read, with my role in each, grouped by network."""
    fold_first()

    def readable(state, who, now) -> list[tuple[str, str | None, str | None]]:
        return [(c, community.network_id, who.roles.get(c))
                for c, community in sorted(state.communities.items())
                if may_read_community(who, c)]

    rows = judged(readable)
    names = community_names()
    networks = network_names({network for _, network, _ in rows if network})
    groups: dict[str | None, list[dict[str, Any]]] = {}
    for community_id, network_id, role in rows:
        groups.setdefault(network_id, []).append(
            {"community_id": community_id, "name": names.get(community_id, community_id),
             "role": role})
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] is None,
                                                     networks.get(kv[0] or "", kv[0] or "")))
    return render_template("pages/community/list.html", groups=ordered, networks=networks)


# -- one community -----------------------------------------------------------------------

@bp.get("/communities/<community_id>")
@login_required
def community(community_id: str):
    """Overview: what the community is, and its members with their roles over time."""
    # Nothing more is recorded about an erased member: their row offers no change.
    return _render("pages/community/overview.html", community_id,
                   erased=journey().views.erased())


@bp.get("/communities/<community_id>/norms")
@login_required
def community_norms(community_id: str):
    """The norms in force, and the ones they replaced, with when and who agreed."""
    return _render("pages/community/norms.html", community_id)


@bp.get("/communities/<community_id>/calendar")
@login_required
def community_calendar(community_id: str):
    """Sessions: upcoming (scheduled), held and cancelled."""
    as_of = as_of_from_request()
    view = community_view(community_id, as_of)
    groups: dict[str, list[dict[str, Any]]] = {"scheduled": [], "held": [], "cancelled": []}
    for session in view["calendar"]:
        groups.setdefault(session["status"], []).append(session)
    groups["scheduled"].sort(key=lambda s: s["starts_at"] or "")
    groups["held"].reverse()  # the latest first
    return _render("pages/community/calendar.html", community_id, as_of=as_of, view=view,
                   sessions=groups)


def library_filter(resources: list[dict[str, Any]], text: str, tag: str) -> list[dict[str, Any]]:
    """Resources whose title, kind or tags contain `text`, carrying `tag` when given."""
    needle = text.casefold().strip()
    found = []
    for item in resources:
        if tag and tag not in item["tags"]:
            continue
        haystack = " ".join([item["title"] or "", item["kind"] or "", kind_label(item["kind"]),
                             *item["tags"], (item["shared_by"] or {}).get("name") or ""])
        if needle and needle not in haystack.casefold():
            continue
        found.append(item)
    return found


@bp.get("/communities/<community_id>/library")
@login_required
def community_library(community_id: str):
    """The resource library: search by text and tag, reuse counts, links and files."""
    text = (request.args.get("q") or "").strip()[:200]
    tag = (request.args.get("tag") or "").strip()[:200]
    as_of = as_of_from_request()
    view = community_view(community_id, as_of)
    shown = library_filter(view["resources"], text, tag)
    shown.sort(key=lambda r: r["position"], reverse=True)  # the newest first
    return _render("pages/community/library.html", community_id, as_of=as_of, view=view,
                   resources=shown,
                   q=text, tag=tag)


@bp.get("/communities/<community_id>/plans")
@login_required
def community_plans(community_id: str):
    """Action plans: inquiry question, steps with owners and due dates, progress."""
    return _render("pages/community/plans.html", community_id)


from web.pages import community_forms  # noqa: E402,F401  (the forms' routes register on import)
