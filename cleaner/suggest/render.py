"""Writing proposals as a rule file ``cleaner rules check`` accepts and ``clean --rules`` applies.

Each rule carries its evidence: a comment line with the confidence, both counts and the two
characters with their similarity, and the same in its ``note`` with up to three contexts
(``file:line`` and the text around the change). ``unless`` holds the phrases where the rare form
was found to be real text; ``examples`` hold the first contexts before and after the change (so
``cleaner rules test`` runs them) and each ``unless`` phrase left alone.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from cleaner.suggest import Proposal, SuggestReport

MAX_EXAMPLES = 2


def _quote(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def evidence(proposal: Proposal) -> str:
    c = proposal.candidate
    return (
        f"confidence {proposal.confidence:.2f}; {c.rare} {c.rare_count}× against {c.frequent} {c.frequent_count}×; "
        f"{c.rare_char} looks like {c.frequent_char} ({c.similarity:.2f})"
    )


def examples(proposal: Proposal, others: Sequence[str]) -> list[tuple[str, str]]:
    """Contexts before and after the change, leaving out those holding an ``unless`` phrase or
    another proposal's find (the whole file must leave each expected text alone)."""
    chosen: list[tuple[str, str]] = []
    for context in proposal.contexts:
        text = context.text
        if any(phrase in text for phrase in proposal.unless):
            continue
        fixed = text.replace(proposal.find, proposal.replace)
        if any(find in fixed for find in others) or (text, fixed) in chosen:
            continue
        chosen.append((text, fixed))
        if len(chosen) >= MAX_EXAMPLES:
            break
    chosen.extend((phrase, phrase) for phrase in proposal.unless[:MAX_EXAMPLES])
    return chosen


def render_rules(report: SuggestReport, source: str) -> str:
    """The proposals of ``report`` (on the corpus ``source``) as a rule file."""
    lines = [
        f"# Suggested by `cleaner suggest {source}`: {len(report.proposals)} proposals from {report.files} files,",
        "# best first. Review each before use: delete the rules that are wrong, then",
        "# `cleaner rules check` and `clean --rules` this file.",
        f"name: OCR confusions suggested for {source}",
        "description: >",
        "  Rare strings that differ from a frequent one by one look-alike character",
        "  (cleaner suggest); each note gives the counts, the similarity and where it was seen.",
        "rules:",
    ]
    if not report.proposals:
        lines[-1] = "rules: []"
    finds = [p.find for p in report.proposals]
    for rank, proposal in enumerate(report.proposals, 1):
        seen = "; ".join(f"{c.file}:{c.line} {c.text}" for c in proposal.contexts)
        lines.append(f"  # {rank}. {evidence(proposal)}")
        lines.append(f"  - id: {_quote('ocr-' + proposal.find)}")
        lines.append(f"    find: {_quote(proposal.find)}")
        lines.append(f"    replace: {_quote(proposal.replace)}")
        if proposal.unless:
            lines.append(f"    unless: [{', '.join(_quote(p) for p in proposal.unless)}]")
        lines.append(f"    note: {_quote(evidence(proposal) + '; seen ' + str(proposal.occurrences) + '×: ' + seen)}")
        pairs = examples(proposal, [f for f in finds if f != proposal.find])
        if pairs:
            lines.append("    examples:")
            lines.extend(f"      - [{_quote(a)}, {_quote(b)}]" for a, b in pairs)
    return "\n".join(lines) + "\n"
