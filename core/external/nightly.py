"""The nightly external collections run (SPEC 5), per practice and business date.

Steps, each a few set-based statements (see core.external.moves):
  release   pending lines paid to zero before anyone approved them leave Pending
  select    qualifying lines into Pending: thresholds (highest qualifying age wins), payment
            exclusions, then the same-DOS-and-case siblings, then returned-mail accounts
  post      pending lines of Auto Approve agencies: A/R -> collections, in one journal
  file      each Auto Create File agency's posted lines into its agency file
  reassign  posted and filed lines whose age now qualifies them for an agency with a higher age
            threshold move to it (and wait for its next file), when the rule is on

Idempotent for its business date: what a run selects, posts and files is no longer eligible for
the step, a line denied or released today is not re-selected today, and a line reassigned today
waits for the next day's file; so a second run of the same date records a run with zero counts
and changes nothing else. The run is recorded with start, end, counts and dollars per step, and
one audit entry.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from core import audit, eligibility, itemization, ledger, tallies
from core.eligibility import Rules, collectable, of_line
from core.exchange import baa, outgoing
from core.external.admin import rules_in_order, settings
from core.external.filing import file_agency
from core.external.moves import FROM_X, Step, history, lock, start, transfer, update
from core.external.selection import case_key, eligible, excluded_by_payments, qualify_case
from core.external.states import MOVES, starts
from core.models.agencies import Agency, AgencyAssignment, ExternalSettings
from core.models.base import saved_id
from core.money import format_plain
from core.practices import practice_by_id
from core.runs import latest_business_date, refuse_earlier
from core.security import Actor, require
from core.sql import q
from core.uow import UnitOfWork

STEPS = ("release", "select", "post", "file", "reassign")


@dataclass
class RunResult:
    run_id: int
    practice: str
    business_date: dt.date
    steps: dict[str, tuple[int, int]] = field(default_factory=dict)  # step -> (lines, cents)
    files: list[dict[str, Any]] = field(default_factory=list)
    tally: tallies.TallyView | None = None  # none when external collections are off
    no_agreement: list[str] = field(default_factory=list)  # Auto Create File agencies skipped: no BAA on record

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["tally"] = tallies.as_dict(self.tally) if self.tally else None
        out["steps"] = {k: {"count": n, "dollars": format_plain(c)} for k, (n, c) in self.steps.items()}
        return out

    def run_record(self) -> dict[str, Any]:
        """What the run claim keeps of this run (core.runs): counts and dollars, no patient data."""
        out: dict[str, Any] = {"run": self.run_id, "files": len(self.files),
                               "tally": self.tally.id if self.tally else None}
        for step, (n, c) in self.steps.items():
            out[step], out[f"{step}_dollars"] = n, format_plain(c)
        return out


def latest_run(uow: UnitOfWork, practice_id: int) -> dt.date | None:
    """The business date of the practice's latest completed nightly run (None: never run)."""
    return latest_business_date(uow, "external_run", "practice_id = :p AND kind = 'nightly' AND outcome = 'done'",
                                {"p": practice_id})


def run(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date, out_dir: Path) -> RunResult:
    """Run every step for one practice and business date; one transaction, one audit entry."""
    require(actor, "supervisor", "run external collections")
    practice = practice_by_id(uow, practice_id)
    lock(uow, practice, as_of)
    refuse_earlier("External collections run", as_of, latest_run(uow, practice_id), f"practice {practice.source_id}")
    st = start(uow, practice, "nightly", actor.name, as_of)
    cfg = settings(uow, practice_id)
    rules = rules_in_order(uow, practice_id)
    result = RunResult(saved_id(st.run), practice.source_id, as_of)
    if practice.external_on:
        release(uow, st)
        met = select_lines(uow, st, cfg, rules)
        post_auto(uow, st)
        result.files, result.no_agreement = file_auto(uow, actor, st, out_dir)
        if cfg.reassign:
            reassign(uow, st, rules, by_dos=cfg.by_dos)
        result.tally = _tally(uow, st, met)
        uow.session.execute(q("DELETE FROM external_work WHERE run_id = :run", st.params))
    result.steps = {s: st.totals.get(s, (0, 0)) for s in STEPS}
    _record(uow, st, result)
    audit.record(uow, actor.name, "external.run", "external_run", [practice.source_id, st.run.id], None,
                 result.as_dict(), as_of)
    try:
        uow.commit()
    except BaseException:
        for f in result.files:
            Path(f["path"]).unlink(missing_ok=True)
        raise
    return result


def _record(uow: UnitOfWork, st: Step, r: RunResult) -> None:
    run_row = st.run
    run_row.released_count, run_row.released_cents = r.steps["release"]
    run_row.selected_count, run_row.selected_cents = r.steps["select"]
    run_row.posted_count, run_row.posted_cents = r.steps["post"]
    run_row.filed_count, run_row.filed_cents = r.steps["file"]
    run_row.reassigned_count, run_row.reassigned_cents = r.steps["reassign"]
    run_row.files_count = len(r.files)
    run_row.summary = json.dumps({"files": r.files}, default=str)
    run_row.ended_at = uow.now()
    run_row.outcome = "done"
    uow.session.add(run_row)


def release(uow: UnitOfWork, st: Step) -> None:
    """Pending lines with nothing left to collect leave Pending (state released)."""
    update(uow, st, "release", "", "x.practice_id = :p AND l.ar_cents <= 0", {})
    history(uow, st, "release")


def _upsert(uow: UnitOfWork, st: Step, cond: str, agency_sql: str, reason: str, returned_mail_sql: str,
            params: dict[str, Any], elig: Rules, join: str = "") -> None:
    """Put eligible lines meeting `cond` into Pending: a new placement, or a denied/released one again.
    `join` adds tables to the FROM clause (the DOS rule joins the groups it brings along). The
    conflict update is guarded by the table's "select" row, like every other move.

    The lines meeting `cond` are read once into external_work, before SPEC 14, each noting whether
    SPEC 14 keeps it out (the guard a selection with the rules carried, with the agency it would
    go to: a NULL keeps it out, as in a WHERE); the others are placed from there, and the tally
    asks only the kept-out ones which reason. Reading the work rows (not external_placement, the
    table being inserted into) also spares PostgreSQL the pipelined INSERT ... SELECT over its own
    target that once made a first run's selection quadratic (197 s for 100,000 lines)."""
    move = MOVES["select"]
    allowed = " AND ".join(collectable("external", of_line("l"), elig, placing_with=agency_sql)) or "1 = 1"
    p = {**st.params, **params, "reason": reason, "step": move.history_step}
    uow.session.execute(q(f"""
        INSERT INTO external_work (run_id, reason, line_id, encounter_id, guarantor_id, agency_id, returned_mail,
                                   kept_out)
        SELECT :run, :reason, l.id, l.encounter_id, l.guarantor_id, {agency_sql}, {returned_mail_sql},
               CASE WHEN {allowed} THEN FALSE ELSE TRUE END
        FROM service_line l {join} LEFT JOIN external_placement x ON x.line_id = l.id
        WHERE {eligible()} AND {cond}""", p))
    uow.session.execute(q(f"""
        INSERT INTO external_placement (practice_id, line_id, encounter_id, guarantor_id, state, active, agency_id,
            reason, returned_mail, selected_date, state_date, last_run_id, last_step, version)
        SELECT :p, c.line_id, c.encounter_id, c.guarantor_id, '{move.target}', TRUE, c.agency_id, :reason,
               c.returned_mail, :d, :d, :run, :step, 1
        FROM external_work c WHERE c.run_id = :run AND c.reason = :reason AND c.kept_out = FALSE
        ON CONFLICT (line_id) DO UPDATE SET state = excluded.state, active = TRUE, agency_id = excluded.agency_id,
            reason = excluded.reason, returned_mail = excluded.returned_mail, selected_date = excluded.selected_date,
            state_date = excluded.state_date, posted_date = NULL, file_id = NULL, batch_no = NULL,
            reassigned_on = NULL, prev_state = external_placement.state,
            prev_agency_id = external_placement.agency_id, last_run_id = excluded.last_run_id,
            last_step = excluded.last_step, version = external_placement.version + 1
        WHERE {starts("select", "external_placement")}""", p))


def select_lines(uow: UnitOfWork, st: Step, cfg: ExternalSettings, rules: list[AgencyAssignment]) -> Candidates:
    """Qualifying lines, then their same-DOS siblings (rule), then returned-mail accounts (rule).
    Returns the lines that met the practice's rules before SPEC 14, for the run's tally."""
    params: dict[str, Any] = {}
    elig = eligibility.rules_for(uow, st.practice, st.as_of)
    params.update(elig.params())
    agency = qualify_case(rules, st.practice.aging_basis, st.as_of, "l.ar_cents", params, elig=elig)
    excluded = excluded_by_payments(cfg, st.as_of, params)
    keep = f" AND NOT {excluded}" if excluded else ""
    returned = ("(SELECT gr.returned_mail FROM guarantor gr WHERE gr.id = l.guarantor_id)"
                if cfg.returned_mail else "FALSE")
    if rules:
        _upsert(uow, st, f"{agency} IS NOT NULL{keep}", agency, "rule", returned, params, elig)
    if cfg.by_dos:
        _upsert(uow, st, "1 = 1", "dg.agency_id", "dos", returned, params, elig, join=dos_groups(rules))
    if cfg.returned_mail:
        _upsert(uow, st, "l.guarantor_id IN (SELECT gr.id FROM guarantor gr WHERE gr.practice_id = :p "
                f"AND gr.returned_mail = TRUE){keep}", agency, "returned_mail", "TRUE", params, elig)
    history(uow, st, "select")
    return Candidates(tuple(r for r, m in (("rule", rules), ("returned_mail", cfg.returned_mail)) if m), params, elig)


@dataclass(frozen=True)
class Candidates:
    """The selection steps whose lines the tally compares (by rule, by returned mail: not the
    DOS siblings, which come with a line those steps chose), their parameters, and the SPEC 14
    rules they were read with."""
    steps: tuple[str, ...]
    params: dict[str, Any]
    elig: Rules


def _tally(uow: UnitOfWork, st: Step, met: Candidates) -> tallies.TallyView:
    """Lines that met a rule but a SPEC 14 reason kept out (still eligible but for it once the
    run is done), and what each step took, by rule and agency. Those lines are the selection's
    kept-out work rows (a line met a rule, was eligible, and was not placed only because of a
    reason) still eligible after the run (a later step may have placed it with another agency),
    so only they are read again and asked which reason."""
    counter = tallies.Counter(uow, "external_run", saved_id(st.practice), st.as_of, st.operator,
                              f"external_run {st.run.id}")
    if met.steps:
        counter.exclude(f"""SELECT l.guarantor_id, l.encounter_id, l.ar_cents AS cents
            FROM service_line l LEFT JOIN external_placement x ON x.line_id = l.id
            WHERE {eligible()} AND l.id IN (SELECT w.line_id FROM external_work w WHERE w.run_id = :run
                                            AND w.kept_out = TRUE AND w.reason IN :met_steps)""",
                        {**st.params, **met.params, "met_steps": list(met.steps)},
                        eligibility.reasons("external", tallies.CANDIDATE, met.elig))
    for step, reason, agency, n, cents in uow.session.execute(q("""
            SELECT h.step, x.reason, a.source_id, COUNT(*), COALESCE(SUM(h.amount_cents), 0)
            FROM external_history h JOIN external_placement x ON x.id = h.placement_id
            LEFT JOIN agency a ON a.id = h.agency_id WHERE h.run_id = :run
            GROUP BY h.step, x.reason, a.source_id""", st.params)):
        name = f"{step}:{reason}" if step == MOVES["select"].history_step else step
        counter.took(f"{name} {agency}" if agency else name, n, int(cents))
    return counter.finish(st.totals.get(MOVES["select"].history_step, (0, 0)))


def dos_groups(rules: list[AgencyAssignment]) -> str:
    """Move all procedures by DOS: a join giving one row per (guarantor, DOS, case) group with a
    line selected by this run, carrying the agency of its selected line with the highest age
    threshold (then the lowest agency id); every eligible line of such a group joins it (the
    selected ones are no longer eligible). One window over the lines just selected and one join,
    instead of a correlated lookup per line and per candidate (seconds on 100,000 lines). The age
    threshold of an agency comes from the rules' parameters (qa/qg, set by qualify_case)."""
    age = ("CASE px.agency_id " + " ".join(f"WHEN :qa{i} THEN :qg{i}" for i in range(len(rules))) + " ELSE -1 END"
           if rules else "-1")
    return f"""JOIN encounter le ON le.id = l.encounter_id
    JOIN (SELECT ranked.guarantor_id, ranked.dos, ranked.case_key, ranked.agency_id FROM (
            SELECT pl.guarantor_id, pl.dos, {case_key('pl', 'pe')} AS case_key, px.agency_id,
                   ROW_NUMBER() OVER (PARTITION BY pl.guarantor_id, pl.dos, {case_key('pl', 'pe')}
                                      ORDER BY {age} DESC, px.agency_id) AS pick
            FROM external_placement px JOIN service_line pl ON pl.id = px.line_id
            JOIN encounter pe ON pe.id = pl.encounter_id
            WHERE px.last_run_id = :run AND px.last_step = 'select') ranked
          WHERE ranked.pick = 1) dg
      ON dg.guarantor_id = l.guarantor_id AND dg.dos = l.dos AND dg.case_key = {case_key('l', 'le')}"""


DOS_REASSIGN = "dos-reassign"  # external_work rows of the lines a DOS group takes along

AUTO_APPROVE = ("x.agency_id IN (SELECT aa.agency_id FROM agency_assignment aa WHERE aa.practice_id = :p "
                "AND aa.auto_approve = TRUE)")


def post_auto(uow: UnitOfWork, st: Step) -> None:
    """Auto Approve: every pending line of such an agency is posted (A/R -> collections).
    Returned-mail lines wait for an operator: the address on file is known to be wrong."""
    where = f"x.practice_id = :p AND x.returned_mail = FALSE AND l.ar_cents > 0 AND {AUTO_APPROVE}"
    post(uow, st, where, {}, "external.run")


def post(uow: UnitOfWork, st: Step, where: str, params: dict[str, Any], journal_kind: str) -> None:
    """Transfer the selected pending lines to collections and mark them posted (shared with Approve).
    Only lines the table lets "approve" are counted and moved, so the money follows the state."""
    where = f"({where}) AND {starts('approve')}"
    n = uow.session.execute(q(f"SELECT COUNT(*) FROM {FROM_X} WHERE {where}", {**st.params, **params})).scalar_one()
    if not n:
        st.totals.setdefault(MOVES["approve"].history_step, (0, 0))
        return
    st.journal = ledger.open_journal(uow, journal_kind, st.operator, st.as_of, st.practice.id)
    st.run.journal_id = st.journal.id
    transfer(uow, st, where, params, "ar", "collections", "External collections: posted to agency")
    update(uow, st, "approve", "posted_date = :d", where, params)
    history(uow, st, "approve")
    ledger.close_journal(uow, st.journal)
    itemization.lock_placed(uow, st.practice, saved_id(st.journal), "external", "transfer", st.as_of)


def file_auto(uow: UnitOfWork, actor: Actor, st: Step, out_dir: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Auto Create File: one file per such agency with posted lines (not those reassigned today);
    agencies with no business associate agreement on record are skipped and named (SPEC 16)."""
    agencies = uow.session.exec(select(Agency).join(AgencyAssignment, col(AgencyAssignment.agency_id) == Agency.id)
                                .where(AgencyAssignment.practice_id == st.practice.id,
                                       AgencyAssignment.auto_file == True)  # noqa: E712
                                .order_by(Agency.source_id)).all()
    made: list[dict[str, Any]] = []
    skipped: list[str] = []
    for agency in agencies:
        if baa.missing(agency):  # nobody can confirm the warning at night: the operator files it by hand
            skipped.append(agency.source_id)
            continue
        f = file_agency(uow, actor, st, agency, out_dir, include_reassigned_today=False)
        if f is not None:
            made.append(f)
        for change in outgoing.nightly(uow, actor, st.practice, agency, st.as_of, out_dir):
            made.extend({**change, "path": p} for p in change.pop("paths"))
    st.totals.setdefault("file", (0, 0))
    return made, skipped


def reassign(uow: UnitOfWork, st: Step, rules: list[AgencyAssignment], by_dos: bool = False) -> None:
    """Posted and filed lines of an automatic agency that now qualify (balance in collections,
    same age) for an agency with a higher age threshold move to it, back to posted for its next file."""
    if not rules:
        return
    params: dict[str, Any] = {}
    basis = st.practice.aging_basis
    elig = eligibility.rules_for(uow, st.practice, st.as_of)  # held days do not age a placed line either
    target_age = qualify_case(rules, basis, st.as_of, "l.collections_cents", params, result="age", elig=elig)
    target = qualify_case(rules, basis, st.as_of, "sl.collections_cents", params, line="sl",
                          placement="external_placement", elig=elig)
    where = (f"x.practice_id = :p AND {target_age} > "
             "(SELECT cur.age_gt FROM agency_assignment cur WHERE cur.practice_id = x.practice_id "
             "AND cur.agency_id = x.agency_id AND cur.age_gt IS NOT NULL)")
    update(uow, st, "reassign",
           f"agency_id = (SELECT {target} FROM service_line sl WHERE sl.id = external_placement.line_id), "
           "file_id = NULL, batch_no = NULL, reassigned_on = :d", where, params)
    if by_dos:
        _keep_dos_groups_together(uow, st)
    history(uow, st, "reassign")


def examples(uow: UnitOfWork, run_id: int, limit: int = 20) -> list[dict[str, Any]]:
    """The first lines a run changed, step by step, for the nightly preview."""
    rows = uow.session.execute(q("""SELECT h.step, l.source_id, g.source_id, g.name, a.source_id, h.to_state,
            h.amount_cents FROM external_history h JOIN external_placement x ON x.id = h.placement_id
        JOIN service_line l ON l.id = x.line_id JOIN guarantor g ON g.id = x.guarantor_id
        LEFT JOIN agency a ON a.id = h.agency_id WHERE h.run_id = :run ORDER BY h.id LIMIT :n""",
                                 {"run": run_id, "n": limit}))
    return [{"step": r[0], "line": r[1], "guarantor": r[2], "name": r[3], "agency": r[4], "state": r[5],
             "cents": int(r[6])} for r in rows]


def _keep_dos_groups_together(uow: UnitOfWork, st: Step) -> None:
    """Move all procedures by DOS: the lines of a same-DOS-and-case group reassigned tonight all go
    to the agency with the highest age threshold among the group's reassigned lines — those
    reassigned already just change agency (their history keeps the agency they left), the rest of
    the group (posted or filed with an agency a reassigned line left) are reassigned with it.

    Each group's agency is found once, by a window over tonight's reassigned lines, and the agencies
    they left by one DISTINCT; every line that must change is written to external_work with its
    agency, and the two UPDATEs look their line up by key. (A correlated "best agency of my group"
    per placement read every reassigned line once per placement of the practice: 24-53 s of a
    35-67 s run on PostgreSQL's large demo.)"""
    params = {**st.params, "rstep": MOVES["reassign"].history_step, "why": DOS_REASSIGN}
    uow.session.execute(q(f"""
        WITH tonight AS (
            SELECT l.guarantor_id, l.dos, {case_key('l', 'e')} AS case_key, x.agency_id, x.prev_agency_id,
                   a.age_gt
            FROM external_placement x JOIN service_line l ON l.id = x.line_id
            JOIN encounter e ON e.id = l.encounter_id
            LEFT JOIN agency_assignment a ON a.practice_id = x.practice_id AND a.agency_id = x.agency_id
            WHERE x.last_run_id = :run AND x.last_step = :rstep),
        best AS (
            SELECT ranked.guarantor_id, ranked.dos, ranked.case_key, ranked.agency_id FROM (
                SELECT t.guarantor_id, t.dos, t.case_key, t.agency_id,
                       ROW_NUMBER() OVER (PARTITION BY t.guarantor_id, t.dos, t.case_key
                                          ORDER BY t.age_gt DESC, t.agency_id) AS pick
                FROM tonight t WHERE t.age_gt IS NOT NULL) ranked
            WHERE ranked.pick = 1),
        left_agency AS (SELECT DISTINCT t.guarantor_id, t.dos, t.case_key, t.prev_agency_id FROM tonight t)
        INSERT INTO external_work (run_id, reason, line_id, encounter_id, guarantor_id, agency_id, returned_mail,
                                   kept_out)
        SELECT :run, :why, l.id, l.encounter_id, l.guarantor_id, t.agency_id, FALSE, FALSE
        FROM best t JOIN service_line l ON l.guarantor_id = t.guarantor_id AND l.dos = t.dos
        JOIN encounter e ON e.id = l.encounter_id JOIN external_placement x ON x.line_id = l.id
        LEFT JOIN left_agency la ON la.guarantor_id = t.guarantor_id AND la.dos = t.dos
             AND la.case_key = t.case_key AND la.prev_agency_id = x.agency_id
        WHERE {case_key('l', 'e')} = t.case_key AND x.practice_id = :p AND x.agency_id <> t.agency_id
          AND ((x.last_run_id = :run AND x.last_step = :rstep) OR la.prev_agency_id IS NOT NULL)""", params))
    ours = "SELECT w.line_id FROM external_work w WHERE w.run_id = :run AND w.reason = :why"
    group_best = ("(SELECT w.agency_id FROM external_work w WHERE w.run_id = :run AND w.reason = :why "
                  "AND w.line_id = external_placement.line_id)")
    uow.session.execute(q(f"UPDATE external_placement SET agency_id = {group_best} WHERE last_run_id = :run "
                          f"AND last_step = :rstep AND line_id IN ({ours})", params))
    left_behind = (f"x.practice_id = :p AND x.line_id IN ({ours}) AND (x.last_run_id IS NULL "
                   "OR x.last_run_id <> :run OR x.last_step <> :rstep)")
    update(uow, st, "reassign", f"agency_id = {group_best}, file_id = NULL, batch_no = NULL, reassigned_on = :d",
           left_behind, params)
