"""Disclosure control inside charts: without export no count of 1..k-1 is shown,
no minimum or maximum, no survival curve below k at risk, no chart of
individual points, and every chart that was changed says so; holders of export
see exact values."""

import pytest

from analyses import charts
from analyses.charts import box, heatmap, residuals, survival
from analyses.charts.rules import ChartRules
from analyses.tests.chart_support import SPECS, chart, numbers_shown, svg_texts

K = 5
SMALL = {1, 2, 3, 4}
SUPPRESSED_NOTE = "Counts below 5 suppressed"


def svg(kind, k, spec=None):
    return charts.render(chart(kind, spec), "svg", min_cell_count=k)[0]


def has_note(data, note):
    return any(note in text for text in svg_texts(data))


@pytest.mark.parametrize(
    ("kind", "small_counts"),
    [("histogram", {1, 3}), ("bar", {2, 4}), ("box", {3}), ("survival", {1, 2, 3})],
)
def test_small_counts_show_only_to_holders_of_export(kind, small_counts):
    exact = svg(kind, None)
    assert small_counts <= numbers_shown(exact)
    assert not has_note(exact, SUPPRESSED_NOTE) and "<5" not in " ".join(svg_texts(exact))

    guarded = svg(kind, K)
    assert not SMALL & numbers_shown(guarded)
    assert has_note(guarded, SUPPRESSED_NOTE)
    assert any(text.startswith("<5") or text.endswith("<5") for text in svg_texts(guarded))


def test_large_counts_and_zeros_stay_exact_under_disclosure_control():
    shown = numbers_shown(svg("bar", K))
    assert {120, 140, 60, 0} <= shown
    assert {150, 420, 260} <= numbers_shown(svg("histogram", K))


def test_a_chart_with_nothing_small_carries_no_suppression_note():
    spec = SPECS["bar"] | {"series": [{"name": "count", "counts": [120, 0, 60]}]}
    assert not has_note(svg("bar", K, spec), SUPPRESSED_NOTE)
    for kind in ("dot", "forest"):
        assert not has_note(svg(kind, K), SUPPRESSED_NOTE)


def test_suppressed_bars_are_hatched_placeholders_with_a_legend_entry():
    guarded = svg("bar", K)
    assert "<5: count suppressed" in svg_texts(guarded)
    assert b'id="h' in guarded  # matplotlib writes each hatch as a pattern definition
    assert b'id="h' not in svg("bar", None)


def _box_lines(k, spec=None):
    fig = box.draw(spec or SPECS["box"], ChartRules(k))
    axes = fig.axes[0]
    values = {round(float(y), 6) for line in axes.lines for y in line.get_ydata()}
    return values, axes.get_ylim()


def test_box_plots_withhold_extremes_and_small_groups():
    values, _ = _box_lines(None)
    assert {17.25, 41.5, 22.5, 33.5} <= values  # whiskers from minimum to maximum

    values, (low, high) = _box_lines(K)
    assert not {17.25, 41.5, 22.5, 33.5, 25.5, 28.5} & values  # no whiskers, group B (n=3) not drawn
    assert low > 17.25 and high < 41.5  # the axis does not reach the extremes either
    texts = svg_texts(svg("box", K))
    assert any("Minimum and maximum withheld" in text for text in texts)
    assert any("fewer than 5 values are not drawn" in text for text in texts)
    assert "n <5" in texts and "n = 3" not in texts


def test_box_whiskers_reach_the_5th_and_95th_percentiles_when_the_spec_has_them():
    groups = [group | {"p05": 19.5, "p95": 38.5} for group in SPECS["box"]["groups"]]
    values, _ = _box_lines(K, {**SPECS["box"], "groups": groups})
    assert {19.5, 38.5} <= values and not {17.25, 41.5} & values
    assert has_note(svg("box", K, {**SPECS["box"], "groups": groups}), "5th to 95th percentile")


def _curve_ends(k, spec=None):
    fig = survival.draw(spec or SPECS["survival"], ChartRules(k))
    return {
        line.get_label(): (max(line.get_xdata()) if len(line.get_xdata()) else None)
        for line in fig.axes[0].lines
    }


def test_survival_curves_stop_where_fewer_than_k_remain_at_risk():
    assert _curve_ends(None) == {"F": 700, "M": 800}
    # At time 600 only 3 and 2 people are at risk: both curves end at 400, the last time with >= 5.
    assert _curve_ends(K) == {"F": 400, "M": 400}
    guarded = svg("survival", K)
    assert has_note(guarded, "Curves end where fewer than 5 people remain at risk")
    assert "<5 (240)" in svg_texts(guarded) and "3 (240)" in svg_texts(svg("survival", None))


def test_survival_truncates_exactly_when_curves_carry_the_number_at_risk():
    groups = [
        SPECS["survival"]["groups"][0] | {"n_at_risk": [400, 380, 150, 6, 4]},
        SPECS["survival"]["groups"][1] | {"n_at_risk": [500, 450, 200, 70, 4, 1]},
    ]
    assert _curve_ends(K, {**SPECS["survival"], "groups": groups}) == {"F": 500, "M": 350}


def test_a_survival_group_smaller_than_k_is_not_drawn():
    spec = {
        **SPECS["survival"],
        "risk_table": {
            "times": [0, 200, 400, 600, 800],
            "rows": [
                SPECS["survival"]["risk_table"]["rows"][0],
                {"group": "M", "n_at_risk": [4, 3, 2, 1, 1], "cumulative_events": [0, 1, 2, 3, 3]},
            ],
        },
    }
    ends = _curve_ends(K, spec)
    assert ends == {"F": 400, "M (fewer than 5 at risk)": None}
    assert not SMALL & numbers_shown(svg("survival", K, spec))


def test_heatmap_hides_correlations_over_fewer_than_k_rows():
    spec = SPECS["heatmap"] | {"n": [[40, 3, 40], [3, 40, 0], [40, 0, 40]]}
    exact = svg_texts(svg("heatmap", None, spec))
    assert "0.31" in exact and "-0.72" in exact
    guarded = svg_texts(svg("heatmap", K, spec))
    assert "0.31" not in guarded and "-0.72" in guarded and "n<5" in guarded
    fig = heatmap.draw(spec, ChartRules(K))
    image = fig.axes[0].images[0].get_array()
    assert image.mask[0, 1] and image.mask[1, 0] and not image.mask[0, 2]


def test_residual_bins_of_fewer_than_k_rows_are_not_drawn():
    def fitted_drawn(k):
        fig = residuals.draw(SPECS["residuals"], ChartRules(k))
        return {float(x) for line in fig.axes[0].lines for x in line.get_xdata()}

    assert 60.0 in fitted_drawn(None)
    assert 60.0 not in fitted_drawn(K) and 50.0 in fitted_drawn(K)
    assert has_note(svg("residuals", K), "Bins of fewer than 5 rows are not drawn")


def test_charts_of_individual_points_are_refused_and_unlisted_under_disclosure_control():
    scatter = chart("scatter")
    for fmt in ("png", "svg"):
        with pytest.raises(charts.ChartWithheld, match="individual points"):
            charts.render(scatter, fmt, min_cell_count=K)
    assert has_note(svg("scatter", None), "One point per row (7 rows)")
    stored = [chart("bar"), scatter, chart("heatmap")]
    assert charts.listed(stored, exact=True) == stored
    assert charts.listed(stored, exact=False) == [chart("bar"), chart("heatmap")]


def test_a_sampled_scatter_says_so():
    spec = SPECS["scatter"] | {"n": 12000}
    assert has_note(svg("scatter", None, spec), "a random sample of 7 of the 12,000 rows")
