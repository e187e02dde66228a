"""cleaner: turn raw, OCR'd Chinese news text into clean UTF-8 corpora, with an audit of every edit.

The public names below are imported when first used (PEP 562), not when the package is: the
commands import ``cleaner`` before they can install their Ctrl-C handler (:mod:`cleaner.entry`),
and the library takes about half a second to import.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cleaner.batch import clean_batch
    from cleaner.config import Config, load_config
    from cleaner.corpus import Corpus, clean_bytes, clean_corpus
    from cleaner.errors import CleanerError, ConfigError, InputError
    from cleaner.model import Document, Edit, replay
    from cleaner.pipeline import Pipeline, Result
    from cleaner.verify import VerifyReport, verify_corpus

_HOMES = {
    "clean_batch": "cleaner.batch",
    "Config": "cleaner.config",
    "load_config": "cleaner.config",
    "Corpus": "cleaner.corpus",
    "clean_bytes": "cleaner.corpus",
    "clean_corpus": "cleaner.corpus",
    "CleanerError": "cleaner.errors",
    "ConfigError": "cleaner.errors",
    "InputError": "cleaner.errors",
    "Document": "cleaner.model",
    "Edit": "cleaner.model",
    "replay": "cleaner.model",
    "Pipeline": "cleaner.pipeline",
    "Result": "cleaner.pipeline",
    "VerifyReport": "cleaner.verify",
    "verify_corpus": "cleaner.verify",
}

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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'cleaner' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def clean_text(text: str, config: Config | None = None, **options: dict) -> str:
    """Clean one text with the per-document stages and return it.

    ``options`` override sections of ``config``, e.g.
    ``clean_text(text, spacing={"cjk_latin": "keep"}, rules={"enabled": False})``.
    """
    from cleaner.config import Config
    from cleaner.pipeline import Pipeline

    config = (config or Config()).with_options(options) if options else (config or Config())
    return Pipeline(config).clean(text).text
