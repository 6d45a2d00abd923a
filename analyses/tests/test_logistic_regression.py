"""Logistic regression against R's glm.

Reference: R 4.2.2, analyses/tests/data/r_glm/glm_reference.R and its output
glm_reference.out: ``glm(GRADE ~ GPA + TUCE + PSI, binomial, spector)`` (the
Spector & Mazzeo data as statsmodels ships it, saved to spector.csv) and
``glm(dead ~ age + sex + factor(ph.ecog), binomial, subset(lung, ph.ecog < 3))``,
both with ``glm.control(epsilon = 1e-14)``.
"""

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv
import pytest
from lifelines.datasets import load_lung

from analyses.methods.base import MethodError
from analyses.methods.logistic_regression import LogisticRegression

R_GLM = Path(__file__).parent / "data" / "r_glm"


def run(table, outcome, predictors, columns):
    return LogisticRegression().run(table, {"outcome": outcome, "predictors": predictors}, columns)


def test_spector_matches_r_glm():
    table = pyarrow.csv.read_csv(R_GLM / "spector.csv")
    columns = {name: {"type": "numeric"} for name in table.column_names}
    result = run(table, "GRADE", ["GPA", "TUCE", "PSI"], columns)
    rows = result.tables["coefficients"]
    assert [row["term"] for row in rows] == ["const", "GPA", "TUCE", "PSI"]
    assert [row["estimate"] for row in rows] == pytest.approx(
        [-13.0213468581157, 2.82611259488932, 0.0951576613179093, 2.37868765509335], rel=1e-10
    )
    assert [row["std_error"] for row in rows] == pytest.approx(
        [4.93132421298961, 1.26294107552788, 0.141554205665441, 1.06456425440957], rel=1e-8
    )
    assert [row["p_value"] for row in rows] == pytest.approx(
        [0.00827746142746802, 0.025239108790863, 0.501434238056974, 0.025455204349197], rel=1e-8
    )
    assert result.summary["log_likelihood"] == pytest.approx(-12.8896342221314, rel=1e-12)
    assert result.summary["aic"] == pytest.approx(33.7792684442628, rel=1e-12)
    assert result.summary["n"] == 32 and result.summary["events"] == 11 and result.summary["converged"]
    gpa = rows[1]
    assert gpa["odds_ratio"] == pytest.approx(np.exp(2.82611259488932), rel=1e-10)
    # Wald limits on the odds-ratio scale: exp(b -/+ 1.96 se)
    z = 1.959963984540054
    assert (gpa["ci_low"], gpa["ci_high"]) == pytest.approx(
        (np.exp(2.82611259488932 - z * 1.26294107552788), np.exp(2.82611259488932 + z * 1.26294107552788)),
        rel=1e-8,
    )
    json.dumps(result.as_results(), allow_nan=False)
    (chart,) = result.charts
    assert chart.kind == "forest" and [row["term"] for row in chart.spec["rows"]] == ["GPA", "TUCE", "PSI"]


def test_categorical_predictor_matches_r_glm():
    frame = load_lung()
    frame = frame[frame["ph.ecog"] < 3]
    table = pa.table(
        {
            "status": frame["status"].to_numpy() == 1,
            "age": frame["age"].to_numpy(),
            "sex": frame["sex"].to_numpy(),
            "ecog": frame["ph.ecog"].astype(int).astype(str).to_numpy(),
        }
    )
    columns = {
        "status": {"type": "boolean"},
        "age": {"type": "integer"},
        "sex": {"type": "integer"},
        "ecog": {"type": "categorical", "levels": ["0", "1", "2"]},
    }
    result = run(table, "status", ["age", "sex", "ecog"], columns)
    rows = result.tables["coefficients"]
    assert [row["term"] for row in rows] == ["const", "age", "sex", "ecog[1]", "ecog[2]"]
    assert [row["estimate"] for row in rows] == pytest.approx(
        [0.751863460371133, 0.0194550152802586, -1.09191557158628, 0.597283597919035, 1.6113343071804],
        rel=1e-9,
    )
    assert [row["std_error"] for row in rows] == pytest.approx(
        [1.26462415184606, 0.0178978370651912, 0.319919740469518, 0.345498506583763, 0.528023110130836],
        rel=1e-8,
    )
    assert result.summary["log_likelihood"] == pytest.approx(-120.129609354217, rel=1e-12)
    assert result.summary["aic"] == pytest.approx(250.259218708434, rel=1e-12)


def test_perfect_separation_is_refused_and_named():
    table = pa.table(
        {"y": [0, 0, 0, 0, 1, 1, 1, 1], "x": [1.0, 2, 3, 4, 5, 6, 7, 8], "z": [1.0, 0, 1, 1, 0, 1, 0, 0]}
    )
    columns = {name: {"type": "numeric"} for name in "yxz"}
    with pytest.raises(MethodError, match=r"separation: .*x.* predict\(s\) 'y' exactly"):
        run(table, "y", ["x", "z"], columns)


def test_quasi_complete_separation_is_refused():
    # Every event has x >= 3 and every non-event x <= 3: the boundary x = 3 holds both.
    table = pa.table(
        {
            "y": [0, 0, 0, 1, 1, 1, 0, 1, 1, 0],
            "x": [1.0, 2, 3, 3, 5, 6, 2.5, 7, 4, 3],
            "z": [1.0, 0, 1, 0, 1, 0, 0, 1, 1, 1],
        }
    )
    columns = {name: {"type": "numeric"} for name in "yxz"}
    with pytest.raises(MethodError, match="quasi-complete separation: x predict"):
        run(table, "y", ["x", "z"], columns)


def test_overlapping_data_are_not_called_separated():
    rng = np.random.default_rng(4)
    x = rng.normal(size=400)
    y = (rng.random(400) < 1 / (1 + np.exp(-3 * x))).astype(int)
    table = pa.table({"y": y, "x": x})
    result = run(table, "y", ["x"], {"y": {"type": "integer"}, "x": {"type": "numeric"}})
    assert result.summary["converged"] and 2 < result.tables["coefficients"][1]["estimate"] < 4.5


@pytest.mark.parametrize(
    ("values", "kind", "message"),
    [
        ([0, 1, 2, 1, 0, 1], "integer", r"must be binary \(0/1 or two categories\); found 0, 1, 2"),
        (["a", "b", "c", "a", "b", "c"], "categorical", "exactly two categories"),
        ([1, 1, 1, 1, 1, 1], "integer", "single value"),
    ],
)
def test_non_binary_outcome_refused(values, kind, message):
    table = pa.table({"y": values, "x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.5]})
    with pytest.raises(MethodError, match=message):
        run(table, "y", ["x"], {"y": {"type": kind}, "x": {"type": "numeric"}})


def test_two_category_outcome_models_the_second_level():
    table = pa.table(
        {"y": ["no", "yes", "no", "yes", "yes", "no", "yes", "no"], "x": [1.0, 2, 3, 4, 5, 2.5, 3.5, 6]}
    )
    columns = {"y": {"type": "categorical", "levels": ["no", "yes"]}, "x": {"type": "numeric"}}
    result = run(table, "y", ["x"], columns)
    assert result.summary["event_level"] == "yes" and result.summary["events"] == 4
    assert pc.sum(pc.equal(table.column("y"), "yes")).as_py() == 4
