"""The glossary's renderer reads a document word followed by an action as the document of that action
('quyết định kết nạp' -> 'decision to admit'), not as a document that acted ('Decision admitted'), and a label that
opens with an action as what the action was done to ('quán triệt nghị quyết' -> 'resolutions disseminated')."""

from __future__ import annotations

import pytest

from toolkit.verify.labels import gloss_problems
from toolkit.vi.glossary import load_glossary


@pytest.mark.parametrize("vi, en", [
    ("quyết định kết nạp đảng viên", "decision to admit Party members"),
    ("Quyết định thi hành kỷ luật", "decision to discipline"),
    ("nghị quyết thành lập", "resolution to establish"),
    ("kế hoạch kiểm tra, giám sát", "plan to inspect and supervise"),
    ("quyết định khen thưởng tập thể", "decision to commend collectives"),
])
def test_a_document_word_before_an_action_is_the_document_of_that_action(vi, en):
    tr = load_glossary().translate(vi)
    assert tr.ok and tr.text == en


@pytest.mark.parametrize("vi, en", [
    ("Quyết định 140", "Decision 140"),  # a document cited by number stays a document
    ("Đảng bộ tỉnh kết nạp đảng viên", "Provincial Party Organisation admitted Party members"),  # a body that acted
])
def test_other_readings_are_unchanged(vi, en):
    assert load_glossary().translate(vi).text == en


@pytest.mark.parametrize("vi, en", [
    ("thi hành kỷ luật đảng viên", "Party members disciplined"),
    ("quán triệt nghị quyết", "resolutions disseminated"),  # the counted noun, not the document title 'Resolution'
    ("giám sát tổ chức đảng", "Party organisations supervised"),
])
def test_a_label_opening_with_an_action_names_what_it_was_done_to(vi, en):
    assert load_glossary().translate(vi).text == en


def test_the_verifier_accepts_the_base_form_of_an_action():
    g = load_glossary()
    assert gloss_problems("decision to hold", "quyết định tổ chức hội nghị", g) == []
    assert gloss_problems("decision to hold", "quyết định khen thưởng", g)  # 'hold' renders no word here


def test_a_labels_own_glossary_reading_does_not_hide_what_the_clause_says():
    """'Kiểm tra, giám sát 86 tổ chức đảng': the rule label 'giám sát tổ chức đảng' reads 'Party organisations
    supervised'; the clause says they were inspected and supervised."""
    from toolkit.figure_en import english_label

    g = load_glossary()
    label = "giám sát tổ chức đảng"
    proposed = g.translate(label).text
    assert proposed == "Party organisations supervised"
    assert english_label(g, label, proposed, "Năm qua, Đảng ủy phường Hòa Cường kiểm tra, giám sát ", " tổ chức đảng.", "86") == \
        "Party organisations inspected and supervised"
