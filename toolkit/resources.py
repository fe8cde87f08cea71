"""Where things live: the files that ship with the toolkit (prompt templates, data tables, the
model manifest) and the working folder the store and models default to.

The shipped files are read through importlib.resources from inside the package, so a wheel installed with a
plain `pip install .` finds them as well as a source checkout does. The repository keeps the
owner's layout (`prompts/`, `models/manifest.json` at the top) and links them into the package:
`toolkit/_prompts -> ../prompts` and `toolkit/data/models_manifest.json -> ../../models/manifest.json`
(git symlinks; the wheel holds copies). Only the standard library is imported here.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

PROMPTS = "_prompts"
MODEL_MANIFEST = "models_manifest.json"


def _packaged(*parts: str) -> Path:
    """A file or folder shipped inside the toolkit package (a real path: wheels install unzipped)."""
    return Path(str(resources.files("toolkit").joinpath(*parts)))


def prompts_dir() -> Path:
    """The folder of the shipped prompt templates (*.j2)."""
    return _packaged(PROMPTS)


def model_manifest() -> Path:
    """The shipped model manifest (presets, files, sizes, sha256)."""
    return _packaged("data", MODEL_MANIFEST)


def data_file(name: str) -> Path:
    """A data table shipped in toolkit/data/ (glossaries, gazetteers)."""
    return _packaged("data", name)


def default_home() -> Path:
    """The working folder: $TOOLKIT_HOME, else the current directory (Settings.home)."""
    return Path(os.environ.get("TOOLKIT_HOME") or Path.cwd())


def default_models_dir() -> Path:
    """$TOOLKIT_MODELS_DIR, else <home>/models: Settings' default, for the stdlib-only model tools."""
    given = os.environ.get("TOOLKIT_MODELS_DIR")
    return Path(given) if given else default_home() / "models"
