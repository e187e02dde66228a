"""Other projects' test cases (pangu, autocorrect, zhlint, ftfy), run through the cleaner.

The cases are data under ``tests/data/peers/`` (provenance and licences in its README), run as
``bench/peers.py`` says (``python -m bench.peers`` prints the pass rate per peer). A case the
cleaner deliberately or knowingly does not pass is listed with the reason in
``tests/data/peers/known_failures.json`` and runs as a strict xfail, so a change that starts passing
it is noticed and the list is kept true.
"""

from __future__ import annotations

import pytest

from bench import peers

KNOWN = peers.known_failures()
CASES = peers.load()


def _param(case: peers.Case) -> object:
    reason = KNOWN.get(case.peer, {}).get(case.id)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_peer_case(case: peers.Case) -> None:
    assert peers.run(case) == peers.expected(case), case.source


def test_every_known_failure_names_a_case() -> None:
    ids = {(case.peer, case.id) for case in CASES}
    for peer, listed in KNOWN.items():
        for case_id, reason in listed.items():
            assert (peer, case_id) in ids, case_id
            assert reason.strip(), case_id
