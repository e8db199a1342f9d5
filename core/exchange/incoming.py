"""Incoming exchange files that post no money (SPEC 16): `ack` and `sync`.

- ack: the agency's count and dollars per batch it received; each is compared with the file
  Recoup recorded for that batch, and every mismatch is listed (a batch Recoup never sent to the
  agency is bad input: the file is refused whole).
- sync: the agency's balance of every placement it holds; the discrepancy report compares them
  with ours: balances that differ, placements it has that we do not place with it, and ours it
  did not list.
Both are checked whole first (header, trailer: core.exchange.envelope), recorded once by their
checksum (the same bytes are refused a second time) with their summary, and audited. Agency
returns, which post money, are imported by core.external.returns.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from core import anchors, audit, money, tallies
from core.errors import BadInput, Conflict
from core.exchange import envelope
from core.exchange.agency_files import find_agency
from core.models.agencies import Agency
from core.models.base import saved_id
from core.models.exchange import ExchangeImport
from core.money import format_plain
from core.practices import practice_by_id
from core.security import Actor, require
from core.sql import q
from core.uow import UnitOfWork

LAYOUTS = {"ack": ("batch", "records", "amount"), "sync": ("placement", "line", "amount")}


def kind_of(path: Path) -> str:
    """The kind a file's header names (to route it), or one clear message."""
    try:
        with open(path, "rb") as fh:
            head = fh.readline(1000)  # the header line only: a file of any size is routed alike
    except OSError as exc:
        raise BadInput(f"{Path(path).name}: cannot be read ({exc.strerror})", field="file") from None
    first = envelope.decode(path.name, head).splitlines()[:1]
    fields = first[0].split(",") if first else []
    if len(fields) < 5 or fields[0] != "H":
        raise BadInput(f"{path.name}:1: the first line must be the header H,{','.join(envelope.HEADER_FIELDS)}",
                       field="file")
    return fields[4].strip()


def read_bytes(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise BadInput(f"{Path(path).name}: cannot be read ({exc.strerror})", field="file") from None


def import_file(uow: UnitOfWork, actor: Actor, practice_id: int, agency: str | None, path: Path,
                as_of: dt.date) -> dict[str, Any]:
    """Read an ack or sync file whole, compare, record and audit it; returns its report."""
    require(actor, "supervisor", "import agency files")
    anchors.after_batch(uow)
    practice = practice_by_id(uow, practice_id)
    path = Path(path)
    kind = kind_of(path)
    if kind not in LAYOUTS:
        raise BadInput(f"{path.name}:1: kind: {kind[:20]!r} is not ack or sync (returns post money: "
                       "import them with 'recoup external returns')", field="file")
    data = read_bytes(path)
    sha = hashlib.sha256(data).hexdigest()
    dup = uow.session.execute(q("SELECT business_date FROM exchange_import WHERE practice_id = :p AND sha256 = :s",
                                {"p": practice_id, "s": sha})).first()
    if dup is not None:
        raise Conflict(f"{path.name}: this file was already imported (business date {dup[0]}); nothing was done")
    got = envelope.read(path.name, data, kind, "amount", LAYOUTS[kind])
    if got.header.practice != practice.source_id:
        envelope.refuse([f"{path.name}:1: practice: this file is for another practice, not {practice.source_id}"])
    if agency is not None and got.header.agency != agency:
        envelope.refuse([f"{path.name}:1: agency: this file is from another agency, not {agency}"])
    ag = find_agency(uow, practice_id, got.header.agency, required=False)
    if ag is None:
        envelope.refuse([f"{path.name}:1: agency: no agency {got.header.agency[:40]!r} in this practice"])
    assert ag is not None
    counter = tallies.Counter(uow, "agency_file", practice_id, as_of, actor.name)
    report = _ack(uow, ag, got, counter) if kind == "ack" else _sync(uow, ag, got, counter)
    row = ExchangeImport(practice_id=practice_id, agency_id=saved_id(ag), kind=kind, file_name=str(path), sha256=sha,
                         rows=got.count, total_cents=got.total_cents, problems=len(report["mismatches"]),
                         summary=json.dumps(report), business_date=as_of, created_at=uow.now(), operator=actor.name)
    uow.session.add(row)
    uow.session.flush()
    counter.row.ref = f"exchange_import {row.id}"
    report["tally"] = counter.finish().id
    audit.record(uow, actor.name, f"exchange.{kind}", "exchange_import", [ag.source_id, row.id], None,
                 {**report, "mismatches": len(report["mismatches"])}, as_of)
    uow.commit()
    return report


def _amount(name: str, n: int, text: str) -> int:
    try:
        return money.parse(text)
    except money.AmountError as exc:
        raise BadInput(f"{name}:{n}: amount: {exc}", field="file") from None


def _ack(uow: UnitOfWork, ag: Agency, got: envelope.Read, counter: tallies.Counter) -> dict[str, Any]:
    """Each batch the agency received against what was sent; the tally takes the batches that
    match and leaves out the others (`ack_mismatch`, the agency's dollars)."""
    sent = {int(b): (int(r), int(c)) for b, r, c in uow.session.execute(q(
        "SELECT batch_no, rows, total_cents FROM agency_file f WHERE agency_id = :ag AND batch_no IS NOT NULL "
        "AND id = (SELECT MIN(f2.id) FROM agency_file f2 WHERE f2.agency_id = f.agency_id "
        "AND f2.batch_no = f.batch_no AND f2.kind = f.kind) AND kind = 'new'", {"ag": ag.id}))}
    problems, mismatches = [], []
    for n, rec in got.records:
        batch = rec["batch"]
        if not batch.isdigit() or int(batch) not in sent:
            problems.append(f"{got.name}:{n}: batch: no placement file of that batch was sent to {ag.source_id}")
            continue
        if not rec["records"].isdigit():
            problems.append(f"{got.name}:{n}: records: not a whole number")
            continue
        ours, theirs = sent[int(batch)], (int(rec["records"]), _amount(got.name, n, rec["amount"]))
        if ours != theirs:
            mismatches.append(f"batch {batch}: sent {ours[0]} records, {format_plain(ours[1])}; the agency "
                              f"received {theirs[0]} records, {format_plain(theirs[1])}")
            counter.left("ack_mismatch", 1, theirs[1])
        else:
            counter.took("batch matched", 1, theirs[1])
    envelope.refuse(problems)
    return {"kind": "ack", "agency": ag.source_id, "batches": got.count,
            "matched": got.count - len(mismatches), "mismatches": mismatches}


def _sync(uow: UnitOfWork, ag: Agency, got: envelope.Read, counter: tallies.Counter) -> dict[str, Any]:
    """The agency's balances against ours. The tally considers every line either side holds: it
    takes those that agree and leaves out, by reason, balances that differ (our balance), lines
    not placed with the agency here (the agency's) and ours its file left out (our balance)."""
    ours = {str(line): (int(pid), int(cents), int(g), int(e)) for pid, line, cents, g, e in uow.session.execute(q(
        "SELECT x.id, l.source_id, l.collections_cents, l.guarantor_id, l.encounter_id FROM external_placement x "
        "JOIN service_line l ON l.id = x.line_id WHERE x.agency_id = :ag AND x.state = 'filed'", {"ag": ag.id}))}
    mismatches, seen = [], set()
    differ: list[tuple[int, int | None, int]] = []
    unknown = [0, 0]
    for n, rec in got.records:
        line, theirs = rec["line"], _amount(got.name, n, rec["amount"])
        if line not in ours:
            mismatches.append(f"line {line[:40]}: the agency holds {format_plain(theirs)}; "
                              "it is not placed with the agency here")
            unknown[0] += 1
            unknown[1] += theirs
            continue
        seen.add(line)
        _pid, cents, g, e = ours[line]
        if cents != theirs:
            mismatches.append(f"line {line}: our balance {format_plain(cents)}, "
                              f"the agency's {format_plain(theirs)}")
            differ.append((g, e, cents))
        else:
            counter.took("balance agrees", 1, cents)
    missing = sorted(set(ours) - seen)
    for line in missing:
        mismatches.append(f"line {line}: placed with the agency ({format_plain(ours[line][1])}); "
                          "not in the agency's file")
    counter.left("balance_differs", len(differ), 0, differ)
    counter.left("not_placed_here", unknown[0], unknown[1])
    counter.left("not_in_agency_file", len(missing), 0, [(ours[x][2], ours[x][3], ours[x][1]) for x in missing])
    return {"kind": "sync", "agency": ag.source_id, "lines": got.count, "agency_cents": got.total_cents,
            "our_lines": len(ours), "our_cents": sum(v[1] for v in ours.values()), "mismatches": mismatches}
