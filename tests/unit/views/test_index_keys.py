"""The index's keys: every person, thing and community an event concerns; targets' keys."""
from __future__ import annotations

from journey import events as ev
from projections.index.keys import index, keys_of
from tests.unit.domain import make
from tests.unit.views.build import Log


def keys(event: ev.Event, actor: str = "ana") -> set[str]:
    log = Log()
    log.add(event, actor)
    return keys_of(log.records[0])


def test_a_session_is_filed_under_its_community_leaders_attendees_and_actor():
    assert keys(make.led("s-1", ["ana", "ivan"], attendees=["mila"])) == {
        "community:vrsac-1", "member:ana", "member:ivan", "member:mila"}


def test_membership_events_have_their_own_key_and_role_changes_their_command():
    assert keys(make.joined("mila", invited_by="ivan")) == {
        "community:vrsac-1", "member:mila", "member:ivan", "member:ana", "membership:mila"}
    assert "correlation:c-1" in keys(make.role_changed("mila", "member", "facilitator"))


def test_people_facts_are_not_the_admins_action():
    assert keys(make.registered("mila"), actor="admin") == {"member:mila", "person:mila"}
    assert keys(make.erased("mila", "mila"), actor="admin") == {
        "member:mila", "person:mila", "erasures"}


def test_things_plans_steps_and_awards():
    assert keys(make.plan(steps=[make.step(owners=["mila"])])) == {
        "community:vrsac-1", "plan:p-1", "member:mila", "member:ana"}
    assert keys(make.award(evidence=[3])) == {
        "community:vrsac-1", "award:a-1", "badge:b-1", "member:ivan", "member:ana"}
    assert keys(make.feedback("ana", "ivan", about_id="r-1", about_kind="resource")) == {
        "community:vrsac-1", "member:ana", "member:ivan", "resource:r-1"}
    assert "communities" in keys(make.founded("vrsac-1"))
    assert "network:serbia-sel" in keys(make.founded("vrsac-1"))


def test_targeting_events_take_exactly_their_targets_keys():
    log = Log()
    reflected = log.add(make.reflection("rf-1", "ivan"), "ivan")
    shared = log.add(make.shared("r-1", "ivan"), "ivan")
    awarded = log.add(make.award("a-1", "ivan"), "ana")
    changed = log.add(make.visibility("rf-1", "ivan", "private"), "ivan")
    retracted = log.add(make.retract(shared, "mila"), "mila")
    corrected = log.add(make.correct(reflected, "ana", {"text": "x"}), "ana")
    revoked = log.add(make.revoke("a-1", "zoran"), "zoran")

    filed = index(log.records)

    assert filed[changed] == filed[reflected] == filed[corrected]
    assert filed[retracted] == filed[shared]
    assert filed[revoked] == filed[awarded]
    assert "member:mila" not in filed[retracted]
