"""`journey worker`: fold the projections in a process of their own, until SIGTERM/SIGINT.

On PostgreSQL it LISTENs on the channel the store notifies in every append transaction
(delivered on commit), so a worker folds within milliseconds of an append in any process;
it still polls every `--poll` seconds, which covers a lost connection or a missed
notification. On SQLite it polls. Any number of workers may run: the folding lease keeps
two of them off one projection, and a worker started after another was killed resumes
from the checkpoints (stored in the transaction of the rows they cover).
"""
from __future__ import annotations

import logging
import math
import signal
import threading
import time
from typing import Any, Callable

import click

from events.sql import NOTIFY_CHANNEL

log = logging.getLogger("journey.worker")


class _Listener:
    """A PostgreSQL connection LISTENing on the append channel (reconnected on failure)."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self._conn: Any = None

    def wait(self, seconds: float) -> bool:
        """Block up to `seconds` for a notification; True if one came."""
        try:
            if self._conn is None:
                self._conn = self.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT")
                self._conn.exec_driver_sql(f"LISTEN {NOTIFY_CHANNEL}")
            driver = self._conn.connection.driver_connection
            got = False
            for _ in driver.notifies(timeout=seconds, stop_after=1):
                got = True
            # Drain what else is queued: one catch-up covers them all.
            for _ in driver.notifies(timeout=0):
                pass
            return got
        except Exception:  # noqa: BLE001 - the database went away: poll, reconnect later
            log.warning("LISTEN %s failed; polling until it reconnects", NOTIFY_CHANNEL,
                        exc_info=True)
            self.close()
            time.sleep(min(seconds, 1.0))
            return False

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.invalidate()
                self._conn.close()
            except Exception:  # noqa: BLE001
                pass
            self._conn = None


def run_worker(journey: Any, poll: float, stop: threading.Event,
               echo: Callable[[str], None] = lambda _: None) -> None:
    """Catch up, then wait for a notification (PostgreSQL) or the poll, until `stop`."""
    runner = journey.runner
    engine = journey.log.recorder.engine
    listener = _Listener(engine) if engine.dialect.name == "postgresql" else None
    echo(f"journey worker: folding {', '.join(runner.projections)} "
         f"({'LISTEN ' + NOTIFY_CHANNEL + ', ' if listener else ''}poll every {poll:g} s)")
    try:
        if listener is not None:
            listener.wait(0)  # LISTEN before the first catch-up: no append falls between
        while not stop.is_set():
            try:
                runner.catch_up(stop=stop)  # SIGTERM ends it after the batch in hand
            except Exception:  # noqa: BLE001 - survive a database outage; retry next round
                log.exception("projection catch-up failed; retrying")
            if listener is not None:
                # Short slices so SIGTERM is noticed promptly even inside the wait.
                deadline = time.monotonic() + poll
                while not stop.is_set():
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or listener.wait(min(remaining, 0.5)):
                        break
            else:
                stop.wait(poll)
    finally:
        if listener is not None:
            listener.close()


#: The longest --poll: beyond an hour a worker is as good as stopped while it waits.
MAX_POLL = 3600.0


def _finite(_ctx: click.Context, _param: click.Parameter, value: float) -> float:
    # FloatRange lets NaN through (no comparison with NaN is true): a worker would spin.
    if math.isnan(value):
        raise click.BadParameter("must be a number of seconds")
    return value


def register(main: click.Group, journey_of: Callable[[click.Context], Any]) -> None:
    @main.command()
    @click.option("--poll", default=1.0, show_default=True,
                  type=click.FloatRange(min=0.01, max=MAX_POLL), callback=_finite,
                  metavar="SECONDS", help="Fold at least this often (the fallback to NOTIFY).")
    @click.pass_context
    def worker(ctx: click.Context, poll: float) -> None:
        """Fold the projections in this process, in the foreground, until SIGTERM or Ctrl-C.

        Run it beside `journey serve --workers N` with JOURNEY_PROJECTIONS=worker, so the
        web processes only read. On PostgreSQL it is woken by LISTEN/NOTIFY after each
        commit; on SQLite it polls. Several workers may run; killing one loses nothing.

        \b
        Example:
          JOURNEY_PROJECTIONS=worker journey worker --poll 2
        """
        journey = journey_of(ctx)
        stop = threading.Event()

        def _stop(signum: int, _frame: Any) -> None:
            stop.set()

        previous = {s: signal.signal(s, _stop) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            run_worker(journey, poll, stop, lambda line: click.echo(line, err=True))
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
        click.echo("journey worker: stopped", err=True)
