"""A table for lists of any length: rows are paged from the database on demand.

Textual's DataTable measures every cell of every row up front (100,000 rows take seconds), so
long lists use this instead. It is a Line-API ScrollView: the scroll height is the row count, and
only the lines on screen are drawn. Rows come from a `RowSource` in pages of `PAGE` rows, fetched
in a thread worker; a page next to a cached one is read by keyset (after its last row / before its
first row), so scrolling costs the same anywhere in the list; a jump (End, a scrollbar drag) reads
one page by offset and continues by keyset from there.

Selection is a `Selection`: either a set of chosen ids, or "all rows matching the filter except
these ids" — so Select All is instant on a million rows, and a use case can act on it with one
set-based statement.

Usage:

    table = VirtualTable(columns=[Column("name", "Name", 24, text=lambda r: r.name), ...])
    table.load(source)          # a RowSource; count + first page in a worker; input never waits
    on_virtual_table_row_chosen(self, event): event.row  # Enter on a row
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from rich.segment import Segment
from rich.style import Style
from textual import on
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.keys import binding
from tui.typeahead import hold_keys, release_keys
from tui.widgets.cells import fit

PAGE = 100
PLACEHOLDER = "…"


class RowSource(Protocol):
    """Where rows come from. Called from worker threads; each call opens its own transaction."""

    def count(self) -> int: ...

    def page(self, *, after: Any = None, before: Any = None, offset: int | None = None,
             limit: int = PAGE) -> list[Any]: ...

    def key(self, row: Any) -> Any:
        """The keyset position of a row (what `after`/`before` take)."""

    def row_id(self, row: Any) -> int: ...


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int
    text: Callable[[Any], str]
    right: bool = False      # right-aligned (money, counts)


@dataclass
class Selection:
    """Chosen rows: `ids` when all_matching is False; all rows matching the filter except `ids`
    when True."""
    all_matching: bool = False
    ids: set[int] = field(default_factory=set)

    def contains(self, row_id: int) -> bool:
        return (row_id in self.ids) != self.all_matching

    def toggle(self, row_id: int) -> None:
        self.ids.symmetric_difference_update({row_id})

    def count(self, total: int) -> int:
        return total - len(self.ids) if self.all_matching else len(self.ids)


class VirtualTable(ScrollView, can_focus=True):
    """See the module docstring."""

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("enter", "choose", "Open", show=False),
        binding("table.toggle", "toggle"),
        binding("table.select_all", "select_all"),
        binding("table.select_none", "select_none"),
    ]
    COMPONENT_CLASSES = {"vtable--header", "vtable--cursor", "vtable--selected"}
    DEFAULT_CSS = """
    VirtualTable { height: 1fr; scrollbar-size-vertical: 1; }
    VirtualTable > .vtable--header { text-style: bold underline; }
    VirtualTable > .vtable--cursor { background: $accent 40%; text-style: reverse; }
    VirtualTable:focus > .vtable--cursor { background: $accent; text-style: bold reverse; }
    VirtualTable > .vtable--selected { text-style: bold; }
    """

    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)

    class RowChosen(Message):
        """Enter on a row."""
        def __init__(self, table: VirtualTable, row: Any) -> None:
            super().__init__()
            self.table, self.row = table, row

    class Loaded(Message):
        """A (re)load finished: the count is known and the first page is on screen."""
        def __init__(self, table: VirtualTable, total: int) -> None:
            super().__init__()
            self.table, self.total = table, total

    class SelectionChanged(Message):
        def __init__(self, table: VirtualTable, selected: int) -> None:
            super().__init__()
            self.table, self.selected = table, selected

    def __init__(self, columns: list[Column], *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = columns
        self.source: RowSource | None = None
        self.total = 0
        self.loading = False
        self.selection = Selection()
        self.error: str | None = None
        self._pages: dict[int, list[Any]] = {}
        self._pending: set[int] = set()
        self._generation = 0
        self._lock = threading.Lock()
        self._keys_token = ("vtable", object())
        self._keep_cursor: int | None = None  # this table's hold on the keys

    # ---- loading ------------------------------------------------------------------------------

    def _watch_loading(self, loading: bool) -> None:
        """`loading` is this table's own flag (its "Loading…" line, a screen's "reading…"), not
        Textual's Widget.loading cover: that mounted an animated LoadingIndicator over the table
        on every load, hiding the old rows and the first page, and laid the screen out twice."""

    def load(self, source: RowSource, keep_selection: bool = False, keep_cursor: bool = False) -> None:
        """Show rows from `source`: first page and count in a worker; the old rows stay until then.
        The first page shows as soon as it is read, before the count (which on a long list takes
        longer); the keys wait for the count. `keep_cursor` (a reload after an action): the cursor
        stays on its line number, which shows the next row when the action took the highlighted
        one off the list; that reload shows nothing before the count."""
        self._generation += 1
        self._keep_cursor = self.cursor if keep_cursor else None
        generation = self._generation
        self.source, self.loading, self.error = source, True, None
        if not keep_selection:
            self.selection = Selection()
        self.refresh()
        hold_keys(self, self._keys_token)  # a key typed now is meant for the rows being read
        early = not keep_cursor
        self.run_worker(lambda: self._load(source, generation, early), thread=True, group="vtable-load",
                        exclusive=True, exit_on_error=False)

    class _FirstPage(Message, bubble=False):
        """The first page of a load, read before the count (posted from the worker)."""
        def __init__(self, generation: int, rows: list[Any]) -> None:
            super().__init__()
            self.generation, self.rows = generation, rows

    def _load(self, source: RowSource, generation: int, early: bool) -> None:
        try:
            first = source.page(limit=PAGE)
            if early and first:  # without waiting for the UI: the count runs meanwhile
                self.post_message(self._FirstPage(generation, first))
            total = source.count()
        except Exception as exc:  # shown in the table, not a crash: the operator can retry
            self.app.call_from_thread(self._failed, generation, exc)
            return
        self.app.call_from_thread(self._loaded, generation, total, first if total else [])

    @on(_FirstPage)
    def _show_first_page(self, event: _FirstPage) -> None:
        """The first rows on screen while the count is read: the list is as long as they are
        until then, so nothing pages past them; `loading` stays True and the keys stay held."""
        if event.generation != self._generation or not self.loading:
            return
        self._pages, self._pending = {0: event.rows}, set()
        self.total = len(event.rows)
        self.virtual_size = Size(self.size.width, self.total + 1)
        self.cursor = 0
        self.scroll_to(y=0, animate=False)
        self.refresh()

    def _loaded(self, generation: int, total: int, first: list[Any]) -> None:
        if generation != self._generation:
            return  # a newer load holds the keys and will release them
        try:
            self._show_loaded(total, first)
        finally:  # whatever showing the rows does, the keys flow again
            release_keys(self, self._keys_token)

    def _show_loaded(self, total: int, first: list[Any]) -> None:
        self._pages, self._pending = ({0: first} if first else {}), set()
        self.total, self.loading = total, False
        self.virtual_size = Size(self.size.width, total + 1)
        if self._keep_cursor is not None and total:
            self.cursor = min(self._keep_cursor, total - 1)  # scrolls to it (watch_cursor)
        else:
            self.cursor = 0
            self.scroll_to(y=0, animate=False)
        self.refresh()
        self.post_message(self.Loaded(self, total))

    def _failed(self, generation: int, exc: Exception) -> None:
        if generation == self._generation:
            try:
                self.loading, self.error = False, str(exc)
                self.refresh()
            finally:
                release_keys(self, self._keys_token)

    def _request(self, index: int) -> None:
        """Fetch page `index` unless cached or already asked for."""
        if index < 0 or index * PAGE >= self.total or index in self._pages or index in self._pending:
            return
        if self.source is None:
            return
        self._pending.add(index)
        prev, nxt = self._pages.get(index - 1), self._pages.get(index + 1)
        source, generation = self.source, self._generation
        if prev:
            args: dict[str, Any] = {"after": source.key(prev[-1])}
        elif nxt:
            args = {"before": source.key(nxt[0])}
        else:
            args = {"offset": index * PAGE}

        def fetch() -> None:
            try:
                rows = source.page(limit=PAGE, **args)
            except Exception as exc:
                self.app.call_from_thread(self._failed, generation, exc)
                return
            self.app.call_from_thread(self._page_loaded, generation, index, rows)

        self.run_worker(fetch, thread=True, group="vtable-page", exit_on_error=False)

    def _page_loaded(self, generation: int, index: int, rows: list[Any]) -> None:
        if generation != self._generation:
            return
        self._pending.discard(index)
        self._pages[index] = rows
        if len(self._pages) > 60:  # keep memory flat on long scrolls: drop pages far away
            here = self.cursor // PAGE
            for far in sorted(self._pages, key=lambda i: -abs(i - here))[:20]:
                del self._pages[far]
        self.refresh()

    def row_at(self, index: int) -> Any | None:
        page = self._pages.get(index // PAGE)
        if page is None or index % PAGE >= len(page):
            return None
        return page[index % PAGE]

    def loaded_rows(self) -> list[Any]:
        """The rows fetched so far (the pages in memory): what the operator has actually seen."""
        return [row for page in list(self._pages.values()) for row in page]

    @property
    def current_row(self) -> Any | None:
        return self.row_at(self.cursor) if self.total else None

    # ---- drawing ------------------------------------------------------------------------------

    @property
    def _body_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            return self._strip(self._header_text(), width, self.get_component_rich_style("vtable--header"))
        index = int(self.scroll_offset.y) + y - 1
        if index >= self.total:
            message = ""
            if y == 1:
                message = ("  Loading…" if self.loading else f"  Could not read the list: {self.error}"
                           if self.error else "  (no rows match)")
            return self._strip(message, width, Style())
        row = self.row_at(index)
        if row is None:
            self._request(index // PAGE)
            return self._strip(f"  {PLACEHOLDER}", width, Style(dim=True))
        self._prefetch(index)
        return self._strip(self._row_text(row, index == self.cursor), width, self._row_style(index, row))

    def _prefetch(self, index: int) -> None:
        page, offset = divmod(index, PAGE)
        if offset > PAGE - 30:
            self._request(page + 1)
        elif offset < 30:
            self._request(page - 1)

    def _row_style(self, index: int, row: Any) -> Style:
        style = Style()
        if self.source is not None and self.selection.contains(self.source.row_id(row)):
            style += self.get_component_rich_style("vtable--selected")
        if index == self.cursor:
            style += self.get_component_rich_style("vtable--cursor")
        return style

    def _header_text(self) -> str:
        return "  " + " ".join(self._cell(c.label, c) for c in self.columns)

    def _row_text(self, row: Any, at_cursor: bool = False) -> str:
        """Two marks before the cells: `>` on the cursor row, `*` on a selected one — in text, so a
        monochrome terminal shows both."""
        selected = self.source is not None and self.selection.contains(self.source.row_id(row))
        return (">" if at_cursor else " ") + ("*" if selected else " ") + " ".join(
            self._cell(c.text(row), c) for c in self.columns)

    @staticmethod
    def _cell(value: str, column: Column) -> str:
        value = fit(value, column.width)
        return value.rjust(column.width) if column.right else value.ljust(column.width)

    @staticmethod
    def _strip(text: str, width: int, style: Style) -> Strip:
        text = text[:width].ljust(width)
        return Strip([Segment(text, style)], width)

    def on_unmount(self) -> None:
        release_keys(self, self._keys_token)

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, self.total + 1)

    # ---- cursor and scrolling -----------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        top = int(self.scroll_offset.y)
        if new < top:
            self.scroll_to(y=new, animate=False)
        elif new >= top + self._body_height:
            self.scroll_to(y=new - self._body_height + 1, animate=False)
        else:
            for index in (old, new):
                self.refresh(Region(0, index - top + 1, self.size.width, 1))
            return
        self.refresh()

    def _move_to(self, index: int) -> None:
        if self.total:
            self.cursor = max(0, min(self.total - 1, index))

    def action_cursor(self, delta: int) -> None:
        self._move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._move_to(self.cursor + direction * (self._body_height - 1))

    def action_jump(self, where: int) -> None:
        self._move_to(self.total - 1 if where < 0 else 0)

    def action_choose(self) -> None:
        row = self.current_row
        if row is not None:
            self.post_message(self.RowChosen(self, row))

    def action_toggle(self) -> None:  # type: ignore[override]  # shadows DOMNode.toggle(attribute), unused here
        row = self.current_row
        if row is None or self.source is None:
            return
        self.selection.toggle(self.source.row_id(row))
        self._selection_changed()
        self._move_to(self.cursor + 1)

    def action_select_all(self) -> None:
        self.selection = Selection(all_matching=True)
        self._selection_changed()

    def action_select_none(self) -> None:
        self.selection = Selection()
        self._selection_changed()

    def _selection_changed(self) -> None:
        self.refresh()
        self.post_message(self.SelectionChanged(self, self.selection.count(self.total)))

    def on_click(self, event: Any) -> None:
        if event.y >= 1:
            self._move_to(int(self.scroll_offset.y) + event.y - 1)
