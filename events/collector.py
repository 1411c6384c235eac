"""Pausing the cyclic garbage collector through a long fold, where nothing else runs.

A fold makes millions of short-lived objects (rows, events, records) and no cycles: the
collector's passes over them find nothing and only cost time. The switch is process-wide,
so it is flipped only where no other thread runs (a command, gunicorn's master before it
forks): a web worker's requests must keep their collections.
"""
from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[bool]:
    """No automatic collections inside the block, when this thread is the only one; yields
    whether it paused them."""
    quiet = gc.isenabled() and threading.active_count() == 1
    if quiet:
        gc.disable()
    try:
        yield quiet
    finally:
        if quiet:
            gc.enable()
