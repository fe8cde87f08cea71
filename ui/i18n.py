"""Interface text in Vietnamese (the default) and English. `t(key, lang)` gives one string.

Server-side on purpose: gradio's gr.I18n follows the browser's locale and translates only static
labels, while most of this app's text is HTML rendered here; the app's own switch re-renders both.
"""

from __future__ import annotations

LANGS = {"vi": "Tiếng Việt", "en": "English"}

STRINGS: dict[str, tuple[str, str]] = {
    # app
    "app_title": ("Báo cáo hội nghị — hỏi đáp, thư viện, chỉ tiêu", "Meeting reports — ask, browse, targets"),
    "app_intro": ("Mọi thứ chạy trên máy này. Câu trả lời dẫn nguồn từ các bài viết; nội dung bài chỉ hiển thị dưới dạng văn bản.",
                  "Everything runs on this machine. Answers cite the articles; article text is shown as text."),
    "lang_label": ("Ngôn ngữ giao diện", "Interface language"),
    "tab_chat": ("Hỏi đáp", "Chat"), "tab_library": ("Thư viện", "Library"), "tab_targets": ("Chỉ tiêu", "Targets"),
    "tab_ingest": ("Nạp bài", "Ingest"), "tab_evals": ("Đánh giá", "Evals"),
    # chat
    "conversation": ("Hội thoại", "Conversation"),
    "ask_placeholder": ("Hỏi về các bài viết (tiếng Việt hoặc tiếng Anh)…", "Ask about the articles (Vietnamese or English)…"),
    "ask": ("Hỏi", "Ask"), "new_chat": ("Hội thoại mới", "New chat"),
    "citations": ("Nguồn dẫn — bấm để mở đoạn gốc", "Citations — click one to open its source"),
    "citations_hint": ("Nguồn dẫn của câu trả lời mới nhất hiện ở trên; bấm một nguồn để xem đoạn gốc.",
                       "Citations of the latest answer appear above; click one to see its source."),
    "click_citation": ("Bấm một nguồn dẫn để xem đoạn gốc.", "Click a citation to see its source."),
    "no_citations": ("Câu trả lời này không có nguồn dẫn.", "No citations for this answer."),
    "citation_gone": ("Nguồn dẫn này không còn; hãy hỏi lại.", "That citation is no longer available; ask again."),
    "filters": ("Bộ lọc", "Filters"), "f_province": ("Tỉnh", "Province"), "f_period": ("Kỳ (năm)", "Period (year)"),
    "f_org": ("Tổ chức", "Organisation"), "f_article": ("Bài viết", "Article"), "all": ("(tất cả)", "(all)"),
    "filters_applied": ("Đã lọc theo", "Filters applied"),
    "abstain_lead": ("Không tìm thấy câu trả lời trong các bài viết.", "No answer in the articles."),
    "abstain_body": ("Tôi không tìm thấy thông tin này trong các bài đã nạp nên không trả lời.",
                     "I could not find this in the ingested articles, so I do not answer."),
    "error": ("Lỗi", "Error"),
    "queued": ("Đang chờ lượt: còn {n} câu hỏi trước câu này…", "Waiting: {n} question(s) ahead of this one…"),
    "phrasing": ("Mô hình đang diễn đạt lại câu trả lời trích từ nguồn…", "The model is rephrasing the answer quoted from the sources…"),
    # citation panel, record
    "title": ("Tiêu đề", "Title"), "date": ("Ngày", "Date"), "province": ("Tỉnh", "Province"), "source": ("Nguồn", "Source"),
    "paragraph": ("đoạn", "paragraph"), "unknown": ("(không rõ)", "(unknown)"), "not_stated": ("(không nêu)", "(not stated)"),
    "quote_missing": ("(không định vị được câu dẫn trong đoạn này)", "(the supporting sentence could not be located in this paragraph)"),
    "field": ("Trường", "Field"), "value": ("Giá trị", "Value"), "organisation": ("Tổ chức", "Organisation"),
    "event": ("Sự kiện", "Event"), "period": ("Kỳ", "Period"), "people": ("Nhân sự", "People"),
    "figures": ("Số liệu (chỉ tiêu và kết quả)", "Figures (targets against results)"),
    "documents_cited": ("Văn bản được nhắc đến", "Documents cited"),
    "name": ("Họ tên", "Name"), "position": ("Chức vụ", "Title"), "role": ("Vai trò", "Role"), "evidence": ("Bằng chứng", "Evidence"),
    "label": ("Nội dung", "Label"), "kind": ("Loại", "Kind"), "target": ("Chỉ tiêu", "Target"), "pct_target": ("% chỉ tiêu", "% of target"),
    "raw": ("Nguyên văn", "Raw"), "unit": ("Đơn vị", "Unit"), "code": ("Số hiệu", "Code"), "type": ("Loại", "Type"),
    "issuer": ("Cơ quan ban hành", "Issuer"),
    "no_record": ("Chưa có bản trích xuất cho bài này (đang chờ xử lý nền, hoặc bấm “Trích xuất”); dòng lệnh:", "No record extracted yet for this article (queued in the background, or press “Extract record”); command line:"),
    "no_summary": ("Chưa có tóm tắt: chạy", "No summary yet: run"),
    "select_article": ("Chọn một bài viết.", "Select an article."),
    "no_article": ("Không có bài này trong kho.", "No such article in the store."),
    # library
    "lib_from": ("Từ ngày (YYYY-MM-DD)", "From (YYYY-MM-DD)"), "lib_to": ("Đến ngày (YYYY-MM-DD)", "To (YYYY-MM-DD)"),
    "lib_text": ("Tìm trong tiêu đề, nội dung", "Text search"), "lib_filter": ("Lọc", "Filter"),
    "lib_article": ("Bài viết (hoặc bấm một dòng ở trên)", "Article (or click a row above)"),
    "extract": ("Trích xuất", "Extract record"), "tab_record": ("Bản trích xuất", "Record"),
    "tab_summaries": ("Tóm tắt", "Summaries"), "tab_original": ("Văn bản gốc", "Original text"),
    "paragraphs": ("Số đoạn", "Paragraphs"), "n_articles": ("{n} bài viết", "{n} article(s)"),
    "summarise": ("Tóm tắt", "Summarise"), "process_all": ("Xử lý các bài còn thiếu", "Process missing"),
    "redo_all": ("Làm lại tất cả", "Redo all"),
    "stage_extract": ("trích xuất", "extracting the record"), "stage_summarise": ("tóm tắt", "summarising"),
    "jobs_running": ("Đang xử lý nền {done}/{total}: {article} — {stage}. Hỏi đáp vẫn dùng được.",
                     "Background work {done}/{total}: {article} — {stage}. The chat stays usable."),
    "jobs_done": ("Xử lý nền xong ({done} bước).", "Background work finished ({done} steps)."),
    "jobs_idle": ("Còn {records} bài chưa có bản trích xuất, {summaries} bài chưa có tóm tắt.",
                  "{records} article(s) without a record, {summaries} without a summary."),
    "jobs_failed": ("Lỗi", "Failed"),
    "jobs_scheduled": ("Bản trích xuất và tóm tắt đang được tạo ở nền: xem tiến độ ở tab Thư viện.",
                       "Records and summaries are being made in the background: see the Library tab for progress."),
    "filter_error": ("Lỗi bộ lọc", "Filter error"), "extract_failed": ("Trích xuất thất bại", "Extraction failed"),
    # targets
    "tgt_intro": ("Chỉ tiêu đặt ra cho một kỳ, cạnh kết quả được báo cáo sau đó cho chính kỳ ấy (có thể ở bài khác). "
                  "Mỗi ô ghi nguồn (mã bài/đoạn); chọn một nguồn để xem đoạn gốc.",
                  "Targets set for a period beside the result later reported for that period (possibly in another article). "
                  "Each cell names its evidence (doc/paragraph); pick one to open the paragraph."),
    "tgt_refresh": ("Làm mới", "Refresh"), "tgt_export": ("Xuất CSV", "Export CSV"), "tgt_evidence": ("Xem nguồn", "Open evidence"),
    "indicator": ("Chỉ số", "Indicator"), "result": ("Kết quả", "Result"), "pct": ("% đạt", "% achieved"),
    "partial": ("một phần kỳ", "part of the period"),
    "no_targets": ("Chưa có chỉ tiêu: chúng lấy từ số liệu của các bản trích xuất. Nạp bài rồi chạy",
                   "No targets yet: they come from the records' figures. Ingest articles and run"),
    "chart_percent": ("Tỷ lệ (%) — cùng thang 0–100%", "Percentages — one 0–100% scale"),
    "chart_count": ("Số lượng — mỗi dòng một thang (chỉ tiêu = vạch đầy)", "Counts — each row its own scale (target = full bar)"),
    "legend": ("xám: chỉ tiêu · xanh: kết quả", "grey: target · blue: result"),
    # ingest
    "files": ("Tệp bài viết (.txt, .html, .htm, .md)", "Article files (.txt, .html, .htm, .md)"), "ingest": ("Nạp", "Ingest"),
    # evals
    "ev_reload": ("Tải lại", "Reload"), "ev_run": ("Chạy phần nhanh (hỏi đáp)", "Run the fast parts (Q&A)"),
    "ev_none": ("Chưa có báo cáo đánh giá. Tạo bằng", "No eval report yet. Produce one with"),
    "ev_trend": ("Xu hướng qua các lần chạy", "Trend over runs"), "ev_latest": ("Lần chạy gần nhất", "Latest run"),
    "ev_running": ("Đang chạy đánh giá nhanh (nền) từ {t}…", "A fast eval run is going (background) since {t}…"),
    "ev_done": ("Lần chạy nền kết thúc (mã {rc}).", "The background run finished (exit {rc})."),
    "ev_started": ("Đã bắt đầu chạy nền; hỏi đáp vẫn dùng được.", "Started in the background; the chat stays usable."),
}

EVENT_TYPES = {"year_review": ("Tổng kết năm", "Year review"), "period_review": ("Sơ kết", "Period review"),
               "mid_term_review": ("Sơ kết giữa nhiệm kỳ", "Mid-term review"),
               "executive_conference": ("Hội nghị Ban Chấp hành", "Executive conference"),
               "inspection_visit": ("Kiểm tra, làm việc", "Inspection visit"), "other": ("Khác", "Other")}
ROLES = {"chair": ("Chủ trì", "Chair"), "attendee": ("Dự", "Attendee"), "speaker": ("Phát biểu", "Speaker"),
         "head_of_delegation": ("Trưởng đoàn", "Head of delegation"), "presenter": ("Trình bày", "Presenter"),
         "author": ("Tác giả", "Author")}
KINDS = {"result": ("Kết quả", "Result"), "target": ("Chỉ tiêu", "Target"), "rate": ("Tỷ lệ", "Rate"), "count": ("Số lượng", "Count")}


def lang_code(value: str | None) -> str:
    """'vi' or 'en' from a code or a language name (the switch shows names)."""
    if value in LANGS:
        return value
    return next((k for k, v in LANGS.items() if v == value), "vi")


def t(key: str, lang: str = "vi", **kw) -> str:
    vi, en = STRINGS[key]
    s = en if lang_code(lang) == "en" else vi
    return s.format(**kw) if kw else s


def term(table: dict[str, tuple[str, str]], key: str, lang: str = "vi") -> str:
    """A record value (event type, role, figure kind) in the interface language; unknown ones as they are."""
    pair = table.get(key)
    return (pair[1] if lang_code(lang) == "en" else pair[0]) if pair else key
