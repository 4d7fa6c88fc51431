"""Students' namespaces and own clusters moved out of the labs app; namespace runs are new.

StudentNamespace and StudentCluster keep their tables (labs_studentnamespace,
labs_studentcluster): only Django's state moves, and labs 0005 forgets them
there. NamespaceRun is a new table.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ("studentnamespace", "studentcluster")


def move_content_types(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not content_type.objects.filter(app_label="workspaces", model=model).exists():
            content_type.objects.filter(app_label="labs", model=model).update(
                app_label="workspaces"
            )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("labs", "0004_student_cluster"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="StudentCluster",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("kubeconfig_encrypted", models.TextField()),
                        ("context", models.CharField(max_length=253)),
                        ("server", models.CharField(max_length=300)),
                        ("namespace", models.CharField(max_length=63)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("checked_at", models.DateTimeField(blank=True, null=True)),
                        ("kubernetes_version", models.CharField(blank=True, max_length=40)),
                        ("problem", models.CharField(blank=True, max_length=500)),
                        (
                            "user",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="student_cluster",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "labs_studentcluster",
                    },
                ),
                migrations.CreateModel(
                    name="StudentNamespace",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("cluster_server", models.CharField(max_length=300)),
                        ("namespace", models.CharField(max_length=63, unique=True)),
                        ("kubeconfig_encrypted", models.TextField(blank=True)),
                        ("token_expires_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("provisioned_at", models.DateTimeField(blank=True, null=True)),
                        ("cleaned_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "user",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="student_namespace",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "labs_studentnamespace",
                        "ordering": ["namespace"],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, migrations.RunPython.noop),
        migrations.CreateModel(
            name="NamespaceRun",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("provision", "Namespaces provisioned"),
                            ("cleanup", "Namespaces cleaned up"),
                        ],
                        max_length=10,
                    ),
                ),
                ("scope", models.CharField(db_index=True, max_length=100)),
                ("user_ids", models.JSONField(default=list)),
                ("quota", models.JSONField(default=dict)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "Waiting for a worker"),
                            ("running", "Running"),
                            ("done", "Done"),
                        ],
                        default="queued",
                        max_length=10,
                    ),
                ),
                ("done", models.JSONField(default=list)),
                ("skipped", models.JSONField(default=list)),
                ("failed", models.JSONField(default=list)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                (
                    "requested_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
            },
        ),
    ]
