"""Open Badges documents of the catalogue: OB 2.0 hosted JSON-LD, OB 3.0 credentials and
the issuers' Bitstring Status Lists (revocation).

Pure: the catalogue, the issuer settings and the base URL in, JSON-ready dicts out.
Nothing a member wrote is ever copied: evidence is a narrative of what kind of event it
was, when and where, with a link that requires signing in (the portfolio applies the
visibility of reflections; a private reflection is never evidence anyway).
"""
from __future__ import annotations

import base64
import gzip
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from journey.clock import format_time
from projections.openbadges.catalogue import Award, Badge, Catalogue
from projections.openbadges.contexts import OB_V2_URL, OB_V3_URL, VC_V2_URL

INSTALLATION = "installation"

#: What an evidence event was, in words (never its text).
EVENT_WORDS = {
    "SessionLed": "Led a session", "ResourceShared": "Shared a resource",
    "ResourceReused": "A shared resource was reused", "FeedbackGiven": "Gave feedback",
    "ReflectionRecorded": "Recorded a reflection (shared with colleagues)",
    "ActionStepCompleted": "Completed a step of an action plan",
    "NormsAgreed": "Agreed the community's norms", "SessionScheduled": "Scheduled a session",
    "RoleChanged": "Took on a new role", "MemberJoined": "Joined a community",
}


@dataclass(frozen=True)
class Issuer:
    """An issuer's settings: a network's (set by an admin) or the installation's."""

    id: str                 # "installation" or "network-<network id>"
    name: str
    url: str
    email: str | None = None
    image: str | None = None


def issuer_id(network_id: str | None) -> str:
    return INSTALLATION if network_id is None else f"network-{network_id}"


def network_of(issuer: str) -> str | None:
    """The network of an issuer id ("installation": None); ValueError for another id."""
    if issuer == INSTALLATION:
        return None
    if issuer.startswith("network-") and len(issuer) > len("network-"):
        return issuer[len("network-"):]
    raise ValueError(f"no issuer {issuer}")


class Urls:
    """The stable URLs under JOURNEY_BASE_URL."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/")

    def issuer(self, issuer: str) -> str:
        return f"{self.base}/ob/v2/issuers/{issuer}"

    def revocations(self, issuer: str) -> str:
        return f"{self.issuer(issuer)}/revocations"

    def badge(self, badge: str) -> str:
        return f"{self.base}/ob/v2/badges/{badge}"

    def badge_image(self, badge: str) -> str:
        return f"{self.badge(badge)}/image.png"

    def assertion(self, award_id: str) -> str:
        return f"{self.base}/ob/v2/assertions/{award_id}"

    def baked(self, award_id: str) -> str:
        return f"{self.assertion(award_id)}.png"

    def credential(self, award_id: str) -> str:
        return f"{self.base}/ob/v3/credentials/{award_id}"

    def status_list(self, issuer: str) -> str:
        """The issuer's BitstringStatusListCredential (revocation)."""
        return f"{self.base}/ob/v3/status-lists/{issuer}"

    def portfolio(self, member_id: str) -> str:
        return f"{self.base}/members/{member_id}/portfolio"  # the page people open


def salt_of(award_id: str) -> str:
    """A per-award salt (public, in the assertion; stable so the assertion is too)."""
    return hashlib.sha256(f"journey-openbadges|{award_id}".encode()).hexdigest()[:16]


def hashed_email(email: str, salt: str) -> str:
    return "sha256$" + hashlib.sha256((email + salt).encode("utf-8")).hexdigest()


# -- OB 2.0 ---------------------------------------------------------------------------------

def profile(issuer: Issuer, urls: Urls) -> dict[str, Any]:
    doc = {"@context": OB_V2_URL, "type": "Issuer", "id": urls.issuer(issuer.id),
           "name": issuer.name, "url": issuer.url}
    if issuer.email:
        doc["email"] = issuer.email
    if issuer.image:
        doc["image"] = issuer.image
    doc["revocationList"] = urls.revocations(issuer.id)
    return doc


def badge_class(badge: Badge, urls: Urls) -> dict[str, Any]:
    return {"@context": OB_V2_URL, "type": "BadgeClass", "id": urls.badge(badge.key),
            "name": badge.name, "description": badge.description,
            "image": urls.badge_image(badge.key),
            "criteria": {"narrative": badge.criteria},
            "issuer": urls.issuer(issuer_id(badge.network_id))}


def recipient(award: Award, urls: Urls) -> dict[str, Any]:
    if award.email:
        salt = salt_of(award.award_id)
        return {"type": "email", "hashed": True, "salt": salt,
                "identity": hashed_email(award.email, salt)}
    return {"type": "url", "hashed": False, "identity": urls.portfolio(award.member_id)}


def evidence(award: Award, cat: Catalogue, urls: Urls) -> list[dict[str, Any]]:
    out = []
    for position in award.evidence:
        item = cat.evidence.get(position)
        if item is None:
            continue
        words = EVENT_WORDS.get(item.type, item.type)
        where = f" in community {item.community_id}" if item.community_id else ""
        out.append({
            "id": f"{urls.portfolio(award.member_id)}#entry-{position}",
            "name": words,
            "narrative": f"{words}{where} on {item.occurred_at.date().isoformat()} "
                         f"(Journey log position {position}; sign in to Journey to see it).",
        })
    return out


def assertion(award: Award, cat: Catalogue, urls: Urls) -> dict[str, Any]:
    """The hosted Assertion of a standing award."""
    doc: dict[str, Any] = {
        "@context": OB_V2_URL, "type": "Assertion", "id": urls.assertion(award.award_id),
        "recipient": recipient(award, urls), "badge": urls.badge(award.badge),
        "issuedOn": format_time(award.issued_at), "image": urls.baked(award.award_id),
        "verification": {"type": "hosted"}}
    found = evidence(award, cat, urls)
    if found:
        doc["evidence"] = found
    badge = cat.badges.get(award.badge)
    if badge is not None:
        doc["narrative"] = f"{badge.name}: {badge.description}"
    return doc


def revoked_assertion(award_id: str, reason: str | None, urls: Urls) -> dict[str, Any]:
    """What a revoked (or erased) assertion answers with its 410: no personal data."""
    return {"@context": OB_V2_URL, "type": "Assertion", "id": urls.assertion(award_id),
            "revoked": True, "revocationReason": reason or "revoked"}


def revocation_list(issuer: str, cat: Catalogue, urls: Urls) -> dict[str, Any]:
    network = network_of(issuer)
    revoked = sorted((a for a in cat.of_issuer(network) if a.revoked),
                     key=lambda a: a.award_id)
    return {"@context": OB_V2_URL, "type": "RevocationList", "id": urls.revocations(issuer),
            "issuer": urls.issuer(issuer),
            "revokedAssertions": [{"id": urls.assertion(a.award_id),
                                   "uid": a.award_id,
                                   "revocationReason": a.revocation_reason or "revoked"}
                                  for a in revoked]}


# -- OB 3.0 ---------------------------------------------------------------------------------

def credential(award: Award, cat: Catalogue, issuer: Issuer, did: str,
               urls: Urls) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential of a standing award (VC data model 2.0)."""
    badge = cat.badges[award.badge]
    if award.email:
        salt = salt_of(award.award_id)
        identity = {"type": "IdentityObject", "hashed": True,
                    "identityHash": hashed_email(award.email, salt),
                    "identityType": "emailAddress", "salt": salt}
    else:
        identity = {"type": "IdentityObject", "hashed": False,
                    "identityHash": urls.portfolio(award.member_id), "identityType": "url"}
    issuer_doc: dict[str, Any] = {"id": did, "type": ["Profile"], "name": issuer.name,
                                  "url": issuer.url}
    if issuer.email:
        issuer_doc["email"] = issuer.email
    if issuer.image:
        issuer_doc["image"] = {"id": issuer.image, "type": "Image"}  # OB 3.0: an Image
    list_url = urls.status_list(issuer_id(cat.issuer_of(award)))
    index = cat.status_index(award)
    doc: dict[str, Any] = {
        "@context": [VC_V2_URL, OB_V3_URL],
        "id": urls.credential(award.award_id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": badge.name,
        "issuer": issuer_doc,
        "validFrom": format_time(award.issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [identity],
            "achievement": {
                "id": urls.badge(badge.key), "type": ["Achievement"], "name": badge.name,
                "description": badge.description,
                "criteria": {"narrative": badge.criteria},
                "image": {"id": urls.badge_image(badge.key), "type": "Image"},
            },
        },
        "credentialStatus": {
            "id": f"{list_url}#{index}", "type": "BitstringStatusListEntry",
            "statusPurpose": STATUS_PURPOSE, "statusListIndex": str(index),
            "statusListCredential": list_url,
        },
    }
    found = evidence(award, cat, urls)
    if found:
        doc["evidence"] = [{"id": e["id"], "type": ["Evidence"], "name": e["name"],
                            "narrative": e["narrative"]} for e in found]
    return doc


# -- OB 3.0 revocation: a Bitstring Status List per issuer ----------------------------------
#
# W3C Bitstring Status List v1.0: one bit per award of the issuer, at the award's
# allocated index (status_index.py: never changed, never reused), set when the award is
# revoked, its recipient erased, or when it has left the catalogue (its rule changed). Index 0 is the left-most bit: the most significant bit of the first
# byte. The list is at least 16 KiB uncompressed (herd privacy), and grows by that much.

STATUS_PURPOSE = "revocation"
STATUS_LIST_BITS = 16 * 1024 * 8


def status_bits(cat: Catalogue, network_id: str | None) -> bytes:
    """The issuer's revocation bitstring: bit i set when its award of index i does not
    stand (revoked, or no longer in the catalogue)."""
    indexes = cat.status_indexes(network_id)
    blocks = max(1, -(-(max(indexes.values(), default=-1) + 1) // STATUS_LIST_BITS))
    bits = bytearray(blocks * STATUS_LIST_BITS // 8)
    for award_id, index in indexes.items():
        award = cat.awards.get(award_id)
        if award is None or award.revoked:
            bits[index // 8] |= 0x80 >> (index % 8)
    return bytes(bits)


def bit_at(bits: bytes, index: int) -> bool | None:
    """The bit at `index` (None when the list is shorter: a RANGE_ERROR in the spec)."""
    if not 0 <= index < len(bits) * 8:
        return None
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def encoded_list(bits: bytes) -> str:
    """Multibase base64url, no padding ('u'), of the GZIP-compressed bitstring."""
    packed = gzip.compress(bits, compresslevel=9, mtime=0)  # mtime 0: the same bits, the same text
    return "u" + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def status_list_credential(network_id: str | None, cat: Catalogue, did: str, urls: Urls,
                           issued: datetime) -> dict[str, Any]:
    """The unsigned BitstringStatusListCredential of an issuer's awards, as of `cat`."""
    url = urls.status_list(issuer_id(network_id))
    return {
        "@context": [VC_V2_URL],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did,
        "validFrom": format_time(issued),
        "credentialSubject": {
            "id": f"{url}#list", "type": "BitstringStatusList",
            "statusPurpose": STATUS_PURPOSE,
            "encodedList": encoded_list(status_bits(cat, network_id)),
        },
    }
