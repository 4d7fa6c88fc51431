"""A student's classes: join one with a code, see them, leave one; accept an invitation to teach."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from classes import selectors, services
from classes.forms import JoinForm
from core.http import AuthenticatedHttpRequest


def _page(request: AuthenticatedHttpRequest, form: JoinForm, *, status: int = 200) -> HttpResponse:
    return render(
        request,
        "classes/my_classes.html",
        {"form": form, "memberships": selectors.student_cohorts(user=request.user)},
        status=status,
    )


@require_safe
@login_required
def my_classes(request: AuthenticatedHttpRequest) -> HttpResponse:
    # A link an instructor shares (/classes/?code=...) fills the form; joining is still a POST.
    code = request.GET.get("code", "")[:64]
    return _page(request, JoinForm(initial={"code": code} if code else None))


@require_POST
@login_required
def join(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = JoinForm(request.POST)
    if form.is_valid():
        try:
            membership = services.cohort_join(user=request.user, code=form.cleaned_data["code"])
        except services.JoinRefused as exc:
            form.add_error("code", str(exc))
        else:
            messages.success(
                request,
                gettext("You joined the class “{name}”.").format(name=membership.cohort.name),
            )
            return redirect("classes:mine")
    return _page(request, form, status=400)


@require_POST
@login_required
def leave(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    membership = selectors.membership_get_own(user=request.user, cohort_pk=pk)
    try:
        services.cohort_leave(membership=membership)
    except services.ClassError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, gettext("You left the class “{name}”.").format(name=membership.cohort.name)
        )
    return redirect("classes:mine")


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def invitation(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    """An invitation to teach a class: see what it is, then accept it with a POST."""
    try:
        found = services.invitation_for_token(token)
    except services.InvitationRefused as exc:
        return render(request, "classes/invitation.html", {"problem": str(exc)}, status=404)
    if request.method == "POST":
        try:
            cohort = services.invitation_accept(token=token, user=request.user)
        except services.InvitationRefused as exc:
            return render(request, "classes/invitation.html", {"problem": str(exc)}, status=409)
        messages.success(
            request, gettext("You now teach the class “{name}”.").format(name=cohort.name)
        )
        return redirect(cohort)
    return render(request, "classes/invitation.html", {"invitation": found})
