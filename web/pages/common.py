"""What every page needs: who is reading and their rights now, the as-of moment a page
shows, and recording a command with its refusal turned into a message in place.

Views stay thin: they ask `reader_now()` whether the signed-in person may see a page
(journey/access.py decides, on the log's current roles), call a view or a report, and
hand the result to a template. Writes build the same domain commands as the API and the
CLI; `record()` lets the store decide and returns the refusal for the form to show.
"""
from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import abort, current_app, request
from flask_babel import gettext as _
from flask_login import current_user

from events.codec import asked_digest, request_digest
from events.exchange import checked_corrections
from events.schemas import SchemaInvalid, idempotency_key_problem
from events.store import AppendResult, Options
from journey import errors
from journey import events as ev
from journey.access import Reader, reader
from journey.clock import BadTime, format_time, parse_time, to_micros, utcnow
from journey.records import RecordEvent
from journey.state import DomainState
from web.forms import account_zone
from web.pages.refusals import explain
from web.services import journey

T = TypeVar("T")


def account():
    """The signed-in account (pages that call this are behind login_required)."""
    return current_user.account


def judged(check: Callable[[DomainState, Reader, int], T]) -> T:
    """`check(state, reader, now)` on the log's current roles, as the signed-in person."""
    signed_in = current_user.is_authenticated
    member_id = current_user.account.member_id if signed_in else None
    is_admin = bool(signed_in and current_user.account.is_admin)
    now = to_micros(utcnow())

    def read(state: DomainState) -> T:
        return check(state, reader(state, member_id, is_admin=is_admin, at=now), now)

    return journey().store.read_state(read)


def reader_now() -> Reader:
    """The signed-in person's roles now (copied out of the state: safe to keep)."""
    return judged(lambda state, who, now: who)


def require(allowed: Callable[[DomainState, Reader, int], bool], *,
            exists: Callable[[DomainState], bool] | None = None) -> None:
    """404 unless `exists(state)`, then 403 unless `allowed(state, reader, now)`."""
    def check(state, who, now) -> tuple[bool, bool]:
        return (exists is None or exists(state)), bool(allowed(state, who, now))

    found, ok = judged(check)
    if not found:
        abort(404)
    if not ok:
        abort(403)


def viewer() -> str:
    """Whose rights the views apply to reflections (an admin without a member: nobody's)."""
    who = account()
    return who.member_id if who.member_id is not None else f"admin {who.username}"


def fold_first() -> None:
    """Pages read the projections: without the background thread, fold before reading."""
    if not current_app.config["JOURNEY_BACKGROUND"]:
        journey().runner.catch_up()


# -- as of -------------------------------------------------------------------------------

@dataclass(frozen=True)
class AsOf:
    """The moment a page replays history to (None: now), as typed and as UTC."""

    text: str | None
    moment: datetime | None
    error: str | None = None

    @property
    def api_value(self) -> str | None:
        return None if self.moment is None else self.moment.isoformat()

    @property
    def exact(self) -> str | None:
        """The moment in RFC 3339, UTC (2023-03-04T22:59:59.999999Z): what a download link
        carries, so that its URL means the same cut for anyone, whatever their time zone,
        and the same as the API's and `journey export-csv --as-of` would."""
        return None if self.moment is None else format_time(self.moment)


def as_of_from_request(name: str = "as_of") -> AsOf:
    """`?as_of=` as a date (the end of that day in the account's zone, today's: now) or a
    date and time.

    A bad value is not an error page: the page shows "now" and says the date was not
    understood, beside the picker.
    """
    text = (request.args.get(name) or "").strip()
    if not text:
        return AsOf(None, None)
    zone = account_zone() if current_user.is_authenticated else ZoneInfo("UTC")
    now = utcnow()
    try:
        if len(text) == 10:
            day = datetime.strptime(text, "%Y-%m-%d").date()
            moment = datetime.combine(day, time(23, 59, 59, 999999), zone)
            if day == now.astimezone(zone).date():
                # Today has not ended: its end is "now", as for a share link frozen today.
                moment = min(moment, now)
        else:
            moment = datetime.fromisoformat(text)
            # With its own offset (Z, +hh:mm or -hh:mm) it is read as the API reads it;
            # without one, in the account's zone.
            moment = parse_time(text) if moment.tzinfo else moment.replace(tzinfo=zone)
    except (ValueError, BadTime):
        return AsOf(text, None, _("“%(text)s” is not a date (use YYYY-MM-DD).", text=text))
    if moment.astimezone(ZoneInfo("UTC")) > now:
        return AsOf(text, None, _("%(text)s is in the future; showing now.", text=text))
    return AsOf(text, moment)


def exact_as_of_from_request(name: str = "as_of") -> AsOf:
    """`?as_of=` as the API and the command line read it (a CSV download's): RFC 3339 with
    an offset, or YYYY-MM-DD = 00:00 UTC of that day (DESIGN), whoever asks. The pages'
    own links carry the exact moment they showed (AsOf.exact); a bad value is an error."""
    text = (request.args.get(name) or "").strip()
    if not text:
        return AsOf(None, None)
    try:
        return AsOf(text, parse_time(text))
    except BadTime as exc:
        return AsOf(text, None, str(exc))


# -- recording ---------------------------------------------------------------------------

@dataclass
class Outcome:
    """What became of a command: the append, or the refusal to show beside the form."""

    result: AppendResult | None = None
    message: str | None = None
    fields: dict[str, list[str]] | None = None

    @property
    def ok(self) -> bool:
        return self.result is not None


def acting_member() -> str:
    who = account()
    if who.member_id is not None:
        return who.member_id
    if who.is_admin:
        return who.username
    abort(403)


def minted_id(prefix: str, key: str | None) -> str:
    """An opaque id for a new entry: the same for every post of one drawn form.

    Derived from the signed-in member and the form's idempotency key, so a re-post names
    the same entry (and replays) instead of recording a twin under a new id.
    """
    seed = f"{acting_member()}\x1f{key or uuid.uuid4()}"
    return f"{prefix}-{hashlib.sha256(seed.encode('utf-8')).hexdigest()[:20]}"


def submit(command: Any, *, form: Any = None, digest: str | None = None,
           key_suffix: str = "") -> Outcome:
    """Let the store decide `command`, under the idempotency key of the posted `form`
    (with `key_suffix`, for a second command the same form sends); a refusal comes back
    as a message and field errors.

    The form's digest is kept with the key, for `earlier_outcome` to tell a re-post from
    a changed one.
    """
    key = (form.idempotency_key.data if form is not None else None) or None
    if key is not None:
        key += key_suffix
    meta = {"client": "web"}
    if key is not None:
        meta["form_digest"] = form_digest(form)
    options = Options(idempotency_key=key, digest=digest, meta=meta)
    installation = journey()
    try:
        result = installation.store.submit(command, options)
    except (errors.Refused, SchemaInvalid) as exc:
        return Outcome(message=explain(exc.rule, exc.message),
                       fields=getattr(exc, "fields", None) or {})
    # Read your writes: the page a form redirects to shows what was just recorded.
    installation.runner.wait_for(result.position,
                                 timeout=current_app.config["READ_WAIT_SECONDS"])
    return Outcome(result)


def record(event: Any, occurred_at: datetime | None = None, *, form: Any = None,
           key_suffix: str = "") -> Outcome:
    """Record `event` as the signed-in member (admins act with their privilege), under the
    idempotency key of the posted `form`.

    A re-post of the same form (same idempotency key) replays the first result. As in the
    API, the request's digest holds occurred_at only when the person typed one: "now"
    differs between a post and its re-post, which must not count as a different request.
    A correction is checked against its target first, as `journey record` does.
    """
    who = account()
    try:
        if isinstance(event, ev.EntryCorrected):
            event = checked_corrections(journey().store, event, actor=acting_member(),
                                        occurred_at=occurred_at, privileged=who.is_admin)
    except errors.Refused as exc:  # SchemaInvalid, or the rules' refusal of the corrector
        return Outcome(message=explain(exc.rule, exc.message),
                       fields=getattr(exc, "fields", None) or {})
    digest = asked_digest({"type": event.type, "data": event.to_data()}, occurred_at)
    command = RecordEvent(event, acting_member(), occurred_at or utcnow(),
                          privileged=who.is_admin)
    return submit(command, form=form, digest=digest, key_suffix=key_suffix)


def form_digest(form: Any) -> str:
    """A digest of what the posted `form` sent: every field but its CSRF token and its
    idempotency key, in a stable order, the path it was posted to, and each uploaded
    file's content (a re-post sends the same file again; another file is another
    request)."""
    skip = {form.idempotency_key.name}
    if getattr(form, "csrf_token", None) is not None:  # absent when CSRF is switched off
        skip.add(form.csrf_token.name)
    fields = {name: values for name, values in request.form.lists() if name not in skip}
    for name, uploads in request.files.lists():
        fields[f"file:{name}"] = [_content_digest(upload.stream) for upload in uploads]
    return request_digest({"path": request.path, "fields": fields})


def _content_digest(stream: Any) -> str:
    """sha256 of all of an upload's bytes, the stream left where it was: asked before the
    form reads the file and again, to store it, after it did."""
    where = stream.tell()
    stream.seek(0)
    digest = hashlib.file_digest(stream, "sha256").hexdigest()
    stream.seek(where)
    return digest


def earlier_outcome(form: Any) -> Outcome | None:
    """The first result of a posted form the signed-in person already sent (its hidden
    idempotency key is in the log), replayed; the refusal `idempotency_key_reused` when
    that key was sent with other fields (the person went back and changed the form) or
    first used by another form or the API; None for a GET or a first post.

    Asked before the form is judged: the first append may have changed what the form is
    judged against (the cancelled session is no longer scheduled, the completed step no
    longer open, the facilitator who handed over no longer facilitates), so a re-post
    judged again would be refused instead of answered as the first post was.

    The form's CSRF token is checked first: the upload views are exempt from the app-wide
    check (their forms check it when validated, which a replay answer would come before).
    A post without a valid token gets no answer from the log (None): it goes on to be
    judged, and refused, as any post without one.
    """
    if not form.is_submitted():
        return None
    token = getattr(form, "csrf_token", None)  # absent when CSRF is switched off
    if token is not None and not token.validate(form):
        return None
    key = form.idempotency_key.data
    if not key or idempotency_key_problem(key) is not None:
        return None  # never stored; the append refuses it in place
    try:
        result = journey().store.replayed(acting_member(), key, form_digest=form_digest(form))
    except errors.IdempotencyKeyReused as exc:
        return Outcome(message=explain(exc.rule, exc.message), fields={})
    return Outcome(result) if result is not None else None


def handle_form(form: Any, page: Callable[..., Any], event_of: Callable[[], Any],
                done: Callable[[Outcome], Any], *,
                names: dict[str, str] | None = None,
                exists: Callable[[], bool] | None = None,
                allowed: Callable[[Reader], bool] | None = None) -> Any:
    """The life of a form that records an event, the same on every page.

    A re-post of a form already recorded goes to `done` with the first result; one whose
    key was used for a different request is shown again with that refusal (422). Else
    GET shows it (`page()`); a POST that fails validation, or whose `event_of()` finds a
    further problem (it returns None with the error put on the form), or that the domain
    refuses, shows it again with the errors in place (`page(outcome=, status=422)`) and
    appends nothing; a recorded one goes on to `done(outcome)` (usually a redirect).
    `names` maps the event's field names to the form's, for the domain's field errors;
    `exists()` says whether what the form acts on is there (else 404), asked after a
    re-post was answered, which its own first post may have made disappear; `allowed(who)`
    whether the rules let the signed-in person use the form at all (else 403), asked then
    too: the first post may have changed their rights (a facilitator who stepped down).
    """
    earlier = earlier_outcome(form)
    if earlier is not None:
        return done(earlier) if earlier.ok else page(outcome=earlier, status=422)
    if exists is not None and not exists():
        abort(404)
    if allowed is not None and not judged(lambda state, who, now: allowed(who)):
        abort(403)
    if not form.is_submitted():
        return page()
    event = event_of() if form.validate() else None
    if event is None:
        return page(status=422)
    outcome = record(event, form.occurred_at.data, form=form)
    if not outcome.ok:
        form_errors(form, outcome, names)
        return page(outcome=outcome, status=422)
    return done(outcome)


def form_errors(form: Any, outcome: Outcome, names: dict[str, str] | None = None) -> None:
    """Put a refusal's field errors on the form's fields (event field -> form field)."""
    names = names or {}
    for field_name, messages in (outcome.fields or {}).items():
        target = _form_field(form, field_name, names)
        if target is not None:
            target.errors = [*list(target.errors or []), *messages]


def _form_field(form: Any, field_name: str, names: dict[str, str]) -> Any:
    """The form field showing an event field's errors: `norms.0` is the norms field,
    `fields.text` (a correction) the field `names` gives for `fields`, and `steps.1.owners`
    the field `names` gives for it, which may be a path into a list of rows
    (`steps.3.owners`: the owners of the fourth row)."""
    root = field_name.split(".")[0]
    for candidate in (names.get(field_name), names.get(root), field_name.split(".")[-1], root):
        target = _field_at(form, candidate) if candidate is not None else None
        if target is not None and hasattr(target, "errors"):
            return target
    return None


def _field_at(form: Any, path: str) -> Any:
    """The field at a dotted path of names and row numbers (`title`, `steps.3.owners`)."""
    target = form
    for part in path.split("."):
        if part.isdigit():
            try:
                target = target[int(part)]
            except (TypeError, KeyError, IndexError):
                return None
        else:
            target = getattr(target, part, None)
        if target is None:
            return None
    return target
