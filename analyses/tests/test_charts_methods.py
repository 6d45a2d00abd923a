"""Every method's real charts render: each method runs on a small generated
trial, and every chart it returns is drawn as PNG and SVG, exactly and under
disclosure control (except charts of individual points, which are refused
under disclosure control), with axes labelled from the data dictionary."""

import numpy as np
import pyarrow as pa
import pytest

from analyses import charts, methods
from analyses.tests.chart_support import numbers_shown, png_size, svg_root, svg_texts
from analyses.tests.method_support import run
from datasets.dictionary import describe

N = 80


def trial():
    rng = np.random.default_rng(11)
    arm = np.where(np.arange(N) % 2 == 0, "A", "B")
    age = rng.integers(30, 80, N)
    bmi = np.round(rng.normal(27, 4, N), 1)
    sbp = np.round(110 + 0.5 * age + rng.normal(0, 8, N), 1)
    time = np.round(rng.exponential(400, N) * np.where(arm == "A", 1.0, 1.6), 0)
    return pa.table(
        {
            "arm": arm.tolist(),
            # A rare level: 3 patients, below the minimum cell count.
            "stage": (["I", "II", "III"] * N)[: N - 3] + ["IV"] * 3,
            "age": pa.array(age.tolist(), pa.int64()),
            "bmi": bmi.tolist(),
            "sbp": sbp.tolist(),
            "time": time.tolist(),
            "event": pa.array((rng.random(N) < 0.7).astype(int).tolist(), pa.int64()),
            "responder": (rng.random(N) < 1 / (1 + np.exp(-(bmi - 27) / 3))).tolist(),
        }
    )


CASES = {
    "descriptive": {"variables": ["age", "stage"]},
    "table_one": {"variables": ["age", "bmi", "stage"], "group_by": "arm"},
    "ttest": {"variable": "bmi", "group_by": "arm"},
    "mann_whitney": {"variable": "bmi", "group_by": "arm"},
    "anova": {"variable": "sbp", "group_by": "stage"},
    "kruskal": {"variable": "sbp", "group_by": "stage"},
    "chi_square": {"row": "stage", "column": "arm"},
    "correlation": {"variables": ["age", "bmi", "sbp"]},
    "linear_regression": {"outcome": "sbp", "predictors": ["age", "arm"]},
    "logistic_regression": {"outcome": "responder", "predictors": ["bmi", "age"]},
    "kaplan_meier": {"time": "time", "event": "event", "group_by": "arm"},
    "cox_ph": {"time": "time", "event": "event", "covariates": ["age", "arm"]},
}


# Data-dictionary annotations, as a steward would enter them.
ANNOTATIONS = {
    "age": {"label": "Age at enrolment", "unit": "years"},
    "sbp": {"label": "Systolic pressure", "unit": "mmHg"},
    "arm": {"label": "Treatment arm"},
    "time": {"unit": "days"},
}


def dictionary_of(table):
    columns = {entry["name"]: entry for entry in describe(table)}
    for name, annotations in ANNOTATIONS.items():
        columns[name] |= annotations
    return columns


@pytest.fixture(scope="module")
def results():
    table = trial()
    columns = dictionary_of(table)
    return {name: run(name, table, columns, **params) for name, params in CASES.items()}


def stored(chart):
    """A chart as the engine stores it on the analysis."""
    return {"name": chart.name, "title": chart.title, "kind": chart.kind, "spec": chart.spec}


def test_every_method_is_covered_and_every_kind_they_produce_has_a_renderer(results):
    assert set(CASES) == {method.name for method in methods.all_methods()}
    produced = {chart.kind for result in results.values() for chart in result.charts}
    assert produced == set(charts.KINDS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_chart_of_every_method_renders(results, name):
    assert results[name].charts, f"{name} offers no chart"
    for chart in results[name].charts:
        if chart.spec.get("individual_points"):
            with pytest.raises(charts.ChartWithheld):
                charts.render(stored(chart), "png", min_cell_count=5)
        for k in (None,) if chart.spec.get("individual_points") else (None, 5):
            png, _ = charts.render(stored(chart), "png", min_cell_count=k)
            width, height = png_size(png)
            assert 600 <= width <= 2400 and 300 <= height <= 2400, (chart.name, width, height)
            svg, _ = charts.render(stored(chart), "svg", min_cell_count=k)
            svg_root(svg)
            assert chart.title in svg_texts(svg)


def test_every_chart_carries_the_data_dictionary_labels_of_its_columns(results):
    method_variables = {name: methods.get(name).variables(params) for name, params in CASES.items()}
    for name, result in results.items():
        for chart in result.charts:
            labels = chart.spec["labels"]
            for variable in method_variables[name]:
                column = variable.split("^")[0]
                assert column in labels, (name, chart.name, column)
    labels = results["linear_regression"].charts[0].spec["labels"]
    expected = {"sbp": "Systolic pressure (mmHg)", "age": "Age at enrolment (years)", "arm": "Treatment arm"}
    assert expected.items() <= labels.items() and labels["bmi"] == "bmi"
    assert results["kaplan_meier"].charts[0].spec["labels"]["time"] == "time (days)"


def test_axis_titles_show_the_labels(results):
    chart = next(chart for chart in results["anova"].charts if chart.kind == "box")
    texts = svg_texts(charts.render(stored(chart), "svg", min_cell_count=None)[0])
    assert "Systolic pressure (mmHg)" in texts
    (survival,) = results["kaplan_meier"].charts
    texts = svg_texts(charts.render(stored(survival), "svg", min_cell_count=5)[0])
    assert "time (days)" in texts and "Treatment arm" in texts
    forest = next(chart for chart in results["cox_ph"].charts if chart.kind == "forest")
    texts = svg_texts(charts.render(stored(forest), "svg", min_cell_count=5)[0])
    assert {"Age at enrolment (years)", "Treatment arm[B]"} <= set(texts)


def test_the_rare_level_is_suppressed_in_the_descriptive_bar_chart(results):
    chart = next(chart for chart in results["descriptive"].charts if chart.kind == "bar")
    exact, _ = charts.render(stored(chart), "svg", min_cell_count=None)
    guarded, _ = charts.render(stored(chart), "svg", min_cell_count=5)
    assert 3 in numbers_shown(exact)
    assert 3 not in numbers_shown(guarded) and "<5" in svg_texts(guarded)


def test_kaplan_meier_curves_are_cut_and_the_risk_table_guarded(results):
    (chart,) = results["kaplan_meier"].charts
    guarded = svg_texts(charts.render(stored(chart), "svg", min_cell_count=5)[0])
    assert any("Curves end where fewer than 5" in text for text in guarded)
    cells = [text for text in guarded if text.endswith(")") and "(" in text and text[0] in "<0123456789"]
    assert len(cells) == 2 * len(chart.spec["risk_table"]["times"])
    for cell in cells:
        at_risk, events = cell.rstrip(")").split(" (")
        for count in (at_risk, events):
            assert count == "<5" or int(count) == 0 or int(count) >= 5, cell
