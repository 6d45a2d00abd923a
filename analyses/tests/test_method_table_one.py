"""Table 1: layout, the tableone test rules, SMDs, and degraded cases."""

import math

import pyarrow as pa
import pytest

from analyses.methods.base import MethodError
from analyses.tests.method_support import MTCARS, airquality, dictionary, run


def mtcars():
    table = pa.table(
        {
            "mpg": MTCARS["mpg"],
            "cyl": [str(c) for c in MTCARS["cyl"]],
            "vs": [bool(v) for v in MTCARS["vs"]],
            "am": ["manual" if a else "automatic" for a in MTCARS["am"]],
        }
    )
    columns = dictionary(mpg="numeric", cyl="categorical", vs="boolean", am="categorical")
    return table, columns


def rows_of(result, variable):
    return [row for row in result.tables["table_one"] if row["variable"] == variable]


def test_layout_values_and_counts():
    # Three significant digits of the SD (or IQR) set the decimals of each continuous row.
    table, columns = mtcars()
    result = run("table_one", table, columns, variables=["mpg", "cyl"], group_by="am")
    assert rows_of(result, "mpg") == [
        {"variable": "mpg", "level": None, "group": "automatic", "value": "17.15 (3.83)", "n": 19},
        {"variable": "mpg", "level": None, "group": "manual", "value": "24.39 (6.17)", "n": 13},
    ]
    cyl = {(row["level"], row["group"]): (row["value"], row["n"]) for row in rows_of(result, "cyl")}
    # table(mtcars$cyl, mtcars$am): automatic 3 / 4 / 12, manual 8 / 3 / 2.
    assert cyl["4", "automatic"] == ("3 (15.8%)", 3) and cyl["8", "manual"] == ("2 (15.4%)", 2)
    assert result.tables["groups"] == [{"group": "automatic", "n": 19}, {"group": "manual", "n": 13}]
    assert result.summary == {"n": 32, "missing": 0, "groups": 2}


def test_tests_follow_the_tableone_rules_and_agree_with_the_methods():
    table, columns = mtcars()
    result = run("table_one", table, columns, variables=["mpg", "cyl", "vs"], group_by="am")
    tests = {row["variable"]: row for row in result.tables["tests"]}
    # mpg is normal in both groups (Shapiro-Wilk p > 0.05): Welch's t-test, as the ttest method.
    welch = run("ttest", table, columns, variable="mpg", group_by="am").summary
    assert tests["mpg"] == {"variable": "mpg", "test": "welch t-test", "p_value": welch["p_value"]}
    # cyl is 3x2: chi-square; vs is 2x2 with all expected counts >= 5: Yates-corrected chi-square.
    for name in ("cyl", "vs"):
        reference = run("chi_square", table, columns, row=name, column="am").summary
        assert tests[name] == {"variable": name, "test": "chi-square", "p_value": reference["p_value"]}


def test_non_normal_variables_use_medians_and_kruskal_wallis():
    table, columns = airquality()
    result = run("table_one", table, columns, variables=["Ozone", "Temp"], group_by="Month")
    tests = {row["variable"]: row for row in result.tables["tests"]}
    kruskal = run("kruskal", table, columns, variable="Ozone", group_by="Month").summary
    anova = run("anova", table, columns, variable="Temp", group_by="Month").summary
    assert tests["Ozone"] == {"variable": "Ozone", "test": "kruskal-wallis", "p_value": kruskal["p_value"]}
    assert tests["Temp"] == {"variable": "Temp", "test": "one-way anova", "p_value": anova["p_value"]}
    may = rows_of(result, "Ozone")[0]
    assert may == {"variable": "Ozone", "level": None, "group": 5, "value": "18.0 [11.0, 31.5]", "n": 26}


def test_nonnormal_parameter_forces_median_and_kruskal():
    table, columns = mtcars()
    result = run("table_one", table, columns, variables=["mpg"], group_by="am", nonnormal=["mpg"])
    assert result.tables["tests"][0]["test"] == "kruskal-wallis"
    assert rows_of(result, "mpg")[0]["value"] == "17.30 [14.95, 19.20]"


def test_sparse_2x2_uses_fisher():
    table = pa.table({"x": ["y", "y", "y", "n", "y", "n", "n", "n"], "g": ["a"] * 4 + ["b"] * 4})
    columns = dictionary(x="categorical", g="categorical")
    result = run("table_one", table, columns, variables=["x"], group_by="g")
    fisher = run("chi_square", table, columns, row="x", column="g").summary
    assert result.tables["tests"] == [{"variable": "x", "test": "fisher exact", "p_value": fisher["p_value"]}]


def test_standardized_mean_differences():
    table, columns = mtcars()
    result = run("table_one", table, columns, variables=["mpg", "vs", "cyl"], group_by="am")
    smd = {row["variable"]: row for row in result.tables["smd"]}
    automatic = [m for m, a in zip(MTCARS["mpg"], MTCARS["am"], strict=True) if not a]
    manual = [m for m, a in zip(MTCARS["mpg"], MTCARS["am"], strict=True) if a]

    def variance(values):
        mean = sum(values) / len(values)
        return sum((v - mean) ** 2 for v in values) / (len(values) - 1)

    expected = abs(sum(automatic) / 19 - sum(manual) / 13) / math.sqrt(
        (variance(automatic) + variance(manual)) / 2
    )
    assert smd["mpg"] == {
        "variable": "mpg",
        "group_a": "automatic",
        "group_b": "manual",
        "smd": pytest.approx(expected),
    }
    # Binary variable: |p1 - p2| / sqrt((p1 (1 - p1) + p2 (1 - p2)) / 2); vs is 7/19 and 7/13 true.
    p1, p2 = 7 / 19, 7 / 13
    assert smd["vs"]["smd"] == pytest.approx(abs(p1 - p2) / math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / 2))
    assert smd["cyl"]["smd"] > 0 and all(isinstance(row["smd"], float) for row in result.tables["smd"])
    (chart,) = result.charts
    assert chart.kind == "dot" and chart.spec["rows"] == result.tables["smd"]


def test_missing_groups_are_dropped_and_untestable_variables_keep_their_rows():
    table = pa.table(
        {
            "x": [1.0, 1.0, 1.0, 1.0, 1.0, None],
            "z": [1.0, 2.0, 3.0, 4.0, None, 6.0],
            "g": ["a", "a", "b", "b", None, "b"],
        }
    )
    columns = dictionary(x="numeric", z="numeric", g="categorical")
    result = run("table_one", table, columns, variables=["x", "z"], group_by="g")
    assert result.summary == {"n": 5, "missing": 1, "groups": 2}
    tests = {row["variable"]: row["p_value"] for row in result.tables["tests"]}
    assert tests["x"] is None and tests["z"] is not None
    assert any("No test for 'x': it is constant" in note for note in result.notes)
    assert [row["value"] for row in rows_of(result, "x")] == ["1.00 (0.00)", "1.00 (0.00)"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"variables": ["x"], "group_by": "one"}, "'one' has 1 distinct value"),
        ({"variables": ["x", "g"], "group_by": "g"}, "'g' is the grouping variable"),
        ({"variables": ["x"], "group_by": "g", "nonnormal": ["y"]}, "'nonnormal' names 'y'"),
        ({"variables": ["empty"], "group_by": "g"}, "'empty' has no non-missing values"),
    ],
)
def test_edge_cases_fail_with_a_clear_message(params, message):
    table = pa.table(
        {
            "x": [1.0, 2.0, 3.0, 4.0],
            "y": [1.0, 2.0, 3.0, 5.0],
            "empty": pa.array([None] * 4, pa.float64()),
            "g": ["a", "a", "b", "b"],
            "one": ["a"] * 4,
        }
    )
    columns = dictionary(x="numeric", y="numeric", empty="numeric", g="categorical", one="categorical")
    with pytest.raises(MethodError, match=message):
        run("table_one", table, columns, **params)
