from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .forms import AuditLogFilterForm
from .selectors import audit_log_list
from .verify import verify_chain

PAGE_SIZE = 50


@login_required
@require_GET
def audit_list(request):
    """The whole log for stewards and admins, newest first, with the chain's state."""
    if not request.user.is_steward:
        raise Http404
    form = AuditLogFilterForm(request.GET)
    context = {"form": form, "verification": verify_chain()}
    if not form.is_valid():
        return render(request, "audit/list.html", context, status=400)
    entries = audit_log_list(user=request.user, **form.cleaned_data)
    context["page"] = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/list.html", context)
