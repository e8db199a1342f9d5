"""Invariants after every step: a Hypothesis state machine over a real SQLite file.

The database starts as the small demo (three practices with agencies, roster settings, a built
list). The machine adds two twin practices, A and B, fed the same CSV imports:
- A works its Pre-Collections list through the set-based path (Set Action + Apply Action), and an
  independent reference model in plain Python (below) predicts every encounter's state, task
  number and balances after each step;
- B gets the same list builds and actions, but Send to Collections goes through the single-row
  path (the Encounter dashboard's To Collections, one encounter at a time). A and B must agree.
The demo practices meanwhile get everything else at random: list builds and applies, nightly
runs (external run + roster populate), external reversals, roster approvals and turnovers, all
over advancing business dates. After every step: `verify` (ledger, caches, journals, audit chain,
one workflow per line, task numbers, collections held) finds nothing; task numbers never change.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import bindparam, text

from core import precollections as pc
from core import security
from core.errors import BadInput, Refused
from core.imports import import_folder
from core.precollections.criteria import Criteria
from core.verify import verify
from db.engine import make_engine
from db.uow import SqlUnitOfWork
from tests.conftest import TODAY
from tests.import_files import write_csv
from tests.integrity.support import copy_db, run_cli

DEMO_PRACTICES = ("DEMO-FAM", "DEMO-OCC", "DEMO-ORTHO")
MODEL_ACTIONS = ("send-to-collections", "remove", "write-off", "remove-from-pending")
STATS = {"sequences": 0, "steps": 0}


@dataclass
class Enc:
    """The reference model of one encounter of practice A (one guarantor-responsibility line)."""
    guarantor: str
    ar: int
    coll: int = 0
    state: str | None = None  # None: never on the list
    on_list: bool = False
    task: int | None = None
    action: str | None = None


class Model:
    """Pre-Collections in plain Python (SPEC 3), written from the spec, not from the SQL."""

    def __init__(self) -> None:
        self.encs: dict[str, Enc] = {}  # by number without the practice prefix, in id order

    def guarantor_ar(self, g: str) -> int:
        return sum(e.ar for e in self.encs.values() if e.guarantor == g)

    def matches(self, n: str, c: Criteria) -> bool:
        e = self.encs[n]
        if not (e.ar > 0 and e.coll == 0):
            return False
        g = self.guarantor_ar(e.guarantor)
        return ((c.encounter_balance_min is None or e.ar >= c.encounter_balance_min)
                and (c.encounter_balance_max is None or e.ar <= c.encounter_balance_max)
                and (c.guarantor_balance_min is None or g >= c.guarantor_balance_min)
                and (c.guarantor_balance_max is None or g <= c.guarantor_balance_max))

    def build(self, c: Criteria, clear: bool) -> None:
        matching = [n for n in self.encs if self.matches(n, c)]
        if clear:
            for e in self.encs.values():
                if e.on_list:
                    e.action = None
            for n, e in self.encs.items():
                if e.on_list and e.state == "pre" and n not in matching:
                    e.state, e.on_list = "dropped", False
        for n in matching:
            e = self.encs[n]
            if e.task is not None and not e.on_list:
                e.state, e.on_list, e.action = "pre", True, None
        top = max([e.task or 0 for e in self.encs.values()], default=0)
        for n in matching:
            e = self.encs[n]
            if e.task is None:
                top += 1
                e.task, e.state, e.on_list = top, "pre", True

    @staticmethod
    def allowed(e: Enc, action: str) -> bool:
        ok = {"pre": ("send-to-collections", "remove", "write-off"),
              "not_sent": ("remove-from-pending",)}.get(e.state or "", ())
        if action not in ok:
            return False
        return e.ar > 0 if action in ("send-to-collections", "write-off") else True

    def set_action(self, tasks: list[int], action: str) -> bool:
        chosen = [e for e in self.encs.values() if e.on_list and e.task in tasks]
        if not all(self.allowed(e, action) for e in chosen):
            return False
        for e in chosen:
            e.action = action
        return True

    def apply(self) -> bool:
        chosen = [e for e in self.encs.values() if e.on_list and e.action]
        if not all(self.allowed(e, e.action) for e in chosen):  # type: ignore[arg-type]
            return False
        for e in chosen:
            self.move(e, e.action)  # type: ignore[arg-type]
        return True

    @staticmethod
    def move(e: Enc, action: str) -> None:
        e.action = None
        if action == "send-to-collections":
            e.coll, e.ar, e.state = e.coll + e.ar, 0, "not_sent"
        elif action == "write-off":
            e.ar, e.state, e.on_list = 0, "written_off", False
        elif action == "remove":
            e.state, e.on_list = "removed", False
        elif action == "remove-from-pending":
            e.ar, e.coll, e.state = e.ar + e.coll, 0, "pre"


def _db_state(u: SqlUnitOfWork, practice: str) -> dict[str, tuple]:
    rows = u.session.execute(text("""
        SELECT e.source_id, e.ar_cents, e.collections_cents, t.state, t.on_list, t.task_no, t.action
        FROM encounter e JOIN practice p ON p.id = e.practice_id
        LEFT JOIN precollection_task t ON t.encounter_id = e.id WHERE p.source_id = :p"""), {"p": practice})
    return {src[1:]: (int(ar), int(coll), state, bool(on) if on is not None else False, task, action)
            for src, ar, coll, state, on, task, action in rows}


money = st.integers(min_value=1, max_value=50_000)
criteria = st.builds(
    Criteria,
    encounter_balance_min=st.none() | st.integers(0, 40_000),
    encounter_balance_max=st.none() | st.integers(0, 60_000),
    guarantor_balance_min=st.none() | st.integers(0, 60_000),
    guarantor_balance_max=st.none() | st.integers(0, 120_000))


class Recoup(RuleBasedStateMachine):
    template: Path

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="recoup-inv-"))
        db = self.dir / "recoup.db"
        copy_db(self.template, db)
        self.db = db
        self.engine = make_engine(f"sqlite:///{db}")
        self.as_of = TODAY
        self.model = Model()
        self.n = 0  # sequence numbers for source ids
        self.tasks_seen: dict[int, int] = {}
        self.pid: dict[str, int] = {}
        STATS["sequences"] += 1

    def teardown(self) -> None:
        self.engine.dispose()
        shutil.rmtree(self.dir, ignore_errors=True)

    # ------------------------------------------------------------------------------ plumbing
    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)

    def actor(self, u: SqlUnitOfWork) -> security.Actor:
        name = u.session.execute(text("SELECT name FROM operator WHERE role = 'admin' ORDER BY id")).scalar_one()
        return security.authenticate(u, name)

    def cli(self, *argv: str) -> int:
        code, out, err = run_cli(self.db, "--as-of", self.as_of.isoformat(), *argv)
        assert code != 1 and "Traceback" not in err, (argv, out, err)
        return code

    def _import(self, files: dict[str, list[str]]) -> None:
        folder = self.dir / f"import{self.n}"
        for name, rows in files.items():
            write_csv(folder, name, rows)
        with self.uow() as u:
            import_folder(u, self.actor(u), folder, self.as_of)
        shutil.rmtree(folder)

    @initialize()
    def practices(self) -> None:
        self._import({"practices.csv": ["A,Twin A (set-based)", "B,Twin B (single-row)"]})
        with self.engine.connect() as c:
            self.pid = {s: i for s, i in c.execute(text("SELECT source_id, id FROM practice"))}

    # ----------------------------------------------------------------------------------- rules
    @rule(amounts=st.lists(money, min_size=1, max_size=4), new_guarantor=st.booleans(),
          back=st.integers(0, 200))
    def import_encounters(self, amounts: list[int], new_guarantor: bool, back: int) -> None:
        """A CSV batch into A and B: encounters with one guarantor line each."""
        gs = sorted({e.guarantor for e in self.model.encs.values()})
        files: dict[str, list[str]] = {k: [] for k in ("guarantors.csv", "encounters.csv", "service_lines.csv")}
        if new_guarantor or not gs:
            self.n += 1
            g = f"G{self.n}"
            for p in "AB":
                files["guarantors.csv"].append(f"{p}{g},{p},patient,Pat {g},1970-01-01,,,,,N")
        else:
            g = gs[self.n % len(gs)]
        dos = (self.as_of - dt.timedelta(days=back)).isoformat()
        for cents in amounts:
            self.n += 1
            e = f"E{self.n}"
            for p in "AB":
                files["encounters.csv"].append(f"{p}{e},{p},{p}{g},Pat {g},{dos},,0,0")
                files["service_lines.csv"].append(f"{p}L{self.n},{p}{e},{dos},99213,{cents // 100}.{cents % 100:02d},"
                                                  f"{dos},guarantor,{dos}")
            self.model.encs[e] = Enc(g, cents)
        self._import({k: v for k, v in files.items() if v})

    @precondition(lambda self: self.model.encs)
    @rule(data=st.data())
    def import_payments(self, data: st.DataObject) -> None:
        """Payments (some over the balance: credits) on random encounters of A and B."""
        names = list(self.model.encs)
        picks = data.draw(st.lists(st.tuples(st.sampled_from(names), money), min_size=1, max_size=3,
                                   unique_by=lambda t: t[0]))
        rows = []
        for e, cents in picks:
            self.n += 1
            line = e.replace("E", "L")
            g = self.model.encs[e].guarantor
            for p in "AB":
                rows.append(f"{p}T{self.n},{p}{g},{p}{line},{self.as_of},payment,patient,"
                            f"{cents // 100}.{cents % 100:02d},")
            self.model.encs[e].ar -= cents
        self._import({"transactions.csv": rows})

    @rule(c=criteria, clear=st.booleans())
    def build_list(self, c: Criteria, clear: bool) -> None:
        bad = any(lo is not None and hi is not None and lo > hi for lo, hi in (
            (c.encounter_balance_min, c.encounter_balance_max), (c.guarantor_balance_min, c.guarantor_balance_max)))
        if bad:  # refused with one clear message, nothing changed (the invariant checks the latter)
            with self.uow() as u, pytest.raises(BadInput, match="more than"):
                pc.add_tasks(u, self.actor(u), self.pid["A"], c, self.as_of, clear=clear, confirmed=True)
            return
        for p in "AB":
            with self.uow() as u:
                pc.add_tasks(u, self.actor(u), self.pid[p], c, self.as_of, clear=clear, confirmed=True)
        self.model.build(c, clear)

    @precondition(lambda self: any(e.on_list for e in self.model.encs.values()))
    @rule(data=st.data(), action=st.sampled_from(MODEL_ACTIONS))
    def set_and_apply(self, data: st.DataObject, action: str) -> None:
        on = sorted(e.task for e in self.model.encs.values() if e.on_list)  # type: ignore[misc]
        tasks = data.draw(st.lists(st.sampled_from(on), min_size=1, max_size=len(on), unique=True))
        expect_set = self.model.set_action(tasks, action)
        for p in "AB":
            with self.uow() as u:
                try:
                    pc.set_action(u, self.actor(u), self.pid[p], action, self.as_of, tasks=tasks)
                    assert expect_set, f"{p}: set {action} on {tasks} should have been refused"
                except Refused:
                    assert not expect_set, f"{p}: set {action} on {tasks} refused but the model allows it"
        applied = self.model.apply()
        self._apply("A", applied)
        if action == "send-to-collections" and expect_set:
            self._send_one_by_one(tasks)  # the single-row path on twin B
        else:
            self._apply("B", applied)

    def _apply(self, p: str, expected: bool) -> None:
        with self.uow() as u:
            try:
                pc.apply(u, self.actor(u), self.pid[p], self.as_of, confirmed=True)
                assert expected, f"{p}: apply should have been refused"
            except Refused:
                assert not expected, f"{p}: apply refused but the model allows it"

    def _send_one_by_one(self, tasks: list[int]) -> None:
        """B's twin of the set-based apply: take the action off again (To Collections does not
        read it) and send each encounter alone from the Encounter dashboard."""
        with self.engine.connect() as c:
            rows = c.execute(text("""SELECT e.source_id FROM precollection_task t JOIN encounter e
                ON e.id = t.encounter_id WHERE t.practice_id = :p AND t.on_list AND t.task_no IN :n
                ORDER BY t.task_no""").bindparams(bindparam("n", expanding=True)),
                {"p": self.pid["B"], "n": tasks}).all()
        with self.uow() as u:
            pc.set_action(u, self.actor(u), self.pid["B"], None, self.as_of, tasks=tasks)
        for (src,) in rows:
            with self.uow() as u:
                pc.send_to_collections(u, self.actor(u), self.pid["B"], self.as_of, encounter=src, confirmed=True)

    @rule(days=st.integers(1, 45))
    def advance_date(self, days: int) -> None:
        self.as_of += dt.timedelta(days=days)

    @rule(practice=st.sampled_from(DEMO_PRACTICES))
    def nightly(self, practice: str) -> None:
        self.cli("nightly", "--practice", practice, "--out", str(self.dir))

    @rule(practice=st.sampled_from(DEMO_PRACTICES), age=st.integers(0, 200), clear=st.booleans())
    def demo_build(self, practice: str, age: int, clear: bool) -> None:
        self.cli("precollections", "add", "--practice", practice, "--age-min", str(age),
                 *(["--clear", "--yes"] if clear else []))

    @rule(practice=st.sampled_from(DEMO_PRACTICES), action=st.sampled_from(("send-to-collections", "remove")),
          k=st.integers(1, 5))
    def demo_apply(self, practice: str, action: str, k: int) -> None:
        with self.engine.connect() as c:
            nos = [str(n) for (n,) in c.execute(text("""SELECT t.task_no FROM precollection_task t JOIN practice p
                ON p.id = t.practice_id WHERE p.source_id = :p AND t.on_list AND t.state = 'pre'
                ORDER BY t.task_no LIMIT :k"""), {"p": practice, "k": k})]
        if nos and self.cli("precollections", "set-action", action, "--practice", practice,
                            "--tasks", ",".join(nos)) == 0:
            self.cli("precollections", "apply", "--practice", practice, "--yes", "--out", str(self.dir))

    @rule(practice=st.sampled_from(DEMO_PRACTICES))
    def demo_reverse(self, practice: str) -> None:
        self.cli("external", "reverse", "--practice", practice, "--all", "--yes")

    @rule(practice=st.sampled_from(DEMO_PRACTICES))
    def demo_turnover(self, practice: str) -> None:
        self.cli("roster", "approve", "--practice", practice, "--yes")
        self.cli("roster", "turnover", "--practice", practice, "--yes", "--out-dir", str(self.dir))

    # ------------------------------------------------------------------------------ invariants
    @invariant()
    def everything_holds(self) -> None:
        STATS["steps"] += 1
        with self.uow() as u:
            problems = {c.name: c.problems for c in verify(u) if c.problems}
            assert not problems, problems
            a, b = _db_state(u, "A"), _db_state(u, "B")
            tasks = dict(u.session.execute(text("SELECT encounter_id, task_no FROM precollection_task")).all())
        for enc, no in self.tasks_seen.items():
            assert tasks.get(enc) == no, f"encounter id {enc}: task number {no} became {tasks.get(enc)}"
        self.tasks_seen = {int(k): int(v) for k, v in tasks.items()}
        want = {n: (e.ar, e.coll, e.state, e.on_list, e.task, e.action) for n, e in self.model.encs.items()}
        assert a == want, _diff(a, want)
        assert {n: s[:5] for n, s in b.items()} == {n: s[:5] for n, s in a.items()}, _diff(b, a)


def _diff(got: dict, want: dict) -> str:
    return "; ".join(f"{k}: got {got.get(k)} want {want.get(k)}" for k in sorted(set(got) | set(want))
                     if got.get(k) != want.get(k))


@pytest.mark.slow
def test_invariants_after_every_step(small_demo: Path, long_profile: bool) -> None:
    Recoup.template = small_demo
    examples, steps = (200, 40) if long_profile else (8, 10)
    examples = int(os.environ.get("RECOUP_INVARIANT_EXAMPLES", examples))
    STATS.update(sequences=0, steps=0)
    run_state_machine_as_test(Recoup, settings=settings(
        max_examples=examples, stateful_step_count=steps, deadline=None,
        suppress_health_check=list(HealthCheck), database=None,
        phases=[Phase.explicit, Phase.generate] + ([Phase.shrink] if long_profile else [])))
    print(f"\ninvariants: {STATS['sequences']} sequences, {STATS['steps']} checked steps")
    assert STATS["sequences"] >= examples
