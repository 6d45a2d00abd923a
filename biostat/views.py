from django.contrib.auth.decorators import login_required
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render

from . import health


@login_required
def dashboard(request):
    return render(request, "dashboard.html")


def healthz(request):
    checks = health.run_checks()
    ok = all(result["ok"] for result in checks.values())
    return JsonResponse({"ok": ok, "checks": checks}, status=200 if ok else 503)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # No request context: the failure may lie in whatever a context processor needs.
    from django.template import loader

    return HttpResponseServerError(loader.get_template("500.html").render())
