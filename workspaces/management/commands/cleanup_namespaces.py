from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kube import KubeError
from workspaces.classroom import student_namespace_cleanup
from workspaces.management.commands._classroomcommand import (
    add_user_arguments,
    named_users,
    require_classroom_mode,
)
from workspaces.models import StudentNamespace
from workspaces.terminal.toolbox import remove_simulated_home
from workspaces.tutor_cluster import connect


class Command(BaseCommand):
    help = (
        "Classroom mode: delete students' namespaces (their kubeconfigs stop working). "
        "Their submissions are kept; provisioning again brings the namespace back empty."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_user_arguments(parser, all_help="every student namespace not yet cleaned up")

    def handle(self, *args: Any, **options: Any) -> None:
        require_classroom_mode()
        rows = StudentNamespace.objects.filter(cleaned_at__isnull=True).select_related("user")
        if not options["all"]:
            rows = rows.filter(user__in=named_users(options))
        try:
            cluster = connect()
        except KubeError as exc:
            raise CommandError(f"could not reach the classroom cluster ({exc})") from exc
        failed = []
        try:
            for row in rows:
                try:
                    student_namespace_cleanup(cluster=cluster, student_namespace=row)
                    # On the local control plane: the simulated toolbox's home too.
                    remove_simulated_home(row.namespace)
                except KubeError as exc:
                    failed.append(row.namespace)
                    self.stderr.write(f"{row.user.username}: could not clean up ({exc})")
                else:
                    self.stdout.write(f"{row.user.username}: deleted {row.namespace}")
        finally:
            cluster.close()
        if failed:
            raise CommandError(f"not cleaned up: {', '.join(failed)}")
