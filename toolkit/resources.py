"""Where the files that ship with the toolkit live: prompt templates, data tables, the model manifest.

They are read through importlib.resources from inside the package, so a wheel installed with a
plain `pip install .` finds them as well as a source checkout does. The repository keeps the
owner's layout (`prompts/`, `models/manifest.json` at the top) and links them into the package:
`toolkit/_prompts -> ../prompts` and `toolkit/data/models_manifest.json -> ../../models/manifest.json`
(git symlinks; the wheel holds copies). Only the standard library is imported here.
"""

from __future__ import annotations

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
