"""Streaming helpers shared by the LLM implementations.

`threaded(produce)` runs a producer (a function writing pieces to a callback) in a worker thread
and returns a generator of those pieces (text, or any object: the pipeline streams answer events
this way too, so a question holds the model lock in one thread even if its consumer goes away). The consumer may be resumed from any thread (Gradio calls
a generator's next() from its worker pool), while the producer keeps its locks in one thread; closing
the generator early (a gate that stops a phrasing) asks the producer to stop at its next piece.

`StreamStats` holds the timing of the last stream: seconds to the first piece, total seconds and
number of pieces (what the latency benchmark reports).
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator

_END = object()


class Stopped(Exception):
    """Raised inside a producer's callback when the consumer closed the stream."""


@dataclass
class StreamStats:
    first_piece_s: float | None = None
    seconds: float = 0.0
    pieces: int = 0


def threaded(produce: Callable[[Callable[[Any], None]], None], stats: StreamStats | None = None) -> Iterator[Any]:
    """Pieces written by `produce(emit)` (in a worker thread) as a generator; empty strings and
    None are dropped."""
    q: queue.Queue = queue.Queue()
    stop = threading.Event()
    stats = stats if stats is not None else StreamStats()
    t0 = time.perf_counter()

    def emit(piece: Any) -> None:
        if stop.is_set():
            raise Stopped()
        if piece is not None and piece != "":
            q.put(piece)

    def work() -> None:
        try:
            produce(emit)
        except Stopped:
            pass
        except BaseException as e:  # noqa: BLE001 - handed to the consumer, raised there
            q.put(e)
        finally:
            q.put(_END)

    threading.Thread(target=work, name="llm-stream", daemon=True).start()
    try:
        while True:
            item = q.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            if stats.first_piece_s is None:
                stats.first_piece_s = time.perf_counter() - t0
            stats.pieces += 1
            yield item
    finally:
        stop.set()
        stats.seconds = time.perf_counter() - t0
