"""The bootstrap of the log: configuration in, a ready store out. Wiring lives here only."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import Engine, inspect

from events.codec import GENESIS_HASH
from events.instance import (InstanceKeys, InstanceMismatch, InstanceMissing, ensure_instance,
                             load_instance)
from events.migrate import upgrade
from events.snapshot import FOLDER as SNAPSHOTS
from events.snapshot import Snapshots
from events.sql import SqlRecorder, make_engine, missing_sqlite_file
from events.store import EventStore
from events.tables import log_head
from events.verify import sign_head
from journey.config import Config


@dataclass
class Log:
    """An open log: its store, its instance keys and the configuration it was opened with."""

    config: Config
    instance: InstanceKeys
    store: EventStore
    recorder: SqlRecorder

    def signed_head(self, position: int) -> dict[str, Any]:
        """The head of the log's first `position` rows, signed with signing.key: what a
        report or an export made from that prefix prints (DESIGN "Tamper evidence")."""
        row = self.recorder.row_at(position) if position else None
        return sign_head(self.instance, position, row.hash if row is not None else GENESIS_HASH)

    def close(self) -> None:
        self.recorder.close()


def init_log(config: Config, *migrations: Callable[[Engine], None]) -> InstanceKeys:
    """Create the instance directory and its keys if missing, and migrate the schema.

    `migrations` are further schema upgrades to run after the log's own (the projections').
    """
    engine = make_engine(config.database_url)
    try:
        _refuse_other_keys(engine, config.instance_dir)
        instance = ensure_instance(config.instance_dir)
        upgrade(engine)
        for migrate in migrations:
            migrate(engine)
    finally:
        engine.dispose()
    return instance


def _refuse_other_keys(engine: Engine, instance_dir: Path) -> None:
    """A database that already holds a log keeps the instance it was sealed with: new keys
    beside it would re-seal its head (hiding what verify should find) and wrap new members'
    keys with a master key its own instance does not have."""
    if missing_sqlite_file(engine.url) or not inspect(engine).has_table(log_head.name):
        return
    head = SqlRecorder(engine).head()
    if head is None:
        return
    try:
        instance = load_instance(instance_dir)
    except InstanceMissing:
        instance = None
    if instance is None or not instance.check_seal(head.position, head.hash, head.seal):
        raise InstanceMismatch(
            f"the database already holds a log of {head.position} events, sealed with other "
            f"keys than {instance_dir}'s: set JOURNEY_INSTANCE_DIR to the instance directory "
            "the log was created with")


def open_log(config: Config) -> Log:
    """Open an initialised log (`journey init` first)."""
    instance = load_instance(config.instance_dir)
    recorder = SqlRecorder(make_engine(config.database_url))
    store = EventStore(recorder, master_key=instance.master_key, seal=instance.seal,
                       snapshots=Snapshots(instance.path / SNAPSHOTS))
    return Log(config, instance, store, recorder)
