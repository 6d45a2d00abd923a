"""``{{ value|shown_count }}``: a count after disclosure control, "<k" where it was suppressed."""

from django import template
from django.conf import settings

register = template.Library()


@register.filter
def shown_count(value):
    # Counts reach pages through selectors.disclosed_counts, where None only ever means suppressed.
    return f"<{settings.BIOSTAT_MIN_CELL_COUNT}" if value is None else value
