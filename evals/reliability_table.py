"""Run the reliability suite (tests/reliability) and print its table: case | outcome | detail.

    python evals/reliability_table.py            # every case, slow ones included (~3-4 min)
    python evals/reliability_table.py --fast     # only the fast cases (the ones `make test` runs)
    python evals/reliability_table.py --junit FILE.xml   # render an existing JUnit XML, run nothing

Each test records a one-line `detail` property (its docstring's first line plus measurements);
a failure adds its first message line. Exit status: pytest's (0 when every case passed or xfailed).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def run_suite(junit: Path, fast: bool, extra: list[str]) -> int:
    env = dict(os.environ)
    if fast:
        env.pop("TOOLKIT_RELIABILITY_SLOW", None)
    else:
        env["TOOLKIT_RELIABILITY_SLOW"] = "1"
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-o", "junit_family=legacy",
           f"--junitxml={junit}", "tests/reliability", *extra]
    return subprocess.run(cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL).returncode


def _first_line(s: str | None) -> str:
    for line in (s or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


def rows(junit: Path) -> list[tuple[str, str, str, float]]:
    out = []
    for tc in ET.parse(junit).getroot().iter("testcase"):
        name = tc.get("classname", "").rsplit(".", 1)[-1].removeprefix("test_rel_") + "::" + tc.get("name", "").removeprefix("test_")
        detail = next((p.get("value", "") for p in tc.iter("property") if p.get("name") == "detail"), "")
        outcome, why = "passed", ""
        for tag in ("failure", "error", "skipped"):
            el = tc.find(tag)
            if el is None:
                continue
            msg = el.get("message") or el.text or ""
            if tag == "skipped":
                outcome = "xfailed" if (el.get("type") or "").endswith("xfail") else "skipped"
            else:
                outcome = "FAILED" if tag == "failure" else "ERROR"
            why = _first_line(msg)
            break
        if why:
            detail = f"{detail} — {why}" if detail else why
        out.append((name, outcome, detail, float(tc.get("time", 0) or 0)))
    return out


def render(table: list[tuple[str, str, str, float]]) -> str:
    lines = ["| case | outcome | detail |", "|---|---|---|"]
    for name, outcome, detail, secs in table:
        d = detail.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {name} | {outcome} ({secs:.1f}s) | {d} |")
    counts: dict[str, int] = {}
    for _, o, _, _ in table:
        counts[o] = counts.get(o, 0) + 1
    lines.append("")
    lines.append("totals: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) +
                 f"; {sum(t[3] for t in table):.0f}s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fast", action="store_true", help="only the fast cases")
    ap.add_argument("--junit", type=Path, help="render this JUnit XML instead of running the suite")
    ap.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = ap.parse_args(argv)
    rc = 0
    if args.junit:
        junit = args.junit
    else:
        junit = Path(tempfile.mkdtemp(prefix="reliability-")) / "junit.xml"
        rc = run_suite(junit, args.fast, args.pytest_args)
        if not junit.exists():
            print(f"error: pytest wrote no {junit} (exit {rc})", file=sys.stderr)
            return rc or 1
    print(render(rows(junit)))
    return rc


if __name__ == "__main__":
    sys.exit(main())
