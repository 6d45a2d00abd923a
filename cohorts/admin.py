"""Django admin for cohorts. Staff may rename a cohort and change its members (each newcomer
must hold 'analyze' on the dataset, as in the services); what the criteria select is computed
by the services only, so the dataset, version, criteria and counts are read-only here. The
audit app records every admin change and deletion."""

from django import forms
from django.contrib import admin
from django.utils.html import format_html_join

from .models import Cohort
from .selectors import eligible_members


class CohortAdminForm(forms.ModelForm):
    class Meta:
        model = Cohort
        fields = ["name", "members"]

    def clean_members(self):
        members = self.cleaned_data["members"]
        current = set(self.instance.members.values_list("pk", flat=True))
        added = [member.get_username() for member in members if member.pk not in current]
        _, refused = eligible_members(self.instance.dataset, added)
        if refused:
            raise forms.ValidationError(
                f"Members need an active account with 'analyze' on the dataset: {', '.join(refused)}."
            )
        return members


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    form = CohortAdminForm
    list_display = ["name", "dataset", "dataset_version", "size", "created_by", "updated_at"]
    list_filter = ["dataset", "created_by"]
    list_select_related = ["dataset", "created_by"]
    search_fields = ["name"]
    filter_horizontal = ["members"]
    readonly_fields = [
        "dataset",
        "dataset_version",
        "criteria",
        "size",
        "attrition_steps",
        "created_by",
        "created_at",
        "updated_at",
    ]
    fields = ["name", "members", *readonly_fields]

    @admin.display(description="Attrition")
    def attrition_steps(self, cohort):
        steps = ((step["clause"], step["remaining"]) for step in cohort.attrition)
        return format_html_join("\n", "<div><code>{}</code>: {}</div>", steps)

    def has_add_permission(self, request):
        return False  # cohorts are defined on the pages or through the API, which count their rows
