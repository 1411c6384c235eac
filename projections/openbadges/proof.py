"""Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite (W3C vc-di-eddsa).

    proofConfig = the proof without proofValue, with the document's @context
    hashData    = SHA-256(RDFC-1.0(proofConfig)) || SHA-256(RDFC-1.0(document − proof))
    proofValue  = multibase base58btc of the Ed25519 signature of hashData

RDFC-1.0 (URDNA2015) is pyld's `normalize`, over the bundled published contexts only
(projections/openbadges/jsonld). Canonicalisation is "safe" as Data Integrity asks: a
property no context defines would be silently dropped from the N-Quads (so left unsigned),
and a type or id that is not an absolute IRI (an undefined type, say) would be resolved
against pyld's stand-in base http://example.org/base/; both are refused (`UnsafeJsonLd`).
pyld has no `safe` option of its own; this module checks the expanded document.
"""
from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from typing import Any

from projections.openbadges.contexts import document_loader
from projections.openbadges.didkey import multibase

CRYPTOSUITE = "eddsa-rdfc-2022"


class UnsafeJsonLd(ValueError):
    """The document has terms that canonicalisation would drop (so they would go unsigned)."""


def _refuse_dropped(term: str | None) -> None:
    raise UnsafeJsonLd(f"the property {term!r} is not defined by the credential's contexts")


def _absolute(iri: str) -> bool:
    """An absolute IRI, not one pyld resolved against its stand-in base (a relative one)."""
    from pyld.jsonld import DEFAULT_BASE_IRI
    return ":" in iri and not iri.startswith(DEFAULT_BASE_IRI)


def _check_expanded(node: Any) -> None:
    """Refuse relative @type and @id values (pyld resolves them against a made-up base)."""
    if isinstance(node, list):
        for item in node:
            _check_expanded(item)
        return
    if not isinstance(node, dict):
        return
    if "@value" in node:
        kind = node.get("@type")
        if isinstance(kind, str) and kind != "@json" and not _absolute(kind):
            raise UnsafeJsonLd(f"the datatype {kind!r} is not an absolute IRI")
        return
    for kind in node.get("@type", []):
        if not _absolute(kind):
            raise UnsafeJsonLd(f"the type {kind!r} is not defined by the credential's contexts")
    ident = node.get("@id")
    if isinstance(ident, str) and not _absolute(ident):
        raise UnsafeJsonLd(f"the id {ident!r} is not an absolute IRI")
    for key, value in node.items():
        if key not in ("@type", "@id"):
            _check_expanded(value)


def canonical(document: dict[str, Any]) -> str:
    """The RDFC-1.0 canonical N-Quads of a JSON-LD document (refusing unsafe JSON-LD)."""
    from pyld.jsonld import JsonLdProcessor
    processor = JsonLdProcessor(on_property_dropped=_refuse_dropped)
    expanded = processor.expand(copy.deepcopy(document), {"documentLoader": document_loader})
    _check_expanded(expanded)
    return processor.normalize(expanded, {
        "algorithm": "URDNA2015", "format": "application/n-quads",
        "documentLoader": document_loader})


def hash_data(document: dict[str, Any], proof_config: dict[str, Any]) -> bytes:
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    config = {k: v for k, v in proof_config.items() if k != "proofValue"}
    config["@context"] = document["@context"]
    return (hashlib.sha256(canonical(config).encode()).digest()
            + hashlib.sha256(canonical(unsecured).encode()).digest())


def add_proof(document: dict[str, Any], sign: Callable[[bytes], bytes],
              verification_method: str, created: str) -> dict[str, Any]:
    """`document` with a DataIntegrityProof signed by `sign` (raw Ed25519 signature)."""
    proof = {"type": "DataIntegrityProof", "cryptosuite": CRYPTOSUITE, "created": created,
             "verificationMethod": verification_method, "proofPurpose": "assertionMethod"}
    proof["proofValue"] = multibase(sign(hash_data(document, proof)))
    return {**{k: v for k, v in document.items() if k != "proof"}, "proof": proof}
