"""Generated Vietnamese meeting reports for `toolkit bench`'s retrieval-at-scale figure.

Every name, place pairing and number is drawn at random from the lists below: invented reports in
the genre's shape (dateline, chair, admissions against target, inspections, documents), not
copies of real ones.
"""

from __future__ import annotations

import hashlib
import random

_PROVINCES = ["Trà Vinh", "Nam Định", "Tuyên Quang", "Bến Tre", "Hà Giang", "Thái Bình", "Đồng Tháp", "Quảng Trị", "Phú Yên",
              "Lạng Sơn", "Hậu Giang", "Bình Định", "Sơn La", "Kon Tum", "Ninh Bình", "Cà Mau", "Yên Bái", "Long An"]
_BODIES = ["Đảng ủy Khối Doanh nghiệp", "Đảng ủy Khối các cơ quan", "Huyện ủy", "Thành ủy", "Đảng ủy Quân sự", "Đảng ủy xã"]
_SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
_MIDDLE = ["Văn", "Thị", "Minh", "Hữu", "Thanh", "Quốc", "Đức", "Ngọc", "Thu", "Xuân"]
_GIVEN = ["An", "Bình", "Chung", "Dũng", "Hà", "Hùng", "Lan", "Long", "Mai", "Nam", "Phong", "Quang", "Sơn", "Tâm", "Thảo", "Vinh"]
_TITLES = ["Bí thư", "Phó Bí thư Thường trực", "Phó Bí thư", "Ủy viên Ban Thường vụ", "Chủ nhiệm Ủy ban Kiểm tra"]
_EVENTS = ["Hội nghị sơ kết công tác xây dựng Đảng 6 tháng đầu năm", "Hội nghị tổng kết công tác xây dựng Đảng năm",
           "Hội nghị tổng kết công tác kiểm tra, giám sát năm", "Hội nghị Ban Chấp hành Đảng bộ mở rộng năm"]
_DOCS = ["05-CT/TW", "01-KL/TW", "21-KL/TW", "35-NQ/TW", "22-QĐ/TW", "{n}-NQ/TU"]


def _vi_int(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _vi_pct(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".").replace(".", ",") + "%"


def synthetic_paragraphs(rng: random.Random, i: int) -> tuple[str, list[str]]:
    """Title and body paragraphs of one invented meeting report."""
    prov, body, year = rng.choice(_PROVINCES), rng.choice(_BODIES), rng.randint(2018, 2024)
    event = rng.choice(_EVENTS)
    person = f"{rng.choice(_SURNAMES)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}"
    title_p = f"{rng.choice(_TITLES)} {body}"
    day, month = rng.randint(1, 28), rng.randint(1, 12)
    admitted, target = rng.randint(20, 2500), rng.randint(20, 2500)
    members, orgs = rng.randint(500, 15000), rng.randint(10, 300)
    title = f"{body} tỉnh {prov}: {event} {year} (bản tin {i})"
    paras = [
        f"Ngày {day}/{month}/{year}, {body} tỉnh {prov} tổ chức {event.lower()} {year}. Đồng chí {person}, {title_p} chủ trì hội nghị.",
        f"Trong năm, toàn Đảng bộ kết nạp mới {_vi_int(admitted)} đảng viên, đạt {_vi_pct(100 * admitted / target)} chỉ tiêu; "
        f"hiện có {_vi_int(members)} đảng viên sinh hoạt ở {orgs} tổ chức cơ sở Đảng. Các cấp ủy đã tổ chức "
        f"{rng.randint(2, 60)} lớp bồi dưỡng lý luận chính trị cho {_vi_int(rng.randint(100, 5000))} lượt đảng viên.",
        f"Công tác kiểm tra, giám sát được quan tâm; Ủy ban Kiểm tra các cấp đã kiểm tra {rng.randint(3, 90)} tổ chức đảng và "
        f"{rng.randint(5, 200)} đảng viên, thi hành kỷ luật {rng.randint(0, 20)} đảng viên. Các chi bộ tiếp tục thực hiện "
        f"Chỉ thị, Kết luận số {rng.choice(_DOCS).format(n=rng.randint(1, 99))} về học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh.",
        f"Hội nghị đề ra nhiệm vụ năm {year + 1}: phấn đấu kết nạp từ {_vi_int(rng.randint(20, 2500))} đảng viên mới trở lên; "
        f"{rng.randint(80, 100)}% tổ chức cơ sở Đảng hoàn thành tốt nhiệm vụ.",
    ]
    return title, paras


def synthetic_document(rng: random.Random, i: int):
    from toolkit.schemas import Document, Paragraph

    title, paras = synthetic_paragraphs(rng, i)
    pieces, out, pos = [title] + paras, [], 0
    for n, t in enumerate(pieces):
        out.append(Paragraph(paragraph_id=f"p{n:03d}", kind="title" if n == 0 else "body", text=t, start=pos, end=pos + len(t)))
        pos += len(t) + 2
    text = "\n\n".join(pieces)
    return Document(doc_id=f"syn_{i:06d}", source_path=f"synthetic/{i}.txt", title=title, encoding="utf-8",
                    content_hash=hashlib.sha256(text.encode()).hexdigest(), text=text, paragraphs=out)
