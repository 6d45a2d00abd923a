"""Suite-wide test setup."""

import pytest
from django.core.management.commands import flush

from audit import triggers

_original_flush = flush.Command.handle


def _flush_past_audit_guard(self, *args, **options):
    """Transactional tests end with ``flush``; the append-only triggers would refuse
    it, so the suite lifts them for the flush alone and puts them back."""
    from django.db import connections

    connection = connections[options.get("database", "default")]
    triggers.uninstall(connection)
    try:
        return _original_flush(self, *args, **options)
    finally:
        triggers.install(connection)


flush.Command.handle = _flush_past_audit_guard


@pytest.fixture(autouse=True)
def _isolated_data_dir(settings, tmp_path):
    """Every test gets its own blob store and master key under a temporary directory."""
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
