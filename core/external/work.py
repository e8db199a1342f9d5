"""The External Collections work screens (SPEC 5): Pending (approve, deny, assign an agency),
Posted (reverse, reassign), a manual selection into Pending, and the list behind all of them.

Every action takes a selection of lines (their source ids, or None for every line in the
action's starting states, read from the transition table core.external.states), refuses with the
lines named when any cannot take it, shows its validation warning in counts and dollars unless
confirmed, and then moves the placements through core.external.moves in one transaction with its
history, ledger transactions and one audit entry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from core import audit, eligibility, ledger
from core.eligibility import age_in_days
from core.errors import BadInput, NeedsConfirmation, Refused, Summary, SummaryLine
from core.exchange.agency_files import find_agency
from core.external.admin import settings
from core.external.moves import FROM_X, Step, history, lock, refuse_where, start, totals, transfer, update
from core.external.nightly import post
from core.external.selection import anchor, eligible, with_dos_siblings
from core.external.states import MOVES, NEW, cannot_start, refused, starts
from core.models.agencies import ACTIVE_STATES
from core.models.base import saved_id
from core.models.ledger import Practice
from core.money import format_plain
from core.practices import practice_by_id
from core.security import Actor, require
from core.sql import as_date, q
from core.uow import UnitOfWork

MAX_REFS = 100_000


def _refs(uow: UnitOfWork, practice: Practice, lines: list[str] | None, op: str) -> tuple[str, dict[str, Any]]:
    """WHERE over x and l for the chosen lines in a state `op` starts from; unknown line ids are bad input."""
    where = f"x.practice_id = :p AND {starts(op)}"
    params: dict[str, Any] = {"p": practice.id}
    if lines is None:
        return where, params
    refs = sorted({r.strip() for r in lines if r.strip()})
    if not refs or len(refs) > MAX_REFS:
        raise BadInput("lines: give 1 to 100,000 line ids", field="lines")
    found = {r[0] for r in uow.session.execute(q(
        "SELECT source_id FROM service_line WHERE practice_id = :p AND source_id IN :refs",
        {"p": practice.id, "refs": refs})).all()}
    missing = [r for r in refs if r not in found]
    if missing:
        raise BadInput(f"lines: no service line {', '.join(missing[:10])} in practice {practice.source_id}",
                       field="lines")
    params["refs"] = refs
    return f"{where} AND l.source_id IN :refs", params


def _check_states(uow: UnitOfWork, practice: Practice, lines: list[str] | None, op: str) -> None:
    """Name the chosen lines that are not in a state the operation starts from (the table's refusal)."""
    if lines is None:
        return
    refs = sorted({r.strip() for r in lines if r.strip()})
    rows = uow.session.execute(q(
        "SELECT l.source_id, x.state FROM service_line l LEFT JOIN external_placement x ON x.line_id = l.id "
        f"WHERE l.practice_id = :p AND l.source_id IN :refs AND {cannot_start(op)} "
        "ORDER BY l.source_id LIMIT 11", {"p": practice.id, "refs": refs})).all()
    if rows:
        raise Refused(refused(op, [(src, state) for src, state in rows[:10]]))


def _prepare(uow: UnitOfWork, actor: Actor, op: str, practice_id: int,
             lines: list[str] | None) -> tuple[Practice, str, dict[str, Any]]:
    """The role check, the practice's lock, and the WHERE of the chosen lines, refused by the table."""
    move = MOVES[op]
    assert move.role is not None
    require(actor, move.role, move.label.lower())
    practice = practice_by_id(uow, practice_id)
    lock(uow, practice)
    where, params = _refs(uow, practice, lines, op)
    _check_states(uow, practice, lines, op)
    return practice, where, params


def _nothing(n: int, what: str) -> None:
    if not n:
        raise BadInput(f"lines: no lines to {what.lower()}", field="lines")


def _finish(uow: UnitOfWork, actor: Actor, st: Step, action: str, op: str, extra: dict[str, Any]) -> dict[str, Any]:
    n, cents = st.totals.get(MOVES[op].history_step, (0, 0))
    out = {"run": st.run.id, "count": n, "dollars": format_plain(cents), **extra}
    st.run.ended_at, st.run.outcome = uow.now(), "done"
    import json
    st.run.summary = json.dumps(out, default=str)
    uow.session.add(st.run)
    audit.record(uow, actor.name, f"external.{action}", "external_placement", [st.practice.source_id, st.run.id],
                 None, out, st.as_of)
    uow.commit()
    return out


def _agency_id(uow: UnitOfWork, practice: Practice, agency: str | None) -> tuple[int | None, str | None]:
    if agency is None:
        return None, None
    ag = find_agency(uow, saved_id(practice), agency)
    assert ag is not None
    return ag.id, f"{ag.name} ({ag.source_id})"


# --------------------------------------------------------------------------------------- pending

def approve(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date, lines: list[str] | None = None,
            agency: str | None = None, confirmed: bool = False) -> dict[str, Any]:
    """Pending -> Posted: A/R -> collections, assigned to its agency (or to `agency` given here)."""
    practice, where, params = _prepare(uow, actor, "approve", practice_id, lines)
    agency_id, label = _agency_id(uow, practice, agency)
    what = MOVES["approve"].label
    if agency_id is None:
        refuse_where(uow, f"{where} AND x.agency_id IS NULL", params,
                     "no agency assigned (assign one or give --agency)", what)
    refuse_where(uow, f"{where} AND l.ar_cents <= 0", params, "no guarantor balance left in A/R to post", what)
    n, cents = totals(uow, where, params)
    _nothing(n, "approve")
    if not confirmed:
        raise NeedsConfirmation(Summary("Approve pending lines", [SummaryLine(
            n, cents, "will be posted to external collections (moved from A/R to collections)"
            + (f" with {label}" if label else ""))]))
    st = start(uow, practice, "approve", actor.name, as_of)
    if agency_id is not None:
        update(uow, st, "assign", "agency_id = :agency", where, {**params, "agency": agency_id})
        history(uow, st, "assign", "x.prev_agency_id IS NULL OR x.prev_agency_id <> x.agency_id")
    post(uow, st, where, params, "external.approve")
    return _finish(uow, actor, st, "approve", "approve", {"agency": agency})


def deny(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date, lines: list[str] | None = None,
         confirmed: bool = False) -> dict[str, Any]:
    """Pending -> denied: back to active A/R; with Re-Age if Denied its age restarts at 0 today."""
    practice, where, params = _prepare(uow, actor, "deny", practice_id, lines)
    reage = settings(uow, practice_id).reage_denied
    n, cents = totals(uow, where, params)
    _nothing(n, "deny")
    if not confirmed:
        notes = ["Re-Age if Denied is on: their age restarts at 0 today"] if reage else []
        raise NeedsConfirmation(Summary("Deny pending lines", [SummaryLine(
            n, cents, "will be denied and stay in active A/R")], notes))
    st = start(uow, practice, "deny", actor.name, as_of)
    update(uow, st, "deny", "age_from = :d" if reage else "", where, params)
    history(uow, st, "deny")
    return _finish(uow, actor, st, "deny", "deny", {"reaged": reage})


def assign(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date, agency: str,
           lines: list[str] | None = None, confirmed: bool = False) -> dict[str, Any]:
    """Pending: assign or change the agency (no money moves)."""
    practice, where, params = _prepare(uow, actor, "assign", practice_id, lines)
    agency_id, label = _agency_id(uow, practice, agency)
    n, cents = totals(uow, where, params)
    _nothing(n, "assign")
    if not confirmed:
        raise NeedsConfirmation(Summary("Assign agency", [SummaryLine(n, cents, f"will be assigned to {label}")]))
    st = start(uow, practice, "assign", actor.name, as_of)
    update(uow, st, "assign", "agency_id = :agency", where, {**params, "agency": agency_id})
    history(uow, st, "assign")
    return _finish(uow, actor, st, "assign", "assign", {"agency": agency})


# ---------------------------------------------------------------------------------------- posted

def reverse(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date, lines: list[str] | None = None,
            confirmed: bool = False) -> dict[str, Any]:
    """Posted (or filed) -> reversed: the line's collections balance goes back to A/R exactly."""
    practice, where, params = _prepare(uow, actor, "reverse", practice_id, lines)
    n, cents = totals(uow, where, params)
    _nothing(n, "reverse")
    filed, filed_cents = totals(uow, f"{where} AND x.state = '{MOVES['file'].target}'", params)
    if not confirmed:
        notes = [f"{filed} of them were already in an agency file: tell the agency they are withdrawn"] if filed else []
        raise NeedsConfirmation(Summary("Reverse posted lines", [SummaryLine(
            n, cents, "will be reversed from external collections back to active A/R")], notes))
    st = start(uow, practice, "reverse", actor.name, as_of)
    st.journal = ledger.open_journal(uow, "external.reverse", actor.name, as_of, practice.id)
    st.run.journal_id = st.journal.id
    transfer(uow, st, where, params, "collections", "ar", "External collections: reversed to A/R")
    update(uow, st, "reverse", "", where, params)
    history(uow, st, "reverse")
    ledger.close_journal(uow, st.journal)
    return _finish(uow, actor, st, "reverse", "reverse", {"filed": filed, "filed_dollars": format_plain(filed_cents)})


def reassign(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date, agency: str,
             lines: list[str] | None = None, confirmed: bool = False) -> dict[str, Any]:
    """Posted (or filed) -> posted with another agency; it goes into that agency's next file."""
    practice, where, params = _prepare(uow, actor, "reassign", practice_id, lines)
    if settings(uow, practice_id).by_dos:  # the lines that came in together move together
        where = with_dos_siblings(where, FROM_X)
    agency_id, label = _agency_id(uow, practice, agency)
    params["agency"] = agency_id
    refuse_where(uow, f"{where} AND x.agency_id = :agency", params, f"already with {label}", MOVES["reassign"].label)
    n, cents = totals(uow, where, params)
    _nothing(n, "reassign")
    if not confirmed:
        raise NeedsConfirmation(Summary("Reassign posted lines", [SummaryLine(
            n, cents, f"will be reassigned to {label} for its next file")]))
    st = start(uow, practice, "reassign", actor.name, as_of)
    update(uow, st, "reassign", "agency_id = :agency, file_id = NULL, batch_no = NULL, reassigned_on = :d",
           where, params)
    history(uow, st, "reassign")
    return _finish(uow, actor, st, "reassign", "reassign", {"agency": agency})


# ------------------------------------------------------------------------------ manual selection

def select_manual(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date, lines: list[str],
                  agency: str | None = None, confirmed: bool = False) -> dict[str, Any]:
    """Put chosen open guarantor lines into Pending by hand (any agency, also a manual-only one)."""
    move = MOVES["select-manual"]
    assert move.role is not None and NEW in move.sources
    require(actor, move.role, "select lines for external collections")
    practice = practice_by_id(uow, practice_id)
    lock(uow, practice)
    _refs(uow, practice, lines, "select-manual")  # names unknown line ids
    refs = sorted({r.strip() for r in lines if r.strip()})
    agency_id, label = _agency_id(uow, practice, agency)
    base = "FROM service_line l LEFT JOIN external_placement x ON x.line_id = l.id"
    elig = eligibility.rules_for(uow, practice, as_of)
    params: dict[str, Any] = {"p": practice.id, "refs": refs, "d": as_of, **elig.params()}
    # an agency not chosen yet may turn out to be an ECA agency (SPEC 15.5): guarded as one
    may = eligible(automatic=False, elig=elig, placing_with=None if agency_id is None else str(agency_id))
    bad = uow.session.execute(q(f"SELECT l.source_id {base} WHERE l.practice_id = :p AND l.source_id IN :refs "
                                f"AND NOT ({may}) ORDER BY l.source_id LIMIT 11", params)).all()
    if bad:
        raise Refused(f"{move.label} refused, nothing was changed: line " + ", ".join(r[0] for r in bad[:10])
                      + f": {move.reason}")
    n, cents = uow.session.execute(q(f"SELECT COUNT(*), COALESCE(SUM(l.ar_cents), 0) {base} "
                                     "WHERE l.practice_id = :p AND l.source_id IN :refs", params)).one()
    if not confirmed:
        raise NeedsConfirmation(Summary("Select lines for external collections", [SummaryLine(
            int(n), int(cents), "will be put in Pending" + (f" for {label}" if label else ""))]))
    st = start(uow, practice, "select", actor.name, as_of)
    uow.session.execute(q(f"""
        INSERT INTO external_placement (practice_id, line_id, encounter_id, guarantor_id, state, active, agency_id,
            reason, returned_mail, selected_date, state_date, last_run_id, last_step, version)
        SELECT l.practice_id, l.id, l.encounter_id, l.guarantor_id, '{move.target}', TRUE, :agency, 'manual',
               (SELECT g.returned_mail FROM guarantor g WHERE g.id = l.guarantor_id), :d, :d, :run, :step, 1
        {base} WHERE l.practice_id = :p AND l.source_id IN :refs AND x.id IS NULL""",
        {**st.params, "refs": refs, "agency": agency_id, "step": move.history_step}))
    update(uow, st, "select-manual", "agency_id = :agency, reason = 'manual', selected_date = :d, "
           "posted_date = NULL, file_id = NULL, batch_no = NULL, reassigned_on = NULL",
           "x.practice_id = :p AND l.source_id IN :refs", {"refs": refs, "agency": agency_id})
    history(uow, st, "select-manual")
    return _finish(uow, actor, st, "select", "select-manual", {"agency": agency})


# ------------------------------------------------------------------------------------------ list

@dataclass(frozen=True)
class PlacementRow:
    placement: int
    line: str
    encounter: str
    guarantor: str
    name: str
    agency: str | None
    state: str
    balance_cents: int
    age: int
    returned_mail: bool
    selected: dt.date
    batch: int | None


def list_placements(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date,
                    states: tuple[str, ...] = ACTIVE_STATES, agency: str | None = None,
                    after: int | None = None, limit: int | None = None) -> list[PlacementRow]:
    """The work screens' rows (by placement number, so paging with `after` is stable)."""
    require(actor, "viewer", "see external collections")
    practice = practice_by_id(uow, practice_id)
    where = "x.practice_id = :p AND x.state IN :states"
    params: dict[str, Any] = {"p": practice_id, "states": list(states)}
    if agency is not None:
        params["agency"], _ = _agency_id(uow, practice, agency)
        where += " AND x.agency_id = :agency"
    if after is not None:
        where += " AND x.id > :after"
        params["after"] = after
    rows = uow.session.execute(q(
        f"SELECT x.id, l.source_id, e.source_id, g.source_id, g.name, a.source_id, x.state, "
        f"l.ar_cents + l.collections_cents, {anchor(practice.aging_basis)}, x.returned_mail, "
        f"x.selected_date, x.batch_no "
        f"FROM {FROM_X} JOIN encounter e ON e.id = l.encounter_id JOIN guarantor g ON g.id = l.guarantor_id "
        f"LEFT JOIN agency a ON a.id = x.agency_id WHERE {where} ORDER BY x.id"
        + (f" LIMIT {int(limit)}" if limit else ""), params)).all()
    return [PlacementRow(int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], int(r[7]),
                         age_in_days(as_of, as_date(r[8])), bool(r[9]), as_date(r[10]), r[11])  # type: ignore[arg-type]
            for r in rows]
