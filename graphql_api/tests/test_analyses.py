"""Analysis queries and requestAnalysis, through the analyses app's selectors and services."""

import pytest

from analyses.models import Analysis
from audit.models import AuditLog

from .conftest import error_of

pytestmark = pytest.mark.django_db

REQUEST = """
mutation ($cohort: ID!, $type: String!, $parameters: JSON) {
  requestAnalysis(cohort: $cohort, analysisType: $type, parameters: $parameters) {
    id cohortId analysisType parameters status results error requestedBy
  }
}
"""
ANALYSIS = """
query ($id: ID!) {
  analysis(id: $id) {
    id status error results metadata finishedAt charts { name title url }
  }
}
"""


def test_request_queue_run_and_read(gql, owner, cohort, run_queue):
    caller = gql(owner)
    queued = caller.data(
        REQUEST, {"cohort": cohort.pk, "type": "descriptive", "parameters": {"variables": ["age"]}}
    )
    queued = queued["requestAnalysis"]
    assert queued["status"] == "QUEUED" and queued["results"] is None
    assert queued["cohortId"] == str(cohort.pk) and queued["requestedBy"] == "olivia"
    assert queued["parameters"]["variables"] == ["age"]
    request_entry = AuditLog.objects.get(action="analysis.request")
    assert request_entry.actor == owner and request_entry.entity_id == queued["id"]

    run_queue()
    found = caller.data(ANALYSIS, {"id": queued["id"]})["analysis"]
    assert found["status"] == "SUCCEEDED" and found["error"] == "" and found["finishedAt"]
    (age,) = found["results"]["tables"]["variables"]
    assert age["variable"] == "age" and age["n"] == 40 and age["min"] == 30
    assert found["metadata"]["rows_used"] == 40
    assert found["charts"] and all(chart["url"].endswith(".png") for chart in found["charts"])
    # Reading one analysis is audited, as REST's detail view does.
    assert AuditLog.objects.filter(action="analysis.view", entity_id=queued["id"], actor=owner).count() == 1


def test_list_by_cohort(gql, analyst, cohort, analysis):
    query = "query ($cohort: ID) { analyses(cohort: $cohort) { totalCount items { id status } } }"
    listed = gql(analyst).data(query, {"cohort": cohort.pk})["analyses"]
    assert listed == {"totalCount": 1, "items": [{"id": str(analysis.pk), "status": "SUCCEEDED"}]}
    assert gql(analyst).data(query, {"cohort": cohort.pk + 100})["analyses"]["totalCount"] == 0


def test_parameters_are_checked_before_queueing(gql, owner, cohort):
    error = error_of(
        gql(owner)(
            REQUEST, {"cohort": cohort.pk, "type": "descriptive", "parameters": {"variables": ["agee"]}}
        )
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["fields"] == {
        "variables": ["Unknown variable 'agee'. Did you mean 'age', 'stage'?"]
    }
    assert error["message"] == "variables: Unknown variable 'agee'. Did you mean 'age', 'stage'?"
    error = error_of(gql(owner)(REQUEST, {"cohort": cohort.pk, "type": "magic"}))
    assert list(error["extensions"]["fields"]) == ["analysis_type"]
    assert not Analysis.objects.exists()


def test_an_unseen_cohort_looks_like_a_missing_one(gql, viewer, cohort):
    caller = gql(viewer)
    hidden = error_of(caller(REQUEST, {"cohort": cohort.pk, "type": "descriptive"}))
    missing = error_of(caller(REQUEST, {"cohort": cohort.pk + 100, "type": "descriptive"}))
    assert hidden["message"] == missing["message"] == "cohort: No cohort found with this id."
    assert hidden["extensions"] == missing["extensions"]


def test_a_small_cohort_needs_export(gql, analyst, small_cohort):
    error = error_of(
        gql(analyst)(
            REQUEST, {"cohort": small_cohort.pk, "type": "descriptive", "parameters": {"variables": ["age"]}}
        )
    )
    assert error["extensions"]["fields"] == {
        "cohort": ["The cohort has fewer than 5 rows; analyses on it need the 'export' permission."]
    }
    assert not Analysis.objects.exists()
