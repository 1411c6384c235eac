"""A community badge never takes a rule badge's key ("rules/<rule id>").

The schema refuses such a BadgeDefined (tests/unit/test_schemas.py), but a log written
before it did may hold one, with recognitions of it: the catalogue must not publish them
as Journey's own rule badge, issued by the installation.
"""
from __future__ import annotations

from journey import events as ev
from projections.badges.spec import load_rules
from projections.openbadges.catalogue import RULE_PREFIX, catalogue
from tests.unit.badges.log import C, Log


def _forged_log(badge_ids: list[str]) -> Log:
    log = Log()
    log.add(ev.NetworkCreated(network_id="net-rs", name="SEL Serbia"))
    log.add(ev.CommunityFounded(community_id=C, name="Vršac CoP", domain="SEL",
                                network_id="net-rs"), actor="ana")
    for member in ("ana", "ivan"):
        log.add(ev.MemberRegistered(member_id=member, display_name=member.title()))
    log.add(ev.MemberJoined(community_id=C, member_id="ana", role="facilitator"))
    log.add(ev.MemberJoined(community_id=C, member_id="ivan", role="member"))
    for n, badge_id in enumerate(badge_ids):
        log.add(ev.BadgeDefined(badge_id=badge_id, community_id=C, name="Took over",
                                description="Forged", criteria="None"), actor="ana")
        log.add(ev.RecognitionAwarded(award_id=f"aw-{n}", community_id=C, member_id="ivan",
                                      badge_id=badge_id, awarded_by="ana"))
    return log


def test_a_community_badge_in_the_rules_namespace_is_not_published() -> None:
    rule = load_rules()[0]
    taken = RULE_PREFIX + rule.id           # a rule's key now
    future = RULE_PREFIX + "not-a-rule-yet"  # a key a later rules.json may use
    cat = catalogue(_forged_log([taken, future, "b-1"]).records)

    # the rule's badge stays Journey's own (issued by the installation), the other key
    # holds nothing, and only the recognition of the community's own badge is published
    assert cat.badges[taken].name == rule.name and cat.badges[taken].network_id is None
    assert future not in cat.badges
    assert cat.badges["b-1"].network_id == "net-rs"
    assert sorted(a.award_id for a in cat.awards.values() if a.kind == "recognition") \
        == ["aw-2"]
    assert cat.issuer_of(cat.awards["aw-2"]) == "net-rs"
