"""Tamper suite, the chain itself (SPEC 17): the key outside the database, entries forged with a
plain hash, a rewritten and recomputed chain, a cut-off tail against an anchor, key rotation, and
the sealing of a chain written before it was keyed. Both databases; `recoup verify` exits 1 and
names what it found."""

from __future__ import annotations

import hashlib
import json
import os
import stat

import pytest
from sqlalchemy import text

from core import audit, audit_keys
from db.uow import SqlUnitOfWork
from tests.integrity.tamper_data import as_dba, scalar, seed

COLS = "at, business_date, operator, action, entity, record_ids, before, after"


@pytest.fixture(autouse=True)
def own_key(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A key file of this test's own (made on the first commit), so rotations do not add up."""
    monkeypatch.setenv(audit_keys.ENV, str(tmp_path / "keys" / "audit.key"))


@pytest.fixture
def seeded(uow, admin):
    return seed(uow, admin)


def _verify_fails(cli, *names: str, anchor: str | None = None) -> str:
    code, out, err = cli("verify", "--all-problems", *(("--anchor", anchor) if anchor else ()))
    assert code == 1, out + err
    for name in names:
        assert name in out, out
    return out


def _plain(prev: str, row) -> str:  # type: ignore[no-untyped-def]
    """What an attacker without the key computes: the old plain SHA-256 of the entry."""
    return audit.entry_hash(prev, row.at, row.business_date, row.operator, row.action, row.entity,
                            row.record_ids, row.before, row.after)


def _entries(engine) -> list:  # type: ignore[no-untyped-def]
    from sqlmodel import Session, select

    from core.models.audit import AuditEntry
    with Session(engine) as s:
        return list(s.exec(select(AuditEntry).order_by(AuditEntry.id)))  # type: ignore[arg-type]


def test_the_key_file_is_made_owner_only_outside_the_database(engine, seeded) -> None:
    path = audit_keys.key_path()
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    kid = audit_keys.key_id(bytes.fromhex(path.read_text().split()[0]))
    assert {e.key_id for e in _entries(engine)} == {kid}
    with engine.connect() as conn:  # the key itself is nowhere in the database
        dump = " ".join(str(v) for row in conn.execute(text("SELECT * FROM audit_entry")).all() for v in row)
    assert path.read_text().split()[0] not in dump


def test_without_the_key_file_verify_cannot_vouch_for_the_chain(cli, seeded, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(audit_keys.ENV, str(tmp_path / "elsewhere.key"))
    _verify_fails(cli, "FAIL audit chain", "the chain cannot be checked: no audit key file at",
                  "FAIL audit coverage")


def test_an_entry_appended_with_a_plain_hash_is_caught(engine, cli, seeded) -> None:
    """Append-only allows INSERT: an attacker appends an entry whose plain hash is right."""
    head = _entries(engine)[-1]
    forged = {"at": head.at, "business_date": None, "operator": "tester", "action": "users.update",
              "entity": "operator", "record_ids": '["cora"]', "before": None, "after": '{"role":"admin"}'}
    row = type("Row", (), forged)
    as_dba(engine, f"INSERT INTO audit_entry ({COLS}, prev_hash, hash) VALUES (:at, :business_date, :operator, "
                   ":action, :entity, :record_ids, :before, :after, :prev, :hash)", drop=False,
           **forged, prev=head.hash, hash=_plain(head.hash, row))
    _verify_fails(cli, f"audit entry {head.id + 1}: not signed with the audit key after the chain was keyed")


def test_an_entry_appended_under_the_key_id_without_the_key_is_caught(engine, cli, seeded) -> None:
    head = _entries(engine)[-1]
    as_dba(engine, f"INSERT INTO audit_entry ({COLS}, prev_hash, hash, key_id) SELECT {COLS}, hash, :h, key_id "
                   "FROM audit_entry WHERE id = :i", drop=False, h=hashlib.sha256(b"guess").hexdigest(), i=head.id)
    _verify_fails(cli, f"audit entry {head.id + 1}: its content was changed after it was written")


def test_a_rewritten_and_recomputed_chain_is_caught(engine, cli, seeded) -> None:
    """Rewrite one entry and recompute every hash after it, as the plain chain allowed."""
    entries = _entries(engine)
    target = entries[2]
    with engine.begin() as conn:
        from tests.integrity.tamper import drop_append_only_triggers
        drop_append_only_triggers(conn)
        prev = entries[1].hash
        for e in entries[2:]:
            if e.id == target.id:
                e.after = '{"forged":true}'
            e.prev_hash, e.hash = prev, _plain(prev, e)
            conn.execute(text("UPDATE audit_entry SET after = :a, prev_hash = :p, hash = :h WHERE id = :i"),
                         {"a": e.after, "p": e.prev_hash, "h": e.hash, "i": e.id})
            prev = e.hash
    out = _verify_fails(cli, f"audit entry {target.id}: its content was changed after it was written")
    assert "does not follow" not in out  # the links were recomputed; the signatures cannot be


def test_deleting_the_last_entry_is_caught_by_the_anchor(engine, cli, seeded, tmp_path) -> None:
    anchors = tmp_path / "anchors" / "recoup.anchors"
    anchors.parent.mkdir()
    code, out, _err = cli("audit", "anchor", "--out", str(anchors))
    assert code == 0 and out.startswith("recoup-audit-anchor entry=")
    assert stat.S_IMODE(anchors.stat().st_mode) == 0o600
    assert cli("verify", "--anchor", str(anchors))[0] == 0
    last = scalar(engine, "SELECT MAX(id) FROM audit_entry")
    as_dba(engine, "DELETE FROM audit_entry WHERE id = :i", i=last)
    _verify_fails(cli, "FAIL anchors", f"audit entry {last} is gone (the chain was cut back or deleted)",
                  anchor=str(anchors))


def test_deleting_every_entry_is_caught_by_the_anchor(engine, cli, seeded, tmp_path) -> None:
    anchors = tmp_path / "recoup.anchors"
    assert cli("audit", "anchor", "--out", str(anchors))[0] == 0
    as_dba(engine, "DELETE FROM audit_entry")
    _verify_fails(cli, "FAIL anchors", "is gone", "the audit trail is empty but the database holds",
                  anchor=str(anchors))


def test_a_chain_rewritten_below_an_anchor_is_caught(engine, cli, seeded, tmp_path) -> None:
    anchors = tmp_path / "recoup.anchors"
    assert cli("audit", "anchor", "--out", str(anchors))[0] == 0
    last = scalar(engine, "SELECT MAX(id) FROM audit_entry")
    as_dba(engine, "UPDATE audit_entry SET hash = :h WHERE id = :i", h="0" * 64, i=last)
    _verify_fails(cli, f"audit entry {last} has another hash", anchor=str(anchors))


def test_a_bad_anchor_file_is_one_clear_line(cli, seeded, tmp_path) -> None:
    bad = tmp_path / "anchors"
    bad.write_text("hello\n")
    code, _out, err = cli("verify", "--anchor", str(bad))
    assert code == 2 and "--anchor: not an audit anchor line" in err


def test_a_rotated_key_continues_the_chain(engine, cli, seeded) -> None:
    before = {e.key_id for e in _entries(engine)}
    code, out, _err = cli("audit", "rotate-key")
    assert code == 0, out
    new = out.split("under key ")[1].split(";")[0]
    with SqlUnitOfWork(engine) as u:
        audit.record(u, "tester", "test.step", "thing", [1], None, None)
        u.commit()
    entries = _entires_after(engine, before)
    assert [e.action for e in entries] == ["audit.rotate_key", "test.step"] and {e.key_id for e in entries} == {new}
    hand_over = json.loads(entries[0].after or "{}")
    assert hand_over["from_key"] in before and hand_over["to_key"] == new
    assert cli("verify")[0] == 0
    ring = audit_keys.load()
    assert len(ring.keys) == 2 and ring.newest == new


def _entires_after(engine, keys: set) -> list:  # type: ignore[no-untyped-def]
    return [e for e in _entries(engine) if e.key_id not in keys]


def test_a_hand_over_not_signed_by_the_old_key_is_caught(engine, cli, seeded) -> None:
    assert cli("audit", "rotate-key")[0] == 0
    rotation = next(e for e in _entries(engine) if e.action == "audit.rotate_key")
    after = json.loads(rotation.after or "{}")
    after["from_signature"] = "0" * 64
    rotation.after = json.dumps(after, sort_keys=True, separators=(",", ":"))
    new_hash = audit.entry_mac(audit_keys.load().get(str(rotation.key_id)), rotation)  # even with the new key
    as_dba(engine, "UPDATE audit_entry SET after = :a, hash = :h WHERE id = :i", a=rotation.after, h=new_hash,
           i=rotation.id)
    _verify_fails(cli, f"audit entry {rotation.id}: a key hand-over not signed by the key it hands over from")


def test_a_chain_from_before_the_key_is_sealed_by_init(engine, cli, seeded) -> None:
    """An upgraded database: its entries have plain hashes and no key. Verify will not vouch for
    it until `recoup init` seals it; the seal's entry then covers every row before it."""
    with engine.begin() as conn:
        from tests.integrity.tamper import drop_append_only_triggers
        drop_append_only_triggers(conn)
        prev = audit.GENESIS
        for e in _entries(engine):
            h = _plain(prev, e)
            conn.execute(text("UPDATE audit_entry SET key_id = NULL, covers = NULL, prev_hash = :p, hash = :h "
                              "WHERE id = :i"), {"p": prev, "h": h, "i": e.id})
            prev = h
    _verify_fails(cli, "the audit chain is not keyed yet, so it cannot be proved intact: run 'recoup init'")
    code, out, err = cli("init")
    assert code == 0, out + err
    entries = _entries(engine)
    assert entries[-1].action == "audit.seal" and entries[-1].key_id and entries[-1].covers
    code, out, _err = cli("verify")
    assert code == 0, out


def test_a_row_written_behind_the_chain_is_still_named_after_a_later_commit(engine, cli, seeded) -> None:
    """A forged history row that a later, honest commit finds below its own start is flagged by
    that commit's entry, not silently vouched for."""
    as_dba(engine, "INSERT INTO precollection_history (practice_id, task_id, encounter_id, run_id, from_state, "
                   "to_state, amount_cents, business_date, at, operator) SELECT practice_id, task_id, encounter_id, "
                   "run_id, 'pre', 'removed', 0, business_date, at, 'mallory' FROM precollection_history "
                   "WHERE id = (SELECT MIN(id) FROM precollection_history)", drop=False)
    with SqlUnitOfWork(engine) as u:
        audit.record(u, "tester", "test.step", "thing", [1], None, None)
        u.commit()
    _verify_fails(cli, "precollection_history: 1 row (ids", "existed before audit entry",
                  "written behind Recoup's back")


def test_key_file_path_comes_from_the_environment(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(audit_keys.ENV, str(tmp_path / "k" / "audit.key"))
    ring = audit_keys.load(create=True)
    assert ring.path == tmp_path / "k" / "audit.key" and len(ring.keys) == 1
    assert stat.S_IMODE(os.stat(ring.path).st_mode) == 0o600


def test_init_after_an_upgrade_vouches_for_what_the_migrations_changed(engine, cli, seeded) -> None:
    """Migrations write settings outside any unit of work (0015 loads poverty guidelines): the
    `recoup init` that ran them records an audit.upgrade entry, from which the chain vouches afresh."""
    as_dba(engine, "INSERT INTO poverty_guideline (year, base_cents, per_person_cents) VALUES (2031, 1, 1)",
           drop=False)
    _verify_fails(cli, "poverty_guideline: changed since audit entry")
    with SqlUnitOfWork(engine) as u:
        assert audit.seal(u, upgraded=True)
    assert _entries(engine)[-1].action == "audit.upgrade"
    code, out, _err = cli("verify")
    assert code == 0, out
