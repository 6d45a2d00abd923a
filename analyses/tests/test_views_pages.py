import pytest

from analyses.models import Analysis

pytestmark = pytest.mark.django_db


def test_the_form_builds_fields_from_the_method_and_queues_the_analysis(client, owner, cohort):
    client.force_login(owner)
    step_one = client.get(f"/analyses/new/?cohort={cohort.pk}")
    assert step_one.status_code == 200 and b"Next: parameters" in step_one.content
    url = f"/analyses/new/?cohort={cohort.pk}&analysis_type=ttest"
    step_two = client.get(url)
    assert step_two.status_code == 200
    page = step_two.content.decode()
    # Only numeric columns are offered for the outcome, only categorical ones to group by.
    assert 'value="bmi"' in page and 'name="group_by"' in page
    response = client.post(url, {"variable": "bmi", "group_by": "arm"})
    analysis = Analysis.objects.get()
    assert response.status_code == 302 and response.url == f"/analyses/{analysis.pk}/"
    assert analysis.parameters["variable"] == "bmi" and analysis.parameters["equal_var"] is False


def test_wrong_choices_are_shown_in_place(client, owner, cohort):
    client.force_login(owner)
    response = client.post(f"/analyses/new/?cohort={cohort.pk}&analysis_type=ttest", {"variable": "arm"})
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert not Analysis.objects.exists()


def test_detail_shows_formatted_results_and_suppressed_cells(client, api, owner, analyst, cohort, run_queue):
    analysis_id = (
        api(owner)
        .post(
            "/api/analyses/",
            {
                "cohort": cohort.pk,
                "analysis_type": "descriptive",
                "parameters": {"variables": ["age", "stage"]},
            },
            format="json",
        )
        .json()["id"]
    )
    client.force_login(owner)
    queued = client.get(f"/analyses/{analysis_id}/").content.decode()
    assert "data-live-status" in queued
    run_queue()
    exact = client.get(f"/analyses/{analysis_id}/").content.decode()
    assert "Succeeded" in exact and "data-live-status" not in exact
    assert "Reproducibility receipt" in exact and f"/api/analyses/{analysis_id}/tables/levels.csv" in exact
    client.force_login(analyst)
    guarded = client.get(f"/analyses/{analysis_id}/").content.decode()
    assert "&lt;5" in guarded and "disclosure control" in guarded


def test_other_peoples_analyses_are_404(client, api, owner, outsider, cohort):
    analysis_id = (
        api(owner)
        .post(
            "/api/analyses/",
            {"cohort": cohort.pk, "analysis_type": "descriptive", "parameters": {"variables": ["age"]}},
            format="json",
        )
        .json()["id"]
    )
    client.force_login(outsider)
    assert client.get(f"/analyses/{analysis_id}/").status_code == 404
    assert client.post(f"/analyses/{analysis_id}/rerun/").status_code == 404
    assert f"/analyses/{analysis_id}/" not in client.get("/analyses/").content.decode()
    assert b"No analyses yet" in client.get("/analyses/").content


def test_rerun_button_queues_a_rerun(client, api, owner, cohort):
    analysis_id = (
        api(owner)
        .post(
            "/api/analyses/",
            {"cohort": cohort.pk, "analysis_type": "descriptive", "parameters": {"variables": ["age"]}},
            format="json",
        )
        .json()["id"]
    )
    client.force_login(owner)
    response = client.post(f"/analyses/{analysis_id}/rerun/")
    rerun = Analysis.objects.exclude(pk=analysis_id).get()
    assert response.url == f"/analyses/{rerun.pk}/" and rerun.rerun_of_id == analysis_id


def test_parameters_read_as_chosen(client, api, owner, cohort):
    analysis_id = (
        api(owner)
        .post(
            "/api/analyses/",
            {
                "cohort": cohort.pk,
                "analysis_type": "ttest",
                "parameters": {"variable": "bmi", "group_by": "arm"},
            },
            format="json",
        )
        .json()["id"]
    )
    client.force_login(owner)
    page = client.get(f"/analyses/{analysis_id}/").content.decode()
    assert "<dd>arm</dd>" in page and "<dd>bmi</dd>" in page and "<dd>no</dd>" in page
    assert "a, r, m" not in page
