"""recoup fap / eca (SPEC 15.5) from the command line: add, decide, list, refunds, reversals as
JSON, the settings, and bad input as exit 2 naming the field with nothing written."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import text

from core.models.ledger import Statement
from tests import factories as f


def _world(uow) -> None:  # type: ignore[no-untyped-def]
    with uow() as u:
        p = f.practice(u)
        g = f.guarantor(u, p, "G1")
        f.encounter(u, p, g, [20_000], source_id="E1", posted=dt.date(2026, 1, 2))
        u.session.add(Statement(practice_id=p.id, source_id="S1", guarantor_id=g.id, date=dt.date(2026, 1, 10)))
        u.commit()


def test_fap_from_the_command_line(cli, uow, admin, engine) -> None:
    _world(uow)
    assert cli("eca", "settings", "--nonprofit-501r", "on", "--fap-summary", "We help.")[0] == 0
    code, out, _ = cli("--as-of", "2026-02-01", "--json", "fap", "add", "--guarantor", "G1")
    assert code == 0 and json.loads(out)["note"] == "held while pending"
    app = json.loads(out)["application"]
    code, _, err = cli("--as-of", "2026-02-10", "fap", "decide", str(app), "approved", "--discount", "150")
    assert code == 2 and "discount: must be a percentage from 0 to 100" in err
    code, _, err = cli("--as-of", "2026-02-10", "fap", "decide", str(app), "approved", "--discount", "50",
                       "--decided", "2026-01-30")
    assert code == 2 and "decided: 2026-01-30 is before the application was received" in err
    with engine.connect() as c:
        assert c.execute(text("SELECT COUNT(*) FROM ledger_txn WHERE kind = 'adjustment'")).scalar_one() == 0
    code, out, _ = cli("--as-of", "2026-02-10", "fap", "decide", str(app), "approved", "--discount", "50")
    assert code == 0 and "discount 100.00 posted" in out
    code, out, _ = cli("--json", "fap", "list", "--decision", "approved")
    assert [r["adjusted"] for r in json.loads(out)] == ["100.00"]
    code, out, _ = cli("--as-of", "2026-02-10", "--json", "fap", "reversals")
    assert code == 0 and json.loads(out) == []
    code, out, _ = cli("--json", "eca", "settings")
    assert json.loads(out)["nonprofit_501r"] is True and json.loads(out)["credit_report_min"] == "500.00"
