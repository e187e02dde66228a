"""The normalised key of a paragraph: what two copies of the same paragraph have in common.

A paragraph printed twice is rarely byte-identical: one copy may have been re-wrapped (single
newlines inside), spaced differently, or typed with half-width punctuation (``,`` for ``，``). The
key folds those differences away — all whitespace removed, NFKC applied so full-width and
half-width forms coincide — and is used only for comparison, never written to the output.
"""

from __future__ import annotations

import hashlib
import unicodedata

# Punctuation NFKC leaves apart but OCR and typists mix up; folded to one form in the key only.
_PUNCTUATION_FOLD = str.maketrans(
    {
        "。": ".",  # NFKC keeps the ideographic full stop; "。" and "." are the same stop in a copy
        "、": ",",
        "“": '"',
        "”": '"',
        "‘": "'",
        "’": "'",
        "「": '"',
        "」": '"',
        "『": '"',
        "』": '"',
        "—": "-",
        "―": "-",
        "–": "-",
        "‐": "-",
        "…": "...",
    }
)


def normalise_key(text: str) -> str:
    """The comparison key of ``text``: NFKC, punctuation variants folded, whitespace removed.

    >>> normalise_key("教育是民生之基，牵动着\\n千家万户。") == normalise_key("教育是民生之基,牵动着千家万户。")
    True
    """
    key = unicodedata.normalize("NFKC", text).translate(_PUNCTUATION_FOLD)
    return "".join(key.split())


def key_digest(key: str) -> int:
    """A stable 64-bit digest of a key (the same in every process, unlike ``hash``)."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")
