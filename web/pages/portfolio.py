"""The growth portfolio: a member's timeline, tier path, badges and reflections.

The same access rule as the API (journey/access.may_read_portfolio) decides who may open
whose portfolio; the views apply the visibility of reflections for the signed-in reader.
The member's own portfolio also offers: changing a reflection's visibility (an appended
ReflectionVisibilityChanged), a printable page, the JSON archive and share links.
"""
from __future__ import annotations

import json
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from markupsafe import Markup
from wtforms import HiddenField, SelectField
from wtforms.validators import DataRequired

from journey import errors
from journey import events as ev
from journey.access import may_read_portfolio
from journey.clock import format_time
from projections.portfolio.timeline import KINDS, Filters, neighbours, timeline_page
from web.charts import tier_path
from web.pages import bp
from web.pages.common import (AsOf, account, as_of_from_request, fold_first, record, require,
                               viewer)
from web.pages.forms import RecordForm
from web.pages.record import (authored, type_labels, value_cycle_labels,
                              visibility_labels)
from web.pages.rule_badges import rule_badge_texts
from web.services import award_links, journey


class VisibilityForm(RecordForm):
    """Change who may read one of my reflections."""

    reflection_id = HiddenField(validators=[DataRequired()])
    visibility = SelectField(validators=[DataRequired()])


def tier_names() -> dict[str, str]:
    return {"inactive": _("inactive"), "peripheral": _("peripheral"),
            "active": _("active"), "core": _("core")}


def kind_labels() -> dict[str, str]:
    return {"community": _("Communities"), "membership": _("Membership"), "norms": _("Norms"),
            "session": _("Sessions"), "resource": _("Resources"), "feedback": _("Feedback"),
            "reflection": _("Reflections"), "plan": _("Action plans"),
            "step": _("Action steps"), "recognition": _("Recognitions")}


def role_labels() -> dict[str, str]:
    return {"member": _("member"), "facilitator": _("facilitator"),
            "coordinator": _("coordinator")}


#: Entries whose summary is a role value, a word of the schema.
ROLE_SUMMARIES = frozenset({"MemberJoined", "RoleChanged"})


def entry_summary(entry: dict[str, Any]) -> str | None:
    """An entry's summary as pages show it: a membership entry's role in the page's language
    (the timeline and the badges' evidence alike); the JSON keeps the role value."""
    summary = entry.get("summary")
    if summary and entry.get("type") in ROLE_SUMMARIES:
        return role_labels().get(summary, summary)
    return summary


def entry_type(entry: dict[str, Any], member_id: str, labels: dict[str, str]) -> str:
    """An entry's type in words (`labels`: type_labels(), made once per page), from the side
    of the member whose portfolio it is: feedback they were given is received, a
    recognition they awarded someone else is given."""
    data = entry.get("data") or {}
    if entry.get("type") == "FeedbackGiven" and data.get("to_member_id") == member_id:
        return _("Feedback received")
    if entry.get("type") == "RecognitionAwarded" and data.get("member_id") not in (None, member_id):
        return _("Recognition given")
    return labels.get(entry.get("type"), entry.get("type"))


def tier_charts(view: dict[str, Any]) -> list[tuple[str, Markup]]:
    """One tier path chart per community: (community name, inline SVG)."""
    names = {c["community_id"]: c.get("name") or c["community_id"] for c in view["communities"]}
    charts = []
    for community_id, quarters in sorted(view["tiers"].items()):
        if not quarters:
            continue
        name = names.get(community_id, community_id)
        charts.append((name, tier_path(
            [q["quarter"] for q in quarters], [q["tier"] for q in quarters],
            title=_("Tier per quarter in %(community)s", community=name),
            tier_names=tier_names())))
    return charts


def labels() -> dict[str, Any]:
    """The words every portfolio template needs."""
    return {"type_labels": type_labels(), "kind_labels": kind_labels(),
            "visibility_labels": visibility_labels(), "value_cycle_labels": value_cycle_labels(),
            "role_labels": role_labels(), "tier_names": tier_names(),
            "rule_badge_texts": rule_badge_texts(), "entry_summary": entry_summary,
            "entry_type": entry_type}


# -- reading ---------------------------------------------------------------------------------

_FILTER_NAMES = ("community", "kind", "from", "to")


def _filters() -> dict[str, Any]:
    chosen: dict[str, Any] = {}
    for name in _FILTER_NAMES:
        values = [v.strip() for v in request.args.getlist(name) if v.strip()]
        if values:
            chosen[name] = values if name in ("community", "kind") else values[0]
    return chosen


def read_portfolio(member_id: str, reader: str | None, as_of: AsOf,
                   filters: dict[str, Any] | None = None) -> tuple[dict[str, Any], str | None]:
    """The view, and a sentence when the filters could not be used (then unfiltered).

    Each award that stands now carries its Open Badges links (`open_badges`), as in the
    API: the page offers no link that would answer 410."""
    views = journey().views
    try:
        return award_links(views.portfolio(member_id, viewer=reader, as_of=as_of.moment,
                                           filters=filters or {}), member_id), None
    except errors.UnknownReference:
        if as_of.moment is None:
            abort(404)
        return _not_yet(member_id, reader, as_of), None
    except errors.Refused as exc:
        if exc.rule not in ("bad_filter", "bad_window"):
            raise
        return award_links(views.portfolio(member_id, viewer=reader, as_of=as_of.moment),
                           member_id), \
            _("These filters could not be used: %(reason)s", reason=exc.message)


def _not_yet(member_id: str, reader: str | None, as_of: AsOf) -> dict[str, Any]:
    """The empty portfolio of a member not yet registered at the as_of moment."""
    return {"as_of": format_time(as_of.moment), "as_of_position":
            journey().views.cut(as_of.moment).position, "not_yet": True,
            "member": {"member_id": member_id, "name": member_id, "erased": False,
                       "school": None},
            "viewer": reader, "filters": Filters().to_dict(), "communities": [],
            "timeline": [], "sessions_led": [], "resources": [], "reflections": [],
            "steps_completed": [], "recognitions": [], "revoked_recognitions": [],
            "rule_badges": [], "tiers": {}}


def _access(member_id: str) -> None:
    require(lambda state, who, now: may_read_portfolio(state, who, member_id, now),
            exists=lambda state: member_id in state.members)


def _own_member() -> str:
    member_id = account().member_id
    if member_id is None:
        abort(404)
    return member_id


#: Timeline entries a portfolio page shows at once: a long record comes a page at a time.
PAGE_ENTRIES = 100
_PAGE_ARGS = ("timeline_offset", "entry")


def _page_asked() -> tuple[int | None, int | None, str | None]:
    """?timeline_offset= (from the oldest entry) and ?entry= (a position: its page), and a
    sentence when either is not a whole number (the latest page is shown then)."""
    asked: dict[str, int] = {}
    for name in _PAGE_ARGS:
        text = (request.args.get(name) or "").strip()
        if not text:
            continue
        if not (text.isascii() and text.isdigit()) or len(text) > 15:
            return None, None, _("“%(text)s” is not a place in the timeline; showing the "
                                 "latest entries.", text=text)
        asked[name] = int(text)
    return asked.get("timeline_offset"), asked.get("entry"), None


def _pager(view: dict[str, Any]) -> dict[str, Any] | None:
    """Which entries the page shows (counted from the latest) and links to the pages
    before and after, keeping the other choices (filters, as_of); None for one page."""
    page = view["timeline_page"]
    total, start, count = page["total"], page["offset"], page["count"]
    if count >= total:
        return None
    args = {k: v for k, v in request.args.lists() if k not in _PAGE_ARGS}
    latest = max(0, total - page["limit"])

    def link(offset: int | None) -> str | None:
        if offset is None:
            return None
        # The latest page's link has no offset: it stays the latest as entries are added.
        chosen = args if offset == latest else {**args, "timeline_offset": [str(offset)]}
        return url_for(request.endpoint, **(request.view_args or {}), **chosen)

    earlier, later = neighbours(page)
    return {"first": total - (start + count) + 1, "last": total - start, "total": total,
            "earlier": link(earlier), "later": link(later)}


def paged(view: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None, str | None]:
    """The view with the page of its timeline the request asks for, its pager, and a
    sentence when the request's page was not understood."""
    offset, around, error = _page_asked()
    # The pages partition the timeline: walking Earlier or Later shows each entry once,
    # and the oldest page may be short.
    page = timeline_page(view, PAGE_ENTRIES, offset, around=around, partition=True)
    if around is None and offset is not None and offset >= page["timeline_page"]["total"] > 0:
        # Past the end the page would be empty, with only a link to earlier entries.
        error = _("“%(text)s” is past the end of the timeline; showing the latest entries.",
                  text=offset)
        page = timeline_page(view, PAGE_ENTRIES)
    return page, _pager(page), error


def _render(member_id: str, *, own: bool, visibility_errors: dict[str, list[str]] | None = None,
            status: int = 200):
    fold_first()
    as_of = as_of_from_request()
    view, filter_error = read_portfolio(member_id, viewer(), as_of, _filters())
    view, pager, page_error = paged(view)
    forms = {}
    if own and as_of.moment is None:
        for note in view["reflections"]:
            form = VisibilityForm(formdata=None, reflection_id=note["reflection_id"],
                                  visibility=note["visibility"])
            form.visibility.choices = list(visibility_labels().items())
            forms[note["reflection_id"]] = form
    # Like the visibility forms, correcting and retracting are offered only on the present.
    editable = {e["position"] for e in view["timeline"]
                if own and as_of.moment is None and authored(e, member_id)}
    here = url_for("pages.portfolio") if own else url_for("pages.member_portfolio",
                                                           member_id=member_id)
    return render_template(
        "pages/portfolio/portfolio.html", view=view, own=own, as_of=as_of,
        filter_error=filter_error, charts=tier_charts(view), forms=forms,
        visibility_errors=visibility_errors or {}, editable=editable, kinds=sorted(set(KINDS.values())),
        here=here, print_url=here.rstrip("/") + "/print", pager=pager,
        page_error=page_error, **labels()), \
        (400 if filter_error or page_error else status)


@bp.get("/portfolio")
@login_required
def portfolio():
    """The signed-in member's own portfolio."""
    return _render(_own_member(), own=True)


@bp.get("/members/<member_id>/portfolio")
@login_required
def member_portfolio(member_id: str):
    """A member's portfolio, for those who may read it (the API's rule)."""
    _access(member_id)
    if member_id == account().member_id:
        return redirect(url_for("pages.portfolio", **request.args))
    return _render(member_id, own=False)


def _print(member_id: str):
    fold_first()
    as_of = as_of_from_request()
    view, _error = read_portfolio(member_id, viewer(), as_of)
    return render_template("pages/portfolio/print.html", view=view, as_of=as_of,
                           charts=tier_charts(view), **labels())


@bp.get("/portfolio/print")
@login_required
def portfolio_print():
    """The printable portfolio: no navigation, print styles."""
    return _print(_own_member())


@bp.get("/members/<member_id>/portfolio/print")
@login_required
def member_portfolio_print(member_id: str):
    _access(member_id)
    return _print(member_id)


@bp.get("/portfolio/archive.json")
@login_required
def portfolio_archive() -> Response:
    """My archive (as /api/members/<me>/archive), downloaded as a file."""
    member_id = _own_member()
    fold_first()
    body = json.dumps(journey().views.archive(member_id), ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = \
        f'attachment; filename="journey-portfolio-{member_id}.json"'
    return response


@bp.post("/portfolio/visibility")
@login_required
def portfolio_visibility():
    """Change who may read one of my reflections (appends ReflectionVisibilityChanged)."""
    member_id = _own_member()
    form = VisibilityForm()
    form.visibility.choices = list(visibility_labels().items())
    reflection_id = form.reflection_id.data or ""
    if not form.validate():
        problems = [m for f in (form.visibility, form.reflection_id, form.idempotency_key)
                    for m in f.errors] or [_("Choose who may read it.")]
        return _render(member_id, own=True, visibility_errors={reflection_id: problems},
                       status=422)
    event = ev.ReflectionVisibilityChanged(reflection_id=reflection_id, member_id=member_id,
                                           visibility=form.visibility.data)
    outcome = record(event, None, form=form)
    if not outcome.ok:
        problems = [outcome.message or ""] + [m for ms in (outcome.fields or {}).values()
                                              for m in ms]
        return _render(member_id, own=True,
                       visibility_errors={reflection_id: list(dict.fromkeys(problems))},
                       status=422)
    flash(_("Who may read this reflection is changed: %(who)s",
            who=visibility_labels()[form.visibility.data]), "success")
    return redirect(url_for("pages.portfolio") + f"#reflection-{reflection_id}")
