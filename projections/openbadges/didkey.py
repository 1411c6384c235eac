"""base58btc (the Bitcoin alphabet), multibase `z…` and did:key for Ed25519 public keys."""
from __future__ import annotations

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
ED25519_PUB = b"\xed\x01"  # multicodec ed25519-pub, as a varint


def b58encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, r = divmod(n, 58)
        out.append(ALPHABET[r])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    n = 0
    for c in text:
        if c not in _INDEX:
            raise ValueError(f"not base58btc: {c!r}")
        n = n * 58 + _INDEX[c]
    zeros = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * zeros + body


def multibase(data: bytes) -> str:
    """Multibase base58btc: 'z' + base58."""
    return "z" + b58encode(data)


def from_multibase(text: str) -> bytes:
    if not text.startswith("z"):
        raise ValueError("only base58btc multibase ('z…') is supported")
    return b58decode(text[1:])


def did_key(public_key_raw: bytes) -> str:
    """did:key of a 32-byte Ed25519 public key."""
    return "did:key:" + multibase(ED25519_PUB + public_key_raw)


def verification_method(public_key_raw: bytes) -> str:
    did = did_key(public_key_raw)
    return f"{did}#{did.removeprefix('did:key:')}"


def public_key_of(did_or_method: str) -> bytes:
    """The raw Ed25519 key named by a did:key (or its verification method id)."""
    did = did_or_method.split("#", 1)[0]
    if not did.startswith("did:key:"):
        raise ValueError(f"not a did:key: {did}")
    raw = from_multibase(did.removeprefix("did:key:"))
    if not raw.startswith(ED25519_PUB) or len(raw) != 34:
        raise ValueError("the did:key is not an Ed25519 public key")
    return raw[2:]
