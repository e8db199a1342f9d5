"""Patient Collections -> Work Accounts, and one account's roster page.

Work Accounts is the roster by next contact date (none last), then status: the virtual table pages
it from SQL, so it opens at once however many accounts are in collections. From the list or the
account page the collector adds a note (next contact defaults to the practice's setting),
changes the status by hand (version-checked: if populate or a colleague moved the account since
it was read, the core refuses with who and when, and the screen reloads), or sets up a payment
plan. Opening an account with an active plan shows the plan alert when the settings ask for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Header, Static

from core import holds, roster
from core.money import format_display
from core.roster import read as roster_read
from core.roster.read import AccountView, RosterRow
from tui.keys import bindings
from tui.screens.base import RecoupScreen
from tui.screens.roster_dialogs import FormDialog, note_fields, plan_fields, status_fields
from tui.services import Services
from tui.widgets.footer import FitFooter
from tui.widgets.form import Field
from tui.widgets.progress import TaskProgress
from tui.widgets.vtable import PAGE, Column, VirtualTable


def _date(d: Any) -> str:
    return d.isoformat() if d else "-"


COLUMNS = [
    Column("id", "Id", 9, lambda r: r.source_id),
    Column("name", "Name", 17, lambda r: r.name),
    Column("status", "St", 3, lambda r: r.status),
    Column("days", "Days", 4, lambda r: str(r.days), right=True),
    Column("next", "Next contact", 12, lambda r: _date(r.next_contact)),
    Column("past_due", "Past due", 10, lambda r: format_display(r.past_due_cents), right=True),
    Column("balance", "Balance", 11, lambda r: format_display(r.balance_cents), right=True),
]


class RosterSource:
    """A RowSource over one roster view of one practice (called from the table's workers)."""

    def __init__(self, services: Services, practice_id: int, view: str, status: str | None) -> None:
        self.s, self.practice_id, self.view, self.status = services, practice_id, view, status

    def count(self) -> int:
        with self.s.uow() as u:
            return roster_read.roster_count(u, self.s.actor, self.practice_id, self.s.as_of, self.view, self.status)

    def page(self, *, after: Any = None, before: Any = None, offset: int | None = None,
             limit: int = PAGE) -> list[RosterRow]:
        with self.s.uow() as u:
            return roster_read.roster_page(u, self.s.actor, self.practice_id, self.s.as_of, self.view, self.status,
                                           after=after, before=before, offset=offset, limit=limit)

    def key(self, row: RosterRow) -> Any:
        return roster_read.row_key(row)

    def row_id(self, row: RosterRow) -> int:
        return row.id


@dataclass(frozen=True)
class Target:
    """The account an action is for, with the version the operator saw."""
    guarantor_id: int
    source_id: str
    version: int | None


class AccountActions:
    """Note, status change and plan set-up, for a screen that knows its target account."""

    services: Services
    app: Any

    def target(self) -> Target | None:
        raise NotImplementedError

    def changed(self) -> None:
        raise NotImplementedError

    def _codes(self) -> list[str]:
        with self.services.uow() as u:
            return [s.code for s in roster.statuses(u, self.app.practice.id)]

    def _settings_days(self) -> int | None:
        with self.services.uow() as u:
            cfg = roster.settings(u, self.app.practice.id)
        return cfg.next_contact_days if cfg else None

    def _ask(self, title: str, fields: Any, act: Callable[..., Any],
             said: Callable[[Any], str], confirmable: bool = False, **dialog: Any) -> None:
        """One dialog about the target account: `act(uow, values)` runs the use case in a write
        transaction (`act(uow, values, confirmed)` when it may warn first); on success
        `said(result)` is the notice and the list is read again."""
        s = self.services

        def submit(v: dict[str, Any], ok: bool) -> Any:
            with s.uow(write=True) as u:
                return act(u, v, ok) if confirmable else act(u, v)

        def done(result: Any) -> None:
            if result is not None:
                self.app.notify(said(result))
                self.changed()
        self.app.push_screen(FormDialog(title, fields, submit, **dialog), done)

    def action_note(self) -> None:
        t = self.target()
        if t is None:
            return
        s = self.services
        self._ask(f"Note on {t.source_id}", note_fields(self._settings_days()),
                  lambda u, v: roster.add_note(u, s.actor, t.guarantor_id, v["text"], s.as_of, v["next_contact"]),
                  lambda note: f"Note added to {t.source_id}; next contact {note.next_contact}.",
                  on_conflict=self.changed)

    def action_move(self) -> None:
        t = self.target()
        if t is None:
            return
        s = self.services
        self._ask(f"Change the status of {t.source_id}", status_fields(self._codes()),
                  lambda u, v: roster.change_status(u, s.actor, t.guarantor_id, v["status"], s.as_of,
                                                    expected_version=t.version),
                  lambda ra: f"{t.source_id} is now in status {ra.status_code}.", on_conflict=self.changed)

    def action_plan(self) -> None:
        t = self.target()
        if t is None:
            return
        s = self.services
        self._ask(f"Payment plan for {t.source_id}", plan_fields(),
                  lambda u, v, ok: roster.set_plan(u, s.actor, t.guarantor_id, v["amount"], v["every_days"],
                                                   v["start"], s.as_of, non_delinquent=v["non_delinquent"],
                                                   default_status=v["default_status"], confirmed=ok),
                  lambda plan: f"Payment plan set up for {t.source_id}: {format_display(plan.amount_cents)} "
                               f"every {plan.every_days} days.",
                  confirmable=True, values={"start": s.as_of.isoformat()})

    def action_call(self) -> None:
        """Log a call (SPEC 15.2): a call Regulation F warns about shows the warning first; Save &
        Continue records it, flagged."""
        t = self.target()
        if t is None:
            return
        from core import contacts
        s = self.services

        def submit(v: dict[str, Any], ok: bool) -> Any:
            with s.uow(write=True) as u:
                return contacts.log_call(u, s.actor, self.app.practice.id, t.source_id, v["outcome"], s.as_of,
                                         note=v.get("note"), confirmed=ok)

        def done(c: Any) -> None:
            if c is not None:
                self.app.notify(f"Call logged for {t.source_id}: {c.outcome}"
                                + (f" (flagged: {c.flags})" if c.flags else ""))
                self.changed()
        self.app.push_screen(FormDialog(f"Log a call to {t.source_id}", CALL_FIELDS, submit,
                                        hint="The time is now; calls are counted in the guarantor's time zone."),
                             done)

    def action_hold(self) -> None:
        """Place a hold on the account: it stays in its status and its days in status stop."""
        t = self.target()
        if t is None:
            return
        from tui.screens.holds import hold_fields, placed_message
        s = self.services
        self._ask(f"Place a hold on {t.source_id}", hold_fields(t.source_id),
                  lambda u, v: holds.place_hold(u, s.actor, self.app.practice.id, v["kind"], v["reason"], s.as_of,
                                                guarantor=t.source_id, start=v["start"], end=v["end"]),
                  placed_message,
                  hint="Collectors: dispute or promise, at most 30 days, back-dated at most 30 days.")


CALL_FIELDS = [Field("outcome", "Outcome", "choice", required=True,
                     choices=("no_answer", "left_message", "wrong_number", "conversation"),
                     placeholder="no_answer left_message wrong_number conversation"),
               Field("note", "Note", max_length=500)]


class RosterListScreen(AccountActions, RecoupScreen):
    """A roster list on the virtual table: Work Accounts and the reports build on it."""

    VIEW = "work"
    TITLE_TEXT = "Work Accounts"
    NOUN = "accounts"
    DEFAULT_CSS = """
    RosterListScreen #list-status { height: 1; padding: 0 1; background: $panel; }
    RosterListScreen #list-hint { height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.status: str | None = None
        self.view = self.VIEW

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="list-status", markup=False)
        yield Static(self.hint(), id="list-hint", markup=False)
        yield VirtualTable(COLUMNS, id="roster-table")
        yield TaskProgress()
        yield FitFooter()

    def hint(self) -> str:
        return "Enter opens the account"

    @property
    def table(self) -> VirtualTable:
        return self.query_one(VirtualTable)

    def on_mount(self) -> None:
        super().on_mount()
        self.sub_title = f"{self.TITLE_TEXT} · {self.practice.name}"
        self.table.focus()
        self.reload()

    def on_screen_resume(self) -> None:
        """Back from an account or a dialog: read again (it may have moved), keep the selection."""
        if self.table.source is not None:
            self.reload(keep_selection=True)

    def reload(self, keep_selection: bool = False) -> None:
        self.query_one(TaskProgress).start(f"Reading {self.TITLE_TEXT}")
        self.table.load(RosterSource(self.services, self.practice.id, self.view, self.status), keep_selection)
        self.show_status()

    def show_status(self) -> None:
        t = self.table
        count = "reading…" if t.loading else f"{t.total:,} {self.NOUN}"
        selected = t.selection.count(t.total)
        parts = [self.practice.name, count, f"status {self.status or 'all'}"]
        if self.view == "due":
            parts.append(f"due by {self.services.as_of}")
        if selected:
            parts.append(f"{selected:,} selected")
        self.query_one("#list-status", Static).update(" · ".join(parts))

    def on_virtual_table_loaded(self, event: VirtualTable.Loaded) -> None:
        self.query_one(TaskProgress).stop()
        self.show_status()

    def on_virtual_table_selection_changed(self, event: VirtualTable.SelectionChanged) -> None:
        self.show_status()

    def on_virtual_table_row_chosen(self, event: VirtualTable.RowChosen) -> None:
        self.app.push_screen(AccountScreen(event.row.id))

    def target(self) -> Target | None:
        row = self.table.current_row
        if row is None:
            self.app.notify("No account is highlighted.")
            return None
        return Target(row.id, row.source_id, row.version)

    def changed(self) -> None:
        self.reload()

    def action_open(self) -> None:
        self.table.action_choose()

    def action_refresh(self) -> None:
        self.reload()

    def action_filter(self) -> None:
        def chosen(code: str | None) -> None:
            if code is not None:
                self.status = code or None
                self.reload()

        def submit(v: dict[str, Any], _: bool) -> str:
            return v["status"] or ""
        fields = status_fields(self._codes())
        fields[0] = type(fields[0])("status", "Status", "code", max_length=3,
                                    placeholder=fields[0].placeholder + " (blank: all)")
        self.app.push_screen(FormDialog("Show one status", fields, submit, values={"status": self.status or ""}),
                             chosen)

    def chosen_ids(self) -> list[int] | None:
        """The selected rows' ids, or the highlighted row's; None when there is none."""
        t = self.table
        sel = t.selection
        if sel.all_matching or sel.ids:
            if not sel.all_matching:
                return sorted(sel.ids)
            with self.services.uow() as u:
                ids = roster_read.roster_ids(u, self.services.actor, self.practice.id, self.services.as_of,
                                             self.view, self.status)
            return [i for i in ids if i not in sel.ids]
        row = t.current_row
        return None if row is None else [row.id]


class WorkAccountsScreen(RosterListScreen):
    TITLE_TEXT = "Work Accounts"
    BINDINGS = bindings(("roster.filter", "filter"), ("roster.due", "due"), ("roster.note", "note"),
                        ("roster.move", "move"), ("roster.plan", "plan"), ("dashboard.hold", "hold"),
                        ("roster.call", "call"), ("roster.refresh", "refresh"))

    def hint(self) -> str:
        return "Enter opens · n note · c call · m status · p plan · h hold · f status · d due"

    def action_due(self) -> None:
        self.view = "work" if self.view == "due" else "due"
        self.reload()


class AccountScreen(AccountActions, RecoupScreen):
    """One account in the roster: status, plan, history, notes and letters."""

    TITLE_TEXT = "Collection account"
    BINDINGS = bindings(("roster.note", "note"), ("roster.move", "move"), ("roster.plan", "plan"),
                        ("dashboard.hold", "hold"), ("roster.call", "call"), ("roster.refresh", "refresh"))

    def __init__(self, guarantor_id: int) -> None:
        super().__init__()
        self.guarantor_id = guarantor_id
        self.view: AccountView | None = None
        self._alerted = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield VerticalScroll(Static("Loading…", id="account-text", markup=False), id="account-scroll")
        yield FitFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#account-scroll").focus()
        self.reload()

    def reload(self) -> None:
        s, gid = self.services, self.guarantor_id

        def read() -> None:
            from core import contacts
            try:
                with s.uow() as u:
                    view = roster_read.account_view(u, s.actor, gid)
                    log = contacts.contact_log(u, s.actor, self.app.practice.id, view.source_id, s.as_of, limit=20)
            except Exception as exc:
                self.app.call_from_thread(self.query_one("#account-text", Static).update, f"Could not read: {exc}")
                return
            self.app.call_from_thread(self.show, view, log)

        self.run_worker(read, thread=True, group="account", exclusive=True, exit_on_error=False)

    def show(self, view: AccountView, log: list[Any] | None = None) -> None:
        self.view = view
        self.sub_title = f"{view.name} ({view.source_id})"
        self.query_one("#account-text", Static).update("\n".join([*account_lines(view, full=True),
                                                                  *contact_lines(log or [])]))
        if view.alert and not self._alerted:
            self._alerted = True
            self.app.notify(view.alert, title="Payment plan alert", severity="warning", timeout=10)

    def target(self) -> Target | None:
        v = self.view
        if v is None:
            return None
        return Target(v.guarantor_id, v.source_id, v.account.version if v.account else None)

    def changed(self) -> None:
        self.reload()

    def action_refresh(self) -> None:
        self.reload()


def contact_lines(log: list[Any]) -> list[str]:
    """The contact log (SPEC 15.2): calls with their outcomes and printed letters, newest first."""
    if not log:
        return ["", "Contacts: none"]
    return ["", "Contacts (calls; letters as mail):",
            *(f"  {c.date} {c.kind:<10} {c.outcome[:40]}" + (f"  [flagged: {c.flags}]" if c.flags else "")
              + (f"  {c.operator}" if c.operator else "") for c in log)]


def account_lines(v: AccountView, full: bool = False) -> list[str]:
    """The account's roster story in lines of text (also the Patient dashboard's Collections tab)."""
    ra = v.account
    lines = [f"{v.name} [{v.source_id}]"] if full else []
    if v.alert:
        lines.append(f"ALERT: {v.alert}")
    if ra is None:
        lines.append("Collection roster: not in the roster (never entered)")
    elif ra.turned_over:
        lines.append(f"Collection roster: TURNED OVER to the agency on {ra.turned_over_date} "
                     f"(last status {ra.prev_status or '-'})")
    elif not ra.active:
        lines.append(f"Collection roster: not in the roster now (left {_date(ra.left_date)}, episode {ra.episode})")
    else:
        lines.append(f"Collection roster: status {ra.status_code} {v.description} since {ra.status_since} "
                     f"(episode {ra.episode}, entered {ra.entered_date})")
        lines.append(f"  Past due {format_display(ra.past_due_cents)} · next contact {_date(ra.next_contact)}"
                     f" · last changed by {ra.changed_by or '-'} · version {ra.version}")
    if v.plan is not None:
        p = v.plan
        kind = "Collection" if p.kind == "collection" else "Non-delinquent"
        lines.append(f"  {kind} payment plan: {format_display(p.amount_cents)} every {p.every_days} days from "
                     f"{p.start_date}" + (f", defaults to status {p.default_status}" if p.default_status else ""))
    lines.append("Roster history:" if v.history else "Roster history: none")
    for h in v.history[: None if full else 8]:
        move = f"{h.from_status or '(out)'} -> {h.to_status or '(out)'}"
        lines.append(f"  {h.business_date} {move:<13} {h.reason.replace('_', ' ')} by {h.operator}")
    if full:
        lines.append("Notes:" if v.notes else "Notes: none")
        for n in v.notes:
            nxt = f" (next contact {n.next_contact})" if n.next_contact else ""
            lines.append(f"  {n.business_date} {n.operator}: {n.text}{nxt}")
        lines.append("Letters:" if v.letters else "Letters: none")
        for x in v.letters:
            printed = f"printed {x['printed']}" if x["printed"] else "NOT PRINTED yet"
            lines.append(f"  status {x['status']}: {x['letter']} · queued {x['queued']} · {printed}")
        lines.append("")
        lines.append("n note · m change status · p payment plan · Esc back")
    return lines


def roster_section(uow: Any, actor: Any, guarantor_id: int) -> tuple[list[str], str | None]:
    """The Patient dashboard's roster lines and plan alert (read inside the dashboard's worker)."""
    view = roster_read.account_view(uow, actor, guarantor_id, limit=8)
    return account_lines(view), view.alert
