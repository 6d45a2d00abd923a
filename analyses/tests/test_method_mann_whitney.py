"""Mann-Whitney U test against R's documented wilcox.test examples."""

import pyarrow as pa
import pytest

from analyses.methods.base import MethodError
from analyses.tests.method_support import airquality, dictionary, long_table, run

COLUMNS = dictionary(y="numeric", g="categorical")
# R's ?wilcox.test: Hollander & Wolfe (1973), p. 69, permeability constants of the chorioamnion.
DEPRESSION = {
    "x": [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46],
    "y": [1.15, 0.88, 0.90, 0.74, 1.21],
}


def test_exact_p_value_matches_r():
    # R: wilcox.test(x, y, alternative = "greater") -> W = 35, p-value = 0.1272;
    # two-sided (the method's test): p-value = 0.2544.
    result = run("mann_whitney", long_table(DEPRESSION), COLUMNS, variable="y", group_by="g")
    assert result.summary["statistic"] == 35
    assert result.summary["p_value"] == pytest.approx(2 * 0.1272, abs=2e-4)
    assert result.summary["method"] == "exact"
    assert result.summary["rank_biserial"] == pytest.approx(2 * 35 / 50 - 1)
    assert [(row["group"], row["n"]) for row in result.tables["groups"]] == [("x", 10), ("y", 5)]


def test_tied_data_use_the_corrected_normal_approximation_like_r():
    # R: wilcox.test(Ozone ~ Month, data = airquality, subset = Month %in% c(5, 8))
    # -> W = 127.5, p-value = 0.0001208 (normal approximation, ties present).
    table, columns = airquality()
    table = table.filter(pa.compute.is_in(table.column("Month"), pa.array([5, 8])))
    result = run("mann_whitney", table, columns, variable="Ozone", group_by="Month")
    assert result.summary["statistic"] == 127.5
    assert result.summary["p_value"] == pytest.approx(0.0001208, abs=5e-8)
    assert result.summary["method"] == "asymptotic"
    assert result.summary["n"] == 52 and result.summary["missing"] == 10
    assert [row["median"] for row in result.tables["groups"]] == [18, 52]


def test_mean_ranks_per_group():
    groups = run(
        "mann_whitney",
        long_table({"a": [1.0, 2.0, 3.0], "b": [4.0, 5.0]}),
        COLUMNS,
        variable="y",
        group_by="g",
    )
    assert [row["mean_rank"] for row in groups.tables["groups"]] == [2.0, 4.5]


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        ({"a": [1.0, 2.0], "b": [3.0, 4.0], "c": [5.0, 6.0]}, "compares exactly two"),
        ({"a": [1.0, 2.0], "b": [3.0]}, "Group 'b' of 'g' has 1 value"),
        ({"a": [3.0, 3.0], "b": [3.0, 3.0]}, "'y' is constant"),
    ],
)
def test_edge_cases_fail_with_a_clear_message(groups, message):
    with pytest.raises(MethodError, match=message):
        run("mann_whitney", long_table(groups), COLUMNS, variable="y", group_by="g")
