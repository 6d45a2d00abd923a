"""The analysis list asks whether the caller sees exact values once per page, not once (or twice)
per analysis, and still answers each caller under their own disclosure rules."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient

from analyses.models import Analysis

pytestmark = pytest.mark.django_db

RESULTS = {
    "summary": {},
    "tables": {"levels": [{"level": "IV", "count": 3}]},
    "notes": [],
    "suppressed": False,
}
CHARTS = [
    {"name": "bars", "title": "Counts", "spec": {}},
    {"name": "points", "title": "Scatter", "spec": {"individual_points": True}},
]


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user)[1]}")
    return client


def make_analyses(cohort, user, count):
    for _ in range(count):
        Analysis.objects.create(
            cohort=cohort,
            analysis_type="descriptive",
            parameters={"variables": ["stage"]},
            status=Analysis.Status.SUCCEEDED,
            results=RESULTS,
            charts=CHARTS,
            requested_by=user,
        )


def listed(client, cohort):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/api/analyses/?cohort={cohort.pk}&page_size=100")
    assert response.status_code == 200
    return response.json(), len(captured)


def test_the_list_takes_the_same_queries_for_2_and_20_analyses(cohort, owner):
    client = token_client(owner)
    make_analyses(cohort, owner, 2)
    few_body, few = listed(client, cohort)
    make_analyses(cohort, owner, 18)
    many_body, many = listed(client, cohort)
    assert few_body["count"] == 2 and many_body["count"] == 20
    # token + page + the caller's permissions on the datasets (the page holds all: no count)
    assert few == many == 3


def test_each_caller_gets_their_own_disclosure_rules_in_the_list(cohort, owner, analyst):
    make_analyses(cohort, owner, 3)
    exact, _ = listed(token_client(owner), cohort)  # the creator holds export
    controlled, _ = listed(token_client(analyst), cohort)  # view + analyze only
    assert all([chart["name"] for chart in item["charts"]] == ["bars", "points"] for item in exact["results"])
    assert all(item["results"]["tables"]["levels"][0]["count"] == 3 for item in exact["results"])
    for item in controlled["results"]:
        assert [chart["name"] for chart in item["charts"]] == ["bars"]
        assert item["results"]["tables"]["levels"][0]["count"] is None


def test_an_outsider_lists_nothing(cohort, owner, outsider):
    make_analyses(cohort, owner, 2)
    body, _ = listed(token_client(outsider), cohort)
    assert body["count"] == 0
