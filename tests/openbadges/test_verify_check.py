"""The credential checker of /ob/v3/verify answers every malformed credential: never raises."""
from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("pyld", reason="pyld (JSON-LD canonicalisation) is not installed")

from projections.openbadges.didkey import did_key, verification_method  # noqa: E402
from projections.openbadges.proof import add_proof  # noqa: E402
from web.openbadges.verify import check  # noqa: E402

VC2 = "https://www.w3.org/ns/credentials/v2"
OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def _signed() -> dict:
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw,
                                        serialization.PublicFormat.Raw)
    unsigned = {
        "@context": [VC2, OB3], "id": "https://badges.example.org/credentials/1",
        "type": ["VerifiableCredential", "OpenBadgeCredential"], "name": "Host",
        "issuer": {"id": did_key(raw), "type": ["Profile"], "name": "Elsewhere",
                   "url": "https://badges.example.org"},
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {"type": ["AchievementSubject"], "achievement": {
            "id": "https://badges.example.org/a/1", "type": ["Achievement"], "name": "Host",
            "description": "Hosted", "criteria": {"narrative": "Host one"}}}}
    return add_proof(unsigned, key.sign, verification_method(raw), "2024-01-01T00:00:00Z")


SIGNED = _signed()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6)
#: What `check` reads: (path, key), a path of keys into the credential.
READ = [((), "@context"), ((), "type"), ((), "issuer"), ((), "proof"), ((), "validFrom"),
        ((), "validUntil"), ((), "id"), (("issuer",), "id"), (("proof",), "type"),
        (("proof",), "cryptosuite"), (("proof",), "proofPurpose"),
        (("proof",), "verificationMethod"), (("proof",), "proofValue")]


def test_the_well_formed_credential_is_valid() -> None:
    assert check(json.dumps(SIGNED))[:2] == (True, f"signed by {SIGNED['issuer']['id']}")


@pytest.mark.parametrize("value", [5, None, {}, "OpenBadgeCredential VerifiableCredential"])
def test_a_type_that_is_no_list_of_types(value) -> None:
    assert check(json.dumps({**SIGNED, "type": value}))[:2] == (
        False, "this is not an OpenBadgeCredential")


def test_a_credential_without_a_context_is_told_so_in_a_sentence() -> None:
    unbound = {k: v for k, v in SIGNED.items() if k != "@context"}
    assert check(json.dumps(unbound))[:2] == (
        False, "the credential has no @context (the JSON-LD contexts that define its terms)")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(READ), json_values | st.just(...))
def test_any_value_where_check_reads_gets_an_answer(read, value) -> None:
    credential = json.loads(json.dumps(SIGNED))
    path, name = read
    node = credential
    for step in path:
        node = node[step]
    if value is ...:
        node.pop(name, None)   # the field missing
    else:
        node[name] = value
    valid, reason, _ = check(json.dumps(credential))
    assert isinstance(valid, bool) and isinstance(reason, str) and reason
