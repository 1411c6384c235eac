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

Nor has pyld a bound on canonicalisation's work (rdf-canonize's maxWorkFactor): blank
nodes that only their links to one another tell apart go through RDFC-1.0's "hash N-degree
quads", over every permutation of them, so a few such nodes linked together take seconds
(8 of them, ~8 s) -- a denial of service of the public verification page. A document is
refused (`TooComplex`) before canonicalisation when more than MAX_ALIKE blank nodes share
their first-degree quads (what the algorithm's first step cannot tell apart: our own
credentials have none), or when it has more than MAX_BLANK_NODES blank nodes at all.
"""
from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from typing import Any

from projections.openbadges.contexts import document_loader
from projections.openbadges.didkey import multibase

CRYPTOSUITE = "eddsa-rdfc-2022"
#: Blank nodes that only RDFC-1.0's N-degree hashing tells apart: its work grows with the
#: factorial of their number (4: ~0.02 s, 5: ~0.1 s, 7: ~8 s). Ours have none; another
#: issuer's credential may repeat an alignment or two.
MAX_ALIKE = 4
#: Blank nodes at all: a credential of ours has 3 (its subject, the subject's identifier,
#: the achievement's criteria) and its proof 1; the rest of the work is linear in them.
MAX_BLANK_NODES = 200


class UnsafeJsonLd(ValueError):
    """The document has terms that canonicalisation would drop (so they would go unsigned)."""


class TooComplex(ValueError):
    """The document's blank nodes would make canonicalisation too costly to run."""


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


def _check_blank_nodes(dataset: dict[str, list[dict[str, Any]]]) -> None:
    """Refuse (TooComplex) a dataset whose blank nodes canonicalisation could not afford.

    Each blank node's first-degree quads (those that mention it, itself written _:a and
    any other blank node _:z, as RDFC-1.0's first step hashes them) tell it apart unless
    another node has the same: only those alike go on to the costly N-degree step.
    """
    quads_of: dict[str, list[str]] = {}
    for graph, triples in dataset.items():
        for triple in triples:
            terms = [triple["subject"], triple["object"]]
            if graph.startswith("_:"):
                terms.append({"type": "blank node", "value": graph})
            named = {t["value"] for t in terms if t["type"] == "blank node"}
            for node in named:
                def spelled(term: dict[str, Any]) -> Any:
                    if term["type"] != "blank node":
                        return sorted(term.items())
                    return "_:a" if term["value"] == node else "_:z"
                quads_of.setdefault(node, []).append(repr(
                    (spelled(triple["subject"]), triple["predicate"]["value"],
                     spelled(triple["object"]),
                     spelled(terms[2]) if len(terms) > 2 else graph)))
            if len(quads_of) > MAX_BLANK_NODES:
                raise TooComplex(f"it has more than {MAX_BLANK_NODES} blank nodes")
    alike: dict[tuple[str, ...], int] = {}
    for quads in quads_of.values():
        first_degree = tuple(sorted(quads))
        alike[first_degree] = alike.get(first_degree, 0) + 1
    count = sum(n for n in alike.values() if n > 1)
    if count > MAX_ALIKE:
        raise TooComplex(f"it has {count} blank nodes that only their links to one another "
                         f"tell apart (at most {MAX_ALIKE} are checked)")


def canonical(document: dict[str, Any]) -> str:
    """The RDFC-1.0 canonical N-Quads of a JSON-LD document (refusing unsafe JSON-LD, and
    one too costly to canonicalise: TooComplex)."""
    from pyld.jsonld import JsonLdProcessor
    processor = JsonLdProcessor(on_property_dropped=_refuse_dropped)
    expanded = processor.expand(copy.deepcopy(document), {"documentLoader": document_loader})
    _check_expanded(expanded)
    # The dataset normalize would make of it (the same options), checked, then given to
    # normalize as N-Quads: converted once.
    dataset = processor.to_rdf(expanded, {"documentLoader": document_loader,
                                          "produceGeneralizedRdf": False})
    _check_blank_nodes(dataset)
    return processor.normalize(JsonLdProcessor.to_nquads(dataset), {
        "algorithm": "URDNA2015", "inputFormat": "application/n-quads",
        "format": "application/n-quads", "documentLoader": document_loader})


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
