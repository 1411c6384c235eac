"""A tiny PNG encoder (truecolour, no dependencies) and the Open Badges baking chunk.

Baking (OB 2.0 "Badge Baking"): an `iTXt` chunk with keyword `openbadges` whose text is
the assertion's URL (hosted verification), uncompressed, before IEND. A badge with an
uploaded image (a PNG a facilitator gave it) is baked with `bake`, which keeps the image's
own chunks; a badge without one gets the generated disc of `baked_badge`.
"""
from __future__ import annotations

import hashlib
import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORD = "openbadges"
#: PNG specification: a chunk length is at most 2^31 - 1.
MAX_CHUNK = 2 ** 31 - 1
#: A badge's uploaded image: a PNG of at most 1 MiB, at most 4096 pixels a side (a small
#: file may still decode to a huge picture; verifiers and browsers are spared that).
MAX_IMAGE_BYTES = 1024 * 1024
MAX_IMAGE_SIDE = 4096


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
    """(kind, data) of every chunk of a PNG (checks the signature, the bounds and the CRCs).

    ValueError for anything that is not a well-formed sequence of chunks.
    """
    if not data.startswith(SIGNATURE):
        raise ValueError("not a PNG")
    out, at = [], len(SIGNATURE)
    while at < len(data):
        if at + 12 > len(data):
            raise ValueError("truncated PNG chunk")
        (length,) = struct.unpack(">I", data[at:at + 4])
        if length > MAX_CHUNK or at + 12 + length > len(data):
            raise ValueError("truncated PNG chunk")
        kind = data[at + 4:at + 8]
        if not kind.isalpha():
            raise ValueError(f"bad PNG chunk type {kind!r}")
        body = data[at + 8:at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length:at + 12 + length])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            raise ValueError(f"bad CRC in chunk {kind!r}")
        out.append((kind, body))
        at += 12 + length
    return out


#: IHDR colour type -> the bit depths allowed with it (PNG specification, 11.2.2).
_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}


def check(data: bytes, *, max_side: int | None = None) -> tuple[int, int]:
    """(width, height) of a well-formed PNG; ValueError otherwise.

    Well-formed: the signature, chunks whose CRCs hold, IHDR first (with a valid header),
    at least one IDAT, IEND last and nothing after it. `max_side` bounds each dimension.
    """
    found = chunks(data)
    if not found or found[0][0] != b"IHDR" or len(found[0][1]) != 13:
        raise ValueError("a PNG starts with its IHDR chunk")
    width, height, depth, colour, method, filtering, interlace = \
        struct.unpack(">IIBBBBB", found[0][1])
    if not (0 < width < 2 ** 31 and 0 < height < 2 ** 31):
        raise ValueError("bad PNG dimensions")
    if depth not in _DEPTHS.get(colour, ()) or method or filtering or interlace > 1:
        raise ValueError("bad PNG header")
    if max_side is not None and (width > max_side or height > max_side):
        raise ValueError(f"a PNG of at most {max_side} pixels a side")
    kinds = [kind for kind, _ in found]
    if b"IDAT" not in kinds:
        raise ValueError("a PNG without image data")
    if kinds[-1] != b"IEND" or kinds.count(b"IEND") != 1 or found[-1][1]:
        raise ValueError("a PNG ends with its IEND chunk")
    return width, height


def _keyword_of(kind: bytes, body: bytes) -> str | None:
    if kind in (b"iTXt", b"tEXt", b"zTXt"):
        return body.partition(b"\0")[0].decode("latin-1")
    return None


def bake(data: bytes, url: str) -> bytes:
    """`data` (a PNG) baked with `url`: an `openbadges` iTXt chunk right before IEND.

    Every other chunk is kept as it was; an earlier `openbadges` text chunk (iTXt, tEXt
    or zTXt) is replaced, not duplicated. ValueError when `data` is not a well-formed PNG.
    """
    check(data)
    out = [SIGNATURE]
    for kind, body in chunks(data):
        if _keyword_of(kind, body) == KEYWORD:
            continue
        if kind == b"IEND":
            out.append(itxt(KEYWORD, url))
        out.append(chunk(kind, body))
    baked = b"".join(out)
    chunks(baked)  # what we wrote reads back, every CRC included
    return baked


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
