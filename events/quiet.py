"""The interpreter tuned for a long fold, in a process where nothing else runs.

A fold makes millions of short-lived objects (rows, events, records) and no cycles: the
cyclic collector's passes over them find nothing and only cost time, so it pauses. A long
catch-up of the projections writes in a second thread (projections/runner.py), which
comes back from every database call needing the GIL while the folding thread holds it:
with the default switch interval it waits up to 5 ms each time, so the interval shortens.
Both switches are process-wide: they are flipped only where no other thread runs (a
command, a worker, gunicorn's master before it forks), never under a web worker's requests.
An import is such a fold too: its lines become commands, rows and state, and no cycles.

A rebuild of 100,000 events on SQLite: 3.76-4.22 s as it was, 3.26-3.52 s with the
collector paused, 2.83-2.99 s with the interval at 0.5 ms too (against 3.26-3.50 s in
the same run). 0.2 ms was no better.
"""
from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SWITCH_INTERVAL = 0.0005  # seconds


@contextmanager
def quiet_fold() -> Iterator[bool]:
    """Inside the block, no automatic collections and a short switch interval, when this
    thread is the process's only one; yields whether it changed them."""
    quiet = gc.isenabled() and threading.active_count() == 1
    if not quiet:
        yield False
        return
    interval = sys.getswitchinterval()
    shorten = interval > SWITCH_INTERVAL
    gc.disable()
    if shorten:
        sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        yield True
    finally:
        if shorten:
            sys.setswitchinterval(interval)
        gc.enable()
