"""After `journey erase`, the person's name, e-mail and reflection text are nowhere (issue 9,
"Erasure"): not in the SQLite file (after checkpoint, WAL included), any page or API
answer for any viewer, the export, any CSV, a backup made afterwards; their anonymous
counts still feed the leadership metrics, and `verify` passes.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

from tests.reliability.conftest import STRESS, journey_env, report, run_journey
from tests.reliability.test_escaping import _paths
from tests.web.conftest import PASSWORD, Site, make_app, seed, sign_in
from web.app import close_app

NAME = "Zlatana Erasović"
EMAIL = "zlatana.erasovic@example.org"
JOB = "Headteacher of Quokka Primary"
PRIVATE = "Quixotic private marker 7731"
SHARED = "Quixotic community marker 8842"
FEEDBACK = "Quixotic feedback marker 9953"
SECRETS = (NAME, EMAIL, JOB, PRIVATE, SHARED, FEEDBACK)


def _needles() -> list[bytes]:
    found = []
    for secret in SECRETS:
        for variant in (secret, secret.lower(), secret.upper()):
            found.append(variant.encode("utf-8"))
            found.append(json.dumps(variant).encode("ascii"))  # \u-escaped in JSON
            found.append(variant.encode("utf-16-le"))
    return found


def assert_absent(what: str, blob: bytes) -> None:
    for needle in _needles():
        assert needle not in blob, f"{what} still holds {needle!r}"


def leadership(site: Site) -> dict:
    answer = site.get("vera", "/api/networks/sel-serbia/leadership?from=2024-01-01")
    assert answer.status_code == 200
    body = answer.get_json()
    return {k: body[k] for k in ("enrolled", "sessions", "breadth", "gini", "entropy",
                                 "member_led_share", "rotation", "reciprocity",
                                 "in_degree_centralization")}


def test_after_erase_no_byte_of_the_person_is_left(tmp_path) -> None:
    db = tmp_path / "journey.db"
    url = f"sqlite:///{db}"
    instance = tmp_path / "instance"
    app = make_app(url, instance)
    try:
        site = Site(app, seed(app))
        steps = [
            ("root", "MemberRegistered", {"member_id": "m-z", "display_name": NAME,
                                          "email": EMAIL, "job_title": JOB}),
            ("ana", "MemberJoined", {"community_id": "vrsac-1", "member_id": "m-z",
                                     "role": "member", "invited_by": "ana"}),
            ("ana", "SessionLed", {"community_id": "vrsac-1", "session_id": "s-z",
                                   "leaders": ["ana", "m-z"], "title": "Co-led",
                                   "format": "meeting", "attendees": ["ivan"]}),
            ("ivan", "FeedbackGiven", {"community_id": "vrsac-1", "from_member_id": "ivan",
                                       "to_member_id": "ana", "about_kind": "session",
                                       "about_id": "s-z", "text": "thanks"}),
        ]
        for who, type_name, data in steps:
            assert site.post(who, type_name, data).status_code == 201
        account = site.accounts.add("zlatana", PASSWORD, member_id="m-z")
        site.tokens["zlatana"] = site.accounts.create_token(account.id, "mine")[1]
        for type_name, data in [
            ("ReflectionRecorded", {"reflection_id": "rf-zp", "member_id": "m-z",
                                    "text": PRIVATE, "visibility": "private"}),
            ("ReflectionRecorded", {"reflection_id": "rf-zc", "member_id": "m-z",
                                    "text": SHARED, "community_id": "vrsac-1",
                                    "visibility": "network"}),
            ("FeedbackGiven", {"community_id": "vrsac-1", "from_member_id": "m-z",
                               "to_member_id": "ivan", "about_kind": "session",
                               "about_id": "s-z", "text": FEEDBACK})]:
            assert site.post("zlatana", type_name, data).status_code == 201
        # the secrets are readable before: the search can find them
        assert NAME in site.get("zlatana", "/api/members/m-z/portfolio").get_data(as_text=True)
        before = leadership(site)
    finally:
        close_app(app)

    env = journey_env(url, instance)
    run_journey(env, "erase", "m-z", "--requested-by", "m-z", "--yes")
    run_journey(env, "verify")
    run_journey(env, "backup", str(tmp_path / "after.zip"))
    run_journey(env, "export", "--out", str(tmp_path / "after.jsonl"))
    csvs = []
    reports = [["--report", "leadership", "--network", "sel-serbia"],
               ["--report", "portfolio", "--member", "m-z"],
               ["--report", "sessions", "--community", "vrsac-1"],
               ["--report", "evaluation", "--community", "vrsac-1"]]
    for args in reports if STRESS else reports[:2]:
        out = tmp_path / f"{args[1]}.csv"
        done = run_journey(env, "export-csv", *args, "--out", str(out), check=False)
        assert done.returncode == 0 or "erased" in done.stderr, done.stderr
        if out.exists():
            csvs.append(out)
    assert csvs

    app = make_app(url, instance)
    try:
        site = Site(app)
        answers = 0
        for viewer in (None, "mila", "ivan", "ana", "vera", "root") if STRESS else (
                None, "ivan", "vera", "root"):
            browser = app.test_client()
            if viewer:
                sign_in(browser, viewer)
            for path in _paths(site) + ["/api/members/m-z/portfolio",
                                        "/api/members/m-z/archive", "/api/events?after=0",
                                        "/api/communities/vrsac-1?as_of=2030-01-01"]:
                answer = browser.get(path)
                assert_absent(f"{viewer} GET {path}", answer.get_data())
                answers += 1
        assert leadership_after(app) == before, "their counts no longer feed the metrics"
    finally:
        close_app(app)

    for path in [tmp_path / "after.jsonl", *csvs]:
        assert_absent(path.name, path.read_bytes())
    with zipfile.ZipFile(tmp_path / "after.zip") as archive:
        for member in archive.namelist():
            assert_absent(f"backup {member}", archive.read(member))
    # The database, after the erase's checkpoint: main file, and WAL if any is left.
    for file in sorted(Path(tmp_path).glob("journey.db*")):
        assert_absent(file.name, file.read_bytes())
    assert run_journey(env, "verify").stdout.startswith("OK ")
    report(f"erasure: {answers} answers, export, {len(csvs)} CSV, backup and "
           f"{len(list(tmp_path.glob('journey.db*')))} database files searched; "
           f"metrics unchanged; verify OK")


def leadership_after(app) -> dict:
    """The coordinator's network figures, signed in through the form."""
    browser = app.test_client()
    sign_in(browser, "vera")
    body = browser.get("/api/networks/sel-serbia/leadership?from=2024-01-01").get_json()
    return {k: body[k] for k in ("enrolled", "sessions", "breadth", "gini", "entropy",
                                 "member_led_share", "rotation", "reciprocity",
                                 "in_degree_centralization")}
