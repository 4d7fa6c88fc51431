"""Writes for accounts: who is an instructor.

Granting and revoking instructor rights is the operator's business (the
``grant_instructor`` command, the operators' page); a class's instructor can
also invite a co-teacher (``classes.services.invitation_accept`` calls
``instructor_grant``). Staff and superusers are instructors by their status
(``accounts.permissions``): revoking the group does not change that.
"""

from __future__ import annotations

import logging
import zoneinfo

from django.contrib.auth.models import Group, User
from django.utils.translation import gettext

from accounts.models import Preferences
from accounts.permissions import INSTRUCTORS_GROUP, is_instructor

log = logging.getLogger(__name__)


class AccountError(Exception):
    """A request about an account that cannot be done; the message says why."""


def instructors_group() -> Group:
    group, _ = Group.objects.get_or_create(name=INSTRUCTORS_GROUP)
    return group


def user_by_username(username: str) -> User:
    user = User.objects.filter(username=username.strip()).first()
    if user is None:
        raise AccountError(
            gettext("No account has the username “{username}”.").format(
                username=username.strip()[:150]
            )
        )
    return user


def instructor_grant(*, user: User, by: User | None = None) -> bool:
    """Make the account an instructor; False when it already was one."""
    if not user.is_active:
        raise AccountError(
            gettext("The account “{username}” is deactivated.").format(username=user.get_username())
        )
    already = user.groups.filter(name=INSTRUCTORS_GROUP).exists()
    if not already:
        user.groups.add(instructors_group())
        log.info("user %s made an instructor by %s", user.pk, by.pk if by else "a command")
    return not already


def instructor_revoke(*, user: User, by: User | None = None) -> bool:
    """Take the group away; False when the account was not in it.

    Staff and superusers stay instructors by their status: the caller says so.
    """
    present = user.groups.filter(name=INSTRUCTORS_GROUP).exists()
    if present:
        user.groups.remove(instructors_group())
        log.info("user %s no longer an instructor (by %s)", user.pk, by.pk if by else "a command")
    return present


def instructors() -> list[User]:
    """Everyone who is an instructor: the group's members, staff and superusers."""
    candidates = (
        User.objects.filter(is_active=True).filter(groups__name=INSTRUCTORS_GROUP)
        | User.objects.filter(is_active=True, is_staff=True)
        | User.objects.filter(is_active=True, is_superuser=True)
    )
    return [u for u in candidates.distinct().order_by("username") if is_instructor(u)]


def time_zones() -> list[str]:
    return sorted(zoneinfo.available_timezones())


def time_zone_set(*, user: User, name: str) -> None:
    """The time zone dates are shown in; empty: the site's (TUTOR_TIME_ZONE)."""
    if name and name not in zoneinfo.available_timezones():
        raise AccountError(
            gettext("“{name}” is not a time zone this server knows.").format(name=name[:64])
        )
    Preferences.objects.update_or_create(user=user, defaults={"time_zone": name})
