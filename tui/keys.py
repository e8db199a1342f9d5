"""The keyboard contract as data: every action id, its keys, its footer label, its fallbacks.

Screens build their bindings from here (`bindings("guarantors.sort", ...)`), never from literal key
strings, so one table says what every key does, the F1 help lists it, and an operator can remap any
action in a TOML file:

    # ~/.config/recoup/keys.toml   (or the file named by RECOUP_KEYS)
    [keys]
    "guarantors.sort" = "o"
    "app.help" = "f1,question_mark"

Terminals differ in what they send for Alt+letter (some send Esc+letter, Caps Lock makes it
Alt+Shift, some send nothing), so every Alt binding also answers to its Alt+Shift twin and to a
plain fallback key; the footer shows all of them. The F-keys and Ctrl are dependable everywhere.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from textual.binding import Binding, BindingType

ENV_KEYS = "RECOUP_KEYS"


@dataclass(frozen=True)
class KeyAction:
    id: str                    # stable id, the name used in keys.toml and by App.set_keymap
    keys: str                  # primary keys, comma separated, Textual key names
    label: str                 # short footer label
    description: str           # one line for the F1 help screen
    fallback: str = ""         # plain keys that also work (required for every Alt binding)
    show: bool = True          # in the footer (everything is on F1 regardless)
    priority: bool = False

    @property
    def all_keys(self) -> str:
        return ",".join(k for k in (self.keys, self.fallback) if k)


def _alt(letter: str, fallback: str) -> tuple[str, str]:
    return f"alt+{letter},alt+shift+{letter}", fallback


_ADD, _UPDATE, _REMOVE = _alt("d", "insert"), _alt("u", "enter"), _alt("r", "delete")

KEYMAP: dict[str, KeyAction] = {a.id: a for a in [
    # everywhere
    KeyAction("app.help", "f1", "Help", "List every key of this screen", show=True),
    KeyAction("app.palette", "ctrl+p", "palette", "Open any screen by name (command palette)",
              priority=True),
    KeyAction("app.menu", "f10", "Menu", "Back to the main menu"),
    KeyAction("app.find", "ctrl+f", "Find", "Find a guarantor or encounter by id or name"),
    KeyAction("app.quit", "ctrl+q", "Quit", "Leave Recoup", show=False),
    KeyAction("screen.cancel", "escape", "Cancel", "Close this screen or dialog without saving",
              fallback="f12"),
    KeyAction("screen.save", "f2", "Save", "Save (forms, dialogs, Apply Action)"),
    # admin tables (Alt keys with their twins and plain fallbacks)
    KeyAction("table.add", _ADD[0], "Add", "Add a row", fallback=_ADD[1]),
    KeyAction("table.update", _UPDATE[0], "Update", "Update the selected row", fallback=_UPDATE[1]),
    KeyAction("table.remove", _REMOVE[0], "Remove", "Remove the selected row (asks first)",
              fallback=_REMOVE[1]),
    # main menu
    KeyAction("menu.practice", "ctrl+o", "Practice", "Choose the practice to work in"),
    KeyAction("menu.open", "enter", "Open", "Open the highlighted screen"),
    # guarantor list
    KeyAction("guarantors.open", "enter", "Open", "Open the highlighted guarantor's dashboard"),
    KeyAction("guarantors.filter", "f", "Filter", "Filter the list (name or id, balances, kind)",
              fallback="f3"),
    KeyAction("guarantors.clear_filter", "x", "Clear", "Clear the filter", show=False),
    KeyAction("guarantors.sort", "s", "Sort", "Sort by the next column", fallback="f6"),
    KeyAction("guarantors.reverse", "r", "Reverse", "Reverse the sort order", fallback="f7"),
    KeyAction("table.toggle", "space", "Select", "Select or unselect the highlighted row"),
    KeyAction("table.select_all", "ctrl+a", "All", "Select every row matching the filter"),
    KeyAction("table.select_none", "ctrl+n", "None", "Unselect every row", show=False),
    # dashboards
    KeyAction("dashboard.tab_next", "tab", "Next tab", "Next section", show=False),
    KeyAction("dashboard.encounters", "1", "Encounters", "Show the guarantor's encounters"),
    KeyAction("dashboard.lines", "1", "Lines", "Show the encounter's service lines"),
    KeyAction("dashboard.transactions", "2", "Txns", "Show the transactions"),
    KeyAction("dashboard.statements", "3", "Statements", "Show the statements and dunning"),
    KeyAction("dashboard.collections", "4", "Collections", "Show the collection state and history"),
    KeyAction("dashboard.open", "enter", "Open", "Open the highlighted encounter"),
    KeyAction("dashboard.guarantor", "g", "Guarantor", "Open this encounter's guarantor"),
    # Collections Management dashboard
    KeyAction("cm.type", "t", "Type", "Next Type: Pre-Collections, In Collections/Not Sent, In Collections/Sent"),
    KeyAction("cm.by", "b", "By", "By Count or by Dollars"),
    KeyAction("cm.graph", "g", "Graph", "Graph the next breakdown: days in state, aging, dunning, statements"),
    KeyAction("cm.open", "enter", "Open list", "Open the Pre-Collections list filtered to the highlighted number"),
    KeyAction("cm.refresh", "f5", "Refresh", "Compute the figures again"),
    # find
    KeyAction("find.open", "enter", "Open", "Open the highlighted match"),
    KeyAction("find.focus_results", "down", "Results", "Move from the search box to the results",
              show=False),
    # Pre-Collections (Statements > Statement/Invoice Management Dashboard > Collections Management)
    KeyAction("pc.add", "a", "Add", "Add Pre-Collection Tasks: build or rebuild the list (F2 saves)",
              fallback="f4"),
    KeyAction("pc.filter", "f", "Filter", "Filter what is displayed: balances, escrow, age, dunning, profile, "
              "guarantor, state", fallback="f3"),
    KeyAction("pc.clear_filter", "x", "Clear", "Clear the filter (keeps the view)", show=False),
    KeyAction("pc.set_action", "t", "Action", "Set an action on the selected tasks (or the highlighted one)",
              fallback="f5"),
    KeyAction("pc.apply", "f2", "Apply", "Apply Action: every task with the action set, after a warning"),
    KeyAction("pc.spreadsheet", "s", "File", "Create spreadsheet of an agency's Not Sent items", fallback="f6"),
    KeyAction("pc.explain", "e", "Explain", "Why the highlighted encounter is or is not on the list",
              fallback="f7"),
    KeyAction("pc.view_pre", "1", "Pre", "Show the Pre-Collections view", show=False),
    KeyAction("pc.view_not_sent", "2", "Not Sent", "Show the In Collections/Not Sent view", show=False),
    KeyAction("pc.view_sent", "3", "Sent", "Show the In Collections/Sent view", show=False),
    KeyAction("pc.choose", "enter", "Choose", "Choose the highlighted item"),
    KeyAction("dashboard.to_collections", "t", "To Coll.",
              "To Collections: send this encounter to In Collections/Not Sent (after a warning)"),
    KeyAction("dashboard.select_action", "a", "Action",
              "Select Action: Send to Collections (all of this patient's open encounters)"),
    # Patient collections roster (Work Accounts, reports, populate, letters, turnover)
    KeyAction("roster.run", "f2", "Run", "Run it: populate, print letters, turn over (asks first)"),
    KeyAction("roster.filter", "f", "Filter", "Show one status only (blank: every status)", fallback="f3"),
    KeyAction("roster.due", "d", "Due", "Only accounts due for contact by the business date (again: all)"),
    KeyAction("roster.open", "enter", "Open", "Open the highlighted account"),
    KeyAction("roster.note", "n", "Note", "Add a note (next contact defaults to the setting)", fallback="f4"),
    KeyAction("roster.move", "m", "Status", "Change the account's collection status", fallback="f5"),
    KeyAction("roster.plan", "p", "Plan", "Set up a payment plan", fallback="f6"),
    KeyAction("roster.approve", "a", "Approve", "Approve the selected (or highlighted) accounts for the agency"),
    KeyAction("roster.send_back", "b", "Send back", "Send the selected (or highlighted) accounts back to a status"),
    KeyAction("roster.refresh", "ctrl+r", "Reload", "Read the list again", show=False),
    # holds (SPEC 14): the Holds list, and "h" on the dashboards and Work Accounts
    KeyAction("holds.add", "a", "Add", "Place a hold on a guarantor or an encounter", fallback="f4"),
    KeyAction("holds.release", "r", "Release", "Release the highlighted hold (it ends early)", fallback="f5"),
    KeyAction("holds.filter", "f", "Filter", "Filter by kind, state, ending within N days", fallback="f3"),
    KeyAction("holds.clear_filter", "x", "Clear", "Clear the filter", show=False),
    KeyAction("holds.open", "enter", "Open", "Open the highlighted hold's guarantor"),
    KeyAction("dashboard.hold", "h", "Hold", "Place a hold: collecting pauses, the days do not age"),
    KeyAction("dashboard.release", "r", "Release", "Release one of this account's holds (it ends early)"),
    KeyAction("dashboard.explain", "e", "Explain", "Why each workflow may or may not take this balance"),
    # compliance (SPEC 15): calls on Work Accounts, financial assistance
    KeyAction("roster.call", "c", "Call", "Log a call and its outcome (Regulation F warnings ask first)"),
    KeyAction("fap.add", "a", "Add", "Record a financial-assistance application", fallback="f4"),
    KeyAction("fap.decide", "d", "Decide", "Approve (with a discount) or deny the highlighted application",
              fallback="f5"),
    KeyAction("fap.view", "v", "View", "Next view: applications, refunds due, reversal worklist", fallback="f6"),
    KeyAction("fap.missing", "m", "Missing info", "Ask for what the highlighted application lacks: queues its "
              "missing-information letter (printed with Print Collection Letters)", fallback="f7"),
    KeyAction("fap.complete", "c", "Complete", "The highlighted application's missing information arrived",
              fallback="f8"),
    KeyAction("admin.next_tab", "f8", "Next tab", "Next Collections Admin tab", fallback="ctrl+right"),
    KeyAction("admin.prev_tab", "f7", "Prev tab", "Previous Collections Admin tab", fallback="ctrl+left", show=False),
    # External Collections work screens: Pending, Posted, Files (SPEC 5)
    KeyAction("ext.approve", "a", "Approve", "Pending: post the selected (or highlighted) lines to external "
              "collections, after a warning"),
    KeyAction("ext.deny", "d", "Deny", "Pending: deny the selected lines (back to A/R; re-aged if the rule is on)"),
    KeyAction("ext.assign", "g", "Agency", "Pending: assign or change the agency of the selected lines"),
    KeyAction("ext.reverse", "v", "Reverse", "Posted: reverse the selected lines back to active A/R"),
    KeyAction("ext.reassign", "g", "Reassign", "Posted: reassign the selected lines to another agency"),
    KeyAction("ext.create_file", "c", "Create", "Files: create the highlighted agency's file of its posted lines"),
    KeyAction("ext.preview", "p", "Preview", "Files: the rows of the highlighted agency's next file, or of the "
              "highlighted batch"),
    KeyAction("ext.mark_sent", "m", "Sent", "Files: mark the highlighted batch as sent to its agency"),
    KeyAction("ext.import", "i", "Import", "Files: import an agency's file (returns, ack or sync) from its path; "
              "returns show a preview with counts and dollars and post on Save & Continue (F2)"),
    KeyAction("ext.run", "f9", "Run", "Run external collections now for the business date (asks first)"),
    KeyAction("ext.reload", "ctrl+r", "Reload", "Read the list again", show=False),
    KeyAction("ext.view_pending", "1", "Pending", "Show the Pending work screen", show=False),
    KeyAction("ext.view_posted", "2", "Posted", "Show the Posted work screen", show=False),
    KeyAction("ext.view_files", "3", "Files", "Show the Files work screen", show=False),
    # Admin: the audit viewer (issue 8)
    KeyAction("audit.filter", "f", "Filter", "Filter the trail: operator, record id, action, dates", fallback="f3"),
    KeyAction("audit.clear_filter", "x", "Clear", "Clear the filter", show=False),
    KeyAction("audit.open", "enter", "Detail", "The highlighted entry in full, with before and after"),
    KeyAction("audit.reload", "ctrl+r", "Reload", "Read the trail again", show=False),
    # batch runs, their tallies and the nightly preview (SPEC 14)
    KeyAction("runs.open", "enter", "Tally", "Open the highlighted run's tally: taken by group, left out by reason"),
    KeyAction("runs.kind", "k", "Kind", "Show one kind of batch; again: the next kind, then every kind"),
    KeyAction("runs.preview", "p", "Preview", "Nightly preview: what tonight's run would do, writing nothing"),
    KeyAction("runs.reload", "ctrl+r", "Reload", "Read the list again", show=False),
    KeyAction("tally.accounts", "enter", "Accounts", "Open the accounts the highlighted reason left out"),
    KeyAction("tally.guarantor", "enter", "Open", "Open the highlighted account's guarantor"),
    KeyAction("runs.last_tally", "ctrl+t", "Tally", "The tally of the batch last run here: taken, left out by "
              "reason, each reason's accounts"),
    KeyAction("preview.again", "f5", "Again", "Rehearse the nightly run again (writes nothing)"),
    # validation warning
    KeyAction("warning.continue", "f2", "Save & Continue", "Go ahead with everything listed",
              fallback="enter"),
]}


def load_overrides(path: Path | None = None) -> dict[str, str]:
    """Action id -> keys from the user's keys.toml; unknown ids are reported, not ignored."""
    path = path or _default_path()
    if not path.is_file():
        return {}
    import tomllib  # only when there is a file: its parser is not free at start-up

    with path.open("rb") as f:
        data = tomllib.load(f)
    table = data.get("keys", data)
    unknown = sorted(k for k in table if k not in KEYMAP)
    if unknown:
        raise ValueError(f"{path}: unknown key action(s): {', '.join(unknown)}")
    bad = sorted(k for k, v in table.items() if not isinstance(v, str) or not v.strip())
    if bad:
        raise ValueError(f"{path}: keys must be text like \"f5,ctrl+r\": {', '.join(bad)}")
    return {k: v.replace(" ", "") for k, v in table.items()}


def _default_path() -> Path:
    env = os.environ.get(ENV_KEYS)
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "recoup" / "keys.toml"


def key_display(keys: str) -> str:
    """Short footer text for a key list: "alt+d,alt+shift+d,insert" -> "A-d/Ins".

    Alt bindings show their plain fallback too (the terminal may not send Alt); other keys
    show only the first key, to fit an 80-column footer (F1 lists them all).
    """
    if "alt+" not in keys:
        keys = keys.split(",")[0]
    names = {"insert": "Ins", "delete": "Del", "enter": "Enter", "escape": "Esc", "space": "Space",
             "pageup": "PgUp", "pagedown": "PgDn"}
    shown: list[str] = []
    for key in keys.split(","):
        if key.startswith("alt+shift+"):
            continue  # the twin is implied by A-x on the footer; F1 lists it in full
        if key.startswith("alt+"):
            shown.append(f"A-{key[4:]}")
        elif key.startswith("ctrl+"):
            shown.append(f"^{key[5:]}")
        else:
            shown.append(names.get(key, key.upper() if key.startswith("f") and key[1:].isdigit() else key))
    return "/".join(shown)


def keys_of(action_id: str, overrides: Mapping[str, str] | None = None) -> str:
    """The keys an action answers to once the user's keys.toml is applied (comma separated)."""
    return (overrides or {}).get(action_id) or KEYMAP[action_id].all_keys


def first_key(action_id: str, overrides: Mapping[str, str] | None = None) -> str:
    """The first key of an action, readable ("Ctrl+P"), for hints written in a sentence."""
    return describe(keys_of(action_id, overrides).split(",")[0])


def binding(action_id: str, action: str, *, show: bool | None = None) -> Binding:
    """The Textual Binding of one keymap entry; its id lets App.set_keymap remap it."""
    a = KEYMAP[action_id]
    return Binding(a.all_keys, action, a.label, show=a.show if show is None else show,
                   key_display=key_display(a.all_keys), priority=a.priority, id=action_id,
                   tooltip=a.description)


def bindings(*pairs: tuple[str, str]) -> list[BindingType]:
    """Bindings for (action id, Textual action) pairs."""
    return [binding(action_id, action) for action_id, action in pairs]


def describe(key: str) -> str:
    """Readable name of one Textual key for the help screen: "alt+shift+d" -> "Alt+Shift+D"."""
    names = {"pageup": "PgUp", "pagedown": "PgDn", "escape": "Esc", "question_mark": "?"}
    return "+".join(names.get(p, p.upper() if len(p) == 1 or (p[0] == "f" and p[1:].isdigit())
                              else p.capitalize()) for p in key.split("+"))
