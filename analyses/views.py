from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from audit.services import record
from cohorts.selectors import cohort_get, cohorts_visible_to

from . import methods, selectors, services
from .forms import MethodChoiceForm, ParametersForm
from .validation import ParameterError


@login_required
def analysis_list(request):
    cohort_id = request.GET.get("cohort")
    analyses = selectors.analyses_visible_to(
        request.user, cohort_id=cohort_id if (cohort_id or "").isdigit() else None
    )
    page = Paginator(analyses, 25).get_page(request.GET.get("page"))
    return render(request, "analyses/list.html", {"page": page, "cohort_id": cohort_id})


@login_required
def analysis_new(request):
    """Step one picks the cohort and method (GET); step two fills in that method's parameters."""
    all_methods = sorted(methods.all_methods(), key=lambda m: m.label)
    # A link from a cohort page preselects the cohort without asking for the method yet.
    bound = "analysis_type" in request.GET
    choice = MethodChoiceForm(
        request.GET if bound else None,
        initial=request.GET.dict(),
        cohorts=cohorts_visible_to(request.user),
        methods=all_methods,
    )
    if not choice.is_valid():
        return render(request, "analyses/new.html", {"choice": choice})
    cohort = cohort_get(request.user, choice.cleaned_data["cohort"])
    method = methods.get(choice.cleaned_data["analysis_type"])
    form = ParametersForm(request.POST or None, method=method, cohort=cohort)
    if request.method == "POST" and form.is_valid():
        try:
            analysis = services.analysis_request(
                user=request.user,
                cohort=cohort,
                analysis_type=method.name,
                parameters=form.parameters(),
                request=request,
            )
        except ParameterError as exc:
            for field, errors in exc.errors.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"{method.label} queued.")
            return redirect("analyses:detail", analysis.pk)
    return render(
        request, "analyses/new.html", {"choice": choice, "form": form, "method": method, "cohort": cohort}
    )


@login_required
def analysis_detail(request, pk):
    analysis = selectors.analysis_get(request.user, pk)
    record("analysis.view", entity=analysis, request=request, summary=f"viewed analysis {analysis.pk}")
    context = {
        "analysis": analysis,
        "results": services.analysis_results_for(request.user, analysis),
        "exact": selectors.can_see_exact_values(request.user, analysis),
        "min_cell_count": settings.BIOSTAT_MIN_CELL_COUNT,
    }
    return render(request, "analyses/detail.html", context)


@login_required
@require_POST
def analysis_rerun(request, pk):
    analysis = selectors.analysis_get(request.user, pk)
    try:
        rerun = services.analysis_rerun(user=request.user, analysis=analysis, request=request)
    except ParameterError as exc:
        messages.error(request, str(exc))
        return redirect("analyses:detail", analysis.pk)
    messages.success(request, "Rerun queued: its receipt will say whether the results are identical.")
    return redirect("analyses:detail", rerun.pk)
