"""A short exchange-format story for the integration tests, and a log to import it into.

vrsac-1 in sel-serbia: ana facilitates, ivan is a member; ivan leads a session, shares a
resource and reflects on the session; ana defines a badge and awards it to ivan with the
session and the resource as evidence; ivan corrects the session's title and retracts the
resource. The file's positions are 100, 110, 120, ... so that references must be mapped.
"""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from events.log import Log, init_log, open_log
from journey.clock import format_time, parse_time
from journey.config import Config
from projections.app import Journey, init_journey, open_journey

IVAN_NAME = "Ivan Jovanović"
IVAN_EMAIL = "ivan.jovanovic@example.org"
IVAN_REFLECTION = "Leading my first session taught me to ask before I explain."


def installation_config(database_url: str, tmp_path: Path) -> Config:
    """The configuration of an installation on `database_url`, its instance in tmp_path."""
    return Config(database_url=database_url, instance_dir=tmp_path / "instance",
                  base_url="http://127.0.0.1:5000")


def open_test_log(database_url: str, tmp_path: Path) -> Log:
    """An initialised, empty log on `database_url` with its instance in tmp_path."""
    config = installation_config(database_url, tmp_path)
    init_log(config)
    return open_log(config)


def open_test_journey(database_url: str, tmp_path: Path) -> Journey:
    """An initialised, empty installation (log and projections), as open_test_log."""
    config = installation_config(database_url, tmp_path)
    init_journey(config)
    return open_journey(config)


def label(index: int) -> int:
    """The file position of the line at 0-based `index`."""
    return 100 + 10 * index


def story() -> list[dict[str, Any]]:
    """The story's lines (position = label, recorded_at an hour after occurred_at)."""
    body: list[tuple[str, str, dict[str, Any]]] = [
        ("MemberRegistered", "ana", {"member_id": "ana", "display_name": "Ana Petrović",
                                     "email": "ana.petrovic@example.org"}),
        ("MemberRegistered", "ivan", {"member_id": "ivan", "display_name": IVAN_NAME,
                                      "email": IVAN_EMAIL, "job_title": "Mathematics teacher"}),
        ("NetworkCreated", "ana", {"network_id": "sel-serbia", "name": "SEL Serbia"}),
        ("CommunityFounded", "ana", {"community_id": "vrsac-1", "name": "CoP Vršac",
                                     "domain": "Social-emotional learning",
                                     "network_id": "sel-serbia"}),
        ("MemberJoined", "ana", {"community_id": "vrsac-1", "member_id": "ana",
                                 "role": "facilitator"}),
        ("MemberJoined", "ana", {"community_id": "vrsac-1", "member_id": "ivan",
                                 "role": "member", "invited_by": "ana"}),
        ("SessionLed", "ivan", {"community_id": "vrsac-1", "session_id": "s-1",
                                "leaders": ["ivan"], "title": "Student survy",
                                "format": "workshop", "attendees": ["ana"]}),
        ("ResourceShared", "ivan", {"community_id": "vrsac-1", "resource_id": "r-1",
                                    "member_id": "ivan", "title": "Survey questions",
                                    "kind": "survey"}),
        ("ReflectionRecorded", "ivan", {"reflection_id": "rf-1", "member_id": "ivan",
                                        "text": IVAN_REFLECTION, "community_id": "vrsac-1",
                                        "visibility": "community", "value_cycle": "immediate",
                                        "about": [label(6)]}),
        ("BadgeDefined", "ana", {"badge_id": "b-1", "community_id": "vrsac-1",
                                 "name": "First session", "description": "Led a session",
                                 "criteria": "Lead a session of the community"}),
        ("RecognitionAwarded", "ana", {"award_id": "aw-1", "community_id": "vrsac-1",
                                       "member_id": "ivan", "badge_id": "b-1",
                                       "awarded_by": "ana", "evidence": [label(6), label(7)],
                                       "note": "Well done"}),
        ("EntryCorrected", "ivan", {"position": label(6), "corrected_by": "ivan",
                                    "fields": {"title": "Student survey"},
                                    "reason": "typo"}),
        ("EntryRetracted", "ivan", {"position": label(7), "retracted_by": "ivan",
                                    "reason": "shared by mistake"}),
    ]
    start = parse_time("2024-01-10T09:00:00Z")
    lines = []
    for index, (type_name, actor, data) in enumerate(body):
        occurred = start + timedelta(days=index)
        lines.append({"type": type_name, "occurred_at": format_time(occurred), "actor": actor,
                      "data": data, "position": label(index),
                      "recorded_at": format_time(occurred + timedelta(hours=1))})
    return lines


def jsonl(lines: list[dict[str, Any]]) -> list[str]:
    """Lines of a JSON Lines file."""
    return [json.dumps(line, ensure_ascii=False) + "\n" for line in lines]
