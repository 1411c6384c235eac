"""The OpenAPI document describes the answers of the most used reads as the server gives them:
each real answer validates against its operation's 200 schema (OpenAPI 3.0: `nullable`),
and names no key the schema leaves out."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker

from journey.clock import UTC, format_time
from projections.demo_runner import load_demo
from tests.web.conftest import PASSWORD, Site, make_app, sign_in
from web.app import close_app
from web.api.openapi import build_spec

LEADERSHIP = "/api/communities/{community_id}/leadership"
NETWORK_LEADERSHIP = "/api/networks/{network_id}/leadership"
PORTFOLIO = "/api/members/{member_id}/portfolio"
BADGES = "/api/members/{member_id}/badges"
ARCHIVE = "/api/members/{member_id}/archive"
COMMUNITY = "/api/communities/{community_id}"
COMMUNITY_BADGES = "/api/communities/{community_id}/badges"
DESCRIBED = ["/api/me", PORTFOLIO, BADGES, ARCHIVE, "/api/communities", COMMUNITY,
             COMMUNITY_BADGES, LEADERSHIP, NETWORK_LEADERSHIP, "/api/evaluation",
             "/api/events", "/api/verify"]


def _answer_schema(document: dict[str, Any], path: str) -> dict[str, Any]:
    """The 200 schema of GET `path`, with the components its $refs point into."""
    schema = document["paths"][path]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"]
    return {"allOf": [schema], "components": document["components"]}


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema a value is described by: $refs followed, and of a nullable nested
    object (anyOf [$ref, null]) the object's."""
    while True:
        if "$ref" in schema:
            schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        elif "allOf" in schema and len(schema["allOf"]) == 1:
            schema = schema["allOf"][0]
        elif "anyOf" in schema and "$ref" in schema["anyOf"][0]:
            schema = schema["anyOf"][0]
        else:
            return schema


def _unlisted(document: dict[str, Any], schema: dict[str, Any], value: Any,
              where: str = "") -> list[str]:
    """Keys of `value` that its (described) schema does not list, at any depth.

    The answers allow more keys (additionalProperties: true, for clients to come), so the
    validator lets an undocumented key pass; this says where the document fell behind."""
    schema = _resolve(document, schema)
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [u for i, item in enumerate(value)
                for u in _unlisted(document, schema["items"], item, f"{where}[{i}]")]
    if not isinstance(value, dict):
        return []
    if "properties" not in schema:
        extra = schema.get("additionalProperties")
        return ([u for k, v in value.items()
                 for u in _unlisted(document, extra, v, f"{where}.{k}")]
                if isinstance(extra, dict) and extra else [])
    out = [f"{where}.{k}" for k in value if k not in schema["properties"]]
    for k, v in value.items():
        if k in schema["properties"]:
            out += _unlisted(document, schema["properties"][k], v, f"{where}.{k}")
    return out


def _problems(document: dict[str, Any], path: str, body: Any) -> list[str]:
    validator = OAS30ReadValidator(_answer_schema(document, path),
                                   format_checker=oas30_format_checker)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(body)]


def _answers(site: Site) -> list[tuple[str, str, Any]]:
    """(path, what was asked, the 200 body) for each described read, in its variants."""
    now = format_time(datetime.now(UTC))  # after the story was recorded
    asked = [
        ("/api/me", "ivan", "/api/me"),
        ("/api/me", "root", "/api/me"),  # an admin without a member: member_id null
        ("/api/members/{member_id}/portfolio", "ivan", "/api/members/ivan/portfolio"),
        ("/api/members/{member_id}/portfolio", "ana",
         f"/api/members/ivan/portfolio?timeline_limit=2&timeline_offset=1&as_of={now}"),
        ("/api/members/{member_id}/portfolio", "root",
         "/api/members/ivan/portfolio?kind=session&from=2024-01-01&to=2025-01-01"),
        (LEADERSHIP, "ana", "/api/communities/vrsac-1/leadership"),
        (LEADERSHIP, "ana", "/api/communities/vrsac-1/leadership?trend=true"
                            f"&from=2024-01-01&to=2024-07-01&as_of={now}"),
        # No session in the window: the ratios DESIGN calls "none" are null.
        (LEADERSHIP, "vera", "/api/communities/nis-2/leadership?from=2030-01-01"),
        (NETWORK_LEADERSHIP, "vera", "/api/networks/sel-serbia/leadership?trend=true"),
        (NETWORK_LEADERSHIP, "vera", "/api/networks/sel-serbia/leadership?to=2024-01-01"),
        ("/api/events", "root", "/api/events?after=0&limit=2"),  # next_after: a position
        ("/api/events", "root", "/api/events?after=3"),  # to the end: next_after null
        ("/api/events", "root", f"/api/events?after={site.log_length()}"),  # empty
        ("/api/verify", "vera", "/api/verify"),
        (BADGES, "ivan", "/api/members/ivan/badges"),
        (BADGES, "root", f"/api/members/ivan/badges?as_of={now}"),
        (ARCHIVE, "ivan", "/api/members/ivan/archive"),
        ("/api/communities", "ana", "/api/communities"),
        ("/api/communities", "vera", "/api/communities"),
        (COMMUNITY, "ana", "/api/communities/vrsac-1"),
        (COMMUNITY, "vera", f"/api/communities/nis-2?as_of={now}"),
        (COMMUNITY_BADGES, "ana", "/api/communities/vrsac-1/badges"),
        ("/api/evaluation", "vera", "/api/evaluation?community=nis-2&community=vrsac-1"
                                    "&period=2024-01-01..2024-07-01&period=2024-07-01.."),
    ]
    out = []
    for path, who, url in asked:
        response = site.get(who, url)
        assert response.status_code == 200, (url, response.get_json())
        out.append((path, f"{who} GET {url}", response.get_json()))
    # A cookie session also gets the CSRF token it writes with.
    client = site.client
    sign_in(client, "ana")
    response = client.get("/api/me")
    assert response.status_code == 200 and "csrf_token" in response.get_json()
    out.append(("/api/me", "ana's session GET /api/me", response.get_json()))
    return out


def test_the_answers_validate_against_the_document(sqlite_site: Site) -> None:
    document = sqlite_site.client.get("/api/openapi.json").json
    answers = _answers(sqlite_site)
    assert {path for path, _, _ in answers} == set(DESCRIBED)
    invalid = [(what, problems) for path, what, body in answers
               if (problems := _problems(document, path, body))]
    unlisted = [(what, keys) for path, what, body in answers
                if (keys := _unlisted(document, _answer_schema(document, path), body))]
    assert invalid == []
    assert unlisted == []


def test_the_described_answers_are_more_than_an_object() -> None:
    """Each has named properties, the required ones among them; the leadership reports
    require every key of DESIGN's report, each metric described."""
    document = build_spec()
    design = {"from", "to", "as_of", "as_of_position", "enrolled", "sessions", "breadth",
              "gini", "entropy", "member_led_share", "rotation", "reciprocity",
              "in_degree_centralization", "tiers"}
    for path in DESCRIBED:
        schema = _resolve(document, _answer_schema(document, path))
        assert schema["properties"] and set(schema["required"]) <= set(schema["properties"])
        assert schema["additionalProperties"] is True, path  # clients accept new keys
        assert all(p.get("description") or "$ref" in p or p.get("type") == "boolean"
                   or "items" in p for p in schema["properties"].values()), path
    for path, scope in ((LEADERSHIP, "community_id"), (NETWORK_LEADERSHIP, "network_id")):
        schema = _resolve(document, _answer_schema(document, path))
        assert set(schema["required"]) == design | {scope}
        assert schema["properties"]["tiers"]["additionalProperties"]["enum"] == [
            "core", "active", "peripheral", "inactive"]
        for ratio in ("breadth", "gini", "entropy", "member_led_share", "reciprocity",
                      "in_degree_centralization"):
            assert schema["properties"][ratio]["type"] == "number"
            assert schema["properties"][ratio]["nullable"] is True


def _community(**changes: Any) -> dict[str, Any]:
    body = {"as_of": None, "as_of_position": 1, "viewer": "ana",
            "community": {"community_id": "c", "name": "CoP", "domain": "SEL",
                          "network_id": None, "schools": [], "mode": None, "cadence": None,
                          "founded_at": "2024-01-01T00:00:00Z",
                          "founded_by": {"member_id": "ana", "name": "Ana"}},
            "members": [], "norms": {"current": None, "past": []}, "calendar": [],
            "resources": [], "tags": {}, "plans": [], "badges": []}
    return {**body, **changes}


def test_a_nullable_object_is_that_object_or_null() -> None:
    document = build_spec()
    assert _problems(document, COMMUNITY, _community()) == []
    wrong = _problems(document, COMMUNITY, _community(norms={"current": {"bogus": 1},
                                                            "past": []}))
    assert wrong and all(p.startswith("norms/current") for p in wrong), wrong
    norms = {"position": 3, "agreed_at": "2024-01-02T00:00:00Z", "norms": ["Listen"],
             "agreed_by": [], "corrected": False, "extra": 1}
    body = _community(norms={"current": norms, "past": []})
    assert _problems(document, COMMUNITY, body) == []
    # A key the document leaves out is found inside it too.
    assert _unlisted(document, _answer_schema(document, COMMUNITY), body) == [
        ".norms.current.extra"]


@pytest.mark.parametrize("path,body,wrong", [
    ("/api/me", {"username": "x", "member_id": None, "is_admin": False, "time_zone": "UTC",
                 "roles": {}}, "coordinated_networks"),
    ("/api/verify", {"ok": "yes", "events": 1, "head": "h", "first_broken": None,
                     "problem": None, "line": "OK"}, "ok"),
    (LEADERSHIP, {"community_id": "c", "from": None, "to": None, "as_of": None,
                  "as_of_position": 1, "enrolled": 0, "sessions": 0, "breadth": None,
                  "gini": None, "entropy": None, "member_led_share": None, "rotation": 0,
                  "reciprocity": None, "in_degree_centralization": None,
                  "tiers": {"ana": "leader"}}, "tiers"),
], ids=["missing", "wrong type", "not a tier"])
def test_the_validation_can_fail(path: str, body: dict[str, Any], wrong: str) -> None:
    """A missing required key or a value of the wrong type is found (the check has teeth)."""
    problems = _problems(build_spec(), path, body)
    assert problems and all(wrong in p for p in problems), problems


def test_the_demo_s_answers_validate_against_the_document(sqlite_url: str, tmp_path) -> None:
    """The small demo holds what the story lacks (revoked recognitions, plans and steps,
    norms, scheduled and cancelled sessions, rule badges, stories of every cycle): every
    community's reads, and the member reads of everyone named in its rosters."""
    app = make_app(sqlite_url, tmp_path / "instance")
    try:
        site = Site(app)
        store = site.journey.store
        load_demo(store, seed=1, scale="small")
        accounts = site.accounts
        root = accounts.add("root", PASSWORD, is_admin=True)
        site.tokens["root"] = accounts.create_token(root.id, "tests")[1]
        state = store.read_state(lambda s: (sorted(s.communities), sorted(s.members)))
        communities, members = state
        document = site.client.get("/api/openapi.json").json
        asked = [(COMMUNITY, f"/api/communities/{c}") for c in communities]
        asked += [(COMMUNITY_BADGES, f"/api/communities/{c}/badges") for c in communities]
        asked.append(("/api/evaluation", "/api/evaluation?" + "&".join(
            f"community={c}" for c in communities) + "&period=..2023-01-01&period=2023-01-01.."))
        for member in members:
            asked += [(PORTFOLIO, f"/api/members/{member}/portfolio?timeline_limit=5"),
                      (BADGES, f"/api/members/{member}/badges")]
        seen: set[str] = set()
        invalid, unlisted = [], []
        for path, url in asked:
            response = site.get("root", url)
            assert response.status_code == 200, (url, response.get_json())
            body = response.get_json()
            seen.update(_keys(body))
            if problems := _problems(document, path, body):
                invalid.append((url, problems[:3]))
            if keys := _unlisted(document, _answer_schema(document, path), body):
                unlisted.append((url, keys[:3]))
        # The archive: for its member only; one who told a story of some cycle.
        member = next(r.event.member_id for r in store.read()
                      if r.type == "ReflectionRecorded" and r.event.value_cycle)
        account = accounts.add("own", PASSWORD, member_id=member)
        site.tokens["own"] = accounts.create_token(account.id, "tests")[1]
        body = site.get("own", f"/api/members/{member}/archive").get_json()
        seen.update(_keys(body))
        invalid += [("archive", p) for p in _problems(document, ARCHIVE, body)]
        unlisted += [("archive", k) for k in _unlisted(document,
                                                      _answer_schema(document, ARCHIVE), body)]
    finally:
        close_app(app)
    assert invalid == []
    assert unlisted == []
    # The sweep met the shapes it is here for.
    assert {"revoked_reason", "steps", "revisions", "cancel_reason", "agreed_by",
            "open_badges", "completed_at", "value_cycle"} <= seen


def _keys(value: Any) -> set[str]:
    """Every key of `value`, at any depth."""
    if isinstance(value, dict):
        return set(value).union(*(_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_keys(v) for v in value))
    return set()
