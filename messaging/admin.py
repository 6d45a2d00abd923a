from django.contrib import admin

from .models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Messages are sent through the service (audit record, live event), so the admin
    reads and, for moderation, deletes them; it neither writes nor edits them."""

    list_display = ["id", "sender", "recipient", "sent_at", "is_read", "parent", "context_type", "context_id"]
    list_filter = ["is_read", "context_type", "sent_at"]
    search_fields = ["sender__username", "recipient__username"]
    date_hierarchy = "sent_at"
    list_select_related = ["sender", "recipient"]
    raw_id_fields = ["sender", "recipient", "parent", "thread"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Viewing still works: Django shows the read-only form to those with view permission.
        return False
