"""One progress loop for the long stages (extract, summarise): a rich bar on a terminal run."""

from __future__ import annotations

from typing import Callable, Sequence, TypeVar

T = TypeVar("T")


def run_each(items: Sequence[T], fn: Callable[[T], None], *, label: str, show: bool, name: Callable[[T], str] = str) -> None:
    """Call fn on every item in order; with show, under a rich progress bar named label."""
    if not (items and show):
        for it in items:
            fn(it)
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn(f"{label} {{task.description}}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()) as bar:
        task = bar.add_task("", total=len(items))
        for it in items:
            bar.update(task, description=name(it))
            fn(it)
            bar.advance(task)
