"""Who sees what: the same answers as REST for the owner, an analyze-only grantee, a view-only
grantee, a steward and an outsider. What a caller may not see is absent (null, not in the
list, not in the count), never an error that would reveal it."""

import pytest

pytestmark = pytest.mark.django_db

LISTS = """
query ($dataset: ID, $cohort: ID) {
  datasets { totalCount items { id permissions } }
  cohorts(dataset: $dataset) { totalCount items { id } }
  analyses(cohort: $cohort) { totalCount items { id } }
}
"""
ONE_OF_EACH = """
query ($dataset: ID!, $cohort: ID!, $analysis: ID!) {
  dataset(id: $dataset) { id }
  cohort(id: $cohort) { id }
  analysis(id: $analysis) { id }
}
"""
RELATIONS = ["owner", "analyst", "viewer", "steward", "outsider"]
# relation -> (sees the dataset, its permissions, sees its cohorts and analyses)
EXPECTED = {
    "owner": (True, ["VIEW", "ANALYZE", "EXPORT", "CHANGE", "SHARE", "DELETE"], True),
    "analyst": (True, ["VIEW", "ANALYZE"], True),
    "viewer": (True, ["VIEW"], False),
    "steward": (True, ["VIEW", "SHARE"], False),
    "outsider": (False, None, False),
}


@pytest.mark.parametrize("relation", RELATIONS)
def test_lists_and_lookups(request, gql, rest, relation, dataset, cohort, analysis):
    user = request.getfixturevalue(relation)
    sees_dataset, permissions, sees_analyses = EXPECTED[relation]
    caller = gql(user)

    lists = caller.data(LISTS, {"dataset": dataset.pk, "cohort": cohort.pk})
    assert lists["datasets"]["totalCount"] == int(sees_dataset)
    assert [item["permissions"] for item in lists["datasets"]["items"]] == (
        [permissions] if sees_dataset else []
    )
    assert lists["cohorts"] == (
        {"totalCount": 1, "items": [{"id": str(cohort.pk)}]}
        if sees_analyses
        else {
            "totalCount": 0,
            "items": [],
        }
    )
    assert lists["analyses"]["totalCount"] == int(sees_analyses)

    one = caller.data(ONE_OF_EACH, {"dataset": dataset.pk, "cohort": cohort.pk, "analysis": analysis.pk})
    assert (one["dataset"] is not None) == sees_dataset
    assert (one["cohort"] is not None) == sees_analyses
    assert (one["analysis"] is not None) == sees_analyses

    # The very answers REST gives the same user.
    client = rest(user)
    assert (client.get(f"/api/datasets/{dataset.pk}/").status_code == 200) == sees_dataset
    assert (client.get(f"/api/cohorts/{cohort.pk}/").status_code == 200) == sees_analyses
    assert (client.get(f"/api/analyses/{analysis.pk}/").status_code == 200) == sees_analyses


RESULTS = """
query ($id: ID!) {
  analysis(id: $id) { status results charts { name title url } }
}
"""


def _stage_iv(results):
    return next(row for row in results["tables"]["levels"] if row["level"] == "IV")


def test_owner_sees_exact_results(gql, owner, analysis, rest):
    found = gql(owner).data(RESULTS, {"id": analysis.pk})["analysis"]
    assert found["status"] == "SUCCEEDED"
    assert found["results"]["suppressed"] is False
    assert _stage_iv(found["results"])["count"] == 3
    assert found["results"] == rest(owner).get(f"/api/analyses/{analysis.pk}/").json()["results"]


def test_analyze_only_grantee_sees_results_under_disclosure_control(gql, analyst, analysis, rest):
    found = gql(analyst).data(RESULTS, {"id": analysis.pk})["analysis"]
    results = found["results"]
    assert results["suppressed"] is True
    row = _stage_iv(results)
    assert row["count"] is None and row["suppressed"] is True
    age = next(row for row in results["tables"]["variables"] if row["variable"] == "age")
    assert age["min"] is None and age["max"] is None
    assert any(note.startswith("Disclosure control: 1 count(s) between 1 and 4") for note in results["notes"])
    assert results == rest(analyst).get(f"/api/analyses/{analysis.pk}/").json()["results"]
    # Chart links are the REST endpoints, which draw under the same rules.
    assert found["charts"], "a descriptive analysis has charts"
    for chart in found["charts"]:
        assert chart["url"] == f"/api/analyses/{analysis.pk}/charts/{chart['name']}.png"


COHORT = """
query ($id: ID!) {
  cohort(id: $id) { name criteria size suppressed notes attrition { clause remaining suppressed } }
}
"""


def test_small_cohort_counts_follow_disclosure_control(gql, owner, analyst, small_cohort, rest):
    exact = gql(owner).data(COHORT, {"id": small_cohort.pk})["cohort"]
    assert exact["size"] == 3 and exact["suppressed"] is False and exact["notes"] == []
    assert exact["attrition"] == [{"clause": 'stage == "IV"', "remaining": 3, "suppressed": False}]

    withheld = gql(analyst).data(COHORT, {"id": small_cohort.pk})["cohort"]
    assert withheld["size"] is None and withheld["suppressed"] is True
    assert withheld["attrition"] == [{"clause": 'stage == "IV"', "remaining": None, "suppressed": True}]
    assert withheld["notes"] == rest(analyst).get(f"/api/cohorts/{small_cohort.pk}/").json()["notes"]
    assert withheld["notes"]


def test_messages_are_seen_by_their_two_participants_only(gql, owner, analyst, outsider):
    from messaging.services import message_send

    message = message_send(sender=owner, recipient=analyst, body="Hello")
    query = "query ($id: ID!) { message(id: $id) { body } }"
    assert gql(owner).data(query, {"id": message.pk})["message"] == {"body": "Hello"}
    assert gql(analyst).data(query, {"id": message.pk})["message"] == {"body": "Hello"}
    assert gql(outsider).data(query, {"id": message.pk})["message"] is None
    listing = "{ inbox: messages { totalCount } sent: messages(box: SENT) { totalCount } }"
    assert gql(outsider).data(listing) == {"inbox": {"totalCount": 0}, "sent": {"totalCount": 0}}
