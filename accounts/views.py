"""Pages: log in, log out, sign up, and the answer to a locked-out login."""

import math

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.response import Response

from . import selectors, services
from .forms import SignupForm


class LoginView(auth_views.LoginView):
    """Django's login page (its form, safe ``next`` redirects, CSRF and cache headers),
    opening the session through ``services.session_login``."""

    template_name = "accounts/login.html"

    def form_valid(self, form):
        services.session_login(request=self.request, user=form.get_user())
        return HttpResponseRedirect(self.get_success_url())


@require_POST
def logout(request):
    services.session_logout(request=request)
    messages.info(request, "You have been logged out.")
    return redirect(settings.LOGOUT_REDIRECT_URL)


@require_http_methods(["GET", "POST"])
def signup(request):
    if not selectors.registration_open():
        return render(request, "accounts/signup_closed.html", status=403)
    form = SignupForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            user = services.user_register(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            services.session_login(request=request, user=user, backend=services.MODEL_BACKEND)
            messages.success(request, f"Welcome to Biostat, {user.username}. Your account is ready.")
            return redirect("dashboard")
    return render(request, "accounts/signup.html", {"form": form}, status=400 if form.errors else 200)


def lockout(request, original_response, credentials):
    """django-axes' answer once a username and IP have failed too often
    (``AXES_LOCKOUT_CALLABLE``): 429, as JSON to API clients (the login view answered
    through DRF) and as the login page with the message to browsers."""
    cool_off = get_cool_off(request)
    # Every attempt during a lockout restarts the cool-off (axes'
    # AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT), so the whole period is what remains.
    minutes = math.ceil(cool_off.total_seconds() / 60)
    message = f"Too many failed login attempts; try again in {minutes} minute{'' if minutes == 1 else 's'}."
    if isinstance(original_response, Response):
        response = JsonResponse({"detail": message}, status=429)
    else:
        username = (credentials or {}).get("username") or ""
        form = AuthenticationForm(request, initial={"username": username})
        context = {"form": form, "lockout_message": message, "next": request.POST.get("next", "")}
        response = render(request, "accounts/login.html", context, status=429)
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
