"""One demo practice, generated set-based: a dozen INSERT ... SELECT statements whatever its size.

The order of work:
1. stage the encounters (`demo_enc`), their service-line slots with the random draws
   (`demo_slot`) and the lines with every amount the ledger will hold (`demo_line`) in temporary
   tables, computed from the encounter number and the seed;
2. aggregate the staged lines per encounter and per guarantor, so the balance caches are written
   with the rows instead of being recomputed afterwards (the correlated refresh is the slow part
   at a million encounters);
3. insert guarantors, encounters, lines, ledger transactions and statements from the staging.

Ids are assigned explicitly above the current maximum (the caller holds the write lock), so the
staging can refer to rows before they exist and no id is ever looked up. Balance ages are kept as
"days before the business date" integers until the moment a date column is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import text

from core.uow import UnitOfWork
from db import demo_words as w
from db.demo_sql import Sql

if TYPE_CHECKING:
    from sqlalchemy import CursorResult

GUARANTOR_BLOCK = 64       # encounters pick their guarantor within a block: index-friendly inserts
PATIENTS_PER_5_ENCOUNTERS = 2     # 2.5 encounters per patient guarantor on average
ENCOUNTERS_PER_EMPLOYER = 40
ESCROW_PERCENT = 4
RETURNED_MAIL_PERCENT = 2
STAGING = ("demo_gagg", "demo_eagg", "demo_line", "demo_enc")
TXN_COLUMNS = ("practice_id, journal_id, source_id, guarantor_id, line_id, date, kind, source, "
               "bucket_from, bucket_to, amount_cents, adjustment_code, memo")


@dataclass(frozen=True)
class Shape:
    """How many of each thing one practice gets."""
    encounters: int
    employers: int
    patients: int

    @classmethod
    def of(cls, profile: w.Profile, encounters: int) -> Shape:
        employer_encounters = encounters * profile.employer_share // 100
        employers = max(5, employer_encounters // ENCOUNTERS_PER_EMPLOYER) if profile.employer_share else 0
        patients = max(10, (encounters - employer_encounters) * PATIENTS_PER_5_ENCOUNTERS // 5)
        return cls(encounters, employers, patients)

    @property
    def guarantors(self) -> int:
        return self.employers + self.patients


class PracticeBuild:
    """Generates one practice's guarantors, encounters, lines, transactions and statements."""

    def __init__(self, uow: UnitOfWork, sql: Sql, profile: w.Profile, practice_id: int,
                 journal_id: int, shape: Shape) -> None:
        self.uow, self.s, self.p, self.shape = uow, sql, profile, shape
        self.pid, self.jid = practice_id, journal_id
        self.gbase = self._max_id("guarantor")
        self.ebase = self._max_id("encounter")
        self.lbase = self._max_id("service_line")

    # -- plumbing -------------------------------------------------------------------------------

    def _exec(self, sql: str) -> int:
        result = cast("CursorResult[Any]", self.uow.session.execute(text(sql)))  # a DML statement's result
        return int(result.rowcount or 0)

    def _max_id(self, table: str) -> int:
        return int(self.uow.session.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar_one())

    def h(self, x: str, salt: int) -> str:
        """A hash salted per practice, so the practices do not mirror each other."""
        return self.s.h(x, self.p.number * 100 + salt)

    def run(self) -> dict[str, int]:
        """Build everything; returns the row counts."""
        self._stage_encounters()
        self._stage_lines()
        self._stage_totals()
        counts = {"guarantors": self._insert_guarantors(), "encounters": self._insert_encounters(),
                  "lines": self._insert_lines(), "transactions": self._insert_transactions(),
                  "statements": self._insert_statements()}
        for table in STAGING:
            self._exec(f"DROP TABLE {table}")
        return counts

    # -- names and places -----------------------------------------------------------------------

    def person_name(self, x: str) -> str:
        return (f"{self.last_name(x)} || ', ' || {self.s.pick(self.h(x, 41), w.FIRST_NAMES)} || ' ' || "
                f"{self.s.pick(self.h(x, 42), tuple(w.INITIALS))}")

    def last_name(self, x: str) -> str:
        return self.s.pick(self.h(x, 40), w.LAST_NAMES)

    def employer_name(self, x: str) -> str:
        prefix = self.s.pick(self.h(x, 55), w.EMPLOYER_PREFIXES)
        return (f"CASE WHEN {self.h(x, 54)} % 100 < 15 THEN {prefix} || ' ' || "
                f"{self.s.pick(self.h(x, 56), w.TPA_SUFFIXES)} ELSE {prefix} || ' ' || "
                f"{self.s.pick(self.h(x, 57), w.EMPLOYER_TRADES)} || ' ' || "
                f"{self.s.pick(self.h(x, 58), w.EMPLOYER_SUFFIXES)} END")

    def billing_group(self, g: str) -> str:
        groups = self.p.billing_groups
        return (f"CASE WHEN {g} <= {self.shape.employers} THEN {self.s.pick(self.h(g, 45), groups[:2])} "
                f"ELSE {self.s.pick(self.h(g, 45), groups)} END")

    def escrow(self, g: str) -> str:
        """Unapplied money on a few guarantors: whole dollars, $25 to $300."""
        return f"CASE WHEN {self.h(g, 30)} % 100 < {ESCROW_PERCENT} THEN (25 + {self.h(g, 31)} % 276) * 100 ELSE 0 END"

    def last_statement(self, g: str) -> str:
        """Days since the guarantor's latest statement (the statement run is monthly)."""
        return f"({self.h(g, 50)} % 28)"

    def encounter_number(self, n: str) -> str:
        return f"'{self.p.number}' || {self.s.pad(n, 7)}"

    # -- staging --------------------------------------------------------------------------------

    def _stage_encounters(self) -> None:
        s, h, sh = self.s, self.h, self.shape
        e, k, gp, b = sh.encounters, sh.employers, sh.patients, GUARANTOR_BLOCK
        employer_g = f"1 + {h('n', 4)} % {k}" if k else "1"
        patient_g = f"{k} + 1 + ((((n - 1) * {gp} / {e}) / {b}) * {b} + {h('n', 4)} % {b}) % {gp}"
        self._exec(f"""
        CREATE TEMP TABLE demo_enc AS
        WITH RECURSIVE {s.series('s', e)}
        SELECT n, {self.ebase} + n AS id, g, scen, d, pd,
               CASE WHEN scen <> 1 THEN pd WHEN pd > lag AND stuck >= 3 THEN pd - lag END AS rd,
               io, nl, prof, dep, cs
        FROM (SELECT n, g, scen, d, CASE WHEN d >= 5 THEN d - {h('n', 5)} % 5 ELSE d END AS pd,
                     14 + {h('n', 8)} % 40 AS lag, {h('n', 9)} % 100 AS stuck, {h('n', 10)} % 100 AS io,
                     CASE WHEN nlr < 35 THEN 1 WHEN nlr < 65 THEN 2 WHEN nlr < 85 THEN 3 ELSE 4 END AS nl,
                     CASE WHEN scen = 2 THEN 'EMPLOYER' WHEN pr < 4 THEN 'PAYMENT PLAN'
                          WHEN pr < 6 THEN 'HARDSHIP' WHEN scen = 0 THEN 'SELF PAY' ELSE 'STANDARD' END AS prof,
                     CASE WHEN scen <> 2 AND {h('n', 12)} % 100 < {self.p.dependents} THEN 1 ELSE 0 END AS dep,
                     CASE WHEN scen = 2 THEN 'WC' || {s.pad('n', 7)}
                          WHEN {h('n', 15)} % 100 < {self.p.case_share} THEN 'C' || {s.pad('n', 7)} END AS cs
              FROM (SELECT n, CASE WHEN emp = 1 THEN 2 WHEN {h('n', 6)} % 100 < {self.p.insured} THEN 1
                                   ELSE 0 END AS scen,
                           CASE WHEN emp = 1 THEN {employer_g} ELSE {patient_g} END AS g,
                           CASE WHEN b < 30 THEN u % 90 WHEN b < 55 THEN 90 + u % 275
                                WHEN b < 80 THEN 365 + u % 730 ELSE 1095 + u % 1095 END AS d,
                           {h('n', 7)} % 100 AS nlr, {h('n', 11)} % 100 AS pr
                    FROM (SELECT n, CASE WHEN {h('n', 3)} % 100 < {self.p.employer_share} THEN 1 ELSE 0 END AS emp,
                                 {h('n', 1)} % 100 AS b, {h('n', 2)} AS u FROM s) a) b) c""")

    def _stage_lines(self) -> None:
        """Lines with their whole money story: insurance paid / adjusted / denied / pending, then the
        guarantor's portion paid in full, in part, twice (a credit), adjusted, written off or open.

        Two steps, because the money arithmetic refers to the amount and the random draws many
        times and a database inlines nested subqueries: materialising the draws first means each
        is computed once per line.
        """
        self._exec(f"CREATE TEMP TABLE demo_slot AS WITH {self.s.slots()} {self._line_slots_sql()}")
        self._exec(f"""
        CREATE TEMP TABLE demo_line AS
        SELECT n, k, id, eid, g, scen, d, pd, rd, cs, code, amount, resp, ins_paid, ins_adj,
               pay1, pay2, adj, adj_code, wo, pday,
               amount - ins_paid - ins_adj - pay1 - pay2 - adj - wo AS ar
        FROM ({self._guarantor_portion_sql()}) l3""")
        self._exec("DROP TABLE demo_slot")

    def _guarantor_portion_sql(self) -> str:
        return f"""
        SELECT n, k, id, eid, g, scen, d, pd, rd, cs, code, amount, resp, ins_paid, ins_adj,
               CASE WHEN portion = 0 THEN 0 WHEN o < 36 AND ppd = 1 THEN portion * 95 / 100
                    WHEN o < 36 THEN portion WHEN o < 54 THEN portion * (20 + pp) / 100
                    WHEN o < 56 THEN portion ELSE 0 END AS pay1,
               CASE WHEN portion > 0 AND o >= 54 AND o < 56 THEN portion ELSE 0 END AS pay2,
               CASE WHEN portion = 0 THEN 0 WHEN o < 36 AND ppd = 1 THEN portion - portion * 95 / 100
                    WHEN o >= 56 AND o < 59 AND portion <= 1500 THEN portion
                    WHEN o >= 61 AND o < 63 THEN portion / 2 ELSE 0 END AS adj,
               CASE WHEN portion = 0 THEN NULL WHEN o < 36 AND ppd = 1 THEN 'PPD'
                    WHEN o >= 56 AND o < 59 AND portion <= 1500 THEN 'SBA'
                    WHEN o >= 61 AND o < 63 THEN 'CHAR' END AS adj_code,
               CASE WHEN portion > 0 AND o >= 59 AND o < 61 AND rd >= 365 THEN portion ELSE 0 END AS wo,
               rd * pq / 100 AS pday
        FROM ({self._insurance_sql()}) l2"""

    def _insurance_sql(self) -> str:
        return """
        SELECT n, k, id, eid, g, scen, d, pd, rd, cs, code, amount, o, pp, ppd, pq,
               CASE WHEN scen = 1 AND (rd IS NULL OR io < 15) THEN 'insurance' ELSE 'guarantor' END AS resp,
               CASE WHEN scen <> 1 OR rd IS NULL OR (io >= 15 AND io < 20) THEN 0
                    WHEN io < 15 THEN amount - amount * (5 + ap) / 100
                    ELSE amount * (40 + ip) / 100 END AS ins_paid,
               CASE WHEN scen <> 1 OR rd IS NULL OR (io >= 15 AND io < 20) THEN 0
                    ELSE amount * (5 + ap) / 100 END AS ins_adj,
               CASE WHEN scen = 1 AND (rd IS NULL OR io < 15) THEN 0
                    WHEN scen = 1 AND io >= 20 THEN amount - amount * (40 + ip) / 100 - amount * (5 + ap) / 100
                    ELSE amount END AS portion
        FROM demo_slot l1"""

    def _line_slots_sql(self) -> str:
        s, slot = self.s, "((e.n - 1) * 4 + j.k)"
        visit, extra = self.p.visit_codes, self.p.extra_codes
        idx = self.h(slot, 20)
        return f"""
        SELECT e.n, j.k, {self.lbase} + {slot} AS id, e.id AS eid, e.g, e.scen, e.d, e.pd, e.rd, e.io, e.cs,
               CASE WHEN j.k = 1 THEN {s.pick(idx, [c for c, _ in visit])}
                    ELSE {s.pick(idx, [c for c, _ in extra])} END AS code,
               CASE WHEN j.k = 1 THEN {s.pick_int(idx, [f for _, f in visit])}
                    ELSE {s.pick_int(idx, [f for _, f in extra])} END AS amount,
               {self.h(slot, 21)} % 40 AS ip, {self.h(slot, 22)} % 15 AS ap, {self.h(slot, 23)} % 100 AS o,
               {self.h(slot, 24)} % 60 AS pp, {self.h(slot, 26)} % 101 AS pq,
               CASE WHEN e.scen = 0 AND {self.h(slot, 25)} % 10 = 0 THEN 1 ELSE 0 END AS ppd
        FROM demo_enc e JOIN j ON j.k <= e.nl"""

    def _stage_totals(self) -> None:
        """Per encounter and per guarantor: guarantor A/R, insurance A/R, oldest guarantor line."""
        totals = ("SUM(CASE WHEN resp = 'guarantor' THEN ar ELSE 0 END) AS ar, "
                  "SUM(CASE WHEN resp = 'insurance' THEN ar ELSE 0 END) AS ins")
        self._exec(f"""CREATE TEMP TABLE demo_eagg AS SELECT eid, {totals},
                       MAX(CASE WHEN resp = 'guarantor' THEN rd END) AS od FROM demo_line GROUP BY eid""")
        self._exec(f"""CREATE TEMP TABLE demo_gagg AS SELECT g, {totals},
                       MAX(CASE WHEN resp = 'guarantor' AND ar > 0 THEN rd END) AS od
                       FROM demo_line GROUP BY g""")
        self._exec("CREATE INDEX demo_eagg_eid ON demo_eagg (eid)")
        self._exec("CREATE INDEX demo_gagg_g ON demo_gagg (g)")
        if self.s.pg:  # autovacuum never analyzes temporary tables; the planner needs the counts
            for table in ("demo_enc", "demo_eagg", "demo_gagg"):
                self._exec(f"ANALYZE {table}")

    # -- the rows themselves --------------------------------------------------------------------

    def _insert_guarantors(self) -> int:
        s, h, k = self.s, self.h, self.shape.employers
        town = f"{h('n', 52)}"
        sent = f"1 + (a.od - {self.last_statement('n')}) / 30"
        dunning = (f"CASE WHEN a.od IS NULL OR a.od < {self.last_statement('n')} THEN 0 "
                   f"WHEN {sent} > 4 THEN 4 ELSE {sent} END")
        returned = f"{h('n', 53)} % 100 < {RETURNED_MAIL_PERCENT}"
        return self._exec(f"""
        INSERT INTO guarantor (id, practice_id, source_id, kind, name, birth_date, address1, address2,
            city, state, zip, phone, billing_group, returned_mail, internal_comment, dunning_level,
            version, ar_cents, ins_ar_cents, collections_cents, escrow_cents)
        WITH RECURSIVE {s.series('s', self.shape.guarantors)}
        SELECT {self.gbase} + n, {self.pid}, 'G' || {s.pad('n', 7)},
               CASE WHEN n <= {k} THEN 'employer' ELSE 'patient' END,
               CASE WHEN n <= {k} THEN {self.employer_name('n')} ELSE {self.person_name('n')} END,
               CASE WHEN n > {k} THEN {s.day(f"6935 + {h('n', 46)} % 25550")} END,
               (100 + {h('n', 47)} % 9800) || ' ' || {s.pick(h('n', 48), w.STREETS)} || ' ' ||
                   {s.pick(h('n', 49), w.STREET_TYPES)},
               CASE WHEN n <= {k} THEN {s.pick(h('n', 51), w.EMPLOYER_ATTN)}
                    WHEN {h('n', 51)} % 100 < 15 THEN {s.pick(h('n', 59), w.UNITS)} END,
               {s.pick(town, [t[0] for t in w.TOWNS])}, {s.pick(town, [t[1] for t in w.TOWNS])},
               {s.pick(town, [t[2] for t in w.TOWNS])} || {s.pad(f"{h('n', 60)} % 100", 2)},
               '(' || {s.pick(town, [t[3] for t in w.TOWNS])} || ') ' || (200 + {h('n', 61)} % 800) || '-' ||
                   {s.pad(f"{h('n', 62)} % 10000", 4)},
               {self.billing_group('n')}, {s.flag(returned)},
               CASE WHEN {returned} THEN 'Mail returned: address unknown'
                    WHEN {h('n', 63)} % 100 < 4 THEN {s.pick(h('n', 64), w.COMMENTS)} END,
               {dunning}, 1, COALESCE(a.ar, 0), COALESCE(a.ins, 0), 0, {self.escrow('n')}
        FROM s LEFT JOIN demo_gagg a ON a.g = s.n""")

    def _insert_encounters(self) -> int:
        s, h = self.s, self.h
        sent = "CASE WHEN a.od IS NULL THEN 0 WHEN a.od >= 330 THEN 12 ELSE 1 + a.od / 30 END"
        patient = (f"CASE WHEN e.scen = 2 THEN {s.pick(h('e.n', 43), w.LAST_NAMES)} || ', ' || "
                   f"{s.pick(h('e.n', 44), w.FIRST_NAMES)} "
                   f"WHEN e.dep = 1 THEN {self.last_name('e.g')} || ', ' || {s.pick(h('e.n', 44), w.CHILD_NAMES)} "
                   f"ELSE {self.person_name('e.g')} END")
        return self._exec(f"""
        INSERT INTO encounter (id, practice_id, source_id, guarantor_id, patient_name, dos, case_id,
            statement_profile, dunning_count, statements_sent, version, ar_cents, ins_ar_cents,
            collections_cents)
        SELECT e.id, {self.pid}, {self.encounter_number('e.n')}, {self.gbase} + e.g, {patient},
               {s.day('e.d')}, e.cs, e.prof,
               CASE WHEN ({sent}) = 0 THEN 0 WHEN a.ar <= 0 AND {h('e.n', 13)} % 2 = 0 THEN 0
                    WHEN ({sent}) > 6 THEN 6 ELSE ({sent}) END,
               {sent}, 1, a.ar, a.ins, 0
        FROM demo_enc e JOIN demo_eagg a ON a.eid = e.id""")

    def _insert_lines(self) -> int:
        s = self.s
        return self._exec(f"""
        INSERT INTO service_line (id, practice_id, source_id, encounter_id, guarantor_id, dos, case_id,
            procedure_code, amount_cents, posted_date, responsibility, responsibility_date,
            billing_group, version, ar_cents, collections_cents)
        SELECT id, {self.pid}, {self.encounter_number('n')} || '-' || k, eid, {self.gbase} + g,
               {s.day('d')}, cs, code, amount, {s.day('pd')}, resp,
               CASE WHEN scen = 1 AND resp = 'guarantor' THEN {s.day('rd')} END,
               {self.billing_group('g')}, 1, ar, 0
        FROM demo_line""")

    def _txns(self, where: str, suffix: str | None, kind: str, source: str, buckets: tuple[str, str],
              amount: str, days: str, code: str = "NULL", memo: str = "NULL") -> int:
        """One kind of ledger transaction for every staged line matching `where`."""
        source_id = f"{self.encounter_number('n')} || '-' || k || '/{suffix}'" if suffix else "NULL"
        return self._exec(f"""
        INSERT INTO ledger_txn ({TXN_COLUMNS})
        SELECT {self.pid}, {self.jid}, {source_id}, {self.gbase} + g, id, {self.s.day(days)}, '{kind}',
               {source}, '{buckets[0]}', '{buckets[1]}', {amount}, {code}, {memo}
        FROM demo_line WHERE {where}""")

    def _insert_transactions(self) -> int:
        s, h = self.s, self.h
        payer = "CASE WHEN scen = 2 THEN 'employer' ELSE 'patient' END"
        method = s.pick(h("((n - 1) * 4 + k)", 65), w.PAY_METHODS)
        n = self._txns("1 = 1", None, "charge", "'system'", ("charge", "ar"), "amount", "pd")
        n += self._txns("ins_paid > 0", "IP", "payment", "'insurance'", ("ar", "paid"), "ins_paid", "rd",
                        memo=s.pick(h("n", 66), w.PAYERS))
        n += self._txns("ins_adj > 0", "CO", "adjustment", "'insurance'", ("ar", "adjusted"), "ins_adj",
                        "rd", code="'CO45'", memo="'Contractual adjustment'")
        n += self._txns("pay1 > 0", "P1", "payment", payer, ("ar", "paid"), "pay1", "pday", memo=method)
        n += self._txns("pay2 > 0", "P2", "payment", payer, ("ar", "paid"), "pay2", "pday / 2",
                        memo="'Online portal (duplicate)'")
        n += self._txns("adj > 0", "AD", "adjustment", "'other'", ("ar", "adjusted"), "adj", "pday",
                        code="adj_code")
        n += self._txns("wo > 0", "WO", "write_off", "'other'", ("ar", "written_off"), "wo", "rd / 3",
                        code=f"'{self.p.write_off_code}'", memo="'Bad debt'")
        return n + self._insert_escrow()

    def _insert_escrow(self) -> int:
        """Unapplied payments (line_id NULL): the guarantor's escrow."""
        s, k = self.s, self.shape.employers
        return self._exec(f"""
        INSERT INTO ledger_txn ({TXN_COLUMNS})
        WITH RECURSIVE {s.series('s', self.shape.guarantors)}
        SELECT {self.pid}, {self.jid}, 'U' || {s.pad('n', 7)}, {self.gbase} + n, NULL,
               {s.day(f"{self.h('n', 32)} % 200")}, 'payment',
               CASE WHEN n <= {k} THEN 'employer' ELSE 'patient' END, 'ar', 'paid', {self.escrow('n')},
               NULL, 'Payment on account (unapplied)'
        FROM s WHERE {self.escrow('n')} > 0""")

    def _insert_statements(self) -> int:
        """The latest (up to four) monthly statements of every guarantor with an open balance."""
        s = self.s
        return self._exec(f"""
        INSERT INTO statement (practice_id, source_id, guarantor_id, encounter_id, date, dunning_level)
        WITH {s.slots()}
        SELECT {self.pid}, 'S' || {s.pad('x.g', 7)} || '-' || j.k, {self.gbase} + x.g, NULL,
               {s.day('x.last + (j.k - 1) * 30')},
               CASE WHEN x.sent - j.k + 1 > 4 THEN 4 ELSE x.sent - j.k + 1 END
        FROM (SELECT g, last, 1 + (od - last) / 30 AS sent
              FROM (SELECT g, od, {self.last_statement('g')} AS last FROM demo_gagg WHERE od IS NOT NULL) y
              WHERE od >= last) x
        JOIN j ON j.k <= x.sent""")
