"""The patient collections roster (SPEC section 6): the one module screens and commands call.

The use cases live in small modules by concern; this module gathers them so callers have one
name to import:

- roster_admin: the Collection Status Table, the integration settings, billing groups,
  adjustment codes, letter templates, and the pre-loaded defaults of every practice.
- roster_populate: Populate Collection Roster, steps 1-6, set-based.
- roster_work: Work Accounts, notes, manual status change, payment plans, the Dead-End Report,
  Review for Turn Over.
- roster_turnover: Turn over to agency.
- letters: the letter queue and Print Collection Letters.
"""

from core.practices import due_practices
from core.roster.admin import (
    DEFAULT_STATUSES,
    MERGE_FIELDS,
    SETTING_RULES,
    ensure_defaults,
    find_loop,
    guarantor_by_source,
    guarantor_ids,
    remove_status,
    set_adjustment_code,
    set_billing_group,
    set_letter_template,
    set_status,
    settings,
    settings_dict,
    status_map,
    statuses,
    update_settings,
)
from core.roster.explain import explain_account
from core.roster.letters import list_queue, print_letters
from core.roster.population import PopulateResult, populate
from core.roster.population import examples as populate_examples
from core.roster.turnovers import TurnoverResult, turnover
from core.roster.work import (
    account,
    add_note,
    approve,
    change_status,
    dead_end_report,
    plan_alert,
    review_list,
    roster_rows,
    send_back,
    set_plan,
    work_list,
)
from core.uow import UnitOfWork


def auto_practices(uow: UnitOfWork) -> list[int]:
    """The practices the nightly populates (kept for the tests' name): practices.due_practices."""
    return [p.id for p in due_practices(uow, "roster")]

__all__ = [
    "DEFAULT_STATUSES",
    "MERGE_FIELDS",
    "SETTING_RULES",
    "PopulateResult",
    "TurnoverResult",
    "account",
    "add_note",
    "approve",
    "auto_practices",
    "change_status",
    "dead_end_report",
    "ensure_defaults",
    "explain_account",
    "find_loop",
    "guarantor_by_source",
    "guarantor_ids",
    "list_queue",
    "plan_alert",
    "populate",
    "populate_examples",
    "print_letters",
    "remove_status",
    "review_list",
    "roster_rows",
    "send_back",
    "set_adjustment_code",
    "set_billing_group",
    "set_letter_template",
    "set_plan",
    "set_status",
    "settings",
    "settings_dict",
    "status_map",
    "statuses",
    "turnover",
    "update_settings",
    "work_list",
]
