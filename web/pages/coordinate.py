"""Coordinating a programme: leadership dashboards, replayed history, comparisons, CSV and
the log's verification.

A coordinator reads every community of the networks they coordinate in (DESIGN "Who uses
it"). The dashboards show DESIGN's leadership report (journey().leadership) as of any
recorded moment, with its trend by quarter as charts; the comparison shows the evaluation
view (communities × periods, value-creation stories by cycle) beside the leadership
figures of the same columns. Access follows the JSON API exactly (journey/access.py), and
every CSV is made from the same rows `journey export-csv` writes.
"""
from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from flask import Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from markupsafe import Markup

from events.verify import sign_head, verify_log
from journey import errors
from journey.access import may_evaluate, may_read_community, may_read_network, may_verify_log
from projections.csv_rows import EVALUATION_CSV_COLUMNS, evaluation_csv_rows, write_csv
from projections.evaluation.fold import CYCLES, parse_period
from projections.leadership.report import (LEADERSHIP_CSV_COLUMNS, SESSIONS_CSV_COLUMNS,
                                           Window, leadership_csv_row)
from web.charts import bar_chart, line_chart
from web.i18n import number
from web.pages import bp
from web.pages.common import (AsOf, as_of_from_request, exact_as_of_from_request, fold_first,
                              judged, require)
from web.pages.common import viewer as page_viewer
from web.pages.names import community_names, network_names
from web.pages.refusals import explain
from web.services import journey

TIERS = ("core", "active", "peripheral", "inactive")
RATIOS = ("breadth", "gini", "entropy", "member_led_share", "reciprocity",
          "in_degree_centralization")
COUNTS = ("enrolled", "sessions", "rotation")
METRICS = ("enrolled", "sessions", "breadth", "gini", "entropy", "member_led_share", "rotation",
           "reciprocity", "in_degree_centralization")


def metric_names() -> dict[str, str]:
    return {"enrolled": _("Enrolled"), "sessions": _("Sessions held"),
            "breadth": _("Breadth of leadership"), "gini": _("Gini of sessions led"),
            "entropy": _("Spread of leadership (entropy)"),
            "member_led_share": _("Member-led sessions"), "rotation": _("Rotation"),
            "reciprocity": _("Reciprocity"),
            "in_degree_centralization": _("Centralization (in-degree)")}


def metric_explanations() -> dict[str, str]:
    return {
        "enrolled": _("People of any role whose membership overlaps the window."),
        "sessions": _("Sessions held in the window (retracted ones are not counted)."),
        "breadth": _("Share of enrolled people who led at least one session. Higher means "
                     "leadership is shared more widely."),
        "gini": _("How unequally sessions led are spread over the enrolled people: 0 is "
                  "perfectly even, near 1 means a few people lead almost everything."),
        "entropy": _("How evenly the leading is spread, from 0 (one person leads) to 1 "
                     "(everyone leads equally)."),
        "member_led_share": _("Share of sessions with at least one leader who was a member, "
                              "not a facilitator or coordinator, at the time."),
        "rotation": _("Distinct leaders among the last six sessions before the end of the "
                      "window."),
        "reciprocity": _("Among connected pairs of people, the share where learning flows "
                         "both ways (reusing resources, feedback, attending sessions)."),
        "in_degree_centralization": _("How much the learning network leans on one person: "
                                      "0 when everyone is a source for others equally, 1 "
                                      "when everything flows to one person."),
    }


def tier_names() -> dict[str, str]:
    return {"core": _("core"), "active": _("active"), "peripheral": _("peripheral"),
            "inactive": _("inactive")}


def cycle_names() -> dict[str, str]:
    return {"immediate": _("Immediate value"), "potential": _("Potential value"),
            "applied": _("Applied value"), "realized": _("Realized value"),
            "reframing": _("Reframing value"), "unassigned": _("No cycle given")}


# -- reading the request -------------------------------------------------------------------

def _window_args(as_of: AsOf) -> tuple[Window, str | None]:
    """`?from=&to=` and the as-of moment as a report window; a bad window is a message."""
    start = (request.args.get("from") or "").strip() or None
    end = (request.args.get("to") or "").strip() or None
    window = Window(start, end, as_of.moment)
    try:
        window.bounds()
    except errors.Refused as exc:
        return _all_time(as_of, exc)
    return window, None


def _all_time(as_of: AsOf, refused: errors.Refused) -> tuple[Window, str]:
    return Window(None, None, as_of.moment), _("The window was not understood (%(reason)s); "
                                               "showing all time.", reason=refused.message)


def _windowed(report_of: Callable[[Window], dict[str, Any]], window: Window,
              window_error: str | None, as_of: AsOf
              ) -> tuple[dict[str, Any], Window, str | None]:
    """The report over `window`; a window the report itself refuses (a trend over too many
    quarters) is a message, and all time is shown."""
    try:
        return report_of(window), window, window_error
    except errors.Refused as exc:
        if exc.rule != "bad_window":
            raise
        window, window_error = _all_time(as_of, exc)
        return report_of(window), window, window_error


def _ratio(value: float) -> str:
    """A ratio on a chart as the tables show it: two decimals, in the reader's language."""
    return number(value, 2)


def _count(value: float) -> str:
    """A count on a chart (an axis step may fall between two), in the reader's language."""
    return number(round(value, 2) if isinstance(value, float) else value)


def _charts(report: dict[str, Any]) -> dict[str, Markup]:
    """The trend by quarter and the tiers, as inline SVG charts; every number on them (axes,
    tooltips, descriptions) is written as the page's tables write it."""
    names = metric_names()
    trend = report.get("trend") or []
    labels = [q["quarter"] for q in trend]
    counts = {t: 0 for t in TIERS}
    for tier in report["tiers"].values():
        counts[tier] += 1
    tiers = tier_names()
    charts = {"tiers": bar_chart([tiers[t] for t in TIERS], [counts[t] for t in TIERS],
                                 title=_("People by tier in the window"), fmt=_count)}
    if labels:
        charts["sessions"] = bar_chart(labels, [q["sessions"] for q in trend],
                                       title=_("Sessions held per quarter"), fmt=_count)
        charts["shares"] = line_chart(
            labels, {names[k]: [q[k] for q in trend]
                     for k in ("breadth", "member_led_share", "reciprocity")},
            title=_("Shared leadership per quarter"), max_value=1, fmt=_ratio)
        charts["spread"] = line_chart(
            labels, {names[k]: [q[k] for q in trend]
                     for k in ("gini", "entropy", "in_degree_centralization")},
            title=_("Inequality and centralization per quarter"), max_value=1, fmt=_ratio)
        charts["people"] = line_chart(
            labels, {names[k]: [q[k] for q in trend] for k in ("enrolled", "rotation")},
            title=_("Enrolled people and rotation per quarter"), fmt=_count)
    return charts


def _tier_counts(report: dict[str, Any]) -> dict[str, int]:
    counts = {t: 0 for t in TIERS}
    for tier in report["tiers"].values():
        counts[tier] += 1
    return counts


def _community_names(ids: Iterable[str]) -> dict[str, str]:
    names = community_names()
    return {c: names.get(c, c) for c in ids}


def _csv(filename: str, columns: Sequence[str], rows: Iterable[Sequence[Any]],
         as_of: AsOf) -> Response:
    """A UTF-8 CSV attachment, with the log head it was made from, signed, in headers."""
    out = io.StringIO()
    write_csv(out, columns, rows)
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    installation = journey()
    cut = installation.views.cut(as_of.moment)
    if cut.hash is not None:
        head = sign_head(installation.log.instance, cut.position, cut.hash)
        response.headers["Journey-Log-Position"] = str(head["position"])
        response.headers["Journey-Log-Head"] = head["hash"]
        response.headers["Journey-Log-Signature"] = head["signature"]
    return response


# -- the start page -------------------------------------------------------------------------

@bp.get("/coordinate")
@login_required
def coordinate():
    """My networks and the communities I coordinate or evaluate (admins: all)."""
    fold_first()

    def reach(state, who, now) -> tuple[list[str], list[str], bool]:
        networks = sorted(n for n in state.networks if may_read_network(who, n))
        communities = sorted(c for c in state.communities if may_evaluate(who, c))
        return networks, communities, may_verify_log(who)

    networks, communities, log = judged(reach)
    if not networks and not communities:
        abort(403)
    names = _community_names(communities)
    return render_template("pages/coordinate/index.html", networks=networks,
                           network_names=network_names(networks), communities=communities,
                           names=names, may_verify=log)


# -- dashboards -------------------------------------------------------------------------------

def _dashboard(kind: str, ident: str, report_of, csv_endpoint: str, *,
               communities: list[str] | None = None):
    fold_first()
    as_of = as_of_from_request()
    window, window_error = _window_args(as_of)
    try:
        report, window, window_error = _windowed(report_of, window, window_error, as_of)
    except errors.UnknownReference:
        # As of a moment before it was founded: say so beside the picker, not a 404.
        return render_template("pages/coordinate/not_yet.html", kind=kind, ident=ident,
                               as_of=as_of, window=window), 200
    rows = []
    reports = journey().leadership
    for community_id in communities or ():
        try:
            rows.append(reports.community(community_id, window))
        except errors.UnknownReference:
            continue  # founded after the as-of moment
    kept = {k: v for k, v in (("from", window.start), ("to", window.end),
                              ("as_of", None if as_of.error else as_of.text)) if v}
    id_arg = {f"{kind}_id": ident}
    # A download carries the exact moment the page showed (the end of the picked day in
    # the reader's zone), not the date: a bare date means 00:00 UTC to the CSV, as to the
    # API and the command line.
    exact = {k: v for k, v in (("from", window.start), ("to", window.end),
                               ("as_of", None if as_of.error else as_of.exact)) if v}
    csv_links = {table: url_for(csv_endpoint, table=table, **id_arg, **exact)
                 for table in ("leadership", "sessions")}
    # A refused window shows all time, but its boxes keep the dates as they were typed.
    typed = {k: (request.args.get(k) or "").strip() for k in ("from", "to")}
    return render_template(
        "pages/coordinate/dashboard.html", kind=kind, kept=kept, csv_links=csv_links, ident=ident, report=report,
        as_of=as_of, window=window, window_error=window_error, typed=typed, charts=_charts(report),
        tier_counts=_tier_counts(report), names=metric_names(),
        explanations=metric_explanations(), tier_names=tier_names(), rows=rows,
        community_names=_community_names(communities or ([ident] if kind == "community" else [])),
        metrics=METRICS, ratios=RATIOS)


@bp.get("/coordinate/communities/<community_id>")
@login_required
def coordinate_community(community_id: str):
    """DESIGN's leadership report of one community, as of any moment, with its trend."""
    require(lambda state, who, now: may_read_community(who, community_id),
            exists=lambda state: community_id in state.communities)
    reports = journey().leadership
    return _dashboard("community", community_id,
                      lambda w: reports.community(community_id, w, with_trend=True),
                      "pages.coordinate_community_csv")


@bp.get("/coordinate/networks/<network_id>")
@login_required
def coordinate_network(network_id: str):
    """The leadership report pooled over a network, and its communities side by side."""
    require(lambda state, who, now: may_read_network(who, network_id),
            exists=lambda state: network_id in state.networks)
    reports = journey().leadership
    fold_first()
    return _dashboard("network", network_id,
                      lambda w: reports.network(network_id, w, with_trend=True),
                      "pages.coordinate_network_csv",
                      communities=reports.communities_of(network_id))


def _csv_window() -> tuple[AsOf, Window]:
    """The as-of moment and window of a CSV download; a bad one is a 400 (no page to
    show a message beside: the dashboard's links only ever carry good values).

    `as_of` is read as the API reads it (a date is 00:00 UTC of that day, a time needs its
    offset), not as the pages read their picker: the dashboard's links carry the exact
    moment they showed, and a URL means the same cut for whoever opens it."""
    as_of = exact_as_of_from_request()
    window, error = _window_args(as_of)
    if as_of.error or error:
        abort(400)
    return as_of, window


@bp.get("/coordinate/communities/<community_id>/<any(leadership, sessions):table>.csv")
@login_required
def coordinate_community_csv(community_id: str, table: str):
    """The community's leadership row or its sessions, as `journey export-csv` writes them."""
    require(lambda state, who, now: may_read_community(who, community_id),
            exists=lambda state: community_id in state.communities)
    fold_first()
    as_of, window = _csv_window()
    reports = journey().leadership
    if table == "leadership":
        return _csv(f"leadership-{community_id}.csv", LEADERSHIP_CSV_COLUMNS,
                    [leadership_csv_row(reports.community(community_id, window))], as_of)
    return _csv(f"sessions-{community_id}.csv", SESSIONS_CSV_COLUMNS,
                reports.sessions_rows([community_id], window), as_of)


@bp.get("/coordinate/networks/<network_id>/<any(leadership, sessions):table>.csv")
@login_required
def coordinate_network_csv(network_id: str, table: str):
    """A row per community of the network and one for the network (leadership), or its
    sessions: the CSV of `journey export-csv --network`."""
    require(lambda state, who, now: may_read_network(who, network_id),
            exists=lambda state: network_id in state.networks)
    fold_first()
    as_of, window = _csv_window()
    reports = journey().leadership
    chosen = reports.communities_of(network_id, window)  # as of then, not founded since
    if table == "leadership":
        rows = [leadership_csv_row(reports.community(c, window)) for c in chosen]
        rows.append(leadership_csv_row(reports.network(network_id, window)))
        return _csv(f"leadership-{network_id}.csv", LEADERSHIP_CSV_COLUMNS, rows, as_of)
    return _csv(f"sessions-{network_id}.csv", SESSIONS_CSV_COLUMNS,
                reports.sessions_rows(chosen, window), as_of)


# -- compare ------------------------------------------------------------------------------------

Period = tuple[str | None, str | None]


def _periods() -> tuple[list[Period], list[str], list[Period]]:
    """Periods from `?period=A..B` and from paired `?from=&to=` date inputs: those that
    can be shown, the problems of the others, and all of them as asked (the form shows
    them again as typed, a refused one too, each in its own boxes)."""
    periods: list[Period] = []
    problems: list[str] = []
    for text in request.args.getlist("period"):
        if ".." not in text:
            problems.append(_("“%(text)s” is not a period such as 2024-01-01..2024-07-01.",
                              text=text))
            continue
        start, end = (part.strip() or None for part in text.split("..", 1))
        periods.append((start, end))
    starts, ends = request.args.getlist("from"), request.args.getlist("to")
    for start, end in zip(starts, ends):
        if start.strip() or end.strip():
            periods.append((start.strip() or None, end.strip() or None))
    checked = []
    for period in periods:
        try:
            parse_period(period)
        except errors.Refused as exc:
            problems.append(explain(exc.rule, exc.message))
            continue
        checked.append(period)
    return checked[:20], problems, periods


def _compare_access(chosen: list[str]) -> None:
    def check(state, who, now) -> tuple[bool, bool]:
        return (all(c in state.communities for c in chosen),
                all(may_evaluate(who, c) for c in chosen))

    found, allowed = judged(check)
    if not found:
        abort(404)
    if not allowed:
        abort(403)


@bp.get("/coordinate/compare")
@login_required
def coordinate_compare():
    """Communities and periods side by side: figures, leadership and stories by cycle."""
    fold_first()
    chosen = list(dict.fromkeys(request.args.getlist("community")))[:50]
    _compare_access(chosen)

    def reach(state, who, now) -> list[str]:
        return sorted(c for c in state.communities if may_evaluate(who, c))

    available = judged(reach)
    if not available:
        abort(403)
    as_of = as_of_from_request()
    periods, problems, asked = _periods()
    view, leadership = None, []
    bad_input = bool(problems)
    if chosen and not problems:
        asked = periods or [(None, None)]
        try:
            view = journey().views.evaluation(chosen, asked, viewer=page_viewer(),
                                              as_of=as_of.moment)
            reports = journey().leadership
            leadership = [reports.community(col["community_id"],
                                            Window(col["from"], col["to"], as_of.moment))
                          for col in view["columns"]]
        except errors.UnknownReference as exc:
            view, leadership = None, []
            problems.append(_("Not yet recorded at that moment: %(reason)s",
                              reason=exc.message))
    status = 400 if bad_input else 200
    # From what the page understood, as the dashboards' links are: a value the page
    # showed "now" for would make the download a 400.
    csv_link = url_for("pages.coordinate_compare_csv", community=chosen,
                       period=[f"{start or ''}..{end or ''}" for start, end in periods],
                       as_of=None if as_of.error else as_of.exact)
    return render_template(
        "pages/coordinate/compare.html", available=available, csv_link=csv_link,
        names=_community_names(available), chosen=chosen, periods=asked, problems=problems,
        view=view, leadership=leadership, as_of=as_of, metric_names=metric_names(),
        metrics=METRICS, ratios=RATIOS, cycles=CYCLES, cycle_names=cycle_names()), status


@bp.get("/coordinate/compare.csv")
@login_required
def coordinate_compare_csv():
    """The comparison's stories by cycle (EVALUATION_CSV_COLUMNS), as the viewer may see."""
    fold_first()
    chosen = list(dict.fromkeys(request.args.getlist("community")))[:50]
    if not chosen:
        abort(400)
    _compare_access(chosen)
    as_of = exact_as_of_from_request()  # as the dashboards' downloads read it
    periods, problems, _asked = _periods()
    if problems or as_of.error:
        abort(400)
    view = journey().views.evaluation(chosen, periods or [(None, None)],
                                      viewer=page_viewer(), as_of=as_of.moment)
    return _csv("evaluation.csv", EVALUATION_CSV_COLUMNS, evaluation_csv_rows(view), as_of)


# -- the log --------------------------------------------------------------------------------------

@bp.get("/coordinate/verify")
@login_required
def coordinate_verify():
    """Walk the hash chain and the sealed head: OK n events and the head, or the first break."""
    require(lambda state, who, now: may_verify_log(who))
    fold_first()
    log = journey().log
    report = verify_log(log.recorder, log.instance)
    return render_template("pages/coordinate/verify.html", report=report)

