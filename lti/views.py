"""The tool's side of LTI 1.3: login initiation, launches, deep linking, dynamic registration.

Pages the LMS shows in its iframe may be framed by that LMS only (its
origin, in the Content-Security-Policy); every other tutor page still
refuses framing. A launch does not sign anyone in inside the iframe, where
browsers keep third-party cookies apart: it hands over a single-use link
that opens the tutor in a window of its own, signed in.
"""

from __future__ import annotations

import logging
import secrets
from contextlib import AbstractContextManager, nullcontext
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.models import User
from django.core import signing
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from lti_tool.lti_core.constants import ContextRole
from lti_tool.lti_core.utils import normalize_role
from lti_tool.models import Key, LtiLaunch, LtiRegistration
from lti_tool.utils import sync_data_from_launch
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException
from pylti1p3.lineitem import LineItem

from accounts.permissions import instructor_required
from classes.selectors import cohort_get_for_instructor
from core.http import AuthenticatedHttpRequest
from lti import catalog, delivery, registration, tasks
from lti.identity import cohort_for, membership_apply, user_for
from lti.keys import key_ensure
from lti.launches import (
    launch_from_cache,
    launch_from_request,
    launch_language,
    nonce_consume,
    oidc_login,
)
from lti.models import CourseClass, PlacedItem, ScoreOutbox

log = logging.getLogger(__name__)
CONTINUE_SECONDS = 300
DEEP_LINK_SALT = "lti.deep-link"
DEEP_LINK_SECONDS = 3600
TOOL_NAME = "LFS158 Tutor"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _framed_by(response: HttpResponse, *origins: str, form_action: str = "") -> HttpResponse:
    """Let these origins (the LMS) frame this one response; the rest of the site refuses."""
    allowed = sorted({_origin(o) for o in origins if o})
    replace: dict[str, Any] = {"frame-ancestors": allowed or ["'none'"]}
    if form_action:
        replace["form-action"] = ["'self'", _origin(form_action)]
    response._csp_replace = replace  # type: ignore[attr-defined]
    return response


def _refused(
    request: HttpRequest, message: str, status: int = 403, lti_launch: LtiLaunch | None = None
) -> HttpResponse:
    """The page of a refused launch, in the LMS's iframe when the launch itself was genuine."""
    response = render(request, "lti/refused.html", {"reason": message}, status=status)
    if lti_launch is None:
        return response
    lti_registration = lti_launch.registration
    return _framed_by(response, lti_registration.issuer, lti_registration.auth_url)


def _in_language(language: str | None) -> AbstractContextManager[None]:
    """The launch's own language (its launch_presentation.locale) for this one response."""
    return translation.override(language) if language else nullcontext()


def _content_language(response: HttpResponse, language: str | None) -> HttpResponse:
    if language:
        response["Content-Language"] = language  # LocaleMiddleware keeps it (setdefault)
    return response


@require_safe
def jwks(request: HttpRequest) -> HttpResponse:
    key_ensure()
    return JsonResponse(Key.objects.as_jwks())


@csrf_exempt
@require_http_methods(["GET", "POST"])
def oidc_init(request: HttpRequest, registration_uuid: str) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    target = params.get("target_link_uri")
    if not target or not params.get("iss") or not params.get("login_hint"):
        return HttpResponseBadRequest(
            gettext("The LMS's login request lacks iss, login_hint or target_link_uri."),
            content_type="text/plain; charset=utf-8",
        )
    if _origin(target) != _origin(request.build_absolute_uri("/")):
        return HttpResponseBadRequest(
            gettext("target_link_uri is not an address of this tutor."),
            content_type="text/plain; charset=utf-8",
        )
    try:
        return oidc_login(request, registration_uuid, target)
    except LtiException as exc:
        log.warning("LTI login refused: %s", exc)
        return _refused(request, str(exc))


def _is_instructor(lti_launch: LtiLaunch) -> bool:
    roles = {normalize_role(r) for r in lti_launch.roles_claim or []}
    return bool(roles & {ContextRole.INSTRUCTOR, ContextRole.ADMINISTRATOR})


@csrf_exempt
@xframe_options_exempt
@require_POST
def launch(request: HttpRequest) -> HttpResponse:
    """A resource-link or deep-linking launch, validated by PyLTI1p3 and refused with a 403.

    Once the launch is validated, its launch_presentation.locale (when the
    tutor has that language) picks the language of this response, whatever
    the browser asks for: the LMS knows its user's language.
    """
    lti_launch: LtiLaunch | None = None
    language: str | None = None
    try:
        with transaction.atomic():
            lti_launch = launch_from_request(request)
            language = launch_language(lti_launch)
            with _in_language(language):
                nonce_consume(lti_launch)
                sync_data_from_launch(lti_launch)
                if not lti_launch.deployment.is_active:
                    raise LtiException(
                        gettext(
                            "this LMS deployment is not active yet: an operator of the tutor "
                            "activates it in the admin (LTI deployments)"
                        )
                    )
                if lti_launch.is_resource_launch:
                    response = _resource_launch(request, lti_launch)
                elif lti_launch.is_deep_link_launch:
                    response = _deep_link_launch(request, lti_launch)
                else:
                    raise LtiException(gettext("this kind of LTI message is not supported"))
    except LtiException as exc:
        log.warning("LTI launch refused: %s", exc)
        with _in_language(language):
            return _content_language(_refused(request, str(exc), lti_launch=lti_launch), language)
    lti_registration = lti_launch.registration
    response = _framed_by(response, lti_registration.issuer, lti_registration.auth_url)
    return _content_language(response, language)


def _resource_launch(request: HttpRequest, lti_launch: LtiLaunch) -> HttpResponse:
    user = user_for(lti_launch.user)
    membership_apply(cohort_for(lti_launch.context), lti_launch.membership)
    item = catalog.item_for(lti_launch.get_custom_claim("item") or "")
    if item is None:
        return render(request, "lti/open.html", {"problem": True}, status=404)
    ags = lti_launch.ags_claim or {}
    PlacedItem.objects.update_or_create(
        resource_link=lti_launch.resource_link,
        defaults={"kind": item.kind, "item_uuid": item.uuid,
                  "line_item_url": str(ags.get("lineitem") or "")[:500]},
    )  # fmt: skip
    token = secrets.token_urlsafe(24)
    caches["shared"].set(
        f"lti:continue:{token}", {"user": user.pk, "next": item.url}, CONTINUE_SECONDS
    )
    url = reverse("lti:continue", kwargs={"token": token})
    if lti_launch.document_target == "window":
        return redirect(url)
    return render(request, "lti/open.html", {"item": item, "url": url})


def _deep_link_launch(request: HttpRequest, lti_launch: LtiLaunch) -> HttpResponse:
    if not _is_instructor(lti_launch):
        raise LtiException(gettext("only the course's instructors can add tutor content"))
    token = signing.dumps({"launch": lti_launch.get_launch_id()}, salt=DEEP_LINK_SALT)
    return render(
        request,
        "lti/picker.html",
        {"items": catalog.items(), "token": token, "course": lti_launch.context.title},
    )


@csrf_exempt
@xframe_options_exempt
@require_POST
def deep_link_submit(request: HttpRequest) -> HttpResponse:
    """The instructor's choice, signed as an LtiDeepLinkingResponse and posted to the LMS.

    Not CSRF-protected by cookie (the iframe may have none): the signed,
    short-lived token of the launch is what ties this POST to it.
    """
    try:
        data = signing.loads(
            request.POST.get("token", ""), salt=DEEP_LINK_SALT, max_age=DEEP_LINK_SECONDS
        )
        lti_launch = launch_from_cache(request, str(data["launch"]))
    except (signing.BadSignature, KeyError, LtiException):
        return _refused(
            request, gettext("this page has expired: add the content again from the LMS")
        )
    language = launch_language(lti_launch)
    with _in_language(language):
        return _content_language(_deep_link_answer(request, lti_launch), language)


def _deep_link_answer(request: HttpRequest, lti_launch: LtiLaunch) -> HttpResponse:
    if not lti_launch.is_deep_link_launch or not _is_instructor(lti_launch):
        return _refused(request, gettext("not a deep-linking session of an instructor"))
    key_ensure()
    launch_url = request.build_absolute_uri(reverse("lti:launch"))
    chosen = [catalog.item_for(key) for key in request.POST.getlist("item")]
    resources = []
    for item in filter(None, chosen):
        resource = (
            DeepLinkResource().set_url(launch_url).set_title(item.title)
            .set_custom_params({"item": item.key})
        )  # fmt: skip
        if item.graded:
            resource.set_lineitem(
                LineItem().set_score_maximum(100).set_label(item.title)
                .set_resource_id(item.key).set_tag("lfs158-tutor")
            )  # fmt: skip
        resources.append(resource)
    deep_link = lti_launch.get_message_launch().get_deep_link()
    settings = lti_launch.get_launch_data()[
        "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
    ]
    return_url = settings["deep_link_return_url"]
    response = render(
        request,
        "lti/deep_link_return.html",
        {"return_url": return_url, "jwt": deep_link.get_response_jwt(resources),
         "count": len(resources)},
    )  # fmt: skip
    lti_registration = lti_launch.registration
    return _framed_by(
        response, lti_registration.issuer, lti_registration.auth_url, form_action=return_url
    )


@require_safe
def continue_launch(request: HttpRequest, token: str) -> HttpResponse:
    """The single-use link a launch handed over: signs the LMS user in, opens the item."""
    cache = caches["shared"]
    key = f"lti:continue:{token[:100]}"
    found = cache.get(key)
    cache.delete(key)
    user = User.objects.filter(pk=int((found or {}).get("user") or 0), is_active=True).first()
    if user is None or found is None:
        return render(request, "lti/open.html", {"expired": True}, status=404)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect(found["next"])


# --- dynamic registration ----------------------------------------------------------------


@csrf_exempt
@xframe_options_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """LTI Dynamic Registration: the LMS opens this page with its configuration's address.

    The LMS administrator confirms with a POST (the page is in the LMS's
    iframe, with the registration token as its proof), and nothing is stored
    before the LMS has accepted the tool.
    """
    config_url = request.GET.get("openid_configuration", "")
    token = request.GET.get("registration_token", "")
    if not config_url:
        return HttpResponseBadRequest(
            gettext("Open this page from your LMS's tool registration."),
            content_type="text/plain; charset=utf-8",
        )
    if request.method != "POST":
        response = render(request, "lti/register.html", {"action": request.get_full_path()})
        return _framed_by(response, config_url)
    pending = LtiRegistration()
    urls = registration.ToolUrls(
        login=request.build_absolute_uri(
            reverse("lti:login", kwargs={"registration_uuid": pending.uuid})
        ),
        launch=request.build_absolute_uri(reverse("lti:launch")),
        jwks=request.build_absolute_uri(reverse("lti:jwks")),
        domain=request.get_host(),
    )
    try:
        key_ensure()
        saved = registration.register(
            openid_configuration=config_url, token=token, registration=pending, urls=urls,
            name=TOOL_NAME,
        )  # fmt: skip
    except registration.RegistrationError as exc:
        response = render(request, "lti/register.html", {"problem": str(exc)}, status=400)
        return _framed_by(response, config_url)
    log.info("registered with %s (client %s)", saved.issuer, saved.client_id)
    return _framed_by(render(request, "lti/registered.html", {"registration": saved}), config_url)


# --- the instructor's view of the LMS link ------------------------------------------------


@require_safe
@instructor_required
def cohort_lms(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cohort = cohort_get_for_instructor(user=request.user, pk=pk)
    course = CourseClass.objects.filter(cohort=cohort).select_related("context").first()
    scores = (
        ScoreOutbox.objects.filter(placed_item__resource_link__context__tutor_class__cohort=cohort)
        .select_related("lti_user__auth_user", "placed_item__resource_link")
        .order_by("status", "-graded_at")[:200]
        if course
        else []
    )
    return render(
        request, "lti/cohort.html", {"cohort": cohort, "course": course, "scores": scores}
    )


@require_POST
@instructor_required
def roster_sync(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cohort = cohort_get_for_instructor(user=request.user, pk=pk)
    course = get_object_or_404(CourseClass, cohort=cohort)
    tasks.sync_roster.delay_on_commit(course.pk, translation.get_language() or "")
    messages.info(
        request, gettext("The roster is being read from the LMS: reload this page in a moment.")
    )
    return redirect("lti_instructor:cohort", pk=cohort.pk)


@require_POST
@instructor_required
def score_resend(request: AuthenticatedHttpRequest, pk: int, score_id: int) -> HttpResponse:
    cohort = cohort_get_for_instructor(user=request.user, pk=pk)
    row = get_object_or_404(
        ScoreOutbox, pk=score_id, placed_item__resource_link__context__tutor_class__cohort=cohort
    )
    delivery.resend(outbox_id=row.pk, language=translation.get_language() or "")
    tasks.send_score.delay_on_commit(row.pk)
    messages.info(request, gettext("The score is being sent again."))
    return redirect("lti_instructor:cohort", pk=cohort.pk)
