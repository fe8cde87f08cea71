"""The independent summary check (evals.summary_gold_check) against invented gold and article text."""

from __future__ import annotations

from evals.summary_gold_check import check_sentence
from evals.summary_web import group_of, pick

ARTICLE = ("Sáng 14-6, Đảng ủy xã Tân Phước tổ chức hội nghị sơ kết 6 tháng đầu năm 2024. "
           "Đồng chí Hồ Văn Lâm - Bí thư Đảng ủy xã chủ trì hội nghị. Đồng chí Lý Thị Ngân phát biểu. "
           "Trong 6 tháng, xã kết nạp 9 đảng viên; thu ngân sách đạt 6,2 tỷ đồng.")
GOLD = {"date": "2024-06-14", "figure_labels": [{"value": 9, "label_contains": ["kết nạp"]},
                                                 {"value": 6.2, "label_contains": ["thu ngân sách"]},
                                                 {"value": 2, "label_contains": ["Phước Lộc"]}]}
HEAD = ARTICLE.split(". ")[0]
NAMES = ["Hồ Văn Lâm", "Lý Thị Ngân"]


def check(text: str, lang: str = "en"):
    return check_sentence(text, lang, article=ARTICLE, article_head=HEAD, gold=GOLD, names=NAMES)


def test_agreeing_sentences_pass():
    assert check("On 14 June 2024, the Tân Phước Commune Party Committee held a review conference.") == ([], 0)
    assert check("Hồ Văn Lâm, Secretary of the Commune Party Committee, chaired the conference.") == ([], 0)
    assert check("Party members admitted stood at 9 and budget revenue at 6.2 billion VND.") == ([], 0)
    assert check("Trong 6 tháng, xã kết nạp 9 đảng viên.", "vi") == ([], 0)


def test_each_kind_of_disagreement_is_found():
    kinds = lambda text, lang="en": {k for k, _ in check(text, lang)[0]}  # noqa: E731
    assert kinds("On 16 June 2024, the Commune Party Committee held a review conference.") == {"date"}
    assert kinds("The Commune Party Committee held a Party congress.") == {"type"}
    assert kinds("Lý Thị Ngân chaired the conference.") == {"role"}
    assert kinds("Growth stood at 9.") == {"subject"}
    assert kinds("Sáng 15-6, Đảng ủy xã tổ chức hội nghị sơ kết.", "vi") == {"date"}


def test_a_figure_whose_label_the_table_cannot_render_is_unchecked_not_agreed():
    assert check("Households stood at 2.") == ([], 1)


def test_groups_and_pick():
    assert [group_of(d) for d in ("w07", "w10", "003_abc")] == ["odd", "even", "dev"]
    assert pick(["w01", "w02", "w03", "w04", "w05", "000_x"], 2) == ["w01", "w02", "w03", "w04"]
