"""Reads for accounts: what the self-service pages and API may offer."""

from django.conf import settings


def registration_open():
    """Self-registration (the signup page and ``POST /api/auth/register/``) is governed by
    ``BIOSTAT_ALLOW_REGISTRATION``; administrators can always create users in the admin."""
    return settings.BIOSTAT_ALLOW_REGISTRATION
