"""How well decoding guesses the encoding of short files, and how fast it is on big ones.

Every non-empty line of ``seeds/*.txt`` becomes a one-line file in GBK, GB18030, Big5 (after
OpenCC ``s2t``; lines Big5 cannot hold are left out), UTF-16 LE and BE without a BOM, and UTF-8.
Each is decoded and counted as *right* (exactly the original text), *refused* (an
:class:`InputError` naming the file) or *wrong* (other text, exit 0: the failure that matters), per
encoding and per length bucket. A few Western sentences in cp1252 are checked too, and a large
GB18030 file is timed.

    python bench/bench_decoding.py                    # this checkout
    python bench/bench_decoding.py --root /tmp/old    # another checkout's cleaner package
    python bench/bench_decoding.py --wrong            # also list every wrong decoding
    python bench/bench_decoding.py --catalogues       # held-out text: the system's gettext catalogues

``--catalogues`` adds text the scoring was never tuned on: the translated messages of the gettext
catalogues under /usr/share/locale (zh_CN in GBK, GB18030, UTF-8 and UTF-16; zh_TW in Big5; French,
German and Spanish in cp1252; Polish and Czech in cp1250; Russian in cp1251; Japanese in cp932;
Korean in cp949), up to ``--per`` lines each.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEEDS = HERE.parent / "seeds"
BUCKETS = ((1, 5), (6, 10), (11, 20), (21, 50), (51, 10**9))
ENCODINGS = ("gbk", "gb18030", "big5", "utf-16-le", "utf-16-be", "utf-8")
WESTERN = (
    "naïve café",
    "Brontë",
    "Le cœur a ses raisons que la raison ne connaît point.",
    "Ça coûte 5 € à l'hôtel, déjà payé.",
    "Größere Straßen führen über die Brücke nach Köln.",
    "Müller’s „Übersicht“ – für Bäcker.",
    "El niño comió piñata en el año 2024.",
    "Smörgåsbord på Åland, søster i Ærø.",
)


def bucket(text: str) -> str:
    for low, high in BUCKETS:
        if low <= len(text) <= high:
            return f"{low}–{high}" if high < 10**9 else f"{low}+"
    return "0"


def seed_lines() -> list[str]:
    lines = (line for path in sorted(SEEDS.glob("*.txt")) for line in path.read_text("utf-8").split("\n"))
    return [line for line in lines if line.strip()]


def samples() -> list[tuple[str, str, bytes]]:
    """(encoding, text, bytes) for every seed line in every encoding it can be written in."""
    import opencc

    to_traditional = opencc.OpenCC("s2t")
    found: list[tuple[str, str, bytes]] = []
    for line in seed_lines():
        for encoding in ENCODINGS:
            text = to_traditional.convert(line) if encoding == "big5" else line
            try:
                found.append((encoding, text, text.encode(encoding)))
            except UnicodeEncodeError:
                continue
    found.extend(("cp1252", text, text.encode("cp1252")) for text in WESTERN)
    return found


CATALOGUES = (
    ("zh_CN", ("gbk", "gb18030", "utf-8", "utf-16-le", "utf-16-be")),
    ("zh_TW", ("big5", "utf-8")),
    ("fr", ("cp1252", "utf-8")),
    ("de", ("cp1252",)),
    ("es", ("cp1252",)),
    ("pl", ("cp1250",)),
    ("cs", ("cp1250",)),
    ("ru", ("cp1251", "utf-8")),
    ("ja", ("cp932", "utf-8")),
    ("ko", ("cp949", "utf-8")),
)


def catalogue_samples(per: int, seed: int = 0) -> list[tuple[str, str, bytes]]:
    """(language/encoding, text, bytes) from the gettext catalogues installed on this machine."""
    import gettext
    import random

    found: list[tuple[str, str, bytes]] = []
    for language, encodings in CATALOGUES:
        lines: set[str] = set()
        for path in sorted(Path("/usr/share/locale", language, "LC_MESSAGES").glob("*.mo")):
            try:
                catalogue = gettext.GNUTranslations(path.open("rb"))._catalog  # type: ignore[attr-defined]
            except Exception:
                continue
            for value in catalogue.values():
                if isinstance(value, str):
                    lines.update(line.strip() for line in value.split("\n") if line.strip() and not line.isascii())
        chosen = random.Random(seed).sample(sorted(lines), min(per, len(lines)))
        for encoding in encodings:
            for text in chosen:
                try:
                    found.append((f"{language}/{encoding}", text, text.encode(encoding)))
                except UnicodeEncodeError:
                    continue
    return found


def judge(decode, error, text: str, data: bytes) -> tuple[str, str]:
    try:
        decoded = decode(data, "x.txt")
    except error as exc:
        return "refused", str(exc)
    return ("right" if decoded.text == text else "wrong"), f"{decoded.encoding}: {decoded.text[:40]!r}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=HERE.parent, help="folder holding the cleaner package")
    parser.add_argument("--wrong", action="store_true", help="list every wrong decoding")
    parser.add_argument("--catalogues", action="store_true", help="also held-out text from gettext catalogues")
    parser.add_argument("--per", type=int, default=2000, help="catalogue lines per language (default 2000)")
    parser.add_argument("--seed", type=int, default=0, help="which random catalogue lines (default 0)")
    parser.add_argument("--mb", type=float, default=20.0, help="size of the timed GB18030 file in MB")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(args.root))
    from cleaner.errors import InputError
    from cleaner.io.decoding import decode

    counts: Counter[tuple[str, str, str]] = Counter()
    chosen = samples() + (catalogue_samples(args.per, args.seed) if args.catalogues else [])
    for encoding, text, data in chosen:
        verdict, detail = judge(decode, InputError, text, data)
        counts[encoding, bucket(text), verdict] += 1
        if args.wrong and verdict == "wrong":
            print(f"wrong {encoding} {text[:40]!r} -> {detail}")
    print(f"{'encoding':<10} {'length':<7} {'right':>6} {'refused':>8} {'wrong':>6}")
    for encoding in dict.fromkeys(e for e, _, _ in counts):
        for name in sorted({b for e, b, _ in counts if e == encoding}, key=lambda b: int(b.split("–")[0].rstrip("+"))):
            right, refused, wrong = (counts[encoding, name, v] for v in ("right", "refused", "wrong"))
            print(f"{encoding:<10} {name:<7} {right:>6} {refused:>8} {wrong:>6}")
    total = {v: sum(n for (_, _, w), n in counts.items() if w == v) for v in ("right", "refused", "wrong")}
    print(f"total: {total['right']} right, {total['refused']} refused, {total['wrong']} wrong")

    page = "\n".join(seed_lines()) + "\n"
    big = (page * (int(args.mb * 1e6) // len(page.encode("gb18030")) + 1)).encode("gb18030")
    started = time.perf_counter()
    decoded = decode(big, "big.txt")
    seconds = time.perf_counter() - started
    print(f"{len(big) / 1e6:.1f} MB of GB18030 decoded as {decoded.encoding} in {seconds:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
