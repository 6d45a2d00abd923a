"""Cohort pages: plain function views over the selectors and services.

The builder is a plain form: "Count" re-renders it with the size, the attrition table or the
criteria error in place, "Save" stores the cohort. static/js/cohort_builder.js adds the live
count as the user types, through POST /api/cohorts/preview/.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import CohortForm

PAGE_SIZE = 25
LEVELS_SHOWN = 12
EXCERPT_REACH = 40  # characters shown either side of a criteria error


@dataclass(frozen=True)
class CriteriaProblem:
    """Where in the criteria text an error is, for showing it with a caret under the spot."""

    message: str
    line: int
    column: int
    excerpt: str
    caret_offset: int

    @property
    def caret(self):
        return " " * self.caret_offset + "^"


def criteria_problem(text, message, position):
    line_start = text.rfind("\n", 0, position) + 1
    line_end = text.find("\n", position)
    line_end = len(text) if line_end < 0 else line_end
    start = max(line_start, position - EXCERPT_REACH)
    excerpt = text[start : min(line_end, position + EXCERPT_REACH)].replace("\t", " ")
    return CriteriaProblem(
        message=message,
        line=text.count("\n", 0, position) + 1,
        column=position - line_start + 1,
        excerpt=excerpt,
        caret_offset=position - start,
    )


def _dictionary(dataset, version):
    """The columns one may write criteria about, with a few levels of each categorical one."""
    return [
        {
            "name": column["name"],
            "type": column["type"],
            "levels": column.get("levels", [])[:LEVELS_SHOWN],
            "more_levels": max(len(column.get("levels", [])) - LEVELS_SHOWN, 0),
        }
        for column in selectors.version_columns(dataset, version)
    ]


def _counting(request):
    return request.method == "POST" and request.POST.get("action") == "count"


def _count(request, dataset, criteria, version):
    selection = services.cohort_preview(request.user, dataset, criteria, version=version)
    return selectors.counts_for(request.user, dataset, selection.size, selection.attrition)


def _refused(form, exc):
    """Put a service's refusal on the form; a criteria error also comes back located."""
    problem = None
    if exc.field == "criteria" and exc.position is not None:
        problem = criteria_problem(form.cleaned_data["criteria"], exc.message, exc.position)
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return problem


def _builder(request, form, *, dataset, version, cohort=None, counts=None, problem=None):
    context = {
        "form": form,
        "cohort": cohort,
        "dataset": dataset,
        "version": version,
        "columns": _dictionary(dataset, version) if dataset else [],
        "counts": counts,
        "problem": problem,
        "min_cell_count": settings.BIOSTAT_MIN_CELL_COUNT,
    }
    status = 400 if form.errors else 200
    return render(request, "cohorts/builder.html", context, status=status)


def _chosen_dataset(request, form):
    """The dataset picked so far (posted, or ``?dataset=`` from a dataset's page), if analyzable."""
    value = form.data.get("dataset") if form.is_bound else request.GET.get("dataset", "")
    if not str(value or "").isdigit():
        return None
    return selectors.datasets_analyzable_by(request.user).filter(pk=value).first()


@login_required
def cohort_list(request):
    datasets = selectors.datasets_analyzable_by(request.user).order_by("name", "pk")
    chosen = request.GET.get("dataset", "")
    dataset_id = int(chosen) if chosen.isdigit() else None
    cohorts = selectors.cohorts_visible_to(request.user, dataset_id=dataset_id)
    page = Paginator(cohorts, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_counts(request.user, page.object_list)
    context = {"page": page, "datasets": datasets, "dataset_id": dataset_id}
    return render(request, "cohorts/list.html", context)


@login_required
def cohort_create(request):
    counting = _counting(request)
    form = CohortForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        initial={"dataset": request.GET.get("dataset")},
    )
    form.fields["name"].required = not counting
    counts = problem = None
    if form.is_bound and form.is_valid():
        fields = form.cleaned_data
        dataset = fields["dataset"]
        try:
            if counting:
                counts = _count(request, dataset, fields["criteria"], dataset.version)
            else:
                cohort = services.cohort_create(
                    request.user,
                    dataset,
                    name=fields["name"],
                    criteria=fields["criteria"],
                    members=fields["members"],
                    request=request,
                )
                messages.success(request, f"Cohort “{cohort.name}” saved.")
                return redirect("cohorts:detail", cohort.pk)
        except services.CohortInvalid as exc:
            problem = _refused(form, exc)
    dataset = _chosen_dataset(request, form)
    return _builder(
        request,
        form,
        dataset=dataset,
        version=dataset.version if dataset else None,
        counts=counts,
        problem=problem,
    )


@login_required
def cohort_detail(request, pk):
    cohort = selectors.cohort_get(request.user, pk)
    selectors.with_counts(request.user, [cohort])
    context = {
        "cohort": cohort,
        "members": sorted(member.get_username() for member in cohort.members.all()),
        "can_edit": selectors.cohort_allows(request.user, cohort, "edit"),
        "can_manage": selectors.cohort_allows(request.user, cohort, "manage"),
        "analysis_url": reverse("analyses:new") + f"?cohort={cohort.pk}",
        "message_url": reverse("messaging:compose") + f"?context_type=cohort&context_id={cohort.pk}",
    }
    return render(request, "cohorts/detail.html", context)


@login_required
def cohort_edit(request, pk):
    cohort = selectors.cohort_get(request.user, pk, "edit")
    can_manage = selectors.cohort_allows(request.user, cohort, "manage")
    counting = _counting(request)
    initial = {
        "name": cohort.name,
        "criteria": cohort.criteria,
        "members": ", ".join(sorted(member.get_username() for member in cohort.members.all())),
    }
    form = CohortForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        editing=True,
        can_manage=can_manage,
        initial=initial,
    )
    form.fields["name"].required = not counting
    counts = problem = None
    if form.is_bound and form.is_valid():
        fields = form.cleaned_data
        try:
            if counting:
                counts = _count(request, cohort.dataset, fields["criteria"], cohort.dataset_version)
            else:
                services.cohort_update(
                    request.user,
                    cohort,
                    name=fields["name"],
                    criteria=fields["criteria"],
                    members=fields.get("members"),
                    request=request,
                )
                messages.success(request, "Cohort saved.")
                return redirect("cohorts:detail", cohort.pk)
        except services.CohortInvalid as exc:
            problem = _refused(form, exc)
    return _builder(
        request,
        form,
        dataset=cohort.dataset,
        version=cohort.dataset_version,
        cohort=cohort,
        counts=counts,
        problem=problem,
    )


@login_required
@require_POST
def cohort_repin(request, pk):
    cohort = selectors.cohort_get(request.user, pk, "edit")
    try:
        repinned = services.cohort_repin(request.user, cohort, request=request)
    except services.CohortInvalid as exc:
        messages.error(request, f"The cohort stays on version {cohort.dataset_version}: {exc.message}")
    else:
        messages.success(request, f"Cohort re-pinned to version {repinned.dataset_version} and recounted.")
    return redirect("cohorts:detail", cohort.pk)


@login_required
def cohort_delete(request, pk):
    cohort = selectors.cohort_get(request.user, pk, "manage")
    if request.method == "POST":
        services.cohort_delete(request.user, cohort, request=request)
        messages.success(request, f"Cohort “{cohort.name}” deleted.")
        return redirect("cohorts:list")
    return render(request, "cohorts/delete.html", {"cohort": cohort, "analyses": cohort.analyses.count()})
