"""Chi-square / Fisher test of independence against R's documented examples."""

import numpy as np
import pyarrow as pa
import pytest
from scipy import optimize

from analyses.methods.base import MethodError
from analyses.methods.chi_square import independence_test
from analyses.tests.method_support import dictionary, run

COLUMNS = dictionary(r="categorical", c="categorical")


def from_counts(counts, rows, columns):
    """One table row per person from a contingency table of counts."""
    r, c = [], []
    for i, row in enumerate(rows):
        for j, column in enumerate(columns):
            r += [row] * counts[i][j]
            c += [column] * counts[i][j]
    return pa.table({"r": r, "c": c})


def test_fisher_exact_for_sparse_2x2_matches_r_tea_tasting():
    # R's ?fisher.test (Agresti 1990, p. 61): TeaTasting = matrix(c(3, 1, 1, 3)), rows Guess, columns Truth.
    # fisher.test(TeaTasting): p-value = 0.4857, odds ratio 6.408309 (conditional MLE).
    table = from_counts([[3, 1], [1, 3]], ["Milk", "Tea"], ["Milk", "Tea"])
    result = run("chi_square", table, COLUMNS, row="r", column="c")
    summary = result.summary
    assert summary["method"] == "fisher" and summary["statistic"] is None and summary["df"] is None
    assert summary["p_value"] == pytest.approx(0.4857, abs=5e-5)
    assert summary["odds_ratio"] == pytest.approx(6.408309, rel=1e-5)  # R's uniroot tolerance
    assert summary["n"] == 8 and summary["missing"] == 0


def test_odds_ratio_interval_is_the_exact_conditional_one():
    # The exact 95% limits solve P(X >= 3; psi) = 0.025 and P(X <= 3; psi) = 0.025 under the
    # noncentral hypergeometric law of TeaTasting's cell (weights C(4,k) C(4,4-k) = 1, 16, 36, 16, 1).
    weights = np.array([1, 16, 36, 16, 1])

    def upper_tail(psi, at_least):
        terms = weights * psi ** np.arange(5)
        return terms[at_least:].sum() / terms.sum()

    low = optimize.brentq(lambda psi: upper_tail(psi, 3) - 0.025, 1e-3, 10, xtol=1e-14)
    high = optimize.brentq(lambda psi: (1 - upper_tail(psi, 4)) - 0.025, 10, 1e4, xtol=1e-12)
    summary = independence_test(np.array([[3, 1], [1, 3]]))
    assert summary["odds_ratio_ci_low"] == pytest.approx(low, rel=1e-6)
    assert summary["odds_ratio_ci_high"] == pytest.approx(high, rel=1e-6)
    # R: fisher.test(TeaTasting, alternative = "greater") -> 95% lower bound 0.3135693, the lower
    # limit of the two-sided 90% interval (R's uniroot agrees to about 1e-5).
    assert independence_test(np.array([[3, 1], [1, 3]]), level=0.90)["odds_ratio_ci_low"] == pytest.approx(
        0.3135693, rel=5e-5
    )


def test_yates_corrected_2x2_matches_r():
    # R's ?chisq.test: x <- matrix(c(12, 5, 7, 7), ncol = 2); chisq.test(x)$p.value  # 0.4233
    table = from_counts([[12, 7], [5, 7]], ["a", "b"], ["c", "d"])
    summary = run("chi_square", table, COLUMNS, row="r", column="c").summary
    assert summary["method"] == "pearson" and summary["continuity_correction"] is True
    assert summary["p_value"] == pytest.approx(0.4233, abs=5e-5)
    assert summary["df"] == 1


def test_correction_can_be_turned_off():
    observed = np.array([[12, 7], [5, 7]])
    expected = np.outer(observed.sum(1), observed.sum(0)) / observed.sum()
    table = from_counts(observed.tolist(), ["a", "b"], ["c", "d"])
    summary = run("chi_square", table, COLUMNS, row="r", column="c", correction=False).summary
    assert summary["continuity_correction"] is False
    assert summary["statistic"] == pytest.approx(((observed - expected) ** 2 / expected).sum(), rel=1e-12)


def test_larger_table_matches_r_gender_party_example():
    # R's ?chisq.test (Agresti 2007, p. 39): M <- as.table(rbind(c(762, 327, 468), c(484, 239, 477)))
    # chisq.test(M): X-squared = 30.07, df = 2, p-value = 2.954e-07.
    table = from_counts(
        [[762, 327, 468], [484, 239, 477]], ["F", "M"], ["Democrat", "Independent", "Republican"]
    )
    result = run("chi_square", table, COLUMNS, row="r", column="c")
    summary = result.summary
    assert summary["statistic"] == pytest.approx(30.07, abs=5e-3)
    assert summary["df"] == 2 and summary["p_value"] == pytest.approx(2.954e-07, abs=5e-11)
    assert summary["odds_ratio"] is None and summary["continuity_correction"] is False
    assert result.tables["observed"][:2] == [
        {"row": "F", "column": "Democrat", "count": 762},
        {"row": "F", "column": "Independent", "count": 327},
    ]
    # Expected counts are not disclosure counts: they are named 'expected', never 'count'.
    assert result.tables["expected"][0] == {
        "row": "F",
        "column": "Democrat",
        "expected": pytest.approx(703.6714, abs=5e-5),
    }


def test_grouped_bar_chart_of_observed_counts():
    table = from_counts([[12, 7], [5, 7]], ["a", "b"], ["c", "d"])
    (chart,) = run("chi_square", table, COLUMNS, row="r", column="c").charts
    assert chart.kind == "bar" and chart.spec["categories"] == ["a", "b"]
    assert chart.spec["series"] == [{"name": "c", "counts": [12, 5]}, {"name": "d", "counts": [7, 7]}]
    assert chart.spec["x_label"] == "r" and chart.spec["series_label"] == "c"


def test_sparse_larger_tables_get_a_warning_note():
    table = from_counts([[10, 2, 1], [9, 1, 3]], ["a", "b"], ["x", "y", "z"])
    result = run("chi_square", table, COLUMNS, row="r", column="c")
    assert result.summary["method"] == "pearson"
    assert any("expected count below 5" in note for note in result.notes)


def test_zero_cell_leaves_infinite_odds_ratio_bounds_empty():
    table = from_counts([[6, 0], [3, 5]], ["a", "b"], ["x", "y"])
    result = run("chi_square", table, COLUMNS, row="r", column="c")
    assert result.summary["odds_ratio"] is None and result.summary["odds_ratio_ci_high"] is None
    assert any("infinite" in note for note in result.notes)


def test_booleans_and_integers_are_categories_and_missing_rows_are_counted():
    table = pa.table({"r": [True, False, True, None, False, True], "c": [1, 2, 2, 1, None, 1]})
    summary = run("chi_square", table, dictionary(r="boolean", c="integer"), row="r", column="c").summary
    assert summary["n"] == 4 and summary["missing"] == 2


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("a", "x"), ("a", "y"), ("a", "x")], "'r' has 1 distinct value"),
        ([("a", None), ("b", None)], "No row in this cohort has a value for every one of 'r', 'c'"),
        ([(f"level {i}", "x" if i % 2 else "y") for i in range(60)], "at most 50 groups"),
    ],
)
def test_edge_cases_fail_with_a_clear_message(rows, message):
    table = pa.table({"r": [r for r, _ in rows], "c": pa.array([c for _, c in rows], pa.string())})
    with pytest.raises(MethodError, match=message):
        run("chi_square", table, COLUMNS, row="r", column="c")
