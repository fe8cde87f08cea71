"""Render an EvalRun: PATH.json, PATH.md and one self-contained PATH.html; compare two runs.

The HTML page has inline CSS and inline SVG bar charts only (no external assets); every text that
comes from an article, a question or an answer goes through html.escape.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from toolkit.store import atomic_write_text

from .results import EvalRun

# Metrics where lower is better (deltas are flagged the other way round).
LOWER_IS_BETTER = ("latency", "unsupported", "invented", "ungrounded", "seconds", "empty", "false_abstention", "wrong_answer", "traps_answered", "chrome")

PART_TITLES = {
    "qa": "Q&A (as configured)",
    "qa_extractive": "Q&A baseline: extractive answers (use_model=False)",
    "qa_model": "Q&A baseline: model answers (use_model=True)",
    "retrieval_bm25": "Retrieval: BM25 only",
    "retrieval_dense": "Retrieval: dense only",
    "retrieval_hybrid": "Retrieval: hybrid (score fusion + cues, as answering uses it)",
    "extract": "Extraction",
    "summary": "Summaries",
}


def _fmt(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.3f}" if abs(v) < 1000 else f"{v:,.0f}"
    return str(v)


def _lower_better(metric: str) -> bool:
    return any(w in metric for w in LOWER_IS_BETTER)


# --- "what each part adds" -------------------------------------------------------------------


def contributions(run: EvalRun) -> list[dict]:
    """Rows comparing baselines inside one run: dense vs BM25, hybrid vs both, model vs extractive
    (per gold set when several were scored: "web: dense vs BM25")."""
    prefixes = sorted({k[: k.index(".") + 1] if "." in k else "" for k in run.totals})
    rows = []
    for pre in prefixes:
        t = {k[len(pre):]: v for k, v in run.totals.items() if k.startswith(pre) and "." not in k[len(pre):]}
        tag = f"{pre[:-1]}: " if pre else ""
        for metric in ("recall@1", "recall@5", "mrr"):
            b, d, h = (t.get(f"retrieval_{m}", {}).get(metric) for m in ("bm25", "dense", "hybrid"))
            if b is not None and d is not None:
                rows.append({"what": f"{tag}dense vs BM25", "metric": metric, "without": b, "with": d, "delta": d - b})
            if h is not None and b is not None and d is not None:
                best = max(b, d)
                rows.append({"what": f"{tag}hybrid vs best single", "metric": metric, "without": best, "with": h, "delta": h - best})
        model, extractive = (t.get("qa"), t.get("qa_extractive")) if "qa_extractive" in t else (t.get("qa_model"), t.get("qa"))
        if model and extractive:
            for metric in ("answer_accuracy", "false_abstention_rate", "wrong_answer_rate", "token_f1", "citation_precision",
                           "citation_recall", "abstention_accuracy", "latency_p50_s"):
                a, b = extractive.get(metric), model.get(metric)
                if a is not None and b is not None:
                    rows.append({"what": f"{tag}model vs extractive answer", "metric": metric, "without": a, "with": b, "delta": b - a})
    return rows


# --- compare ---------------------------------------------------------------------------------


def load_run(x: str | Path | dict | EvalRun) -> EvalRun:
    """A report (path, dict or EvalRun) as an EvalRun; reports written before breakdowns existed load too."""
    if isinstance(x, EvalRun):
        return x
    if isinstance(x, dict):
        return EvalRun.model_validate(x)
    return EvalRun.model_validate_json(Path(x).read_text(encoding="utf-8"))


def compare(old_json, new_json) -> list[dict]:
    """Deltas between two reports (paths, dicts or EvalRuns): [{metric, old, new, delta, better}]."""
    old, new = load_run(old_json).flat_metrics(), load_run(new_json).flat_metrics()
    rows = []
    for m in sorted(set(old) | set(new)):
        o, n = old.get(m), new.get(m)
        d = (n - o) if (o is not None and n is not None) else None
        better = None if not d else ((d < 0) if _lower_better(m) else (d > 0))
        rows.append({"metric": m, "old": o, "new": n, "delta": d, "better": better})
    return rows


def format_deltas(rows: list[dict]) -> str:
    w = max([len(r["metric"]) for r in rows] + [6])
    lines = [f"{'metric':<{w}}  {'old':>9}  {'new':>9}  {'delta':>9}", "-" * (w + 33)]
    for r in rows:
        mark = "" if r["better"] is None else ("  better" if r["better"] else "  WORSE")
        d = "–" if r["delta"] is None else f"{r['delta']:+.3f}"
        lines.append(f"{r['metric']:<{w}}  {_fmt(r['old']):>9}  {_fmt(r['new']):>9}  {d:>9}{mark}")
    return "\n".join(lines)


# --- Markdown --------------------------------------------------------------------------------


def _md_cell(s: Any) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def to_markdown(run: EvalRun) -> str:
    m = run.meta
    out = [f"# Eval report {m.timestamp}", "",
           f"- model: `{m.model}`; embedder: `{m.embedder}`",
           f"- git commit: `{m.git_commit}`{' (uncommitted changes)' if m.git_dirty else ''}",
           f"- prompt versions: {', '.join(f'{k}={v}' for k, v in m.prompt_versions.items()) or '–'}",
           f"- gold: `{m.gold_dir}`; corpus: `{m.corpus_dir}`; parts: {', '.join(m.parts)}",
           f"- seconds: {', '.join(f'{k} {v:.1f}' for k, v in m.seconds.items()) or '–'}", ""]
    if run.notes:
        out += ["## Notes", ""] + [f"- {_md_cell(n)}" for n in run.notes] + [""]
    out += ["## Totals", ""]
    for part, ms in run.totals.items():
        out += [f"### {PART_TITLES.get(part, part)} (`{part}`)", "", "| metric | value |", "|---|---|"]
        out += [f"| `{part}.{k}` | {_fmt(v)} |" for k, v in ms.items()] + [""]
    for part, cols, brows in breakdown_rows(run):
        out += [f"### {part}: per language and half (tune = odd-numbered articles, check = even)", "",
                "| group | " + " | ".join(h for h, _ in cols) + " |", "|---" * (len(cols) + 1) + "|"]
        out += [f"| {g} | " + " | ".join(_cell(ms.get(k), k) for _, k in cols) + " |" for g, ms in brows] + [""]
    rows = contributions(run)
    if rows:
        out += ["## What each part adds", "", "| comparison | metric | without | with | delta |", "|---|---|---|---|---|"]
        out += [f"| {r['what']} | {r['metric']} | {_fmt(r['without'])} | {_fmt(r['with'])} | {r['delta']:+.3f} |" for r in rows] + [""]
    for part in dict.fromkeys(i.part for i in run.items):
        items = [i for i in run.items if i.part == part]
        out += [f"## Items: {PART_TITLES.get(part, part)}", ""]
        if part.startswith(("qa", "retrieval")):
            out += ["| id | lang | question | answer | citations | pass |", "|---|---|---|---|---|---|"]
            for i in items:
                cits = "; ".join(f"{c.get('doc_id')}/{c.get('paragraph_id')}{' ✓' if c.get('correct') else ' ✗'}" for c in i.citations)
                ans = ("[abstained] " if i.abstained else "") + i.answer
                out.append(f"| {i.id} | {i.lang} | {_md_cell(i.question)} | {_md_cell(ans[:300])} | {_md_cell(cits)} | {_fmt(i.passed)} |")
        else:
            out += ["| id | scores | pass |", "|---|---|---|"]
            for i in items:
                sc = ", ".join(f"{k}={_fmt(v)}" for k, v in i.scores.items() if not isinstance(v, (list, dict)))
                out.append(f"| {i.id} | {_md_cell(sc)} | {_fmt(i.passed)} |")
        out.append("")
    return "\n".join(out)


# --- HTML ------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ddd}h3{font-size:1.05em}
table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em;font-size:.9em}
th,td{border:1px solid #ddd;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#f4f4f4}tr.fail td{background:#fff1f1}tr.pass td{background:#f3fbf3}
.ok{color:#1a7f37;font-weight:600}.bad{color:#c62828;font-weight:600}.muted{color:#777}
.cit{font-size:.85em;margin:2px 0}.cit .src{font-family:monospace}
.charts{display:flex;flex-wrap:wrap;gap:1.5em}.chart{border:1px solid #eee;padding:.5em}
code{background:#f4f4f4;padding:0 3px}
"""


def _svg_bars(title: str, values: list[tuple[str, float | None]], vmax: float = 1.0) -> str:
    """A horizontal bar chart, inline SVG, values in [0, vmax]."""
    bar_h, label_w, plot_w = 18, 250, 240
    vals = [(k, v) for k, v in values if v is not None]
    if not vals:
        return ""
    h = 28 + len(vals) * (bar_h + 6)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + plot_w + 60}" height="{h}" role="img" '
             f'aria-label="{html.escape(title)}"><text x="0" y="16" font-size="13" font-weight="600">{html.escape(title)}</text>']
    for n, (k, v) in enumerate(vals):
        y = 26 + n * (bar_h + 6)
        w = max(0.0, min(1.0, v / vmax if vmax else 0)) * plot_w
        parts.append(f'<text x="0" y="{y + 13}" font-size="12">{html.escape(k)}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{plot_w}" height="{bar_h}" fill="#eee"/>'
                     f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="#3b73b9"/>'
                     f'<text x="{label_w + plot_w + 6}" y="{y + 13}" font-size="12">{v:.2f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _charts(run: EvalRun) -> str:
    t, charts = run.totals, []
    ret = [(f"{m} {k}", t.get(f"retrieval_{m}", {}).get(k)) for k in ("recall@1", "recall@5", "mrr") for m in ("bm25", "dense", "hybrid")]
    charts.append(_svg_bars("Retrieval: BM25 / dense / hybrid", ret))
    qa_parts = [p for p in ("qa", "qa_extractive", "qa_model") if p in t]
    qa = [(f"{p} {k}", t[p].get(k)) for k in ("answer_accuracy", "citation_precision", "citation_recall", "abstention_accuracy", "token_f1") for p in qa_parts]
    charts.append(_svg_bars("Q&A: configured vs baseline", qa))
    for part in ("extract", "summary"):
        if part in t:
            vals = [(k, v) for k, v in t[part].items() if v is not None and 0.0 <= v <= 1.0 and not _lower_better(k)]
            charts.append(_svg_bars(PART_TITLES[part], vals))
    return '<div class="charts">' + "".join(f'<div class="chart">{c}</div>' for c in charts if c) + "</div>"


def _e(s: Any) -> str:
    return html.escape(str(s), quote=True)


def to_html(run: EvalRun) -> str:
    m = run.meta
    out = ["<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
           f"<title>Eval report {_e(m.timestamp)}</title><style>{_CSS}</style></head><body>",
           f"<h1>Eval report {_e(m.timestamp)}</h1><ul>",
           f"<li>model: <code>{_e(m.model)}</code>; embedder: <code>{_e(m.embedder)}</code></li>",
           f"<li>git commit: <code>{_e(m.git_commit)}</code>{' (uncommitted changes)' if m.git_dirty else ''}</li>",
           f"<li>prompt versions: {_e(', '.join(f'{k}={v}' for k, v in m.prompt_versions.items()) or '–')}</li>",
           f"<li>gold: <code>{_e(m.gold_dir)}</code>; corpus: <code>{_e(m.corpus_dir)}</code>; parts: {_e(', '.join(m.parts))}</li>",
           f"<li>seconds: {_e(', '.join(f'{k} {v:.1f}' for k, v in m.seconds.items()) or '–')}</li></ul>"]
    if run.notes:
        out.append("<h2>Notes</h2><ul>" + "".join(f"<li>{_e(n)}</li>" for n in run.notes) + "</ul>")
    out.append("<h2>Charts</h2>" + _charts(run))
    out.append("<h2>Totals</h2>")
    for part, ms in run.totals.items():
        out.append(f"<h3>{_e(PART_TITLES.get(part, part))} (<code>{_e(part)}</code>)</h3><table><tr><th>metric</th><th>value</th></tr>")
        out += [f"<tr><td><code>{_e(part)}.{_e(k)}</code></td><td>{_e(_fmt(v))}</td></tr>" for k, v in ms.items()]
        out.append("</table>")
    for part, cols, brows in breakdown_rows(run):
        out.append(f"<h3>{_e(part)}: per language and half (tune = odd-numbered articles, check = even)</h3><table><tr><th>group</th>"
                   + "".join(f"<th>{_e(h)}</th>" for h, _ in cols) + "</tr>")
        out += ["<tr><td>" + _e(g) + "</td>" + "".join(f"<td>{_e(_cell(ms.get(k), k))}</td>" for _, k in cols) + "</tr>" for g, ms in brows]
        out.append("</table>")
    rows = contributions(run)
    if rows:
        out.append("<h2>What each part adds</h2><table><tr><th>comparison</th><th>metric</th><th>without</th><th>with</th><th>delta</th></tr>")
        out += [f"<tr><td>{_e(r['what'])}</td><td>{_e(r['metric'])}</td><td>{_e(_fmt(r['without']))}</td><td>{_e(_fmt(r['with']))}</td>"
                f"<td>{r['delta']:+.3f}</td></tr>" for r in rows]
        out.append("</table>")
    for part in dict.fromkeys(i.part for i in run.items):
        items = [i for i in run.items if i.part == part]
        out.append(f"<h2>Items: {_e(PART_TITLES.get(part, part))}</h2><table>")
        if part.startswith(("qa", "retrieval")):
            out.append("<tr><th>id</th><th>question</th><th>answer</th><th>citations / retrieved</th><th>result</th></tr>")
            for i in items:
                cits = "".join(
                    f'<div class="cit"><span class="{"ok" if c.get("correct") else "bad"}">{"✓" if c.get("correct") else "✗"}</span> '
                    f'<span class="src">{_e(c.get("doc_id"))}/{_e(c.get("paragraph_id"))}</span>: {_e(str(c.get("text", ""))[:240])}</div>'
                    for c in i.citations) or '<span class="muted">none</span>'
                ans = (f'<span class="muted">[abstained]</span> ' if i.abstained else "") + _e(i.answer)
                if i.route:
                    ans += f' <span class="muted">({_e(i.route)})</span>'
                if i.reference:
                    ans += f'<div class="muted">reference: {_e(i.reference)}</div>'
                if i.note:
                    ans += f'<div class="bad">{_e(i.note)}</div>'
                res = ", ".join(f"{k}={_fmt(v)}" for k, v in i.scores.items() if not isinstance(v, (list, dict)))
                out.append(f'<tr class="{"pass" if i.passed else "fail"}"><td>{_e(i.id)} <span class="muted">{_e(i.lang)} {_e(i.kind)}</span></td>'
                           f"<td>{_e(i.question)}</td><td>{ans}</td><td>{cits}</td>"
                           f'<td><span class="{"ok" if i.passed else "bad"}">{"pass" if i.passed else "fail"}</span><div class="muted">{_e(res)}</div></td></tr>')
        else:
            out.append("<tr><th>id</th><th>text</th><th>scores</th><th>result</th></tr>")
            for i in items:
                res = ", ".join(f"{k}={_fmt(v)}" for k, v in i.scores.items())
                out.append(f'<tr class="{"pass" if i.passed is not False else "fail"}"><td>{_e(i.id)}</td><td>{_e(i.answer)}</td>'
                           f"<td>{_e(res)}</td><td>{_e(_fmt(i.passed))}</td></tr>")
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out)


# --- writing ---------------------------------------------------------------------------------


def write(run: EvalRun, path: str | Path) -> dict[str, Path]:
    """Write PATH.json, PATH.md and PATH.html (PATH given with or without .json)."""
    p = Path(path)
    base = p.with_suffix("") if p.suffix.lower() in (".json", ".md", ".html") else p
    paths = {"json": base.with_suffix(".json"), "md": base.with_suffix(".md"), "html": base.with_suffix(".html")}
    atomic_write_text(paths["json"], json.dumps(run.model_dump(mode="json"), ensure_ascii=False, indent=1))
    atomic_write_text(paths["md"], to_markdown(run))
    atomic_write_text(paths["html"], to_html(run))
    for part in ("qa", "qa_extractive", "qa_model"):
        if any(i.part == part for i in run.items):
            key = "answers" if part == "qa" else f"answers_{part}"
            paths[key] = base.with_name(base.name + (".answers.jsonl" if part == "qa" else f".{part}.answers.jsonl"))
            atomic_write_text(paths[key], answers_jsonl(run, part))
    return paths


def answers_jsonl(run: EvalRun, part: str = "qa") -> str:
    """The answers of one Q&A part in the `toolkit ask --questions ... --out` format (for the independent scorer)."""
    lines = []
    for i in run.items:
        if i.part == part:
            lines.append(json.dumps({"id": i.id, "question": i.question, "answer": i.answer, "abstained": i.abstained,
                                     "citations": [{"doc_id": c.get("doc_id"), "paragraph_id": c.get("paragraph_id"), "text": c.get("text", "")}
                                                   for c in i.citations],
                                     "latency_s": i.latency_s, "route": i.route}, ensure_ascii=False))
    return "\n".join(lines) + ("\n" if lines else "")


QA_COLUMNS = (("n", "n"), ("acc", "answer_accuracy"), ("f.abst", "false_abstention_rate"), ("wrong", "wrong_answer_rate"),
              ("unans", "unanswerable_abstention"), ("traps", "traps_answered"), ("citR", "citation_recall"),
              ("citP", "citation_precision"), ("p50 s", "latency_p50_s"), ("p95 s", "latency_p95_s"))
EXTRACT_COLUMNS = (("docs", "n_gold_docs"), ("date", "date_accuracy"), ("prov", "province_accuracy"), ("people", "people_name_recall"),
                   ("titles", "title_accuracy"), ("figs", "figure_recall"), ("labels", "figure_label_accuracy"),
                   ("codes", "document_recall"), ("invent", "invented_people"), ("chrome", "figures_from_chrome"),
                   ("verb", "evidence_verbatim"))


SUMMARY_COLUMNS = (("docs", "n_docs"), ("key.vi", "key_figure_coverage_vi"), ("key.en", "key_figure_coverage_en"),
                   ("unsup.v", "unsupported_numbers_vi"), ("unsup.e", "unsupported_numbers_en"), ("empty.e", "empty_en"))


def breakdown_rows(run: EvalRun) -> list[tuple[str, tuple, list[tuple[str, dict]]]]:
    """(part, columns, [(group, metrics)]) for every part with a breakdown: 'all' first, then the groups."""
    out = []
    for part, groups in run.breakdown.items():
        cols = EXTRACT_COLUMNS if part.endswith("extract") else SUMMARY_COLUMNS if part.endswith("summary") else QA_COLUMNS
        out.append((part, cols, [("all", run.totals.get(part, {}))] + list(groups.items())))
    return out


COUNT_COLUMNS = {"n", "n_docs", "traps_answered", "n_gold_docs", "invented_people", "figures_from_chrome", "unsupported_numbers_vi",
                 "unsupported_numbers_en", "empty_en"}


def _cell(v: Any, metric: str = "") -> str:
    if v is None:
        return "–"
    if metric in COUNT_COLUMNS and isinstance(v, float) and v.is_integer():
        return str(int(v))
    return _fmt(v)


def breakdown_lines(run: EvalRun) -> list[str]:
    """Console tables: per part, one row for all items and one per language / half / half.language."""
    lines = []
    for part, cols, rows in breakdown_rows(run):
        lines.append("")
        lines.append(f"{part:<12}" + "".join(f"{h:>8}" for h, _ in cols))
        for group, ms in rows:
            lines.append(f"  {group:<10}" + "".join(f"{_cell(ms.get(k), k):>8}" for _, k in cols))
    return lines


def summary_lines(run: EvalRun) -> list[str]:
    """Short console summary: one line per part."""
    out = []
    for part, ms in run.totals.items():
        out.append(f"{part:<18} " + "  ".join(f"{k}={_fmt(v)}" for k, v in ms.items() if k not in ("n", "n_docs")))
    return out
