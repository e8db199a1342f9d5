"""Admin -> State Time Zones (SPEC 15.2): the zone each state's calls are judged in.

Regulation F's calling hours (08:00-21:00) are the debtor's, so a call is judged in the time zone
of the guarantor's state. The table comes loaded with the US states, DC and territories (each at
its most populous zone); admins correct a state or add one here, with the admin table's keys.
"""

from __future__ import annotations

import datetime as dt

from textual.app import ComposeResult
from textual.widgets import Header

from core import contacts
from tui.screens.base import RecoupScreen
from tui.widgets.admin_table import AdminSpec, AdminTable
from tui.widgets.footer import FitFooter
from tui.widgets.form import Field


def zone_spec(as_of: dt.date) -> AdminSpec:
    """The table's spec; saves and removals are audited under the screen's business date."""
    return AdminSpec(
        "zones", "State Time Zones", "state time zone",
        (("State", 8), ("Time zone", 40)),
        lambda u, _actor, _pid: contacts.time_zones(u),
        lambda r: (r.state, r.time_zone),
        lambda r: r.state,
        lambda r: f"{r.state} {r.time_zone}",
        (Field("state", "State", required=True, max_length=20, placeholder="as addresses spell it: TX"),
         Field("zone", "Time zone", required=True, max_length=60, placeholder="America/Chicago")),
        lambda r: {"state": r.state, "zone": r.time_zone},
        lambda u, actor, _pid, v: contacts.set_time_zone(u, actor, v["state"], v["zone"], as_of),
        lambda u, actor, _pid, key: contacts.remove_time_zone(u, actor, key, as_of))


class TimeZonesScreen(RecoupScreen):
    TITLE_TEXT = "State Time Zones"

    def compose(self) -> ComposeResult:
        yield Header()
        yield AdminTable(zone_spec(self.services.as_of), self.practice.id, id="zones-table")
        yield FitFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#zones-table", AdminTable).focus_table()
