"""Encounter collections (SPEC 3 and 4): the one module screens and commands call.

The use cases live in small modules by concern; this façade gathers them under one name:

- tasks: build the Pre-Collections list, set and apply actions, spreadsheets, Explain.
- states: the transition table every move walks.
- criteria: the list's criteria and filter panel as SQL.
- moves: the set-based statements that make a move.
- read: the paged list and an encounter's collection state, for screens.
- dashboard: the Collections Management dashboard.
"""

from core.precollections import dashboard, read, states
from core.precollections.criteria import Check, Criteria, TaskFilter
from core.precollections.states import ACTION_LABELS, STATE_LABELS, TRANSITIONS
from core.precollections.tasks import (
    ApplyResult,
    BuildResult,
    Explanation,
    TaskRow,
    add_tasks,
    apply,
    check_versions,
    create_spreadsheet,
    explain,
    explain_reasons,
    last_change,
    list_tasks,
    send_to_collections,
    set_action,
    set_employer_collections,
    totals,
    transitions_for,
)

__all__ = ["ACTION_LABELS", "STATE_LABELS", "TRANSITIONS", "ApplyResult", "BuildResult", "Check", "Criteria",
           "Explanation", "TaskFilter", "TaskRow", "add_tasks", "apply", "check_versions", "create_spreadsheet",
           "dashboard", "explain", "explain_reasons", "last_change", "list_tasks", "read", "send_to_collections",
           "set_action", "set_employer_collections", "states", "totals", "transitions_for"]
