"""Score a saved answers file again (no store, no model): totals and the per-half / per-language table.

    python -m evals.rescore --answers evals/reports/webdev-qa.answers.jsonl --gold ../shared/gold/web [--gold ../shared/gold]
                            [--report OUT.json] [--compare OLD.json]

Each gold set is scored on the questions the answers file holds (ids are unique across sets), so a
run's answers can be re-read after a scoring fix, or answers from `toolkit ask --questions … --out`
scored the same way `toolkit evals` scores them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .gold import load_gold_sets
from .results import EvalRun
from .runner import read_answers_jsonl
from .scoring import qa_breakdown, score_qa


def rescore(answers: dict[str, dict], gold_dirs: list[Path]) -> EvalRun:
    sets = load_gold_sets(gold_dirs)
    ev = EvalRun()
    for gs in sets:
        pre = f"{gs.name}." if len(sets) > 1 else ""
        qs = [q for q in gs.qa or [] if str(q["id"]) in answers]
        if not qs:
            ev.notes.append(f"{gs.name}: no answers for its questions")
            continue
        if len(qs) < len(gs.qa or []):
            ev.notes.append(f"{gs.name}: {len(gs.qa) - len(qs)} of {len(gs.qa)} questions have no answer in the file; left out")
        items, totals = score_qa(qs, answers, gold_set=gs.name)
        ev.items += items
        ev.totals[f"{pre}qa"] = totals
        ev.breakdown[f"{pre}qa"] = qa_breakdown(items)
    return ev


def main(argv: list[str] | None = None) -> int:
    from . import report

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--answers", required=True, help="answers JSONL (`toolkit ask --out`, or REPORT.answers.jsonl)")
    ap.add_argument("--gold", action="append", required=True, help="gold folder, repeatable")
    ap.add_argument("--report", help="write REPORT.json/.md/.html too")
    ap.add_argument("--compare", help="an older report JSON: paired test on the shared items")
    a = ap.parse_args(argv)
    ev = rescore(read_answers_jsonl(Path(a.answers)), [Path(g) for g in a.gold])
    for line in report.summary_lines(ev) + report.breakdown_lines(ev):
        print(line)
    for n in ev.notes:
        print(f"note: {n}")
    if a.report:
        report.write(ev, a.report)
    if a.compare:
        from .paired import compare_runs, format_paired

        print(format_paired(compare_runs(report.load_run(a.compare).items, ev.items)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
