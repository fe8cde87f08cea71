"""Progress for the long stages, drawn on stderr (never on stdout, where --json output goes).
Faces decide whether to show it (toolkit.options.show_progress: a terminal, and no --quiet)."""

from __future__ import annotations

import contextlib
from typing import Callable, Iterator, Sequence, TypeVar

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
