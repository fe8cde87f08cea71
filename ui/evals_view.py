"""The Evals tab: the latest report, the trend of its headline scores over earlier runs, and a
background run of the fast parts (a subprocess: the chat never waits for it).

Earlier runs are the JSON reports in `<report folder>/history/` (the button writes there) plus the
latest report itself; each carries meta.timestamp and totals (part -> metric -> value).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from .i18n import t
from .render import esc, table

# the scores the trend follows (part.metric); others stay in the full table
TREND_METRICS = ("answer_accuracy", "citation_precision", "false_abstention_rate", "wrong_answer_rate", "recall@5", "f1")


def load_reports(latest: Path) -> list[dict]:
    """Readable reports, oldest first: history/*.json and the latest (deduplicated by timestamp)."""
    paths = sorted((latest.parent / "history").glob("*.json")) + ([latest] if latest.exists() else [])
    seen, out = set(), []
    for p in paths:
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict):
            continue
        stamp = str((data.get("meta") or {}).get("timestamp") or p.stat().st_mtime)
        if stamp in seen:
            continue
        seen.add(stamp)
        data.setdefault("meta", {})["_path"] = str(p)
        out.append(data)
    return sorted(out, key=lambda d: str(d["meta"].get("timestamp") or ""))


def trend(reports: list[dict]) -> dict[str, list[tuple[str, float]]]:
    """'part.metric' -> [(timestamp, value)] over the runs that report it."""
    out: dict[str, list[tuple[str, float]]] = {}
    for rep in reports:
        stamp = str(rep["meta"].get("timestamp") or "")
        for part, metrics in (rep.get("totals") or {}).items():
            if not isinstance(metrics, dict):
                continue
            for k, v in metrics.items():
                if k in TREND_METRICS and isinstance(v, (int, float)) and not isinstance(v, bool):
                    out.setdefault(f"{part}.{k}", []).append((stamp, float(v)))
    return out


def _spark(points: list[tuple[str, float]], w: int = 160, h: int = 28) -> str:
    vals = [v for _, v in points]
    if len(vals) < 2:
        return ""
    lo, hi = min(0.0, min(vals)), max(1.0, max(vals))
    xs = [4 + i * (w - 8) / (len(vals) - 1) for i in range(len(vals))]
    ys = [h - 4 - (v - lo) / (hi - lo or 1) * (h - 8) for v in vals]
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" class="tk-spark">'
            f'<polyline points="{pts}" fill="none" stroke="#2f6fde" stroke-width="1.5"/>'
            f'<circle cx="{xs[-1]:.1f}" cy="{ys[-1]:.1f}" r="2.5" fill="#2f6fde"/></svg>')


def render_evals(reports: list[dict], lang: str = "vi", status: str = "") -> str:
    head = f'<p class="tk-note">{esc(status)}</p>' if status else ""
    if not reports:
        return head + f'<p class="tk-note">{esc(t("ev_none", lang))} <code>toolkit evals</code>.</p>'
    latest = reports[-1]
    meta = latest.get("meta") or {}
    out = [head, f"<h3>{esc(t('ev_latest', lang))}: {esc(meta.get('timestamp', ''))}</h3>"]
    if meta.get("error"):
        out.append(f'<p class="tk-note">{esc(meta["error"])}</p>')
    keep = ("timestamp", "git_commit", "parts", "gold_dir", "seconds")
    out.append(table(["", ""], [(k, _short(meta.get(k))) for k in keep if meta.get(k) not in (None, "", [], {})]))
    rows = []
    for part, metrics in (latest.get("totals") or {}).items():
        if isinstance(metrics, dict):
            rows += [(part, k, _short(v)) for k, v in metrics.items()]
    out.append(table(["part", "metric", t("value", lang)], rows))
    series = trend(reports)
    if series:
        trs = [(k, " → ".join(f"{v:.3f}" for _, v in pts[-6:]), _spark(pts)) for k, pts in sorted(series.items())]
        out.append(f"<h3>{esc(t('ev_trend', lang))} ({len(reports)})</h3>"
                   + table(["metric", t("value", lang), ""], [(esc(a), esc(b), c) for a, b, c in trs], raw_cols={0, 1, 2}))
    return '<div class="tk-evals">' + "".join(out) + "</div>"


def _short(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3f}"
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)[:200]
    return "" if v is None else str(v)


class BackgroundEvals:
    """One `toolkit evals <fast args>` subprocess at a time, writing into history/."""

    def __init__(self, latest: Path, args: list[str], cwd: Path | None = None, python: str = sys.executable):
        self.latest, self.args, self.cwd, self.python = Path(latest), list(args), cwd, python
        self.proc: subprocess.Popen | None = None
        self.started = ""
        self.log: Path | None = None
        self._lock = threading.Lock()

    def command(self, report: Path) -> list[str]:
        return [self.python, "-m", "toolkit", "evals", *self.args, "--report", str(report)]

    def start(self) -> bool:
        """Start a run unless one is going; True when started."""
        with self._lock:
            if self.proc is not None and self.proc.poll() is None:
                return False
            hist = self.latest.parent / "history"
            hist.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            self.log = hist / f"{stamp}.log"
            with open(self.log, "wb") as log:
                self.proc = subprocess.Popen(self.command(hist / f"{stamp}.json"), cwd=self.cwd, stdout=log,
                                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            self.started = datetime.now().strftime("%H:%M:%S")
            return True

    def status(self, lang: str = "vi") -> str:
        if self.proc is None:
            return ""
        rc = self.proc.poll()
        return t("ev_running", lang, t=self.started) if rc is None else t("ev_done", lang, rc=rc)
