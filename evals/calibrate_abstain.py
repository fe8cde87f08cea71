"""Calibrate settings.answer.abstain_below on the dev gold: print the best threshold and its figures.

    python -m evals.calibrate_abstain [--store DIR] [--corpus DIR] [--gold FILE]

For every gold question: the support score of the best supporting clause (toolkit.answer.support_of)
and whether the extractive answer (never abstaining, no model) is correct. A threshold t abstains
when support < t. The best t maximises answer accuracy (answerable: answered correctly; unanswerable:
abstained); among equally good thresholds the middle of the widest gap between supports is taken,
so the margin on both sides is as large as the data allows.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from evals.metrics import item_answer_correct
from evals.qa_probe import add_probe_args, load_gold, prepare_store, probe_gold, probe_settings


def sweep(rows: list[tuple[dict, float, bool]]) -> tuple[float, dict]:
    """rows: (gold item, support, correct-if-answered). Returns (threshold, figures)."""
    sups = sorted({s for _, s, _ in rows})
    cuts = [sups[0] - 0.05] + [(a + b) / 2 for a, b in zip(sups, sups[1:])] + [sups[-1] + 0.05]

    def figures(t: float) -> dict:
        acc = abst = false_abst = unans_ok = 0
        for it, s, ok in rows:
            abstain = s < t
            abst += abstain
            if it.get("answerable", True):
                acc += (not abstain) and ok
                false_abst += abstain
            else:
                acc += abstain
                unans_ok += abstain
        n_un = sum(1 for it, _, _ in rows if not it.get("answerable", True))
        return {"accuracy": acc / len(rows), "abstained": abst, "false_abstentions": false_abst,
                "unanswerable_abstained": f"{unans_ok}/{n_un}"}

    scored = [(t, figures(t)) for t in cuts]
    best_acc = max(f["accuracy"] for _, f in scored)
    good = [i for i, (_, f) in enumerate(scored) if f["accuracy"] == best_acc]

    def gap(i: int) -> float:  # width of the support gap this cut sits in
        t = cuts[i]
        below = max((s for s in sups if s < t), default=t - 0.1)
        above = min((s for s in sups if s >= t), default=t + 0.1)
        return above - below

    i = max(good, key=gap)
    return round(cuts[i], 3), {**scored[i][1], "gap": round(gap(i), 3)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_probe_args(ap)
    args = ap.parse_args(argv)

    from toolkit.answer import answer_json, ask, support_of

    gold = probe_gold(args)
    if gold is None:
        return 0
    settings = probe_settings(args)
    settings.answer = settings.answer.model_copy(update={"use_model": False, "abstain_below": float("-inf")})
    store, index = prepare_store(settings, Path(args.corpus))
    rows = []
    for it in load_gold(gold):
        cand = support_of(it["question"], settings=settings, store=store, index=index)
        support = cand.support if cand is not None and cand.cue_ok else float("-inf")
        a = answer_json(ask(it["question"], settings=settings, store=store, index=index, llm=None), it["id"])
        ok = item_answer_correct({**it, "answerable": True}, a["answer"], a["abstained"], a["citations"]) if it.get("answerable", True) else False
        rows.append((it, support, ok))
        print(f"{it['id']} answerable={it.get('answerable', True)!s:<5} support={support:6.3f} correct_if_answered={ok}")
    finite = [(it, s if s != float("-inf") else -9.0, ok) for it, s, ok in rows]
    t, fig = sweep(finite)
    print(f"best abstain_below: {t}")
    for k, v in fig.items():
        print(f"  {k}: {round(v, 3) if isinstance(v, float) else v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
