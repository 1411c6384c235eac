"""Reading rights (journey/access.py) on the decision state, at a moment."""
from __future__ import annotations

import pytest

from journey import errors
from journey.access import (may_evaluate, may_read_community, may_read_log, may_read_network,
                            may_read_portfolio, may_verify_log, reader, require_known)
from journey.clock import to_micros
from tests.unit.domain import make
from tests.unit.domain.ledger import FOUNDED, MAY, Ledger, when

BEFORE = to_micros(when("2024-04-01"))
AFTER = to_micros(when("2024-06-01"))


def book() -> Ledger:
    """vrsac-1 and nis-2 in serbia-sel, skopje-1 alone; jelena created serbia-sel and
    coordinates nis-2; mila leaves vrsac-1 in May."""
    ledger = Ledger()
    ledger.network("serbia-sel", founder="jelena")
    ledger.community("vrsac-1", facilitator="ana", members=["ivan", "mila"], at=FOUNDED)
    ledger.community("nis-2", facilitator="zoran", coordinators=["jelena"], at=FOUNDED)
    ledger.community("skopje-1", facilitator="petar", network=None, at=FOUNDED)
    ledger.record(make.left("mila"), "mila", MAY)
    return ledger


def test_members_read_their_community_and_their_own_portfolio() -> None:
    state = book().state
    ivan = reader(state, "ivan", is_admin=False, at=BEFORE)

    assert ivan.roles == {"vrsac-1": "member"}
    assert may_read_community(ivan, "vrsac-1") and not may_read_community(ivan, "nis-2")
    assert may_read_portfolio(state, ivan, "ivan", BEFORE)
    assert not may_read_portfolio(state, ivan, "mila", BEFORE)
    assert not may_read_network(ivan, "serbia-sel") and not may_verify_log(ivan)


def test_a_facilitator_reads_the_portfolios_of_current_members_only() -> None:
    state = book().state
    ana_before = reader(state, "ana", is_admin=False, at=BEFORE)
    ana_after = reader(state, "ana", is_admin=False, at=AFTER)

    assert may_read_portfolio(state, ana_before, "mila", BEFORE)
    assert not may_read_portfolio(state, ana_after, "mila", AFTER)  # mila left in May
    assert not may_evaluate(ana_before, "vrsac-1")


def test_a_coordinator_reads_every_community_of_their_network() -> None:
    state = book().state
    jelena = reader(state, "jelena", is_admin=False, at=BEFORE)

    assert jelena.coordinated_networks == {"serbia-sel"}
    assert jelena.coordinated_communities == {"vrsac-1", "nis-2"}
    assert may_read_community(jelena, "vrsac-1") and not may_read_community(jelena, "skopje-1")
    assert may_read_portfolio(state, jelena, "ivan", BEFORE)
    assert not may_read_portfolio(state, jelena, "petar", BEFORE)
    assert may_read_network(jelena, "serbia-sel") and may_verify_log(jelena)
    # The log's rows are every network's (skopje-1's too): an operator's, not hers.
    assert not may_read_log(jelena)
    assert may_evaluate(jelena, "vrsac-1")


def test_an_admin_reads_everything() -> None:
    state = book().state
    admin = reader(state, None, is_admin=True, at=BEFORE)

    assert admin.roles == {}
    assert may_read_community(admin, "skopje-1") and may_read_network(admin, "serbia-sel")
    assert may_read_portfolio(state, admin, "petar", BEFORE) and may_read_log(admin)
    assert may_verify_log(admin)


def test_nobody_reads_before_they_join() -> None:
    state = book().state
    ivan = reader(state, "ivan", is_admin=False, at=to_micros(when("2024-01-01")))

    assert ivan.roles == {}
    assert not may_read_community(ivan, "vrsac-1")


def test_an_unknown_id_is_refused_with_its_kind_and_a_known_one_passes() -> None:
    ledger = book()
    ledger.record(make.erased("mila", "mila"), "admin", MAY, privileged=True)
    state = ledger.state

    require_known(state, members=["ivan", "mila", None], communities=["vrsac-1"],
                  networks=["serbia-sel", None])  # an erased member's id is still known
    cases = {"member": {"members": ["ivan", "nowhere"]},
             "community": {"communities": ["vrsac-1", "nowhere"]},
             "network": {"networks": ["nowhere"]}}
    for kind, ids in cases.items():
        with pytest.raises(errors.UnknownReference) as refused:
            require_known(state, **ids)
        assert refused.value.rule == f"unknown_{kind}"
        assert refused.value.message == f"there is no {kind} nowhere"
