"""Helpers for the chart tests: one small spec of every kind, and ways to read
what a rendered chart holds (PNG size, SVG text)."""

import io
import re
import xml.etree.ElementTree as ET

from PIL import Image

SVG = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WHOLE_NUMBER = re.compile(r"(?<![\d.,])\d+(?![\d.,])")

# Counts of 1..4 sit among large ones (axis ticks then run in tens or hundreds,
# so a small number in the SVG text can only be a count).
SPECS = {
    "histogram": {
        "variable": "age",
        "edges": [100, 200, 300, 400, 500, 600],
        "counts": [3, 150, 420, 260, 1],
    },
    "bar": {
        "x_label": "stage",
        "categories": ["I", "II", "III"],
        "series": [{"name": "A", "counts": [120, 2, 0]}, {"name": "B", "counts": [140, 4, 60]}],
        "series_label": "arm",
    },
    "box": {
        "variable": "bmi",
        "groups": [
            {
                "group": "A",
                "n": 40,
                "q1": 24.5,
                "median": 27.25,
                "q3": 30.5,
                "mean": 27.75,
                "min": 17.25,
                "max": 41.5,
            },
            {
                "group": "B",
                "n": 3,
                "q1": 25.5,
                "median": 26.5,
                "q3": 28.5,
                "mean": 26.75,
                "min": 22.5,
                "max": 33.5,
            },
        ],
    },
    "heatmap": {
        "variables": ["age", "bmi", "sbp"],
        "matrix": [[1.0, 0.31, -0.72], [0.31, 1.0, None], [-0.72, None, 1.0]],
        "method": "pearson",
    },
    "dot": {
        "rows": [
            {"variable": "age", "group_a": "A", "group_b": "B", "smd": 0.05},
            {"variable": "stage", "group_a": "A", "group_b": "B", "smd": 0.22},
        ],
        "reference": 0.1,
    },
    "forest": {
        "rows": [
            {"term": "age", "estimate": 1.03, "ci_low": 1.01, "ci_high": 1.07},
            {"term": "sex[M]", "estimate": 0.61, "ci_low": 0.41, "ci_high": 0.88},
        ],
        "reference": 1.0,
        "log_scale": True,
        "x_label": "Hazard ratio",
    },
    "residuals": {
        "outcome": "y",
        "bins": [
            {
                "n": 30,
                "fitted": 10.0 * i,
                "residual_mean": 0.1,
                "residual_q1": -0.5,
                "residual_median": 0.0,
                "residual_q3": 0.6,
            }
            for i in range(1, 6)
        ]
        + [
            {
                "n": 3,
                "fitted": 60.0,
                "residual_mean": 0.0,
                "residual_q1": -1.0,
                "residual_median": 0.0,
                "residual_q3": 1.0,
            }
        ],
    },
    "scatter": {
        "x_variable": "age",
        "y_variable": "sbp",
        "points": {"x": [34.0, 41.0, 47.0, 52.0, 58.0, 63.0, 71.0], "y": [118, 131, 126, 140, 137, 149, 152]},
        "line": {"x": [34.0, 71.0], "y": [119.5, 153.25], "label": "Least-squares line"},
        "n": 7,
        "individual_points": True,
    },
    "survival": {
        "time_label": "days",
        "groups": [
            {
                "group": "F",
                "time": [0, 100, 300, 500, 700],
                "survival": [1, 0.9, 0.7, 0.5, 0.3],
                "ci_low": [1, 0.8, 0.6, 0.4, 0.2],
                "ci_high": [1, 0.95, 0.8, 0.6, 0.45],
            },
            {
                "group": "M",
                "time": [0, 50, 150, 350, 650, 800],
                "survival": [1, 0.85, 0.6, 0.4, 0.2, 0.1],
                "ci_low": [1, 0.75, 0.5, 0.3, 0.1, 0.02],
                "ci_high": [1, 0.92, 0.7, 0.5, 0.3, 0.2],
            },
        ],
        "risk_table": {
            "times": [0, 200, 400, 600, 800],
            "rows": [
                {
                    "group": "F",
                    "n_at_risk": [400, 300, 120, 3, 0],
                    "cumulative_events": [0, 100, 200, 240, 242],
                },
                {
                    "group": "M",
                    "n_at_risk": [500, 250, 60, 2, 1],
                    "cumulative_events": [0, 220, 380, 440, 443],
                },
            ],
        },
    },
}


def chart(kind, spec=None, title="A chart"):
    return {"name": kind, "title": title, "kind": kind, "spec": spec if spec is not None else SPECS[kind]}


def png_size(data):
    """(width, height) of a PNG, after checking it decodes."""
    assert data.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.format == "PNG"
        return image.size


def svg_root(data):
    root = ET.fromstring(data)  # noqa: S314  (our own output, not untrusted input)
    assert root.tag == f"{SVG}svg"
    return root


def svg_texts(data):
    """Every piece of text an SVG shows."""
    return ["".join(element.itertext()) for element in svg_root(data).iter(f"{SVG}text")]


def numbers_shown(data):
    """Every whole number standing alone in the SVG's text: 12 in "12 (3)", none in "1.2" or "1,200"."""
    return {int(token) for text in svg_texts(data) for token in WHOLE_NUMBER.findall(text)}
