"""The business associate agreement warning (SPEC 16): patient data goes to an agency only past a
warning when no agreement date is on record for it.

Use cases that already ask for confirmation add `note(agency)` to their summary; the others call
`confirm(agency, confirmed, title)`. The nightly run cannot be confirmed by anyone, so it writes
no file for such an agency and says so in its result (`missing`).
"""

from __future__ import annotations

from core.errors import NeedsConfirmation, Summary
from core.models.agencies import Agency


def missing(agency: Agency) -> bool:
    return agency.baa_signed is None


def note(agency: Agency) -> list[str]:
    """The warning line for a confirmation summary (none when an agreement is on record)."""
    if not missing(agency):
        return []
    return [f"WARNING: no business associate agreement is on record for {agency.name} ({agency.source_id}); "
            "patient data will go to it all the same"]


def confirm(agency: Agency, confirmed: bool, title: str) -> None:
    """Ask once before writing a file for an agency with no agreement on record."""
    if missing(agency) and not confirmed:
        raise NeedsConfirmation(Summary(title, [], note(agency)))
