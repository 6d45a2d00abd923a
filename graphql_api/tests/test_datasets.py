"""Queries about datasets: the list (search, pagination), one dataset, its versions and
data dictionary, and the caller's permissions."""

import pytest

from datasets import services as dataset_services

from .conftest import error_of, trial_table

pytestmark = pytest.mark.django_db

DATASETS = """
query ($search: String! = "", $offset: Int! = 0, $limit: Int! = 50) {
  datasets(search: $search, offset: $offset, limit: $limit) {
    totalCount offset limit
    items { id name description creator version rowCount contentSha256 permissions createdAt }
  }
}
"""

DATASET = """
query ($id: ID!) {
  dataset(id: $id) {
    id name version rowCount permissions
    columns { name type n missing distinct levels label unit description }
    versions {
      totalCount
      items { version createdBy note rowCount contentSha256 createdAt columns { name type } }
    }
  }
}
"""


def test_the_list_shows_the_rest_representation(gql, owner, dataset):
    page = gql(owner).data(DATASETS)["datasets"]
    assert page["totalCount"] == 1 and page["offset"] == 0 and page["limit"] == 50
    (item,) = page["items"]
    assert item["id"] == str(dataset.pk)
    assert item["name"] == "Trial" and item["description"] == "A small trial"
    assert item["creator"] == "olivia" and item["version"] == 1 and item["rowCount"] == 40
    assert item["contentSha256"] == dataset.content_sha256
    assert item["permissions"] == ["VIEW", "ANALYZE", "EXPORT", "CHANGE", "SHARE", "DELETE"]


def test_search_and_pagination(gql, owner):
    for name in ["Alpha trial", "Beta survey", "Gamma trial"]:
        dataset_services.dataset_create(owner, name=name, table=trial_table(6))
    caller = gql(owner)
    found = caller.data(DATASETS, {"search": "trial"})["datasets"]
    assert found["totalCount"] == 2
    assert sorted(item["name"] for item in found["items"]) == ["Alpha trial", "Gamma trial"]
    first = caller.data(DATASETS, {"limit": 2})["datasets"]
    second = caller.data(DATASETS, {"offset": 2, "limit": 2})["datasets"]
    assert first["totalCount"] == second["totalCount"] == 3
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    names = {item["name"] for item in first["items"] + second["items"]}
    assert names == {"Alpha trial", "Beta survey", "Gamma trial"}


@pytest.mark.parametrize(
    ("variables", "field", "message"),
    [
        ({"limit": 501}, "limit", "Must be between 1 and 500."),
        ({"limit": 0}, "limit", "Must be between 1 and 500."),
        ({"offset": -1}, "offset", "Must be at least 0."),
    ],
)
def test_page_size_is_capped_like_rest(gql, owner, dataset, variables, field, message):
    error = error_of(gql(owner)(DATASETS, variables))
    assert error["message"] == f"{field}: {message}"
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "fields": {field: [message]}}


def test_one_dataset_with_its_dictionary_and_versions(gql, owner, dataset):
    dataset_services.dataset_add_version(owner, dataset, table=trial_table(12), note="fewer rows")
    found = gql(owner).data(DATASET, {"id": dataset.pk})["dataset"]
    assert found["version"] == 2 and found["rowCount"] == 12
    stage = next(column for column in found["columns"] if column["name"] == "stage")
    assert stage["type"] == "categorical" and stage["n"] == 12 and stage["missing"] == 0
    assert stage["label"] == "" and stage["unit"] == ""
    versions = found["versions"]
    assert versions["totalCount"] == 2
    assert [item["version"] for item in versions["items"]] == [2, 1]
    assert [item["rowCount"] for item in versions["items"]] == [12, 40]
    assert versions["items"][0]["note"] == "fewer rows" and versions["items"][0]["createdBy"] == "olivia"
    assert {"name": "age", "type": "integer"} in versions["items"][1]["columns"]


def test_versions_are_paginated(gql, owner, dataset):
    for rows in (10, 11, 12):
        dataset_services.dataset_add_version(owner, dataset, table=trial_table(rows))
    query = """
      query ($id: ID!) { dataset(id: $id) { versions(offset: 1, limit: 2) { totalCount items { version } } } }
    """
    versions = gql(owner).data(query, {"id": dataset.pk})["dataset"]["versions"]
    assert versions["totalCount"] == 4
    assert [item["version"] for item in versions["items"]] == [3, 2]


def test_an_unknown_or_malformed_id_is_null(gql, owner, dataset):
    caller = gql(owner)
    assert caller.data(DATASET, {"id": dataset.pk + 100})["dataset"] is None
    assert caller.data(DATASET, {"id": "not-a-number"})["dataset"] is None


def test_me(gql, analyst):
    me = gql(analyst).data("{ me { id username email role dateJoined } }")["me"]
    assert me["id"] == str(analyst.pk) and me["username"] == "andy"
    assert me["email"] == "andy@example.org" and me["role"] == "researcher"
