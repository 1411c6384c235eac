"""The catalogue of a log prefix, cached by position, and the instance's OB 3.0 signer."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from flask import current_app

from events.quiet import quiet_fold
from events.snapshot import FOLDER as SNAPSHOTS
from events.snapshot import SNAPSHOT_AFTER, Snapshots
from events.store import EventStore
from journey import errors
from journey.clock import BadTime, format_time, parse_time, utcnow
from journey.records import Recorded
from projections.badges.spec import Rule, load_rules
from projections.openbadges import png, proof, status_index
from projections.openbadges.catalogue import (Badge, Catalogue, CatalogueMemo, Load,
                                              catalogue_of, email_of)
from projections.openbadges.didkey import did_key, verification_method
from projections.openbadges.documents import Issuer, Urls
from web.openbadges.issuers import Issuers
from web.services import journey, uploads

KEY = "journey_openbadges"
MEMO_SNAPSHOT = "openbadges-catalogue"
#: The code a memo is folded by: a change to any of it retires the snapshots made before.
MEMO_MODULES = ("projections.openbadges.catalogue", "projections.index.keys",
                "projections.badges.engine", "projections.badges.recognitions",
                "projections.badges.spec", "projections.views", "journey.events",
                "journey.records", "journey.clock", "events.schemas", "events.upcasting")
CACHED = 4
#: The event types whose personal fields the catalogue reads (MemberRegistered.email).
_DECRYPTED = frozenset({"MemberRegistered"})


class OpenBadges:
    """Per app: catalogues by log position (a few), the issuers and the signer."""

    def __init__(self, rules: Sequence[Rule] | None = None) -> None:
        #: The badge rules (None: the repository's rules.json).
        self.rules = rules
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple, Catalogue] = OrderedDict()
        self._issuers: Issuers | None = None
        #: The log's index and facts, and each member's awards derived from them.
        self._memo = CatalogueMemo()
        #: One build at a time: a build reads new rows into the memo, which the others use.
        self._building = threading.Lock()
        #: Rows a build must read from the log's start before it leaves a snapshot of the
        #: memo (events/snapshot.py); the first build of a process starts from one.
        self.snapshot_after = SNAPSHOT_AFTER
        self._snapshot_tried = False
        #: (position, hash) of the last row `prepare` read: what `start_from` checks.
        self._read_upto = (0, "")

    def position(self, as_of: str | None) -> int:
        store = journey().store
        if not as_of:
            return store.last_position()
        try:
            moment = parse_time(as_of)
        except BadTime as exc:
            raise errors.InvalidValue(str(exc), rule="bad_as_of") from exc
        return store.position_at(moment)

    def latest(self) -> Catalogue:
        """The present catalogue: its new awards are given their status list indexes."""
        return self._build(journey().store.last_position(), frozenset(), present=True)

    def catalogue(self, position: int) -> Catalogue:
        """The catalogue as of `position`, with every erasure of the whole log applied."""
        latest = self.latest()
        if position >= journey().store.last_position():
            return latest
        return self._build(position, frozenset(latest.erased))

    def _build(self, position: int, erased: frozenset[str], present: bool = False) -> Catalogue:
        key = (position, erased)
        found = self._cached(key)
        if found is not None:
            return found
        with self._building:
            found = self._cached(key)   # built while this one waited
            if found is not None:
                return found
            built = self._derive(journey().store, journey().config.instance_dir, position,
                                 erased, present)
            # Only the present allocates: a past catalogue lacks awards made since, and an
            # award's index is fixed by when it first stood in a present one.
            engine = journey().log.recorder.engine
            built.indexes = (status_index.allocate(engine, built) if present
                             else status_index.read(engine))
            with self._lock:
                self._cache[key] = built
                while len(self._cache) > CACHED:
                    self._cache.popitem(last=False)
            return built

    def _cached(self, key: tuple) -> Catalogue | None:
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
            return found

    def prepare(self, store: EventStore, instance_dir: Path) -> "OpenBadges":
        """Read the whole log into the memo and derive every member's present awards,
        outside any app: `journey serve --workers N` does it once in gunicorn's master,
        and each worker starts from its copy-on-write copy (`start_from`) instead of
        every worker deriving everyone on its first Open Badges request (18 s on the
        full demo's 218,839 events, from a snapshot 3 s, each).

        The cyclic collector pauses meanwhile (where no other thread runs): reading the
        log makes millions of objects and no cycles, and its passes over them only cost
        time (full demo: 11.2-12.3 s against 14.3-15.1 s with it)."""
        with self._building, quiet_fold():
            # The master serves nobody and lives long: it opens no e-mail (each worker
            # reads them back from the registrations, as from a snapshot), so it holds no
            # personal value nor a member's key that no erasure would reach there.
            self._derive(store, instance_dir, store.last_position(), emails=False)
            row = store.recorder.row_at(self._memo.last)
            self._read_upto = (row.position, row.hash) if row is not None else (0, "")
            self._memo.forget_emails(self._memo.facts.members)  # None for everyone
        return self

    def start_from(self, other: "OpenBadges", store: EventStore, instance_dir: Path) -> None:
        """Take over the memo `other` prepared from the same log (see `prepare`).

        Only for a service that has built nothing yet; a memo of other rules, or one the
        log does not hold (its last row has another hash: a restore since), is refused.
        A worker gunicorn respawns long after its master prepared the memo starts from
        the instance's snapshot instead, when one is well ahead of it.
        """
        with self._building:
            if self._memo.last:
                raise RuntimeError("start_from needs a service that has built nothing yet")
            if other.rules != self.rules:
                raise ValueError("the memo prepared elsewhere is of other badge rules")
            position, hash = other._read_upto
            if not store.holds(position, hash):
                raise ValueError(f"the memo prepared elsewhere ends at position {position}, "
                                 "which this log does not hold")
            self._snapshot_tried = True
            memo = self._load_snapshot(store, instance_dir, beyond=position + max(
                self.snapshot_after, position // 4))
            self._memo = memo or _with_emails(other._memo, store)
            other._memo, other._read_upto = CatalogueMemo(), (0, "")

    def _derive(self, store: EventStore, instance_dir: Path, position: int,
                erased: frozenset[str] = frozenset(), present: bool = True, *,
                emails: bool = True) -> Catalogue:
        """The catalogue as of `position` (the build lock held): the memo read up to the
        log's end first (`emails`: the registrations opened for them); after a long read
        of the present, a snapshot for the next process."""
        load, read = self._read(store, instance_dir, emails)
        built = catalogue_of(self._memo, position, load, erased, rules=self.rules)
        if present and read >= self.snapshot_after:
            self._save_snapshot(store, instance_dir)
        return built

    def _read(self, store: EventStore, instance_dir: Path,
              emails: bool = True) -> tuple[Load, int]:
        """Read the rows appended since the memo's last into it (an erasure among them:
        the member's e-mail is forgotten); returns how this build loads records (those
        just read from memory, older ones from the log) and how many rows it read.

        The memo keeps no record: a web process holding the whole log decrypted cost 1.3 KB
        an event (282 MB of the full demo's 218,839). Only the registrations are
        decrypted: the recipient's e-mail is the one personal value the catalogue uses
        (rules never read one: projections/badges/spec.py).
        """
        def recorded(after: int) -> list[Recorded]:
            return list(store.recorded(store.read_rows(after=after), decrypt=(
                (lambda row: row.type in _DECRYPTED) if emails else False)))

        if not self._memo.last and not self._snapshot_tried:
            self._snapshot_tried = True
            self._memo = self._load_snapshot(store, instance_dir, emails=emails) or self._memo
        fresh = recorded(self._memo.last)
        self._memo.add(fresh)
        erased = [rec.event.member_id for rec in fresh if rec.type == "MemberErased"]
        if erased:
            # The one personal value kept is each member's e-mail (this process's key cache
            # may have opened it moments after the erasure): dropped, here and in the
            # catalogues built before.
            self._memo.forget_emails(erased)
            with self._lock:
                self._cache.clear()
        in_hand = {rec.position: rec for rec in fresh}

        def load(positions: list[int]) -> list[Recorded]:
            missing = [p for p in positions if p not in in_hand]
            # Derivations read ids, roles and times only: nothing to decrypt.
            loaded = {rec.position: rec for rec in store.to_recorded_many(
                store.recorder.rows_at(missing), decrypt=False)} if missing else {}
            return [in_hand[p] if p in in_hand else loaded[p] for p in positions]

        return load, len(fresh)

    # -- snapshots of the memo ------------------------------------------------------------

    def _snapshots(self, instance_dir: Path) -> Snapshots:
        rules = load_rules() if self.rules is None else self.rules
        return Snapshots(instance_dir / SNAPSHOTS, MEMO_SNAPSHOT, MEMO_MODULES,
                         repr(tuple(rules)).encode())

    def _load_snapshot(self, store: EventStore, instance_dir: Path, beyond: int = 0, *,
                       emails: bool = True) -> CatalogueMemo | None:
        """The memo a process left (a snapshot of this code and these rules, at a position
        the log holds, past `beyond`), with `emails` its e-mails read from the
        registrations again; None: none usable."""
        snapshot = self._snapshots(instance_dir).load(store.holds, beyond=beyond)
        if snapshot is None or not isinstance(snapshot.state, CatalogueMemo):
            return None
        return _with_emails(snapshot.state, store) if emails else snapshot.state

    def _save_snapshot(self, store: EventStore, instance_dir: Path) -> None:
        row = store.recorder.row_at(self._memo.last)
        if row is None:
            return
        snapshots = self._snapshots(instance_dir)
        if snapshots.save(row.position, row.hash, self._memo) and any(
                later.type == "MemberErased" for later in store.read_rows(after=row.position)):
            # An erasure committed while this build ran, and deleted every snapshot before
            # this one was written: this one is about the erased member too.
            snapshots.discard()

    # -- images ----------------------------------------------------------------------------

    def uploaded_image(self, badge: Badge | None) -> bytes | None:
        """The PNG a facilitator gave `badge`, when it has one and the store holds it.

        None (the generated image is used) when the file is missing, too large or not a
        well-formed PNG: a content hash in the log is served only as the image it names.
        """
        if badge is None or not badge.image:
            return None
        store = uploads()
        if not store.exists(badge.image):
            return None
        path = store.path_of(badge.image)
        try:
            with path.open("rb") as file:
                data = file.read(png.MAX_IMAGE_BYTES + 1)
        except OSError:
            return None
        if len(data) > png.MAX_IMAGE_BYTES:
            return None
        try:
            png.check(data, max_side=png.MAX_IMAGE_SIDE)
        except ValueError:
            return None
        return data

    def badge_png(self, badge: Badge, url: str | None = None) -> bytes:
        """The badge's image (its uploaded PNG, else the generated one), baked with `url`."""
        uploaded = self.uploaded_image(badge)
        if uploaded is None:
            return png.baked_badge(badge.key, url)
        return png.bake(uploaded, url) if url else uploaded

    # -- issuers -----------------------------------------------------------------------------

    def issuers(self) -> Issuers:
        if self._issuers is None:
            self._issuers = Issuers(journey().log.recorder.engine)
        return self._issuers

    def issuer(self, network_id: str | None, cat: Catalogue) -> Issuer:
        config = current_app.config
        return self.issuers().issuer(
            network_id, network_name=cat.networks.get(network_id) if network_id else None,
            base_url=urls().base,
            default_name=config.get("OPENBADGES_ISSUER_NAME", "Journey"),
            default_email=config.get("OPENBADGES_ISSUER_EMAIL"))

    # -- signing -----------------------------------------------------------------------------

    def public_key_raw(self) -> bytes:
        return journey().log.instance.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    def did(self) -> str:
        return did_key(self.public_key_raw())

    def sign(self, document: dict, created: datetime | None = None) -> dict:
        key = journey().log.instance.signing_key
        return proof.add_proof(document, key.sign, verification_method(self.public_key_raw()),
                               format_time(created or utcnow()))


def _with_emails(memo: CatalogueMemo, store: EventStore) -> CatalogueMemo:
    """`memo` given its members' e-mails back, read from their registrations."""
    registrations = store.recorded(store.recorder.rows_at(memo.facts.members.values()))
    return memo.with_emails({rec.event.member_id: email_of(rec.event)
                             for rec in registrations if rec.type == "MemberRegistered"})


def service() -> OpenBadges:
    return current_app.extensions[KEY]


def urls() -> Urls:
    return Urls(current_app.config["JOURNEY_BASE_URL"])
