"""Several model requests at once, for a server that serves them concurrently.

    n = workers_for(llm, settings.llm.workers)          # 1 unless llm serves requests concurrently
    for doc, record in map_concurrent(lambda d: extract(d, llm, settings), docs, n):
        store.put_record(record)                         # the loop body runs on the calling thread

An LLM says it can take concurrent calls with a true `concurrent` attribute: the server client
(`OpenAIServerLLM`: one thread-safe HTTP client, per-thread usage) and the fake do; the in-process
GGUF (`LlamaCppLLM`) runs one generation at a time, so more threads would only wait on its lock.
Whether the server then runs the requests in parallel is the server's business: llama.cpp's
`llama-server --parallel 2` decodes two slots in one batch; llama-cpp-python's server queues them.
"""

from __future__ import annotations

from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def workers_for(llm: object, requested: int) -> int:
    """How many requests to send at once: `requested` (at least 1) for an LLM whose `concurrent`
    attribute is true, else 1."""
    return max(1, int(requested)) if getattr(llm, "concurrent", False) else 1


def map_concurrent(fn: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[tuple[T, R]]:
    """(item, fn(item)) for every item, in completion order, with at most `workers` calls running
    at once on worker threads (workers <= 1: in order, on the calling thread). Only `workers` items
    are in flight, so a long iterable is not read ahead. The first exception stops new calls, lets
    the running ones finish, and is raised in the caller; leaving the loop early does the same."""
    if workers <= 1:
        for it in items:
            yield it, fn(it)
        return
    source = iter(items)
    running: dict[Future, T] = {}
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="llm")
    try:
        def fill() -> None:
            while len(running) < workers:
                try:
                    it = next(source)
                except StopIteration:
                    return
                running[pool.submit(fn, it)] = it

        fill()
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in done:
                it = running.pop(fut)
                result = fut.result()  # raises the worker's exception here, in the caller
                yield it, result
            fill()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
