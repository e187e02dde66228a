"""Other projects' test cases (pangu, autocorrect, zhlint, ftfy), run through the cleaner.

The cases are data under ``tests/data/peers/`` (provenance and licences in its README), run as
``bench/peers.py`` says (``python -m bench.peers`` prints the pass rates per peer). A case the
cleaner deliberately or knowingly does not pass is listed with its kind (convention, out_of_scope,
gap) and reason in ``tests/data/peers/known_failures.json`` and runs as a strict xfail, so a change
that starts passing it is noticed and the list is kept true.
"""

from __future__ import annotations

import pytest

from bench import peers

KNOWN = peers.known_failures()
CASES = peers.load()


def _param(case: peers.Case) -> object:
    known = KNOWN.get(case.peer, {}).get(case.id)
    marks = [pytest.mark.xfail(strict=True, reason=f"{known.kind}: {known.reason}")] if known else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_peer_case(case: peers.Case) -> None:
    assert peers.run(case) == peers.expected(case), case.source


def test_every_known_failure_names_a_case() -> None:
    ids = {(case.peer, case.id) for case in CASES}
    for peer, listed in KNOWN.items():
        for case_id, known in listed.items():
            assert (peer, case_id) in ids, case_id
            assert known.kind in peers.KINDS, case_id
            assert known.reason.strip(), case_id


def test_the_matching_rate_leaves_out_only_failing_conventions() -> None:
    """A deliberate difference is left out of the rate where conventions match; a gap, or a listed
    case that passes, is counted."""
    rates = peers.Rates()
    rates.add(True, None)
    rates.add(False, peers.Known("gap", "wrong"))
    rates.add(False, peers.Known("convention", "different"))
    rates.add(False, peers.Known("out_of_scope", "Korean"))
    rates.add(True, peers.Known("convention", "stale entry"))
    assert (rates.cases, rates.passed, rates.listed) == (5, 2, 3)
    assert (rates.matching, rates.matching_passed) == (3, 2)
