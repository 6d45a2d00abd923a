"""P5: survival models at scale, against R's survival package on the same data.

- Cox PH (Efron ties) on 100,000 rows x 5 covariates; target <= 2x R's ``coxph``.
- Kaplan-Meier + log-rank on 1,000,000 rows in 3 groups, times rounded to 0.01,
  and again heavily tied (whole days, a few hundred distinct times);
  target <= 0.25x R's ``survfit`` + ``survdiff``.

Ours is timed through the method's ``run()`` on an Arrow table (what the
analysis engine hands it); R is timed with ``system.time`` around the model
calls only, on the same rows written to CSV (reading is not timed), in the same
benchmark run. Each side takes the median of ``REPEATS`` runs. R comes from
Debian (r-base-core, r-cran-survival); without ``Rscript`` the rows say so and
lifelines is timed as the baseline instead. ``peak_mb`` is the peak of Python
allocations during one of our runs (tracemalloc). The note gives where our time
goes (cProfile, cumulative, the method's own functions).

``python -m bench.p5_survival`` prints the rows; ``run()`` returns them.
"""

import cProfile
import pstats
import shutil
import statistics
import subprocess
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv

from analyses.methods.cox_ph import CoxPH
from analyses.methods.kaplan_meier import KaplanMeier

REPEATS = 3
COX_ROWS, COX_COVARIATES = 100_000, 5
KM_ROWS = 1_000_000
TARGETS = {"cox": 2.0, "km": 0.25}

R_SCRIPT = """
suppressMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
timed <- function(expr) median(replicate({repeats}, system.time(eval(expr))[["elapsed"]]))
cox <- read.csv(file.path(args[1], "cox.csv"))
cat("cox", timed(quote(coxph(Surv(t, e) ~ x0 + x1 + x2 + x3 + x4, data = cox))), "\\n")
for (name in c("km", "km_tied")) {{
  d <- read.csv(file.path(args[1], paste0(name, ".csv")))
  cat(name, timed(quote({{ survfit(Surv(t, e) ~ g, data = d); survdiff(Surv(t, e) ~ g, data = d) }})), "\\n")
}}
"""


def cox_data(rng):
    x = rng.normal(size=(COX_ROWS, COX_COVARIATES))
    hazard = np.exp(x @ np.array([0.5, -0.3, 0.2, 0.0, 0.1]))
    event_time = np.round(rng.exponential(1 / hazard) * 100, 1)
    censor_time = np.round(rng.exponential(150, COX_ROWS), 1)
    columns = {"t": np.minimum(event_time, censor_time), "e": (event_time <= censor_time).astype(np.int64)}
    columns |= {f"x{j}": x[:, j] for j in range(COX_COVARIATES)}
    return pa.table(columns)


def km_data(rng, decimals):
    groups = rng.integers(0, 3, KM_ROWS)
    times = np.round(rng.exponential(np.array([80.0, 100.0, 120.0])[groups]), decimals)
    return pa.table({"t": times, "e": (rng.random(KM_ROWS) < 0.7).astype(np.int64), "g": groups})


def _time_ours(method, table, params, columns):
    durations = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        method.run(table, params, columns)
        durations.append(time.perf_counter() - start)
    tracemalloc.start()
    method.run(table, params, columns)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    profile = cProfile.Profile()
    profile.runcall(method.run, table, params, columns)
    return statistics.median(durations), peak, _profile_note(profile)


def _profile_note(profile):
    stats = pstats.Stats(profile)
    total = max(stats.total_tt, 1e-9)
    own = [
        (cumulative, function)
        for (filename, _, function), (_, _, _, cumulative, _) in stats.stats.items()
        if "analyses/methods" in filename and function not in {"run", "<module>"}
    ]
    top = sorted(own, reverse=True)[:5]
    return "profile: " + ", ".join(f"{function} {cumulative / total:.0%}" for cumulative, function in top)


def _time_r(directory):
    script = Path(directory) / "p5.R"
    script.write_text(R_SCRIPT.format(repeats=REPEATS))
    output = subprocess.run(
        ["Rscript", str(script), str(directory)], capture_output=True, text=True, check=True, timeout=1800
    ).stdout
    version = subprocess.run(
        ["Rscript", "-e", 'cat(R.version.string, "survival", format(packageVersion("survival")))'],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {line.split()[0]: float(line.split()[1]) for line in output.splitlines() if line.strip()}, version


def _time_lifelines(cox, kms):
    """The fallback baseline when R is missing: lifelines on the same data."""
    from lifelines import CoxPHFitter, KaplanMeierFitter
    from lifelines.statistics import multivariate_logrank_test

    def median_of(function):
        durations = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            function()
            durations.append(time.perf_counter() - start)
        return statistics.median(durations)

    frame = cox.to_pandas()
    result = {"cox": median_of(lambda: CoxPHFitter().fit(frame, "t", "e"))}
    for name, table in kms.items():
        data = table.to_pandas()

        def km_and_logrank(data=data):
            for _, part in data.groupby("g"):
                KaplanMeierFitter().fit(part["t"], part["e"])
            multivariate_logrank_test(data["t"], data["g"], data["e"])

        result[name] = median_of(km_and_logrank)
    return result, "lifelines (R not installed)"


def run():
    rng = np.random.default_rng(20261125)
    cox = cox_data(rng)
    kms = {"km": km_data(rng, 2), "km_tied": km_data(rng, 0)}
    with tempfile.TemporaryDirectory(prefix="bench-p5-") as directory:
        for name, table in [("cox", cox), *kms.items()]:
            pyarrow.csv.write_csv(table, Path(directory) / f"{name}.csv")
        if shutil.which("Rscript"):
            baseline, source = _time_r(directory)
        else:
            baseline, source = _time_lifelines(cox, kms)

    numeric = {"type": "numeric"}
    cox_columns = {name: numeric for name in cox.column_names} | {"e": {"type": "integer"}}
    cox_params = {"time": "t", "event": "e", "covariates": [f"x{j}" for j in range(COX_COVARIATES)]}
    km_columns = {"t": numeric, "e": {"type": "integer"}, "g": {"type": "integer"}}
    km_params = {"time": "t", "event": "e", "group_by": "g"}
    cases = [
        ("cox", "P5 Cox PH 100k x 5", CoxPH(), cox, cox_params, cox_columns),
        ("km", "P5 KM + log-rank 1M (0.01)", KaplanMeier(), kms["km"], km_params, km_columns),
        ("km_tied", "P5 KM + log-rank 1M (tied)", KaplanMeier(), kms["km_tied"], km_params, km_columns),
    ]
    rows = []
    for key, label, method, table, params, columns in cases:
        ours, peak, profile = _time_ours(method, table, params, columns)
        target = TARGETS["cox" if key == "cox" else "km"]
        distinct = len(np.unique(table.column("t").to_numpy()))
        rows.append(
            {
                "name": label,
                "ours_s": ours,
                "baseline_s": baseline[key],
                "ratio": ours / baseline[key],
                "peak_mb": peak,
                "target": f"<= {target}x R" if "lifelines" not in source else f"<= {target}x (vs lifelines)",
                "note": f"baseline {source.strip()}; {table.num_rows} rows, "
                f"{distinct} distinct times; {profile}",
            }
        )
    return rows


if __name__ == "__main__":
    for row in run():
        print(
            f"{row['name']:<30} ours {row['ours_s']:.3f} s  baseline {row['baseline_s']:.3f} s  "
            f"ratio {row['ratio']:.2f}  target {row['target']}  peak {row['peak_mb']:.0f} MB\n"
            f"    {row['note']}"
        )
