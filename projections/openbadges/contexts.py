"""The JSON-LD contexts the OB 3.0 credentials use, bundled: nothing is fetched at runtime.

`VC_V2` is the W3C Verifiable Credentials 2.0 context (the terms a credential and a Data
Integrity proof use, `@protected` as published). `OB_V3` is a local copy of the Open
Badges 3.0 context restricted to the terms Journey's credentials use, mapped to the same
IRIs of the OB vocabulary (https://purl.imsglobal.org/spec/vc/ob/vocab.html#…).
`document_loader` serves these two and refuses every other URL, so canonicalisation never
touches the network and a credential naming an unknown context is invalid.
"""
from __future__ import annotations

import copy
from typing import Any

VC_V2_URL = "https://www.w3.org/ns/credentials/v2"
OB_V3_URL = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_V2_URL = "https://w3id.org/openbadges/v2"

_CRED = "https://www.w3.org/2018/credentials#"
_SEC = "https://w3id.org/security#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_OB = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"


def _id(term: str, kind: str = "@id") -> dict[str, str]:
    return {"@id": term, "@type": kind}


VC_V2: dict[str, Any] = {"@context": {
    "@protected": True,
    "@vocab": "https://www.w3.org/ns/credentials/issuer-dependent#",
    "id": "@id",
    "type": "@type",
    "description": "https://schema.org/description",
    "digestMultibase": _id(_SEC + "digestMultibase", _SEC + "multibase"),
    "mediaType": {"@id": "https://schema.org/encodingFormat"},
    "name": "https://schema.org/name",
    "VerifiableCredential": {
        "@id": _CRED + "VerifiableCredential",
        "@context": {
            "@protected": True,
            "id": "@id",
            "type": "@type",
            "credentialSchema": _id(_CRED + "credentialSchema"),
            "credentialStatus": _id(_CRED + "credentialStatus"),
            "credentialSubject": _id(_CRED + "credentialSubject"),
            "description": "https://schema.org/description",
            "evidence": _id(_CRED + "evidence"),
            "issuer": _id(_CRED + "issuer"),
            "name": "https://schema.org/name",
            "proof": {"@id": _SEC + "proof", "@type": "@id", "@container": "@graph"},
            "refreshService": _id(_CRED + "refreshService"),
            "termsOfUse": _id(_CRED + "termsOfUse"),
            "validFrom": _id(_CRED + "validFrom", _XSD + "dateTime"),
            "validUntil": _id(_CRED + "validUntil", _XSD + "dateTime"),
        },
    },
    "DataIntegrityProof": {
        "@id": _SEC + "DataIntegrityProof",
        "@context": {
            "@protected": True,
            "id": "@id",
            "type": "@type",
            "challenge": _SEC + "challenge",
            "created": _id("http://purl.org/dc/terms/created", _XSD + "dateTime"),
            "cryptosuite": _id(_SEC + "cryptosuite", _SEC + "cryptosuiteString"),
            "domain": _SEC + "domain",
            "expires": _id(_SEC + "expiration", _XSD + "dateTime"),
            "nonce": _SEC + "nonce",
            "previousProof": _id(_SEC + "previousProof"),
            "proofPurpose": {
                "@id": _SEC + "proofPurpose", "@type": "@vocab",
                "@context": {
                    "@protected": True,
                    "id": "@id",
                    "type": "@type",
                    "assertionMethod": {"@id": _SEC + "assertionMethod", "@type": "@id",
                                        "@container": "@set"},
                    "authentication": {"@id": _SEC + "authenticationMethod",
                                       "@type": "@id", "@container": "@set"},
                },
            },
            "proofValue": _id(_SEC + "proofValue", _SEC + "multibase"),
            "verificationMethod": _id(_SEC + "verificationMethod"),
        },
    },
}}

OB_V3: dict[str, Any] = {"@context": {
    "@protected": True,
    "id": "@id",
    "type": "@type",
    "xsd": _XSD,
    "OpenBadgeCredential": {"@id": _OB + "OpenBadgeCredential"},
    "AchievementCredential": {"@id": "OpenBadgeCredential"},
    "Achievement": {"@id": _OB + "Achievement", "@context": {
        "@protected": True, "id": "@id", "type": "@type",
        "achievementType": _id(_OB + "achievementType", "xsd:string"),
        "criteria": _id(_OB + "Criteria"),
        "creator": {"@id": _OB + "Profile"},
        "image": _id(_OB + "Image"),
        "version": _id(_OB + "version", "xsd:string"),
    }},
    "AchievementSubject": {"@id": _OB + "AchievementSubject", "@context": {
        "@protected": True, "id": "@id", "type": "@type",
        "achievement": {"@id": _OB + "Achievement"},
        "identifier": {"@id": _OB + "identifier", "@type": _OB + "IdentityObject",
                       "@container": "@set"},
    }},
    "Criteria": {"@id": _OB + "Criteria"},
    "Evidence": {"@id": _OB + "Evidence", "@context": {
        "@protected": True, "id": "@id", "type": "@type",
        "narrative": _id(_OB + "narrative", "xsd:string"),
    }},
    "IdentityObject": {"@id": _OB + "IdentityObject", "@context": {
        "@protected": True, "id": "@id", "type": "@type",
        "hashed": _id("https://purl.imsglobal.org/spec/vc/ob/vocab.html#hashed",
                      "xsd:boolean"),
        "identityHash": _id(_OB + "identityHash", "xsd:string"),
        "identityType": _id(_OB + "identityType", "xsd:string"),
        "salt": _id(_OB + "salt", "xsd:string"),
    }},
    "Image": {"@id": _OB + "Image", "@context": {
        "@protected": True, "id": "@id", "type": "@type",
        "caption": _id(_OB + "caption", "xsd:string"),
    }},
    "Profile": {"@id": _OB + "Profile", "@context": {
        "@protected": True, "id": "@id", "type": "@type",
        "email": _id(_OB + "email", "xsd:string"),
        "image": _id(_OB + "Image"),
        "url": _id(_OB + "url", "xsd:anyURI"),
    }},
    "narrative": _id(_OB + "narrative", "xsd:string"),
}}

CONTEXTS: dict[str, dict[str, Any]] = {VC_V2_URL: VC_V2, OB_V3_URL: OB_V3}


class UnknownContext(Exception):
    """A document names a context that is not bundled (nothing is fetched)."""


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld's document loader over the bundled contexts only."""
    document = CONTEXTS.get(url)
    if document is None:
        from pyld.jsonld import JsonLdError
        raise JsonLdError(f"context {url} is not bundled and nothing is fetched",
                          "jsonld.LoadDocumentError", code="loading document failed")
    return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(document)}
