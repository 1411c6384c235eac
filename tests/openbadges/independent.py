"""An OB 3.0 proof verifier written apart from the signing code (projections/openbadges).

It shares only the bundled context *documents* (data: no network in tests) and follows
W3C vc-di-eddsa "eddsa-rdfc-2022" verification from the specification: RDFC-1.0 with
pyld, SHA-256 of the proof options then of the document, base58btc decoding of its own,
the did:key multicodec prefix 0xed01, and `cryptography`'s Ed25519 verify.
"""
from __future__ import annotations

import copy
import hashlib
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pyld import jsonld

from projections.openbadges.contexts import CONTEXTS

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _b58(text: str) -> bytes:
    value = 0
    for char in text:
        value = value * 58 + _B58.index(char)
    pad = len(text) - len(text.lstrip("1"))
    return b"\x00" * pad + value.to_bytes((value.bit_length() + 7) // 8, "big")


def _loader(url: str, options: Any = None) -> dict[str, Any]:
    return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(CONTEXTS[url])}


def _nquads(doc: dict[str, Any]) -> bytes:
    return jsonld.normalize(copy.deepcopy(doc), {"algorithm": "URDNA2015",
                                                 "format": "application/n-quads",
                                                 "documentLoader": _loader}).encode()


def verify(credential: dict[str, Any]) -> bool:
    """True when the credential's eddsa-rdfc-2022 proof checks out with the issuer's key."""
    proof = dict(credential["proof"])
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    signature = _b58(proof.pop("proofValue").removeprefix("z"))
    did = proof["verificationMethod"].split("#")[0]
    issuer = credential["issuer"]["id"] if isinstance(credential["issuer"], dict) \
        else credential["issuer"]
    if did != issuer:
        return False
    key_bytes = _b58(did.removeprefix("did:key:z"))
    assert key_bytes[:2] == bytes([0xED, 0x01])
    public_key = Ed25519PublicKey.from_public_bytes(key_bytes[2:])
    options = {**proof, "@context": credential["@context"]}
    document = {k: v for k, v in credential.items() if k != "proof"}
    data = hashlib.sha256(_nquads(options)).digest() + hashlib.sha256(_nquads(document)).digest()
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        return False
    return True
