"""Start a local OpenAI-compatible model server on 127.0.0.1 for tests and benches, and stop it.

    with running_llama_cpp_python(model, log_path=...) as url: ...      # python -m toolkit.llm.openai_server
    with running_llama_server(binary, model, parallel=2, log_path=...) as url: ...   # llama.cpp's llama-server

Each yields the server's OpenAI base URL (http://127.0.0.1:PORT/v1) once it answers, and stops
the process on exit (terminate, then kill after 15 s). A server that does not come up in time
raises LLMError with the end of its log on one line.

llama-cpp-python's server runs one request at a time (a global lock around the model);
llama-server's `--parallel N` keeps N slots and decodes them in one batch, splitting the context
(-c) between them, so `running_llama_server` asks for n_ctx per slot.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

from ..errors import LLMError


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running(cmd: Sequence[str], url: str, *, log_path: Path | str, ready_path: str = "/models",
            start_timeout_s: float = 300.0) -> Iterator[str]:
    """Run `cmd` (a server that will listen at `url`), wait until GET url+ready_path answers 200,
    yield url, and stop the process on exit."""
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(list(cmd), stdout=log, stderr=subprocess.STDOUT,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            deadline = time.monotonic() + start_timeout_s
            while True:
                try:
                    urllib.request.urlopen(url + ready_path, timeout=2).read()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        tail = " | ".join(Path(log_path).read_text(errors="replace")[-1200:].splitlines())
                        raise LLMError(f"{Path(cmd[0]).name} did not start (log {log_path}): {tail}") from None
                    time.sleep(0.5)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


def running_llama_cpp_python(model_path: Path | str, *, log_path: Path | str, n_ctx: int = 2048, n_threads: int = 2,
                             extra_args: Sequence[str] = (), start_timeout_s: float = 300.0):
    """llama-cpp-python's server with the toolkit's loading fix (`python -m toolkit.llm.openai_server`)."""
    port = free_port()
    cmd = [sys.executable, "-m", "toolkit.llm.openai_server", "--model", str(model_path), "--host", "127.0.0.1",
           "--port", str(port), "--n_ctx", str(n_ctx), "--n_threads", str(n_threads), *extra_args]
    return running(cmd, f"http://127.0.0.1:{port}/v1", log_path=log_path, start_timeout_s=start_timeout_s)


def running_llama_server(binary: Path | str, model_path: Path | str, *, log_path: Path | str, parallel: int = 1,
                         n_ctx: int = 2048, n_threads: int = 2, extra_args: Sequence[str] = (),
                         start_timeout_s: float = 300.0):
    """llama.cpp's own `llama-server` with `parallel` slots of n_ctx tokens each. Weight repacking
    (extra buffer types) is off, as for the in-process model (see toolkit/llm/llamacpp.py)."""
    port = free_port()
    cmd = [str(binary), "-m", str(model_path), "--host", "127.0.0.1", "--port", str(port),
           "-c", str(n_ctx * parallel), "--parallel", str(parallel), "-t", str(n_threads),
           "--no-repack", "--no-webui", *extra_args]
    return running(cmd, f"http://127.0.0.1:{port}/v1", log_path=log_path, ready_path="/health",
                   start_timeout_s=start_timeout_s)
