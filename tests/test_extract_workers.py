"""`toolkit extract --workers N` sends N requests at once to an --llm-url server, in the dialect
--llm-dialect names; the records are those of one worker. Invented articles, a stdlib fake server
(tests/test_llm_server.py) and the fake LLM."""

from __future__ import annotations

import json
import threading
import time

import pytest

from test_llm_server import fake_openai
from toolkit.cli import main
from toolkit.errors import LLMError
from toolkit.llm.fake import FakeLLM

ARTICLES = {
    "bac_ha.txt": "Huyện ủy Bắc Hà sơ kết 6 tháng đầu năm 2025\n\nNgày 8/7/2025, Ban Thường vụ Huyện ủy Bắc Hà "
                  "tổ chức hội nghị sơ kết. Đồng chí Lò Văn Pấu, Bí thư Huyện ủy chủ trì hội nghị.\n\n"
                  "Sáu tháng đầu năm, toàn Đảng bộ kết nạp 57 đảng viên, đạt 63,3% kế hoạch năm.\n",
    "cam_le.txt": "Quận ủy Cẩm Lệ tổng kết công tác kiểm tra năm 2024\n\nSáng 14-1-2025, Ủy ban Kiểm tra Quận ủy "
                  "Cẩm Lệ tổng kết công tác năm 2024. Đồng chí Phan Thị Mười, Chủ nhiệm Ủy ban Kiểm tra chủ trì.\n\n"
                  "Trong năm, Ủy ban đã kiểm tra 18 tổ chức đảng và 42 đảng viên khi có dấu hiệu vi phạm.\n",
    "tan_chau.txt": "Thị ủy Tân Châu học tập Nghị quyết\n\nNgày 3/3/2025, Thị ủy Tân Châu tổ chức hội nghị học tập "
                    "Nghị quyết số 57-NQ/TW cho 1.240 cán bộ, đảng viên. Đồng chí Chau Sóc Khum, Phó Bí thư Thường trực "
                    "Thị ủy phát biểu chỉ đạo.\n",
    "dong_van.txt": "Đảng ủy xã Lũng Cú kết nạp đảng viên mới\n\nChiều 20/5/2025, Đảng ủy xã Lũng Cú tổ chức lễ kết nạp "
                    "5 quần chúng ưu tú vào Đảng. Đồng chí Giàng Mí Dế, Bí thư Đảng ủy xã trao quyết định.\n",
}


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.delenv("TOOLKIT_STORE", raising=False)
    monkeypatch.setenv("TOOLKIT_LLM__MAX_RETRIES", "0")
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    args = ["--store", str(tmp_path / "store"), "--embedder", "hash"]
    assert main(["ingest", str(folder), "--no-index", *args]) == 0
    return args


def _records(capsys) -> dict[str, dict]:
    out = json.loads(capsys.readouterr().out)
    for r in out:
        r.pop("seconds", None)
        r.pop("model", None)
    return {r["doc_id"]: r for r in out}


def _slow_reply(body: dict) -> str:
    time.sleep(0.15)  # long enough for the requests of two workers to overlap
    return "not JSON: the rules keep their own labels"


@pytest.mark.parametrize("dialect, response_format", [("json_schema", "json_schema"), ("llamacpp", "json_object")])
def test_extract_workers_send_requests_at_once_in_the_given_dialect(env, capsys, dialect, response_format):
    with fake_openai(reply=_slow_reply) as srv:
        assert main(["extract", "--llm-url", srv.url, "--llm-dialect", dialect, "--workers", "2", "--force", "--json", *env]) == 0
        two = _records(capsys)
        assert srv.max_in_flight == 2
        assert srv.gets == []  # the dialect was given: the server is not asked
        assert {p["response_format"]["type"] for p in srv.posts if p.get("response_format")} == {response_format}
        srv.max_in_flight = 0
        assert main(["extract", "--llm-url", srv.url, "--llm-dialect", dialect, "--force", "--json", *env]) == 0
        one = _records(capsys)
        assert srv.max_in_flight == 1
    assert len(two) == len(ARTICLES) and two == one


def test_workers_must_be_a_positive_number(env, capsys):
    for bad in ("0", "two"):
        with pytest.raises(SystemExit) as e:
            main(["extract", "--workers", bad, *env])
        assert e.value.code == 1
        err = capsys.readouterr().err
        assert "--workers" in err and err.count("\n") == 1


def test_extract_store_runs_a_concurrent_llm_on_worker_threads(env, tmp_path):
    from toolkit.extract import extract_store
    from toolkit.settings import Settings

    state = {"now": 0, "most": 0, "threads": set()}
    lock = threading.Lock()

    def refuse(messages):
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
            state["threads"].add(threading.get_ident())
        time.sleep(0.05)
        with lock:
            state["now"] -= 1
        return LLMError("fake: no answer", n_attempts=1)

    s = Settings(store=tmp_path / "store")
    s.llm = s.llm.model_copy(update={"workers": 3})
    many = extract_store(s, force=True, progress=False, llm=FakeLLM(default=refuse))
    assert state["most"] >= 2 and len(state["threads"]) >= 2
    s.llm = s.llm.model_copy(update={"workers": 1})
    state.update(now=0, most=0, threads=set())
    one = extract_store(s, force=True, progress=False, llm=FakeLLM(default=refuse))
    assert state["most"] == 1
    dump = lambda rs: [r.model_dump(mode="json", exclude={"seconds"}) for r in rs]  # noqa: E731
    assert dump(many) == dump(one) and len(many) == len(ARTICLES)  # same records, in the documents' order


@pytest.mark.parametrize("workers, show", [(1, False), (3, False), (3, True), (1, True)])
def test_run_each_hands_every_result_to_then_on_the_calling_thread(workers, show):
    from toolkit.progress import run_each

    seen: list[tuple[int, int, int]] = []
    caller = threading.get_ident()

    def square(x: int) -> int:
        time.sleep(0.01 * (5 - x))
        return x * x

    run_each(list(range(5)), square, label="t", show=show, workers=workers,
             then=lambda x, r: seen.append((x, r, threading.get_ident())))
    assert sorted((x, r) for x, r, _ in seen) == [(x, x * x) for x in range(5)]
    assert {t for _, _, t in seen} == {caller}
    if workers == 1:
        assert [x for x, _, _ in seen] == list(range(5))  # one worker keeps the order
