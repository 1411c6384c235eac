"""Per-member encryption of personal fields (crypto-shredding).

Every member has a random 256-bit data key, stored only wrapped by `master.key`.
Personal fields (journey/events.py metadata `personal`) are encrypted with AES-GCM under
the key of the person they are about or who wrote them. Erasing a member deletes their
key: the log is never rewritten (its hash chain still verifies), yet their words can no
longer be read by anyone.
"""
from __future__ import annotations

import base64
import binascii
import json
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from journey.events import EVENT_TYPES, personal_fields

PREFIX = "enc:v1:"
ACTOR = "@actor"
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}")
# Leading byte of a wrapped key, so the wrapping can change (master key rotation) later.
_WRAP_V1 = b"\x01"
_WRAP_AAD = b"journey member key v1\x1f"

# (field name, value, owner id) -> value: encrypt_value or decrypt_value.
_Apply = Callable[[str, Any, str], Any]


class CipherError(Exception):
    """A ciphertext that does not decrypt under a key that exists: tampering or a wrong key."""


class KeyStore(Protocol):
    """Where wrapped member keys live (the `member_keys` table, or memory in tests)."""

    def get_wrapped(self, member_id: str) -> bytes | None:
        """The wrapped key of a member, or None when they have none (or were erased)."""
        ...

    def get_wrapped_many(self, member_ids: list[str]) -> dict[str, bytes]:
        """The wrapped keys of those members that have one."""
        ...

    def put_wrapped(self, member_id: str, wrapped: bytes) -> None:
        """Store a new member's wrapped key; must never overwrite an existing one."""
        ...

    def delete(self, member_id: str) -> None:
        """Delete a member's key for ever (erasure)."""
        ...


class MemoryKeyStore:
    """A KeyStore in a dict: for tests and for tools that hold no database."""

    def __init__(self) -> None:
        self.wrapped: dict[str, bytes] = {}

    def get_wrapped(self, member_id: str) -> bytes | None:
        """The wrapped key of a member, or None."""
        return self.wrapped.get(member_id)

    def get_wrapped_many(self, member_ids: list[str]) -> dict[str, bytes]:
        """The wrapped keys of those members that have one."""
        return {m: self.wrapped[m] for m in member_ids if m in self.wrapped}

    def put_wrapped(self, member_id: str, wrapped: bytes) -> None:
        """Store a wrapped key unless the member already has one (first writer wins)."""
        self.wrapped.setdefault(member_id, bytes(wrapped))

    def delete(self, member_id: str) -> None:
        """Forget a member's wrapped key."""
        self.wrapped.pop(member_id, None)


def is_ciphertext(value: Any) -> bool:
    """True for a value in the stored encrypted form ("enc:v1:...")."""
    return isinstance(value, str) and value.startswith(PREFIX)


def is_sealed(value: Any, *, max_length: int) -> bool:
    """True for a well-formed sealed value, as `journey export` writes a personal field whose
    key is gone: PREFIX and the base64url of a nonce, a ciphertext and its tag, at most
    `max_length` characters. Its characters say nothing readable; no key is tried on it."""
    if not is_ciphertext(value) or len(value) > max_length:
        return False
    body = value[len(PREFIX):]
    if len(body) % 4 or _BASE64URL.fullmatch(body) is None:
        return False
    # The JSON of the smallest value ("" or 0) is at least one byte.
    return len(base64.urlsafe_b64decode(body)) > NONCE_BYTES + TAG_BYTES


def _aad(field_name: str, member_id: str) -> bytes:
    # Binds a ciphertext to its field and owner: it cannot be moved to another field or
    # another person's record and still decrypt. \x1f cannot occur in an id.
    return f"{field_name}\x1f{member_id}".encode("utf-8")


def _owner(spec: str, data: dict[str, Any], actor: str, type_name: str, name: str) -> str:
    owner = actor if spec == ACTOR else data.get(spec)
    if not isinstance(owner, str) or not owner:
        raise ValueError(f"{type_name}.{name} is personal to {spec!r}, which names no member")
    return owner


class Cipher:
    """Encrypts and decrypts the personal fields of event data with per-member keys."""

    def __init__(self, master_key: bytes, keys: KeyStore, *, cache_size: int = 4096,
                 cache_seconds: float = 60.0) -> None:
        if len(master_key) != KEY_BYTES:
            raise ValueError("the master key must be 32 bytes (256 bits)")
        self._master = AESGCM(master_key)
        self.keys = keys
        # Unwrapping is cheap but reading a key row is a query: cache unwrapped keys for a
        # short while. The time limit bounds how long another process's erasure can go
        # unnoticed here; forget() in this process takes effect at once.
        self._cache: OrderedDict[str, tuple[float, AESGCM]] = OrderedDict()
        self._cache_size = cache_size
        self._cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._personal = {name: personal_fields(cls) for name, cls in EVENT_TYPES.items()}

    # -- keys ---------------------------------------------------------------------------

    def wrap(self, member_id: str, key: bytes) -> bytes:
        """Wrap a data key with the master key (AES-GCM, bound to the member id)."""
        # AES-GCM rather than RFC 3394 key wrap: the member id goes in as associated data,
        # so a wrapped key copied onto another member's row refuses to unwrap.
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._master.encrypt(nonce, key, _WRAP_AAD + member_id.encode("utf-8"))
        return _WRAP_V1 + nonce + sealed

    def unwrap(self, member_id: str, wrapped: bytes) -> bytes:
        """The raw data key inside a wrapped key; CipherError if it is not this member's."""
        wrapped = bytes(wrapped)
        if not wrapped.startswith(_WRAP_V1):
            raise CipherError(f"the key of {member_id} is in an unknown format")
        nonce = wrapped[1:1 + NONCE_BYTES]
        try:
            return self._master.decrypt(nonce, wrapped[1 + NONCE_BYTES:],
                                        _WRAP_AAD + member_id.encode("utf-8"))
        except InvalidTag:
            raise CipherError(f"the key of {member_id} does not open with this master.key "
                              "(wrong instance directory?)") from None

    def _key(self, member_id: str, *, create: bool) -> AESGCM | None:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(member_id)
            if cached is not None and now - cached[0] < self._cache_seconds:
                self._cache.move_to_end(member_id)
                return cached[1]
        wrapped = self.keys.get_wrapped(member_id)
        if wrapped is None:
            if not create:
                return None
            self.keys.put_wrapped(member_id, self.wrap(member_id, os.urandom(KEY_BYTES)))
            # Read it back: if another writer created this member's key first, theirs is
            # the one that stays, and data must be encrypted under it.
            wrapped = self.keys.get_wrapped(member_id)
            if wrapped is None:
                raise CipherError(f"the key store did not keep the new key of {member_id}")
        key = AESGCM(self.unwrap(member_id, wrapped))
        with self._lock:
            self._cache[member_id] = (now, key)
            self._cache.move_to_end(member_id)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return key

    def warm(self, member_ids: Iterable[str]) -> None:
        """Put the keys of `member_ids` that the cache lacks into it, looked up together:
        before decrypting many rows, where each key missing from the cache would be a
        lookup (a connection) of its own. Members without a key are left out."""
        now = time.monotonic()
        missing = []
        with self._lock:
            for member_id in dict.fromkeys(member_ids):
                cached = self._cache.get(member_id)
                if cached is None or now - cached[0] >= self._cache_seconds:
                    missing.append(member_id)
                else:  # needed now: not to be evicted by the keys this adds
                    self._cache.move_to_end(member_id)
        if not missing:
            return
        found = self.keys.get_wrapped_many(missing[:self._cache_size])
        opened = {m: AESGCM(self.unwrap(m, wrapped)) for m, wrapped in found.items()}
        with self._lock:
            for member_id, key in opened.items():
                self._cache[member_id] = (now, key)
                self._cache.move_to_end(member_id)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def owners(self, type_name: str, data: dict[str, Any], actor: str) -> set[str]:
        """Whose keys decrypting this event's data takes (a correction's values are its
        target's owner's, which its data does not name: not among them)."""
        found: set[str] = set()
        for name, spec in self._personal_of(type_name).items():
            if is_ciphertext(data.get(name)):
                owner = actor if spec == ACTOR else data.get(spec)
                if isinstance(owner, str) and owner:
                    found.add(owner)
        return found

    def has_key(self, member_id: str) -> bool:
        """Whether the member still has a key (False after erasure)."""
        return self._key(member_id, create=False) is not None

    def forget(self, member_id: str) -> None:
        """Erase a member's key: from the cache and from the key store, for ever."""
        with self._lock:
            self._cache.pop(member_id, None)
        self.keys.delete(member_id)

    def clear_cache(self) -> None:
        """Drop every cached key (e.g. after an erasure made by another process)."""
        with self._lock:
            self._cache.clear()

    # -- single values ------------------------------------------------------------------

    def encrypt_value(self, field_name: str, value: Any, member_id: str) -> str:
        """Encrypt one JSON value under the member's key (created when missing)."""
        key = self._key(member_id, create=True)
        if key is None:  # only when create=False; kept explicit for type checkers and -O
            raise CipherError(f"no key for {member_id}")
        # JSON, so a value keeps its type through the round trip; surrogatepass so that any
        # Python string survives, even one the schemas would refuse.
        plain = json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")
        nonce = os.urandom(NONCE_BYTES)
        sealed = key.encrypt(nonce, plain, _aad(field_name, member_id))
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def decrypt_value(self, field_name: str, value: Any, member_id: str) -> Any:
        """Decrypt one value; ciphertext whose key is gone (or clear text) comes back as is."""
        if not is_ciphertext(value):
            return value
        key = self._key(member_id, create=False)
        if key is None:
            return value
        try:
            raw = base64.urlsafe_b64decode(value[len(PREFIX):].encode("ascii"))
        except (binascii.Error, UnicodeEncodeError):
            raise CipherError(f"{field_name} is not valid ciphertext") from None
        try:
            plain = key.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(field_name, member_id))
        except (InvalidTag, ValueError):
            raise CipherError(f"{field_name} of {member_id} does not decrypt: altered, or "
                              "moved from another field or person") from None
        return json.loads(plain.decode("utf-8", "surrogatepass"))

    # -- event data ---------------------------------------------------------------------

    def encrypt_data(self, type_name: str, data: dict[str, Any], actor: str, *,
                     target_type: str | None = None, target_data: dict[str, Any] | None = None,
                     target_actor: str | None = None) -> dict[str, Any]:
        """A copy of `data` with its personal fields encrypted (EntryCorrected: needs its target)."""
        return self._transform(type_name, data, actor, target_type, target_data, target_actor,
                               self.encrypt_value, encrypt=True)

    def decrypt_data(self, type_name: str, data: dict[str, Any], actor: str, *,
                     target_type: str | None = None, target_data: dict[str, Any] | None = None,
                     target_actor: str | None = None) -> dict[str, Any]:
        """A copy of `data` with personal fields decrypted where the owner's key still exists."""
        return self._transform(type_name, data, actor, target_type, target_data, target_actor,
                               self.decrypt_value, encrypt=False)

    def _transform(self, type_name: str, data: dict[str, Any], actor: str,
                   target_type: str | None, target_data: dict[str, Any] | None,
                   target_actor: str | None, apply: _Apply, *, encrypt: bool) -> dict[str, Any]:
        out = dict(data)
        for name, spec in self._personal_of(type_name).items():
            if out.get(name) is not None:
                out[name] = apply(name, out[name], _owner(spec, data, actor, type_name, name))
        corrections = out.get("fields")
        if type_name == "EntryCorrected" and isinstance(corrections, dict):
            out["fields"] = self._transform_corrections(
                corrections, target_type, target_data, target_actor, apply, encrypt=encrypt)
        return out

    def _transform_corrections(self, corrections: dict[str, Any], target_type: str | None,
                               target_data: dict[str, Any] | None, target_actor: str | None,
                               apply: _Apply, *, encrypt: bool) -> dict[str, Any]:
        if target_type is None:
            # Without the target we cannot tell which values are personal; guessing "none"
            # would store someone's words in clear, so refuse. Reading clear-only data is fine.
            if encrypt or any(is_ciphertext(v) for v in corrections.values()):
                raise ValueError("EntryCorrected needs target_type, target_data and "
                                 "target_actor to encrypt or decrypt its fields")
            return dict(corrections)
        personal = self._personal_of(target_type)
        fixed = dict(corrections)
        for name, value in corrections.items():
            spec = personal.get(name)
            if spec is None or value is None:
                continue
            if spec == ACTOR:
                if not target_actor:
                    raise ValueError(f"{target_type}.{name} is personal to its actor: "
                                     "pass target_actor")
                owner = target_actor
            else:
                owner = _owner(spec, target_data or {}, "", target_type, name)
            fixed[name] = apply(name, value, owner)
        return fixed

    def _personal_of(self, type_name: str) -> dict[str, str]:
        try:
            return self._personal[type_name]
        except KeyError:
            raise ValueError(f"unknown event type {type_name}") from None
