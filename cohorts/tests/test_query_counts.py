"""The cohort list as REST clients drive it (a knox token, ``?dataset=``): the same queries for
5 or 50 cohorts, and nothing for a caller without ``analyze``."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user)[1]}")
    return client


def listed(client, dataset):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/api/cohorts/?dataset={dataset.pk}&page_size=100")
    assert response.status_code == 200
    return response.json(), len(captured)


def test_the_list_takes_the_same_queries_for_5_and_50_cohorts(dataset, owner, member, make_cohort):
    client = token_client(owner)
    for number in range(5):
        make_cohort(criteria=f"age >= {40 + number}", name=f"Cohort {number}", members=[member.username])
    few_body, few = listed(client, dataset)
    for number in range(5, 50):
        make_cohort(criteria=f"age >= {40 + number}", name=f"Cohort {number}", members=[member.username])
    many_body, many = listed(client, dataset)
    assert few_body["count"] == 5 and many_body["count"] == 50
    assert all(item["members"] == [member.username] for item in many_body["results"])
    # token + page + members + the caller's permissions on the datasets (the page holds all: no count)
    assert few == many == 4


def test_an_analyst_without_export_sees_suppressed_counts_in_the_list(dataset, analyst, make_cohort):
    make_cohort(criteria="age < 46", name="Young")  # 3 rows: fewer than the minimum cell count
    body, _ = listed(token_client(analyst), dataset)
    [item] = body["results"]
    assert item["size"] is None and item["suppressed"] is True and item["notes"]
    assert item["attrition"] == [{"clause": "age < 46", "remaining": None, "suppressed": True}]


def test_callers_without_analyze_see_no_cohorts(dataset, viewer, outsider, make_cohort):
    make_cohort()
    for user in (viewer, outsider):
        body, _ = listed(token_client(user), dataset)
        assert body["count"] == 0 and body["results"] == []
