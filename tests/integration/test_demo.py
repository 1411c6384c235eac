"""`journey demo`: the generator is deterministic and pure; its small scale loads, whole.

One SQLite log per module holds the small demo (seed 1), loaded through the store's
ordinary append path; the tests read it back through the store and the leadership reports.
"""
from __future__ import annotations

import ast
import itertools
import json
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

import journey.demo as demo
from events.exchange import export_lines
from events.schemas import schema_for, validate_corrections
from journey.clock import UTC
from journey.config import Config
from journey.events import VALUE_CYCLES
from journey.records import RecordEvent
from projections.app import Journey, init_journey, open_journey
from projections.demo_runner import DemoError, DemoReport, load_demo
from projections.leadership.report import Window

END = datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC)


# -- the generator, pure ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def steps() -> list[demo.DemoStep]:
    return list(demo.generate(seed=1, scale="small"))


def test_the_same_seed_gives_the_same_commands_and_another_seed_others(steps):
    again = list(demo.generate(seed=1))
    assert again == steps
    other = list(demo.generate(seed=2))
    assert [s.command for s in other] != [s.command for s in steps]


def test_steps_are_recorded_in_order_never_before_they_occur_nor_after_2025(steps):
    assert [s.recorded_at for s in steps] == sorted(s.recorded_at for s in steps)
    for step in steps:
        assert step.command.occurred_at <= step.recorded_at <= END
    positions = list(itertools.accumulate([1] + [s.size for s in steps[:-1]]))
    assert [s.position for s in steps] == positions


def test_references_point_back_to_earlier_events(steps):
    kinds = {}
    for step in steps:
        if isinstance(step.command, RecordEvent):
            kinds[step.position] = step.command.event.type
        for p in demo.references(step.command):
            assert 0 < p < step.position
            assert p in kinds


def test_every_event_passes_its_exchange_schema(steps):
    by_position = {s.position: s for s in steps}
    for step in steps:
        if not isinstance(step.command, RecordEvent):
            continue
        event = step.command.event
        schema_for(event.type).load(event.to_data())
        if event.type == "EntryCorrected":
            target = by_position[event.position].command.event
            validate_corrections(target.type, event.fields)


def test_people_have_example_org_addresses_and_minted_ids(steps):
    registered = [s.command.event for s in steps if isinstance(s.command, RecordEvent)
                  and s.command.event.type == "MemberRegistered"]
    assert len({e.email for e in registered}) == len(registered)
    for event in registered:
        assert event.email.endswith("@example.org")
        assert event.member_id.startswith("m-")


def test_the_generator_imports_only_the_standard_library_and_the_domain():
    folder = Path(demo.__file__).parent
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in sys.stdlib_module_names or top == "journey", (path.name, name)


def test_an_unknown_scale_is_refused():
    with pytest.raises(ValueError):
        next(demo.generate(scale="huge"))


@pytest.mark.slow
def test_the_full_scale_reaches_200000_events():
    started = time.monotonic()
    events = sum(step.size for step in demo.generate(seed=1, scale="full"))
    print(f"\nfull scale: {events} events generated in {time.monotonic() - started:.1f} s")
    assert events >= 200_000


# -- the small demo, loaded --------------------------------------------------------------------

@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> tuple[Journey, DemoReport]:
    folder: Path = tmp_path_factory.mktemp("demo")
    config = Config(f"sqlite:///{folder / 'journey.db'}", folder / "instance",
                    "http://127.0.0.1:5000")
    init_journey(config)
    journey = open_journey(config)
    clock = journey.store.clock
    report = load_demo(journey.store, seed=1, scale="small")
    assert journey.store.clock is clock
    print(f"\nsmall scale: {report.events} events, {report.communities} communities, "
          f"{report.members} members, loaded in {report.seconds:.1f} s")
    journey.runner.catch_up()
    yield journey, report
    journey.close()


@pytest.fixture(scope="module")
def log(loaded) -> list:
    journey, _ = loaded
    return list(journey.store.read())


def test_the_small_demo_loads_whole_in_under_a_minute(loaded, steps):
    journey, report = loaded
    assert report.events == sum(s.size for s in steps) == journey.store.last_position()
    assert report.seconds < 60
    assert report.communities == 18


def test_the_log_keeps_each_steps_recorded_at_and_positions(log, steps):
    assert [r.recorded_at for r in log[:200]] == list(itertools.chain.from_iterable(
        [s.recorded_at] * s.size for s in steps))[:200]
    by_position = {r.position: r for r in log}
    for step in steps:
        if isinstance(step.command, RecordEvent):
            assert by_position[step.position].event == step.command.event


def test_the_demo_loads_into_an_empty_log_only(loaded):
    journey, _ = loaded
    with pytest.raises(DemoError):
        load_demo(journey.store)


def _joined(log, communities) -> dict[str, str]:
    """member -> role of their first join in any of the communities."""
    out: dict[str, str] = {}
    for r in log:
        if r.type == "MemberJoined" and r.event.community_id in communities:
            out.setdefault(r.event.member_id, r.event.role)
    return out


def _registered(log) -> dict:
    return {r.event.member_id: r.event for r in log if r.type == "MemberRegistered"}


def _founded(log) -> dict:
    return {r.event.community_id: r.event for r in log if r.type == "CommunityFounded"}


def test_five_serbian_school_cops_with_sixty_educators_and_a_network_meeting(log):
    founded = _founded(log)
    schools = {founded[c].schools[0] for c in demo.RS_COMMUNITIES}
    assert len(schools) == 5
    assert all(founded[c].network_id == demo.RS_NETWORK for c in demo.RS_COMMUNITIES)
    educators = [m for m, role in _joined(log, demo.RS_COMMUNITIES).items()
                 if role != "coordinator"]
    assert len(educators) >= 60
    jobs = Counter(_registered(log)[m].job_title.split(",")[0] for m in educators)
    assert jobs["school principal"] == 5 and jobs["school psychologist"] >= 1
    plans = [r.event for r in log if r.type == "ActionPlanCreated"]
    assert {p.community_id for p in plans} == set(demo.RS_COMMUNITIES)
    assert all({"students", "parents"} <= set(p.involves) for p in plans)
    revised = {r.event.community_id for r in log if r.type == "ActionPlanRevised"}
    assert revised == set(demo.RS_COMMUNITIES)
    cross = [r.event for r in log if r.type == "SessionLed"
             and r.event.community_id == demo.RS_HORIZONTAL]
    assert cross and founded[demo.RS_HORIZONTAL].network_id == demo.RS_NETWORK
    # Resources reused across schools.
    owner = {r.event.resource_id: r.event.community_id for r in log if r.type == "ResourceShared"}
    assert any(owner[r.event.resource_id] != r.event.community_id
               for r in log if r.type == "ResourceReused"
               and r.event.community_id in demo.RS_COMMUNITIES)


def test_a_cross_border_virtual_cop_in_nigeria_lebanon_and_kenya(log):
    founded = _founded(log)[demo.QHL_COMMUNITY]
    assert founded.mode == "virtual"
    registered = _registered(log)
    members = [m for m, role in _joined(log, {demo.QHL_COMMUNITY}).items() if role == "member"]
    countries = Counter(registered[m].school.rsplit(", ", 1)[-1] for m in members)
    assert {"Nigeria", "Lebanon", "Kenya"} <= set(countries)
    assert all(countries[c] >= 5 for c in ("Nigeria", "Lebanon", "Kenya"))
    calls = [r.event for r in log if r.type == "SessionLed"
             and r.event.community_id == demo.QHL_COMMUNITY]
    assert calls and all(c.format == "online_call" for c in calls)
    assert {r.occurred_at.year for r in log if r.type == "SessionLed"
            and r.event.community_id == demo.QHL_COMMUNITY} == {2023, 2024}
    links = [r.event for r in log if r.type == "ResourceShared"
             and r.event.community_id == demo.QHL_COMMUNITY and r.event.kind == "link"]
    assert any("channel" in e.title and e.url for e in links)


def test_the_2024_pathways_cop_has_40_aspiring_teachers_12_coaches_and_3_staff(log, loaded):
    registered = _registered(log)
    joined = _joined(log, {demo.PTP_COMMUNITY})
    titles = Counter(registered[m].job_title.split(" ")[0] for m in joined)
    assert titles == {"aspiring": 40, "coach": 12, "CPL": 3}
    assert sum(1 for m in joined
               if registered[m].job_title.startswith(demo.PTP_ASPIRING_TITLE)) == 40
    sessions = [r for r in log if r.type == "SessionLed"
                and r.event.community_id == demo.PTP_COMMUNITY]
    monthly = {r.occurred_at.month for r in sessions if r.event.format == "online_call"}
    assert monthly == set(range(1, 13))
    assert all(joined[m] in ("facilitator", "coordinator") for r in sessions
               if r.event.format == "online_call" for m in r.event.leaders)
    journey, _ = loaded
    first = journey.leadership.community(demo.PTP_COMMUNITY, Window("2024-01-01", "2024-07-01"))
    second = journey.leadership.community(demo.PTP_COMMUNITY, Window("2024-07-01", "2025-01-01"))
    assert second["member_led_share"] > first["member_led_share"]


def test_ten_macedonian_learning_communities_with_130_teachers_and_a_mentor_each(log):
    founded = _founded(log)
    mk = demo.MK_COMMUNITIES
    assert len(mk) == 10 and all(founded[c].network_id == demo.MK_NETWORK for c in mk)
    languages = Counter(founded[c].domain.rsplit(" ", 1)[-1] for c in mk)
    assert set(languages) == {"Turkish", "Serbian", "Bosnian"}
    registered = _registered(log)
    joined = _joined(log, set(mk))
    teachers = [m for m, role in joined.items() if role == "member"]
    assert len(teachers) >= 130
    mentors = [m for m, role in joined.items() if role == "facilitator"]
    assert len(mentors) == 10
    assert all(registered[m].job_title.startswith("project mentor") for m in mentors)
    # Each community's mentor hands facilitation over (two RoleChanged, one transaction).
    changes = Counter(r.event.community_id for r in log if r.type == "RoleChanged"
                      and r.event.community_id in mk)
    assert changes == {c: 2 for c in mk}


def test_reflections_in_every_value_cycle_and_the_corrections_of_a_living_log(log):
    cycles = {r.event.value_cycle for r in log if r.type == "ReflectionRecorded"}
    assert set(VALUE_CYCLES) <= cycles
    kinds = Counter(r.type for r in log)
    for kind in ("RecognitionRevoked", "EntryCorrected", "EntryRetracted", "BadgeDefined",
                 "RecognitionAwarded", "FeedbackGiven", "ResourceReused", "SessionCancelled",
                 "ReflectionVisibilityChanged", "MemberLeft", "NormsAgreed",
                 "ActionStepCompleted"):
        assert kinds[kind] >= 1, kind
    awards = [r.event for r in log if r.type == "RecognitionAwarded"]
    assert all(a.evidence for a in awards)
    assert {r.event.visibility for r in log if r.type == "ReflectionRecorded"} == {
        "private", "community", "network"}


def test_members_lead_more_in_each_macedonian_community_after_the_hand_over(log, loaded):
    journey, _ = loaded
    retracted = {r.event.position for r in log if r.type == "EntryRetracted"}
    for cid in demo.MK_COMMUNITIES:
        years = sorted({r.occurred_at.year for r in log if r.type == "SessionLed"
                        and r.event.community_id == cid and r.position not in retracted})
        first, last = (journey.leadership.community(cid, Window(f"{y}-01-01", f"{y + 1}-01-01"))
                       for y in (years[0], years[-1]))
        assert last["member_led_share"] >= first["member_led_share"] + 0.15, (cid, first, last)


def test_two_loads_of_one_seed_export_the_same_lines_but_event_ids_and_hashes(loaded, tmp_path):
    journey, _ = loaded
    config = Config(f"sqlite:///{tmp_path / 'again.db'}", tmp_path / "instance",
                    "http://127.0.0.1:5000")
    init_journey(config)
    again = open_journey(config)
    try:
        load_demo(again.store, seed=1)

        def lines(store):
            for line in export_lines(store):
                obj = json.loads(line)
                del obj["event_id"], obj["hash"]
                yield obj

        for first, second in zip(lines(journey.store), lines(again.store), strict=True):
            assert first == second
    finally:
        again.close()
