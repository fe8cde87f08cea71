"""Progress for the long stages, drawn on stderr (never on stdout, where --json output goes): a rich
bar (extract, summarise), a spinner (`status`) and a one-line reporter (ingest, index).

Faces decide whether to show it (toolkit.options.show_progress: a terminal, and no --quiet). A
reporter is passed down explicitly; `reporter()` gives one that writes to stderr only when stderr is a
terminal, and a silent one otherwise (pipes, logs, tests).
"""

from __future__ import annotations

import contextlib
import sys
import time
from typing import Callable, Iterator, Protocol, Sequence, TextIO, TypeVar

T = TypeVar("T")


def _console():
    from rich.console import Console

    return Console(stderr=True)


def run_each(items: Sequence[T], fn: Callable[[T], None], *, label: str, show: bool, name: Callable[[T], str] = str) -> None:
    """Call fn on every item in order; with show, under a rich progress bar named label (on stderr)."""
    if not (items and show):
        for it in items:
            fn(it)
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn(f"{label} {{task.description}}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=_console()) as bar:
        task = bar.add_task("", total=len(items))
        for it in items:
            bar.update(task, description=name(it))
            fn(it)
            bar.advance(task)


@contextlib.contextmanager
def status(label: str, *, show: bool) -> Iterator[None]:
    """A spinner named label on stderr while a step without countable items runs (with show)."""
    if not show:
        yield
        return
    with _console().status(label):
        yield


class Reporter(Protocol):
    def start(self, label: str, total: int, unit: str = "") -> None: ...

    def advance(self, n: int = 1) -> None: ...

    def done(self) -> None: ...


class NullProgress:
    """Reports nothing."""

    def start(self, label: str, total: int, unit: str = "") -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def done(self) -> None:
        pass


class LineProgress:
    """`label done/total unit (elapsed)` rewritten in place on a terminal, at most every `every_s`."""

    def __init__(self, stream: TextIO, every_s: float = 0.2):
        self.stream = stream
        self.every_s = every_s
        self.label, self.total, self.unit, self.n = "", 0, "", 0
        self._t0 = self._shown = 0.0
        self._open = False

    def start(self, label: str, total: int, unit: str = "") -> None:
        self.label, self.total, self.unit, self.n = label, total, unit, 0
        self._t0 = time.monotonic()
        self._shown = 0.0
        self._open = True
        self._show()

    def advance(self, n: int = 1) -> None:
        self.n += n
        if time.monotonic() - self._shown >= self.every_s:
            self._show()

    def _show(self) -> None:
        self._shown = time.monotonic()
        unit = f" {self.unit}" if self.unit else ""
        self.stream.write(f"\r{self.label}: {self.n:,}/{self.total:,}{unit} ({self._shown - self._t0:.0f}s)\x1b[K")
        self.stream.flush()

    def done(self) -> None:
        if self._open:
            self._show()
            self.stream.write("\n")
            self.stream.flush()
            self._open = False


def reporter(stream: TextIO | None = None) -> Reporter:
    """A LineProgress on stream (default stderr) when it is a terminal, else a NullProgress."""
    stream = sys.stderr if stream is None else stream
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return LineProgress(stream) if tty else NullProgress()
