"""The Gradio app: a face over toolkit.pipeline.Pipeline. gradio is imported inside the functions.

Tabs: Chat (follow-ups completed from the conversation, filters, cited with clickable markers; also
the `ask` API endpoint), Library, Targets (timeline of targets against later results), Ingest,
Evals. Vietnamese by default, English by the switch at the top (ui/i18n.py).

A question shows in the chat at once; while earlier questions are answered it shows its place in
the line (ui/turns.py), then the answer: the composed answer whole at once, also when the model then
phrases it (answer.phrase): the phrasing grows under it as it passes the grounding gate, and the final
answer takes the place of both (toolkit/chat_stream.py). After an upload, records and summaries are made
in the background (ui.records_on_ingest); a timer shows their progress in the Library and refreshes
the Library, filters and Targets as they arrive. The pipeline's model lock lets questions go before
the next background model call.
"""

import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import evals_view, logic, render, views
from .i18n import LANGS, lang_code, t
from .turns import Turns

if TYPE_CHECKING:
    import gradio as gr

    from toolkit.settings import Settings

MODEL = "model"  # concurrency group of everything that runs the model or writes the store


def build_app(pipeline, lang: str | None = None) -> "gr.Blocks":
    import gradio as gr
    import pandas as pd

    from toolkit.settings import UISettings

    ui_settings = getattr(getattr(pipeline, "settings", None), "ui", None) or UISettings()
    read_limit = ui_settings.read_concurrency
    lang0 = lang or ui_settings.language
    report_path = Path(getattr(pipeline, "report_path", None) or "evals/reports/latest.json")
    runner = evals_view.BackgroundEvals(report_path, ui_settings.evals_fast_args,
                                        cwd=getattr(getattr(pipeline, "settings", None), "home", None))
    turns = Turns()
    reg: list[tuple[Any, dict[str, str]]] = []  # (component, {attribute: string key}) re-labelled on a language switch

    def L(component, **keys):
        reg.append((component, keys))
        return component

    def dd(key, elem_id, choices=None, **kw):
        return L(gr.Dropdown(choices=choices or [(t("all", lang0), views.ALL)], value=views.ALL, label=t(key, lang0),
                             elem_id=elem_id, allow_custom_value=False, **kw), label=key)

    with gr.Blocks(title=t("app_title", lang0)) as demo:
        lang_state = gr.State(lang0)
        with gr.Row():
            header = gr.Markdown(f"## {t('app_title', lang0)}\n{t('app_intro', lang0)}", elem_id="app-header")
            lang_radio = gr.Radio(choices=[(v, k) for k, v in LANGS.items()], value=lang0, label=t("lang_label", lang0),
                                  elem_id="ui-lang", scale=0, min_width=220)
            L(lang_radio, label="lang_label")
        with gr.Tabs():
            # --- Chat ------------------------------------------------------------------------
            with L(gr.Tab(t("tab_chat", lang0), id="chat", elem_id="tab-chat"), label="tab_chat"):
                with gr.Row():
                    f_prov, f_period = dd("f_province", "f-province"), dd("f_period", "f-period")
                    f_org, f_article = dd("f_org", "f-org"), dd("f_article", "f-article")
                chatbot = L(gr.Chatbot(label=t("conversation", lang0), height=380, feedback_options=None, elem_id="chatbot"),
                            label="conversation")
                with gr.Row():
                    msg = L(gr.Textbox(placeholder=t("ask_placeholder", lang0), show_label=False, scale=6, elem_id="question",
                                       submit_btn=False), placeholder="ask_placeholder")
                    send = L(gr.Button(t("ask", lang0), variant="primary", scale=1, elem_id="ask-btn"), value="ask")
                    clear = L(gr.Button(t("new_chat", lang0), scale=1, elem_id="new-chat"), value="new_chat")
                cits_state = gr.State([])
                cit_radio = L(gr.Radio(choices=[], label=t("citations", lang0), elem_id="citations"), label="citations")
                cit_panel = gr.HTML(f'<p class="tk-note">{t("citations_hint", lang0)}</p>', elem_id="citation-panel")

            # --- Library ---------------------------------------------------------------------
            with L(gr.Tab(t("tab_library", lang0), id="library", elem_id="tab-library"), label="tab_library"):
                with gr.Row():
                    province = dd("f_province", "lib-province")
                    date_from = L(gr.Textbox(label=t("lib_from", lang0), placeholder="2021-01-01"), label="lib_from")
                    date_to = L(gr.Textbox(label=t("lib_to", lang0), placeholder="2021-12-31"), label="lib_to")
                    text = L(gr.Textbox(label=t("lib_text", lang0), elem_id="lib-search"), label="lib_text")
                    apply = L(gr.Button(t("lib_filter", lang0), elem_id="lib-filter"), value="lib_filter")
                lib_status = gr.Markdown()
                lib_ids = gr.State([])
                lib_table = gr.Dataframe(headers=views.library_headers(lang0), interactive=False, wrap=True, elem_id="lib-table",
                                         column_widths=["58%", "14%", "16%", "12%"], max_height=320)
                with gr.Row():
                    article = L(gr.Dropdown(choices=[], label=t("lib_article", lang0), elem_id="lib-article",
                                            allow_custom_value=False, scale=4), label="lib_article")
                    extract_btn = L(gr.Button(t("extract", lang0), scale=1, elem_id="extract-one"), value="extract")
                    summarise_btn = L(gr.Button(t("summarise", lang0), scale=1, elem_id="summarise-one"), value="summarise")
                with gr.Row():
                    jobs_md = gr.Markdown(elem_id="records-progress")
                    all_btn = L(gr.Button(t("process_all", lang0), scale=0, elem_id="process-all"), value="process_all")
                    redo_btn = L(gr.Button(t("redo_all", lang0), scale=0, elem_id="redo-all"), value="redo_all")
                jobs_seen = gr.State(-1)
                ticker = gr.Timer(ui_settings.progress_poll_s)
                with gr.Tabs():
                    with L(gr.Tab(t("tab_record", lang0)), label="tab_record"):
                        rec_html = gr.HTML(elem_id="lib-record")
                    with L(gr.Tab(t("tab_summaries", lang0)), label="tab_summaries"):
                        sum_html = gr.HTML(elem_id="lib-summaries")
                    with L(gr.Tab(t("tab_original", lang0), elem_id="tab-original"), label="tab_original"):
                        doc_html = gr.HTML(elem_id="lib-doc")

            # --- Targets ---------------------------------------------------------------------
            with L(gr.Tab(t("tab_targets", lang0), id="targets", elem_id="tab-targets"), label="tab_targets"):
                tgt_intro = L(gr.Markdown(t("tgt_intro", lang0)), value="tgt_intro")
                with gr.Row():
                    tgt_prov, tgt_org = dd("f_province", "tgt-province"), dd("f_org", "tgt-org")
                    tgt_refresh = L(gr.Button(t("tgt_refresh", lang0), elem_id="tgt-refresh"), value="tgt_refresh")
                    tgt_export = L(gr.DownloadButton(t("tgt_export", lang0), elem_id="tgt-export"), label="tgt_export")
                tgt_rows = gr.State([])
                tgt_chart = gr.HTML(elem_id="targets-chart")
                tgt_table = gr.HTML(elem_id="targets-table")
                tgt_ev = L(gr.Dropdown(choices=[], label=t("tgt_evidence", lang0), elem_id="tgt-evidence"), label="tgt_evidence")
                tgt_ev_html = gr.HTML(elem_id="tgt-evidence-panel")

            # --- Ingest ----------------------------------------------------------------------
            with L(gr.Tab(t("tab_ingest", lang0), id="ingest", elem_id="tab-ingest"), label="tab_ingest"):
                files = L(gr.File(file_count="multiple", type="filepath", label=t("files", lang0), elem_id="upload"), label="files")
                ingest_btn = L(gr.Button(t("ingest", lang0), variant="primary", elem_id="ingest-btn"), value="ingest")
                ingest_status = gr.Markdown(elem_id="ingest-status")
                ingest_html = gr.HTML(elem_id="ingest-results")

            # --- Evals -----------------------------------------------------------------------
            with L(gr.Tab(t("tab_evals", lang0), id="evals", elem_id="tab-evals"), label="tab_evals"):
                with gr.Row():
                    ev_refresh = L(gr.Button(t("ev_reload", lang0), elem_id="ev-reload"), value="ev_reload")
                    ev_run = L(gr.Button(t("ev_run", lang0), elem_id="ev-run"), value="ev_run")
                ev_html = gr.HTML(elem_id="evals")

        # --- handlers (thin: the logic is in ui.logic and ui.views) ---------------------------
        def on_chat(message, history, prov, period, org, art, lg):
            filters = views.chosen_filters(prov, period, org, art)
            names = views.article_names(pipeline) if filters.get("article") else None
            for hist, cits, labels, final in logic.stream_chat(pipeline, message, history, filters=filters, lang=lg, names=names,
                                                               turns=turns):
                if final:
                    hint = t("click_citation" if labels else "no_citations", lg)
                    yield (hist, [c.model_dump() for c in cits], gr.update(choices=labels, value=None),
                           f'<p class="tk-note">{render.esc(hint)}</p>', "")
                else:
                    yield hist, gr.update(), gr.update(), gr.update(), ""

        # not in the model's concurrency group: every question shows at once with its place in the line
        # (ui/turns.py); the pipeline's model lock runs the generations one at a time
        chat_io = dict(fn=on_chat, inputs=[msg, chatbot, f_prov, f_period, f_org, f_article, lang_state],
                       outputs=[chatbot, cits_state, cit_radio, cit_panel, msg],
                       concurrency_limit=ui_settings.chat_waiting, api_visibility="private")
        msg.submit(**chat_io)
        send.click(**chat_io)
        clear.click(lambda: ([], [], gr.update(choices=[], value=None), ""), outputs=[chatbot, cits_state, cit_radio, cit_panel],
                    api_visibility="private", queue=False)
        cit_radio.change(lambda cits, label, lg: logic.citation_panel(pipeline, cits, label, lg),
                         inputs=[cits_state, cit_radio, lang_state], outputs=cit_panel, api_visibility="private",
                         concurrency_limit=read_limit)

        def ask(question: str) -> dict:
            """Answer one question from the ingested articles, with citations."""
            return logic.api_ask(pipeline, question)

        gr.api(ask, api_name="ask", concurrency_limit=1, concurrency_id=MODEL)

        def on_filter(prov, dfrom, dto, txt, lg):
            rows, ids, status = views.library_table(pipeline, prov, dfrom, dto, txt, lg)
            names = views.article_names(pipeline)
            return (pd.DataFrame(rows, columns=views.library_headers(lg)), ids, status,
                    gr.update(choices=[(names.get(d, d), d) for d in ids], value=None))

        filt_io = dict(fn=on_filter, inputs=[province, date_from, date_to, text, lang_state],
                       outputs=[lib_table, lib_ids, lib_status, article], api_visibility="private", concurrency_limit=read_limit)
        apply.click(**filt_io)
        text.submit(**filt_io)
        province.change(**filt_io)

        def on_row(ids, evt: gr.SelectData):
            row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
            return gr.update(value=ids[row]) if isinstance(row, int) and 0 <= row < len(ids) else gr.update()

        lib_table.select(on_row, inputs=[lib_ids], outputs=article, api_visibility="private")
        article.change(lambda d, lg: logic.article_view(pipeline, d, lg), inputs=[article, lang_state],
                       outputs=[rec_html, sum_html, doc_html], api_visibility="private", concurrency_limit=read_limit)

        def on_schedule(which, force):
            def handler(doc_id, lg):
                if which in ("one_extract", "one_summarise") and not doc_id:
                    return t("select_article", lg)
                if which == "one_extract":
                    pipeline.schedule([doc_id], force=True)
                elif which == "one_summarise":
                    pipeline.schedule([doc_id], stages=("summarise",), force=True)
                else:
                    views.schedule_all(pipeline, force=force)
                return views.records_progress(pipeline, lg)
            return handler

        for btn, which, force in ((extract_btn, "one_extract", True), (summarise_btn, "one_summarise", True),
                                  (all_btn, "all", False), (redo_btn, "all", True)):
            btn.click(on_schedule(which, force), inputs=[article, lang_state], outputs=jobs_md, api_visibility="private",
                      queue=False)

        def on_targets(prov, org, lg):
            chart, tbl, choices, rows = views.targets_view(pipeline, prov, org, lg)
            return chart, tbl, gr.update(choices=choices, value=None), rows, "", str(views.write_csv(rows, export_dir))

        export_dir = Path(tempfile.mkdtemp(prefix="toolkit-ui-"))
        tgt_io = dict(fn=on_targets, inputs=[tgt_prov, tgt_org, lang_state],
                      outputs=[tgt_chart, tgt_table, tgt_ev, tgt_rows, tgt_ev_html, tgt_export], api_visibility="private")
        tgt_refresh.click(**tgt_io)
        tgt_prov.change(**tgt_io)
        tgt_org.change(**tgt_io)
        tgt_ev.change(lambda ref, rows, lg: views.evidence_panel(pipeline, ref, rows, lg), inputs=[tgt_ev, tgt_rows, lang_state],
                      outputs=tgt_ev_html, api_visibility="private", concurrency_limit=read_limit)

        def on_ingest(paths, lg, progress=gr.Progress()):
            items = [(logic.upload_original_name(p), logic.upload_path(p)) for p in (paths or [])]
            results, status = logic.ingest_uploads(pipeline, items, progress=progress)
            if hasattr(pipeline, "progress") and pipeline.progress().busy:
                status += "  \n" + t("jobs_scheduled", lg)
            return render.render_ingest_results(results), status, None

        def on_choices(lg):
            ch = views.filter_choices(pipeline, lg)
            tp, to = views.target_filter_choices(pipeline, lg)
            return [gr.update(choices=ch[k]) for k in ("province", "period", "organisation", "article")] + [
                gr.update(choices=ch["province"]), gr.update(choices=tp), gr.update(choices=to)]

        choice_outs = [f_prov, f_period, f_org, f_article, province, tgt_prov, tgt_org]
        ingest_btn.click(on_ingest, inputs=[files, lang_state], outputs=[ingest_html, ingest_status, files], concurrency_limit=1,
                         concurrency_id="ingest", api_visibility="private").then(**filt_io).then(**tgt_io).then(
            on_choices, inputs=lang_state, outputs=choice_outs, api_visibility="private")

        def on_tick(seen, lg, prov, dfrom, dto, txt, tprov, torg, doc_id):
            """The background records' progress; the Library, filters and Targets again when a stage finished."""
            changes = pipeline.progress().changes
            md = views.records_progress(pipeline, lg)
            keep = [gr.update()] * (len(tick_outs) - 2)
            if changes == seen:
                return [md, seen, *keep]
            df, ids, status, art = on_filter(prov, dfrom, dto, txt, lg)
            chart, tbl, ev, rows, _, csv = on_targets(tprov, torg, lg)
            rec, summ, _ = logic.article_view(pipeline, doc_id, lg) if doc_id else (gr.update(), gr.update(), None)
            return [md, changes, df, ids, status, gr.update(choices=art["choices"]), *on_choices(lg),
                    chart, tbl, ev, rows, csv, rec, summ]

        tick_outs = [jobs_md, jobs_seen, lib_table, lib_ids, lib_status, article, *choice_outs,
                     tgt_chart, tgt_table, tgt_ev, tgt_rows, tgt_export, rec_html, sum_html]
        ticker.tick(on_tick, inputs=[jobs_seen, lang_state, province, date_from, date_to, text, tgt_prov, tgt_org, article],
                    outputs=tick_outs, api_visibility="private", queue=False)

        def on_evals(lg):
            return evals_view.render_evals(evals_view.load_reports(report_path), lg, runner.status(lg))

        ev_refresh.click(on_evals, inputs=lang_state, outputs=ev_html, api_visibility="private")

        def on_run(lg):
            started = runner.start()
            return evals_view.render_evals(evals_view.load_reports(report_path), lg,
                                           t("ev_started", lg) if started else runner.status(lg))

        ev_run.click(on_run, inputs=lang_state, outputs=ev_html, api_visibility="private", queue=False)

        def on_lang(lg):
            lg = lang_code(lg)
            labels = [gr.update(**{attr: t(key, lg) for attr, key in keys.items()}) for _, keys in reg]
            return [lg, f"## {t('app_title', lg)}\n{t('app_intro', lg)}", *labels]

        lang_radio.change(on_lang, inputs=lang_radio, outputs=[lang_state, header, *[c for c, _ in reg]],
                          api_visibility="private", queue=False).then(
            on_choices, inputs=lang_state, outputs=choice_outs, api_visibility="private").then(**filt_io).then(
            **tgt_io).then(on_evals, inputs=lang_state, outputs=ev_html, api_visibility="private")

        demo.load(on_choices, inputs=lang_state, outputs=choice_outs, api_visibility="private").then(**filt_io).then(
            **tgt_io).then(on_evals, inputs=lang_state, outputs=ev_html, api_visibility="private")
    return demo


def _cell(data: Any, row: int, col: int) -> str:
    """A cell of a Dataframe value (pandas DataFrame, dict with 'data', or list of rows)."""
    if hasattr(data, "iloc"):
        return str(data.iloc[row, col])
    if isinstance(data, dict):
        return str(data["data"][row][col])
    return str(data[row][col])


def launch(settings: "Settings", host: str | None = None, port: int | None = None, ingest: list[str] | None = None, *,
           pipeline=None, block: bool = True):
    """Ingest the given paths, then serve the app on host:port (default settings.ui: 127.0.0.1:7860)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from toolkit.pipeline import Pipeline

    pipeline = pipeline or Pipeline(settings)
    ui = getattr(settings or getattr(pipeline, "settings", None), "ui", None)  # test fakes carry no settings
    host = host or (ui.host if ui else "127.0.0.1")
    port = port or (ui.port if ui else 7860)
    if ingest:
        report = pipeline.ingest_paths([Path(p) for p in ingest])
        for f in report.failed:
            print(f"error: {f.path}: {f.problem}", file=sys.stderr)
        print(f"ingested: {len(report.added)} added, {len(report.replaced)} replaced, "
              f"{len(report.unchanged)} unchanged, {len(report.failed)} failed")
    if isinstance(pipeline, Pipeline):
        pipeline.refresh_index()  # sync the index with the store before the first user waits for it
    demo = build_app(pipeline)
    demo.queue(default_concurrency_limit=1, max_size=64)
    demo.launch(server_name=host, server_port=port, css=render.CSS, ssr_mode=False, prevent_thread_lock=not block,
                show_error=True, quiet=not block)
    return demo
