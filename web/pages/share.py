"""Share links: a read-only, time-limited, revocable view of my portfolio for someone
without an account (a mentor, a school leader).

What a link shows is the portfolio as an outsider sees it: the viewer is a reader who
belongs to no community, so no reflection appears — a private one never leaves the
author's own views (DESIGN), and community or network reflections are for the members of
those communities. A frozen link replays the record to the end of the chosen day (UTC).
Expired or revoked: 410; unknown: 404. The token is shown once; only its sha256 is kept.
"""
from __future__ import annotations

from datetime import datetime, time

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from events.share_links import LIFETIMES, ShareLinkError, ShareLinks
from journey.clock import UTC, utcnow
from web.pages import bp
from web.pages.common import AsOf, account, fold_first
from web.pages.portfolio import labels, paged, read_portfolio, tier_charts
from web.services import accounts

STORE = "journey_share_links"
#: The viewer a shared page is made for: a reader in no community (sees no reflection).
OUTSIDER = "share link"


def link_store() -> ShareLinks:
    """The app's share-link store, on the accounts' database (made on first use)."""
    store = current_app.extensions.get(STORE)
    if store is None:
        store = current_app.extensions[STORE] = ShareLinks(accounts().engine)
    return store


def lifetime_labels() -> dict[str, str]:
    return {"1d": _("1 day"), "7d": _("7 days"), "30d": _("30 days")}


class ShareForm(FlaskForm):
    label = StringField(_l("Who is it for"), validators=[DataRequired(), Length(max=200)],
                        description=_l("For example: for my school leader. Only you see this."))
    lifetime = SelectField(_l("Works for"), validators=[DataRequired()])
    frozen_as_of = DateField(_l("Freeze as of (optional)"), validators=[Optional()],
                             description=_l("Show the portfolio as it stood at the end of this "
                                            "day (UTC). Leave empty to always show the latest."))


class RevokeForm(FlaskForm):
    link_id = HiddenField(validators=[DataRequired()])


def _member() -> str:
    member_id = account().member_id
    if member_id is None:
        abort(404)
    return member_id


def _page(form: ShareForm, *, created: str | None = None, status: int = 200):
    member_id = _member()
    now = utcnow()
    links = [(link, link.status(now)) for link in link_store().of_member(member_id)]
    return render_template("pages/portfolio/share_links.html", form=form, links=links,
                           created=created, revoke=RevokeForm(formdata=None),
                           lifetime_labels=lifetime_labels()), status


def _new_form() -> ShareForm:
    form = ShareForm()
    form.lifetime.choices = list(lifetime_labels().items())
    if form.lifetime.data is None:
        form.lifetime.data = "7d"
    return form


@bp.get("/portfolio/share")
@login_required
def share_links():
    """Manage my share links: create, list, revoke."""
    return _page(_new_form())


@bp.post("/portfolio/share")
@login_required
def share_link_create():
    """Create a link; its address is shown on the answer page, once."""
    member_id = _member()
    form = _new_form()
    if not form.validate():
        return _page(form, status=422)
    if form.lifetime.data not in LIFETIMES:
        form.lifetime.errors = [_("Choose how long the link works.")]
        return _page(form, status=422)
    try:
        _link, secret = link_store().create(member_id, form.label.data, form.lifetime.data,
                                             form.frozen_as_of.data)
    except ShareLinkError as exc:
        target, message = {
            "bad_label": (form.label, _("Say who the link is for (up to 200 characters).")),
            "bad_lifetime": (form.lifetime, _("Choose how long the link works.")),
        }.get(exc.code, (form.frozen_as_of, _("A frozen date cannot be in the future.")))
        target.errors = [*target.errors, message]
        return _page(form, status=422)
    created = url_for("pages.shared_portfolio", token=secret, _external=True)
    fresh = _new_form()
    fresh.label.data = ""
    return _page(fresh, created=created, status=201)


@bp.post("/portfolio/share/revoke")
@login_required
def share_link_revoke():
    """Revoke one of my links: it stops working at once."""
    member_id = _member()
    form = RevokeForm()
    try:
        link_id = int(form.link_id.data or "") if form.validate() else None
    except ValueError:
        link_id = None
    if link_id is None:
        abort(400)
    try:
        link = link_store().revoke(member_id, link_id)
    except ShareLinkError:
        abort(404)
    flash(_("The link “%(label)s” is revoked: it no longer opens your portfolio.",
            label=link.label), "success")
    return redirect(url_for("pages.share_links"))


@bp.get("/shared/<token>")
def shared_portfolio(token: str):
    """The public, read-only view a link opens (no account needed)."""
    link = link_store().find(token)
    if link is None:
        abort(404)
    if link.status(utcnow()) != "active":
        abort(410)
    fold_first()
    as_of = AsOf(None, None)
    if link.frozen_as_of is not None:
        moment = datetime.combine(link.frozen_as_of, time(23, 59, 59, 999999), UTC)
        as_of = AsOf(link.frozen_as_of.isoformat(), min(moment, utcnow()))
    view, _error = read_portfolio(link.member_id, OUTSIDER, as_of)
    if view["member"].get("erased"):
        abort(410)
    view, pager, page_error = paged(view)
    response = render_template("pages/portfolio/shared.html", view=view, as_of=as_of,
                               link=link, charts=tier_charts(view), pager=pager,
                               page_error=page_error, **labels())
    return response, 400 if page_error else 200, {"X-Robots-Tag": "noindex",
                                                   "Cache-Control": "no-store"}
