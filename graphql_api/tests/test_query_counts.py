"""No N+1: a page costs the same number of queries whether it holds 5 items or 50."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analyses import services as analysis_services
from cohorts import services as cohort_services
from datasets import permissions
from datasets import services as dataset_services

from .conftest import trial_table

pytestmark = pytest.mark.django_db

DATASETS = """
{
  datasets(limit: 500) {
    totalCount
    items {
      id name creator permissions columns { name type levels }
      versions { totalCount items { version createdBy rowCount columns { name } } }
    }
  }
}
"""
COHORTS = (
    "{ cohorts(limit: 500) { totalCount items { id size members attrition { remaining } stale createdBy } } }"
)
ANALYSES = "{ analyses(limit: 500) { totalCount items { id status results charts { url } requestedBy } } }"


def queries_for(caller, query):
    """The queries of a second run, once process-wide caches (content types) are warm."""
    caller.data(query)
    with CaptureQueriesContext(connection) as captured:
        data = caller.data(query)
    return len(captured), data


def test_datasets_with_versions_and_permissions(gql, owner, analyst):
    table = trial_table(8)

    def add(count):
        for i in range(count):
            dataset = dataset_services.dataset_create(owner, name=f"D{i}", table=table)
            dataset_services.dataset_add_version(owner, dataset, table=trial_table(9))
            permissions.grant(analyst, dataset, ["view", "analyze"])

    caller = gql(analyst)
    add(5)
    few, data = queries_for(caller, DATASETS)
    assert data["datasets"]["totalCount"] == 5
    add(45)
    many, data = queries_for(caller, DATASETS)
    assert data["datasets"]["totalCount"] == 50
    assert all(item["versions"]["totalCount"] == 2 for item in data["datasets"]["items"])
    assert all(item["permissions"] == ["VIEW", "ANALYZE"] for item in data["datasets"]["items"])
    assert many == few
    # The session and the user, a count, a page, one for permissions, one for every version.
    assert many == 6


def test_cohorts_with_counts_and_members(gql, owner, analyst, dataset):
    def add(count):
        for i in range(count):
            cohort_services.cohort_create(owner, dataset, name=f"C{i}", criteria="age > 40", members=["andy"])

    caller = gql(analyst)
    add(5)
    few, _ = queries_for(caller, COHORTS)
    add(45)
    many, data = queries_for(caller, COHORTS)
    assert data["cohorts"]["totalCount"] == 50
    assert many == few


def test_analyses_with_results(gql, owner, analyst, cohort, run_queue):
    def add(count):
        for _ in range(count):
            analysis_services.analysis_request(
                user=owner, cohort=cohort, analysis_type="descriptive", parameters={"variables": ["age"]}
            )
        run_queue()

    caller = gql(analyst)
    add(2)
    few, _ = queries_for(caller, ANALYSES)
    add(8)
    many, data = queries_for(caller, ANALYSES)
    assert data["analyses"]["totalCount"] == 10
    assert all(item["results"]["suppressed"] for item in data["analyses"]["items"])  # min/max withheld
    assert many == few
