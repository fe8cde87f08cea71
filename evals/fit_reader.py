"""Fit the reader's feature weights on the tuning half of the web dev set; report both halves.

    python -m evals.fit_reader --store /tmp/reader-store [--gold ../shared/gold/web/qa.jsonl]
                               [--dev-gold ../shared/gold/qa.dev.jsonl] [--l2 1.0] [--show]
                               [--keep-weights [--recalibrate]] [--threshold T [--threshold-en T]]

Tuning half: items whose first document is an odd-numbered web article (w01, w03, ...), and
document-less items (unanswerable, some injections) with an odd id; check half: the rest.
Every candidate sentence of a question is an example: positive when it holds a gold evidence
string, or lies in an evidence paragraph and states one must_include alternative. A logistic
conditional logit (softmax over each question's sentences, numpy, L2) gives the ranking weights;
a 1-D logistic regression of "the top sentence holds the answer" on the top score scales them
into a probability (the bias); abstain_below is then calibrated on the
tuning half (the threshold with the most right answers minus three times the wrong ones, abstentions
counting zero). Prints the weights as a dict for toolkit/settings.py READER_WEIGHTS and the figures
of both halves (accuracy, false abstention, wrong rate, citation recall/precision, per language).
The store must hold the articles (toolkit ingest); the model is not used.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

from evals.metrics import citation_scores, item_answer_correct, mentions, ws_fold

REPO = Path(__file__).resolve().parents[1]
SHARED = next((p / "shared" for p in (REPO.parent, REPO.parent.parent) if (p / "shared").exists()), REPO.parent / "shared")


def half_of(item: dict) -> str:
    docs = item.get("docs") or []
    m = re.search(r"w(\d+)", docs[0]) if docs else None
    n = int(m.group(1)) if m else int(re.sub(r"\D", "", item["id"]) or 0)
    return "tuning" if n % 2 == 1 else "check"


def label(item: dict, quote: str, paragraph: str) -> int:
    if not item.get("answerable", True):
        return 0
    ev = [ws_fold(e) for e in item.get("evidence") or [] if e]
    q, p = ws_fold(quote), ws_fold(paragraph)
    if any(e in q for e in ev):
        return 1
    in_par = any(e in p for e in ev)
    lang = item.get("lang", "vi")
    return int(in_par and any(any(mentions(quote, alt, "vi") or mentions(quote, alt, lang) for alt in g) for g in item.get("must_include") or []))


def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float, iters: int = 50) -> np.ndarray:
    """Newton-Raphson for L2-penalised logistic regression (the bias, column 0, unpenalised)."""
    w = np.zeros(X.shape[1])
    pen = np.full(X.shape[1], l2)
    pen[0] = 0.0
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-np.clip(X @ w, -30, 30)))
        g = X.T @ (p - y) + pen * w
        H = (X * (p * (1 - p))[:, None]).T @ X + np.diag(pen + 1e-6)
        step = np.linalg.solve(H, g)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return w


def fit_ranker(groups: list[tuple[np.ndarray, np.ndarray]], l2: float, iters: int = 300, lr: float = 0.5) -> np.ndarray:
    """Conditional logit: per question, softmax over its sentences; maximise the log-probability of
    its positive sentences (gradient ascent, L2). Column 0 (bias) cancels and stays 0."""
    d = groups[0][0].shape[1]
    w = np.zeros(d)
    n = len(groups)
    for _ in range(iters):
        g = -l2 * w
        for X, y in groups:
            z = X @ w
            z -= z.max()
            p = np.exp(z) / np.exp(z).sum()
            t = y / y.sum()
            g += X.T @ (t - p)
        g[0] = 0.0
        w += lr * g / n
    return w


def calibrate(z: np.ndarray, ok: np.ndarray, l2: float = 0.01) -> tuple[float, float]:
    """p(top answer right) = sigmoid(a + b z) by 1-D logistic regression on the top scores."""
    X = np.stack([np.ones_like(z), z], axis=1)
    w = fit_logistic(X, ok.astype(float), l2)
    w2 = np.zeros(2)
    pen = np.array([0.0, l2])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(X @ w2, -30, 30)))
        H = (X * (p * (1 - p))[:, None]).T @ X + np.diag(pen + 1e-6)
        w2 -= np.linalg.solve(H, X.T @ (p - ok) + pen * w2)
    return float(w2[0]), float(w2[1])


def summarise(rows: list[dict]) -> dict:
    """rows: {item, answer(json)} -> accuracy, false abstention, wrong rate, citations."""
    n = len(rows)
    if not n:
        return {}
    ok = [item_answer_correct(r["item"], r["a"]["answer"], r["a"]["abstained"], r["a"]["citations"]) for r in rows]
    ans = [r for r in rows if r["item"].get("answerable", True)]
    false_abs = sum(r["a"]["abstained"] for r in ans)
    wrong = sum(1 for r, k in zip(rows, ok) if not k and not r["a"]["abstained"])
    unans = [r for r in rows if not r["item"].get("answerable", True)]
    cit = citation_scores([(r["item"], r["a"]["citations"]) for r in rows])
    return {"n": n, "accuracy": round(sum(ok) / n, 3), "false_abstention": round(false_abs / max(1, len(ans)), 3),
            "wrong": round(wrong / n, 3), "unanswerable_abstained": f"{sum(r['a']['abstained'] for r in unans)}/{len(unans)}",
            "citation_recall": round(cit["citation_recall"] or 0, 3), "citation_precision": round(cit["citation_precision"] or 0, 3)}


def report(title: str, rows: list[dict]) -> None:
    print(f"== {title}: {summarise(rows)}")
    for lang in ("vi", "en"):
        sub = [r for r in rows if r["item"].get("lang") == lang]
        if sub:
            print(f"   {lang}: {summarise(sub)}")


def show(rows: list[dict]) -> None:
    for r in rows:
        it, a = r["item"], r["a"]
        ok = item_answer_correct(it, a["answer"], a["abstained"], a["citations"])
        print(f"{it['id']} {half_of(it)[:1]} {it.get('lang', 'vi')} {'PASS' if ok else ('ABST' if a['abstained'] else 'WRONG')} "
              f"{a['route']}: {a['answer'][:160]!r}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", default="/tmp/reader-store")
    ap.add_argument("--gold", default=str(SHARED / "gold" / "web" / "qa.jsonl"))
    ap.add_argument("--dev-gold", default=str(SHARED / "gold" / "qa.dev.jsonl"))
    ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument("--keep-weights", action="store_true", help="score with the Settings weights, do not fit")
    ap.add_argument("--recalibrate", action="store_true", help="with --keep-weights: calibrate abstain_below anew on the tuning half")
    ap.add_argument("--show", action="store_true", help="print every answer")
    ap.add_argument("--threshold", type=float, default=None, help="use this abstain_below instead of calibrating")
    ap.add_argument("--threshold-en", type=float, default=None, help="use this abstain_below_en (default: --threshold)")
    args = ap.parse_args(argv)

    from toolkit import library
    from toolkit.answer import answer_json, read, read_parts, respond
    from toolkit.answer.candidates import FEATURES
    from toolkit.answer.reader import score
    from toolkit.settings import Settings
    from toolkit.store import Store
    from toolkit.vi.question import analyse_question, clean_question

    gold = Path(args.gold)
    if not gold.exists():
        print(f"gold not found at {gold}; nothing to do", file=sys.stderr)
        return 0
    settings = Settings(store=Path(args.store))
    settings.answer = settings.answer.model_copy(update={"use_model": False})
    store = Store(settings.store)
    index = library.open_index(settings, store, read_only=True)  # the store is indexed by toolkit ingest

    def prepare(items):
        out = []
        for it in items:
            t = time.perf_counter()
            info = analyse_question(clean_question(it["question"]) or it["question"])
            cands = read(info, settings=settings, store=store, index=index)
            parts = read_parts(info, cands, settings=settings, store=store, index=index)
            out.append({"item": it, "info": info, "cands": cands, "parts": parts, "t": time.perf_counter() - t})
        return out

    items = [json.loads(l) for l in gold.read_text(encoding="utf-8").splitlines() if l.strip()]
    prepared = prepare(items)
    tuning = [p for p in prepared if half_of(p["item"]) == "tuning"]

    weights = dict(settings.answer.weights)

    def ranking(prep, w):
        """Share of answerable questions whose top sentence is positive, and with any positive."""
        top = anyp = n = 0
        for p in prep:
            if not p["item"].get("answerable", True):
                continue
            n += 1
            score(p["cands"], w)
            labels = [label(p["item"], c.quote, c.paragraph_text) for c in p["cands"]]
            anyp += any(labels)
            top += bool(labels and labels[0])
        return f"top-1 positive {top}/{n}, any positive {anyp}/{n}"
    if not args.keep_weights:
        groups = []
        for p in tuning:
            if not p["cands"]:
                continue
            y = np.array([label(p["item"], c.quote, c.paragraph_text) for c in p["cands"]], dtype=float)
            if y.sum():
                groups.append((np.array([c.vector() for c in p["cands"]]), y))
        allX = np.concatenate([X for X, _ in groups])
        mu, sd = allX.mean(axis=0), allX.std(axis=0)
        mu[0], sd[0] = 0.0, 1.0
        sd[sd < 1e-9] = 1.0
        w = fit_ranker([((X - mu) / sd, y) for X, y in groups], args.l2)
        w = w / sd  # back to raw feature units (the shift by mu cancels in the softmax)
        raw = {f: float(v) for f, v in zip(FEATURES, w)}
        # calibrate: does the top sentence (of the asked type) of a tuning question hold the answer?
        zs, oks = [], []
        for p in tuning:
            score(p["cands"], raw)
            typed = [c for c in p["cands"] if c.feats.get("type", 1.0) >= 0.999]
            if not typed:
                continue
            c = typed[0]
            zs.append(sum(raw[f] * c.feats.get(f, 0.0) for f in FEATURES))
            oks.append(label(p["item"], c.quote, c.paragraph_text))
        a, b = calibrate(np.array(zs), np.array(oks, dtype=float))
        weights = {f: round(b * v + (a if f == "bias" else 0.0), 3) for f, v in raw.items()}
        print(f"fitted on {len(groups)} tuning questions with a positive sentence; calibration a={a:.3f} b={b:.3f}")
        print("READER_WEIGHTS =", json.dumps(weights))

    def answers(prep, threshold, threshold_en=None):
        s = settings.model_copy(deep=True)
        s.answer = s.answer.model_copy(update={"weights": weights, "abstain_below": threshold,
                                               "abstain_below_en": threshold if threshold_en is None else threshold_en})
        rows = []
        for p in prep:
            score(p["cands"], weights)
            for _, pc in p["parts"]:
                score(pc, weights)
            t0 = time.perf_counter() - p["t"]
            a = respond(p["item"]["question"], p["info"], p["cands"], settings=s, store=store, llm=None, t0=t0, parts=p["parts"])
            rows.append({"item": p["item"], "a": answer_json(a, p["item"]["id"])})
        return rows

    def calibrated(prep) -> float:
        """The threshold with the most right answers minus three times the wrong ones."""
        best_t, best_v = 0.5, None
        for t in [x / 100 for x in range(2, 96, 2)]:
            rows = answers(prep, t)
            ok = sum(item_answer_correct(r["item"], r["a"]["answer"], r["a"]["abstained"], r["a"]["citations"]) for r in rows)
            wrong = sum(1 for r in rows if not r["a"]["abstained"]
                        and not item_answer_correct(r["item"], r["a"]["answer"], r["a"]["abstained"], r["a"]["citations"]))
            v = ok - 3 * wrong
            print(f"  threshold {t:.2f}: right {ok}, wrong {wrong}, abstained {len(rows) - ok - wrong}")
            if best_v is None or v > best_v:
                best_t, best_v = t, v
        return best_t

    if args.threshold is not None:
        best_t = best_en = args.threshold
        if args.threshold_en is not None:
            best_en = args.threshold_en
    elif args.keep_weights and not args.recalibrate:
        best_t, best_en = settings.answer.abstain_below, settings.answer.abstain_below_en
    else:
        best_t = calibrated([p for p in tuning if p["item"].get("lang") != "en"])
        best_en = calibrated([p for p in tuning if p["item"].get("lang") == "en"])
        print(f"abstain_below = {best_t}")
        print(f"abstain_below_en = {best_en}")
    rows = answers(prepared, best_t, best_en)
    for half in ("tuning", "check"):
        report(f"web {half}", [r for r in rows if half_of(r["item"]) == half])
    report("web all", rows)
    if args.show:
        show(rows)
    dev = Path(args.dev_gold)
    if dev.exists():
        dev_items = [json.loads(l) for l in dev.read_text(encoding="utf-8").splitlines() if l.strip()]
        dev_rows = answers(prepare(dev_items), best_t, best_en)
        report("original dev gold", dev_rows)
        if args.show:
            show(dev_rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
