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
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from core.http import AuthenticatedHttpRequest
from kube import KubeError
from kube.kubeconfig import MAX_BYTES
from workspaces import own_cluster


class StudentClusterForm(forms.Form):
    upload = forms.FileField(
        required=False, label="Kubeconfig file", help_text="For example ~/.kube/config."
    )
    kubeconfig = forms.CharField(
        required=False,
        strip=False,
        max_length=MAX_BYTES,
        label="…or paste it",
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "autocomplete": "off"}),
    )
    context = forms.CharField(
        required=False,
        max_length=253,
        help_text="Empty: the file's current-context.",
    )
    namespace = forms.CharField(
        required=False,
        max_length=63,
        help_text="Where your lab work lives. Empty: the context's namespace, else default.",
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        upload = cleaned.get("upload")
        if upload is not None:
            if upload.size > MAX_BYTES:  # type: ignore[attr-defined]
                raise forms.ValidationError(f"The file is larger than {MAX_BYTES // 1024} KiB.")
            try:
                cleaned["text"] = upload.read().decode()  # type: ignore[attr-defined]
            except UnicodeDecodeError as exc:
                raise forms.ValidationError("The file is not text (UTF-8).") from exc
        elif str(cleaned.get("kubeconfig") or "").strip():
            cleaned["text"] = str(cleaned["kubeconfig"])
        else:
            raise forms.ValidationError("Choose a kubeconfig file or paste one.")
        return cleaned


# no-store: the page speaks of credentials; the pasted kubeconfig never reaches an error report.
@never_cache
@sensitive_post_parameters("kubeconfig")
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def my_cluster(request: AuthenticatedHttpRequest) -> HttpResponse:
    own_cluster.require_enabled()
    current = own_cluster.student_cluster_for(user=request.user)
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
                form.add_error(None, str(exc))
            else:
                own_cluster.student_cluster_test(saved)
                if saved.problem:
                    messages.warning(
                        request,
                        "Saved, but your cluster did not answer as expected; "
                        "labs cannot be checked there until it does.",
                    )
                else:
                    messages.success(
                        request, "Saved: your labs are now checked on your own cluster."
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
        messages.error(request, "You have not saved a cluster yet.")
        return redirect("workspaces:my_cluster")
    own_cluster.student_cluster_test(current)
    if current.problem:
        messages.error(request, f"Your cluster did not answer as expected: {current.problem}")
    else:
        messages.success(
            request, f"Your cluster answered (Kubernetes {current.kubernetes_version})."
        )
    return redirect("workspaces:my_cluster")


@require_POST
@login_required
def my_cluster_delete(request: AuthenticatedHttpRequest) -> HttpResponse:
    own_cluster.require_enabled()
    if own_cluster.student_cluster_delete(user=request.user):
        messages.success(request, "Removed: your labs are checked on the tutor's cluster again.")
    return redirect("workspaces:my_cluster")
