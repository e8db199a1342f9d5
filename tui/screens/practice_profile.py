"""Admin -> Practice Profile: what every letter prints of the practice (SPEC 15) — its name,
address and phone, where payments go (remit-to), and the days a letter gives to pay.

One settings form; F2 saves through the core (admins), which names a bad field; the save carries
the version read, so a second admin's change is not overwritten.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Header

from core import practices
from tui.screens.base import RecoupScreen
from tui.widgets.footer import FitFooter
from tui.widgets.form import Field
from tui.widgets.settings_form import SettingsForm

LABELS = {"name": "Practice name", "address1": "Address", "address2": "Address line 2", "city": "City",
          "state": "State", "zip": "ZIP", "phone": "Phone", "remit_to": "Remit-to address"}
HINTS = {"remit_to": "lines separated by | (blank: the address above)"}
FIELDS = [*(Field(name, label, required=name == "name", max_length=practices.PROFILE_TEXT[name],
                  placeholder=HINTS.get(name, "")) for name, label in LABELS.items()),
          Field("letter_due_days", "Days to pay", "int", required=True, minimum=practices.DUE_DAYS[0],
                placeholder=f"{practices.DUE_DAYS[0]}-{practices.DUE_DAYS[1]} days after the letter date")]


def _shown(p: Any) -> dict[str, Any]:
    """The form's values: a remit-to written on several lines is shown on one, lines split by " | "."""
    return {k: "" if v is None else " | ".join(str(v).splitlines())
            for k, v in practices.profile(p).items() if k in practices.PROFILE_FIELDS}


class ProfileForm(SettingsForm):
    FIELDS = FIELDS
    NAME = "profile"
    STATUS = "Practice profile: printed on every letter · F2 saves"
    SAVED = "Practice profile: saved."
    SAVE_TITLE = "Save the practice profile"

    def read(self, services: Any) -> tuple[dict[str, Any], Any]:
        with services.uow() as u:
            p = practices.practice_by_id(u, self.practice_id)
            return _shown(p), p.version

    def write(self, services: Any, values: dict[str, Any], state: Any) -> tuple[dict[str, Any], Any]:
        with services.uow(write=True) as u:
            p = practices.set_profile(u, services.actor, self.practice_id, values, services.as_of,
                                      expected_version=state)
            return _shown(p), p.version


class PracticeProfileScreen(RecoupScreen):
    """The practice profile form of the practice in use."""

    TITLE_TEXT = "Practice Profile"

    def compose(self) -> ComposeResult:
        yield Header()
        yield ProfileForm(self.practice.id, id="profile-tab")
        yield FitFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.sub_title = f"{self.TITLE_TEXT} · {self.practice.name}"
        self.query_one("#field-name").focus()
