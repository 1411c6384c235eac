"""HTML and script in every text field, escaped on every page (issue 9, "Hostile input").

Members, a community, a session, a resource, feedback, a reflection, norms, a plan, a badge,
an account's username, a token's name and an invited member's id are recorded with markup;
then every GET route the app has is fetched as anonymous, a member, a facilitator, a
coordinator and the admin. No HTML page may carry the markup unescaped, and every other
answer must be JSON (which a browser does not render as a page).
"""
from __future__ import annotations

import re

from tests.web.conftest import PASSWORD, Site, sign_in

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img/src=x/onerror=alert(2)>'
SVG = "<svg/onload=alert(3)>"
RAW = (SCRIPT, "<img/src=x", "<svg/onload", "onerror=alert(2)>")


def record_markup(site: Site) -> list[str]:
    """Markup in every kind of text field; returns the usernames made."""
    steps = [
        ("root", "MemberRegistered", {"member_id": "xss", "display_name": SCRIPT + IMG,
                                      "email": "x@example.org", "school": SVG,
                                      "job_title": SCRIPT}),
        ("ana", "MemberJoined", {"community_id": "vrsac-1", "member_id": "xss",
                                 "role": "member", "invited_by": "ana"}),
        ("ivan", "NetworkCreated", {"network_id": "net-xss", "name": SCRIPT,
                                    "programme": IMG}),
        ("ivan", "CommunityFounded", {"community_id": "c-xss", "name": SCRIPT + IMG,
                                      "domain": SVG, "network_id": "net-xss",
                                      "schools": [SCRIPT], "cadence": IMG}),
        ("ivan", "MemberJoined", {"community_id": "c-xss", "member_id": "ivan",
                                  "role": "facilitator"}),
        ("ana", "NormsAgreed", {"community_id": "vrsac-1", "norms": [SCRIPT, IMG],
                                "agreed_by": ["ana"]}),
        ("ivan", "SessionLed", {"community_id": "vrsac-1", "session_id": "s-xss",
                                "leaders": ["ivan"], "title": SCRIPT + IMG,
                                "format": "workshop", "attendees": ["ana"]}),
        ("ivan", "ResourceShared", {"community_id": "vrsac-1", "resource_id": "r-xss",
                                    "member_id": "ivan", "title": SCRIPT, "kind": "link",
                                    "url": "https://example.org/?q=<script>",
                                    "tags": [IMG]}),
        ("ana", "ResourceReused", {"community_id": "vrsac-1", "resource_id": "r-xss",
                                   "member_id": "ana", "note": SVG}),
        ("ivan", "FeedbackGiven", {"community_id": "vrsac-1", "from_member_id": "ivan",
                                   "to_member_id": "ana", "about_kind": "resource",
                                   "about_id": "r-xss", "text": SCRIPT}),
        ("ivan", "ReflectionRecorded", {"reflection_id": "rf-xss", "member_id": "ivan",
                                        "text": SCRIPT + IMG, "community_id": "vrsac-1",
                                        "visibility": "network", "prompt": SVG}),
        ("ana", "ActionPlanCreated", {"community_id": "vrsac-1", "plan_id": "p-xss",
                                      "inquiry_question": SCRIPT,
                                      "steps": [{"step_id": "st-1", "title": IMG,
                                                 "owners": ["ivan"]}]}),
        ("ana", "BadgeDefined", {"badge_id": "b-xss", "community_id": "vrsac-1",
                                 "name": SCRIPT, "description": IMG, "criteria": SVG}),
    ]
    for who, type_name, data in steps:
        answer = site.post(who, type_name, data)
        assert answer.status_code == 201, (type_name, answer.get_json())
    made = []
    for username in (SCRIPT, SVG):
        account = site.accounts.add(username, PASSWORD)
        site.accounts.create_token(account.id, IMG)
        made.append(username)
    site.accounts.invite("xss")
    return made


def _paths(site: Site) -> list[str]:
    values = {"member_id": ["ivan", "xss", "ana"], "community_id": ["vrsac-1", "c-xss"],
              "network_id": ["sel-serbia", "net-xss"], "name": ["b-xss", "aw-1", "x"],
              "filename": ["app.css"], "token": ["x"]}
    paths = []
    for rule in site.app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        found = [[rule.rule]]
        for arg in rule.arguments:
            found = [[p.replace(f"<{arg}>", v).replace(f"<path:{arg}>", v)
                      for p in ps for v in values.get(arg, ["x"])] for ps in found]
        paths.extend(p for ps in found for p in ps)
    return paths


def test_markup_is_escaped_on_every_page(sqlite_site: Site) -> None:
    site = sqlite_site
    usernames = record_markup(site)
    paths = _paths(site)
    queries = ["", f"?q={SCRIPT}"]
    # anonymous, member of another community, member, facilitator, coordinator, admin, and
    # an account whose own username and token name are markup
    viewers = [None, "mila", "ivan", "ana", "vera", "root", SCRIPT]
    checked = 0
    for viewer in viewers:
        browser = site.app.test_client()
        if viewer is not None:
            sign_in(browser, viewer)
        for path in paths:
            for query in queries:
                for answer in (browser.get(path + query),):
                    kind = answer.headers.get("Content-Type", "")
                    text = answer.get_data(as_text=True)
                    if kind.startswith("text/html"):
                        for raw in RAW:
                            assert raw not in text, (viewer, path + query, raw)
                        checked += 1
                    elif answer.status_code < 300 and not path.startswith("/static/"):
                        assert kind.startswith("application/") and "json" in kind, (
                            path, kind)
                    assert answer.headers.get("X-Content-Type-Options") == "nosniff"
    assert checked > 0
    # The markup did reach some page, escaped (the admin's list of accounts names them).
    browser = site.app.test_client()
    sign_in(browser, "root")
    page = browser.get("/auth/admin/accounts").text
    assert re.search(r"&lt;script&gt;alert\(1\)&lt;/script&gt;", page), usernames
