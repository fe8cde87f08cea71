"""The one verifier: is a quote in its paragraph, are an answer's numbers and names in the sources, does
a summary sentence agree with its sources and its record?

Used by extraction (evidence), Q&A (answers) and summaries (sentences) and the evals. Pure Python, fast.
- core: evidence, numbers and names against source texts (`check`);
- answers: `verify_answer` (picked spans, cited sentences, nothing of substance beyond them);
- sentences: summary sentences against their paragraphs (`sentence_problems`) and the record
  (`record_problems`);
- labels: an English figure label against the Vietnamese words it renders (`gloss_problems`).
"""

from .answers import verify_answer
from .labels import gloss_problems, mentions
from .core import SourceFacts, Verdict, check, evidence_for, unsupported_names, unsupported_numbers
from .sentences import (
    added_proper_words,
    chrome_problems,
    cited_document_dates,
    foreign_provinces,
    record_problems,
    sentence_problems,
    vi_ratio,
    vietnamese_share,
)

__all__ = ["Verdict", "evidence_for", "unsupported_numbers", "unsupported_names", "check", "SourceFacts", "verify_answer",
           "sentence_problems", "record_problems", "chrome_problems", "cited_document_dates", "foreign_provinces",
           "added_proper_words", "vi_ratio", "vietnamese_share", "gloss_problems", "mentions"]
