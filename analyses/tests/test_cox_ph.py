"""Cox proportional hazards against R's survival package, lifelines, and at scale.

Reference: R 4.2.2, survival 3.5.3, analyses/tests/data/r_survival/lung_reference.R
and lung_reference.out: ``coxph(Surv(time, status) ~ sex, data = lung)`` (Efron
ties, the default), ``~ age + sex``, and ``~ age + I(age^2) + sex +
factor(ph.ecog)`` on ``subset(lung, ph.ecog < 3)``, each with ``cox.zph(fit)``
(transform "km"). The "_tight" values were fitted with
``coxph.control(eps = 1e-12)``; R's default stops at eps 1e-9, a few units in
the 9th digit away. Required agreement: 4 decimals; observed: about 10 digits.
"""

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from lifelines.datasets import load_lung

from analyses.methods.base import MethodError
from analyses.methods.cox_ph import CoxPH, concordance

COLUMNS = {
    "time": {"type": "integer"},
    "status": {"type": "integer"},
    "age": {"type": "integer"},
    "sex": {"type": "integer"},
    "ph.ecog": {"type": "categorical"},
}


@pytest.fixture(scope="module")
def lung():
    return pa.Table.from_pandas(
        load_lung()[["time", "status", "age", "sex", "ph.ecog"]], preserve_index=False
    )


def fit(table, covariates):
    return CoxPH().run(table, {"time": "time", "event": "status", "covariates": covariates}, COLUMNS)


def check(result, reference, tolerance=1e-7):
    rows = result.tables["coefficients"]
    for field in ("estimate", "std_error", "statistic", "p_value"):
        assert [row[field] for row in rows] == pytest.approx(reference[field], rel=tolerance), field
        # ...and the 4 decimals the issue asks for, in absolute terms
        assert [round(row[field], 4) for row in rows] == [round(v, 4) for v in reference[field]], field
    assert [row["hazard_ratio"] for row in rows] == pytest.approx(
        np.exp(reference["estimate"]), rel=tolerance
    )
    assert result.summary["log_likelihood"] == pytest.approx(reference["loglik"][1], rel=1e-10)
    assert result.summary["log_likelihood_null"] == pytest.approx(reference["loglik"][0], rel=1e-12)
    assert result.summary["concordance"] == pytest.approx(reference["concordance"], rel=1e-12)
    assert [row["statistic"] for row in result.tables["ph_test"]] == pytest.approx(reference["zph"], rel=1e-6)
    assert [row["p_value"] for row in result.tables["ph_test"]] == pytest.approx(reference["zph_p"], rel=1e-6)


def test_cox_on_sex_matches_r(lung):
    result = fit(lung, ["sex"])
    check(
        result,
        {  # cox_sex_tight; R prints coef -0.5310, se 0.1672, z -3.176, p 0.00149, concordance 0.579
            "estimate": [-0.531023540005768],
            "std_error": [0.167178583301162],
            "statistic": [-3.17638497419948],
            "p_value": [0.00149122913837658],
            "loglik": [-749.909801390395, -744.592999024951],
            "concordance": 0.578644948536025,
            "zph": [2.86323515262165, 2.86323515262165],
            "zph_p": [0.0906250640670478, 0.0906250640670478],
        },
    )
    (row,) = result.tables["coefficients"]
    # R: exp(coef) 0.58800281716, lower .95 0.423717829284, upper .95 0.815984811337
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((0.423717829284, 0.815984811337), rel=1e-9)
    assert result.summary["n"] == 228 and result.summary["events"] == 165
    # R: Likelihood ratio test= 10.63 on 1 df, p=0.0011105104
    assert result.summary["lr_p_value"] == pytest.approx(0.0011105104, rel=1e-7)


def test_cox_on_age_and_sex_matches_r(lung):
    check(
        fit(lung, ["age", "sex"]),
        {  # cox_age_sex_tight
            "estimate": [0.0170453318501651, -0.513218519836182],
            "std_error": [0.00922327347725708, 0.167457962436242],
            "statistic": [1.8480783305619, -3.06476032772455],
            "p_value": [0.0645910120633415, 0.00217844493879888],
            "loglik": [-749.909801390395, -742.848245783771],
            "concordance": 0.602853002897971,
            "zph": [0.209202825697938, 2.60767170718543, 2.77078537898918],
            "zph_p": [0.647392939721154, 0.106347797683032, 0.250225519563342],
        },
    )


def test_polynomial_and_categorical_covariates_match_r(lung):
    # R: coxph(Surv(time, status) ~ age + I(age^2) + sex + factor(ph.ecog), subset(lung, ph.ecog < 3))
    subset = lung.filter(pc.less(lung.column("ph.ecog"), 3))
    ecog = pc.cast(pc.cast(subset.column("ph.ecog"), pa.int64()), pa.string())
    subset = subset.set_column(subset.column_names.index("ph.ecog"), "ph.ecog", ecog)
    result = fit(subset, ["age", "age^2", "sex", "ph.ecog"])
    assert [row["term"] for row in result.tables["coefficients"]] == [
        "age",
        "age^2",
        "sex",
        "ph.ecog[1]",
        "ph.ecog[2]",
    ]
    check(
        result,
        {
            "estimate": [
                -0.0214579818939067,
                0.000263456672817545,
                -0.547512600937184,
                0.404646488978075,
                0.898433001417551,
            ],
            "std_error": [
                0.10751809132276,
                0.000875893718051771,
                0.168352853901351,
                0.200289742353552,
                0.228522301939284,
            ],
            "statistic": [
                -0.199575547053674,
                0.300786119808628,
                -3.2521729703377,
                2.02030560438683,
                3.93148937234254,
            ],
            "p_value": [
                0.841812553649493,
                0.763577593352791,
                0.00114526303349765,
                0.0433516978450448,
                8.44212288602553e-05,
            ],
            "loglik": [-739.065659685283, -724.552627335975],
            "concordance": 0.633951847876093,
            # per term (the factor is one term of 2 df), then GLOBAL on 5 df
            "zph": [
                0.141326351461957,
                0.210821364562566,
                2.41877181416041,
                2.82938089395532,
                6.25583140828567,
            ],
            "zph_p": [
                0.706965983732324,
                0.646124387272229,
                0.119888893803594,
                0.24300082344673,
                0.28211533197713,
            ],
        },
    )
    assert [row["df"] for row in result.tables["ph_test"]] == [1, 1, 1, 2, 5]


def test_large_tied_data_agree_with_lifelines():
    """100,000 rows x 3 covariates with heavy ties (times rounded to 1): lifelines' CoxPHFitter (Efron)."""
    import pandas as pd
    from lifelines import CoxPHFitter

    rng = np.random.default_rng(11)
    n = 100_000
    x = rng.normal(size=(n, 3))
    times = np.ceil(rng.exponential(np.exp(-(x @ np.array([0.4, -0.2, 0.1])))) * 20)
    events = rng.random(n) < 0.8
    table = pa.table({"t": times, "e": events, "a": x[:, 0], "b": x[:, 1], "c": x[:, 2]})
    columns = {name: {"type": "numeric"} for name in table.column_names} | {"e": {"type": "boolean"}}
    ours = CoxPH().run(table, {"time": "t", "event": "e", "covariates": ["a", "b", "c"]}, columns)
    frame = pd.DataFrame({"t": times, "e": events.astype(int), "a": x[:, 0], "b": x[:, 1], "c": x[:, 2]})
    theirs = CoxPHFitter().fit(frame, "t", "e")
    rows = ours.tables["coefficients"]
    assert [row["estimate"] for row in rows] == pytest.approx(theirs.params_.to_numpy(), rel=1e-6)
    assert [row["std_error"] for row in rows] == pytest.approx(theirs.standard_errors_.to_numpy(), rel=1e-5)
    assert ours.summary["log_likelihood"] == pytest.approx(theirs.log_likelihood_, rel=1e-9)


def test_concordance_counts_pairs_as_r():
    """An O(n^2) count on tied data: censored-at-a-tie outlives the death, tied deaths not compared."""
    rng = np.random.default_rng(3)
    times = rng.integers(1, 30, 600).astype(float)
    events = rng.random(600) < 0.6
    score = rng.integers(0, 8, 600).astype(float)
    concordant = discordant = tied = 0
    for i in np.flatnonzero(events):
        later = (times > times[i]) | ((times == times[i]) & ~events)
        concordant += np.count_nonzero(later & (score < score[i]))
        discordant += np.count_nonzero(later & (score > score[i]))
        tied += np.count_nonzero(later & (score == score[i]))
    expected = (concordant + tied / 2) / (concordant + discordant + tied)
    assert concordance(times, events, score) == pytest.approx(expected, rel=1e-14)


def test_group_without_events_is_refused_as_infinite():
    table = pa.table(
        {
            "t": [5.0, 6.0, 7.0, 8.0, 1.0, 2.0, 3.0, 4.0],
            "e": [0, 0, 0, 0, 1, 1, 1, 1],
            "g": ["a"] * 4 + ["b"] * 4,
        }
    )
    columns = {"t": {"type": "numeric"}, "e": {"type": "integer"}, "g": {"type": "categorical"}}
    with pytest.raises(MethodError, match=r"g\[b\] grows without bound"):
        CoxPH().run(table, {"time": "t", "event": "e", "covariates": ["g"]}, columns)


def test_collinear_covariates_and_no_events_refused(lung):
    doubled = lung.append_column("age2", pc.multiply(lung.column("age"), 2))
    columns = COLUMNS | {"age2": {"type": "integer"}}
    with pytest.raises(MethodError, match="Collinear predictors: age2"):
        CoxPH().run(doubled, {"time": "time", "event": "status", "covariates": ["age", "age2"]}, columns)
    censored = pa.table({"t": [1.0, 2.0, 3.0], "e": [0, 0, 0], "x": [1.0, 2.0, 3.0]})
    columns = {"t": {"type": "numeric"}, "e": {"type": "integer"}, "x": {"type": "numeric"}}
    with pytest.raises(MethodError, match="no events"):
        CoxPH().run(censored, {"time": "t", "event": "e", "covariates": ["x"]}, columns)


def test_results_are_json_ready_with_a_forest_chart(lung):
    result = fit(lung, ["age", "sex"])
    json.dumps(result.as_results(), allow_nan=False)
    (chart,) = result.charts
    assert chart.kind == "forest" and chart.spec["log_scale"] and chart.spec["reference"] == 1.0
    assert [row["term"] for row in chart.spec["rows"]] == ["age", "sex"]
