"""Summaries of the web dev set against their records: print them, count disagreements, time them.

    python -m evals.summary_web [--store DIR] [-n N] [--docs w01 w02 ...] [--no-model] [--force]

For every document of the store that has a record (a document without one is listed with the fix
`toolkit extract DOC`), summarises it (the default model polishes unless --no-model) and prints its
record's event type, date and roles, then the Vietnamese and English sentences. Counts, per half of
the web set (odd = tuning, even = check):
- disagreements: sentences for which toolkit.verify.record_problems finds an event type, date, role,
  inspection direction or figure subject that disagrees with the record (target 0), by kind;
- gold dates: English sentences that state a date other than the gold meeting day
  (../shared/gold/web/extract.json; an independent check of the record's date);
- model sentences: English sentences the model's polish changed and the verifier let through;
- seconds per article (summarising only; records are read from the store).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
GOLD = REPO_ROOT.parent / "shared" / "gold" / "web" / "extract.json"
_KINDS = (("type", "calls the event"), ("date", "date"), ("date", "cites"), ("role", "says "), ("inspection", "inspect"),
          ("subject", "does not say what it counts"), ("subject", "no English label"))


def kind_of(problem: str) -> str:
    return next((k for k, cue in _KINDS if cue in problem), "other")


def gold_dates() -> dict[str, str | None]:
    if not GOLD.exists():
        return {}
    data = json.loads(GOLD.read_text(encoding="utf-8"))
    docs = data.get("documents", data) if isinstance(data, dict) else {}
    return {k: (v or {}).get("date") for k, v in docs.items() if isinstance(v, dict)}


def wrong_gold_dates(text: str, gold: str | None) -> list[str]:
    """Dates in an English sentence that are not the gold meeting day (day and month compared); with no
    gold day, a sentence dated "On <date>," is wrong."""
    from toolkit.vi.dates import dates_in

    found = dates_in(text)
    if gold is None:
        return [raw for s, _, raw, _ in found if text[:s].strip() in ("On", "")]
    _, m, d = (int(x) for x in gold.split("-"))
    return [raw for _, _, raw, (dd, mm, _) in found if (dd, mm) != (d, m)]


def audit(doc, record, summary, template) -> dict:
    """The checks of one summary (pure)."""
    from toolkit.summarise.build import context
    from toolkit.verify import record_problems

    ctx = context(doc, record)
    rows = []
    for lang, sents in (("vi", summary.summary_vi), ("en", summary.summary_en)):
        for s in sents:
            probs = record_problems(s.text, ctx.record, lang=lang, sources=ctx.sources, glossary=ctx.glossary, events=ctx.events,
                                    inspection=ctx.inspection)
            rows.append((lang, s.text, probs))
    built = {x.text for x in template.summary_en}
    return {"rows": rows, "polished": sum(1 for s in summary.summary_en if s.text not in built)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path, default=Path("/tmp/web-store"))
    ap.add_argument("-n", type=int, default=10, help="summaries to print (all are counted)")
    ap.add_argument("--docs", nargs="*", default=None)
    ap.add_argument("--no-model", action="store_true", help="record-built sentences only (no polish)")
    ap.add_argument("--quiet", action="store_true", help="print the counts only")
    args = ap.parse_args(argv)

    from toolkit.settings import Settings
    from toolkit.store import Store
    from toolkit.summarise import summarise

    settings = Settings(store=args.store)
    store = Store(args.store)
    docs = store.require_documents(args.docs)
    with_records, missing = [], []
    for d in docs:
        r = store.get_record(d.doc_id)
        (with_records.append((d, r)) if r is not None and r.content_hash == d.content_hash else missing.append(d.doc_id))
    if missing:
        print(f"no current record for {' '.join(missing)}: run `toolkit extract --store {args.store} {' '.join(missing)}`",
              file=sys.stderr)
    llm = None
    if not args.no_model:
        from toolkit.llm import load_llm

        llm = load_llm(settings)
    golds = gold_dates()
    totals: dict[str, dict] = {}
    shown = 0
    for doc, rec in with_records:
        t = time.perf_counter()
        s = summarise(doc, rec, llm, settings)
        secs = time.perf_counter() - t
        template = summarise(doc, rec, None, settings) if llm is not None else s
        a = audit(doc, rec, s, template)
        m = re.search(r"(\d+)$", doc.doc_id)
        half = "odd" if m and int(m.group(1)) % 2 else "even"
        tot = totals.setdefault(half, {"docs": 0, "vi": 0, "en": 0, "disagree": 0, "kinds": {}, "gold_date_wrong": 0,
                                       "polished": 0, "seconds": 0.0, "empty_en": 0})
        tot["docs"] += 1
        tot["seconds"] += secs
        tot["polished"] += a["polished"]
        tot["empty_en"] += not s.summary_en
        for lang, text, probs in a["rows"]:
            tot[lang] += 1
            if probs:
                tot["disagree"] += 1
                for p in probs:
                    tot["kinds"][kind_of(p)] = tot["kinds"].get(kind_of(p), 0) + 1
            if lang == "en" and doc.doc_id in golds:
                tot["gold_date_wrong"] += bool(wrong_gold_dates(text, golds[doc.doc_id]))
        if shown < args.n and not args.quiet:
            shown += 1
            roles = "; ".join(f"{p.role}: {p.name}" + (f" ({p.title})" if p.title else "") for p in rec.people if p.role != "author")
            print(f"== {doc.doc_id}  type={rec.event_type}  date={rec.date}  org={rec.organization}  ({secs:.1f}s)")
            print(f"   roles: {roles or '-'}")
            for lang, text, probs in a["rows"]:
                print(f"   [{lang}] {text}" + (f"   <-- {probs}" if probs else ""))
    print("\nhalf   docs  sent_vi sent_en  disagree (by kind)            gold_date_wrong  polished  empty_en  s/article")
    for half in ("odd", "even"):
        if half in totals:
            t = totals[half]
            kinds = ",".join(f"{k}={v}" for k, v in sorted(t["kinds"].items())) or "-"
            print(f"{half:5}  {t['docs']:4}  {t['vi']:7} {t['en']:7}  {t['disagree']:3} ({kinds:24})  {t['gold_date_wrong']:15}  "
                  f"{t['polished']:8}  {t['empty_en']:8}  {t['seconds'] / max(t['docs'], 1):9.1f}")
    print(f"model: {getattr(llm, 'name', 'none (record-built sentences)')}   store: {args.store}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
