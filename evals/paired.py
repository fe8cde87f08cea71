"""Paired comparison of two runs on the items both share (pure; no I/O).

    mcnemar_exact(improved, worsened) -> two-sided p-value
    paired(old, new) -> {"n", "improved", "worsened", "both_pass", "both_fail", "p_value", "verdict", ...}
    compare_runs(old_items, new_items, metrics) -> one row per (part, gold set, metric)

A per-item binary metric (answer correct, abstention correct, a figure found…) is compared item by
item. Only discordant items carry information: under "no difference" each of the b + c discordant
items is equally likely to have improved or worsened, so the exact McNemar test is the two-sided
binomial test of min(b, c) against Binomial(b + c, 1/2). p < 0.05 -> "larger than the noise of
N questions"; otherwise "within noise".
"""

from __future__ import annotations

from math import comb
from typing import Iterable, Mapping, Sequence

ALPHA = 0.05
# The per-item binary scores --compare pairs (ItemResult.scores keys).
PAIRED_METRICS = ("answer_correct", "abstention_correct", "in_top5")


def mcnemar_exact(improved: int, worsened: int) -> float:
    """Two-sided exact McNemar p-value: P(X <= min(b, c)) * 2 for X ~ Binomial(b + c, 1/2), capped at 1."""
    if improved < 0 or worsened < 0:
        raise ValueError("counts must be >= 0")
    n = improved + worsened
    if n == 0:
        return 1.0
    k = min(improved, worsened)
    tail = sum(comb(n, i) for i in range(k + 1)) / 2**n
    return min(1.0, 2 * tail)


def verdict(p_value: float, n: int, improved: int, worsened: int, unit: str = "questions") -> str:
    if improved == worsened == 0:
        return f"no item changed ({n} {unit})"
    direction = "better" if improved > worsened else "worse" if worsened > improved else "mixed"
    if p_value < ALPHA:
        return f"{direction}: larger than the noise of {n} {unit} (p = {p_value:.3g})"
    return f"within noise of {n} {unit} (p = {p_value:.3g}; {improved} improved, {worsened} worsened)"


def paired(old: Mapping[str, bool], new: Mapping[str, bool], unit: str = "questions") -> dict:
    """Compare two {item id: passed} maps on the ids both hold (None values are skipped)."""
    shared = sorted(k for k in old.keys() & new.keys() if old[k] is not None and new[k] is not None)
    improved = [k for k in shared if new[k] and not old[k]]
    worsened = [k for k in shared if old[k] and not new[k]]
    both_pass = sum(1 for k in shared if old[k] and new[k])
    p = mcnemar_exact(len(improved), len(worsened))
    return {
        "n": len(shared), "improved": len(improved), "worsened": len(worsened), "both_pass": both_pass,
        "both_fail": len(shared) - len(improved) - len(worsened) - both_pass,
        "old_rate": (sum(bool(old[k]) for k in shared) / len(shared)) if shared else None,
        "new_rate": (sum(bool(new[k]) for k in shared) / len(shared)) if shared else None,
        "p_value": p, "verdict": verdict(p, len(shared), len(improved), len(worsened), unit),
        "improved_ids": improved, "worsened_ids": worsened,
    }


def _binary_maps(items: Iterable, metric: str) -> dict[tuple[str, str], dict[str, bool]]:
    """(part, gold set) -> {item id: value of the binary score}, over ItemResults that carry it."""
    out: dict[tuple[str, str], dict[str, bool]] = {}
    for it in items:
        v = it.scores.get(metric)
        if isinstance(v, bool):
            out.setdefault((it.part, it.gold_set or ""), {})[str(it.id)] = v
    return out


def compare_runs(old_items: Sequence, new_items: Sequence, metrics: Sequence[str] = PAIRED_METRICS) -> list[dict]:
    """One paired comparison per (part, gold set of the new run, metric). Items pair by part and id
    (ids are unique across gold sets), so a report written before gold sets were named pairs too."""
    rows = []
    for metric in metrics:
        old: dict[str, dict[str, bool]] = {}
        for (part, _), m in _binary_maps(old_items, metric).items():
            old.setdefault(part, {}).update(m)
        for (part, gset), new in sorted(_binary_maps(new_items, metric).items()):
            r = paired(old.get(part, {}), new)
            if r["n"]:
                rows.append({"part": part, "gold_set": gset, "metric": metric, **r})
    return rows


def format_paired(rows: Sequence[dict]) -> str:
    if not rows:
        return "paired: no per-item results shared by both runs"
    lines = []
    for r in rows:
        where = f"{r['gold_set']}." if r["gold_set"] else ""
        rates = f"{r['old_rate']:.3f} -> {r['new_rate']:.3f}"
        lines.append(f"{where}{r['part']}.{r['metric']}: {rates} on {r['n']} shared items; "
                     f"+{r['improved']} / -{r['worsened']}: {r['verdict']}")
    return "\n".join(lines)
