"""Who may make someone a coordinator: the role reaches the whole network (journey.access),
so only someone who already reaches it hands it on (its creator, or a coordinator of one
of its communities), or it goes to someone who already reaches it."""
from __future__ import annotations

from journey.access import reader
from journey.clock import to_micros
from tests.unit.domain import make
from tests.unit.domain.ledger import APRIL, FEB, MARCH, Ledger, when


def network_of_jelena() -> Ledger:
    """jelena created serbia-sel; zoran founded nis-2 in it and made her its coordinator;
    ana founded vrsac-1 in it, with ivan as a member; petar's skopje-1 is in no network."""
    ledger = Ledger()
    ledger.network("serbia-sel", founder="jelena")
    ledger.community("nis-2", facilitator="zoran", coordinators=["jelena"])
    ledger.community("vrsac-1", facilitator="ana", members=["ivan"])
    ledger.community("skopje-1", facilitator="petar", members=["mila"], network=None)
    ledger.register("vera", "teodora")
    return ledger


def test_a_facilitator_cannot_make_themselves_coordinator_of_the_network() -> None:
    ledger = network_of_jelena()
    # The escalation: found (or facilitate) a community in someone's network, then take
    # the role that reads all of it.
    ledger.record(make.joined("vera", "facilitator", "vrsac-1"), "ana", FEB)

    with ledger.refuses("not_a_network_coordinator"):
        ledger.record(make.role_changed("vera", "facilitator", "coordinator"), "vera", MARCH)
    with ledger.refuses("not_a_network_coordinator"):
        ledger.record(make.role_changed("ivan", "member", "coordinator"), "ana", MARCH)
    with ledger.refuses("not_a_network_coordinator"):
        ledger.record(make.joined("teodora", "coordinator", "vrsac-1"), "ana", MARCH)
    assert reader(ledger.state, "ivan", is_admin=False,
                  at=to_micros(APRIL)).coordinated_networks == frozenset()


def test_the_creator_and_its_coordinators_hand_the_role_on() -> None:
    ledger = network_of_jelena()
    # A facilitator invites the network's creator, who then makes another coordinator.
    ledger.record(make.joined("jelena", "coordinator", "vrsac-1"), "ana", FEB)
    ledger.record(make.joined("vera", "coordinator", "vrsac-1", invited_by="jelena"),
                  "jelena", MARCH)
    # vera now reaches the network: a facilitator elsewhere in it may invite her as one.
    ledger.record(make.joined("vera", "coordinator", "nis-2"), "zoran", APRIL)

    vera = reader(ledger.state, "vera", is_admin=False, at=to_micros(when("2024-05-01")))
    assert vera.coordinated_networks == {"serbia-sel"}


def test_outside_any_network_a_facilitator_makes_coordinators_as_before() -> None:
    ledger = network_of_jelena()

    ledger.record(make.role_changed("mila", "member", "coordinator", "skopje-1"), "petar", FEB)


def test_the_operators_trust_is_no_override() -> None:
    # journey import and journey record decide with privileged=True: the actor is taken as
    # given, and the rule still holds (an export with such a grant does not import).
    ledger = network_of_jelena()

    with ledger.refuses("not_a_network_coordinator"):
        ledger.record(make.role_changed("ivan", "member", "coordinator"), "ana", FEB,
                      privileged=True)


def test_a_grant_back_dated_into_a_reach_that_has_ended_is_refused() -> None:
    ledger = network_of_jelena()
    ledger.record(make.joined("vera", "coordinator", "nis-2", invited_by="jelena"),
                  "jelena", FEB)
    ledger.record(make.joined("vera", "facilitator", "vrsac-1"), "ana", FEB)
    ledger.record(make.role_changed("vera", "coordinator", "member", "nis-2"), "jelena",
                  APRIL)  # vera reaches the network no more

    with ledger.refuses("not_a_network_coordinator"):
        ledger.record(make.joined("teodora", "coordinator", "vrsac-1"), "vera", MARCH)


def test_the_role_a_grant_leaned_on_cannot_be_taken_back_before_it() -> None:
    ledger = network_of_jelena()
    ledger.record(make.joined("vera", "coordinator", "nis-2", invited_by="jelena"),
                  "jelena", FEB)
    # vera's coordinator role in nis-2 is what lets ana invite her as one in vrsac-1.
    ledger.record(make.joined("vera", "coordinator", "vrsac-1"), "ana", APRIL)

    with ledger.refuses("would_invalidate_history"):
        ledger.record(make.role_changed("vera", "coordinator", "member", "nis-2"), "jelena",
                      MARCH)
    # After the grant it may change.
    ledger.record(make.role_changed("vera", "coordinator", "member", "nis-2"), "jelena",
                  when("2024-05-01"))
