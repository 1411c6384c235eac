"""The OpenAPI document says what the server answers: every status a crafted bad request
gets is one its operation documents, with the documented error body."""
from __future__ import annotations

import json
import re
from typing import Any

from jsonschema import Draft4Validator, FormatChecker

from tests.web.conftest import Site

# Known and unknown values for the ids in the paths.
KNOWN = {"member_id": "ivan", "community_id": "vrsac-1", "network_id": "sel-serbia"}
SESSION = {"community_id": "vrsac-1", "session_id": "s-doc", "leaders": ["ana"],
           "title": "Documented", "format": "workshop"}
TOO_BIG = b'{"data": "' + b"x" * (1024 * 1024) + b'"}'


def _url(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{([a-z_]+)\}", lambda m: ids[m.group(1)], path)


def _unknown_url(path: str) -> str | None:
    """The path with an id the log does not know (None: the path names none)."""
    if path.startswith("/api/events/"):
        return "/api/events/Nope"  # the same route: an event type that does not exist
    if "{" not in path:
        return None
    return _url(path, {name: "nowhere" for name in KNOWN})


def _reads(site: Site, path: str) -> list[tuple[str, Any]]:
    url = _url(path, KNOWN)
    tried = [("anonymous", site.client.get(url)),
             ("unknown query parameter", site.get("root", f"{url}?colour=red")),
             ("min_position past the end", site.get("root", f"{url}?min_position=999999")),
             ("as_of that is no time", site.get("root", f"{url}?as_of=soon")),
             ("a member of another community", site.get("mila", url))]
    unknown = _unknown_url(path)
    if unknown is not None:
        tried.append(("unknown id", site.get("root", unknown)))
    return tried


def _writes(site: Site, path: str, method: str) -> list[tuple[str, Any]]:
    url = _url(path, KNOWN)
    ana = site.as_("root" if path.endswith("/issuer") else "ana")  # the issuer: admins'

    def post(who: dict[str, str], body: bytes, content_type: str | None = "application/json",
             target: str = url, **headers: str):
        if content_type is not None:
            headers["Content-Type"] = content_type
        return site.client.open(target, method=method.upper(), data=body,
                                headers={**who, **headers})

    tried = [("anonymous", post({}, b"{}")),
             ("text/plain", post(ana, b"{}", "text/plain")),
             ("no Content-Type", post(ana, b"{}", None)),
             ("malformed JSON", post(ana, b"{")),
             ("schema errors", post(ana, b"{}")),
             ("over 1 MiB", post(ana, TOO_BIG)),
             ("a malformed If-Match", post(ana, b'{"data": {}}', **{"If-Match": "soon"}))]
    unknown = _unknown_url(path)
    if unknown is not None:
        tried.append(("unknown id", post(ana, b'{"data": {}}', target=unknown)))
    if path == "/api/events/SessionLed":
        body = json.dumps({"data": SESSION}).encode()
        tried += [("a stale If-Match", post(ana, body, **{"If-Match": '"1"'})),
                  ("someone else's session", post(site.as_("ivan"), body))]
    return tried


def test_every_status_the_server_answers_is_documented(sqlite_site: Site) -> None:
    document = sqlite_site.client.get("/api/openapi.json").json
    error = Draft4Validator(document["components"]["schemas"]["Error"])
    undocumented, bad_bodies, seen = [], [], set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            tried = (_reads(sqlite_site, path) if method == "get"
                     else _writes(sqlite_site, path, method))
            for case, response in tried:
                status = str(response.status_code)
                seen.add(status)
                if status not in operation["responses"]:
                    undocumented.append((method.upper(), path, case, status,
                                         response.get_json()))
                elif response.status_code >= 400:
                    problems = [e.message for e in error.iter_errors(response.get_json())]
                    if problems:
                        bad_bodies.append((method.upper(), path, case, problems))
    assert undocumented == []
    assert bad_bodies == []
    # The crafted requests reach every error the document names but the rare ones.
    assert {"400", "401", "403", "404", "409", "413", "415", "422"} <= seen


def test_a_method_a_path_does_not_list_is_405_with_allow(sqlite_site: Site) -> None:
    """The document's introduction promises it for every path (OpenAPI cannot list it per
    path without inventing operations)."""
    document = sqlite_site.client.get("/api/openapi.json").json
    assert "405" in document["info"]["description"]
    for path, operations in document["paths"].items():
        url = _url(path, KNOWN)
        response = sqlite_site.client.delete(url, headers=sqlite_site.as_("root"))
        assert response.status_code == 405, (path, response.status_code)
        assert response.get_json()["error"] == "method_not_allowed"
        allowed = set(response.headers["Allow"].split(", "))
        assert {m.upper() for m in operations} <= allowed, path


def test_if_match_star_is_documented_and_accepted(sqlite_site: Site) -> None:
    document = sqlite_site.client.get("/api/openapi.json").json
    header = next(p for p in document["paths"]["/api/events/SessionLed"]["post"]["parameters"]
                  if p["name"] == "If-Match")
    pattern = re.compile(header["schema"]["pattern"])
    for value in ("*", '"3"', "3", 'W/"3"'):
        assert pattern.search(value), value
    assert not pattern.search("soon")
    response = sqlite_site.client.post("/api/events/SessionLed", json={"data": SESSION},
                                       headers={**sqlite_site.as_("ana"), "If-Match": "*"})
    assert response.status_code == 201, response.get_json()


# What the server reads as a moment (journey.clock.parse_time), and what it refuses.
MOMENTS = ["2024-03-01", "2024-03-01T10:00:00Z", "2024-03-01T10:00:00.5+01:00"]
NOT_MOMENTS = ["soon", "2024-13-01", "2024-03-01T10:00:00"]


def _parameter(document: dict, path: str, name: str) -> dict[str, Any]:
    return next(p for p in document["paths"][path]["get"]["parameters"] if p["name"] == name)


def test_time_parameters_say_what_the_server_accepts(sqlite_site: Site) -> None:
    """as_of, from, to and period take a day or an RFC 3339 time: the document says both."""
    document = sqlite_site.client.get("/api/openapi.json").json
    checker = FormatChecker()
    leadership = "/api/communities/{community_id}/leadership"
    url = _url(leadership, KNOWN)
    for name in ("as_of", "from", "to"):
        schema = Draft4Validator(_parameter(document, leadership, name)["schema"],
                                 format_checker=checker)
        for value in MOMENTS:
            assert schema.is_valid(value), (name, value)
            # Read (200), or, as of a moment before the story was recorded, unknown (404).
            assert sqlite_site.get("root", f"{url}?{name}={value.replace('+', '%2B')}"
                                   ).status_code in (200, 404), (name, value)
        for value in NOT_MOMENTS:
            assert not schema.is_valid(value), (name, value)
            assert sqlite_site.get("root", f"{url}?{name}={value}").status_code == 400
    period = Draft4Validator(_parameter(document, "/api/evaluation", "period")["schema"],
                             format_checker=checker)
    for value in [f"{a}..{b}" for a in ["", *MOMENTS] for b in ["", "2025-01-01T00:00:00Z"]]:
        assert period.is_valid([value]), value
        assert sqlite_site.get("vera", "/api/evaluation?community=vrsac-1&period="
                               + value.replace("+", "%2B")).status_code == 200, value
    assert not period.is_valid(["2024"]) and not period.is_valid(["soon..later"])
    body = document["components"]["schemas"]["SessionLedRequest"]["properties"]["occurred_at"]
    occurred = Draft4Validator(body, format_checker=checker)
    assert all(occurred.is_valid(v) for v in MOMENTS)
    assert not any(occurred.is_valid(v) for v in NOT_MOMENTS)
