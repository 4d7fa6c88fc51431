"""The LMS's people and courses, as tutor accounts and classes.

A person from the LMS gets an account ``lti-<sha256(registration:sub)>``
with no usable password: they come in through a verified launch only, and
the same ``sub`` from two LMSs is two people (Moodle's subs are small
integers). Not django-lti-authentication, whose accounts are the bare sub.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import User
from django.db import transaction
from lti_tool.models import LtiContext, LtiMembership, LtiUser

from accounts.services import instructor_grant
from classes.codes import new_join_code
from classes.models import Cohort, Membership
from lti.models import CourseClass


def username_for(lti_user: LtiUser) -> str:
    digest = hashlib.sha256(f"{lti_user.registration.uuid}:{lti_user.sub}".encode()).hexdigest()
    return f"lti-{digest[:24]}"


def user_for(lti_user: LtiUser) -> User:
    if lti_user.auth_user_id:
        return lti_user.auth_user  # type: ignore[return-value]
    user, created = User.objects.get_or_create(
        username=username_for(lti_user),
        defaults={
            "first_name": (lti_user.given_name or "")[:150],
            "last_name": (lti_user.family_name or "")[:150],
            "email": (lti_user.email or "")[:254],
        },
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    lti_user.auth_user = user
    lti_user.save(update_fields=["auth_user"])
    return user


def cohort_for(context: LtiContext) -> Cohort:
    """The class of an LMS course: made on its first launch, then the same one."""
    link = CourseClass.objects.select_related("cohort").filter(context=context).first()
    if link is not None:
        return link.cohort
    with transaction.atomic():
        cohort = Cohort.objects.create(
            name=(context.title or context.label or context.id_on_platform)[:120],
            join_code=new_join_code(),
        )
        CourseClass.objects.create(context=context, cohort=cohort)
    return cohort


def membership_apply(cohort: Cohort, membership: LtiMembership) -> User:
    """LMS instructors and administrators teach the class; everyone else is a student."""
    user = user_for(membership.user)
    teaches = membership.is_active and (membership.is_instructor or membership.is_administrator)
    if teaches:
        instructor_grant(user=user)
        cohort.instructors.add(user)
        Membership.objects.filter(cohort=cohort, user=user).delete()
    elif membership.is_active:
        cohort.instructors.remove(user)
        Membership.objects.get_or_create(cohort=cohort, user=user)
    else:
        cohort.instructors.remove(user)
        Membership.objects.filter(cohort=cohort, user=user).delete()
    return user
