"""Why the record refused a form, in the reader's language.

The domain (journey/) names every refusal with a rule and explains it in an English
sentence with the ids involved. A page shows the rule's meaning in the reader's language;
the domain's own sentence follows as the detail (in English, naming ids and dates), so
nothing it says is lost and a person reading English gets it unchanged.
"""
from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _


def _meanings() -> dict[str, str]:
    return {
        "not_the_actor": _("You can only record this for yourself."),
        "role_required": _("Your role in this community does not allow this."),
        "not_a_facilitator": _("Only a facilitator of this community can do this."),
        "not_facilitator_or_coordinator": _("Only a facilitator or coordinator of this community can do this."),
        "not_a_network_coordinator": _("A coordinator reads every community of the network: "
                                       "only the network's coordinators, or the person who "
                                       "created it, can make someone a coordinator."),
        "not_an_admin": _("Only an administrator can do this."),
        "not_a_leader": _("Only one of the session's leaders can record this."),
        "not_an_owner": _("Only the owners of this action step can complete it."),
        "not_a_member": _("Everyone named must be a member of the community at that moment."),
        "already_member": _("This person is already a member of the community."),
        "unknown_reference": _("Something this refers to has not been recorded."),
        "unknown_community": _("There is no such community."),
        "unknown_member": _("There is no such member."),
        "unknown_network": _("There is no such network."),
        "unknown_session": _("There is no such session."),
        "unknown_resource": _("There is no such resource."),
        "unknown_plan": _("There is no such action plan."),
        "unknown_step": _("There is no such step in this action plan."),
        "nothing_changed": _("This revision changes nothing in the action plan: change its "
                             "inquiry question, add or drop steps, or write a note on why "
                             "the plan stands."),
        "no_steps_left": _("An action plan keeps at least one step: keep one, or add the "
                           "steps that replace those you drop."),
        "step_completed": _("This action step is already completed; retract that entry "
                            "to reopen it."),
        "unknown_badge": _("There is no such badge in this community."),
        "unknown_award": _("There is no such recognition."),
        "already_revoked": _("This recognition was already revoked."),
        "unknown_reflection": _("There is no such reflection."),
        "unknown_position": _("There is no such entry in the record."),
        "duplicate_id": _("This was already recorded under the same id."),
        "role_mismatch": _("The role given is not the person's current role."),
        "last_facilitator": _("A community always keeps at least one facilitator: hand facilitation over first."),
        "future_occurred_at": _("The moment it happened cannot be in the future."),
        "would_invalidate_history": _("This would contradict something already recorded."),
        "member_erased": _("This member's data was erased: nothing more can be recorded about them."),
        "not_yet_existing": _("It did not exist yet at the moment you gave."),
        "invalid_target": _("This entry cannot be corrected or retracted (it is not a content entry, or it was already retracted)."),
        "invalid_value": _("A value is not acceptable."),
        "invalid_evidence": _("The evidence must be this member's own entries in this community, and never a private reflection."),
        "cannot_award_self": _("A facilitator cannot recognise themselves."),
        "self_feedback": _("Feedback goes to someone else."),
        "session_cancelled": _("This session was cancelled."),
        "community_required": _("Choose a community for this."),
        "not_correctable": _("This field cannot be corrected."),
        "schema_invalid": _("Some fields are not filled in correctly."),
        "idempotency_key_reused": _("This form was already sent with different content: reload the page and try again."),
        "version_conflict": _("Someone else changed this in the meantime: reload the page and try again."),
        "bad_window": _("These dates do not make a period that can be shown: check them."),
    }


def explain(rule: str, detail: str) -> str:
    """The refusal as a reader sees it: the rule's meaning, then the domain's detail."""
    meaning = _meanings().get(rule)
    if meaning is None or str(get_locale() or "en") == "en":
        return detail
    return f"{meaning} ({detail})"
