"""OB 2.0 hosted verification on a real port: shapes, links, revocation, as_of, erasure."""
from __future__ import annotations

import hashlib
import re
import json
import struct
import zlib

from journey.clock import format_time, from_micros
from tests.openbadges.conftest import EVA_EMAIL, Served
from tests.web.conftest import SESSION_POSITION

OB2 = "https://w3id.org/openbadges/v2"


def _rule_award(site: Served, member: str, rule: str) -> str:
    badges = site.get(member, f"/api/members/{member}/badges").json["rule_badges"]
    return next(b["award_id"] for b in badges if b["rule_id"] == rule)


def test_following_assertion_to_badge_to_issuer(served: Served) -> None:
    status, assertion = served.json(f"{served.base}/ob/v2/assertions/aw-1")
    assert status == 200
    assert assertion["@context"] == OB2
    assert assertion["type"] == "Assertion"
    assert assertion["id"] == f"{served.base}/ob/v2/assertions/aw-1"
    assert assertion["verification"] == {"type": "hosted"}
    assert assertion["issuedOn"].startswith("2024-")
    # ivan registered without an e-mail: his portfolio URL is the recipient
    assert assertion["recipient"] == {"type": "url", "hashed": False,
                                      "identity": f"{served.base}/members/ivan/portfolio"}
    [evidence] = assertion["evidence"]
    assert evidence["id"].endswith(f"/members/ivan/portfolio#entry-{SESSION_POSITION}")
    assert "sign in" in evidence["narrative"]
    assert "Student survey" not in json.dumps(assertion)  # no content is copied

    status, badge = served.json(assertion["badge"])
    assert status == 200
    assert badge["type"] == "BadgeClass" and badge["id"] == assertion["badge"]
    assert badge["name"] == "First session" and badge["description"] == "Led a session"
    assert badge["criteria"] == {"narrative": "Lead a session"}
    status, headers, image = served.fetch(badge["image"])
    assert status == 200 and headers["Content-Type"] == "image/png"
    assert image.startswith(b"\x89PNG")

    status, issuer = served.json(badge["issuer"])
    assert status == 200
    assert issuer["type"] == "Issuer" and issuer["id"] == badge["issuer"]
    assert issuer["name"] == "SEL Serbia"  # the network's name until an admin sets one
    status, revocations = served.json(issuer["revocationList"])
    assert status == 200 and revocations["type"] == "RevocationList"
    assert revocations["revokedAssertions"] == []


def test_json_suffix_and_html_for_people(served: Served) -> None:
    status, headers, body = served.fetch(f"{served.base}/ob/v2/assertions/aw-1.json",
                                         accept=None)
    assert status == 200 and json.loads(body)["type"] == "Assertion"
    assert headers["Content-Type"].startswith("application/ld+json")
    status, headers, body = served.fetch(f"{served.base}/ob/v2/assertions/aw-1",
                                         accept="text/html")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"First session" in body and b"<script" not in body


def test_an_email_is_salted_and_hashed(served: Served) -> None:
    status, assertion = served.json(f"{served.base}/ob/v2/assertions/aw-eva")
    assert status == 200
    recipient = assertion["recipient"]
    assert recipient["type"] == "email" and recipient["hashed"] is True
    expected = hashlib.sha256((EVA_EMAIL + recipient["salt"]).encode()).hexdigest()
    assert recipient["identity"] == "sha256$" + expected
    assert EVA_EMAIL not in json.dumps(assertion)


def test_rule_badges_are_assertions_of_the_installation(served: Served) -> None:
    award = _rule_award(served, "ivan", "led-a-session")
    status, assertion = served.json(f"{served.base}/ob/v2/assertions/{award}")
    assert status == 200
    status, badge = served.json(assertion["badge"])
    assert badge["id"].endswith("/ob/v2/badges/rules/led-a-session")
    assert badge["name"] == "Led a session"
    status, issuer = served.json(badge["issuer"])
    assert issuer["id"].endswith("/ob/v2/issuers/installation") and issuer["name"] == "Journey"


def test_unknown_ids_are_404(served: Served) -> None:
    for path in ("assertions/nope", "badges/nope", "issuers/network-nope", "issuers/x"):
        assert served.fetch(f"{served.base}/ob/v2/{path}")[0] == 404


def test_a_revoked_recognition_is_gone_and_listed(served: Served) -> None:
    revoked = served.post("ana", "RecognitionRevoked", {
        "award_id": "aw-1", "revoked_by": "ana", "reason": "awarded by mistake"},
        occurred_at="2024-03-05T10:00:00Z")
    assert revoked.status_code == 201
    status, body = served.json(f"{served.base}/ob/v2/assertions/aw-1")
    assert status == 410
    assert body["revoked"] is True and body["revocationReason"] == "awarded by mistake"
    status, issuer = served.json(f"{served.base}/ob/v2/issuers/network-sel-serbia")
    status, listed = served.json(issuer["revocationList"])
    assert {"id": f"{served.base}/ob/v2/assertions/aw-1", "uid": "aw-1",
            "revocationReason": "awarded by mistake"} in listed["revokedAssertions"]
    # as of a moment before the revocation was recorded it was not yet listed
    moment = _just_before(served, revoked.json["positions"][0])
    status, before = served.json(f"{served.base}/ob/v2/issuers/network-sel-serbia/"
                                 f"revocations?as_of={moment}")
    assert status == 200 and before["revokedAssertions"] == []
    assert served.fetch(f"{served.base}/ob/v2/assertions/aw-1?as_of=bad")[0] == 400
    # OB 3.0 too
    assert served.fetch(f"{served.base}/ob/v3/credentials/aw-1.json")[0] == 410


def _just_before(site: Served, position: int) -> str:
    """The moment just before the event at `position` was recorded (an as_of value)."""
    row = next(iter(site.journey.store.read_rows(after=position - 1)))
    return format_time(from_micros(row.recorded_at - 1))


def test_no_moment_brings_back_a_revoked_award(served: Served) -> None:
    """as_of shows the past, but never serves again what Journey has withdrawn."""
    revoked = served.post("ana", "RecognitionRevoked", {
        "award_id": "aw-1", "revoked_by": "ana", "reason": "awarded by mistake"})
    assert revoked.status_code == 201, revoked.json
    moment = _just_before(served, revoked.json["positions"][0])
    for path in ("ob/v2/assertions/aw-1", "ob/v2/assertions/aw-1.json",
                 "ob/v2/assertions/aw-1.png"):
        status, _, raw = served.fetch(f"{served.base}/{path}?as_of={moment}")
        assert status == 410, path
        assert b"awarded by mistake" in raw or path.endswith(".png")
    # a credential is signed as the award stands now: no as_of, whatever the award
    for award in ("aw-1", "aw-eva"):
        status, _, raw = served.fetch(f"{served.base}/ob/v3/credentials/{award}.json"
                                      f"?as_of={moment}")
        assert status == 400 and b"proof" not in raw
        assert json.loads(raw)["error"] == "bad_query"
    # an award not made yet at that moment is still unknown then
    assert served.fetch(f"{served.base}/ob/v2/assertions/aw-1?as_of=2000-01-01T00:00:00Z"
                        )[0] == 404


def test_an_award_not_yet_made_is_404_as_of_before(served: Served) -> None:
    status, _, _ = served.fetch(f"{served.base}/ob/v2/assertions/aw-1?as_of=2000-01-01T00:00:00Z")
    assert status == 404


def test_a_rule_badge_whose_evidence_was_retracted_is_revoked(served: Served) -> None:
    award = _rule_award(served, "ivan", "led-a-session")
    retracted = served.post("ivan", "EntryRetracted", {"position": SESSION_POSITION,
                                                       "retracted_by": "ivan",
                                                       "reason": "wrong session"})
    assert retracted.status_code == 201, retracted.json
    status, body = served.json(f"{served.base}/ob/v2/assertions/{award}")
    assert status == 410 and body["revoked"] is True
    assert "retracted" in body["revocationReason"]
    status, listed = served.json(f"{served.base}/ob/v2/issuers/installation/revocations")
    assert f"{served.base}/ob/v2/assertions/{award}" in [
        a["id"] for a in listed["revokedAssertions"]]
    # the recognition keeps standing without that evidence
    status, assertion = served.json(f"{served.base}/ob/v2/assertions/aw-1")
    assert status == 200 and "evidence" not in assertion


def test_after_erasure_assertions_are_gone_without_personal_data(served: Served) -> None:
    erased = served.post("root", "MemberErased", {"member_id": "eva", "requested_by": "eva"})
    assert erased.status_code == 201, erased.json
    for as_of in ("", "?as_of=2030-01-01T00:00:00Z"):
        status, _, raw = served.fetch(f"{served.base}/ob/v2/assertions/aw-eva{as_of}")
        assert status == 410
        body = json.loads(raw)
        assert body["revoked"] is True
        assert set(body) == {"@context", "type", "id", "revoked", "revocationReason"}
        assert b"eva@" not in raw and b"Eva" not in raw
    assert served.fetch(f"{served.base}/ob/v3/credentials/aw-eva.json")[0] == 410
    assert served.fetch(f"{served.base}/ob/v2/assertions/aw-eva.png")[0] == 410


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """Read PNG chunks (independently of projections/openbadges/png.py)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    found, at = [], 8
    while at < len(png):
        length = struct.unpack(">I", png[at:at + 4])[0]
        kind, data = png[at + 4:at + 8], png[at + 8:at + 8 + length]
        assert struct.unpack(">I", png[at + 8 + length:at + 12 + length])[0] == \
            zlib.crc32(kind + data)
        found.append((kind, data))
        at += 12 + length
    return found


def test_the_baked_png_carries_the_assertion_url(served: Served) -> None:
    status, headers, png = served.fetch(f"{served.base}/ob/v2/assertions/aw-1.png", accept=None)
    assert status == 200 and headers["Content-Type"] == "image/png"
    chunks = _chunks(png)
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    [itxt] = [data for kind, data in chunks if kind == b"iTXt"]
    keyword, rest = itxt.split(b"\0", 1)
    assert keyword == b"openbadges"
    assert rest[:2] == b"\0\0"  # not compressed
    language, translated, text = rest[2:].split(b"\0", 2)
    assert text.decode() == f"{served.base}/ob/v2/assertions/aw-1"
    width, height = struct.unpack(">II", chunks[0][1][:8])
    pixels = zlib.decompress(b"".join(d for k, d in chunks if k == b"IDAT"))
    assert len(pixels) == height * (1 + 3 * width)


def test_the_portfolio_links_each_award_to_its_badge_files(served: Served) -> None:
    body = served.get("ivan", "/api/members/ivan/badges").json
    [recognition] = body["recognitions"]
    links = recognition["open_badges"]
    assert links["baked_png"] == f"{served.base}/ob/v2/assertions/aw-1.png"
    assert served.fetch(links["baked_png"], accept=None)[0] == 200
    assert served.fetch(links["credential"])[0] == 200
    assert all("open_badges" in b for b in body["rule_badges"])
    portfolio = served.get("ivan", "/api/members/ivan/portfolio").json
    assert portfolio["recognitions"][0]["open_badges"] == links


def test_evidence_links_open_the_entry_on_the_portfolio_page_after_sign_in(served: Served) -> None:
    from urllib.parse import urlsplit

    from tests.web.conftest import sign_in

    status, assertion = served.json(f"{served.base}/ob/v2/assertions/aw-1")
    assert status == 200
    link = urlsplit(assertion["evidence"][0]["id"])
    browser = served.app.test_client()
    # Without an account the link asks for a sign-in: evidence is never public.
    assert browser.get(link.path).status_code == 302
    sign_in(browser, "ana")  # the facilitator who awarded it
    page = browser.get(link.path)
    assert page.status_code == 200
    assert f'id="{link.fragment}"' in page.get_data(as_text=True)


def test_awards_that_no_longer_stand_get_no_open_badges_links(served: Served) -> None:
    """A link is offered only where it answers: never to a 410."""
    def linked(member: str, query: str = "") -> dict[str, dict | None]:
        found = {}
        for path in ("badges", "portfolio"):
            body = served.get("root", f"/api/members/{member}/{path}{query}").json
            for name in ("recognitions", "rule_badges"):
                for item in body.get(name) or ():
                    links = item.get("open_badges")
                    found[item["award_id"]] = links
                    for url in (links or {}).values():
                        assert served.fetch(url, accept=None)[0] == 200, url
        return found

    assert all(linked("eva").values()) and "aw-eva" in linked("eva")
    revoked = served.post("ana", "RecognitionRevoked", {
        "award_id": "aw-1", "revoked_by": "ana", "reason": "awarded by mistake"})
    # as of before the revocation the recognition is listed, but its files are withdrawn
    past = linked("ivan", f"?as_of={_just_before(served, revoked.json['positions'][0])}")
    assert "aw-1" in past and past["aw-1"] is None
    assert [links for award, links in past.items() if award != "aw-1"] and \
        all(links for award, links in past.items() if award != "aw-1")
    # a rule badge listed as of before its evidence was retracted: withdrawn since
    award = _rule_award(served, "ivan", "led-a-session")
    retracted = served.post("ivan", "EntryRetracted", {"position": SESSION_POSITION,
                                                       "retracted_by": "ivan",
                                                       "reason": "wrong session"})
    past = linked("ivan", f"?as_of={_just_before(served, retracted.json['positions'][0])}")
    assert award in past and past[award] is None
    served.post("root", "MemberErased", {"member_id": "eva", "requested_by": "eva"})
    assert not any(linked("eva").values())


def test_the_portfolio_page_offers_badge_files_only_for_awards_that_stand(served: Served
                                                                          ) -> None:
    from tests.web.conftest import sign_in

    browser = served.app.test_client()
    sign_in(browser, "ana")  # the facilitator of ivan's and eva's community

    def files(member: str, query: str = "") -> list[str]:
        page = browser.get(f"/members/{member}/portfolio{query}")
        assert page.status_code == 200
        return re.findall(r'href="/ob/v2/assertions/([^"]+)\.png"', page.get_data(as_text=True))

    assert "aw-1" in files("ivan") and "aw-eva" in files("eva")
    revoked = served.post("ana", "RecognitionRevoked", {
        "award_id": "aw-1", "revoked_by": "ana", "reason": "awarded by mistake"})
    before = files("ivan", f"?as_of={_just_before(served, revoked.json['positions'][0])}")
    assert before and "aw-1" not in before      # the rule badges still link theirs
    served.post("root", "MemberErased", {"member_id": "eva", "requested_by": "eva"})
    assert files("eva") == []


def test_a_recognition_of_a_badge_under_the_rules_namespace_gets_no_links(served: Served
                                                                            ) -> None:
    """A log written before rules/ was reserved may hold such a recognition: the
    catalogue publishes no document for it, so the reads offer no link to a 404."""
    from web.openbadges.routes import _withdrawn

    body = {"recognitions": [{"award_id": "aw-forged", "badge_id": "rules/took-over"},
                             {"award_id": "aw-1", "badge_id": "b-1"}]}
    with served.app.test_request_context():
        assert _withdrawn(body, "ivan") == {"aw-forged"}
