from django.contrib import admin

from .models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """The log can be read and searched here, never written: no add, change or delete,
    not even for superusers (the triggers would refuse the last two anyway)."""

    list_display = [
        "id",
        "created_at",
        "action",
        "actor_username",
        "entity_type",
        "entity_id",
        "summary",
        "ip",
    ]
    list_display_links = ["id", "created_at"]
    list_filter = ["action", "actor", "created_at"]
    search_fields = ["summary", "actor_username", "entity_id"]
    date_hierarchy = "created_at"
    ordering = ["-id"]
    # Counting a large, unfiltered log on every page adds nothing; filtered counts stay.
    show_full_result_count = False

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_admin

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_admin

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
