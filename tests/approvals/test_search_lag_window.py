"""The wait after an ambiguous create follows the search's measured lag (approvals.flow.search_lag.window_for)."""

from __future__ import annotations

import pytest

from approvals.flow.search_lag import MIN_SAMPLES, window_for


def test_too_few_samples_mean_the_configured_window() -> None:
    assert window_for([], waiting=None, configured=120.0) == 120.0
    assert window_for([0.5] * (MIN_SAMPLES - 1), waiting=None, configured=120.0) == 120.0


def test_a_search_that_lags_a_second_or_two_makes_a_wait_of_seconds_not_minutes() -> None:
    # Three times the worst lag, and at least that lag plus a margin of 10 s.
    assert window_for([0.8, 1.2, 2.0], waiting=None, configured=120.0) == pytest.approx(12.0)
    assert window_for([6.0, 2.0, 1.0], waiting=None, configured=120.0) == pytest.approx(18.0)


def test_the_wait_never_exceeds_the_configured_window() -> None:
    assert window_for([30.0, 50.0, 45.0], waiting=None, configured=120.0) == 120.0


def test_a_probe_still_waiting_lengthens_the_wait_at_once() -> None:
    quick = window_for([1.0, 1.0, 1.0], waiting=0.5, configured=120.0)
    assert quick == pytest.approx(11.0)
    # The search stalled: the probe in flight has waited 20 s so far, so the search lags at least that now.
    assert window_for([1.0, 1.0, 1.0], waiting=20.0, configured=120.0) == pytest.approx(60.0)
    assert window_for([1.0, 1.0, 1.0], waiting=90.0, configured=120.0) == 120.0


def test_a_short_configured_window_keeps_a_margin_of_a_quarter_of_it() -> None:
    assert window_for([0.2, 0.3, 0.1], waiting=None, configured=8.0) == pytest.approx(2.3)


def test_samples_that_are_not_lags_are_ignored() -> None:
    assert window_for([-1.0, -1.0, 1.0, 1.0], waiting=None, configured=120.0) == 120.0
