"""A refusal of the record reads in the page's language, with the domain's detail kept."""
from __future__ import annotations

import re
from pathlib import Path

from tests.browser.test_language import translated
from tests.web.conftest import Site
from tests.web.test_pages_teacher import form_post, signed
from web.pages.refusals import _meanings

JOURNEY = Path(__file__).resolve().parents[2] / "journey"


def _rules_the_domain_names() -> set[str]:
    """Every rule journey/ can refuse with: class attributes and rule="..." arguments."""
    found: set[str] = set()
    for path in JOURNEY.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'\brule\s*=\s*"([a-z_]+)"', text))
        found |= set(re.findall(r'\brule:\s*str\s*=\s*"([a-z_]+)"', text))
    found.discard("refused")  # the base class's placeholder
    return found


def test_every_rule_of_the_domain_has_a_meaning_for_people(sqlite_site: Site) -> None:
    rules = _rules_the_domain_names()
    assert len(rules) > 30
    with sqlite_site.app.test_request_context("/?lang=mk"):
        missing = sorted(rules - set(_meanings()))
    assert not missing, f"add these rules to web/pages/refusals.py: {missing}"


def test_a_refusal_is_explained_in_the_readers_language(sqlite_site: Site) -> None:
    client = signed(sqlite_site, "ivan")
    before = sqlite_site.log_length()
    future = {"text": "Tomorrow's thoughts.", "visibility": "private",
              "occurred_at": "2999-01-01T10:00"}
    english = form_post(client, "/record/reflect", future)
    assert english.status_code == 422
    assert "in the future" in english.text
    client.get("/?lang=tr")  # the session's language (ivan's account has none chosen)
    sqlite_site.accounts.set_language(sqlite_site.accounts.by_username("ivan").id, "tr")
    turkish = form_post(client, "/record/reflect", future)
    assert turkish.status_code == 422
    assert '<html lang="tr">' in turkish.text
    assert translated("tr", "The moment it happened cannot be in the future.") in turkish.text
    assert "in the future" in turkish.text  # and the domain's own detail
    assert sqlite_site.log_length() == before
