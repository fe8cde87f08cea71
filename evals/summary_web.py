"""Summaries of the web dev set against their records: print them, count disagreements, time them.

    python -m evals.summary_web [--store DIR] [-n N] [--docs w01 w02 ...] [--pick K] [--no-model] [--out FILE.md]

For every document of the store that has a record (a document without one is listed with the fix
`toolkit extract DOC`), summarises it (the default model polishes unless --no-model) and prints its
record's event type, date and roles, then the Vietnamese and English sentences. Counts, per half of
the web set (odd = tuning, even = check):
- disagreements: sentences for which toolkit.verify.record_problems finds an event type, date, role,
  inspection direction or figure subject that disagrees with the record (target 0), by kind;
- gold dates: English sentences that state a date other than the gold meeting day
  (../shared/gold/web/extract.json; an independent check of the record's date);
- independent: sentences (both languages) that evals.summary_gold_check finds at odds with the gold or the
  article's own words (date, figure subject, kind of event, role), by kind, and the numbers it could not check;
- key figures: the share of the gold figures (../shared/gold/extract.dev.json for the dev articles) each
  language states, mean over the articles that have some (the harness's key_figure_coverage);
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
DEV_GOLD = REPO_ROOT.parent / "shared" / "gold" / "extract.dev.json"
_KINDS = (("type", "calls the event"), ("date", "date"), ("date", "cites"), ("role", "says "), ("inspection", "inspect"),
          ("subject", "does not say what it counts"), ("subject", "no English label"), ("subject", "does not name the body"))


def kind_of(problem: str) -> str:
    return next((k for k, cue in _KINDS if cue in problem), "other")


def gold_docs() -> dict[str, dict]:
    """Gold records by document: the web set's and the dev set's."""
    out: dict[str, dict] = {}
    for path in (GOLD, DEV_GOLD):
        if path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
            docs = data.get("documents", data) if isinstance(data, dict) else {}
            out.update({k: v for k, v in docs.items() if isinstance(v, dict)})
    return out


def gold_dates() -> dict[str, str | None]:
    return {k: v.get("date") for k, v in gold_docs().items() if k in _web_ids()}


def _web_ids() -> set[str]:
    if not GOLD.exists():
        return set()
    data = json.loads(GOLD.read_text(encoding="utf-8"))
    return set(data.get("documents", data) if isinstance(data, dict) else {})


def group_of(doc_id: str) -> str:
    """'odd' / 'even' for the web set's wNN (tuning / check half), 'dev' for the other articles."""
    m = re.fullmatch(r"[A-Za-z]+(\d+)", doc_id)
    return ("odd" if int(m.group(1)) % 2 else "even") if m else "dev"


def pick(doc_ids: list[str], k: int) -> list[str]:
    """The first k odd and the first k even web documents, in order."""
    odd = [d for d in doc_ids if group_of(d) == "odd"][:k]
    even = [d for d in doc_ids if group_of(d) == "even"][:k]
    return sorted(odd + even)


def wrong_gold_dates(text: str, gold: str | None) -> list[str]:
    """Dates in an English sentence that are not the gold meeting day (day and month compared); with no
    gold day, a sentence dated "On <date>," is wrong."""
    from toolkit.vi.dates import dates_in

    found = dates_in(text)
    if gold is None:
        return [raw for s, _, raw, _ in found if text[:s].strip() in ("On", "")]
    _, m, d = (int(x) for x in gold.split("-"))
    return [raw for _, _, raw, (dd, mm, _) in found if (dd, mm) != (d, m)]


def audit(doc, record, summary, template, gold: dict | None = None) -> dict:
    """The checks of one summary (pure): the verifier's against the record the summary was built from, and the
    independent ones against the gold and the article (evals.summary_gold_check)."""
    from toolkit.summarise.build import context
    from toolkit.verify import record_problems

    from .metrics import figure_coverage
    from .summary_gold_check import check_sentence

    ctx = context(doc, record)
    head = "\n".join([doc.title] + [p.text for p in doc.body[:2]])
    names = [p.name for p in record.people]
    rows = []
    unchecked = 0
    for lang, sents in (("vi", summary.summary_vi), ("en", summary.summary_en)):
        for s in sents:
            probs = record_problems(s.text, ctx.record, lang=lang, sources=ctx.sources, glossary=ctx.glossary, events=ctx.events,
                                    inspection=ctx.inspection, body=ctx.org_en)
            indep, n = check_sentence(s.text, lang, article=doc.text, article_head=head, gold=gold, names=names)
            unchecked += n
            rows.append((lang, s.text, probs, indep))
    built = {x.text for x in template.summary_en}
    figs = [float(x) for x in (gold or {}).get("figures") or []]
    cover = {lang: figure_coverage(" ".join(x.text for x in sents), figs)
             for lang, sents in (("vi", summary.summary_vi), ("en", summary.summary_en))}
    return {"rows": rows, "polished": sum(1 for s in summary.summary_en if s.text not in built), "unchecked": unchecked,
            "coverage": cover}


def render(doc, rec, a: dict, secs: float) -> list[str]:
    """One summary as Markdown lines: the record's type, date and roles, then each sentence with its problems."""
    roles = "; ".join(f"{p.role}: {p.name}" + (f" ({p.title})" if p.title else "") for p in rec.people if p.role != "author")
    out = [f"## {doc.doc_id} ({group_of(doc.doc_id)})", "",
           f"record: type={rec.event_type}  date={rec.date}  organisation={rec.organization}  ({secs:.1f} s)", "",
           f"roles: {roles or '-'}", ""]
    for lang in ("vi", "en"):
        out.append(f"**{lang}**")
        out.append("")
        for lg, text, probs, indep in a["rows"]:
            if lg == lang:
                marks = ([f"verifier: {probs}"] if probs else []) + ([f"independent: {[p for _, p in indep]}"] if indep else [])
                out.append(f"- {text}" + (f"  <-- {'; '.join(marks)}" if marks else ""))
        out.append("")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path, default=Path("/tmp/web-store"))
    ap.add_argument("-n", type=int, default=10, help="summaries to print (all are counted)")
    ap.add_argument("--docs", nargs="*", default=None)
    ap.add_argument("--pick", type=int, default=0, help="only the first K odd and K even web documents")
    ap.add_argument("--no-model", action="store_true", help="record-built sentences only (no polish)")
    ap.add_argument("--quiet", action="store_true", help="print the counts only")
    ap.add_argument("--out", type=Path, help="also write the printed summaries and the counts as Markdown here")
    args = ap.parse_args(argv)

    from toolkit.settings import Settings
    from toolkit.store import Store
    from toolkit.summarise import summarise

    settings = Settings(store=args.store)
    store = Store(args.store)
    docs = store.require_documents(args.docs)
    if args.pick:
        wanted = set(pick([d.doc_id for d in docs], args.pick))
        docs = [d for d in docs if d.doc_id in wanted]
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
    golds = gold_docs()
    totals: dict[str, dict] = {}
    shown = 0
    md: list[str] = []
    for doc, rec in with_records:
        t = time.perf_counter()
        s = summarise(doc, rec, llm, settings)
        secs = time.perf_counter() - t
        template = summarise(doc, rec, None, settings) if llm is not None else s
        gold = golds.get(doc.doc_id)
        a = audit(doc, rec, s, template, gold)
        half = group_of(doc.doc_id)
        tot = totals.setdefault(half, {"docs": 0, "vi": 0, "en": 0, "disagree": 0, "kinds": {}, "gold_date_wrong": 0,
                                       "indep": 0, "indep_kinds": {}, "unchecked": 0, "cov": {"vi": [], "en": []},
                                       "polished": 0, "seconds": 0.0, "empty_en": 0})
        tot["docs"] += 1
        tot["seconds"] += secs
        tot["polished"] += a["polished"]
        tot["unchecked"] += a["unchecked"]
        tot["empty_en"] += not s.summary_en
        for lang in ("vi", "en"):
            if a["coverage"][lang] is not None:
                tot["cov"][lang].append(a["coverage"][lang])
        for lang, text, probs, indep in a["rows"]:
            tot[lang] += 1
            if probs:
                tot["disagree"] += 1
                for p in probs:
                    tot["kinds"][kind_of(p)] = tot["kinds"].get(kind_of(p), 0) + 1
            if indep:
                tot["indep"] += 1
                for k, _ in indep:
                    tot["indep_kinds"][k] = tot["indep_kinds"].get(k, 0) + 1
            if lang == "en" and doc.doc_id in _web_ids():
                tot["gold_date_wrong"] += bool(wrong_gold_dates(text, (gold or {}).get("date")))
        if shown < args.n and not args.quiet:
            shown += 1
            lines = render(doc, rec, a, secs)
            md += lines
            print("\n".join(lines))
    head = ("group  docs  sent_vi sent_en  verifier (by kind)       independent (by kind)          unchecked  "
            "gold_date_wrong  key.vi  key.en  polished  empty_en  s/article")
    table = [head]
    for half in ("odd", "even", "dev"):
        if half in totals:
            t = totals[half]
            kinds = ",".join(f"{k}={v}" for k, v in sorted(t["kinds"].items())) or "-"
            ikinds = ",".join(f"{k}={v}" for k, v in sorted(t["indep_kinds"].items())) or "-"
            cov = {lang: (f"{sum(v) / len(v):.3f}" if v else "-") for lang, v in t["cov"].items()}
            table.append(f"{half:5}  {t['docs']:4}  {t['vi']:7} {t['en']:7}  {t['disagree']:3} ({kinds:18})  {t['indep']:3} "
                         f"({ikinds:24})  {t['unchecked']:9}  {t['gold_date_wrong']:15}  {cov['vi']:>6}  {cov['en']:>6}  "
                         f"{t['polished']:8}  {t['empty_en']:8}  {t['seconds'] / max(t['docs'], 1):9.1f}")
    table.append(f"model: {getattr(llm, 'name', 'none (record-built sentences)')}   store: {args.store}")
    print("\n" + "\n".join(table))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(md + ["## Counts (sentences)", "", "```", *table, "```", ""]), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
