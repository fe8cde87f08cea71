"""Run extract_store over a store with a slow fake model (for the kill -9 test).

    python tests/reliability/slow_extract.py STORE SECONDS_PER_CALL

Every model call sleeps, then fails (LLMError), so extraction falls back to its deterministic
defaults: records are still written, one per document, slowly enough to be killed mid-way.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's toolkit, not another installed one

from toolkit.errors import LLMError  # noqa: E402
from toolkit.extract import extract_store  # noqa: E402
from toolkit.llm.fake import FakeLLM  # noqa: E402
from toolkit.settings import Settings  # noqa: E402


def slow_llm(delay: float) -> FakeLLM:
    def reply(_messages):
        time.sleep(delay)
        return LLMError("slow fake: no reply")

    return FakeLLM(default=reply)


def main() -> int:
    store, delay = Path(sys.argv[1]), float(sys.argv[2])
    s = Settings(store=store)
    s.embed = s.embed.model_copy(update={"name": "hash"})
    print("start", flush=True)
    recs = extract_store(s, progress=False, llm=slow_llm(delay))
    print(f"done {len(recs)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
