"""Settings for LFS158 Tutor.

One module for every environment: the defaults suit a single laptop (SQLite,
a broker that needs no server, DEBUG off) and environment variables switch to
a classroom deployment. The README lists every variable.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

from core.crypto import local_encryption_key
from tutor.env import ConfigError, env_bool, env_int, env_list, env_str, local_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("TUTOR_DATA_DIR", str(BASE_DIR / "var"))).resolve()
CONTENT_ROOT = Path(env_str("TUTOR_CONTENT_ROOT", str(BASE_DIR / "content"))).resolve()

DEBUG = env_bool("TUTOR_DEBUG", False)
SECRET_KEY = env_str("TUTOR_SECRET_KEY") or local_secret_key(DATA_DIR)
ALLOWED_HOSTS = env_list("TUTOR_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("TUTOR_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "csp",
    "tutor",
    "core",
    "accounts",
    "lessons",
    "quizzes",
    "exercises",
    "workspaces",
    "labs",
    "classes",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before the page cache and WhiteNoise, so that every response carries the policy.
    "csp.middleware.CSPMiddleware",
    # Probes answer before CommonMiddleware checks the Host header (see tutor/probes.py).
    "tutor.probes.HealthProbeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tutor.page_cache.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tutor.urls"
WSGI_APPLICATION = "tutor.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tutor.context_processors.site",
                "accounts.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("TUTOR_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A web process and a worker write to the same file: wait for the lock
    # instead of failing, and let readers proceed during writes (WAL).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Login throttling (django-axes, fitted in accounts/login_throttle.py): after
# TUTOR_LOGIN_FAILURE_LIMIT failed logins for a username, or
# TUTOR_LOGIN_IP_FAILURE_LIMIT from one client address, logins are refused for
# TUTOR_LOGIN_COOLOFF_MINUTES (each further try restarts the wait). A successful
# login clears that username's failures. X-Forwarded-For is believed only with
# TUTOR_TRUSTED_PROXY_COUNT reverse proxies in front of the tutor.
AUTHENTICATION_BACKENDS = [
    "accounts.login_throttle.LoginAttemptBackend",
    "django.contrib.auth.backends.ModelBackend",
]
TUTOR_TRUSTED_PROXY_COUNT = env_int("TUTOR_TRUSTED_PROXY_COUNT", 0)
TUTOR_LOGIN_IP_FAILURE_LIMIT = env_int("TUTOR_LOGIN_IP_FAILURE_LIMIT", 30)
AXES_ENABLED = env_bool("TUTOR_LOGIN_THROTTLE", True)
AXES_FAILURE_LIMIT = env_int("TUTOR_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("TUTOR_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "accounts.login_throttle.LoginAttemptHandler"
AXES_CLIENT_IP_CALLABLE = "accounts.login_throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.login_throttle.lockout_response"
# Successful logins are Django's business, not a second log table to prune.
AXES_DISABLE_ACCESS_LOG = True

LANGUAGE_CODE = "en"
TIME_ZONE = env_str("TUTOR_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# "default" is per process on purpose: pages cached there are cheap to rebuild and
# the content version in their key invalidates them. "shared" holds what every web
# process must agree on (counters of failed join codes): Redis when there is one.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "tutor",
    },
    "shared": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("REDIS_URL"),
            "KEY_PREFIX": "tutor",
        }
        if env_str("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "shared"}
    ),
}

SESSION_COOKIE_HTTPONLY = True
# Production: served over HTTPS by a proxy that terminates TLS (an Ingress, a load
# balancer, a reverse proxy on the host). TUTOR_HTTPS turns on everything that goes with
# it; each part can still be set on its own.
TUTOR_HTTPS = env_bool("TUTOR_HTTPS", False)
SESSION_COOKIE_SECURE = env_bool("TUTOR_SECURE_COOKIES", TUTOR_HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("TUTOR_SSL_REDIRECT", TUTOR_HTTPS)
# The kubelet, compose and Docker probe over plain HTTP from inside: never redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("TUTOR_HSTS_SECONDS", 31_536_000 if TUTOR_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("TUTOR_HSTS_INCLUDE_SUBDOMAINS", TUTOR_HTTPS)
SECURE_HSTS_PRELOAD = env_bool("TUTOR_HSTS_PRELOAD", False)
# The header the proxy sets to say the browser used https. Trust it only behind a proxy
# that overwrites it: a client that reaches gunicorn directly could forge it.
_PROXY_SSL_HEADER = env_str("TUTOR_PROXY_SSL_HEADER", "X-Forwarded-Proto" if TUTOR_HTTPS else "")
if _PROXY_SSL_HEADER.strip():
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + _PROXY_SSL_HEADER.strip().upper().replace("-", "_"),
        "https",
    )
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Error reports (the DEBUG page, error e-mails) hide our secrets too: URLs with passwords.
DEFAULT_EXCEPTION_REPORTER_FILTER = "tutor.errors.SecretsFilter"
# Only the tutor's own scripts and styles run: no inline script, no inline style
# attribute, no eval. CodeMirror injects <style> elements, which carry the request's
# nonce (templates pass request.csp_nonce to editor.js); django-csp adds the nonce to
# the header only on pages that used it, so cached chapter pages share no nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# Celery: with REDIS_URL unset, a filesystem broker under DATA_DIR lets a
# laptop run a real worker process without any server.
REDIS_URL = env_str("REDIS_URL")
BROKER_DIR = DATA_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 3600}
else:
    # The folders must exist before the worker or the web process touches them.
    for _folder in ("queue", "processed", "control"):
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # kombu keeps its exchange table in ./control unless told otherwise.
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("TUTOR_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # django-axes says three things at INFO on every login; failures and
        # lockouts are WARNING and still shown.
        "axes": {"level": "WARNING"},
    },
}

# The tutor's own settings.
TUTOR_SITE_NAME = env_str("TUTOR_SITE_NAME", "LFS158 Tutor")
TUTOR_KUBERNETES_VERSION = "1.35"
# The cluster labs are graded on in local mode (default: $KUBECONFIG, ~/.kube/config,
# else the local control plane started by `make cluster-up`).
TUTOR_KUBECONFIG = env_str("TUTOR_KUBECONFIG")
TUTOR_KUBE_CONTEXT = env_str("TUTOR_KUBE_CONTEXT")
# Local mode grades every student's labs in this namespace of that cluster.
TUTOR_LAB_NAMESPACE = env_str("TUTOR_LAB_NAMESPACE", "default")
# Grading: soft and hard time limits well under the broker's visibility timeout
# (3600 s); the reaper re-queues submissions stuck longer than that.
LAB_GRADE_HARD_SECONDS = env_int("TUTOR_LAB_GRADE_SECONDS", 210)
LAB_GRADE_SOFT_SECONDS = (
    LAB_GRADE_HARD_SECONDS - 30 if LAB_GRADE_HARD_SECONDS > 60 else LAB_GRADE_HARD_SECONDS * 3 // 4
)
# A queued submission no worker took within this time is enqueued again.
LAB_QUEUED_STALE_SECONDS = env_int("TUTOR_LAB_QUEUED_STALE_SECONDS", 60)
CELERY_BEAT_SCHEDULE = {
    "reap-lab-submissions": {
        "task": "labs.tasks.reap_submissions",
        "schedule": float(env_int("TUTOR_REAPER_SECONDS", 30)),
    },
    "reap-lab-runs": {
        "task": "workspaces.tasks.reap_lab_runs",
        "schedule": float(env_int("TUTOR_REAPER_SECONDS", 30)),
    },
}

# Classroom mode: every student gets a namespace of their own on the classroom
# cluster (the one above) and downloads a kubeconfig for it. Local mode: one
# laptop, one namespace (TUTOR_LAB_NAMESPACE).
TUTOR_MODE = env_str("TUTOR_MODE", "local").strip().lower()
if TUTOR_MODE not in ("local", "classroom"):
    raise ConfigError(f"TUTOR_MODE={TUTOR_MODE!r}: expected local or classroom")
# The https URL students' kubeconfigs point at (empty: the server of the tutor's own
# kubeconfig, which is right unless the tutor reaches the API server by another address).
TUTOR_CLASSROOM_API_SERVER = env_str("TUTOR_CLASSROOM_API_SERVER")
TUTOR_STUDENT_TOKEN_HOURS = env_int("TUTOR_STUDENT_TOKEN_HOURS", 12)
# Each student namespace's ResourceQuota; the LimitRange gives every container that
# names no resources this much, so that the quota admits it.
TUTOR_STUDENT_QUOTA_PODS = env_int("TUTOR_STUDENT_QUOTA_PODS", 10)
TUTOR_STUDENT_QUOTA_CPU = env_str("TUTOR_STUDENT_QUOTA_CPU", "2")
TUTOR_STUDENT_QUOTA_MEMORY = env_str("TUTOR_STUDENT_QUOTA_MEMORY", "2Gi")
TUTOR_STUDENT_QUOTA_STORAGE = env_str("TUTOR_STUDENT_QUOTA_STORAGE", "5Gi")
TUTOR_STUDENT_QUOTA_NODEPORTS = env_int("TUTOR_STUDENT_QUOTA_NODEPORTS", 2)
TUTOR_STUDENT_CONTAINER_CPU = env_str("TUTOR_STUDENT_CONTAINER_CPU", "200m")
TUTOR_STUDENT_CONTAINER_MEMORY = env_str("TUTOR_STUDENT_CONTAINER_MEMORY", "200Mi")
# A student's own cluster (their kind or minikube, reachable from the tutor): off by
# default, because the worker would connect wherever the student's kubeconfig says.
# An operator who enables it lists the servers students may use: host names,
# `*.example.edu`, addresses or networks (10.20.0.0/16). Link-local and cloud metadata
# addresses are refused whatever the list says.
TUTOR_STUDENT_CLUSTERS = env_bool("TUTOR_STUDENT_CLUSTERS", False)
TUTOR_STUDENT_CLUSTER_ALLOWED = [
    entry.strip() for entry in env_str("TUTOR_STUDENT_CLUSTER_ALLOWED").split(",") if entry.strip()
]
# Fernet keys for secrets at rest (students' kubeconfigs), newest first: values are
# encrypted with the first and decrypted with any, so a new key goes in front, then
# `manage.py rotate_encryption_key` re-encrypts, then the old key can go.
TUTOR_ENCRYPTION_KEYS = [
    key.strip() for key in env_str("TUTOR_ENCRYPTION_KEYS").split(",") if key.strip()
]
if not TUTOR_ENCRYPTION_KEYS:
    if TUTOR_MODE == "classroom":
        raise ConfigError(
            "TUTOR_MODE=classroom needs TUTOR_ENCRYPTION_KEYS (or TUTOR_ENCRYPTION_KEYS_FILE): "
            'generate a key with `python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"`'
        )
    TUTOR_ENCRYPTION_KEYS = [local_encryption_key(DATA_DIR)]
