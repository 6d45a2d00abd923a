"""Two-sample t-test against R's documented examples (t.test, effectsize::cohens_d)."""

import pyarrow as pa
import pytest

from analyses.methods.base import MethodError
from analyses.tests.method_support import MTCARS, dictionary, exact_decimals, long_table, run

# R's datasets::sleep (Cushny & Peebles): extra hours of sleep by drug group.
SLEEP = {
    "1": [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0],
    "2": [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4],
}
COLUMNS = dictionary(y="numeric", g="categorical")


def test_welch_matches_r_sleep_example():
    # R: t.test(extra ~ group, data = sleep)
    # t = -1.8608, df = 17.776, p-value = 0.07939; 95% CI -3.3654832 0.2054832;
    # mean in group 1 0.75, mean in group 2 2.33.
    result = run("ttest", long_table(SLEEP), COLUMNS, variable="y", group_by="g")
    summary = result.summary
    assert summary["method"] == "welch"
    assert summary["statistic"] == pytest.approx(-1.8608, abs=5e-5)
    assert summary["df"] == pytest.approx(17.776, abs=5e-4)
    assert summary["p_value"] == pytest.approx(0.07939, abs=5e-6)
    assert summary["ci_low"] == pytest.approx(-3.3654832, abs=5e-8)
    assert summary["ci_high"] == pytest.approx(0.2054832, abs=5e-8)
    assert summary["mean_difference"] == pytest.approx(0.75 - 2.33, abs=1e-12)
    assert result.tables["groups"] == [
        {"group": "1", "n": 10, "mean": pytest.approx(0.75), "sd": pytest.approx(1.789010, abs=5e-7)},
        {"group": "2", "n": 10, "mean": pytest.approx(2.33), "sd": pytest.approx(2.002249, abs=5e-7)},
    ]


def _mtcars():
    return pa.table({"mpg": MTCARS["mpg"], "am": MTCARS["am"]}), dictionary(mpg="numeric", am="integer")


def test_welch_and_student_match_r_mtcars():
    table, columns = _mtcars()
    # R: t.test(mpg ~ am, data = mtcars): t = -3.7671, df = 18.332, p-value = 0.001374,
    # 95% CI -11.280194 -3.209684.
    welch = run("ttest", table, columns, variable="mpg", group_by="am").summary
    assert welch["statistic"] == pytest.approx(-3.7671, abs=5e-5)
    assert welch["df"] == pytest.approx(18.332, abs=5e-4)
    assert welch["p_value"] == pytest.approx(0.001374, abs=5e-7)
    assert (welch["ci_low"], welch["ci_high"]) == (
        pytest.approx(-11.280194, abs=5e-7),
        pytest.approx(-3.209684, abs=5e-7),
    )
    # R: t.test(mpg ~ am, data = mtcars, var.equal = TRUE): t = -4.1061, df = 30, p-value = 0.000285,
    # 95% CI -10.84837 -3.64151.
    student = run("ttest", table, columns, variable="mpg", group_by="am", equal_var=True).summary
    assert student["method"] == "student" and student["df"] == 30
    assert student["statistic"] == pytest.approx(-4.1061, abs=5e-5)
    assert student["p_value"] == pytest.approx(0.000285, abs=5e-7)
    assert (student["ci_low"], student["ci_high"]) == (
        pytest.approx(-10.84837, abs=5e-6),
        pytest.approx(-3.64151, abs=5e-6),
    )


def test_cohens_d_matches_effectsize():
    # R: effectsize::cohens_d(mpg ~ am, data = mtcars) -> -1.48, 95% CI [-2.27, -0.67] (pooled SD),
    # and cohens_d(extra ~ group, data = sleep) -> -0.83, 95% CI [-1.74, 0.10].
    table, columns = _mtcars()
    summary = run("ttest", table, columns, variable="mpg", group_by="am").summary
    assert round(summary["cohens_d"], 2) == -1.48
    assert (round(summary["cohens_d_ci_low"], 2), round(summary["cohens_d_ci_high"], 2)) == (-2.27, -0.67)
    sleep = run("ttest", long_table(SLEEP), COLUMNS, variable="y", group_by="g").summary
    assert [round(sleep[key], 2) for key in ("cohens_d", "cohens_d_ci_low", "cohens_d_ci_high")] == [
        -0.83,
        -1.74,
        0.10,
    ]


def test_confidence_level_widens_the_interval():
    narrow = run(
        "ttest", long_table(SLEEP), COLUMNS, variable="y", group_by="g", confidence_level=0.9
    ).summary
    wide = run("ttest", long_table(SLEEP), COLUMNS, variable="y", group_by="g", confidence_level=0.99).summary
    assert wide["ci_low"] < narrow["ci_low"] < narrow["ci_high"] < wide["ci_high"]
    assert wide["cohens_d_ci_low"] < narrow["cohens_d_ci_low"]


def test_results_are_shift_invariant_for_exact_decimals_near_1e12():
    """Adding 1000000000000 exactly changes means by that and nothing else, to full precision."""
    texts = [f"{1000000000000 + value:.1f}" for group in SLEEP.values() for value in group]
    shifted = pa.table({"y": exact_decimals(texts), "g": ["1"] * 10 + ["2"] * 10})
    base = run("ttest", long_table(SLEEP), COLUMNS, variable="y", group_by="g")
    moved = run("ttest", shifted, COLUMNS, variable="y", group_by="g")
    for key in ("statistic", "df", "p_value", "mean_difference", "ci_low", "ci_high", "cohens_d"):
        assert moved.summary[key] == pytest.approx(base.summary[key], rel=1e-12), key
    assert moved.tables["groups"][0]["mean"] == 1000000000000.75


def test_missing_values_are_dropped_and_reported():
    table = pa.table({"y": [1.0, 2.0, None, 4.0, 5.0, 6.0, 7.0], "g": ["a", "a", "a", None, "b", "b", "b"]})
    result = run("ttest", table, COLUMNS, variable="y", group_by="g")
    assert result.summary["n"] == 5 and result.summary["missing"] == 2
    assert "2 row(s) with a missing value in 'y', 'g' were left out" in " ".join(result.notes)


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        (
            {"a": [1.0, 2.0], "b": [3.0, 4.0], "c": [5.0, 6.0]},
            "has 3 groups in the rows used; a t-test compares",
        ),
        ({"a": [1.0, 2.0, 3.0]}, "'g' has 1 distinct value"),
        ({"a": [1.0, 2.0], "b": [3.0]}, "Group 'b' of 'g' has 1 value"),
        ({"a": [2.0, 2.0], "b": [2.0, 2.0]}, "'y' is constant"),
        ({"a": [1.0, 1.0], "b": [2.0, 2.0]}, "constant within each group"),
    ],
)
def test_edge_cases_fail_with_a_clear_message(groups, message):
    with pytest.raises(MethodError, match=message):
        run("ttest", long_table(groups), COLUMNS, variable="y", group_by="g")


def test_box_plot_per_group():
    (chart,) = run("ttest", long_table(SLEEP), COLUMNS, variable="y", group_by="g").charts
    assert chart.kind == "box" and [row["group"] for row in chart.spec["groups"]] == ["1", "2"]
    assert chart.spec["groups"][1]["median"] == pytest.approx(1.75)
    assert chart.spec["group_label"] == "g" and chart.spec["variable"] == "y"
