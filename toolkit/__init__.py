"""Read Vietnamese news reports of Party and government meetings: ingest, extract, summarise, ask, evaluate."""

__version__ = "0.1.0"
