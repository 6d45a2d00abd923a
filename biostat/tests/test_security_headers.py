import pytest
from django.test import override_settings
from django.urls import path


def boom(request):
    raise RuntimeError("secret internals")


urlpatterns = [path("boom/", boom)]
handler500 = "biostat.views.server_error"


@pytest.mark.django_db
def test_pages_send_a_csp_without_inline_scripts(client):
    response = client.get("/accounts/login/")
    csp = response.headers["Content-Security-Policy"]
    script_src = next(part for part in csp.split("; ") if part.startswith("script-src"))
    assert "unsafe-inline" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_unknown_page_renders_the_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Not found" in response.content


@pytest.mark.django_db
def test_server_error_shows_no_stack_trace():
    from django.test import Client

    client = Client(raise_request_exception=False)
    with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
        response = client.get("/boom/")
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert b"secret internals" not in response.content
    assert b"Traceback" not in response.content
