"""Time N single `store.execute` appends (one command, one transaction each) on a new log.

    .venv/bin/python scripts/bench_appends.py --appends 10000 [--database-url URL]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from events.log import init_log, open_log
from journey.clock import parse_time
from journey.config import Config
from journey.events import CommunityFounded, MemberJoined, MemberRegistered, ResourceShared
from journey.records import RecordEvent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appends", type=int, default=10_000)
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="journey-bench-"))
    config = Config(database_url=args.database_url or f"sqlite:///{folder / 'journey.db'}",
                    instance_dir=folder / "instance", base_url="http://127.0.0.1:5000")
    init_log(config)
    log = open_log(config)
    store = log.store
    at = parse_time("2022-01-10T08:00:00Z")
    for event in (MemberRegistered(member_id="ana", display_name="Ana Petrović"),
                  CommunityFounded(community_id="c-1", name="CoP", domain="SEL"),
                  MemberJoined(community_id="c-1", member_id="ana", role="facilitator")):
        at += timedelta(minutes=1)
        store.execute(RecordEvent(event, "ana", at))
    started = time.perf_counter()
    for n in range(args.appends):
        at += timedelta(seconds=1)
        store.execute(RecordEvent(ResourceShared(
            community_id="c-1", resource_id=f"r-{n}", member_id="ana", title=f"Plan {n}",
            kind="lesson_plan"), "ana", at))
    seconds = time.perf_counter() - started
    log.close()
    print(f"{args.appends} single appends in {seconds:.2f} s: "
          f"{args.appends / seconds:,.0f} events/s ({config.database_url})")


if __name__ == "__main__":
    main()
