from django.apps import AppConfig


class CohortsConfig(AppConfig):
    name = "cohorts"

    def ready(self):
        from django.urls import reverse

        from audit.selectors import register_owner_lookup
        from messaging.contexts import register_context

        from .models import Cohort
        from .selectors import cohort_is_visible

        # Creators read the audit entries about their cohorts.
        register_owner_lookup("cohort", lambda user: Cohort.objects.filter(created_by=user))
        register_context(
            "cohort", can_see=cohort_is_visible, url=lambda pk: reverse("cohorts:detail", args=[pk])
        )
