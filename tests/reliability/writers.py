"""What one concurrent API writer does (a thread here, or a process over HTTP).

Writer `w` appends `count` events; `shape` "one" puts them all on community-vrsac-1
(ResourceShared by ivan or ana), "many" on streams of their own (MemberRegistered by the
admin, stream member-<id>). Writers with `if_match` send the stream version they last saw
("one"; a 409 is then counted and the same command retried without it) or "0" ("many":
the stream must be new, so it never conflicts). Returns what was
acknowledged and every non-2xx answer.
"""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any, Callable


def command(shape: str, writer: int, n: int) -> tuple[str, str, dict[str, Any]]:
    """(who, type, data) of writer's n-th event; its id is unique across the run."""
    ident = f"w{writer}-e{n}"
    if shape == "one":
        who = "ivan" if writer % 2 else "ana"
        return who, "ResourceShared", {"community_id": "vrsac-1", "resource_id": f"r-{ident}",
                                       "member_id": who, "title": f"Plan {ident}",
                                       "kind": "lesson_plan"}
    return "root", "MemberRegistered", {"member_id": f"m-{ident}", "display_name": f"T {ident}"}


Post = Callable[[str, str, dict[str, Any], dict[str, str]], tuple[int, dict[str, Any]]]


def write(post: Post, shape: str, writer: int, count: int, if_match: bool) -> dict[str, Any]:
    acked: list[dict[str, Any]] = []
    conflicts = 0
    failures: list[tuple[int, Any]] = []
    version: int | None = None
    for n in range(count):
        who, type_name, data = command(shape, writer, n)
        body = {"data": data, "occurred_at": "2024-03-01T10:00:00Z"}
        if not if_match:
            headers = {}
        elif shape == "many":
            headers = {"If-Match": '"0"'}  # each event opens a new stream: expect it empty
        else:
            headers = {"If-Match": f'"{version}"'} if version is not None else {}
        for _ in range(50):
            status, answer = post(who, type_name, body, headers)
            if status == 409 and headers:
                conflicts += 1
                headers = {}
                continue
            break
        if status in (200, 201):
            acked.append({"id": data.get("resource_id") or data["member_id"],
                          "position": answer["position"], "stream": answer["stream"],
                          "version": answer["version"]})
            version = answer["version"]
        else:
            failures.append((status, answer))
    return {"writer": writer, "acked": acked, "conflicts": conflicts, "failures": failures,
            "if_match": if_match}


def http_writer(args: tuple[str, dict[str, str], str, int, int, bool]) -> dict[str, Any]:
    """A writer process: POSTs over HTTP to `base` with the given tokens."""
    base, tokens, shape, writer, count, if_match = args

    def post(who, type_name, body, headers):
        request = urllib.request.Request(
            f"{base}/api/events/{type_name}", data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json",
                     "Authorization": f"Bearer {tokens[who]}",
                     # a retry after a dropped connection must not append twice
                     "Idempotency-Key": f"{type_name}-{body['data'].get('resource_id') or body['data']['member_id']}",
                     **headers})
        for attempt in range(100):
            try:
                with urllib.request.urlopen(request, timeout=60) as answer:
                    return answer.status, json.loads(answer.read())
            except urllib.error.HTTPError as exc:
                with exc:  # close its connection here, not in the garbage collector
                    return exc.code, json.loads(exc.read() or b"null")
            except (ConnectionError, urllib.error.URLError):
                # the development server's listen backlog overflowed: nothing was
                # acknowledged, so sending again is what a client does
                time.sleep(0.05 * (attempt + 1))
        raise RuntimeError("server unreachable")

    return write(post, shape, writer, count, if_match)
