"""gunicorn settings for the container image (deploy/compose.yaml, deploy/kubernetes/).

Read from the environment like the tutor's own settings; `make run` does not
use this file (scripts/run.sh passes its flags directly).
"""

import os

# All interfaces: in a container the published port or the Service reaches it there.
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("TUTOR_WEB_WORKERS", "2"))
threads = int(os.environ.get("TUTOR_WEB_THREADS", "4"))
# Longer than any page takes; a hung worker is replaced rather than kept.
timeout = int(os.environ.get("TUTOR_WEB_TIMEOUT", "30"))
# Kubernetes sends SIGTERM and waits terminationGracePeriodSeconds (30 s) before SIGKILL.
graceful_timeout = 20
keepalive = 5
# Heartbeat files in memory: the root file system is read-only.
worker_tmp_dir = "/dev/shm"  # noqa: S108  (a private tmpfs per container)
accesslog = "-"
errorlog = "-"
# Recycle workers now and then so that a slow leak never grows unbounded.
max_requests = 2000
max_requests_jitter = 200
