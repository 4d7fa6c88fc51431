"""The manifest editor's help while writing: completion, hover, and the Kubernetes version.

Thin: the answers come from engine.manifests.assist, from the same schemas as
validation; the chapter links from lessons.selectors.field_links. Open to
anyone who may open an exercise (anonymous readers too), like the checks.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from accounts.rate_limit import client_key, rate_limit_take
from core.http import body_too_large
from engine.manifests import DEFAULT_VERSION, SUPPORTED_VERSIONS, manifest_text_problem
from engine.manifests.assist import complete, hover
from lessons import selectors

SESSION_KEY = "kubernetes_version"


def chosen_version(request: HttpRequest) -> str:
    """The student's Kubernetes version (remembered in the session), or the course's."""
    version = request.session.get(SESSION_KEY)
    return version if version in SUPPORTED_VERSIONS else DEFAULT_VERSION


def _request(request: HttpRequest) -> tuple[str, int, int, str] | JsonResponse:
    verdict = rate_limit_take(
        scope="editor-help",
        client=client_key(request),
        limit=settings.TUTOR_EDITOR_HELP_PER_MINUTE,
    )
    if not verdict.allowed:
        response = JsonResponse(
            {
                "message": gettext(
                    "Too many suggestions asked for in a minute: they come back in {seconds} s."
                ).format(seconds=verdict.retry_after)
            },
            status=429,
        )
        response["Retry-After"] = str(verdict.retry_after)
        return response
    try:
        text = request.POST.get("manifest", "")
        line, column = int(request.POST.get("line", "")), int(request.POST.get("column", ""))
    except RequestDataTooBig:
        return body_too_large()
    except ValueError:
        return JsonResponse(
            {"message": gettext("Send `line` and `column` as whole numbers (1-based).")},
            status=400,
        )
    problem = manifest_text_problem(text)
    if problem:
        return JsonResponse({"message": problem}, status=413)
    version = request.POST.get("kubernetes_version") or chosen_version(request)
    if version not in SUPPORTED_VERSIONS:
        return JsonResponse(
            {"message": _version_choice()},
            status=400,
        )
    return text, line, column, version


def _version_choice() -> str:
    return gettext("Choose one of the Kubernetes versions {versions}.").format(
        versions=", ".join(SUPPORTED_VERSIONS)
    )


@require_POST
def editor_complete(request: HttpRequest) -> JsonResponse:
    """What may be written at the cursor (POST manifest, line, column[, kubernetes_version])."""
    asked = _request(request)
    if isinstance(asked, JsonResponse):
        return asked
    text, line, column, version = asked
    return JsonResponse(complete(text, line, column, kubernetes_version=version).as_dict())


@require_POST
def editor_hover(request: HttpRequest) -> JsonResponse:
    """The key under the pointer: {"hover": {...}} or {"hover": null}."""
    asked = _request(request)
    if isinstance(asked, JsonResponse):
        return asked
    text, line, column, version = asked
    found = hover(text, line, column, kubernetes_version=version, links=selectors.field_links())
    return JsonResponse({"hover": found.as_dict() if found else None})


@require_POST
def editor_version(request: HttpRequest) -> JsonResponse:
    """Remember the student's Kubernetes version for the editor (POST kubernetes_version)."""
    version = request.POST.get("kubernetes_version", "")
    if version not in SUPPORTED_VERSIONS:
        return JsonResponse(
            {"message": _version_choice()},
            status=400,
        )
    request.session[SESSION_KEY] = version
    return JsonResponse({"kubernetes_version": version})
