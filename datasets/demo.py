"""Demo datasets for `make run`: a synthetic randomised trial and the NCCTG lung cancer data.

Both go through the importer an upload uses (``importers.read_rows``) and the
ordinary services, so their dictionaries, versions, grants and audit entries
look exactly like those of uploaded data.
"""

import math

import numpy as np
from lifelines.datasets import load_lung

from . import importers, services

TRIAL_SEED = 20260101
TRIAL_PATIENTS = 3000
STAGES = ("I", "II", "III", "IV")

# (column, label, unit)
TRIAL_ANNOTATIONS = [
    ("id", "Patient identifier", ""),
    ("arm", "Randomised arm", ""),
    ("age", "Age at randomisation", "years"),
    ("bmi", "Body-mass index", "kg/m²"),
    ("stage", "Tumour stage", ""),
    ("crp", "C-reactive protein", "mg/L"),
    ("ldh", "Lactate dehydrogenase", "U/L"),
    ("time", "Follow-up time", "months"),
    ("event", "Death during follow-up (1) or censored (0)", ""),
]
# From the documentation of R's survival::lung; lifelines codes status 1 = dead, 0 = censored.
LUNG_ANNOTATIONS = [
    ("inst", "Institution code", ""),
    ("time", "Survival time", "days"),
    ("status", "Dead (1) or censored (0)", ""),
    ("age", "Age", "years"),
    ("sex", "Sex (1 = male, 2 = female)", ""),
    ("ph.ecog", "ECOG performance score rated by the physician (0 = good, 5 = dead)", ""),
    ("ph.karno", "Karnofsky performance score rated by the physician (0 = bad, 100 = good)", ""),
    ("pat.karno", "Karnofsky performance score rated by the patient", ""),
    ("meal.cal", "Calories consumed at meals", "kcal"),
    ("wt.loss", "Weight loss in the last six months", "lb"),
]


def synthetic_trial_rows(seed=TRIAL_SEED, patients=TRIAL_PATIENTS):
    """A two-arm trial with exponential survival under proportional hazards; the same rows for a seed."""
    rng = np.random.default_rng(seed)
    treated = rng.random(patients) < 0.5
    age = np.clip(np.rint(rng.normal(63, 9, patients)), 30, 90).astype(int)
    female = rng.random(patients) < 0.48
    bmi = np.round(np.clip(rng.normal(27.5, 4.8, patients), 16, 50), 1)
    bmi_missing = rng.random(patients) < 0.04
    stage = rng.choice(len(STAGES), patients, p=[0.2, 0.3, 0.3, 0.2])
    crp = np.round(rng.lognormal(1.5, 0.8, patients), 2)
    ldh = np.rint(rng.normal(210 + 30 * stage, 40)).astype(int)
    log_hazard = np.log(0.012) + 0.5 * stage + 0.03 * (age - 63) + 0.25 * np.log(crp) - 0.4 * treated
    time_to_death = rng.exponential(1 / np.exp(log_hazard))
    follow_up = rng.uniform(12, 60, patients)  # staggered entry, administrative censoring
    event = time_to_death <= follow_up
    time = np.round(np.minimum(time_to_death, follow_up), 1)
    return [
        {
            "id": f"P{index + 1:05d}",
            "arm": "treatment" if treated[index] else "control",
            "age": int(age[index]),
            "sex": "F" if female[index] else "M",
            "bmi": None if bmi_missing[index] else float(bmi[index]),
            "stage": STAGES[stage[index]],
            "crp": float(crp[index]),
            "ldh": int(ldh[index]),
            "time": float(time[index]),
            "event": int(event[index]),
        }
        for index in range(patients)
    ]


def lung_rows():
    """The NCCTG advanced lung cancer data (Loprinzi et al. 1994) as shipped by lifelines."""
    records = load_lung().to_dict("records")
    return [
        {
            name: None if isinstance(value, float) and math.isnan(value) else value
            for name, value in row.items()
        }
        for row in records
    ]


def _annotate(user, dataset, annotations):
    for name, label, unit in annotations:
        dataset = services.column_update(user, dataset, name, label=label, unit=unit)
    return dataset


def load(users):
    """Alice owns both datasets; Bob may analyse the trial (not export it); Sam, a steward, sees both."""
    alice, bob = users["alice"], users["bob"]
    trial = services.dataset_create(
        alice,
        name="Synthetic oncology trial",
        description=f"{TRIAL_PATIENTS:,} simulated patients in a two-arm trial (numpy seed {TRIAL_SEED}): "
        "treatment lowers the hazard of death; stage, age and CRP raise it.",
        table=importers.read_rows(synthetic_trial_rows()),
        note="Generated for the demo",
    )
    trial = _annotate(alice, trial, TRIAL_ANNOTATIONS)
    services.dataset_share(alice, trial, bob, ["analyze"])
    lung = services.dataset_create(
        alice,
        name="NCCTG lung cancer",
        description="Survival in patients with advanced lung cancer from the North Central Cancer "
        "Treatment Group (Loprinzi et al., J Clin Oncol 1994), via lifelines.datasets.load_lung().",
        table=importers.read_rows(lung_rows()),
        note="lifelines.datasets.load_lung()",
    )
    _annotate(alice, lung, LUNG_ANNOTATIONS)
