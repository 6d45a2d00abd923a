"""The synthetic two-arm trial the browser tests upload, and what the pages must show for it.

Deterministic, and shaped for the journey: ages either side of the cohort's cut-off, a few
missing BMI values for the attrition table, and a rare stage (two treated patients, one
control) whose counts disclosure control must hide from a colleague without ``export``.
"""

import csv
import io
import random
from dataclasses import dataclass

ROWS = 80
RARE_STAGE_ROWS = {7, 12, 31}  # row numbers: odd rows are treated, so two treated and one control
CRITERIA = "age >= 40 and not is_null(bmi)"
CLAUSES = ("age >= 40", "not is_null(bmi)")


@dataclass(frozen=True)
class Patient:
    patient_id: str
    age: int
    sex: str
    arm: str
    stage: str
    bmi: float | None
    months: float
    died: int


def patients(seed=42):
    rng = random.Random(seed)
    rows = []
    for number in range(1, ROWS + 1):
        arm = "treatment" if number % 2 else "control"
        rare = number in RARE_STAGE_ROWS
        rows.append(
            Patient(
                patient_id=f"P{number:03d}",
                age=58 if rare else rng.randint(30, 85),
                sex=rng.choice("FM"),
                arm=arm,
                stage="I" if rare else rng.choice(["II", "III", "IV"]),
                bmi=None if number % 13 == 0 and not rare else round(rng.gauss(27, 4), 1),
                months=round(rng.expovariate(1 / (30 if arm == "treatment" else 20)) + 0.1, 1),
                died=int(rng.random() < 0.6),
            )
        )
    return rows


def csv_bytes():
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["patient_id", "age", "sex", "arm", "stage", "bmi", "months", "died"])
    for row in patients():
        bmi = "" if row.bmi is None else row.bmi
        writer.writerow([row.patient_id, row.age, row.sex, row.arm, row.stage, bmi, row.months, row.died])
    return out.getvalue().encode()


def attrition():
    """Rows remaining after each clause of CRITERIA, as the cohort builder must show them."""
    older = [row for row in patients() if row.age >= 40]
    return [len(older), sum(1 for row in older if row.bmi is not None)]


def cohort_rows():
    return [row for row in patients() if row.age >= 40 and row.bmi is not None]


def rare_stage_counts():
    """{arm: count} of stage I in the cohort: all between 1 and 4, so suppressed for a colleague."""
    counts = {}
    for row in cohort_rows():
        if row.stage == "I":
            counts[row.arm] = counts.get(row.arm, 0) + 1
    return counts
