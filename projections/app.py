"""The bootstrap for everything above the log: the store, its projections and their reports.

The CLI and the web app both start here (never at import time), so wiring lives in one place.
"""
from __future__ import annotations

from dataclasses import dataclass

from events.instance import InstanceKeys
from events.log import Log, init_log
from events.ready import open_ready_log
from events.store import EventStore
from journey.config import Config
from projections.index.projection import IndexProjection
from projections.leadership.projection import LeadershipProjection
from projections.leadership.report import LeadershipReports
from projections.migrate import upgrade_projections
from projections.runner import ProjectionRunner
from projections.views import Views


def all_projections() -> list:
    """Every projection, in the order they are folded."""
    return [LeadershipProjection(), IndexProjection()]


@dataclass
class Journey:
    """An open installation: the log, the projection runner and the report services."""

    log: Log
    runner: ProjectionRunner
    leadership: LeadershipReports
    #: Portfolio, archive, community and evaluation views (projections/views.py).
    views: Views

    @property
    def store(self) -> EventStore:
        return self.log.store

    @property
    def config(self) -> Config:
        return self.log.config

    def close(self) -> None:
        self.runner.stop()
        self.log.close()


def init_journey(config: Config) -> InstanceKeys:
    """`journey init`: instance keys, the log's schema and the projections' schema."""
    return init_log(config, upgrade_projections)


def open_journey(config: Config, *, background: bool = False) -> Journey:
    """Open an initialised installation; `background` folds projections in a thread.

    With `config.projections == "worker"` this process never folds on its own (no thread,
    no folding to answer a read): `journey worker` processes do, and reads wait for them.
    """
    log = open_ready_log(config)
    engine = log.recorder.engine
    runner = ProjectionRunner(engine, log.store, all_projections())
    leadership = LeadershipReports(engine, log.store,
                                   lambda: runner.checkpoint_of(LeadershipProjection.name))
    views = Views(engine, log.store, lambda: runner.checkpoint_of(IndexProjection.name),
                  instance=log.instance)
    if config.projections == "worker":
        runner.folded_elsewhere = True
    elif background:
        runner.start()
    return Journey(log, runner, leadership, views)
