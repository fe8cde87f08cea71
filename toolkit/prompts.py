"""Prompt templates: Jinja files under settings.prompts_dir, rendered strictly and versioned.

The templates ship inside the package (toolkit/resources.py: `prompts/` linked in as
toolkit/_prompts, copied into the wheel), so settings.prompts_dir defaults to them in a source
checkout and in an installed wheel alike; setting it points the toolkit at another folder.

Every template starts with a `{# version: N #}` header. The version string of a rendering is the
declared version plus a short sha256 of the file, so any edit to a prompt changes the cache key of
everything derived from it, even when the author forgets to bump N.

Article text is data, never instructions: templates put it inside delimited blocks, and
`data_block()` neutralises the delimiters if the article itself contains them.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ToolkitError

if TYPE_CHECKING:
    from .settings import Settings

_VERSION_RE = re.compile(r"\{#\s*version:\s*([\w.\-]+)\s*#\}")
OPEN, CLOSE = "<<<", ">>>"


class PromptError(ToolkitError):
    """A prompt template is missing, unversioned or uses an undefined variable."""


def _path(settings: "Settings", name: str) -> Path:
    fname = name if name.endswith(".j2") else f"{name}.j2"
    path = Path(settings.prompts_dir) / fname
    if not path.is_file():
        raise PromptError(f"{path}: prompt template not found; restore it from git, reinstall the package, "
                          "or set TOOLKIT_PROMPTS_DIR to a folder that has it")
    return path


@lru_cache(maxsize=64)
def _version_of_file(path: str, mtime_ns: int, size: int) -> str:
    raw = Path(path).read_bytes()
    m = _VERSION_RE.search(raw.decode("utf-8", errors="replace")[:400])
    if not m:
        raise PromptError(f"{path}: no '{{# version: N #}}' header; add one on the first line")
    return f"{m.group(1)}-{hashlib.sha256(raw).hexdigest()[:8]}"


def version(settings: "Settings", name: str) -> str:
    """The version of a template without rendering it: '<declared>-<sha8>'."""
    p = _path(settings, name)
    st = p.stat()
    return _version_of_file(str(p), st.st_mtime_ns, st.st_size)


def _environment(prompts_dir: Path):
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(str(prompts_dir)),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )
    env.filters["data"] = data_block
    return env


def data_block(text: Any) -> str:
    """Text to be placed inside a delimited data block: the delimiters cannot occur in it."""
    s = str(text)
    return s.replace(OPEN, "‹‹‹").replace(CLOSE, "›››")


def render(settings: "Settings", name: str, **variables: Any) -> tuple[str, str]:
    """Render prompts/<name>.j2 with StrictUndefined. Returns (text, version)."""
    from jinja2 import TemplateError, UndefinedError

    path = _path(settings, name)
    ver = version(settings, name)
    env = _environment(Path(settings.prompts_dir))
    try:
        text = env.get_template(path.name).render(**variables)
    except UndefinedError as e:
        raise PromptError(f"{path}: {e}; pass that variable to render()") from e
    except TemplateError as e:
        raise PromptError(f"{path}: template error: {e}") from e
    return text, ver
