"""Reads about analyses. An analysis is visible exactly when its cohort is."""

from django.http import Http404

from cohorts.selectors import datasets_analyzable_by
from datasets import permissions

from .models import Analysis


def analyses_visible_to(user, *, cohort_id=None):
    analyses = Analysis.objects.filter(cohort__dataset__in=datasets_analyzable_by(user))
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


def can_see_exact_values(user, analysis):
    """Holders of ``export`` on the dataset see results without disclosure control."""
    return permissions.has_perm(user, analysis.cohort.dataset, "export")
