"""Record: what a teacher did, in their own words — reflect, complete a step, give feedback,
correct or retract their own entry.

Each form builds the same event as the JSON API and lets the store decide; a refusal
comes back beside the field it concerns (status 422), nothing appended. Ids Journey mints
here (reflections) are derived from the form's idempotency key, and the request digest
leaves out an empty "when", so a double click or a browser re-post replays the first
append instead of appending twice (as the API does with its `_options`).
"""
from __future__ import annotations

from functools import partial
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Length, Optional

from journey import events as ev
from web.i18n import day
from web.pages import bp
from web.pages.common import (Outcome, account, acting_member, fold_first, handle_form,
                               minted_id, reader_now)
from web.pages.forms import RecordForm
from web.services import journey

MAX_TEXT = 10_000


# -- labels ----------------------------------------------------------------------------------

def visibility_labels() -> dict[str, str]:
    return {"private": _("Private: only me"),
            "community": _("My community: its current members"),
            "network": _("The network: members of every community in it")}


def value_cycle_labels() -> dict[str, str]:
    return {"immediate": _("Immediate value: an activity or conversation was worth it"),
            "potential": _("Potential value: I gained something I may use later"),
            "applied": _("Applied value: I changed my practice"),
            "realized": _("Realized value: it made a difference for students or school"),
            "reframing": _("Reframing value: I see success differently now")}


# -- what the forms offer ----------------------------------------------------------------

def _my_communities() -> list[tuple[str, str]]:
    """(community_id, name) of the communities I belong to now."""
    who = reader_now()
    names = {}
    if who.member_id is not None and who.roles:
        view = journey().views.portfolio(who.member_id, viewer=who.member_id)
        names = {c["community_id"]: c.get("name") or c["community_id"]
                 for c in view["communities"]}
    return sorted(((c, names.get(c, c)) for c in who.roles), key=lambda kv: kv[1])


def community_views(member_id: str) -> list[dict[str, Any]]:
    """The views of the communities I belong to now (for steps, sessions and resources)."""
    who = reader_now()
    return [journey().views.community(c, viewer=member_id) for c in sorted(who.roles)]


def open_steps(member_id: str, views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Steps I own that are neither completed nor dropped, by due date (undated last)."""
    found = []
    for view in views:
        community = view["community"]
        for plan in view["plans"]:
            for step in plan["steps"]:
                if step["dropped"] or step["completed"]:
                    continue
                if member_id not in {o["member_id"] for o in step["owners"]}:
                    continue
                found.append({"community_id": community["community_id"],
                              "community_name": community["name"],
                              "plan_id": plan["plan_id"],
                              "inquiry_question": plan["inquiry_question"],
                              "step_id": step["step_id"], "title": step["title"],
                              "due_on": step["due_on"]})
    return sorted(found, key=lambda s: (s["due_on"] is None, s["due_on"] or "", s["title"]))


#: Who wrote an entry of each content type (the field naming them).
_AUTHOR_FIELDS = {"ReflectionRecorded": "member_id", "ResourceShared": "member_id",
                  "ResourceReused": "member_id", "FeedbackGiven": "from_member_id",
                  "SessionLed": "leaders", "ActionStepCompleted": "member_ids",
                  "SessionScheduled": "planned_leaders", "NormsAgreed": "agreed_by"}


def authored(entry: dict[str, Any], member_id: str) -> bool:
    """Whether a timeline entry is content I wrote or led (what I may correct or retract)."""
    field = _AUTHOR_FIELDS.get(entry["type"])
    if field is None or entry["type"] not in ev.CONTENT_TYPES:
        return False
    value = entry["data"].get(field)
    return value == member_id or (isinstance(value, list) and member_id in value)


def my_entries(member_id: str) -> list[dict[str, Any]]:
    """Content entries of my timeline that I wrote or led (newest first)."""
    view = journey().views.portfolio(member_id, viewer=member_id)
    return [e for e in view["timeline"] if authored(e, member_id)][::-1]


#: The kinds of content field the correction form can change: one text or link, or a
#: list of texts (norms, tags), written one per line.
_FORM_KINDS = frozenset({"text", "url", "texts"})


def correctable_form_fields(type_name: str) -> dict[str, str]:
    """Content fields of a type the correction form can change: name -> kind."""
    cls = ev.EVENT_TYPES[type_name]
    allowed = ev.correctable_fields(cls)
    return {f.name: f.metadata["kind"] for f in ev.field_specs(cls)
            if f.name in allowed and f.metadata["kind"] in _FORM_KINDS}


def _corrected_value(kind: str, text: str) -> str | list[str]:
    """The form's value as the field holds it: a list of texts is one per line."""
    if kind != "texts":
        return text
    return [line.strip() for line in text.splitlines() if line.strip()]


def _entry_label(entry: dict[str, Any]) -> str:
    from web.i18n import moment
    summary = str(entry.get("summary") or "")
    if len(summary) > 60:
        summary = summary[:57] + "…"
    return f"{moment(entry['occurred_at'], 'short')} · {type_labels().get(entry['type'], entry['type'])} · {summary}"


def type_labels() -> dict[str, str]:
    """Event types in words, for timelines and pickers."""
    return {
        "NetworkCreated": _("Network created"), "CommunityFounded": _("Community founded"),
        "MemberJoined": _("Joined"), "RoleChanged": _("Role changed"), "MemberLeft": _("Left"),
        "NormsAgreed": _("Norms agreed"), "SessionScheduled": _("Session scheduled"),
        "SessionCancelled": _("Session cancelled"), "SessionLed": _("Session held"),
        "ResourceShared": _("Resource shared"), "ResourceReused": _("Resource reused"),
        "FeedbackGiven": _("Feedback given"), "ReflectionRecorded": _("Reflection"),
        "ActionPlanCreated": _("Action plan created"), "ActionPlanRevised": _("Action plan revised"),
        "ActionStepCompleted": _("Action step completed"), "BadgeDefined": _("Badge defined"),
        "RecognitionAwarded": _("Recognition received"),
    }


def field_labels() -> dict[str, str]:
    # One label per field name: the correction form offers every name once, by its label.
    return {"text": _("Text"), "title": _("Title"), "outcome": _("Outcome"),
            "note": _("Note"), "reason": _("Reason"), "prompt": _("Prompt"),
            "url": _("Link"), "evidence_url": _("Evidence link"),
            "link": _("Meeting link"), "starts_at": _("Starts at"),
            "norms": _("Norms (one per line)"), "tags": _("Tags (one per line)")}


# -- forms -----------------------------------------------------------------------------------

class ReflectForm(RecordForm):
    text = TextAreaField(_l("Your reflection"), validators=[DataRequired(), Length(max=MAX_TEXT)],
                         description=_l("What happened, what you learned, what you will try next."))
    community = SelectField(_l("Community"), validators=[Optional()],
                            description=_l("Needed unless the reflection is private."))
    prompt = StringField(_l("Prompt (optional)"), validators=[Optional(), Length(max=500)],
                         description=_l("The question you were answering, if any."))
    visibility = SelectField(_l("Who may read it"), validators=[DataRequired()])
    value_cycle = SelectField(_l("Value created (optional)"), validators=[Optional()])

    def fill(self) -> None:
        self.community.choices = [("", _("No community (private only)"))] + _my_communities()
        self.visibility.choices = list(visibility_labels().items())
        self.value_cycle.choices = [("", _("Not now"))] + list(value_cycle_labels().items())


class StepForm(RecordForm):
    step = SelectField(_l("Action step"), validators=[DataRequired()])
    outcome = TextAreaField(_l("Outcome"), validators=[DataRequired(), Length(max=MAX_TEXT)],
                            description=_l("What was done and what came of it."))
    evidence_url = StringField(_l("Evidence link (optional)"),
                               validators=[Optional(), URL(require_tld=False), Length(max=2000)])


class FeedbackForm(RecordForm):
    about = SelectField(_l("About"), validators=[DataRequired()],
                        description=_l("A session held or a resource shared in your communities."))
    to_member = SelectField(_l("To"), validators=[DataRequired()])
    text = TextAreaField(_l("Feedback"), validators=[DataRequired(), Length(max=MAX_TEXT)])


class CorrectForm(RecordForm):
    entry = SelectField(_l("Entry"), validators=[DataRequired()])
    field_name = SelectField(_l("Field to correct"), validators=[DataRequired()])
    value = TextAreaField(_l("Corrected value"), validators=[DataRequired(), Length(max=MAX_TEXT)])
    reason = StringField(_l("Why"), validators=[DataRequired(), Length(max=1000)])


class RetractForm(RecordForm):
    entry = SelectField(_l("Entry"), validators=[DataRequired()])
    reason = StringField(_l("Why it is retracted"), validators=[DataRequired(), Length(max=1000)],
                         description=_l("Retracted entries stay in the log, marked, and count nowhere."))


# -- pages -----------------------------------------------------------------------------------

def _member_only() -> str:
    who = account()
    if who.member_id is None:
        from flask import abort
        abort(404)
    return who.member_id


def _done(outcome: Outcome, message: str):
    flash(message if not outcome.result.replayed else _("That was already recorded."),
          "success")
    return redirect(url_for("pages.portfolio") + f"#entry-{outcome.result.position}")


def _form_page(template: str, form: Any, outcome: Outcome | None = None, status: int = 200,
               **context: Any):
    return render_template(f"pages/record/{template}", form=form,
                           refusal=outcome.message if outcome else None, **context), status


@bp.get("/record")
@login_required
def record() -> str:
    """The hub: what a teacher can record, and where."""
    member_id = _member_only()
    fold_first()
    return render_template("pages/record/hub.html", communities=_my_communities(),
                           steps=open_steps(member_id, community_views(member_id)))


@bp.route("/record/reflect", methods=["GET", "POST"])
@login_required
def record_reflect():
    _member_only()
    fold_first()
    form = ReflectForm()
    form.fill()
    if request.method == "GET":
        if request.args.get("community") in dict(form.community.choices):
            form.community.data = request.args["community"]
        if form.visibility.data is None:
            form.visibility.data = "private"
    return handle_form(form, partial(_form_page, "reflect.html", form), lambda: ev.ReflectionRecorded(
        reflection_id=minted_id("rf", form.idempotency_key.data), member_id=acting_member(),
        text=form.text.data, community_id=form.community.data or None,
        prompt=(form.prompt.data or "").strip() or None, visibility=form.visibility.data,
        value_cycle=form.value_cycle.data or None),
        lambda outcome: _done(outcome, _("Your reflection is recorded.")),
        names={"community_id": "community"})


@bp.route("/record/step", methods=["GET", "POST"])
@login_required
def record_step():
    member_id = _member_only()
    fold_first()
    steps = open_steps(member_id, community_views(member_id))
    form = StepForm()
    form.step.choices = [("", _("Choose a step"))] + [
        (f"{s['community_id']}|{s['plan_id']}|{s['step_id']}",
         f"{s['title']} ({s['community_name']})") for s in steps]
    if request.method == "GET":
        form.step.data = request.args.get("step", "")

    def completed() -> ev.ActionStepCompleted:
        community_id, plan_id, step_id = form.step.data.split("|", 2)
        return ev.ActionStepCompleted(community_id=community_id, plan_id=plan_id,
                                      step_id=step_id, member_ids=(member_id,),
                                      outcome=form.outcome.data,
                                      evidence_url=form.evidence_url.data or None)

    return handle_form(form, partial(_form_page, "step.html", form, steps=steps), completed,
                       lambda outcome: _done(outcome, _("The step is marked completed.")),
                       names={"step_id": "step", "plan_id": "step", "member_ids": "step"})


def _feedback_choices(member_id: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    # A community holds a session of the same title again and shares new versions under
    # old titles: the day it was held or shared tells the choices apart.
    abouts, people = [], {}
    for view in community_views(member_id):
        c = view["community"]
        for s in view["calendar"]:
            if s["status"] == "held":
                abouts.append((f"session|{c['community_id']}|{s['session_id']}",
                               _("Session: %(title)s, %(day)s (%(community)s)",
                                 title=s["title"] or s["session_id"], day=day(s["held_at"]),
                                 community=c["name"])))
        for r in view["resources"]:
            abouts.append((f"resource|{c['community_id']}|{r['resource_id']}",
                           _("Resource: %(title)s, %(day)s (%(community)s)", title=r["title"],
                             day=day(r["shared_at"]), community=c["name"])))
        for m in view["members"]:
            if m["current_role"] and m["member"]["member_id"] != member_id:
                people[m["member"]["member_id"]] = m["member"].get("name") or m["member"]["member_id"]
    return abouts, sorted(people.items(), key=lambda kv: kv[1])


@bp.route("/record/feedback", methods=["GET", "POST"])
@login_required
def record_feedback():
    member_id = _member_only()
    fold_first()
    abouts, people = _feedback_choices(member_id)
    form = FeedbackForm()
    form.about.choices = [("", _("Choose a session or resource"))] + abouts
    form.to_member.choices = [("", _("Choose a colleague"))] + people

    def given() -> ev.FeedbackGiven:
        about_kind, community_id, about_id = form.about.data.split("|", 2)
        return ev.FeedbackGiven(community_id=community_id, from_member_id=member_id,
                                to_member_id=form.to_member.data, about_kind=about_kind,
                                about_id=about_id, text=form.text.data)

    return handle_form(form, partial(_form_page, "feedback.html", form), given,
                       lambda outcome: _done(outcome, _("Your feedback is recorded.")),
                       names={"to_member_id": "to_member", "about_id": "about",
                              "about_kind": "about", "community_id": "about"})


def _entry_choices(entries: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [("", _("Choose one of your entries"))] + [
        (str(e["position"]), _entry_label(e)) for e in entries]


@bp.route("/record/correct", methods=["GET", "POST"])
@login_required
def record_correct():
    member_id = _member_only()
    fold_first()
    mine = my_entries(member_id)
    kinds_of = {str(e["position"]): correctable_form_fields(e["type"]) for e in mine}
    # Only entries with something the form can change (every entry can be retracted).
    entries = [e for e in mine if kinds_of[str(e["position"])]]
    form = CorrectForm()
    form.entry.choices = _entry_choices(entries)
    labels = field_labels()
    names = sorted({f for e in entries for f in kinds_of[str(e["position"])]})
    form.field_name.choices = [("", _("Choose a field"))] + [(n, labels.get(n, n)) for n in names]
    fields_of = {str(e["position"]): [labels.get(n, n) for n in kinds_of[str(e["position"])]]
                 for e in entries}
    if request.method == "GET":
        form.entry.data = request.args.get("entry", "")

    def corrected() -> ev.EntryCorrected | None:
        kinds = kinds_of.get(form.entry.data, {})
        if form.field_name.data not in kinds:
            form.field_name.errors = [_("This entry has no such field; it has: %(fields)s",
                                        fields=", ".join(labels.get(n, n) for n in kinds))]
            return None
        value = _corrected_value(kinds[form.field_name.data], form.value.data)
        return ev.EntryCorrected(position=int(form.entry.data), corrected_by=member_id,
                                 fields={form.field_name.data: value},
                                 reason=form.reason.data)

    def done(outcome: Outcome):
        flash(_("The entry is corrected."), "success")
        return redirect(url_for("pages.portfolio") + f"#entry-{form.entry.data}")

    return handle_form(form, partial(_form_page, "correct.html", form, fields_of=fields_of,
                                     labels=labels), corrected, done,
                       names={"position": "entry", "fields": "value"})


@bp.route("/record/retract", methods=["GET", "POST"])
@login_required
def record_retract():
    member_id = _member_only()
    fold_first()
    form = RetractForm()
    form.entry.choices = _entry_choices(my_entries(member_id))
    if request.method == "GET":
        form.entry.data = request.args.get("entry", "")

    def done(outcome: Outcome):
        flash(_("The entry is retracted."), "success")
        return redirect(url_for("pages.portfolio"))

    return handle_form(form, partial(_form_page, "retract.html", form),
                       lambda: ev.EntryRetracted(position=int(form.entry.data),
                                                 retracted_by=member_id, reason=form.reason.data),
                       done, names={"position": "entry"})
