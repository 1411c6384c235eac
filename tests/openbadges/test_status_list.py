"""OB 3.0 revocation outside Journey: a W3C Bitstring Status List per issuer.

Read as a verifier elsewhere would: follow the credential's `credentialStatus` to the
issuer's BitstringStatusListCredential, check its proof, decode its `encodedList` (decoded
here apart from the code that writes it) and read the award's bit, left-most first.
"""
from __future__ import annotations

import base64
import gzip
import json

import pytest

from tests.openbadges.conftest import Served

pytest.importorskip("pyld", reason="pyld (JSON-LD canonicalisation) is not installed")
from tests.openbadges.independent import verify  # noqa: E402

SERBIA = "network-sel-serbia"


def _get(served: Served, path: str) -> dict:
    status, _, body = served.fetch(f"{served.base}{path}")
    assert status == 200, body
    return json.loads(body)


def _bits(status_list: dict) -> bytes:
    encoded = status_list["credentialSubject"]["encodedList"]
    assert encoded.startswith("u") and "=" not in encoded  # multibase base64url, no padding
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def _revoked(served: Served, credential: dict) -> bool:
    """What a verifier elsewhere concludes from the status list the credential names."""
    entry = credential["credentialStatus"]
    listed = json.loads(served.fetch(entry["statusListCredential"])[2])
    assert verify(listed)
    assert listed["issuer"] == credential["issuer"]["id"]  # the same issuer signs both
    index = int(entry["statusListIndex"])
    return bool(_bits(listed)[index // 8] & (0x80 >> (index % 8)))


def _rule_award(served: Served, member: str) -> str:
    badges = served.get(member, f"/api/members/{member}/badges").json["rule_badges"]
    return badges[0]["award_id"]


def test_each_credential_names_its_bit_in_its_issuers_status_list(served: Served) -> None:
    credential = _get(served, "/ob/v3/credentials/aw-1.json")
    entry = credential["credentialStatus"]
    url = f"{served.base}/ob/v3/status-lists/{SERBIA}"
    assert entry["type"] == "BitstringStatusListEntry"
    assert entry["statusPurpose"] == "revocation"
    assert entry["statusListCredential"] == url
    assert entry["statusListIndex"].isdigit()          # an integer written in base 10
    assert entry["id"] != url                           # the spec: not the list's own URL
    assert verify(credential)                           # the entry is signed with the rest
    listed = _get(served, f"/ob/v3/status-lists/{SERBIA}")
    assert listed["id"] == url
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    subject = listed["credentialSubject"]
    assert subject["type"] == "BitstringStatusList" and subject["statusPurpose"] == "revocation"
    assert listed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert len(_bits(listed)) >= 16 * 1024              # 131,072 bits at least
    assert not any(_bits(listed))
    assert not _revoked(served, credential)
    # another award of the same issuer has another index; rule badges: the installation's
    other = _get(served, "/ob/v3/credentials/aw-eva.json")["credentialStatus"]
    assert other["statusListCredential"] == url
    assert other["statusListIndex"] != entry["statusListIndex"]
    rule = _get(served, f"/ob/v3/credentials/{_rule_award(served, 'ivan')}.json")
    assert rule["credentialStatus"]["statusListCredential"] == \
        f"{served.base}/ob/v3/status-lists/installation"
    assert not _revoked(served, rule)


def test_a_revocation_and_an_erasure_set_the_bits(served: Served) -> None:
    issued = {award: _get(served, f"/ob/v3/credentials/{award}.json")
              for award in ("aw-1", "aw-eva")}
    eva_rules = [b["award_id"] for b in
                 served.get("root", "/api/members/eva/badges").json["rule_badges"]]
    assert eva_rules
    rules = {award: _get(served, f"/ob/v3/credentials/{award}.json") for award in eva_rules}
    served.post("ana", "RecognitionRevoked", {"award_id": "aw-1", "revoked_by": "ana",
                                              "reason": "awarded by mistake"})
    assert _revoked(served, issued["aw-1"])
    assert not _revoked(served, issued["aw-eva"])
    # exactly one bit, the left-most-first position of aw-1's index
    bits = _bits(_get(served, f"/ob/v3/status-lists/{SERBIA}"))
    index = int(issued["aw-1"]["credentialStatus"]["statusListIndex"])
    assert [i for i in range(len(bits) * 8) if bits[i // 8] & (0x80 >> (i % 8))] == [index]
    erased = served.post("root", "MemberErased", {"member_id": "eva", "requested_by": "eva"})
    assert erased.status_code == 201, erased.json
    assert _revoked(served, issued["aw-eva"])
    assert all(_revoked(served, credential) for credential in rules.values())
    # and Journey's own check agrees with the list
    for credential in (issued["aw-1"], issued["aw-eva"], *rules.values()):
        answer = served.client.post("/ob/v3/verify", json=credential).json
        assert answer["valid"] is False and "revoked" in answer["reason"]


def test_indexes_are_stable_as_the_log_grows(served: Served) -> None:
    from journey import events as ev

    def indexes() -> dict[str, str]:
        found = {}
        for member in ("ivan", "eva"):
            body = served.get("root", f"/api/members/{member}/badges").json
            for item in (*body["recognitions"], *body["rule_badges"]):
                credential = _get(served, f"/ob/v3/credentials/{item['award_id']}.json")
                entry = credential["credentialStatus"]
                found[item["award_id"]] = (entry["statusListCredential"],
                                           entry["statusListIndex"])
        return found

    before = indexes()
    assert len(set(before.values())) == len(before)     # no two awards share a bit
    # more awards (a recognition, a rule badge re-earned), a revocation, an erasure
    served.append("ana", ev.RecognitionAwarded(
        award_id="aw-2", community_id="vrsac-1", member_id="eva", badge_id="b-1",
        awarded_by="ana", evidence=()), day=400)
    served.post("ana", "RecognitionRevoked", {"award_id": "aw-1", "revoked_by": "ana",
                                              "reason": "awarded by mistake"})
    served.post("root", "MemberErased", {"member_id": "eva", "requested_by": "eva"})
    served.journey.runner.catch_up()
    for award, where in before.items():
        status, _, body = served.fetch(f"{served.base}/ob/v3/credentials/{award}.json")
        if status == 200:
            assert (json.loads(body)["credentialStatus"]["statusListCredential"],
                    json.loads(body)["credentialStatus"]["statusListIndex"]) == where
    from web.openbadges.service import service
    with served.app.test_request_context():
        cat = service().latest()
        for award, (url, index) in before.items():
            assert cat.status_index(cat.awards[award]) == int(index), award
        new = cat.status_index(cat.awards["aw-2"])
    assert str(new) not in {i for u, i in before.values() if u.endswith(SERBIA)}


def test_verify_accepts_a_credential_with_its_status_and_refuses_a_forged_entry(
        served: Served) -> None:
    credential = _get(served, "/ob/v3/credentials/aw-1.json")
    answer = served.client.post("/ob/v3/verify", json=credential).json
    assert answer["valid"] is True, answer
    forged = json.loads(json.dumps(credential))
    forged["credentialStatus"]["statusListIndex"] = "7"
    assert served.client.post("/ob/v3/verify", json=forged).json["valid"] is False


def test_the_status_list_of_an_unknown_issuer_and_as_of(served: Served) -> None:
    assert served.fetch(f"{served.base}/ob/v3/status-lists/network-nope")[0] == 404
    assert served.fetch(f"{served.base}/ob/v3/status-lists/nope")[0] == 404
    status, _, body = served.fetch(f"{served.base}/ob/v3/status-lists/installation"
                                   f"?as_of=2024-01-01T00:00:00Z")
    assert status == 400 and json.loads(body)["error"] == "bad_query"
