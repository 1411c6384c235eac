"""`journey report …`, `journey export-csv` and `journey projections …`: thin readers."""
from __future__ import annotations

import io
import json
import sys
from typing import Any, Callable, Iterable

import click

from events.files import private_file
from journey import errors
from journey.access import require_known
from journey.clock import BadTime, parse_time
from projections.app import rebuild_projections
from projections.csv_rows import (EVALUATION_CSV_COLUMNS, PORTFOLIO_CSV_COLUMNS,
                                  RESOURCES_CSV_COLUMNS, evaluation_csv_rows,
                                  portfolio_csv_rows, resources_csv_rows, write_csv)
from projections.leadership.report import (LEADERSHIP_CSV_COLUMNS, SESSIONS_CSV_COLUMNS, Window,
                                           leadership_csv_row, parse_period)

METRICS = ("enrolled", "sessions", "breadth", "gini", "entropy", "member_led_share", "rotation",
           "reciprocity", "in_degree_centralization")


def viewer_option(fn: Callable) -> Callable:
    return click.option("--viewer", metavar="MEMBER",
                        help="Apply this member's rights (default: the operator, who sees "
                             "everything, private reflections included).")(fn)


def as_of_option(fn: Callable) -> Callable:
    return click.option("--as-of", "as_of", metavar="T",
                        help="Replay history: only what was recorded by T (RFC 3339 or "
                             "YYYY-MM-DD).")(fn)


def _as_of(text: str | None):
    if text is None:
        return None
    try:
        return parse_time(text)
    except BadTime as exc:
        raise errors.InvalidValue(str(exc), rule="as_of") from exc


def _fresh(journey) -> Any:
    """Fold what was appended since the projections' checkpoints before reading."""
    journey.runner.catch_up()
    return journey


def _known(journey, *, members=(), communities=(), networks=()) -> None:
    """Refuse an unknown member, community or network id before reading anything: every
    command here checks the ids it was given through this one check (DESIGN "Errors")."""
    journey.store.read_state(lambda state: require_known(
        state, members=members, communities=communities, networks=networks))


def _scope(community: str | None, network: str | None) -> tuple[str, str]:
    if bool(community) == bool(network):
        raise errors.InvalidValue("give exactly one of --community C or --network N",
                                  rule="scope")
    return ("community", community) if community else ("network", network)


def _leadership(journey, kind: str, ident: str, window: Window, trend: bool = False) -> dict:
    reports = _fresh(journey).leadership
    if kind == "community":
        return reports.community(ident, window, with_trend=trend)
    return reports.network(ident, window, with_trend=trend)


def _number(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def print_leadership(report: dict) -> None:
    """DESIGN's report as a table a coordinator reads."""
    scope = report.get("community_id") or report.get("network_id")
    kind = "community" if "community_id" in report else "network"
    click.echo(f"Leadership of {kind} {scope}, from {report['from'] or 'the start'} to "
               f"{report['to'] or 'now'}"
               + (f", as of {report['as_of']}" if report["as_of"] else "")
               + f" (log position {report['as_of_position']})")
    for key in METRICS:
        click.echo(f"  {key.replace('_', ' '):<26} {_number(report[key])}")
    counts: dict[str, list[str]] = {}
    for member, tier in sorted(report["tiers"].items()):
        counts.setdefault(tier, []).append(member)
    for tier in ("core", "active", "peripheral", "inactive"):
        people = counts.get(tier, [])
        listed = f"  ({', '.join(people)})" if 0 < len(people) <= 12 else ""
        click.echo(f"  {tier:<26} {len(people)}{listed}")
    for quarter in report.get("trend", []):
        click.echo(f"  {quarter['quarter']}: sessions {quarter['sessions']}, breadth "
                   f"{_number(quarter['breadth'])}, member-led "
                   f"{_number(quarter['member_led_share'])}, rotation {quarter['rotation']}")


def register(main: click.Group, journey_of: Callable[[click.Context], Any]) -> None:
    """Add the report, export-csv and projections commands to the `journey` group."""

    @main.group("report")
    def report() -> None:
        """Reports from the projections (the operator's view unless --viewer).

        Each report ends with the log head it was made from, signed, on stderr.

        \b
        Example:
          journey report leadership --community vrsac-1 --json
        """

    @report.command("leadership")
    @click.option("--community", metavar="C", help="A community id.")
    @click.option("--network", metavar="N", help="A network id (pooled over its communities).")
    @click.option("--from", "start", metavar="D", help="Window start (occurred_at), inclusive.")
    @click.option("--to", "end", metavar="D", help="Window end (occurred_at), exclusive.")
    @as_of_option
    @click.option("--trend", is_flag=True, help="Add the metrics per calendar quarter.")
    @click.option("--json", "as_json", is_flag=True, help="Print DESIGN's report JSON.")
    @click.pass_context
    def leadership(ctx, community, network, start, end, as_of, trend, as_json) -> None:
        """Distributed-leadership metrics of a community or a network.

        \b
        Example:
          journey report leadership --community vrsac-1 --from 2024-01-01 --to 2024-07-01 --json
          journey report leadership --network sel-serbia --as-of 2024-06-30 --trend
        """
        kind, ident = _scope(community, network)
        journey = journey_of(ctx)
        _known(journey, communities=[community], networks=[network])
        result = _leadership(journey, kind, ident, Window(start, end, _as_of(as_of)),
                             trend)
        if as_json:
            _echo_json(result)
        else:
            print_leadership(result)
        _say_head(journey, result["as_of_position"])

    @report.command("compare")
    @click.option("--community", "communities", multiple=True, metavar="C",
                  help="A community (repeat for several).")
    @click.option("--network", "networks", multiple=True, metavar="N",
                  help="A network (repeat for several).")
    @click.option("--period", "periods", multiple=True, required=True, metavar="A..B",
                  help="A window such as 2023-09-01..2024-07-01 (repeat for several).")
    @as_of_option
    @click.option("--json", "as_json", is_flag=True, help="Print a JSON list of reports.")
    @click.pass_context
    def compare(ctx, communities, networks, periods, as_of, as_json) -> None:
        """Communities (or networks) and periods side by side.

        \b
        Example:
          journey report compare --community vrsac-1 --community nis-1 \\
              --period 2023-01-01..2024-01-01 --period 2024-01-01..2025-01-01
        """
        scopes = [("community", c) for c in communities] + [("network", n) for n in networks]
        if not scopes:
            raise errors.InvalidValue("name at least one --community or --network",
                                      rule="scope")
        moment = _as_of(as_of)
        windows = [parse_period(p) for p in periods]
        journey = journey_of(ctx)
        _known(journey, communities=communities, networks=networks)
        results = [_leadership(journey, kind, ident, Window(w.start, w.end, moment))
                   for kind, ident in scopes for w in windows]
        if as_json:
            click.echo(json.dumps(results, ensure_ascii=False))
        else:
            print_compare(results)
        _say_head(journey, results[0]["as_of_position"])

    @report.command("portfolio")
    @click.argument("member")
    @viewer_option
    @as_of_option
    @click.option("--community", "communities", multiple=True, metavar="C",
                  help="Only this community's entries (repeat for several).")
    @click.option("--type", "types", multiple=True, metavar="TYPE",
                  help="Only these event types, e.g. SessionLed (repeat for several).")
    @click.option("--from", "start", metavar="D", help="Timeline from this day.")
    @click.option("--to", "end", metavar="D", help="Timeline before this day.")
    @click.option("--json", "as_json", is_flag=True, help="Print the view as JSON.")
    @click.pass_context
    def portfolio(ctx, member, viewer, as_of, communities, types, start, end, as_json) -> None:
        """A member's growth portfolio: timeline, sessions led, resources, reflections,
        steps, recognitions and badges, and the path from periphery to core.

        \b
        Example:
          journey report portfolio m-0086b46f01 --viewer m-0086b46f01 --json
        """
        filters = {"communities": list(communities), "types": list(types), "from": start,
                   "to": end}
        journey = journey_of(ctx)
        _known(journey, members=[member, viewer], communities=communities)
        view = _fresh(journey).views.portfolio(member, viewer=viewer, as_of=_as_of(as_of),
                                               filters=filters)
        if as_json:
            _echo_json(view)
        else:
            print_portfolio(view)
        _say_head(journey, view["as_of_position"])

    @report.command("community")
    @click.argument("community")
    @viewer_option
    @as_of_option
    @click.option("--json", "as_json", is_flag=True, help="Print the view as JSON.")
    @click.pass_context
    def community(ctx, community, viewer, as_of, as_json) -> None:
        """A community: members and roles over time, norms, calendar, library and plans.

        \b
        Example:
          journey report community stepojevac-1 --as-of 2023-06-30
        """
        journey = journey_of(ctx)
        _known(journey, members=[viewer], communities=[community])
        view = _fresh(journey).views.community(community, viewer=viewer,
                                               as_of=_as_of(as_of))
        if as_json:
            _echo_json(view)
        else:
            print_community(view)
        _say_head(journey, view["as_of_position"])

    @report.command("evaluation")
    @click.option("--community", "communities", multiple=True, required=True, metavar="C",
                  help="A community (repeat for several).")
    @click.option("--period", "periods", multiple=True, metavar="A..B",
                  help="A window such as 2023-09-01..2024-07-01 (repeat; default: all).")
    @viewer_option
    @as_of_option
    @click.option("--json", "as_json", is_flag=True, help="Print the view as JSON.")
    @click.pass_context
    def evaluation(ctx, communities, periods, viewer, as_of, as_json) -> None:
        """Value-creation stories by cycle, communities and periods side by side.

        \b
        Example:
          journey report evaluation --community vrsac-1 --period 2023-01-01..2024-01-01
        """
        journey = journey_of(ctx)
        _known(journey, members=[viewer], communities=communities)
        view = _fresh(journey).views.evaluation(
            list(communities), _periods(periods), viewer=viewer, as_of=_as_of(as_of))
        if as_json:
            _echo_json(view)
        else:
            for column in view["columns"]:
                click.echo(f"{column['community_id']} {column.get('from') or ''}.."
                           f"{column.get('to') or ''}")
                for cycle, stories in column["stories"].items():
                    click.echo(f"  {cycle}: {len(stories)} stories")
        _say_head(journey, view["as_of_position"])

    @main.command("export-csv")
    @click.option("--report", "kind", required=True,
                  type=click.Choice(["leadership", "sessions", "portfolio", "resources",
                                     "evaluation"]), help="Which table.")
    @click.option("--member", metavar="M", help="The member (portfolio, resources).")
    @click.option("--viewer", metavar="MEMBER",
                  help="Apply this member's rights (portfolio, resources, evaluation; "
                       "default: the operator, who sees everything, private reflections "
                       "included).")
    @click.option("--community", "communities", multiple=True, metavar="C",
                  help="Communities to include (default: every community); resources "
                       "without --member: exactly one.")
    @click.option("--network", metavar="N",
                  help="Every community of a network (leadership, sessions).")
    @click.option("--from", "start", metavar="D",
                  help="Window start (occurred_at; not for resources).")
    @click.option("--to", "end", metavar="D", help="Window end (occurred_at; not for resources).")
    @as_of_option
    @click.option("--out", type=click.Path(dir_okay=False, writable=True),
                  help="Write to this file instead of standard output (private: mode "
                       "0600, also when it existed; it may hold private reflections).")
    @click.pass_context
    def export_csv(ctx, kind, member, viewer, communities, network, start, end, as_of,
                   out) -> None:
        """CSV for evaluation reports (UTF-8, one header row).

        An option the chosen report does not read is refused, not ignored. A text cell
        that starts like a spreadsheet formula (=, +, -, @, tab, carriage return) is
        written with a leading ' so a spreadsheet shows it as text; numbers stay numbers.
        The log head it was made from, signed, goes to stderr.

        \b
        Example:
          journey export-csv --report leadership --network sel-serbia --from 2024-01-01 --out l.csv
          journey export-csv --report sessions --community vrsac-1
          journey export-csv --report portfolio --member m-0086b46f01 --viewer m-0086b46f01
        """
        _csv_options_apply(ctx, kind, {"--member": member, "--viewer": viewer,
                                       "--community": communities, "--network": network,
                                       "--from": start, "--to": end})
        journey = journey_of(ctx)
        _known(journey, members=[member, viewer], communities=communities, networks=[network])
        journey = _fresh(journey)
        window = Window(start, end, _as_of(as_of))
        # Every projection caught up just now: the views' cut is the reports' cut too.
        position = journey.views.cut(window.as_of).position
        if kind in ("portfolio", "resources", "evaluation"):
            columns, rows = _view_csv(journey, kind, member, viewer, list(communities),
                                      start, end, window.as_of)
            _write_csv(out, columns, rows)
            _say_head(journey, position)
            return
        chosen = list(communities) or journey.leadership.communities_of(network, window)
        if kind == "leadership":
            columns = LEADERSHIP_CSV_COLUMNS
            rows: Iterable[list] = [leadership_csv_row(journey.leadership.community(c, window))
                                    for c in chosen]
            if network:
                rows = list(rows) + [leadership_csv_row(journey.leadership.network(network,
                                                                                   window))]
        else:
            columns = SESSIONS_CSV_COLUMNS
            rows = journey.leadership.sessions_rows(chosen, window)
        _write_csv(out, columns, rows)
        _say_head(journey, position)

    @main.group("projections")
    def projections() -> None:
        """The read models folded from the log.

        \b
        Example:
          journey projections status
        """

    @projections.command("status")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    @click.pass_context
    def status(ctx, as_json) -> None:
        """Name, version, checkpoint, lag and state of every projection.

        \b
        Example:
          journey projections status --json
        """
        states = journey_of(ctx).runner.status()
        if as_json:
            click.echo(json.dumps([s.__dict__ for s in states]))
            return
        click.echo(f"{'name':<14}{'version':>8}{'checkpoint':>12}{'lag':>8}  state")
        for s in states:
            click.echo(f"{s.name:<14}{s.version:>8}{s.checkpoint:>12}{s.lag:>8}  {s.state}"
                       + (f"  ({s.error})" if s.error else ""))

    @projections.command("rebuild")
    @click.argument("name", required=False)
    @click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
                  metavar="N", help="Fold the projections in N processes at once (each "
                                    "projection in one of them): for a long log and CPUs "
                                    "to spare (one process already writes while it folds).")
    @click.pass_context
    def rebuild(ctx, name, jobs) -> None:
        """Drop a projection's rows (all projections without NAME) and fold the log again.

        \b
        Examples:
          journey projections rebuild leadership
          journey projections rebuild --jobs 2
        """
        journey = journey_of(ctx)
        if name is not None and name not in journey.runner.projections:
            raise errors.UnknownReference(
                f"there is no projection {name}; there are "
                f"{', '.join(sorted(journey.runner.projections))}", rule="unknown_projection")
        names = [name] if name else None
        end = journey.store.last_position()
        if sys.stderr.isatty() and end:
            with click.progressbar(length=end, label="Rebuilding", file=sys.stderr) as bar:
                done = [0]

                def progress(position: int, _end: int) -> None:
                    bar.update(position - done[0])
                    done[0] = position

                rebuild_projections(journey, names, jobs=jobs, progress=progress)
        else:
            rebuild_projections(journey, names, jobs=jobs)
        for s in journey.runner.status():
            if name is None or s.name == name:
                click.echo(f"{s.name}: folded {s.checkpoint} events ({s.state})")


#: The options each `export-csv --report` reads (--as-of and --out: every one). Another
#: option given would be silently ignored, the CSV looking like an answer to it: refused.
CSV_OPTIONS = {
    "leadership": ("--community", "--network", "--from", "--to"),
    "sessions": ("--community", "--network", "--from", "--to"),
    "portfolio": ("--member", "--viewer", "--community", "--from", "--to"),
    "resources": ("--member", "--viewer", "--community"),
    "evaluation": ("--community", "--viewer", "--from", "--to"),
}
#: Pairs a report reads one of, not both: the sessions of the named communities or of a
#: network's (leadership adds the network's pooled row to its communities' rows); a
#: member's resources or a community's.
CSV_EXCLUSIVE = {"sessions": ("--community", "--network"),
                 "resources": ("--member", "--community")}


def _csv_options_apply(ctx: click.Context, kind: str, given: dict[str, Any]) -> None:
    """Refuse (usage, exit 1) an option `kind` does not read, or both of an exclusive pair."""
    extra = [name for name, value in given.items()
             if value and name not in CSV_OPTIONS[kind]]
    if extra:
        reads = ", ".join(CSV_OPTIONS[kind] + ("--as-of",))
        raise click.UsageError(f"{extra[0]} does not apply to --report {kind} "
                               f"(it reads {reads})", ctx=ctx)
    pair = CSV_EXCLUSIVE.get(kind)
    if pair and all(given[name] for name in pair):
        raise click.UsageError(f"--report {kind} reads {pair[0]} or {pair[1]}, not both",
                               ctx=ctx)


def _view_csv(journey, kind, member, viewer, communities, start, end, as_of):
    views = journey.views
    if kind == "evaluation":
        if not communities:
            raise errors.InvalidValue("name the communities with --community", rule="scope")
        view = views.evaluation(communities, [(start, end)], viewer=viewer, as_of=as_of)
        return EVALUATION_CSV_COLUMNS, evaluation_csv_rows(view)
    if kind == "resources" and member is None and len(communities) == 1:
        view = views.community(communities[0], viewer=viewer, as_of=as_of)
        return RESOURCES_CSV_COLUMNS, resources_csv_rows(view)
    if member is None:
        raise errors.InvalidValue("name the member with --member (or one --community for "
                                  "resources)", rule="scope")
    view = views.portfolio(member, viewer=viewer, as_of=as_of,
                           filters={"communities": communities, "from": start, "to": end})
    if kind == "portfolio":
        return PORTFOLIO_CSV_COLUMNS, portfolio_csv_rows(view)
    return RESOURCES_CSV_COLUMNS, resources_csv_rows(view)


def _periods(texts) -> list[tuple[str | None, str | None]]:
    windows = [parse_period(t) for t in texts] or [Window()]
    return [(w.start, w.end) for w in windows]


def _say_head(journey, position: int) -> None:
    """The signed head a report was made from, on stderr (DESIGN "Tamper evidence": reports
    print the head they were made from): standard output stays the report alone, the same
    JSON as the API's, and the line reads as `journey export`'s does."""
    head = journey.log.signed_head(position)
    click.echo(f"made from log head {head['position']} {head['hash']} "
               f"(signed: {head['signature']})", err=True)


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, default=str))


def print_compare(results: list[dict]) -> None:
    """Reports side by side: a metric per row, a scope and period per column."""
    first = results[0]
    click.echo((f"As of {first['as_of']}" if first["as_of"] else "As of now")
               + f" (log position {first['as_of_position']})")
    header = ["metric"] + [f"{r.get('community_id') or r.get('network_id')} "
                           f"{r['from'] or ''}..{r['to'] or ''}" for r in results]
    rows = [[key] + [_number(r[key]) for r in results] for key in METRICS]
    widths = [max(len(str(row[i])) for row in [header] + rows) for i in range(len(header))]
    for row in [header] + rows:
        click.echo("  ".join(str(v).ljust(w) for v, w in zip(row, widths)))


def print_portfolio(view: dict) -> None:
    """A portfolio as a teacher or mentor reads it in a terminal."""
    member = view["member"]
    click.echo(f"Portfolio of {member.get('name') or 'erased member'} ({member['member_id']})"
               + (f", as of {view['as_of']}" if view.get("as_of") else ""))
    click.echo(f"  communities: {', '.join(c['community_id'] for c in view['communities'])}")
    click.echo(f"  sessions led: {len(view['sessions_led'])}; resources shared: "
               f"{len(view['resources'])} (reused by others "
               f"{sum(r.get('reuses_by_others', 0) for r in view['resources'])} times); "
               f"reflections: {len(view['reflections'])}; steps completed: "
               f"{len(view['steps_completed'])}")
    for badge in view["recognitions"] + view["rule_badges"]:
        click.echo(f"  badge: {badge['name']}")
    for community_id, quarters in view["tiers"].items():
        path = " → ".join(f"{q['quarter']} {q['tier']}" for q in quarters)
        click.echo(f"  path in {community_id}: {path}")
    click.echo(f"  timeline: {len(view['timeline'])} entries")
    for item in view["timeline"][-10:]:
        click.echo(f"    {item['occurred_at']}  {item['type']:<20} {item.get('summary') or ''}")


def print_community(view: dict) -> None:
    """A community's picture in a terminal."""
    info = view["community"]
    click.echo(f"{info['name']} ({info['community_id']})"
               + (f", as of {view['as_of']}" if view.get("as_of") else ""))
    click.echo(f"  members: {len(view['members'])}; sessions in the calendar: "
               f"{len(view['calendar'])}; resources: {len(view['resources'])}; plans: "
               f"{len(view['plans'])}")
    current = (view.get("norms") or {}).get("current")
    for norm in (current or {}).get("norms", []):
        click.echo(f"  norm: {norm}")


def _write_csv(out: str | None, columns, rows) -> None:
    if not out:
        write_csv(sys.stdout, columns, rows)
        return
    # The operator's view by default, private reflections included: 0600, as the dump.
    with private_file(out) as f:
        handle = io.TextIOWrapper(f, encoding="utf-8", newline="")
        write_csv(handle, columns, rows)
        handle.flush()
        handle.detach()  # the file stays open for private_file to sync and move in

