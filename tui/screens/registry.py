"""Every screen of Recoup by name: its menu path, what it is for, and how to open it.

The main menu and the command palette (Ctrl+P) are both built from this one list, so a screen
that exists can always be opened by name. Screens that are not built yet are listed with
`module=None`: the menu shows them greyed out and marked "(coming)", and the palette says so —
the operator sees the whole map without ever landing on a fake screen.

Screen modules are imported on first use, which keeps the ORM out of the first paint.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from textual.screen import Screen


@dataclass(frozen=True)
class ScreenEntry:
    id: str
    title: str
    path: tuple[str, ...]          # the menu headings above it (SPEC 9)
    help: str
    module: str | None = None      # "tui.screens.guarantors:GuarantorsScreen"; None = coming
    depth: int = 0                 # indentation under its heading (sub-screens)

    @property
    def built(self) -> bool:
        return self.module is not None

    def make(self, **kwargs: Any) -> Screen[Any]:
        if self.module is None:
            raise LookupError(f"{self.title} is not built yet")
        name, cls = self.module.split(":")
        return getattr(importlib.import_module(name), cls)(**kwargs)


_PATIENTS = ("Patients",)
_STATEMENTS = ("Statements",)
_ROSTER = ("Patient Collections",)
_ADMIN = ("Admin", "Collections Admin")

SCREENS: list[ScreenEntry] = [
    ScreenEntry("guarantors", "Guarantors", _PATIENTS,
                "Every guarantor of the practice with balances; sort, filter, select",
                "tui.screens.guarantors:GuarantorsScreen"),
    ScreenEntry("find", "Find Guarantor or Encounter", _PATIENTS,
                "Find a patient, employer or encounter by id or name", "tui.screens.find:FindScreen"),
    ScreenEntry("statement_dashboard", "Statement/Invoice Management Dashboard", _STATEMENTS,
                "Statements and invoices of the practice"),
    ScreenEntry("collections_management", "Collections Management", _STATEMENTS,
                "Pre-Collections, In Collections/Not Sent and Sent: totals, breakdowns, graph",
                "tui.screens.collections_dashboard:CollectionsDashboardScreen", depth=1),
    ScreenEntry("precollections", "Pre-Collections", _STATEMENTS,
                "The encounter collections list: build it, filter, set and apply actions, agency files",
                "tui.screens.precollections:PreCollectionsScreen", depth=2),
    ScreenEntry("external_pending", "External Pending", _STATEMENTS,
                "External collections Pending: approve, deny, assign an agency; run now",
                "tui.screens.external_work:PendingScreen", depth=1),
    ScreenEntry("external_posted", "External Posted", _STATEMENTS,
                "External collections Posted: reverse to A/R, reassign to another agency",
                "tui.screens.external_work:PostedScreen", depth=1),
    ScreenEntry("external_files", "External Files", _STATEMENTS,
                "External collections agency files: create, preview, mark as sent",
                "tui.screens.external_work:FilesScreen", depth=1),
    ScreenEntry("populate_roster", "Populate Roster", _ROSTER, "Populate the collection roster",
                "tui.screens.roster_populate:PopulateScreen"),
    ScreenEntry("work_accounts", "Work Accounts", _ROSTER, "Work list by status and next contact",
                "tui.screens.roster_work:WorkAccountsScreen"),
    ScreenEntry("dead_end_report", "Dead-End Report", _ROSTER, "Accounts in statuses with no transfer",
                "tui.screens.roster_reports:DeadEndScreen"),
    ScreenEntry("review_turn_over", "Review for Turn Over", _ROSTER, "Approve accounts for an agency",
                "tui.screens.roster_reports:ReviewScreen"),
    ScreenEntry("print_letters", "Print Collection Letters", _ROSTER, "Print queued collection letters",
                "tui.screens.roster_reports:PrintLettersScreen"),
    ScreenEntry("turn_over", "Turn Over to Agency", _ROSTER, "Turn approved accounts over to an agency",
                "tui.screens.roster_reports:TurnOverScreen"),
    ScreenEntry("holds", "Holds", _ROSTER, "Holds on guarantors and encounters: place, release, filter",
                "tui.screens.holds:HoldsScreen"),
    ScreenEntry("financial_assistance", "Financial Assistance", _ROSTER,
                "501(r) financial-assistance applications, refunds due, the reversal worklist",
                "tui.screens.fap:FapScreen"),
    ScreenEntry("external_collections", "External Collections", _ADMIN,
                "Agency assignment table, payment exclusions, rules",
                "tui.screens.external_admin:ExternalAdminScreen"),
    ScreenEntry("agencies", "Agencies", _ADMIN, "Agency profiles and file formats",
                "tui.screens.external_admin:AgenciesScreen"),
    ScreenEntry("status_table", "Collection Status Table", _ADMIN, "Roster statuses, days, transfers, letters",
                "tui.screens.roster_admin:StatusTableScreen"),
    ScreenEntry("integration", "Patient Collections Integration", _ADMIN, "Roster settings",
                "tui.screens.roster_admin:IntegrationScreen"),
    ScreenEntry("billing_groups", "Billing Groups", _ADMIN, "Billing groups",
                "tui.screens.roster_admin:BillingGroupsScreen"),
    ScreenEntry("adjustment_codes", "Adjustment Codes", _ADMIN, "Adjustment codes",
                "tui.screens.roster_admin:AdjustmentCodesScreen"),
    ScreenEntry("letters", "Letters", _ADMIN, "Collection letter templates",
                "tui.screens.roster_admin:LettersScreen"),
    ScreenEntry("time_zones", "State Time Zones", _ADMIN, "The time zone calls to each state are judged in",
                "tui.screens.time_zones:TimeZonesScreen"),
    ScreenEntry("practice_profile", "Practice Profile", _ADMIN,
                "The practice's address, phone and remit-to address that letters print",
                "tui.screens.practice_profile:PracticeProfileScreen"),
    ScreenEntry("compliance_settings", "Compliance Settings", _ADMIN,
                "501(r) non-profit hospital and its assistance summary; itemization date; credit reporting",
                "tui.screens.compliance_admin:ComplianceSettingsScreen"),
    ScreenEntry("agency_eca", "Agency ECA Kinds", _ADMIN,
                "Which agencies report to credit bureaus, buy debt or sue: 501(r)'s extraordinary actions",
                "tui.screens.compliance_admin:AgencyEcaScreen"),
    ScreenEntry("protections", "Patient Protections", _ADMIN,
                "Poverty guidelines by year; wait for insurance; the income threshold",
                "tui.screens.protections_admin:ProtectionsScreen"),
    ScreenEntry("users", "Users and Roles", ("Admin",), "Operators, their roles, on/off and browser passwords",
                "tui.screens.users_admin:UsersScreen"),
    ScreenEntry("audit", "Audit Trail", ("Admin",),
                "Who did what and when, by operator, record, action, date; who opened which account",
                "tui.screens.audit_viewer:AuditScreen"),
    ScreenEntry("batch_runs", "Batch Runs", ("Admin",),
                "Every batch's tally: considered, taken, left out by reason; each reason's accounts",
                "tui.screens.batch_runs:BatchRunsScreen"),
    ScreenEntry("nightly_preview", "Nightly Preview", ("Admin",),
                "What tonight's run would do, per practice and batch, writing nothing",
                "tui.screens.nightly_preview:PreviewScreen"),
]
BY_ID = {s.id: s for s in SCREENS}
