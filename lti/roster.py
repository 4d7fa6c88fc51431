"""The LMS roster (Names and Role Provisioning Services) becomes the class's members."""

from __future__ import annotations

import logging

import requests
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from lti_tool.services.nrps import sync_memberships
from pylti1p3.exception import LtiException

from lti.identity import membership_apply
from lti.keys import key_ensure
from lti.models import CourseClass

log = logging.getLogger(__name__)


def roster_sync(*, course_class_id: int, language: str = "") -> CourseClass:
    """Fetch the course's members from the LMS and make the class match (a worker runs it).

    ``language``: the instructor's who asked; a problem is written in it ("": English).
    """
    with translation.override(language or None):
        return _sync(course_class_id)


def _sync(course_class_id: int) -> CourseClass:
    course = CourseClass.objects.select_related("context__deployment__registration", "cohort").get(
        pk=course_class_id
    )
    context = course.context
    if not context.memberships_url:
        course.roster_problem = _("The LMS did not offer its roster (no Names and Roles service).")
        course.save(update_fields=["roster_problem"])
        return course
    key_ensure()
    try:
        sync_memberships(context)  # the token endpoint, then the membership container
    except (LtiException, requests.RequestException) as exc:
        course.roster_problem = _("The LMS did not give the roster: {problem}").format(problem=exc)[
            :500
        ]
        course.save(update_fields=["roster_problem"])
        log.warning("roster of course class %s: %s", course.pk, exc)
        return course
    with transaction.atomic():
        for membership in context.memberships.select_related("user__registration"):
            membership_apply(course.cohort, membership)
        course.roster_synced_at = timezone.now()
        course.roster_problem = ""
        course.save(update_fields=["roster_synced_at", "roster_problem"])
    return course
