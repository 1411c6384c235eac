"""Founding a community from the pages: the community, and its founder as its first
facilitator.

DESIGN's rules make founding two events: CommunityFounded (any registered member) and the
founder's own first MemberJoined as facilitator. The form sends both, each under its own
idempotency key (the form's, and the form's with ":founder"), so a re-post, or a second
try after the first was cut short between the two, records each exactly once. Before the
first is sent, the form checks what could refuse the second: the founder's first join
needs only the community and a key the store accepts. Like every other form, bad input
or a refusal draws it again with the problem in place (422) and appends nothing.
(One command appending both in one transaction, as the hand-over does, would need a
command type of its own in the domain, the store's digest, the API and the exchange.)
"""
from __future__ import annotations

from functools import partial

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from events.schemas import idempotency_key_problem
from journey import events as ev
from web.pages import bp
from web.pages.common import (Outcome, account, acting_member, handle_form, judged, minted_id,
                               record)
from web.pages.community import mode_labels
from web.pages.forms import RecordForm
from web.pages.names import network_names

FOUNDER_KEY = ":founder"


class FoundForm(RecordForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)],
                       description=_l("As members call it, e.g. “CoP Vršac: social and "
                                      "emotional learning”."))
    domain = TextAreaField(_l("What it is about"), validators=[DataRequired(), Length(max=2000)],
                           description=_l("The shared concern that brings its members "
                                          "together."))
    network = SelectField(_l("Network (optional)"), validators=[Optional()], choices=[])
    schools = StringField(_l("Schools (optional)"), validators=[Optional(), Length(max=2000)],
                          description=_l("Separate schools with commas."))
    mode = SelectField(_l("Meets (optional)"), validators=[Optional()], choices=[])
    cadence = StringField(_l("Cadence (optional)"), validators=[Optional(), Length(max=300)],
                          description=_l("E.g. monthly, with lesson studies between meetings."))

    def school_list(self) -> tuple[str, ...]:
        schools = [s.strip() for s in (self.schools.data or "").split(",")]
        return tuple(dict.fromkeys(s for s in schools if s))


def _my_networks() -> list[tuple[str, str]]:
    """The networks of the communities I belong to, by name: where a new one usually goes."""
    def mine(state, who, now) -> set[str]:
        return {state.communities[c].network_id for c in who.roles
                if c in state.communities and state.communities[c].network_id}

    names = network_names(judged(mine))
    return sorted(names.items(), key=lambda item: (item[1].casefold(), item[0]))


def _page(form: FoundForm, *, outcome: Outcome | None = None, status: int = 200):
    return render_template("pages/community/found.html", form=form,
                           refusal=outcome.message if outcome is not None else None), status


@bp.route("/found-a-community", methods=["GET", "POST"])
@login_required
def found_community():
    """Found a community; its founder becomes its first facilitator."""
    if account().member_id is None:
        # An admin account is no member: its community would have no facilitator.
        abort(403)
    form = FoundForm()
    form.network.choices = [("", _("None"))] + _my_networks()
    form.mode.choices = [("", _("Not said"))] + list(mode_labels().items())
    community_id = minted_id("c", form.idempotency_key.data)

    def founded() -> ev.CommunityFounded | None:
        # The founder's join must not be refused once the community is recorded: its key
        # is the one thing about it the rules could refuse that the founding's would not.
        if idempotency_key_problem(f"{form.idempotency_key.data}{FOUNDER_KEY}") is not None:
            form.name.errors = [*form.name.errors,
                                _("The form expired. Please send it again.")]
            return None
        return ev.CommunityFounded(
            community_id=community_id, name=form.name.data.strip(),
            domain=form.domain.data.strip(), network_id=form.network.data or None,
            schools=form.school_list() or None, mode=form.mode.data or None,
            cadence=(form.cadence.data or "").strip() or None)

    def done(outcome: Outcome):
        # The founder's first join: after a re-post this replays what the first post
        # recorded, or records it now if that post ended before it.
        founder = acting_member()
        joined = record(ev.MemberJoined(community_id=community_id, member_id=founder,
                                        role="facilitator"),
                        form.occurred_at.data, form=form, key_suffix=FOUNDER_KEY)
        if not joined.ok:
            return _page(form, outcome=joined, status=422)
        flash(_("%(name)s is founded, and you are its facilitator.",
                name=outcome.result.records[0].event.name), "success")
        return redirect(url_for("pages.community", community_id=community_id))

    return handle_form(form, partial(_page, form), founded, done,
                       names={"network_id": "network"})
