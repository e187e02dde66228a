"""Tesseract on a page image, cached: the same page with the same settings is read once.

The cache key is a hash of what the page is made of (its printed lines with their positions, its
style, its noise seed, the Pillow version and the font files: ``ocr_page.page_recipe``), the
command's settings and Tesseract's version, so a change to the typesetting, the noise, the page
segmentation mode or the engine reads the page anew, and a rerun with nothing changed neither
draws nor reads a page. Results are plain text files under ``bench/accuracy/.cache/ocr/``
(git-ignored).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

CACHE = Path(__file__).resolve().parent / ".cache" / "ocr"


class TesseractMissing(RuntimeError):
    """Tesseract or its Simplified Chinese data (``tesseract-ocr-chi-sim``) is not installed."""


@dataclass(frozen=True, slots=True)
class OcrSettings:
    """The command line: ``tesseract IMAGE - -l LANG --psm PSM --dpi DPI``."""

    lang: str = "chi_sim"
    psm: int = 3  # fully automatic page segmentation: columns, heads and feet found as on a real scan
    dpi: int = 300

    def arguments(self) -> list[str]:
        return ["-l", self.lang, "--psm", str(self.psm), "--dpi", str(self.dpi)]


def tesseract_available(lang: str = "chi_sim") -> bool:
    """Whether the ``tesseract`` command is there and has the language's data."""
    if shutil.which("tesseract") is None:
        return False
    try:
        listed = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, check=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return lang in listed.stdout.split()


@cache
def tesseract_version() -> str:
    """The first line of ``tesseract --version`` (``tesseract 5.3.0``), with the Leptonica line."""
    if shutil.which("tesseract") is None:
        raise TesseractMissing("tesseract not found: install tesseract-ocr and tesseract-ocr-chi-sim")
    out = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, check=True, timeout=30)
    lines = [line.strip() for line in (out.stdout + out.stderr).splitlines() if line.strip()]
    return " / ".join(lines[:2])


def page_key(recipe: str, settings: OcrSettings) -> str:
    """The cache key of a page: what it is made of, the settings and the engine's version."""
    material = f"{recipe}\n{settings}\n{tesseract_version()}\n"
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def recognise(recipe: str, draw: Callable[[], Any], settings: OcrSettings, cache_dir: Path = CACHE) -> tuple[str, bool]:
    """The text Tesseract reads on the page that ``draw`` makes (raw: its line breaks and blank
    lines as they come), and whether it came from the cache (then the page is not drawn)."""
    key = page_key(recipe, settings)
    cached = cache_dir / f"{key}.txt"
    if cached.exists():
        return cached.read_text(encoding="utf-8"), True
    cache_dir.mkdir(parents=True, exist_ok=True)
    png = cache_dir / f"{key}.png"
    draw().save(png, dpi=(settings.dpi, settings.dpi))
    try:
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # one core per page: the machine is shared
        done = subprocess.run(
            ["tesseract", str(png), "-", *settings.arguments()],
            capture_output=True,
            check=True,
            env=env,
            timeout=600,
        )
    finally:
        png.unlink(missing_ok=True)
    text = done.stdout.decode("utf-8")
    partial = cached.with_suffix(".tmp")
    partial.write_text(text, encoding="utf-8")
    partial.replace(cached)
    return text, False
