"""Admin -> Collections Admin for the roster: Collection Status Table, Patient Collections
Integration, Billing Groups, Adjustment Codes and Letters, as the tabs of one screen.

The four tables are the one reusable AdminTable (tui/widgets/admin_table.py), each declared by an
AdminSpec below: columns, the core's read/save/remove functions, the edit form's fields. The
integration tab is a CriteriaForm over every setting; every rule (codes must exist, a loop with no
exit, lengths) is the core's, and its message is shown at the field it names.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Header, TabbedContent, TabPane

from core import roster
from core.eligibility import AGING_BASES
from core.models.roster import (
    ADJ_CODE_LEN,
    ADJUSTMENT_KINDS,
    CODE_LEN,
    COMMENT_MODES,
    GROUP_LEN,
    LETTER_NAME_LEN,
    SUPPRESS_BY,
    TRANSFER_CHARGES,
)
from core.money import format_percent, format_plain
from core.roster import read as roster_read
from core.roster.admin import SETTING_RULES
from core.roster.letter_content import MERGE_FIELDS
from core.roster.removals import remove_adjustment_code, remove_billing_group, remove_letter_template
from tui.screens.tabbed_admin import TabbedAdminScreen
from tui.widgets.admin_table import AdminSpec, AdminTable, cell
from tui.widgets.footer import FitFooter
from tui.widgets.form import Field
from tui.widgets.settings_form import SettingsForm

# --- the four tables ---------------------------------------------------------------------------

def ensure_defaults(services: Any, pid: int) -> None:
    """A practice the roster has not touched yet gets the pre-loaded table on first look."""
    with services.uow() as u:
        if roster.settings(u, pid) is not None:
            return
    with services.uow(write=True) as u:
        roster.ensure_defaults(u, pid)
        u.commit()


def _read_statuses(u: Any, actor: Any, pid: int) -> list[Any]:
    return roster.statuses(u, pid)


def _save_status(u: Any, actor: Any, pid: int, v: dict[str, Any]) -> Any:
    return roster.set_status(u, actor, pid, v["code"] or "", description=v["description"], days=v["days"],
                             transfer_to=v["transfer_to"], letter=v["letter"])


STATUS_SPEC = AdminSpec(
    "status", "Collection Status Table", "status",
    (("Code", 4), ("Description", 26), ("Days", 4), ("To", 3), ("Letter", 26)),
    _read_statuses,
    lambda r: (r.code, r.description, cell(r.days_to_remain) or "-", cell(r.transfer_to) or "-",
               cell(r.letter) or "-"),
    lambda r: r.code,
    lambda r: f"{r.code} {r.description}",
    (Field("code", "Code", "code", required=True, max_length=CODE_LEN),
     Field("description", "Description", required=True, max_length=40),
     Field("days", "Days to remain", "int", minimum=1, placeholder="blank: stays until changed by hand"),
     Field("transfer_to", "Transfer to status", "code", max_length=CODE_LEN, placeholder="with days; blank: dead end"),
     Field("letter", "Letter", max_length=LETTER_NAME_LEN, placeholder="a letter template's name, or blank")),
    lambda r: {"code": r.code, "description": r.description, "days": cell(r.days_to_remain),
               "transfer_to": cell(r.transfer_to), "letter": cell(r.letter)},
    _save_status,
    lambda u, actor, pid, key: roster.remove_status(u, actor, pid, key), plural="statuses", prepare=ensure_defaults)


def _read_groups(u: Any, actor: Any, pid: int) -> list[Any]:
    return roster_read.billing_groups(u, pid)


def _read_codes(u: Any, actor: Any, pid: int) -> list[Any]:
    return roster_read.adjustment_codes(u, pid)


def _read_letters(u: Any, actor: Any, pid: int) -> list[Any]:
    return roster_read.letter_templates(u, pid)


GROUP_SPEC = AdminSpec(
    "groups", "Billing Groups", "billing group",
    (("Code", 20), ("Description", 34), ("Suppress collections", 20)),
    _read_groups,
    lambda r: (r.code, r.description, "yes - suppressed" if r.suppress_collections else "no"),
    lambda r: r.code,
    lambda r: f"{r.code} {r.description}",
    (Field("code", "Code", required=True, max_length=GROUP_LEN),
     Field("description", "Description", required=True, max_length=40),
     Field("suppress", "Suppress collections activity for this group", "flag")),
    lambda r: {"code": r.code, "description": r.description, "suppress": r.suppress_collections},
    lambda u, actor, pid, v: roster.set_billing_group(u, actor, pid, v["code"], v["description"], v["suppress"]),
    remove_billing_group, prepare=ensure_defaults)

ADJ_SPEC = AdminSpec(
    "adjustments", "Adjustment Codes", "adjustment code",
    (("Code", 6), ("Description", 40), ("Kind", 16)),
    _read_codes,
    lambda r: (r.code, r.description, r.kind.replace("_", " ")),
    lambda r: r.code,
    lambda r: f"{r.code} {r.description}",
    (Field("code", "Code", "code", required=True, max_length=ADJ_CODE_LEN),
     Field("description", "Description", required=True, max_length=40),
     Field("kind", "Kind", "choice", required=True, choices=ADJUSTMENT_KINDS, default="adjustment")),
    lambda r: {"code": r.code, "description": r.description, "kind": r.kind},
    lambda u, actor, pid, v: roster.set_adjustment_code(u, actor, pid, v["code"], v["description"], v["kind"]),
    remove_adjustment_code, prepare=ensure_defaults)

LETTER_SPEC = AdminSpec(
    "letters", "Letters", "letter template",
    (("Name", 28), ("Opening", 44)),
    _read_letters,
    lambda r: (r.name, " ".join(r.body.split())[:60]),
    lambda r: r.name,
    lambda r: f"letter template {r.name}",
    (Field("name", "Name", required=True, max_length=LETTER_NAME_LEN), Field("body", "Body")),
    lambda r: {"name": r.name, "body": r.body},
    lambda u, actor, pid, v: roster.set_letter_template(u, actor, pid, v["name"] or "", v["body"] or ""),
    remove_letter_template,
    multiline="body", prepare=ensure_defaults,
    hint="Merge fields: " + " ".join("{" + f + "}" for f in MERGE_FIELDS) + "  (Tab leaves the body)")

TABLES = {s.id: s for s in (STATUS_SPEC, GROUP_SPEC, ADJ_SPEC, LETTER_SPEC)}


# --- the integration settings ------------------------------------------------------------------

LABELS: dict[str, str] = {
    "aging_basis": "Aging by", "age_to_enter": "Age to enter", "auto_populate":
    "Automatic roster population (nightly)", "auto_time": "Time (HH:MM)", "min_balance_cents": "Minimum balance",
    "suppress_by": "Suppress groups by", "letters_in_notes": "Enter letters in notes",
    "letters_in_history": "Enter letters in account history (0.00 adjustment)",
    "letter_adj_code": "Adj code for letters", "initial_status": "Initial status",
    "plan_status": "Collection plan", "plan_failed_status": "Collection plan fail",
    "nd_plan_status": "Non-delinq plan", "nd_plan_failed_status": "Non-delinq plan fail",
    "partial_status": "Part. pmt non-plan", "review_status": "Review for agency",
    "approved_status": "Approved for agency", "transfer_charges": "Transfer charges",
    "write_off_code": "Adj code write-offs", "fee_code": "Adj code coll. fee",
    "collection_fee_bp": "Coll. fee %", "transfer_billing_group": "Transfer to bill grp",
    "internal_comment": "Internal comment", "comment_mode": "Comment mode",
    "plan_alert": "Display payment plan alert", "next_contact_days": "Next contact in",
    "require_letter_printed": "A status's letter must be printed before the account moves on"}
CHOICES = {"aging_basis": AGING_BASES, "suppress_by": SUPPRESS_BY, "transfer_charges": TRANSFER_CHARGES,
           "comment_mode": COMMENT_MODES}


def setting_field(name: str) -> Field:
    """The form field of one setting, from the core's rule for it."""
    rule = SETTING_RULES[name]
    label = LABELS.get(name, name.replace("_", " "))
    required = not rule.nullable
    if rule.kind == "bool":
        return Field(name, label, "flag")
    if rule.kind == "choice":
        return Field(name, label, "choice", required=required, choices=CHOICES.get(name, rule.choices))
    if rule.kind == "int":
        unit = " days" if name in ("age_to_enter", "next_contact_days") else ""
        return Field(name, label, "int", required=required, minimum=rule.low,
                     placeholder=f"{rule.low}-{rule.high}{unit}")
    if rule.kind == "cents":
        return Field(name, label, "money", required=required)
    if rule.kind == "percent":  # typed and shown as percent; the core keeps basis points
        return Field(name, label, required=required, max_length=8, placeholder="percent, 0-100, e.g. 33.33")
    if rule.kind == "status":
        return Field(name, label, "code", required=required, max_length=CODE_LEN, placeholder="a status code")
    if rule.kind == "adj":
        return Field(name, label, "code", required=required, max_length=ADJ_CODE_LEN, placeholder="an adjustment code")
    if rule.kind == "group":
        return Field(name, label, required=required, max_length=GROUP_LEN, placeholder="a billing group")
    if rule.kind == "time":
        return Field(name, label, required=required, max_length=5, placeholder="HH:MM, 24-hour")
    return Field(name, label, required=required, max_length=rule.length or None)


SETTING_FIELDS = [setting_field(n) for n in SETTING_RULES]


def _form_value(name: str, value: Any) -> str | bool:
    if isinstance(value, bool):
        return value
    if name == "min_balance_cents":
        return format_plain(int(value))
    if SETTING_RULES[name].kind == "percent":
        return format_percent(int(value)) or "0"
    return "" if value is None else str(value)


class IntegrationForm(SettingsForm):
    """Patient Collections Integration: every setting; F2 saves them all (the core checks each).
    The save carries the version read, so a second operator's change is not overwritten."""

    DEFAULT_CSS = "IntegrationForm CriteriaForm Checkbox { margin: 0 0 0 21; }"
    FIELDS = SETTING_FIELDS
    NAME = "integration"
    STATUS = "Patient Collections Integration · F2 saves · F8 next tab · codes must exist"
    SAVED = "Patient Collections Integration: saved."

    def read(self, services: Any) -> tuple[dict[str, Any], Any]:
        with services.uow(write=True) as u:          # the first look pre-loads the defaults
            row = roster.ensure_defaults(u, self.practice_id)
            u.commit()
        return _shown(row), row.version

    def write(self, services: Any, values: dict[str, Any], state: Any) -> tuple[dict[str, Any], Any]:
        with services.uow(write=True) as u:
            row = roster.update_settings(u, services.actor, self.practice_id, values, expected_version=state)
        return _shown(row), row.version


def _shown(row: Any) -> dict[str, Any]:
    return {k: _form_value(k, v) for k, v in roster.settings_dict(row).items() if k in SETTING_RULES}


# --- the screen ----------------------------------------------------------------------------------

class CollectionsAdminScreen(TabbedAdminScreen):
    """Collections Admin: one tab per table; the Alt keys act on the table that has the focus."""

    TABS = (("status", "Status Table"), ("integration", "Integration"), ("groups", "Billing Groups"),
            ("adjustments", "Adj. Codes"), ("letters", "Letters"))
    INITIAL = "status"

    def compose(self) -> ComposeResult:
        yield Header()
        pid = self.practice.id
        with TabbedContent(initial=self.INITIAL):
            for tab, title in self.TABS:
                with TabPane(title, id=tab):
                    if tab == "integration":
                        yield IntegrationForm(pid, id="integration-tab")
                    else:
                        yield AdminTable(TABLES[tab], pid, id=f"{tab}-table")
        yield FitFooter()

    def _focus_tab(self, tab: str) -> None:
        if tab == "integration":
            self.query_one("#field-aging_basis").focus()
        elif tab in TABLES:
            self.query_one(f"#{tab}-table", AdminTable).focus_table()


class StatusTableScreen(CollectionsAdminScreen):
    INITIAL = "status"


class IntegrationScreen(CollectionsAdminScreen):
    INITIAL = "integration"


class BillingGroupsScreen(CollectionsAdminScreen):
    INITIAL = "groups"


class AdjustmentCodesScreen(CollectionsAdminScreen):
    INITIAL = "adjustments"


class LettersScreen(CollectionsAdminScreen):
    INITIAL = "letters"
