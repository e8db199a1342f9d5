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
the key is done. A safety timer frees the gate should a widget vanish mid-trip (never leaves the
keyboard stuck).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import App
from textual.command import CommandPalette
from textual.dom import DOMNode
from textual.message_pump import MessagePump
from textual.screen import Screen

if TYPE_CHECKING:
    from textual.timer import Timer

# never held: the operator must always be able to leave
PASS_THROUGH = frozenset({"ctrl+q", "ctrl+c"})
# a key, screen or worker that has not finished after this long no longer holds the keys
STUCK_SECONDS = 3.0
PALETTE = ("palette",)
# marker rounds after a key: the key itself, the message its widget posts, one more for its answer
SETTLE_ROUNDS = 3


class KeyGate(App[Any]):
    """App mixin: holds terminal keys while the previous one, a screen change or a worker is under
    way, and replays them in order. Subclasses call `super().__init__()` as usual."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._waiting: deque[events.Key] = deque()
        self._in_flight: events.Key | None = None
        self._holds: set[Hashable] = set()
        self._stuck_timer: Timer | None = None

    # ---- the public part: holding keys while something the next key depends on is under way ----

    def hold_keys(self, token: Hashable) -> None:
        """Keep keys waiting until `release_keys(token)` (e.g. while a use case's worker runs)."""
        self._holds.add(token)
        self._arm_stuck_timer()

    def release_keys(self, token: Hashable) -> None:
        self._holds.discard(token)
        self.call_later(self._deliver_waiting)

    @property
    def keys_waiting(self) -> int:
        """How many typed keys are waiting (for the status line and tests)."""
        return len(self._waiting)

    # ---- the gate --------------------------------------------------------------------------------

    def _watch_screens(self) -> None:
        """Call once mounted: every pushed, popped or switched-to screen holds the keys until it
        has composed, mounted and run the focus calls of its on_mount."""
        self.screen_change_signal.subscribe(self, self._screen_changed, immediate=True)

    def _screen_changed(self, screen: Screen[Any]) -> None:
        token = ("screen", id(screen))
        self.hold_keys(token)

        def settled() -> None:
            # runs on the screen after its mount and first refresh; focus() calls made in its
            # on_mount are already queued on the App, so releasing through the App's queue comes
            # after them
            self.call_later(self.release_keys, token)

        if not screen.call_after_refresh(settled):
            self.release_keys(token)
        self._arm_stuck_timer()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded and event.key not in PASS_THROUGH:
            self._waiting.append(event)
            await self._deliver_waiting()
            return
        await super().on_event(event)

    async def _deliver_waiting(self) -> None:
        if self._in_flight is not None or self._holds or not self._waiting:
            return
        key = self._waiting.popleft()
        target = self.focused or self.screen
        self._in_flight = key
        self._arm_stuck_timer()
        await super().on_event(key)
        # sent down to the focused widget (or the screen), or taken by a priority binding here:
        # either way follow it, and what it set off, up to the App
        self._follow(target if key.is_forwarded else self.focused or self.screen, key)

    def _follow(self, node: MessagePump, key: events.Key, rounds: int = SETTLE_ROUNDS) -> None:
        """Post the marker behind `key` on `node`; when it runs, hop to the parent. At the App,
        start another round from the focused widget: a key often has its effect through a message
        its widget posts (Enter on a list: OptionSelected, RowSelected), and that message travels
        the same way one round later — so a few rounds see it handled."""
        parent = getattr(node, "parent", None) if node is not self else None
        if parent is None:
            if rounds > 1:
                self.call_later(self._follow, self.focused or self.screen, key, rounds - 1)
            else:
                self.call_later(self._done, key)
            return
        if not node.call_later(self._follow, parent, key, rounds):  # node closed: the key went with it
            self.call_later(self._done, key)

    def _done(self, key: events.Key) -> None:
        if self._in_flight is key:
            self._in_flight = None
            if key.key == "enter" and isinstance(self.screen, CommandPalette):
                # Textual's palette runs its choice through messages between its own widgets and
                # then a callback: wait for it to close (the command's callback comes right after)
                self.hold_keys(PALETTE)
            self.call_later(self._deliver_waiting)

    def on_command_palette_closed(self, _: CommandPalette.Closed) -> None:
        if PALETTE in self._holds:
            self.call_later(self.release_keys, PALETTE)  # after the chosen command's callback

    def _arm_stuck_timer(self) -> None:
        if self._stuck_timer is not None:
            self._stuck_timer.stop()
        self._stuck_timer = self.set_timer(STUCK_SECONDS, self._unstick)

    def _unstick(self) -> None:
        """Safety net: a key whose widget vanished, a screen that never settled, or a worker that
        is slow (a long apply, a locked database) — after STUCK_SECONDS without progress the keys
        flow again, so Esc and the rest are never held hostage."""
        self._stuck_timer = None
        if self._in_flight is not None or self._holds:
            self._in_flight = None
            self._holds.clear()
            self.call_later(self._deliver_waiting)


def hold_keys(node: DOMNode, token: Hashable) -> None:
    """Hold typed keys while `node` waits on a worker whose answer the next key may be meant for
    (a no-op in an App without the gate)."""
    if isinstance(node.app, KeyGate):
        node.app.hold_keys(token)


def release_keys(node: DOMNode, token: Hashable) -> None:
    if isinstance(node.app, KeyGate):
        node.app.release_keys(token)
