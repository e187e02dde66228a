"""Other projects' test cases, run through the cleaner: a pass rate per peer.

    python -m bench.peers [--failures PEER] [--json FILE]

The cases are data under ``tests/data/peers/`` (provenance in its README); what each peer's cases
are run through is in :data:`MODES`. ``tests/test_peers.py`` runs the same cases in the suite,
where a case listed in ``tests/data/peers/known_failures.json`` is a strict xfail with its kind and
reason. The table gives two rates per peer: over all its cases, and over the cases where its
conventions match the cleaner's (all but the failing cases listed as ``convention`` or
``out_of_scope``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cleaner.config import Config
from cleaner.pipeline import Pipeline

PEERS = Path(__file__).resolve().parent.parent / "tests" / "data" / "peers"
KNOWN_FAILURES = PEERS / "known_failures.json"
STAGES = ("whitespace", "unicode", "layout", "variants", "punctuation", "spacing", "rules")


@dataclass(frozen=True)
class Case:
    peer: str
    id: str
    input: str
    expected: str
    mode: str
    source: str


@cache
def pipeline(*stages: str, spacing: str = "insert", mojibake: bool = True) -> Pipeline:
    """The pipeline with only ``stages`` switched on."""
    options: dict = {name: {"enabled": name in stages} for name in STAGES if name != "variants"}
    options["variants"] = {"mode": "conservative" if "variants" in stages else "off"}
    options["spacing"]["cjk_latin"] = spacing
    options["unicode"]["fix_mojibake"] = mojibake
    return Pipeline(Config().with_options(options))


def _clean(*stages: str, suffix: str = ".txt", **options: object) -> Callable[[str], str]:
    def run(text: str) -> str:
        return pipeline(*stages, **options).clean(text, id=f"case{suffix}").text  # type: ignore[arg-type]

    return run


# What a peer's cases are run through (mode -> function), and what it compares with (see ``expected``).
MODES: dict[str, Callable[[str], str]] = {
    # pangu.spacing_text: the spacing stage alone, in pangu style.
    "pangu": _clean("spacing"),
    # autocorrect's format(): punctuation and spacing in pangu style.
    "autocorrect.format": _clean("punctuation", "spacing"),
    # autocorrect's format_punctuation(): punctuation alone.
    "autocorrect.format_punctuation": _clean("punctuation"),
    # autocorrect's format_word(): full-width letters and digits, and punctuation.
    "autocorrect.format_word": _clean("unicode", "punctuation"),
    # zhlint's default rules on Markdown: punctuation and spacing in pangu style.
    "zhlint": _clean("punctuation", "spacing", suffix=".md"),
    # ftfy.fix_encoding: the unicode stage (see ``expected``).
    "ftfy": _clean("unicode"),
}

_unicode_without_repair = _clean("unicode", mojibake=False)


def load(peer: str | None = None) -> list[Case]:
    """Every case of ``peer`` (or of every peer), in file order."""
    cases: list[Case] = []
    for name in ("pangu", "autocorrect", "zhlint"):
        if peer not in (None, name):
            continue
        data = json.loads((PEERS / f"{name}_cases.json").read_text(encoding="utf-8"))
        for case in data["cases"]:
            mode = f"{name}.{case['function']}" if "function" in case else name
            cases.append(Case(name, case["id"], case["input"], case["expected"], mode, case["source"]))
    if peer in (None, "ftfy"):
        for path in sorted((PEERS / "ftfy").glob("*.json")):
            for number, case in enumerate(json.loads(path.read_text(encoding="utf-8"))):
                if case.get("expect") != "pass":
                    continue  # ftfy's own known failures
                expected = case.get("fixed-encoding", case["fixed"])
                source = f"tests/test-cases/{path.name}[{number}]: {case['label']}"
                cases.append(Case("ftfy", f"ftfy-{path.stem}-{number:02d}", case["original"], expected, "ftfy", source))
    return cases


def expected(case: Case) -> str:
    """What the cleaner must make of the case's input.

    For ftfy, what ``fix_encoding`` gives, with the unicode stage's own character fixes (no-break
    and other spaces to a space, controls removed, NFC), which ftfy's ``fix_encoding`` does not
    make: the comparison is of the mojibake repair, not of those conventions.
    """
    return _unicode_without_repair(case.expected) if case.peer == "ftfy" else case.expected


def run(case: Case) -> str:
    return MODES[case.mode](case.input)


@dataclass(frozen=True)
class Known:
    """Why a case fails. ``kind``: ``convention`` (a deliberate difference, or a case the peer does
    not pass itself), ``out_of_scope`` (text the cleaner does not claim to handle) or ``gap`` (wrong
    by the cleaner's own conventions)."""

    kind: str
    reason: str


KINDS = ("convention", "out_of_scope", "gap")
# Known failures of these kinds are left out of the rate "where conventions match".
NOT_MATCHING = frozenset({"convention", "out_of_scope"})


def known_failures() -> dict[str, dict[str, Known]]:
    """``{peer: {case id: Known}}``: the cases the cleaner does not pass, each with its kind and reason."""
    if not KNOWN_FAILURES.exists():
        return {}
    cases = json.loads(KNOWN_FAILURES.read_text(encoding="utf-8"))["cases"]
    return {peer: {case_id: Known(**entry) for case_id, entry in listed.items()} for peer, listed in cases.items()}


def write_known(failing: dict[str, dict[str, str]], known: dict[str, dict[str, Known]], reason: str) -> None:
    """Rewrite the list: the failing cases keep their entry, new ones are gaps with ``reason``."""
    data = json.loads(KNOWN_FAILURES.read_text(encoding="utf-8")) if KNOWN_FAILURES.exists() else {}
    data.setdefault(
        "about", "Peer cases the cleaner does not pass, each a strict xfail: {peer: {case id: {kind, reason}}}"
    )
    data["cases"] = {
        peer: {case_id: vars(known.get(peer, {}).get(case_id) or Known("gap", reason)) for case_id in sorted(ids)}
        for peer, ids in failing.items()
    }
    KNOWN_FAILURES.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


@dataclass
class Rates:
    """One peer's counts: all its cases, and the cases where its conventions match the cleaner's
    (all but the failing cases listed as ``convention`` or ``out_of_scope``)."""

    cases: int = 0
    passed: int = 0
    listed: int = 0
    matching: int = 0
    matching_passed: int = 0

    def add(self, passed: bool, known: Known | None) -> None:
        self.cases += 1
        self.passed += passed
        self.listed += (not passed) and known is not None
        if passed or known is None or known.kind not in NOT_MATCHING:
            self.matching += 1
            self.matching_passed += passed


def _rate(passed: int, total: int) -> str:
    return f"{passed / total:.3f}" if total else "-"


def format_table(table: dict[str, Rates]) -> str:
    lines = [
        f"{'peer':<12} {'cases':>6} {'passed':>7} {'rate':>6} {'known':>6}   {'matching':>8} {'passed':>7} {'rate':>6}"
    ]
    for peer, r in table.items():
        lines.append(
            f"{peer:<12} {r.cases:>6} {r.passed:>7} {_rate(r.passed, r.cases):>6} {r.listed:>6}"
            f"   {r.matching:>8} {r.matching_passed:>7} {_rate(r.matching_passed, r.matching):>6}"
        )
    return "\n".join(lines)


def results(peer: str | None = None) -> Iterator[tuple[Case, str, bool]]:
    for case in load(peer):
        output = run(case)
        yield case, output, output == expected(case)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.peers", description=__doc__.split("\n\n")[0])
    parser.add_argument("--failures", metavar="PEER", help="list the failing cases of PEER ('all': of every peer)")
    parser.add_argument("--json", metavar="FILE", help="write {peer: {case id: output}} of failing cases")
    parser.add_argument(
        "--write-known",
        metavar="REASON",
        help="rewrite known_failures.json: failing cases keep their entry or are gaps with REASON, passing ones go",
    )
    args = parser.parse_args(argv)
    known = known_failures()
    table: dict[str, Rates] = {}
    failing: dict[str, dict[str, str]] = {}
    for case, output, passed in results():
        entry = known.get(case.peer, {}).get(case.id)
        table.setdefault(case.peer, Rates()).add(passed, entry)
        if not passed:
            failing.setdefault(case.peer, {})[case.id] = output
            if args.failures in (case.peer, "all"):
                print(f"{case.id} [{case.source}]\n  input    {case.input!r}\n  expected {expected(case)!r}")
                print(f"  got      {output!r}")
                if entry is not None:
                    print(f"  known ({entry.kind}): {entry.reason}")
    print(format_table(table))
    print("matching: the cases where the peer's conventions match the cleaner's: all but the failing ones")
    print("listed in known_failures.json as convention or out_of_scope")
    if args.write_known:
        write_known(failing, known, args.write_known)
    if args.json:
        Path(args.json).write_text(json.dumps(failing, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
