"""GET endpoints: every projection, every access rule, every error code, read-your-writes."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli.main import main
from events.verify import check_signed_head
from journey.clock import format_time, from_micros
from tests.web.conftest import (COMMUNITY_TEXT, PRIVATE_TEXT, SESSION_POSITION, STORY, Site,
                                make_app, seed)
from web.app import close_app

PERIOD = "2024-01-01..2025-01-01"

# path -> {who: status}; None is an anonymous request. ivan is a member of vrsac-1, mila a
# member of nis-2 (another community of the network), ana facilitates vrsac-1, vera
# coordinates nis-2 (and so reads every community of sel-serbia), root is an admin.
MATRIX: dict[str, dict[str | None, int]] = {
    "/api/me": {None: 401, "mila": 200, "ivan": 200, "ana": 200, "vera": 200, "root": 200},
    "/api/communities": {None: 401, "mila": 200, "ivan": 200, "ana": 200, "vera": 200,
                         "root": 200},
    "/api/members/ivan/portfolio": {None: 401, "mila": 403, "ivan": 200, "ana": 200,
                                    "vera": 200, "root": 200},
    "/api/members/ivan/badges": {None: 401, "mila": 403, "ivan": 200, "ana": 200,
                                 "vera": 200, "root": 200},
    "/api/members/ivan/archive": {None: 401, "mila": 403, "ivan": 200, "ana": 403,
                                  "vera": 403, "root": 403},
    "/api/members/ana/portfolio": {None: 401, "mila": 403, "ivan": 403, "ana": 200,
                                   "vera": 200, "root": 200},
    "/api/communities/vrsac-1": {None: 401, "mila": 403, "ivan": 200, "ana": 200,
                                 "vera": 200, "root": 200},
    "/api/communities/vrsac-1/badges": {None: 401, "mila": 403, "ivan": 200, "ana": 200,
                                        "vera": 200, "root": 200},
    "/api/communities/vrsac-1/leadership": {None: 401, "mila": 403, "ivan": 200, "ana": 200,
                                            "vera": 200, "root": 200},
    "/api/communities/skopje-1": {None: 401, "mila": 403, "ivan": 403, "ana": 403,
                                  "vera": 403, "root": 200},
    "/api/networks/sel-serbia/leadership": {None: 401, "mila": 403, "ivan": 403, "ana": 403,
                                            "vera": 200, "root": 200},
    "/api/networks/mk-net/leadership": {None: 401, "mila": 403, "ivan": 403, "ana": 403,
                                        "vera": 403, "root": 200},
    f"/api/evaluation?community=vrsac-1&period={PERIOD}": {
        None: 401, "mila": 403, "ivan": 403, "ana": 403, "vera": 200, "root": 200},
    "/api/verify": {None: 401, "mila": 403, "ivan": 403, "ana": 403, "vera": 200,
                    "root": 200},
    # The rows are every network's: vera coordinates sel-serbia only, so not for her.
    "/api/events": {None: 401, "mila": 403, "ivan": 403, "ana": 403, "vera": 403,
                    "root": 200},
}

RULES = {"/api/members/ivan/portfolio": "cannot_read_portfolio",
         "/api/members/ivan/badges": "cannot_read_portfolio",
         "/api/members/ana/portfolio": "cannot_read_portfolio",
         "/api/members/ivan/archive": "cannot_read_archive",
         "/api/communities/vrsac-1": "cannot_read_community",
         "/api/communities/vrsac-1/badges": "cannot_read_community",
         "/api/communities/vrsac-1/leadership": "cannot_read_community",
         "/api/communities/skopje-1": "cannot_read_community",
         "/api/networks/sel-serbia/leadership": "cannot_read_network",
         "/api/networks/mk-net/leadership": "cannot_read_network",
         f"/api/evaluation?community=vrsac-1&period={PERIOD}": "not_a_coordinator",
         "/api/verify": "not_a_coordinator", "/api/events": "not_an_admin"}


def test_every_read_follows_the_access_rules(site: Site) -> None:
    """Each endpoint × anonymous, other community, member, facilitator, coordinator, admin."""
    wrong = []
    for path, expected in MATRIX.items():
        for who, status in expected.items():
            response = site.get(who, path)
            body = response.json
            if response.status_code != status:
                wrong.append((path, who, response.status_code, body))
            elif status == 403 and body["error"] != RULES[path]:
                wrong.append((path, who, body["error"]))
            elif status >= 400:
                assert set(body) == {"error", "message", "fields"}
    assert wrong == []


def test_communities_lists_what_each_may_read(sqlite_site: Site) -> None:
    def ids(who: str) -> list[str]:
        return [c["community_id"] for c in sqlite_site.get(who, "/api/communities")
                .json["communities"]]

    assert ids("ivan") == ["vrsac-1"]
    assert ids("mila") == ["nis-2"]
    assert ids("vera") == ["nis-2", "vrsac-1"]
    assert ids("root") == ["nis-2", "skopje-1", "vrsac-1"]
    vera = sqlite_site.get("vera", "/api/communities").json["communities"]
    assert {c["community_id"]: c["role"] for c in vera} == {"nis-2": "coordinator",
                                                           "vrsac-1": None}


def test_me_says_who_and_what_roles(sqlite_site: Site) -> None:
    body = sqlite_site.get("vera", "/api/me").json

    assert body["member_id"] == "vera"
    assert body["roles"] == {"nis-2": "coordinator"}
    assert body["coordinated_networks"] == ["sel-serbia"]
    assert "csrf_token" not in body  # a token needs none


# -- what the views say ----------------------------------------------------------------------

def test_the_portfolio_shows_reflections_as_the_viewer_may_see_them(site: Site) -> None:
    def text(who: str) -> str:
        return json.dumps(site.get(who, "/api/members/ivan/portfolio").json,
                          ensure_ascii=False)

    assert PRIVATE_TEXT in text("ivan") and COMMUNITY_TEXT in text("ivan")
    assert COMMUNITY_TEXT in text("ana") and PRIVATE_TEXT not in text("ana")
    # vera coordinates the network, but the reflection is for vrsac-1's members only.
    assert COMMUNITY_TEXT not in text("vera") and PRIVATE_TEXT not in text("vera")
    assert COMMUNITY_TEXT not in text("root") and PRIVATE_TEXT not in text("root")


def test_the_portfolio_is_filtered_by_the_query(sqlite_site: Site) -> None:
    body = sqlite_site.get("ivan", "/api/members/ivan/portfolio?type=SessionLed").json

    assert {e["type"] for e in body["timeline"]} == {"SessionLed"}
    assert body["filters"]["types"] == ["SessionLed"]


def test_the_api_timeline_pages_partition_the_timeline_both_ways(sqlite_site: Site) -> None:
    """An offset and a limit are what they say: stepping by the limit from 0 tiles the
    timeline; back from the latest page, the oldest is asked with offset 0 and the limit
    the previous offset leaves (as the OpenAPI document says)."""
    url = "/api/members/ivan/portfolio?timeline_limit={limit}&timeline_offset={offset}"
    entries = sqlite_site.get("ivan", "/api/members/ivan/portfolio").json["timeline"]
    for limit in range(1, len(entries) + 1):
        forth, offset = [], 0
        while offset < len(entries):
            page = sqlite_site.get("ivan", url.format(limit=limit, offset=offset)).json
            forth += page["timeline"]
            offset += page["timeline_page"]["count"]
        back = sqlite_site.get("ivan", f"/api/members/ivan/portfolio?timeline_limit={limit}"
                               ).json
        seen, offset = back["timeline"], back["timeline_page"]["offset"]
        while offset > 0:
            earlier = max(0, offset - limit)
            page = sqlite_site.get("ivan", url.format(limit=offset - earlier, offset=earlier)
                                   ).json
            seen, offset = page["timeline"] + seen, earlier
        assert forth == seen == entries, limit


def test_the_portfolio_timeline_comes_a_page_at_a_time(sqlite_site: Site) -> None:
    whole = sqlite_site.get("ivan", "/api/members/ivan/portfolio").json
    entries = whole["timeline"]
    assert len(entries) >= 3
    assert whole["timeline_page"] == {"total": len(entries), "offset": 0, "limit": 1000,
                                      "count": len(entries)}

    latest = sqlite_site.get("ivan", "/api/members/ivan/portfolio?timeline_limit=2").json
    first = sqlite_site.get(
        "ivan", "/api/members/ivan/portfolio?timeline_limit=1&timeline_offset=0").json

    assert latest["timeline"] == entries[-2:]
    assert latest["timeline_page"] == {"total": len(entries), "offset": len(entries) - 2,
                                       "limit": 2, "count": 2}
    assert first["timeline"] == entries[:1] and first["timeline_page"]["offset"] == 0
    assert {k: v for k, v in latest.items() if k not in ("timeline", "timeline_page")} == \
        {k: v for k, v in whole.items() if k not in ("timeline", "timeline_page")}


def test_badges_show_recognitions_with_evidence(site: Site) -> None:
    body = site.get("ana", "/api/members/ivan/badges").json

    assert [r["award_id"] for r in body["recognitions"]] == ["aw-1"]
    assert body["recognitions"][0]["evidence"][0]["type"] == "SessionLed"
    community = site.get("ivan", "/api/communities/vrsac-1/badges").json
    assert [b["badge_id"] for b in community["badges"]] == ["b-1"]


def test_the_archive_is_the_members_own_with_a_signed_head(site: Site) -> None:
    body = site.get("ivan", "/api/members/ivan/archive").json

    assert body["archive"] == "journey-portfolio"
    assert body["profile"]["display_name"] == "Ivan"
    assert PRIVATE_TEXT in json.dumps(body, ensure_ascii=False)
    assert check_signed_head(body["log_head"])


def test_the_community_view(site: Site) -> None:
    body = site.get("ivan", "/api/communities/vrsac-1").json

    assert body["community"]["community_id"] == "vrsac-1"
    assert {m["member"]["member_id"] for m in body["members"]} == {"ana", "ivan"}
    assert body["as_of_position"] == len(STORY) + 1


def before_the_session(site: Site) -> str:
    """An as_of between the story's last event before the session and the session."""
    row = site.journey.store.recorder.row_at(SESSION_POSITION - 1)
    return format_time(from_micros(row.recorded_at))


def test_leadership_is_the_same_json_as_the_cli(sqlite_site: Site) -> None:
    as_of = before_the_session(sqlite_site)
    config = sqlite_site.journey.config
    env = {"JOURNEY_DATABASE_URL": config.database_url,
           "JOURNEY_INSTANCE_DIR": str(config.instance_dir)}
    for path, args in [
        ("/api/communities/vrsac-1/leadership?from=2024-01-01&to=2024-07-01",
         ["--community", "vrsac-1", "--from", "2024-01-01", "--to", "2024-07-01"]),
        ("/api/networks/sel-serbia/leadership?trend=true",
         ["--network", "sel-serbia", "--trend"]),
        (f"/api/communities/vrsac-1/leadership?as_of={as_of}",
         ["--community", "vrsac-1", "--as-of", as_of]),
    ]:
        cli = CliRunner().invoke(main, ["report", "leadership", *args, "--json"], env=env)
        assert cli.exit_code == 0, cli.output
        assert sqlite_site.get("vera", path).json == json.loads(cli.stdout)


def test_as_of_replays_history(site: Site) -> None:
    as_of = before_the_session(site)
    before = site.get("ana", f"/api/communities/vrsac-1/leadership?as_of={as_of}").json
    now = site.get("ana", "/api/communities/vrsac-1/leadership").json

    assert before["sessions"] == 0 and now["sessions"] == 1
    assert before["as_of_position"] < now["as_of_position"]


def test_evaluation_side_by_side(site: Site) -> None:
    body = site.get("vera", "/api/evaluation?community=vrsac-1&community=nis-2"
                            "&period=2024-01-01..2024-02-01&period=2024-02-01..").json

    assert body["as_of_position"] == len(STORY) + 1


def test_evaluation_without_a_period_is_all_time_as_in_the_cli(sqlite_site: Site) -> None:
    """`period` is optional, as `journey report evaluation --period` is: one period, `..`."""
    config = sqlite_site.journey.config
    env = {"JOURNEY_DATABASE_URL": config.database_url,
           "JOURNEY_INSTANCE_DIR": str(config.instance_dir)}
    response = sqlite_site.get("vera", "/api/evaluation?community=vrsac-1&community=nis-2")
    cli = CliRunner().invoke(main, ["report", "evaluation", "--community", "vrsac-1",
                                    "--community", "nis-2", "--viewer", "vera", "--json"],
                             env=env)

    assert response.status_code == 200, response.json
    assert cli.exit_code == 0, cli.output
    assert response.json == json.loads(cli.stdout)
    assert response.json == sqlite_site.get(
        "vera", "/api/evaluation?community=vrsac-1&community=nis-2&period=..").json
    assert [(c["community_id"], c["from"], c["to"]) for c in response.json["columns"]] == [
        ("vrsac-1", None, None), ("nis-2", None, None)]
    document = sqlite_site.client.get("/api/openapi.json").json
    period = next(p for p in document["paths"]["/api/evaluation"]["get"]["parameters"]
                  if p["name"] == "period")
    assert not period.get("required") and "all time" in period["description"]


def test_verify_answers_ok_with_a_signed_head(site: Site) -> None:
    body = site.get("vera", "/api/verify").json

    assert body["ok"] is True
    assert body["events"] == len(STORY) + 1
    assert body["signed_head"]["position"] == len(STORY) + 1


def test_the_log_pages_by_cursor_and_stays_encrypted(site: Site) -> None:
    seen = []
    after = 0
    while after is not None:
        page = site.get("root", f"/api/events?after={after}&limit=7").json
        seen += page["events"]
        after = page["next_after"]
    assert [e["position"] for e in seen] == list(range(1, len(STORY) + 2))
    first = seen[0]
    assert first["type"] == "MemberRegistered" and first["actor"] == "ana"
    assert first["data"]["display_name"] != "Ana"  # personal fields stay ciphertext
    assert PRIVATE_TEXT not in json.dumps(seen)


# -- 404 and 400 -----------------------------------------------------------------------------

@pytest.mark.parametrize("path,code", [
    ("/api/members/nobody/portfolio", "unknown_member"),
    ("/api/members/nobody/badges", "unknown_member"),
    ("/api/members/nobody/archive", "unknown_member"),
    ("/api/communities/nowhere", "unknown_community"),
    ("/api/communities/nowhere/badges", "unknown_community"),
    ("/api/communities/nowhere/leadership", "unknown_community"),
    ("/api/networks/nowhere/leadership", "unknown_network"),
    (f"/api/evaluation?community=nowhere&period={PERIOD}", "unknown_community"),
])
def test_an_unknown_id_is_404(sqlite_site: Site, path: str, code: str) -> None:
    response = sqlite_site.get("root", path)

    assert response.status_code == 404
    assert response.json["error"] == code


NETWORK_POSITION = 1 + [type(e).__name__ for _, e in STORY].index("NetworkCreated")


def test_a_report_as_of_before_its_community_or_network_existed_is_404(site: Site) -> None:
    # Just before sel-serbia was created (vrsac-1 was founded later still): as a portfolio
    # before its member existed, neither had been recorded yet.
    row = site.journey.store.recorder.row_at(NETWORK_POSITION - 1)
    as_of = format_time(from_micros(row.recorded_at))
    for path, code in [("/api/communities/vrsac-1/leadership", "unknown_community"),
                       ("/api/networks/sel-serbia/leadership", "unknown_network")]:
        response = site.get("vera", f"{path}?as_of={as_of}")

        assert (response.status_code, response.json["error"]) == (404, code), path
        assert f"as of {as_of}" in response.json["message"]


def test_a_network_report_as_of_its_creation_has_no_community_yet(sqlite_site: Site) -> None:
    row = sqlite_site.journey.store.recorder.row_at(NETWORK_POSITION)
    as_of = format_time(from_micros(row.recorded_at))
    body = sqlite_site.get("vera", f"/api/networks/sel-serbia/leadership?as_of={as_of}").json

    assert (body["as_of_position"], body["enrolled"], body["sessions"]) == (NETWORK_POSITION, 0, 0)


def test_a_portfolio_before_the_member_existed_is_404(sqlite_site: Site) -> None:
    response = sqlite_site.get("ivan", "/api/members/ivan/portfolio?as_of=2020-01-01")

    assert response.status_code == 404


@pytest.mark.parametrize("path,field", [
    ("/api/communities/vrsac-1?as_of=yesterday", "as_of"),
    ("/api/communities/vrsac-1?as_of=9999-12-31T23:00:00-05:00", "as_of"),
    ("/api/communities/vrsac-1?min_position=-1", "min_position"),
    ("/api/communities/vrsac-1?min_position=abc", "min_position"),
    ("/api/communities/vrsac-1?min_position=999999", "min_position"),
    ("/api/communities/vrsac-1?as_of=2024-01-01&as_of=2024-02-01", "as_of"),
    ("/api/communities/vrsac-1?colour=red", "colour"),
    ("/api/communities/vrsac-1/leadership?from=soon", "from"),
    ("/api/members/ivan/portfolio?to=later", "to"),
    ("/api/members/ivan/portfolio?timeline_limit=0", "timeline_limit"),
    ("/api/members/ivan/portfolio?timeline_offset=-1", "timeline_offset"),
    ("/api/evaluation?community=vrsac-1&period=2024", "period.0"),
    ("/api/evaluation?community=vrsac-1&period=2025-01-01..2024-01-01", "period.0"),
    ("/api/events?limit=0", "limit"),
    ("/api/events?after=x", "after"),
    ("/api/events?after=%D9%A3", "after"),          # an Arabic-Indic three
    ("/api/events?limit=%EF%BC%91", "limit"),       # a fullwidth one
    ("/api/events?limit=1_0", "limit"),
    ("/api/events?limit=%2010", "limit"),
    ("/api/communities/vrsac-1?as_of=2024-03-05T14:00:00Z%00", "as_of"),
    ("/api/communities/vrsac-1?as_of=20240305T140000Z", "as_of"),
])
def test_a_bad_query_parameter_is_400(sqlite_site: Site, path: str, field: str) -> None:
    response = sqlite_site.get("root", path)

    assert response.status_code == 400, response.json
    assert response.json["error"] == "bad_query"
    assert field in response.json["fields"]


@pytest.mark.parametrize("path, fields", [
    ("/api/communities/vrsac-1/leadership?from=2024-07-01&to=2024-01-01", {"from", "to"}),
    ("/api/networks/sel-serbia/leadership?from=2024-07-01&to=2024-01-01", {"from", "to"}),
    ("/api/members/ivan/portfolio?type=SessionParty", {"type"}),
    ("/api/members/ivan/portfolio?kind=party", {"kind"}),
    ("/api/members/ivan/portfolio?from=2025-01-01&to=2024-01-01", {"from", "to"}),
    ("/api/communities/vrsac-1/leadership?trend=true&to=9999-12-31", {"from", "to"}),
    ("/api/networks/sel-serbia/leadership?trend=true&from=0001-01-01", {"from", "to"}),
])
def test_a_window_or_filter_the_view_refuses_is_400(sqlite_site: Site, path: str,
                                                     fields: set[str]) -> None:
    response = sqlite_site.get("root", path)

    assert response.status_code == 400
    assert response.json["error"] == "bad_query"
    # Named as the query names them, as the query schema's own refusals are.
    assert set(response.json["fields"]) == fields


# -- read your writes ------------------------------------------------------------------------

def test_min_position_waits_for_the_projections(database_url: str, tmp_path) -> None:
    app = make_app(database_url, tmp_path / "instance", JOURNEY_BACKGROUND=True)
    try:
        site = Site(app, seed(app))
        runner = site.journey.runner
        appended = site.post("ivan", "SessionLed", {
            "community_id": "vrsac-1", "session_id": "s-2", "leaders": ["ivan"],
            "title": "Second", "format": "meeting"}).json["position"]
        # The projections fold in their own thread; the read waits for the append.
        assert runner._thread is not None  # noqa: SLF001 - folding in the background

        fresh = site.get("ana", f"/api/communities/vrsac-1/leadership"
                                f"?min_position={appended}").json

        assert fresh["as_of_position"] >= appended
        assert fresh["sessions"] == 2
    finally:
        close_app(app)


def test_min_position_that_does_not_arrive_in_time_is_503(sqlite_url: str, tmp_path) -> None:
    app = make_app(sqlite_url, tmp_path / "instance", JOURNEY_BACKGROUND=True,
                   READ_WAIT_SECONDS=0.2)
    try:
        site = Site(app, seed(app))
        site.journey.runner.stop()
        position = site.post("ivan", "SessionLed", {
            "community_id": "vrsac-1", "session_id": "s-2", "leaders": ["ivan"],
            "title": "Second", "format": "meeting"}).json["position"]
        # A runner that never folds: the thread is stopped, and wait_for only waits.
        runner = site.journey.runner
        runner._thread = object()  # noqa: SLF001 - simulate a stuck worker
        waits: list[tuple[int, float]] = []
        wait_for = runner.wait_for
        runner.wait_for = lambda at, timeout: waits.append((at, timeout)) or wait_for(
            at, timeout=timeout)

        response = site.get("ana", f"/api/communities/vrsac-1?min_position={position}")

        assert response.status_code == 503
        assert response.json["error"] == "not_caught_up"
        assert response.headers["Retry-After"] == "1"
        assert waits == [(position, 0.2)]  # bounded by READ_WAIT_SECONDS, once
        runner._thread = None  # noqa: SLF001
    finally:
        close_app(app)


def test_a_reflection_made_private_since_stays_hidden_in_a_replay(site: Site) -> None:
    """Replaying history never hands out what the author has since taken back: a reflection
    shared (network) at the as_of moment and private now is read by its author only."""
    shared = site.post("ivan", "ReflectionVisibilityChanged", {
        "reflection_id": "rf-community", "member_id": "ivan", "visibility": "network"})
    assert shared.status_code == 201, shared.get_json()
    row = site.journey.store.recorder.row_at(shared.get_json()["position"])
    as_of = format_time(from_micros(row.recorded_at))
    hidden = site.post("ivan", "ReflectionVisibilityChanged", {
        "reflection_id": "rf-community", "member_id": "ivan", "visibility": "private"})
    assert hidden.status_code == 201, hidden.get_json()

    for who in ("ana", "vera"):
        for path in (f"/api/members/ivan/portfolio?as_of={as_of}",
                     f"/api/members/ivan/badges?as_of={as_of}",
                     f"/api/evaluation?community=vrsac-1&as_of={as_of}"):
            response = site.get(who, path)
            assert response.status_code in (200, 403), (who, path)
            assert COMMUNITY_TEXT not in response.get_data(as_text=True), (who, path)
            assert "rf-community" not in response.get_data(as_text=True), (who, path)
    # The author still reads it as it stood then.
    own = site.get("ivan", f"/api/members/ivan/portfolio?as_of={as_of}").json
    assert [(r["reflection_id"], r["visibility"]) for r in own["reflections"]
            if r["reflection_id"] == "rf-community"] == [("rf-community", "network")]
