"""A/B experiments across machines: who gets the treatment, what each group did, and whether it worked.

The test: difference-in-differences on per-device daily means, judged by a permutation test.
Each device gives one number, the change of its mean daily metric from the weeks before the start to the days
since: ``r = log(mean after / mean before)`` for revenue and units (a multiplicative effect, whatever the
machine's size), ``mean after − mean before`` for stock-outs (often zero). The effect is ``mean r`` of the
treatment group minus ``mean r`` of the control group: the device's own past removes its size and location,
the control group removes the season, weather and holidays both groups lived through.

Why a permutation test on the devices: the devices were randomised, not the days. Days of one machine are
correlated (a busy week is busy in every slot), so a test over device-days would be far too sure of itself;
re-drawing the group labels the way they were drawn (within location types when stratified) gives the
effect's distribution under "no effect" exactly, with no normality assumption, which matters with 10–40
machines where a cluster bootstrap's interval would be too narrow. The 95 % confidence interval inverts the
same test (every effect the test would not reject at 5 %), so the interval and the winner never disagree.

Power ("need N more days to detect 5 %") comes from the variance of ``r``: a part that shrinks with more days
(day-to-day noise of each machine) and a part that does not (machines drifting apart); both are estimated
from the experiment's own data.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

import numpy as np

ALPHA = 0.05
POWER = 0.80
TARGET_EFFECT = 0.05
DAYS_BEFORE = 28
MAX_PERMUTATIONS = 4000
_Z_ALPHA, _Z_POWER = 1.959964, 0.841621  # normal quantiles of 1 − α/2 and of the power


class Assignment(StrEnum):
    """How devices were split into control and treatment."""

    RANDOMISED = "randomised"
    STRATIFIED = "stratified"  # randomised within each location type
    CHOSEN = "chosen"  # by the manager; the test then assumes the choice was as good as random


class Metric(StrEnum):
    REVENUE = "revenue_per_day"
    UNITS = "units_per_day"
    STOCKOUTS = "stockouts_per_day"

    @property
    def relative(self) -> bool:
        """Effects on revenue and units are relative (log scale); stock-outs are counted (often zero)."""
        return self is not Metric.STOCKOUTS

    @property
    def higher_is_better(self) -> bool:
        return self is not Metric.STOCKOUTS


class Winner(StrEnum):
    CONTROL = "control"
    TREATMENT = "treatment"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class Groups:
    """The split; ``strata`` (device → location type) is kept so the test re-draws labels the same way."""

    control: tuple[int, ...]
    treatment: tuple[int, ...]
    assignment: Assignment
    strata: Mapping[int, str] = field(default_factory=dict)
    seed: int | None = None

    @property
    def devices(self) -> tuple[int, ...]:
        return (*self.control, *self.treatment)


def assign_groups(
    location_types: Mapping[int, str],
    assignment: Assignment,
    *,
    seed: int = 0,
    treatment_share: float = 0.5,
    chosen_treatment: Sequence[int] = (),
) -> Groups:
    """Split the devices (device id → location type) into control and treatment; same seed → same split."""
    devices = sorted(location_types)
    if len(devices) < 2:
        raise ValueError("an experiment needs at least two devices, one in each group; pick more devices")
    if assignment is Assignment.CHOSEN:
        treated = set(chosen_treatment)
        unknown = treated - set(devices)
        if unknown:
            raise ValueError(f"treatment devices {sorted(unknown)} are not among the experiment's devices; add them")
        treatment = [d for d in devices if d in treated]
    else:
        if not 0 < treatment_share < 1:
            raise ValueError(f"the treatment share must be between 0 and 1, not {treatment_share}")
        rng = np.random.default_rng(seed)
        if assignment is Assignment.STRATIFIED:
            treatment, extra = [], False
            for stratum in sorted(set(location_types.values())):
                members = [d for d in devices if location_types[d] == stratum]
                exact = len(members) * treatment_share
                count = math.floor(exact) + (exact % 1 > 0 and extra)  # odd strata alternate the spare device
                extra = extra ^ (exact % 1 > 0)
                treatment += [members[i] for i in rng.permutation(len(members))[:count]]
        else:
            count = round(len(devices) * treatment_share)
            treatment = [devices[i] for i in rng.permutation(len(devices))[:count]]
    control = [d for d in devices if d not in set(treatment)]
    if not control or not treatment:
        raise ValueError("both groups need at least one device; choose a different split or more devices")
    strata = dict(location_types) if assignment is Assignment.STRATIFIED else {}
    return Groups(tuple(control), tuple(sorted(treatment)), assignment, strata, seed)


# --- the data ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricPanel:
    """One metric for every device and every day (a dense calendar: a day without sales is a zero, not a gap)."""

    metric: Metric
    dates: tuple[date, ...]
    values: Mapping[int, np.ndarray]  # device id → one value per date

    def window(self, first: date, last: date) -> np.ndarray:
        """Boolean mask of the dates from ``first`` to ``last`` inclusive."""
        days = np.array(self.dates, dtype="datetime64[D]")
        return (days >= np.datetime64(first)) & (days <= np.datetime64(last))


def group_daily_means(panel: MetricPanel, groups: Groups) -> dict[str, list[float]]:
    """Per-device mean of each group, day by day: the chart while an experiment runs."""
    out: dict[str, list[float]] = {"dates": [d.isoformat() for d in panel.dates]}  # type: ignore[dict-item]
    for name, members in (("control", groups.control), ("treatment", groups.treatment)):
        stacked = np.array([panel.values[d] for d in members if d in panel.values])
        out[name] = [round(float(v), 2) for v in stacked.mean(axis=0)] if len(stacked) else []
    return out


# --- the test ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Power:
    """Whether the experiment can see a ``target``-sized change, and how long it must run to."""

    target: float
    detectable_now: float | None  # smallest relative change seen with 80 % power on today's data
    days_needed: int | None  # days after the start in total; None when more days alone cannot do it
    more_days: int | None
    devices_needed: int | None  # when days alone cannot do it

    def message(self) -> str:
        goal = f"{self.target:.0%}"
        if self.more_days == 0:
            return f"Enough data to detect a {goal} change with {POWER:.0%} power"
        if self.more_days is not None:
            return f"Need {self.more_days} more day{'s' if self.more_days != 1 else ''} to detect {goal}"
        if self.devices_needed is not None:
            return f"More days alone will not detect {goal}: about {self.devices_needed} devices are needed"
        return f"Too little data to estimate how long detecting {goal} takes"

    def to_json(self) -> dict[str, object]:
        return {
            "target_effect": self.target,
            "power": POWER,
            "detectable_effect_now": _round(self.detectable_now, 4),
            "days_needed": self.days_needed,
            "more_days": self.more_days,
            "devices_needed": self.devices_needed,
            "message": self.message(),
        }


@dataclass(frozen=True)
class GroupSummary:
    devices: int
    mean_before: float  # per device and day
    mean_after: float


@dataclass(frozen=True)
class MetricResult:
    """The effect of the treatment on one metric, with its interval and the verdict it supports."""

    metric: Metric
    effect: float  # relative change (revenue, units) or difference per device and day (stock-outs)
    ci_low: float | None  # None: unbounded (too few devices for the test to rule anything out)
    ci_high: float | None
    p_value: float
    permutations: int
    exact: bool
    days_before: int
    days_after: int
    control: GroupSummary
    treatment: GroupSummary
    excluded: tuple[int, ...]  # devices without sales before the start (no baseline)
    power: Power | None
    assignment: Assignment

    @property
    def winner(self) -> Winner:
        if self.p_value >= ALPHA:
            return Winner.INCONCLUSIVE
        better = (self.effect > 0) == self.metric.higher_is_better
        return Winner.TREATMENT if better else Winner.CONTROL

    def test_description(self) -> str:
        scale = "log of after/before means" if self.metric.relative else "after − before means"
        how = "all" if self.exact else f"{self.permutations} random"
        within = " within location types" if self.assignment is Assignment.STRATIFIED else ""
        return (
            f"difference-in-differences of per-device daily means ({scale}); two-sided permutation test over "
            f"{how} re-draws of the group labels{within}; {1 - ALPHA:.0%} interval by inverting the test"
        )

    def to_json(self) -> dict[str, object]:
        return {
            "metric": self.metric.value,
            "scale": "relative" if self.metric.relative else "per_device_day",
            "effect": round(self.effect, 4),
            "ci_low": _round(self.ci_low, 4),
            "ci_high": _round(self.ci_high, 4),
            "confidence_level": 1 - ALPHA,
            "p_value": round(self.p_value, 4),
            "winner": self.winner.value,
            "test": self.test_description(),
            "days_before": self.days_before,
            "days_after": self.days_after,
            "control": self.control.__dict__,
            "treatment": self.treatment.__dict__,
            "excluded_devices": list(self.excluded),
            "power": self.power.to_json() if self.power else None,
        }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def analyse(
    panel: MetricPanel,
    groups: Groups,
    start: date,
    *,
    end: date | None = None,
    days_before: int = DAYS_BEFORE,
    target_effect: float = TARGET_EFFECT,
    seed: int = 0,
) -> MetricResult:
    """The treatment's effect on ``panel``'s metric from ``start`` to ``end`` (default: the last date)."""
    end = end or panel.dates[-1]
    if end < start:
        raise ValueError(f"the experiment ends ({end}) before it starts ({start}); check the dates")
    before = panel.window(date.fromordinal(start.toordinal() - days_before), date.fromordinal(start.toordinal() - 1))
    after = panel.window(start, end)
    if not before.any():
        raise ValueError(f"no sales history in the {days_before} days before {start}; start the experiment later")
    if not after.any():
        raise ValueError(f"no sales since the start ({start}) yet; check the status again after a sync")
    relative = panel.metric.relative
    rows, treated, series, excluded = [], [], [], []
    for device in groups.devices:
        values = panel.values.get(device)
        if values is None or (relative and (values[before].mean() <= 0 or values[after].mean() <= 0)):
            excluded.append(device)  # no baseline (or nothing sold since): nothing to compare with
            continue
        rows.append(device)
        treated.append(device in groups.treatment)
        series.append(values)
    mask = np.array(treated, dtype=bool)
    if mask.sum() == 0 or (~mask).sum() == 0:
        raise ValueError(
            f"one group has no device with sales both in the {days_before} days before {start} and since; "
            "start the experiment later (or pick devices that were selling)"
        )
    grid = np.array(series)
    pre_mean, post_mean = grid[:, before].mean(axis=1), grid[:, after].mean(axis=1)
    r = np.log(post_mean / pre_mean) if relative else post_mean - pre_mean
    labels, exact = _label_draws(mask, [groups.strata.get(d, "") for d in rows], seed)
    observed = _difference(r, mask[None, :])[0]
    draws = _difference(r, labels)
    shifts = _difference(mask.astype(float), labels)
    p_value = _p_value(observed, draws, shifts, 0.0)
    low, high = _interval(observed, draws, shifts)
    to_effect = math.expm1 if relative else (lambda x: x)
    n_before, n_after = int(before.sum()), int(after.sum())
    power = None
    if relative:
        noise = _day_noise(grid[:, before]) + _day_noise(grid[:, after])
        power = _power(r, mask, noise / 2, n_before, n_after, target_effect)
    return MetricResult(
        metric=panel.metric,
        effect=to_effect(observed),
        ci_low=None if low is None else to_effect(low),
        ci_high=None if high is None else to_effect(high),
        p_value=p_value,
        permutations=len(labels),
        exact=exact,
        days_before=n_before,
        days_after=n_after,
        control=_summary(pre_mean[~mask], post_mean[~mask]),
        treatment=_summary(pre_mean[mask], post_mean[mask]),
        excluded=tuple(excluded),
        power=power,
        assignment=groups.assignment,
    )


def _summary(pre: np.ndarray, post: np.ndarray) -> GroupSummary:
    return GroupSummary(len(pre), round(float(pre.mean()), 3), round(float(post.mean()), 3))


def _difference(values: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Mean of the labelled-treated minus mean of the rest, for each row of labels."""
    treated = labels.sum(axis=1)
    total = values.sum()
    in_treatment = labels @ values
    return in_treatment / treated - (total - in_treatment) / (labels.shape[1] - treated)


def _label_draws(mask: np.ndarray, strata: list[str], seed: int) -> tuple[np.ndarray, bool]:
    """Every re-draw of the labels (within strata) when there are few, else a seeded sample of them."""
    names = sorted(set(strata))
    members = [np.flatnonzero(np.array(strata) == name) for name in names]
    counts = [int(mask[m].sum()) for m in members]
    total = math.prod(math.comb(len(m), c) for m, c in zip(members, counts, strict=True))
    if total <= MAX_PERMUTATIONS:
        per_stratum = [list(itertools.combinations(m, c)) for m, c in zip(members, counts, strict=True)]
        labels = np.zeros((total, len(mask)), dtype=bool)
        for row, choice in enumerate(itertools.product(*per_stratum)):
            for chosen in choice:
                labels[row, list(chosen)] = True
        return labels, True
    rng = np.random.default_rng(seed)
    labels = np.zeros((MAX_PERMUTATIONS, len(mask)), dtype=bool)
    for m, c in zip(members, counts, strict=True):
        picked = rng.random((MAX_PERMUTATIONS, len(m))).argsort(axis=1)[:, :c]
        np.put_along_axis(labels, m[picked], True, axis=1)
    labels[0] = mask  # the observed split counts among the draws: p is then never 0
    return labels, False


def _p_value(observed: float, draws: np.ndarray, shifts: np.ndarray, effect: float) -> float:
    """Two-sided p of "the effect is ``effect``": the treated devices' r minus ``effect`` is exchangeable."""
    statistic = abs(observed - effect)
    return float(np.mean(np.abs(draws - effect * shifts) >= statistic - 1e-12))


def _interval(observed: float, draws: np.ndarray, shifts: np.ndarray) -> tuple[float | None, float | None]:
    """The effects the test does not reject at ALPHA, searched outward from the observed one."""
    spread = float(np.ptp(draws)) or 1.0
    bounds: list[float | None] = []
    for direction in (-1.0, 1.0):
        inside, step = 0.0, spread
        outside = None
        for _ in range(12):
            if _p_value(observed, draws, shifts, observed + direction * step) < ALPHA:
                outside = step
                break
            inside, step = step, step * 2
        if outside is None:
            bounds.append(None)
            continue
        for _ in range(40):
            middle = (inside + outside) / 2
            if _p_value(observed, draws, shifts, observed + direction * middle) < ALPHA:
                outside = middle
            else:
                inside = middle
        bounds.append(observed + direction * inside)
    return bounds[0], bounds[1]


def _day_noise(grid: np.ndarray) -> float:
    """Relative day-to-day variance of a device's metric once the days all devices share are taken out.

    Each value is divided by its device's mean and by the fleet's common profile that day (season, weekday,
    weather: they cancel in the difference-in-differences, so they are not noise of the test).
    """
    if grid.shape[1] < 2:
        return 0.0
    relative = grid / grid.mean(axis=1, keepdims=True)
    common = relative.mean(axis=0, keepdims=True)
    residual = relative / np.where(common > 0, common, 1.0)
    return float(residual.var(axis=1, ddof=1).mean())


def _power(r: np.ndarray, mask: np.ndarray, day_noise: float, n_before: int, n_after: int, target: float) -> Power:
    """Days (after the start) for an 80 %-power test at 5 % of a ``target`` relative change.

    var(r) = drift + day noise × (1/days before + 1/days after) by the delta method for the log of a mean; the
    day noise is measured (:func:`_day_noise`), drift is what is left of the groups' pooled variance of r.
    Weekly patterns and autocorrelation make this approximate: read it as a guide, not a promise.
    """
    n_t, n_c = int(mask.sum()), int((~mask).sum())
    if n_t < 2 or n_c < 2:
        return Power(target, None, None, None, None)
    pooled = ((n_t - 1) * r[mask].var(ddof=1) + (n_c - 1) * r[~mask].var(ddof=1)) / (n_t + n_c - 2)
    drift = max(0.0, pooled - day_noise * (1 / n_before + 1 / n_after))
    groups = 1 / n_t + 1 / n_c
    goal = math.log1p(target)
    z = _Z_ALPHA + _Z_POWER
    detectable = math.expm1(z * math.sqrt((drift + day_noise * (1 / n_before + 1 / n_after)) * groups))
    room = (goal / z) ** 2 / groups - drift - day_noise / n_before
    if room <= 0 or day_noise == 0:
        per_device = drift + day_noise / n_before
        devices = math.ceil(4 * per_device * (z / goal) ** 2) + 1 if per_device > 0 else None
        return Power(target, detectable, None, None, devices)
    days = max(1, math.ceil(day_noise / room))
    return Power(target, detectable, days, max(0, days - n_after), None)
