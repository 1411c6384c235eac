"""The rule badges' names and descriptions in the page's language.

Rule badges are defined in projections/badges/rules.json, in English: the projections, the
API and the Open Badges documents keep that English and the rule ids, which are stable.
Pages (the portfolio's badges) show these words instead; a rule not here keeps its own. The English here is rules.json's, word for word
(tests/web/test_rule_badges.py checks it), so a rule whose wording changes, or a new rule,
fails that test until it is added here and translated.
"""
from __future__ import annotations

from flask_babel import gettext as _


def rule_badge_texts() -> dict[str, tuple[str, str]]:
    """Rule id -> (name, description), in the reader's language."""
    return {
        "first-resource": (
            _("First resource shared"),
            _("Shared a first resource with their community (a lesson plan, rubric, activity, "
              "survey or article), so colleagues need not reinvent the wheel.")),
        "led-a-session": (
            _("Led a session"),
            _("Led or co-led a session of their community: a meeting, workshop, lesson study, "
              "observation or online call. Every member has leadership capacity, whatever "
              "their position.")),
        "sessions-three-months": (
            _("Regular leader"),
            _("Led sessions of their community in three different calendar months: "
              "leadership that is shared and sustained, not a one-off.")),
        "resources-reused": (
            _("Knowledge keeper"),
            _("Three of the resources they shared were reused by colleagues in their own "
              "classrooms.")),
        "reflective-practitioner": (
            _("Reflective practitioner"),
            _("Recorded five reflections, shared with their community or network, across "
              "three different months.")),
        "students-in-the-inquiry": (
            _("Students in the inquiry"),
            _("Completed a step of an action plan whose participatory action research "
              "involves students: surveys, workshops and their suggestions put into "
              "practice.")),
        "cross-school-learner": (
            _("Cross-school learner"),
            _("Active in two communities: horizontal learning across schools, countries or "
              "networks.")),
        "took-over-facilitation": (
            _("Took over facilitation"),
            _("Took over the facilitation of their community in a hand-over: the community "
              "is organised by its own members.")),
        "critical-friend": (
            _("Critical friend"),
            _("Gave feedback on resources or sessions to three different colleagues: peer "
              "support, as equals.")),
        "value-realized": (
            _("Value realized"),
            _("Shared a reflection on value realized in practice, or on value that reframed "
              "how they see their work.")),
        "workshop-facilitator": (
            _("Workshop facilitator"),
            _("Facilitated a workshop for colleagues, such as the optional member-led "
              "workshops of a virtual community.")),
        "regular-participant": (
            _("Regular participant"),
            _("Took part in four sessions, as leader or attendee, within ninety days: "
              "learning together by interacting regularly.")),
    }

