"""`journey demo`: a deterministic generator of the seeds' four stories, as domain commands.

    for step in generate(seed=1, scale="small"):
        step.command      # RecordEvent or HandOverFacilitation, judged by journey.decide
        step.recorded_at  # when a live installation would have learned it
        step.position     # its first event's position if the demo were the whole log

Pure and stdlib-only: one `random.Random(seed)` and fixed dates, no clock, no uuid, no set
iteration, so the same seed yields equal commands on every run and machine. Steps come in
non-decreasing recorded_at, each recorded_at ≥ its occurred_at and ≤ 2025-12-31.

References to other events (RecognitionAwarded.evidence, EntryRetracted.position,
EntryCorrected.position, ReflectionRecorded.about) hold *demo positions*: the 1-based
position the referenced event has when the demo's events are the whole log, counting two
for a hand-over (which appends two RoleChanged). This is how `journey import` maps the
positions of a file's lines, and it keeps the commands plain data that two runs can
compare. On an empty log, demo positions are the log's positions; a runner appending
elsewhere maps them with `with_positions(command, mapping)` (`references(command)` lists
them), as projections/demo_runner.py does.

Scales: "small" (the default; a few tens of thousands of events) tells each story once;
"full" (≥ 200,000 events, for benchmarks) repeats them as further cohorts in other
places with other people.
"""
from __future__ import annotations

import dataclasses
import heapq
import random
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterator, Mapping

from journey.demo.engine import END, Item, Program
from journey.demo.scenarios import (MK_COMMUNITIES, MK_NETWORK, PTP_ASPIRING_TITLE,
                                    PTP_COACH_TITLE, PTP_COMMUNITY, PTP_NETWORK, PTP_STAFF_TITLE,
                                    QHL_COMMUNITY, QHL_NETWORK, RS_COMMUNITIES, RS_HORIZONTAL,
                                    RS_NETWORK, cross_border, macedonia, pathways, serbia)
from journey.events import EntryCorrected, EntryRetracted, RecognitionAwarded, ReflectionRecorded
from journey.records import Command, HandOverFacilitation, RecordEvent

__all__ = ["DemoStep", "Scale", "SCALES", "generate", "references", "with_positions", "END",
           "RS_NETWORK", "RS_COMMUNITIES", "RS_HORIZONTAL", "QHL_NETWORK", "QHL_COMMUNITY",
           "PTP_NETWORK", "PTP_COMMUNITY", "PTP_STAFF_TITLE", "PTP_COACH_TITLE",
           "PTP_ASPIRING_TITLE", "MK_NETWORK", "MK_COMMUNITIES"]


@dataclass(frozen=True)
class DemoStep:
    """One command of the demo and the moment it is recorded."""

    command: Command
    recorded_at: datetime
    #: The demo position of the first event the command appends (1-based).
    position: int

    @property
    def size(self) -> int:
        """How many events the command appends: two for a hand-over, else one."""
        return 2 if isinstance(self.command, HandOverFacilitation) else 1


@dataclass(frozen=True)
class Scale:
    """How many times each story is told (each cohort in other places, with other people)."""

    cohorts: int


SCALES: dict[str, Scale] = {"small": Scale(cohorts=1), "full": Scale(cohorts=30)}

_STORIES: tuple[Callable[[Program, int], object], ...] = (serbia, cross_border, pathways,
                                                           macedonia)


def generate(seed: int = 1, scale: str = "small") -> Iterator[DemoStep]:
    """The demo's commands, in the order they are to be appended."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}: use one of {', '.join(SCALES)}")
    program = Program(random.Random(seed))
    scripts = [story(program, cohort) for cohort in range(1, SCALES[scale].cohorts + 1)
               for story in _STORIES]
    timelines = [script.timeline() for script in scripts]  # type: ignore[attr-defined]
    position = 0
    last = None
    for item in heapq.merge(*timelines, key=lambda i: i.rec):
        item.position = position + 1
        position += item.size
        assert last is None or item.rec >= last
        assert item.occ <= item.rec <= END
        last = item.rec
        yield DemoStep(_resolved(item), item.rec, item.position)


def _resolved(item: Item):
    command = item.command
    if not item.refs:
        return command
    changes = {}
    for name, targets in item.refs:
        positions = tuple(t.position for t in targets)
        if not all(0 < p < item.position for p in positions):
            raise AssertionError(f"a demo reference points forward: {command}")
        changes[name] = positions[0] if name == "position" else positions
    event = dataclasses.replace(command.event, **changes)
    return dataclasses.replace(command, event=event)


def references(command: Command) -> tuple[int, ...]:
    """The log positions a command refers to (evidence, retracted or corrected, about)."""
    if not isinstance(command, RecordEvent):
        return ()
    event = command.event
    if isinstance(event, (EntryRetracted, EntryCorrected)):
        return (event.position,)
    if isinstance(event, RecognitionAwarded):
        return tuple(event.evidence or ())
    if isinstance(event, ReflectionRecorded):
        return tuple(event.about or ())
    return ()


def with_positions(command: Command, mapping: Mapping[int, int]) -> Command:
    """The command with its demo positions replaced by `mapping[demo position]`."""
    refs = references(command)
    if not refs or all(mapping[p] == p for p in refs):
        return command
    assert isinstance(command, RecordEvent)
    event = command.event
    if isinstance(event, (EntryRetracted, EntryCorrected)):
        event = dataclasses.replace(event, position=mapping[event.position])
    elif isinstance(event, RecognitionAwarded):
        event = dataclasses.replace(event, evidence=tuple(mapping[p] for p in event.evidence or ()))
    elif isinstance(event, ReflectionRecorded):
        event = dataclasses.replace(event, about=tuple(mapping[p] for p in event.about or ()))
    return dataclasses.replace(command, event=event)
