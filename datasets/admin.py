"""Django admin for datasets: simple-history's history view and revert, guardian's object
permissions, and blobs read-only. Every change goes through the services, so the admin
obeys the same rules (gap-free versions, sharing rules) and writes the same audit entries."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from guardian.admin import (
    AdminGroupObjectPermissionsForm,
    AdminUserObjectPermissionsForm,
    GuardedModelAdminMixin,
)
from simple_history.admin import SimpleHistoryAdmin

from . import permissions, services
from .models import Blob, Dataset


@admin.register(Blob)
class BlobAdmin(admin.ModelAdmin):
    list_display = ["sha256", "size", "stored_size", "master_key_id", "created_at"]
    search_fields = ["sha256"]
    exclude = ["wrapped_key"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _sharing_form(base, request, principal_attribute):
    """Guardian's permission form, limited to the six dataset permissions and saved through
    services.dataset_share (its rules, its audit entry, its notification)."""

    class SharingForm(base):
        def get_obj_perms_field_choices(self):
            return [(permissions.codename(short), short) for short in permissions.SHORT_NAMES]

        def clean(self):
            cleaned = super().clean()
            shorts = [
                permissions.short_name(code) for code in cleaned.get(self.get_obj_perms_field_name(), [])
            ]
            try:
                services.dataset_share_check(
                    request.user, self.obj, getattr(self, principal_attribute), shorts
                )
            except PermissionDenied as exc:
                raise forms.ValidationError(str(exc)) from exc
            cleaned["shorts"] = shorts
            return cleaned

        def save_obj_perms(self):
            services.dataset_share(
                request.user,
                self.obj,
                getattr(self, principal_attribute),
                self.cleaned_data["shorts"],
                request=request,
            )

    return SharingForm


@admin.register(Dataset)
class DatasetAdmin(GuardedModelAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "creator", "version", "row_count", "updated_at"]
    list_select_related = ["creator"]
    search_fields = ["name", "description", "creator__username"]
    readonly_fields = [
        "creator",
        "version",
        "version_note",
        "content_sha256",
        "row_count",
        "column_names",
        "blob",
        "created_at",
        "updated_at",
    ]
    fields = ["name", "description", *readonly_fields]
    history_list_display = ["version", "version_note", "row_count"]

    @admin.display(description="Columns")
    def column_names(self, dataset):
        return ", ".join(column["name"] for column in dataset.columns)

    def has_add_permission(self, request):
        return False  # datasets come from uploads (pages or API), which import and encrypt the rows

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        request.reverting_dataset = True  # save_model below is then given an old record's instance
        return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(self, request, obj, form, change):
        """A plain edit changes name and description. simple-history's revert hands us the
        instance of an old record: its data version is restored as a new version (never by
        overwriting the current one, which would break the version sequence)."""
        current = Dataset.objects.get(pk=obj.pk)
        if getattr(request, "reverting_dataset", False) and obj.version != current.version:
            current, created = services.dataset_restore(request.user, current, obj.version, request=request)
            if created:
                messages.info(request, f"Version {obj.version} restored as version {current.version}.")
        services.dataset_update(
            request.user, current, name=obj.name, description=obj.description, request=request
        )

    def delete_model(self, request, obj):
        services.dataset_delete(request.user, obj, request=request)

    def delete_queryset(self, request, queryset):
        for dataset in queryset:
            services.dataset_delete(request.user, dataset, request=request)

    def get_obj_perms_manage_user_form(self, request):
        return _sharing_form(AdminUserObjectPermissionsForm, request, "user")

    def get_obj_perms_manage_group_form(self, request):
        return _sharing_form(AdminGroupObjectPermissionsForm, request, "group")
