"""What the Library, Targets and filter widgets show, as plain functions of a pipeline (no gradio).

Articles are named by title and date (render.article_name); ids stay behind the widgets' values.
"""

from __future__ import annotations

from pathlib import Path

from toolkit.errors import ToolkitError
from toolkit.filters import doc_year
from toolkit.schemas import Citation
from toolkit.targets import Row, filter_rows, to_csv

from . import render
from .i18n import t
from .logic import library_rows
from .render_targets import evidence_refs, targets_charts, targets_table

ALL = "__all__"  # the value of every "(all)" choice


def library_headers(lang: str = "vi") -> list[str]:
    return [t("title", lang), t("date", lang), t("province", lang), t("paragraphs", lang)]


def library_table(pipeline, province=None, date_from=None, date_to=None, text=None, lang: str = "vi"
                  ) -> tuple[list[list[str]], list[str], str]:
    """(rows of title, date, province, paragraphs; the doc ids of the rows; status line)."""
    rows, status = library_rows(pipeline, None if province == ALL else province, date_from, date_to, text)
    if status.startswith("Filter error"):
        return [], [], f"{t('filter_error', lang)}: {status.split(':', 1)[1].strip()}"
    return [r[3:4] + r[1:3] + r[4:5] for r in rows], [r[0] for r in rows], t("n_articles", lang, n=len(rows))


def article_names(pipeline) -> dict[str, str]:
    """doc id -> 'title (date)' for every stored article."""
    out = {}
    for doc in pipeline.documents():
        out[doc.doc_id] = render.article_name(doc, _record(pipeline, doc.doc_id), doc.doc_id)
    return out


def _record(pipeline, doc_id):
    try:
        return pipeline.record(doc_id)
    except ToolkitError:
        return None


def _all(lang: str) -> tuple[str, str]:
    return (t("all", lang), ALL)


def filter_choices(pipeline, lang: str = "vi") -> dict[str, list[tuple[str, str]]]:
    """Choices (label, value) of the chat filters: provinces, years, organisations, articles."""
    years, orgs = set(), set()
    for doc in pipeline.documents():
        rec = _record(pipeline, doc.doc_id)
        if (y := doc_year(doc, rec)) is not None:
            years.add(y)
        if rec is not None and rec.organization:
            orgs.add(rec.organization)
    names = article_names(pipeline)
    return {
        "province": [_all(lang)] + [(p, p) for p in pipeline.provinces()],
        "period": [_all(lang)] + [(str(y), str(y)) for y in sorted(years, reverse=True)],
        "organisation": [_all(lang)] + [(o, o) for o in sorted(orgs)],
        "article": [_all(lang)] + sorted(((n, d) for d, n in names.items()), key=lambda x: x[0]),
    }


def chosen_filters(province=None, period=None, organisation=None, article=None) -> dict:
    """The chat filters as the pipeline takes them (the "(all)" choices dropped)."""
    pairs = {"province": province, "period": period, "organisation": organisation, "article": article}
    return {k: v for k, v in pairs.items() if v and v != ALL}


# --- targets -------------------------------------------------------------------------------------


def targets_view(pipeline, province=None, organisation=None, lang: str = "vi") -> tuple[str, str, list[tuple[str, str]], list[Row]]:
    """(charts html, table html, evidence choices (label, doc/paragraph), rows) for the filters."""
    rows = filter_rows(pipeline.targets(), None if province == ALL else province,
                       None if organisation == ALL else organisation)
    names = article_names(pipeline)
    choices = [(f"{ref} — {names.get(ref.split('/')[0], '')}", ref) for ref in evidence_refs(rows)]
    return targets_charts(rows, lang), targets_table(rows, names, lang), choices, rows


def target_filter_choices(pipeline, lang: str = "vi") -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    rows = pipeline.targets()
    provs = sorted({r.province for r in rows if r.province})
    orgs = sorted({r.organisation for r in rows if r.organisation})
    return [_all(lang)] + [(p, p) for p in provs], [_all(lang)] + [(o, o) for o in orgs]


def evidence_panel(pipeline, ref: str | None, rows: list[Row], lang: str = "vi") -> str:
    """The paragraph a timeline cell names, its quote marked."""
    if not ref or "/" not in ref:
        return ""
    doc_id, pid = ref.split("/", 1)
    quote = next((c.quote for r in rows for c in (r.target, r.result) if c is not None and c.ref == ref), "")
    doc = pipeline.document(doc_id)
    text = ""
    if doc is not None:
        try:
            text = doc.paragraph(pid).text
        except KeyError:
            pass
    cit = Citation(doc_id=doc_id, paragraph_id=pid, text=text, quote=quote)
    return render.render_citation(cit, doc, _record(pipeline, doc_id), lang)


def write_csv(rows: list[Row], folder: Path) -> Path:
    """The timeline as a CSV file to download (UTF-8 with BOM so spreadsheet programs read the marks)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "targets.csv"
    path.write_text("\ufeff" + to_csv(rows), encoding="utf-8")
    return path


# --- background records and summaries -----------------------------------------------------------


def schedule_all(pipeline, force: bool = False) -> int:
    """Queue every article's missing record and summary (all of them again with force)."""
    if force:
        return pipeline.schedule([d.doc_id for d in pipeline.documents()], force=True)
    missing = pipeline.missing()
    n = pipeline.schedule(missing["extract"])
    return n + pipeline.schedule([d for d in missing["summarise"] if d not in missing["extract"]], stages=("summarise",))


def records_progress(pipeline, lang: str = "vi") -> str:
    """One Markdown line: what the background worker does, how far it is, and what failed."""
    p = pipeline.progress()
    names = article_names(pipeline) if (p.current or p.failed) else {}
    if p.busy:
        doc_id, _, stage = p.current.partition(": ")
        line = t("jobs_running", lang, done=p.done, total=p.total,
                 article=names.get(doc_id, doc_id) if doc_id else "…", stage=t(f"stage_{stage or 'extract'}", lang))
    elif p.total:
        line = t("jobs_done", lang, done=p.done)
    else:
        missing = pipeline.missing()
        line = t("jobs_idle", lang, records=len(missing["extract"]), summaries=len(missing["summarise"]))
    fails = [f"{names.get(d, d)}: {e}" for d, e in p.failed.items()]
    if fails:
        line += "  \n" + t("jobs_failed", lang) + ": " + "; ".join(render.md_esc(f) for f in fails[:3])
    return line
