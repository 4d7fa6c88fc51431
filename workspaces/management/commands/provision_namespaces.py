from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kube import KubeError
from workspaces.classroom import student_namespace_provision
from workspaces.management.commands._classroomcommand import (
    add_user_arguments,
    named_users,
    require_classroom_mode,
)
from workspaces.tutor_cluster import connect


class Command(BaseCommand):
    help = (
        "Classroom mode: create (or bring back in line) students' namespaces, with their "
        "ServiceAccount, Role, RoleBinding, ResourceQuota, LimitRange and kubeconfig. "
        "Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_user_arguments(parser, all_help="every active account that is not staff")

    def handle(self, *args: Any, **options: Any) -> None:
        require_classroom_mode()
        if options["all"]:
            users = list(User.objects.filter(is_active=True, is_staff=False).order_by("username"))
        else:
            users = named_users(options)
        try:
            cluster = connect()
        except KubeError as exc:
            raise CommandError(f"could not reach the classroom cluster ({exc})") from exc
        failed = []
        try:
            for user in users:
                try:
                    found = student_namespace_provision(cluster=cluster, user=user)
                except KubeError as exc:
                    failed.append(user.username)
                    self.stderr.write(f"{user.username}: could not provision ({exc})")
                else:
                    self.stdout.write(f"{user.username}: {found.namespace}")
        finally:
            cluster.close()
        if failed:
            raise CommandError(
                f"{len(failed)} of {len(users)} not provisioned: {', '.join(failed)}"
            )
