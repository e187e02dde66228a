"""Generate ``cleaner/data/lookalikes.txt``: how alike Han characters look, for ``cleaner suggest``.

OCR turns a character into one that looks like it (渌 → 涪, 己 → 已). ``cleaner suggest`` looks for
rare strings that differ from a frequent one by such a character, so it needs to know which pairs
look alike. This script measures it from two real, offline sources whose licences allow shipping:

- **Glyph images.** Every character of the 通用规范汉字表 (``cleaner/data/tgh.txt``, 8,105) is drawn
  with Noto Sans CJK SC and Noto Serif CJK SC (SIL Open Font Licence; Debian's ``fonts-noto-cjk``)
  at 56 px in a 64 × 64 box, centred on its advance and the font's ascent/descent (not on its ink,
  so a left-hand radical stays on the left). Each image gives two descriptors: a histogram of
  oriented gradients (8 orientations in 8 × 8 cells; the direction of strokes) and the ink blurred
  and pooled to 16 × 16 (where the ink is). Each descriptor is centred on the mean over all
  characters and scaled to unit length; the four (two fonts × two descriptors) are concatenated.
  The similarity of two characters is the cosine of their descriptors (1: the same drawing).
  Each character keeps its ``NEIGHBOURS`` most similar characters whose similarity is at least
  ``MIN_SIMILARITY``; each pair is written once, on the line of the character that comes first in
  the table, so the reader makes the relation symmetric.
- **Unihan codes** (Debian's ``unicode-data``): the total stroke count (``kTotalStrokes``), the
  Cangjie code (``kCangjie``; its first letters code the first component, its last letters the last
  one, so 渌 ENME and 绿 VMNME share 录) and the four-corner code (``kFourCornerCode``, the shapes at
  the four corners). ``cleaner.suggest.lookalike`` compares these at run time for pairs that share
  a component but whose whole glyphs differ too much to be listed (渌 and 涪 share 氵 and 11
  strokes).

Output: after a ``#`` header, one line per character, in table order, tab-separated: the
character, its stroke count, its Cangjie code, its four-corner code (four digits; empty when
Unihan has none) and its neighbours, each a character followed by two digits (similarity × 100),
e.g. ``己	3	SU	1771	已93巳81``.

Usage (needs Pillow and numpy; ``apt-get install fonts-noto-cjk unicode-data``)::

    python scripts/make_lookalikes.py [--fonts DIR] [--unihan DIR] [--out cleaner/data/lookalikes.txt]
"""

from __future__ import annotations

import argparse
import bz2
import re
import sys
from collections.abc import Iterable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FONT_DIR = Path("/usr/share/fonts/opentype/noto")
UNIHAN_DIR = Path("/usr/share/unicode")
# (file, face index): index 2 of Debian's collections is the SC (simplified Chinese) face.
FONTS = (("NotoSansCJK-Regular.ttc", 2), ("NotoSerifCJK-Regular.ttc", 2))
SIZE = 64
FONT_SIZE = 56
NEIGHBOURS = 12
MIN_SIMILARITY = 0.60
FIELDS = ("kTotalStrokes", "kCangjie", "kFourCornerCode")


def table_characters() -> list[str]:
    text = (ROOT / "cleaner" / "data" / "tgh.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def render(chars: list[str], font_path: Path, index: int) -> np.ndarray:
    """Each character drawn white on black, as floats in [0, 1], shape (len(chars), SIZE, SIZE)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(font_path), FONT_SIZE, index=index)
    images = np.zeros((len(chars), SIZE, SIZE), np.float32)
    for k, char in enumerate(chars):
        image = Image.new("L", (SIZE, SIZE), 0)
        ImageDraw.Draw(image).text((SIZE / 2, SIZE / 2), char, font=font, fill=255, anchor="mm")
        images[k] = np.asarray(image, np.float32) / 255
    return images


def box_blur(images: np.ndarray, radius: int) -> np.ndarray:
    """Two passes of a (2r+1)-wide box filter along both image axes (close to a Gaussian)."""
    out = images
    width = 2 * radius + 1
    for _ in range(2):
        for axis in (1, 2):
            pad = [(0, 0), (0, 0), (0, 0)]
            pad[axis] = (radius + 1, radius)
            summed = np.cumsum(np.pad(out, pad), axis=axis)
            upper = np.take(summed, range(width, summed.shape[axis]), axis=axis)
            lower = np.take(summed, range(summed.shape[axis] - width), axis=axis)
            out = (upper - lower) / width
    return out


def pool(images: np.ndarray, cell: int) -> np.ndarray:
    n, size, _ = images.shape
    return images.reshape(n, size // cell, cell, size // cell, cell).mean(axis=(2, 4))


def normalised(features: np.ndarray) -> np.ndarray:
    """Centred on the mean character, each row scaled to unit length."""
    centred = features - features.mean(axis=0)
    return centred / np.linalg.norm(centred, axis=1, keepdims=True)


def gradient_histograms(images: np.ndarray, cell: int = 8, bins: int = 8) -> np.ndarray:
    """Oriented-gradient histograms per cell (square-rooted), flattened."""
    smooth = box_blur(images, 1)
    gy, gx = np.gradient(smooth, axis=(1, 2))
    magnitude = np.hypot(gx, gy)
    orientation = np.minimum(((np.arctan2(gy, gx) % np.pi) / np.pi * bins).astype(int), bins - 1)
    n, size, _ = images.shape
    cells = size // cell
    histograms = np.zeros((n, cells, cells, bins), np.float32)
    for b in range(bins):
        weighted = magnitude * (orientation == b)
        histograms[..., b] = weighted.reshape(n, cells, cell, cells, cell).sum(axis=(2, 4))
    return np.sqrt(histograms.reshape(n, -1))


def descriptors(images: np.ndarray) -> list[np.ndarray]:
    ink = pool(box_blur(images, 3), 4).reshape(len(images), -1)
    return [normalised(gradient_histograms(images)), normalised(ink)]


def nearest(features: np.ndarray, k: int, block: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` most similar other rows of each row: (indexes, cosines), best first."""
    n = len(features)
    indexes = np.zeros((n, k), np.int32)
    scores = np.zeros((n, k), np.float32)
    for start in range(0, n, block):
        sims = features[start : start + block] @ features.T
        rows = np.arange(sims.shape[0])
        sims[rows, start + rows] = -np.inf
        top = np.argpartition(-sims, k, axis=1)[:, :k]
        top_scores = np.take_along_axis(sims, top, axis=1)
        order = np.argsort(-top_scores, axis=1)
        indexes[start : start + block] = np.take_along_axis(top, order, axis=1)
        scores[start : start + block] = np.take_along_axis(top_scores, order, axis=1)
    return indexes, scores


def unihan_codes(unihan_dir: Path, chars: Iterable[str]) -> dict[str, dict[str, str]]:
    """``{char: {field: value}}`` for the FIELDS of the Unihan files in ``unihan_dir``."""
    wanted = {f"U+{ord(c):04X}": c for c in chars}
    line = re.compile(r"^(U\+[0-9A-F]{4,6})\t(" + "|".join(FIELDS) + r")\t(.+)$", re.M)
    codes: dict[str, dict[str, str]] = {c: {} for c in wanted.values()}
    for path in sorted(unihan_dir.glob("Unihan_*.txt*")):
        raw = path.read_bytes()
        text = (bz2.decompress(raw) if path.suffix == ".bz2" else raw).decode("utf-8")
        for match in line.finditer(text):
            char = wanted.get(match.group(1))
            if char is not None:
                codes[char][match.group(2)] = match.group(3).split()[0]
    return codes


def table_lines(
    chars: list[str], indexes: np.ndarray, scores: np.ndarray, codes: dict[str, dict[str, str]]
) -> list[str]:
    neighbours: list[dict[int, int]] = [{} for _ in chars]
    for a in range(len(chars)):
        for b, score in zip(indexes[a], scores[a], strict=True):
            if score < MIN_SIMILARITY:
                break
            first, second = (a, int(b)) if a < b else (int(b), a)
            neighbours[first][second] = min(99, round(float(score) * 100))
    lines = []
    for a, char in enumerate(chars):
        fields = codes.get(char, {})
        four_corner = fields.get("kFourCornerCode", "")[:4]
        listed = "".join(f"{chars[b]}{s:02d}" for b, s in sorted(neighbours[a].items(), key=lambda item: -item[1]))
        lines.append(
            f"{char}\t{fields.get('kTotalStrokes', '')}\t{fields.get('kCangjie', '')}\t{four_corner}\t{listed}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fonts", type=Path, default=FONT_DIR, help="folder holding the Noto CJK .ttc files")
    parser.add_argument("--unihan", type=Path, default=UNIHAN_DIR, help="folder holding Unihan_*.txt(.bz2)")
    parser.add_argument("--out", type=Path, default=ROOT / "cleaner" / "data" / "lookalikes.txt")
    args = parser.parse_args(argv)

    chars = table_characters()
    parts: list[np.ndarray] = []
    for name, index in FONTS:
        path = args.fonts / name
        if not path.exists():
            parser.error(f"{path}: not found (apt-get install fonts-noto-cjk, or pass --fonts)")
        parts.extend(descriptors(render(chars, path, index)))
    features = np.concatenate(parts, axis=1) / np.sqrt(len(parts))
    indexes, scores = nearest(features, NEIGHBOURS)
    codes = unihan_codes(args.unihan, chars)
    if not any(codes.values()):
        parser.error(f"{args.unihan}: no Unihan files (apt-get install unicode-data, or pass --unihan)")
    lines = table_lines(chars, indexes, scores, codes)
    pairs = sum((len(line.split("\t")[4]) // 3) for line in lines)
    header = [
        f"Look-alike Han characters: {len(chars)} characters of tgh.txt, {pairs} glyph-similar pairs.",
        "Generated by scripts/make_lookalikes.py from glyphs of Noto Sans CJK SC and Noto Serif CJK SC",
        "(SIL Open Font License 1.1) and Unihan kTotalStrokes, kCangjie, kFourCornerCode (Unicode License;",
        "modified: fields extracted). See cleaner/data/README.md.",
        f"Columns: character, strokes, Cangjie, four-corner, neighbours (character + similarity x 100,"
        f" >= {round(MIN_SIMILARITY * 100)}, at most {NEIGHBOURS} per character, each pair listed once).",
    ]
    text = "".join(f"# {line}\n" for line in header) + "".join(f"{line}\n" for line in lines)
    args.out.write_text(text, encoding="utf-8")
    print(f"{args.out}: {len(lines)} characters, {pairs} pairs, {len(text.encode())} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
