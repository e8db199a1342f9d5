"""Checking the files against each other and the database, and planning what to write.

Every reference is a source id. A reference is good when the row it names is in an earlier file
of the same import or already in the database; the world checked against is "the database as it
will be after this import". Rows never move: an encounter keeps its guarantor and a line keeps its
encounter, because their balances and transactions are kept on those rows (a move would silently
re-home posted money). A source system that re-assigns them must use new ids.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any, Literal

from core.imports.columns import PROTECTION_COLUMNS
from core.imports.plan import Item, Plan, TableItems, TxnItem
from core.imports.reader import ParsedFile, Problems, Row
from core.imports.snapshot import Key, Snapshot, Wanted
from core.imports.world import EncounterFacts, Seen, World

# CSV column -> model column, where they differ.
RENAMED = {"amount": "amount_cents", "household_income": "household_income_cents"}
# What a blank (or absent) cell means for a column that cannot be NULL.
BLANK = {"returned_mail": False, "dunning_count": 0, "statements_sent": 0, "dunning_level": 0}


def wanted(files: dict[str, ParsedFile]) -> Wanted:
    """The source ids the files name, so only those rows are read from the database."""
    w = Wanted()
    targets = {"guarantor_id": w.guarantors, "encounter_id": w.encounters, "line_id": w.lines,
               "transaction_id": w.txns, "statement_id": w.statements}
    for parsed in files.values():
        values = [r.values for r in parsed.rows]
        for column in parsed.present & targets.keys():
            targets[column].update(map(itemgetter(column), values))
        for ids in targets.values():
            ids.discard(None)
    return w


def plan(files: dict[str, ParsedFile], snap: Snapshot, problems: Problems) -> Plan:
    world = _world_from(snap)
    result = Plan()
    steps: list[tuple[str, str, Callable[..., Any]]] = [
        ("practices.csv", "practice", _practices), ("guarantors.csv", "guarantor", _guarantors),
        ("encounters.csv", "encounter", _encounters), ("service_lines.csv", "line", _lines),
        ("statements.csv", "statement", _statements)]
    for name, entity, step in steps:
        if name in files:
            result.tables[entity] = step(files[name], snap, world, problems)
    if "transactions.csv" in files:
        result.txns = ("transactions.csv", _txns(files["transactions.csv"], snap, world, problems))
    return result


def _world_from(snap: Snapshot) -> World:
    w = World(practices=set(snap.practices))
    for key in snap.guarantors:
        w.guarantors.add(key)
        w.index("guarantor", key)
    for key, r in snap.encounters.items():
        w.encounters[key] = EncounterFacts((key[0], r["g_sid"]), r["dos"], r["case_id"])
        w.index("encounter", key)
    for key, r in snap.lines.items():
        w.lines[key] = (key[0], r["g_sid"])
    return w


def _data(row: Row, present: frozenset[str], columns: tuple[str, ...]) -> dict[str, Any]:
    """The row's values for the data columns its file has, under their model names."""
    return _data_of(present, columns)(row)


def _data_of(present: frozenset[str], columns: tuple[str, ...]) -> Callable[[Row], dict[str, Any]]:
    """`_data` for every row of one file: which columns it has is worked out once."""
    picked = [(c, RENAMED.get(c, c), BLANK.get(c)) for c in columns if c in present]

    def data(row: Row) -> dict[str, Any]:
        v = row.values
        return {name: blank if (value := v.get(column)) is None else value for column, name, blank in picked}
    return data


def _update(present: frozenset[str], columns: tuple[str, ...], *always: str) -> tuple[str, ...]:
    return tuple(RENAMED.get(c, c) for c in columns if c in present) + always


PRACTICE_DATA = ("address1", "address2", "city", "state", "zip", "phone", "remit_to")


def _practices(f: ParsedFile, snap: Snapshot, world: World, problems: Problems) -> TableItems:
    seen, items = Seen(f.name, problems), []
    data = _data_of(f.present, PRACTICE_DATA)
    for r in f.rows:
        sid = r.values["practice_id"]
        if seen.duplicate(sid, r.line, "practice_id"):
            continue
        row = {"source_id": sid, "name": r.values["name"], **data(r)}
        items.append(Item(sid, r.line, row, {}, snap.practices.get(sid)))
        world.practices.add(sid)
    return TableItems(f.name, items, ("name", *_update(f.present, PRACTICE_DATA)))


def _known_practice(f: ParsedFile, r: Row, world: World, problems: Problems) -> str | None:
    p = r.values["practice_id"]
    if p not in world.practices:
        problems.add(f.name, r.line, f"practice_id: unknown practice {p!r} (not in practices.csv nor in the database)")
        return None
    return p


GUARANTOR_DATA = ("kind", "name", "birth_date", "address1", "address2", "city", "state", "zip",
                  "phone", "billing_group", "returned_mail", *PROTECTION_COLUMNS)


def _guarantors(f: ParsedFile, snap: Snapshot, world: World, problems: Problems) -> TableItems:
    seen, items = Seen(f.name, problems), []
    data = _data_of(f.present, GUARANTOR_DATA)
    for r in f.rows:
        p = _known_practice(f, r, world, problems)
        if p is None:
            continue
        key = (p, r.values["guarantor_id"])
        if seen.duplicate(key, r.line, "guarantor_id"):
            continue
        row = {"source_id": key[1], **data(r)}
        items.append(Item(key, r.line, row, {"practice_id": p}, snap.guarantors.get(key)))
        world.guarantors.add(key)
        world.index("guarantor", key)
    return TableItems(f.name, items, _update(f.present, GUARANTOR_DATA))


ENCOUNTER_DATA = ("patient_name", "dos", "case_id", "statement_profile", "dunning_count", "statements_sent",
                  "insurance_status")


def _encounters(f: ParsedFile, snap: Snapshot, world: World, problems: Problems) -> TableItems:
    seen, items = Seen(f.name, problems), []
    data = _data_of(f.present, ENCOUNTER_DATA)
    for r in f.rows:
        p = _known_practice(f, r, world, problems)
        if p is None:
            continue
        key, g_key = (p, r.values["encounter_id"]), (p, r.values["guarantor_id"])
        if g_key not in world.guarantors:
            problems.add(f.name, r.line, f"guarantor_id: unknown guarantor {g_key[1]!r} in practice {p!r} "
                                         "(not in guarantors.csv nor in the database)")
            continue
        if seen.duplicate(key, r.line, "encounter_id"):
            continue
        old = snap.encounters.get(key)
        if old is not None and old["g_sid"] != g_key[1]:
            problems.add(f.name, r.line, f"guarantor_id: encounter {key[1]!r} belongs to guarantor "
                                         f"{old['g_sid']!r}; an encounter cannot move to another guarantor")
            continue
        row = {"source_id": key[1], **data(r)}
        items.append(Item(key, r.line, row, {"practice_id": p, "guarantor_id": g_key}, old))
        previous = world.encounters.get(key)
        case_id = row.get("case_id", previous.case_id if previous else None)
        world.encounters[key] = EncounterFacts(g_key, row["dos"], case_id)
        world.index("encounter", key)
    return TableItems(f.name, items, _update(f.present, ENCOUNTER_DATA))


LINE_DATA = ("dos", "procedure_code", "amount", "posted_date", "responsibility",
             "responsibility_date", "billing_group")


def _lines(f: ParsedFile, snap: Snapshot, world: World, problems: Problems) -> TableItems:
    seen, items = Seen(f.name, problems), []
    data = _data_of(f.present, LINE_DATA)
    for r in f.rows:
        eid = r.values["encounter_id"]
        try:
            p = world.locate("encounter", eid, r.values.get("practice_id"), f.name)
        except ValueError as exc:
            problems.add(f.name, r.line, f"encounter_id: {exc}")
            continue
        key, enc = (p, r.values["line_id"]), world.encounters[(p, eid)]
        if seen.duplicate(key, r.line, "line_id"):
            continue
        old = snap.lines.get(key)
        if old is not None and old["e_sid"] != eid:
            problems.add(f.name, r.line, f"encounter_id: line {key[1]!r} is on encounter {old['e_sid']!r}; "
                                         "a line cannot move to another encounter")
            continue
        row = {"source_id": key[1], **data(r), "case_id": enc.case_id}
        if row.get("dos") is None and (old is None or "dos" in f.present):
            row["dos"] = enc.dos  # a blank line DOS is the encounter's
        refs = {"practice_id": p, "encounter_id": (p, eid), "guarantor_id": enc.guarantor}
        items.append(Item(key, r.line, row, refs, old))
        world.lines[key] = enc.guarantor
    return TableItems(f.name, items, _update(f.present, LINE_DATA, "case_id"))


def _statements(f: ParsedFile, snap: Snapshot, world: World, problems: Problems) -> TableItems:
    seen, items = Seen(f.name, problems), []
    for r in f.rows:
        try:
            p = world.locate("guarantor", r.values["guarantor_id"], r.values.get("practice_id"), f.name)
        except ValueError as exc:
            problems.add(f.name, r.line, f"guarantor_id: {exc}")
            continue
        key, g_key, eid = (p, r.values["statement_id"]), (p, r.values["guarantor_id"]), r.values.get("encounter_id")
        refs: dict[str, Any] = {"practice_id": p, "guarantor_id": g_key, "encounter_id": None}
        if eid is not None:
            enc = world.encounters.get((p, eid))
            if enc is None:
                problems.add(f.name, r.line, f"encounter_id: unknown encounter {eid!r} in practice {p!r} "
                                             "(not in encounters.csv nor in the database)")
                continue
            if enc.guarantor != g_key:
                problems.add(f.name, r.line, f"encounter_id: encounter {eid!r} belongs to guarantor "
                                             f"{enc.guarantor[1]!r}, not {g_key[1]!r}")
                continue
            refs["encounter_id"] = (p, eid)
        if seen.duplicate(key, r.line, "statement_id"):
            continue
        row = {"source_id": key[1], **_data(r, f.present, ("date", "dunning_level"))}
        items.append(Item(key, r.line, row, refs, snap.statements.get(key)))
    refs_in_file = ("guarantor_id", "encounter_id") if "encounter_id" in f.present else ("guarantor_id",)
    return TableItems(f.name, items, _update(f.present, ("date", "dunning_level")), changeable_refs=refs_in_file)


def _txns(f: ParsedFile, snap: Snapshot, world: World, problems: Problems) -> list[TxnItem]:
    seen, items = Seen(f.name, problems), []
    for r in f.rows:
        v = r.values
        try:
            p = world.locate("guarantor", v["guarantor_id"], v.get("practice_id"), f.name)
        except ValueError as exc:
            problems.add(f.name, r.line, f"guarantor_id: {exc}")
            continue
        key, g_key = (p, v["transaction_id"]), (p, v["guarantor_id"])
        old = snap.txns.get(key)
        line_key = _txn_line(f, r, p, g_key, old, world, problems)
        if line_key is False or seen.duplicate(key, r.line, "transaction_id"):
            continue
        if old is not None and old["kind"] not in ("payment", "adjustment"):
            problems.add(f.name, r.line, f"transaction_id: {key[1]!r} is already used by a "
                                         f"{old['kind']} transaction in practice {p!r}")
            continue
        items.append(TxnItem(
            key, r.line, g_key, line_key, v["kind"], _kept(f, v, old, "source", "other"),
            v["amount"], v["date"], _kept(f, v, old, "adjustment_code", None), old))
    return items


def _kept(f: ParsedFile, v: dict[str, Any], old: dict[str, Any] | None, column: str, blank: Any) -> Any:
    """An optional column's value: from the file when it has the column, else as posted before."""
    if column in f.present:
        return blank if v.get(column) is None else v[column]
    return old[column] if old is not None else blank


def _txn_line(f: ParsedFile, r: Row, p: str, g_key: Key, old: dict[str, Any] | None,
              world: World, problems: Problems) -> Key | Literal[False] | None:
    """The line a transaction applies to (None: unapplied), or False after reporting a problem."""
    if "line_id" not in f.present:
        if old is None or old["l_sid"] is None:
            return None
        if old["g_sid"] != g_key[1]:
            problems.add(f.name, r.line, f"guarantor_id: transaction {old['source_id']!r} was posted on line "
                                         f"{old['l_sid']!r} of guarantor {old['g_sid']!r}; add a line_id column")
            return False
        return (p, old["l_sid"])
    sid = r.values.get("line_id")
    if sid is None:
        return None
    owner = world.lines.get((p, sid))
    if owner is None:
        problems.add(f.name, r.line, f"line_id: unknown line {sid!r} in practice {p!r} "
                                     "(not in service_lines.csv nor in the database)")
        return False
    if owner != g_key:
        problems.add(f.name, r.line, f"line_id: line {sid!r} belongs to guarantor {owner[1]!r}, not {g_key[1]!r}")
        return False
    return (p, sid)
