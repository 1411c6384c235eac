"""The OpenAPI document: valid, complete, rendered locally, and fuzzed by schemathesis."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance

from journey.events import EVENT_TYPES
from tests.conftest import _create_database, _drop_database
from tests.web.conftest import Site, make_app, seed
from web.api.openapi import build_spec
from web.app import close_app

EXAMPLES = 10  # per operation and mode: enough to find a 500, within the suite's budget

UNDOCUMENTED = {"/api/openapi.json", "/api/docs"}


def test_the_openapi_document_validates(sqlite_site: Site) -> None:
    response = sqlite_site.client.get("/api/openapi.json")

    assert response.status_code == 200
    validate(response.json)
    assert response.json["openapi"].startswith("3.")


def test_the_document_is_public(sqlite_site: Site) -> None:
    assert sqlite_site.client.get("/api/openapi.json").status_code == 200
    assert sqlite_site.client.get("/api/docs").status_code == 200


def test_every_api_route_is_documented(sqlite_site: Site) -> None:
    paths = sqlite_site.client.get("/api/openapi.json").json["paths"]
    documented = {(path, method.upper()) for path, ops in paths.items() for method in ops}
    routes = set()
    for rule in sqlite_site.app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.rule in UNDOCUMENTED:
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if path == "/api/events/{type_name}":
                routes |= {(f"/api/events/{t}", method) for t in EVENT_TYPES}
            else:
                routes.add((path, method))
    assert routes == documented


def test_the_request_bodies_are_the_event_schemas(sqlite_site: Site) -> None:
    schemas = sqlite_site.client.get("/api/openapi.json").json["components"]["schemas"]

    led = schemas["SessionLedData"]
    assert led["additionalProperties"] is False  # unknown = RAISE
    assert set(led["required"]) == {"community_id", "session_id", "leaders", "title",
                                    "format"}
    assert led["properties"]["format"]["enum"][0] == "meeting"
    assert schemas["SessionLedRequest"]["properties"]["data"] == {
        "$ref": "#/components/schemas/SessionLedData"}
    assert "fields" in schemas["EntryCorrectedData"]["properties"]


def test_the_docs_page_is_local_and_has_no_script(sqlite_site: Site) -> None:
    page = sqlite_site.client.get("/api/docs")

    assert page.status_code == 200
    assert "<script" not in page.text
    assert "cdn" not in page.text.lower()
    assert "/api/events/SessionLed" in page.text
    assert "/api/networks/{network_id}/leadership" in page.text
    # Each operation links the schema of its answer, described further down the page.
    for name in ("Community", "Evaluation", "MemberBadges", "Appended"):
        assert f'Answer: <a href="#schema-{name}">{name}</a>' in page.text
        assert f'id="schema-{name}"' in page.text
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]


# -- schemathesis ----------------------------------------------------------------------------

@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fuzzed_site(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Site]:
    """One seeded site per backend for every operation's examples (they rarely append)."""
    tmp = tmp_path_factory.mktemp("fuzz")
    database = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'journey.db'}"
    else:
        admin = request.getfixturevalue("_postgres_admin")
        database, url = _create_database(admin, "journey_fuzz")
    app = make_app(url, tmp / "instance")
    try:
        yield Site(app, seed(app))
    finally:
        close_app(app)
        if database is not None:
            _drop_database(admin, database)


@pytest.fixture(scope="module")
def api_schema(fuzzed_site: Site):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", fuzzed_site.app)


# Every operation of the document (built without an app: apispec needs none).
OPERATIONS = [(path, method) for path, operations in build_spec()["paths"].items()
              for method in operations]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                         ids=["positive", "negative"])
@pytest.mark.parametrize("path,method", OPERATIONS)
def test_no_request_makes_a_server_error(api_schema, fuzzed_site: Site, path: str,
                                         method: str, mode: GenerationMode) -> None:
    """Generated requests (as a facilitator) never get a 5xx, and get the body the document
    describes for the status (test_openapi_responses.py has reads no generator reaches);
    a refusal appends nothing."""
    operation = api_schema[path][method]

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def no_server_error(case) -> None:
        before = fuzzed_site.log_length()

        response = case.call(headers=fuzzed_site.as_("ana"))

        case.validate_response(response, checks=[not_a_server_error,
                                                  response_schema_conformance])
        if response.status_code >= 400:
            assert fuzzed_site.log_length() == before, (response.status_code, response.text)
            assert set(response.json()) == {"error", "message", "fields"}

    no_server_error()
