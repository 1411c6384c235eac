"""Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite (W3C vc-di-eddsa).

    proofConfig = the proof without proofValue, with the document's @context
    hashData    = SHA-256(RDFC-1.0(proofConfig)) || SHA-256(RDFC-1.0(document − proof))
    proofValue  = multibase base58btc of the Ed25519 signature of hashData

RDFC-1.0 (URDNA2015) is pyld's `normalize`, over the bundled contexts only.
"""
from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from typing import Any

from projections.openbadges.contexts import document_loader
from projections.openbadges.didkey import multibase

CRYPTOSUITE = "eddsa-rdfc-2022"


def canonical(document: dict[str, Any]) -> str:
    """The RDFC-1.0 canonical N-Quads of a JSON-LD document."""
    from pyld import jsonld
    return jsonld.normalize(copy.deepcopy(document), {
        "algorithm": "URDNA2015", "format": "application/n-quads",
        "documentLoader": document_loader, "safe": True})


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
