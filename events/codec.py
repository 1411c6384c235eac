"""Canonical JSON and the hash chain: the bytes that tamper evidence is computed over."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, Callable

from journey.clock import format_time

GENESIS_HASH = "0" * 64


def _canonical_encoder() -> Callable[[Any], str]:
    """json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False), with
    the encoder built once: every append encodes data, meta and a digest with it, and
    building an encoder per call cost as much as the encoding."""
    encoder = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return encoder.encode
    # The C encoder JSONEncoder.encode makes on every call, made once (arguments as
    # JSONEncoder.iterencode passes them). No circular-reference markers: what is hashed
    # comes from JSON or from events' plain fields and cannot hold a cycle.
    iterencode = make(None, encoder.default, json.encoder.encode_basestring, None, ":", ",",
                      True, False, True)

    def encode(value: Any) -> str:
        if isinstance(value, str):
            return json.encoder.encode_basestring(value)
        return "".join(iterencode(value, 0))

    return encode


#: Sorted keys, no whitespace, UTF-8 characters kept as they are.
canonical_json: Callable[[Any], str] = _canonical_encoder()


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


def row_hash(prev_hash: str, *, position: int, event_id: str, stream: str, version: int,
             type: str, schema_version: int, occurred_at: str, recorded_at: str,
             meta_json: str, data_json: str) -> str:
    """chain_hash(prev_hash, hashed_row(...)) from meta and data already canonical JSON.

    The hashed row's canonical JSON is written out in its sorted key order, so an append
    encodes data and meta once, for the hash and the stored row alike.
    """
    string = json.encoder.encode_basestring
    text = (f'{{"data":{data_json},"event_id":{string(event_id)},"meta":{meta_json},'
            f'"occurred_at":{string(occurred_at)},"position":{int(position)},'
            f'"recorded_at":{string(recorded_at)},"schema_version":{int(schema_version)},'
            f'"stream":{string(stream)},"type":{string(type)},"version":{int(version)}}}')
    digest = hashlib.sha256(prev_hash.encode("ascii"))
    digest.update(text.encode("utf-8"))
    return digest.hexdigest()


def request_digest(value: Any) -> str:
    """A digest of a command's body, to tell a replay from a reused idempotency key."""
    return request_digest_of_json(canonical_json(value))


def asked_digest(what: dict[str, Any], occurred_at: datetime | None) -> str:
    """request_digest of what a request asks, with its occurred_at only when the sender
    gave one: without it the time is "now", different on a retry, which must replay
    rather than clash with its own first send."""
    return request_digest({**what,
                           "occurred_at": format_time(occurred_at) if occurred_at else None})


def request_digest_of_json(text: str) -> str:
    """request_digest of a body given as its canonical JSON."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
