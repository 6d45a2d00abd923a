from analyses import disclosure


def results(**tables):
    return {"summary": {"n": 40, "statistic": 2.5}, "tables": tables, "notes": [], "suppressed": False}


def test_small_counts_are_suppressed_with_every_number_in_their_row():
    out = disclosure.apply(
        results(
            levels=[
                {"variable": "stage", "level": "IV", "count": 3, "percent": 7.5},
                {"variable": "stage", "level": "I", "count": 37, "percent": 92.5},
                {"variable": "stage", "level": "II", "count": 0, "percent": 0.0},
            ]
        ),
        k=5,
    )
    small, large, zero = out["tables"]["levels"]
    assert small == {"variable": "stage", "level": "IV", "count": None, "percent": None, "suppressed": True}
    assert large == {"variable": "stage", "level": "I", "count": 37, "percent": 92.5}
    assert zero["count"] == 0 and "suppressed" not in zero
    assert out["suppressed"] is True
    assert any("1 count(s) between 1 and 4" in note for note in out["notes"])


def test_boundary_k_itself_is_shown():
    out = disclosure.apply(results(levels=[{"level": "a", "count": 5}, {"level": "b", "count": 4}]), k=5)
    assert out["tables"]["levels"][0]["count"] == 5
    assert out["tables"]["levels"][1]["count"] is None


def test_extremes_are_withheld_and_said():
    out = disclosure.apply(
        results(variables=[{"variable": "age", "n": 40, "mean": 61.2, "min": 18, "max": 94}]), k=5
    )
    row = out["tables"]["variables"][0]
    assert row["min"] is None and row["max"] is None and row["mean"] == 61.2
    assert "suppressed" not in row
    assert any("minimum and maximum" in note for note in out["notes"])
    assert out["suppressed"] is True


def test_summary_counts_are_checked_too():
    out = disclosure.apply({"summary": {"n": 3, "p_value": 0.2}, "tables": {}, "notes": []}, k=5)
    assert out["summary"] == {"n": None, "p_value": None, "suppressed": True}


def test_untouched_results_say_not_suppressed_and_input_is_not_mutated():
    original = results(groups=[{"group": "A", "n": 20, "mean": 1.0}, {"group": "B", "n": 20, "mean": 2.0}])
    out = disclosure.apply(original, k=5)
    assert out["suppressed"] is False and out["notes"] == []
    assert out == original
    assert out is not original


def test_booleans_are_not_counts():
    assert not disclosure.is_small(True, 5)
    assert disclosure.suppress_counts([0, 1, 4, 5, 12], 5) == [0, None, None, 5, 12]


def test_a_small_missing_count_is_withheld_alone():
    out = disclosure.apply(results(variables=[{"variable": "bmi", "n": 57, "missing": 3, "mean": 27.1}]), k=5)
    assert out["tables"]["variables"][0] == {
        "variable": "bmi",
        "n": 57,
        "missing": None,
        "mean": 27.1,
        "suppressed": True,
    }
