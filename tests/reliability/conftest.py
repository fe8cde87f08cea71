"""Fixtures of the reliability suite. Every test records a one-line `detail` (its docstring's first
line, plus any measurements it notes) in the JUnit XML, which evals/reliability_table.py renders."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # rel_helpers, importable however pytest is run

from rel_helpers import make_settings  # noqa: E402


@pytest.fixture(autouse=True)
def _detail(request):
    doc = (request.function.__doc__ or "").strip().splitlines()
    notes: list[str] = []
    request.node._rel_notes = notes
    yield
    line = doc[0].strip() if doc else request.node.name
    # JUnit properties exist in the legacy/xunit1 families only (evals/reliability_table.py asks for legacy);
    # under `make test`'s default xunit2 nothing is recorded, so no warnings.
    if request.config.getini("junit_family") in ("legacy", "xunit1"):
        request.node.user_properties.append(("detail", line + (" [" + "; ".join(notes) + "]" if notes else "")))


@pytest.fixture
def note(request):
    """note("p50=0.1s") adds a measurement to the test's one-line detail in the table."""
    return request.node._rel_notes.append


@pytest.fixture
def rel_settings(tmp_path: Path):
    """Tmp store, hash embedder, extractive answers (no model)."""
    return make_settings(tmp_path)


def pytest_collection_modifyitems(config, items):
    """reliability_slow cases run only when asked for: `-m reliability_slow` (or any -m naming it),
    or TOOLKIT_RELIABILITY_SLOW=1 (used by evals/reliability_table.py to run the whole suite)."""
    import os

    if "reliability_slow" in (config.getoption("markexpr") or "") or os.environ.get("TOOLKIT_RELIABILITY_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow reliability case: run with -m reliability_slow")
    for item in items:
        if "reliability_slow" in item.keywords:
            item.add_marker(skip)
