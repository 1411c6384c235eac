"""Snapshots of the decision state, so that a new process need not fold the whole log.

Every process that appends or checks access folds the log into the decision state first:
about a minute of CPU per million events, paid again by every `journey` command and every
restart. A snapshot is that state pickled at a position, kept in the instance directory,
and loaded in a fraction of the time; the rows after its position are then folded as usual.

It is a cache, never the truth. It is ignored, and the log folded instead, when
- its seal fails: it is an HMAC under a key derived from seal.key, checked before anything
  is unpickled, so a file this instance did not write is never loaded;
- it was made by another shape of the state (journey/state.py changed) or another Python;
- the log does not hold its position with its hash (a restore, another database).
It holds what the decision state holds: ids, roles, positions and times, which the log
keeps in clear; no personal field (names, e-mails, words) is ever in it.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import pickle
import sys
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import events.schemas
import events.upcasting
import journey.events
import journey.state
from journey.state import DomainState

log = logging.getLogger("journey.snapshots")

FOLDER = "snapshots"  # in the instance directory
FILE = "decision-state"
MAGIC = b"journey decision-state snapshot 1\n"
#: Rows a catch-up must fold before it writes a new snapshot: a new process then folds
#: at most about this many rows after loading one.
SNAPSHOT_AFTER = 50_000


def _state_format() -> str:
    """What a snapshot must have been made by: this fold of the state, this Python.

    The fold is the state's code and what turns rows into the events it folds (event
    types, upcasters, the stored-row decoder): a change to any of them may fold the same
    log otherwise, so it retires every snapshot made before.
    """
    digest = hashlib.sha256(f"{sys.version_info[:2]}".encode())
    for module in (journey.state, journey.events, events.upcasting, events.schemas):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class Snapshot:
    """The decision state as folded up to `position`, whose row has `hash`."""

    position: int
    hash: str
    state: DomainState


class Snapshots:
    """The snapshot file of one instance: written atomically, read only when sealed."""

    def __init__(self, folder: Path | str, seal_key: bytes) -> None:
        self.path = Path(folder) / FILE
        self._key = hmac.digest(seal_key, b"journey decision-state snapshots", "sha256")
        self._format = _state_format()

    def load(self) -> Snapshot | None:
        """The snapshot, or None when there is none or it may not be used."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("snapshot %s unreadable (%s): folding the log", self.path, exc)
            return None
        start = len(MAGIC)
        head, mac, payload = raw[:start], raw[start:start + 32], raw[start + 32:]
        if head != MAGIC or not hmac.compare_digest(mac, self._seal(payload)):
            log.warning("snapshot %s is not sealed by this instance: folding the log", self.path)
            return None
        try:
            body = pickle.loads(zlib.decompress(payload))
        except Exception:  # noqa: BLE001 - sealed by us yet unreadable: still only a cache
            log.warning("snapshot %s does not load: folding the log", self.path, exc_info=True)
            return None
        if body.get("format") != self._format:
            return None  # made by another shape of the state: fold afresh
        return Snapshot(body["position"], body["hash"], body["state"])

    def save(self, position: int, hash: str, state: DomainState) -> bool:
        """Replace the snapshot with `state` at `position` (atomically: a reader sees the old
        file or the new one, and two processes saving at once leave one of theirs).

        False when it cannot be written (a read-only instance directory, a full disk): a
        cache that cannot be kept is no reason to fail the fold that made it.
        """
        body = {"format": self._format, "position": position, "hash": hash, "state": state}
        payload = zlib.compress(pickle.dumps(body, protocol=pickle.HIGHEST_PROTOCOL), 1)
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{FILE}-")
        except OSError as exc:
            log.warning("snapshot not written to %s: %s", self.path.parent, exc)
            return False
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(MAGIC + self._seal(payload) + payload)
            os.replace(temporary, self.path)
        except OSError as exc:
            Path(temporary).unlink(missing_ok=True)
            log.warning("snapshot not written to %s: %s", self.path, exc)
            return False
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return True

    def _seal(self, payload: bytes) -> bytes:
        return hmac.digest(self._key, payload, "sha256")
