"""`recoup verify`: prove that every balance follows from the transactions and the trail is intact.

Each check is a small function returning a `Check`: how many records it looked at and what it
found wrong, naming the records. Every check is one set-based query (the audit chain is read in
a stream), so verify stays fast on a million encounters.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text

from core import audit, audit_cover, eca
from core.eligibility import (
    WORKFLOWS,
    Workflow,
    held_by,
    held_on_record,
    insurance_open_on_record,
    join_holder,
    moved_to_collections_by,
    of_line,
    protected_on_record,
)
from core.exchange import records
from core.ledger import LINE_BALANCE_SQL, bucket_sum
from core.money import format_plain
from core.protections import protection_params
from core.sql import as_date
from core.uow import UnitOfWork

PROBLEMS_SHOWN = 20


@dataclass
class Check:
    name: str
    description: str
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _rows(uow: UnitOfWork, sql: str) -> list:
    return list(uow.session.execute(text(sql)).all())


def _count(uow: UnitOfWork, table: str) -> int:
    return int(uow.session.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def check_journals(uow: UnitOfWork) -> Check:
    c = Check("journals", "each journal's control totals equal its transactions")
    c.checked = _count(uow, "journal")
    for jid, kind, want_n, want_c, n, cents in _rows(uow, """
        SELECT j.id, j.kind, j.txn_count, j.total_cents, COALESCE(t.n, 0), COALESCE(t.c, 0)
        FROM journal j LEFT JOIN (SELECT journal_id, COUNT(*) n, SUM(amount_cents) c
                                  FROM ledger_txn GROUP BY journal_id) t ON t.journal_id = j.id
        WHERE j.txn_count <> COALESCE(t.n, 0) OR j.total_cents <> COALESCE(t.c, 0)"""):
        c.problems.append(f"journal {jid} ({kind}): recorded {want_n} transactions totalling "
                          f"{format_plain(want_c)}, now holds {n} totalling {format_plain(cents)}"
                          " — a transaction was added, removed or altered")
    return c


def check_charges(uow: UnitOfWork) -> Check:
    c = Check("charges", "each service line's amount equals the charges posted for it")
    c.checked = _count(uow, "service_line")
    for lid, src, amount, posted in _rows(uow, """
        SELECT l.id, l.source_id, l.amount_cents, COALESCE(t.c, 0) FROM service_line l
        LEFT JOIN (SELECT line_id, SUM(amount_cents) c FROM ledger_txn WHERE kind = 'charge'
                   GROUP BY line_id) t ON t.line_id = l.id
        WHERE l.amount_cents <> COALESCE(t.c, 0)"""):
        c.problems.append(f"service line {src} (id {lid}): amount {format_plain(amount)} but "
                          f"charges posted {format_plain(posted)}")
    return c


def check_line_balances(uow: UnitOfWork) -> Check:
    c = Check("line balances", "each line's A/R and collections balances equal its transactions")
    c.checked = _count(uow, "service_line")
    for lid, src, ar, coll, d_ar, d_coll in _rows(uow, f"""
        SELECT l.id, l.source_id, l.ar_cents, l.collections_cents, COALESCE(d.ar, 0), COALESCE(d.coll, 0)
        FROM service_line l LEFT JOIN (
            SELECT t.line_id, {LINE_BALANCE_SQL['ar']} ar, {LINE_BALANCE_SQL['collections']} coll
            FROM ledger_txn t WHERE t.line_id IS NOT NULL GROUP BY t.line_id) d ON d.line_id = l.id
        WHERE l.ar_cents <> COALESCE(d.ar, 0) OR l.collections_cents <> COALESCE(d.coll, 0)"""):
        c.problems.append(f"service line {src} (id {lid}): shows A/R {format_plain(ar)} / collections "
                          f"{format_plain(coll)}, transactions give {format_plain(d_ar)} / {format_plain(d_coll)}")
    return c


def check_encounter_balances(uow: UnitOfWork) -> Check:
    c = Check("encounter balances", "each encounter's balances equal the sum of its lines")
    c.checked = _count(uow, "encounter")
    for eid, src in _rows(uow, """
        SELECT e.id, e.source_id FROM encounter e LEFT JOIN (
            SELECT encounter_id,
                   SUM(CASE WHEN responsibility = 'guarantor' THEN ar_cents ELSE 0 END) ar,
                   SUM(CASE WHEN responsibility = 'insurance' THEN ar_cents ELSE 0 END) ins,
                   SUM(collections_cents) coll
            FROM service_line GROUP BY encounter_id) s ON s.encounter_id = e.id
        WHERE e.ar_cents <> COALESCE(s.ar, 0) OR e.ins_ar_cents <> COALESCE(s.ins, 0)
           OR e.collections_cents <> COALESCE(s.coll, 0)"""):
        c.problems.append(f"encounter {src} (id {eid}): balances differ from the sum of its lines")
    return c


def check_guarantor_balances(uow: UnitOfWork) -> Check:
    c = Check("guarantor balances", "each guarantor's balances and escrow equal its encounters and unapplied money")
    c.checked = _count(uow, "guarantor")
    for gid, src in _rows(uow, f"""
        SELECT g.id, g.source_id FROM guarantor g
        LEFT JOIN (SELECT guarantor_id, SUM(ar_cents) ar, SUM(ins_ar_cents) ins, SUM(collections_cents) coll
                   FROM encounter GROUP BY guarantor_id) s ON s.guarantor_id = g.id
        LEFT JOIN (SELECT t.guarantor_id, -{bucket_sum('ar')} esc FROM ledger_txn t
                   WHERE t.line_id IS NULL GROUP BY t.guarantor_id) u ON u.guarantor_id = g.id
        WHERE g.ar_cents <> COALESCE(s.ar, 0) OR g.ins_ar_cents <> COALESCE(s.ins, 0)
           OR g.collections_cents <> COALESCE(s.coll, 0) OR g.escrow_cents <> COALESCE(u.esc, 0)"""):
        c.problems.append(f"guarantor {src} (id {gid}): balances differ from its encounters and escrow")
    return c


def check_identity(uow: UnitOfWork) -> Check:
    """charges = payments + adjustments + write-offs + A/R + collections, per practice."""
    c = Check("ledger identity", "per practice: charges = paid + adjusted + written off + A/R + collections")
    sums = ", ".join(f"{bucket_sum(b)} AS {b}"
                     for b in ("charge", "paid", "adjusted", "written_off", "ar", "collections"))
    rows = _rows(uow, f"SELECT p.source_id, {sums} FROM ledger_txn t JOIN practice p ON p.id = t.practice_id "
                      "GROUP BY p.source_id")
    c.checked = len(rows)
    for src, charge, paid, adjusted, written_off, ar, coll in rows:
        if -charge != paid + adjusted + written_off + ar + coll:
            c.problems.append(f"practice {src}: charges {format_plain(-charge)} but paid + adjusted + "
                              f"written off + A/R + collections = "
                              f"{format_plain(paid + adjusted + written_off + ar + coll)}")
    return c


_CHAIN = "recoup.verify.chain"


def _chain(uow: UnitOfWork) -> audit.ChainReport:
    """The chain read once per verify (a stream of every entry), shared by the checks below."""
    report: audit.ChainReport | None = uow.session.info.get(_CHAIN)
    if report is None:
        report = uow.session.info[_CHAIN] = audit.read_chain(uow)
    return report


def check_audit_chain(uow: UnitOfWork) -> Check:
    c = Check("audit chain", "every audit entry is intact, signed with the audit key and follows the one before it")
    report = _chain(uow)
    c.checked = report.entries
    c.problems.extend(report.problems)
    return c


def check_coverage(uow: UnitOfWork) -> Check:
    """The append-only tables hold exactly the rows the audit chain committed (core.audit_cover)."""
    c = Check("audit coverage", "journals, transactions, history, holds, operators and settings are exactly what "
              "the audit chain committed")
    report = _chain(uow)
    rows = audit_cover.any_rows(uow)
    c.checked = sum(rows.values())
    if report.entries == 0:
        if rows:
            held = ", ".join(f"{n} {t} rows" for t, n in rows.items())
            c.problems.append(f"the audit trail is empty but the database holds {held}: the trail was deleted")
        return c
    if report.key is None:
        c.problems.append("cannot be checked without the audit chain's key (see the audit chain check)")
        return c
    for table in audit_cover.TABLES:
        c.problems.extend(audit_cover.check_table(uow, report.key, table, report.partition.ranges.get(table, [])))
    c.problems.extend(audit_cover.check_settings(uow, report.key, report.settings))
    return c


def check_operators(uow: UnitOfWork) -> Check:
    """Each operator's role and active flag are what its audited changes made them, and what its
    newest row of the role history says (the history is covered by the audit chain): a role raised
    in the operator table directly has neither behind it. Both are few rows (one per change)."""
    c = Check("operators", "each operator's role and active flag follow from the audited changes and the role history")
    state: dict[str, dict[str, object]] = {}
    for ids, after in _rows(uow, "SELECT record_ids, after FROM audit_entry WHERE entity = 'operator' "
                                 "AND after IS NOT NULL ORDER BY id"):
        changed = {k: v for k, v in json.loads(after).items() if k in ("role", "active")}
        for name in json.loads(ids or "[]"):
            state.setdefault(str(name), {"active": True}).update(changed)
    history = {str(name): (str(role), bool(active)) for name, role, active in _rows(uow, """
        SELECT h.operator, h.role, h.active FROM role_history h
        WHERE h.id = (SELECT MAX(h2.id) FROM role_history h2 WHERE h2.operator = h.operator)""")}
    ops = _rows(uow, "SELECT name, role, active FROM operator ORDER BY name")
    c.checked = len(ops)
    for name, role, active in ops:
        audited = state.get(name)
        if audited is None or "role" not in audited:
            c.problems.append(f"operator {name}: no audit entry added it (role {role}): added behind Recoup's back")
        elif audited["role"] != role or bool(audited["active"]) != bool(active):
            c.problems.append(f"operator {name}: is {_role_words(role, active)} but the audit trail made it "
                              f"{_role_words(audited['role'], audited['active'])}: changed behind Recoup's back")
        recorded = history.get(name)
        if recorded is None:
            c.problems.append(f"operator {name}: has no role history (role {role}): added behind Recoup's back")
        elif recorded != (role, bool(active)):
            c.problems.append(f"operator {name}: is {_role_words(role, active)} but its role history made it "
                              f"{_role_words(*recorded)}: changed behind Recoup's back")
    names = {str(name) for name, _r, _a in ops}
    c.problems += [f"operator {name}: in the role history but not in the operator table: deleted behind Recoup's "
                   "back" for name in sorted(set(history) - names)]
    return c


def _role_words(role: object, active: object) -> str:
    return f"{role}{'' if active else ' (disabled)'}"


def check_task_states(uow: UnitOfWork) -> Check:
    """A Pre-Collections task is in the state its newest history row moved it to (the history is
    covered by the audit chain, so a state changed in the task table alone shows here).

    The newest row per task comes from one grouped pass over the history, not a correlated
    MAX per task: PostgreSQL without fresh statistics ran that MAX as a backward scan of the
    history's primary key per task (35 s on the medium demo, quadratic in the tasks)."""
    c = Check("task states", "each Pre-Collections task is in the state its history last moved it to")
    c.checked = _count(uow, "precollection_task")
    for tid, no, state, last in _rows(uow, """
        SELECT t.id, t.task_no, t.state, h.to_state FROM precollection_task t
        LEFT JOIN (SELECT task_id, MAX(id) AS id FROM precollection_history GROUP BY task_id) m
               ON m.task_id = t.id
        LEFT JOIN precollection_history h ON h.id = m.id
        WHERE h.to_state IS NULL OR h.to_state <> t.state ORDER BY t.id"""):
        c.problems.append(f"task {no} (id {tid}): is {state} but its history last moved it to {last or 'nothing'}"
                          " (changed behind Recoup's back)")
    return c


def check_anchors(uow: UnitOfWork, anchors: list[audit.Anchor]) -> Check:
    """The chain still reaches every anchor kept outside the database (`recoup audit anchor`)."""
    c = Check("anchors", "the audit chain still reaches every anchor kept outside the database")
    c.checked = len(anchors)
    c.problems.extend(audit.check_anchors(uow, anchors))
    return c


# Workflow invariants (SPEC 2 "one balance, one workflow"; SPEC 3 stable task numbers), built from
# the holds of core.eligibility. Pre-Collections holds every line of an encounter with a task on the
# list; external collections holds a line with an active (pending, posted, filed) placement; the
# roster's turnover holds the account it turned over from that date on (its lines then placed
# externally or on the list stay where they were, so only a pick-up *after* the turnover date
# breaks the rule).
ON_LIST_ENTRY = ("h.to_state = 'pre' AND (h.from_state IS NULL OR h.from_state NOT IN "
                 "('pre', 'not_sent', 'sent'))")
_LINE = of_line("l")
# The workflow took the line after the roster turned its account over (over the holders' rows,
# aliased as in core.eligibility.HOLDERS: pt, xp, ra).
_PICKED_UP_AFTER_TURNOVER: dict[Workflow, str] = {
    "precollections": f"""EXISTS (SELECT 1 FROM precollection_history h WHERE h.task_id = pt.id AND {ON_LIST_ENTRY}
                      AND h.business_date > ra.turned_over_date)""",
    "external": "xp.selected_date > ra.turned_over_date",
}


def two_workflows() -> dict[str, str]:
    """What `check_one_workflow` looks for, by name: lines (l) held by two workflows at once. A
    Pre-Collections task holds its whole encounter, so an external placement of any of its lines
    clashes with every line of it."""
    return {
        "Pre-Collections and external": f"""
            SELECT l.id, l.source_id FROM service_line l {join_holder("precollections", _LINE)}
            WHERE {held_by("external", _LINE.whole_encounter())}""",
        "roster turnover, then Pre-Collections": _after_turnover("precollections"),
        "roster turnover, then external": _after_turnover("external"),
    }


def _after_turnover(w: Workflow) -> str:
    """Lines workflow `w` holds that it picked up after the roster turned their account over."""
    return f"""
            SELECT l.id, l.source_id FROM service_line l {join_holder(w, _LINE)} {join_holder("roster", _LINE)}
            WHERE {_PICKED_UP_AFTER_TURNOVER[w]}"""


def collections_holders() -> list[str]:
    """Where a balance in collections (line l) may legitimately sit: moved there by Pre-Collections
    (Not Sent, Sent, or taken off the Sent list while the agency still holds it), posted or filed
    with an external agency, or a turned-over roster account (its collection fee)."""
    return [moved_to_collections_by(w, _LINE) for w in WORKFLOWS]


def check_one_workflow(uow: UnitOfWork) -> Check:
    """No service line is held by two collections workflows at once."""
    c = Check("one workflow", "no service line is in two collections workflows at once")
    c.checked = _count(uow, "service_line")
    for what, sql in two_workflows().items():
        for lid, src in _rows(uow, sql + " ORDER BY l.id"):
            c.problems.append(f"service line {src} (id {lid}): held by {what} at once")
    return c


def check_task_numbers(uow: UnitOfWork) -> Check:
    """Task numbers are unique per practice and an encounter has one task for ever."""
    c = Check("task numbers", "each practice's task numbers are unique and each encounter has one task")
    c.checked = _count(uow, "precollection_task")
    for pid, no, n in _rows(uow, """SELECT practice_id, task_no, COUNT(*) FROM precollection_task
                                    GROUP BY practice_id, task_no HAVING COUNT(*) > 1"""):
        c.problems.append(f"practice id {pid}: task number {no} is used {n} times")
    for eid, n in _rows(uow, """SELECT encounter_id, COUNT(*) FROM precollection_task
                                GROUP BY encounter_id HAVING COUNT(*) > 1"""):
        c.problems.append(f"encounter id {eid}: has {n} tasks")
    return c


def check_collections_held(uow: UnitOfWork) -> Check:
    """A balance in collections belongs to the workflow that moved it there."""
    c = Check("collections held", "every service line with a collections balance is held by a workflow"
              " that moves balances to collections")
    c.checked = _count(uow, "service_line")
    held = " OR ".join(f"({h})" for h in collections_holders())
    for lid, src, coll in _rows(uow, f"""SELECT l.id, l.source_id, l.collections_cents FROM service_line l
                                       WHERE l.collections_cents <> 0 AND NOT ({held}) ORDER BY l.id"""):
        c.problems.append(f"service line {src} (id {lid}): {format_plain(coll)} in collections but no "
                          "Pre-Collections task, external placement or turned-over account holds it")
    return c


# What each batch took, from its own history: what, business_date, guarantor_id, encounter_id, at.
TAKEN = {
    "Pre-Collections build": """SELECT 'encounter ' || e.source_id AS what, h.business_date, e.guarantor_id,
        h.encounter_id, h.at FROM precollection_history h JOIN precollection_run r ON r.id = h.run_id
        JOIN encounter e ON e.id = h.encounter_id WHERE r.kind = 'build' AND h.to_state = 'pre'""",
    "external selection": """SELECT 'service line ' || l.source_id AS what, h.business_date, x.guarantor_id,
        x.encounter_id, h.at FROM external_history h JOIN external_placement x ON x.id = h.placement_id
        JOIN service_line l ON l.id = x.line_id WHERE h.step = 'select'""",
    "roster entry or turnover": """SELECT 'guarantor ' || g.source_id AS what, h.business_date, h.guarantor_id,
        CAST(NULL AS BIGINT) AS encounter_id, h.at FROM roster_history h JOIN guarantor g ON g.id = h.guarantor_id
        WHERE h.reason IN ('enter', 'turnover')""",
}


def check_taken_while_held(uow: UnitOfWork) -> Check:
    """No batch took a balance that a hold on record at the time covered on its business date
    (SPEC 14). Holds are append-only with their recording times, so this is exact; a hold placed
    or back-dated after the batch is not held against it."""
    c = Check("holds obeyed", "no batch took a balance on hold on its business date")
    for batch, taken in TAKEN.items():
        c.checked += int(uow.session.execute(text(f"SELECT COUNT(*) FROM ({taken}) t")).scalar_one())
        held = held_on_record("t.guarantor_id", "t.encounter_id", "t.at", "t.business_date")
        rows = _rows(uow, f"""SELECT t.what, t.business_date FROM ({taken}) t
            WHERE {held} ORDER BY t.business_date, t.what""")
        c.problems += [f"{batch} on {day}: took {what} while it was on hold" for what, day in rows]
    return c


def check_taken_while_protected(uow: UnitOfWork) -> Check:
    """No batch took the balance of a guarantor protected on its business date, nor of an
    encounter whose insurance status was open, by facts unchanged since the batch (the database
    stamps their changes, so a protection recorded later is not held against it). One statement
    per batch and business date: a protection depends on the date (a minor comes of age)."""
    c = Check("protections obeyed", "no batch took a protected guarantor's balance or one waiting for insurance")
    for batch, taken in TAKEN.items():
        days = uow.session.execute(text(f"SELECT DISTINCT t.business_date FROM ({taken}) t")).scalars().all()
        reasons = [*protected_on_record("g", "t.at"),
                   ("insurance_open", f"(e.id IS NOT NULL AND {insurance_open_on_record('e', 'pr', 't.at')})")]
        first = " ".join(f"WHEN {sql} THEN '{code}'" for code, sql in reasons)
        for day in days:
            c.checked += 1
            rows = uow.session.execute(text(f"""SELECT t.what, CASE {first} END FROM ({taken}) t
                JOIN guarantor g ON g.id = t.guarantor_id JOIN practice pr ON pr.id = g.practice_id
                LEFT JOIN encounter e ON e.id = t.encounter_id
                WHERE t.business_date = :el_d AND ({' OR '.join(sql for _c, sql in reasons)})
                ORDER BY t.what"""), protection_params(None, as_date(day) or dt.date.min)).all()
            c.problems += [f"{batch} on {day}: took {what} while {REASON_WORDS[code]}" for what, code in rows]
    return c


def check_eca_obeyed(uow: UnitOfWork) -> Check:
    """No turnover to an agency that takes ECAs turned over an account 501(r) did not yet allow on
    its business date (SPEC 15.5): core.eca's three conditions, over the lines the turnover wrote
    off (its journal: the practice's last turnover journal opened before its file was recorded).
    A turnover is checked while the practice's 501(r) setting and the agency's ECA kinds are as
    they were (the database stamps their changes: 0022_compliance2); statements, notices and
    calls recorded later only add facts that allow, so they never make a turnover wrong."""
    c = Check("501(r) obeyed", "no turnover to an agency that takes ECAs went ahead before 501(r) allowed it")
    files = uow.session.execute(text("""SELECT f.id, f.business_date, a.source_id FROM roster_file f
        JOIN agency a ON a.id = f.agency_id JOIN practice p ON p.id = f.practice_id
        WHERE f.kind = 'turnover' AND a.eca_kinds <> '' AND (a.eca_kinds_at IS NULL OR a.eca_kinds_at <= f.at)
          AND p.nonprofit_501r = TRUE AND (p.eca_rules_at IS NULL OR p.eca_rules_at <= f.at)
        ORDER BY f.at, f.id""")).all()
    reasons = eca.conditions("t.guarantor_id", "sl.encounter_id")
    first = " ".join(f"WHEN {sql} THEN '{code}'" for code, sql in reasons)
    for file_id, day, agency in files:
        c.checked += 1
        on = as_date(day) or dt.date.min
        rows = uow.session.execute(text(f"""SELECT DISTINCT g.source_id, CASE {first} END FROM ledger_txn t
            JOIN service_line sl ON sl.id = t.line_id JOIN guarantor g ON g.id = t.guarantor_id
            WHERE t.kind = 'write_off' AND t.journal_id = (SELECT MAX(j.id) FROM journal j JOIN roster_file f
                ON f.id = :f AND j.practice_id = f.practice_id AND j.created_at <= f.at
                WHERE j.kind = 'roster_turnover')
              AND ({' OR '.join(f'({sql})' for _code, sql in reasons)})
            ORDER BY g.source_id"""), {"f": file_id, "el_d": on, **eca.params(on)}).all()
        seen: set[str] = set()
        for guarantor, code in rows:
            if guarantor not in seen:
                seen.add(guarantor)
                c.problems.append(f"turnover on {on} to {agency}: turned over guarantor {guarantor} "
                                  f"while 501(r) did not allow it ({eca.REASONS[code]})")
    return c


REASON_WORDS = {"protected:minor": "its guarantor was a minor with no responsible party",
                "protected:deceased": "its guarantor was deceased with no estate representative",
                "protected:bankruptcy": "its guarantor was in bankruptcy",
                "insurance_open": "its insurance was still open"}


def check_files(uow: UnitOfWork) -> Check:
    """Every file Recoup recorded is still where it was written, with the recorded checksum: these
    files are the record of what patient data left the practice (SPEC 16)."""
    c = Check("files", "every recorded agency and roster file is present with its recorded checksum")
    for f in records.recorded(uow):
        c.checked += 1
        found = records.state(Path(f.path), f.sha256)
        if found == "missing":
            c.problems.append(f"{f.what} {f.id}: missing — {f.path} is no longer there")
        elif found != "ok":
            c.problems.append(f"{f.what} {f.id}: {found} — {f.path} no longer has its recorded checksum"
                              if found == "altered" else f"{f.what} {f.id}: {found} — {f.path}")
    return c


CHECKS: list[Callable[[UnitOfWork], Check]] = [
    check_journals, check_charges, check_line_balances, check_encounter_balances,
    check_guarantor_balances, check_identity, check_one_workflow, check_task_numbers,
    check_collections_held, check_files, check_taken_while_held, check_taken_while_protected, check_eca_obeyed,
    check_audit_chain,
    check_coverage, check_operators, check_task_states,
]


def verify(uow: UnitOfWork, anchors: list[audit.Anchor] | None = None) -> list[Check]:
    """Run every check (and the anchors' when given); the caller decides how to report (table,
    JSON, exit status)."""
    checks = [check(uow) for check in CHECKS]
    if anchors is not None:
        checks.append(check_anchors(uow, anchors))
    return checks
