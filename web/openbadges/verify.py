"""Checking an OB 3.0 credential pasted or uploaded on the public verification page."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from journey.clock import BadTime, format_time, parse_time, utcnow
from projections.openbadges import proof
from projections.openbadges.didkey import from_multibase, public_key_of


def check(text: str | bytes, now: datetime | None = None
          ) -> tuple[bool, str, dict[str, Any] | None]:
    """(valid, reason, credential) of a credential's JSON text, checked at `now`."""
    try:
        credential = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError):  # nested past the parser's depth
        return False, "this is not JSON", None
    if not isinstance(credential, dict):
        return False, "a credential is a JSON object", None
    types = credential.get("type")
    # JSON-LD lets one type be a string; anything else but a list is no type at all (and
    # `in` a string would match a part of it).
    types = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    if "VerifiableCredential" not in types or "OpenBadgeCredential" not in types and \
            "AchievementCredential" not in types:
        return False, "this is not an OpenBadgeCredential", credential
    if "@context" not in credential:
        # the signed data is canonicalised over it: without one, nothing can be checked
        return False, "the credential has no @context (the JSON-LD contexts that define " \
                      "its terms)", credential
    found = credential.get("proof")
    if not isinstance(found, dict):
        return False, "the credential has no proof", credential
    if found.get("type") != "DataIntegrityProof" or \
            found.get("cryptosuite") != proof.CRYPTOSUITE:
        return False, "only DataIntegrityProof eddsa-rdfc-2022 proofs are checked", credential
    if found.get("proofPurpose") != "assertionMethod":
        return False, "the proof's purpose is not assertionMethod", credential
    method = str(found.get("verificationMethod", ""))
    issuer = credential.get("issuer")
    issuer_id = node_id(issuer)[0] if isinstance(issuer, dict) else issuer
    if method.split("#", 1)[0] != issuer_id:
        return False, "the proof was not made with the issuer's key", credential
    try:
        key = Ed25519PublicKey.from_public_bytes(public_key_of(method))
        signature = from_multibase(str(found.get("proofValue", "")))
        data = proof.hash_data(credential, found)
    except Exception as exc:  # a malformed credential of any kind is invalid, not a 500
        return False, f"the credential cannot be checked: {exc}", credential
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False, "the signature does not match: the credential was altered or not " \
                      "signed by its issuer", credential
    period = _outside_validity(credential, now or utcnow())
    if period is not None:
        return False, period, credential
    return True, f"signed by {issuer_id}", credential


def node_id(node: dict[str, Any]) -> tuple[str | None, str | None]:
    """(the id, None) of a JSON-LD node, or (None, why it has none to go by).

    The VC context makes "id" an alias of "@id": the same signed graph may spell a node's
    id either way, so reading one spelling only would miss the other. Both at once is not
    one id (JSON-LD refuses it as colliding keywords).
    """
    spelled = [node[name] for name in ("id", "@id") if name in node]
    if len(spelled) > 1:
        return None, "it spells its id twice (id and @id)"
    if not spelled:
        return None, "it has no id"
    if not isinstance(spelled[0], str):
        return None, "its id is not a text"
    return spelled[0], None


def _outside_validity(credential: dict[str, Any], now: datetime) -> str | None:
    """Why `now` is outside the credential's validFrom..validUntil (VC 2.0), or None."""
    bounds = {}
    for name in ("validFrom", "validUntil"):
        if name not in credential:
            continue
        try:
            bounds[name] = parse_time(credential[name], allow_date=False)
        except BadTime:
            return f"its {name} is not a date-time with a time zone"
    if "validFrom" in bounds and now < bounds["validFrom"]:
        return f"it is not valid before {format_time(bounds['validFrom'])}"
    if "validUntil" in bounds and now > bounds["validUntil"]:
        return f"it expired on {format_time(bounds['validUntil'])}"
    return None
