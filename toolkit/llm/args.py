"""Command-line options for a model server, so the CLI wires them in one line each:

    add_dialect_argument(p)          # every command that takes --llm-url
    add_workers_argument(p)          # extract
    settings.llm = settings.llm.model_copy(update={..., **server_overrides(args)})
"""

from __future__ import annotations

import argparse

from .dialect import DIALECTS


def add_dialect_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--llm-dialect", choices=DIALECTS, default=None,
                   help="how --llm-url asks for a JSON schema: json_schema (OpenAI standard: vLLM, Ollama, ...), "
                        "llamacpp (llama.cpp servers), auto (ask the server; default)")


def add_workers_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workers", type=_positive_int, default=None,
                   help="requests sent at once to the --llm-url server (default 1); "
                        "pays off with a server decoding in parallel, e.g. llama-server --parallel N")


def server_overrides(args: argparse.Namespace) -> dict:
    """LLMSettings fields set on the command line (--llm-dialect, --workers)."""
    out: dict = {}
    if getattr(args, "llm_dialect", None):
        out["dialect"] = args.llm_dialect
    if getattr(args, "workers", None):
        out["workers"] = args.workers
    return out


def _positive_int(text: str) -> int:
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return n
