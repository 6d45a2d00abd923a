from django.apps import AppConfig


class AnalysesConfig(AppConfig):
    name = "analyses"
    verbose_name = "Analyses"

    def ready(self):
        from django.http import Http404
        from django.urls import reverse

        from audit.selectors import register_owner_lookup
        from messaging.contexts import register_context

        from . import selectors
        from .models import Analysis

        def can_see(user, pk):
            try:
                selectors.analysis_get(user, pk)
            except Http404:
                return False
            return True

        register_owner_lookup("analysis", lambda user: Analysis.objects.filter(requested_by=user))
        register_context("analysis", can_see=can_see, url=lambda pk: reverse("analyses:detail", args=[pk]))
