"""Extraction metrics on the web dev set (w01..w30), per half: odd = tuning, even = check.

    python -m evals.extract_web --store DIR                # score the records stored in DIR
    python -m evals.extract_web --store DIR --no-model     # make records without a model (rule labels) and score them
    python -m evals.extract_web --store DIR --run [--force]  # extract with the configured model first

Prints per half: date, province, people (name and title), titles (given the name is found),
figures, document codes, figure labels (a label is good when it contains one of the gold
`label_contains` keywords, NFC + casefold), invented people, figures read from site chrome, and
the share of evidence quotes that are verbatim.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import unicodedata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# ../shared next to the repository (a worktree sits one level deeper)
DEFAULT_GOLD = next((p / "shared" / "gold" / "web" / "extract.json" for p in (REPO_ROOT.parent, REPO_ROOT.parent.parent)
                     if (p / "shared" / "gold" / "web" / "extract.json").exists()),
                    REPO_ROOT.parent / "shared" / "gold" / "web" / "extract.json")

# Independent of toolkit.vi.chrome on purpose: what the gold README calls chrome.
_CHROME_QUOTE = re.compile(r"-?\d+\s*°\s*C?(?:\s*-\s*\d+\s*°\s*C?)?|\(?GMT\s*[+-]\s*\d+\)?|[\d.,]+\s*lượt (?:xem|truy cập)|"
                           r"^\s*date\s+\d{4}-\d{2}|\d{1,2}:\d{5,}", re.I)


def _key(s: str) -> str:
    return unicodedata.normalize("NFC", s or "").casefold()


def label_hits(record: dict, gold: dict) -> tuple[int, int]:
    """(gold labels matched by a figure of the same value whose label holds a keyword, gold labels)."""
    from evals.extract_metrics import _same

    figures = record.get("figures") or []
    good = 0
    for fl in gold.get("figure_labels") or []:
        labels = [_key(f.get("label", "")) for f in figures if _same(f["value"], fl["value"])]
        if any(_key(k) in lab for lab in labels for k in fl["label_contains"]):
            good += 1
    return good, len(gold.get("figure_labels") or [])


def chrome_figures(record: dict) -> list[str]:
    """Figures whose number stands inside a chrome pattern of their quote (weather, time zone, counter, marker)."""
    out = []
    for f in record.get("figures") or []:
        quote, raw = (f.get("evidence") or {}).get("quote", ""), f.get("raw", "")
        at = quote.find(raw)
        if at >= 0 and any(m.start() <= at < m.end() for m in _CHROME_QUOTE.finditer(quote)):
            out.append(raw)
    return out


def titles_found(record: dict, gold: dict) -> tuple[int, int]:
    """(gold people found with a title holding the gold substring, gold people with a title who were found)."""
    from evals.extract_metrics import _fold

    by_name = {_fold(p.get("name", "")): p for p in record.get("people") or []}
    ok = n = 0
    for g in gold.get("people") or []:
        p = by_name.get(_fold(g["name"]))
        if p is None or not g.get("title_contains"):
            continue
        n += 1
        ok += any(_fold(w) in _fold(p.get("title", "")) for w in g["title_contains"])
    return ok, n


def score_half(records: list[dict], gold: dict, texts: dict[str, str]) -> dict:
    from evals.extract_metrics import score_records

    base = score_records(records, gold, texts)
    lab = [label_hits(r, gold[r["doc_id"]]) for r in records if r["doc_id"] in gold]
    tit = [titles_found(r, gold[r["doc_id"]]) for r in records if r["doc_id"] in gold]
    chrome = [f"{r['doc_id']}:{x}" for r in records for x in chrome_figures(r)]
    return {
        "n": base["n_gold_docs"],
        "date": base["date_accuracy"],
        "province": base["province_accuracy"],
        "people": base["people_recall"],
        "people_names": base["people_name_recall"],
        "titles": (sum(a for a, _ in tit) / sum(b for _, b in tit)) if sum(b for _, b in tit) else None,
        "figures": base["figure_recall"],
        "codes": base["document_recall"],
        "labels": (sum(a for a, _ in lab) / sum(b for _, b in lab)) if sum(b for _, b in lab) else None,
        "invented": base["invented_people"],
        "invented_list": base["invented_people_list"],
        "chrome_figures": len(chrome),
        "chrome_list": chrome,
        "verbatim": base["evidence_verbatim"],
        "per_doc": base["per_doc"],
    }


def _no_model_records(store, settings, doc_ids: list[str]) -> list:
    """Records made with a model that never answers: every label, role and type is the rule's."""
    from toolkit.extract import extract
    from toolkit.llm.fake import FakeLLM

    llm = FakeLLM()
    return [extract(d, llm, settings) for d in store.require_documents(doc_ids)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="extract_web", description=__doc__.splitlines()[0])
    ap.add_argument("--store", default=os.environ.get("TOOLKIT_STORE"), help="store directory holding w01..w30")
    ap.add_argument("--gold", default=str(DEFAULT_GOLD), help="web extract gold (extract.json)")
    ap.add_argument("--no-model", action="store_true", help="make records with rule labels only (fast)")
    ap.add_argument("--run", action="store_true", help="extract with the configured model first")
    ap.add_argument("--force", action="store_true", help="with --run: ignore cached records")
    ap.add_argument("--docs", action="store_true", help="print per-document details")
    ap.add_argument("--json", action="store_true", help="print the metrics as JSON")
    args = ap.parse_args(argv)

    from toolkit.settings import Settings
    from toolkit.store import Store

    gold_path = Path(args.gold)
    if not gold_path.exists():
        print(f"error: {gold_path} not found; pass --gold FILE", file=sys.stderr)
        return 2
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    settings = Settings(**({"store": Path(args.store)} if args.store else {}))
    store = Store(settings.store)
    ids = [i for i in store.doc_ids() if i in gold]
    if not ids:
        print(f"error: no web documents (w01..w30) in {settings.store}; ingest .cache/webcorpus first", file=sys.stderr)
        return 2
    if args.no_model:
        records = _no_model_records(store, settings, ids)
    elif args.run:
        from toolkit.extract import extract_store

        records = extract_store(settings, doc_ids=ids, force=args.force, progress=False)
    else:
        records = [r for r in store.records() if r.doc_id in gold]
    texts = {i: store.get_document(i).text for i in ids}
    dumped = [r.model_dump(mode="json") for r in records]
    halves = {
        "odd": [r for r in dumped if int(r["doc_id"][1:]) % 2 == 1],
        "even": [r for r in dumped if int(r["doc_id"][1:]) % 2 == 0],
    }
    result = {h: score_half(rs, gold, texts) for h, rs in halves.items()}
    secs = [r.seconds for r in records]
    result["seconds_per_article"] = sum(secs) / len(secs) if secs else None
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return 0
    keys = ["n", "date", "province", "people", "people_names", "titles", "figures", "codes", "labels", "invented",
            "chrome_figures", "verbatim"]
    print("metric".ljust(14) + "odd (tune)".rjust(12) + "even (check)".rjust(14))
    for k in keys:
        vals = [result[h][k] for h in ("odd", "even")]
        print(k.ljust(14) + "".join((f"{v:.3f}" if isinstance(v, float) else str(v)).rjust(w) for v, w in zip(vals, (12, 14))))
    for h in ("odd", "even"):
        for k in ("invented_list", "chrome_list"):
            if result[h][k]:
                print(f"{h} {k}: {result[h][k]}")
    if args.docs:
        for h in ("odd", "even"):
            for doc_id, d in sorted(result[h]["per_doc"].items()):
                brief = {k: v for k, v in d.items() if v not in (None, [], {}, True, 1.0, 0)}
                print(f"  {doc_id}: {json.dumps(brief, ensure_ascii=False)}")
    if result["seconds_per_article"] is not None:
        print(f"seconds per article (as recorded): {result['seconds_per_article']:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
