"""External collection agencies (SPEC 5 and 7): the one module screens and commands call.

The use cases live in small modules by concern; this module gathers them under one name:

- external_admin: the assignment table (threshold coupling), payment exclusions and rules.
- external_run: the nightly run per practice and business date (select, post, file, reassign).
- external_work: the work screens (Pending approve/deny/assign, Posted reverse/reassign, manual
  selection) and the list behind them.
- external_files: agency files of posted lines, preview, mark as sent.
- external_returns: importing an agency's returns (payments, recalls, closed accounts).
"""

from __future__ import annotations

from core.external.admin import (
    Assignment,
    AssignmentRow,
    add_assignment,
    assignments,
    normalise,
    remove_assignment,
    settings,
    settings_dict,
    update_assignment,
    update_rules,
)
from core.external.explain import explain_lines
from core.external.filing import create_file, list_files, mark_sent, preview
from core.external.nightly import RunResult, examples, run
from core.external.returns import import_returns
from core.external.work import PlacementRow, approve, assign, deny, list_placements, reassign, reverse, select_manual
from core.money import format_percent, parse_percent
from core.practices import find_practice

__all__ = ["Assignment", "AssignmentRow", "PlacementRow", "RunResult", "add_assignment", "approve", "assign",
           "assignments", "create_file", "deny", "examples", "explain_lines", "find_practice", "format_percent",
           "import_returns", "list_files", "list_placements", "mark_sent", "normalise", "parse_percent",
           "preview", "reassign", "remove_assignment", "reverse", "run", "select_manual", "settings",
           "settings_dict", "update_assignment", "update_rules"]
