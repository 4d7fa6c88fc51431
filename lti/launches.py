"""Validating LTI launches with PyLTI1p3, where the tutor needs more than django-lti does.

- State, nonces and launch data live in the ``shared`` cache (Redis in
  classroom mode): django-lti hard-wires ``default``, which is per process
  here, so an OIDC login and its launch on two web workers would not meet.
- ``exp`` and ``iat`` are required, and every accepted nonce is recorded once
  (``UsedLaunchNonce``): a replayed id_token is refused.
- A login without ``client_id`` (optional in the OIDC initiation) finds the
  registration by the uuid in its URL, which django-lti's lookup does not.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext
from lti_tool.models import LtiLaunch, LtiRegistration
from lti_tool.utils import DjangoToolConfig
from pylti1p3.contrib.django import DjangoCacheDataStorage, DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.exception import LtiException

from lti.keys import key_ensure
from lti.models import UsedLaunchNonce

CACHE = "shared"
LAUNCH_PRESENTATION = "https://purl.imsglobal.org/spec/lti/claim/launch_presentation"
# A nonce is kept a little longer than its id_token could still be accepted.
NONCE_GRACE = dt.timedelta(minutes=5)


def storage() -> DjangoCacheDataStorage:
    return DjangoCacheDataStorage(cache_name=CACHE)


class ToolConfig(DjangoToolConfig):
    def find_registration_by_params(
        self, iss: str, client_id: str | None, *args: Any, **kwargs: Any
    ):  # type: ignore[no-untyped-def]
        if client_id is None and self.registration_uuid is not None:
            return self.find_registration_by_issuer(iss)
        return super().find_registration_by_params(iss, client_id, *args, **kwargs)


def oidc_login(request: HttpRequest, registration_uuid: str, target_link_uri: str) -> HttpResponse:
    """Answer the platform's login initiation: redirect to its authorization endpoint.

    No cookie-check page (PyLTI1p3's needs an inline script): the state cookie
    is SameSite=None; Secure under HTTPS, and the tutor opens itself in a new
    window after the launch anyway.
    """
    if not LtiRegistration.objects.active().filter(uuid=registration_uuid).exists():
        raise LtiException(gettext("This LMS registration is unknown or not active."))
    key_ensure()
    login = DjangoOIDCLogin(request, ToolConfig(registration_uuid), launch_data_storage=storage())
    response: HttpResponse = login.redirect(target_link_uri)
    return response


def launch_from_request(request: HttpRequest) -> LtiLaunch:
    """The validated launch of this POST; LtiException when anything is wrong with it."""
    key_ensure()
    message_launch = DjangoMessageLaunch(request, ToolConfig(), launch_data_storage=storage())
    message_launch.set_jwt_verify_options(
        {"verify_aud": False, "require": ["exp", "iat"]}  # type: ignore[dict-item]
    )
    message_launch.validate()
    return LtiLaunch(message_launch)


def launch_from_cache(request: HttpRequest, launch_id: str) -> LtiLaunch:
    message_launch = DjangoMessageLaunch.from_cache(
        launch_id, request, ToolConfig(), launch_data_storage=storage()
    )
    return LtiLaunch(message_launch)


def nonce_consume(lti_launch: LtiLaunch) -> None:
    """Record the id_token's nonce; a second use of the same id_token is refused."""
    nonce = lti_launch.get_claim("nonce")
    expires = lti_launch.get_claim("exp")
    if not nonce or not expires:
        raise LtiException(gettext("the id_token carries no nonce or no expiry"))
    try:
        with transaction.atomic():
            UsedLaunchNonce.objects.create(
                registration=lti_launch.registration,
                nonce=str(nonce)[:255],
                expires_at=dt.datetime.fromtimestamp(int(expires), tz=dt.UTC) + NONCE_GRACE,
            )
    except IntegrityError as exc:
        raise LtiException(gettext("this launch was already used (a replayed id_token)")) from exc
    UsedLaunchNonce.objects.filter(expires_at__lt=timezone.now()).delete()


def launch_language(lti_launch: LtiLaunch) -> str | None:
    """The tutor language the launch asks for (launch_presentation.locale), if the tutor has it.

    The locale is a BCP 47 tag such as ``es``, ``es-ES`` or (as some LMSs send
    it) ``es_ES``; anything else, or a language the tutor lacks, gives None.
    """
    presentation = lti_launch.get_claim(LAUNCH_PRESENTATION)
    locale = presentation.get("locale") if isinstance(presentation, dict) else None
    if not isinstance(locale, str) or not locale.strip():
        return None
    try:
        return translation.get_supported_language_variant(
            locale.strip().replace("_", "-").lower()[:35]
        )
    except LookupError:
        return None
