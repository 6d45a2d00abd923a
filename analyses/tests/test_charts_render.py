"""Rendering every chart kind: decodable PNGs of sensible size, well-formed SVGs,
the same bytes every time, data-dictionary labels, and concurrent renders."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from analyses import charts
from analyses.charts import style
from analyses.tests.chart_support import SPECS, chart, png_size, svg_root, svg_texts

KINDS = sorted(SPECS)
# Charts of individual points are drawn for holders of export only (k = None).
CASES = [
    (kind, k) for kind in KINDS for k in (None, 5) if k is None or not SPECS[kind].get("individual_points")
]


def caller_k(kind):
    """The strictest caller who may see this kind: under disclosure control unless it plots points."""
    return None if SPECS[kind].get("individual_points") else 5


def test_every_kind_the_methods_produce_has_a_renderer():
    assert set(charts.KINDS) == set(SPECS)


@pytest.mark.parametrize(("kind", "k"), CASES)
def test_png_decodes_at_a_sensible_size(kind, k):
    data, content_type = charts.render(chart(kind), "png", min_cell_count=k)
    assert content_type == "image/png"
    width, height = png_size(data)
    assert 600 <= width <= 2400 and 300 <= height <= 2400


@pytest.mark.parametrize(("kind", "k"), CASES)
def test_svg_is_well_formed_with_text_as_text(kind, k):
    data, content_type = charts.render(chart(kind, title="Title of the chart"), "svg", min_cell_count=k)
    assert content_type == "image/svg+xml"
    svg_root(data)
    assert "Title of the chart" in svg_texts(data)


@pytest.mark.parametrize("kind", KINDS)
def test_the_same_chart_gives_the_same_bytes(kind):
    for fmt in ("png", "svg"):
        first, _ = charts.render(chart(kind), fmt, min_cell_count=caller_k(kind))
        again, _ = charts.render(chart(kind), fmt, min_cell_count=caller_k(kind))
        assert first == again
    svg, _ = charts.render(chart(kind), "svg", min_cell_count=None)
    assert b"<dc:date>" not in svg and b"Matplotlib" not in svg


def test_png_carries_no_software_or_date_metadata():
    data, _ = charts.render(chart("bar"), "png", min_cell_count=None)
    assert b"tEXt" not in data and b"tIME" not in data


def test_axis_labels_come_from_the_data_dictionary_when_the_spec_has_them():
    spec = SPECS["histogram"] | {"labels": {"age": "Age at enrolment (years)"}}
    texts = svg_texts(charts.render(chart("histogram", spec), "svg", min_cell_count=None)[0])
    assert "Age at enrolment (years)" in texts and "age" not in texts
    assert "age" in svg_texts(charts.render(chart("histogram"), "svg", min_cell_count=None)[0])


def test_every_axis_title_reads_the_data_dictionary_labels():
    labels = {
        "age": "Age at enrolment (years)",
        "bmi": "Body-mass index (kg/m2)",
        "stage": "Tumour stage",
        "arm": "Treatment arm",
        "sbp": "Systolic pressure (mmHg)",
        "days": "Follow-up (days)",
        "y": "Outcome score",
        "sex": "Sex",
    }
    expected = {
        "histogram": {"Age at enrolment (years)"},
        "bar": {"Tumour stage", "Treatment arm"},
        "box": {"Body-mass index (kg/m2)", "Treatment arm"},
        "heatmap": {"Age at enrolment (years)", "Systolic pressure (mmHg)"},
        "dot": {"Age at enrolment (years)", "Tumour stage"},
        "forest": {"Age at enrolment (years)", "Sex[M]"},
        "residuals": {"Fitted value of Outcome score"},
        "scatter": {"Age at enrolment (years)", "Systolic pressure (mmHg)"},
        "survival": {"Follow-up (days)", "Treatment arm"},
    }
    assert set(expected) == set(KINDS)
    for kind in KINDS:
        spec = SPECS[kind] | {"labels": labels}
        if kind in ("box", "survival"):
            spec["group_label"] = "arm"
        texts = svg_texts(charts.render(chart(kind, spec), "svg", min_cell_count=None)[0])
        assert expected[kind] <= set(texts), (kind, texts)


def test_forest_terms_read_their_column_label():
    spec = {"labels": {"arm": "Treatment arm", "age": "Age (years)", "a[1]": "A one"}}
    assert style.term_label(spec, "arm[B]") == "Treatment arm[B]"
    assert style.term_label(spec, "age^2") == "Age (years)^2"
    assert style.term_label(spec, "a[1][x]") == "A one[x]"  # the longest column the term starts with
    assert style.term_label(spec, "armB") == "armB" and style.term_label(spec, "const") == "const"


def test_labels_print_as_written_never_as_mathtext():
    spec = SPECS["bar"] | {"categories": ["$5", "$x^2$", "under_score"]}
    texts = svg_texts(charts.render(chart("bar", spec), "svg", min_cell_count=None)[0])
    assert {"$5", "$x^2$", "under_score"} <= set(texts)


def test_long_category_labels_are_shortened():
    spec = SPECS["bar"] | {"categories": ["x" * 80, "II", "III"]}
    texts = svg_texts(charts.render(chart("bar", spec), "svg", min_cell_count=None)[0])
    assert "x" * 80 not in texts and "x" * 31 + "\u2026" in texts


def test_many_categories_widen_the_chart_within_bounds():
    categories = [f"level {i}" for i in range(50)]
    spec = {"x_label": "site", "categories": categories, "series": [{"name": "count", "counts": [10] * 50}]}
    width, _ = png_size(charts.render(chart("bar", spec), "png", min_cell_count=5)[0])
    assert 1080 < width <= 2400


def test_unknown_kind_or_format_is_refused():
    with pytest.raises(ValueError, match="kind 'pie'"):
        charts.render(chart("bar") | {"kind": "pie"}, "png", min_cell_count=None)
    with pytest.raises(ValueError, match="format 'gif'"):
        charts.render(chart("bar"), "gif", min_cell_count=None)


def test_concurrent_renders_match_serial_ones():
    """Web threads draw at the same time: no shared pyplot state, no garbled output."""
    jobs = [
        ("survival", "png", 5),
        ("bar", "svg", None),
        ("box", "png", None),
        ("heatmap", "svg", 5),
        ("forest", "png", None),
        ("histogram", "svg", 5),
        ("residuals", "png", 5),
        ("dot", "svg", None),
        ("scatter", "png", None),
    ]

    def draw(job):
        kind, fmt, k = job
        return charts.render(chart(kind), fmt, min_cell_count=k)[0]

    serial = [draw(job) for job in jobs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(2):
            assert list(pool.map(draw, jobs)) == serial


def test_clip_path_ids_are_renumbered_in_order_of_appearance():
    from analyses.charts.style import stable_clip_ids

    svg = (
        b'<clipPath id="p0123456789"/><clipPath id="pabcdefabcd"/>'
        b'<path clip-path="url(#pabcdefabcd)"/><path clip-path="url(#p0123456789)"/>'
    )
    assert stable_clip_ids(svg) == (
        b'<clipPath id="clip1"/><clipPath id="clip2"/>'
        b'<path clip-path="url(#clip2)"/><path clip-path="url(#clip1)"/>'
    )
