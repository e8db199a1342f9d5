"""Admin -> Compliance Settings and Admin -> Agency ECA Kinds (SPEC 15.3-15.5): the settings the
command line sets with `recoup eca settings` and `recoup eca agency`, on screen.

- Compliance Settings: whether the practice is a non-profit hospital under IRS 501(r), the
  plain-language summary of its financial-assistance policy (every ECA notice prints it), the date
  a debt's itemization starts from, the credit-reporting minimum and "no medical credit reporting".
- Agency ECA Kinds: what each agency does that makes placing with it, or turning an account over
  to it, an extraordinary collection action: reports to credit bureaus, buys debt, sues.

Both call the same core functions as the command line (core.compliance_settings), which check
every value, name the bad field, refuse anyone but an admin and audit the change. Each save
carries the version read, so a second admin's change made meanwhile is refused, not overwritten.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Header

from core import compliance_settings, money, practices
from core.models.agencies import ECA_KINDS
from core.models.ledger import ITEMIZATION_BASES
from tui.screens.base import RecoupScreen
from tui.widgets.admin_table import AdminSpec, AdminTable
from tui.widgets.footer import FitFooter
from tui.widgets.form import Field
from tui.widgets.settings_form import SettingsForm

# ------------------------------------------------------------------------------ the practice's settings

SETTINGS_FIELDS = [
    Field("nonprofit_501r", "Non-profit hospital: IRS 501(r) applies", "flag"),
    Field("fap_summary", "Assistance summary", max_length=compliance_settings.SUMMARY_MAX,
          placeholder="plain words on the assistance policy, on every ECA notice"),
    Field("itemization_basis", "Itemization date", "choice", required=True, choices=ITEMIZATION_BASES),
    Field("credit_report_min", "Credit-report min.", "money", required=True,
          placeholder="never report a debt first placed under this"),
    Field("no_medical_credit_reporting", "No medical credit reporting", "flag"),
]


def _shown(settings: dict[str, Any]) -> dict[str, Any]:
    return {"nonprofit_501r": bool(settings["nonprofit_501r"]), "fap_summary": settings["fap_summary"] or "",
            "itemization_basis": settings["itemization_basis"],
            "credit_report_min": money.format_plain(settings["credit_report_min_cents"]),
            "no_medical_credit_reporting": bool(settings["no_medical_credit_reporting"])}


class ComplianceForm(SettingsForm):
    FIELDS = SETTINGS_FIELDS
    NAME = "compliance"
    STATUS = "Compliance settings (admins change them) · F2 saves"
    SAVED = "Compliance settings: saved."
    SAVE_TITLE = "Save the compliance settings"

    def read(self, services: Any) -> tuple[dict[str, Any], Any]:
        with services.uow() as u:
            shown = compliance_settings.practice_settings(u, services.actor, self.practice_id)
            return _shown(shown), practices.practice_by_id(u, self.practice_id).version

    def write(self, services: Any, values: dict[str, Any], state: Any) -> tuple[dict[str, Any], Any]:
        with services.uow(write=True) as u:
            p = compliance_settings.set_compliance(
                u, services.actor, self.practice_id, services.as_of, expected_version=state,
                nonprofit_501r=values["nonprofit_501r"], fap_summary=values["fap_summary"] or "",
                itemization_basis=values["itemization_basis"], credit_report_min_cents=values["credit_report_min"],
                no_medical_credit_reporting=values["no_medical_credit_reporting"])
            return _shown(compliance_settings.settings_of(p)), p.version


class ComplianceSettingsScreen(RecoupScreen):
    """The compliance settings of the practice in use."""

    TITLE_TEXT = "Compliance Settings"

    def compose(self) -> ComposeResult:
        yield Header()
        yield ComplianceForm(self.practice.id, id="compliance-tab")
        yield FitFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.sub_title = f"{self.TITLE_TEXT} · {self.practice.name}"
        self.query_one("#field-nonprofit_501r").focus()


# ------------------------------------------------------------------------------ the agencies' ECA kinds

KIND_LABELS = {"credit_reporting": "Reports to credit bureaus", "debt_sale": "Buys the debt",
               "legal": "Takes legal action (sues)"}


def _kinds(agency: Any) -> list[str]:
    return [k for k in (agency.eca_kinds or "").split(",") if k]


def agency_eca_spec(as_of: dt.date) -> AdminSpec:
    """The table's spec; saves are audited under the screen's business date."""
    def save(u: Any, actor: Any, pid: int, v: dict[str, Any], row: Any) -> Any:
        return compliance_settings.set_agency_eca(u, actor, pid, v["agency"], [k for k in ECA_KINDS if v[k]],
                                                  as_of, expected_version=None if row is None else row.version)

    def clear(u: Any, actor: Any, pid: int, key: str) -> None:
        compliance_settings.set_agency_eca(u, actor, pid, key, [], as_of)

    return AdminSpec(
        "agency-eca", "Agency ECA Kinds", "agency", (("Agency", 12), ("Name", 28), ("ECA kinds", 34)),
        lambda u, actor, pid: compliance_settings.agencies_eca(u, actor, pid),
        lambda r: (r.source_id, r.name, ", ".join(_kinds(r)) or "none"),
        lambda r: r.source_id,
        lambda r: f"{r.source_id}'s ECA kinds ({', '.join(_kinds(r)) or 'none'}): it will take no ECA",
        (Field("agency", "Agency", required=True, max_length=40, placeholder="its id, as on Admin > Agencies"),
         *(Field(k, label, "flag") for k, label in KIND_LABELS.items())),
        lambda r: {"agency": r.source_id, **{k: k in _kinds(r) for k in ECA_KINDS}},
        lambda u, actor, pid, v: save(u, actor, pid, v, None),
        clear,
        hint="Any kind ticked makes placing with this agency, or turning an account over to it, an ECA "
             "under 501(r). Space ticks; agencies are added on Admin > Agencies.",
        plural="agencies", save_row=save)


class AgencyEcaScreen(RecoupScreen):
    TITLE_TEXT = "Agency ECA Kinds"

    def compose(self) -> ComposeResult:
        yield Header()
        yield AdminTable(agency_eca_spec(self.services.as_of), self.practice.id, id="agency-eca-table")
        yield FitFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#agency-eca-table", AdminTable).focus_table()
