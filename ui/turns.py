"""First come, first served turns for chat questions, with each waiting question's position.

The chat handler takes a ticket, polls `wait(ticket)` (which says how many questions are ahead) and
shows that position in the chat until its turn comes; `done(ticket)` (in a finally) passes the turn
on. A waiting ticket that stops polling (its browser tab went away) is dropped after `stale_s`.
"""

from __future__ import annotations

import itertools
import threading
import time


class Turns:
    def __init__(self, stale_s: float = 10.0):
        self._cond = threading.Condition()
        self._waiting: list[int] = []
        self._seen: dict[int, float] = {}
        self._running: int | None = None
        self._ids = itertools.count(1)
        self.stale_s = stale_s

    def take(self) -> int:
        with self._cond:
            ticket = next(self._ids)
            self._waiting.append(ticket)
            self._seen[ticket] = time.monotonic()
            return ticket

    def _drop_stale(self, now: float) -> None:
        for t in [t for t in self._waiting if now - self._seen.get(t, now) > self.stale_s]:
            self._waiting.remove(t)
            self._seen.pop(t, None)

    def ahead(self, ticket: int) -> int:
        """Questions before this one: those waiting ahead of it, and the one being answered."""
        with self._cond:
            if ticket == self._running:
                return 0
            if ticket not in self._waiting:
                return 0
            return self._waiting.index(ticket) + (self._running is not None)

    def wait(self, ticket: int, timeout: float = 0.5) -> int:
        """Wait up to `timeout` for the turn; 0 when it is this ticket's turn (it is now running),
        else how many questions are ahead."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                now = time.monotonic()
                self._seen[ticket] = now
                self._drop_stale(now)
                if ticket not in self._waiting and ticket != self._running:
                    self._waiting.append(ticket)  # dropped as stale, polling again: back in the line
                if self._running is None and self._waiting and self._waiting[0] == ticket:
                    self._waiting.pop(0)
                    self._running = ticket
                    return 0
                if ticket == self._running:
                    return 0
                left = deadline - now
                if left <= 0:
                    return self._waiting.index(ticket) + (self._running is not None)
                self._cond.wait(left)

    def done(self, ticket: int) -> None:
        with self._cond:
            if self._running == ticket:
                self._running = None
            if ticket in self._waiting:
                self._waiting.remove(ticket)
            self._seen.pop(ticket, None)
            self._cond.notify_all()
