"""Type-ahead: keys typed in a burst go where they would have gone had the operator typed slowly.

Why keys were lost: Textual routes a key twice. The App first forwards it to the widget focused
*when the App reads it*; the widget's own task handles it later and, if it does not consume it,
bubbles it back up to the App, which then runs the bindings of *whatever screen is current by
then*. In a burst (`a Tab Tab 5`, or text then Tab over SSH) the App reads every key before the
first one has had its effect: the Tabs and digits are sent to the list the `a` is still opening a
form from, and come back to the App after the form was pushed but before it had mounted and
focused its first field — so they land on nothing. The same happens to text typed while a dialog
is opening or while a use case runs in a worker.

The cure is one gate in the App (`KeyGate`): a key from the terminal is delivered only when the
previous one has finished its whole trip (down to the focused widget, back up through every
parent to the App's bindings), when every screen that was pushed or revealed has mounted and
settled its focus, and when nobody holds the keys (`hold_keys`, e.g. while a use case's worker
runs: its answer may open the dialog the next key is meant for). Keys that arrive meanwhile wait
in order and are then delivered one by one, so each sees the screen and focus its predecessors
left behind. Quit is never held.

"Finished its trip" is found out without Textual's private state: after forwarding a key to a
widget the gate posts a marker callback behind it to the same widget; when the marker runs there,
the key has been consumed or bubbled to the parent's queue, so the marker hops to the parent, and
so on up to the App. Message queues are first in, first out, so when the marker reaches the App
the key is done.

The gate always opens again. Every hold, every unsettled screen and every key in flight expires
STUCK_SECONDS after it began (or, for a key, after its marker last moved), whatever else happens
meanwhile — not one timer that each new hold pushes back, which let a lost hold stall the keys for
as long as list loads kept coming. Only the current screen can be unsettled: one covered or
popped before it refreshed no longer counts. A watchdog runs while keys wait or the gate is closed
(never when idle): it gives up at once on a key whose marker was dropped with its widget, expires
what is past its time and delivers.

The command palette: what is typed into its search field goes straight in, in order, without a
trip each (nothing it does moves the focus or the screen; a trip per character, behind the
palette's search and repaint, cost seconds a character under load). Every other key (Enter, the
arrows, Esc, F1) goes as usual, after one check that the text before it is in; Enter and the
arrows also wait for the
palette's search of that text, so Enter chooses from its results and not an older list. Enter's
trip also follows the palette's list, through which the choice travels, so the key after it comes
after the palette has closed and queued its command.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from time import monotonic
from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import App, ScreenStackError
from textual.command import CommandList, CommandPalette
from textual.dom import DOMNode
from textual.message_pump import MessagePump
from textual.screen import Screen

if TYPE_CHECKING:
    from textual.timer import Timer

# never held: the operator must always be able to leave
PASS_THROUGH = frozenset({"ctrl+q", "ctrl+c"})
# a key, screen or worker that has not finished after this long no longer holds the keys
STUCK_SECONDS = 3.0
# how often the watchdog looks, while keys wait or the gate is closed (no timer when idle)
WATCH_SECONDS = 0.1
# marker rounds after a key: the key itself, the message its widget posts, one more for its answer
SETTLE_ROUNDS = 3
# in the command palette, text and the keys that edit it go straight to its search field: nothing
# they do moves the focus or changes the screen (any other key may be a binding that does: F1, Esc)
PALETTE_EDITING = frozenset({"backspace", "delete", "left", "right", "home", "end"})
# keys in the palette that also wait for the search of what was typed: they choose or move in its list
PALETTE_SEARCH_WAITS = frozenset({"enter", "up", "down", "pageup", "pagedown", "ctrl+home", "ctrl+end",
                                  "shift+home", "shift+end"})
# the marker that follows keys typed into the palette before an Enter
PROBE = events.Key("probe", None)


class KeyGate(App[Any]):
    """App mixin: holds terminal keys while the previous one, a screen change or a worker is under
    way, and replays them in order. Subclasses call `super().__init__()` as usual."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._waiting: deque[events.Key] = deque()
        self._in_flight: events.Key | None = None
        self._in_flight_since = 0.0       # when the key was delivered or its marker last moved on
        self._marker_at: MessagePump | None = None   # where the in-flight key's marker waits
        self._in_flight_screen: Screen[Any] | None = None  # the screen it was delivered on
        self._list_checked: events.Key | None = None  # an Enter in the palette followed via its list
        self._holds: dict[Hashable, float] = {}      # token -> when it was taken
        self._unsettled: Screen[Any] | None = None   # the current screen, until it has settled
        self._unsettled_since = 0.0
        self._palette_typed = False       # keys went straight into the palette since its last check
        self._search_waited: events.Key | None = None  # the key that waited for the palette's search
        self._watchdog: Timer | None = None

    # ---- the public part: holding keys while something the next key depends on is under way ----

    def hold_keys(self, token: Hashable) -> None:
        """Keep keys waiting until `release_keys(token)` (e.g. while a use case's worker runs), or
        at most STUCK_SECONDS."""
        self._holds[token] = monotonic()
        self._arm_watchdog()

    def release_keys(self, token: Hashable) -> None:
        if self._holds.pop(token, None) is not None or self._waiting:
            self.call_later(self._deliver_waiting)

    @property
    def keys_waiting(self) -> int:
        """How many typed keys are waiting (for the status line and tests)."""
        return len(self._waiting)

    @property
    def keys_gated(self) -> bool:
        """True while the gate holds keys back (a key's trip, a screen settling, a hold)."""
        return self._in_flight is not None or self._held()

    # ---- the gate --------------------------------------------------------------------------------

    def _watch_screens(self) -> None:
        """Call once mounted: every pushed, popped or switched-to screen holds the keys until it
        has composed, mounted and run the focus calls of its on_mount."""
        self.screen_change_signal.subscribe(self, self._screen_changed, immediate=True)

    def _screen_changed(self, screen: Screen[Any]) -> None:
        # only the current screen holds: one pushed and covered at once, or popped before it
        # refreshed, never settles, and no longer matters
        self._unsettled, self._unsettled_since = screen, monotonic()
        self._palette_typed = False

        def settled() -> None:
            # runs on the screen after its mount and first refresh; focus() calls made in its
            # on_mount are already queued on the App, so settling through the App's queue comes
            # after them
            self.call_later(self._settled, screen)

        if not screen.call_after_refresh(settled):
            self._unsettled = None
        self._arm_watchdog()

    def _settled(self, screen: Screen[Any]) -> None:
        if self._unsettled is screen:
            self._unsettled = None
            self.call_later(self._deliver_waiting)

    def _held(self) -> bool:
        """Is a hold or an unsettled screen in the way? Each expires STUCK_SECONDS after it began,
        whatever else happens meanwhile (never a timer that other activity keeps pushing back)."""
        now = monotonic()
        for token in [t for t, since in self._holds.items() if now - since > STUCK_SECONDS]:
            del self._holds[token]
        screen = self._unsettled
        if screen is not None and (screen is not self._current_screen() or now - self._unsettled_since > STUCK_SECONDS
                                   or (isinstance(screen, CommandPalette) and self._palette_ready(screen))):
            self._unsettled = None
        return bool(self._holds) or self._unsettled is not None

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded and event.key not in PASS_THROUGH:
            self._waiting.append(event)
            self._arm_watchdog()
            await self._deliver_waiting()
            return
        await super().on_event(event)

    async def _deliver_waiting(self) -> None:
        current = self._current_screen()
        if (self._in_flight is not None and self._in_flight is not PROBE and isinstance(current, CommandPalette)
                and self._in_flight_screen is not current and self._palette_ready(current)):
            # the key opened the palette, whose search field has the focus: its trip is over for
            # what comes next (the rest of it chases messages on the screen below)
            self._in_flight = self._marker_at = None
        while self._waiting and self._in_flight is None and not self._held():
            key = self._waiting[0]
            current = self._current_screen()
            if current is None:
                return  # closing down
            palette = current if isinstance(current, CommandPalette) else None
            if palette is not None and (key.is_printable or key.key in PALETTE_EDITING):
                # text for the palette's search field: straight in, in order. Nothing it does
                # changes the screen or the focus, so there is no trip to wait for, and the palette
                # searches as fast as without the gate
                self._waiting.popleft()
                self._palette_typed = True
                await super().on_event(key)
                continue
            if palette is not None and self._palette_typed:
                # Enter, an arrow, Esc, F1: first let what was typed reach the field
                self._palette_typed = False
                # (two rounds: the characters, then the Changed messages they posted, which start
                # the palette's search)
                self._start_trip(PROBE, self.focused or palette, rounds=2)
                return
            if (palette is not None and key.key in PALETTE_SEARCH_WAITS and self._search_waited is not key
                    and self._palette_searching(palette)):
                # Enter or an arrow is meant for the list of what was typed: wait for its search
                # (once per key: a search that never ends holds it STUCK_SECONDS, not for ever)
                self._search_waited = key
                self.hold_keys(("palette-search", id(palette)))
                return
            self._waiting.popleft()
            target = self.focused or self.screen
            self._start_trip(key)
            await super().on_event(key)
            # sent down to the focused widget (or the screen), or taken by a priority binding here:
            # either way follow it, and what it set off, up to the App
            self._follow(target if key.is_forwarded else self.focused or self.screen, key)
            return

    def _start_trip(self, key: events.Key, node: MessagePump | None = None, rounds: int = 1) -> None:
        self._in_flight, self._in_flight_since, self._marker_at = key, monotonic(), None
        self._in_flight_screen = self._current_screen()
        self._arm_watchdog()
        if node is not None:
            self._follow(node, key, rounds)

    def _follow(self, node: MessagePump, key: events.Key, rounds: int = SETTLE_ROUNDS) -> None:
        """Post the marker behind `key` on `node`; when it runs, hop to the parent. At the App,
        start another round from the focused widget: a key often has its effect through a message
        its widget posts (Enter on a list: OptionSelected, RowSelected), and that message travels
        the same way one round later — so a few rounds see it handled."""
        if self._in_flight is not key:
            return  # the gate gave up on this key (STUCK_SECONDS): its marker stops here
        self._in_flight_since = monotonic()
        parent = getattr(node, "parent", None) if node is not self else None
        if parent is None:
            self._marker_at = self
            start = self.focused or self._current_screen()
            if rounds > 1 and start is not None:
                self.call_later(self._follow, start, key, rounds - 1)
            else:
                self.call_later(self._done, key)
            return
        self._marker_at = node
        if not node.call_later(self._follow, parent, key, rounds):  # node closed: the key went with it
            self.call_later(self._done, key)

    def _done(self, key: events.Key) -> None:
        if self._in_flight is not key:
            return
        screen = self._current_screen()
        if key.key == "enter" and isinstance(screen, CommandPalette) and self._list_checked is not key:
            # Enter in the palette chooses through its list (OptionSelected, then the palette
            # closes and queues the command): follow that path too, so the next key comes after
            self._list_checked = key
            start = next(iter(screen.query(CommandList)), None)
            self._follow(start or screen, key, rounds=1)
            return
        self._in_flight = self._marker_at = None
        self.call_later(self._deliver_waiting)

    # ---- the watchdog: nothing waits for ever -----------------------------------------------------

    def _arm_watchdog(self) -> None:
        if self._watchdog is None:
            self._watchdog = self.set_interval(WATCH_SECONDS, self._watch)

    async def _watch(self) -> None:
        """While keys wait or the gate is closed: give up on a key whose marker was dropped with
        its widget (a screen closed mid-trip) or that has not moved for STUCK_SECONDS, drop holds
        and screens past their time, and deliver. Stops itself when there is nothing to watch."""
        key, node = self._in_flight, self._marker_at
        if key is not None:
            lost = node is not None and node is not self and (
                node._closing or node._closed or not node.is_attached)  # its queue was dropped
            if lost or monotonic() - self._in_flight_since > STUCK_SECONDS:
                self._in_flight = self._marker_at = None
        screen = self._current_screen()
        if isinstance(screen, CommandPalette):
            token = ("palette-search", id(screen))
            if token in self._holds and not self._palette_searching(screen):
                del self._holds[token]
        if screen is None or (not self._waiting and self._in_flight is None and not self._held()):
            if self._watchdog is not None:
                self._watchdog.stop()
                self._watchdog = None
            return
        await self._deliver_waiting()

    def _current_screen(self) -> Screen[Any] | None:
        try:
            return self.screen
        except ScreenStackError:  # closing down
            return None

    # ---- the command palette ------------------------------------------------------------------

    def _palette_ready(self, palette: CommandPalette) -> bool:
        """The palette has settled once its search field has the focus: keys can go in."""
        focused = self.focused
        return focused is not None and focused.screen is palette

    def _palette_searching(self, palette: CommandPalette) -> bool:
        group = CommandPalette._GATHER_COMMANDS_GROUP
        return any(w.node is palette and w.group == group and not w.is_finished for w in self.workers)


def hold_keys(node: DOMNode, token: Hashable) -> None:
    """Hold typed keys while `node` waits on a worker whose answer the next key may be meant for
    (a no-op in an App without the gate)."""
    if isinstance(node.app, KeyGate):
        node.app.hold_keys(token)


def release_keys(node: DOMNode, token: Hashable) -> None:
    if isinstance(node.app, KeyGate):
        node.app.release_keys(token)
