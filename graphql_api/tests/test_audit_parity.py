"""Each mutation writes the audit record its REST twin writes: the same service writes both."""

import pytest

from audit.models import AuditLog

pytestmark = pytest.mark.django_db


def _last_id():
    return AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _entries_written_by(action):
    before = _last_id()
    action()
    return list(
        AuditLog.objects.filter(pk__gt=before).values_list("action", "entity_type", "actor__username", "ip")
    )


def _compare(user, rest, gql, rest_call, graphql_call):
    client, caller = rest(user), gql(user)  # logging in writes its own entry: before counting

    def over_rest():
        response = rest_call(client)
        assert response.status_code in (201, 202), response.json()

    def over_graphql():
        body = graphql_call(caller)
        assert "errors" not in body, body

    from_rest = _entries_written_by(over_rest)
    assert _entries_written_by(over_graphql) == from_rest
    return [entry[:3] for entry in from_rest]


def test_create_dataset(gql, rest, owner):
    rows = [{"a": 1}, {"a": 2}]
    entries = _compare(
        owner,
        rest,
        gql,
        lambda client: client.post("/api/datasets/", {"name": "R", "data": rows}, format="json"),
        lambda caller: caller(
            'mutation ($rows: Rows!) { createDataset(name: "G", rows: $rows) { id } }', {"rows": rows}
        ),
    )
    assert entries == [("dataset.create", "dataset", "olivia")]


def test_create_cohort(gql, rest, analyst, dataset):
    entries = _compare(
        analyst,
        rest,
        gql,
        lambda client: client.post("/api/cohorts/", {"dataset": dataset.pk, "name": "R"}, format="json"),
        lambda caller: caller(
            'mutation ($d: ID!) { createCohort(dataset: $d, name: "G") { id } }', {"d": dataset.pk}
        ),
    )
    assert entries == [("cohort.create", "cohort", "andy")]


def test_request_analysis(gql, rest, analyst, cohort):
    body = {"cohort": cohort.pk, "analysis_type": "descriptive", "parameters": {"variables": ["age"]}}
    query = """mutation ($c: ID!) {
      requestAnalysis(cohort: $c, analysisType: "descriptive", parameters: {variables: ["age"]}) { id }
    }"""
    entries = _compare(
        analyst,
        rest,
        gql,
        lambda client: client.post("/api/analyses/", body, format="json"),
        lambda caller: caller(query, {"c": cohort.pk}),
    )
    assert entries == [("analysis.request", "analysis", "andy")]


def test_send_message(gql, rest, owner, analyst):
    entries = _compare(
        owner,
        rest,
        gql,
        lambda client: client.post("/api/messages/", {"recipient": "andy", "body": "R"}, format="json"),
        lambda caller: caller('mutation { sendMessage(recipient: "andy", body: "G") { id } }'),
    )
    assert entries == [("message.send", "message", "olivia")]
