"""Refusals: each names the rule it enforces and says why in a sentence a teacher understands."""
from __future__ import annotations


class Refused(Exception):
    """A command the domain will not accept; nothing is appended."""

    rule = "refused"
    #: "forbidden" when the actor lacks a role or names someone else (HTTP 403),
    #: "invalid" for every other rule (HTTP 422).
    kind = "invalid"

    def __init__(self, message: str, *, rule: str | None = None,
                 fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        if rule is not None:
            self.rule = rule
        self.message = message
        self.fields = fields or {}

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


class Forbidden(Refused):
    """The actor lacks the role a rule requires, or names someone else."""

    kind = "forbidden"


class NotTheActor(Forbidden):
    rule = "not_the_actor"


class RoleRequired(Forbidden):
    """The actor must hold a role (facilitator, coordinator, leader, owner, admin ...)."""

    rule = "role_required"


class NotAMember(Refused):
    rule = "not_a_member"


class AlreadyMember(Refused):
    rule = "already_member"


class UnknownReference(Refused):
    """An id or position that names nothing known (the rule says which kind)."""

    rule = "unknown_reference"


class DuplicateId(Refused):
    rule = "duplicate_id"


class RoleMismatch(Refused):
    rule = "role_mismatch"


class LastFacilitator(Refused):
    rule = "last_facilitator"


class FutureOccurredAt(Refused):
    rule = "future_occurred_at"


class WouldInvalidateHistory(Refused):
    rule = "would_invalidate_history"


class MemberIsErased(Refused):
    rule = "member_erased"


class NotYetExisting(Refused):
    rule = "not_yet_existing"


class InvalidTarget(Refused):
    """A retraction, correction, revocation or evidence that may not point where it points."""

    rule = "invalid_target"


class InvalidValue(Refused):
    """A value the schema accepts but the domain does not (self-feedback, a bad correction)."""

    rule = "invalid_value"


class VersionConflict(Refused):
    """The client's expected stream version is stale (HTTP 409)."""

    rule = "version_conflict"
    kind = "conflict"


class IdempotencyKeyReused(Refused):
    rule = "idempotency_key_reused"
