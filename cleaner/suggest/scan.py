"""Reading a corpus for ``cleaner suggest``: its texts after the normalisation stages.

Files are found and decoded as ``clean`` does (:func:`cleaner.io.readers.discover` and
:func:`~cleaner.io.readers.load`: the same globs, encoding sniffing, JSON Lines records). Each
document is then run through the ``unicode`` and ``variants`` stages only, so full-width letters,
invisible characters and traditional forms (淥) are counted as the cleaned corpus will hold them,
and through the ``rules`` stage when correction rules are given, so what they fix is not found
again. None of these stages adds or removes a line break, so line numbers stay those of the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from cleaner.config import Config
from cleaner.errors import InputError
from cleaner.io.readers import DEFAULT_GLOBS, SourceFile, discover, load
from cleaner.pipeline import Pipeline

OFF = ("whitespace", "punctuation", "spacing", "layout", "dedup")


@dataclass(frozen=True)
class Text:
    """One normalised document: ``file`` (relative path), the line of the file its text starts on
    (1, or the record's line in a JSON Lines file) and the text."""

    file: str
    first_line: int
    text: str
    is_record: bool = False


def normalising_config(rule_paths: Sequence[str | Path] = (), base: Config | None = None) -> Config:
    """``base`` (default settings) with only the normalisation stages on, plus the rules stage when
    ``rule_paths`` are given."""
    config = (base or Config()).with_options({stage: {"enabled": False} for stage in OFF})
    if rule_paths:
        return config.with_options({"rules": {"enabled": True, "paths": [str(p) for p in rule_paths]}})
    return config.with_options({"rules": {"enabled": False}})


def read_corpus(
    src: Path,
    config: Config,
    globs: Sequence[str] = DEFAULT_GLOBS,
    text_field: str = "text",
    on_skip: Callable[[str], None] | None = None,
) -> Iterator[Text]:
    """Every document of ``src``, normalised, in file order; files that cannot be read are skipped
    (``on_skip`` gets the reason)."""
    return read_files(Pipeline(config), discover(src, globs), text_field, config.input.max_file_size, on_skip)


def read_files(
    pipeline: Pipeline,
    files: Sequence[SourceFile],
    text_field: str = "text",
    max_bytes: int | None = None,
    on_skip: Callable[[str], None] | None = None,
) -> Iterator[Text]:
    """Every document of ``files``, normalised by ``pipeline``, in order (see :func:`read_corpus`)."""
    for source in files:
        try:
            loaded = load(source, text_field=text_field, max_bytes=max_bytes)
        except InputError as exc:
            if on_skip is not None:
                on_skip(str(exc))
            continue
        for document in loaded.documents:
            text = pipeline.clean_document(document).text
            line = int(document.meta.get("line", 1))
            yield Text(source.rel, line, text, is_record=source.format == "jsonl")
