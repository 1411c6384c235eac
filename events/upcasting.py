"""Upcasters: pure functions that lift a stored event's data one schema version up.

A published event type is never renamed and the log is never rewritten, so an old row
is read through a chain of upcasters (v1 -> v2 -> ... -> latest) every time it is read.
Upcasters receive data already validated by the schema of their own version.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

Data = dict[str, Any]
Upcaster = Callable[[Data], Data]

# (type name, from_version) -> function returning the data at from_version + 1.
_UPCASTERS: dict[tuple[str, int], Upcaster] = {}


class UpcastingError(Exception):
    """An upcaster registered out of order or twice, or a version no chain reaches."""


def upcaster(type_name: str, *, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Register `f(data) -> data` lifting `type_name` from `from_version` to the next one."""
    if isinstance(from_version, bool) or not isinstance(from_version, int) or from_version < 1:
        raise UpcastingError(f"from_version must be a whole number >= 1, not {from_version!r}")

    def register(func: Upcaster) -> Upcaster:
        if (type_name, from_version) in _UPCASTERS:
            raise UpcastingError(
                f"an upcaster for {type_name} v{from_version} is already registered")
        # A gap would leave some stored versions with no way to reach the latest one.
        if from_version > 1 and (type_name, from_version - 1) not in _UPCASTERS:
            raise UpcastingError(
                f"{type_name} has no upcaster from v{from_version - 1}; "
                f"register versions in order before v{from_version}")
        _UPCASTERS[(type_name, from_version)] = func
        return func

    return register


def latest_version(type_name: str) -> int:
    """The version the upcaster chain of `type_name` ends at (1 when it has none)."""
    version = 1
    while (type_name, version) in _UPCASTERS:
        version += 1
    return version


def upcast(type_name: str, version: int, data: Data) -> tuple[Data, int]:
    """Lift `data` stored at `version` to the latest version; returns (data, latest)."""
    last = latest_version(type_name)
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= last:
        raise UpcastingError(f"{type_name} has no schema version {version!r} (latest is {last})")
    while version < last:
        # A copy, so that a careless upcaster never changes the caller's (stored) data.
        data = _UPCASTERS[(type_name, version)](dict(data))
        version += 1
    return data, version


@upcaster("SessionLed", from_version=1)
def _session_led_v1_to_v2(data: Data) -> Data:
    """SessionLed v1 named one `leader`; v2 names `leaders` (shared leadership)."""
    if "leader" in data:
        data["leaders"] = [data.pop("leader")]
    return data
