"""Recall and precision of dedup on copies cut into paragraphs differently, and on short near copies.

Made from the sample corpus (its paragraphs after the per-document stages, and its sentences of
20–45 characters), in independent rounds ("worlds", each one deduplicator) so that every copy has
exactly one original:

* originals — the seed paragraphs in a random order, in documents of 5–30 paragraphs; a share of
  the long ones (≥ 60 characters) is printed *fragmented*: cut into 2–4 paragraphs at random points,
  as a failed layout repair leaves them. Short sentences of the seeds are originals too.
* copies, which dedup must remove (each one of an original not used for anything else):
  ``fragmented`` — a whole original cut into 2–4 paragraphs at random points;
  ``joined`` — a fragmented original printed whole;
  ``refragmented`` — a fragmented original cut at other points;
  each also ``…+ocr``: with one OCR error per 50–150 characters; and ``short_near`` — a short
  original with one or two characters substituted, dropped or added at random places (so some
  land on a number or side by side, which the rule refuses by design).
* traps, which dedup must keep: ``quotation`` — 30–60% of a long original standing alone;
  ``shared_clause`` — a sentence of an original followed by as much new text; ``superset`` — a
  whole (or fragmented) original followed by new text of at least 40% of its length;
  ``changed_number`` — a short original with one digit or numeral changed; ``changed_word`` —
  a short original with two neighbouring characters replaced (``一是加快…`` / ``一是推进…``).
* filler — new paragraphs spliced from phrases of the seeds, between everything else.

Fragments with fewer than ``min_length`` letters, digits or ideographs are never removed and are
not counted. Recall is the share of copy paragraphs removed; precision the share of removals that
are copies; every removed trap or filler paragraph is a false positive.

    python bench/dedup_robust.py                 # 20 worlds
    python bench/dedup_robust.py --off           # and the same with the two new rules off
    python bench/dedup_robust.py --sweep fragment_containment --sweep short_max_edits
    python bench/dedup_robust.py --worlds 5 --show 5   # and print a few misses and false removals
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth

from cleaner.config import DedupOptions
from cleaner.dedup import Deduplicator
from cleaner.dedup.keys import normalise_key, paragraph_keys
from cleaner.model import Document, replay

COPY_KINDS = ("fragmented", "joined", "refragmented", "short_near")
TRAP_KINDS = ("quotation", "shared_clause", "superset", "changed_number", "changed_word")
_SENTENCE = re.compile(r"[^。！？；]*[。！？；]")
_NUMERALS = "0123456789一二三四五六七八九十百千万亿"


@dataclass
class Item:
    text: str
    kind: str  # "original", "filler", a copy kind (maybe with "+ocr") or a trap kind
    group: int = -1  # the event it belongs to


@dataclass
class World:
    documents: list[list[Item]] = field(default_factory=list)


def seed_material() -> tuple[list[str], list[list[str]]]:
    """The seed paragraphs after the per-document stages (≥ 60 characters), and each one's sentences of 20–45."""
    from cleaner.pipeline import Pipeline

    pipeline = Pipeline()
    paragraphs: list[str] = []
    for path in sorted(synth.SEEDS.glob("*.txt")):
        paragraphs.extend(pipeline.clean(path.read_text(encoding="utf-8"), id=path.name).document.paragraphs)
    unique = list(dict.fromkeys(paragraphs))
    content = paragraph_keys(unique).content.tolist()
    long = [p for p, c in zip(unique, content, strict=True) if c >= 60]
    short = []
    for paragraph in long:
        sentences = [s.strip() for s in _SENTENCE.findall(paragraph)]
        sizes = paragraph_keys(sentences).content.tolist() if sentences else []
        short.append([s for s, c in zip(sentences, sizes, strict=True) if 20 <= c <= 45])
    return long, short


def _ideograph(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.text = "".join(synth.seed_paragraphs())
        self.alphabet = sorted({c for c in self.text if _ideograph(c)})

    def cut(self, text: str, pieces: int) -> list[str]:
        points = sorted(self.rng.sample(range(1, len(text)), min(pieces - 1, len(text) - 1)))
        return [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]

    def ocr(self, text: str, per: tuple[int, int] = (50, 150)) -> str:
        chars = list(text)
        for _ in range(max(1, len(chars) // self.rng.randint(*per))):
            self._edit(chars)
        return "".join(chars)

    def _edit(self, chars: list[str]) -> None:
        position = self.rng.randrange(len(chars))
        roll = self.rng.random()
        if roll < 0.6:
            wrong_from, wrong_to = self.rng.choice(synth._NOISE)
            chars[position] = wrong_to if chars[position] == wrong_from else self.rng.choice(self.alphabet)
        elif roll < 0.8 and len(chars) > 2:
            del chars[position]
        else:
            chars.insert(position, self.rng.choice(self.alphabet))

    def short_near(self, text: str) -> str:
        chars = list(text)
        for _ in range(self.rng.randint(1, 2)):
            self._edit(chars)
        return "".join(chars)

    def changed_number(self, text: str) -> str | None:
        places = [i for i, c in enumerate(text) if c in _NUMERALS]
        if not places:
            return None
        at = self.rng.choice(places)
        pool = "0123456789" if text[at].isdigit() else "一二三四五六七八九十"
        return text[:at] + self.rng.choice([c for c in pool if c != text[at]]) + text[at + 1 :]

    def changed_word(self, text: str) -> str | None:
        places = [i for i in range(len(text) - 1) if _ideograph(text[i]) and _ideograph(text[i + 1])]
        if not places:
            return None
        at = self.rng.choice(places)
        word = "".join(self.rng.choice([c for c in self.alphabet if c != text[at + k]]) for k in range(2))
        return text[:at] + word + text[at + 2 :]

    def filler(self) -> str:
        parts = []
        for _ in range(self.rng.randint(3, 10)):
            length = self.rng.randint(4, 20)
            start = self.rng.randrange(len(self.text) - length)
            parts.append(self.text[start : start + length])
        return "".join(parts).strip() or "填充"


def make_world(seed: int, paragraphs: list[str], sentences: list[list[str]], fragmented_share: float = 0.5) -> World:
    """One round: half the long paragraphs are originals, the sentences of the other half are short originals."""
    g = Generator(seed)
    rng = g.rng
    order = list(range(len(paragraphs)))
    rng.shuffle(order)
    half = len(order) // 2
    long = [paragraphs[i] for i in order[:half]]
    short = list(dict.fromkeys(s for i in order[half:] for s in sentences[i]))
    rng.shuffle(short)
    # Originals: a fragmented share of the long ones, all of them printed before any copy.
    printed: list[Item] = []
    fragmented: dict[int, bool] = {}
    for number, text in enumerate(long):
        fragmented[number] = rng.random() < fragmented_share
        if fragmented[number]:
            printed.extend(Item(piece, "original", number) for piece in g.cut(text, rng.randint(2, 4)))
        else:
            printed.append(Item(text, "original"))
    printed.extend(Item(text, "original") for text in short)
    events: list[list[Item]] = []
    for number, text in enumerate(long):
        ocr = rng.random() < 0.5
        roll = rng.random()
        source = g.ocr(text) if ocr else text
        suffix = "+ocr" if ocr else ""
        if roll < 0.55:
            kind = ("refragmented" if fragmented[number] else "fragmented") + suffix
            events.append([Item(piece, kind, number) for piece in g.cut(source, rng.randint(2, 4))])
        elif roll < 0.7 and fragmented[number]:
            events.append([Item(source, "joined" + suffix, number)])
        elif fragmented[number]:
            continue  # a part of a fragmented original may well be one of its fragments: no trap
        elif roll < 0.8:
            size = max(30, int(len(text) * rng.uniform(0.3, 0.6)))
            start = rng.randrange(max(1, len(text) - size))
            events.append([Item(text[start : start + size], "quotation", number)])
        elif roll < 0.9:
            sentences = [s for s in _SENTENCE.findall(text) if len(s) >= 15]
            if sentences:
                clause = rng.choice(sentences)
                new = g.filler()
                while len(new) < len(clause):
                    new += g.filler()
                events.append([Item(clause + new + "。", "shared_clause", number)])
        else:
            new = g.filler()
            while len(new) < 0.6 * len(text):
                new += g.filler()
            events.append([Item(text + new, "superset", number)])
    for number, text in enumerate(short, start=len(long)):
        roll = rng.random()
        if roll < 0.6:
            events.append([Item(g.short_near(text), "short_near", number)])
        elif roll < 0.8:
            changed = g.changed_number(text)
            if changed:
                events.append([Item(changed, "changed_number", number)])
        else:
            changed = g.changed_word(text)
            if changed:
                events.append([Item(changed, "changed_word", number)])
    rng.shuffle(events)
    world = World()
    _cut_into_documents(world, printed, g)
    stream: list[Item] = []
    for event in events:
        stream.extend(event)
        if rng.random() < 0.7:
            stream.append(Item(g.filler(), "filler"))
    _cut_into_documents(world, stream, g)
    return world


def _cut_into_documents(world: World, items: list[Item], g: Generator) -> None:
    """Documents of 5–30 paragraphs; the paragraphs of one copy or original stay in one document."""
    document: list[Item] = []
    size = g.rng.randint(5, 30)
    for number, item in enumerate(items):
        document.append(item)
        following = items[number + 1] if number + 1 < len(items) else None
        same_event = following is not None and following.group == item.group and item.group >= 0
        if len(document) >= size and not same_event:
            world.documents.append(document)
            document, size = [], g.rng.randint(5, 30)
    if document:
        world.documents.append(document)


@dataclass
class Tally:
    removable: Counter = field(default_factory=Counter)
    removed: Counter = field(default_factory=Counter)
    false: Counter = field(default_factory=Counter)
    rules: Counter = field(default_factory=Counter)
    misses: list = field(default_factory=list)
    wrong: list = field(default_factory=list)
    seconds: float = 0.0
    paragraphs: int = 0


def evaluate(worlds: list[World], options: DedupOptions, tally: Tally, min_length: int = 10) -> None:
    for world in worlds:
        dedup = Deduplicator(options)
        seen: set[str] = set()
        for number, items in enumerate(world.documents):
            doc = Document.from_paragraphs(f"{number:05d}.txt", [item.text for item in items])
            # Paragraphs of the generated text may themselves repeat by chance: such repeats count as copies.
            keys = [normalise_key(item.text) for item in items]
            content = paragraph_keys([item.text for item in items]).content.tolist()
            started = time.perf_counter()
            out, edits = dedup.process(doc)
            tally.seconds += time.perf_counter() - started
            tally.paragraphs += len(items)
            assert replay(doc.text, edits) == out.text
            removed = {e.detail["removed_para"]: e for e in edits if "removed_para" in (e.detail or {})}
            for i, item in enumerate(items):
                base = item.kind.split("+")[0]
                repeat = keys[i] in seen
                seen.add(keys[i])
                if base in COPY_KINDS and content[i] >= min_length:
                    tally.removable[item.kind] += 1
                    if i in removed:
                        tally.removed[item.kind] += 1
                        tally.rules[(item.kind, removed[i].rule)] += 1
                    else:
                        tally.misses.append((item.kind, item.text))
                elif i in removed and not repeat:
                    tally.false[(item.kind, removed[i].rule)] += 1
                    tally.wrong.append((item.kind, item.text, removed[i].rule, removed[i].detail))


def report(tally: Tally) -> None:
    print(f"  {tally.paragraphs:,} paragraphs deduplicated in {tally.seconds:.1f} s")
    total_removed = sum(tally.removed.values())
    false = sum(tally.false.values())
    for kind in sorted(tally.removable):
        found, out_of = tally.removed[kind], tally.removable[kind]
        rules = ", ".join(f"{r} {c}" for (k, r), c in sorted(tally.rules.items()) if k == kind)
        print(f"  recall {kind:<20} {found / out_of:.3f} ({found}/{out_of}; {rules})")
    false_text = ", ".join(f"{kind} by {rule} {count}" for (kind, rule), count in sorted(tally.false.items()))
    print(f"  false removals: {false_text or 'none'}")
    print(f"  precision {total_removed / max(total_removed + false, 1):.4f} ({total_removed} copies, {false} others)")


SWEEPS = {
    "fragment_containment": (0.6, 0.7, 0.8, 0.9, 0.95),
    "threshold": (0.6, 0.7, 0.8),
    "short_max_edits": (1, 2, 3),
    "short_max_ratio": (0.05, 0.1, 0.15),
}


def sweep(worlds: list[World], name: str) -> None:
    """Recall by kind and false removals for several values of one option (the others at their defaults)."""
    print(f"sweep of {name}:")
    for value in SWEEPS[name]:
        tally = Tally()
        evaluate(worlds, DedupOptions(**{name: value}), tally)
        recalls = ", ".join(f"{k} {tally.removed[k] / tally.removable[k]:.3f}" for k in sorted(tally.removable))
        print(f"  {name}={value}: {recalls}; false removals {sum(tally.false.values())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", type=int, default=20)
    parser.add_argument("--show", type=int, default=0, help="print this many misses and false removals")
    parser.add_argument("--off", action="store_true", help="also measure with fragments and short_near off")
    parser.add_argument("--sweep", choices=sorted(SWEEPS), action="append", default=[], help="vary one option")
    args = parser.parse_args()
    long, short = seed_material()
    worlds = [make_world(seed, long, short) for seed in range(args.worlds)]
    count = sum(len(s) for s in short)
    print(f"{args.worlds} worlds from {len(long)} long seed paragraphs and their {count} sentences of 20–45 characters")
    settings = [("defaults", DedupOptions())]
    if args.off:
        settings.insert(0, ("fragments and short_near off", DedupOptions(fragments=False, short_near=False)))
    for label, options in settings:
        tally = Tally()
        evaluate(worlds, options, tally)
        print(label)
        report(tally)
        if args.show:
            show(tally, args.show)
    for name in args.sweep:
        sweep(worlds, name)


def show(tally: Tally, count: int) -> None:
    by_kind: dict[str, list] = defaultdict(list)
    for kind, text in tally.misses:
        by_kind[kind].append(text)
    for kind, texts in sorted(by_kind.items()):
        for text in texts[:count]:
            print(f"    miss {kind}: {text[:60]!r}")
    for wrong in tally.wrong[: count * 4]:
        print(f"    false {wrong[0]}: {wrong[1][:60]!r} {wrong[2]} {wrong[3]}")


if __name__ == "__main__":
    main()
