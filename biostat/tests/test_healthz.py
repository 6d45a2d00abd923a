def test_healthz_reports_every_service(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert {"database", "cache", "channel_layer"} <= set(body["checks"])


def test_healthz_answers_503_when_a_check_fails(client, db, monkeypatch):
    from biostat import health

    def broken():
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(health.CHECKS, "broken", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broken"] == {"ok": False, "error": "RuntimeError: disk on fire"}
