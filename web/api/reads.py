"""Reads: a GET for every projection, the leadership reports, the log and its verification.

Each read first judges access on the log's current roles (journey/access.py): an unknown
id in the URL is a 404, a reader without the right a 403 naming the rule. Then, with
`min_position`, it waits (bounded) until the projections have folded that position, so a
client reads its own writes. The views apply the visibility of reflections for the
signed-in member.
"""
from __future__ import annotations

from itertools import islice
from typing import Any, Callable

from flask import Response, current_app, jsonify
from flask_wtf.csrf import generate_csrf

from events.verify import signed_head, verify_log
from journey import errors
from journey.access import (may_evaluate, may_read_community, may_read_log, may_read_network,
                            may_read_portfolio, may_verify_log)
from journey.clock import format_time, from_micros
from projections.leadership.report import Window
from projections.portfolio.timeline import TIMELINE_LIMIT, timeline_page
from web.api import bp
from web.api.auth import caller, judged, via_session, viewer
from web.api.body import load_query
from web.api.errors import ApiError, bad_query
from web.api.schemas import (EvaluationQuery, EventsQuery, FreshQuery, LeadershipQuery,
                             PortfolioQuery, ReadQuery)
from web.services import award_links, journey

#: Domain refusals a read raises for a bad query parameter (400, not 422).
_QUERY_RULES = frozenset({"bad_window", "bad_as_of", "bad_filter", "as_of"})


def fresh(min_position: int | None) -> None:
    """Read your writes: wait (bounded) until the projections have folded min_position."""
    installation = journey()
    if not current_app.config["JOURNEY_BACKGROUND"]:
        installation.runner.catch_up()
    if min_position is None:
        return
    last = installation.store.last_position()
    if min_position > last:
        raise bad_query(f"min_position {min_position} is beyond the end of the log ({last})",
                        {"min_position": [f"the log ends at {last}"]})
    if not installation.runner.wait_for(min_position,
                                        timeout=current_app.config["READ_WAIT_SECONDS"]):
        raise ApiError(503, "not_caught_up", f"the projections have not reached position "
                       f"{min_position} yet; try again in a moment")


def _view(read: Callable[[], dict[str, Any]], unknown: str) -> dict[str, Any]:
    """Run a view; its own refusals of an id or a parameter become 404 and 400."""
    try:
        return read()
    except errors.UnknownReference as exc:
        raise ApiError(404, unknown, exc.message) from None
    except errors.Refused as exc:
        if exc.rule in _QUERY_RULES:
            raise bad_query(exc.message, exc.fields) from None
        raise


def _forbid(rule: str, message: str) -> ApiError:
    return ApiError(403, rule, message)


# -- who am I ----------------------------------------------------------------------------

@bp.get("/me")
def me() -> Response:
    """The signed-in account, its roles now (and the CSRF token a cookie session writes with)."""
    account = caller()
    who = judged(lambda state, who, now: who)
    body = {"username": account.username, "member_id": account.member_id,
            "is_admin": account.is_admin, "time_zone": account.time_zone,
            "roles": dict(sorted(who.roles.items())),
            "coordinated_networks": sorted(who.coordinated_networks)}
    if via_session():
        body["csrf_token"] = generate_csrf()
    return jsonify(body)


# -- portfolios and badges -----------------------------------------------------------------

def _portfolio_access(member_id: str) -> None:
    def check(state, who, now) -> None:
        if member_id not in state.members:
            raise ApiError(404, "unknown_member", f"there is no member {member_id}")
        if not may_read_portfolio(state, who, member_id, now):
            raise _forbid("cannot_read_portfolio", f"only {member_id}, the facilitators and "
                          "coordinators of their communities and their networks' "
                          "coordinators can read this portfolio")
    judged(check)


@bp.get("/members/<member_id>/portfolio")
def portfolio(member_id: str) -> Response:
    """A member's growth portfolio, as the signed-in member may see it.

    The timeline comes a page at a time (`timeline_page`): by default its latest
    TIMELINE_LIMIT entries, still in time order."""
    query = load_query(PortfolioQuery())
    _portfolio_access(member_id)
    fresh(query.get("min_position"))
    filters = {k: query[k] for k in ("community", "type", "kind", "from", "to") if k in query}
    views = journey().views
    view = _view(lambda: views.portfolio(member_id, viewer=viewer(caller()),
                                         as_of=query.get("as_of"), filters=filters),
                 "unknown_member")
    view = timeline_page(view, query.get("timeline_limit", TIMELINE_LIMIT),
                         query.get("timeline_offset"))
    return jsonify(award_links(view, member_id))


@bp.get("/members/<member_id>/badges")
def member_badges(member_id: str) -> Response:
    """A member's recognitions (standing and revoked) and rule badges, with evidence."""
    query = load_query(ReadQuery())
    _portfolio_access(member_id)
    fresh(query.get("min_position"))
    views = journey().views
    view = _view(lambda: views.portfolio(member_id, viewer=viewer(caller()),
                                         as_of=query.get("as_of")), "unknown_member")
    return jsonify(award_links({"member_id": member_id, "as_of": view["as_of"],
                                 "as_of_position": view["as_of_position"],
                                 "recognitions": view["recognitions"],
                                 "revoked_recognitions": view["revoked_recognitions"],
                                 "rule_badges": view["rule_badges"]}, member_id))


@bp.get("/members/<member_id>/archive")
def member_archive(member_id: str) -> Response:
    """The member's own archive: their portfolio as they see it, with the signed log head."""
    query = load_query(FreshQuery())

    def check(state, who, now) -> None:
        if member_id not in state.members:
            raise ApiError(404, "unknown_member", f"there is no member {member_id}")
        if who.member_id != member_id:
            raise _forbid("cannot_read_archive", "an archive is for its member only: "
                          f"sign in as {member_id}")

    judged(check)
    fresh(query.get("min_position"))
    views = journey().views
    return jsonify(_view(lambda: views.archive(member_id), "unknown_member"))


# -- communities and networks ------------------------------------------------------------

@bp.get("/communities")
def communities() -> Response:
    """The communities the signed-in member may read, with their role in each."""
    fresh(load_query(FreshQuery()).get("min_position"))

    def readable(state, who, now) -> list[dict[str, Any]]:
        return [{"community_id": c, "network_id": community.network_id,
                 "role": who.roles.get(c)}
                for c, community in sorted(state.communities.items())
                if may_read_community(who, c)]

    return jsonify({"communities": judged(readable)})


def _community_access(community_id: str) -> None:
    def check(state, who, now) -> None:
        if community_id not in state.communities:
            raise ApiError(404, "unknown_community", f"there is no community {community_id}")
        if not may_read_community(who, community_id):
            raise _forbid("cannot_read_community", f"only members of {community_id}, its "
                          "coordinators and its network's coordinators can read it")
    judged(check)


@bp.get("/communities/<community_id>")
def community(community_id: str) -> Response:
    """Members and roles over time, norms, calendar, library, plans and badges."""
    query = load_query(ReadQuery())
    _community_access(community_id)
    fresh(query.get("min_position"))
    views = journey().views
    return jsonify(_view(lambda: views.community(community_id, viewer=viewer(caller()),
                                                 as_of=query.get("as_of")),
                         "unknown_community"))


@bp.get("/communities/<community_id>/badges")
def community_badges(community_id: str) -> Response:
    """The badges the community defined."""
    query = load_query(ReadQuery())
    _community_access(community_id)
    fresh(query.get("min_position"))
    views = journey().views
    view = _view(lambda: views.community(community_id, viewer=viewer(caller()),
                                         as_of=query.get("as_of")), "unknown_community")
    return jsonify({"community_id": community_id, "as_of": view["as_of"],
                    "as_of_position": view["as_of_position"], "badges": view["badges"]})


def _window(query: dict[str, Any]) -> Window:
    return Window(query.get("from"), query.get("to"), query.get("as_of"))


@bp.get("/communities/<community_id>/leadership")
def community_leadership(community_id: str) -> Response:
    """DESIGN's leadership report of a community (the JSON of `journey report leadership`)."""
    query = load_query(LeadershipQuery())
    _community_access(community_id)
    fresh(query.get("min_position"))
    reports = journey().leadership
    return jsonify(_view(lambda: reports.community(community_id, _window(query),
                                                   with_trend=query.get("trend", False)),
                         "unknown_community"))


@bp.get("/networks/<network_id>/leadership")
def network_leadership(network_id: str) -> Response:
    """DESIGN's leadership report of a network, pooled over its communities (coordinators)."""
    query = load_query(LeadershipQuery())

    def check(state, who, now) -> None:
        if network_id not in state.networks:
            raise ApiError(404, "unknown_network", f"there is no network {network_id}")
        if not may_read_network(who, network_id):
            raise _forbid("cannot_read_network", f"only coordinators in {network_id} can "
                          "read its leadership report")

    judged(check)
    fresh(query.get("min_position"))
    reports = journey().leadership
    return jsonify(_view(lambda: reports.network(network_id, _window(query),
                                                 with_trend=query.get("trend", False)),
                         "unknown_network"))


# -- evaluation ------------------------------------------------------------------------------

@bp.get("/evaluation")
def evaluation() -> Response:
    """Communities × periods side by side, with value-creation stories (coordinators)."""
    query = load_query(EvaluationQuery())
    chosen = list(dict.fromkeys(query["community"]))

    def check(state, who, now) -> None:
        for c in chosen:
            if c not in state.communities:
                raise ApiError(404, "unknown_community", f"there is no community {c}")
        refused = [c for c in chosen if not may_evaluate(who, c)]
        if refused:
            raise _forbid("not_a_coordinator", f"only coordinators of {refused[0]} or of its "
                          "network can evaluate it")

    judged(check)
    fresh(query.get("min_position"))
    views = journey().views
    return jsonify(_view(lambda: views.evaluation(chosen, query["period"],
                                                  viewer=viewer(caller()),
                                                  as_of=query.get("as_of")),
                         "unknown_community"))


# -- the log -------------------------------------------------------------------------------

def _verify_access() -> None:
    def check(state, who, now) -> None:
        if not may_verify_log(who):
            raise _forbid("not_a_coordinator", "only coordinators and admins can verify "
                          "the log")
    judged(check)


def _log_access() -> None:
    def check(state, who, now) -> None:
        if not may_read_log(who):
            raise _forbid("not_an_admin", "only an admin can read the log's rows (every "
                          "network's); coordinators check it with GET /api/verify")
    judged(check)


@bp.get("/verify")
def verify() -> Response:
    """Walk the hash chain and the sealed head: OK with the signed head, or the first break."""
    query = load_query(FreshQuery())
    _verify_access()
    fresh(query.get("min_position"))
    log = journey().log
    report = verify_log(log.recorder, log.instance)
    body = report.to_json()
    if report.ok:
        body["signed_head"] = signed_head(log.instance, report)
    return jsonify(body)


@bp.get("/events")
def events() -> Response:
    """The log itself, as stored (personal fields as ciphertext), a page after a position.

    Rows come exactly as hashed, so an operator can re-check the chain; what a person wrote
    stays encrypted, and private reflections with it. Admins only: the rows are every
    network's, as `journey export` is.
    """
    query = load_query(EventsQuery())
    _log_access()
    store = journey().store
    rows = list(islice(store.read_rows(after=query["after"]), query["limit"]))
    last = store.last_position()
    next_after = rows[-1].position if rows and rows[-1].position < last else None
    return jsonify({
        "events": [{"position": r.position, "event_id": r.event_id, "stream": r.stream,
                    "version": r.version, "type": r.type, "schema_version": r.schema_version,
                    "occurred_at": format_time(from_micros(r.occurred_at)),
                    "recorded_at": format_time(from_micros(r.recorded_at)),
                    "actor": r.actor, "data": r.data, "meta": r.meta, "hash": r.hash}
                   for r in rows],
        "next_after": next_after, "last_position": last})
