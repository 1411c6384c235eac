"""The forms that record a community's life, and the download of shared files.

Schedule, cancel and record sessions, share and reuse resources, agree norms, start and
revise action plans. Each form is validated on the server; bad input or a refusal by the
domain draws the form again with the errors in place (status 422) and appends nothing.
Ids are minted from the form's idempotency key, so a re-posted form means the same event
and the store answers it once (DESIGN "Idempotency").

An action plan's steps come in a fixed number of rows (no JavaScript adds one): rows left
blank are no step, a half-filled row is an error at that row.

Uploads go to the content-addressed store (events/uploads.py) once the event naming
them is recorded, so a refused form leaves no file; a file over 20 MiB is refused with
413 and nothing is stored or appended.
"""
from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from functools import partial
from typing import Any

from flask import (abort, flash, redirect, render_template, request, send_file,
                   url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import (DateField, FieldList, FormField, SelectField, SelectMultipleField,
                     StringField, TextAreaField)
from wtforms.validators import (URL, DataRequired, InputRequired, Length, Optional,
                                StopValidation, ValidationError)
from wtforms.widgets import CheckboxInput, ListWidget

from events.uploads import MAX_UPLOAD, EmptyUpload, Staged, TooLarge, is_digest
from journey import events as ev
from journey.access import may_read_community
from journey.clock import format_time
from web.extensions import csrf
from web.forms import LocalDateTimeField
from web.pages import bp
from web.pages.common import (Outcome, acting_member, fold_first, handle_form, judged,
                              minted_id)
from web.pages.community import community_view, format_label, involves_label, kind_label
from web.pages.forms import RecordForm
from web.services import journey, stage_upload, uploads

#: The multipart body of an upload: the file plus the form's few small fields.
UPLOAD_BODY = MAX_UPLOAD + 256 * 1024
MAX_TITLE = 300
MAX_QUESTION = 2000
#: Rows for new steps, without JavaScript: a few blank ones, the unused left blank.
NEW_PLAN_ROWS = 5
REVISION_ROWS = 3


def at_least_one(message: Any):
    """Some box ticked (a validator without the `required` flag, which would mark
    every single checkbox as required)."""
    def check(form: Any, field: Any) -> None:
        if not field.data:
            raise StopValidation(str(message))
    return check


class Checkboxes(SelectMultipleField):
    """Several choices as a list of labelled checkboxes (better than <select multiple>)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# -- forms -------------------------------------------------------------------------------

class ScheduleForm(RecordForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=MAX_TITLE)])
    starts_at = LocalDateTimeField(_l("Starts at"), validators=[InputRequired()],
                                   description=_l("In your time zone."))
    format = SelectField(_l("Format"), validators=[DataRequired()])
    planned_leaders = Checkboxes(_l("Planned leaders"), validators=[Optional()])
    link = StringField(_l("Link (optional)"), validators=[Optional(), URL(require_tld=False),
                                                          Length(max=2000)],
                       description=_l("For an online meeting: its address (https://…)."))


class CancelForm(RecordForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), Length(max=2000)])


class SessionLedForm(RecordForm):
    session_id = SelectField(_l("Scheduled session it was (optional)"),
                             validators=[Optional()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=MAX_TITLE)])
    format = SelectField(_l("Format"), validators=[DataRequired()])
    leaders = Checkboxes(_l("Who led it"), validators=[at_least_one(
        _l("Choose at least one leader."))])
    attendees = Checkboxes(_l("Who attended"), validators=[Optional()])


class ShareForm(RecordForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=MAX_TITLE)])
    kind = SelectField(_l("Kind"), validators=[DataRequired()])
    tags = StringField(_l("Tags (optional)"), validators=[Optional(), Length(max=1000)],
                       description=_l("Separate tags with commas, e.g. survey, parents."))
    url = StringField(_l("Link"), validators=[Optional(), URL(require_tld=False),
                                              Length(max=2000)],
                      description=_l("Either a link (https://…) or a file, not both."))
    file = FileField(_l("File"), description=_l("Up to 20 MiB."))

    def tag_list(self) -> tuple[str, ...]:
        tags = [t.strip() for t in (self.tags.data or "").split(",")]
        return tuple(dict.fromkeys(t for t in tags if t))


class ReuseForm(RecordForm):
    note = TextAreaField(_l("How you used it (optional)"),
                         validators=[Optional(), Length(max=5000)])


class NormsForm(RecordForm):
    norms = TextAreaField(_l("Norms, one per line"), validators=[DataRequired()])
    agreed_by = Checkboxes(_l("Agreed by"), validators=[at_least_one(
        _l("Choose who agreed (you among them)."))])

    def norm_list(self) -> tuple[str, ...]:
        return tuple(line.strip() for line in (self.norms.data or "").splitlines()
                     if line.strip())


class StepRow(FlaskForm):
    """One row for a step of an action plan; a blank row is no step."""

    class Meta:
        csrf = False  # a part of the plan's form, which carries the token

    # Not Optional(): an empty title must still reach validate_title (a row with owners).
    title = StringField(_l("What is to be done"), validators=[Length(max=MAX_TITLE)])
    owners = Checkboxes(_l("Owners"), validators=[Optional()])
    due_on = DateField(_l("Due on (optional)"), validators=[Optional()])

    def validate_title(self, field: Any) -> None:
        if not (field.data or "").strip() and (self.owners.data or _given(self.due_on)):
            raise ValidationError(_("Say what is to be done, or clear this row's owners and "
                                    "due date."))

    def validate_owners(self, field: Any) -> None:
        if (self.title.data or "").strip() and not field.data:
            raise ValidationError(_("Choose who owns this step (at least one member)."))


def _given(field: Any) -> bool:
    """Something typed in the field (a due date that is not a date counts: it is an error)."""
    return any((value or "").strip() for value in field.raw_data or ())


class StartPlanForm(RecordForm):
    inquiry_question = TextAreaField(
        _l("Inquiry question"), validators=[DataRequired(), Length(max=MAX_QUESTION)],
        description=_l("What you want to find out, with students and parents, e.g. "
                       "“How do we hear quiet students?”"))
    involves = Checkboxes(_l("Who it involves (optional)"), validators=[Optional()])
    steps = FieldList(FormField(StepRow), min_entries=NEW_PLAN_ROWS, max_entries=NEW_PLAN_ROWS)


class RevisePlanForm(RecordForm):
    inquiry_question = TextAreaField(_l("Inquiry question"),
                                     validators=[DataRequired(), Length(max=MAX_QUESTION)])
    steps_added = FieldList(FormField(StepRow), min_entries=REVISION_ROWS,
                            max_entries=REVISION_ROWS)
    steps_dropped = Checkboxes(_l("Steps to drop"), validators=[Optional()],
                               description=_l("Open steps only; a dropped step stays in the "
                                              "plan's history."))
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=5000)],
                         description=_l("What you learned that changed the plan, or why it "
                                        "stands as it is."))


# -- helpers -----------------------------------------------------------------------------

def _current_members(view: dict[str, Any]) -> list[tuple[str, str]]:
    return [(m["member"]["member_id"], m["member"]["name"] or m["member"]["member_id"])
            for m in view["members"] if m["current_role"] is not None]


def form_page(template: str, view: dict[str, Any], form: Any, *, outcome: Outcome | None = None,
               status: int = 200, **context: Any):
    return render_template(f"pages/community/{template}", view=view, form=form,
                           community_id=view["community"]["community_id"],
                           refusal=outcome.message if outcome is not None else None,
                           **context), status


def _done(message: str, endpoint: str, community_id: str, anchor: str | None = None):
    flash(message, "success")
    return redirect(url_for(endpoint, community_id=community_id, _anchor=anchor))


def _plan(view: dict[str, Any], plan_id: str) -> dict[str, Any] | None:
    return next((p for p in view["plans"] if p["plan_id"] == plan_id), None)


def _session(view: dict[str, Any], session_id: str) -> dict[str, Any] | None:
    return next((s for s in view["calendar"] if s["session_id"] == session_id), None)


# -- sessions ----------------------------------------------------------------------------

@bp.route("/communities/<community_id>/sessions/schedule", methods=["GET", "POST"])
@login_required
def schedule_session(community_id: str):
    """Schedule a session: title, start, format, planned leaders, an optional link."""
    view = community_view(community_id)
    form = ScheduleForm()
    form.format.choices = [(f, format_label(f)) for f in ev.SESSION_FORMATS]
    form.planned_leaders.choices = _current_members(view)
    return handle_form(form, partial(form_page, "schedule.html", view, form), lambda: ev.SessionScheduled(
        community_id=community_id, session_id=minted_id("s", form.idempotency_key.data),
        starts_at=format_time(form.starts_at.data), title=form.title.data.strip(),
        format=form.format.data, planned_leaders=tuple(form.planned_leaders.data) or None,
        link=form.link.data or None),
        lambda outcome: _done(_("Session scheduled."), "pages.community_calendar", community_id))


@bp.route("/communities/<community_id>/sessions/<session_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_session(community_id: str, session_id: str):
    """Cancel a scheduled session, with a reason."""
    view = community_view(community_id)
    session = _session(view, session_id)
    form = CancelForm()
    return handle_form(form, partial(form_page, "cancel.html", view, form, session=session),
                   lambda: ev.SessionCancelled(community_id=community_id, session_id=session_id,
                                               reason=(form.reason.data or "").strip() or None),
                   lambda outcome: _done(_("Session cancelled."), "pages.community_calendar", community_id),
                   exists=lambda: session is not None and session["status"] == "scheduled")


@bp.route("/communities/<community_id>/sessions/record", methods=["GET", "POST"])
@login_required
def record_session(community_id: str):
    """Record a session that was held: leaders, attendees, maybe a scheduled one."""
    view = community_view(community_id)
    form = SessionLedForm()
    scheduled = [s for s in view["calendar"] if s["status"] == "scheduled"]
    form.session_id.choices = [("", _("None: it was not scheduled"))] + [
        (s["session_id"], s["title"] or s["session_id"]) for s in scheduled]
    form.format.choices = [(f, format_label(f)) for f in ev.SESSION_FORMATS]
    members = _current_members(view)
    form.leaders.choices = members
    form.attendees.choices = members
    if not form.is_submitted():
        chosen = _session(view, request.args.get("session_id", ""))
        if chosen is not None and chosen["status"] == "scheduled":
            form.session_id.data = chosen["session_id"]
            form.title.data = chosen["title"]
            form.format.data = chosen["format"]
            form.leaders.data = [p["member_id"] for p in chosen["planned_leaders"]]
    return handle_form(form, partial(form_page, "record_session.html", view, form), lambda: ev.SessionLed(
        community_id=community_id,
        session_id=form.session_id.data or minted_id("s", form.idempotency_key.data),
        leaders=tuple(form.leaders.data), title=form.title.data.strip(),
        format=form.format.data, attendees=tuple(form.attendees.data) or None),
        lambda outcome: _done(_("Session recorded."), "pages.community_calendar", community_id))


# -- resources ---------------------------------------------------------------------------

@bp.route("/communities/<community_id>/library/share", methods=["GET", "POST"])
@login_required
@csrf.exempt  # the form checks its own token, after the upload limit is raised (below)
def share_resource(community_id: str):
    """Share a resource: a link or an uploaded file (stored by content hash)."""
    # The app refuses bodies over 1 MiB; this form may carry a file of 20 MiB. The limit
    # is raised before anything reads the body (hence no app-wide CSRF check first: the
    # form validates its CSRF token itself).
    request.max_content_length = UPLOAD_BODY
    view = community_view(community_id)
    form = ShareForm()
    form.kind.choices = [(k, kind_label(k)) for k in ev.RESOURCE_KINDS]
    # An uploaded file goes into the store only once the resource naming it is
    # recorded: a refused form leaves nothing behind (see Uploads.stage).
    staged: list[Staged] = []

    def shared() -> ev.ResourceShared | None:
        upload = form.file.data if getattr(form.file.data, "filename", None) else None
        if bool(upload) == bool(form.url.data):
            form.url.errors = [*form.url.errors, _("Give either a link or a file (one of them).")]
            return None
        digest = None
        if upload is not None:
            stored = _stage(upload, form, files)
            if stored is None:
                return None
            staged.append(stored)
            digest = stored.digest
        return ev.ResourceShared(
            community_id=community_id, resource_id=minted_id("r", form.idempotency_key.data),
            member_id=acting_member(), title=form.title.data.strip(), kind=form.kind.data,
            url=form.url.data or None, file=digest, tags=form.tag_list() or None)

    def done(outcome: Outcome):
        for upload in staged:
            upload.keep()
        return _done(_("Resource shared."), "pages.community_library", community_id)

    with ExitStack() as files:
        return handle_form(form, partial(form_page, "share.html", view, form), shared, done)


def _stage(upload: Any, form: ShareForm, files: ExitStack) -> Staged | None:
    """The uploaded file written and hashed, deleted when `files` closes unless kept;
    None with an error on the form.

    A file over the limit is a 413 (the error page says so); nothing is kept.
    """
    try:
        return stage_upload(files, upload.stream, filename=upload.filename,
                            media_type=upload.mimetype)
    except TooLarge:
        raise RequestEntityTooLarge() from None
    except EmptyUpload:
        form.file.errors = [*form.file.errors, _("The file is empty.")]
        return None


@bp.route("/communities/<community_id>/library/<resource_id>/reuse", methods=["GET", "POST"])
@login_required
def reuse_resource(community_id: str, resource_id: str):
    """Say you reused a resource (knowledge passed on), with an optional note."""
    view = community_view(community_id)
    resource = next((r for r in view["resources"] if r["resource_id"] == resource_id), None)
    if resource is None:
        abort(404)
    form = ReuseForm()
    return handle_form(form, partial(form_page, "reuse.html", view, form, resource=resource),
                   lambda: ev.ResourceReused(community_id=community_id, resource_id=resource_id,
                                             member_id=acting_member(),
                                             note=(form.note.data or "").strip() or None),
                   lambda outcome: _done(_("Reuse recorded."), "pages.community_library", community_id))


# -- norms -------------------------------------------------------------------------------

@bp.route("/communities/<community_id>/norms/agree", methods=["GET", "POST"])
@login_required
def agree_norms(community_id: str):
    """Agree the community's norms (they replace the earlier ones); I am among those agreeing."""
    view = community_view(community_id)
    form = NormsForm()
    form.agreed_by.choices = _current_members(view)
    me = acting_member()
    if not form.is_submitted():
        current = view["norms"]["current"]
        if current:
            form.norms.data = "\n".join(current["norms"])
        form.agreed_by.data = [me]

    def agreed() -> ev.NormsAgreed | None:
        if not form.norm_list():
            form.norms.errors = [*form.norms.errors, _("Write at least one norm.")]
            return None
        if me not in (form.agreed_by.data or []):
            form.agreed_by.errors = [*form.agreed_by.errors, _(
                "You record the agreement, so you must be among those agreeing.")]
            return None
        return ev.NormsAgreed(community_id=community_id, norms=form.norm_list(),
                              agreed_by=tuple(form.agreed_by.data))

    return handle_form(form, partial(form_page, "agree_norms.html", view, form), agreed,
                   lambda outcome: _done(_("Norms agreed."), "pages.community_norms", community_id))


# -- action plans ------------------------------------------------------------------------

def _belongs(community_id: str) -> Callable[[Any], bool]:
    """Plans are the community's members' (DESIGN): who may use the plan forms."""
    return lambda who: who.roles.get(community_id) is not None


def _offer_owners(rows: Any, members: list[tuple[str, str]]) -> None:
    for row in rows:
        row.owners.choices = members


def _filled(rows: Any) -> list[tuple[int, Any]]:
    """The rows that name a step, with their place (validation refused half-filled ones)."""
    return [(index, row) for index, row in enumerate(rows) if (row.title.data or "").strip()]


def _new_steps(rows: Any, key: str | None) -> tuple[ev.Step, ...]:
    """The steps of the filled rows, each id minted from the form's key and its row: a
    re-post names the same steps."""
    return tuple(ev.Step(step_id=minted_id("st", f"{key}\x1f{index}"),
                         title=row.title.data.strip(), owners=tuple(row.owners.data),
                         due_on=row.due_on.data.isoformat() if row.due_on.data else None)
                 for index, row in _filled(rows))


def _row_names(rows: Any, field: str) -> dict[str, str]:
    """Where the domain's errors about the n-th step of `field` go: the row it came from."""
    names = {}
    for n, (index, _row) in enumerate(_filled(rows)):
        for part in ("title", "owners", "due_on"):
            names[f"{field}.{n}.{part}"] = f"{rows.name}.{index}.{part}"
        names[f"{field}.{n}.step_id"] = names[f"{field}.{n}"] = f"{rows.name}.{index}.title"
    return names


def _no_step_given(rows: Any) -> None:
    first = rows[0].title
    first.errors = [*first.errors, _("Write at least one step: what is to be done, and who "
                                     "owns it.")]


@bp.route("/communities/<community_id>/plans/start", methods=["GET", "POST"])
@login_required
def start_plan(community_id: str):
    """Start an action plan: an inquiry question, who it involves, and its first steps."""
    view = community_view(community_id)
    form = StartPlanForm()
    form.involves.choices = [(i, involves_label(i)) for i in ev.INVOLVES]
    _offer_owners(form.steps, _current_members(view))
    plan_id = minted_id("p", form.idempotency_key.data)

    def started() -> ev.ActionPlanCreated | None:
        steps = _new_steps(form.steps, form.idempotency_key.data)
        if not steps:
            _no_step_given(form.steps)
            return None
        return ev.ActionPlanCreated(
            community_id=community_id, plan_id=plan_id,
            inquiry_question=form.inquiry_question.data.strip(),
            involves=tuple(form.involves.data) or None, steps=steps)

    return handle_form(form, partial(form_page, "start_plan.html", view, form), started,
                       lambda outcome: _done(_("Action plan started."), "pages.community_plans",
                                             community_id, anchor=f"plan-{plan_id}"),
                       names=_row_names(form.steps, "steps"), allowed=_belongs(community_id))


@bp.route("/communities/<community_id>/plans/<plan_id>/revise", methods=["GET", "POST"])
@login_required
def revise_plan(community_id: str, plan_id: str):
    """Revise an action plan: a new inquiry question, steps added or dropped, a note."""
    view = community_view(community_id)
    plan = _plan(view, plan_id)
    form = RevisePlanForm()
    _offer_owners(form.steps_added, _current_members(view))
    if plan is not None:
        form.steps_dropped.choices = [(s["step_id"], s["title"]) for s in plan["steps"]
                                      if not s["dropped"] and not s["completed"]]
        if not form.is_submitted():
            form.inquiry_question.data = plan["inquiry_question"]

    def revised() -> ev.ActionPlanRevised:
        question = form.inquiry_question.data.strip()
        return ev.ActionPlanRevised(
            community_id=community_id, plan_id=plan_id,
            inquiry_question=question if question != plan["inquiry_question"] else None,
            steps_added=_new_steps(form.steps_added, form.idempotency_key.data) or None,
            steps_dropped=tuple(form.steps_dropped.data) or None,
            note=(form.note.data or "").strip() or None)

    return handle_form(form, partial(form_page, "revise_plan.html", view, form, plan=plan),
                       revised,
                       lambda outcome: _done(_("Action plan revised."), "pages.community_plans",
                                             community_id, anchor=f"plan-{plan_id}"),
                       names=_row_names(form.steps_added, "steps_added"),
                       exists=lambda: plan is not None, allowed=_belongs(community_id))


# -- files -------------------------------------------------------------------------------

@bp.get("/files/<digest>")
@login_required
def file(digest: str):
    """A shared file, for readers of a community whose library holds it (as an attachment)."""
    store = uploads()
    if not is_digest(digest):
        abort(404)
    fold_first()
    readable = judged(lambda state, who, now: sorted(
        c for c in state.communities if may_read_community(who, c)))
    if not any(_holds(c, digest) for c in readable):
        abort(404)  # neither here nor readable: the same answer, so hashes leak nothing
    meta = store.meta(digest)
    if meta is None:
        abort(404)
    response = send_file(store.path_of(digest), mimetype=store.served_type(digest),
                         as_attachment=True, download_name=meta["filename"],
                         conditional=True, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _holds(community_id: str, digest: str) -> bool:
    view = journey().views.community(community_id)
    return any(r["file"] == digest for r in view["resources"])

