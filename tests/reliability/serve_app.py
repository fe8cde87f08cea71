"""Serve the Gradio app over a tmp store for the load test.

    python tests/reliability/serve_app.py STORE PORT

Hash embedder, extractive answers (no model); ingests examples/articles and one fictional
article, prints "ready <pid>" once the server listens, then serves until killed.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[2]))  # this checkout's toolkit, not another installed one

from rel_helpers import EXAMPLES, article_text, make_settings, write  # noqa: E402


def main() -> int:
    store, port = Path(sys.argv[1]), int(sys.argv[2])
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from toolkit.pipeline import Pipeline
    from ui.app import launch

    s = make_settings(store.parent)
    s.store = store
    art = write(store.parent / "in", "tanlap.txt", article_text())
    pipeline = Pipeline(s)
    report = pipeline.ingest_paths([art, EXAMPLES])
    assert not report.failed, report.failed
    launch(s, host="127.0.0.1", port=port, pipeline=pipeline, block=False)
    print(f"ready {os.getpid()}", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main())
