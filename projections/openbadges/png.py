"""A tiny PNG encoder (truecolour, no dependencies) and the Open Badges baking chunk.

Baking (OB 2.0 "Badge Baking"): an `iTXt` chunk with keyword `openbadges` whose text is
the assertion's URL (hosted verification), uncompressed, before IEND.
"""
from __future__ import annotations

import hashlib
import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORD = "openbadges"


def chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def itxt(keyword: str, text: str) -> bytes:
    """An uncompressed iTXt chunk: keyword, 0, flag 0, method 0, language, 0, key, 0, text."""
    return chunk(b"iTXt", keyword.encode("latin-1") + b"\0\0\0" + b"\0" + b"\0"
                 + text.encode("utf-8"))


def encode(width: int, height: int, rows: list[bytes], *, text: dict[str, str] | None = None
           ) -> bytes:
    """A PNG of RGB rows (3 bytes per pixel), with iTXt chunks for `text`."""
    raw = b"".join(b"\0" + row for row in rows)
    out = [SIGNATURE, chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))]
    for keyword, value in (text or {}).items():
        out.append(itxt(keyword, value))
    out.append(chunk(b"IDAT", zlib.compress(raw, 9)))
    out.append(chunk(b"IEND", b""))
    return b"".join(out)


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(kind, data) of every chunk of a PNG (checks the signature and the CRCs)."""
    if not data.startswith(SIGNATURE):
        raise ValueError("not a PNG")
    out, at = [], len(SIGNATURE)
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind = data[at + 4:at + 8]
        body = data[at + 8:at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length:at + 12 + length])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            raise ValueError(f"bad CRC in chunk {kind!r}")
        out.append((kind, body))
        at += 12 + length
    return out


def baked_url(data: bytes) -> str | None:
    """The text of the `openbadges` iTXt (or tEXt) chunk of a PNG, or None."""
    for kind, body in chunks(data):
        if kind == b"iTXt":
            keyword, _, rest = body.partition(b"\0")
            if keyword.decode("latin-1") != KEYWORD:
                continue
            flag, method, rest = rest[0], rest[1], rest[2:]
            _language, _, rest = rest.partition(b"\0")
            _translated, _, text = rest.partition(b"\0")
            return (zlib.decompress(text) if flag else text).decode("utf-8")
        if kind == b"tEXt":
            keyword, _, text = body.partition(b"\0")
            if keyword.decode("latin-1") == KEYWORD:
                return text.decode("latin-1")
    return None


def badge_image(seed: str, size: int = 128) -> list[bytes]:
    """A generated badge: a disc in a colour from `seed`, a light ring, a star-like centre."""
    digest = hashlib.sha256(seed.encode()).digest()
    colour = bytes(64 + b % 160 for b in digest[:3])
    ring = bytes(min(255, c + 70) for c in colour)
    centre = bytes(255 - (b % 60) for b in digest[3:6])
    points = 5 + digest[6] % 4
    white = b"\xff\xff\xff"
    rows = []
    half = size / 2
    import math
    for y in range(size):
        row = bytearray()
        for x in range(size):
            dx, dy = x + 0.5 - half, y + 0.5 - half
            r = math.hypot(dx, dy) / half
            if r > 0.98:
                row += white
            elif r > 0.86:
                row += ring
            else:
                angle = math.atan2(dy, dx)
                star = 0.30 + 0.12 * math.cos(points * angle)
                row += centre if r < star else colour
        rows.append(bytes(row))
    return rows


def baked_badge(seed: str, url: str | None = None, size: int = 128) -> bytes:
    """A generated badge PNG, baked with `url` when given."""
    return encode(size, size, badge_image(seed, size), text={KEYWORD: url} if url else None)
