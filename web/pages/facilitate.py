"""Facilitating a community: badges, recognitions with evidence, revocations, hand-over,
and the members who need attention (never led a session; drifting to the periphery).

The page is for the people who run a community: its facilitators, and its coordinators
(who see it but, by DESIGN's role table, do not award). The forms build the same domain
events as the API; the store decides and a refusal comes back beside the form. What is
not presentation — who never led, who drifts, which entries may be evidence — lives in
projections/leadership/attention.py.
"""
from __future__ import annotations

import io
from contextlib import ExitStack
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from events.codec import asked_digest
from events.uploads import EmptyUpload, Staged, TooLarge
from journey import errors
from journey import events as ev
from journey.access import READ_ROLES, Reader
from journey.clock import utcnow
from journey.records import HandOverFacilitation
from projections.leadership.attention import (community_awards, drifting, evidence_choices, never_led,
                                              previous_quarter, quarter_bounds, quarter_of,
                                              quarters_between)
from projections.leadership.report import Window
from projections.openbadges import png
from web.extensions import csrf
from web.pages import bp
from web.pages.common import (Outcome, account, acting_member, earlier_outcome, fold_first,
                              form_errors, judged, minted_id, reader_now, record, require,
                              submit, viewer)
from web.pages.forms import RecordForm
from web.services import journey, stage_upload

TEXT_MAX = 2000
#: The multipart body of the badge form: its image (at most 1 MiB) and its few fields. A
#: larger body is a 413 before anything is read; a larger image in a body that fits is a
#: form error.
BADGE_BODY = png.MAX_IMAGE_BYTES + 256 * 1024


# -- forms ---------------------------------------------------------------------------------

class BadgeForm(RecordForm):
    """Define a badge of this community, with its own image (a PNG) or a generated one."""

    name = StringField(_l("Badge name"), validators=[InputRequired(), Length(max=200)])
    description = TextAreaField(_l("What it recognises"),
                                validators=[InputRequired(), Length(max=TEXT_MAX)])
    criteria = TextAreaField(_l("Criteria"), validators=[InputRequired(), Length(max=TEXT_MAX)],
                             description=_l("What a member does to earn it, in plain words."))
    image = FileField(_l("Image (optional)"),
                      description=_l("A PNG file of at most 1 MiB, ideally square. Without "
                                     "one, Journey draws the badge's image."),
                      render_kw={"accept": "image/png,.png"})


class AwardForm(RecordForm):
    """Award one of the community's badges to a member, citing their timeline as evidence."""

    member = HiddenField(validators=[InputRequired()])
    badge = SelectField(_l("Badge"), validators=[InputRequired()], choices=[])
    evidence = SelectMultipleField(
        _l("Evidence from their timeline"), coerce=int, choices=[], validators=[Optional()],
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
        description=_l("Sessions, resources, feedback, shared reflections and completed "
                       "steps of this member in this community. Private reflections never "
                       "appear here."))
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=TEXT_MAX)])


class RevokeForm(RecordForm):
    """Revoke a recognition: a reason is required, and the recognition stays on record."""

    reason = TextAreaField(_l("Reason for revoking"),
                           validators=[InputRequired(), Length(max=TEXT_MAX)])


class HandOverForm(RecordForm):
    """Hand facilitation over to a member (they become facilitator, I become a member)."""

    to_member = SelectField(_l("New facilitator"), validators=[InputRequired()], choices=[])


# -- access --------------------------------------------------------------------------------

def _may_view(who: Reader, community_id: str) -> bool:
    """Facilitators and coordinators of the community, its network's coordinators, admins."""
    return (who.is_admin or who.roles.get(community_id) in READ_ROLES
            or community_id in who.coordinated_communities)


def _is_facilitator(who: Reader, community_id: str) -> bool:
    return who.roles.get(community_id) == "facilitator"


def _open(community_id: str) -> Reader:
    """404 for an unknown community, 403 unless the page is for the reader; their rights."""
    require(lambda state, who, now: _may_view(who, community_id),
            exists=lambda state: community_id in state.communities)
    return reader_now()


def _acting(community_id: str) -> Reader:
    """Awarding, defining, revoking and handing over are for the community's facilitators."""
    who = _open(community_id)
    if not _is_facilitator(who, community_id):
        abort(403)
    return who


# -- what the page shows -------------------------------------------------------------------

def _name(person: dict[str, Any] | None) -> str:
    if not person or not person.get("name"):
        return _("erased member")
    return person["name"]


def _current_members(community: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in community["members"] if m.get("current_role")]


def _candidates(community: dict[str, Any], me: str | None) -> list[dict[str, Any]]:
    """The current members I may recognise or hand facilitation to: not myself, and not
    anyone erased (still a member on the log, but nothing more is recorded about them)."""
    erased = journey().views.erased()
    return [m for m in _current_members(community)
            if m["member"]["member_id"] != me and m["member"]["member_id"] not in erased]


def _awards(community_id: str, community: dict[str, Any]) -> tuple[list, list]:
    """Standing and revoked recognitions of this community, over everyone ever a member."""
    views = journey().views

    def portfolios():
        for person in community["members"]:
            try:
                yield views.portfolio(person["member"]["member_id"], viewer=viewer())
            except errors.UnknownReference:
                continue

    return community_awards(portfolios(), community_id)


def _evidence_for(community_id: str, member_id: str) -> list[dict[str, Any]]:
    view = journey().views.portfolio(member_id, viewer=viewer())
    return list(evidence_choices(view["timeline"], community_id, member_id))


def _attention(community_id: str, community: dict[str, Any], quarter: str | None
               ) -> dict[str, Any]:
    """Never led (all time) and drifting (a quarter against the one before)."""
    reports = journey().leadership
    current = _current_members(community)
    names = {m["member"]["member_id"]: m["member"] for m in current}
    quiet = never_led(names, community["calendar"])
    trend = [q["quarter"] for q in
             reports.community(community_id, Window(), with_trend=True)["trend"]]
    # Any quarter from the first recorded one to today may be compared with the one before.
    quarters = quarters_between(trend[0], quarter_of(utcnow().date().isoformat())) \
        if trend else []
    error = None
    if quarter is not None and quarter not in quarters:
        error = _("“%(quarter)s” is not a quarter of this community; showing the latest.",
                  quarter=quarter)
        quarter = None
    if quarter is None and trend:
        quarter = trend[-1]  # the latest quarter in which sessions or memberships happened
    drift, before_label = [], None
    if quarter is not None:
        before_label = previous_quarter(quarter)
        now_tiers = reports.community(community_id, Window(*quarter_bounds(quarter)))["tiers"]
        before_tiers = reports.community(community_id,
                                         Window(*quarter_bounds(before_label)))["tiers"]
        drift = [d for d in drifting(before_tiers, now_tiers) if d.member_id in names]
    return {"never_led": [names[m] for m in quiet], "drifting": drift, "names": names,
            "quarter": quarter, "before": before_label, "quarters": quarters,
            "quarter_error": error}


def _page(community_id: str, *, status: int = 200, badge_form: BadgeForm | None = None,
          award_form: AwardForm | None = None, revoke_forms: dict[str, RevokeForm] | None = None,
          hand_over_form: HandOverForm | None = None, award_member: str | None = None,
          refusals: dict[str, str] | None = None):
    """The community's facilitation page, with any form given kept as it was posted."""
    who = reader_now()
    fold_first()
    community = journey().views.community(community_id, viewer=viewer())
    candidates = _candidates(community, who.member_id)
    badge_choices = [(b["badge_id"], b["name"]) for b in community["badges"]]

    if award_member is None:
        award_member = request.args.get("member") or None
    if award_member is not None and award_member not in {m["member"]["member_id"]
                                                         for m in candidates}:
        award_member = None
    evidence: list[dict[str, Any]] = []
    if award_member is not None:
        evidence = _evidence_for(community_id, award_member)
        if award_form is None:
            award_form = AwardForm(prefix="award", formdata=None, member=award_member)
        award_form.badge.choices = badge_choices
        award_form.evidence.choices = [(e["position"], e["position"]) for e in evidence]

    standing, revoked = _awards(community_id, community)
    forms = dict(revoke_forms or {})
    refusals = _unrowed_revocations(forms, {a["award_id"] for a in standing}, refusals or {})
    for award in standing:
        forms.setdefault(award["award_id"],
                         RevokeForm(prefix=f"revoke-{award['award_id']}", formdata=None))
    hand_over = hand_over_form or HandOverForm(prefix="handover", formdata=None)
    hand_over.to_member.choices = _hand_over_choices(candidates)
    return render_template(
        "pages/facilitate/community.html", view=community, community=community["community"],
        can_act=_is_facilitator(who, community_id), role=who.roles.get(community_id),
        badge_form=badge_form or BadgeForm(prefix="badge", formdata=None),
        award_form=award_form, award_member=award_member,
        award_member_name=_name(next((m["member"] for m in candidates
                                      if m["member"]["member_id"] == award_member), None)),
        candidates=candidates, evidence_by_position={e["position"]: e for e in evidence}, standing=standing, revoked=revoked,
        revoke_forms=forms, hand_over_form=hand_over,
        attention=_attention(community_id, community, request.args.get("quarter") or None),
        refusals=refusals, name_of=_name), status


def _unrowed_revocations(forms: dict[str, RevokeForm], standing: set[str],
                         refusals: dict[str, str]) -> dict[str, str]:
    """The refusals with a posted revocation of a recognition that does not stand (already
    revoked, or unknown: a stale page, a crafted post) moved to "awards", above the tables.

    Only a standing recognition has a row to show its form's refusal in; without this, the
    answer would say nothing the person can see.
    """
    moved = dict(refusals)
    for award_id, form in forms.items():
        if award_id in standing:
            continue
        message = moved.pop(f"revoke-{award_id}", None) or " ".join(
            f"{form[name].label.text}: {' '.join(problems)}"
            for name, problems in form.errors.items())
        if message:
            moved["awards"] = message
    return moved


def _hand_over_choices(candidates: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Facilitation goes to a member (not to another facilitator or a coordinator)."""
    return [(m["member"]["member_id"], _name(m["member"]))
            for m in candidates if m["current_role"] == "member"]


def _refused(outcome: Outcome) -> int:
    return 422 if outcome.message else 400


# -- routes ----------------------------------------------------------------------------------

@bp.get("/facilitate")
@login_required
def facilitate():
    """The communities I facilitate or coordinate, each linking to its page."""
    who = reader_now()
    fold_first()

    def mine(state, reader, now) -> list[str]:
        return sorted(c for c in state.communities if _may_view(reader, c))

    views = journey().views
    rows = []
    for community_id in judged(mine):
        if not who.is_admin and who.roles.get(community_id) not in READ_ROLES:
            continue  # a network coordinator's wider reach is on the coordinate page
        info = views.community(community_id, viewer=viewer())
        rows.append({"community": info["community"], "role": who.roles.get(community_id),
                     "members": len(_current_members(info)), "badges": len(info["badges"])})
    return render_template("pages/facilitate/index.html", rows=rows)


@bp.get("/facilitate/<community_id>")
@login_required
def facilitate_community(community_id: str):
    """Badges, recognitions, attention lists and hand-over of one community."""
    _open(community_id)
    return _page(community_id)


@bp.post("/facilitate/<community_id>/badges")
@login_required
@csrf.exempt  # the form checks its own token, after the upload limit is raised (below)
def facilitate_define_badge(community_id: str):
    # The app refuses bodies over 1 MiB; this form may carry an image of 1 MiB. The limit
    # is raised before anything reads the body (hence no app-wide CSRF check first: the
    # form validates its CSRF token itself).
    request.max_content_length = BADGE_BODY
    form = BadgeForm(prefix="badge")
    if (earlier := earlier_outcome(form)) is not None:
        if earlier.ok:
            return _badge_defined(community_id, earlier)
        _acting(community_id)  # the key was used for a different request
        return _page(community_id, status=422, badge_form=form,
                     refusals={"badge": earlier.message or ""})
    _acting(community_id)
    if not form.validate():
        return _page(community_id, status=400, badge_form=form)
    if _badge_named(community_id, form.name.data):
        # The rules allow it, but the award form could not tell the two apart.
        form.name.errors = [*form.name.errors, _(
            "This community already has a badge of that name: choose another name.")]
        return _page(community_id, status=422, badge_form=form)
    image = _badge_image(form)
    if form.image.errors:
        return _page(community_id, status=422, badge_form=form)
    # The image enters the store only once the badge naming it is recorded: a refused
    # form leaves no file behind (see Uploads.stage).
    with ExitStack() as files:
        staged = _stage_image(image, form, files) if image is not None else None
        if image is not None and staged is None:
            return _page(community_id, status=422, badge_form=form)
        event = ev.BadgeDefined(badge_id=minted_id("b", form.idempotency_key.data),
                                community_id=community_id, name=form.name.data.strip(),
                                description=form.description.data.strip(),
                                criteria=form.criteria.data.strip(),
                                image=staged.digest if staged is not None else None)
        outcome = record(event, form.occurred_at.data, form=form)
        if not outcome.ok:
            form_errors(form, outcome)
            return _page(community_id, status=_refused(outcome), badge_form=form,
                         refusals={"badge": outcome.message or ""})
        if staged is not None:
            staged.keep()
    return _badge_defined(community_id, outcome)


def _badge_named(community_id: str, name: str) -> bool:
    """Whether the community defined a badge of this name already (case aside)."""
    wanted = name.strip().casefold()
    badges = journey().views.community(community_id, viewer=viewer())["badges"]
    return any(b["name"].strip().casefold() == wanted for b in badges)


def _badge_defined(community_id: str, outcome: Outcome):
    flash(_("Badge “%(name)s” defined.", name=outcome.result.records[0].event.name), "success")
    return redirect(url_for("pages.facilitate_community", community_id=community_id,
                            _anchor="badges"), 303)


def _badge_image(form: BadgeForm) -> bytes | None:
    """The uploaded image's bytes when it is a PNG Journey accepts; None when no file was
    given, or with an error put on the form (nothing is stored then).

    Only PNG: an SVG could carry a script (and is not baked the same way); anything else
    is not an image a verifier can show.
    """
    upload = form.image.data
    if upload is None or not getattr(upload, "filename", None):
        return None
    data = upload.stream.read(png.MAX_IMAGE_BYTES + 1)
    if not data:
        form.image.errors = [*form.image.errors, _("The file is empty.")]
        return None
    if len(data) > png.MAX_IMAGE_BYTES:
        form.image.errors = [*form.image.errors,
                             _("The image is too large: a badge image may be at most 1 MiB.")]
        return None
    if not data.startswith(png.SIGNATURE):
        form.image.errors = [*form.image.errors,
                             _("The image must be a PNG file (SVG and other formats are "
                               "not accepted).")]
        return None
    try:
        png.check(data, max_side=png.MAX_IMAGE_SIDE)
    except ValueError:
        form.image.errors = [*form.image.errors,
                             _("The file is not a valid PNG image (at most %(side)s pixels "
                               "a side).", side=png.MAX_IMAGE_SIDE)]
        return None
    return data


def _stage_image(data: bytes, form: BadgeForm, files: ExitStack) -> Staged | None:
    """A checked image written and hashed, deleted when `files` closes unless kept (None:
    an error on the form)."""
    upload = form.image.data
    try:
        return stage_upload(files, io.BytesIO(data), filename=getattr(upload, "filename", None),
                            media_type="image/png")
    except (TooLarge, EmptyUpload):  # not after the checks above; kept for safety
        form.image.errors = [*form.image.errors, _("The image could not be stored.")]
        return None


@bp.post("/facilitate/<community_id>/awards")
@login_required
def facilitate_award(community_id: str):
    form = AwardForm(prefix="award")
    earlier = earlier_outcome(form)
    if earlier is not None and earlier.ok:
        return _on_awards(community_id, _("Recognition awarded."))
    who = _acting(community_id)
    fold_first()
    member_id = (form.member.data or "").strip()
    community = journey().views.community(community_id, viewer=viewer())
    allowed = {m["member"]["member_id"] for m in _candidates(community, who.member_id)}
    if member_id not in allowed:
        form.member.errors = [_("Choose a member of this community.")]
        return _page(community_id, status=400, refusals={
            "award": _("Choose a member of this community (not yourself).")})
    form.badge.choices = [(b["badge_id"], b["name"]) for b in community["badges"]]
    form.evidence.choices = [(e["position"], e["position"])
                             for e in _evidence_for(community_id, member_id)]
    if earlier is not None:  # the key was used for a different request
        return _page(community_id, status=422, award_form=form, award_member=member_id,
                     refusals={"award": earlier.message or ""})
    if not form.validate():
        return _page(community_id, status=400, award_form=form, award_member=member_id)
    event = ev.RecognitionAwarded(
        award_id=minted_id("aw", form.idempotency_key.data), community_id=community_id,
        member_id=member_id, badge_id=form.badge.data, awarded_by=acting_member(),
        evidence=tuple(sorted(form.evidence.data)) or None,
        note=(form.note.data or "").strip() or None)
    outcome = record(event, form.occurred_at.data, form=form)
    if not outcome.ok:
        form_errors(form, outcome, {"badge_id": "badge"})
        return _page(community_id, status=_refused(outcome), award_form=form,
                     award_member=member_id, refusals={"award": outcome.message or ""})
    return _on_awards(community_id, _("Recognition awarded."))


def _on_awards(community_id: str, message: str):
    flash(message, "success")
    return redirect(url_for("pages.facilitate_community", community_id=community_id,
                            _anchor="awards"), 303)


@bp.post("/facilitate/<community_id>/awards/<award_id>/revoke")
@login_required
def facilitate_revoke(community_id: str, award_id: str):
    form = RevokeForm(prefix=f"revoke-{award_id}")
    earlier = earlier_outcome(form)
    if earlier is not None and earlier.ok:
        return _on_awards(community_id, _("Recognition revoked."))
    _acting(community_id)
    if earlier is not None:  # the key was used for a different request
        return _page(community_id, status=422, revoke_forms={award_id: form},
                     refusals={f"revoke-{award_id}": earlier.message or ""})
    if not form.validate():
        return _page(community_id, status=400, revoke_forms={award_id: form})
    event = ev.RecognitionRevoked(award_id=award_id, revoked_by=acting_member(),
                                  reason=form.reason.data.strip())
    outcome = record(event, form.occurred_at.data, form=form)
    if not outcome.ok:
        form_errors(form, outcome)
        return _page(community_id, status=_refused(outcome), revoke_forms={award_id: form},
                     refusals={f"revoke-{award_id}": outcome.message or ""})
    return _on_awards(community_id, _("Recognition revoked."))


@bp.post("/facilitate/<community_id>/hand-over")
@login_required
def facilitate_hand_over(community_id: str):
    form = HandOverForm(prefix="handover")
    # Asked before the role: after the first post the sender no longer facilitates.
    earlier = earlier_outcome(form)
    if earlier is not None and earlier.ok:
        return _handed_over()
    who = _acting(community_id)
    fold_first()
    community = journey().views.community(community_id, viewer=viewer())
    form.to_member.choices = _hand_over_choices(_candidates(community, who.member_id))
    if earlier is not None:  # the key was used for a different request
        return _page(community_id, status=422, hand_over_form=form,
                     refusals={"handover": earlier.message or ""})
    if not form.validate():
        return _page(community_id, status=400, hand_over_form=form)
    me = acting_member()
    command = HandOverFacilitation(community_id=community_id, from_member=me,
                                   to_member=form.to_member.data, actor=me,
                                   occurred_at=form.occurred_at.data or utcnow(),
                                   privileged=account().is_admin)
    # The digest the API makes of a hand-over: "now" is not part of what was asked.
    digest = asked_digest({"type": "HandOverFacilitation", "community_id": community_id,
                           "from": me, "to": form.to_member.data}, form.occurred_at.data)
    outcome = submit(command, form=form, digest=digest)
    if not outcome.ok:
        form_errors(form, outcome, {"to_member": "to_member", "member_id": "to_member"})
        return _page(community_id, status=_refused(outcome), hand_over_form=form,
                     refusals={"handover": outcome.message or ""})
    return _handed_over()


def _handed_over():
    flash(_("Facilitation handed over. You are now a member of this community."), "success")
    return redirect(url_for("pages.facilitate"), 303)
