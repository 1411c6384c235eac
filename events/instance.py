"""The instance directory: the secrets a database alone does not hold (DESIGN "Configuration").

    master.key   32 random bytes; wraps every member's data key
    seal.key     32 random bytes; HMAC key sealing the log head
    signing.key  Ed25519 private key (PEM, PKCS#8); signs published heads and badges
    secret_key   hex token for Flask sessions
    erasures     ids of erased members, one a line (no personal data)
    uploads/     uploaded files, named by content hash

`journey init` creates it; nothing is ever overwritten, because a lost master.key makes
every personal field of the log unreadable for good.
"""
from __future__ import annotations

import base64
import hmac
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from events.files import create_file, fsync_dir

KEY_BYTES = 32
MASTER_KEY = "master.key"
SEAL_KEY = "seal.key"
SIGNING_KEY = "signing.key"
SECRET_KEY = "secret_key"
ERASURES = "erasures"
UPLOADS = "uploads"


class InstanceError(Exception):
    """The instance directory is missing or damaged."""


class InstanceMissing(InstanceError):
    """The instance directory, or one of its key files, does not exist yet."""


class InstanceMismatch(InstanceError):
    """The log's head was not sealed with this instance's keys."""

    code = "instance_mismatch"


@dataclass(frozen=True)
class InstanceKeys:
    """The secrets of one instance directory, loaded once at bootstrap."""

    # repr=False: these objects end up in logs and tracebacks; their keys must not.
    master_key: bytes = field(repr=False)
    seal_key: bytes = field(repr=False)
    signing_key: Ed25519PrivateKey = field(repr=False)
    secret_key: str = field(repr=False)
    path: Path

    @property
    def uploads_dir(self) -> Path:
        """Where uploaded files are kept."""
        return self.path / UPLOADS

    def seal(self, position: int, hash: str) -> str:
        """HMAC-SHA256 (hex) of the log head `position:hash` under seal.key."""
        message = f"{position}:{hash}".encode("ascii")
        return hmac.digest(self.seal_key, message, "sha256").hex()  # one-shot: per append

    def check_seal(self, position: int, hash: str, seal: str) -> bool:
        """Whether `seal` is this instance's seal of the head (position, hash)."""
        # Constant time, so the comparison does not leak how much of a forgery was right.
        return hmac.compare_digest(self.seal(position, hash), seal)

    def sign(self, message: bytes) -> str:
        """The Ed25519 signature of `message`, base64."""
        return base64.b64encode(self.signing_key.sign(message)).decode("ascii")

    def public_key(self) -> Ed25519PublicKey:
        """The public half of signing.key."""
        return self.signing_key.public_key()

    def public_key_pem(self) -> str:
        """The public key (SubjectPublicKeyInfo PEM) that checks this instance's signatures."""
        return self.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo,
        ).decode("ascii")

    def verify(self, message: bytes, signature: str) -> bool:
        """Whether `signature` (base64) is this instance's signature of `message`."""
        try:
            self.public_key().verify(base64.b64decode(signature, validate=True), message)
        except (InvalidSignature, ValueError):
            return False
        return True

    def erasures(self) -> set[str]:
        """Ids of erased members (re-applied by `journey restore` to older backups)."""
        try:
            text = (self.path / ERASURES).read_text(encoding="utf-8")
        except FileNotFoundError:
            return set()
        return {line.strip() for line in text.splitlines() if line.strip()}

    def check_erasures_writable(self) -> None:
        """Raise OSError when add_erasure could not write: checked before MemberErased is
        appended, so that an erasure the log records can also be finished beside it."""
        os.close(os.open(self.path / ERASURES, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600))

    def add_erasure(self, member_id: str) -> None:
        """Record that a member was erased: append their id and fsync before returning."""
        if not member_id or any(ch.isspace() for ch in member_id):
            raise ValueError(f"not a member id: {member_id!r}")
        if member_id in self.erasures():
            return
        # O_APPEND: concurrent erasures each add a whole line; fsync: an erasure answered
        # to a person must survive a crash, or a later restore would bring them back.
        fd = os.open(self.path / ERASURES, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (member_id + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)


def _signing_key_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def ensure_instance(path: Path | str) -> InstanceKeys:
    """Create the instance directory and whatever of its files are missing, then load it."""
    path = Path(path)
    if not path.is_dir():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(path, 0o700)  # mkdir's mode is filtered by the umask
    uploads = path / UPLOADS
    if not uploads.is_dir():
        uploads.mkdir(mode=0o700, exist_ok=True)
        os.chmod(uploads, 0o700)
    makers = {
        MASTER_KEY: lambda: secrets.token_bytes(KEY_BYTES),
        SEAL_KEY: lambda: secrets.token_bytes(KEY_BYTES),
        SIGNING_KEY: _signing_key_pem,
        SECRET_KEY: lambda: (secrets.token_hex(32) + "\n").encode("ascii"),
        ERASURES: lambda: b"",
    }
    # A list, not a generator: every missing file is created, not just the first.
    if any([create_file(path / name, make()) for name, make in makers.items()]):
        fsync_dir(path)
    return load_instance(path)


def _read(path: Path, name: str) -> bytes:
    try:
        return (path / name).read_bytes()
    except FileNotFoundError:
        raise InstanceMissing(
            f"no Journey instance at {path} ({name} is missing): run `journey init` first, "
            "or set JOURNEY_INSTANCE_DIR to the instance directory") from None


def load_instance(path: Path | str) -> InstanceKeys:
    """Load the secrets of an existing instance directory (InstanceMissing when absent)."""
    path = Path(path)
    if not path.is_dir():
        raise InstanceMissing(
            f"no Journey instance at {path}: run `journey init` first, "
            "or set JOURNEY_INSTANCE_DIR to the instance directory")
    master = _read(path, MASTER_KEY)
    seal = _read(path, SEAL_KEY)
    for name, value in ((MASTER_KEY, master), (SEAL_KEY, seal)):
        if len(value) != KEY_BYTES:
            raise InstanceError(f"{path / name} must hold {KEY_BYTES} bytes, not {len(value)}")
    try:
        signing = serialization.load_pem_private_key(_read(path, SIGNING_KEY), password=None)
    except ValueError as exc:
        raise InstanceError(f"{path / SIGNING_KEY} is not a PEM private key: {exc}") from None
    if not isinstance(signing, Ed25519PrivateKey):
        raise InstanceError(f"{path / SIGNING_KEY} is not an Ed25519 key")
    secret_key = _read(path, SECRET_KEY).decode("ascii", "replace").strip()
    if not secret_key:
        raise InstanceError(f"{path / SECRET_KEY} is empty")
    return InstanceKeys(master_key=master, seal_key=seal, signing_key=signing,
                        secret_key=secret_key, path=path)
