"""Who belongs to a community: add someone, change a role, remove someone or leave.

Facilitators and coordinators add people and change roles, a facilitator removes someone,
and anyone may leave or step down (DESIGN "Who acts"; the domain judges every form, the
pages only offer what the rules would accept). Like the other community forms (see
web/pages/community_forms.py), bad input or a refusal draws the form again with the
problem in place (422) and appends nothing, and a re-posted form appends once.

Someone is added by their member id, which their account page shows, or chosen among the
people of the adder's other communities: those are people the adder already sees there,
so the choice tells nobody anything new about who is registered.
"""
from __future__ import annotations

from collections import Counter
from functools import partial
from typing import Any

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from journey import events as ev
from journey.access import may_manage_members, may_remove_member
from journey.state import status_at
from web.pages import bp
from web.pages.common import Outcome, acting_member, earlier_outcome, handle_form, judged
from web.pages.community import community_view, role_label
from web.pages.community_forms import form_page
from web.pages.forms import RecordForm
from web.pages.portfolio import role_labels
from web.services import journey


class AddMemberForm(RecordForm):
    person = SelectField(_l("Someone from your other communities"), validators=[Optional()],
                         choices=[])
    member_id = StringField(_l("Or their member id"), validators=[Optional(), Length(max=200)],
                            description=_l("Each person finds it on their account page, "
                                           "under “Member”."))
    role = SelectField(_l("Role"), validators=[InputRequired()], choices=[])


class RoleForm(RecordForm):
    to_role = SelectField(_l("New role"), validators=[InputRequired()], choices=[])


class LeaveForm(RecordForm):
    """Nothing to fill in but when: the page says who leaves which community."""


def _person(view: dict[str, Any], member_id: str) -> dict[str, Any] | None:
    """A current member of the community, as its view lists them."""
    return next((m for m in view["members"]
                 if m["member"]["member_id"] == member_id and m["current_role"]), None)


def _name(person: dict[str, Any]) -> str:
    return person["member"]["name"] or person["member"]["member_id"]


def _people_elsewhere(community_id: str) -> list[tuple[str, str]]:
    """The people of my other communities (now or before) who do not belong to this one
    now, by name.

    Only communities I hold a role in: they are people I already see on those pages.
    Who they are comes from the decision state and their names from their registrations
    alone, so the form costs a few reads whatever those communities hold."""
    def people(state, who, now) -> set[str]:
        mine = {c for c in who.roles if c != community_id}
        here = {p for (c, p), timeline in state.timelines.items()
                if c == community_id and status_at(timeline, now) is not None}
        return {p for (c, p) in state.timelines if c in mine} - here

    names = journey().views.display_names(judged(people))
    counts = Counter(names.values())
    # Two people of one name are told apart by their ids.
    return [(m, f"{name} ({m})" if counts[name] > 1 else name)
            for m, name in sorted(names.items(), key=lambda item: (item[1].casefold(), item[0]))]


def _to_members(community_id: str, message: str):
    flash(message, "success")
    return redirect(url_for("pages.community", community_id=community_id, _anchor="members"))


@bp.route("/communities/<community_id>/members/add", methods=["GET", "POST"])
@login_required
def add_member(community_id: str):
    """Add someone to the community, with the role they take in it."""
    view = community_view(community_id)
    form = AddMemberForm()
    form.person.choices = [("", _("Nobody from the list"))] + _people_elsewhere(community_id)
    form.role.choices = [(r, role_label(r)) for r in ev.ROLES]

    def joined() -> ev.MemberJoined | None:
        chosen, typed = form.person.data or "", (form.member_id.data or "").strip()
        if bool(chosen) == bool(typed):
            form.member_id.errors = [*form.member_id.errors, _(
                "Choose someone from the list or type a member id (one of them).")]
            return None
        return ev.MemberJoined(community_id=community_id, member_id=chosen or typed,
                               role=form.role.data, invited_by=acting_member())

    def done(outcome: Outcome):
        joined_event = outcome.result.records[0].event
        name = journey().views.display_names([joined_event.member_id]).get(
            joined_event.member_id, joined_event.member_id)
        return _to_members(community_id, _(
            "%(name)s now belongs to the community, as %(role)s.",
            name=name, role=role_labels().get(joined_event.role, joined_event.role)))

    return handle_form(form, partial(form_page, "add_member.html", view, form), joined, done,
                       allowed=lambda who: may_manage_members(who, community_id))


@bp.route("/communities/<community_id>/members/<member_id>/role", methods=["GET", "POST"])
@login_required
def change_role(community_id: str, member_id: str):
    """Change a current member's role (a facilitator or coordinator, or stepping down)."""
    view = community_view(community_id)
    person = _person(view, member_id)
    form = RoleForm()
    current = person["current_role"] if person else None
    form.to_role.choices = [(r, role_label(r)) for r in ev.ROLES if r != current]
    return handle_form(
        form, partial(form_page, "change_role.html", view, form, member_id=member_id,
                      name=_name(person) if person else member_id, role=current),
        lambda: ev.RoleChanged(community_id=community_id, member_id=member_id,
                               from_role=current, to_role=form.to_role.data),
        lambda outcome: _to_members(community_id, _("Role changed.")),
        exists=lambda: person is not None,
        allowed=lambda who: may_manage_members(who, community_id))


def _left(community: str | None = None):
    flash(_("You left %(community)s.", community=community) if community
          else _("You left the community."), "success")
    return redirect(url_for("pages.communities"))


@bp.route("/communities/<community_id>/members/<member_id>/leave", methods=["GET", "POST"])
@login_required
def leave_community(community_id: str, member_id: str):
    """Someone leaves the community: themselves, or removed by a facilitator."""
    form = LeaveForm()
    myself = member_id == acting_member()
    if myself and (earlier := earlier_outcome(form)) is not None and earlier.ok:
        # A re-post after leaving: the community is no longer mine to read.
        return _left()
    view = community_view(community_id)
    person = _person(view, member_id)

    def done(outcome: Outcome):
        if myself:
            return _left(view["community"]["name"])
        return _to_members(community_id, _("%(name)s no longer belongs to the community.",
                                           name=_name(person) if person else member_id))

    return handle_form(
        form, partial(form_page, "leave.html", view, form, member_id=member_id,
                      name=_name(person) if person else member_id, myself=myself),
        lambda: ev.MemberLeft(community_id=community_id, member_id=member_id), done,
        exists=lambda: person is not None,
        allowed=lambda who: may_remove_member(who, community_id, member_id))
