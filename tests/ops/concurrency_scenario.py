"""The many-operators scenario of issue 8, shared by tests/ops/test_concurrency.py and
bench/concurrency.py: a small generated practice, operators in separate processes acting on
overlapping records (build the list, set actions, apply, approve and deny external pending),
and the nightly run (external run + roster population, through `recoup nightly`, twice at once:
"the worker" and "a manual run") going on in other processes.

Each operator action is recorded with its outcome: "applied", "refused" (with the core's
message), "conflict" (a stale write, with its message) or "error" (anything else: a crash, a
deadlock, a lock timeout — which the test counts as a failure). `check()` then proves the
database whole: `verify` clean, every apply fully there (its history rows and journal), each
nightly batch run once per practice and date.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing as mp
import random
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

AS_OF = dt.date(2026, 11, 23)
NIGHTS = (AS_OF - dt.timedelta(days=2), AS_OF - dt.timedelta(days=1), AS_OF)
ADMIN = "tester"


@dataclass
class Outcome:
    proc: int
    kind: str                  # build, set, apply, approve, deny
    outcome: str               # applied, refused, conflict, error
    message: str = ""
    seconds: float = 0.0
    detail: dict[str, Any] = field(default_factory=dict)


# ----------------------------------------------------------------------------------- the practice

def build_world(url: str, guarantors: int = 24, seed: int = 7) -> int:
    """A practice with external collections and the roster on, two agencies, operators, and a
    few dozen encounters of various ages and dunning counts. Returns the practice id."""
    from core import external, money, security
    from core.roster import admin as roster_admin
    from core.security import Actor
    from db.engine import make_engine
    from db.uow import SqlUnitOfWork
    from tests import factories as f

    rnd = random.Random(seed)
    engine = make_engine(url)
    admin = Actor(ADMIN, "admin")
    with SqlUnitOfWork(engine) as u:
        security.bootstrap_admin(u, ADMIN)
        u.commit()
    for name, role in [(f"col{i}", "collector") for i in range(4)] + [(f"sup{i}", "supervisor") for i in range(4)] + \
            [("nightly", "admin")]:
        with SqlUnitOfWork(engine) as u:
            security.add_user(u, admin, name, role)
    with SqlUnitOfWork(engine) as u:
        p = f.practice(u, "P1", "Concurrency Clinic", external_on=True, roster_on=True)
        for gi in range(guarantors):
            g = f.guarantor(u, p, f"G{gi:03d}")
            for ei in range(rnd.randint(1, 3)):
                age = rnd.choice((20, 45, 75, 100, 140, 200))
                amounts = [rnd.randint(20, 300) * 100 + rnd.randint(0, 99) for _ in range(rnd.randint(1, 2))]
                f.encounter(u, p, g, amounts, source_id=f"E{gi:03d}{ei}", posted=AS_OF - dt.timedelta(days=age),
                            dunning=rnd.randint(0, 3))
        pid = int(p.id)  # type: ignore[arg-type]
        u.commit()
    with SqlUnitOfWork(engine) as u:
        roster_admin.ensure_defaults(u, pid)
        u.commit()
    for agency, age in (("AG1", 60), ("AG2", 120)):
        with SqlUnitOfWork(engine) as u:
            external.add_assignment(u, admin, pid, external.Assignment(agency, money.parse_optional("10.00"), age,
                                                                      False, False), AS_OF)
    with SqlUnitOfWork(engine) as u:        # last week's run left lines waiting in Pending to approve
        external.run(u, admin, pid, AS_OF - dt.timedelta(days=3), Path(tempfile.mkdtemp(prefix="recoup-ext-")))
    engine.dispose()
    return pid


# ------------------------------------------------------------------------------------- operators

def _classify(exc: BaseException) -> tuple[str, str]:
    from core.errors import BadInput, Conflict, NeedsConfirmation, Refused
    if isinstance(exc, Conflict):
        return "conflict", exc.message
    if isinstance(exc, (Refused, BadInput)):
        return "refused", exc.message
    if isinstance(exc, NeedsConfirmation):
        return "error", "asked for confirmation although confirmed"
    return "error", "".join(traceback.format_exception_only(type(exc), exc)).strip()


class Operator:
    """One operator's session: reads what a screen would, then acts on it, as the screens do."""

    def __init__(self, url: str, pid: int, proc: int, seed: int) -> None:
        from core.security import Actor
        from db.engine import make_engine
        self.engine = make_engine(url)
        self.pid, self.proc = pid, proc
        self.rnd = random.Random(seed)
        self.collector = Actor(f"col{proc % 4}", "collector")
        self.supervisor = Actor(f"sup{proc % 4}", "supervisor")
        self.out = Path(tempfile.mkdtemp(prefix="recoup-conc-"))

    def warm(self) -> None:
        """Import the use cases and open a connection before the start, so the clock (bench)
        measures the actions, not the interpreter coming up."""
        import core.external
        import core.precollections  # noqa: F401
        self.seen()

    def uow(self, write: bool = True) -> Any:
        from db.uow import SqlUnitOfWork
        return SqlUnitOfWork(self.engine, write=write)

    def seen(self, state: str = "pre") -> dict[int, Any]:
        """The list as the operator's screen read it: task number -> row (with its version)."""
        from core.precollections import read as reader
        from core.precollections.criteria import TaskFilter
        with self.uow(write=False) as u:
            rows = reader.task_page(u, self.collector, self.pid, TaskFilter(states=(state,)), AS_OF, limit=500)
        return {r.task: r for r in rows}

    def act(self, kind: str) -> Outcome:
        start = time.perf_counter()
        try:
            detail = getattr(self, f"do_{kind}")()
            out, message = "applied", ""
        except Exception as exc:  # every outcome is recorded; "error" fails the test
            out, message = _classify(exc)
            detail = {}
        return Outcome(self.proc, kind, out, message, time.perf_counter() - start, detail or {})

    def do_build(self) -> dict[str, Any]:
        from core import precollections as pc
        from core.precollections.criteria import Criteria
        crit = self.rnd.choice([Criteria(dunning_min=1), Criteria(age_min=60), Criteria(dunning_min=2, age_min=30)])
        with self.uow() as u:
            r = pc.add_tasks(u, self.collector, self.pid, crit, AS_OF)
        return {"run": r.run_id, "added": r.added, "returned": r.returned}

    def do_set(self) -> dict[str, Any]:
        from core import precollections as pc
        state = self.rnd.choice(["pre", "pre", "not_sent"])
        rows = self.seen(state)
        if not rows:
            raise _nothing("no tasks in the view")
        chosen = self.rnd.sample(sorted(rows), min(len(rows), self.rnd.randint(1, 4)))
        action = self.rnd.choice(["send-to-collections", "send-to-collections", "remove", "write-off"]
                                 if state == "pre" else ["remove-from-pending"])
        time.sleep(self.rnd.random() * 0.02)        # the operator thinks: others may act meanwhile
        with self.uow() as u:
            n = pc.set_action(u, self.collector, self.pid, action, AS_OF, tasks=chosen,
                              versions={t: rows[t].version for t in chosen})
        return {"tasks": chosen, "action": action, "count": n}

    def do_apply(self) -> dict[str, Any]:
        from core import precollections as pc
        rows = {**self.seen("pre"), **self.seen("not_sent")}
        versions = {t: r.version for t, r in rows.items() if r.action is not None}
        with self.uow() as u:
            r = pc.apply(u, self.supervisor, self.pid, AS_OF, confirmed=True, versions=versions, out_dir=self.out)
        return {"run": r.run_id, "journal": r.journal_id, "count": r.count,
                "lines": [(ln.count, ln.cents, ln.text) for ln in r.lines]}

    def _pending(self) -> list[str]:
        from core import external
        with self.uow(write=False) as u:
            rows = external.list_placements(u, self.supervisor, self.pid, AS_OF, ("pending",), limit=200)
        if not rows:
            raise _nothing("no external pending lines")
        return self.rnd.sample([r.line for r in rows], min(len(rows), self.rnd.randint(1, 3)))

    def do_approve(self) -> dict[str, Any]:
        from core import external
        lines = self._pending()
        with self.uow() as u:
            return {"lines": lines, **external.approve(u, self.supervisor, self.pid, AS_OF, lines, confirmed=True)}

    def do_deny(self) -> dict[str, Any]:
        from core import external
        lines = self._pending()
        with self.uow() as u:
            return {"lines": lines, **external.deny(u, self.supervisor, self.pid, AS_OF, lines, confirmed=True)}


def _nothing(why: str) -> Exception:
    from core.errors import Refused
    return Refused(f"nothing to do: {why}")


KINDS = ("build", "set", "set", "set", "apply", "apply", "approve", "deny")


def operator_main(url: str, pid: int, proc: int, actions: int, seed: int, start: Any, results: Any) -> None:
    """One operator process: wait for the start signal, then act `actions` times."""
    op = Operator(url, pid, proc, seed)
    plan = [op.rnd.choice(KINDS) for _ in range(actions)]
    if proc == 0:
        plan[0] = "build"
    op.warm()
    results.put("ready")
    start.wait()
    out = [op.act(kind) for kind in plan]
    op.engine.dispose()
    results.put(out)


def nightly_main(url: str, login: str, start: Any, results: Any) -> None:
    """`recoup nightly` for each night in order, as `login` (the worker, or an operator by hand)."""
    import tui.commands.context
    tui.commands.context.os_login = lambda: login   # this process runs as that system user
    from tui.cli import main
    from tui.commands import external, nightly, roster  # noqa: F401  (warm, as the operators are)
    out_dir = tempfile.mkdtemp(prefix="recoup-nightly-")
    results.put("ready")
    start.wait()
    codes = []
    for night in NIGHTS:
        try:
            codes.append((night.isoformat(), main(["--db", url, "--as-of", night.isoformat(), "nightly",
                                                   "--out", out_dir])))
        except BaseException as exc:  # recorded, the test fails on it
            codes.append((night.isoformat(), f"error: {exc!r}"))
    results.put([("nightly", login, codes)])


# ------------------------------------------------------------------------------------ the scenario

def run_concurrently(url: str, pid: int, procs: int = 8, actions: int = 10, seed: int = 1,
                     nightlies: tuple[str, ...] = ("nightly", ADMIN)) -> tuple[list[Outcome], list[Any], float]:
    """Operators in `procs` processes (spawn) and one nightly process per login in `nightlies`
    (two: the worker and a manual run racing for the same nights), all released at once.
    Returns (operator outcomes, nightly exit codes, seconds from release to the last result)."""
    ctx = mp.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    workers = [ctx.Process(target=operator_main, args=(url, pid, i, actions, seed * 1000 + i, start, results))
               for i in range(procs)]
    workers += [ctx.Process(target=nightly_main, args=(url, login, start, results)) for login in nightlies]
    for w in workers:
        w.start()
    got: list[Any] = []
    ready = 0
    while ready < len(workers):                         # every interpreter up and warm
        item = results.get(timeout=300)
        ready += item == "ready"
    t0 = time.perf_counter()
    start.set()
    for _ in workers:
        got.extend(results.get(timeout=300))
    elapsed = time.perf_counter() - t0
    for w in workers:
        w.join(timeout=60)
    outcomes = [o for o in got if isinstance(o, Outcome)]
    nights = [o for o in got if not isinstance(o, Outcome)]
    return outcomes, nights, elapsed


def run_serially(url: str, pid: int, procs: int = 8, actions: int = 10, seed: int = 1) -> tuple[list[Outcome], float]:
    """The same operators' plans, one action after another in this one process."""
    ops = [Operator(url, pid, i, seed * 1000 + i) for i in range(procs)]
    for op in ops:
        op.warm()
    plans = [[op.rnd.choice(KINDS) for _ in range(actions)] for op in ops]
    plans[0][0] = "build"
    t0 = time.perf_counter()
    out = [ops[i].act(plans[i][k]) for k in range(actions) for i in range(procs)]
    elapsed = time.perf_counter() - t0
    for op in ops:
        op.engine.dispose()
    return out, elapsed


# ------------------------------------------------------------------------------------------ checks

def check(url: str, pid: int, outcomes: list[Outcome], nightly: bool = True) -> list[str]:
    """Every way the database could be wrong after the scenario, as sentences (empty: whole)."""
    from sqlalchemy import text

    from core import verify
    from db.engine import make_engine
    from db.uow import SqlUnitOfWork
    problems = [f"proc {o.proc} {o.kind}: {o.message}" for o in outcomes if o.outcome == "error"]
    problems += [f"proc {o.proc} {o.kind}: {o.outcome} without a message" for o in outcomes
                 if o.outcome in ("refused", "conflict") and not o.message.strip()]
    engine = make_engine(url)
    with SqlUnitOfWork(engine, write=False) as u:
        problems += [p for c in verify.verify(u) for p in c.problems]
        s = u.session
        for o in (o for o in outcomes if o.kind == "apply" and o.outcome == "applied" and o.detail.get("run")):
            run = o.detail["run"]
            moved = s.execute(text("SELECT COUNT(*) FROM precollection_history WHERE run_id = :r"),
                              {"r": run}).scalar_one()
            if moved != o.detail["count"]:
                problems.append(f"apply run {run}: {o.detail['count']} tasks applied but {moved} history rows")
            if any(c for _n, c, _t in o.detail["lines"]) and o.detail["journal"] is None and \
                    any("collections" in t or "written off" in t.lower() for _n, _c, t in o.detail["lines"]):
                problems.append(f"apply run {run}: money moved without a journal")
        # every apply ever committed (also those whose caller we did not hear from): whole
        for run, summary in s.execute(text("SELECT id, summary FROM precollection_run WHERE kind = 'apply'")).all():
            want = sum(int(x["count"]) for x in json.loads(summary or "[]"))
            got = s.execute(text("SELECT COUNT(*) FROM precollection_history WHERE run_id = :r"),
                            {"r": run}).scalar_one()
            if want != got:
                problems.append(f"apply run {run}: summary says {want} tasks, history has {got}")
        # the nightly batches: one done claim and one recorded run per practice, kind and night
        batches = (("external", "external_run", "kind = 'nightly' AND "), ("roster", "roster_run", ""))
        for kind, table, extra in batches if nightly else ():
            for night in NIGHTS:
                claims = s.execute(text("SELECT COUNT(*), MIN(outcome) FROM run_lock WHERE practice_id = :p AND "
                                        "kind = :k AND business_date = :d"), {"p": pid, "k": kind, "d": night}).one()
                if tuple(claims) != (1, "done"):
                    problems.append(f"{kind} {night}: run claims {tuple(claims)}, not exactly one done")
                runs_ = s.execute(text(f"SELECT COUNT(*) FROM {table} WHERE practice_id = :p AND {extra}"
                                       "business_date = :d"), {"p": pid, "d": night}).scalar_one()
                if runs_ != 1:
                    problems.append(f"{kind} {night}: {runs_} recorded runs, not one")
    engine.dispose()
    return problems


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)] if ordered else 0.0
