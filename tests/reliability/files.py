"""JSON Lines files for `journey import` (the exchange format) used by several tests."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

BASE = datetime(2024, 1, 1, tzinfo=timezone.utc)
COMMUNITY = "c-imp"


def _t(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _line(type_name: str, actor: str, at: datetime, data: dict) -> str:
    return json.dumps({"type": type_name, "occurred_at": _t(at), "actor": actor,
                       "data": data}) + "\n"


def setup_file(path: Path) -> Path:
    """ana registers, founds COMMUNITY and facilitates it."""
    path.write_text(
        _line("MemberRegistered", "ana", BASE, {"member_id": "ana", "display_name": "Ana"})
        + _line("CommunityFounded", "ana", BASE + timedelta(seconds=1),
                {"community_id": COMMUNITY, "name": "CoP import", "domain": "SEL"})
        + _line("MemberJoined", "ana", BASE + timedelta(seconds=2),
                {"community_id": COMMUNITY, "member_id": "ana", "role": "facilitator"}))
    return path


def writer_file(path: Path, writer: int, resources: int, *, sessions: bool = False) -> Path:
    """Member m-<writer> registers, joins, then shares `resources` resources (and, with
    `sessions`, leads a session every tenth line)."""
    member = f"m-{writer}"
    day = BASE + timedelta(days=1)
    lines = [_line("MemberRegistered", member, day, {"member_id": member,
                                                     "display_name": f"Teacher {writer}"}),
             _line("MemberJoined", "ana", day + timedelta(seconds=1),
                   {"community_id": COMMUNITY, "member_id": member, "role": "member",
                    "invited_by": "ana"})]
    for n in range(resources):
        at = day + timedelta(days=1, minutes=n)
        if sessions and n % 10 == 9:
            lines.append(_line("SessionLed", member, at,
                               {"community_id": COMMUNITY, "session_id": f"s-{writer}-{n}",
                                "leaders": [member], "title": f"Session {n}",
                                "format": "meeting", "attendees": ["ana"]}))
        else:
            lines.append(_line("ResourceShared", member, at,
                               {"community_id": COMMUNITY, "resource_id": f"r-{writer}-{n}",
                                "member_id": member, "title": f"Plan {n}",
                                "kind": "lesson_plan"}))
    path.write_text("".join(lines))
    return path
