"""Work done ahead in another process, its results taken in order, never too far ahead.

`journey import` spends about a third of each line's time reading it: decoding the JSON,
checking the envelope and the event's schema, building the event. None of that depends on
the log, so a second process can do it for the lines ahead while this one decides and
appends the lines before them (which depends on everything before, and stays here).

Why not `multiprocessing.Pool.imap`: it hands out every task at once and keeps whatever
comes back until it is asked for, so a reader faster than the appender (it is) would hold
a whole file of parsed lines in memory. Here at most `window` chunks are in flight.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class ReaderDied(RuntimeError):
    """The process working ahead ended before its work did (killed, or out of memory)."""


def spare_cpus() -> int:
    """CPUs this process may run on, besides the one it runs on."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count() or 1
    return max(0, usable - 1)


def in_order_ahead(work: Callable[[T], R], items: Iterable[T], *, window: int = 4
                   ) -> Iterator[R]:
    """work(item) for each item, done in one other process, yielded in the items' order.

    `work` and the items must pickle (a module-level function, or a functools.partial of
    one). The process is started fresh ("spawn": no connection or thread of this one is
    copied into it) and stopped when the iteration ends, also when it is abandoned.
    """
    pending: deque[Future[R]] = deque()
    with ProcessPoolExecutor(max_workers=1, initializer=_leave_interrupts_to_parent,
                             mp_context=multiprocessing.get_context("spawn")) as pool:
        try:
            source = iter(items)
            for item in source:
                pending.append(pool.submit(work, item))
                if len(pending) >= window:
                    break
            for item in source:
                done = pending.popleft().result()
                pending.append(pool.submit(work, item))
                yield done
            while pending:
                yield pending.popleft().result()
        except BrokenProcessPool:
            raise ReaderDied("the process working ahead stopped before its work was done "
                             "(killed, or out of memory)") from None
        finally:
            for future in pending:
                future.cancel()


def _leave_interrupts_to_parent() -> None:
    # Ctrl-C reaches the whole process group: the parent stops the work (and this process
    # with it) where it stands; this one must not die first with a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
