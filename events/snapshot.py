"""Snapshots of the decision state (and of other folds), so that a new process need not
fold the whole log.

Every process that appends or checks access folds the log into the decision state first:
about a minute of CPU per million events, paid again by every `journey` command and every
restart. A snapshot is that state pickled at a position, kept in the instance directory,
and loaded in a fraction of the time; the rows after its position are then folded as usual.

It is a cache, never the truth. It is ignored, and the log folded instead, when
- its seal fails: an HMAC under `snapshots/key`, a random key of its own that no backup
  carries, checked before anything is read from the file, so a file this instance did
  not write is never unpickled;
- it was made by another fold of the state (its code changed) or another Python;
- the log does not hold its position with its hash (a restore, another database); that is
  checked from the sealed header, before the state itself is unpickled.
It holds what the decision state holds: ids, roles, positions and times, which the log
keeps in clear; no personal field (names, e-mails, words). Erasure deletes it all the same
(DESIGN "Erasure": every cache and snapshot about the person); the next long fold makes
a new one.

Other folds keep their snapshots in the same folder, each in a file of its own, with the
same seal and checks (`Snapshots(folder, name, modules, salt)`): the Open Badges catalogue
(web/openbadges/service.py). An erasure deletes every one of them (`discard_all`).
"""
from __future__ import annotations

import hashlib
import hmac
import importlib
import json
import logging
import pickle
import secrets
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from events.files import create_file, write_whole

log = logging.getLogger("journey.snapshots")

FOLDER = "snapshots"  # in the instance directory
FILE = "decision-state"
KEY = "key"
MAGIC = b"journey decision-state snapshot 2\n"
_MAC = 32  # bytes of HMAC-SHA256
_LENGTH = 4  # bytes giving the header's length
#: Rows a process's first fold must cover before it writes a snapshot.
SNAPSHOT_AFTER = 50_000
#: The modules whose code folds rows into the decision state: a change to any of them may
#: fold the same log otherwise, so it retires every snapshot made before.
FOLD_MODULES = ("journey.state", "journey.events", "journey.records", "journey.clock",
                "events.upcasting", "events.schemas", "events.store")


def _fold_format(modules: tuple[str, ...] = FOLD_MODULES, salt: bytes = b"") -> str | None:
    """What a snapshot must have been made by: the code of `modules` and `salt` (what else
    the fold depends on). None: the sources cannot be read, so no snapshot can be told
    apart and none is used."""
    digest = hashlib.sha256(f"{sys.version_info[:2]}".encode())
    digest.update(salt)
    try:
        for name in modules:
            digest.update(Path(importlib.import_module(name).__file__ or "").read_bytes())
    except OSError:
        return None
    return digest.hexdigest()


@dataclass(frozen=True)
class Snapshot:
    """The decision state as folded up to `position`, whose row has `hash`."""

    position: int
    hash: str
    state: object  # journey.state.DomainState


class Snapshots:
    """A snapshot file of one instance (default: the decision state's): written atomically,
    read only when sealed, used only when made by the same code (`modules`, `salt`)."""

    def __init__(self, folder: Path | str, name: str = FILE,
                 modules: tuple[str, ...] = FOLD_MODULES, salt: bytes = b"") -> None:
        self.folder = Path(folder)
        self.name = name
        self.path = self.folder / name
        self.modules = modules
        self.salt = salt
        self._format: str | None = None

    def load(self, holds: Callable[[int, str], bool], *, beyond: int = 0) -> Snapshot | None:
        """The snapshot if there is one it may use: sealed, of this fold, past `beyond`,
        and at a position whose hash `holds(position, hash)` confirms. None otherwise (then
        fold the log)."""
        key = self._key(create=False)
        if key is None:
            return None
        try:
            raw = self.path.read_bytes()
        except OSError:
            return None
        start = len(MAGIC)
        mac, sealed = raw[start:start + _MAC], raw[start + _MAC:]
        if raw[:start] != MAGIC or not hmac.compare_digest(mac, _seal(key, sealed)):
            log.warning("snapshot %s is not sealed by this instance: folding the log", self.path)
            return None
        length = int.from_bytes(sealed[:_LENGTH], "big")
        header = json.loads(sealed[_LENGTH:_LENGTH + length])
        if header["position"] <= beyond:
            return None  # not worth unpickling
        if header["format"] != self._fold_format() or not holds(header["position"],
                                                                 header["hash"]):
            return None  # another fold's, or another log's
        try:
            state = pickle.loads(zlib.decompress(sealed[_LENGTH + length:]))
        except Exception:  # noqa: BLE001 - sealed by us yet unreadable: still only a cache
            log.warning("snapshot %s does not load: folding the log", self.path, exc_info=True)
            return None
        return Snapshot(header["position"], header["hash"], state)

    def save(self, position: int, hash: str, state: object) -> bool:
        """Replace the snapshot with `state` at `position` (atomically: a reader sees the old
        file or the new one, and two processes saving at once leave one of theirs).

        False when it cannot be written (a read-only instance directory, a full disk): a
        cache that cannot be kept is no reason to fail the fold that made it.
        """
        fold_format = self._fold_format()
        if fold_format is None:
            return False
        header = json.dumps({"format": fold_format, "position": position,
                             "hash": hash}).encode()
        sealed = (len(header).to_bytes(_LENGTH, "big") + header
                  + zlib.compress(pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL), 1))
        try:
            key = self._key(create=True)  # in the folder: made with the key if need be
            write_whole(self.path, MAGIC + _seal(key, sealed) + sealed)
        except OSError as exc:
            log.warning("snapshot not written to %s: %s", self.path, exc)
            return False
        return True

    def discard(self) -> None:
        """Delete the snapshot (and what a crash mid-save left); its key stays."""
        for leftover in [self.path, *self.folder.glob(f".{self.name}-*")]:
            leftover.unlink(missing_ok=True)

    def discard_all(self) -> None:
        """Delete every snapshot of the folder, other folds' too (an erasure); the key stays."""
        try:
            files = [p for p in self.folder.iterdir() if p.name != KEY]
        except FileNotFoundError:
            return
        for leftover in files:
            leftover.unlink(missing_ok=True)

    def _fold_format(self) -> str | None:
        if self._format is None:
            self._format = _fold_format(self.modules, self.salt)
        return self._format

    def _key(self, *, create: bool) -> bytes | None:
        path = self.folder / KEY
        try:
            return path.read_bytes()
        except OSError as exc:
            if not create:
                return None
            if not isinstance(exc, FileNotFoundError):
                raise
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        if not create_file(path, key):  # another process made it first: use theirs
            return path.read_bytes()
        return key


def _seal(key: bytes, sealed: bytes) -> bytes:
    return hmac.digest(key, sealed, "sha256")
