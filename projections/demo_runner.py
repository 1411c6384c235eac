"""Load the demo (journey/demo) into a log through the store's ordinary append path.

`load_demo(store)` feeds the generator's commands to `EventStore.submit_batch` in batches:
every command is decided by the domain rules exactly as an API call would be, each event
keeps the step's recorded_at (Options.recorded_at, the way `import --keep-recorded-at`
migrates history) and the store's clock reads the batch's last recorded_at while it runs
(restored afterwards), so `now` is the demo's moment, not today. Correlation ids are
`demo-<seed>-<demo position>`, so two loads of one seed export the same lines apart from
event_id and hash.

The demo must be 100% valid: the first refusal stops the load and raises DemoRefused
(what was appended before it stays, as with any batch). It loads into an empty log only:
its recorded_at lie in 2019-2025, and a log's recorded_at never goes backwards.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from events.store import EventStore, Options
from journey import errors
from journey.demo import DemoStep, generate, references, with_positions

BATCH = 500

Progress = Callable[[int, int], None]  # (events appended so far, events in the demo)


class DemoError(RuntimeError):
    """The demo cannot be loaded here (the log is not empty)."""


class DemoRefused(DemoError):
    """The domain refused a demo command: a bug in the generator, never to be ignored."""

    def __init__(self, step: DemoStep, refusal: errors.Refused) -> None:
        command = step.command
        kind = getattr(getattr(command, "event", None), "type", type(command).__name__)
        super().__init__(f"demo step at position {step.position} ({kind}, occurred "
                         f"{command.occurred_at.isoformat()}) was refused: {refusal}")
        self.step = step
        self.refusal = refusal


@dataclass(frozen=True)
class DemoReport:
    events: int
    communities: int
    members: int
    seconds: float


def load_demo(store: EventStore, seed: int = 1, scale: str = "small",
              progress: Progress | None = None, *, batch: int = BATCH) -> DemoReport:
    """Append the demo of `seed` at `scale` to an empty log; raise on any refusal."""
    started = time.monotonic()
    store.catch_up()
    if store.last_position() != 0:
        raise DemoError(f"the demo loads into an empty log only; this one already holds "
                        f"{store.last_position()} events")
    steps = list(generate(seed, scale))
    total = sum(s.size for s in steps)
    mapping: dict[int, int] = {}  # demo position -> log position (equal on an empty log)
    pending: list[DemoStep] = []
    done = 0
    saved_clock = store.clock

    def flush() -> None:
        nonlocal done
        if not pending:
            return
        moment: datetime = pending[-1].recorded_at
        store.clock = lambda: moment
        items = [(with_positions(step.command, mapping),
                  Options(recorded_at=step.recorded_at,
                          meta={"correlation_id": f"demo-{seed}-{step.position}",
                                "client": "journey demo"}))
                 for step in pending]
        result = store.submit_batch(items)
        for step, appended in zip(pending, result.results):
            for offset, position in enumerate(appended.positions):
                mapping[step.position + offset] = position
            done += len(appended.positions)
        if result.error is not None:
            raise DemoRefused(pending[result.error_index or 0], result.error) from result.error
        pending.clear()
        if progress is not None:
            progress(done, total)

    try:
        for step in steps:
            # A reference to an event of this very batch: append the batch first.
            if any(p not in mapping for p in references(step.command)):
                flush()
            pending.append(step)
            if len(pending) >= batch:
                flush()
        flush()
    finally:
        store.clock = saved_clock
    communities = sum(1 for s in steps if getattr(s.command, "event", None) is not None
                      and s.command.event.type == "CommunityFounded")
    members = sum(1 for s in steps if getattr(s.command, "event", None) is not None
                  and s.command.event.type == "MemberRegistered")
    return DemoReport(done, communities, members, time.monotonic() - started)
