"""Canonical JSON and the hash chain: the bytes that tamper evidence is computed over."""
from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 characters kept as they are."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def hashed_row(*, position: int, event_id: str, stream: str, version: int, type: str,
               schema_version: int, occurred_at: str, recorded_at: str,
               meta: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The fields of a stored row that the hash covers, times already RFC 3339 strings."""
    return {"position": position, "event_id": event_id, "stream": stream, "version": version,
            "type": type, "schema_version": schema_version, "occurred_at": occurred_at,
            "recorded_at": recorded_at, "meta": meta, "data": data}


def chain_hash(prev_hash: str, row: dict[str, Any]) -> str:
    """sha256(prev_hash + canonical JSON of the row as stored)."""
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(canonical_json(row).encode("utf-8"))
    return digest.hexdigest()


def request_digest(value: Any) -> str:
    """A digest of a command's body, to tell a replay from a reused idempotency key."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()
