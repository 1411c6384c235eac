"""The pure parts: base58btc and did:key, the PNG encoder and its baked chunk."""
from __future__ import annotations

import base64
import gzip

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from projections.openbadges import didkey, png
from projections.openbadges.documents import network_of, issuer_id


def test_base58btc_known_vectors() -> None:
    assert didkey.b58encode(b"hello world") == "StV1DL6CwTryKyV"
    assert didkey.b58encode(b"\0\0\x01") == "112"
    for data in (b"", b"\0", b"\0\xff", bytes(range(40))):
        assert didkey.b58decode(didkey.b58encode(data)) == data
    with pytest.raises(ValueError):
        didkey.b58decode("0OIl")


def test_did_key_of_an_ed25519_key() -> None:
    raw = Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    did = didkey.did_key(raw)
    assert did.startswith("did:key:z6Mk")
    assert didkey.public_key_of(didkey.verification_method(raw)) == raw
    with pytest.raises(ValueError):
        didkey.public_key_of("did:web:example.org")


def test_a_baked_png_round_trips() -> None:
    data = png.baked_badge("b-1", "https://example.org/ob/v2/assertions/aw-1", size=16)
    assert png.baked_url(data) == "https://example.org/ob/v2/assertions/aw-1"
    kinds = [kind for kind, _ in png.chunks(data)]
    assert kinds == [b"IHDR", b"iTXt", b"IDAT", b"IEND"]
    assert png.baked_url(png.baked_badge("b-1", size=8)) is None
    broken = bytearray(data)
    broken[40] ^= 0xFF
    with pytest.raises(ValueError):
        png.chunks(bytes(broken))


def test_issuer_ids() -> None:
    assert issuer_id(None) == "installation" and network_of("installation") is None
    assert network_of(issuer_id("sel-serbia")) == "sel-serbia"
    with pytest.raises(ValueError):
        network_of("network-")


def test_a_status_bitstring_is_left_most_first_and_at_least_16_kib() -> None:
    from datetime import datetime, timezone

    from projections.openbadges.catalogue import Award, Badge, Catalogue
    from projections.openbadges.documents import (
        STATUS_LIST_BITS, bit_at, encoded_list, status_bits,
    )
    from projections.openbadges.status_index import missing

    at = datetime(2026, 3, 1, tzinfo=timezone.utc)
    cat = Catalogue()
    cat.badges["b"] = Badge("b", "B", "d", "c", None)
    for n in range(10):
        cat.awards[f"a{n}"] = Award(f"a{n}", "recognition", "m", "b", at, (), None,
                                    revoked=n in (0, 9), appeared=100 - n)
    # new awards are given indexes by appearance: a9 (position 91) 0, a0 (position 100) 9
    rows = missing(cat, {})
    assert [(r["award_id"], r["idx"]) for r in rows] == [(f"a{9 - i}", i) for i in range(10)]
    cat.indexes = {None: {r["award_id"]: r["idx"] for r in rows}}
    bits = status_bits(cat, None)
    assert len(bits) * 8 == STATUS_LIST_BITS == 131_072
    assert cat.status_index(cat.awards["a9"]) == 0 and cat.status_index(cat.awards["a0"]) == 9
    assert bits[0] == 0b1000_0000 and bits[1] == 0b0100_0000 and not any(bits[2:])
    assert bit_at(bits, 0) and bit_at(bits, 9) and not bit_at(bits, 1)
    assert bit_at(bits, STATUS_LIST_BITS) is None
    text = encoded_list(bits)
    assert text.startswith("u") and "=" not in text
    assert gzip.decompress(base64.urlsafe_b64decode(text[1:] + "=" * (-len(text[1:]) % 4))) \
        == bits
    assert encoded_list(bits) == text          # the same bits, the same text


def test_new_awards_follow_the_stored_indexes_and_a_vanished_award_has_its_bit_set() -> None:
    from datetime import datetime, timezone

    from projections.openbadges.catalogue import Award, Badge, Catalogue
    from projections.openbadges.documents import bit_at, status_bits
    from projections.openbadges.status_index import missing

    at = datetime(2026, 3, 1, tzinfo=timezone.utc)
    cat = Catalogue()
    cat.badges["b"] = Badge("b", "B", "d", "c", None)
    cat.badges["n"] = Badge("n", "N", "d", "c", "net")
    for name, badge, appeared in (("old", "b", 50), ("early", "b", 1), ("late", "b", 60),
                                  ("other", "n", 2)):
        cat.awards[name] = Award(name, "rule", "m", badge, at, (), None, appeared=appeared)
    stored = {None: {"old": 0, "gone": 1}}
    # "early" appears before "old" (a new rule reaching into the past): it still comes
    # after every stored index; another issuer counts from 0
    assert [(r["issuer"], r["award_id"], r["idx"]) for r in missing(cat, stored)] == \
        [("installation", "early", 2), ("installation", "late", 3), ("network-net", "other", 0)]
    cat.indexes = {None: {**stored[None], "early": 2, "late": 3}, "net": {"other": 0}}
    bits = status_bits(cat, None)
    # "gone" left the catalogue (its rule changed): it does not stand, its bit is set
    assert [bit_at(bits, i) for i in range(5)] == [False, True, False, False, False]
    assert not any(status_bits(cat, "net"))
