"""First-token and total time of chat answers with the default model, as the chat gets them
(toolkit.pipeline.Pipeline.ask_stream, with the phrasing step on).

    python -m evals.stream_bench --store /tmp/stream-store [--n 8] [--ids w-q001,w-q002]

Loads the store, index, embedder and model and answers one warm-up question (not timed), then asks
the chosen questions (answerable ones of ../shared/gold/web/qa.jsonl, alternating Vietnamese and
English, evenly spread, unless --ids), one at a time. Per question (every one asked, answered,
abstained or not phrased) it prints the seconds to the first text the chat shows (the composed answer,
toolkit.chat_stream), to the first model token (or why the model was not called), to the first text
the gate released, and to the final answer; the phrasing prompt's user tokens; whether the phrasing
passed the gate or fell back to the composed answer (and why); and the load average. Then n, p50 and
max of each, for all questions and per language. Prints figures; asserts nothing. Run it on an idle
machine for headline numbers (`nice -n 19` when others share the cores, and say the load).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from evals.metrics import percentile

REPO = Path(__file__).resolve().parents[1]
SHARED = next((p / "shared" for p in (REPO.parent, REPO.parent.parent) if (p / "shared").exists()), REPO.parent / "shared")


def pick_questions(gold: Path, n: int, ids: list[str] | None) -> list[dict]:
    rows = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    if ids:
        by_id = {r["id"]: r for r in rows}
        return [by_id[i] for i in ids if i in by_id]
    ans = [r for r in rows if r.get("answerable")]
    vi = [r for r in ans if r.get("lang") == "vi"]
    en = [r for r in ans if r.get("lang") == "en"]
    out = []
    for k in range(n):
        pool = vi if k % 2 == 0 else en
        if pool:
            out.append(pool[(k // 2) * len(pool) // max(1, (n + 1) // 2) % len(pool)])
    return out


def load_avg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def one(pipeline, question: str) -> dict:
    from toolkit.answer.phrase import Final

    t0 = time.perf_counter()
    first_text = first_release = composed_at = None
    final = None
    for ev in pipeline.ask_stream(question):
        now = time.perf_counter() - t0
        first_text = first_text if first_text is not None else now
        if isinstance(ev, Final):
            final = ev
        elif hasattr(ev, "composed"):
            composed_at = now
        elif first_release is None:
            first_release = now
    total = time.perf_counter() - t0
    llm = getattr(pipeline.llm, "_llm", pipeline.llm)
    stats = getattr(llm, "last_stream", None)
    timings = (final.timings if final else None) or {}
    # seconds from the question to the model's first token: the phrasing's own clock starts after the
    # reader's answer (and the prompt bound), so add the time before it began
    first_token = total - timings["total_s"] + timings["first_token_s"] if "first_token_s" in timings else None
    if first_token is not None:
        why = ""
    elif final is None:
        why = "no answer"
    elif final.answer.abstained:
        why = "abstained"
    elif composed_at is None:
        why = "composed, not phrased"
    else:
        why = final.stopped or "not phrased"
    return {"first_text_s": first_text, "first_token_s": first_token, "first_release_s": first_release, "total_s": total,
            "no_model": why, "phrased": bool(final and final.phrased), "route": final.answer.route if final else "?",
            "stopped": (final.stopped if final else "")[:90], "answer": final.answer.answer[:100] if final else "",
            "draft": (final.draft if final else "")[:160], "prompt_tokens": _last_prompt_tokens(llm) if first_token is not None else None,
            "stream_pieces": stats.pieces if stats else 0}


def _last_prompt_tokens(llm) -> int | None:
    """User-message tokens of the phrasing prompt just sent (the model's tokenizer), when known."""
    count, sent = getattr(llm, "count_tokens", None), getattr(llm, "last_messages", None)
    if not callable(count) or not sent:
        return None
    return count(sent[-1]["content"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", default="/tmp/stream-store")
    ap.add_argument("--gold", default=str(SHARED / "gold" / "web" / "qa.jsonl"))
    ap.add_argument("--n", type=int, default=8)
    ap.add_argument("--ids", default="")
    ap.add_argument("--drafts", action="store_true", help="print what the model wrote (also when the gate refused it)")
    args = ap.parse_args(argv)

    from toolkit.pipeline import Pipeline
    from toolkit.settings import Settings

    settings = Settings(store=Path(args.store))
    settings.answer.phrase = True
    qs = pick_questions(Path(args.gold), args.n, [i for i in args.ids.split(",") if i] or None)
    if not qs:
        print(f"no questions from {args.gold}", file=sys.stderr)
        return 2
    pipeline = Pipeline(settings)
    t = time.perf_counter()
    one(pipeline, "Năm 2021 kết nạp bao nhiêu đảng viên mới?")  # loads index, embedder, model
    print(f"warm-up (loading) {time.perf_counter() - t:.1f} s; load average {load_avg()}")
    rows = []
    fmt = lambda v: f"{v:.2f}s" if v is not None else "-"  # noqa: E731
    for q in qs:
        r = one(pipeline, q["question"])
        r["id"], r["lang"], r["load"] = q["id"], q["lang"], load_avg()
        rows.append(r)
        model = fmt(r["first_token_s"]) if r["first_token_s"] is not None else f"none ({r['no_model'][:60]})"
        print(f"{r['id']} {r['lang']} first_text={fmt(r['first_text_s'])} first_token={model} "
              f"first_release={fmt(r['first_release_s'])} total={r['total_s']:.2f}s prompt_tokens={r['prompt_tokens'] or '-'} "
              f"route={r['route']} phrased={r['phrased']} load=[{r['load']}] {r['stopped'] if r['first_token_s'] is not None else ''}",
              flush=True)
        if args.drafts and r["draft"]:
            print(f"    model wrote: {r['draft']!r}", flush=True)
    for key in ("first_text_s", "first_token_s", "first_release_s", "total_s"):
        for lang in ("all", "vi", "en"):
            vals = [r[key] for r in rows if r[key] is not None and lang in ("all", r["lang"])]
            if vals:
                print(f"{key} {lang}: n={len(vals)} p50={percentile(vals, 50):.2f} max={max(vals):.2f}")
    none = [r for r in rows if r["first_token_s"] is None]
    print(f"no model call for {len(none)}/{len(rows)}: " + "; ".join(f"{r['id']} {r['no_model'][:50]}" for r in none))
    print(f"phrased {sum(r['phrased'] for r in rows)}/{len(rows)}; load average at end {load_avg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
