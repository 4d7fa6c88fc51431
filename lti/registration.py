"""LTI Dynamic Registration (the LMS offers, the tool registers itself), written carefully.

django-lti-dynamic-registration 0.1.2 creates an active registration before
the platform has answered, drops the deployment id, has no timeout and fails
to serialize its own messages; this is the same exchange without those
faults: read the platform's configuration, check that its issuer is the
address it was fetched from, send the tool's configuration, and only when
the platform accepted it store the registration and its deployment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from django.db import transaction
from django.utils.translation import gettext
from lti_tool.models import LtiDeployment, LtiRegistration

TIMEOUT = 10
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
]


class RegistrationError(Exception):
    """The registration cannot go on; the message is for the LMS administrator."""


@dataclass(frozen=True)
class ToolUrls:
    login: str  # with the registration's uuid in it
    launch: str
    jwks: str
    domain: str


def _https_or_loopback(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" or (
        parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def platform_configuration(openid_configuration: str, token: str) -> dict[str, Any]:
    """The platform's OpenID configuration, checked."""
    if not _https_or_loopback(openid_configuration):
        raise RegistrationError(gettext("The LMS's configuration address must use https."))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        answer = requests.get(openid_configuration, headers=headers, timeout=TIMEOUT)
        answer.raise_for_status()
        config = answer.json()
    except (requests.RequestException, ValueError) as exc:
        raise RegistrationError(
            gettext("The LMS's configuration could not be read: {problem}").format(problem=exc)
        ) from exc
    if not isinstance(config, dict):
        raise RegistrationError(gettext("The LMS's configuration is not a JSON object."))
    missing = [
        key
        for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri",
                    "registration_endpoint")
        if not isinstance(config.get(key), str) or not config[key]
    ]  # fmt: skip
    if missing:
        raise RegistrationError(
            gettext("The LMS's configuration lacks {keys}.").format(keys=", ".join(missing))
        )
    # The issuer must be the site the configuration came from (Dynamic Registration 3.5.1).
    if _origin(config["issuer"]) != _origin(openid_configuration):
        raise RegistrationError(
            gettext("The LMS's issuer is not the site its configuration came from: refused.")
        )
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint"):
        if not _https_or_loopback(config[key]):
            raise RegistrationError(gettext("The LMS's {key} must use https.").format(key=key))
    return config


def tool_configuration(urls: ToolUrls, name: str) -> dict[str, Any]:
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": urls.login,
        "redirect_uris": [urls.launch],
        "client_name": name,
        "jwks_uri": urls.jwks,
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(SCOPES),
        TOOL_CONFIGURATION: {
            "domain": urls.domain,
            "target_link_uri": urls.launch,
            "claims": ["iss", "sub", "name", "given_name", "family_name", "email"],
            "messages": [
                {"type": "LtiResourceLinkRequest", "target_link_uri": urls.launch},
                {
                    "type": "LtiDeepLinkingRequest",
                    "target_link_uri": urls.launch,
                    "label": "Add LFS158 Tutor content",
                },
            ],
        },
    }


def register(
    *, openid_configuration: str, token: str, registration: LtiRegistration, urls: ToolUrls,
    name: str,
) -> LtiRegistration:  # fmt: skip
    """Register with the platform; store the registration (and its deployment) once it agreed.

    ``registration`` is unsaved: its uuid is already in ``urls.login``.
    """
    config = platform_configuration(openid_configuration, token)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        answer = requests.post(
            config["registration_endpoint"], json=tool_configuration(urls, name),
            headers=headers, timeout=TIMEOUT,
        )  # fmt: skip
        answer.raise_for_status()
        accepted = answer.json()
    except (requests.RequestException, ValueError) as exc:
        raise RegistrationError(
            gettext("The LMS did not accept the registration: {problem}").format(problem=exc)
        ) from exc
    client_id = accepted.get("client_id") if isinstance(accepted, dict) else None
    if not client_id:
        raise RegistrationError(gettext("The LMS answered without a client id."))
    product = (config.get(PLATFORM_CONFIGURATION) or {}).get("product_family_code") or "LMS"
    deployment_id = (accepted.get(TOOL_CONFIGURATION) or {}).get("deployment_id")
    with transaction.atomic():
        registration.name = f"{product} ({_origin(config['issuer'])})"[:255]
        registration.issuer = config["issuer"]
        registration.client_id = str(client_id)
        registration.auth_url = config["authorization_endpoint"]
        registration.token_url = config["token_endpoint"]
        registration.keyset_url = config["jwks_uri"]
        registration.is_active = True
        registration.save()
        if deployment_id:
            LtiDeployment.objects.get_or_create(
                registration=registration, deployment_id=str(deployment_id),
                defaults={"is_active": True},
            )  # fmt: skip
    return registration
