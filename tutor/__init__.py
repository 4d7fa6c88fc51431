"""LFS158 Tutor: the Django project (settings, urls, the Celery app)."""

from .celery import app as celery_app

__all__ = ["celery_app"]
