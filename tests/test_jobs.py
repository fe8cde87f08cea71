"""Background records: the model lock lets questions go before the next background call, and the
job queue runs stages in order, once each."""

from __future__ import annotations

import threading
import time

from toolkit.jobs import LockedLLM, ModelLock, RecordJobs
from toolkit.llm.fake import FakeLLM


def test_a_waiting_question_goes_before_the_next_background_call():
    lock = ModelLock()
    order: list[str] = []
    lock.acquire()  # a call in flight
    bg = threading.Thread(target=lambda: (lock.acquire(urgent=False), order.append("background"), lock.release()))
    bg.start()
    time.sleep(0.05)
    q = threading.Thread(target=lambda: (lock.acquire(), order.append("question"), lock.release()))
    q.start()
    time.sleep(0.05)
    lock.release()
    bg.join(2)
    q.join(2)
    assert order == ["question", "background"]


def test_locked_llm_holds_the_lock_per_call():
    lock = ModelLock()
    seen = []
    llm = FakeLLM([lambda m: seen.append(lock._held) or "ok"])
    assert LockedLLM(llm, lock).complete([{"role": "user", "content": "x"}]) == "ok"
    assert seen == [True] and not lock._held


def test_jobs_run_each_stage_once_in_order():
    ran: list[tuple[str, str, bool]] = []
    jobs = RecordJobs(lambda d, s, f: (time.sleep(0.01), ran.append((d, s, f))))
    assert jobs.submit(["a", "b"]) == 4
    assert jobs.submit(["a"]) == 0 or ran  # queued or running already (unless it finished)
    assert jobs.wait(5)
    assert [r[:2] for r in ran] == [("a", "extract"), ("a", "summarise"), ("b", "extract"), ("b", "summarise")]
    assert jobs.progress().finished[-2:] == ["a", "b"]
