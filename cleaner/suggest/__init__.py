"""``cleaner suggest``: mine a corpus for OCR confusions and write them as correction rules.

:func:`suggest` reads a corpus twice:

1. **Counting** (:mod:`cleaner.suggest.counting`): every Han n-gram of two to four characters, in
   bounded memory, after the normalisation stages (:mod:`cleaner.suggest.scan`).
2. **Candidates** (:mod:`cleaner.suggest.mining`): rare strings that differ from a frequent one by
   one character that looks like it (:mod:`cleaner.suggest.lookalike`), which is not a real word.
3. **Evidence** (:mod:`cleaner.suggest.evidence`): the corpus is read again for the candidates'
   rare forms only; each occurrence is judged by its neighbours, contexts are kept.

Both reads go partition by partition (:mod:`cleaner.suggest.engines`: in this process, in worker
processes or on Ray actors), merged in partition order, so the rule file does not depend on where
they ran.

Proposals are ranked by confidence; one whose occurrences a better one already covers, that would
chain with a better one, or that the given rules already handle, is left out.
:func:`cleaner.suggest.render.render_rules` writes them as a rule file.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cleaner.corpus import check_engine
from cleaner.io.readers import DEFAULT_GLOBS, discover
from cleaner.partitioning import partitions
from cleaner.rules.loading import load_rules
from cleaner.rules.model import RuleSet
from cleaner.suggest.counting import DEFAULT_MAX_ENTRIES, NgramCounter
from cleaner.suggest.engines import engine_for
from cleaner.suggest.evidence import Context, Occurrences, final_score, merge_found
from cleaner.suggest.lookalike import lookalikes
from cleaner.suggest.mining import Candidate, MiningOptions, find_candidates
from cleaner.suggest.scan import normalising_config

__all__ = ["Proposal", "SuggestReport", "suggest"]

MAX_POOL = 5000  # candidates looked for again in the corpus
MIN_CONFIDENCE = 0.05
COVERED = 0.8  # a proposal is left out when this share of its places a better one already fixes


@dataclass(frozen=True)
class Proposal:
    """A proposed rule ``find: rare`` → ``replace: frequent`` and the evidence for it."""

    candidate: Candidate
    confidence: float
    occurrences: int
    contexts: tuple[Context, ...]
    unless: tuple[str, ...]

    @property
    def find(self) -> str:
        return self.candidate.rare

    @property
    def replace(self) -> str:
        return self.candidate.frequent


@dataclass
class SuggestReport:
    """The proposals, best first, and what the run read."""

    proposals: list[Proposal] = field(default_factory=list)
    files: int = 0
    bytes: int = 0
    characters: int = 0
    counting_seconds: float = 0.0  # the first read: reading, normalising, counting
    search_seconds: float = 0.0  # the candidate search
    evidence_seconds: float = 0.0  # the second read: the candidates' occurrences
    seconds: float = 0.0
    floor: int = 0  # counts may be this much too low (pruned n-grams), 0: exact
    skipped: list[str] = field(default_factory=list)

    @property
    def counting_rate(self) -> float:
        """Megabytes of input counted per second (reading, normalising, counting)."""
        return self.bytes / 1e6 / self.counting_seconds if self.counting_seconds else 0.0


def suggest(
    src: str | Path,
    rule_paths: Sequence[str | Path] = (),
    top: int = 20,
    globs: Sequence[str] = DEFAULT_GLOBS,
    text_field: str = "text",
    options: MiningOptions = MiningOptions(),
    max_entries: int = DEFAULT_MAX_ENTRIES,
    on_skip: Callable[[str], None] | None = None,
    engine: str = "local",
    jobs: int = 1,
    address: str | None = None,
) -> SuggestReport:
    """The ``top`` best proposals of rules fixing OCR confusions in the corpus ``src``.

    ``rule_paths``: correction rules applied before counting (what they fix is not proposed).
    ``engine``, ``jobs``, ``address``: where the corpus is read (:mod:`cleaner.suggest.engines`);
    the proposals are the same.
    """
    check_engine(engine, address)
    started = time.perf_counter()
    src = Path(src)
    report = SuggestReport()
    rule_set = load_rules(rule_paths) if rule_paths else RuleSet()
    config = normalising_config(rule_paths)
    files = discover(src, globs)
    report.files = len(files)
    report.bytes = sum(_size(source.path) for source in files)

    def skipped(reason: str) -> None:
        report.skipped.append(reason)
        if on_skip is not None:
            on_skip(reason)

    parts = partitions(files)
    with engine_for(config, text_field, max_entries, engine, jobs, address, len(parts), report.bytes) as runner:
        counter = NgramCounter(max_entries=max_entries)
        phase = time.perf_counter()
        for counted in runner.count(parts):
            for reason in counted.skipped:
                skipped(reason)
            counter.merge(counted.counter)
        report.counting_seconds = time.perf_counter() - phase
        report.characters, report.floor = counter.characters, counter.floor

        phase = time.perf_counter()
        candidates = find_candidates(counter, lookalikes(), options)[:MAX_POOL]
        report.search_seconds = time.perf_counter() - phase

        phase = time.perf_counter()
        found: dict[str, Occurrences] = {}
        for gathered in runner.gather(parts, candidates, counter):
            for reason in gathered.skipped:
                skipped(reason)
            merge_found(found, gathered.found)
        found.update((form, Occurrences()) for form in _forms(candidates) if form not in found)
        report.evidence_seconds = time.perf_counter() - phase
    report.proposals = select(candidates, found, rule_set, top)
    report.seconds = time.perf_counter() - started
    return report


def select(candidates: list[Candidate], found: dict[str, Occurrences], rule_set: RuleSet, top: int) -> list[Proposal]:
    """The best proposals, at most ``top``: by final score, leaving out those a better one covers
    or would chain with, and those the given rules already handle."""
    scored = sorted(
        ((final_score(c, found[c.rare], found.get(c.frequent)), c) for c in candidates),
        key=lambda item: (-item[0], item[1].rare),
    )
    alive = {(c.rare, c.frequent) for score, c in scored if score >= MIN_CONFIDENCE}
    chosen: list[Proposal] = []
    fixed: set[tuple[str, int, int]] = set()
    taken: list[Candidate] = []
    for score, candidate in scored:
        if len(chosen) >= top or score < MIN_CONFIDENCE:
            break
        occurrences = found[candidate.rare]
        if _handled(candidate, rule_set) or _conflicts(candidate, taken) or _has_shorter(candidate, alive):
            continue
        places = occurrences.places
        if places and len(places & fixed) >= COVERED * len(places):
            continue
        fixed |= places
        taken.append(candidate)
        unless = tuple(sorted(occurrences.unless, key=lambda p: (-occurrences.unless[p], p)))
        chosen.append(Proposal(candidate, round(score, 3), occurrences.count, tuple(occurrences.contexts), unless))
    return chosen


def _has_shorter(candidate: Candidate, alive: set[tuple[str, str]]) -> bool:
    """Whether a shorter piece of the candidate holding the change is a candidate too (涪口 for 涪口区):
    the shorter rule fixes the same places and more."""
    rare, frequent, i = candidate.rare, candidate.frequent, candidate.position
    for start in range(i + 1):
        for end in range(i + 1, len(rare) + 1):
            if end - start < len(rare) and (rare[start:end], frequent[start:end]) in alive:
                return True
    return False


def _handled(candidate: Candidate, rule_set: RuleSet) -> bool:
    """Whether a given rule would change the rare form or the frequent one (a chain)."""
    matcher = rule_set.compiled
    if matcher is None:
        return False
    return any(matcher.apply_text(text)[1] for text in (candidate.rare, candidate.frequent))


def _conflicts(candidate: Candidate, taken: list[Candidate]) -> bool:
    """Whether the proposal and a better one would change each other's text (a chain or cycle)."""
    return any(
        candidate.rare == other.rare
        or candidate.rare in other.frequent
        or other.rare in candidate.frequent
        or candidate.frequent in other.rare
        or other.frequent in candidate.rare
        for other in taken
    )


def _forms(candidates: list[Candidate]) -> list[str]:
    """Every rare and frequent form of the candidates (each has a record, found or not)."""
    return [form for candidate in candidates for form in (candidate.rare, candidate.frequent)]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
