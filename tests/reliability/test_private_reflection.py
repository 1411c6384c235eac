"""A private reflection never leaves its author's own views (issue 9, "Access").

ivan writes a private reflection with a marker no other text has; then every GET route
(pages, API, Open Badges) is fetched as anonymous, a member of another community, a member,
a facilitator, a coordinator and the admin, and the CSV rows of every viewer are built:
the marker appears nowhere but in ivan's own portfolio.
"""
from __future__ import annotations

from projections.csv_rows import evaluation_csv_rows, portfolio_csv_rows

from tests.reliability.test_escaping import _paths
from tests.web.conftest import Site, sign_in

MARKER = "only-ivan-knows-7f3a"


def test_a_private_reflection_reaches_no_one_but_its_author(sqlite_site: Site) -> None:
    site = sqlite_site
    answer = site.post("ivan", "ReflectionRecorded", {
        "reflection_id": "rf-marker", "member_id": "ivan", "text": MARKER,
        "community_id": "vrsac-1", "visibility": "private", "value_cycle": "applied"})
    assert answer.status_code == 201, answer.get_json()
    position = answer.get_json()["position"]
    # Not even as evidence: the domain refuses a private reflection there.
    refused = site.post("ana", "RecognitionAwarded", {
        "award_id": "aw-private", "community_id": "vrsac-1", "member_id": "ivan",
        "badge_id": "b-1", "awarded_by": "ana", "evidence": [position]})
    assert refused.status_code in (403, 422) and MARKER not in refused.get_data(as_text=True)

    paths = _paths(site)
    for viewer in (None, "mila", "ana", "vera", "root"):
        browser = site.app.test_client()
        if viewer is not None:
            sign_in(browser, viewer)
        for path in paths:
            text = browser.get(path).get_data(as_text=True)
            assert MARKER not in text, (viewer, path)

    views = site.journey.views
    for viewer in ("mila", "ana", "vera", "zoran"):
        portfolio = views.portfolio("ivan", viewer=viewer)
        assert MARKER not in str(portfolio_csv_rows(portfolio)), viewer
        evaluation = views.evaluation(["vrsac-1"], [(None, None)], viewer=viewer)
        assert MARKER not in str(evaluation_csv_rows(evaluation)), viewer

    # The author does see it (the test would pass vacuously otherwise).
    author = site.app.test_client()
    sign_in(author, "ivan")
    assert MARKER in author.get("/api/members/ivan/portfolio").get_data(as_text=True)
    assert MARKER in str(portfolio_csv_rows(views.portfolio("ivan", viewer="ivan")))
