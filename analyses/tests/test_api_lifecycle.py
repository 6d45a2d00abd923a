import pytest
from django_tasks_db.models import DBTaskResult

from analyses.models import Analysis
from audit.models import AuditLog

pytestmark = pytest.mark.django_db


def request_descriptive(client, cohort, **parameters):
    parameters.setdefault("variables", ["age", "stage"])
    return client.post(
        "/api/analyses/",
        {"cohort": cohort.pk, "analysis_type": "descriptive", "parameters": parameters},
        format="json",
    )


def test_request_queues_and_a_worker_runs_it(api, owner, cohort, run_queue):
    response = request_descriptive(api(owner), cohort)
    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "queued"
    analysis = Analysis.objects.get(pk=response.json()["id"])
    assert DBTaskResult.objects.filter(args_kwargs__args=[analysis.pk]).exists()

    run_queue()

    body = api(owner).get(f"/api/analyses/{analysis.pk}/").json()
    assert body["status"] == "succeeded", body["error"]
    ages = next(row for row in body["results"]["tables"]["variables"] if row["variable"] == "age")
    assert ages["n"] == 60
    receipt = body["metadata"]
    assert receipt["dataset"] == {
        "id": cohort.dataset_id,
        "version": 1,
        "content_sha256": cohort.dataset.content_sha256,
    }
    assert receipt["rows_used"] == 60 and receipt["parameters"]["variables"] == ["age", "stage"]
    assert {"numpy", "scipy", "pandas", "pyarrow"} <= set(receipt["libraries"])
    assert len(receipt["results_sha256"]) == 64
    actions = list(
        AuditLog.objects.filter(entity_type="analysis", entity_id=str(analysis.pk)).values_list(
            "action", flat=True
        )
    )
    assert actions == ["analysis.request", "analysis.finish", "analysis.view"]


def test_parameters_are_checked_before_queueing(api, owner, cohort):
    response = request_descriptive(api(owner), cohort, variables=["agee"])
    assert response.status_code == 400
    assert response.json()["errors"]["variables"] == ["Unknown variable 'agee'. Did you mean 'age', 'stage'?"]
    response = api(owner).post(
        "/api/analyses/",
        {"cohort": cohort.pk, "analysis_type": "ttest", "parameters": {"variable": "age"}},
        format="json",
    )
    assert response.status_code == 400 and "group_by" in response.json()["errors"]
    response = api(owner).post(
        "/api/analyses/", {"cohort": cohort.pk, "analysis_type": "magic", "parameters": {}}, format="json"
    )
    assert response.status_code == 400 and "analysis_type" in response.json()["errors"]
    assert not Analysis.objects.exists() and not DBTaskResult.objects.exists()


def test_a_method_refusal_ends_failed_with_its_reason(api, owner, cohort, run_queue):
    response = api(owner).post(
        "/api/analyses/",
        {
            "cohort": cohort.pk,
            "analysis_type": "ttest",
            "parameters": {"variable": "age", "group_by": "stage"},
        },
        format="json",
    )
    assert response.status_code == 202
    run_queue()
    body = api(owner).get(f"/api/analyses/{response.json()['id']}/").json()
    assert body["status"] == "failed"
    assert body["error"] and "Internal error" not in body["error"]


def test_disclosure_control_for_callers_without_export(api, owner, analyst, cohort, run_queue):
    analysis_id = request_descriptive(api(owner), cohort).json()["id"]
    run_queue()
    exact = api(owner).get(f"/api/analyses/{analysis_id}/").json()["results"]
    guarded = api(analyst).get(f"/api/analyses/{analysis_id}/").json()["results"]
    stage_iv = next(row for row in exact["tables"]["levels"] if row["level"] == "IV")
    assert stage_iv["count"] == 3 and exact["suppressed"] is False
    guarded_iv = next(row for row in guarded["tables"]["levels"] if row["level"] == "IV")
    assert guarded_iv["count"] is None and guarded_iv["suppressed"] is True
    age = next(row for row in guarded["tables"]["variables"] if row["variable"] == "age")
    assert age["min"] is None and age["max"] is None
    assert guarded["suppressed"] is True and any("k=5" in note for note in guarded["notes"])


def test_small_cohort_is_refused_without_export(api, owner, analyst, dataset):
    from analyses.tests.conftest import make_cohort

    small = make_cohort(dataset, owner, 'stage == "IV"')
    response = request_descriptive(api(analyst), small)
    assert response.status_code == 400
    assert "fewer than 5 rows" in response.json()["errors"]["cohort"][0]
    assert request_descriptive(api(owner), small).status_code == 202


def test_invisible_analyses_are_404_and_absent_from_lists(api, owner, outsider, cohort, run_queue):
    analysis_id = request_descriptive(api(owner), cohort).json()["id"]
    assert api(outsider).get(f"/api/analyses/{analysis_id}/").status_code == 404
    assert api(outsider).get("/api/analyses/").json()["count"] == 0
    assert api(outsider).post(f"/api/analyses/{analysis_id}/rerun/").status_code == 404
    assert api(outsider).get(f"/api/analyses/{analysis_id}/tables/variables.csv").status_code == 404
    response = request_descriptive(api(outsider), cohort)
    assert response.status_code == 400 and response.json()["errors"]["cohort"] == [
        "No cohort found with this id."
    ]


def test_rerun_reports_an_identical_result_hash(api, owner, cohort, run_queue):
    analysis_id = request_descriptive(api(owner), cohort).json()["id"]
    run_queue()
    rerun = api(owner).post(f"/api/analyses/{analysis_id}/rerun/")
    assert rerun.status_code == 202
    run_queue()
    original = api(owner).get(f"/api/analyses/{analysis_id}/").json()
    again = api(owner).get(f"/api/analyses/{rerun.json()['id']}/").json()
    assert again["rerun_of"] == analysis_id
    assert again["metadata"]["identical_to_original"] is True
    assert again["metadata"]["results_sha256"] == original["metadata"]["results_sha256"]


def test_result_tables_export_as_csv_under_the_same_rules(api, owner, analyst, cohort, run_queue):
    analysis_id = request_descriptive(api(owner), cohort).json()["id"]
    run_queue()
    exact = b"".join(
        api(owner).get(f"/api/analyses/{analysis_id}/tables/levels.csv").streaming_content
    ).decode()
    guarded = b"".join(
        api(analyst).get(f"/api/analyses/{analysis_id}/tables/levels.csv").streaming_content
    ).decode()
    assert "IV,3," in exact.replace('"', "")
    assert "IV,3," not in guarded.replace('"', "")
    assert AuditLog.objects.filter(action="analysis.export").count() == 2
    assert api(owner).get(f"/api/analyses/{analysis_id}/tables/nope.csv").status_code == 404


def test_analysis_types_list_every_method_with_its_schema(api, owner):
    types = api(owner).get("/api/analysis-types/").json()
    names = {item["name"] for item in types}
    assert {"descriptive", "table_one", "ttest", "anova", "chi_square"} <= names
    assert all(item["parameters"]["type"] == "object" for item in types)
