"""Turn over to agency (SPEC section 6): the end of the roster for approved accounts.

For every account in the approved-for-agency status, in one transaction: write off its
delinquent charges (or all open charges, per the settings) with the write-off code, add the
collection fee, move the guarantor to the transfer billing group, set the internal comment, write
the agency file and leave the roster account "turned over".

The collection fee: reference 003 names only its adjustment code, so the amount is the settings'
`collection_fee_bp` (basis points of the amount turned over, rounded half up per account; the
agency profile of SPEC section 7 has no fee column yet) unless the caller passes `fee_bp`. The fee
is posted charge -> collections on the account's first written-off line: it is owed to the
agency, not to the practice's A/R, and it keeps the ledger identity whole.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from core import audit, eligibility, itemization, ledger, tallies
from core.eligibility import Rules, account_on_hold, account_protected, age_cutoff, aging_anchor
from core.errors import BadInput, NeedsConfirmation, Refused, Summary, SummaryLine, agree, counted
from core.exchange import baa
from core.exchange.agency_files import find_agency
from core.models.agencies import Agency
from core.models.base import saved_id
from core.models.ledger import Practice
from core.models.roster import RosterSettings
from core.money import format_plain
from core.practices import practice_by_id
from core.private_files import new_private, private_folder, record_file
from core.roster.admin import ensure_defaults
from core.roster.sql import delinquent_lines, open_guarantor_lines
from core.runs import latest_business_date, refuse_earlier
from core.security import Actor, require
from core.sql import execute
from core.uow import UnitOfWork

FILE_COLUMNS = ["guarantor", "name", "address1", "address2", "city", "state", "zip", "phone",
                "encounter", "line", "dos", "age_date", "amount"]


@dataclass
class TurnoverResult:
    accounts: int
    lines: int
    written_off: str
    fees: str
    file: str
    journal_id: int
    tally: tallies.TallyView  # what the batch took and left out (core.tallies)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "tally": tallies.as_dict(self.tally)}


def _tally(uow: UnitOfWork, guarantor_ids: list[int] | None, params: dict[str, Any], elig: Rules,
           eca: list[tuple[str, str]], n_acc: int, cents: int, n_lines: int, fee: int) -> tallies.TallyView:
    """Approved accounts a hold, a protection or 501(r) (`eca`, over c.guarantor_id) kept back
    (they stay approved), and what went."""
    counter = tallies.Counter(uow, "turnover", params["p"], params["as_of"], params["op"])
    chosen = " AND ra.guarantor_id IN :ids" if guarantor_ids is not None else ""
    counter.exclude(f"""SELECT ra.guarantor_id, CAST(NULL AS BIGINT) AS encounter_id, g.ar_cents AS cents
        FROM roster_account ra JOIN guarantor g ON g.id = ra.guarantor_id
        WHERE ra.practice_id = :p AND ra.active = TRUE AND ra.turned_over = FALSE
          AND ra.status_code = :approved{chosen}""", params,
        [*((code, sql) for code, sql in eligibility.reasons("roster", tallies.ACCOUNT, elig, agency=True)
           if not code.startswith("insurance")), *eca])
    counter.took("accounts turned over", n_acc, cents)
    counter.took("charges written off", n_lines, cents)
    counter.took("collection fees added", n_acc if fee else 0, fee)
    return counter.finish((n_acc, cents))


def _accounts_where(guarantor_ids: list[int] | None, params: dict[str, Any], elig: Rules,
                    eca: str | None) -> str:
    """The approved accounts to turn over, less those on hold or protected on the business date
    (SPEC 14: never turned over; they stay approved until the hold ends) and, for an ECA agency,
    those 501(r) does not yet allow (`eca`: SQL over ra.guarantor_id, `turnover_eca_any`)."""
    where = ("ra.practice_id = :p AND ra.active = TRUE AND ra.turned_over = FALSE "
             f"AND ra.status_code = :approved AND NOT {account_protected('ra.guarantor_id', elig, agency=True)}")
    if elig.any_holds:
        where += f" AND NOT {account_on_hold('ra.guarantor_id')}"
    if eca is not None:
        where += f" AND NOT {eca}"
    if guarantor_ids is not None:
        params["ids"] = list(guarantor_ids) or [-1]
        where += " AND ra.guarantor_id IN :ids"
    return where


def turnover_lines(cfg: RosterSettings, elig: Rules) -> str:
    """WHERE over alias l: the lines a turnover takes from an account it may turn over (delinquent
    ones, or all open ones, per the settings), collectable on the business date. 501(r) is asked
    of the whole account (`turnover_eca`), so it is left out here."""
    elig = elig.without_eca()
    return (delinquent_lines(cfg.aging_basis, cfg.suppress_by, elig=elig, agency=True)
            if cfg.transfer_charges == "delinquent" else open_guarantor_lines(cfg.suppress_by, elig=elig, agency=True))


def turnover_eca(cfg: RosterSettings, elig: Rules, agency_id: int | None,
                 guarantor: str = "ra.guarantor_id") -> list[tuple[str, str]]:
    """(reason, SQL over `guarantor`) why 501(r) keeps an account back from a turnover to the
    agency (core.eligibility.account_eca): empty when the agency takes no ECA."""
    return eligibility.account_eca(guarantor, elig, agency_id, turnover_lines(cfg, elig))


def turnover_eca_any(cfg: RosterSettings, elig: Rules, agency_id: int | None) -> str | None:
    """`turnover_eca` as one condition over ra.guarantor_id (None: the agency takes no ECA)."""
    return eligibility.account_eca_any("ra.guarantor_id", elig, agency_id, turnover_lines(cfg, elig))


def _lines_where(cfg: RosterSettings, accounts: str, elig: Rules) -> str:
    return (f"{turnover_lines(cfg, elig)} "
            f"AND l.guarantor_id IN (SELECT ra.guarantor_id FROM roster_account ra WHERE {accounts})")


def _fee_sql(bp_param: str = ":bp") -> str:
    return f"((CAST(SUM(l.ar_cents) AS BIGINT) * {bp_param} + 5000) / 10000)"


def preview(uow: UnitOfWork, cfg: RosterSettings, lines: str, accounts: str,
            params: dict[str, Any]) -> tuple[int, int, int, int]:
    """(accounts, lines, cents written off, fee cents) — what a turnover would do."""
    n_acc = int(execute(uow, f"SELECT COUNT(*) FROM roster_account ra WHERE {accounts}", **params).scalar_one())
    n_lines, cents = execute(uow, f"SELECT COUNT(*), COALESCE(SUM(l.ar_cents), 0) FROM service_line l WHERE {lines}",
                             **params).one()
    fee = execute(uow, f"""SELECT COALESCE(SUM(f), 0) FROM (SELECT {_fee_sql()} AS f FROM service_line l
                       WHERE {lines} GROUP BY l.guarantor_id) x""", **params).scalar_one()
    return n_acc, int(n_lines), int(cents), int(fee)


def latest_turnover(uow: UnitOfWork, practice_id: int) -> dt.date | None:
    """The business date of the practice's latest turnover (its agency file, recorded with it)."""
    return latest_business_date(uow, "roster_file", "practice_id = :p AND kind = 'turnover'", {"p": practice_id})


def turnover(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date, out_dir: Path,
             guarantor_ids: list[int] | None = None, fee_bp: int | None = None,
             confirmed: bool = False, agency: str | None = None) -> TurnoverResult:
    """Turn approved accounts over to the agency (`agency`, an agency id of the practice; None:
    the file names none); asks for confirmation with counts and dollars, and warns when the agency
    has no business associate agreement on record."""
    require(actor, "supervisor", "turn accounts over to an agency")
    practice = practice_by_id(uow, practice_id)
    uow.lock(f"roster.turnover.{practice_id}")
    refuse_earlier("Turn over to agency", as_of, latest_turnover(uow, practice_id), f"practice {practice.source_id}")
    cfg = ensure_defaults(uow, practice_id)
    if not cfg.approved_status or not cfg.write_off_code:
        raise Refused("set the approved-for-agency status and the write-off code in the integration settings first")
    bp = cfg.collection_fee_bp if fee_bp is None else fee_bp
    if not 0 <= bp <= 10000:
        raise BadInput("fee: must be from 0 to 100 percent", field="fee")
    if bp and not cfg.fee_code:
        raise Refused("set the collection-fee adjustment code in the integration settings first")
    ag = None if agency is None else find_agency(uow, practice_id, agency)
    params: dict[str, Any] = dict(p=practice_id, approved=cfg.approved_status, as_of=as_of, bp=bp,
                                  cutoff=age_cutoff(as_of, cfg.age_to_enter), op=actor.name,
                                  now=uow.now(), wo=cfg.write_off_code, fee_code=cfg.fee_code)
    elig = eligibility.rules_for(uow, practice, as_of)
    params.update(elig.params())
    eca = turnover_eca_any(cfg, elig, ag.id if ag else None)
    accounts = _accounts_where(guarantor_ids, params, elig, eca)
    lines = _lines_where(cfg, accounts, elig)
    n_acc, n_lines, cents, fee = preview(uow, cfg, lines, accounts, params)
    if not n_acc:
        _kept_back(uow, params, guarantor_ids is not None, eca is not None)
        raise Refused(f"nothing to turn over: no accounts are in the approved-for-agency status {cfg.approved_status}")
    if not confirmed:
        raise NeedsConfirmation(Summary("Turn over accounts to the collection agency", [
            SummaryLine(n_acc, cents, "will be turned over and leave the roster", noun="account"),
            SummaryLine(n_lines, cents, f"will be written off with code {cfg.write_off_code}",
                        noun=f"{cfg.transfer_charges} charge"),
            SummaryLine(n_acc if fee else 0, fee, f"will be added ({bp // 100}.{bp % 100:02d}%)",
                        noun="collection fee")],
            [f"billing group -> {cfg.transfer_billing_group or '(unchanged)'}",
             f"internal comment ({cfg.comment_mode}): {cfg.internal_comment or '(none)'}",
             "an agency file (CSV) will be written" + (f" for {ag.name} ({ag.source_id})" if ag else ""),
             *(baa.note(ag) if ag else []), *_eca_note(ag, eca is not None)]))
    path, digest = _write_file(uow, practice, ag, lines, params, Path(out_dir), as_of)
    journal = _post(uow, actor, practice_id, as_of, lines, params, bp)
    _update_guarantors(uow, cfg, accounts, params)
    _leave_roster(uow, accounts, params)
    tally = _tally(uow, guarantor_ids, params, elig, turnover_eca(cfg, elig, ag.id if ag else None, "c.guarantor_id"),
                   n_acc, cents, n_lines, fee)
    f = record_file(uow, practice_id=practice_id, kind="turnover", path=path, rows=n_lines, total_cents=cents,
                    sha256=digest, operator=actor.name, as_of=as_of, agency_id=ag.id if ag else None)
    result = TurnoverResult(n_acc, n_lines, format_plain(cents), format_plain(fee), str(path), journal, tally)
    audit.record(uow, actor.name, "roster.turnover", "roster_account", [practice.source_id, f"file:{f.id}"],
                 None, {**result.as_dict(), "sha256": digest}, business_date=as_of)
    try:
        uow.commit()
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return result


def _kept_back(uow: UnitOfWork, params: dict[str, Any], chosen: bool, eca: bool) -> None:
    """Nothing to turn over although accounts are approved: say they are all kept back, and why."""
    approved = int(execute(uow, "SELECT COUNT(*) FROM roster_account ra WHERE ra.practice_id = :p AND ra.active = TRUE "
                                "AND ra.turned_over = FALSE AND ra.status_code = :approved"
                                + (" AND ra.guarantor_id IN :ids" if chosen else ""), **params).scalar_one())
    if approved:
        why = "on hold, protected or not yet allowed by 501(r)" if eca else "on hold or protected"
        raise Refused(f"nothing to turn over: {counted(approved, 'approved account')} {agree(approved, 'is', 'are')} "
                      f"kept back ({why}); explain says why")


def _eca_note(agency: Agency | None, eca: bool) -> list[str]:
    """The confirmation's word on 501(r) when the turnover is an ECA."""
    if not eca:
        return []
    who = f"{agency.source_id} takes ECAs ({agency.eca_kinds.replace(',', ', ')})" if agency else \
        "no agency is named, so the turnover counts as an ECA"
    return [f"501(r): {who}; accounts it does not yet allow stay approved"]


def _write_file(uow: UnitOfWork, practice: Practice, agency: Agency | None, lines: str, params: dict[str, Any],
                out_dir: Path, as_of: dt.date) -> tuple[Path, str]:
    """The agency file, read before the write-off changes the balances. Minimum necessary: no
    procedure or diagnosis codes."""
    rows = execute(uow, f"""
        SELECT g.source_id, g.name, g.address1, g.address2, g.city, g.state, g.zip, g.phone, e.source_id,
               l.source_id, l.dos, {aging_anchor('patient', 'l')}, l.ar_cents
        FROM service_line l JOIN guarantor g ON g.id = l.guarantor_id JOIN encounter e ON e.id = l.encounter_id
        WHERE {lines} ORDER BY g.source_id, e.source_id, l.source_id""", **params).all()
    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerow(FILE_COLUMNS)
    for r in rows:
        out.writerow([*("" if v is None else v for v in r[:10]), str(r[10]), str(r[11]), format_plain(r[12])])
    to = f"-{agency.source_id}" if agency else ""
    return new_private(uow, private_folder(out_dir), f"turnover-{practice.source_id}{to}-{as_of.isoformat()}", ".csv",
                       buf.getvalue().encode())


def _post(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date, lines: str,
          params: dict[str, Any], bp: int) -> int:
    """Write-offs (ar -> written_off) per line and one fee per account, then refresh balances."""
    journal = ledger.open_journal(uow, "roster_turnover", actor.name, as_of, practice_id)
    execute(uow, f"""
        INSERT INTO ledger_txn (practice_id, journal_id, guarantor_id, line_id, date, kind, source,
                                bucket_from, bucket_to, amount_cents, adjustment_code, memo)
        SELECT l.practice_id, :j, l.guarantor_id, l.id, :as_of, 'write_off', 'system', 'ar', 'written_off',
               l.ar_cents, :wo, 'Turned over to collection agency'
        FROM service_line l WHERE {lines}""", **params, j=journal.id)
    if bp:
        execute(uow, """
            INSERT INTO ledger_txn (practice_id, journal_id, guarantor_id, line_id, date, kind, source,
                                    bucket_from, bucket_to, amount_cents, adjustment_code, memo)
            SELECT MIN(l.practice_id), :j, l.guarantor_id, MIN(l.line_id), :as_of, 'collection_fee', 'system',
                   'charge', 'collections', (CAST(SUM(l.amount_cents) AS BIGINT) * :bp + 5000) / 10000, :fee_code,
                   'Collection agency fee'
            FROM ledger_txn l WHERE l.journal_id = :j AND l.kind = 'write_off'
            GROUP BY l.guarantor_id HAVING (CAST(SUM(l.amount_cents) AS BIGINT) * :bp + 5000) / 10000 > 0""",
            **params, j=journal.id)
    ledger.close_journal(uow, journal)
    itemization.lock_placed(uow, practice_by_id(uow, practice_id), saved_id(journal), "roster", "write_off", as_of)
    return saved_id(journal)


def _update_guarantors(uow: UnitOfWork, cfg: RosterSettings, accounts: str, params: dict[str, Any]) -> None:
    sets = ["version = version + 1"]
    if cfg.transfer_billing_group:
        sets.append("billing_group = :bg")
        params["bg"] = cfg.transfer_billing_group
    if cfg.internal_comment:
        params["comment"] = cfg.internal_comment
        if cfg.comment_mode == "overwrite":
            sets.append("internal_comment = :comment")
        else:
            sets.append("""internal_comment = CASE WHEN internal_comment IS NULL OR internal_comment = ''
                           THEN :comment ELSE SUBSTR(internal_comment || ' ' || :comment, 1, 500) END""")
    execute(uow, f"""UPDATE guarantor SET {', '.join(sets)}
                 WHERE id IN (SELECT ra.guarantor_id FROM roster_account ra WHERE {accounts})""", **params)


def _leave_roster(uow: UnitOfWork, accounts: str, params: dict[str, Any]) -> None:
    execute(uow, f"""
        INSERT INTO roster_history (practice_id, guarantor_id, episode, from_status, to_status, reason,
                                    operator, business_date, at)
        SELECT ra.practice_id, ra.guarantor_id, ra.episode, ra.status_code, ra.status_code, 'turnover',
               :op, :as_of, :now
        FROM roster_account ra WHERE {accounts}""", **params)
    execute(uow, f"""UPDATE payment_plan SET active = FALSE, ended_date = :as_of, version = version + 1
                WHERE active = TRUE AND practice_id = :p AND guarantor_id IN (
                    SELECT ra.guarantor_id FROM roster_account ra WHERE {accounts})""", **params)
    execute(uow, f"""
        UPDATE roster_account SET turned_over = TRUE, turned_over_date = :as_of, active = FALSE,
               prev_status = status_code, last_run_id = NULL, last_step = 'turnover', changed_by = :op,
               changed_at = :now, version = version + 1
        WHERE id IN (SELECT ra.id FROM roster_account ra WHERE {accounts})""", **params)
