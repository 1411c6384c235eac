"""The auth pages: thin views over events.accounts and the log's domain commands.

Every sentence shown to people goes through Flask-Babel. The accounts layer (events/) speaks
English with a machine `code`: `account_message` turns a known refusal into its sentence in the
reader's language, and falls back to the English message for any other.
"""
from __future__ import annotations

import re
from functools import wraps
from typing import Any, Callable

from flask import (abort, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_required, login_user, logout_user

from events.accounts import INVITE, RESET, AccountError, link_url
from events.erasure import erase_member, erased_members
from events.schemas import SchemaInvalid, load_event
from journey import errors
from journey.clock import utcnow
from journey.records import RecordEvent
from web.auth import bp
from web.auth.forms import (BROWSER, AcceptInviteForm, ButtonForm, ChangePasswordForm,
                            EraseForm, InviteForm, LanguageForm, LoginForm, ResetForm,
                            TimeZoneForm, TokenForm)
from web.auth.session import SignedIn
from web.i18n import LANGUAGES, moment
from web.pages.refusals import explain
from web.security import safe_next
from web.services import accounts, journey


# -- the accounts layer's refusals, in the reader's language --------------------------------

# (code, the English message of events/accounts.py as a pattern, its sentence). The
# sentences are built per request (gettext), keeping the English wording of events/.
_REFUSALS: list[tuple[str, str, Callable[[dict[str, str]], str]]] = [
    ("bad_credentials", r"the username or the password is not right",
     lambda v: _("the username or the password is not right")),
    ("bad_credentials", r"the current password is not right",
     lambda v: _("the current password is not right")),
    ("locked", r"too many failed sign-ins: try again after (?P<moment>\S+)",
     lambda v: _("too many failed sign-ins: try again after %(moment)s",
                 moment=moment(v["moment"]))),
    ("bad_username", r"a username must not be empty",
     lambda v: _("a username must not be empty")),
    ("bad_username", r"a username has at most (?P<count>\d+) characters",
     lambda v: _("a username has at most %(count)s characters", count=v["count"])),
    ("bad_username", r"a username has no spaces or control characters",
     lambda v: _("a username has no spaces or control characters")),
    ("weak_password", r"a password needs at least (?P<count>\d+) characters",
     lambda v: _("a password needs at least %(count)s characters", count=v["count"])),
    ("weak_password", r"a password has at most (?P<count>\d+) characters",
     lambda v: _("a password has at most %(count)s characters", count=v["count"])),
    ("bad_time_zone", r"(?P<name>.+) is not a time zone name such as Europe/Belgrade",
     lambda v: _("%(name)s is not a time zone name such as Europe/Belgrade",
                 name=v["name"])),
    ("username_taken", r"the username (?P<name>.+) is taken",
     lambda v: _("the username %(name)s is taken", name=v["name"])),
    ("username_taken", r"that username is taken", lambda v: _("that username is taken")),
    ("member_has_account", r"(?P<member>.+) already has an account",
     lambda v: _("%(member)s already has an account", member=v["member"])),
    ("member_erased", r"(?P<member>.+) was erased",
     lambda v: _("%(member)s was erased: nobody can sign in as them", member=v["member"])),
    ("unknown_account", r"there is no account (?P<name>.+)",
     lambda v: _("there is no account %(name)s", name=v["name"])),
    ("bad_language", r"choose a language from the list",
     lambda v: _("choose a language from the list")),
    ("bad_token_name", r"a token needs a name of 1 to 200 characters",
     lambda v: _("a token needs a name of 1 to 200 characters")),
    ("bad_token_name", r"a token name has no control characters",
     lambda v: _("a token name has no control characters")),
    ("unknown_token", r"there is no token (?P<token>.+)",
     lambda v: _("there is no token %(token)s", token=v["token"])),
    ("bad_member_id", r"a member id has 1 to 160 characters, no spaces or control characters",
     lambda v: _("a member id has 1 to 160 characters, no spaces or control characters")),
    ("invalid_link", r"this link is unknown, used or expired: ask an admin for a new one",
     lambda v: _("this link is unknown, used or expired: ask an admin for a new one")),
    ("display_name_required", r"Tell us your name to register\.",
     lambda v: _("Tell us your name to register.")),
]
_PATTERNS = [(code, re.compile(pattern, re.DOTALL), sentence)
             for code, pattern, sentence in _REFUSALS]


def account_message(exc: AccountError) -> str:
    """The refusal's sentence in the reader's language (its English message if unknown)."""
    for code, pattern, sentence in _PATTERNS:
        if code == exc.code:
            found = pattern.fullmatch(exc.message)
            if found:
                return sentence(found.groupdict())
    return exc.message


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Signed in with an admin account, or 403."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.account.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _sign_in(account) -> None:
    session.clear()  # a new session on sign-in: no fixation
    login_user(SignedIn(account))


# -- sign in, sign out -------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            account = accounts().authenticate(form.username.data, form.password.data)
        except AccountError as exc:
            flash(account_message(exc), "error")
            status = 429 if exc.code == "locked" else 401
        else:
            _sign_in(account)
            return redirect(safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        # Clearing this cookie alone would leave any copy of it signed in until it expires:
        # the session lives in the cookie, so the account's generation ends it (and every
        # other session of the account).
        accounts().end_sessions(current_user.account.id)
    logout_user()
    session.clear()
    flash(_("You are signed out."), "success")
    return redirect(url_for("main.home"))


# -- the account page: language, password, time zone, tokens -------------------------------

def _account_page(status: int = 200, **extra: Any):
    account = current_user.account
    zone = TimeZoneForm(time_zone=account.time_zone)
    language = extra.pop("language_form", None) or LanguageForm(
        language=account.language if account.language in LANGUAGES else BROWSER)
    return render_template("auth/account.html", account=account, zone_form=zone,
                           language_form=language,
                           token_form=extra.pop("token_form", None) or TokenForm(),
                           button=ButtonForm(), tokens=accounts().tokens_of(account.id),
                           **extra), status


@bp.get("/account")
@login_required
def account():
    return _account_page()


@bp.post("/account/time-zone")
@login_required
def time_zone():
    form = TimeZoneForm()
    if not form.validate_on_submit():
        flash(_("Choose a time zone from the list."), "error")
        return _account_page(400)
    accounts().set_time_zone(current_user.account.id, form.time_zone.data)
    flash(_("Your time zone is saved."), "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/language")
@login_required
def language():
    """The account's language: its pages speak it wherever it signs in."""
    form = LanguageForm()
    if not form.validate_on_submit():
        return _account_page(400, language_form=form)
    try:
        saved = accounts().set_language(current_user.account.id,
                                        form.language.data or None)
    except AccountError as exc:  # the list is checked above; this is the layer's own check
        form.language.errors = [account_message(exc)]
        return _account_page(400, language_form=form)
    # The confirmation speaks the new language already.
    current_user.account = saved
    refresh()
    flash(_("Your language is saved."), "success")
    return redirect(url_for("auth.account"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            account = accounts().change_password(current_user.account.id, form.current.data,
                                                 form.password.data)
        except AccountError as exc:
            flash(account_message(exc), "error")
            status = 400
        else:
            _sign_in(account)  # the old sessions end; this one goes on
            flash(_("Your password is changed."), "success")
            return redirect(url_for("auth.account"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/password.html", form=form), status


@bp.post("/tokens")
@login_required
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return _account_page(400, token_form=form)
    try:
        _, secret = accounts().create_token(current_user.account.id, form.name.data)
    except AccountError as exc:
        form.name.errors = [account_message(exc)]
        return _account_page(400, token_form=form)
    # Shown on this page only, never stored in clear or put in a flash message.
    return _account_page(201, new_token=secret)


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        accounts().revoke_token(current_user.account.id, token_id)
    except AccountError:
        abort(404)
    flash(_("The token is revoked."), "success")
    return redirect(url_for("auth.account"))


# -- one-time links ------------------------------------------------------------------------

@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    try:
        link = accounts().link(token, INVITE)
    except AccountError as exc:
        return render_template("auth/invalid_link.html", message=account_message(exc)), 404
    member_id = link.member_id
    registered = journey().store.read_state(lambda state: member_id in state.members)
    # "As your browser says" comes first: a person who never picks one reads their browser's.
    form = AcceptInviteForm()
    status = 200
    if form.validate_on_submit():
        try:
            if not registered:
                _register(member_id, form.display_name.data)
            account = accounts().accept_invite(token, form.password.data,
                                               time_zone=form.time_zone.data,
                                               language=form.language.data or None)
        except AccountError as exc:
            flash(account_message(exc), "error")
            status = 400
        except errors.Refused as exc:
            flash(exc.message, "error")
            status = 400
        else:
            _sign_in(account)
            refresh()
            name = form.display_name.data or journey().views.display_name(member_id)
            flash(_("Welcome, %(member)s: your account is ready.", member=name or member_id),
                  "success")
            return redirect(url_for("main.home"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/invite.html", form=form, member_id=member_id,
                           registered=registered), status


def _register(member_id: str, display_name: str | None) -> None:
    """The invited person registers themselves in the log (the domain's MemberRegistered)."""
    if not display_name or not display_name.strip():
        raise AccountError("display_name_required", "Tell us your name to register.")
    try:
        event = load_event("MemberRegistered", {"member_id": member_id,
                                                "display_name": display_name.strip()})
    except SchemaInvalid as exc:
        raise AccountError("display_name", exc.message) from None
    journey().store.submit(RecordEvent(event, member_id, utcnow()))


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        accounts().link(token, RESET)
    except AccountError as exc:
        return render_template("auth/invalid_link.html", message=account_message(exc)), 404
    form = ResetForm()
    status = 200
    if form.validate_on_submit():
        try:
            account = accounts().reset_password(token, form.password.data)
        except AccountError as exc:
            flash(account_message(exc), "error")
            status = 400
        else:
            _sign_in(account)
            flash(_("Your new password is saved."), "success")
            return redirect(url_for("main.home"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/reset.html", form=form), status


# -- the admin's accounts page -------------------------------------------------------------

def _admin_page(status: int = 200, **extra: Any):
    return render_template("auth/admin_accounts.html", accounts=accounts().all(),
                           invites=accounts().pending_invites(),
                           invite_form=extra.pop("invite_form", None) or InviteForm(),
                           erase_form=extra.pop("erase_form", None) or EraseForm(),
                           button=ButtonForm(), **extra), status


@bp.get("/admin/accounts")
@admin_required
def admin_accounts():
    return _admin_page()


def _base_url() -> str:
    return current_app.config["JOURNEY_BASE_URL"]


@bp.post("/admin/invite")
@admin_required
def admin_invite():
    form = InviteForm()
    if not form.validate_on_submit():
        return _admin_page(400, invite_form=form)
    member_id = form.member_id.data.strip()
    try:
        # As `journey user invite` does: an erased member's account would read their
        # communities as them again.
        if member_id in erased_members(journey().log):
            raise AccountError("member_erased", f"{member_id} was erased")
        secret = accounts().invite(member_id)
    except AccountError as exc:
        flash(account_message(exc), "error")
        return _admin_page(400, invite_form=form)
    return _admin_page(201, link=link_url(_base_url(), INVITE, secret),
                       link_for=form.member_id.data.strip(), link_purpose="invitation")


@bp.post("/admin/accounts/<int:account_id>/reset")
@admin_required
def admin_reset(account_id: int):
    if not ButtonForm().validate_on_submit():
        abort(400)
    target = accounts().get(account_id)
    if target is None:
        abort(404)
    secret = accounts().reset_link(account_id)
    return _admin_page(201, link=link_url(_base_url(), RESET, secret),
                       link_for=target.username, link_purpose="reset")


@bp.post("/admin/erase")
@admin_required
def admin_erase():
    form = EraseForm()
    if not form.validate_on_submit():
        return _admin_page(400, erase_form=form)
    installation = journey()
    try:
        result = erase_member(installation.log, accounts(), form.member_id.data.strip(),
                              form.requested_by.data.strip(),
                              actor=current_user.account.actor)
    except errors.Refused as exc:
        flash(_("Nothing was erased: %(why)s", why=explain(exc.rule, exc.message)), "error")
        return _admin_page(422 if exc.kind == "invalid" else 403, erase_form=form)
    except OSError as exc:  # the instance's erasures file: checked before anything is appended
        flash(_("Nothing was erased: the instance directory cannot record erasures (%(why)s).",
                why=str(exc)), "error")
        return _admin_page(503, erase_form=form)
    flash(_("%(member)s is erased (position %(position)s).",
            member=form.member_id.data.strip(), position=result.position), "success")
    return redirect(url_for("auth.admin_accounts"))
