"""Configuration: read once from the environment by the bootstrap, never at import time."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

DEFAULT_DATABASE_URL = "sqlite:///journey.db"
DEFAULT_INSTANCE_DIR = "./instance"
DEFAULT_BASE_URL = "http://127.0.0.1:5000"
#: Where projections fold: "inline" (a thread in each web process) or "worker" (only in
#: `journey worker` processes; web processes then just read and wait for them).
PROJECTION_MODES = ("inline", "worker")


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
            database_url=value("JOURNEY_DATABASE_URL", DEFAULT_DATABASE_URL),
            instance_dir=Path(value("JOURNEY_INSTANCE_DIR", DEFAULT_INSTANCE_DIR)),
            base_url=value("JOURNEY_BASE_URL", DEFAULT_BASE_URL).rstrip("/"),
            projections=_mode(value("JOURNEY_PROJECTIONS", "inline")),
        )


def _mode(value: str) -> str:
    mode = value.lower()
    if mode not in PROJECTION_MODES:
        raise ValueError(f"JOURNEY_PROJECTIONS must be one of {', '.join(PROJECTION_MODES)}, "
                         f"not {value!r}")
    return mode
