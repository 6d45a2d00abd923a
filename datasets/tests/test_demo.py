"""The demo datasets: a deterministic synthetic trial and the NCCTG lung data, owned by alice."""

import pytest

from biostat import demo as biostat_demo
from datasets import blobstore, demo, importers, selectors
from datasets.models import Dataset


def test_the_loader_is_registered():
    assert demo.load in biostat_demo.LOADERS


def test_the_synthetic_trial_is_deterministic_and_plausible():
    rows = demo.synthetic_trial_rows()

    assert rows == demo.synthetic_trial_rows()
    assert rows != demo.synthetic_trial_rows(seed=demo.TRIAL_SEED + 1)
    assert len(rows) == demo.TRIAL_PATIENTS
    assert list(rows[0]) == ["id", "arm", "age", "sex", "bmi", "stage", "crp", "ldh", "time", "event"]
    assert {row["arm"] for row in rows} == {"control", "treatment"}
    assert {row["stage"] for row in rows} == {"I", "II", "III", "IV"}
    missing_bmi = sum(row["bmi"] is None for row in rows)
    assert 0.02 * len(rows) < missing_bmi < 0.07 * len(rows)
    events = sum(row["event"] for row in rows)
    assert 0.2 * len(rows) < events < 0.9 * len(rows)

    def death_rate(arm):
        group = [row for row in rows if row["arm"] == arm]
        return sum(row["event"] for row in group) / sum(row["time"] for row in group)

    assert death_rate("treatment") < death_rate("control")  # the simulated treatment effect


@pytest.mark.django_db
def test_load_creates_both_datasets_with_their_grants():
    users = biostat_demo.create_users()

    demo.load(users)

    trial = Dataset.objects.get(name="Synthetic oncology trial")
    lung = Dataset.objects.get(name="NCCTG lung cancer")
    assert trial.creator == lung.creator == users["alice"]
    assert (trial.row_count, lung.row_count) == (demo.TRIAL_PATIENTS, 228)
    types = {c["name"]: c["type"] for c in trial.columns}
    assert types == {
        "id": "text", "arm": "categorical", "age": "integer", "sex": "categorical", "bmi": "numeric",
        "stage": "categorical", "crp": "numeric", "ldh": "integer", "time": "numeric", "event": "integer",
    }  # fmt: skip
    assert trial.column("bmi")["missing"] > 0 and trial.column("bmi")["unit"] == "kg/m²"
    assert lung.column("time")["unit"] == "days" and lung.column("meal.cal")["missing"] == 47
    assert selectors.dataset_permissions_for(users["bob"], trial) == ["view", "analyze"]
    assert selectors.dataset_permissions_for(users["bob"], lung) == []
    assert selectors.dataset_permissions_for(users["sam"], lung) == ["view", "share"]
    assert trial.version == lung.version == 1


def test_the_trial_content_hash_is_reproducible():
    first = blobstore.parquet_bytes(importers.read_rows(demo.synthetic_trial_rows()))
    second = blobstore.parquet_bytes(importers.read_rows(demo.synthetic_trial_rows()))

    assert first.equals(second)
