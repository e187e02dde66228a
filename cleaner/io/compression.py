"""Compressed inputs and outputs, chosen by the file's last extension: ``.gz``, ``.bz2``, ``.zst``.

``a.jsonl.gz`` is read as the JSON Lines file ``a.jsonl`` compressed with gzip, and its output is
written compressed the same way under the same name. gzip and bz2 come with Python; zstd needs the
``zstandard`` package (``pip install 'cleaner[zstd]'``), and a ``.zst`` file met without it is
skipped with a message that says so.

Decompressing is bounded: the size limit (``--max-file-size``) applies to the decompressed bytes,
and reading stops as soon as it is passed, so a small archive that expands to gigabytes (a
decompression bomb) is refused, never held in memory. Compressing is reproducible: gzip outputs
carry no time stamp or file name, so the same text gives the same bytes on every run.
"""

from __future__ import annotations

import bz2
import gzip
import io
import zlib
from typing import Any, BinaryIO

from cleaner.io.regular import format_size, read_at_most

GZIP, BZIP2, ZSTD = "gzip", "bz2", "zstd"
CODECS: dict[str, str] = {".gz": GZIP, ".bz2": BZIP2, ".zst": ZSTD}
GZIP_LEVEL = 6  # gzip's own default: the size of level 9 within a few percent, at a fraction of the time
ZSTD_LEVEL = 3  # zstd's own default


class CompressionError(Exception):
    """A compressed file that cannot be read or written; the message says why, without the file name."""


def codec_of(name: str) -> str | None:
    """The compression of a file named ``name`` (``gzip``, ``bz2``, ``zstd``), or ``None``."""
    lowered = name.lower()
    return next((codec for suffix, codec in CODECS.items() if lowered.endswith(suffix)), None)


def without_codec(name: str) -> str:
    """``a.jsonl.gz`` → ``a.jsonl``: the name of the file inside the compression."""
    lowered = name.lower()
    for suffix in CODECS:
        if lowered.endswith(suffix):
            return name[: -len(suffix)]
    return name


def decompress(data: bytes, codec: str, max_bytes: int) -> bytes:
    """The decompressed bytes of ``data``, at most ``max_bytes`` of them.

    Raises :class:`CompressionError` for a corrupt or truncated archive, a decompressed size over
    ``max_bytes``, or a codec whose package is missing.
    """
    if not data:
        return b""  # an empty file holds nothing, whatever its extension
    try:
        if codec == ZSTD:
            return _unzstd(data, max_bytes)
        with _reader(codec, data) as handle:
            return read_at_most(handle, max_bytes, lambda: CompressionError(_too_large(max_bytes)))
    except CompressionError:
        raise
    except (OSError, EOFError, zlib.error, ValueError) as exc:
        raise CompressionError(f"not a valid {codec} file ({_reason(exc)})") from None
    except Exception as exc:  # zstandard.ZstdError derives from Exception only
        if type(exc).__name__ == "ZstdError":
            raise CompressionError(f"not a valid {codec} file ({_reason(exc)})") from None
        raise


def compress(data: bytes, codec: str) -> bytes:
    """``data`` compressed with ``codec``; the same bytes in give the same bytes out."""
    if codec == GZIP:
        return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)
    if codec == BZIP2:
        return bz2.compress(data)
    if codec == ZSTD:
        return _zstandard().ZstdCompressor(level=ZSTD_LEVEL).compress(data)
    raise ValueError(f"unknown compression {codec!r}")


def _reader(codec: str, data: bytes) -> BinaryIO:
    if codec == GZIP:
        return gzip.GzipFile(fileobj=io.BytesIO(data), mode="rb")
    if codec == BZIP2:
        return bz2.BZ2File(io.BytesIO(data), mode="rb")
    raise ValueError(f"unknown compression {codec!r}")


ZSTD_STEP = 512  # compressed bytes fed at a time: a step can expand to a few MiB at most, never to gigabytes


def _unzstd(data: bytes, max_bytes: int) -> bytes:
    """zstd frames decompressed a little at a time, refused past ``max_bytes`` or if the last frame is cut
    short (zstandard's stream reader returns what it has without a word)."""
    zstandard = _zstandard()
    chunks: list[bytes] = []
    total = 0
    pending = data
    while pending:
        frame = zstandard.ZstdDecompressor().decompressobj()
        for start in range(0, len(pending), ZSTD_STEP):
            chunk = frame.decompress(pending[start : start + ZSTD_STEP])
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                raise CompressionError(_too_large(max_bytes))
            if frame.eof:
                break
        if not frame.eof:
            raise EOFError
        pending = frame.unused_data
    return b"".join(chunks)


def _too_large(max_bytes: int) -> str:
    return f"too large when decompressed (over the limit of {format_size(max_bytes)}; see --max-file-size)"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, EOFError):
        return "it ends before the compressed data does"
    return str(exc) or type(exc).__name__


def _zstandard() -> Any:
    try:
        import zstandard
    except ImportError:
        raise CompressionError(
            "reading and writing .zst files needs the zstandard package: pip install 'cleaner[zstd]'"
        ) from None
    return zstandard
