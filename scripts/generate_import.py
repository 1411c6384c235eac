"""Write a valid exchange file of any length, for measuring `journey import`.

One network, a few communities with a facilitator and members each, then many
ResourceShared and SessionLed lines (with some reuse), all accepted by the domain rules.

    .venv/bin/python scripts/generate_import.py --lines 100000 > /tmp/big.jsonl
    journey import /tmp/big.jsonl
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import datetime, timedelta, timezone

START = datetime(2022, 1, 10, 8, 0, tzinfo=timezone.utc)


def generate(lines: int, communities: int, members: int, seed: int):
    """Yield exchange-format objects: the setup, then content until `lines` in all."""
    rng = random.Random(seed)
    clock = START

    def at(step_minutes: int = 1) -> str:
        nonlocal clock
        clock += timedelta(minutes=step_minutes)
        return clock.strftime("%Y-%m-%dT%H:%M:%SZ")

    people = [f"m-{i:05d}" for i in range(members)]
    founders = people[:communities]
    for person in people:
        yield {"type": "MemberRegistered", "occurred_at": at(), "actor": person,
               "data": {"member_id": person, "display_name": f"Educator {person[2:]}",
                        "email": f"{person}@example.org"}}
    yield {"type": "NetworkCreated", "occurred_at": at(), "actor": founders[0],
           "data": {"network_id": "net-1", "name": "Generated network"}}
    rosters: dict[str, list[str]] = {}
    for index, founder in enumerate(founders):
        community = f"c-{index:03d}"
        yield {"type": "CommunityFounded", "occurred_at": at(), "actor": founder,
               "data": {"community_id": community, "name": f"Community {index}",
                        "domain": "Social-emotional learning", "network_id": "net-1"}}
        yield {"type": "MemberJoined", "occurred_at": at(), "actor": founder,
               "data": {"community_id": community, "member_id": founder, "role": "facilitator"}}
        rosters[community] = [founder]
    for index, person in enumerate(people[communities:]):
        community = f"c-{index % communities:03d}"
        founder = rosters[community][0]
        yield {"type": "MemberJoined", "occurred_at": at(), "actor": founder,
               "data": {"community_id": community, "member_id": person, "role": "member",
                        "invited_by": founder}}
        rosters[community].append(person)
    written = members + 1 + 2 * communities + (members - communities)
    shared: dict[str, list[str]] = {c: [] for c in rosters}
    for n in range(max(0, lines - written)):
        community = rng.choice(list(rosters))
        roster = rosters[community]
        person = rng.choice(roster)
        kind = n % 3
        if kind == 0:
            resource = f"r-{n}"
            shared[community].append(resource)
            yield {"type": "ResourceShared", "occurred_at": at(), "actor": person,
                   "data": {"community_id": community, "resource_id": resource,
                            "member_id": person, "title": f"Lesson plan {n}",
                            "kind": "lesson_plan", "tags": ["sel"]}}
        elif kind == 1 or not shared[community]:
            attendees = sorted(set(rng.sample(roster, min(3, len(roster)))) - {person})
            yield {"type": "SessionLed", "occurred_at": at(), "actor": person,
                   "data": {"community_id": community, "session_id": f"s-{n}",
                            "leaders": [person], "title": f"Session {n}", "format": "meeting",
                            "attendees": attendees}}
        else:
            yield {"type": "ResourceReused", "occurred_at": at(), "actor": person,
                   "data": {"community_id": community,
                            "resource_id": rng.choice(shared[community][-50:]),
                            "member_id": person, "note": "Used it with my class."}}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--communities", type=int, default=10)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    out = sys.stdout
    for obj in generate(args.lines, args.communities, args.members, args.seed):
        out.write(json.dumps(obj, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
