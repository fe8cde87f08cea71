"""Pure metric functions for extraction records against ../shared/gold/extract.dev.json
and ../shared/gold/web/extract.json.

Records are plain dicts (Record.model_dump(mode="json")), gold is the parsed JSON, and
doc_texts maps doc_id -> the document's original text (Document.text). Nothing here runs a model
or touches the store, so the evals harness and the probe share the same numbers.

score_records(records, gold, doc_texts) -> {
    "date_accuracy", "province_accuracy", "people_recall" (name found AND title contains the gold
    substring), "people_name_recall", "figure_recall", "document_recall",
    "title_accuracy" (found people whose title holds a title_contains substring / found people with
    one), "figure_label_accuracy" (gold figure_labels whose value has an extracted figure whose label
    holds one label_contains alternative, NFC + casefold), "figures_from_chrome" (evals.chrome),
    "invented_people" (names not in the article text, listed in not_people, or outside gold people
    and allowed extras), "unsupported_figures" (value not following from raw, raw not in quote),
    "evidence_verbatim" (share of evidence quotes that are exact substrings of the article),
    "n_docs", "per_doc": {doc_id: {...}}
}
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence


def _nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s or "")


def _fold(s: str) -> str:
    from toolkit.vi.text import fold

    return " ".join(fold(_nfc(s)).split())


def _same(a: float, b: float) -> bool:
    return abs(float(a) - float(b)) <= 1e-6 * max(1.0, abs(float(a)), abs(float(b)))


def date_correct(record: dict, gold: dict) -> bool:
    return (record.get("date") or None) == (gold.get("date") or None)


def province_correct(record: dict, gold: dict) -> bool:
    r, g = record.get("province"), gold.get("province")
    if r is None or g is None:
        return r is None and g is None
    return _fold(r) == _fold(g)


def people_found(record: dict, gold: dict) -> tuple[int, int, int]:
    """(found with a correct title, found by name, gold total)."""
    people = record.get("people") or []
    by_name = {_fold(p.get("name", "")): p for p in people}
    with_title = by_name_only = 0
    for g in gold.get("people") or []:
        p = by_name.get(_fold(g["name"]))
        if p is None:
            continue
        by_name_only += 1
        wants = g.get("title_contains") or []
        if not wants or any(_fold(w) in _fold(p.get("title", "")) for w in wants):
            with_title += 1
    return with_title, by_name_only, len(gold.get("people") or [])


def invented_people(record: dict, gold: dict | None, doc_text: str | None) -> list[str]:
    """Names that must not be there: not in the article, in not_people, or (with gold) neither a
    gold person nor an allowed extra (bylines)."""
    bad: list[str] = []
    text = _fold(doc_text) if doc_text is not None else None
    allowed = None
    banned: set[str] = set()
    if gold is not None:
        allowed = {_fold(p["name"]) for p in gold.get("people") or []} | {_fold(n) for n in gold.get("allowed_extra_people") or []}
        banned = {_fold(n) for n in gold.get("not_people") or []}
    for p in record.get("people") or []:
        name = _fold(p.get("name", ""))
        if (text is not None and name not in text) or name in banned or (allowed is not None and name not in allowed):
            bad.append(p.get("name", ""))
    return bad


def figure_values(record: dict) -> list[float]:
    out: list[float] = []
    for f in record.get("figures") or []:
        out.append(float(f["value"]))
        if f.get("target") is not None:
            out.append(float(f["target"]))
    return out


def figures_found(record: dict, gold: dict) -> tuple[int, int]:
    values = figure_values(record)
    want = [float(x) for x in gold.get("figures") or []]
    return sum(any(_same(w, v) for v in values) for w in want), len(want)


def documents_found(record: dict, gold: dict) -> tuple[int, int]:
    codes = {_fold(d.get("code", "")) for d in record.get("documents") or []}
    want = gold.get("documents") or []
    return sum(_fold(c) in codes for c in want), len(want)


def unsupported_figures(record: dict) -> list[str]:
    """Figures whose value does not follow from raw, or whose raw is not in their evidence quote."""
    from toolkit.vi.numbers import parse_number

    bad: list[str] = []
    for f in record.get("figures") or []:
        raw = f.get("raw", "")
        quote = (f.get("evidence") or {}).get("quote", "")
        head = raw.split("/")[0] if f.get("target") is not None else raw
        if raw not in quote or not any(_same(f["value"], v) for v in parse_number(head, "vi")):
            bad.append(raw)
    return bad


def evidences(record: dict) -> Iterable[dict]:
    for key in ("people", "figures", "documents", "awards"):
        for item in record.get(key) or []:
            if item.get("evidence"):
                yield item["evidence"]
    if record.get("date_evidence"):
        yield record["date_evidence"]


def verbatim_flags(record: dict, doc_text: str | None) -> list[bool]:
    """Each evidence quote: is it an exact substring of the article (and of its own span length)?"""
    flags = []
    for e in evidences(record):
        q = e.get("quote", "")
        ok = bool(q) and (doc_text is None or q in doc_text) and (e.get("end", 0) - e.get("start", 0) == len(q))
        flags.append(ok)
    return flags


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def titles_found(record: dict, gold: dict) -> tuple[int, int]:
    """(found gold people whose title holds one title_contains substring, found gold people that have
    a non-empty title_contains). A person not found is counted by people recall, not here."""
    by_name = {_fold(p.get("name", "")): p for p in record.get("people") or []}
    ok = total = 0
    for g in gold.get("people") or []:
        p, wants = by_name.get(_fold(g["name"])), g.get("title_contains") or []
        if p is None or not wants:
            continue
        total += 1
        ok += any(_fold(w) in _fold(p.get("title", "")) for w in wants)
    return ok, total


def _label_norm(s: str) -> str:
    return " ".join(_nfc(s).casefold().split())


def label_correct(record: dict, value: float, label_contains: Sequence[str]) -> bool:
    """Some extracted figure with this value has a label containing one alternative (NFC + casefold)."""
    labels = [_label_norm(f.get("label", "")) for f in record.get("figures") or [] if _same(f.get("value", float("nan")), value)]
    return any(_label_norm(alt) in lab for lab in labels for alt in label_contains if _label_norm(alt))


def labels_found(record: dict, gold: dict) -> tuple[int, int, list[float]]:
    """(gold figure labels matched, gold figure labels, values whose label missed)."""
    wants = gold.get("figure_labels") or []
    missed = [float(w["value"]) for w in wants if not label_correct(record, float(w["value"]), w.get("label_contains") or [])]
    return len(wants) - len(missed), len(wants), missed


def chrome_figures(record: dict, doc_text: str | None) -> list[str]:
    """raw of every figure taken from site chrome (evals.chrome.figure_from_chrome)."""
    from .chrome import figure_from_chrome

    if doc_text is None:
        return []
    return [f.get("raw", "") for f in record.get("figures") or [] if figure_from_chrome(f, doc_text)]


_COUNTS = ("date", "prov", "n_gold", "ppl_t", "ppl_n", "ppl_total", "ttl_ok", "ttl_total", "fig_f", "fig_total",
           "doc_f", "doc_total", "lab_ok", "lab_total")


def score_records(records: Sequence[dict], gold: dict, doc_texts: dict[str, str] | None = None) -> dict:
    """Every extraction metric over the records that have gold (invented/unsupported/verbatim/chrome over all)."""
    doc_texts = doc_texts or {}
    per_doc: dict[str, dict] = {}
    c = dict.fromkeys(_COUNTS, 0)
    invented: list[str] = []
    unsupported: list[str] = []
    chrome: list[str] = []
    verbatim: list[bool] = []
    for r in records:
        doc_id = r.get("doc_id")
        g = gold.get(doc_id)
        text = doc_texts.get(doc_id)
        inv = invented_people(r, g, text)
        uns = unsupported_figures(r)
        chr_ = chrome_figures(r, text)
        vb = verbatim_flags(r, text)
        invented += [f"{doc_id}:{n}" for n in inv]
        unsupported += [f"{doc_id}:{x}" for x in uns]
        chrome += [f"{doc_id}:{x}" for x in chr_]
        verbatim += vb
        d: dict = {"invented_people": inv, "unsupported_figures": uns, "figures_from_chrome": chr_,
                   "evidence_verbatim": _ratio(sum(vb), len(vb)), "rejected": r.get("rejected", 0)}
        if g is not None:
            dc, pc = date_correct(r, g), province_correct(r, g)
            t, n, tot = people_found(r, g)
            tt_ok, tt_n = titles_found(r, g)
            ff, ft = figures_found(r, g)
            df, dt = documents_found(r, g)
            lo, ln, lmiss = labels_found(r, g)
            for k, v in zip(_COUNTS, (dc, pc, 1, t, n, tot, tt_ok, tt_n, ff, ft, df, dt, lo, ln)):
                c[k] += v
            d.update(date_correct=dc, province_correct=pc, date=r.get("date"), gold_date=g.get("date"),
                     province=r.get("province"), gold_province=g.get("province"),
                     people_recall=_ratio(t, tot), title_accuracy=_ratio(tt_ok, tt_n), figure_recall=_ratio(ff, ft),
                     document_recall=_ratio(df, dt), figure_label_accuracy=_ratio(lo, ln), missed_labels=lmiss,
                     missing_figures=[x for x in g.get("figures") or [] if not any(_same(x, v) for v in figure_values(r))])
        per_doc[str(doc_id)] = d
    return {
        "n_docs": len(records),
        "n_gold_docs": c["n_gold"],
        "date_accuracy": _ratio(c["date"], c["n_gold"]),
        "province_accuracy": _ratio(c["prov"], c["n_gold"]),
        "people_recall": _ratio(c["ppl_t"], c["ppl_total"]),
        "people_name_recall": _ratio(c["ppl_n"], c["ppl_total"]),
        "title_accuracy": _ratio(c["ttl_ok"], c["ttl_total"]),
        "figure_recall": _ratio(c["fig_f"], c["fig_total"]),
        "figure_label_accuracy": _ratio(c["lab_ok"], c["lab_total"]),
        "document_recall": _ratio(c["doc_f"], c["doc_total"]),
        "invented_people": len(invented),
        "unsupported_figures": len(unsupported),
        "figures_from_chrome": len(chrome),
        "evidence_verbatim": _ratio(sum(verbatim), len(verbatim)),
        "invented_people_list": invented,
        "unsupported_figures_list": unsupported,
        "figures_from_chrome_list": chrome,
        "per_doc": per_doc,
    }
