"""`toolkit evals` (main) and the standalone `evals` console script (standalone).

    toolkit evals [--suite dev|web|web+dev] [--gold DIR ...] [--corpus DIR ...] [--report PATH.json]
                  [--compare OLD.json] [--fail-under METRIC=VALUE ...] [--only qa|extract|summary ...]
                  [--no-baselines]

Writes PATH.json, PATH.md and PATH.html, prints one line per part, the deltas against --compare,
and exits 1 naming every metric below its --fail-under threshold.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from toolkit.errors import ToolkitError

from .gold import shared_dir

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = shared_dir()


class EvalArgsError(ToolkitError):
    """Bad command-line input for evals."""


def default_dir(given: str | None, name: str) -> Path:
    """--gold / --corpus, else ../shared/<name> relative to the repo root when present."""
    if given:
        p = Path(given)
        if not p.is_dir():
            raise EvalArgsError(f"{p}: not a folder; pass --{name} DIR")
        return p
    p = SHARED / name
    if not p.is_dir():
        raise EvalArgsError(f"no --{name} given and {p} does not exist; pass --{name} DIR")
    return p


SUITES = {
    "dev": ([SHARED / "gold"], [SHARED / "corpus"]),
    "web": ([SHARED / "gold" / "web"], [REPO_ROOT / ".cache" / "webcorpus"]),
    "web+dev": ([SHARED / "gold" / "web", SHARED / "gold"], [REPO_ROOT / ".cache" / "webcorpus", SHARED / "corpus"]),
}


def resolve_dirs(args) -> tuple[list[Path], list[Path]]:
    """Gold and corpus folders: --gold / --corpus when given (each must exist, except that a missing
    corpus folder is skipped with a note by the runner), else the --suite's (default dev)."""
    gold_given, corpus_given = getattr(args, "gold", None), getattr(args, "corpus", None)
    if isinstance(gold_given, str):
        gold_given = [gold_given]
    if isinstance(corpus_given, str):
        corpus_given = [corpus_given]
    suite = getattr(args, "suite", None)
    if suite is None and not gold_given:
        gold = [default_dir(None, "gold")]
        corpus = [Path(c) for c in corpus_given] if corpus_given else [default_dir(None, "corpus")]
        return gold, corpus
    s_gold, s_corpus = SUITES[suite or "dev"]
    gold = [default_dir(g, "gold") for g in gold_given] if gold_given else [default_dir(str(g), "gold") for g in s_gold]
    corpus = [Path(c) for c in corpus_given] if corpus_given else list(s_corpus)
    return gold, corpus


def parse_thresholds(specs: list[str] | None) -> dict[str, float]:
    out = {}
    for s in specs or []:
        name, sep, value = s.partition("=")
        try:
            if not sep or not name.strip():
                raise ValueError
            out[name.strip()] = float(value)
        except ValueError:
            raise EvalArgsError(f"--fail-under {s!r}: expected METRIC=VALUE, e.g. qa.answer_accuracy=0.6") from None
    return out


def check_thresholds(metrics: dict[str, float], thresholds: dict[str, float]) -> list[str]:
    """Messages for every metric below its threshold, or absent from the run."""
    failures = []
    for name, limit in thresholds.items():
        if name not in metrics:
            failures.append(f"{name}: not in this run (known: {', '.join(sorted(metrics)) or 'none'})")
        elif metrics[name] < limit:
            failures.append(f"{name} = {metrics[name]:.4f} is below {limit:g}")
    return failures


def finish(run, args, out=None, err=None) -> int:
    """Write the report, print totals and deltas, apply --fail-under. Returns the exit code."""
    from . import report

    out, err = out or sys.stdout, err or sys.stderr
    thresholds = parse_thresholds(getattr(args, "fail_under", None))
    paths = report.write(run, args.report)
    for line in report.summary_lines(run):
        print(line, file=out)
    for line in report.breakdown_lines(run):
        print(line, file=out)
    for n in run.notes:
        print(f"note: {n}", file=out)
    print(f"report: {paths['json']} {paths['md']} {paths['html']}", file=out)
    if getattr(args, "compare", None):
        old = Path(args.compare)
        if not old.exists():
            print(f"error: --compare {old}: no such report", file=err)
            return 2
        print(f"\ndeltas against {old}:", file=out)
        print(report.format_deltas(report.compare(old, run)), file=out)
        from .paired import compare_runs, format_paired

        print(f"\npaired against {old} (exact McNemar on the items both runs share):", file=out)
        print(format_paired(compare_runs(report.load_run(old).items, run.items)), file=out)
    failures = check_thresholds(run.flat_metrics(), thresholds)
    for f in failures:
        print(f"FAIL: {f}", file=err)
    return 1 if failures else 0


def main(args: argparse.Namespace) -> int:
    """Entry point of `toolkit evals` (args from evals.args.add_eval_args + toolkit.cli._common)."""
    from toolkit.cli import _settings

    from .runner import run

    parse_thresholds(getattr(args, "fail_under", None))  # fail fast on a typo, before the run
    gold, corpus = resolve_dirs(args)
    settings = _settings(args)
    ev = run(settings, gold, corpus, args.only or None, progress=True, baselines=not getattr(args, "no_baselines", False))
    return finish(ev, args)


def build_parser() -> argparse.ArgumentParser:
    from toolkit.cli import _common

    from .args import add_eval_args

    p = argparse.ArgumentParser(prog="evals", description="Score answers, records and summaries against gold (same as `toolkit evals`).")
    _common(p, llm=True)
    add_eval_args(p)
    return p


def standalone(argv: list[str] | None = None) -> int:
    """The `evals` console script."""
    from toolkit.cli import run_handler

    return run_handler(main, build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(standalone())
