"""Hand-made cases for the pure metric functions of the eval harness (no model, no store)."""

from __future__ import annotations

import pytest

from evals import metrics as M


# --- numbers by value -------------------------------------------------------------------------


@pytest.mark.parametrize("alt", ["6.059", "6,059", "6059"])
@pytest.mark.parametrize("answer", ["Có 6.059 đảng viên.", "There are 6,059 Party members.", "Tổng số 6059 đảng viên"])
def test_thousands_in_either_notation_compare_by_value(alt, answer):
    assert M.mentions(answer, alt)


@pytest.mark.parametrize("answer", ["đạt 103,33% chỉ tiêu", "reached 103.33% of the target", "đạt 103,33 %"])
def test_vietnamese_decimal_comma_percent(answer):
    assert M.mentions(answer, "103,33")
    assert M.mentions(answer, "103.33")
    assert M.number_in(answer, [103.33])


def test_number_is_not_matched_inside_a_longer_number():
    assert not M.mentions("kết nạp 1550 đảng viên", "155")
    assert not M.mentions("năm 2021", "2")
    assert not M.mentions("đạt 103,33%", "103")
    assert M.mentions("kết nạp 155 đảng viên", "155")


def test_wrong_number_fails():
    assert not M.mentions("There are 6,058 members", "6.059")
    assert not M.answer_correct("155 đảng viên, đạt 101,3%", [["155"], ["103,33", "103.33"]])


# --- text -------------------------------------------------------------------------------------


def test_text_after_nfc_and_casefold():
    decomposed = "NGUYE\u0302\u0303N VA\u0306N TA\u0301M chủ trì"  # NFD, upper case
    assert M.mentions(decomposed, "Nguyễn Văn Tám")


def test_english_answer_may_drop_diacritics_on_names_but_vietnamese_may_not():
    assert M.mentions("The conference was chaired by Nguyen Van Tam.", "Nguyễn Văn Tám", lang="en")
    assert not M.mentions("Hội nghị do Nguyen Van Tam chủ trì", "Nguyễn Văn Tám", lang="vi")


def test_answer_correct_every_group_one_alternative():
    mi = [["6059", "6.059", "6,059"], ["85"]]
    assert M.answer_correct("6,059 Party members in 85 grassroots organisations.", mi, lang="en")
    assert not M.answer_correct("6,059 Party members.", mi, lang="en")


def test_must_not_include():
    mi = [["Nguyễn Văn Tám"]]
    assert M.answer_correct("Đồng chí Nguyễn Văn Tám chủ trì.", mi, ["Lê Văn Bảy"])
    assert not M.answer_correct("Đồng chí Nguyễn Văn Tám và Lê Văn Bảy chủ trì.", mi, ["lê văn bảy"])
    assert M.violations("Kết quả 300 đảng viên", ["300"]) == ["300"]


def test_item_answer_correct_abstention_rules():
    answerable = {"lang": "vi", "answerable": True, "must_include": [["368"]], "must_not_include": []}
    unanswerable = {"lang": "en", "answerable": False, "must_include": [], "must_not_include": []}
    assert M.item_answer_correct(answerable, "368 đảng viên", False, [])
    assert not M.item_answer_correct(answerable, "368 đảng viên", True, [])  # abstained on an answerable item
    assert M.item_answer_correct(unanswerable, "The articles do not say.", True, [])
    assert not M.item_answer_correct(unanswerable, "It was 12.", True, [{"text": "x"}])  # cited something
    assert not M.item_answer_correct(unanswerable, "It was 12.", False, [])


# --- F1 and ROUGE ------------------------------------------------------------------------------


def test_token_f1_is_syllable_level_and_keeps_vietnamese_letters():
    assert M.token_f1("Ngày 19/10/2021.", "Ngày 19/10/2021.") == pytest.approx(1.0)
    # rouge_score's tokenizer would drop every non-ASCII letter; here 'đảng' and 'viên' count.
    f = M.token_f1("155 đảng viên", "155 đảng viên, đạt 103,33% chỉ tiêu")
    assert 0.4 < f < 0.8
    assert M.token_f1("hoàn toàn khác", "155 đảng viên") == 0.0
    assert M.token_f1("Đảng uỷ", "đảng ủy") == pytest.approx(1.0)  # tone placement folded


def test_rouge_syllables():
    r = M.rouge("Hội nghị tổng kết công tác năm", "Hội nghị tổng kết công tác xây dựng Đảng năm 2021")
    assert r["rouge1"] > r["rouge2"] > 0
    assert 0 < r["rougeL"] <= r["rouge1"]
    assert M.rouge("", "abc") == {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0}


# --- citations ---------------------------------------------------------------------------------


def test_citation_containment_folds_whitespace_and_nfc():
    para = "Trong 9 tháng,\u00a0toàn Khối   kết nạp mới 155\n đảng viên, đạt 103,33% chỉ tiêu."
    assert M.citation_correct(para, ["kết nạp mới 155 đảng viên, đạt 103,33%"])
    assert M.citation_correct(para.replace("ế", "e\u0302\u0301"), ["kết nạp mới 155 đảng viên"])  # NFD paragraph
    assert not M.citation_correct(para, ["kết nạp mới 156 đảng viên"])
    assert M.citation_correct(para, ["không có", "toàn Khối kết nạp"])  # any alternative


def test_citation_precision_and_recall():
    ev = ["kết nạp mới 155 đảng viên"]
    good = {"text": "Toàn Khối kết nạp mới 155 đảng viên."}
    bad = {"text": "Đoàn công tác làm việc tại huyện."}
    items = [
        ({"answerable": True, "evidence": ev}, [good, bad]),  # 1 of 2 correct, item recalled
        ({"answerable": True, "evidence": ev}, [bad]),  # 0 of 1, not recalled
        ({"answerable": False, "evidence": []}, [bad]),  # unanswerable: scored by abstention, not here
    ]
    s = M.citation_scores(items)
    assert s["citation_precision"] == pytest.approx(1 / 3)
    assert s["citation_recall"] == pytest.approx(1 / 2)
    assert M.citation_scores([]) == {"citation_precision": None, "citation_recall": None}


def test_abstention():
    assert M.abstention_correct(False, True, 0)
    assert not M.abstention_correct(False, True, 1)
    assert not M.abstention_correct(False, False, 0)
    assert M.abstention_correct(True, False, 2)
    assert not M.abstention_correct(True, True, 0)


# --- retrieval ---------------------------------------------------------------------------------


def test_retrieval_ranks_recall_and_mrr():
    ev = ["273 mô hình"]
    paras = ["Đoạn khác.", "Đăng ký 273  mô hình “Dân vận khéo”.", "Đoạn nữa."]
    assert M.first_relevant_rank(paras, ev) == 2
    assert M.first_relevant_rank(paras[:1], ev) is None
    s = M.retrieval_scores([1, 2, None, 6])
    assert s["recall@1"] == pytest.approx(0.25)
    assert s["recall@5"] == pytest.approx(0.5)
    assert s["mrr"] == pytest.approx((1 + 0.5 + 0 + 1 / 6) / 4)


# --- summaries and aggregation -----------------------------------------------------------------


def test_figure_coverage_by_value_in_both_languages():
    figs = [6059, 103.33, 85]
    assert M.figure_coverage("Khối có 6.059 đảng viên, đạt 103,33%.", figs) == pytest.approx(2 / 3)
    assert M.figure_coverage("6,059 members in 85 organisations reached 103.33%.", figs) == pytest.approx(1.0)
    assert M.figure_coverage("anything", []) is None


def test_percentile_and_mean():
    assert M.percentile([1, 2, 3, 4], 50) == pytest.approx(2.5)
    assert M.percentile([5.0], 95) == 5.0
    assert M.percentile([], 50) is None
    assert M.mean([True, False, None, 1]) == pytest.approx(2 / 3)


def test_unsupported_numbers_uses_the_verifier():
    pytest.importorskip("toolkit.verify", reason="toolkit.verify not written yet")
    src = ["Toàn Khối kết nạp mới 155 đảng viên, đạt 103,33% chỉ tiêu."]
    assert M.unsupported_numbers("Kết nạp 155 đảng viên, đạt 103,33%.", src) == []
    assert M.unsupported_numbers("Kết nạp 156 đảng viên.", src) != []


@pytest.mark.parametrize("answer", ["nộp ngân sách 2.541 tỷ đồng", "paid 2,541 billion VND", "thu 2.541 tỉ đồng"])
def test_a_figure_matches_as_written_before_its_multiplier_word(answer):
    assert M.mentions(answer, "2.541") and M.mentions(answer, "2541")
    assert not M.mentions(answer, "2.54")


def test_a_decimal_before_a_multiplier_matches_its_written_value():
    assert M.mentions("thu ngân sách 1.262,3 tỷ đồng, đạt 274,2% kế hoạch", "1262,3")
    assert M.mentions("thu nhập 5,8 triệu đồng/người/tháng", "5,8")
    assert M.mentions("thu nhập 5,8 triệu đồng/người/tháng", "5800000")  # the scaled value still counts
