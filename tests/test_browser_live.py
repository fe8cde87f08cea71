"""The app as an analyst lives in it, in a real headless Chromium with the real pipeline and the
real default model (slow: many minutes on 2 shared cores).

Two invented year-end reports of one district are uploaded (the first sets a target for the next
year, the second reports that year's result); their records and summaries appear in the Library
without anyone clicking Extract; the Targets timeline shows the target beside its later result; a
question and its follow-up are asked in each language, the answer streaming (text shown before the
answer is complete; first-text and total seconds printed); the interface language is switched.
Screenshots go to test-artifacts/live_*.png.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from test_browser import ARTIFACTS, BOT, _page, _serve, browser  # noqa: F401  (the module's browser fixture)
from ui.i18n import t

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTICLE_A = """Đảng bộ huyện Bắc Quang tổng kết công tác xây dựng Đảng năm 2024

Ngày 26/12/2024, Ban Thường vụ Huyện ủy Bắc Quang, tỉnh Hà Giang tổ chức hội nghị tổng kết công tác xây dựng Đảng năm 2024. Đồng chí Đỗ Minh Khang, Bí thư Huyện ủy, chủ trì hội nghị.

Năm 2024, Đảng bộ huyện Bắc Quang kết nạp 132 đảng viên mới, đạt 110% kế hoạch.

Năm 2025, Đảng bộ huyện Bắc Quang phấn đấu kết nạp 150 đảng viên mới.
"""

ARTICLE_B = """Đảng bộ huyện Bắc Quang tổng kết công tác xây dựng Đảng năm 2025

Ngày 23/12/2025, Ban Thường vụ Huyện ủy Bắc Quang, tỉnh Hà Giang tổ chức hội nghị tổng kết công tác xây dựng Đảng năm 2025. Đồng chí Đỗ Minh Khang, Bí thư Huyện ủy, chủ trì hội nghị.

Năm 2025, Đảng bộ huyện Bắc Quang kết nạp 158 đảng viên mới, vượt chỉ tiêu đề ra.

Công tác kiểm tra, giám sát được tăng cường; 100% tổ chức cơ sở đảng được kiểm tra.
"""

PAIRS = {
    "vi": ("Năm 2024 huyện Bắc Quang kết nạp bao nhiêu đảng viên mới?", "132", "Còn năm 2025 thì sao?", "158", "Hiểu là: "),
    "en": ("How many new Party members did Bắc Quang district admit in 2024?", "132", "What about 2025?", "158",
           "Understood as: "),
}
MINUTES = 60_000


def _ask_timed(page, question: str) -> tuple[str, list[str], float | None, float]:
    """Ask; poll the new answer until final. Returns (final text, partial texts seen before it,
    seconds to the first partial answer text, seconds to the final answer)."""
    before = page.locator(BOT).count()
    page.fill("#question textarea", question)
    t0 = time.perf_counter()
    page.click("#ask-btn")
    page.wait_for_function(f"document.querySelectorAll(\"{BOT}\").length > {before}", timeout=5 * MINUTES)
    placeholder = page.locator(BOT).last.inner_text().strip()
    partials: list[str] = []
    first = None
    while time.perf_counter() - t0 < 30 * 60:
        text = page.locator(BOT).last.inner_text().strip()
        # final: a [1] marker or an abstention, and no phrasing note (an English composed answer quotes
        # its sources as "[1] «…»" while the model still phrases it)
        # and the phrasing growing under it ends with "…": the final answer's last paragraph holds its marker
        body = text.split("\n\n")[-1].strip()
        phrasing = any(t("phrasing", lg)[:20] in text for lg in ("vi", "en"))
        abstained = "Không tìm thấy" in text or "No answer" in text
        final = not phrasing and (abstained or ("[1]" in body and not body.endswith("…")))
        if final:
            return text, partials, first, time.perf_counter() - t0
        body = text.split("\n\n")[-1].strip()  # after the "Hiểu là: …" line
        if (text != placeholder and body.endswith("…") and body != "…" and (not partials or text != partials[-1])
                and "Đang chờ" not in text and "Waiting" not in text):
            partials.append(text)
            first = first if first is not None else time.perf_counter() - t0
        page.wait_for_timeout(100)
    raise AssertionError(f"no final answer to {question!r} in 30 minutes")


def test_live_upload_records_timeline_streaming_follow_ups(browser, tmp_path):  # noqa: F811
    from toolkit.pipeline import Pipeline
    from toolkit.settings import Settings

    settings = Settings(store=tmp_path / "store")
    if not any(Path(settings.models_dir).glob("*.gguf")):
        pytest.skip(f"no model file in {settings.models_dir}: run `toolkit models`")
    settings.answer.phrase = True
    settings.ui.records_on_ingest = True
    pipe = Pipeline(settings, report_path=tmp_path / "latest.json")
    files = []
    for name, text in (("bac_quang_2024.txt", ARTICLE_A), ("bac_quang_2025.txt", ARTICLE_B)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        files.append(str(tmp_path / name))
    demo, url = _serve(pipe)
    page, dialogs = _page(browser)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = lambda name: page.screenshot(path=str(ARTIFACTS / f"live_{name}.png"), full_page=True)  # noqa: E731
    try:
        page.goto(url, wait_until="domcontentloaded")
        page.wait_for_selector("#question textarea", timeout=2 * MINUTES)

        # --- upload two articles; records and summaries come without clicking Extract
        page.get_by_role("tab", name="Nạp bài").click()
        page.locator("#upload input[type=file]").set_input_files(files)
        page.locator("#upload .filename", has_text="bac_quang_2025").first.wait_for(timeout=MINUTES)
        page.click("#ingest-btn")
        page.locator("#ingest-results", has_text="bac_quang_2025").wait_for(timeout=5 * MINUTES)
        shot("1_ingested")
        page.get_by_role("tab", name="Thư viện").click()
        page.locator("#records-progress", has_text="Đang xử lý nền").wait_for(timeout=MINUTES)
        shot("2_library_in_progress")
        page.locator("#records-progress", has_text="xong").wait_for(timeout=40 * MINUTES)
        assert "Lỗi" not in page.locator("#records-progress").inner_text()
        page.locator("#lib-table", has_text="tổng kết công tác xây dựng Đảng năm 2025").wait_for(timeout=MINUTES)
        page.locator("#lib-article input").click()
        page.get_by_role("option", name="năm 2025").first.click()
        page.locator("#lib-record", has_text="Hà Giang").wait_for(timeout=MINUTES)
        page.get_by_role("tab", name="Tóm tắt").click()
        summaries = page.locator("#lib-summaries")
        summaries.locator("li, p").first.wait_for(timeout=MINUTES)
        assert "Chưa có tóm tắt" not in summaries.inner_text()
        shot("3_library_record_summary")

        # --- the 2025 target set in the 2024 article beside the 2025 result
        page.get_by_role("tab", name="Chỉ tiêu").click()
        row = page.locator("#targets-table tr", has_text="150").filter(has_text="158")
        row.first.wait_for(timeout=2 * MINUTES)
        shot("4_timeline")

        # --- a question and its follow-up in each language, streamed
        misses = []
        for lang in ("vi", "en"):
            if lang == "en":
                page.locator("#ui-lang label", has_text="English").click()
                page.get_by_role("tab", name="Chat").wait_for()
            page.get_by_role("tab", name="Hỏi đáp" if lang == "vi" else "Chat").click()
            page.click("#new-chat")
            page.wait_for_function(f"document.querySelectorAll(\"{BOT}\").length == 0")
            q1, a1, q2, a2, lead = PAIRS[lang]
            streamed = 0
            for q, a in ((q1, a1), (q2, a2)):
                text, parts, first, total = _ask_timed(page, q)
                streamed += len(parts)
                print(f"{lang} {q!r}: first text {'-' if first is None else f'{first:.1f}'} s, final {total:.1f} s, "
                      f"{len(parts)} partial states; answer: {text!r}")
                if q == q2:
                    assert lead in text, text
                if a not in text:
                    misses.append(f"{lang} {q!r} -> {text!r} (expected {a})")
            shot(f"5_chat_{lang}")
            assert streamed, f"no text shown before the final answer ({lang})"
        page.get_by_role("tab", name="Library").wait_for()  # the interface is in English now
        assert dialogs == [], f"a dialog fired: {dialogs}"
        assert not [m for m in misses if m.startswith("vi")], misses
        if misses:  # the reader's known miss (issue 12): an English result question answered with next year's target
            pytest.xfail("reader miss, not the app: " + "; ".join(misses))
    finally:
        page.close()
        demo.close()
