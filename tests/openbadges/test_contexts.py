"""The bundled JSON-LD contexts are the published documents, and canonicalisation uses them."""
from __future__ import annotations

import copy
import hashlib
from datetime import datetime, timezone

import pytest

from projections.openbadges import contexts
from projections.openbadges.catalogue import Award, Badge, Catalogue, Evidence
from projections.openbadges.documents import Issuer, Urls, credential

pytest.importorskip("pyld", reason="pyld (JSON-LD canonicalisation) is not installed")
from pyld.jsonld import JsonLdError  # noqa: E402

from projections.openbadges.proof import UnsafeJsonLd, add_proof, canonical  # noqa: E402

OB = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"
CRED = "https://www.w3.org/2018/credentials#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
AT = datetime(2026, 3, 1, 10, 0, tzinfo=timezone.utc)
BASE = "https://journey.example"
DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def _credential(email: str | None = "eva@example.org") -> dict:
    cat = Catalogue()
    cat.badges["b-1"] = Badge("b-1", "First session", "Led a session", "Lead a session", None)
    cat.evidence[7] = Evidence(7, "SessionLed", AT, "c-1")
    award = Award("aw-1", "recognition", "eva", "b-1", AT, (7,), email)
    cat.awards["aw-1"] = award
    cat.indexes = {None: {"aw-1": 0}}   # as status_index.py allocates it
    issuer = Issuer("installation", "Journey", "https://journey.example",
                    email="hello@journey.example")
    return credential(award, cat, issuer, DID, Urls(BASE))


def test_the_vc_context_is_the_published_document_byte_for_byte() -> None:
    raw = (contexts.JSONLD_DIR / contexts.FILES[contexts.VC_V2_URL]).read_bytes()
    assert hashlib.sha256(raw).hexdigest() == contexts.VC_V2_SHA256
    ctx = contexts.VC_V2["@context"]
    assert ctx["@protected"] is True
    assert "@vocab" not in ctx          # the Recommendation moved it to undefined-terms/v2
    for term in ("VerifiableCredential", "VerifiablePresentation", "DataIntegrityProof",
                 "EnvelopedVerifiableCredential", "EnvelopedVerifiablePresentation",
                 "JsonSchema", "JsonSchemaCredential", "BitstringStatusListEntry",
                 "digestSRI", "mediaType"):
        assert term in ctx, term
    scoped = ctx["VerifiableCredential"]["@context"]
    assert scoped["@protected"] is True
    assert scoped["credentialSubject"]["@id"] == CRED + "credentialSubject"
    assert scoped["validFrom"]["@type"] == "http://www.w3.org/2001/XMLSchema#dateTime"


def test_the_ob_context_is_the_published_3_0_3_document() -> None:
    ctx = contexts.OB_V3["@context"]
    assert ctx["@protected"] is True
    assert "@import" not in ctx          # needs no other context at load time
    for term in ("OpenBadgeCredential", "Achievement", "AchievementSubject", "Profile",
                 "Evidence", "Image", "IdentityObject", "Criteria", "Result",
                 "ResultDescription", "Alignment", "EndorsementCredential", "Address"):
        assert term in ctx, term
    assert ctx["OpenBadgeCredential"]["@id"] == OB + "OpenBadgeCredential"
    assert ctx["AchievementCredential"]["@id"] == "OpenBadgeCredential"
    subject = ctx["AchievementSubject"]["@context"]
    # 3.0.3, not the 3.0.1/3.0.2 IRIs (#achievement-0, #image-1, #Image)
    assert subject["achievement"]["@id"] == OB + "achievement"
    assert subject["image"]["@id"] == OB + "image"
    assert ctx["Achievement"]["@context"]["image"]["@id"] == OB + "image"
    assert ctx["Profile"]["@context"]["image"]["@id"] == OB + "image"
    # far more than the reduced hand-written copy it replaces
    assert len(ctx) > 30 and len(ctx["Profile"]["@context"]) > 15


def test_only_the_bundled_contexts_load() -> None:
    for url in (contexts.VC_V2_URL, contexts.OB_V3_URL):
        loaded = contexts.document_loader(url)
        assert loaded["documentUrl"] == url and loaded["document"] == contexts.CONTEXTS[url]
        loaded["document"]["@context"]["name"] = "changed"     # a copy each time
        assert contexts.CONTEXTS[url]["@context"]["name"] != "changed"
    for url in ("https://www.w3.org/2018/credentials/v1",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
                "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
                "https://example.org/unknown"):
        with pytest.raises(JsonLdError):
            contexts.document_loader(url)


def test_canonical_n_quads_use_the_official_iris() -> None:
    doc = _credential()
    quads = canonical(doc).splitlines()
    cred = f"<{BASE}/ob/v3/credentials/aw-1>"
    achievement = f"<{BASE}/ob/v2/badges/b-1>"
    assert f"{cred} <{RDF_TYPE}> <{OB}OpenBadgeCredential> ." in quads
    assert f"{cred} <{RDF_TYPE}> <{CRED}VerifiableCredential> ." in quads
    assert f"{cred} <{CRED}issuer> <{DID}> ." in quads
    assert f'{cred} <{CRED}validFrom> "2026-03-01T10:00:00Z"' \
           f'^^<http://www.w3.org/2001/XMLSchema#dateTime> .' in quads
    assert f'{cred} <https://schema.org/name> "First session" .' in quads
    [subject] = [q.split()[2] for q in quads if q.startswith(f"{cred} <{CRED}credentialSubject>")]
    assert f"{subject} <{RDF_TYPE}> <{OB}AchievementSubject> ." in quads
    assert f"{subject} <{OB}achievement> {achievement} ." in quads
    assert f"{achievement} <{RDF_TYPE}> <{OB}Achievement> ." in quads
    assert f"{achievement} <{OB}image> <{BASE}/ob/v2/badges/b-1/image.png> ." in quads
    assert f'{achievement} <https://schema.org/description> "Led a session" .' in quads
    assert any(q.startswith(f"{achievement} <{OB}Criteria> _:") for q in quads)
    assert any(f"<{OB}narrative> \"Lead a session\"" in q for q in quads)
    assert any(q.endswith(f"<{RDF_TYPE}> <{OB}IdentityObject> .") for q in quads)
    assert any(f"<{OB}identityType> \"emailAddress\"" in q for q in quads)
    assert any(f"<{OB}hashed> \"true\"" in q for q in quads)
    assert f"<{DID}> <{RDF_TYPE}> <{OB}Profile> ." in quads
    assert f'<{DID}> <https://schema.org/url> "https://journey.example"' \
           f'^^<https://www.w3.org/2001/XMLSchema#anyURI> .' in quads
    assert any(q.endswith(f"<{RDF_TYPE}> <{OB}Evidence> .") for q in quads)
    # every property of the credential made it into the graph: nothing was dropped
    assert not any("issuer-dependent" in q for q in quads)


def test_a_proof_canonicalises_with_the_vc_context() -> None:
    signed = add_proof(_credential(None), lambda data: b"\x01" * 64,
                       f"{DID}#{DID.removeprefix('did:key:')}", "2026-03-01T10:00:00Z")
    quads = canonical(signed)
    assert "<https://w3id.org/security#DataIntegrityProof>" in quads
    assert '"eddsa-rdfc-2022"^^<https://w3id.org/security#cryptosuiteString>' in quads
    assert "<https://w3id.org/security#proofPurpose> " \
           "<https://w3id.org/security#assertionMethod>" in quads


@pytest.mark.parametrize("change", [
    lambda d: d.update(unknownTerm="x"),                                   # undefined term
    lambda d: d["credentialSubject"]["achievement"].update(tags=["a"]),    # not "tag"
    lambda d: d["type"].append("JourneyCredential"),                       # undefined type
    lambda d: d["issuer"].update(id="installation"),                       # relative id
])
def test_terms_the_contexts_do_not_define_are_refused_not_dropped(change) -> None:
    doc = copy.deepcopy(_credential())
    change(doc)
    with pytest.raises(UnsafeJsonLd):
        canonical(doc)


def test_a_protected_term_cannot_be_redefined() -> None:
    doc = _credential()
    doc["@context"] = doc["@context"] + [{"name": "https://example.org/name"}]
    with pytest.raises(JsonLdError):
        canonical(doc)
