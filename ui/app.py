"""The Gradio app: a face over toolkit.pipeline.Pipeline. gradio is imported inside the functions.

Tabs: Chat (streamed, cited, clickable citations; also the `ask` API endpoint), Library, Targets,
Ingest, Evals. The model-bound events share one concurrency group of size 1, so generations run one
at a time and the others wait in Gradio's queue, which shows their position.
"""

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import logic, render

if TYPE_CHECKING:
    import gradio as gr

    from toolkit.settings import Settings

MODEL = "model"  # concurrency group of everything that runs the model or writes the store


def build_app(pipeline) -> "gr.Blocks":
    import gradio as gr

    from toolkit.settings import UISettings

    read_limit = getattr(getattr(pipeline, "settings", None), "ui", UISettings()).read_concurrency

    with gr.Blocks(title="Meeting reports — toolkit") as demo:
        gr.Markdown("## Vietnamese meeting reports — ask, browse, targets, ingest, evals\n"
                    "Everything runs locally. Answers cite the articles; article text is shown as text.")
        with gr.Tabs():
            # --- Chat ------------------------------------------------------------------------
            with gr.Tab("Chat", id="chat"):
                chatbot = gr.Chatbot(label="Conversation", height=380, feedback_options=None,
                                     elem_id="chatbot")
                with gr.Row():
                    msg = gr.Textbox(placeholder="Ask about the articles (Tiếng Việt or English)…", show_label=False,
                                     scale=6, elem_id="question", submit_btn=False)
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask-btn")
                    clear = gr.Button("New chat", scale=1)
                cits_state = gr.State([])
                cit_radio = gr.Radio(choices=[], label="Citations — click one to open its source", elem_id="citations")
                cit_panel = gr.HTML('<p class="tk-note">Citations of the latest answer appear above; click one to see its source.</p>',
                                    elem_id="citation-panel")

            # --- Library ---------------------------------------------------------------------
            with gr.Tab("Library", id="library"):
                with gr.Row():
                    province = gr.Dropdown(choices=["(all)"], value="(all)", label="Province", allow_custom_value=True)
                    date_from = gr.Textbox(label="From (YYYY-MM-DD)", placeholder="2021-01-01")
                    date_to = gr.Textbox(label="To (YYYY-MM-DD)", placeholder="2021-12-31")
                    text = gr.Textbox(label="Text search", placeholder="words in the title or text", elem_id="lib-search")
                    apply = gr.Button("Filter", elem_id="lib-filter")
                lib_status = gr.Markdown()
                lib_table = gr.Dataframe(headers=logic.LIBRARY_HEADERS, interactive=False, wrap=True, elem_id="lib-table",
                                         column_widths=["20%", "11%", "12%", "49%", "8%"],
                                         max_height=320)
                with gr.Row():
                    article = gr.Dropdown(choices=[], label="Article (or click a row above)", elem_id="lib-article",
                                          allow_custom_value=False, scale=4)
                    extract_btn = gr.Button("Extract record", scale=1)
                with gr.Tabs():
                    with gr.Tab("Record"):
                        rec_html = gr.HTML(elem_id="lib-record")
                    with gr.Tab("Summaries"):
                        sum_html = gr.HTML(elem_id="lib-summaries")
                    with gr.Tab("Original text"):
                        doc_html = gr.HTML(elem_id="lib-doc")

            # --- Targets ---------------------------------------------------------------------
            with gr.Tab("Targets", id="targets"):
                gr.Markdown("Targets set for a period beside the results reported for them, from the extracted records. "
                            "Each row names its evidence paragraph (doc_id/paragraph_id).")
                tgt_refresh = gr.Button("Refresh")
                tgt_chart = gr.HTML(elem_id="targets-chart")
                tgt_table = gr.HTML(elem_id="targets-table")

            # --- Ingest ----------------------------------------------------------------------
            with gr.Tab("Ingest", id="ingest"):
                files = gr.File(file_count="multiple", type="filepath", label="Article files (.txt, .html, .htm, .md)",
                                elem_id="upload")
                ingest_btn = gr.Button("Ingest", variant="primary", elem_id="ingest-btn")
                ingest_status = gr.Markdown(elem_id="ingest-status")
                ingest_html = gr.HTML(elem_id="ingest-results")

            # --- Evals -----------------------------------------------------------------------
            with gr.Tab("Evals", id="evals"):
                ev_refresh = gr.Button("Reload")
                ev_html = gr.HTML(elem_id="evals")

        # --- handlers (thin: the logic is in ui.logic) --------------------------------------
        def on_chat(message, history):
            for hist, cits, labels, final in logic.stream_chat(pipeline, message, history):
                if final:
                    yield hist, [c.model_dump() for c in cits], gr.update(choices=labels, value=None), render_hint(labels), ""
                else:
                    yield hist, gr.update(), gr.update(), gr.update(), ""

        def render_hint(labels):
            return ('<p class="tk-note">Click a citation to see its source.</p>' if labels
                    else '<p class="tk-note">No citations for this answer.</p>')

        chat_io = dict(fn=on_chat, inputs=[msg, chatbot], outputs=[chatbot, cits_state, cit_radio, cit_panel, msg],
                       concurrency_limit=1, concurrency_id=MODEL, api_visibility="private")
        msg.submit(**chat_io)
        send.click(**chat_io)
        clear.click(lambda: ([], [], gr.update(choices=[], value=None), ""), outputs=[chatbot, cits_state, cit_radio, cit_panel],
                    api_visibility="private", queue=False)
        cit_radio.change(lambda cits, label: logic.citation_panel(pipeline, cits, label), inputs=[cits_state, cit_radio],
                         outputs=cit_panel, api_visibility="private", concurrency_limit=read_limit)

        def ask(question: str) -> dict:
            """Answer one question from the ingested articles, with citations."""
            return logic.api_ask(pipeline, question)

        gr.api(ask, api_name="ask", concurrency_limit=1, concurrency_id=MODEL)

        def on_filter(prov, dfrom, dto, txt):
            rows, status = logic.library_rows(pipeline, prov, dfrom, dto, txt)
            ids = [r[0] for r in rows]
            return rows, status, gr.update(choices=ids, value=None)

        filt_io = dict(fn=on_filter, inputs=[province, date_from, date_to, text], outputs=[lib_table, lib_status, article],
                       api_visibility="private", concurrency_limit=read_limit)
        apply.click(**filt_io)
        text.submit(**filt_io)
        province.change(**filt_io)

        def on_row(data, evt: gr.SelectData):
            row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
            try:
                return gr.update(value=_cell(data, row, 0))
            except (IndexError, KeyError, TypeError):
                return gr.update()

        lib_table.select(on_row, inputs=[lib_table], outputs=article, api_visibility="private")
        article.change(lambda d: logic.article_view(pipeline, d), inputs=article, outputs=[rec_html, sum_html, doc_html],
                       api_visibility="private", concurrency_limit=read_limit)

        def on_extract(doc_id):
            if not doc_id:
                return "<p class=\"tk-note\">Select an article first.</p>", gr.update(), gr.update()
            try:
                pipeline.extract(doc_id)
            except Exception as e:  # noqa: BLE001 - shown, the app keeps running
                return f'<p class="tk-note">Extraction failed: {render.esc(e)}</p>', gr.update(), gr.update()
            return logic.article_view(pipeline, doc_id)

        extract_btn.click(on_extract, inputs=article, outputs=[rec_html, sum_html, doc_html], concurrency_limit=1,
                          concurrency_id=MODEL, api_visibility="private")

        def on_targets():
            rows = pipeline.targets()
            return render.targets_svg(rows), render.targets_table(rows)

        tgt_refresh.click(on_targets, outputs=[tgt_chart, tgt_table], api_visibility="private")

        def on_ingest(paths, progress=gr.Progress()):
            items = [(logic.upload_original_name(p), logic.upload_path(p)) for p in (paths or [])]
            results, status = logic.ingest_uploads(pipeline, items, progress=progress)
            return render.render_ingest_results(results), status, None

        ingest_btn.click(on_ingest, inputs=files, outputs=[ingest_html, ingest_status, files], concurrency_limit=1,
                         concurrency_id="ingest", api_visibility="private").then(
            on_filter, inputs=[province, date_from, date_to, text], outputs=[lib_table, lib_status, article],
            api_visibility="private").then(on_targets, outputs=[tgt_chart, tgt_table], api_visibility="private")

        ev_refresh.click(lambda: render.render_eval_report(pipeline.latest_eval_report()), outputs=ev_html,
                         api_visibility="private")

        def on_load():
            rows, status = logic.library_rows(pipeline)
            tgt = pipeline.targets()
            return (rows, status, gr.update(choices=[r[0] for r in rows], value=None),
                    gr.update(choices=["(all)"] + pipeline.provinces()),
                    render.targets_svg(tgt), render.targets_table(tgt), render.render_eval_report(pipeline.latest_eval_report()))

        demo.load(on_load, outputs=[lib_table, lib_status, article, province, tgt_chart, tgt_table, ev_html],
                  api_visibility="private")
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
