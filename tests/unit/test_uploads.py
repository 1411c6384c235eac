"""The content-addressed upload store: hash names, atomic writes, modes, the size limit."""
from __future__ import annotations

import hashlib
import io
import stat

import pytest

from events.uploads import (DEFAULT_TYPE, EmptyUpload, TooLarge, Uploads, is_digest,
                            uploads_of)


class CountingStream(io.BytesIO):
    """A stream that remembers how many bytes were read from it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.taken = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.taken += len(chunk)
        return chunk


def test_a_file_is_stored_under_its_sha256_with_private_modes(tmp_path) -> None:
    store = uploads_of(tmp_path)
    content = b"a rubric for peer observation"
    stored = store.put(io.BytesIO(content), filename="rubric.pdf", media_type="application/pdf")
    digest = hashlib.sha256(content).hexdigest()
    assert stored.digest == digest and stored.size == len(content) and stored.created
    assert (tmp_path / "uploads" / digest).read_bytes() == content
    assert stat.S_IMODE((tmp_path / "uploads" / digest).stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "uploads").stat().st_mode) == 0o700
    assert store.meta(digest) == {"media_type": "application/pdf", "filename": "rubric.pdf"}
    assert store.exists(digest) and is_digest(digest)


def test_the_same_bytes_are_stored_once_and_keep_their_first_name(tmp_path) -> None:
    store = Uploads(tmp_path / "up")
    first = store.put(io.BytesIO(b"same"), filename="one.txt", media_type="text/plain")
    again = store.put(io.BytesIO(b"same"), filename="two.txt", media_type="text/plain")
    assert first.digest == again.digest and not again.created
    assert again.filename == "one.txt"
    assert sorted(p.name for p in (tmp_path / "up").iterdir()) == [
        first.digest, f"{first.digest}.json"]


def test_over_the_limit_nothing_is_stored_and_at_most_limit_plus_one_is_read(tmp_path) -> None:
    store = Uploads(tmp_path / "up", limit=1000)
    stream = CountingStream(b"x" * 100_000)
    with pytest.raises(TooLarge):
        store.put(stream, filename="big.bin")
    assert stream.taken == 1001
    assert list((tmp_path / "up").iterdir()) == []
    exact = store.put(io.BytesIO(b"y" * 1000))
    assert exact.size == 1000


def test_an_empty_upload_is_refused(tmp_path) -> None:
    store = Uploads(tmp_path / "up")
    with pytest.raises(EmptyUpload):
        store.put(io.BytesIO(b""))
    assert list((tmp_path / "up").iterdir()) == []


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd", "passwd"), ("C:\\Users\\ana\\plan.docx", "plan.docx"),
    ('a"b\r\n.txt', "ab.txt"), ("", "file")])
def test_file_names_are_reduced_to_a_safe_base_name(tmp_path, name, expected) -> None:
    store = Uploads(tmp_path / "up")
    stored = store.put(io.BytesIO(name.encode() + b"!"), filename=name)
    assert stored.filename == expected


@pytest.mark.parametrize("media_type", ["text/html", "image/svg+xml", "application/xhtml+xml",
                                        "text/html; charset=utf-8", "not a type"])
def test_active_content_is_served_as_bytes(tmp_path, media_type) -> None:
    store = Uploads(tmp_path / "up")
    stored = store.put(io.BytesIO(b"<svg onload=alert(1)>" + media_type.encode()),
                       media_type=media_type)
    assert store.served_type(stored.digest) == DEFAULT_TYPE


def test_a_plain_type_is_served_as_given(tmp_path) -> None:
    store = Uploads(tmp_path / "up")
    stored = store.put(io.BytesIO(b"%PDF"), media_type="application/pdf")
    assert store.served_type(stored.digest) == "application/pdf"


def test_unknown_or_malformed_hashes_are_not_files(tmp_path) -> None:
    store = Uploads(tmp_path / "up")
    assert store.meta("0" * 64) is None and not store.exists("0" * 64)
    assert not is_digest("../secret") and not is_digest("A" * 64)
    with pytest.raises(ValueError):
        store.path_of("../master.key")


def test_a_staged_upload_is_in_the_store_only_once_kept(tmp_path) -> None:
    store = Uploads(tmp_path / "up")
    with store.stage(io.BytesIO(b"lesson"), filename="a.txt", media_type="text/plain") as a:
        assert not store.exists(a.digest)
        # The same bytes uploaded at the same time, by a request that is then refused.
        with store.stage(io.BytesIO(b"lesson"), filename="b.txt") as refused:
            assert refused.digest == a.digest
        kept = a.keep()
    with store.stage(io.BytesIO(b"lesson"), filename="c.txt") as late:
        pass  # refused after the first was kept: the stored file is not its to remove

    assert kept.created and store.exists(a.digest) and late.digest == a.digest
    assert (tmp_path / "up" / a.digest).read_bytes() == b"lesson"
    assert store.meta(a.digest) == {"media_type": "text/plain", "filename": "a.txt"}
    assert sorted(p.name for p in (tmp_path / "up").iterdir()) == [a.digest,
                                                                   f"{a.digest}.json"]
