"""Production serving: gunicorn on the same app factory (`journey serve --workers N`).

Each gunicorn worker process builds its own app (`create_app(config)`) after the fork, so
no database connection or projection thread crosses a fork. What does cross it is the
log's decision state (access checks read it), folded once in the master before the
workers start, and the Open Badges catalogue's memo (its awards, derived once): each
worker begins from its copy-on-write copy and reads only what was appended since, instead
of every worker folding the whole log at once on the same CPUs.
Nothing runs at import time: outside the CLI, `gunicorn 'web.app:create_app()'` reads the
JOURNEY_* environment itself.
"""
from __future__ import annotations

import gc
import logging
import time
from typing import TYPE_CHECKING, Any, Callable

from journey.config import Config

if TYPE_CHECKING:
    from events.store import EventStore
    from web.openbadges.service import OpenBadges

log = logging.getLogger("journey.serve")


def gunicorn_settings(host: str, port: int, workers: int, *, threads: int = 1,
                      timeout: int = 300) -> dict[str, Any]:
    """What `journey serve --workers N` sets in gunicorn's configuration.

    No control socket: gunicorn (25.1 and later) otherwise listens on one at
    $XDG_RUNTIME_DIR/gunicorn.ctl or ~/.gunicorn/gunicorn.ctl, the same path for every
    server of a user, so two Journey servers on one host would take over and remove each
    other's. Journey manages its processes with signals and never uses `gunicornc`."""
    return {"bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            "workers": workers, "threads": threads, "timeout": timeout,
            "preload_app": False, "accesslog": None, "errorlog": "-",
            "proc_name": "journey", "control_socket_disable": True}


def run_gunicorn(config: Config, host: str, port: int, workers: int, *,
                 threads: int = 1, timeout: int = 300,
                 say: Callable[[str], None] = log.info) -> None:
    """Serve the app on host:port with `workers` gunicorn processes, until SIGTERM/SIGINT.

    `say` is told what the master did before it listens, and how long it took."""
    from gunicorn.app.base import BaseApplication

    from events.log import open_log
    from web.openbadges.service import KEY as BADGES

    # The master folds the decision state and prepares the Open Badges memo once; no
    # connection stays open across the fork.
    folded = open_log(config)
    try:
        started = time.perf_counter()
        position = folded.store.catch_up()
        say(f"folded the log's decision state ({position:,} events) in "
            f"{time.perf_counter() - started:.1f} s")
        badges = prepared_badges(folded.store, config, say)
    finally:
        folded.close()
    # What the workers inherit is not garbage: keep the collector off it, or each full
    # collection in a worker writes to (and copies) every page the objects sit on.
    gc.collect()
    gc.freeze()

    class _Journey(BaseApplication):
        def load_config(self) -> None:
            for key, value in gunicorn_settings(host, port, workers, threads=threads,
                                                timeout=timeout).items():
                # A gunicorn older than a setting has no such setting, nor what it turns
                # off (the control socket came in 25.1).
                if key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self) -> Any:
            from web.app import create_app

            app = create_app(config)
            # Start from the master's fold and fold what was appended since, before serving,
            # so no request waits for it; it must end within `timeout` (gunicorn restarts a
            # worker silent for longer, and loading counts). A worker respawned long after
            # the master's fold starts from a newer snapshot when there is one, and leaves
            # one after a long fold, for the next.
            store = app.extensions["journey"].store
            try:
                store.start_from(folded.store)
            except ValueError:  # the database no longer holds the master's fold (a restore)
                log.warning("the master's decision state is not of this log: folding it")
            store.catch_up(starting=True)
            if badges is not None:
                try:
                    app.extensions[BADGES].start_from(badges, store, config.instance_dir)
                except ValueError as exc:
                    log.warning("%s: the Open Badges catalogue is derived on its first "
                                "request", exc)
            return app

    _Journey().run()


def prepared_badges(store: EventStore, config: Config,
                    say: Callable[[str], None]) -> OpenBadges | None:
    """The Open Badges service with its catalogue derived (web/openbadges/service.py), for
    the workers to start from; None when it cannot be: the server still starts, and each
    worker derives the catalogue on its first Open Badges request."""
    from web.openbadges.service import OpenBadges

    started = time.perf_counter()
    try:
        badges = OpenBadges().prepare(store, config.instance_dir)
    except Exception as exc:  # noqa: BLE001 - the badges must not keep the server down
        log.exception("deriving the Open Badges catalogue failed")
        say(f"could not derive the Open Badges catalogue ({exc}); each worker derives it "
            "on its first Open Badges request")
        return None
    say(f"derived the Open Badges catalogue in {time.perf_counter() - started:.1f} s")
    return badges
