"""A credential's status list index is allocated once and never moves (status_index.py).

A credential is signed with its `statusListIndex`: a change of rules.json (a new rule's
awards appear in the past, a removed rule's awards leave the catalogue), more events, or
two processes building at once must never give an award another index, nor its index to
another award.
"""
from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select

from events.migrate import upgrade
from events.sql import make_engine
from projections.badges.spec import RULES_PATH, load_rules
from projections.migrate import upgrade_projections
from projections.openbadges import status_index
from projections.openbadges.catalogue import Award, Badge, Catalogue
from projections.tables import metadata, ob_status_index
from tests.openbadges.conftest import Served

pytest.importorskip("pyld", reason="pyld (JSON-LD canonicalisation) is not installed")
from tests.openbadges.independent import verify  # noqa: E402
from tests.openbadges.test_status_list import _revoked  # noqa: E402

AT = datetime(2026, 3, 1, tzinfo=timezone.utc)
NOT_ITS_ENTRY = "its credentialStatus is not this award's entry in the issuer's status list"


def _rules_without(rule_id: str, folder: Path) -> Path:
    """A copy of rules.json without `rule_id`, with the images beside it."""
    rules = [r for r in json.loads(RULES_PATH.read_text(encoding="utf-8"))
             if r["id"] != rule_id]
    path = folder / "rules.json"
    path.write_text(json.dumps(rules), encoding="utf-8")
    (folder / "images").symlink_to(RULES_PATH.parent / "images")
    return path


def _use_rules(served: Served, rules) -> None:
    """The app's catalogues built anew with `rules` (as after a deployment)."""
    from web.openbadges.service import KEY, OpenBadges
    served.app.extensions[KEY] = OpenBadges(rules=rules)


def _credentials(served: Served) -> dict[str, dict]:
    """The credential of every award that stands now, as a wallet holds it."""
    from web.openbadges.service import service
    with served.app.test_request_context():
        standing = [a.award_id for a in service().latest().awards.values() if not a.revoked]
    out = {}
    for award in standing:
        status, _, body = served.fetch(f"{served.base}/ob/v3/credentials/{award}.json")
        assert status == 200, body
        out[award] = json.loads(body)
    return out


def _entry(credential: dict) -> tuple[str, str]:
    status = credential["credentialStatus"]
    return status["statusListCredential"], status["statusListIndex"]


def _check(served: Served, credential: dict) -> dict:
    return served.client.post("/ob/v3/verify", json=credential).json


def test_indexes_survive_a_change_of_rules(served: Served, tmp_path) -> None:
    from web.openbadges.service import service
    with served.app.test_request_context():
        rule_badges = sorted({a.badge for a in service().latest().awards.values()
                              if a.kind == "rule"})
    dropped = rule_badges[0].removeprefix("rules/")
    partial = load_rules(_rules_without(dropped, tmp_path))
    assert len(partial) == len(load_rules()) - 1

    # deployed without the rule: every credential issued then
    _use_rules(served, partial)
    before = _credentials(served)
    assert not any(c["credentialSubject"]["achievement"]["id"].endswith(f"/rules/{dropped}")
                   for c in before.values())
    # the rule is added: its awards appear in the past (before awards issued already)
    _use_rules(served, None)
    after = _credentials(served)
    added = {award: c for award, c in after.items() if award not in before}
    assert added, "the dropped rule earned nothing in the story"
    for award, credential in before.items():
        assert _entry(after[award]) == _entry(credential), award
        assert verify(credential) and not _revoked(served, credential)
        assert _check(served, credential)["valid"] is True, award
    # the new awards take new indexes: no two awards of an issuer share one
    entries = [_entry(c) for c in after.values()]
    assert len(set(entries)) == len(entries)
    # the rule is removed again: its awards vanish, their bits are set; the others stand
    _use_rules(served, partial)
    for award, credential in added.items():
        assert _revoked(served, credential), award
        assert _check(served, credential)["valid"] is False
    for credential in before.values():
        assert not _revoked(served, credential)
        assert _check(served, credential)["valid"] is True
    again = _credentials(served)
    assert {award: _entry(c) for award, c in again.items()} == \
        {award: _entry(c) for award, c in before.items()}


def test_a_genuinely_signed_credential_with_another_awards_index_is_refused(
        served: Served) -> None:
    from tests.openbadges.test_credentials import _resigned
    credential = json.loads(served.fetch(f"{served.base}/ob/v3/credentials/aw-1.json")[2])
    other = json.loads(served.fetch(f"{served.base}/ob/v3/credentials/aw-eva.json")[2])
    status = dict(credential["credentialStatus"],
                  statusListIndex=other["credentialStatus"]["statusListIndex"])
    assert status != credential["credentialStatus"]
    moved = _resigned(served, credential, credentialStatus=status)
    assert verify(moved)        # a genuine signature: only the entry is wrong
    assert _check(served, moved) == {"valid": False, "reason": NOT_ITS_ENTRY,
                                     "issued_here": True}
    assert _check(served, credential)["valid"] is True


def test_a_credential_whose_bit_is_set_is_refused_though_the_award_stands(
        served: Served, monkeypatch) -> None:
    """What a verifier elsewhere reads decides: the bit, not only `award.revoked`."""
    from projections.openbadges import documents
    credential = json.loads(served.fetch(f"{served.base}/ob/v3/credentials/aw-1.json")[2])
    assert _check(served, credential)["valid"] is True
    monkeypatch.setattr(documents, "status_bits", lambda cat, network: b"\xff" * 16384)
    answer = _check(served, credential)
    assert answer["valid"] is False and answer["reason"] == "it was revoked: revoked"


# -- the allocation, on SQLite and PostgreSQL ------------------------------------------------

def _catalogue(names: list[str], network: str | None = None) -> Catalogue:
    cat = Catalogue()
    cat.badges["b"] = Badge("b", "B", "d", "c", network)
    for n, name in enumerate(names):
        cat.awards[name] = Award(name, "rule", "m", "b", AT, (), None, appeared=n)
    return cat


@pytest.fixture
def engine(database_url):
    made = make_engine(database_url)
    upgrade(made)
    upgrade_projections(made)
    yield made
    made.dispose()


def test_the_migration_makes_the_table_of_the_tables_module(engine) -> None:
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [d for d in differences if ob_status_index.name in repr(d)] == []


def test_allocation_is_append_only_and_safe_when_processes_race(engine) -> None:
    first = status_index.allocate(engine, _catalogue(["a", "b"]))
    assert first == {None: {"a": 0, "b": 1}}
    # "z" appears before "a": it still gets the next index; "b" has left: it keeps its own
    assert status_index.allocate(engine, _catalogue(["z", "a", "c"])) == \
        {None: {"a": 0, "b": 1, "z": 2, "c": 3}}
    # eight processes at once, each with its own view of the awards
    results: list[dict] = []
    errors: list[BaseException] = []
    names = [f"n{i:02d}" for i in range(40)]

    def build(k: int) -> None:
        try:
            results.append(status_index.allocate(
                engine, _catalogue(names[k::3] + names[::5] + ["a"])))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=build, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with engine.connect() as conn:
        rows = conn.execute(select(ob_status_index.c.award_id, ob_status_index.c.idx)).all()
    stored = dict(rows)
    assert len(stored) == len(rows) == 4 + len(names)
    assert sorted(stored.values()) == list(range(len(stored)))      # each index once
    assert {k: stored[k] for k in ("a", "b", "z", "c")} == {"a": 0, "b": 1, "z": 2, "c": 3}
    for result in results:   # what each process uses is what is stored
        assert all(stored[award] == idx for award, idx in result[None].items())
