"""A badge's own image: baking an existing PNG (pure), and a facilitator giving a badge a
PNG through the facilitation page, which Open Badges then serve and bake.

Without an image the generated one stays (tests/openbadges/test_hosted.py covers it).
"""
from __future__ import annotations

import hashlib
import io
import json
import struct

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from events.uploads import uploads_of
from projections.openbadges import png
from tests.openbadges.test_hosted import _chunks
# sqlite_site: the web tests' fixture itself (imported, so pytest offers it here too).
from tests.web.conftest import Site, csrf_of, sign_in, sqlite_site  # noqa: F401

URL = "https://example.org/ob/v2/assertions/aw-1"


def _png(width: int = 3, height: int = 2, *, text: dict[str, str] | None = None) -> bytes:
    """A small PNG unlike the generated badge (not square, its own pixels, a tEXt)."""
    rows = [bytes((40 * x + 10 * y) % 256 for x in range(3 * width)) for y in range(height)]
    data = png.encode(width, height, rows, text=text)
    comment = png.chunk(b"tEXt", b"Comment\0drawn by hand")
    at = data.index(b"IDAT") - 4
    return data[:at] + comment + data[at:]


def _idat(data: bytes) -> bytes:
    return b"".join(body for kind, body in _chunks(data) if kind == b"IDAT")


def _openbadges_texts(data: bytes) -> list[str]:
    """The text of every `openbadges` iTXt chunk, read with the tests' own reader."""
    out = []
    for kind, body in _chunks(data):
        if kind != b"iTXt":
            continue
        keyword, rest = body.split(b"\0", 1)
        if keyword == b"openbadges":
            assert rest[:2] == b"\0\0"  # not compressed
            _language, _translated, text = rest[2:].split(b"\0", 2)
            out.append(text.decode())
    return out


# -- bake (pure) ----------------------------------------------------------------------------

def test_bake_inserts_the_chunk_before_iend_and_keeps_the_rest() -> None:
    original = _png()
    baked = png.bake(original, URL)
    before, after = _chunks(original), _chunks(baked)
    assert [k for k, _ in after] == [b"IHDR", b"tEXt", b"IDAT", b"iTXt", b"IEND"]
    assert [c for c in after if c[0] != b"iTXt"] == before   # every other chunk kept
    assert _openbadges_texts(baked) == [URL]
    assert png.baked_url(baked) == URL
    assert _idat(baked) == _idat(original)


def test_bake_replaces_an_earlier_openbadges_chunk() -> None:
    once = png.bake(_png(text={"openbadges": "https://old.example/a"}), URL)
    assert _openbadges_texts(once) == [URL]
    twice = png.bake(once, "https://example.org/ob/v2/assertions/aw-2")
    assert _openbadges_texts(twice) == ["https://example.org/ob/v2/assertions/aw-2"]
    # a tEXt `openbadges` (the older way of baking) is replaced too
    old = png.chunk(b"tEXt", b"openbadges\0https://old.example/b")
    data = _png()
    at = data.index(b"IEND") - 4
    baked = png.bake(data[:at] + old + data[at:], URL)
    assert png.baked_url(baked) == URL
    assert [k for k, _ in _chunks(baked)].count(b"tEXt") == 1  # the Comment stays


@pytest.mark.parametrize("data", [
    b"",
    b"GIF89a\x01\x00\x01\x00",
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    png.SIGNATURE + b"not chunks at all",
    _png()[:-6],                                           # truncated
    _png()[:-12],                                          # no IEND
    _png() + png.chunk(b"tEXt", b"after\0the end"),        # something after IEND
    png.SIGNATURE + png.chunk(b"IEND", b""),               # no IHDR, no IDAT
])
def test_bake_refuses_what_is_not_a_png(data: bytes) -> None:
    with pytest.raises(ValueError):
        png.bake(data, URL)
    with pytest.raises(ValueError):
        png.check(data)


def test_check_refuses_a_png_whose_ihdr_is_not_first_or_broken() -> None:
    data = _png()
    chunks = png.chunks(data)
    swapped = [chunks[1], chunks[0], *chunks[2:]]
    with pytest.raises(ValueError):
        png.check(png.SIGNATURE + b"".join(png.chunk(k, b) for k, b in swapped))
    broken = bytearray(data)
    broken[20] ^= 0xFF  # inside IHDR: its CRC no longer holds
    with pytest.raises(ValueError):
        png.check(bytes(broken))
    assert png.check(data) == (3, 2)
    with pytest.raises(ValueError):
        png.check(data, max_side=2)


# -- through the facilitation page ----------------------------------------------------------

def _define(site: Site, client, name: str, image: tuple[bytes, str, str] | None):
    token = csrf_of(client.get("/facilitate/vrsac-1").text)
    data = {"badge-csrf_token": token, "badge-name": name,
            "badge-description": "Ran a parents' evening", "badge-criteria": "Run one"}
    if image is not None:
        body, filename, media_type = image
        data["badge-image"] = FileStorage(io.BytesIO(body), filename, content_type=media_type)
    # The body encoded in memory: the test client's own temporary file would be left open
    # when the app refuses the body unread (as in tests/web/test_pages_community.py).
    boundary, encoded = encode_multipart(data)
    return client.post("/facilitate/vrsac-1/badges", data=encoded,
                       content_type=f"multipart/form-data; boundary={boundary}")


def _badge_id(site: Site, name: str) -> str:
    badges = site.get("ana", "/api/communities/vrsac-1/badges").get_json()["badges"]
    return next(b["badge_id"] for b in badges if b["name"] == name)


def _stored(site: Site) -> list[str]:
    root = uploads_of(site.journey.config.instance_dir).root
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def test_a_facilitator_gives_a_badge_its_own_png(sqlite_site: Site) -> None:
    site = sqlite_site
    client = site.client
    sign_in(client, "ana")
    image = _png(text={"openbadges": "https://elsewhere.example/stale"})
    response = _define(site, client, "Parents' evening", (image, "evening.png", "image/png"))
    assert response.status_code == 303, response.text
    badge = _badge_id(site, "Parents' evening")
    assert uploads_of(site.journey.config.instance_dir).exists(
        hashlib.sha256(image).hexdigest())
    page = client.get("/facilitate/vrsac-1").text
    assert f'src="/ob/v2/badges/{badge}/image.png"' in page

    awarded = site.post("ana", "RecognitionAwarded", {
        "award_id": "aw-img", "community_id": "vrsac-1", "member_id": "ivan",
        "badge_id": badge, "awarded_by": "ana"})
    assert awarded.status_code == 201, awarded.get_json()

    base = site.app.config["JOURNEY_BASE_URL"].rstrip("/")
    shown = site.client.get(f"/ob/v2/badges/{badge}/image.png")
    assert shown.status_code == 200 and shown.mimetype == "image/png"
    assert shown.data == image                                  # exactly the upload
    assert shown.headers["X-Content-Type-Options"] == "nosniff"

    baked = site.client.get("/ob/v2/assertions/aw-img.png")
    assert baked.status_code == 200 and baked.mimetype == "image/png"
    assert _idat(baked.data) == _idat(image)                    # the uploaded picture
    assert _openbadges_texts(baked.data) == [f"{base}/ob/v2/assertions/aw-img"]
    assert (b"tEXt", b"Comment\0drawn by hand") in _chunks(baked.data)
    width, height = struct.unpack(">II", _chunks(baked.data)[0][1][:8])
    assert (width, height) == (3, 2)

    # OB 2.0 BadgeClass and OB 3.0 achievement keep pointing at the same image URL
    badge_class = json.loads(site.client.get(f"/ob/v2/badges/{badge}.json").data)
    assert badge_class["image"] == f"{base}/ob/v2/badges/{badge}/image.png"
    credential = json.loads(site.client.get("/ob/v3/credentials/aw-img.json").data)
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["image"] == {"id": badge_class["image"], "type": "Image"}


def test_a_badge_without_an_image_keeps_the_generated_one(sqlite_site: Site) -> None:
    client = sqlite_site.client
    sign_in(client, "ana")
    assert _define(sqlite_site, client, "Plain", None).status_code == 303
    badge = _badge_id(sqlite_site, "Plain")
    shown = sqlite_site.client.get(f"/ob/v2/badges/{badge}/image.png")
    assert shown.status_code == 200 and shown.data == png.baked_badge(badge)
    assert _stored(sqlite_site) == []


@pytest.mark.parametrize("body, filename, media_type", [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "badge.svg", "image/svg+xml"),
    (b"just some words\n", "badge.txt", "text/plain"),
    (b"just some words\n", "badge.png", "image/png"),          # a name proves nothing
    (png.SIGNATURE + b"\0\0\0\rIHDR broken", "badge.png", "image/png"),
    (b"", "badge.png", "image/png"),
])
def test_anything_but_a_png_is_refused_in_place(sqlite_site: Site, body: bytes,
                                                filename: str, media_type: str) -> None:
    client = sqlite_site.client
    sign_in(client, "ana")
    before = sqlite_site.log_length()
    response = _define(sqlite_site, client, "Not a picture", (body, filename, media_type))
    assert response.status_code == 422
    assert 'id="badge-image-errors"' in response.text
    assert 'value="Not a picture"' in response.text             # the form as it was posted
    assert sqlite_site.log_length() == before
    assert _stored(sqlite_site) == []
    assert b"<script>" not in response.data


def test_a_png_over_one_mib_is_refused(sqlite_site: Site) -> None:
    client = sqlite_site.client
    sign_in(client, "ana")
    before = sqlite_site.log_length()
    data = _png()
    at = data.index(b"IEND") - 4
    big = data[:at] + png.chunk(b"tEXt", b"Padding\0" + b"x" * png.MAX_IMAGE_BYTES) + data[at:]
    png.check(big)  # a well-formed PNG, only too large
    response = _define(sqlite_site, client, "Too big", (big, "big.png", "image/png"))
    assert response.status_code == 422
    assert 'id="badge-image-errors"' in response.text and "1 MiB" in response.text
    # a body far over the limit is refused before it is read
    huge = data[:at] + png.chunk(b"tEXt", b"Padding\0" + b"x" * 3 * png.MAX_IMAGE_BYTES) \
        + data[at:]
    assert _define(sqlite_site, client, "Huge", (huge, "huge.png", "image/png")
                   ).status_code == 413
    assert sqlite_site.log_length() == before
    assert _stored(sqlite_site) == []


def test_a_refused_badge_leaves_no_image_behind(sqlite_site: Site) -> None:
    client = sqlite_site.client
    sign_in(client, "ana")
    before = sqlite_site.log_length()
    # A name the log cannot store: refused by the rules after the image was checked.
    response = _define(sqlite_site, client, "Parents\x00evening",
                       (_png(), "evening.png", "image/png"))
    assert response.status_code == 422
    assert sqlite_site.log_length() == before
    assert _stored(sqlite_site) == []


def test_an_image_hash_that_is_not_a_png_is_not_served(sqlite_site: Site) -> None:
    """A BadgeDefined through the API may name any stored file: only a PNG is served."""
    store = uploads_of(sqlite_site.journey.config.instance_dir)
    stored = store.put(io.BytesIO(b"<html><script>alert(1)</script></html>"),
                       filename="page.html", media_type="text/html")
    response = sqlite_site.post("ana", "BadgeDefined", {
        "badge_id": "b-html", "community_id": "vrsac-1", "name": "Sneaky",
        "description": "d", "criteria": "c", "image": stored.digest})
    assert response.status_code == 201, response.get_json()
    shown = sqlite_site.client.get("/ob/v2/badges/b-html/image.png")
    assert shown.status_code == 200 and shown.data == png.baked_badge("b-html")


def test_the_badge_form_still_needs_its_csrf_token(sqlite_site: Site) -> None:
    """The view is exempt from the app-wide check (the body limit is raised first); the
    form checks its token itself."""
    client = sqlite_site.client
    sign_in(client, "ana")
    before = sqlite_site.log_length()
    boundary, encoded = encode_multipart({
        "badge-name": "Forged", "badge-description": "d", "badge-criteria": "c",
        "badge-image": FileStorage(io.BytesIO(_png()), "x.png", content_type="image/png")})
    response = client.post("/facilitate/vrsac-1/badges", data=encoded,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 400
    assert sqlite_site.log_length() == before
    assert _stored(sqlite_site) == []
