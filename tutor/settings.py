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
from tutor.env import (
    ConfigError,
    env_bool,
    env_int,
    env_list,
    env_str,
    local_secret_key,
    private_file,
)

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
    "exams",
    "classes",
    "lti_tool",
    "lti",
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
    # Below WhiteNoise (static files come precompressed) and the page cache (kept pages
    # are compressed once). Django masks the CSRF token per response and pads gzip
    # output at random, the BREACH mitigations for pages that reflect input.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The page's language: the switcher's cookie, else Accept-Language, else English.
    # The page cache above keys its pages by the same two (tutor.page_cache._language).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Remembers, in a signed cookie, the accounts that logged in with this browser.
    "accounts.login_throttle.KnownBrowserMiddleware",
    # Counts as-you-type manifest checks per client, before their body is read.
    "accounts.rate_limit.ManifestCheckLimitMiddleware",
    # Dates in the viewer's own time zone (accounts.models.Preferences).
    "accounts.middleware.TimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tutor.urls"
WSGI_APPLICATION = "tutor.wsgi.application"
# `make run` and the image serve tutor/asgi.py with uvicorn (tutor/serve.py): pages in
# TUTOR_WEB_THREADS threads per process, the browser terminal over WebSockets.
ASGI_APPLICATION = "tutor.asgi.application"
TUTOR_WEB_THREADS = env_int("TUTOR_WEB_THREADS", 4)

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
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
    # Sessions and password hashes live in it: owner-only, like the secret files. A
    # database made before this rule is tightened here; a new one as soon as SQLite
    # creates it (tutor.apps), before anything is written to it.
    private_file(Path(DATABASES["default"]["NAME"]))
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
# The languages of the interface (locale/<code>/LC_MESSAGES/django.po, compiled by `make`)
# and of the chapters that have a translation beside them (chapter.<code>.md).
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
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
# the versions in their keys invalidate them. "shared" holds what every web process
# must agree on (sessions, the versions of each student's pages, counters of failed
# join codes, requests per client): Redis when there is one, else files in the data
# directory (several gunicorn workers on one machine see the same files; their counts
# are approximate there: a file cache has no atomic incr).
CACHES: dict[str, dict[str, object]] = {
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
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache" / "shared"),
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    ),
}
# Sessions are read from the shared cache and written through to the database: a
# signed-in page view costs no session query, and a logout is seen by every process.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_CACHE_ALIAS = "shared"

SESSION_COOKIE_HTTPONLY = True
# Production: served over HTTPS by a proxy that terminates TLS (an Ingress, a load
# balancer, a reverse proxy on the host). TUTOR_HTTPS turns on everything that goes with
# it; each part can still be set on its own.
TUTOR_HTTPS = env_bool("TUTOR_HTTPS", False)
SESSION_COOKIE_SECURE = env_bool("TUTOR_SECURE_COOKIES", TUTOR_HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_FAILURE_VIEW = "tutor.errors.csrf_failure"  # the site's page, in the reader's language
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SAMESITE = "Lax"
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

# Channels: how the browser terminal's messages reach the process that holds a
# session (workspaces/terminal/). With Redis, any web process of any host; without,
# the processes of this host, through Unix sockets under DATA_DIR (one machine needs
# no server).
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # channels-redis waits 5 s in a blocking pop; redis-py 8's default socket
                # timeout is shorter and would cut every such wait off.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15}],
                "prefix": "tutor-channels:",
                "capacity": 2000,
                "expiry": 30,
            },
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "workspaces.terminal.layer.HostChannelLayer",
            "CONFIG": {"directory": str(DATA_DIR / "channels"), "capacity": 2000, "expiry": 30},
        }
    }
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
# Where students report an accessibility problem (an email address or an https:// page),
# named on the accessibility statement; without it the statement says to tell an instructor.
TUTOR_ACCESSIBILITY_CONTACT = env_str("TUTOR_ACCESSIBILITY_CONTACT")
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
# Live checks: while a lab page is open, a worker of the "live" queue (a thread
# pool: the runs wait on the API server, not the CPU) watches the student's
# namespace and re-runs the checks when it changes. Bounded per student and lab:
# one run, at most LAB_LIVE_SECONDS long (the page offers to resume), at most one
# look every LAB_LIVE_MIN_INTERVAL seconds, stopped LAB_LIVE_IDLE_SECONDS after the
# page stops asking; a student has at most LAB_LIVE_PER_STUDENT runs at once. Where
# the API server refuses a watch, the run looks every LAB_LIVE_POLL_SECONDS instead.
LAB_LIVE_SECONDS = env_int("TUTOR_LAB_LIVE_SECONDS", 900)
LAB_LIVE_IDLE_SECONDS = env_int("TUTOR_LAB_LIVE_IDLE_SECONDS", 20)
LAB_LIVE_MIN_INTERVAL = env_int("TUTOR_LAB_LIVE_MIN_INTERVAL", 2)
LAB_LIVE_POLL_SECONDS = env_int("TUTOR_LAB_LIVE_POLL_SECONDS", 5)
LAB_LIVE_PER_STUDENT = env_int("TUTOR_LAB_LIVE_PER_STUDENT", 2)
# A run no live worker took within this time is given up (its message expires too).
LAB_LIVE_QUEUE_SECONDS = env_int("TUTOR_LAB_LIVE_QUEUE_SECONDS", 30)
CELERY_TASK_ROUTES = {"labs.tasks.watch_lab": {"queue": "live"}}
CELERY_BEAT_SCHEDULE = {
    "reap-lab-submissions": {
        "task": "labs.tasks.reap_submissions",
        "schedule": float(env_int("TUTOR_REAPER_SECONDS", 30)),
    },
    # Lab starts and resets whose message was lost or whose worker died are sent again.
    "reap-lab-runs": {
        "task": "workspaces.tasks.reap_lab_runs",
        "schedule": float(env_int("TUTOR_REAPER_SECONDS", 30)),
    },
    # Exams: hand in those whose time ran out, grade again those whose worker died.
    "reap-exam-attempts": {
        "task": "exams.tasks.reap_attempts",
        "schedule": float(env_int("TUTOR_REAPER_SECONDS", 30)),
    },
    # Scores for the LMS whose message was lost or whose worker died are sent again.
    "send-due-lms-scores": {
        "task": "lti.tasks.send_due_scores",
        "schedule": float(env_int("TUTOR_REAPER_SECONDS", 30)),
    },
}

# The as-you-type validation of exercises is open to anyone reading: each client may
# ask for this many checks a minute (per address for visitors, per account once
# signed in; 0 turns the limit off). Typing sends one check per pause.
TUTOR_VALIDATE_PER_MINUTE_ANONYMOUS = env_int("TUTOR_VALIDATE_PER_MINUTE_ANONYMOUS", 120)
TUTOR_VALIDATE_PER_MINUTE_USER = env_int("TUTOR_VALIDATE_PER_MINUTE_USER", 60)
# The editor's completion and hover (/editor/complete, /editor/hover): one request per
# typed word or pointer rest, so a larger budget per client a minute (0: no limit).
TUTOR_EDITOR_HELP_PER_MINUTE = env_int("TUTOR_EDITOR_HELP_PER_MINUTE", 600)
# Form bodies larger than this are refused before they are read (a manifest is at
# most 256 KiB, a pasted quiz question or bank at most 512 KiB).
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

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
# Work against students' own clusters (grading there, connection tests) goes to a
# queue of its own with its own worker, so that a slow or hostile cluster never
# holds the workers that grade on the class's cluster. Each grading run there ends
# within this many seconds, whatever the cluster does.
TUTOR_UNTRUSTED_QUEUE = "student-clusters"
TUTOR_STUDENT_CLUSTER_GRADE_SECONDS = env_int("TUTOR_STUDENT_CLUSTER_GRADE_SECONDS", 60)
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

# The browser terminal (workspaces/terminal/): in classroom mode a shell in a toolbox
# Pod in the student's namespace (pods/exec); in local mode a shell on this machine,
# only for a browser on this machine. TUTOR_TERMINAL=false turns it off.
TUTOR_TERMINAL = env_bool("TUTOR_TERMINAL", True)
# A session with no input for this long stops; a warning comes this long before.
TUTOR_TERMINAL_IDLE_SECONDS = env_int("TUTOR_TERMINAL_IDLE_SECONDS", 30 * 60)
TUTOR_TERMINAL_IDLE_WARNING_SECONDS = env_int("TUTOR_TERMINAL_IDLE_WARNING_SECONDS", 5 * 60)
# No session lasts longer than this, busy or not (a new one is a click away).
TUTOR_TERMINAL_MAX_SECONDS = env_int("TUTOR_TERMINAL_MAX_SECONDS", 4 * 3600)
# What a reloaded page gets back: the last bytes the shell printed.
TUTOR_TERMINAL_SCROLLBACK_BYTES = env_int("TUTOR_TERMINAL_SCROLLBACK_BYTES", 256 * 1024)
# Rate limits per session: bytes typed (a burst covers a pasted manifest), bytes
# printed (beyond it the shell is slowed down, not cut off), and new connections per
# user per minute.
TUTOR_TERMINAL_INPUT_BYTES_PER_SECOND = env_int("TUTOR_TERMINAL_INPUT_BYTES_PER_SECOND", 8 * 1024)
TUTOR_TERMINAL_INPUT_BURST_BYTES = env_int("TUTOR_TERMINAL_INPUT_BURST_BYTES", 64 * 1024)
TUTOR_TERMINAL_OUTPUT_BYTES_PER_SECOND = env_int(
    "TUTOR_TERMINAL_OUTPUT_BYTES_PER_SECOND", 512 * 1024
)
TUTOR_TERMINAL_CONNECTS_PER_MINUTE = env_int("TUTOR_TERMINAL_CONNECTS_PER_MINUTE", 30)
# Keystroke recording, for an operator who must (an exam, an investigation): off by
# default; when on, every student is told so above their terminal.
TUTOR_TERMINAL_RECORD = env_bool("TUTOR_TERMINAL_RECORD", False)
# The toolbox image (deploy/toolbox/Dockerfile) and what its Pod may use.
TUTOR_TOOLBOX_IMAGE = env_str("TUTOR_TOOLBOX_IMAGE", "lfs158-toolbox:0.1.0")
TUTOR_TOOLBOX_CPU = env_str("TUTOR_TOOLBOX_CPU", "100m")
TUTOR_TOOLBOX_MEMORY = env_str("TUTOR_TOOLBOX_MEMORY", "128Mi")
