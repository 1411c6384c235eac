"""PUT /api/networks/<network_id>/issuer: admins set a network's issuer."""
from __future__ import annotations

import json

from tests.openbadges.conftest import Served
from tests.web.conftest import site  # noqa: F401 - the fixture, on SQLite and PostgreSQL

ISSUER = {"name": "SEL Serbia programme", "url": "https://sel.example.org",
          "email": "badges@sel.example.org", "image": "https://sel.example.org/logo.png"}


def test_an_admin_sets_the_issuer_and_documents_follow(served: Served) -> None:
    response = served.client.put("/api/networks/sel-serbia/issuer", json=ISSUER,
                                 headers=served.as_("root"))
    assert response.status_code == 200, response.json
    assert response.json["name"] == ISSUER["name"]
    status, issuer = served.json(f"{served.base}/ob/v2/issuers/network-sel-serbia")
    assert {k: issuer[k] for k in ISSUER} == ISSUER
    status, headers, body = served.fetch(f"{served.base}/ob/v3/credentials/aw-1.json")
    assert b"SEL Serbia programme" in body and b"badges@sel.example.org" in body
    credential = json.loads(body)
    assert credential["issuer"]["image"] == {"id": ISSUER["image"], "type": "Image"}
    assert served.client.post("/ob/v3/verify", json=credential).json["valid"] is True
    # setting it again replaces it
    again = served.client.put("/api/networks/sel-serbia/issuer",
                              json={"name": "SEL", "url": "https://sel.example.org"},
                              headers=served.as_("root"))
    assert again.status_code == 200
    assert served.json(f"{served.base}/ob/v2/issuers/network-sel-serbia")[1]["name"] == "SEL"
    # the other network keeps its defaults
    assert served.json(f"{served.base}/ob/v2/issuers/network-mk-net")[1]["name"] == \
        "North Macedonia"


def test_only_an_admin_with_a_valid_body_for_a_known_network(served: Served) -> None:
    put = served.client.put
    assert put("/api/networks/sel-serbia/issuer", json=ISSUER).status_code == 401
    refused = put("/api/networks/sel-serbia/issuer", json=ISSUER, headers=served.as_("vera"))
    assert refused.status_code == 403 and refused.json["error"] == "not_an_admin"
    unknown = put("/api/networks/nope/issuer", json=ISSUER, headers=served.as_("root"))
    assert unknown.status_code == 404 and unknown.json["error"] == "unknown_network"
    bad = put("/api/networks/sel-serbia/issuer", headers=served.as_("root"),
              json={"name": "", "url": "ftp://x", "email": "no", "extra": 1})
    assert bad.status_code == 422
    assert set(bad.json["fields"]) == {"name", "url", "email", "extra"}
    not_json = put("/api/networks/sel-serbia/issuer", data="x", content_type="application/json",
                   headers=served.as_("root"))
    assert not_json.status_code == 400
    assert set(not_json.json) == {"error", "message", "fields"}
    undeclared = put("/api/networks/sel-serbia/issuer", data=json.dumps(ISSUER),
                     headers=served.as_("root"))
    assert (undeclared.status_code, undeclared.json["error"]) == (415, "unsupported_media_type")
    deep = put("/api/networks/sel-serbia/issuer", data="[" * 5000,
               content_type="application/json", headers=served.as_("root"))
    assert deep.status_code == 400 and deep.json["error"] == "malformed_json"


def test_what_the_log_cannot_store_is_refused_not_a_500(served: Served) -> None:
    """The issuer's fields are checked as the log's own text, URL and e-mail fields are."""
    root = served.as_("root")
    for field, value in (("name", "\ud800"), ("name", "a\x00b"), ("name", "   "),
                         ("name", "x" * 201), ("url", "https://example.org/\ud800"),
                         ("url", "https://example.org/\x00"), ("url", "javascript:alert(1)"),
                         ("email", "a@b.c\ud800"), ("email", "a@b.c\x00"),
                         ("image", "https://example.org/ a.png")):
        body = {**ISSUER, field: value}
        refused = served.client.put("/api/networks/sel-serbia/issuer", headers=root,
                                    data=json.dumps(body), content_type="application/json")
        assert refused.status_code == 422, (field, value, refused.json)
        assert list(refused.json["fields"]) == [field], (field, value)
    # An empty optional field clears it.
    cleared = served.client.put("/api/networks/sel-serbia/issuer", headers=root,
                                json={**ISSUER, "email": "", "image": None})
    assert cleared.status_code == 200, cleared.json
    issuer = served.json(f"{served.base}/ob/v2/issuers/network-sel-serbia")[1]
    assert issuer["name"] == ISSUER["name"] and "image" not in issuer


def test_the_path_is_in_the_openapi_document(served: Served) -> None:
    paths = served.client.get("/api/openapi.json").json["paths"]
    assert "put" in paths["/api/networks/{network_id}/issuer"]


def test_the_issuer_table_on_both_databases(site) -> None:
    """On SQLite and PostgreSQL (the `site` fixture of tests/web runs on both)."""
    response = site.client.put("/api/networks/mk-net/issuer", headers=site.as_("root"),
                               json={"name": "MK", "url": "https://mk.example.org"})
    assert response.status_code == 200, response.json
    again = site.client.put("/api/networks/mk-net/issuer", headers=site.as_("root"),
                            json={"name": "MK 2", "url": "https://mk.example.org"})
    assert again.status_code == 200
    issuer = site.client.get("/ob/v2/issuers/network-mk-net.json").json
    assert issuer["name"] == "MK 2" and issuer["url"] == "https://mk.example.org"
