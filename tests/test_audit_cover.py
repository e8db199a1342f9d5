"""core.audit_cover's statement scan: which statements write a settings table (a transaction
judges the settings tables just before its first such write, core.audit.begin_writing)."""

from __future__ import annotations

import pytest

from core.audit_cover import writes_settings


@pytest.mark.parametrize(("sql", "writes"), [
    ("INSERT INTO operator (name, role) VALUES (?, ?)", True),
    ('UPDATE "operator" SET role = ? WHERE operator.id = ?', True),
    ("update practice\n   set precollections_on = 1", True),
    ("DELETE FROM agency_assignment WHERE id = :id", True),
    ("INSERT OR IGNORE INTO poverty_guideline(year) VALUES (2027)", True),
    ("WITH x AS (SELECT 1) UPDATE roster_settings SET days = 1", True),
    ("SELECT name, role FROM operator WHERE name = ?", False),
    ("INSERT INTO precollection_history (operator, practice_id) SELECT operator, practice_id FROM practice", False),
    ("UPDATE operator_x SET a = 1", False),
    ("SELECT id FROM practice FOR UPDATE", False),
])
def test_a_statement_writing_a_settings_table_is_recognised(sql: str, writes: bool) -> None:
    assert writes_settings(sql) is writes
