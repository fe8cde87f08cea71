"""Count questions answered by the one sentence of a report that counts the asked thing; parts of
several kinds on one sentence; English rendering of month-year dates; English question analysis
(targets met are results, the counted thing after a possessor, a figure and a date asked together).
Invented fixtures."""

from toolkit.answer.candidates import Candidate, focus_hits, matched_terms
from toolkit.answer.spans import spans_of
from toolkit.vi.question import analyse_question


def _cand(text: str, info, score: float = 0.7, doc: str = "d1", pid: str = "p1") -> Candidate:
    c = Candidate(doc, pid, text, 0, len(text), rank=0, feats={"type": 1.0}, score=score)
    c.spans = spans_of(text, [])
    c.covers = focus_hits(c.spans, text, info)
    c.matched = matched_terms(text, info)
    return c


def test_the_only_sentence_of_a_report_counting_the_asked_thing_is_a_key_match():
    from toolkit.answer.keys import key_match

    info = analyse_question("How many new businesses did Mường Lay town establish in 2023?")
    assert info.focus == ("doanh nghiệp",)
    sole = _cand("Năm 2023, thị xã thành lập mới, đưa vào hoạt động 41 doanh nghiệp.", info)  # the act outside the figure's clause
    other = _cand("Thu ngân sách đạt 96 tỷ đồng.", info, pid="p2")
    assert key_match(sole, info, [sole, other])
    assert not key_match(sole, info)  # without the other sentences nothing says it is the only one
    twice = _cand("Có 230 doanh nghiệp đang hoạt động.", info, pid="p3")
    assert not key_match(sole, info, [sole, other, twice])  # two figures of businesses: which one is asked?
    elsewhere = _cand("Có 230 doanh nghiệp đang hoạt động.", info, doc="d2")
    assert key_match(sole, info, [sole, elsewhere])  # another report's figure does not compete
    total = _cand("Toàn thị xã hiện có 230 doanh nghiệp.", info)
    assert not key_match(total, info, [total])  # the thing, but not the act asked (established)
    from toolkit.answer.keys import _sole_count

    share = analyse_question("What share of businesses did the town establish in 2023?")
    assert not _sole_count(_cand("Tỷ lệ doanh nghiệp thành lập mới đạt 12%.", share), share, [])  # a share is no count
    # a share is a key match only in the clause of the asked words: not the share of something else
    assert key_match(_cand("Tỷ lệ doanh nghiệp thành lập mới đạt 12%.", share), share, [])
    assert not key_match(_cand("Tỷ lệ hộ nghèo giảm còn 2%, toàn thị xã có 41 doanh nghiệp thành lập mới.", share), share, [])


def test_a_sentence_with_a_figure_and_a_date_answers_a_count_part_and_a_since_when_part():
    from toolkit.answer.partwise import respond_parts as _respond_parts
    from toolkit.settings import Settings

    q = "How many Party members does the Party cell of the Sìn Hồ Cooperative Union have, and since when has it existed?"
    info = analyse_question(q)
    assert {"number", "date"} <= info.wants and info.n_parts == 2
    p1 = analyse_question("How many Party members does the Party cell of the Sìn Hồ Cooperative Union have")
    p2 = analyse_question("and since when has it existed (Sìn Hồ Cooperative Union)")
    text = "Chi bộ Liên minh Hợp tác xã Sìn Hồ được thành lập từ tháng 4/2019, hiện có 14 đảng viên."
    c = _cand(text, p1, score=0.95)
    got = _respond_parts(q, info, [(p1, [c]), (p2, [c])], settings=Settings(), t0=0.0)
    assert got is not None and "14 Party members" in got.answer and "April 2019" in got.answer
    assert "the date is" not in got.answer  # two kinds of answer: the plain lead


def test_english_questions_targets_met_are_results_and_the_counted_thing_follows_a_possessor():
    met = analyse_question("How many of Phong Thổ district's 2023 targets were met or exceeded?")
    assert "target" not in met.wants and met.focus == ("chỉ tiêu",)
    goal = analyse_question("What target for new Party members did the district set for 2024?")
    assert "target" in goal.wants
    subject = analyse_question("How much did the provincial bloc pay to the state budget in 2023?")
    assert subject.focus == ()  # "how much did the bloc": the bloc is who paid, not what is counted
    when = analyse_question("Hội nghị diễn ra vào ngày bao nhiêu?")
    assert when.wants == {"date"}  # "ngày bao nhiêu" asks a date, not a figure


def test_opening_and_directing_are_asked_roles_a_sentence_states_with_its_own_verb():
    from toolkit.vi.periods import role_of_who, roles_asked, states_role

    assert role_of_who("Who opened the 9th session of the Mường Nhé District People's Council?") == "open"
    assert "direct" in roles_asked("Ai dự và chỉ đạo hội nghị tổng kết của Đảng ủy xã Nậm Kè?")
    assert states_role("open", "Đồng chí Lò Văn Puốn, Chủ tịch HĐND huyện khai mạc kỳ họp.")
    assert not states_role("open", "Đồng chí Lò Văn Puốn, Chủ tịch HĐND huyện phát biểu bế mạc kỳ họp.")


def test_english_word_forms_reach_the_glossary():
    from toolkit.vi.english import forms

    assert "established" in forms("establish") and "admit" in forms("admitted") and "target" in forms("targets")
    info = analyse_question("How many cooperatives did Tuần Giáo district establish in 2024?")
    assert any(t.kind == "gloss" and "thành lập" in t.alts for t in info.terms)


def test_the_counted_thing_is_the_head_of_the_noun_phrase_after_how_many():
    assert analyse_question("How many socio-economic targets did Mường Ảng district meet in 2023?").focus == ("chỉ tiêu",)
    assert analyse_question("How many new businesses were established in Điện Biên Đông in 2023?").focus == ("doanh nghiệp",)


def test_a_clause_that_asks_nothing_is_context_not_a_part():
    one = analyse_question("According to the Báo Lai Châu report on the briefing chaired by Giàng Páo Mỷ, "
                           "how many Party members did the province admit in 2023?")
    assert one.n_parts == 1
    assert analyse_question("How many members did it admit, and what share of the target was that?").n_parts == 2
    assert analyse_question("Who presented the 55-year Party badge in Phong Thổ, and to whom?").n_parts == 2


def test_a_date_question_is_answered_by_the_day_not_by_a_month_named_in_a_title():
    from toolkit.answer.compose import relevant_spans

    info = analyse_question("On what date did the Sơn La bloc hold its reporters' conference of March 2024?")
    c = _cand("Sáng 12/3, Đảng ủy Khối tổ chức Hội nghị báo cáo viên tháng 3/2024.", info)
    assert [s.text for s in relevant_spans(c, info, "date")] == ["Sáng 12/3"]


def test_a_figure_whose_own_clause_holds_the_words_before_the_cue_is_a_key_match():
    from toolkit.answer.keys import key_match

    info = analyse_question("Theo báo cáo tại kỳ họp thứ 9 HĐND huyện Tuần Giáo, tổng giá trị sản xuất năm 2023 của huyện đạt bao nhiêu?")
    both = _cand("Tốc độ tăng giá trị sản xuất đạt 9,1%, tổng giá trị sản xuất đạt 4.120 tỷ đồng.", info)
    growth = _cand("Tốc độ tăng giá trị sản xuất đạt 9,1%.", info, pid="p2")
    for c in (both, growth):
        c.feats.update(target_match=0.0, target_clash=0.0)
    assert key_match(both, info) and not key_match(growth, info)  # "tổng" stands in the second figure's clause only
    paid = analyse_question("Năm 2023, các doanh nghiệp trong Khối đã đóng góp vào ngân sách nhà nước bao nhiêu?")
    c = _cand("Nhờ đó, các doanh nghiệp trong Khối đã đóng góp vào ngân sách nhà nước gần 312 tỷ đồng.", paid)
    other = _cand("Các doanh nghiệp nộp thuế 57 tỷ đồng vào ngân sách.", paid, pid="p3")
    for x in (c, other):
        x.feats.update(target_match=0.0, target_clash=0.0)
    assert key_match(c, paid) and not key_match(other, paid)
    target = analyse_question("Năm 2024, huyện đặt mục tiêu tổng giá trị sản xuất đạt bao nhiêu?")
    both.feats.update(target_match=0.0)
    assert not key_match(both, target)  # a result never answers a target question


def test_an_english_figure_clause_holding_the_glossed_words_after_the_verb_is_a_key_match():
    from toolkit.answer.keys import _asked_terms_en, key_match

    info = analyse_question("How much did the bloc (Báo Yên Bái, May 2024) pay to the state budget in 2023?")
    for t in info.terms:
        t.weight = 1.0
    assert [info.terms[i].source for i in _asked_terms_en(info)] == ["state budget"]
    paid = _cand("Toàn khối nộp ngân sách nhà nước 412 tỷ đồng, tăng 8%.", info)
    sales = _cand("Doanh thu toàn khối đạt 9.800 tỷ đồng.", info, pid="p2")
    for c in (paid, sales):
        c.feats.update(target_match=0.0, target_clash=0.0)
    assert key_match(paid, info) and not key_match(sales, info)
    paid.feats["name_absent"] = 1.0
    assert not key_match(paid, info)  # a report that does not name the place asked about


def test_a_word_capitalised_only_because_it_opens_the_question_is_not_a_name():
    info = analyse_question("Theo Nghị quyết số 12-NQ/TU của Tỉnh ủy Lai Châu, mục tiêu năm 2025 là bao nhiêu?")
    assert [t.source for t in info.terms if t.kind == "name"] == ["lai châu"]
    en = analyse_question("How many members did the Đồng Nai Provincial Agencies Bloc admit in 2021?")
    assert "đồng nai" in [t.alts[0] for t in en.terms if t.kind == "name"]


def test_a_nearly_tied_sentence_in_the_questions_own_terms_takes_the_place_of_the_best():
    from toolkit.answer.reader import choose
    from toolkit.settings import AnswerSettings

    info = analyse_question("Năm 2024, Đảng ủy Khối các Cơ quan tỉnh Hà Nam đặt chỉ tiêu kết nạp bao nhiêu đảng viên?")
    vague = _cand("Xây dựng tổ chức đảng trong sạch, vững mạnh, phấn đấu 90% đảng viên hoàn thành tốt nhiệm vụ trở lên.", info, 0.67)
    keyed = _cand("Kết nạp từ 250 đảng viên mới trở lên.", info, 0.61, pid="p2")
    for c in (vague, keyed):
        c.feats.update(target_match=1.0, target_clash=0.0)
    cfg = AnswerSettings(abstain_below=0.82, lead_below=0.6, key_tie=0.08)
    assert choose([vague, keyed], info, cfg) == [keyed]
    assert choose([vague, keyed], info, AnswerSettings(abstain_below=0.82, lead_below=0.6, key_tie=0.02)) == []
    en = analyse_question("What target for admitting new Party members did the Hà Nam bloc set for 2024?")
    keyed_en = _cand("Kết nạp từ 250 đảng viên mới trở lên.", en, 0.61, pid="p2")
    keyed_en.feats.update(target_match=1.0, target_clash=0.0)
    for t in en.terms:
        t.weight = 1.0
    from toolkit.answer.keys import key_match
    assert key_match(keyed_en, en)  # the glossed words before the verb: admitting, new Party members


def test_metric_units_written_out_or_glued_are_the_same_unit():
    from toolkit.vi.numbers import abbreviate_units, number_tokens

    assert abbreviate_units("mét đường bê tông") == "m đường bê tông" and abbreviate_units("120 héc ta lúa") == "120 ha lúa"
    assert [(raw, 2150.0 in vals) for _, _, raw, vals in number_tokens("làm được 2.150m đường giao thông")] == [("2.150m", True)]
    info = analyse_question("Năm 2023, xã Tả Van làm được bao nhiêu mét đường bê tông?")
    c = _cand("Năm 2023, xã làm được 2.150m đường bê tông nông thôn.", info)
    assert c.covers == {"mét đường"}


def test_effort_is_not_a_target():
    from toolkit.vi.periods import sets_target

    assert not sets_target("Cùng với sự nỗ lực phấn đấu của nhân dân, xã làm được 2.150m đường bê tông.")
    assert not sets_target("Với tinh thần phấn đấu không ngừng, huyện đạt 18/19 chỉ tiêu.")
    assert sets_target("Năm 2024, phấn đấu kết nạp 40 đảng viên trở lên.") and sets_target("Phấn đấu 100% thôn có chi bộ.")


def test_the_subject_of_did_is_not_what_the_figure_is_of_and_three_asks_are_three_parts():
    from toolkit.answer.keys import _asked_terms_en

    info = analyse_question("How much did the enterprise bloc of Yên Bái pay to the state budget in 2023?")
    for t in info.terms:
        t.weight = 1.0
    assert [info.terms[i].source for i in _asked_terms_en(info)] == ["state budget"]
    aside = analyse_question("How much did the bloc (Báo Lào Cai report on its 9th session) pay to the state budget "
                             "in the first nine months of 2023?")
    for t in aside.terms:
        t.weight = 1.0
    assert [aside.terms[i].source for i in _asked_terms_en(aside)] == ["state budget"]  # not the aside, not the period
    three = analyse_question("How many members did the Điện Biên Committee have, how many seats were left vacant, "
                             "and how many members did its Standing Committee have?")
    assert three.n_parts == 3


def test_a_sentence_holding_some_of_several_asked_figures_competes_for_the_lead():
    from toolkit.answer.reader import choose
    from toolkit.settings import AnswerSettings

    info = analyse_question("How many members did the Lào Cai Committee elect, and how many seats were left vacant?")
    three = _cand("Đại hội bầu 11 đồng chí vào Ủy ban Kiểm tra, 16 đại biểu chính thức và 1 đại biểu dự khuyết.", info, 0.7)
    two = _cand("Ban Chấp hành gồm 50 ủy viên (khuyết 3 ủy viên).", info, 0.66, pid="p2")
    two.feats["type"] = 0.5  # holds one of the figures asked for in its own part
    cfg = AnswerSettings(abstain_below_en=0.76, lead_below_en=0.6, lead_gap=0.2)
    assert choose([three, two], info, cfg) == []  # no clear lead over a sentence holding part of the answer


def test_an_answer_states_the_figure_asked_for_not_every_figure_of_its_sentence():
    from toolkit.answer.compose import relevant_spans

    vi = analyse_question("Năm 2023, Đảng ủy Khối tỉnh Hưng Yên kết nạp bao nhiêu đảng viên?")
    text = "Thẩm định, xét và quyết định kết nạp 212 đảng viên; chuyển Đảng chính thức cho 198 đảng viên."
    c = _cand(text, vi)
    c.feats.update(target_match=0.0, target_clash=0.0)
    assert [s.text for s in relevant_spans(c, vi, "number")] == ["212 đảng viên"]
    en = analyse_question("How many new Party members did the Hưng Yên bloc admit in 2023?")
    for t in en.terms:
        t.weight = 1.0
    e = _cand(text, en)
    e.feats.update(target_match=0.0, target_clash=0.0)
    assert [s.text for s in relevant_spans(e, en, "number")] == ["212 đảng viên"]


def test_a_person_the_who_question_names_is_context_but_a_title_question_asks_about_them():
    from toolkit.answer.candidates import type_cue

    who = analyse_question("Ai trình bày báo cáo tại hội nghị do bà Lò Thị Hoa chủ trì?")
    chair_only = spans_of("Bà Lò Thị Hoa, Phó Bí thư Huyện ủy chủ trì hội nghị.")
    presenter = spans_of("Ông Quàng Văn Tâm, Chánh Văn phòng Huyện ủy trình bày báo cáo.")
    assert type_cue(chair_only, who, 0) == 0.0 and type_cue(presenter, who, 0) == 1.0
    title = analyse_question("Bà Lò Thị Hoa giữ chức vụ gì?")
    assert type_cue(chair_only, title, 0) == 1.0
