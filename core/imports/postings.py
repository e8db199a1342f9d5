"""The money an import posts, all in one journal of kind "import".

- A new service line posts a charge (charge -> ar) for its amount, dated its posted date.
- A line whose amount changed posts a charge correction for the difference (negative when it went
  down), dated the business date, so a line's amount always equals the sum of its charges.
- A new payment or adjustment posts ar -> paid or ar -> adjusted, on its line or (no line) on the
  guarantor as escrow, with source_id = the transaction id.
- A transaction that comes again with any posted fact changed (amount, line, guarantor, kind,
  date, source, code) is never edited: its posting is reversed by a posting of the opposite amount
  (same kind and buckets, dated the business date, memo naming the transaction), and the new
  version is posted under the transaction id. The superseded posting keeps its amount, line and
  date; it only gives up the transaction id (source_id becomes NULL, its memo names the id), so the
  id always points at the version in force and a third import compares against that.
Nothing is posted (and no journal opened) when nothing changed, so importing twice is a no-op.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import bindparam, update

from core import ledger
from core.imports import bulk
from core.imports.plan import Item, TxnItem
from core.imports.result import FileCounts, ImportResult
from core.imports.snapshot import TXN
from core.security import Actor
from core.uow import UnitOfWork

Ids = dict[str, dict[Any, int]]


def post(uow: UnitOfWork, actor: Actor, as_of: dt.date, lines: list[Item], txns: list[TxnItem],
         ids: Ids, result: ImportResult) -> FileCounts:
    """Post the charges of written lines and the file's transactions; returns transactions.csv counts."""
    rows = _charges(lines, ids, as_of, result)
    counts, superseded = FileCounts(), []
    for t in txns:
        if t.existing is None:
            counts.inserted += 1
        elif _same(t, ids):
            counts.unchanged += 1
            continue
        else:
            counts.updated += 1
            superseded.append({"_id": t.existing["id"],
                               "_memo": f"transaction {t.key[1]}, superseded {as_of.isoformat()}"})
            rows.append(_reversal(t, as_of, result))
        rows.append(_posting(t, ids, result))
    if rows:
        _journal(uow, actor, as_of, rows, superseded, result)
    return counts


def _journal(uow: UnitOfWork, actor: Actor, as_of: dt.date, rows: list[dict[str, Any]],
             superseded: list[dict[str, Any]], result: ImportResult) -> None:
    practices = {r["practice_id"] for r in rows}
    journal = ledger.open_journal(uow, "import", actor.name, as_of,
                                  next(iter(practices)) if len(practices) == 1 else None)
    conn = uow.session.connection()
    if superseded:  # free the transaction ids before their new versions take them
        conn.execute(update(TXN).where(TXN.c.id == bindparam("_id"))
                     .values(source_id=None, memo=bindparam("_memo")), superseded)
    for r in rows:
        r["journal_id"] = journal.id
    columns = list(rows[0])
    bulk.insert_many(uow, TXN, columns, rows)
    bulk.analyze_if_large(uow, len(rows), "ledger_txn", "service_line", "encounter", "guarantor")
    ledger.close_journal(uow, journal)
    result.journal_id, result.money.txns = journal.id, len(rows)


def _txn(practice_id: int, guarantor_id: int, line_id: int | None, date: dt.date, kind: str,
         amount_cents: int, source: str, source_id: str | None = None,
         adjustment_code: str | None = None, memo: str | None = None,
         buckets: tuple[str, str] | None = None) -> dict[str, Any]:
    bucket_from, bucket_to = buckets or ledger.DIRECTION[kind]
    return {"practice_id": practice_id, "journal_id": None, "source_id": source_id,
            "guarantor_id": guarantor_id, "line_id": line_id, "date": date, "kind": kind,
            "source": source, "bucket_from": bucket_from, "bucket_to": bucket_to,
            "amount_cents": amount_cents, "adjustment_code": adjustment_code, "memo": memo}


def _charges(lines: list[Item], ids: Ids, as_of: dt.date, result: ImportResult) -> list[dict[str, Any]]:
    rows = []
    for item in lines:
        amount = item.row["amount_cents"]
        before = item.existing["amount_cents"] if item.existing is not None else 0
        if amount == before:
            continue
        practice, guarantor = ids["practice"][item.refs["practice_id"]], ids["guarantor"][item.refs["guarantor_id"]]
        line_id = ids["line"][item.key]
        if item.existing is None:
            rows.append(_txn(practice, guarantor, line_id, item.row["posted_date"], "charge", amount, "system"))
            result.money.charges += amount
        else:
            memo = f"line {item.key[1]}: amount changed from {before} to {amount} cents by import"
            rows.append(_txn(practice, guarantor, line_id, as_of, "charge", amount - before, "system", memo=memo))
            result.money.charge_corrections += amount - before
    return rows


def _ids_of(t: TxnItem, ids: Ids) -> tuple[int, int, int | None]:
    line = ids["line"][t.service_line] if t.service_line is not None else None
    return ids["practice"][t.key[0]], ids["guarantor"][t.guarantor], line


def _same(t: TxnItem, ids: Ids) -> bool:
    old = t.existing
    assert old is not None
    _, guarantor, line = _ids_of(t, ids)
    return (guarantor, line, t.kind, t.source, t.amount_cents, t.date, t.adjustment_code) == (
        old["guarantor_id"], old["line_id"], old["kind"], old["source"], old["amount_cents"],
        old["date"], old["adjustment_code"])


def _posting(t: TxnItem, ids: Ids, result: ImportResult) -> dict[str, Any]:
    practice, guarantor, line = _ids_of(t, ids)
    if t.kind == "payment":
        result.money.payments += t.amount_cents
    else:
        result.money.adjustments += t.amount_cents
    return _txn(practice, guarantor, line, t.date, t.kind, t.amount_cents, t.source,
                source_id=t.key[1], adjustment_code=t.adjustment_code)


def _reversal(t: TxnItem, as_of: dt.date, result: ImportResult) -> dict[str, Any]:
    old = t.existing
    assert old is not None
    result.money.reversals -= old["amount_cents"]
    return _txn(old["practice_id"], old["guarantor_id"], old["line_id"], as_of, old["kind"],
                -old["amount_cents"], old["source"], adjustment_code=old["adjustment_code"],
                memo=f"reverses transaction {t.key[1]} as posted {old['date'].isoformat()} "
                     f"(changed in an import)",
                buckets=(old["bucket_from"], old["bucket_to"]))
