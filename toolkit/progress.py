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
R = TypeVar("R")


def _console():
    from rich.console import Console

    return Console(stderr=True)


def run_each(items: Sequence[T], fn: Callable[[T], R], *, label: str, show: bool, name: Callable[[T], str] = str,
             workers: int = 1, then: Callable[[T, R], None] | None = None) -> None:
    """Call fn on every item; with show, under a rich progress bar named label (on stderr), and
    `then(item, result)` on the calling thread as each item is done. workers > 1 runs fn on up to
    that many threads at once (toolkit.llm.parallel.map_concurrent): items finish in completion order."""
    with _bar(label, len(items), show) as bar:
        if workers > 1 and len(items) > 1:
            from .llm.parallel import map_concurrent

            for it, result in map_concurrent(fn, items, workers):
                if then is not None:
                    then(it, result)
                bar.advance(name(it))
            return
        for it in items:
            bar.describe(name(it))
            result = fn(it)
            if then is not None:
                then(it, result)
            bar.advance()


class _NoBar:
    def describe(self, text: str) -> None:
        pass

    def advance(self, text: str | None = None) -> None:
        pass


@contextlib.contextmanager
def _bar(label: str, total: int, show: bool) -> Iterator[_NoBar]:
    """A rich progress bar on stderr (with show and something to do), else one that draws nothing."""
    if not (total and show):
        yield _NoBar()
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn(f"{label} {{task.description}}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=_console()) as progress:
        task = progress.add_task("", total=total)

        class Bar(_NoBar):
            def describe(self, text: str) -> None:
                progress.update(task, description=text)

            def advance(self, text: str | None = None) -> None:
                progress.update(task, advance=1, **({"description": text} if text is not None else {}))

        yield Bar()


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
