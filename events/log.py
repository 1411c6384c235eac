"""The bootstrap of the log: configuration in, a ready store out. Wiring lives here only."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy import Engine

from events.instance import InstanceKeys, ensure_instance, load_instance
from events.migrate import upgrade
from events.snapshot import FOLDER as SNAPSHOTS
from events.snapshot import Snapshots
from events.sql import SqlRecorder, make_engine
from events.store import EventStore
from journey.config import Config


@dataclass
class Log:
    """An open log: its store, its instance keys and the configuration it was opened with."""

    config: Config
    instance: InstanceKeys
    store: EventStore
    recorder: SqlRecorder

    def close(self) -> None:
        self.recorder.close()


def init_log(config: Config, *migrations: Callable[[Engine], None]) -> InstanceKeys:
    """Create the instance directory and its keys if missing, and migrate the schema.

    `migrations` are further schema upgrades to run after the log's own (the projections').
    """
    instance = ensure_instance(config.instance_dir)
    engine = make_engine(config.database_url)
    try:
        upgrade(engine)
        for migrate in migrations:
            migrate(engine)
    finally:
        engine.dispose()
    return instance


def open_log(config: Config) -> Log:
    """Open an initialised log (`journey init` first)."""
    instance = load_instance(config.instance_dir)
    recorder = SqlRecorder(make_engine(config.database_url))
    store = EventStore(recorder, master_key=instance.master_key, seal=instance.seal,
                       snapshots=Snapshots(instance.path / SNAPSHOTS))
    return Log(config, instance, store, recorder)
