"""Admin -> Collections Admin -> External Collections and Agencies (SPEC 5 and 7; reference 002).

Two tabs, for the app's practice:

- External Collections: the assignment table (Agency, Balance Greater Than, Age Greater Than,
  Auto Approve, Auto Create File) on the reusable AdminTable (Alt+D / Alt+U / Alt+R, their
  Alt+Shift twins, Insert / Enter / Delete), and under it the payment exclusions and the four
  rules as one form (F2 saves). The threshold coupling is the core's (core.external.admin
  `normalise`): its refusal names the field, and the edit dialog shows it there.
- Agencies: the agency profiles (name, contact, fee %, file format, columns, BAA date) on the
  same AdminTable. A profile is never removed (files and placements refer to it).

Every save goes to the core in a worker (admins only; the core checks the role and audits).
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Header, TabbedContent, TabPane

from core import external
from core.errors import Refused
from core.exchange import agency_files
from core.external.read import agency_profiles
from core.money import format_plain
from tui.protocols import services_of
from tui.screens.tabbed_admin import TabbedAdminScreen
from tui.widgets.admin_table import AdminSpec, AdminTable, cell
from tui.widgets.confirm import run_use_case
from tui.widgets.footer import FitFooter
from tui.widgets.form import Field
from tui.widgets.settings_form import SettingsForm

# --- the assignment table ------------------------------------------------------------------------


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _read_assignments(u: Any, actor: Any, pid: int) -> list[Any]:
    return external.assignments(u, pid)


def _assignment_cells(r: Any) -> tuple[str, ...]:
    manual = r.age_gt is None
    return (r.agency, r.name, "manual" if manual else format_plain(r.balance_gt_cents),
            "manual" if manual else str(r.age_gt), _yes(r.auto_approve), _yes(r.auto_file))


def _save_assignment(as_of: Any) -> Any:
    def save(u: Any, actor: Any, pid: int, v: dict[str, Any]) -> Any:
        agency = (v["agency"] or "").strip()
        if any(r.agency == agency for r in external.assignments(u, pid)):
            return external.update_assignment(u, actor, pid, agency, as_of, balance_gt_cents=v["balance_gt"],
                                              age_gt=v["age_gt"], auto_approve=v["auto_approve"],
                                              auto_file=v["auto_file"])
        return external.add_assignment(u, actor, pid, external.Assignment(
            agency, v["balance_gt"], v["age_gt"], v["auto_approve"], v["auto_file"]), as_of)
    return save


def _remove_assignment(as_of: Any) -> Any:
    def remove(u: Any, actor: Any, pid: int, key: str) -> None:
        external.remove_assignment(u, actor, pid, key, as_of, confirmed=True)
    return remove


ASSIGNMENT_FIELDS = (
    Field("agency", "Agency", required=True, max_length=40, placeholder="agency id (a new id gets a profile)"),
    Field("balance_gt", "Balance Greater Than", "money", placeholder="blank with an age: 0.00; both blank: manual"),
    Field("age_gt", "Age Greater Than", "int", minimum=0, placeholder="days; both blank: manual selection only"),
    Field("auto_approve", "Auto Approve (post in the nightly run)", "flag"),
    Field("auto_file", "Auto Create File (in the nightly run)", "flag"))


def assignment_spec(as_of: Any) -> AdminSpec:
    return AdminSpec(
        "assignment", "Assignment table", "agency",
        (("Agency", 8), ("Name", 20), ("Balance >", 10), ("Age >", 6), ("Approve", 7), ("File", 4)),
        _read_assignments, _assignment_cells, lambda r: r.agency,
        lambda r: f"{r.agency} {r.name}", ASSIGNMENT_FIELDS,
        lambda r: {"agency": r.agency,
                   "balance_gt": "" if r.balance_gt_cents is None else format_plain(r.balance_gt_cents),
                   "age_gt": cell(r.age_gt), "auto_approve": r.auto_approve, "auto_file": r.auto_file},
        _save_assignment(as_of), _remove_assignment(as_of), plural="agencies",
        hint="Both thresholds blank: manual selection only. Age alone: balance 0.00. Greater than, both ways.")


class AssignmentTable(AdminTable):
    """The assignment table; Remove asks with the core's own warning (lines placed with it)."""

    def action_remove(self) -> None:
        row = self.current()
        if row is None:
            self.app.notify("There is no agency in the table to remove.")
            return
        s, pid, key = services_of(self), self.practice_id, row.agency

        def call(confirmed: bool) -> None:
            with s.uow(write=True) as u:
                external.remove_assignment(u, s.actor, pid, key, s.as_of, confirmed=confirmed)

        def removed(_: Any) -> None:
            self.app.notify(f"Assignment table: agency {key} removed (its profile stays).")
            self.reload()
        run_use_case(self, "Remove agency", call, removed)


# --- payment exclusions and rules ---------------------------------------------------------------

RULE_FIELDS = (
    Field("exclude_days", "Payment within days", "int", minimum=0, placeholder="N days; blank: no exclusions"),
    Field("exclude_min", "Payment minimum $", "money", placeholder="dollar minimum (and/or %; larger wins)"),
    Field("exclude_pct", "Payment minimum %", placeholder="percent of the outstanding balance, e.g. 10"),
    Field("account_level", "Apply rules at the account level (the guarantor's payments)", "flag"),
    Field("returned_mail", "Roll accounts flagged as returned mail to external collections", "flag"),
    Field("reassign", "Reassign external accounts to the appropriate agency", "flag"),
    Field("reage_denied", "Re-Age if Denied (a denied line ages from 0 again)", "flag"),
    Field("by_dos", "Move all procedures by DOS (same DOS and case) into external", "flag"))


def rule_changes(v: dict[str, Any]) -> dict[str, Any]:
    """The form's values as the core's settings (percent parsed exactly by the core)."""
    pct = (v["exclude_pct"] or "").strip()
    return {"exclude_days": v["exclude_days"], "exclude_min_cents": v["exclude_min"],
            "exclude_pct_bp": external.parse_percent(pct, "exclude_pct") if pct else None,
            **{f.name: v[f.name] for f in RULE_FIELDS if f.kind == "flag"}}


class RulesForm(SettingsForm):
    """Payment exclusions and rules of the practice: F2 saves them all; the core checks each."""

    DEFAULT_CSS = "RulesForm CriteriaForm Checkbox { margin: 0 0 0 1; }"
    FIELDS = RULE_FIELDS
    NAME = "rules"
    READING = "Payment exclusions and rules · reading…"
    STATUS = "Payment exclusions and rules (all agencies) · Tab moves here · F2 saves"
    SAVED = "External collections rules: saved."
    SAVE_TITLE = "Save rules"

    def read(self, services: Any) -> tuple[dict[str, Any], Any]:
        with services.uow() as u:
            return _form_values(external.settings_dict(external.settings(u, self.practice_id))), None

    def write(self, services: Any, values: dict[str, Any], state: Any) -> tuple[dict[str, Any], Any]:
        with services.uow(write=True) as u:
            row = external.update_rules(u, services.actor, self.practice_id, services.as_of, rule_changes(values))
            return _form_values(external.settings_dict(row)), None


def _form_values(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v if isinstance(v, bool) else cell(v) for k, v in values.items()}


# --- agency profiles ------------------------------------------------------------------------------

def _read_profiles(u: Any, actor: Any, pid: int) -> list[Any]:
    return agency_profiles(u, pid)


def refuse_remove(*_: Any) -> None:
    raise Refused("agency profiles are not removed: files and placements refer to them")


def _save_profile(as_of: Any) -> Any:
    def save(u: Any, actor: Any, pid: int, v: dict[str, Any]) -> Any:
        fee = (v["fee"] or "").strip()
        return agency_files.save_agency(u, actor, pid, (v["agency"] or "").strip(), as_of, name=v["name"],
                                 contact=v["contact"] or "", file_format=v["format"] or "xlsx",
                                 columns=(v["columns"] or "").replace(" ", ""), baa_signed=v["baa_signed"],
                                 clear_baa=v["baa_signed"] is None,
                                 fee_bp=external.parse_percent(fee, "fee", allow_zero=True) if fee else 0)
    return save


PROFILE_FIELDS = (
    Field("agency", "Agency", required=True, max_length=40, placeholder="agency id, e.g. AG1"),
    Field("name", "Name", required=True, max_length=120),
    Field("contact", "Contact", max_length=200, placeholder="person, phone, e-mail"),
    Field("fee", "Fee %", placeholder="percent of what it collects, e.g. 20 or 12.5"),
    Field("format", "File format", "choice", required=True, choices=("xlsx", "csv"), default="xlsx"),
    Field("columns", "Columns it receives", max_length=500, placeholder="blank: the minimum necessary"),
    Field("baa_signed", "BAA signed", "date", placeholder="YYYY-MM-DD: business associate agreement"))


def profile_spec(as_of: Any) -> AdminSpec:
    return AdminSpec(
        "profiles", "Agencies", "agency",
        (("Agency", 8), ("Name", 20), ("Fee %", 5), ("Fmt", 4), ("BAA signed", 10), ("Contact", 15)),
        _read_profiles,
        lambda a: (a.source_id, a.name, external.format_percent(a.fee_bp) or "0", a.file_format,
                   cell(a.baa_signed) or "none", a.contact or ""),
        lambda a: a.source_id, lambda a: f"{a.source_id} {a.name}", PROFILE_FIELDS,
        lambda a: {"agency": a.source_id, "name": a.name, "contact": a.contact or "",
                   "fee": external.format_percent(a.fee_bp) or "", "format": a.file_format,
                   "columns": a.columns or "", "baa_signed": cell(a.baa_signed)},
        _save_profile(as_of), refuse_remove, plural="agencies",
        hint="Column keys, comma separated: " + ", ".join(agency_files.COLUMNS) + ". Procedure codes go out only "
             "when listed; external files always carry the line id.")


class ProfileTable(AdminTable):
    """Agency profiles: add and update; Remove explains why a profile stays."""

    def action_remove(self) -> None:
        self.app.notify("An agency profile is not removed: its files and placements refer to it. To stop "
                        "using it, remove it from the assignment table (External Collections tab).",
                        severity="warning", timeout=8)


# --- the screen ------------------------------------------------------------------------------------

class ExternalAdminScreen(TabbedAdminScreen):
    """Collections Admin: External Collections and Agencies tabs for the app's practice."""

    TABS = (("external", "External Collections"), ("agencies", "Agencies"))
    INITIAL = "external"
    DEFAULT_CSS = "ExternalAdminScreen #assignment-table { height: 8; }"

    def compose(self) -> ComposeResult:
        yield Header()
        pid, as_of = self.practice.id, self.services.as_of
        yield self.practice_row()
        with TabbedContent(initial=self.INITIAL):
            with TabPane("External Collections", id="external"):
                yield AssignmentTable(assignment_spec(as_of), pid, id="assignment-table")
                yield RulesForm(pid, id="rules")
            with TabPane("Agencies", id="agencies"):
                yield ProfileTable(profile_spec(as_of), pid, id="profiles-table")
        yield FitFooter()

    def _focus_tab(self, tab: str) -> None:
        table = "#assignment-table" if tab == "external" else "#profiles-table"
        self.query_one(table, AdminTable).focus_table()


class AgenciesScreen(ExternalAdminScreen):
    INITIAL = "agencies"
