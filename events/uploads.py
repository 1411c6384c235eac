"""Uploaded files, stored by the sha256 of their bytes under the instance directory.

A ResourceShared event names its file by content hash (DESIGN: `file` is the sha256 of
an upload, 64 lowercase hex digits), so the store is content-addressed: the same bytes
shared twice are kept once, a file can never change under a hash the log points to, and
nothing about a person goes into a file name. Beside each file a small sidecar keeps the
media type and the original file name, for the download.

Files are written whole to a temporary name and moved into place (`os.replace`), with
mode 0600 in a 0700 directory: a crash never leaves half a file under a hash, and other
local users read nothing. The size limit is enforced while streaming: the store never
reads more than limit + 1 bytes of what it is given.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from events.files import WholeFile, write_whole

#: DESIGN "Errors": uploads up to 20 MiB.
MAX_UPLOAD = 20 * 1024 * 1024
CHUNK = 64 * 1024
_HASH = re.compile(r"^[0-9a-f]{64}$")
#: Media types a browser would run or render as a page: served as plain bytes instead.
ACTIVE_TYPES = frozenset({"text/html", "application/xhtml+xml", "image/svg+xml",
                          "text/xml", "application/xml", "text/javascript",
                          "application/javascript"})
DEFAULT_TYPE = "application/octet-stream"


class TooLarge(Exception):
    """The upload is over the limit; nothing was stored."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"an upload may be at most {limit} bytes")
        self.limit = limit


class EmptyUpload(Exception):
    """An upload without a single byte; nothing was stored."""


@dataclass(frozen=True)
class Stored:
    """A file in the store: its hash, size, media type and the name it was uploaded with."""

    digest: str
    size: int
    media_type: str
    filename: str
    path: Path
    #: False when the same bytes were already stored (nothing was written).
    created: bool = True


def is_digest(value: str) -> bool:
    """Whether `value` is a content hash as the log accepts it."""
    return bool(_HASH.match(value or ""))


def _clean_name(filename: str | None) -> str:
    """The base name only, without control characters, at most 200 characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"')
    return name.strip()[:200] or "file"


def _clean_type(media_type: str | None) -> str:
    value = (media_type or "").split(";", 1)[0].strip().lower()
    if not re.match(r"^[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+$", value):
        return DEFAULT_TYPE
    return value


class Uploads:
    """The content-addressed file store in `root` (instance/uploads)."""

    def __init__(self, root: Path, *, limit: int = MAX_UPLOAD) -> None:
        self.root = Path(root)
        self.limit = limit

    def _ensure_root(self) -> None:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)

    def path_of(self, digest: str) -> Path:
        if not is_digest(digest):
            raise ValueError("not a content hash")
        return self.root / digest

    def put(self, stream: BinaryIO, *, filename: str | None = None,
            media_type: str | None = None) -> Stored:
        """Store what `stream` holds (at most `limit` bytes) under its sha256.

        Raises TooLarge (after reading at most limit + 1 bytes) or EmptyUpload; either
        way nothing is left behind.
        """
        with self.stage(stream, filename=filename, media_type=media_type) as staged:
            return staged.keep()

    def stage(self, stream: BinaryIO, *, filename: str | None = None,
              media_type: str | None = None) -> Staged:
        """Write and hash what `stream` holds as `put` does, but not under its hash yet.

        For a file only an accepted request may add: `keep()` it once the event naming
        it is recorded; leaving the context without keeping it deletes it. Until then
        it is this request's own temporary file, so a refused request never takes away
        the file a concurrent upload of the same bytes (the same name) relies on.
        """
        self._ensure_root()
        digest = hashlib.sha256()
        size = 0
        whole = WholeFile(self.root, prefix=".upload-")
        try:
            while True:
                chunk = stream.read(min(CHUNK, self.limit + 1 - size))
                if not chunk:
                    break
                size += len(chunk)
                if size > self.limit:
                    raise TooLarge(self.limit)
                digest.update(chunk)
                whole.file.write(chunk)
            if size == 0:
                raise EmptyUpload("the file is empty")
        except BaseException:
            whole.__exit__(None, None, None)
            raise
        return Staged(self, whole, digest.hexdigest(), size, _clean_name(filename),
                      _clean_type(media_type))

    def _keep(self, staged: Staged) -> Stored:
        final = self.root / staged.digest
        created = not final.exists()
        if created:  # else the same bytes are there: the temporary file goes
            staged.whole.place(final)
        self._write_sidecar(staged.digest, {"media_type": staged.media_type,
                                            "filename": staged.filename}, keep=not created)
        meta = self.meta(staged.digest) or {"media_type": staged.media_type,
                                            "filename": staged.filename}
        return Stored(staged.digest, staged.size, meta["media_type"], meta["filename"],
                      final, created)

    def _write_sidecar(self, digest: str, meta: dict[str, str], *, keep: bool) -> None:
        """The sidecar of the first upload of these bytes stays (idempotent)."""
        path = self.root / f"{digest}.json"
        if keep and path.exists():
            return
        write_whole(path, json.dumps(meta, ensure_ascii=False).encode("utf-8"))

    def meta(self, digest: str) -> dict[str, str] | None:
        """The sidecar of a stored file (None when the file is not here)."""
        if not is_digest(digest) or not (self.root / digest).is_file():
            return None
        try:
            data = json.loads((self.root / f"{digest}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        return {"media_type": _clean_type(data.get("media_type")),
                "filename": _clean_name(data.get("filename") or digest)}

    def exists(self, digest: str) -> bool:
        return is_digest(digest) and (self.root / digest).is_file()

    def digests(self) -> list[str]:
        """The hashes of every stored file, sorted (sidecars and temporary files left out)."""
        if not self.root.is_dir():
            return []
        return sorted(entry.name for entry in os.scandir(self.root)
                      if is_digest(entry.name) and entry.is_file())

    def served_type(self, digest: str) -> str:
        """The Content-Type to send: never one a browser would render as a page."""
        meta = self.meta(digest)
        kind = meta["media_type"] if meta else DEFAULT_TYPE
        if kind in ACTIVE_TYPES or kind.startswith("text/html") or "xml" in kind:
            return DEFAULT_TYPE
        return kind


class Staged:
    """An upload written and hashed, waiting to be kept in the store or dropped."""

    def __init__(self, store: Uploads, whole: WholeFile, digest: str, size: int,
                 filename: str, media_type: str) -> None:
        self.store, self.whole = store, whole
        self.digest, self.size = digest, size
        self.filename, self.media_type = filename, media_type

    def keep(self) -> Stored:
        """Put the file in the store under its hash (once the event naming it is in)."""
        return self.store._keep(self)

    def __enter__(self) -> Staged:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.whole.__exit__(None, None, None)  # deletes the file unless it was kept


def uploads_of(instance_dir: Path) -> Uploads:
    """The store of an installation (DESIGN: instance/uploads/)."""
    return Uploads(Path(instance_dir) / "uploads")
