"""Correlation matrix against R's documented cor.test example."""

import math

import numpy as np
import pyarrow as pa
import pytest
from scipy import stats

from analyses.methods.base import MethodError
from analyses.tests.method_support import airquality, dictionary, exact_decimals, run

# R's ?cor.test (Hollander & Wolfe 1973, p. 187): aged 4-5 years, Hunter L and Hunter C, 9 pairs.
X = [44.4, 45.9, 41.9, 53.3, 44.7, 44.1, 50.7, 45.2, 60.1]
Y = [2.6, 3.1, 2.5, 5.0, 3.6, 4.0, 5.2, 2.8, 3.8]
COLUMNS = dictionary(x="numeric", y="numeric")


def test_pearson_matches_r_cor_test():
    # R: cor.test(x, y): t = 1.8411, df = 7, p-value = 0.1082; 95% CI -0.1497426 0.8955795; cor 0.5711816.
    result = run("correlation", pa.table({"x": X, "y": Y}), COLUMNS, variables=["x", "y"])
    (pair,) = result.tables["pairs"]
    assert (pair["x"], pair["y"], pair["n"]) == ("x", "y", 9)
    assert pair["r"] == pytest.approx(0.5711816, abs=5e-8)
    assert pair["p_value"] == pytest.approx(0.1082, abs=5e-5)
    assert pair["ci_low"] == pytest.approx(-0.1497426, abs=5e-8)
    assert pair["ci_high"] == pytest.approx(0.8955795, abs=5e-8)
    assert result.summary["method"] == "pearson"


def test_spearman_rho_matches_r_with_the_t_approximation():
    # R: cor.test(x, y, method = "spearman") -> rho 0.6 (R's p-value is exact; ours is the t approximation).
    (pair,) = run(
        "correlation", pa.table({"x": X, "y": Y}), COLUMNS, variables=["x", "y"], method="spearman"
    ).tables["pairs"]
    assert pair["r"] == pytest.approx(0.6, abs=1e-12)
    t = 0.6 * math.sqrt(7 / (1 - 0.36))
    assert pair["p_value"] == pytest.approx(2 * stats.t.sf(t, 7), rel=1e-12)
    assert pair["ci_low"] is None and pair["ci_high"] is None


def test_pairwise_complete_cases_and_heatmap_matrix():
    table, columns = airquality()
    result = run("correlation", table, columns, variables=["Ozone", "Solar.R", "Wind"])
    pairs = {(pair["x"], pair["y"]): pair for pair in result.tables["pairs"]}
    # R: cor(airquality$Ozone, airquality$Wind, use = "complete.obs") = -0.6015465
    assert pairs["Ozone", "Wind"]["r"] == pytest.approx(-0.6015465, abs=5e-8)
    assert [pair["n"] for pair in result.tables["pairs"]] == [111, 116, 146]
    chart, scatter = result.charts
    assert chart.kind == "heatmap" and chart.spec["variables"] == ["Ozone", "Solar.R", "Wind"]
    matrix = chart.spec["matrix"]
    assert matrix[0][0] == 1.0 and matrix[0][2] == matrix[2][0] == pairs["Ozone", "Wind"]["r"]
    # Pairwise complete-case counts, for the chart to hide coefficients over fewer than k rows;
    # the diagonal counts each variable's own values (Ozone 116, Solar.R 146, Wind 153).
    assert chart.spec["n"] == [[116, 111, 116], [111, 146, 146], [116, 146, 153]]
    assert scatter.kind == "scatter" and not chart.spec.get("individual_points")


def test_scatter_of_the_first_pair_with_its_least_squares_line():
    table, columns = airquality()
    result = run("correlation", table, columns, variables=["Ozone", "Wind", "Temp"], method="spearman")
    scatter = next(chart for chart in result.charts if chart.kind == "scatter")
    spec = scatter.spec
    assert spec["individual_points"] is True and (spec["x_variable"], spec["y_variable"]) == ("Ozone", "Wind")
    assert spec["n"] == len(spec["points"]["x"]) == len(spec["points"]["y"]) == 116
    assert spec["labels"]["Ozone"] == "Ozone"
    both = [
        (o, w)
        for o, w in zip(table["Ozone"].to_pylist(), table["Wind"].to_pylist(), strict=True)
        if o is not None
    ]
    assert list(zip(spec["points"]["x"], spec["points"]["y"], strict=True)) == both
    slope, intercept = np.polyfit(*zip(*both, strict=True), 1)
    line = spec["line"]
    assert line["x"] == [1.0, 168.0] and line["label"] == "Least-squares line"
    assert line["y"] == pytest.approx([intercept + slope * 1.0, intercept + slope * 168.0], rel=1e-12)


def test_scatter_of_many_rows_carries_a_fixed_random_sample():
    rng = np.random.default_rng(3)
    x = rng.normal(size=12_000)
    table = pa.table({"x": x, "y": 2 * x + rng.normal(size=12_000)})
    first, again = (
        next(
            chart
            for chart in run("correlation", table, COLUMNS, variables=["x", "y"]).charts
            if chart.kind == "scatter"
        )
        for _ in range(2)
    )
    points = first.spec["points"]
    assert first.spec["n"] == 12_000 and len(points["x"]) == len(points["y"]) == 5000
    assert first.spec == again.spec  # the same sample every run
    assert set(zip(points["x"], points["y"], strict=True)) <= set(
        zip(x.tolist(), table["y"].to_pylist(), strict=True)
    )
    assert points["x"] != x[:5000].tolist()  # sampled across the rows, not the first ones


def test_crowded_exact_decimals_keep_their_correlation():
    # y = 1e12 + x/10 exactly: r is 1 to the last digit, which float64 storage of y would lose.
    texts = [f"1000000000000.{digit}" for digit in (3, 1, 4, 1, 5, 9, 2, 6)]
    table = pa.table({"x": [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0], "y": exact_decimals(texts)})
    (pair,) = run("correlation", table, COLUMNS, variables=["x", "y"]).tables["pairs"]
    assert pair["r"] == pytest.approx(1.0, abs=1e-14) and pair["p_value"] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        ([1.0, 2.0, 3.0, 4.0], [5.0, 5.0, 5.0, 5.0], "'y' is constant"),
        ([1.0, 2.0, None, None], [1.0, 3.0, 2.0, None], "have 2 row\\(s\\) with both values"),
    ],
)
def test_edge_cases_fail_with_a_clear_message(x, y, message):
    table = pa.table({"x": pa.array(x, pa.float64()), "y": pa.array(y, pa.float64())})
    with pytest.raises(MethodError, match=message):
        run("correlation", table, COLUMNS, variables=["x", "y"])
