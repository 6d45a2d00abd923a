"""P2 (cohort half): criteria with 5 clauses over 1,000,000 rows, against hand-written pandas.

The criteria are ``CRITERIA`` below; the pandas side is the equivalent mask
written by hand (``pandas_mask``). Rows:

- in memory, columns as Biostat stores them (plain strings): ``Criteria.count``
  on the Arrow table vs the pandas mask on ``table.to_pandas()`` (object
  strings, datetime64 dates);
- in memory, categorical columns dictionary-encoded on our side and
  ``category`` dtype on the pandas side;
- from a plain Parquet file with 10 more columns than the criteria read: our
  path reads only the referenced columns (text columns as dictionaries) and
  counts; pandas' is ``pd.read_parquet(path, columns=...)`` plus the mask.

The full service path (decrypting the stored blob) is timed by the cohort
service's own benchmark. Each side takes the median of ``REPEATS`` runs,
interleaved so machine load hits both alike; both must select the same rows.
``peak_mb`` is the peak of Arrow plus Python allocations during one of our runs.

``python -m bench.p2_cohort`` prints the rows; ``run()`` returns them.
"""

import datetime
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cohorts.criteria import parse

ROWS = 1_000_000
EXTRA_COLUMNS = 10
REPEATS = 7
TARGET = "<= 1.3x"
CRITERIA = (
    'age >= 65 and sex == "F" and stage in ("III", "IV") and not is_null(bmi) '
    'and between(diagnosed, date("2015-01-01"), date("2019-12-31"))'
)
TEXT_COLUMNS = ["sex", "stage"]


def synthetic_table(rng):
    def missing(share):
        return rng.random(ROWS) < share

    days = rng.integers(0, 5_000, ROWS).astype("timedelta64[D]")
    columns = {
        "age": pa.array(rng.integers(18, 96, ROWS), mask=missing(0.02)),
        "sex": pa.array(np.where(rng.random(ROWS) < 0.5, "F", "M"), mask=missing(0.01)),
        "stage": pa.array(rng.choice(["I", "II", "III", "IV"], ROWS), mask=missing(0.05)),
        "bmi": pa.array(np.round(rng.normal(27, 5, ROWS), 1), mask=missing(0.1)),
        "diagnosed": pa.array(np.datetime64("2010-01-01") + days, pa.date32(), mask=missing(0.03)),
    }
    columns |= {f"lab_{index}": rng.normal(size=ROWS) for index in range(EXTRA_COLUMNS)}
    return pa.table(columns)


def pandas_mask(frame):
    """The hand-written equivalent of ``CRITERIA``; NaN/NaT/None compare false, as nulls do in ours."""
    diagnosed = frame["diagnosed"]
    if diagnosed.dtype == object:  # read_parquet gives datetime.date objects
        low, high = datetime.date(2015, 1, 1), datetime.date(2019, 12, 31)
    else:
        low, high = pd.Timestamp("2015-01-01"), pd.Timestamp("2019-12-31")
    return (
        (frame["age"] >= 65)
        & (frame["sex"] == "F")
        & frame["stage"].isin(["III", "IV"])
        & frame["bmi"].notna()
        & diagnosed.between(low, high)
    )


def compare(name, ours, baseline, note):
    """Time ``ours`` and ``baseline`` (both return a row count) and build the result row."""
    ours_times, baseline_times = [], []
    for _ in range(REPEATS):
        ours_times.append(_seconds(ours))
        baseline_times.append(_seconds(baseline))
    selected, expected = ours(), baseline()
    if selected != expected:
        raise AssertionError(f"{name}: criteria selected {selected} rows, pandas {expected}")
    ours_s, baseline_s = statistics.median(ours_times), statistics.median(baseline_times)
    return {
        "name": name,
        "ours_s": ours_s,
        "baseline_s": baseline_s,
        "ratio": ours_s / baseline_s,
        "peak_mb": _peak_mb(ours),
        "target": TARGET,
        "note": f"{note}; {selected:,} of {ROWS:,} rows selected",
    }


def _seconds(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def _peak_mb(function):
    # Arrow allocates outside Python's allocator, so its pool is measured separately.
    previous = pa.default_memory_pool()
    arrow = pa.proxy_memory_pool(previous)
    pa.set_memory_pool(arrow)
    tracemalloc.start()
    try:
        function()
        python_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        pa.set_memory_pool(previous)
    return (arrow.max_memory() + python_peak) / 2**20


def run():
    criteria = parse(CRITERIA)
    needed = sorted(criteria.columns)
    table = synthetic_table(np.random.default_rng(20261125))
    stored = table.select(needed)
    frame = stored.to_pandas(date_as_object=False)
    encoded = stored.set_column(
        stored.schema.get_field_index("sex"), "sex", stored.column("sex").dictionary_encode()
    ).set_column(stored.schema.get_field_index("stage"), "stage", stored.column("stage").dictionary_encode())
    categorical = frame.astype({name: "category" for name in TEXT_COLUMNS})
    rows = [
        compare(
            "P2 cohort 1M x 5 clauses, in memory",
            lambda: criteria.count(stored),
            lambda: int(pandas_mask(frame).sum()),
            "Arrow table as stored vs pandas frame (object strings)",
        ),
        compare(
            "P2 cohort 1M x 5 clauses, categorical",
            lambda: criteria.count(encoded),
            lambda: int(pandas_mask(categorical).sum()),
            "dictionary-encoded text vs pandas category dtype",
        ),
    ]
    with tempfile.TemporaryDirectory(prefix="bench-p2-") as directory:
        path = Path(directory) / "cohort.parquet"
        pq.write_table(table, path)
        text = [name for name in needed if name in TEXT_COLUMNS]
        rows.append(
            compare(
                "P2 cohort 1M x 5 clauses, from Parquet",
                lambda: criteria.count(pq.read_table(path, columns=needed, read_dictionary=text)),
                lambda: int(pandas_mask(pd.read_parquet(path, columns=needed)).sum()),
                f"read {len(needed)} of {table.num_columns} columns and count, "
                "vs pd.read_parquet(columns=) and the mask (pandas' defaults: object strings and dates)",
            )
        )
    return rows


if __name__ == "__main__":
    for row in run():
        ours_ms, baseline_ms = row["ours_s"] * 1000, row["baseline_s"] * 1000
        print(
            f"{row['name']:<42} ours {ours_ms:7.1f} ms  baseline {baseline_ms:7.1f} ms  "
            f"ratio {row['ratio']:.2f}  target {row['target']}  peak {row['peak_mb']:.0f} MB"
        )
        print(f"    {row['note']}")
