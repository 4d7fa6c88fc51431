"""Who is an instructor: the one definition, for views, templates and services.

An instructor authors quizzes and runs classes. That is an active account in
the "instructors" group, or staff (operators who can reach the admin can grant
themselves the group anyway), or a superuser. Everything that asks goes
through ``is_instructor``; every instructor page is behind
``instructor_required``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext

INSTRUCTORS_GROUP = "instructors"

View = Callable[..., HttpResponse]


def is_instructor(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.is_staff:
        return True
    return user.groups.filter(name=INSTRUCTORS_GROUP).exists()


def instructor_required(view: View) -> View:
    """Anonymous visitors are sent to log in; students get 403."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_instructor(request.user):
            raise PermissionDenied(gettext("Only instructors can see this page."))
        return view(request, *args, **kwargs)

    return wrapped


def is_operator(user: User | AnonymousUser) -> bool:
    """Who runs the installation: staff and superusers (they grant instructor rights)."""
    return bool(user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser))


def operator_required(view: View) -> View:
    """Anonymous visitors are sent to log in; everyone but an operator gets 403."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_operator(request.user):
            raise PermissionDenied(gettext("Only the operators of this tutor can see this page."))
        return view(request, *args, **kwargs)

    return wrapped
