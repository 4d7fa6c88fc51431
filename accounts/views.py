"""Sign-up; the rest of the auth flow (log in, log out, password change) is Django's own."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.middleware import remember
from accounts.permissions import is_instructor, operator_required


class SignupForm(UserCreationForm):  # type: ignore[type-arg]
    email = forms.EmailField(
        label=gettext_lazy("Email"),
        required=False,
        help_text=gettext_lazy("Optional; only used to reset a password."),
    )

    class Meta(UserCreationForm.Meta):  # type: ignore[name-defined]
        model = User
        fields = ("username", "email")


@sensitive_post_parameters("password1", "password2")
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("profile")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            user = form.save()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(next_url or "home")
    else:
        form = SignupForm()
    return render(request, "registration/signup.html", {"form": form, "next": next_url})


class InstructorGrantForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)


@require_http_methods(["GET", "HEAD", "POST"])
@operator_required
def instructors(request: HttpRequest) -> HttpResponse:
    """The operators' page: who is an instructor, grant and revoke the right."""
    form = InstructorGrantForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action", "grant")
        if form.is_valid():
            try:
                user = services.user_by_username(form.cleaned_data["username"])
                if action == "revoke":
                    services.instructor_revoke(user=user, by=request.user)  # type: ignore[arg-type]
                    if is_instructor(user):
                        messages.warning(
                            request,
                            gettext(
                                "{username} stays an instructor: staff accounts and "
                                "superusers always are (change that in the admin)."
                            ).format(username=user.get_username()),
                        )
                    else:
                        messages.success(
                            request,
                            gettext("{username} is no longer an instructor.").format(
                                username=user.get_username()
                            ),
                        )
                else:
                    changed = services.instructor_grant(user=user, by=request.user)  # type: ignore[arg-type]
                    messages.success(
                        request,
                        (
                            gettext(
                                "{username} is now an instructor: the Teach menu shows them "
                                "their classes and quizzes."
                            )
                            if changed
                            else gettext("{username} was already an instructor.")
                        ).format(username=user.get_username()),
                    )
            except services.AccountError as exc:
                messages.error(request, str(exc))
            else:
                return redirect("accounts:instructors")
    return render(
        request,
        "accounts/instructors.html",
        {"form": form, "instructors": services.instructors()},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def time_zone(request: HttpRequest) -> HttpResponse:
    """Choose the time zone every date and deadline is shown in."""
    user = request.user
    current = getattr(getattr(user, "preferences", None), "time_zone", "")
    status = 200
    if request.method == "POST":
        try:
            name = request.POST.get("time_zone", "").strip()
            services.time_zone_set(user=user, name=name)  # type: ignore[arg-type]
            remember(int(user.pk or 0), name)
        except services.AccountError as exc:
            messages.error(request, str(exc))
            status = 400
        else:
            messages.success(
                request, gettext("Time zone saved: dates and deadlines now show in it.")
            )
            return redirect("accounts:time_zone")
    return render(
        request,
        "accounts/time_zone.html",
        {"zones": services.time_zones(), "current": current, "site_zone": settings.TIME_ZONE},
        status=status,
    )
