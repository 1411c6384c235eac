"""The Open Badges pages: /ob/v2 (hosted verification), /ob/v3 (credentials and each
issuer's Bitstring Status List, which a verifier elsewhere reads to learn of a revocation),
and the admin's issuer settings under /api.

Every /ob document is public (a verifier has no account). Under /ob/v2: JSON-LD for
`Accept: application/ld+json` (or application/json) or a `.json` suffix, an HTML page
otherwise. Under /ob/v3 (credentials, status lists): always JSON, errors included, in the
API's body {error, message, fields}; they are for wallets and verifiers, and people reach
them through the portfolio's links and the /ob/v3/verify page.
`?as_of=` answers as of a moment: an award not yet made is a 404, one revoked by then a
410. A revocation, like an erasure, reaches back over every moment: an award revoked now
(or whose recipient is erased) is a 410 whatever `as_of` says, so no moment ever brings
back an assertion or a baked badge Journey has withdrawn (an erased member's answers carry
no personal data). An OB 3.0 credential is signed now, over the award as it stands now:
it takes no `as_of` (a 400).
"""
from __future__ import annotations

import json
from typing import Any, NoReturn

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import escape
from marshmallow import Schema, ValidationError, pre_load
from marshmallow.validate import Length

from events.schemas import (MAX_EMAIL, MAX_URL, EmailField, TextField, UrlField,
                            flatten_messages)
from journey import errors
from journey.clock import utcnow
from journey.events import RULE_BADGE_PREFIX
from projections.openbadges import documents as docs
from projections.openbadges.catalogue import Award, Catalogue
from projections.openbadges.contexts import OB_V2_URL
from projections.openbadges.png import baked_badge
from web.api.body import json_body
from web.api.errors import ApiError, bad_query
from web.extensions import csrf
from web.i18n import DEFAULT, html_lang
from web.openbadges.service import service, urls
from web.openbadges.verify import check, node_id
from web.services import AWARD_LINKS, journey

bp = Blueprint("openbadges", __name__)
csrf.exempt(bp)  # the verify page is public and changes nothing; the API checks itself

JSONLD = "application/ld+json"
MAX_ISSUER_NAME = 200


class IssuerBody(Schema):
    """A network's issuer as an admin sets it: the log's own field types, so that what the
    log refuses (NUL, lone surrogates, blank text, other URL schemes) is refused here too.
    An empty optional field clears it."""

    name = TextField(required=True, validate=Length(max=MAX_ISSUER_NAME))
    url = UrlField(required=True)
    email = EmailField(load_default=None, allow_none=True)
    image = UrlField(load_default=None, allow_none=True)

    @pre_load
    def _empty_is_absent(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {k: (None if v == "" and k in ("email", "image") else v)
                for k, v in data.items()}


def _wants_json(suffixed: bool) -> bool:
    if suffixed:
        return True
    best = request.accept_mimetypes.best_match(["text/html", JSONLD, "application/json"])
    return best in (JSONLD, "application/json")


def _split(name: str, *suffixes: str) -> tuple[str, str | None]:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], suffix
    return name, None


def _catalogue() -> Catalogue:
    if not current_app.config.get("JOURNEY_BACKGROUND", True):
        journey().runner.catch_up()
    try:
        return service().catalogue(service().position(request.args.get("as_of")))
    except errors.Refused as exc:
        _bad_as_of(exc.message)


def _bad_as_of(message: str) -> NoReturn:
    raise bad_query(message, {"as_of": [message]})


def _answer(document: dict[str, Any], as_json: bool, title: str, status: int = 200,
            extra: str = "") -> Response:
    if as_json:
        return Response(json.dumps(document, ensure_ascii=False, indent=2), status,
                        mimetype=JSONLD)
    # The document's own fields stay as they are (machine names); only our words are translated.
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{_html_value(v)}</dd>"
                   for k, v in document.items() if k != "@context")
    link = _('<a href="%(url)s">JSON-LD</a> (Open Badges)',
             url=escape(f"{document.get('id', '')}.json"))
    return _page(title, f"{extra}<dl>{rows}</dl><p>{link}</p>", status)


def _html_value(value: Any) -> str:
    if isinstance(value, str):
        if value.startswith(("http://", "https://")):
            return f"<a href=\"{escape(value)}\">{escape(value)}</a>"
        return str(escape(value))
    if isinstance(value, dict):
        return "<dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{_html_value(v)}</dd>"
                                for k, v in value.items()) + "</dl>"
    if isinstance(value, list):
        return "<ul>" + "".join(f"<li>{_html_value(v)}</li>" for v in value) + "</ul>"
    return str(escape(json.dumps(value)))


# -- OB 2.0: issuers, badges, assertions ----------------------------------------------------

def _issuer_of(issuer: str, cat: Catalogue) -> docs.Issuer:
    try:
        network = docs.network_of(issuer)
    except ValueError:
        abort(404)
    if network is not None and network not in cat.networks:
        abort(404)
    return service().issuer(network, cat)


@bp.get("/ob/v2/issuers/<name>")
def issuer(name: str) -> Response:
    ident, suffix = _split(name, ".json")
    cat = _catalogue()
    found = _issuer_of(ident, cat)
    return _answer(docs.profile(found, urls()), _wants_json(bool(suffix)), found.name)


@bp.get("/ob/v2/issuers/<name>/revocations")
@bp.get("/ob/v2/issuers/<name>/revocations.json")
def revocations(name: str) -> Response:
    cat = _catalogue()
    _issuer_of(name, cat)
    return _answer(docs.revocation_list(name, cat, urls()),
                   _wants_json(request.path.endswith(".json")), _("Revoked assertions"))


@bp.get("/ob/v2/badges/<path:name>")
def badge(name: str) -> Response:
    ident, suffix = _split(name, ".json", "/image.png")
    cat = _catalogue()
    found = cat.badges.get(ident)
    if found is None:
        abort(404)
    if suffix == "/image.png":
        return _png(service().badge_png(found))
    return _answer(docs.badge_class(found, urls()), _wants_json(bool(suffix)), found.name)


def _png(data: bytes) -> Response:
    """A badge image: an uploaded one was checked to be a PNG, and is never sniffed."""
    response = Response(data, mimetype="image/png")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _award(award_id: str, cat: Catalogue) -> Award:
    """The award as of `cat`'s moment; the present one when it is revoked now.

    A past catalogue still holds as standing an award revoked since (or whose recipient
    was erased since): answered from it, `as_of` would serve a withdrawn badge again.
    """
    award = cat.awards.get(award_id)
    if award is None:
        abort(404)
    if not award.revoked:
        now = service().latest().awards.get(award_id)
        if now is not None and now.revoked:
            return now
    return award


def _gone(award: Award, as_json: bool) -> Response:
    document = docs.revoked_assertion(award.award_id, award.revocation_reason, urls())
    # Texts outside f-strings: `pybabel extract` does not look inside them.
    gone = _("This badge is no longer valid.")
    return _answer(document, as_json, _("Revoked badge"), 410, f"<p>{escape(gone)}</p>")


@bp.get("/ob/v2/assertions/<name>")
def assertion(name: str) -> Response:
    ident, suffix = _split(name, ".json", ".png")
    cat = _catalogue()
    award = _award(ident, cat)
    if award.revoked:
        return _gone(award, suffix != ".png" and _wants_json(bool(suffix)))
    if suffix == ".png":
        url = urls().assertion(award.award_id)
        found = cat.badges.get(award.badge)
        response = _png(service().badge_png(found, url) if found is not None
                        else baked_badge(award.badge, url))
        response.headers["Content-Disposition"] = \
            f'attachment; filename="{award.award_id}.png"'
        return response
    badge_doc = cat.badges.get(award.badge)
    title = badge_doc.name if badge_doc else _("Badge")
    return _answer(docs.assertion(award, cat, urls()), _wants_json(bool(suffix)), title,
                   extra=f"<p><img src=\"{escape(urls().baked(award.award_id))}\" "
                         f"alt=\"\" width=\"128\" height=\"128\"></p>")


# -- OB 3.0 -----------------------------------------------------------------------------------

@bp.get("/ob/v3/credentials/<name>")
def credential(name: str) -> Response:
    ident, _suffix = _split(name, ".json")
    _no_as_of("a credential is signed as the award stands now")
    cat = _catalogue()
    if ident not in cat.awards:
        raise ApiError(404, "unknown_award", f"this Journey has no award {ident}")
    award = _award(ident, cat)
    if award.revoked:
        # No OB 3.0 document says "revoked" (a verifier reads the status list): the
        # API's error body, never an OB 2.0 Assertion at a v3 URL. No personal data.
        raise ApiError(410, "award_revoked", f"the award {ident} was revoked: "
                                             f"{award.revocation_reason or 'revoked'}")
    found = service().issuer(cat.issuer_of(award), cat)
    response = _signed(docs.credential(award, cat, found, service().did(), urls()))
    if request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="{ident}.json"'
    return response


@bp.get("/ob/v3/status-lists/<name>")
def status_list(name: str) -> Response:
    """An issuer's BitstringStatusListCredential: which of its credentials are revoked."""
    ident, _suffix = _split(name, ".json")
    _no_as_of("a status list is signed as it stands now")
    cat = _catalogue()
    try:
        network = docs.network_of(ident)
    except ValueError:
        network = ""
    if network is not None and network not in cat.networks:
        raise ApiError(404, "unknown_issuer", f"this Journey has no issuer {ident}")
    return _signed(docs.status_list_credential(network, cat, service().did(), urls(),
                                               utcnow()))


def _no_as_of(why: str) -> None:
    """Refuse `as_of` on a document signed now: its proof says it holds now, at no other
    moment (a 400)."""
    if "as_of" in request.args:
        _bad_as_of(f"{why}; it takes no as_of")


def _signed(document: dict[str, Any]) -> Response:
    """`document` signed now with the instance's key, as JSON."""
    return Response(json.dumps(service().sign(document), ensure_ascii=False, indent=2),
                    mimetype="application/json")


def _verify_form() -> str:
    """The paste-or-upload form of the verification page, in the reader's language."""
    # Texts outside f-strings: `pybabel extract` does not look inside them.
    paste, upload, check = (_("Paste an Open Badges 3.0 credential (JSON)"), _("or upload it"),
                            _("Check"))
    return (f'<form method="post" enctype="multipart/form-data">\n'
            f'<p><label for="credential">'
            f'{escape(paste)}</label><br>\n'
            f'<textarea id="credential" name="credential" rows="14" cols="80"></textarea></p>\n'
            f'<p><label for="file">{escape(upload)}</label> '
            f'<input id="file" type="file" name="file"\naccept=".json,application/json"></p>'
            f'<p><button type="submit">{escape(check)}</button></p></form>')


@bp.route("/ob/v3/verify", methods=["GET", "POST"])
def verify() -> Response:
    """Check a credential: its Data Integrity proof, and whether Journey revoked it."""
    if request.method == "GET":
        return _page(_("Check an Open Badges credential"), _verify_form())
    text: str | bytes = ""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        text = upload.read()
    elif request.form.get("credential"):
        text = request.form["credential"]
    elif request.is_json:
        text = request.get_data()
    valid, reason, credential = check(text)
    issued_here = credential is not None and _signed_here(credential)
    if valid and credential is not None:
        valid, reason = _still_valid(credential, reason)
    result = {"valid": valid, "reason": reason, "issued_here": issued_here}
    if request.is_json or _wants_json(False):
        return Response(json.dumps(result), 200, mimetype="application/json")
    verdict = "valid" if valid else "invalid"  # a class name: not translated
    if not valid:
        said = _("The credential is invalid")
    elif issued_here:
        said = _("The credential is valid")
    else:
        # Well signed by whoever its issuer is; a name like this network's proves nothing.
        said = _("The credential is validly signed by its own issuer, but this Journey "
                 "did not issue it")
    # The reason is the checker's English (it is also the JSON answer's machine text).
    return _page(_("Check an Open Badges credential"),
                 f"<p class=\"verdict {verdict}\"><strong>{escape(said)}"
                 f"</strong>: {escape(reason)}.</p>" + _verify_form())


def _signed_here(credential: dict[str, Any]) -> bool:
    """Whether the credential's proof is made with this installation's key (the DID of its
    verification method): what a credential issued here is, however its JSON spells the
    rest of the graph."""
    found = credential.get("proof")
    method = found.get("verificationMethod") if isinstance(found, dict) else None
    return isinstance(method, str) and method.split("#", 1)[0] == service().did()


def _names_this_journey(credential: dict[str, Any]) -> bool:
    """Whether the credential's id (either spelling) is one of this installation's
    credential URLs."""
    ours = urls().credential("")
    return any(isinstance(credential.get(name), str) and credential[name].startswith(ours)
               for name in ("id", "@id"))


def _still_valid(credential: dict[str, Any], reason: str) -> tuple[bool, str]:
    """A well-signed credential: one of this installation's (signed with its key) must
    name an award here that stands now; another issuer's may not borrow our URLs."""
    if not _signed_here(credential):
        if _names_this_journey(credential):
            return False, "it names this Journey but is not signed with its key"
        return True, reason
    ident, problem = node_id(credential)
    if ident is None:
        return False, f"it is signed with this Journey's key but {problem}"
    prefix = urls().credential("")
    cat = service().latest()
    award = cat.awards.get(ident.removeprefix(prefix).removesuffix(".json")) \
        if ident.startswith(prefix) else None
    if award is None:
        return False, "this Journey has no such award"
    status = credential.get("credentialStatus")
    if status is not None:
        # What a verifier elsewhere reads: the bit of the issuer's status list (the same
        # bits /ob/v3/status-lists serves). Our credentials name the award's own entry.
        network = cat.issuer_of(award)
        index = cat.status_index(award)     # allocated once (status_index.py)
        expected = urls().status_list(docs.issuer_id(network))
        if not isinstance(status, dict) or status.get("statusListCredential") != expected \
                or status.get("statusListIndex") != str(index) \
                or status.get("statusPurpose") != docs.STATUS_PURPOSE:
            return False, "its credentialStatus is not this award's entry in the " \
                          "issuer's status list"
        revoked = award.revoked or docs.bit_at(docs.status_bits(cat, network), index)
    else:
        revoked = award.revoked
    if revoked:
        return False, f"it was revoked: {award.revocation_reason or 'revoked'}"
    return True, reason + ", and it stands in this Journey"


def _page(title: str, body: str, status: int = 200) -> Response:
    """A public page for people: `<html lang>` is the language the page speaks."""
    lang = html_lang(str(get_locale() or DEFAULT))
    return Response(f"<!doctype html><html lang=\"{escape(lang)}\"><head>"
                    f"<meta charset=\"utf-8\"><title>{escape(title)}</title><link rel=\"stylesheet\" "
                    f"href=\"/static/journey.css\"></head><body><main><h1>{escape(title)}"
                    f"</h1>{body}</main></body></html>", status, mimetype="text/html")


# -- the admin's issuer settings ------------------------------------------------------------

@bp.put("/api/networks/<network_id>/issuer")
def put_issuer(network_id: str) -> Response:
    """Set a network's issuer (admins only): name, url, and optionally email and image."""
    from web.api.auth import _caller
    g.account = account = _caller()
    if not account.is_admin:
        raise ApiError(403, "not_an_admin", "only an admin can set a network's issuer")
    networks = journey().store.read_state(lambda state: set(state.networks))
    if network_id not in networks:
        raise ApiError(404, "unknown_network", f"there is no network {network_id}")
    body = json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "send a JSON object: {name, url, email?, image?}")
    try:
        values = IssuerBody().load(body)
    except ValidationError as exc:
        raise ApiError(422, "schema_invalid", "the issuer has invalid fields",
                       flatten_messages(exc.messages)) from None
    service().issuers().put(network_id, **values)  # type: ignore[arg-type]
    cat = service().latest()
    found = service().issuer(network_id, cat)
    return Response(json.dumps(docs.profile(found, urls()), ensure_ascii=False), 200,
                    mimetype="application/json")


def link_portfolio_awards(app: Flask) -> None:
    """Each award of a portfolio / badges read that stands now gets its Open Badges links.

    The reads (web/api/reads.py, through web.services.award_links) call the function this
    registers on their body before it is serialised: once, where an after_request hook had
    to parse the whole answer back and write it again (a long portfolio is megabytes).
    An award revoked now, or whose recipient is erased, gets none: its documents answer
    410 whatever the moment (an as_of read, an erased member's portfolio still list it).
    """

    def links(body: dict[str, Any], member_id: str) -> dict[str, Any]:
        """`body` (`member_id`'s awards) with a linked copy of each award (the view's own
        items stay as they are)."""
        where = urls()
        linked = dict(body)
        withdrawn = _withdrawn(body, member_id)
        for name in ("recognitions", "rule_badges"):
            items = body.get(name)
            if not items:
                continue
            linked[name] = [
                {**item, "open_badges": {"assertion": where.assertion(item["award_id"]),
                                         "baked_png": where.baked(item["award_id"]),
                                         "credential": where.credential(item["award_id"])
                                         + ".json"}}
                if isinstance(item, dict) and item.get("award_id")
                and item["award_id"] not in withdrawn else item
                for item in items]
        return linked

    app.extensions[AWARD_LINKS] = links


def _withdrawn(body: dict[str, Any], member_id: str) -> set[str]:
    """The ids of `body`'s awards (of `member_id`) that do not stand now: revoked, or
    their recipient erased.

    The domain state (the present) knows recognitions and erasures; a rule badge listed as
    of a past moment may have vanished since, which only the present catalogue knows (a
    present read lists only the rule badges that stand now).
    """
    def ids(name: str) -> set[str]:
        return {item["award_id"] for item in body.get(name) or ()
                if isinstance(item, dict) and item.get("award_id")}

    recognitions, rules = ids("recognitions"), ids("rule_badges")
    # A recognition of a badge defined under the rule badges' namespace before it was
    # reserved: the catalogue publishes no document for it (its links would be 404s).
    forged = {item["award_id"] for item in body.get("recognitions") or ()
              if isinstance(item, dict) and item.get("award_id")
              and str(item.get("badge_id") or "").startswith(RULE_BADGE_PREFIX)}

    def judge(state: Any) -> set[str]:
        if member_id in state.erased:
            return recognitions | rules
        return {award_id for award_id in recognitions
                if award_id in state.awards and state.awards[award_id].revoked}

    withdrawn = journey().store.read_state(judge) if recognitions or rules else set()
    withdrawn |= forged
    if rules and body.get("as_of") is not None:
        now = service().latest().awards
        withdrawn |= {award_id for award_id in rules
                      if award_id not in now or now[award_id].revoked}
    return withdrawn


def document_issuer_api(app: Flask) -> None:
    """Add PUT /api/networks/{network_id}/issuer to the app's OpenAPI document."""
    from web.api.openapi import SPEC_KEY, build_spec

    @app.before_request
    def _spec() -> None:
        if request.path in ("/api/openapi.json", "/api/docs") and \
                SPEC_KEY not in app.extensions:
            spec = build_spec()
            spec["paths"]["/api/networks/{network_id}/issuer"] = {"put": ISSUER_OPERATION}
            app.extensions[SPEC_KEY] = spec


ISSUER_OPERATION: dict[str, Any] = {
    "operationId": "putNetworkIssuer",
    "summary": "Set a network's Open Badges issuer",
    "description": "Admins only. The issuer (name, url, e-mail, image) of the badges of "
                   "the network's communities, in Open Badges 2.0 and 3.0.",
    "tags": ["openbadges"],
    "parameters": [{"in": "path", "name": "network_id", "required": True,
                    "description": "A network id.",
                    "schema": {"type": "string", "minLength": 1, "maxLength": 200}}],
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "additionalProperties": False, "required": ["name", "url"],
        "properties": {"name": {"type": "string", "minLength": 1, "maxLength": MAX_ISSUER_NAME},
                       "url": {"type": "string", "format": "uri", "maxLength": MAX_URL},
                       "email": {"type": "string", "format": "email", "maxLength": MAX_EMAIL},
                       "image": {"type": "string", "format": "uri", "maxLength": MAX_URL}}}}}},
    "responses": {"200": {"description": "The issuer's Open Badges 2.0 Profile.",
                          "content": {"application/json": {"schema": {"type": "object"}}}},
                  "400": {"$ref": "#/components/responses/E400"},
                  "401": {"$ref": "#/components/responses/E401"},
                  "403": {"$ref": "#/components/responses/E403"},
                  "404": {"$ref": "#/components/responses/E404"},
                  "413": {"$ref": "#/components/responses/E413"},
                  "415": {"$ref": "#/components/responses/E415"},
                  "422": {"$ref": "#/components/responses/E422"}},
}
