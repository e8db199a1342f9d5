"""Admin -> Collections Admin -> Patient Protections (SPEC 14): the poverty guidelines and the
practice's protection settings.

The guidelines (by year: the amount for a household of one and for each further person) are the
admin table (Alt+D / Alt+U, Insert / Enter); a year's figure is corrected, never removed. Under it
the practice's settings, one form (F2 saves): wait for insurance (a line is not collected while
its encounter's insurance is open) and the income threshold (household income under that % of the
year's guideline: never placed with an agency or turned over). The core checks and audits each
change (admins only) and names the field it refuses.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Header

from core import protections
from core.errors import Refused
from core.money import format_plain
from core.practices import practice_by_id
from tui.screens.base import RecoupScreen
from tui.widgets.admin_table import AdminSpec, AdminTable
from tui.widgets.footer import FitFooter
from tui.widgets.form import Field
from tui.widgets.settings_form import SettingsForm


def _read_guidelines(u: Any, actor: Any, pid: int) -> list[Any]:
    return list(reversed(protections.guidelines(u)))      # the latest year first


def _refuse_remove(*_: Any) -> None:
    raise Refused("a year's poverty guideline is not removed: correct it with Update")


def _save_guideline(as_of: Any) -> Any:
    def save(u: Any, actor: Any, pid: int, v: dict[str, Any]) -> Any:
        return protections.set_guideline(u, actor, v["year"], v["base"], v["per_person"], as_of)
    return save


GUIDELINE_FIELDS = (
    Field("year", "Year", "int", required=True, minimum=2000, placeholder="e.g. 2026"),
    Field("base", "Household of one", "money", required=True, placeholder="e.g. 15650.00"),
    Field("per_person", "Each further person", "money", required=True, placeholder="e.g. 5500.00"))


def guideline_spec(as_of: Any) -> AdminSpec:
    return AdminSpec(
        "guidelines", "Poverty guidelines", "guideline",
        (("Year", 6), ("Household of one", 18), ("Each further person", 20), ("Household of 4", 16)),
        _read_guidelines,
        lambda g: (str(g.year), format_plain(g.base_cents), format_plain(g.per_person_cents),
                   format_plain(g.base_cents + 3 * g.per_person_cents)),
        lambda g: str(g.year), lambda g: f"the {g.year} guideline", GUIDELINE_FIELDS,
        lambda g: {"year": str(g.year), "base": format_plain(g.base_cents),
                   "per_person": format_plain(g.per_person_cents)},
        _save_guideline(as_of), _refuse_remove,
        hint="The income threshold is a % of the guideline of the business date's year (or the latest before).")


class GuidelineTable(AdminTable):
    """Add and update; Remove says why a year stays."""

    def _status(self, text: str) -> None:
        super()._status(text.replace(" · F8 next tab", ""))   # one screen, no tabs

    def action_remove(self) -> None:
        self.app.notify("A year's poverty guideline is not removed: correct it with Update (Alt+U or Enter).",
                        severity="warning", timeout=8)


RULE_FIELDS = (
    Field("wait_for_insurance", "Wait for insurance: no collecting while the encounter's insurance is open",
          "flag"),
    Field("income_threshold_pct", "Income threshold %", "int", minimum=1,
          placeholder="% of the poverty guideline, e.g. 200; blank: off"))


class ProtectionRulesForm(SettingsForm):
    """The practice's protection settings: F2 saves both; the core checks and audits them."""

    DEFAULT_CSS = "ProtectionRulesForm CriteriaForm Checkbox { margin: 0 0 0 1; }"
    FIELDS = RULE_FIELDS
    NAME = "protection-rules"
    READING = "Protection settings · reading…"
    STATUS = "Protection settings of the practice · Tab moves here · F2 saves"
    SAVED = "Protection settings: saved."
    SAVE_TITLE = "Save protection settings"

    def read(self, services: Any) -> tuple[dict[str, Any], Any]:
        with services.uow() as u:
            return _shown(practice_by_id(u, self.practice_id)), None

    def write(self, services: Any, values: dict[str, Any], state: Any) -> tuple[dict[str, Any], Any]:
        pct = values["income_threshold_pct"]
        with services.uow(write=True) as u:
            p = protections.set_practice_rules(u, services.actor, self.practice_id, services.as_of,
                                               wait_for_insurance=values["wait_for_insurance"],
                                               income_threshold_pct=pct, clear_threshold=pct is None)
            return _shown(p), None


def _shown(p: Any) -> dict[str, Any]:
    pct = p.income_threshold_pct
    return {"wait_for_insurance": bool(p.wait_for_insurance), "income_threshold_pct": "" if pct is None else str(pct)}


class ProtectionsScreen(RecoupScreen):
    TITLE_TEXT = "Patient Protections"
    DEFAULT_CSS = "ProtectionsScreen #guidelines-table { height: 10; }"

    def compose(self) -> ComposeResult:
        yield Header()
        yield GuidelineTable(guideline_spec(self.services.as_of), self.practice.id, id="guidelines-table")
        yield ProtectionRulesForm(self.practice.id, id="protection-rules")
        yield FitFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.sub_title = f"{self.TITLE_TEXT} · {self.practice.name}"
        self.query_one(GuidelineTable).focus_table()
