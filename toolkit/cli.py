"""`toolkit` command line. A face: parse, call one entry point of toolkit.library, render.

Nothing heavy (model, chroma, gradio, underthesea) is imported at start-up: each command imports
what it needs when it runs, so `toolkit --help` is instant. Conventions (toolkit/options.py):
`--json` on every command, progress on stderr and only on a terminal (`--quiet` hides it), `-`
reads stdin, and every user error is one `error:` line with exit status 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .options import (STDIN, Parser, UsageError, add_common, add_extractor, add_workers, open_out, print_json,
                      read_questions, read_text, run_handler, settings_from_args, show_progress, version)


# --- commands ---------------------------------------------------------------------------


def cmd_ingest(args) -> int:
    from . import library

    settings = settings_from_args(args)
    progress = show_progress(args)
    if args.paths == [STDIN]:
        result = library.ingest_text(settings, sys.stdin.read(), args.name, update_index=not args.no_index, progress=progress)
    elif STDIN in args.paths:
        raise UsageError("'-' (a text on stdin) cannot be mixed with paths; ingest it on its own")
    else:
        result = library.ingest(settings, [Path(p) for p in args.paths], update_index=not args.no_index, progress=progress)
    report = result.report
    for f in report.failed:
        print(f"error: {f.path}: {f.problem}", file=sys.stderr)
    if args.json:
        print_json(result.as_json())
    else:
        print(f"ingested: {len(report.added)} added, {len(report.replaced)} replaced, "
              f"{len(report.unchanged)} unchanged, {len(report.failed)} failed")
    return 1 if report.failed else 0


def cmd_docs(args) -> int:
    from . import library

    store = library.open_store(settings_from_args(args))
    if args.json:
        print_json([d.model_dump(mode="json") for d in store.documents()])
    else:
        for d in store.iter_documents():
            body = sum(p.kind == "body" for p in d.paragraphs)
            print(f"{d.doc_id}  {d.published or '-'}  {d.author or '-'}  {body} body paragraphs  {d.title[:70]}")
    return 0


def cmd_models(args) -> int:
    from .models import describe_models

    rows = describe_models(settings_from_args(args), verify=not args.no_verify)
    if args.json:
        print_json(rows)
    else:
        for r in rows:
            print("  ".join(f"{k}={v}" for k, v in r.items()))
    return 0 if all(r.get("ok", True) for r in rows if r.get("configured")) else 1


def cmd_extract(args) -> int:
    from . import library

    records = library.extract(settings_from_args(args), doc_ids=args.docs or None, force=args.force,
                              progress=show_progress(args))
    if args.json:
        print_json([r.model_dump(mode="json") for r in records])
    else:
        for r in records:
            print(f"{r.doc_id}: date={r.date} province={r.province} people={len(r.people)} "
                  f"figures={len(r.figures)} documents={len(r.documents)} rejected={r.rejected} ({r.seconds:.1f}s)")
    return 0


def cmd_summarize(args) -> int:
    from . import library

    settings = settings_from_args(args)
    store = library.open_store(settings)
    summaries = library.summarise(settings, doc_ids=args.docs or None, force=args.force, store=store,
                                  progress=show_progress(args))
    if args.json:
        from .summarise import summary_json

        print_json([summary_json(s, store.get_document(s.doc_id)) for s in summaries])
    else:
        for s in summaries:
            print(f"== {s.doc_id}\n[vi] " + " ".join(x.text for x in s.summary_vi) + "\n[en] " + " ".join(x.text for x in s.summary_en))
    return 0


def cmd_ask(args) -> int:
    if args.questions and args.question:
        raise UsageError("give a question or --questions FILE.jsonl, not both")
    if args.questions:
        items = read_questions(args.questions)
    elif args.question == STDIN:
        items = [(None, read_text(STDIN, "question").strip())]
    elif args.question:
        items = [(None, args.question)]
    else:
        raise UsageError("give a question, '-' to read it from stdin, or --questions FILE.jsonl")
    if not items or not all(q.strip() for _, q in items):
        raise UsageError("no question given (the question or the questions file is empty)")

    from . import library
    from .answer import answer_json

    settings = settings_from_args(args)
    store = library.open_store(settings)
    index = library.open_index(settings, store)
    gaps = library.index_gaps(index)
    if gaps:
        print(f"warning: the index does not match the store for {len(gaps)} document(s) ({', '.join(gaps[:3])}"
              f"{', ...' if len(gaps) > 3 else ''}); run `toolkit reindex`", file=sys.stderr)
    answers = library.ask(settings, items, store=store, index=index, progress=show_progress(args))
    if args.questions:
        with open_out(args.out) as out:
            for qid, a in answers:
                out.write(json.dumps(answer_json(a, qid), ensure_ascii=False) + "\n")
        return 0
    [(_, a)] = answers
    if args.json:
        print_json(answer_json(a, None))
    else:
        print(a.answer)
        for i, c in enumerate(a.citations, 1):
            print(f"  [{i}] {c.doc_id} {c.paragraph_id}: {c.quote or c.text[:160]}")
    return 0


def cmd_reindex(args) -> int:
    from . import library

    report = library.reindex(settings_from_args(args), progress=show_progress(args))
    if args.json:
        print_json(library.sync_json(report))
    else:
        print(report)
    return 0


def cmd_check(args) -> int:
    from . import library

    problems = library.check(settings_from_args(args))
    if args.json:
        print_json({"ok": not problems, "problems": problems})
    else:
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

    settings = settings_from_args(args)
    launch(settings, host=args.host or settings.ui.host, port=args.port or settings.ui.port, ingest=args.ingest)
    return 0


# --- parser -----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="toolkit", description="Read Vietnamese meeting reports: ingest, extract, summarise, ask, evaluate. "
                    "Files live under $TOOLKIT_HOME (default: the current directory): the store in index/, models in models/.")
    parser.add_argument("--version", action="version", version=f"toolkit {version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("ingest", help="ingest article files and folders (.txt, .html, .htm, .md), or '-' for one text on stdin")
    p.add_argument("paths", nargs="+", help="files and folders; '-' reads one plain-text article from stdin")
    p.add_argument("--name", help="document id of the text read from stdin (default: 'stdin')")
    p.add_argument("--no-index", action="store_true", help="store documents without updating the search index")
    add_common(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("docs", help="list stored documents")
    add_common(p)
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("models", help="show the configured models and whether their files verify")
    p.add_argument("--no-verify", action="store_true", help="skip the sha256 check")
    add_common(p, llm=True)
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("extract", help="extract a verified record from each document")
    p.add_argument("docs", nargs="*")
    p.add_argument("--force", action="store_true", help="ignore the cache")
    add_common(p, llm=True)
    add_workers(p)
    add_extractor(p)
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("summarize", aliases=["summarise"], help="bilingual cited summaries")
    p.add_argument("docs", nargs="*")
    p.add_argument("--force", action="store_true", help="ignore the cache")
    add_common(p, llm=True)
    p.set_defaults(func=cmd_summarize)

    p = sub.add_parser("ask", help="answer a question with citations")
    p.add_argument("question", nargs="?", help="the question; '-' reads it from stdin")
    p.add_argument("--questions", help="JSONL file of {id, question} ('-' reads stdin); answers are JSONL")
    p.add_argument("--out", help="where to write the JSONL answers of --questions (default stdout)")
    add_common(p, llm=True)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("reindex", help="rebuild the search indexes from the stored documents")
    add_common(p)
    p.set_defaults(func=cmd_reindex)

    p = sub.add_parser("check", help="verify that documents, indexes and records agree")
    add_common(p)
    p.set_defaults(func=cmd_check)

    from evals.args import add_bench_args, add_eval_args  # light: argparse only

    p = sub.add_parser("evals", help="score answers, records and summaries against gold")
    add_common(p, llm=True)
    add_eval_args(p)
    p.set_defaults(func=cmd_evals)

    p = sub.add_parser("bench", help="speed benchmark against the raw model")
    add_common(p, llm=True)
    add_bench_args(p)
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("ui", help="open the Gradio app")
    p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 7860)")
    p.add_argument("--ingest", nargs="*", default=[], help="files or folders to ingest first")
    add_common(p, llm=True, json_out=False)
    p.set_defaults(func=cmd_ui)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    return run_handler(args.func, args)


if __name__ == "__main__":
    sys.exit(main())
