"""Cohort queries and createCohort, through the cohort app's selectors and service."""

import pytest

from audit.models import AuditLog
from cohorts.models import Cohort

from .conftest import error_of

pytestmark = pytest.mark.django_db

COHORTS = """
query ($dataset: ID) {
  cohorts(dataset: $dataset) {
    totalCount
    items { id datasetId datasetVersion name criteria size members stale createdBy }
  }
}
"""
CREATE = """
mutation ($dataset: ID!, $name: String!, $criteria: String! = "", $members: [String!]) {
  createCohort(dataset: $dataset, name: $name, criteria: $criteria, members: $members) {
    id datasetId datasetVersion name criteria size suppressed members createdBy
    attrition { clause remaining suppressed }
  }
}
"""


def test_list_and_filter_by_dataset(gql, owner, dataset, cohort, small_cohort):
    caller = gql(owner)
    listed = caller.data(COHORTS, {"dataset": dataset.pk})["cohorts"]
    assert listed["totalCount"] == 2
    by_name = {item["name"]: item for item in listed["items"]}
    assert by_name["Everyone"] == {
        "id": str(cohort.pk),
        "datasetId": str(dataset.pk),
        "datasetVersion": 1,
        "name": "Everyone",
        "criteria": "",
        "size": 40,
        "members": [],
        "stale": False,
        "createdBy": "olivia",
    }
    assert caller.data(COHORTS, {"dataset": dataset.pk + 1})["cohorts"] == {"totalCount": 0, "items": []}


def test_a_malformed_dataset_filter_is_an_error(gql, owner, dataset):
    error = error_of(gql(owner)(COHORTS, {"dataset": "x"}))
    assert error["extensions"]["fields"] == {"dataset": ["Must be a dataset id (a whole number)."]}


def test_create_cohort(gql, owner, analyst, dataset):
    created = gql(owner).data(
        CREATE, {"dataset": dataset.pk, "name": "Older", "criteria": "age >= 60", "members": ["andy"]}
    )["createCohort"]
    cohort = Cohort.objects.get(pk=created["id"])
    assert created["size"] == cohort.size == 10
    assert created["members"] == ["andy"] and created["createdBy"] == "olivia"
    assert created["attrition"] == [{"clause": "age >= 60", "remaining": 10, "suppressed": False}]
    entry = AuditLog.objects.get(action="cohort.create")
    assert entry.actor == owner and entry.entity_id == created["id"]


def test_an_analyze_only_creator_sees_small_counts_suppressed(gql, analyst, dataset):
    created = gql(analyst).data(CREATE, {"dataset": dataset.pk, "name": "IV", "criteria": 'stage == "IV"'})
    assert created["createCohort"]["size"] is None and created["createCohort"]["suppressed"] is True


def test_a_criteria_error_gives_its_position(gql, owner, dataset):
    error = error_of(
        gql(owner)(CREATE, {"dataset": dataset.pk, "name": "Bad", "criteria": "age >= 60 and agee < 3"})
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["position"] == 14
    (message,) = error["extensions"]["fields"]["criteria"]
    assert message.startswith("position 14:") and "'age'" in message
    assert error["message"] == f"criteria: {message}"
    assert not Cohort.objects.exists()


def test_an_unseen_dataset_looks_like_a_missing_one(gql, outsider, dataset):
    caller = gql(outsider)
    hidden = error_of(caller(CREATE, {"dataset": dataset.pk, "name": "X"}))
    missing = error_of(caller(CREATE, {"dataset": dataset.pk + 100, "name": "X"}))
    assert hidden["message"] == missing["message"] == "dataset: No dataset found with this id."
    assert hidden["extensions"] == missing["extensions"]


def test_view_only_is_forbidden_with_the_reason(gql, viewer, dataset):
    error = error_of(gql(viewer)(CREATE, {"dataset": dataset.pk, "name": "X"}))
    assert error["extensions"] == {"code": "FORBIDDEN"}
    assert "'analyze' permission" in error["message"]
    assert not Cohort.objects.exists()
