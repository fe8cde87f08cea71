"""`--extractor` is one shared option (toolkit/options.py) of `toolkit extract` and `toolkit evals`."""

from __future__ import annotations

import pytest

from toolkit.cli import build_parser
from toolkit.options import settings_from_args


@pytest.mark.parametrize("argv", [["extract", "--extractor", "model", "w01"], ["evals", "--extractor", "model", "--only", "extract"]])
def test_the_extractor_option_reaches_the_settings(argv, tmp_path, monkeypatch):
    monkeypatch.setenv("TOOLKIT_HOME", str(tmp_path))
    args = build_parser().parse_args(argv)
    assert settings_from_args(args).extract.extractor == "model"


def test_without_the_option_the_default_extractor_is_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("TOOLKIT_HOME", str(tmp_path))
    args = build_parser().parse_args(["extract"])
    assert settings_from_args(args).extract.extractor == "candidates"


def test_an_unknown_extractor_is_a_usage_error():
    with pytest.raises(SystemExit):
        build_parser().parse_args(["extract", "--extractor", "regex"])
