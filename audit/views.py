from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render


@login_required
def audit_list(request):
    if not request.user.is_steward:
        raise Http404
    return render(request, "audit/list.html", {})
