"""Liveness of the services Biostat depends on, for /healthz."""

import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import connection

CHECKS = {}


def check(name):
    """Register a health check; other apps add theirs (the blob store, for one)."""

    def register(func):
        CHECKS[name] = func
        return func

    return register


@check("database")
def database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


@check("cache")
def cache_roundtrip():
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", 5)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return the value just written")
    cache.delete(key)


@check("channel_layer")
def channel_layer():
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.send)(channel, {"type": "healthz"})
    if async_to_sync(layer.receive)(channel).get("type") != "healthz":
        raise RuntimeError("channel layer did not deliver")


def run_checks():
    results = {}
    for name, func in CHECKS.items():
        try:
            func()
            results[name] = {"ok": True}
        except Exception as exc:  # a health endpoint reports every failure, whatever it is
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return results
