"""No secret or token in logs or error pages.

- A student's namespace is provisioned and their kubeconfig downloaded (and
  renewed) on the real API server with every logger at DEBUG and SQL logged:
  the token never appears in a log record, on stdout or stderr, or in a page.
- A 500 page (DEBUG off) shows nothing of the settings.
- Django's technical error page and error reports (DEBUG on, or a mail
  handler an operator adds) hide the secret key, the encryption keys and
  every URL with a password in it (DATABASE_URL, REDIS_URL, the broker).
- Views that take passwords or kubeconfigs mark them sensitive.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from datetime import timedelta

import pytest
import yaml
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.http import HttpRequest
from django.test import Client, RequestFactory
from django.urls import path, reverse
from django.utils import timezone
from django.views.debug import ExceptionReporter, get_default_exception_reporter_filter

from kube import Cluster as KubeCluster
from labs.models import Lab
from tests.cluster.fixtures import Cluster
from tutor import urls as tutor_urls
from workspaces.models import StudentNamespace
from workspaces.tasks import prepare_workspace, refresh_kubeconfig

DB_PASSWORD = "db-pass-sentinel-4711"
REDIS_PASSWORD = "redis-pass-sentinel-4712"
API_TOKEN = "api-token-sentinel-4713"


@pytest.fixture
def every_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every logger at DEBUG, none disabled, SQL with its parameters logged too."""
    loggers = [logging.getLogger()] + [
        logger for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]  # fmt: skip
    saved = [(logger, logger.level, logger.disabled) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
    caplog.set_level(logging.DEBUG)
    forced = connection.force_debug_cursor
    connection.force_debug_cursor = True
    try:
        yield caplog
    finally:
        connection.force_debug_cursor = forced
        for logger, level, disabled in saved:
            logger.setLevel(level)
            logger.disabled = disabled


def logged_text(caplog: pytest.LogCaptureFixture) -> str:
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        if record.exc_text:
            parts.append(record.exc_text)
    return "\n".join(parts)


@pytest.mark.cluster
@pytest.mark.django_db
def test_a_kubeconfig_token_never_reaches_the_logs(  # type: ignore[no-untyped-def]
    settings, cluster: Cluster, alice, every_log, capfd
):
    settings.TUTOR_MODE = "classroom"
    settings.TUTOR_KUBECONFIG = str(cluster.kubeconfig)
    settings.TUTOR_KUBE_CONTEXT = cluster.context or ""
    settings.TUTOR_CLASSROOM_API_SERVER = ""
    kube = KubeCluster.from_kubeconfig_file(cluster.kubeconfig, context=cluster.context)
    client = Client()
    client.force_login(alice)
    try:
        lab = Lab.objects.filter(is_published=True).order_by("slug").first()
        assert lab is not None
        client.post(reverse("workspaces:prepare"))
        prepare_workspace.apply(args=[alice.pk])  # provisions alice's namespace, as a worker does
        page = client.get(lab.get_absolute_url())
        assert page.status_code == 200
        row = StudentNamespace.objects.get(user=alice)
        url = reverse("workspaces:kubeconfig", kwargs={"namespace": row.namespace})
        tokens, pages = [], [page.content.decode()]
        for _ in range(2):
            download = client.get(url)
            if download.status_code == 503:  # expired: a worker issues the new token
                pages.append(download.content.decode())
                refresh_kubeconfig.apply(args=[row.pk])
                download = client.get(url)
            assert download.status_code == 200
            tokens.append(yaml.safe_load(download.content)["users"][0]["user"]["token"])
            # Expired: the next download issues a new token.
            StudentNamespace.objects.filter(pk=row.pk).update(
                token_expires_at=timezone.now() - timedelta(minutes=1)
            )
        pages.append(client.get(lab.get_absolute_url()).content.decode())
        assert tokens[0] != tokens[1] and all(len(t) > 100 for t in tokens)
        assert any("classroom/namespaces" in r.getMessage() or "namespace" in r.getMessage()
                   for r in every_log.records)  # fmt: skip
        assert any(r.name.startswith("django.db") for r in every_log.records), "SQL not captured"
        logged = logged_text(every_log)
        names = {r.name.split(".")[0] for r in every_log.records}
        assert {"urllib3", "workspaces", "django"} <= names, names
        out, err = capfd.readouterr()
        for token in tokens:
            assert token not in logged
            assert token not in out and token not in err
            assert all(token not in html for html in pages)
            # Not even a recognisable piece of it (the JWT's signature part).
            assert token.rsplit(".", 1)[-1] not in logged
    finally:
        for found in StudentNamespace.objects.all():
            kube.delete_namespace(found.namespace)
        kube.close()


# --- error pages ------------------------------------------------------------------------------


def explode(request: HttpRequest) -> None:
    raise ImproperlyConfigured(f"kaboom while holding {API_TOKEN[:4]}…")


urlpatterns = [path("explode/", explode), *tutor_urls.urlpatterns]
handler404 = tutor_urls.handler404
handler500 = tutor_urls.handler500


@pytest.fixture
def secrets_in_settings(settings):  # type: ignore[no-untyped-def]
    settings.DATABASES["default"]["PASSWORD"] = DB_PASSWORD
    settings.REDIS_URL = f"redis://:{REDIS_PASSWORD}@redis.example:6379/0"
    settings.CELERY_BROKER_URL = settings.REDIS_URL
    settings.CELERY_RESULT_BACKEND = settings.REDIS_URL
    settings.TUTOR_ENCRYPTION_KEYS = ["eW91LXNoYWxsLW5vdC1zZWUtdGhpcy1rZXktMDEyMzQ="]
    try:
        yield [
            settings.SECRET_KEY,
            *settings.TUTOR_ENCRYPTION_KEYS,
            DB_PASSWORD,
            REDIS_PASSWORD,
            API_TOKEN,
        ]
    finally:
        settings.DATABASES["default"].pop("PASSWORD", None)


def hostile_environ() -> dict[str, str]:
    """What a WSGI server may pass in request.META: the process's environment (runserver does)."""
    return {
        "DATABASE_URL": f"postgres://tutor:{DB_PASSWORD}@db.example:5432/tutor",
        "REDIS_URL": f"redis://:{REDIS_PASSWORD}@redis.example:6379/0",
        "TUTOR_SECRET_KEY": "env-secret-key-sentinel",
        "TUTOR_ENCRYPTION_KEYS": "env-fernet-key-sentinel",
        "HTTP_AUTHORIZATION": f"Bearer {API_TOKEN}",
    }


@pytest.mark.django_db
@pytest.mark.urls("tests.security.test_secrets")
def test_the_500_page_shows_no_secret(settings, secrets_in_settings):  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    response = client.get("/explode/", **hostile_environ())
    assert response.status_code == 500
    page = response.content.decode()
    for secret in [*secrets_in_settings, *hostile_environ().values()]:
        assert secret not in page
    assert "kaboom" not in page and "Traceback" not in page and "SECRET_KEY" not in page
    assert "Something went wrong on our side" in page  # the site's own 500 page


def technical_report(request: HttpRequest) -> tuple[str, str]:
    """Django's own report of explode(), as HTML and as text (the e-mail's body)."""
    try:
        explode(request)
    except ImproperlyConfigured:
        report = ExceptionReporter(request, *sys.exc_info())
        return report.get_traceback_html(), report.get_traceback_text()
    raise AssertionError("explode() did not raise")


@pytest.mark.django_db
def test_the_technical_error_page_hides_every_secret(settings, secrets_in_settings):  # type: ignore[no-untyped-def]
    """What DEBUG=True, or an error e-mail to the operator, would show."""
    request = RequestFactory().get("/explode/", **hostile_environ())
    html, text = technical_report(request)
    assert "SECRET_KEY" in html and "DATABASES" in html, "the report shows the settings"
    for secret in [*secrets_in_settings, *hostile_environ().values()]:
        assert secret not in html, secret
        assert secret not in text, secret


@pytest.mark.parametrize(
    "name",
    [
        "SECRET_KEY",
        "TUTOR_ENCRYPTION_KEYS",
        "TUTOR_SECRET_KEY",
        "TUTOR_SECRET_KEY_FILE",
        "TUTOR_ENCRYPTION_KEYS_FILE",
        "DATABASE_URL",
        "REDIS_URL",
        "CELERY_BROKER_URL",
        "CELERY_RESULT_BACKEND",
    ],
)
def test_the_report_filter_hides_our_secret_names(name: str) -> None:
    reporter_filter = get_default_exception_reporter_filter()
    assert reporter_filter.hidden_settings.search(name), name
    assert reporter_filter.cleanse_setting(name, "x") == reporter_filter.cleansed_substitute


def test_the_report_filter_hides_passwords_inside_values() -> None:
    reporter_filter = get_default_exception_reporter_filter()
    databases = reporter_filter.cleanse_setting("DATABASES", {"default": {"PASSWORD": "pw"}})
    assert databases["default"]["PASSWORD"] == reporter_filter.cleansed_substitute
    # A URL with a password under any name loses the password, keeps the rest.
    shown = reporter_filter.cleanse_setting("MY_CACHE_LOCATION", "redis://u:pw-123@cache:6379/1")
    assert shown == f"redis://u:{reporter_filter.cleansed_substitute}@cache:6379/1"
    assert reporter_filter.cleanse_setting("STATIC_URL", "/static/") == "/static/"


@pytest.mark.parametrize("name", ["STATIC_URL", "LOGIN_URL", "TUTOR_SITE_NAME", "TIME_ZONE"])
def test_the_report_filter_keeps_what_helps_debugging(name: str) -> None:
    assert not get_default_exception_reporter_filter().hidden_settings.search(name)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "fields"),
    [
        ("login", {"username": "alice", "password": "pw-sentinel"}),
        ("signup", {"username": "x", "password1": "pw-sentinel", "password2": "pw-sentinel"}),
        ("password_change", {"old_password": "pw-sentinel", "new_password1": "pw-sentinel",
                             "new_password2": "pw-sentinel"}),
        ("workspaces:my_cluster", {"kubeconfig": "pw-sentinel", "namespace": "default"}),
    ],
)  # fmt: skip
def test_views_that_take_secrets_mark_them_sensitive(client, alice, url_name, fields):  # type: ignore[no-untyped-def]
    if url_name != "login":
        client.force_login(alice)
    response = client.post(reverse(url_name), fields)
    request = response.wsgi_request
    marked = getattr(request, "sensitive_post_parameters", None)
    assert marked is not None, f"{url_name} does not use @sensitive_post_parameters"
    reporter_filter = get_default_exception_reporter_filter()
    cleaned = reporter_filter.get_post_parameters(request)
    assert "pw-sentinel" not in repr(dict(cleaned))


class GarbledTokenServer:
    """An API server that issues a token with an expiry nobody can read."""

    def request(self, method: str, path: str, body: object = None) -> dict[str, object]:
        return {"status": {"token": API_TOKEN, "expirationTimestamp": "the day after tomorrow"}}


@pytest.mark.django_db
def test_a_crash_while_issuing_a_token_does_not_report_it(settings, alice):  # type: ignore[no-untyped-def]
    """The report an operator's error e-mail carries (DEBUG off, where Django applies the filter)."""
    from workspaces import classroom

    settings.DEBUG = False
    row = StudentNamespace(user=alice, namespace="lfs158-alice-0000", cluster_server="https://x")
    try:
        classroom._issue_kubeconfig(GarbledTokenServer(), row)  # type: ignore[arg-type]
    except ValueError:
        report = ExceptionReporter(RequestFactory().get("/"), *sys.exc_info())
        html, text = report.get_traceback_html(), report.get_traceback_text()
    else:
        raise AssertionError("the garbled expiry was accepted")
    assert "_issue_kubeconfig" in text
    assert API_TOKEN not in html and API_TOKEN not in text
