"""Linear regression against the NIST StRD linear least-squares reference data sets.

Data and certified values (analyses/tests/data/nist_regression/, see its README)
are NIST's: https://www.itl.nist.gov/div898/strd/lls/lls.shtml, certified to 15
significant digits from 500-digit arithmetic. Required agreement: 9 significant
digits for the lower and average difficulty sets, 7 for Longley, Filip and
Wampler4/5 (statsmodels OLS gets 0 on Filip, under 6 on Wampler5).
"""

import csv
import json
import math
from decimal import Decimal
from pathlib import Path

import jsonschema
import numpy as np
import pyarrow as pa
import pytest

from analyses import methods
from analyses.methods.base import MethodError
from analyses.methods.linear_regression import LinearRegression, residual_bins
from analyses.validation import ParameterError, validate

NIST = Path(__file__).parent / "data" / "nist_regression"
CERTIFIED = json.loads((NIST / "certified.json").read_text())
REQUIRED_DIGITS = {"Longley": 7, "Filip": 7, "Wampler4": 7, "Wampler5": 7}


def nist_table(name, exact):
    """The data set as the importer stores it: float64, or exact decimal128 (``exact``)."""
    with open(NIST / f"{name}.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    columns = {}
    for column in rows[0]:
        texts = [row[column] for row in rows]
        if exact:
            values = [Decimal(text) for text in texts]
            scale = max(-value.as_tuple().exponent for value in values)
            columns[column] = pa.array(values, pa.decimal128(38, max(scale, 0)))
        else:
            columns[column] = pa.array([float(text) for text in texts], pa.float64())
    return pa.table(columns)


def digits(value, certified):
    """Significant digits of agreement (log relative error); absolute when the certified value is 0."""
    certified = float(Decimal(certified))
    error = abs(value - certified) / abs(certified) if certified else abs(value)
    return 15.0 if error == 0 else min(15.0, -math.log10(error))


def fit_nist(name, exact=False):
    spec = CERTIFIED[name]
    table = nist_table(name, exact)
    columns = {column: {"type": "numeric"} for column in table.column_names}
    params = {"outcome": "y", "predictors": spec["predictors"], "intercept": spec["intercept"]}
    return LinearRegression().run(table, params, columns)


def agreement(name, result):
    """Worst agreement over estimates, standard errors, residual SD and R^2."""
    spec = CERTIFIED[name]
    rows = result.tables["coefficients"]
    found = {
        "estimates": min(digits(row["estimate"], c) for row, c in zip(rows, spec["estimates"], strict=True)),
        "std_errors": min(
            digits(row["std_error"], c) for row, c in zip(rows, spec["std_errors"], strict=True)
        ),
        "residual_sd": digits(result.summary["residual_std_error"], spec["residual_sd"]),
        "r_squared": digits(result.summary["r_squared"], spec["r_squared"]),
    }
    return found


@pytest.mark.parametrize("exact", [False, True], ids=["float64", "decimal128"])
@pytest.mark.parametrize("name", list(CERTIFIED))
def test_reproduces_nist_certified_values(name, exact):
    result = fit_nist(name, exact)
    found = agreement(name, result)
    assert min(found.values()) >= REQUIRED_DIGITS.get(name, 9), found  # the contract
    assert min(found.values()) >= 12, found  # what the method achieves (13-15): guards against regressions
    terms = [row["term"] for row in result.tables["coefficients"]]
    assert terms == (["const"] if CERTIFIED[name]["intercept"] else []) + CERTIFIED[name]["predictors"]
    assert result.summary["n"] == len(nist_table(name, exact))


def test_filip_far_beyond_the_requirement():
    """The 10th-degree polynomial: centring, double-double refinement and exact
    back-transformation leave float64 rounding of the data as the only error."""
    assert min(agreement("Filip", fit_nist("Filip")).values()) >= 12


def test_summary_statistics_match_r_lm_on_norris():
    # R 4.2.2: summary(lm(y ~ x, Norris)): F-statistic: 5436385.54 on 1 and 34 DF (NIST certifies the F too).
    result = fit_nist("Norris")
    assert result.summary["f"] == pytest.approx(5436385.54079785, rel=1e-12)
    assert result.summary["df_model"] == 1 and result.summary["df_residual"] == 34
    assert result.summary["adj_r_squared"] == pytest.approx(1 - (1 - 0.999993745883712) * 35 / 34, rel=1e-14)
    slope = result.tables["coefficients"][1]
    assert slope["statistic"] == pytest.approx(1.00211681802045 / 0.429796848199937e-03, rel=1e-12)
    assert slope["ci_low"] < slope["estimate"] < slope["ci_high"]


def test_no_intercept_uses_uncentred_total_sum_of_squares():
    result = fit_nist("NoInt1")
    # NIST certifies the regression F for NoInt1 as 15750.25 on 1 and 10 df.
    assert result.summary["f"] == pytest.approx(15750.25, rel=1e-12)


def test_exact_fit_reports_no_infinite_f():
    table = _table(y=[3.0, 5.0, 7.0, 9.0, 11.0], x=[1.0, 2.0, 3.0, 4.0, 5.0])
    columns = {name: {"type": "numeric"} for name in "yx"}
    result = LinearRegression().run(table, {"outcome": "y", "predictors": ["x"]}, columns)
    assert result.summary["residual_std_error"] == 0.0 and result.summary["r_squared"] == 1.0
    assert result.summary["f"] is None and result.summary["p_value"] == 0.0
    assert any("exactly" in note for note in result.notes)
    slope = result.tables["coefficients"][1]
    assert (slope["estimate"], slope["std_error"], slope["statistic"]) == (2.0, 0.0, None)
    json.dumps(result.as_results(), allow_nan=False)


def _table(**columns):
    return pa.table({name: pa.array(values) for name, values in columns.items()})


def test_categorical_predictor_expands_against_first_level_and_missing_rows_dropped():
    table = _table(
        y=[1.0, 2.0, 3.5, 4.0, 6.0, 5.5, 8.0, None, 9.5],
        dose=[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, None],
        arm=["b", "a", "c", "b", "a", "c", "b", "a", "c"],
    )
    columns = {"y": {"type": "numeric"}, "dose": {"type": "numeric"}, "arm": {"type": "categorical"}}
    result = LinearRegression().run(table, {"outcome": "y", "predictors": ["dose", "arm"]}, columns)
    assert [row["term"] for row in result.tables["coefficients"]] == ["const", "dose", "arm[b]", "arm[c]"]
    assert result.summary["n"] == 7
    assert "2 row(s)" in result.notes[0]
    # Compare with numpy's least squares on the explicit dummy matrix.
    x = np.array(
        [[1, 0, 1, 0], [1, 1, 0, 0], [1, 2, 0, 1], [1, 3, 1, 0], [1, 4, 0, 0], [1, 5, 0, 1], [1, 6, 1, 0]]
    )
    beta = np.linalg.lstsq(x, np.array([1.0, 2.0, 3.5, 4.0, 6.0, 5.5, 8.0]), rcond=None)[0]
    assert [row["estimate"] for row in result.tables["coefficients"]] == pytest.approx(beta, rel=1e-12)


def test_collinear_predictors_are_named():
    table = _table(y=[1.0, 2.0, 2.5, 4.0, 5.5], a=[1.0, 2.0, 3.0, 4.0, 5.0], b=[2.0, 4.0, 6.0, 8.0, 10.0])
    columns = {name: {"type": "numeric"} for name in "yab"}
    with pytest.raises(MethodError, match=r"Collinear predictors: b is a linear combination of const, a"):
        LinearRegression().run(table, {"outcome": "y", "predictors": ["a", "b"]}, columns)


def test_constant_predictor_and_too_few_rows_refused():
    columns = {name: {"type": "numeric"} for name in "yx"}
    constant = _table(y=[1.0, 2.0, 3.0, 4.0], x=[2.0, 2.0, 2.0, 2.0])
    with pytest.raises(MethodError, match="x: no variation"):
        LinearRegression().run(constant, {"outcome": "y", "predictors": ["x"]}, columns)
    tiny = _table(y=[1.0, 2.0], x=[1.0, 3.0])
    with pytest.raises(MethodError, match="Too few rows"):
        LinearRegression().run(tiny, {"outcome": "y", "predictors": ["x"]}, columns)


def test_bad_power_term_refused():
    columns = {name: {"type": "numeric"} for name in "yx"}
    table = _table(y=[1.0, 2.0, 3.0, 4.0, 5.0], x=[1.0, 2.0, 3.0, 4.0, 6.0])
    with pytest.raises(MethodError, match="powers run from 2 to 10"):
        LinearRegression().run(table, {"outcome": "y", "predictors": ["x", "x^11"]}, columns)


def test_results_are_json_ready_and_charts_are_aggregate():
    result = fit_nist("Pontius")
    json.dumps(result.as_results(), allow_nan=False)
    kinds = {chart.kind: chart.spec for chart in result.charts}
    assert [row["term"] for row in kinds["forest"]["rows"]] == ["x", "x^2"]
    bins = kinds["residuals"]["bins"]
    assert [row["n"] for row in bins] == [10, 10, 10, 10]  # 40 rows: bins of at least 10


def test_residual_bins_keep_at_least_ten_rows_and_at_most_twenty_bins():
    rng = np.random.default_rng(5)
    for n, sizes in [(7, {7}), (25, {12, 13}), (200, {10}), (1000, {50})]:
        fitted, residuals = rng.normal(size=n), rng.normal(size=n)
        bins = residual_bins(fitted, residuals)
        assert {row["n"] for row in bins} == sizes and sum(row["n"] for row in bins) == n
        assert len(bins) == min(20, max(1, n // 10))
        assert [row["fitted"] for row in bins] == sorted(row["fitted"] for row in bins)


def test_scatter_of_the_outcome_against_its_one_predictor_follows_the_fitted_curve():
    result = fit_nist("Pontius")
    (scatter,) = [chart for chart in result.charts if chart.kind == "scatter"]
    spec = scatter.spec
    table = nist_table("Pontius", exact=False)
    assert spec["individual_points"] is True and (spec["x_variable"], spec["y_variable"]) == ("x", "y")
    assert spec["points"] == {"x": table["x"].to_pylist(), "y": table["y"].to_pylist()} and spec["n"] == 40
    line = spec["line"]
    assert line["x"] == sorted(table["x"].to_pylist())  # 40 rows: every fitted value, in order of x
    estimates = {row["term"]: row["estimate"] for row in result.tables["coefficients"]}
    curve = [estimates["const"] + estimates["x"] * x + estimates["x^2"] * x * x for x in line["x"]]
    assert line["y"] == pytest.approx(curve, rel=1e-9)


def test_scatter_of_observed_against_fitted_with_several_predictors():
    result = fit_nist("Longley")
    (scatter,) = [chart for chart in result.charts if chart.kind == "scatter"]
    spec = scatter.spec
    observed = nist_table("Longley", exact=False)["y"].to_pylist()
    assert spec["x_variable"] is None and spec["y_variable"] == "y" and spec["individual_points"] is True
    assert spec["points"]["y"] == pytest.approx(observed, rel=1e-15)
    residuals = np.array(observed) - np.array(spec["points"]["x"])
    assert np.sqrt(np.sum(residuals**2) / (16 - 7)) == pytest.approx(
        result.summary["residual_std_error"], rel=1e-7
    )
    ends = [min(observed + spec["points"]["x"]), max(observed + spec["points"]["x"])]
    assert spec["line"] == {"x": ends, "y": ends, "label": "Observed = fitted"}


@pytest.mark.parametrize("name", ["linear_regression", "logistic_regression", "kaplan_meier", "cox_ph"])
def test_models_are_registered_with_closed_schemas(name):
    method = methods.get(name)
    jsonschema.Draft202012Validator.check_schema(method.parameters)
    assert method.parameters["additionalProperties"] is False
    assert set(method.variable_types) <= set(method.parameters["properties"])


def test_power_terms_are_validated_against_their_column():
    method = methods.get("linear_regression")
    columns = {"y": {"type": "numeric"}, "x": {"type": "numeric"}, "arm": {"type": "categorical"}}
    params = validate(method, {"outcome": "y", "predictors": ["x", "x^2", "arm"]}, columns)
    assert params["intercept"] is True
    assert method.variables(params) == ["y", "x", "arm"]
    with pytest.raises(ParameterError, match="Unknown variable 'z'"):
        validate(method, {"outcome": "y", "predictors": ["z^2"]}, columns)
