"""Which lines the roster collects: open, collectable, not suppressed, and (for populate) delinquent.

Why a module of its own: "which lines are delinquent" must mean the same thing in populate, the
reports and turnover. The cross-workflow parts (the aging anchor, the open guarantor line, one
balance one workflow) come from core.eligibility; what is the roster's own is billing-group
suppression (by transaction or by account) and the delinquency cut-off.
"""

from __future__ import annotations

from core.eligibility import Rules, aging_anchor, collectable, free_for, of_line, open_guarantor_line


def open_guarantor_lines(suppress_by: str, line: str = "l", elig: Rules | None = None, agency: bool = False,
                         guard: bool = True) -> str:
    """WHERE conditions for a guarantor's open lines the roster may collect (any age).

    Parameter :p is the practice. A line another workflow holds, or with a balance in
    collections, is not the roster's to chase (SPEC 2). By-transaction suppression drops lines
    whose own billing group suppresses collections. With `elig` (its params added by the caller),
    nothing SPEC 14 forbids (`agency`: the income exemption too, for turnover) unless `guard` is
    off (Explain, which reports those reasons itself, line by line).
    """
    conds = [f"{line}.practice_id = :p", open_guarantor_line(line), *free_for("roster", of_line(line)),
             *(collectable("roster", of_line(line), elig, agency) if elig and guard else [])]
    if suppress_by == "transaction":
        conds.append(f"""({line}.billing_group IS NULL OR {line}.billing_group NOT IN
                         (SELECT bg.code FROM billing_group bg WHERE bg.practice_id = :p
                          AND bg.suppress_collections = TRUE))""")
    return " AND ".join(conds)


def delinquent_lines(basis: str, suppress_by: str, line: str = "l", elig: Rules | None = None,
                     agency: bool = False, guard: bool = True) -> str:
    """WHERE conditions for delinquent lines: open, collectable (unless not `guard`), aged on or
    before :cutoff (held days not counted)."""
    return (f"{open_guarantor_lines(suppress_by, line, elig, agency, guard)} "
            f"AND {aging_anchor(basis, line, elig)} <= :cutoff")


def account_suppressed(guarantor: str = "g") -> str:
    """True when the guarantor's own billing group suppresses collections (by-account mode)."""
    return f"""({guarantor}.billing_group IS NOT NULL AND {guarantor}.billing_group IN
               (SELECT bg.code FROM billing_group bg WHERE bg.practice_id = {guarantor}.practice_id
                AND bg.suppress_collections = TRUE))"""
