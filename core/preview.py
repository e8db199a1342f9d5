"""The nightly preview (SPEC 14): what tonight's run would do, per practice and batch, writing nothing.

A preview runs the very batches the nightly runs, in the same order, on a unit of work that
rolls everything back (the caller hands one whose commits only flush). Nothing is estimated, so
a preview followed by the run agrees exactly, as long as nothing changes in between. A batch the
run would refuse (a date behind its latest run) is refused before it writes anything, so the
others' previews stand, as the nightly leaves their runs; any other failure ends the preview, as
it would end the run. (No savepoints: PostgreSQL's journal guard knows the transaction, not its
subtransactions.)

What it reports per batch: the tally (considered, taken by rule / state / status, left out by
reason, with dollars), the first examples, and the difference from the practice's previous run
of the same batch.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import external, roster, tallies
from core.errors import RecoupError
from core.practices import DuePractice
from core.runs import recorded
from core.security import Actor, require
from core.uow import UnitOfWork

EXAMPLES = 20


@dataclass(frozen=True)
class Change:
    """One group or reason, this run against the previous one."""
    side: str  # "taken" or "excluded"
    code: str
    count: int
    cents: int
    previous_count: int
    previous_cents: int

    @property
    def words(self) -> str:
        return tallies.reason_words(self.code) if self.side == "excluded" else self.code


@dataclass
class BatchPreview:
    practice: str
    kind: str  # "external" or "roster"
    status: str  # "would run", "already done", or why it would not run
    tally: tallies.TallyView | None = None
    previous: tallies.TallyView | None = None
    examples: list[dict[str, Any]] = field(default_factory=list)

    def changes(self) -> list[Change]:
        """Every group and reason in this run or the previous one, with both counts."""
        if self.tally is None:
            return []
        out = []
        for side in ("taken", "excluded"):
            now = {c.code: c for c in _side(self.tally, side)}
            before = {c.code: c for c in _side(self.previous, side)} if self.previous else {}
            for code in sorted(now.keys() | before.keys()):
                n, b = now.get(code), before.get(code)
                out.append(Change(side, code, n.count if n else 0, n.cents if n else 0,
                                  b.count if b else 0, b.cents if b else 0))
        return out


def _side(t: tallies.TallyView, side: str) -> list[tallies.Count]:
    return t.groups if side == "taken" else t.excluded


TALLY_OF = {"external": "external_run", "roster": "roster_populate"}


def preview_nightly(uow: UnitOfWork, actor: Actor, as_of: dt.date, due: list[DuePractice],
                    out_dir: Path) -> list[BatchPreview]:
    """Rehearse each due batch in `uow` (which must roll back: see the module's docstring);
    agency files go to `out_dir`, which the caller throws away."""
    require(actor, "supervisor", "preview the nightly run")
    return [_one(uow, actor, as_of, p, out_dir) for p in due]


def _one(uow: UnitOfWork, actor: Actor, as_of: dt.date, p: DuePractice, out_dir: Path) -> BatchPreview:
    out = BatchPreview(p.source_id, p.kind, "would run")
    if any(r.business_date == as_of and r.outcome == "done" for r in recorded(uow, p.id, p.kind, as_of)):
        out.status = "already done: the run would do nothing"
        return out
    try:
        if p.kind == "external":
            result: Any = external.run(uow, actor, p.id, as_of, out_dir)
            out.examples = external.examples(uow, result.run_id, EXAMPLES)
        else:
            result = roster.populate(uow, actor, p.id, as_of)
            out.examples = roster.populate_examples(uow, result.run_id, EXAMPLES)
    except RecoupError as exc:  # refused before it wrote anything (a date behind, a role)
        out.status = f"would not run: {exc.message}"
        return out
    out.tally = result.tally
    if out.tally is not None:
        out.previous = tallies.latest(uow, p.id, TALLY_OF[p.kind], before_id=out.tally.id)
    return out


def as_dict(b: BatchPreview) -> dict[str, Any]:
    return {"practice": b.practice, "batch": b.kind, "status": b.status,
            "tally": tallies.as_dict(b.tally) if b.tally else None,
            "previous_run": b.previous.id if b.previous else None,
            "previous_date": b.previous.business_date.isoformat() if b.previous else None,
            "changes": [{"side": c.side, "code": c.code, "count": c.count, "cents": c.cents,
                         "previous_count": c.previous_count, "previous_cents": c.previous_cents}
                        for c in b.changes()],
            "examples": b.examples}
