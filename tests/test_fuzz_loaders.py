"""The loaders of untrusted input (decoder, rule loader, config loader) and the pipeline, fed
generated input by ``scripts/fuzz_loaders.py``: each succeeds or refuses with the project's own
error, never another exception or a hang. A few examples here; the script runs as many as it is given."""

from __future__ import annotations

import time

import pytest

from .conftest import ROOT, load_script

FUZZ = load_script(ROOT / "scripts" / "fuzz_loaders.py")


@pytest.mark.parametrize("target", sorted(FUZZ.TARGETS))
def test_generated_input_is_cleaned_or_refused_cleanly(target: str) -> None:
    done, failures, _ = FUZZ.fuzz(target, 100, time.monotonic() + 600)
    assert done == 100
    assert failures == []


def test_the_fuzzer_reports_an_exception_other_than_a_refusal() -> None:
    from hypothesis import strategies as st

    def fragile(text: str) -> None:
        if text:
            raise ValueError("not a refusal")

    FUZZ.TARGETS["fragile"] = (fragile, (st.text(min_size=1),))
    try:
        _, failures, _ = FUZZ.fuzz("fragile", 20, time.monotonic() + 600)
    finally:
        del FUZZ.TARGETS["fragile"]
    assert failures and failures[0].startswith("ValueError: not a refusal")
