"""One-way ANOVA: all eleven NIST StRD ANOVA sets, R's documented example,
Levene's test, and the edge cases."""

from pathlib import Path

import pyarrow as pa
import pytest
from scipy import stats

from analyses.methods.base import MethodError
from analyses.tests.method_support import (
    airquality,
    dictionary,
    digits,
    exact_decimals,
    imported,
    long_table,
    run,
)

ANOVA = Path(__file__).parent / "data" / "nist" / "anova"
NIST_SETS = [
    "SiRstv",
    "SmLs01",
    "SmLs02",
    "SmLs03",
    "AtmWtAg",
    "SmLs04",
    "SmLs05",
    "SmLs06",
    "SmLs07",
    "SmLs08",
    "SmLs09",
]
REQUIRED = {"Lower": 9, "Average": 9, "Higher": 7}


def nist(name):
    """(rows of (group, value text), certified values, difficulty) from a NIST .dat file."""
    lines = (ANOVA / f"{name}.dat").read_text().splitlines()
    between = next(line for line in lines if line.lstrip().startswith("Between")).split()
    within = next(line for line in lines if line.lstrip().startswith("Within")).split()
    certified = {
        "df_between": float(between[2]),
        "sum_sq_between": float(between[3]),
        "mean_sq_between": float(between[4]),
        "f": float(between[5]),
        "df_within": float(within[2]),
        "sum_sq_within": float(within[3]),
        "mean_sq_within": float(within[4]),
        "r_squared": float(next(line for line in lines if "Certified R-Squared" in line).split()[-1]),
        "residual_sd": float(
            next(line for line in lines if line.strip().startswith("Standard Deviation")).split()[-1]
        ),
    }
    difficulty = next(line.split()[0] for line in lines if "Level of Difficulty" in line)
    start = max(
        index for index, line in enumerate(lines) if line.startswith("Data:")
    )  # the data's own header
    rows = [line.split() for line in lines[start + 1 :] if line.strip()]
    return rows, certified, difficulty


def agreement(result):
    between, within = result.tables["anova"]
    return {
        "df_between": between["df"],
        "sum_sq_between": between["sum_sq"],
        "mean_sq_between": between["mean_sq"],
        "f": between["f"],
        "df_within": within["df"],
        "sum_sq_within": within["sum_sq"],
        "mean_sq_within": within["mean_sq"],
        "r_squared": result.summary["r_squared"],
        "residual_sd": result.summary["residual_sd"],
    }


@pytest.mark.parametrize("name", NIST_SETS)
def test_nist_anova_through_the_importer(name):
    rows, certified, difficulty = nist(name)
    table, columns = imported(["group", "y"], rows)
    result = run("anova", table, columns, variable="y", group_by="group")
    computed = agreement(result)
    assert result.summary["f"] == computed["f"] and result.summary["df_within"] == certified["df_within"]
    worst = min(digits(computed[key], value) for key, value in certified.items())
    assert worst >= REQUIRED[difficulty], (name, {k: digits(computed[k], v) for k, v in certified.items()})


@pytest.mark.parametrize("name", NIST_SETS)
def test_nist_anova_exact_decimals_keep_thirteen_digits(name):
    """Stored exactly, every set (SmLs07-09's 1000000000000.4 included) agrees to 13+ digits."""
    rows, certified, _ = nist(name)
    table = pa.table(
        {"group": pa.array([int(g) for g, _ in rows]), "y": exact_decimals([y for _, y in rows])}
    )
    result = run("anova", table, dictionary(group="integer", y="numeric"), variable="y", group_by="group")
    computed = agreement(result)
    assert min(digits(computed[key], value) for key, value in certified.items()) >= 13


def test_float64_storage_meets_the_lower_and_average_requirements():
    for name in NIST_SETS[:8]:
        rows, certified, difficulty = nist(name)
        table = pa.table(
            {"group": pa.array([int(g) for g, _ in rows]), "y": pa.array([float(y) for _, y in rows])}
        )
        computed = agreement(
            run("anova", table, dictionary(group="integer", y="numeric"), variable="y", group_by="group")
        )
        assert (
            min(digits(computed[key], value) for key, value in certified.items()) >= REQUIRED[difficulty]
        ), name


def test_ozone_by_month_matches_r():
    # R: summary(aov(Ozone ~ factor(Month), data = airquality)):
    # factor(Month) Df 4, Sum Sq 29438, Mean Sq 7359.5, F value 8.536, Pr(>F) 4.83e-06; Residuals 111, 95705.
    table, columns = airquality()
    result = run("anova", table, columns, variable="Ozone", group_by="Month")
    between, within = result.tables["anova"]
    assert (between["df"], within["df"]) == (4, 111)
    assert between["sum_sq"] == pytest.approx(29438, abs=0.5) and within["sum_sq"] == pytest.approx(
        95705, abs=0.5
    )
    assert result.summary["f"] == pytest.approx(8.536, abs=5e-4)
    assert result.summary["p_value"] == pytest.approx(4.83e-6, abs=5e-9)
    assert result.summary["n"] == 116 and result.summary["missing"] == 37
    assert [row["n"] for row in result.tables["groups"]] == [26, 9, 26, 26, 29]


def test_levene_is_the_median_centred_brown_forsythe_test():
    groups = {"a": [4.1, 5.2, 6.3, 5.0, 4.8], "b": [2.0, 9.5, 1.1, 8.7, 5.5, 3.3], "c": [5.0, 5.1, 5.2, 4.9]}
    table = long_table(groups)
    result = run("anova", table, dictionary(y="numeric", g="categorical"), variable="y", group_by="g")
    (levene,) = result.tables["assumptions"]
    reference = stats.levene(*groups.values(), center="median")  # scipy's definition of Brown-Forsythe
    assert levene["statistic"] == pytest.approx(reference.statistic, rel=1e-12)
    assert levene["p_value"] == pytest.approx(reference.pvalue, rel=1e-10)
    assert (levene["df1"], levene["df2"], levene["center"]) == (2, 12, "median")
    assert any("unequal variances" in note for note in result.notes) == (reference.pvalue < 0.05)


def test_one_way_matches_scipy_f_oneway_on_small_data():
    groups = {"x": [1.0, 2.0, 4.0], "y": [3.0, 5.0, 8.0, 9.0], "z": [2.5, 2.0, 6.5]}
    table = long_table(groups)
    summary = run(
        "anova", table, dictionary(y="numeric", g="categorical"), variable="y", group_by="g"
    ).summary
    reference = stats.f_oneway(*groups.values())
    assert summary["f"] == pytest.approx(reference.statistic, rel=1e-13)
    assert summary["p_value"] == pytest.approx(reference.pvalue, rel=1e-11)


def _table(values, groups):
    return pa.table({"y": pa.array(values, pa.float64()), "g": groups}), dictionary(
        y="numeric", g="categorical"
    )


@pytest.mark.parametrize(
    ("values", "groups", "message"),
    [
        ([1.0, 2.0, 3.0], ["a", "a", "a"], "'g' has 1 distinct value"),
        ([1.0, 2.0, 3.0, 4.0], ["a", "a", "a", "b"], "Group 'b' of 'g' has 1 value"),
        ([5.0, 5.0, 5.0, 5.0], ["a", "a", "b", "b"], "'y' is constant"),
        ([1.0, 1.0, 2.0, 2.0], ["a", "a", "b", "b"], "does not vary within any group"),
        ([None, None, None], ["a", "b", "c"], "No row in this cohort has a value for every one of 'y', 'g'"),
    ],
)
def test_edge_cases_fail_with_a_clear_message(values, groups, message):
    table, columns = _table(values, groups)
    with pytest.raises(MethodError, match=message):
        run("anova", table, columns, variable="y", group_by="g")


def test_box_chart_is_aggregate_only():
    table, columns = _table([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], ["a", "a", "a", "b", "b", "b"])
    (chart,) = run("anova", table, columns, variable="y", group_by="g").charts
    assert chart.kind == "box"
    assert chart.spec["groups"][0] == {
        "group": "a",
        "n": 3,
        "q1": 1.5,
        "median": 2.0,
        "q3": 2.5,
        "mean": 2.0,
        "min": 1.0,
        "max": 3.0,
        # Three values: the 5th and 95th percentiles would give the extremes back.
        "p05": None,
        "p95": None,
    }
    assert chart.spec["group_label"] == "g"


def test_box_whiskers_get_the_5th_and_95th_percentiles_from_21_values():
    table, columns = _table(
        [float(v) for v in range(21)] + [float(v) for v in range(20)], ["a"] * 21 + ["b"] * 20
    )
    (chart,) = run("anova", table, columns, variable="y", group_by="g").charts
    a, b = chart.spec["groups"]
    # numpy's (R's type 7) quantiles of 0..20: 1.0 and 19.0, strictly inside the extremes.
    assert (a["n"], a["p05"], a["p95"], a["min"], a["max"]) == (21, 1.0, 19.0, 0.0, 20.0)
    assert (b["n"], b["p05"], b["p95"]) == (20, None, None)
