"""OB 3.0: every required field, a proof checked by an independent verifier, the check page."""
from __future__ import annotations

import copy
import io
import json
import re

import pytest

from tests.openbadges.conftest import EVA_EMAIL, Served

pytest.importorskip("pyld", reason="pyld (JSON-LD canonicalisation) is not installed")
from tests.openbadges.independent import verify  # noqa: E402

VC2 = "https://www.w3.org/ns/credentials/v2"
OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def _credential(served: Served, award: str) -> dict:
    status, headers, body = served.fetch(f"{served.base}/ob/v3/credentials/{award}.json")
    assert status == 200, body
    return json.loads(body)


def test_every_required_field(served: Served) -> None:
    credential = _credential(served, "aw-eva")
    assert credential["@context"][:2] == [VC2, OB3]
    assert credential["id"] == f"{served.base}/ob/v3/credentials/aw-eva"
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["name"] == "First session"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", credential["validFrom"])
    issuer = credential["issuer"]
    assert issuer["id"].startswith("did:key:z6Mk")  # Ed25519 did:key
    assert "Profile" in issuer["type"] and issuer["name"] == "SEL Serbia"
    subject = credential["credentialSubject"]
    assert "AchievementSubject" in subject["type"]
    [identity] = subject["identifier"]
    assert identity["type"] == "IdentityObject" and identity["hashed"] is True
    assert identity["identityType"] == "emailAddress"
    assert identity["identityHash"].startswith("sha256$") and identity["salt"]
    assert EVA_EMAIL not in json.dumps(credential)
    achievement = subject["achievement"]
    assert achievement["id"] == f"{served.base}/ob/v2/badges/b-1"
    assert "Achievement" in achievement["type"]
    assert achievement["name"] == "First session"
    assert achievement["description"] == "Led a session"
    assert achievement["criteria"] == {"narrative": "Lead a session"}
    assert achievement["image"]["type"] == "Image"
    proof = credential["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["verificationMethod"].startswith(issuer["id"] + "#")
    assert proof["proofValue"].startswith("z")


def test_the_did_is_the_instance_signing_key(served: Served) -> None:
    from cryptography.hazmat.primitives import serialization
    raw = served.journey.log.instance.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    did = _credential(served, "aw-1")["issuer"]["id"]
    from tests.openbadges.independent import _b58
    assert _b58(did.removeprefix("did:key:z")) == b"\xed\x01" + raw


def test_an_independent_verifier_accepts_the_proof_and_refuses_tampering(served: Served
                                                                        ) -> None:
    for award in ("aw-1", "aw-eva"):
        credential = _credential(served, award)
        assert verify(credential)
        tampered = copy.deepcopy(credential)
        tampered["credentialSubject"]["achievement"]["name"] = "Master teacher"
        assert not verify(tampered)
        reissued = copy.deepcopy(credential)
        reissued["validFrom"] = "2020-01-01T00:00:00Z"
        assert not verify(reissued)


def test_rule_badges_are_credentials_too(served: Served) -> None:
    badges = served.get("ivan", "/api/members/ivan/badges").json["rule_badges"]
    for item in badges:
        credential = _credential(served, item["award_id"])
        assert credential["issuer"]["name"] == "Journey"
        assert credential["credentialSubject"]["identifier"][0]["identityType"] == "url"
        assert verify(credential)


def test_the_public_verification_page(served: Served) -> None:
    client = served.client
    page = client.get("/ob/v3/verify")
    assert page.status_code == 200 and b"<textarea" in page.data
    text = json.dumps(_credential(served, "aw-1"))
    pasted = client.post("/ob/v3/verify", data={"credential": text})
    assert pasted.status_code == 200 and b"The credential is valid" in pasted.data
    uploaded = client.post("/ob/v3/verify", data={
        "file": (io.BytesIO(text.encode()), "badge.json")},
        content_type="multipart/form-data")
    assert b"The credential is valid" in uploaded.data
    tampered = json.loads(text)
    tampered["name"] = "Something else"
    refused = client.post("/ob/v3/verify", data={"credential": json.dumps(tampered)})
    assert b"The credential is invalid" in refused.data
    assert b"altered" in refused.data
    assert client.post("/ob/v3/verify", json=tampered).json == {
        "valid": False, "reason": "the signature does not match: the credential was "
                                  "altered or not signed by its issuer", "issued_here": True}
    assert client.post("/ob/v3/verify", data={"credential": "{"}).status_code == 200
    assert b"not JSON" in client.post("/ob/v3/verify", data={"credential": "{"}).data
    unknown = json.loads(text)
    unknown["@context"].append("https://example.org/unknown")
    assert client.post("/ob/v3/verify", json=unknown).json["valid"] is False
    # Nested past the parser's depth: not JSON, as any other text that is not.
    deep = "[" * 5000
    assert client.post("/ob/v3/verify", data=deep, content_type="application/json").json \
        == {"valid": False, "reason": "this is not JSON", "issued_here": False}
    assert b"not JSON" in client.post("/ob/v3/verify", data={"credential": deep}).data
    assert b"not JSON" in client.post("/ob/v3/verify", data={
        "file": (io.BytesIO(deep.encode()), "deep.json")},
        content_type="multipart/form-data").data


def test_the_page_reports_a_revocation_after_issue(served: Served) -> None:
    text = json.dumps(_credential(served, "aw-1"))
    served.post("ana", "RecognitionRevoked", {"award_id": "aw-1", "revoked_by": "ana",
                                              "reason": "awarded by mistake"})
    answer = served.client.post("/ob/v3/verify", json=json.loads(text)).json
    assert answer["valid"] is False and "awarded by mistake" in answer["reason"]


def _renamed(credential: dict, old: str, new: str) -> dict:
    """`credential` with its top-level key `old` called `new` (in place, order kept)."""
    return {(new if k == old else k): v for k, v in credential.items()}


@pytest.mark.parametrize("withdrawal", ["revoked", "erased"])
def test_a_withdrawn_credential_is_invalid_when_its_id_is_spelled_at_id(
        served: Served, withdrawal: str) -> None:
    # "id" is the VC context's alias of "@id": renamed, it is the same signed graph, and
    # the same award, still withdrawn.
    award = "aw-1" if withdrawal == "revoked" else "aw-eva"
    credential = _credential(served, award)
    if withdrawal == "revoked":
        served.post("ana", "RecognitionRevoked", {"award_id": "aw-1", "revoked_by": "ana",
                                                  "reason": "awarded by mistake"})
        why = "awarded by mistake"
    else:
        served.post("root", "MemberErased", {"member_id": "eva", "requested_by": "eva"})
        why = "the recipient's data was erased at their request"
    renamed = _renamed(credential, "id", "@id")
    assert verify(renamed)  # an independent verifier: still our genuine signature

    for sent in (credential, renamed):
        assert served.client.post("/ob/v3/verify", json=sent).json == {
            "valid": False, "reason": f"it was revoked: {why}", "issued_here": True}


def test_a_credential_signed_here_must_name_one_award_here(served: Served) -> None:
    credential = _credential(served, "aw-1")
    check = served.client.post
    # the issuer's id spelled @id is the same issuer (the same signed graph)
    issuer = {**credential, "issuer": _renamed(credential["issuer"], "id", "@id")}
    assert check("/ob/v3/verify", json=issuer).json["valid"] is True
    # both spellings at once: not one id (JSON-LD refuses colliding keywords)
    both = {**credential, "@id": credential["id"]}
    answer = check("/ob/v3/verify", json=both).json
    assert answer["valid"] is False and answer["issued_here"] is True
    # signed with our key, but with no id, or one naming no award here
    unnamed = {k: v for k, v in credential.items() if k not in ("id", "proof")}
    assert check("/ob/v3/verify", json=_resigned(served, unnamed)).json == {
        "valid": False, "reason": "it is signed with this Journey's key but it has no id",
        "issued_here": True}
    for ident in (f"{served.base}/ob/v3/credentials/nope", "https://elsewhere.example/aw-1"):
        resigned = _renamed(_resigned(served, credential, id=ident), "id", "@id")
        assert check("/ob/v3/verify", json=resigned).json == {
            "valid": False, "reason": "this Journey has no such award", "issued_here": True}


def _resigned(served: Served, credential: dict, **fields: str) -> dict:
    """`credential` with `fields` changed and signed again with the instance's key."""
    from web.openbadges.service import service
    changed = {**{k: v for k, v in credential.items() if k != "proof"}, **fields}
    with served.app.test_request_context():
        return service().sign(changed)


def test_the_check_refuses_a_credential_outside_its_validity_period(served: Served) -> None:
    credential = _credential(served, "aw-1")
    check = served.client.post
    expired = _resigned(served, credential, validUntil="2024-06-01T00:00:00Z")
    assert verify(expired)  # a genuine signature: only the period is wrong
    assert check("/ob/v3/verify", json=expired).json == {
        "valid": False, "reason": "it expired on 2024-06-01T00:00:00Z", "issued_here": True}
    early = _resigned(served, credential, validFrom="2999-01-01T00:00:00Z")
    assert check("/ob/v3/verify", json=early).json == {
        "valid": False, "reason": "it is not valid before 2999-01-01T00:00:00Z",
        "issued_here": True}
    page = check("/ob/v3/verify", data={"credential": json.dumps(early)})
    assert b"The credential is invalid" in page.data and b"not valid before" in page.data
    garbled = _resigned(served, credential, validUntil="next year")
    assert check("/ob/v3/verify", json=garbled).json["valid"] is False
    current = _resigned(served, credential, validUntil="2999-01-01T00:00:00Z")
    assert check("/ob/v3/verify", json=current).json["valid"] is True


def test_v3_errors_are_json_bodies_not_v2_documents_or_pages(served: Served) -> None:
    served.post("ana", "RecognitionRevoked", {"award_id": "aw-1", "revoked_by": "ana",
                                              "reason": "awarded by mistake"})
    served.post("root", "MemberErased", {"member_id": "eva", "requested_by": "eva"})
    for accept in ("application/json", "text/html", None):
        status, headers, raw = served.fetch(f"{served.base}/ob/v3/credentials/aw-1.json",
                                            accept=accept)
        assert status == 410 and headers["Content-Type"].startswith("application/json")
        assert json.loads(raw) == {"error": "award_revoked", "fields": {},
                                   "message": "the award aw-1 was revoked: awarded by mistake"}
        status, headers, raw = served.fetch(f"{served.base}/ob/v3/credentials/aw-eva",
                                            accept=accept)
        assert status == 410 and json.loads(raw)["error"] == "award_revoked"
        assert b"eva@" not in raw and b"Eva" not in raw
        status, headers, raw = served.fetch(f"{served.base}/ob/v3/credentials/nope.json",
                                            accept=accept)
        assert status == 404 and headers["Content-Type"].startswith("application/json")
        assert json.loads(raw)["error"] == "unknown_award"
        status, headers, raw = served.fetch(f"{served.base}/ob/v3/status-lists/network-nope",
                                            accept=accept)
        assert status == 404 and json.loads(raw)["error"] == "unknown_issuer"
    # Paths and methods no route has: JSON too (the verify page stays a page for people).
    for method, path, status, code in (("GET", "/ob/v3/credentials/", 404, "not_found"),
                                       ("POST", "/ob/v3/credentials/aw-1", 405, None),
                                       ("GET", "/ob/v3/nothing-here", 404, "not_found")):
        answer = served.client.open(path, method=method, headers={"Accept": "text/html"})
        assert answer.status_code == status and answer.is_json, (path, answer.data[:80])
        assert set(answer.json) == {"error", "message", "fields"}
        assert code is None or answer.json["error"] == code
    assert served.client.put("/ob/v3/verify").headers["Content-Type"].startswith("text/html")


def test_a_credential_signed_elsewhere_is_not_passed_off_as_this_journeys(
        served: Served) -> None:
    """Validly signed by another did:key that borrows this network's name: the page says the
    signature holds, and that this Journey did not issue it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from projections.openbadges.didkey import did_key, verification_method
    from projections.openbadges.proof import add_proof

    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw,
                                        serialization.PublicFormat.Raw)
    ours = _credential(served, "aw-1")
    theirs = {k: v for k, v in ours.items() if k not in ("proof", "credentialStatus")}
    theirs["id"] = "https://badges.example.org/credentials/1"
    theirs["issuer"] = {**ours["issuer"], "id": did_key(raw)}  # same name, another key
    signed = add_proof(theirs, key.sign, verification_method(raw), "2026-01-01T00:00:00Z")

    answer = served.client.post("/ob/v3/verify", json=signed).json
    page = served.client.post("/ob/v3/verify", data={"credential": json.dumps(signed)}).data
    mine = served.client.post("/ob/v3/verify", json=ours).json

    assert answer["valid"] is True and answer["issued_here"] is False
    assert b"this Journey did not issue it" in page and b"The credential is valid<" not in page
    assert mine["valid"] is True and mine["issued_here"] is True


def _linked_evidence(n: int) -> list[dict]:
    """n blank nodes each linked to all the others: alike but for their links."""
    return [{"id": f"_:b{i}", "type": ["Evidence"], "name": "x",
             "urn:x:p": [{"@id": f"_:b{j}"} for j in range(n) if j != i]} for i in range(n)]


def test_a_credential_too_costly_to_canonicalise_is_refused_before_it_is(
        served: Served) -> None:
    # Canonicalising 7 such nodes took seconds (factorial in their number): a denial of
    # service of the public page. Refused before canonicalisation starts.
    poisoned = {**_credential(served, "aw-1"), "evidence": _linked_evidence(7)}
    assert served.client.post("/ob/v3/verify", json=poisoned).json == {
        "valid": False, "issued_here": True,
        "reason": "the credential cannot be checked: it has 7 blank nodes that only their "
                  "links to one another tell apart (at most 4 are checked)"}


def test_the_bounds_on_blank_nodes(served: Served, monkeypatch) -> None:
    from projections.openbadges import proof

    credential = _credential(served, "aw-eva")
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    config = {**credential["proof"], "@context": credential["@context"]}
    # ours: no two blank nodes alike, and 3 in all (1 in the proof's config): far in
    with monkeypatch.context() as bounds:
        bounds.setattr(proof, "MAX_ALIKE", 0)
        bounds.setattr(proof, "MAX_BLANK_NODES", 3)
        assert proof.canonical(unsigned).count("_:c14n") > 0
        proof.canonical(config)
    # a few alike is still checked; many blank nodes, however distinct, are not
    proof.canonical({**unsigned, "evidence": _linked_evidence(proof.MAX_ALIKE)})
    many = [{"type": ["Evidence"], "name": f"e{i}"} for i in range(proof.MAX_BLANK_NODES)]
    with pytest.raises(proof.TooComplex, match="more than 200 blank nodes"):
        proof.canonical({**unsigned, "evidence": many})


def test_a_malformed_type_is_an_answer_not_a_500(served: Served) -> None:
    answer = served.client.post("/ob/v3/verify", json={**_credential(served, "aw-1"),
                                                       "type": 5})
    assert answer.status_code == 200 and answer.json == {
        "valid": False, "reason": "this is not an OpenBadgeCredential", "issued_here": True}


def test_programs_get_json_errors_from_the_pages_for_people(served: Served,
                                                            monkeypatch) -> None:
    client = served.client

    def error(answer, status: int, code: str) -> None:
        assert answer.status_code == status and answer.is_json, answer.data[:80]
        assert set(answer.json) == {"error", "message", "fields"}
        assert answer.json["error"] == code

    # an /ob/v2 document asked as JSON-LD: by its suffix, or by Accept; a person's page not
    for path in ("/ob/v2/badges/nope.json", "/ob/v2/assertions/nope.json"):
        error(client.get(path, headers={"Accept": "text/html"}), 404, "not_found")
    for accept in ("application/ld+json", "application/json"):
        error(client.get("/ob/v2/badges/nope", headers={"Accept": accept}), 404, "not_found")
    assert client.get("/ob/v2/badges/nope").mimetype == "text/html"
    # /ob/v3/verify asked for JSON: too large a body, or a failure of ours
    big = {"credential": "x" * (served.app.config["MAX_CONTENT_LENGTH"] + 1)}
    error(client.post("/ob/v3/verify", data=big, headers={"Accept": "application/json"}),
          413, "body_too_large")
    assert client.post("/ob/v3/verify", data=big).mimetype == "text/html"

    def broken(text):
        raise RuntimeError("a failure of ours")

    monkeypatch.setattr("web.openbadges.routes.check", broken)
    error(client.post("/ob/v3/verify", json={}, headers={"Accept": "application/json"}),
          500, "internal")
