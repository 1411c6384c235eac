"""An award's place in its issuer's status list rests on where it first appeared in the log.

The catalogue takes the usual case (no retraction, correction or visibility change after
the event with which the rule first held) without evaluating the rules again; this checks
that shortcut, on the demo, against the definition: the first prefix of the member's
records over which the rule engine earns the award.
"""
from __future__ import annotations

import os

import projections.openbadges.catalogue as catalogue_module
from events.memory import MemoryRecorder
from events.store import EventStore
from tests.contract.scenario import Seal
from projections.badges.engine import earned_badges
from projections.demo_runner import load_demo


def _earned(member: str, records, n: int) -> set[str]:
    return {a.award_id for a in earned_badges(member, records[:n])}


def test_a_rule_award_appears_with_the_first_prefix_that_earns_it(monkeypatch) -> None:
    store = EventStore(MemoryRecorder(), master_key=os.urandom(32), seal=Seal(os.urandom(32)))
    load_demo(store, seed=1, scale="small")
    records = list(store.read())
    histories = []
    real = catalogue_module._rule_history

    def spy(member, mine, email, rules):
        history = real(member, mine, email, rules)
        histories.append((member, mine, history))
        return history

    monkeypatch.setattr(catalogue_module, "_rule_history", spy)
    cat = catalogue_module.catalogue(records)

    checked = with_cuts = 0
    for member, mine, history in histories:
        positions = [r.position for r in mine]
        for award in history:
            if award.revoked:
                continue  # vanished at a cut: found by the search, not the shortcut
            n = positions.index(award.appeared) + 1
            assert award.award_id in _earned(member, mine, n), award
            assert award.award_id not in _earned(member, mine, n - 1), award
            checked += 1
            with_cuts += any(r.type in ("EntryRetracted", "EntryCorrected",
                                        "ReflectionVisibilityChanged") for r in mine[n:])
    assert checked > 500 and with_cuts > 0, (checked, with_cuts)
    assert all(a.appeared for a in cat.awards.values())
