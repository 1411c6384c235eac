"""Action plans: their inquiry, revisions, steps and the progress made on them.

ActionPlanCreated and ActionPlanRevised are not content events (never corrected or
retracted); ActionStepCompleted is, so a retracted completion no longer counts.
"""
from __future__ import annotations

from typing import Any

from journey import events as ev
from journey.clock import format_time
from journey.records import Recorded
from projections.folds.history import Settled
from projections.folds.personal import People


def _step(step: ev.Step, people: People, at: Recorded) -> dict[str, Any]:
    return {"step_id": step.step_id, "title": step.title, "owners": people.refs(step.owners),
            "due_on": step.due_on, "added_at": format_time(at.occurred_at),
            "dropped": False, "dropped_at": None, "completions": []}


def plans(settled: Settled, people: People) -> dict[str, dict[str, Any]]:
    """plan_id -> the plan with its revisions, steps (dropped ones kept) and progress."""
    found: dict[str, dict[str, Any]] = {}
    steps: dict[str, dict[str, dict[str, Any]]] = {}
    for rec in settled.records:
        e = rec.event
        if isinstance(e, ev.ActionPlanCreated) and e.plan_id not in found:
            steps[e.plan_id] = {s.step_id: _step(s, people, rec) for s in e.steps}
            found[e.plan_id] = {
                "plan_id": e.plan_id, "community_id": e.community_id,
                "inquiry_question": e.inquiry_question, "involves": list(e.involves or ()),
                "created_by": people.ref(rec.actor), "created_at": format_time(rec.occurred_at),
                "position": rec.position, "revisions": []}
        elif isinstance(e, ev.ActionPlanRevised) and e.plan_id in found:
            _revise(found[e.plan_id], steps[e.plan_id], rec, e, people)
        elif isinstance(e, ev.ActionStepCompleted) and e.step_id in steps.get(e.plan_id, {}):
            data = people.readable(rec)
            steps[e.plan_id][e.step_id]["completions"].append({
                "position": rec.position, "completed_at": format_time(rec.occurred_at),
                "members": people.refs(e.member_ids), "outcome": data.get("outcome"),
                "evidence_url": e.evidence_url, "corrected": rec.position in settled.corrected})
    for plan_id, plan in found.items():
        plan["steps"] = list(steps[plan_id].values())
        for step in plan["steps"]:
            step["completed"] = bool(step["completions"])
        plan["progress"] = progress(plan["steps"])
    return found


def _revise(plan: dict[str, Any], steps: dict[str, dict[str, Any]], rec: Recorded,
            e: ev.ActionPlanRevised, people: People) -> None:
    if e.inquiry_question is not None:
        plan["inquiry_question"] = e.inquiry_question
    for s in e.steps_added or ():
        steps.setdefault(s.step_id, _step(s, people, rec))
    for step_id in e.steps_dropped or ():
        if step_id in steps:
            steps[step_id]["dropped"] = True
            steps[step_id]["dropped_at"] = format_time(rec.occurred_at)
    plan["revisions"].append({
        "position": rec.position, "revised_at": format_time(rec.occurred_at),
        "revised_by": people.ref(rec.actor), "inquiry_question": e.inquiry_question,
        "steps_added": [s.step_id for s in e.steps_added or ()],
        "steps_dropped": list(e.steps_dropped or ()), "note": e.note})


def progress(steps: list[dict[str, Any]]) -> dict[str, int]:
    """Steps still in the plan, how many of them are completed, and how many were dropped."""
    kept = [s for s in steps if not s["dropped"]]
    done = sum(1 for s in kept if s["completions"])
    return {"steps": len(kept), "completed": done, "open": len(kept) - done,
            "dropped": len(steps) - len(kept)}
