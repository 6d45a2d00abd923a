"""POST /api/cohorts/preview/: counts without saving, errors that point at the problem."""

import pytest

from audit.models import AuditLog
from cohorts.models import Cohort
from datasets import services as dataset_services

from .conftest import count, trial_rows, trial_table

pytestmark = pytest.mark.django_db
URL = "/api/cohorts/preview/"
ROWS = trial_rows()


def test_counts_and_attrition_without_saving(api_as, owner, dataset):
    before = AuditLog.objects.count()
    response = api_as(owner).post(
        URL, {"dataset": dataset.pk, "criteria": 'age >= 50 or sex == "F"'}, format="json"
    )
    assert response.status_code == 200, response.json()
    expected = count(ROWS, lambda r: r["age"] >= 50 or r["sex"] == "F")
    assert response.json() == {
        "size": expected,
        "attrition": [{"clause": 'age >= 50 or sex == "F"', "remaining": expected}],
        "suppressed": False,
        "notes": [],
        "dataset_version": 1,
    }
    assert (Cohort.objects.count(), AuditLog.objects.count()) == (0, before)


def test_an_earlier_version_can_be_counted(api_as, owner, dataset):
    dataset_services.dataset_add_version(owner, dataset, table=trial_table(trial_rows(4)))
    client = api_as(owner)
    current = client.post(URL, {"dataset": dataset.pk, "criteria": ""}, format="json").json()
    first = client.post(URL, {"dataset": dataset.pk, "criteria": "", "version": 1}, format="json").json()
    assert (current["size"], current["dataset_version"]) == (4, 2)
    assert (first["size"], first["dataset_version"]) == (len(ROWS), 1)
    missing = client.post(URL, {"dataset": dataset.pk, "criteria": "", "version": 9}, format="json")
    assert missing.status_code == 400
    assert missing.json()["errors"] == {"version": ["This dataset has no version 9."]}


def test_a_parse_error_names_its_position(api_as, owner, dataset):
    criteria = "age >= 60 and (sex == 'F'"
    response = api_as(owner).post(URL, {"dataset": dataset.pk, "criteria": criteria}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["position"] == len(criteria)
    assert body["detail"].startswith(f"criteria: position {len(criteria)}: ")
    assert body["errors"]["criteria"][0].startswith(f"position {len(criteria)}: ")


def test_an_unknown_column_names_the_closest_ones(api_as, owner, dataset):
    response = api_as(owner).post(
        URL, {"dataset": dataset.pk, "criteria": "age > 1 and BMl > 30"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["position"] == len("age > 1 and ")
    assert "unknown column 'BMl'; did you mean 'bmi'?" in body["errors"]["criteria"][0]


def test_positions_count_leading_whitespace(api_as, owner, dataset):
    response = api_as(owner).post(URL, {"dataset": dataset.pk, "criteria": "  \n nope == 1"}, format="json")
    assert response.json()["position"] == 4


@pytest.mark.parametrize(
    "hostile", ["__import__('os').system('id')", "age.__class__", "{age}", "lambda: 1", "age[0]"]
)
def test_hostile_criteria_are_400s(api_as, owner, dataset, hostile):
    response = api_as(owner).post(URL, {"dataset": dataset.pk, "criteria": hostile}, format="json")
    assert response.status_code == 400
    assert isinstance(response.json()["position"], int)


def test_small_counts_are_suppressed_without_export(api_as, owner, analyst, dataset, settings):
    criteria = "age >= 60 and age >= 74 and age >= 100"  # 10, then 3, then 0 rows
    exact = api_as(owner).post(URL, {"dataset": dataset.pk, "criteria": criteria}, format="json").json()
    assert [step["remaining"] for step in exact["attrition"]] == [10, 3, 0]
    assert (exact["size"], exact["suppressed"]) == (0, False)
    hidden = api_as(analyst).post(URL, {"dataset": dataset.pk, "criteria": criteria}, format="json").json()
    assert hidden["attrition"] == [
        {"clause": "age >= 60", "remaining": 10},
        {"clause": "age >= 74", "remaining": None, "suppressed": True},
        {"clause": "age >= 100", "remaining": 0},
    ]
    assert (hidden["size"], hidden["suppressed"]) == (0, True)
    assert "k=5" in hidden["notes"][0]
    small = api_as(analyst).post(URL, {"dataset": dataset.pk, "criteria": "age >= 74"}, format="json").json()
    assert (small["size"], small["suppressed"]) == (None, True)
    settings.BIOSTAT_MIN_CELL_COUNT = 3
    shown = api_as(analyst).post(URL, {"dataset": dataset.pk, "criteria": "age >= 74"}, format="json").json()
    assert (shown["size"], shown["suppressed"]) == (3, False)


def test_an_invisible_dataset_is_a_400_on_the_field_like_a_missing_one(api_as, outsider, dataset):
    client = api_as(outsider)
    hidden = client.post(URL, {"dataset": dataset.pk, "criteria": ""}, format="json")
    missing = client.post(URL, {"dataset": dataset.pk + 100, "criteria": ""}, format="json")
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json() == missing.json()
    assert hidden.json()["errors"] == {"dataset": ["No dataset found with this id."]}


def test_view_without_analyze_is_told_what_it_lacks(api_as, viewer, steward, dataset):
    for user in (viewer, steward):
        response = api_as(user).post(URL, {"dataset": dataset.pk, "criteria": ""}, format="json")
        assert response.status_code == 403
        assert "'analyze'" in response.json()["detail"]


def test_anonymous_callers_are_refused(client, dataset):
    response = client.post(URL, {"dataset": dataset.pk, "criteria": ""}, content_type="application/json")
    assert response.status_code == 401
    assert client.get("/api/cohorts/").status_code == 401


def test_fields_are_required(api_as, owner):
    response = api_as(owner).post(URL, {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"dataset", "criteria"}
