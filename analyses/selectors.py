"""Reads about analyses. An analysis is visible exactly when its cohort is."""

from django.http import Http404

from datasets import permissions

from .models import Analysis


def analyses_visible_to(user, *, cohort_id=None):
    analyses = Analysis.objects.filter(
        permissions.granted_filter(user, "analyze", field="cohort__dataset_id")
    )
    if cohort_id is not None:
        # Through the primary key: an id past the column's range then matches nothing, where the
        # foreign-key lookup would overflow (a 500).
        analyses = analyses.filter(cohort__pk=cohort_id)
    return analyses.select_related("cohort", "cohort__dataset", "requested_by")


def analysis_get(user, pk):
    try:
        return analyses_visible_to(user).get(pk=pk)
    except (Analysis.DoesNotExist, ValueError, TypeError):
        raise Http404("No analysis found with this id.") from None


def analyses_listed(user, *, cohort_id=None):
    """``analyses_visible_to`` for a list: without the cohorts' criteria and attrition and the
    datasets' data dictionaries, which a list never shows and which would otherwise be
    decrypted once per analysis."""
    return analyses_visible_to(user, cohort_id=cohort_id).defer(
        "cohort__criteria", "cohort__attrition", "cohort__dataset__columns"
    )


def can_see_exact_values(user, analysis):
    """Holders of ``export`` on the dataset see results without disclosure control."""
    return permissions.has_perm(user, analysis.cohort.dataset, "export")


def with_exact_values(user, analyses):
    """Attach ``exact_values`` (``can_see_exact_values``) to each analysis, in one query for any number."""
    analyses = list(analyses)
    granted = permissions.permissions_by_dataset(user, {analysis.cohort.dataset_id for analysis in analyses})
    for analysis in analyses:
        analysis.exact_values = "export" in granted[analysis.cohort.dataset_id]
    return analyses
