"""Agency returns (SPEC 7, beyond the reference): what an agency reports back, posted to the ledger.

The returns file is an exchange file (core.exchange.envelope, docs/agency-exchange.md): header
H (this practice, this agency, the agency's batch, kind "returns"), the columns line C (record,
line, placement, date, amount, fee, reference), the D records and the trailer T with their count
and the total of `amount` in cents. A trailer that disagrees rejects the file whole.
- record: payment, recall or closed. Each row names the service line (its source id) or the
  placement number printed in the agency file (or both, which must agree); it must be placed with
  this agency and posted or filed.
- payment: amount is what the agency collected (gross, more than 0); fee is what it kept
  (blank = the agency profile's fee % of the gross, rounded half up to the cent).
  The ledger gets, against the line's collections balance, the net as an agency payment
  (collections -> paid, source agency) and the fee as an adjustment with code AGFEE
  (collections -> adjusted). So the patient's balance goes down by the gross (the patient paid
  it), "paid" holds the cash the practice actually received, and the agency's cost shows as an
  adjustment. A line whose collections balance is paid to zero is closed.
- recall: the agency gives the line back: its remaining collections balance returns to A/R.
- closed: the agency has finished with the line: any remaining balance returns to A/R and the
  line is not sent out again by the nightly run (an operator may select it again).
Payments are posted before recalls and closings, so one file may pay part and recall the rest.
All or nothing: every problem is reported as `file:line: reason` and nothing is written. Money is
posted only past the validation warning (counts and dollars, SPEC 18.3). The same file (same
bytes) is refused a second time, so payments cannot be posted twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core import anchors, audit, ledger, money, tallies
from core.errors import BadInput, Conflict, NeedsConfirmation, Summary, SummaryLine, counted
from core.exchange import envelope, incoming
from core.exchange.agency_files import find_agency
from core.external.moves import Step, history, lock, start, transfer, update
from core.external.states import MOVES, starts
from core.imports import bulk
from core.models.agencies import Agency, AgencyReturn, AgencyReturnImport
from core.models.base import saved_id
from core.models.ledger import Practice
from core.money import format_display, format_plain
from core.practices import practice_by_id
from core.security import Actor, require
from core.sql import q
from core.uow import UnitOfWork

COLUMNS = ("record", "line", "placement", "date", "amount", "fee", "reference")
REQUIRED = ("record", "line", "placement", "date", "amount", "fee", "reference")
FEE_CODE = "AGFEE"
SHOWN = envelope.SHOWN  # problems listed per check
PREVIEWED = 8  # records listed in the warning (its preview)
# What each record does to its placement, by the transition table; a payment that leaves nothing
# in collections closes it ("paid"). All three start from the same states, so one check names
# the rows whose placement is in another state.
RECORD_MOVES = {"recall": "recall", "closed": "closed"}
RETURNABLE = MOVES["paid"]
assert all(MOVES[op].sources == RETURNABLE.sources for op in RECORD_MOVES.values())


@dataclass
class Parsed:
    rows: list[dict[str, Any]]
    problems: list[str]


def parse(name: str, records: list[tuple[int, dict[str, str]]], as_of: dt.date, fee_bp: int,
          allow_empty: bool = False) -> Parsed:
    """Check every record on its own (the database checks come after)."""
    rows, problems = [], []
    for n, row in records:
        try:
            rows.append(_row(row, n, as_of, fee_bp))
        except ValueError as exc:
            problems.append(f"{name}:{n}: {exc}")
    if not rows and not problems and not allow_empty:
        problems.append(f"{name}:3: the file has no records")
    return Parsed(rows, problems)


def _row(row: dict[str, str], n: int, as_of: dt.date, fee_bp: int) -> dict[str, Any]:
    record = row.get("record", "").lower()
    if record not in ("payment", "recall", "closed"):
        raise ValueError(f"record: {row.get('record')!r} is not payment, recall or closed")
    line, placement = row.get("line") or None, row.get("placement") or None
    if line is None and placement is None:
        raise ValueError("give the line id or the placement number")
    if line is not None and len(line) > 40:
        raise ValueError("line: longer than 40 characters")
    if placement is not None and not placement.isdigit():
        raise ValueError(f"placement: {placement!r} is not a placement number")
    try:
        date = dt.date.fromisoformat(row.get("date", ""))
    except ValueError:
        raise ValueError(f"date: {row.get('date')!r} is not a date like 2026-11-23") from None
    if date > as_of:
        raise ValueError(f"date: {date} is after the business date {as_of}")
    gross = fee = 0
    if record == "payment":
        gross, fee = _amounts(row, fee_bp)
    elif row.get("amount") or row.get("fee"):
        raise ValueError(f"amount: a {record} carries no amount (its whole remaining balance is returned)")
    reference = row.get("reference") or None
    if reference is not None and len(reference) > 60:
        raise ValueError("reference: longer than 60 characters")
    return {"line_no": n, "record": record, "line_ref": line, "placement_ref": int(placement) if placement else None,
            "date": date, "gross_cents": gross, "fee_cents": fee, "reference": reference}


def _amounts(row: dict[str, str], fee_bp: int) -> tuple[int, int]:
    try:
        gross = money.parse(row.get("amount", ""))
        fee = money.parse_optional(row.get("fee"))
    except money.AmountError as exc:
        raise ValueError(f"amount: {exc}") from None
    if gross <= 0:
        raise ValueError(f"amount: a payment must be more than 0.00, not {format_plain(gross)}")
    if fee is None:
        fee = (gross * fee_bp + 5000) // 10000
    if not 0 <= fee <= gross:
        raise ValueError(f"fee: {format_plain(fee)} must be 0.00 to the amount {format_plain(gross)}")
    return gross, fee


# The database checks, each a query naming the offending rows (over agency_return r of import :imp).
CHECKS: list[tuple[str, str]] = [
    ("r.placement_id IS NULL AND r.line_ref IS NOT NULL",
     "'line ' || r.line_ref || ': not placed in external collections'"),
    ("r.placement_id IS NULL", "'placement ' || CAST(r.placement_ref AS VARCHAR(20)) || ': no such placement'"),
    ("r.placement_ref IS NOT NULL AND r.line_ref IS NOT NULL AND r.placement_id <> r.placement_ref",
     "'line ' || r.line_ref || ' is not placement ' || CAST(r.placement_ref AS VARCHAR(20))"),
    ("EXISTS (SELECT 1 FROM external_placement x WHERE x.id = r.placement_id AND (x.agency_id IS NULL "
     "OR x.agency_id <> :ag))", "'line ' || (SELECT l.source_id FROM service_line l WHERE l.id = r.line_id) "
     "|| ': not placed with this agency'"),
    (f"EXISTS (SELECT 1 FROM external_placement x WHERE x.id = r.placement_id AND NOT {starts(RETURNABLE.op)})",
     "'line ' || (SELECT l.source_id FROM service_line l WHERE l.id = r.line_id) || ': is ' || "
     f"(SELECT x.state FROM external_placement x WHERE x.id = r.placement_id) || ', {RETURNABLE.reason}'"),
    ("r.record <> 'payment' AND EXISTS (SELECT 1 FROM agency_return r2 WHERE r2.import_id = r.import_id "
     "AND r2.placement_id = r.placement_id AND r2.record <> 'payment' AND r2.id < r.id)",
     "'line ' || (SELECT l.source_id FROM service_line l WHERE l.id = r.line_id) || "
     "': recalled or closed twice in this file'"),
    ("r.record = 'payment' AND (SELECT SUM(r2.gross_cents) FROM agency_return r2 WHERE r2.import_id = r.import_id "
     "AND r2.placement_id = r.placement_id AND r2.record = 'payment') > "
     "(SELECT l.collections_cents FROM service_line l WHERE l.id = r.line_id) AND NOT EXISTS "
     "(SELECT 1 FROM agency_return r3 WHERE r3.import_id = r.import_id AND r3.placement_id = r.placement_id "
     "AND r3.record = 'payment' AND r3.id > r.id)",
     "'line ' || (SELECT l.source_id FROM service_line l WHERE l.id = r.line_id) || "
     "': payments in this file are more than its balance in collections'"),
]


def _resolve(uow: UnitOfWork, imp: int, practice_id: int) -> None:
    """Match each row to its placement: by line id, else by placement number (this practice only)."""
    uow.session.execute(q("""
        UPDATE agency_return SET placement_id = COALESCE(
            (SELECT x.id FROM external_placement x JOIN service_line l ON l.id = x.line_id
             WHERE l.practice_id = :p AND l.source_id = agency_return.line_ref),
            (SELECT x.id FROM external_placement x WHERE x.practice_id = :p AND agency_return.line_ref IS NULL
             AND x.id = agency_return.placement_ref))
        WHERE import_id = :imp""", {"p": practice_id, "imp": imp}))
    uow.session.execute(q("UPDATE agency_return SET line_id = (SELECT x.line_id FROM external_placement x "
                          "WHERE x.id = agency_return.placement_id) WHERE import_id = :imp", {"imp": imp}))


def _problems(uow: UnitOfWork, name: str, imp: int, agency_id: int) -> list[str]:
    found: dict[int, str] = {}
    for cond, reason in CHECKS:
        for n, text in uow.session.execute(q(
                f"SELECT r.line_no, {reason} FROM agency_return r WHERE r.import_id = :imp AND {cond} "
                f"AND r.line_no NOT IN :seen ORDER BY r.line_no LIMIT {SHOWN}",
                {"imp": imp, "ag": agency_id, "seen": list(found) or [-1]})).all():
            found.setdefault(int(n), f"{name}:{n}: {text}")
    return [found[n] for n in sorted(found)]


STAGE_ROWS = 2000  # records parsed and staged at a time
STAGED = ("import_id", "practice_id", "line_no", "record", "line_ref", "placement_ref", "date", "gross_cents",
          "fee_cents", "reference")  # the staging row's columns a record fills


def import_returns(uow: UnitOfWork, actor: Actor, practice_id: int, agency: str | None, path: Path,
                   as_of: dt.date, confirmed: bool = False) -> dict[str, Any]:
    """Import one agency returns file (the agency: as given, else the file header's); all or
    nothing; warns with counts and dollars before posting; one audit entry.

    The file is streamed into the staging table (agency_return) a chunk at a time, so memory
    does not grow with it; the checks, the warning and the postings are statements over the
    staged rows. A file refused at any point — a bad record, its trailer, a check — is refused
    whole: the transaction, staged rows and all, is rolled back."""
    require(actor, "supervisor", "import agency returns")
    anchors.after_batch(uow)
    practice = practice_by_id(uow, practice_id)
    lock(uow, practice)
    path = Path(path)
    sha = _sha256(path)
    dup = uow.session.execute(q("SELECT business_date FROM agency_return_import WHERE practice_id = :p AND sha256 = :s",
                                {"p": practice_id, "s": sha})).first()
    if dup is not None:
        raise Conflict(f"{path.name}: this returns file was already imported (business date {dup[0]}); "
                       "nothing was posted again")
    with _opened(path) as fh:
        reader = envelope.Reader(path.name, fh, "returns", "amount", REQUIRED)
        ag = _agency(uow, practice, agency, path.name, reader.header)
        st = start(uow, practice, "returns", actor.name, as_of)
        record = AgencyReturnImport(practice_id=practice_id, agency_id=saved_id(ag), run_id=saved_id(st.run),
                                    file_name=str(path), sha256=sha, rows=0, business_date=as_of,
                                    created_at=st.now, operator=actor.name)
        uow.session.add(record)
        uow.session.flush()
        problems = envelope.Problems()
        chunk: list[tuple[int, dict[str, str]]] = []
        for rec in reader.records():
            chunk.append(rec)
            if len(chunk) == STAGE_ROWS:
                record.rows += _stage(uow, record, chunk, as_of, ag.fee_bp, problems)
                chunk = []
        record.rows += _stage(uow, record, chunk, as_of, ag.fee_bp, problems)
    reader.finish()
    problems.refuse()
    if not record.rows:
        envelope.refuse([f"{path.name}:3: the file has no records"])
    _resolve(uow, saved_id(record), practice_id)
    envelope.refuse(_problems(uow, path.name, saved_id(record), saved_id(ag)))
    if not confirmed:
        raise NeedsConfirmation(_warning(uow, ag, saved_id(record)))
    _post(uow, st, record, ag)
    tally = _tally(uow, actor, record, as_of)
    audit.record(uow, actor.name, "external.returns", "agency_return_import", [ag.source_id, record.id], None,
                 {**_summary(record), "tally": tally}, as_of)
    uow.commit()
    return {**_summary(record), "tally": tally}


def _tally(uow: UnitOfWork, actor: Actor, record: AgencyReturnImport, as_of: dt.date) -> int:
    """The import's tally (SPEC 14): every record of the file taken, by record type (a file with
    one bad record is refused whole, so nothing is ever left out of a posted one); a payment
    counts its gross, a recall or closing the collections balance it brought back."""
    counter = tallies.Counter(uow, "agency_file", record.practice_id, as_of, actor.name,
                              f"agency_return_import {record.id}")
    for rec, n, cents in uow.session.execute(q(
            "SELECT record, COUNT(*), COALESCE(SUM(gross_cents), 0) FROM agency_return WHERE import_id = :imp "
            "GROUP BY record", {"imp": record.id})):
        counter.took(str(rec), int(n), int(cents) if rec == "payment" else 0)
    if record.recall_cents:
        counter.groups["recall"][1] = record.recall_cents
    return counter.finish().id


def _sha256(path: Path) -> str:
    """The file's checksum, read a block at a time (the duplicate check comes before anything)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise BadInput(f"{path.name}: cannot be read ({exc.strerror})", field="file") from None
    return digest.hexdigest()


def _opened(path: Path) -> Any:
    try:
        return envelope.open_text(path)
    except OSError as exc:
        raise BadInput(f"{path.name}: cannot be read ({exc.strerror})", field="file") from None


def _stage(uow: UnitOfWork, record: AgencyReturnImport, chunk: list[tuple[int, dict[str, str]]], as_of: dt.date,
           fee_bp: int, problems: envelope.Problems) -> int:
    """Check a chunk of records on their own and stage the good ones (none once any is bad: the
    file will be refused, its remaining records are only checked). Returns how many were good."""
    parsed = parse(Path(record.file_name).name, chunk, as_of, fee_bp, allow_empty=True)
    problems.extend(parsed.problems)
    if parsed.rows and not problems.count:
        for r in parsed.rows:
            r["import_id"], r["practice_id"] = record.id, record.practice_id
        bulk.insert_many(uow, AgencyReturn.__table__, STAGED, parsed.rows)  # type: ignore[attr-defined]
    return len(parsed.rows)


def _agency(uow: UnitOfWork, practice: Practice, agency: str | None, name: str, head: envelope.Header) -> Agency:
    """The file must be this practice's and the agency's (a file from elsewhere is refused whole)."""
    if head.practice != practice.source_id:
        envelope.refuse([f"{name}:1: practice: this file is for another practice, not {practice.source_id}"])
    if agency is not None and head.agency != agency:
        envelope.refuse([f"{name}:1: agency: this file is from another agency, not {agency}"])
    ag = find_agency(uow, saved_id(practice), head.agency, required=False)
    if ag is None:
        envelope.refuse([f"{name}:1: agency: no agency {head.agency[:40]!r} in practice {practice.source_id}"])
    assert ag is not None
    return ag


def _warning(uow: UnitOfWork, ag: Agency, imp: int) -> Summary:
    """The validation warning (SPEC 18.3): what will be posted, counted and in dollars (summed over
    the staged rows), and the first records."""
    by = {str(rec): (int(n), int(gross), int(fee)) for rec, n, gross, fee in uow.session.execute(q(
        "SELECT record, COUNT(*), COALESCE(SUM(gross_cents), 0), COALESCE(SUM(fee_cents), 0) FROM agency_return "
        "WHERE import_id = :imp GROUP BY record", {"imp": imp}))}
    paid, gross, fees = by.get("payment", (0, 0, 0))
    title = f"Post agency returns from {ag.name} ({ag.source_id}): {counted(paid, 'payment')}, " \
            f"{format_display(gross, symbol=True)}"
    lines = [SummaryLine(paid, gross, "collected by the agency will be posted", noun="payment"),
             SummaryLine(paid, fees, "kept by the agency as its fee (adjustment AGFEE)", noun="payment")]
    for rec, text in (("recall", "will come back to A/R (recalled by the agency)"),
                      ("closed", "will come back to A/R (closed by the agency)")):
        n = by.get(rec, (0, 0, 0))[0]
        if n:
            lines.append(SummaryLine(n, None, text, noun=rec if rec == "recall" else "closed account"))
    first = uow.session.execute(q(
        f"SELECT line_no, record, line_ref, placement_ref, gross_cents, fee_cents FROM agency_return "
        f"WHERE import_id = :imp ORDER BY line_no LIMIT {PREVIEWED}", {"imp": imp})).all()
    shown = [f"file line {n}: {rec} on " + (f"line {line}" if line else f"placement {placement}")
             + (f", {format_plain(int(g))} (fee {format_plain(int(f))})" if rec == "payment" else "")
             for n, rec, line, placement, g, f in first]
    total = sum(v[0] for v in by.values())
    more = [f"... and {total - PREVIEWED} more records"] if total > PREVIEWED else []
    return Summary(title, lines, shown + more)


def import_agency_file(uow: UnitOfWork, actor: Actor, practice_id: int, agency: str | None, path: Path,
                       as_of: dt.date, confirmed: bool = False) -> dict[str, Any]:
    """Any agency file, by the kind its header names: returns post money (after the warning);
    ack and sync are compared and reported (core.exchange.incoming)."""
    if incoming.kind_of(Path(path)) == "returns":
        return import_returns(uow, actor, practice_id, agency, path, as_of, confirmed=confirmed)
    return incoming.import_file(uow, actor, practice_id, agency, path, as_of)


def _summary(r: AgencyReturnImport) -> dict[str, Any]:
    return {"file": r.file_name, "rows": r.rows, "payments": r.payments, "gross": format_plain(r.gross_cents),
            "fees": format_plain(r.fee_cents), "net": format_plain(r.gross_cents - r.fee_cents),
            "recalls": r.recalls, "recalled": format_plain(r.recall_cents), "closed": r.closed}


FROM_R = "agency_return r JOIN service_line l ON l.id = r.line_id"


def _post(uow: UnitOfWork, st: Step, record: AgencyReturnImport, ag: Agency) -> None:
    """Payments (net and fee), then recalls and closings back to A/R, then the placement states."""
    p = {**st.params, "imp": record.id, "code": FEE_CODE}
    s = uow.session
    n, gross, fee = s.execute(q("SELECT COUNT(*), COALESCE(SUM(gross_cents), 0), COALESCE(SUM(fee_cents), 0) "
                                "FROM agency_return WHERE import_id = :imp AND record = 'payment'", p)).one()
    record.payments, record.gross_cents, record.fee_cents = int(n), int(gross), int(fee)
    if n:
        j = ledger.open_journal(uow, "external.returns", st.operator, st.as_of, st.practice.id)
        st.run.journal_id = j.id
        for amount, kind, to, code in (("r.gross_cents - r.fee_cents", "payment", "paid", "NULL"),
                                       ("r.fee_cents", "adjustment", "adjusted", ":code")):
            s.execute(q(f"""
                INSERT INTO ledger_txn (practice_id, journal_id, guarantor_id, line_id, date, kind, source,
                    bucket_from, bucket_to, amount_cents, adjustment_code, memo)
                SELECT l.practice_id, :j, l.guarantor_id, l.id, r.date, '{kind}', 'agency', 'collections', '{to}',
                       {amount}, {code}, :memo
                FROM {FROM_R} WHERE r.import_id = :imp AND r.record = 'payment' AND {amount} > 0""",
                {**p, "j": j.id, "memo": f"Agency {ag.source_id} returns" + (" fee" if kind == "adjustment" else "")}))
        ledger.close_journal(uow, j)
    back = "x.id IN (SELECT r.placement_id FROM agency_return r WHERE r.import_id = :imp AND r.record = :rec)"
    for rec, op in RECORD_MOVES.items():
        cnt, cents = s.execute(q(f"SELECT COUNT(*), COALESCE(SUM(l.collections_cents), 0) FROM external_placement x "
                                 f"JOIN service_line l ON l.id = x.line_id WHERE {back}", {**p, "rec": rec})).one()
        if not cnt:
            continue
        if rec == "recall":
            record.recalls, record.recall_cents = int(cnt), int(cents)
        else:
            record.closed = int(cnt)
        st.journal = ledger.open_journal(uow, f"external.{rec}", st.operator, st.as_of, st.practice.id)
        where = f"{back} AND {starts(op)}"
        transfer(uow, st, where, {**p, "rec": rec}, "collections", "ar", f"Agency {ag.source_id}: {rec}")
        update(uow, st, op, "", where, {**p, "rec": rec})
        history(uow, st, op)
        ledger.close_journal(uow, st.journal)
    paid_off = ("l.collections_cents = 0 AND x.id IN "
                "(SELECT r.placement_id FROM agency_return r WHERE r.import_id = :imp AND r.record = 'payment')")
    update(uow, st, "paid", "", paid_off, p)
    record.closed += history(uow, st, "paid")[0]
    st.run.ended_at, st.run.outcome = uow.now(), "done"
    uow.session.add_all([record, st.run])
