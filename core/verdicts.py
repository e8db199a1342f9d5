"""`recoup explain` (SPEC 14): the three workflows' verdicts on one guarantor or encounter.

The kernel's reasons come from core.explain; each workflow adds its own criteria through its
façade. This module only assembles them, so the command line and the dashboards show the same
answer; no workflow package imports it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from core import external, precollections, roster
from core.explain import Target, Verdict, find_target
from core.money import format_plain
from core.practices import find_practice, practice_by_id
from core.security import Actor
from core.uow import UnitOfWork


@dataclass
class Explained:
    practice: str
    guarantor: str
    encounter: str | None
    as_of: dt.date
    verdicts: list[Verdict]


def explain(uow: UnitOfWork, actor: Actor, practice: str | int | None, as_of: dt.date, *,
            guarantor: str | None = None, encounter: str | None = None) -> Explained:
    """Why each workflow may or may not take the guarantor's (or the encounter's) balance on `as_of`.
    `practice`: the practice system's id (the command line), or the database id (the dashboards)."""
    p = practice_by_id(uow, practice) if isinstance(practice, int) else find_practice(uow, practice)
    t: Target = find_target(uow, actor, p, as_of, guarantor=guarantor, encounter=encounter)
    verdicts = [precollections.explain_reasons(uow, t), external.explain_lines(uow, t), roster.explain_account(uow, t)]
    return Explained(p.source_id, t.guarantor.source_id, t.encounter.source_id if t.encounter else None, as_of,
                     verdicts)


def _value(value: object, money: bool) -> str | None:
    """A value as the edges show it: money as a decimal string, dates ISO, None as None."""
    if value is None:
        return None
    if money and isinstance(value, int) and not isinstance(value, bool):
        return format_plain(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def as_dict(x: Explained) -> dict[str, Any]:
    """The explanation as JSON-ready data (money as decimal strings, dates ISO)."""
    return {"practice": x.practice, "guarantor": x.guarantor, "encounter": x.encounter,
            "business_date": x.as_of.isoformat(),
            "workflows": [{"workflow": v.workflow, "takeable": v.takeable, "verdict": v.words, "note": v.note,
                           "reasons": [{"code": r.code, "words": r.words, "subject": r.subject,
                                        "actual": _value(r.actual, r.money), "threshold": _value(r.threshold, r.money),
                                        "passed": r.passed} for r in v.reasons]} for v in x.verdicts]}


def text_lines(x: Explained) -> list[str]:
    """The explanation as plain text: per workflow its verdict, then one line per reason."""
    target = f"encounter {x.encounter} (guarantor {x.guarantor})" if x.encounter else f"guarantor {x.guarantor}"
    out = [f"Explain {target}, practice {x.practice}, on {x.as_of.isoformat()}"]
    for v in x.verdicts:
        out += ["", f"{v.label}: {v.words.upper()}" + (f" ({v.note})" if v.note else "")]
        for r in v.reasons:
            mark = "ok " if r.passed else "NO "
            about = f"[{r.subject}] " if r.subject else ""
            out.append(f"  {mark} {r.code:<24} {about}{r.words}: {_value(r.actual, r.money) or '-'}"
                       f" (threshold {_value(r.threshold, r.money) or '-'})")
    return out
