"""Chart URLs end to end: listed on the analysis, served as images only to
callers who may see the analysis, never cached, audited, and drawn under the
caller's disclosure rules; charts of individual points exist only for holders
of export."""

import pytest
from django.test import Client

from accounts.models import User
from analyses.tests.chart_support import numbers_shown, png_size, svg_root, svg_texts
from audit.models import AuditLog
from datasets import permissions

pytestmark = pytest.mark.django_db


@pytest.fixture
def analysis_id(api, owner, cohort, run_queue):
    response = api(owner).post(
        "/api/analyses/",
        {"cohort": cohort.pk, "analysis_type": "descriptive", "parameters": {"variables": ["age", "stage"]}},
        format="json",
    )
    assert response.status_code == 202, response.json()
    run_queue()
    return response.json()["id"]


def charts_of(client, analysis_id):
    body = client.get(f"/api/analyses/{analysis_id}/").json()
    assert body["status"] == "succeeded", body["error"]
    return {chart["name"]: chart for chart in body["charts"]}


def test_charts_are_listed_and_served_as_uncached_images(api, owner, analysis_id):
    charts = charts_of(api(owner), analysis_id)
    assert set(charts) == {"histogram-age", "bar-stage"}
    assert charts["bar-stage"] == {
        "name": "bar-stage",
        "title": "Levels of stage",
        "url": f"/api/analyses/{analysis_id}/charts/bar-stage.png",
    }
    for chart in charts.values():
        response = api(owner).get(chart["url"])
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["Cache-Control"] == "private, no-store"
        width, _ = png_size(response.content)
        assert 600 <= width <= 2400
    response = api(owner).get(f"/api/analyses/{analysis_id}/charts/histogram-age.svg")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert response["Cache-Control"] == "private, no-store"
    assert "Distribution of age" in svg_texts(response.content)
    views = AuditLog.objects.filter(action="chart.view", entity_type="analysis", entity_id=str(analysis_id))
    assert sorted(views.values_list("summary", flat=True)) == [
        "chart bar-stage.png",
        "chart histogram-age.png",
        "chart histogram-age.svg",
    ]
    assert {entry.actor for entry in views} == {owner}


def test_callers_who_may_not_see_the_analysis_get_404(api, owner, outsider, dataset, analysis_id):
    viewer = User.objects.create_user("vera", password="x")
    permissions.grant(viewer, dataset, ["view"])  # metadata only: no analyze, so no analyses
    for user in (outsider, viewer):
        for fmt in ("png", "svg"):
            response = api(user).get(f"/api/analyses/{analysis_id}/charts/bar-stage.{fmt}")
            assert response.status_code == 404
            assert response.get("Content-Type") != "image/png"
    assert api(owner).get(f"/api/analyses/{analysis_id}/charts/nope.png").status_code == 404
    assert api(owner).get(f"/api/analyses/{analysis_id + 1000}/charts/bar-stage.png").status_code == 404
    assert not AuditLog.objects.filter(action="chart.view").exists()


def test_analyze_only_callers_get_the_suppressed_rendering(api, owner, analyst, analysis_id):
    url = f"/api/analyses/{analysis_id}/charts/bar-stage.svg"
    exact = api(owner).get(url)
    guarded = api(analyst).get(url)
    assert exact.status_code == guarded.status_code == 200
    svg_root(guarded.content)
    assert 3 in numbers_shown(exact.content)  # stage IV: 3 patients
    assert 3 not in numbers_shown(guarded.content)
    assert "<5" in svg_texts(guarded.content)
    assert any("Counts below 5 suppressed" in text for text in svg_texts(guarded.content))
    assert guarded["Cache-Control"] == "private, no-store"


@pytest.fixture
def regression_id(api, owner, cohort, run_queue):
    response = api(owner).post(
        "/api/analyses/",
        {
            "cohort": cohort.pk,
            "analysis_type": "linear_regression",
            "parameters": {"outcome": "bmi", "predictors": ["age"]},
        },
        format="json",
    )
    assert response.status_code == 202, response.json()
    run_queue()
    return response.json()["id"]


def test_holders_of_export_get_the_scatter_plot_listed_and_drawn(api, owner, regression_id):
    charts = charts_of(api(owner), regression_id)
    assert set(charts) == {"forest-coefficients", "residuals", "scatter"}
    assert charts["scatter"]["title"] == "bmi against age"
    for fmt, content_type in (("png", "image/png"), ("svg", "image/svg+xml")):
        response = api(owner).get(f"/api/analyses/{regression_id}/charts/scatter.{fmt}")
        assert response.status_code == 200 and response["Content-Type"] == content_type
    texts = svg_texts(response.content)
    assert "One point per row (60 rows)." in texts and "Fitted" in texts
    page = client_for(owner).get(f"/analyses/{regression_id}/")
    assert f"/api/analyses/{regression_id}/charts/scatter.png".encode() in page.content


def test_analyze_only_callers_never_see_the_scatter_plot(api, analyst, regression_id):
    charts = charts_of(api(analyst), regression_id)
    assert set(charts) == {"forest-coefficients", "residuals"}
    for fmt in ("png", "svg"):
        response = api(analyst).get(f"/api/analyses/{regression_id}/charts/scatter.{fmt}")
        assert response.status_code == 404
        assert response.get("Content-Type") not in ("image/png", "image/svg+xml")
    assert api(analyst).get(f"/api/analyses/{regression_id}/charts/residuals.png").status_code == 200
    assert list(AuditLog.objects.filter(action="chart.view").values_list("summary", flat=True)) == [
        "chart residuals.png"
    ]
    (item,) = [
        item for item in api(analyst).get("/api/analyses/").json()["results"] if item["id"] == regression_id
    ]
    assert {chart["name"] for chart in item["charts"]} == {"forest-coefficients", "residuals"}
    page = client_for(analyst).get(f"/analyses/{regression_id}/")
    assert page.status_code == 200
    assert b"charts/scatter" not in page.content and b"charts/residuals.png" in page.content
    query = "query ($id: ID!) { analysis(id: $id) { charts { name url } } }"
    body = client_for(analyst).post(
        "/graphql/", {"query": query, "variables": {"id": regression_id}}, content_type="application/json"
    )
    assert {chart["name"] for chart in body.json()["data"]["analysis"]["charts"]} == {
        "forest-coefficients",
        "residuals",
    }


def client_for(user):
    """A logged-in browser session (pages and GraphQL)."""
    client = Client()
    client.force_login(user)
    return client
