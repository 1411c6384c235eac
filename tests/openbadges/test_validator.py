"""PyPI's `openbadges` validator (1EdTech's OB 2.0 verifier) on the app on a real port.

The validator pins dependencies of 2018 (pycryptodome 3.6.6, python-jose 3.0.1, pytz
2017.2) that do not import on Python ≥ 3.10; its virtualenv, created here once and kept
in ~/.cache (or $JOURNEY_OB_VALIDATOR_VENV), upgrades just those three. Without a
network the validator's own bundled copy of the OB 2.0 context is served to it
(tests/openbadges/run_validator.py). No registry reachable: the tests skip, saying why.
"""
from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.openbadges.conftest import EVA_EMAIL, Served

pytestmark = pytest.mark.slow

RUNNER = Path(__file__).with_name("run_validator.py")


@pytest.fixture(scope="session")
def validator_python() -> Path:
    venv = Path(os.environ.get("JOURNEY_OB_VALIDATOR_VENV",
                               Path.home() / ".cache" / "journey-tests" / "openbadges-venv"))
    python = venv / "bin" / "python"
    ready = venv / ".journey-ready"
    venv.parent.mkdir(parents=True, exist_ok=True)
    # pytest-xdist workers are sessions of their own: one builds the venv while the others
    # wait for it, or a second `venv --clear` would wipe the first's mid-install.
    with open(venv.parent / f"{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ready.exists():
            steps = [[sys.executable, "-m", "venv", "--clear", str(venv)],
                     [str(python), "-m", "pip", "install", "-q", "openbadges==1.1.2"],
                     [str(python), "-m", "pip", "install", "-q", "pycryptodome>=3.20",
                      "python-jose>=3.3", "pytz>=2024.1"]]
            for step in steps:
                done = subprocess.run(step, capture_output=True, text=True, timeout=600)
                if done.returncode != 0:
                    pytest.skip(f"cannot set up the openbadges validator "
                                f"({' '.join(step[2:5])}): {(done.stderr or done.stdout)[-500:]}")
            ready.touch()
    return python


def _validate(python: Path, url: str, email: str | None = None) -> dict:
    args = [str(python), str(RUNNER), url] + ([email] if email else [])
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, cwd="/")
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_the_validator_accepts_a_hosted_assertion(validator_python: Path,
                                                  served: Served) -> None:
    result = _validate(validator_python, f"{served.base}/ob/v2/assertions/aw-1")
    report = result["report"]
    assert report["valid"] is True, report["messages"]
    assert report["errorCount"] == 0 and report["openBadgesVersion"] == "2.0"
    assert sorted(node["type"] for node in result["graph"]) == ["Assertion", "BadgeClass",
                                                                "Issuer"]


def test_the_validator_matches_the_hashed_email(validator_python: Path,
                                                served: Served) -> None:
    result = _validate(validator_python, f"{served.base}/ob/v2/assertions/aw-eva",
                       EVA_EMAIL)
    assert result["report"]["valid"] is True, result["report"]["messages"]
    assert result["report"]["recipientProfile"] == {"email": EVA_EMAIL}
    wrong = _validate(validator_python, f"{served.base}/ob/v2/assertions/aw-eva",
                      "someone@example.org")
    assert wrong["report"]["valid"] is False


def test_the_validator_accepts_rule_badges_and_refuses_a_revoked_one(
        validator_python: Path, served: Served) -> None:
    badges = served.get("ivan", "/api/members/ivan/badges").json["rule_badges"]
    for item in badges:
        url = f"{served.base}/ob/v2/assertions/{item['award_id']}"
        assert _validate(validator_python, url)["report"]["valid"] is True
    served.post("ana", "RecognitionRevoked", {"award_id": "aw-1", "revoked_by": "ana",
                                              "reason": "awarded by mistake"})
    report = _validate(validator_python, f"{served.base}/ob/v2/assertions/aw-1")["report"]
    # validator 1.1.2 has no message of its own for a hosted assertion answering 410
    # {revoked: true}: it refuses it for the properties a revoked answer leaves out.
    assert report["valid"] is False and report["errorCount"] >= 1
