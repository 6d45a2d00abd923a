"""Kaplan-Meier and log-rank against R's survival package, and at scale.

Reference: R 4.2.2, survival 3.5.3 (Debian r-base-core, r-cran-survival),
analyses/tests/data/r_survival/lung_reference.R and its output
lung_reference.out / lung_km_by_sex.csv:
``survfit(Surv(time, status) ~ sex, data = lung)`` (conf.type "log"),
``quantile(fit, 0.5)``, ``survdiff(Surv(time, status) ~ sex, data = lung)``.
lifelines ships the same NCCTG lung table with status recoded 1/2 -> 0/1.
"""

import csv
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from lifelines.datasets import load_lung

from analyses.methods.base import MethodError
from analyses.methods.kaplan_meier import KaplanMeier, survival_quantile

R_SURVIVAL = Path(__file__).parent / "data" / "r_survival"
LUNG_COLUMNS = {"time": {"type": "integer"}, "status": {"type": "integer"}, "sex": {"type": "integer"}}


@pytest.fixture(scope="module")
def lung():
    return pa.Table.from_pandas(load_lung()[["time", "status", "sex", "ph.ecog"]], preserve_index=False)


@pytest.fixture(scope="module")
def by_sex(lung):
    return KaplanMeier().run(lung, {"time": "time", "event": "status", "group_by": "sex"}, LUNG_COLUMNS)


def test_median_survival_by_sex_matches_r(by_sex):
    # R: sex=1 median 270 (0.95LCL 212, UCL 310); sex=2 median 426 (348, 550)
    assert by_sex.tables["medians"] == [
        {"group": 1, "median": 270.0, "ci_low": 212.0, "ci_high": 310.0},
        {"group": 2, "median": 426.0, "ci_low": 348.0, "ci_high": 550.0},
    ]


def test_logrank_by_sex_matches_r(by_sex):
    # R: survdiff chisq = 10.3267419548856 on 1 df, p = 0.00131116452035549;
    # expected 91.5817390295728, 73.4182609704272
    assert by_sex.summary["logrank_statistic"] == pytest.approx(10.3267419548856, rel=1e-10)
    assert by_sex.summary["df"] == 1
    assert by_sex.summary["p_value"] == pytest.approx(0.00131116452035549, rel=1e-9)
    expected = [row["expected"] for row in by_sex.tables["logrank"]]
    assert expected == pytest.approx([91.5817390295728, 73.4182609704272], rel=1e-12)
    assert [row["events"] for row in by_sex.tables["logrank"]] == [112, 53]


def test_survival_table_matches_r_row_for_row(by_sex):
    with open(R_SURVIVAL / "lung_km_by_sex.csv", newline="") as handle:
        reference = list(csv.DictReader(handle))
    rows = by_sex.tables["survival"]
    assert len(rows) == len(reference) == 206
    for ours, r in zip(rows, reference, strict=True):
        assert ours["group"] == int(r["strata"].split("=")[1])
        assert ours["time"] == float(r["time"])
        assert (ours["n_at_risk"], ours["n_event"], ours["n_censored"]) == (
            int(r["n.risk"]),
            int(r["n.event"]),
            int(r["n.censor"]),
        )
        for field, name in (("survival", "surv"), ("ci_low", "lower"), ("ci_high", "upper")):
            assert ours[field] == pytest.approx(float(r[name]), rel=1e-12)


def test_four_groups_with_a_missing_value_match_r(lung):
    # R: survdiff(Surv(time, status) ~ ph.ecog, lung): chisq 21.962131682476 on 3 df, 1 row dropped (NA)
    columns = LUNG_COLUMNS | {"ph.ecog": {"type": "integer"}}
    result = KaplanMeier().run(lung, {"time": "time", "event": "status", "group_by": "ph.ecog"}, columns)
    assert result.summary["logrank_statistic"] == pytest.approx(21.962131682476, rel=1e-11)
    assert result.summary["df"] == 3 and result.summary["n"] == 227
    assert result.summary["p_value"] == pytest.approx(6.64253535580017e-05, rel=1e-9)
    assert "1 row(s)" in result.notes[0]


def test_ungrouped_median_matches_r(lung):
    result = KaplanMeier().run(lung, {"time": "time", "event": "status"}, LUNG_COLUMNS)
    # R: quantile(survfit(Surv(time, status) ~ 1, lung), 0.5): 310 (285, 363)
    assert result.tables["medians"] == [{"group": "all", "median": 310.0, "ci_low": 285.0, "ci_high": 363.0}]
    assert "logrank_statistic" not in result.summary
    json.dumps(result.as_results(), allow_nan=False)


def test_median_on_a_flat_half_is_the_midpoint_as_r():
    # S = 0.5 exactly from t=2 until the next event at t=6: R's quantile.survfit gives (2 + 6) / 2 = 4.
    times = np.array([1.0, 2.0, 6.0, 8.0])
    survival = np.array([0.75, 0.5, 0.25, 0.0])
    assert survival_quantile(times, survival) == 4.0
    # ...and when the curve ends at exactly 0.5, the midpoint of that time and the last time.
    assert survival_quantile(np.array([1.0, 2.0, 9.0]), np.array([0.75, 0.5, 0.5])) == 5.5
    assert survival_quantile(np.array([1.0, 2.0]), np.array([0.9, 0.8])) is None


def _independent_km(times, events, groups):
    """A straightforward loop over the distinct times of each group (float64), sharing no code."""
    out = {}
    for g in np.unique(groups):
        t, e = times[groups == g], events[groups == g]
        s, var, rows = 1.0, 0.0, {}
        for value in np.unique(t):
            at_risk = np.count_nonzero(t >= value)
            died = np.count_nonzero((t == value) & e)
            if died:
                s *= 1 - died / at_risk
                var += died / (at_risk * (at_risk - died)) if at_risk > died else np.inf
            rows[value] = (at_risk, died, s, var)
        out[g] = rows
    return out


def _independent_logrank(times, events, groups):
    labels = np.unique(groups)
    observed, expected = np.zeros(len(labels)), np.zeros(len(labels))
    variance = np.zeros((len(labels), len(labels)))
    for value in np.unique(times[events]):
        at_risk = np.array([np.count_nonzero((times >= value) & (groups == g)) for g in labels], dtype=float)
        died = np.array(
            [np.count_nonzero((times == value) & events & (groups == g)) for g in labels], dtype=float
        )
        n, d = at_risk.sum(), died.sum()
        observed += died
        expected += d * at_risk / n
        if n > 1:
            share = at_risk / n
            variance += d * (n - d) / (n - 1) * (np.diag(share) - np.outer(share, share))
    diff = (observed - expected)[:-1]
    return float(diff @ np.linalg.solve(variance[:-1, :-1], diff))


def test_heavily_tied_million_rows_against_independent_computation():
    """1M rows, times rounded to 0.01 (heavy ties): every statistic checked on a sample of times
    against a plain loop, and the log-rank statistic in full."""
    rng = np.random.default_rng(20261125)
    n = 1_000_000
    groups = rng.integers(0, 3, n)
    times = np.round(rng.exponential(np.array([8.0, 10.0, 12.0])[groups]), 2)
    events = rng.random(n) < 0.7
    table = pa.table({"t": times, "e": events, "g": groups})
    columns = {"t": {"type": "numeric"}, "e": {"type": "boolean"}, "g": {"type": "integer"}}
    result = KaplanMeier().run(table, {"time": "t", "event": "e", "group_by": "g"}, columns)

    # The reference loop is O(n) per time: check it on 200 rows (times) chosen at random, per group.
    rows = result.tables["survival"]
    by_group = {}
    for row in rows:
        by_group.setdefault(row["group"], []).append(row)
    for g, group_rows in by_group.items():
        mask = groups == g
        t, e = times[mask], events[mask]
        sample = [group_rows[i] for i in rng.choice(len(group_rows), 200, replace=False)]
        sorted_t = np.sort(t)
        event_t = np.sort(t[e])
        distinct = np.unique(t)
        for row in sample:
            value = row["time"]
            at_risk = len(t) - np.searchsorted(sorted_t, value, "left")
            died = np.searchsorted(event_t, value, "right") - np.searchsorted(event_t, value, "left")
            assert (row["n_at_risk"], row["n_event"]) == (at_risk, died)
            # S(value) by a direct product over the distinct times up to it (float64, independent)
            upto = distinct[distinct <= value]
            risk = len(t) - np.searchsorted(sorted_t, upto, "left")
            deaths = np.searchsorted(event_t, upto, "right") - np.searchsorted(event_t, upto, "left")
            expected = float(np.prod(1.0 - deaths / risk))
            assert row["survival"] == pytest.approx(expected, rel=1e-9)
            greenwood = float(np.sum(deaths / (risk * (risk - deaths))))
            assert row["ci_low"] == pytest.approx(
                expected * np.exp(-1.959963984540054 * np.sqrt(greenwood)), rel=1e-9
            )
        assert sum(r["n_event"] + r["n_censored"] for r in group_rows) == mask.sum()
    assert result.summary["events"] == int(events.sum())

    # Log-rank in full on a 1-in-20 subsample (the loop is quadratic), through the method as well.
    keep = rng.random(n) < 0.05
    sub = pa.table({"t": times[keep], "e": events[keep], "g": groups[keep]})
    ours = KaplanMeier().run(sub, {"time": "t", "event": "e", "group_by": "g"}, columns).summary
    assert ours["logrank_statistic"] == pytest.approx(
        _independent_logrank(times[keep], events[keep], groups[keep]), rel=1e-9
    )


def test_full_scale_logrank_agrees_with_lifelines():
    """The same 1M heavily tied rows: lifelines' multivariate log-rank (an independent implementation)."""
    from lifelines.statistics import multivariate_logrank_test

    rng = np.random.default_rng(7)
    n = 1_000_000
    groups = rng.integers(0, 2, n)
    times = np.round(rng.exponential(np.array([10.0, 10.5])[groups]), 2)
    events = rng.random(n) < 0.6
    table = pa.table({"t": times, "e": events, "g": groups})
    columns = {"t": {"type": "numeric"}, "e": {"type": "boolean"}, "g": {"type": "integer"}}
    ours = KaplanMeier().run(table, {"time": "t", "event": "e", "group_by": "g"}, columns).summary
    theirs = multivariate_logrank_test(times, groups, events)
    assert ours["logrank_statistic"] == pytest.approx(theirs.test_statistic, rel=1e-8)


@pytest.mark.parametrize(
    ("data", "params", "message"),
    [
        ({"t": [1.0, 2.0, 3.0], "e": [0, 0, 0]}, {}, "no events"),
        ({"t": [1.0, 2.0, 3.0], "e": [0, 2, 1]}, {}, "coded 0 .censored. / 1"),
        ({"t": [1.0, -2.0, 3.0], "e": [0, 1, 1]}, {}, "negative"),
        ({"t": [1.0, 2.0, 3.0], "e": [1, 1, 1], "g": ["a", "a", "a"]}, {"group_by": "g"}, "single group"),
    ],
)
def test_bad_input_is_refused_clearly(data, params, message):
    table = pa.table(data)
    columns = {"t": {"type": "numeric"}, "e": {"type": "integer"}, "g": {"type": "categorical"}}
    with pytest.raises(MethodError, match=message):
        KaplanMeier().run(table, {"time": "t", "event": "e", **params}, columns)


def test_chart_is_a_step_curve_with_a_risk_table(by_sex):
    (chart,) = by_sex.charts
    assert chart.kind == "survival"
    curves = chart.spec["groups"]
    assert [curve["group"] for curve in curves] == [1, 2]
    assert curves[0]["time"][0] == 0.0 and curves[0]["survival"][0] == 1.0
    table = chart.spec["risk_table"]
    assert table["times"][0] == 0.0
    assert [row["n_at_risk"][0] for row in table["rows"]] == [138, 90]
    assert all(row["cumulative_events"][0] == 0 for row in table["rows"])
    assert chart.spec["group_label"] == "sex"


def test_each_curve_point_carries_its_number_at_risk(by_sex):
    (chart,) = by_sex.charts
    rows = by_sex.tables["survival"]
    for curve in chart.spec["groups"]:
        table = {row["time"]: row["n_at_risk"] for row in rows if row["group"] == curve["group"]}
        assert len(curve["n_at_risk"]) == len(curve["time"])
        assert curve["n_at_risk"][0] == {1: 138, 2: 90}[curve["group"]]
        assert curve["n_at_risk"][1:] == [table[time] for time in curve["time"][1:]]


def test_a_sampled_curve_counts_those_still_at_risk_at_each_grid_time():
    rng = np.random.default_rng(9)
    times = rng.permutation(np.arange(1.0, 2501.0))  # more distinct times than the curve keeps
    events = rng.random(len(times)) < 0.6
    table = pa.table({"t": times, "e": events})
    result = KaplanMeier().run(
        table, {"time": "t", "event": "e"}, {"t": {"type": "numeric"}, "e": {"type": "boolean"}}
    )
    (chart,) = result.charts
    (curve,) = chart.spec["groups"]
    assert "group_label" not in chart.spec
    assert len(curve["time"]) == 1000  # (0, 1), then the grid's 999 times after 0 (none before time 1)
    expected = [int((times >= time).sum()) for time in curve["time"]]
    assert curve["n_at_risk"] == expected


def test_limits_are_null_once_everyone_has_died():
    table = pa.table({"t": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "e": [1, 0, 1, 1, 1, 1]})
    result = KaplanMeier().run(
        table, {"time": "t", "event": "e"}, {"t": {"type": "numeric"}, "e": {"type": "integer"}}
    )
    last = result.tables["survival"][-1]
    assert (last["survival"], last["ci_low"], last["ci_high"]) == (0.0, None, None)
    json.dumps(result.as_results(), allow_nan=False)
    json.dumps(result.charts[0].spec, allow_nan=False)
