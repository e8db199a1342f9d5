"""Admin -> Compliance Settings and Admin -> Agency ECA Kinds at 80x24 with no colour (NO_COLOR):
a ticked box shows an X, the focused field and row are marked in text. Update after an intended
change with --snapshot-update and look at the report."""

from __future__ import annotations

import pytest

from core import compliance_settings
from core.exchange import agency_files
from tests.tui.data import AS_OF
from tests.tui.test_snapshots import SIZE, _run


def test_compliance_settings(snap_compare, make_app, services, built,  # type: ignore[no-untyped-def]
                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    with services.uow(write=True) as u:
        compliance_settings.set_compliance(u, services.actor, built.practice_id, AS_OF, nonprofit_501r=True,
                                           fap_summary="We help patients who cannot pay: ask us.")
    assert snap_compare(make_app(), terminal_size=SIZE,
                        run_before=_run(lambda app: app.open_screen("compliance_settings")))


def _agencies(services, built) -> None:  # type: ignore[no-untyped-def]
    for source, name, kinds in (("AG1", "Acme Recovery", "credit_reporting,legal"),
                                ("AG2", "Friendly Letters Inc", "none")):
        with services.uow(write=True) as u:
            agency_files.save_agency(u, services.actor, built.practice_id, source, AS_OF, name=name)
        with services.uow(write=True) as u:
            compliance_settings.set_agency_eca(u, services.actor, built.practice_id, source, [kinds], AS_OF)


def test_agency_eca_kinds(snap_compare, make_app, services, built,  # type: ignore[no-untyped-def]
                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    _agencies(services, built)
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_run(lambda app: app.open_screen("agency_eca")))


def test_agency_eca_kinds_edit(snap_compare, make_app, services, built,  # type: ignore[no-untyped-def]
                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The highlighted agency's edit dialog, opened with Enter."""
    monkeypatch.setenv("NO_COLOR", "1")
    _agencies(services, built)
    assert snap_compare(make_app(), terminal_size=SIZE,
                        run_before=_run(lambda app: app.open_screen("agency_eca"), ("enter",)))
