"""CLI conventions: --version, --json on every command, '-' reads stdin, progress only on a terminal
(stderr), and every user error is one `error:` line with exit status 1, never a traceback.

The article below is invented for these tests (no real article text in the repository)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

import pytest

from toolkit import __version__
from toolkit.cli import build_parser, main
from toolkit.options import read_questions, show_progress

REPO = Path(__file__).resolve().parents[1]
ARTICLE = (
    "Thị ủy Sông Lam tổng kết công tác dân vận năm 2024\n\n"
    "Ngày 9/1/2025, Ban Thường vụ Thị ủy Sông Lam tổ chức hội nghị tổng kết công tác dân vận năm 2024. "
    "Đồng chí Đinh Quang Vỹ, Bí thư Thị ủy chủ trì hội nghị.\n\n"
    "Trong năm, toàn Đảng bộ thị xã kết nạp mới 64 đảng viên, đạt 106,7% chỉ tiêu; xây dựng 23 mô hình dân vận khéo.\n"
)
COMMANDS = ["ingest", "docs", "models", "extract", "summarize", "ask", "reindex", "check", "evals", "bench"]


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A store in tmp, the hash embedder, no model: `toolkit` args prefix."""
    monkeypatch.setenv("TOOLKIT_ANSWER__USE_MODEL", "false")
    monkeypatch.delenv("TOOLKIT_STORE", raising=False)
    return ["--store", str(tmp_path / "store"), "--embedder", "hash"]


@pytest.fixture
def article(tmp_path) -> Path:
    p = tmp_path / "in" / "songlam_dan_van.txt"
    p.parent.mkdir()
    p.write_text(ARTICLE, encoding="utf-8")
    return p


def _one_error_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0]


def test_version(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0 and capsys.readouterr().out.strip() == f"toolkit {__version__}"


def test_version_matches_pyproject():
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in text and 'version = {attr = "toolkit.__version__"}' in text


@pytest.mark.parametrize("cmd", COMMANDS)
def test_every_command_takes_json_and_quiet(cmd):
    sub = next(a for a in build_parser()._actions if a.dest == "command").choices[cmd]
    flags = {s for a in sub._actions for s in a.option_strings}
    assert {"--json", "--quiet", "--store"} <= flags


def test_store_help_names_toolkit_home():
    sub = next(a for a in build_parser()._actions if a.dest == "command").choices["ask"]
    [store] = [a for a in sub._actions if "--store" in a.option_strings]
    assert "TOOLKIT_HOME" in store.help and "TOOLKIT_STORE" in store.help and "current directory" in store.help


def test_usage_error_is_one_line_and_exit_1(capsys):
    with pytest.raises(SystemExit) as e:
        main(["ask", "--no-such-option"])
    assert e.value.code == 1
    assert "no-such-option" in _one_error_line(capsys.readouterr().err)


def test_missing_questions_file(env, tmp_path, capsys):
    assert main(["ask", "--questions", str(tmp_path / "nope.jsonl"), *env]) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert "nope.jsonl: no such file" in line


@pytest.mark.parametrize("content, expect", [
    ('{"id": 1, "question": "Ai chủ trì?"}\n{"question": "Bao nhiêu?"}\n', ":2: no 'id'"),
    ('{"id": 1, "question": "Ai chủ trì?"}\n{"id": 2, "question": \n', ":2: not JSON"),
    ('["id", "question"]\n', ":1: not a JSON object"),
    ('{"id": 3}\n', ":1: no 'question'"),
])
def test_bad_questions_file_names_the_line(env, tmp_path, capsys, content, expect):
    q = tmp_path / "q.jsonl"
    q.write_text(content, encoding="utf-8")
    assert main(["ask", "--questions", str(q), *env]) == 1
    assert expect in _one_error_line(capsys.readouterr().err)


def test_read_questions_from_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"id": "a", "question": "Ai?"}\n\n{"id": 2, "question": "Khi nào?"}\n'))
    assert read_questions("-") == [("a", "Ai?"), (2, "Khi nào?")]


def test_ask_without_a_question_is_a_user_error(env, capsys):
    assert main(["ask", *env]) == 1
    assert "give a question" in _one_error_line(capsys.readouterr().err)


def test_progress_only_on_a_terminal_and_not_quiet():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    assert show_progress(Namespace(quiet=False), Tty()) is True
    assert show_progress(Namespace(quiet=True), Tty()) is False
    assert show_progress(Namespace(quiet=False), io.StringIO()) is False


def test_ingest_check_reindex_ask_json(env, article, capsys):
    assert main(["ingest", str(article), "--json", *env]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["added"] == ["songlam_dan_van"] and out["failed"] == [] and out["index"]["added"] == ["songlam_dan_van"]

    assert main(["check", "--json", *env]) == 0
    assert json.loads(capsys.readouterr().out) == {"ok": True, "problems": []}

    assert main(["reindex", "--json", *env]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["rebuilt"] is True and rep["chunks"] > 0

    assert main(["ask", "Ai chủ trì hội nghị tổng kết công tác dân vận của Thị ủy Sông Lam?", "--json", *env]) == 0
    ans = json.loads(capsys.readouterr().out)
    # the answer line of the gold README: an answer cites the article, an abstention cites nothing
    assert {"id", "question", "answer", "abstained", "citations", "latency_s"} <= set(ans)
    if ans["abstained"]:
        assert ans["citations"] == []
    else:
        assert ans["citations"] and ans["citations"][0]["doc_id"] == "songlam_dan_van"


def test_ingest_one_text_from_stdin(env, monkeypatch, capsys):
    from toolkit.store import Store

    monkeypatch.setattr(sys, "stdin", io.StringIO(ARTICLE))
    assert main(["ingest", "-", "--name", "tu_ban_phim", "--json", *env]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["added"] == ["tu_ban_phim"]
    doc = Store(Path(env[1])).get_document("tu_ban_phim")
    assert doc.source_path == "-" and "Đinh Quang Vỹ" in doc.text
    # the same text again is unchanged; mixing '-' with paths is refused in one line
    monkeypatch.setattr(sys, "stdin", io.StringIO(ARTICLE))
    assert main(["ingest", "-", "--name", "tu_ban_phim", *env]) == 0
    assert "1 unchanged" in capsys.readouterr().out
    assert main(["ingest", "-", "x.txt", *env]) == 1
    assert "cannot be mixed" in _one_error_line(capsys.readouterr().err)


def test_questions_from_stdin_write_only_jsonl_to_stdout(env, article, tmp_path):
    """End to end in a subprocess: stdout holds the JSONL answers and nothing else."""
    run_env = {k: v for k, v in os.environ.items() if not k.startswith("TOOLKIT_")} | {"TOOLKIT_ANSWER__USE_MODEL": "false"}
    r = subprocess.run([sys.executable, "-m", "toolkit", "ingest", str(article), *env], cwd=REPO, capture_output=True,
                       text=True, timeout=120, env=run_env)
    assert r.returncode == 0, r.stderr
    qs = '{"id": "q1", "question": "Thị ủy Sông Lam kết nạp mới bao nhiêu đảng viên?"}\n{"id": "q2", "question": "Ai chủ trì?"}\n'
    r = subprocess.run([sys.executable, "-m", "toolkit", "ask", "--questions", "-", *env], cwd=REPO, input=qs,
                       capture_output=True, text=True, timeout=120, env=run_env)
    assert r.returncode == 0, r.stderr
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["id"] for x in rows] == ["q1", "q2"]
    assert "64" in rows[0]["answer"] and rows[0]["citations"][0]["doc_id"] == "songlam_dan_van"


def test_evals_json_puts_only_json_on_stdout(tmp_path, capsys):
    import argparse

    from test_evals_cli import _canned_run

    import evals.cli as ecli

    old = tmp_path / "old.json"
    args = argparse.Namespace(report=str(old), compare=None, fail_under=[], json=False)
    assert ecli.finish(_canned_run(acc=0.6), args) == 0
    capsys.readouterr()
    args = argparse.Namespace(report=str(tmp_path / "new.json"), compare=str(old), json=True,
                              fail_under=["qa.answer_accuracy=0.9"])
    assert ecli.finish(_canned_run(acc=0.6), args) == 1
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert data["metrics"]["qa.answer_accuracy"] == pytest.approx(0.6)
    assert data["failures"] and "qa.answer_accuracy" in data["failures"][0]
    assert any(r["metric"] == "qa.answer_accuracy" for r in data["deltas"])
    assert "report:" in err and "FAIL:" in err  # the human lines went to stderr
    # a missing --compare report is a user error: one line, exit 1
    args = argparse.Namespace(report=str(tmp_path / "x.json"), compare=str(tmp_path / "nope.json"), fail_under=[], json=False)
    assert ecli.finish(_canned_run(), args) == 1
    assert "nope.json: no such report" in capsys.readouterr().err


def test_ask_warns_when_the_index_misses_stored_documents(env, article, tmp_path, capsys):
    assert main(["ingest", str(article), *env]) == 0
    later = tmp_path / "in2" / "songlam_sau.txt"
    later.parent.mkdir()
    later.write_text(ARTICLE.replace("64 đảng viên", "71 đảng viên"), encoding="utf-8")
    assert main(["ingest", str(later), "--no-index", *env]) == 0
    capsys.readouterr()
    assert main(["ask", "Ai chủ trì hội nghị?", "--json", *env]) == 0
    out, err = capsys.readouterr()
    json.loads(out)
    assert "warning: the index does not match the store for 1 document(s) (songlam_sau)" in err
    assert "toolkit reindex" in err


def test_a_bad_setting_in_the_environment_is_one_line(env, monkeypatch, capsys):
    monkeypatch.setenv("TOOLKIT_LLM__N_CTX", "lots")
    assert main(["docs", *env]) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert "llm.n_ctx" in line and "TOOLKIT_" in line


def test_ask_reads_the_question_from_stdin(env, article, monkeypatch, capsys):
    assert main(["ingest", str(article), *env]) == 0
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdin", io.StringIO("Thị ủy Sông Lam kết nạp mới bao nhiêu đảng viên?\n"))
    assert main(["ask", "-", "--json", *env]) == 0
    ans = json.loads(capsys.readouterr().out)
    assert ans["question"].startswith("Thị ủy Sông Lam") and "64" in ans["answer"]


def test_one_jsonl_reader_for_questions_and_gold(tmp_path):
    from evals.gold import GoldError, read_qa
    from toolkit.options import UsageError, read_jsonl

    f = tmp_path / "q.jsonl"
    f.write_text('{"id": "k1", "question": "Ai chủ trì?", "docs": ["x01"]}\n\n{"id": "k2", "question": "  "}\n', encoding="utf-8")
    assert [it["id"] for it in read_jsonl(f, ("id", "question"))] == ["k1", "k2"]
    assert read_qa(f)[0]["docs"] == ["x01"]  # the gold keeps every field
    with pytest.raises(UsageError, match=r"q.jsonl:3: \"question\" must be a non-empty string"):
        read_questions(str(f))
    f.write_text('{"id": "k1"}\n', encoding="utf-8")
    with pytest.raises(GoldError, match=r"q.jsonl:1: no 'question'"):
        read_qa(f)
    with pytest.raises(GoldError, match="no such file"):
        read_qa(tmp_path / "absent.jsonl")
