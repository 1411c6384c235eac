"""Rule badges read in the page's language; the API keeps rules.json's English and ids."""
from __future__ import annotations

from markupsafe import escape

from projections.badges.spec import load_rules
from tests.browser.test_language import translated
from tests.web.conftest import Site, sign_in
from web.pages.rule_badges import rule_badge_texts


def test_every_rule_has_its_page_words_and_their_english_is_the_rules(sqlite_site: Site):
    with sqlite_site.app.test_request_context("/?lang=en"):
        texts = rule_badge_texts()
    rules = load_rules()
    assert set(texts) == {rule.id for rule in rules}
    for rule in rules:
        assert texts[rule.id] == (rule.name, rule.description), rule.id


def test_a_portfolio_in_macedonian_names_and_describes_rule_badges_in_macedonian(
        sqlite_site: Site):
    client = sqlite_site.client
    sign_in(client, "ivan")
    api = sqlite_site.get("ivan", "/api/members/ivan/badges").get_json()
    held = {b["rule_id"]: b for b in api["rule_badges"]}
    assert {"first-resource", "workshop-facilitator"} <= set(held)

    page = client.get("/portfolio?lang=mk").text

    for rule_id in ("first-resource", "workshop-facilitator"):
        english = held[rule_id]  # the API keeps the rule's own words
        assert str(escape(translated("mk", english["name"]))) in page
        assert str(escape(translated("mk", english["description"]))) in page
        assert str(escape(english["name"])) not in page
        assert str(escape(english["description"])) not in page


def test_a_role_cited_as_a_badge_evidence_reads_in_the_page_language(sqlite_site: Site):
    """Taking over facilitation is earned by a RoleChanged entry, whose summary is a role."""
    from tests.contract.scenario import hand_over
    from journey.clock import utcnow
    sqlite_site.journey.store.submit(hand_over("vrsac-1", "ana", "ivan", at=utcnow()))
    client = sqlite_site.client
    sign_in(client, "ivan")
    held = sqlite_site.get("ivan", "/api/members/ivan/badges").get_json()["rule_badges"]
    assert "took-over-facilitation" in {b["rule_id"] for b in held}

    page = client.get("/portfolio?lang=mk").text

    start = page.index(translated("mk", "Took over facilitation"))
    card = page[start:page.index("</li>", start)]
    evidence = f'{translated("mk", "Role changed")}: {translated("mk", "facilitator")}</a>'
    assert evidence in card, card
