"""The operator's view of classes in the Django admin (read-mostly: instructors work in /instructor/classes/)."""

from __future__ import annotations

from django.contrib import admin

from classes.models import Cohort, Membership, SubmissionRegrade


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    extra = 0
    raw_id_fields = ["user"]
    readonly_fields = ["joined_at"]


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "created_at", "ended_at"]
    search_fields = ["name", "instructors__username"]
    filter_horizontal = ["instructors"]
    readonly_fields = ["join_code", "created_at"]
    inlines = [MembershipInline]


@admin.register(SubmissionRegrade)
class SubmissionRegradeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["submission", "regraded_by", "created_at", "old_score", "new_score"]
    readonly_fields = [f.name for f in SubmissionRegrade._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # A record of what happened: never edited.
        return False
