"""A student's own cluster for labs: upload a kubeconfig, test it, remove it.

The pages exist only when the operator enables students' own clusters.
Every action is the student's own: there is no URL with another user's id.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling

from core.http import AuthenticatedHttpRequest
from kube import KubeError
from kube.kubeconfig import MAX_BYTES
from workspaces import own_cluster, services


class StudentClusterForm(forms.Form):
    upload = forms.FileField(
        required=False,
        label=gettext_lazy("Kubeconfig file"),
        help_text=gettext_lazy("For example ~/.kube/config."),
    )
    kubeconfig = forms.CharField(
        required=False,
        strip=False,
        label=gettext_lazy("…or paste it"),
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "autocomplete": "off"}),
    )
    context = forms.CharField(
        required=False,
        max_length=253,
        label=gettext_lazy("Context"),
        help_text=gettext_lazy("Empty: the file's current-context."),
    )
    namespace = forms.CharField(
        required=False,
        max_length=63,
        label=gettext_lazy("Namespace"),
        help_text=gettext_lazy(
            "Where your lab work lives. Empty: the context's namespace, else default."
        ),
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        upload = cleaned.get("upload")
        if upload is not None:
            if upload.size > MAX_BYTES:  # type: ignore[attr-defined]
                raise forms.ValidationError(_capitalized(own_cluster.size_in_words(upload.size)))  # type: ignore[attr-defined]
            try:
                cleaned["text"] = upload.read().decode()  # type: ignore[attr-defined]
            except UnicodeDecodeError as exc:
                raise forms.ValidationError(_("The file is not text (UTF-8).")) from exc
        elif str(cleaned.get("kubeconfig") or "").strip():
            cleaned["text"] = str(cleaned["kubeconfig"])
        else:
            raise forms.ValidationError(_("Choose a kubeconfig file or paste one."))
        # Pasted or uploaded, the same limit in the same words (bytes, as the file has).
        size = len(cleaned["text"].encode("utf-8", errors="replace"))
        if size > MAX_BYTES:
            raise forms.ValidationError(_capitalized(own_cluster.size_in_words(size)))
        return cleaned


def _capitalized(message: str) -> str:
    return message[:1].upper() + message[1:] + "."


# no-store: the page speaks of credentials; the pasted kubeconfig never reaches an error report.
@never_cache
@sensitive_post_parameters("kubeconfig")
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def my_cluster(request: AuthenticatedHttpRequest) -> HttpResponse:
    own_cluster.require_enabled()
    current = own_cluster.student_cluster_for(user=request.user)
    if request.htmx and request.GET.get("part") == "test" and current is not None:
        # The "Last test" line polls itself while a worker tests the connection.
        response = render(request, "workspaces/my_cluster.html#cluster-test", {"current": current})
        if current.test_pending:
            return response
        return HttpResponseStopPolling(response.content)
    form = StudentClusterForm()
    if request.method == "POST":
        form = StudentClusterForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                saved = own_cluster.student_cluster_save(
                    user=request.user,
                    text=form.cleaned_data["text"],
                    context=form.cleaned_data["context"],
                    namespace=form.cleaned_data["namespace"],
                )
            except KubeError as exc:
                form.add_error(None, own_cluster.in_words(exc))
            else:
                services.student_cluster_test_request(student_cluster=saved)
                messages.success(
                    request,
                    _(
                        "Saved: your labs are now checked on your own cluster. The tutor is "
                        "testing the connection; the result appears below."
                    ),
                )
                return redirect("workspaces:my_cluster")
    return render(
        request,
        "workspaces/my_cluster.html",
        {
            "form": form,
            "current": current,
            "allowed": own_cluster.allowed_servers(),
        },
        status=400 if form.is_bound else 200,
    )


@require_POST
@login_required
def my_cluster_test(request: AuthenticatedHttpRequest) -> HttpResponse:
    current = own_cluster.student_cluster_for(user=request.user)
    if current is None:
        own_cluster.require_enabled()
        messages.error(request, _("You have not saved a cluster yet."))
        return redirect("workspaces:my_cluster")
    services.student_cluster_test_request(student_cluster=current)
    messages.info(request, _("The tutor is testing the connection; the result appears below."))
    return redirect("workspaces:my_cluster")


@require_POST
@login_required
def my_cluster_delete(request: AuthenticatedHttpRequest) -> HttpResponse:
    own_cluster.require_enabled()
    if own_cluster.student_cluster_delete(user=request.user):
        messages.success(request, _("Removed: your labs are checked on the tutor's cluster again."))
    return redirect("workspaces:my_cluster")
