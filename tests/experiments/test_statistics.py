"""The experiment statistics against answers known in advance: exact p-values, A/A error rate, coverage, power."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest

from ai.experiments import (
    Assignment,
    Groups,
    Metric,
    MetricPanel,
    Winner,
    analyse,
    assign_groups,
    group_daily_means,
)
from tests.experiments.synthetic import DAYS_BEFORE, START, fleet_panel

RUNS = 200


def _binomial_band(rate: float, runs: int) -> tuple[float, float]:
    """Three standard errors either side: a correct procedure falls outside about 3 times in 1,000."""
    spread = 3 * math.sqrt(rate * (1 - rate) / runs)
    return rate - spread, rate + spread


def _two_period_panel(changes: dict[int, float], metric: Metric = Metric.REVENUE) -> MetricPanel:
    """Every device sells 100 a day before START and 100·exp(change) after: r is exactly ``change``."""
    dates = tuple(START - timedelta(days=DAYS_BEFORE) + timedelta(days=i) for i in range(2 * DAYS_BEFORE))
    after = np.arange(len(dates)) >= DAYS_BEFORE
    values = {d: np.where(after, 100 * math.exp(c), 100.0) for d, c in changes.items()}
    return MetricPanel(metric, dates, values)


def test_a_clear_difference_gets_the_exact_permutation_p_value_and_the_treatment_wins() -> None:
    changes = {1: 0.20, 2: 0.21, 3: 0.22, 4: 0.23, 5: 0.0, 6: 0.01, 7: -0.01, 8: 0.02}
    groups = Groups((5, 6, 7, 8), (1, 2, 3, 4), Assignment.RANDOMISED)
    result = analyse(_two_period_panel(changes), groups, START)
    # 70 ways to pick 4 of 8; only the observed split and its mirror image are as extreme (two-sided)
    assert result.exact and result.permutations == 70
    assert result.p_value == pytest.approx(2 / 70)
    assert result.effect == pytest.approx(math.expm1(0.215 - 0.005))
    assert result.winner is Winner.TREATMENT
    assert result.ci_low is not None and result.ci_high is not None
    assert result.ci_low < result.effect < result.ci_high


def test_more_stock_outs_in_the_treatment_make_the_control_the_winner() -> None:
    changes = {1: 0.5, 2: 0.6, 3: 0.55, 4: 0.65, 5: 0.0, 6: 0.01, 7: -0.01, 8: 0.02}
    panel = _two_period_panel(changes, Metric.STOCKOUTS)
    result = analyse(panel, Groups((5, 6, 7, 8), (1, 2, 3, 4), Assignment.RANDOMISED), START)
    assert result.effect > 0
    assert result.winner is Winner.CONTROL


def test_one_device_per_group_cannot_decide_and_says_the_interval_is_unbounded() -> None:
    result = analyse(_two_period_panel({1: 0.3, 2: 0.0}), Groups((2,), (1,), Assignment.CHOSEN), START)
    assert result.winner is Winner.INCONCLUSIVE
    assert result.ci_low is None and result.ci_high is None


def test_a_stratified_split_halves_every_location_type_and_is_repeatable() -> None:
    types = {d: ("office", "school", "gym")[d % 3] for d in range(1, 19)}
    groups = assign_groups(types, Assignment.STRATIFIED, seed=4)
    for kind in ("office", "school", "gym"):
        treated = [d for d in groups.treatment if types[d] == kind]
        assert len(treated) == 3
    assert assign_groups(types, Assignment.STRATIFIED, seed=4) == groups
    assert assign_groups(types, Assignment.STRATIFIED, seed=5).treatment != groups.treatment


def test_a_chosen_split_keeps_the_managers_choice_and_refuses_unknown_devices() -> None:
    types = {1: "office", 2: "office", 3: "gym"}
    assert assign_groups(types, Assignment.CHOSEN, chosen_treatment=[3]).treatment == (3,)
    with pytest.raises(ValueError, match="not among"):
        assign_groups(types, Assignment.CHOSEN, chosen_treatment=[9])


def test_aa_tests_are_inconclusive_at_the_stated_error_rate() -> None:
    types = {d: ("office", "school", "gym")[d % 3] for d in range(1, 25)}
    false_alarms = 0
    for seed in range(RUNS):
        split = Assignment.STRATIFIED if seed % 2 else Assignment.RANDOMISED
        groups = assign_groups(types, split, seed=seed)
        result = analyse(fleet_panel(np.random.default_rng(seed)), groups, START, seed=seed)
        false_alarms += result.winner is not Winner.INCONCLUSIVE
    low, high = _binomial_band(0.05, RUNS)
    assert max(low, 0.0) <= false_alarms / RUNS <= high, f"{false_alarms} of {RUNS} A/A tests found an effect"


def test_a_planted_ten_percent_effect_is_covered_by_the_interval_at_its_stated_rate() -> None:
    types = {d: "office" for d in range(1, 25)}
    covered = right_sign = 0
    for seed in range(RUNS):
        groups = assign_groups(types, Assignment.RANDOMISED, seed=seed)
        panel = fleet_panel(np.random.default_rng(1_000 + seed), effect=0.10, treated=groups.treatment)
        result = analyse(panel, groups, START, seed=seed)
        assert result.ci_low is not None and result.ci_high is not None
        covered += result.ci_low <= 0.10 <= result.ci_high
        right_sign += result.effect > 0
    low, high = _binomial_band(0.95, RUNS)
    assert low <= covered / RUNS <= min(high, 1.0)
    assert right_sign / RUNS > 0.95


def test_the_power_estimate_predicts_how_often_a_five_percent_effect_is_found() -> None:
    """A week's pilot says how many days 5 % needs; experiments run that long find it in about 80 % of runs.

    No drift here, so the days needed are the day noise's alone; the estimate is deliberately a little
    conservative (it cannot tell drift from noise in a week), hence a band leaning above 80 %.
    """
    types = {d: "office" for d in range(1, 41)}
    quiet = {"devices": 40, "drift": 0.0, "day_shape": 200.0}
    pilot = analyse(fleet_panel(np.random.default_rng(0), days_after=7, **quiet),
                    assign_groups(types, Assignment.RANDOMISED), START)  # fmt: skip
    assert pilot.power is not None and pilot.power.days_needed is not None
    days = pilot.power.days_needed
    assert pilot.power.more_days == days - 7 > 0
    assert pilot.power.message() == f"Need {days - 7} more days to detect 5%"
    found = 0
    for seed in range(RUNS):
        groups = assign_groups(types, Assignment.RANDOMISED, seed=seed)
        rng = np.random.default_rng(5_000 + seed)
        panel = fleet_panel(rng, days_after=days, effect=0.05, treated=groups.treatment, **quiet)  # type: ignore[arg-type]
        found += analyse(panel, groups, START, seed=seed).winner is Winner.TREATMENT
    assert 0.70 <= found / RUNS <= 0.95, f"found in {found} of {RUNS} runs after {days} days"


def test_the_daily_chart_shows_each_groups_mean_per_device() -> None:
    panel = _two_period_panel({1: 0.0, 2: 0.0, 3: math.log(2)})
    daily = group_daily_means(panel, Groups((1, 2), (3,), Assignment.CHOSEN))
    assert daily["control"][0] == 100.0 and daily["treatment"][-1] == 200.0
    assert len(daily["dates"]) == len(panel.dates)
