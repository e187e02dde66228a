"""cleaner: turn raw, OCR'd Chinese news text into clean UTF-8 corpora, with an audit of every edit."""

from __future__ import annotations

from cleaner.batch import clean_batch
from cleaner.config import Config, load_config
from cleaner.corpus import Corpus, clean_bytes, clean_corpus
from cleaner.errors import CleanerError, ConfigError, InputError
from cleaner.model import Document, Edit, replay
from cleaner.pipeline import Pipeline, Result
from cleaner.verify import VerifyReport, verify_corpus

__all__ = [
    "CleanerError",
    "Config",
    "ConfigError",
    "Corpus",
    "Document",
    "Edit",
    "InputError",
    "Pipeline",
    "Result",
    "VerifyReport",
    "clean_batch",
    "clean_bytes",
    "clean_corpus",
    "clean_text",
    "load_config",
    "replay",
    "verify_corpus",
]


def clean_text(text: str, config: Config | None = None, **options: dict) -> str:
    """Clean one text with the per-document stages and return it.

    ``options`` override sections of ``config``, e.g.
    ``clean_text(text, spacing={"cjk_latin": "keep"}, rules={"enabled": False})``.
    """
    config = (config or Config()).with_options(options) if options else (config or Config())
    return Pipeline(config).clean(text).text
