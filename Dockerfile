# syntax=docker/dockerfile:1
# LFS158 Tutor: the image behind deploy/compose.yaml and deploy/kubernetes/.
#   docker build -t lfs158-tutor:0.1.0 .
# Stage 1 builds a virtual environment with the dependencies only; stage 2 is a slim
# runtime with that environment, the source, the course content and the collected
# static files, running as an unprivileged user.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /build
# The dependencies come from the lock file alone (exact versions, checked hashes), so
# that editing the code reuses this (slow) layer.
COPY requirements/base.txt ./requirements.txt
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-compile --require-hashes -r requirements.txt
# The interface's translations, compiled here (msgfmt stays out of the runtime image).
RUN apt-get update -q && apt-get install -y -q --no-install-recommends gettext \
 && rm -rf /var/lib/apt/lists/*
COPY locale ./locale
RUN find locale -name '*.po' -exec sh -c 'msgfmt --check -o "${1%.po}.mo" "$1"' _ {} \;

FROM ${PYTHON_IMAGE} AS runtime
ARG TUTOR_UID=10001
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    TUTOR_DATA_DIR=/app/var \
    TUTOR_BIND=0.0.0.0 \
    PORT=8000
RUN groupadd --system --gid ${TUTOR_UID} tutor \
 && useradd --system --uid ${TUTOR_UID} --gid tutor --home-dir /app --shell /usr/sbin/nologin tutor
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
# The source, templates, static files and the course content (.dockerignore keeps out
# the virtual environment, local data, tests and git history).
COPY . /app
COPY --from=builder /build/locale /app/locale
# Static files are collected (hashed names, gzip) into the image, so the root file
# system can be read-only at run time. The throwaway keys keep settings from
# generating keys into the image (the checks after it prove none was written); the
# real ones come from the environment at run time.
RUN TUTOR_SECRET_KEY="collectstatic-only-$(python -c 'import secrets; print(secrets.token_urlsafe(40))')" \
    TUTOR_ENCRYPTION_KEYS="$(python -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')" \
    REDIS_URL=redis://unused:6379/0 \
    python manage.py collectstatic --no-input -v 0 \
 && python -m compileall -q -x '/(content|static|var)/' /app \
 && test ! -e "$TUTOR_DATA_DIR/secret-key" && test ! -e "$TUTOR_DATA_DIR/encryption-key"
USER ${TUTOR_UID}:${TUTOR_UID}
EXPOSE 8000
# /healthz answers whatever Host the probe sends (tutor/probes.py).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]
# uvicorn (tutor/serve.py): pages and the browser terminal's WebSockets on one port;
# TUTOR_WEB_WORKERS processes, TUTOR_WEB_THREADS threads each for pages.
CMD ["python", "-m", "tutor.serve"]
