"""The instance directory: created once with private modes, never overwritten, loaded back."""
from __future__ import annotations

import base64
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from events.instance import InstanceError, InstanceMissing, ensure_instance, load_instance

FILES = ("master.key", "seal.key", "signing.key", "secret_key", "erasures")


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_creates_private_files_and_directories(tmp_path):
    path = tmp_path / "instance"
    keys = ensure_instance(path)
    assert mode(path) == 0o700
    assert mode(path / "uploads") == 0o700
    for name in FILES:
        assert mode(path / name) == 0o600, name
    assert len(keys.master_key) == 32 and len(keys.seal_key) == 32
    assert keys.master_key != keys.seal_key
    assert isinstance(keys.signing_key, Ed25519PrivateKey)
    assert (path / "signing.key").read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert len(keys.secret_key) == 64 and int(keys.secret_key, 16) >= 0
    assert keys.erasures() == set()
    assert not [p for p in path.iterdir() if p.name.endswith(".tmp")]


def test_a_second_init_overwrites_nothing(tmp_path):
    path = tmp_path / "instance"
    first = ensure_instance(path)
    before = {name: (path / name).read_bytes() for name in FILES}
    first.add_erasure("m-1")
    second = ensure_instance(path)
    assert second.master_key == first.master_key
    assert second.sign(b"head") == first.sign(b"head")  # Ed25519 signatures are deterministic
    for name in FILES:
        if name != "erasures":
            assert (path / name).read_bytes() == before[name]
    assert second.erasures() == {"m-1"}


def test_init_completes_a_partial_instance(tmp_path):
    path = tmp_path / "instance"
    first = ensure_instance(path)
    (path / "seal.key").unlink()
    (path / "uploads").rmdir()
    again = ensure_instance(path)
    assert again.master_key == first.master_key
    assert again.seal_key != first.seal_key
    assert (path / "uploads").is_dir()


def test_load_without_init_says_what_to_do(tmp_path):
    with pytest.raises(InstanceMissing, match="journey init") as caught:
        load_instance(tmp_path / "nowhere")
    assert str(tmp_path / "nowhere") in str(caught.value)
    ensure_instance(tmp_path / "instance")
    (tmp_path / "instance" / "master.key").unlink()
    with pytest.raises(InstanceMissing, match="master.key"):
        load_instance(tmp_path / "instance")


def test_a_damaged_key_file_is_refused(tmp_path):
    path = tmp_path / "instance"
    ensure_instance(path)
    (path / "master.key").write_bytes(b"too short")
    with pytest.raises(InstanceError, match="32 bytes"):
        load_instance(path)


def test_the_repr_shows_no_secret(tmp_path):
    keys = ensure_instance(tmp_path / "instance")
    assert keys.master_key.hex() not in repr(keys)
    assert keys.secret_key not in repr(keys)


def test_seal_is_an_hmac_of_position_and_hash(tmp_path):
    keys = ensure_instance(tmp_path / "instance")
    seal = keys.seal(12, "ab" * 32)
    assert len(seal) == 64 and seal == keys.seal(12, "ab" * 32)
    assert seal != keys.seal(13, "ab" * 32)
    assert keys.check_seal(12, "ab" * 32, seal)
    assert not keys.check_seal(12, "ab" * 32, "0" * 64)
    other = ensure_instance(tmp_path / "other")
    assert other.seal(12, "ab" * 32) != seal


def test_signatures_verify_with_the_published_public_key(tmp_path):
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    keys = ensure_instance(tmp_path / "instance")
    signature = keys.sign(b"OK 3 events, head abc")
    public = load_pem_public_key(keys.public_key_pem().encode("ascii"))
    public.verify(base64.b64decode(signature), b"OK 3 events, head abc")
    assert keys.verify(b"OK 3 events, head abc", signature)
    assert not keys.verify(b"OK 4 events, head abc", signature)
    assert not keys.verify(b"x", "not base64!")


def test_erasures_are_appended_once_each(tmp_path):
    keys = ensure_instance(tmp_path / "instance")
    keys.add_erasure("m-1")
    keys.add_erasure("m-2")
    keys.add_erasure("m-1")
    assert keys.erasures() == {"m-1", "m-2"}
    assert (tmp_path / "instance" / "erasures").read_text() == "m-1\nm-2\n"
    assert load_instance(tmp_path / "instance").erasures() == {"m-1", "m-2"}
    with pytest.raises(ValueError):
        keys.add_erasure("two\nlines")
