"""Configuration: read once from the environment by the bootstrap, never at import time."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping
from urllib.parse import parse_qs, urlsplit

DEFAULT_DATABASE_URL = "sqlite:///journey.db"
DEFAULT_INSTANCE_DIR = "./instance"
DEFAULT_BASE_URL = "http://127.0.0.1:5000"
#: Where projections fold: "inline" (a thread in each web process) or "worker" (only in
#: `journey worker` processes; web processes then just read and wait for them).
PROJECTION_MODES = ("inline", "worker")
#: The URL schemes (SQLAlchemy's dialect+driver) of the databases Journey runs on.
DATABASE_SCHEMES = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg")


#: The port of a database URL as SQLAlchemy's make_url reads it (sqlalchemy/engine/url.py,
#: _parse_url), which turns it into a number: anything else there is no database URL.
_URL_PORT = re.compile(r"""[\w+]+://(?:[^:/]*(?::[^@]*)?@)?
                           (?:(?:\[[^/?]+\]|[^/:?]+)?(?::(?P<port>[^/?]*))?)?""", re.X)

#: Every variable Config.from_env reads (README's Configuration table; `journey --help`).
VARIABLES = ("JOURNEY_DATABASE_URL", "JOURNEY_INSTANCE_DIR", "JOURNEY_BASE_URL",
             "JOURNEY_PROJECTIONS")


@dataclass(frozen=True)
class Config:
    """Where the log lives, where the secrets live, and the public URL of this installation."""

    database_url: str
    instance_dir: Path
    base_url: str
    projections: str = "inline"

    def __post_init__(self) -> None:
        # Relative to the directory the command started in, fixed now: Flask's send_file
        # reads a relative path against the app's package (web/), not the working one.
        object.__setattr__(self, "instance_dir", Path(self.instance_dir).expanduser().absolute())

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Config:
        """Build from JOURNEY_* variables; an unset or empty variable takes its default."""

        def value(name: str, default: str) -> str:
            # `VAR=` in a shell or a .env file means "not set", not "the empty string".
            return environ.get(name, "").strip() or default

        return cls(
            database_url=_database_url(value("JOURNEY_DATABASE_URL", DEFAULT_DATABASE_URL)),
            instance_dir=Path(value("JOURNEY_INSTANCE_DIR", DEFAULT_INSTANCE_DIR)),
            base_url=_base_url(value("JOURNEY_BASE_URL", DEFAULT_BASE_URL)).rstrip("/"),
            projections=_mode(value("JOURNEY_PROJECTIONS", "inline")),
        )


def _database_url(value: str) -> str:
    """The URL, if it names a database Journey runs on and one that outlives the command."""
    # Only the scheme is ever quoted: the rest of the URL may hold a password.
    scheme, found, rest = value.partition("://")
    use = "use sqlite:///path/to/journey.db or postgresql+psycopg://user@host/database"
    if not found:
        raise ValueError(f"JOURNEY_DATABASE_URL is not a database URL: {use}")
    if scheme.lower() not in DATABASE_SCHEMES:
        raise ValueError(f"JOURNEY_DATABASE_URL names a database Journey does not support "
                         f"({scheme}://): {use}")
    parsed = _URL_PORT.match(value)
    port = parsed.group("port") if parsed else None
    if port is not None and not (port.isascii() and port.isdigit() and int(port) <= 65535):
        raise ValueError(f"JOURNEY_DATABASE_URL is not a database URL (its port is no "
                         f"number from 0 to 65535): {use}")
    if scheme.lower().startswith("sqlite"):
        path, _, query = rest.removeprefix("/").partition("?")
        # An in-memory database is gone when the command ends: `journey init` would claim
        # a log that no later command finds.
        if path in ("", ":memory:") or path.startswith("file::memory:") \
                or "memory" in parse_qs(query).get("mode", []):
            raise ValueError("JOURNEY_DATABASE_URL is an in-memory SQLite database, gone "
                             "when the command ends: give a file, such as "
                             "sqlite:///journey.db")
    return value


def _base_url(value: str) -> str:
    """The public URL, if links, badge ids and exports can be made by adding paths to it."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is no number
    except ValueError:
        parts = None
    # A space or a control character is never part of a URL: the links and badge ids
    # made from it would not be URLs either.
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname \
            or parts.query or parts.fragment or any(c.isspace() or ord(c) < 32 or c == "\x7f"
                                                    for c in value):
        raise ValueError(f"JOURNEY_BASE_URL must be an absolute http(s) URL without query "
                         f"or fragment, such as https://journey.example.org, not {value!r}")
    return value


def _mode(value: str) -> str:
    mode = value.lower()
    if mode not in PROJECTION_MODES:
        raise ValueError(f"JOURNEY_PROJECTIONS must be one of {', '.join(PROJECTION_MODES)}, "
                         f"not {value!r}")
    return mode
