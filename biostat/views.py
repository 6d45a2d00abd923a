from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render

from . import health, selectors

# The dashboard panels that refresh themselves (htmx): name -> the selector that fills them.
LIVE_PANELS = {"analyses": selectors.analyses_overview, "inbox": selectors.unread_messages}


@login_required
def dashboard(request):
    return render(request, "dashboard.html", selectors.dashboard(request.user))


def dashboard_panel(request, panel):
    """One live panel of the dashboard, re-rendered alone for its periodic or event-driven refresh."""
    if not request.user.is_authenticated:
        # The session ended under an open dashboard: a login page must not be swapped into a
        # panel; htmx reloads the whole page instead, which leads to the login form.
        return HttpResponse("Log in again.", status=401, headers={"HX-Refresh": "true"})
    if panel not in LIVE_PANELS:
        raise Http404("No such dashboard panel.")
    return render(request, f"dashboard/_{panel}.html", {panel: LIVE_PANELS[panel](request.user)})


def healthz(request):
    checks = health.run_checks()
    ok = all(result["ok"] for result in checks.values())
    return JsonResponse({"ok": ok, "checks": checks}, status=200 if ok else 503)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    # A URL under /api/ that matches no route (/api/datasets/-1/) answers in the API's error format.
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    # No request context: the failure may lie in whatever a context processor needs.
    from django.template import loader

    return HttpResponseServerError(loader.get_template("500.html").render())
