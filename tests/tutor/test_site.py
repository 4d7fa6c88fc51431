from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_healthz_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ok_with_the_embedded_broker(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content


def test_readyz_is_503_when_the_broker_folder_cannot_be_written(client, settings, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where a folder should be")
    settings.BROKER_DIR = blocker
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["problems"][0].startswith("broker: cannot write")


def test_readyz_checks_a_real_redis(client, settings, redis_url):
    from tutor.celery import app

    settings.REDIS_URL = redis_url
    app.conf.broker_url = redis_url
    try:
        assert client.get("/readyz").status_code == 200
        dead = "redis://127.0.0.1:1/0"
        settings.REDIS_URL = dead
        app.conf.broker_url = dead
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["problems"][0].startswith("broker:")
    finally:
        app.conf.broker_url = "filesystem://"


def test_readyz_is_503_when_the_database_fails(client, monkeypatch):
    from tutor import health

    monkeypatch.setattr(health, "database_problem", lambda: "database: OperationalError: gone")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["problems"] == ["database: OperationalError: gone"]


def test_probes_refuse_writes(client):
    assert client.post("/healthz").status_code == 405


def test_404_page_is_styled(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "This page does not exist" in body
    assert "/no/such/page/" in body
    assert 'class="site-header"' in body


def test_500_page_is_styled_and_reveals_nothing(rf):
    from tutor.errors import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong on our side" in body
    assert "Traceback" not in body


def test_a_server_error_shows_the_500_page(settings):
    from django.urls import path

    from tutor import urls

    def boom(request):
        raise RuntimeError("secret detail")

    settings.ROOT_URLCONF = type(
        "Urls", (), {"urlpatterns": [path("boom", boom)], "handler500": urls.handler500}
    )
    client = Client(raise_request_exception=False)
    response = client.get("/boom")
    assert response.status_code == 500
    assert "secret detail" not in response.content.decode()
    assert "Something went wrong" in response.content.decode()


def test_pages_send_security_headers(client):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
