"""Kruskal-Wallis test against R's documented kruskal.test examples."""

import pytest

from analyses.methods.base import MethodError
from analyses.tests.method_support import airquality, dictionary, long_table, run

COLUMNS = dictionary(y="numeric", g="categorical")


def test_hollander_wolfe_example_matches_r():
    # R's ?kruskal.test (Hollander & Wolfe 1973, p. 116, mucociliary efficiency):
    # Kruskal-Wallis chi-squared = 0.77143, df = 2, p-value = 0.68.
    groups = {
        "normal": [2.9, 3.0, 2.5, 2.6, 3.2],
        "oad": [3.8, 2.7, 4.0, 2.4],
        "asbestosis": [2.8, 3.4, 3.7, 2.2, 2.0],
    }
    summary = run("kruskal", long_table(groups), COLUMNS, variable="y", group_by="g").summary
    assert summary["statistic"] == pytest.approx(0.77143, abs=5e-6)
    assert summary["df"] == 2
    assert summary["p_value"] == pytest.approx(0.68, abs=5e-3)


def test_ozone_by_month_matches_r_with_ties():
    # R: kruskal.test(Ozone ~ Month, data = airquality)
    # -> Kruskal-Wallis chi-squared = 29.267, df = 4, p-value = 6.901e-06.
    table, columns = airquality()
    result = run("kruskal", table, columns, variable="Ozone", group_by="Month")
    assert result.summary["statistic"] == pytest.approx(29.267, abs=5e-4)
    assert result.summary["df"] == 4
    assert result.summary["p_value"] == pytest.approx(6.901e-06, abs=5e-10)
    assert result.summary["n"] == 116 and result.summary["missing"] == 37
    assert [row["group"] for row in result.tables["groups"]] == [5, 6, 7, 8, 9]
    assert sum(row["mean_rank"] * row["n"] for row in result.tables["groups"]) == pytest.approx(116 * 117 / 2)


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        ({"a": [1.0, 2.0, 3.0]}, "'g' has 1 distinct value"),
        ({"a": [1.0, 2.0], "b": [3.0]}, "Group 'b' of 'g' has 1 value"),
        ({"a": [4.0, 4.0], "b": [4.0, 4.0]}, "'y' is constant"),
    ],
)
def test_edge_cases_fail_with_a_clear_message(groups, message):
    with pytest.raises(MethodError, match=message):
        run("kruskal", long_table(groups), COLUMNS, variable="y", group_by="g")
