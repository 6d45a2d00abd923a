"""Descriptive statistics: NIST StRD univariate certified values, R's documented
summaries, missing values, categorical levels, charts and edge cases."""

from fractions import Fraction
from pathlib import Path

import pyarrow as pa
import pytest

from analyses.methods.base import MethodError
from analyses.tests.method_support import airquality, dictionary, digits, exact_decimals, imported, run

UNIVARIATE = Path(__file__).parent / "data" / "nist" / "univariate"
NIST_SETS = ["PiDigits", "Lottery", "Lew", "Mavro", "Michelso", "NumAcc1", "NumAcc2", "NumAcc3", "NumAcc4"]
REQUIRED = {"Lower": 9, "Average": 9, "Higher": 7}  # significant digits, per NIST's difficulty


def nist(name):
    """(observations as text, header fields) of one univariate data set."""
    header, values = {}, []
    for line in (UNIVARIATE / f"{name}.txt").read_text().splitlines():
        if line.startswith("#"):
            key, _, value = line[2:].partition(": ")
            header[key] = value
        else:
            values.append(line)
    return values, header


@pytest.mark.parametrize("name", NIST_SETS)
def test_shipped_nist_data_reproduce_every_certified_digit(name):
    """Exact rational arithmetic over the shipped observations gives NIST's
    certified mean, SD and lag-1 autocorrelation: the transcription is faithful."""
    texts, header = nist(name)
    x = [Fraction(text) for text in texts]
    mean = sum(x) / len(x)
    squares = sum((value - mean) ** 2 for value in x)
    autocorrelation = sum((x[i] - mean) * (x[i + 1] - mean) for i in range(len(x) - 1)) / squares
    assert len(x) == int(header["Observations"])
    assert digits(float(mean), float(header["Certified sample mean"])) == 15
    assert (
        digits(float(squares / (len(x) - 1)) ** 0.5, float(header["Certified sample standard deviation"]))
        >= 14.5
    )
    assert digits(float(autocorrelation), float(header["Certified sample lag-1 autocorrelation"])) >= 14.5


def _certified_agreement(table, columns, header):
    row = run("descriptive", table, columns, variables=["x"]).tables["variables"][0]
    return (
        row,
        digits(row["mean"], float(header["Certified sample mean"])),
        digits(row["sd"], float(header["Certified sample standard deviation"])),
    )


@pytest.mark.parametrize("name", NIST_SETS)
def test_nist_univariate_through_the_importer(name):
    texts, header = nist(name)
    table, columns = imported(["x"], [[text] for text in texts])
    row, mean_digits, sd_digits = _certified_agreement(table, columns, header)
    required = REQUIRED[header["Level of difficulty"]]
    assert row["n"] == len(texts) and row["missing"] == 0
    assert mean_digits >= required and sd_digits >= required


@pytest.mark.parametrize("name", NIST_SETS)
def test_nist_univariate_exact_decimals_keep_all_certified_digits(name):
    texts, header = nist(name)
    table = pa.table({"x": exact_decimals(texts)})
    _, mean_digits, sd_digits = _certified_agreement(table, dictionary(x="numeric"), header)
    assert mean_digits >= 14 and sd_digits >= 14


def test_float64_storage_still_meets_the_required_digits():
    for name in NIST_SETS:
        texts, header = nist(name)
        table = pa.table({"x": pa.array([float(text) for text in texts])})
        _, mean_digits, sd_digits = _certified_agreement(table, dictionary(x="numeric"), header)
        assert min(mean_digits, sd_digits) >= REQUIRED[header["Level of difficulty"]], name


def test_ozone_matches_r_summary():
    # R: summary(airquality$Ozone) -> Min 1.00, 1st Qu. 18.00, Median 31.50, Mean 42.13,
    # 3rd Qu. 63.25, Max 168.00, NA's 37; sd(airquality$Ozone, na.rm = TRUE) = 32.98788.
    table, columns = airquality()
    row = run("descriptive", table, columns, variables=["Ozone"]).tables["variables"][0]
    assert row["n"] == 116 and row["missing"] == 37
    assert (row["min"], row["q1"], row["median"], row["q3"], row["max"]) == (1, 18, 31.5, 63.25, 168)
    assert row["mean"] == pytest.approx(42.12931, abs=5e-6)
    assert row["sd"] == pytest.approx(32.98788, abs=5e-6)


def test_categorical_levels_counts_and_percent_of_non_missing():
    table = pa.table({"stage": ["II", "I", None, "II", "IV", "II", "I", None]})
    columns = {"stage": {"type": "categorical", "levels": ["I", "II", "III", "IV"]}}
    result = run("descriptive", table, columns, variables=["stage"])
    assert result.tables["variables"] == [
        {
            "variable": "stage",
            "n": 6,
            "missing": 2,
            **dict.fromkeys(("mean", "sd", "median", "q1", "q3", "min", "max")),
        }
    ]
    assert result.tables["levels"] == [
        {"variable": "stage", "level": "I", "count": 2, "percent": pytest.approx(100 / 3)},
        {"variable": "stage", "level": "II", "count": 3, "percent": 50.0},
        {"variable": "stage", "level": "IV", "count": 1, "percent": pytest.approx(100 / 6)},
    ]
    (chart,) = result.charts
    assert chart.kind == "bar" and chart.spec["categories"] == ["I", "II", "IV"]
    assert chart.spec["series"] == [{"name": "count", "counts": [2, 3, 1]}]


def test_booleans_are_described_as_levels():
    table = pa.table({"smoker": [True, False, True, None, True]})
    result = run("descriptive", table, dictionary(smoker="boolean"), variables=["smoker"])
    assert [(row["level"], row["count"]) for row in result.tables["levels"]] == [(False, 1), (True, 3)]


def test_histogram_is_bin_counts_on_round_edges_not_points():
    texts = [str(18 + (index * 37) % 77) for index in range(40)]  # ages 18..94
    (chart,) = run("descriptive", *imported(["age"], [[text] for text in texts]), variables=["age"]).charts
    spec = chart.spec
    assert chart.kind == "histogram" and chart.name == "histogram-age"
    assert sum(spec["counts"]) == 40 and len(spec["edges"]) == len(spec["counts"]) + 1
    steps = {round(b - a, 9) for a, b in zip(spec["edges"], spec["edges"][1:], strict=False)}
    # Sturges: 7 bins for 40 values over 18..94 -> round width 20 from 0 to 100.
    assert steps == {20.0} and spec["edges"][0] == 0 and spec["edges"][-1] == 100
    assert set(spec) == {"variable", "edges", "counts", "labels"} and spec["labels"] == {"age": "age"}


def test_histogram_edges_are_exact_for_crowded_decimals():
    # 0.1 steps at 1e12: float64 edges would misplace values; exact edges put each in its own bin.
    texts = ["1000000000000.1", "1000000000000.2", "1000000000000.2", "1000000000000.3"]
    (chart,) = run(
        "descriptive", pa.table({"x": exact_decimals(texts)}), dictionary(x="numeric"), variables=["x"]
    ).charts
    assert [count for count in chart.spec["counts"] if count] == [1, 2, 1]


def test_missing_values_are_dropped_per_variable():
    table = pa.table({"a": [1.0, None, 3.0, float("nan")], "b": pa.array([4, 5, None, 7])})
    rows = run("descriptive", table, dictionary(a="numeric", b="integer"), variables=["a", "b"]).tables[
        "variables"
    ]
    assert [(row["variable"], row["n"], row["missing"], row["mean"]) for row in rows] == [
        ("a", 2, 2, 2.0),
        ("b", 3, 1, pytest.approx(16 / 3)),
    ]


def test_a_single_value_has_no_standard_deviation():
    result = run("descriptive", pa.table({"x": [None, 5.0]}), dictionary(x="numeric"), variables=["x"])
    row = result.tables["variables"][0]
    assert row["n"] == 1 and row["mean"] == 5.0 and row["sd"] is None
    assert any("at least two values" in note for note in result.notes)


def test_all_missing_is_a_clear_error():
    table = pa.table({"x": pa.array([None, None], pa.float64())})
    with pytest.raises(MethodError, match="'x' has no non-missing values"):
        run("descriptive", table, dictionary(x="numeric"), variables=["x"])


def test_constant_variable_is_described_not_refused():
    row = run("descriptive", pa.table({"x": [7, 7, 7]}), dictionary(x="integer"), variables=["x"]).tables[
        "variables"
    ][0]
    assert (row["mean"], row["sd"], row["min"], row["max"]) == (7, 0, 7, 7)
